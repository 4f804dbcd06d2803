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
