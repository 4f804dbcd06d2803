//! Who may reset whose MFA: the matrix of DESIGN.md §2, in one pure function that pages, the API and
//! the command line all ask.
//!
//! | actor \ target     | employee, own org | user admin, own org | main admin, own org | other org | individual |
//! |--------------------|-------------------|---------------------|---------------------|-----------|------------|
//! | employee           | –                 | –                   | –                   | –         | –          |
//! | user administrator | yes               | –                   | –                   | –         | –          |
//! | main administrator | yes               | yes                 | –                   | –         | –          |
//! | customer service   | yes               | yes                 | yes                 | yes       | yes        |
//!
//! Everyone may reset their own MFA (from the profile, after a fresh MFA check).
//!
//! Managing an organization's members follows the same shape: an [`OrgAdmin`] — obtainable only from
//! [`org_admin`] — manages the members below them (a user administrator: employees; the main
//! administrator: employees and user administrators) of their own organization, and nobody's across
//! organizations. Roles change and the main-administrator role is handed over only by the main
//! administrator; the main administrator is never disabled or demoted, only replaced by a hand-over,
//! so every organization has exactly one at every moment.

use crate::ids::{OrgId, UserId};
use crate::roles::{OrgRole, PlatformRole};

/// A user as the matrix sees them: who, in which organization with which role, and platform role.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Party {
    pub id: UserId,
    pub org: Option<(OrgId, OrgRole)>,
    pub platform: Option<PlatformRole>,
}

/// On what grounds a reset is allowed (recorded in the audit log).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResetGrant {
    /// The user resets their own MFA.
    Own,
    /// An administrator of the target's organization.
    OrgAdministrator(OrgRole),
    /// Platform customer service.
    CustomerService,
}

impl ResetGrant {
    /// As recorded in the audit log (and named in the user's email).
    pub fn as_str(self) -> &'static str {
        match self {
            ResetGrant::Own => "own",
            ResetGrant::OrgAdministrator(OrgRole::MainAdmin) => "main_admin",
            ResetGrant::OrgAdministrator(_) => "user_admin",
            ResetGrant::CustomerService => "customer_service",
        }
    }
}

/// Why a reset is refused; each names who can help instead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResetRefusal {
    /// The target is a main administrator or has no organization: only customer service may.
    OnlyCustomerService,
    /// The target is a user administrator: only the main administrator (or customer service) may.
    OnlyMainAdministrator,
    /// The actor administers no organization of the target's (or is an employee).
    NotTheirAdministrator,
}

impl ResetRefusal {
    pub fn as_str(self) -> &'static str {
        match self {
            ResetRefusal::OnlyCustomerService => "only_customer_service",
            ResetRefusal::OnlyMainAdministrator => "only_main_administrator",
            ResetRefusal::NotTheirAdministrator => "not_their_administrator",
        }
    }
}

/// Whether `actor` may reset the MFA of `target`.
pub fn may_reset_mfa(actor: &Party, target: &Party) -> Result<ResetGrant, ResetRefusal> {
    if actor.id == target.id {
        return Ok(ResetGrant::Own);
    }
    if actor.platform == Some(PlatformRole::CustomerService) {
        return Ok(ResetGrant::CustomerService);
    }
    // Main administrators and individuals: customer service only, whoever asks.
    let Some((target_org, target_role)) = target.org else {
        return Err(ResetRefusal::OnlyCustomerService);
    };
    if target_role == OrgRole::MainAdmin {
        return Err(ResetRefusal::OnlyCustomerService);
    }
    let actor_role = match actor.org {
        Some((org, role)) if org == target_org => role,
        _ => return Err(ResetRefusal::NotTheirAdministrator),
    };
    match (actor_role, target_role) {
        (OrgRole::MainAdmin, OrgRole::UserAdmin | OrgRole::Employee) | (OrgRole::UserAdmin, OrgRole::Employee) => {
            Ok(ResetGrant::OrgAdministrator(actor_role))
        }
        (OrgRole::UserAdmin, OrgRole::UserAdmin) => Err(ResetRefusal::OnlyMainAdministrator),
        _ => Err(ResetRefusal::NotTheirAdministrator),
    }
}

/// Proof that a user administers an organization; the member-management use cases take it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OrgAdmin {
    pub actor: UserId,
    pub org: OrgId,
    pub role: OrgRole,
}

/// The actor's administrator standing in their organization, if they have one.
pub fn org_admin(actor: &Party) -> Option<OrgAdmin> {
    match actor.org {
        Some((org, role @ (OrgRole::MainAdmin | OrgRole::UserAdmin))) => Some(OrgAdmin {
            actor: actor.id,
            org,
            role,
        }),
        _ => None,
    }
}

/// Why a member-management action is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ManageRefusal {
    /// The target is not a member of the administrator's organization.
    OtherOrganization,
    /// Only the main administrator may do this (user administrators manage employees only).
    OnlyMainAdministrator,
    /// The main administrator's role changes only by handing it over; they are never disabled.
    MainAdministratorFixed,
    /// Administrators do not disable or demote themselves.
    OwnAccount,
}

impl ManageRefusal {
    pub fn as_str(self) -> &'static str {
        match self {
            ManageRefusal::OtherOrganization => "other_organization",
            ManageRefusal::OnlyMainAdministrator => "only_main_administrator",
            ManageRefusal::MainAdministratorFixed => "main_administrator_fixed",
            ManageRefusal::OwnAccount => "own_account",
        }
    }
}

impl OrgAdmin {
    /// The target's role in this organization, or a refusal if they are not a member.
    fn member_role(&self, target: &Party) -> Result<OrgRole, ManageRefusal> {
        match target.org {
            Some((org, role)) if org == self.org => Ok(role),
            _ => Err(ManageRefusal::OtherOrganization),
        }
    }

    /// May see the target in the member list and their details.
    pub fn may_view(&self, target: &Party) -> Result<(), ManageRefusal> {
        self.member_role(target).map(|_| ())
    }

    /// May disable or enable the target, or resend or revoke their invitation.
    pub fn may_manage(&self, target: &Party) -> Result<(), ManageRefusal> {
        let role = self.member_role(target)?;
        if target.id == self.actor {
            return Err(ManageRefusal::OwnAccount);
        }
        match (self.role, role) {
            (_, OrgRole::MainAdmin) => Err(ManageRefusal::MainAdministratorFixed),
            (OrgRole::MainAdmin, _) | (OrgRole::UserAdmin, OrgRole::Employee) => Ok(()),
            _ => Err(ManageRefusal::OnlyMainAdministrator),
        }
    }

    /// May invite someone with `role` (the main-administrator role is never invited).
    pub fn may_invite(&self, role: OrgRole) -> Result<(), ManageRefusal> {
        match (self.role, role) {
            (_, OrgRole::MainAdmin) => Err(ManageRefusal::MainAdministratorFixed),
            (OrgRole::MainAdmin, _) | (OrgRole::UserAdmin, OrgRole::Employee) => Ok(()),
            _ => Err(ManageRefusal::OnlyMainAdministrator),
        }
    }

    /// May change the target's role to `to` (employee ↔ user administrator; main administrator only).
    pub fn may_change_role(&self, target: &Party, to: OrgRole) -> Result<(), ManageRefusal> {
        let role = self.member_role(target)?;
        if target.id == self.actor {
            return Err(ManageRefusal::OwnAccount);
        }
        if role == OrgRole::MainAdmin || to == OrgRole::MainAdmin {
            return Err(ManageRefusal::MainAdministratorFixed);
        }
        match self.role {
            OrgRole::MainAdmin => Ok(()),
            _ => Err(ManageRefusal::OnlyMainAdministrator),
        }
    }

    /// May hand the main-administrator role to the target (the main administrator, to another member).
    pub fn may_hand_over(&self, target: &Party) -> Result<(), ManageRefusal> {
        self.member_role(target)?;
        if target.id == self.actor {
            return Err(ManageRefusal::OwnAccount);
        }
        match self.role {
            OrgRole::MainAdmin => Ok(()),
            _ => Err(ManageRefusal::OnlyMainAdministrator),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ORG: [u8; 16] = [1; 16];
    const OTHER_ORG: [u8; 16] = [2; 16];

    fn party(n: u8, org: Option<([u8; 16], OrgRole)>, platform: Option<PlatformRole>) -> Party {
        Party {
            id: UserId::from_random_bytes([n; 16]),
            org: org.map(|(o, r)| (OrgId::from_random_bytes(o), r)),
            platform,
        }
    }

    /// The matrix of DESIGN.md §2, cell by cell: rows are actors, columns targets.
    #[test]
    fn every_cell_of_the_matrix() {
        let employee = party(1, Some((ORG, OrgRole::Employee)), None);
        let user_admin = party(2, Some((ORG, OrgRole::UserAdmin)), None);
        let main_admin = party(3, Some((ORG, OrgRole::MainAdmin)), None);
        let support = party(4, None, Some(PlatformRole::CustomerService));
        let targets = [
            ("employee, own org", party(11, Some((ORG, OrgRole::Employee)), None)),
            ("user admin, own org", party(12, Some((ORG, OrgRole::UserAdmin)), None)),
            ("main admin, own org", party(13, Some((ORG, OrgRole::MainAdmin)), None)),
            (
                "employee, other org",
                party(14, Some((OTHER_ORG, OrgRole::Employee)), None),
            ),
            (
                "user admin, other org",
                party(15, Some((OTHER_ORG, OrgRole::UserAdmin)), None),
            ),
            ("individual", party(16, None, None)),
        ];
        use ResetRefusal::*;
        let no_cs = Err(OnlyCustomerService);
        let not_theirs = Err(NotTheirAdministrator);
        type Row<'a> = (&'a str, &'a Party, [Result<ResetGrant, ResetRefusal>; 6]);
        let expected: [Row; 4] = [
            (
                "employee",
                &employee,
                [not_theirs, not_theirs, no_cs, not_theirs, not_theirs, no_cs],
            ),
            (
                "user administrator",
                &user_admin,
                [
                    Ok(ResetGrant::OrgAdministrator(OrgRole::UserAdmin)),
                    Err(OnlyMainAdministrator),
                    no_cs,
                    not_theirs,
                    not_theirs,
                    no_cs,
                ],
            ),
            (
                "main administrator",
                &main_admin,
                [
                    Ok(ResetGrant::OrgAdministrator(OrgRole::MainAdmin)),
                    Ok(ResetGrant::OrgAdministrator(OrgRole::MainAdmin)),
                    no_cs,
                    not_theirs,
                    not_theirs,
                    no_cs,
                ],
            ),
            ("customer service", &support, [Ok(ResetGrant::CustomerService); 6]),
        ];
        for (actor_name, actor, row) in expected {
            for ((target_name, target), want) in targets.iter().zip(row) {
                assert_eq!(may_reset_mfa(actor, target), want, "{actor_name} → {target_name}");
            }
        }
    }

    #[test]
    fn everyone_may_reset_their_own() {
        for me in [
            party(1, Some((ORG, OrgRole::Employee)), None),
            party(2, Some((ORG, OrgRole::MainAdmin)), None),
            party(3, None, None),
            party(4, None, Some(PlatformRole::CustomerService)),
        ] {
            assert_eq!(may_reset_mfa(&me, &me), Ok(ResetGrant::Own));
        }
    }

    #[test]
    fn only_administrators_get_an_org_admin() {
        assert_eq!(org_admin(&party(1, Some((ORG, OrgRole::Employee)), None)), None);
        assert_eq!(org_admin(&party(1, None, Some(PlatformRole::CustomerService))), None);
        assert_eq!(org_admin(&party(1, None, None)), None);
        let admin = org_admin(&party(2, Some((ORG, OrgRole::UserAdmin)), None)).unwrap();
        assert_eq!(
            (admin.org, admin.role),
            (OrgId::from_random_bytes(ORG), OrgRole::UserAdmin)
        );
    }

    /// Member management, cell by cell: user and main administrator against each kind of target.
    #[test]
    fn every_cell_of_member_management() {
        use ManageRefusal::*;
        let user_admin = org_admin(&party(2, Some((ORG, OrgRole::UserAdmin)), None)).unwrap();
        let main_admin = org_admin(&party(3, Some((ORG, OrgRole::MainAdmin)), None)).unwrap();
        let employee = party(11, Some((ORG, OrgRole::Employee)), None);
        let other_user_admin = party(12, Some((ORG, OrgRole::UserAdmin)), None);
        let the_main_admin = party(3, Some((ORG, OrgRole::MainAdmin)), None);
        let me_user_admin = party(2, Some((ORG, OrgRole::UserAdmin)), None);
        let foreign = party(14, Some((OTHER_ORG, OrgRole::Employee)), None);
        let individual = party(16, None, None);

        // Disable / enable / invitations.
        assert_eq!(user_admin.may_manage(&employee), Ok(()));
        assert_eq!(user_admin.may_manage(&other_user_admin), Err(OnlyMainAdministrator));
        assert_eq!(user_admin.may_manage(&the_main_admin), Err(MainAdministratorFixed));
        assert_eq!(user_admin.may_manage(&me_user_admin), Err(OwnAccount));
        assert_eq!(user_admin.may_manage(&foreign), Err(OtherOrganization));
        assert_eq!(user_admin.may_manage(&individual), Err(OtherOrganization));
        assert_eq!(main_admin.may_manage(&employee), Ok(()));
        assert_eq!(main_admin.may_manage(&other_user_admin), Ok(()));
        assert_eq!(main_admin.may_manage(&the_main_admin), Err(OwnAccount));
        assert_eq!(main_admin.may_manage(&foreign), Err(OtherOrganization));

        // Invitations by role.
        assert_eq!(user_admin.may_invite(OrgRole::Employee), Ok(()));
        assert_eq!(user_admin.may_invite(OrgRole::UserAdmin), Err(OnlyMainAdministrator));
        assert_eq!(main_admin.may_invite(OrgRole::UserAdmin), Ok(()));
        assert_eq!(main_admin.may_invite(OrgRole::MainAdmin), Err(MainAdministratorFixed));

        // Roles: only the main administrator, never to or from main administrator.
        assert_eq!(main_admin.may_change_role(&employee, OrgRole::UserAdmin), Ok(()));
        assert_eq!(main_admin.may_change_role(&other_user_admin, OrgRole::Employee), Ok(()));
        assert_eq!(
            main_admin.may_change_role(&employee, OrgRole::MainAdmin),
            Err(MainAdministratorFixed)
        );
        assert_eq!(
            main_admin.may_change_role(&the_main_admin, OrgRole::Employee),
            Err(OwnAccount)
        );
        assert_eq!(
            main_admin.may_change_role(&foreign, OrgRole::UserAdmin),
            Err(OtherOrganization)
        );
        assert_eq!(
            user_admin.may_change_role(&employee, OrgRole::UserAdmin),
            Err(OnlyMainAdministrator)
        );
        assert_eq!(
            user_admin.may_change_role(&the_main_admin, OrgRole::Employee),
            Err(MainAdministratorFixed)
        );

        // Hand-over: only the main administrator, to another member of the organization.
        assert_eq!(main_admin.may_hand_over(&employee), Ok(()));
        assert_eq!(main_admin.may_hand_over(&other_user_admin), Ok(()));
        assert_eq!(main_admin.may_hand_over(&the_main_admin), Err(OwnAccount));
        assert_eq!(main_admin.may_hand_over(&foreign), Err(OtherOrganization));
        assert_eq!(user_admin.may_hand_over(&employee), Err(OnlyMainAdministrator));

        // Seeing a member: anyone of the organization, nobody outside it.
        assert_eq!(user_admin.may_view(&the_main_admin), Ok(()));
        assert_eq!(user_admin.may_view(&foreign), Err(OtherOrganization));
    }

    #[test]
    fn a_customer_service_member_of_an_organization_is_still_customer_service() {
        let both = party(
            5,
            Some((OTHER_ORG, OrgRole::Employee)),
            Some(PlatformRole::CustomerService),
        );
        let main_admin = party(13, Some((ORG, OrgRole::MainAdmin)), None);
        assert_eq!(may_reset_mfa(&both, &main_admin), Ok(ResetGrant::CustomerService));
    }
}
