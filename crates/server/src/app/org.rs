//! Administrators manage their own organization's members: the list with MFA state, invitations
//! (send, resend, revoke), disable and enable, roles, the hand-over of the main-administrator role,
//! MFA resets; and they read their organization's audit log and dashboard.
//!
//! Every decision is made by the core (`portcullis_core::permissions`) on data read inside the
//! transaction that acts on it: the actor is re-read and the target locked, so a role that changed a
//! moment ago counts, and two administrators acting on one user go one after the other. Refusals are
//! audited and answered with who can help.
//!
//! The use cases the admin API shares take an [`Actor`] (a `&CurrentSession` converts into one): the
//! pages and the API are two front doors to these same functions. A token's scope is checked first
//! (`App::require_scope`), then the same permission checks as for a person.

use portcullis_core::permissions::{ManageRefusal, OrgAdmin, Party, ResetGrant, may_reset_mfa, org_admin};
use portcullis_core::{Email, LoginStage, OrgId, OrgName, OrgRole, Reason, TicketRef, UserId, UserStatus};
use portcullis_store::audit::AuditFilter;
use portcullis_store::members::{MemberRow, OrgMfaCounts};
use portcullis_store::records::{AuditEvent, UserRecord};
use portcullis_store::security_keys::{MfaSummary, SecurityKeyRecord};
use serde_json::json;

use portcullis_core::api_token::Scope;

use super::actor::{Actor, Via};
use super::admin::{Invitation, invitee};
use super::login::{CurrentSession, require_mfa_change};
use super::profile::ResetBy;
use super::{App, AppError, Client, event};

/// Members shown per page of the user list.
pub const MEMBERS_PER_PAGE: i64 = 50;
/// Largest page of members one call may ask for (the API answers 400 above it).
pub const MEMBERS_LIMIT_MAX: i64 = 200;
/// Largest page of audit events (also the export's batch).
pub const AUDIT_PAGE_MAX: i64 = 500;

/// How the matrix sees a user.
pub fn party(user: &UserRecord) -> Party {
    Party {
        id: user.id,
        org: user.org,
        platform: user.platform_role,
    }
}

/// One member's page.
#[derive(Debug, Clone)]
pub struct MemberDetail {
    pub user: UserRecord,
    pub mfa: MfaSummary,
    pub keys: Vec<SecurityKeyRecord>,
    pub invitation_open: bool,
    pub events: Vec<AuditEvent>,
}

/// The dashboard's numbers.
#[derive(Debug, Clone)]
pub struct Dashboard {
    pub org_name: Option<OrgName>,
    pub counts: OrgMfaCounts,
    pub open_invitations: i64,
    pub recent: Vec<AuditEvent>,
}

impl App {
    /// The actor's administrator standing, from the user as stored now; a token's only in its own
    /// organization.
    pub(crate) async fn admin_in(&self, tx: &mut portcullis_store::Tx, actor: &Actor) -> Result<OrgAdmin, AppError> {
        if !actor.authenticated() {
            return Err(AppError::WrongStage);
        }
        let user = tx.find_user(actor.user).await?.ok_or(AppError::NotAnAdministrator)?;
        let admin = org_admin(&party(&user)).ok_or(AppError::NotAnAdministrator)?;
        match &actor.via {
            Via::ApiToken { org, .. } if *org != admin.org => Err(AppError::NotAnAdministrator),
            _ => Ok(admin),
        }
    }

    /// Whether the session user administers an organization (for the menu).
    pub fn administers(session: &CurrentSession) -> Option<OrgAdmin> {
        (session.stage == LoginStage::Authenticated)
            .then(|| org_admin(&party(&session.user)))
            .flatten()
    }

    /// Reads and locks a target user by the id from a form; a malformed or unknown id is unknown.
    pub(crate) async fn target_in(&self, tx: &mut portcullis_store::Tx, id: &str) -> Result<UserRecord, AppError> {
        let id = UserId::parse(id).map_err(|_| AppError::UserUnknown)?;
        tx.lock_user(id).await?.ok_or(AppError::UserUnknown)
    }

    /// Audits a refused member-management action in its own transaction, then returns the refusal.
    async fn refuse(
        &self,
        admin: &OrgAdmin,
        target: &UserRecord,
        action: &str,
        refusal: ManageRefusal,
        client: &Client,
    ) -> AppError {
        let now = self.now();
        let detail = json!({ "action": action, "reason": refusal.as_str() });
        let result = async {
            let mut tx = self.store.begin().await?;
            tx.append_audit(&event(
                now,
                "admin_action_refused",
                Some(admin.actor),
                Some(target.id),
                Some(admin.org),
                client,
                detail,
            ))
            .await?;
            tx.commit().await
        }
        .await;
        match result {
            Ok(()) => AppError::ManageRefused(refusal),
            Err(err) => err.into(),
        }
    }

    /// The organization's members matching `search`, a page at a time; true if there are more.
    pub async fn members(
        &self,
        actor: impl Into<Actor>,
        search: &str,
        page: i64,
    ) -> Result<(Vec<MemberRow>, bool), AppError> {
        let offset = page.max(0).saturating_mul(MEMBERS_PER_PAGE);
        self.members_page(actor, search, MEMBERS_PER_PAGE, offset).await
    }

    /// `limit` members matching `search` from `offset` on (`limit` within 1..=[`MEMBERS_LIMIT_MAX`],
    /// the caller refuses larger ones); true if there are more.
    pub async fn members_page(
        &self,
        actor: impl Into<Actor>,
        search: &str,
        limit: i64,
        offset: i64,
    ) -> Result<(Vec<MemberRow>, bool), AppError> {
        let actor = actor.into();
        self.require_scope(&actor, Scope::UsersRead).await?;
        let mut tx = self.store.read().await?;
        let admin = self.admin_in(&mut tx, &actor).await?;
        let limit = limit.clamp(1, MEMBERS_LIMIT_MAX);
        let mut rows = tx
            .org_members(admin.org, search, self.now(), limit + 1, offset.max(0))
            .await?;
        let more = rows.len() as i64 > limit;
        rows.truncate(limit as usize);
        Ok((rows, more))
    }

    pub async fn member(&self, actor: impl Into<Actor>, id: &str) -> Result<MemberDetail, AppError> {
        let actor = actor.into();
        self.require_scope(&actor, Scope::UsersRead).await?;
        let mut tx = self.store.read().await?;
        let admin = self.admin_in(&mut tx, &actor).await?;
        let id = UserId::parse(id).map_err(|_| AppError::UserUnknown)?;
        let user = tx.find_user(id).await?.ok_or(AppError::UserUnknown)?;
        // Someone of another organization is as unknown as a forged id.
        admin.may_view(&party(&user)).map_err(|_| AppError::UserUnknown)?;
        let mfa = tx.mfa_summary(user.id).await?;
        let keys = tx.security_keys_of(user.id).await?;
        let invitation_open = tx.has_open_invitation(user.id, self.now()).await?;
        let events = tx
            .audit_events(&AuditFilter {
                org: Some(admin.org),
                user: Some(user.id),
                limit: 20,
                ..AuditFilter::default()
            })
            .await?
            .into_iter()
            .map(|(_, e)| e)
            .collect();
        Ok(MemberDetail {
            user,
            mfa,
            keys,
            invitation_open,
            events,
        })
    }

    /// Invites someone to the administrator's organization.
    pub async fn invite_member(
        &self,
        actor: impl Into<Actor>,
        email: &str,
        role: OrgRole,
        client: &Client,
    ) -> Result<Invitation, AppError> {
        let actor = actor.into();
        self.require_scope(&actor, Scope::UsersWrite).await?;
        let email = Email::parse(email)?;
        let now = self.now();
        let mut tx = self.store.begin().await?;
        let admin = self.admin_in(&mut tx, &actor).await?;
        admin.may_invite(role).map_err(AppError::ManageRefused)?;
        if tx.find_user_by_email(&email).await?.is_some() {
            return Err(AppError::EmailTaken);
        }
        let org_name = tx.find_org(admin.org).await?.map(|o| o.name);
        let user = invitee(email, Some((admin.org, role)), None, now)?;
        let invitation = self
            .insert_invitation(&mut tx, user, org_name.as_ref(), Some(admin.actor), client)
            .await?;
        tx.commit().await?;
        Ok(invitation)
    }

    /// A new invitation link for a member who has not accepted yet; the old link stops working.
    pub async fn resend_invitation(
        &self,
        actor: impl Into<Actor>,
        id: &str,
        client: &Client,
    ) -> Result<Invitation, AppError> {
        let actor = actor.into();
        self.require_scope(&actor, Scope::UsersWrite).await?;
        let now = self.now();
        let mut tx = self.store.begin().await?;
        let admin = self.admin_in(&mut tx, &actor).await?;
        let target = self.target_in(&mut tx, id).await?;
        if let Err(refusal) = admin.may_manage(&party(&target)) {
            drop(tx);
            return Err(self.refuse(&admin, &target, "resend_invitation", refusal, client).await);
        }
        let invitation = self.resend_in(&mut tx, &target, Some(admin.actor), client, now).await?;
        tx.commit().await?;
        Ok(invitation)
    }

    /// Withdraws an invitation that was not accepted: the invited account goes, the email is free.
    pub async fn revoke_invitation(&self, actor: impl Into<Actor>, id: &str, client: &Client) -> Result<(), AppError> {
        let actor = actor.into();
        self.require_scope(&actor, Scope::UsersWrite).await?;
        let now = self.now();
        let mut tx = self.store.begin().await?;
        let admin = self.admin_in(&mut tx, &actor).await?;
        let target = self.target_in(&mut tx, id).await?;
        if let Err(refusal) = admin.may_manage(&party(&target)) {
            drop(tx);
            return Err(self.refuse(&admin, &target, "revoke_invitation", refusal, client).await);
        }
        if !tx.delete_invited_user(target.id).await? {
            return Err(AppError::NotInvited);
        }
        tx.append_audit(&event(
            now,
            "invitation_revoked",
            Some(admin.actor),
            Some(target.id),
            Some(admin.org),
            client,
            json!({}),
        ))
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Disables (ending every session at once) or enables a member.
    pub async fn set_member_enabled(
        &self,
        actor: impl Into<Actor>,
        id: &str,
        enabled: bool,
        client: &Client,
    ) -> Result<(), AppError> {
        let actor = actor.into();
        self.require_scope(&actor, Scope::UsersWrite).await?;
        let now = self.now();
        let mut tx = self.store.begin().await?;
        let admin = self.admin_in(&mut tx, &actor).await?;
        let target = self.target_in(&mut tx, id).await?;
        let action = if enabled { "enable" } else { "disable" };
        if let Err(refusal) = admin.may_manage(&party(&target)) {
            drop(tx);
            return Err(self.refuse(&admin, &target, action, refusal, client).await);
        }
        self.set_enabled_in(&mut tx, admin.actor, "org_administrator", &target, enabled, client, now)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Disables `target` (ending every session at once) or enables them, inside `tx`, and audits it;
    /// `by` names the grounds (`org_administrator`, `customer_service`). The caller checked who may.
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn set_enabled_in(
        &self,
        tx: &mut portcullis_store::Tx,
        actor: UserId,
        by: &str,
        target: &UserRecord,
        enabled: bool,
        client: &Client,
        now: portcullis_core::UnixTime,
    ) -> Result<(), AppError> {
        let (from, to) = if enabled {
            (UserStatus::Disabled, UserStatus::Active)
        } else {
            (UserStatus::Active, UserStatus::Disabled)
        };
        if !tx.set_user_status(target.id, from, to, now).await? {
            return Err(AppError::Unchanged);
        }
        let ended = if enabled {
            0
        } else {
            self.end_sso_of_user(tx, target.id, now, "user_disabled").await?;
            tx.delete_sessions_of(target.id).await?
        };
        let kind = if enabled { "user_enabled" } else { "user_disabled" };
        tx.append_audit(&event(
            now,
            kind,
            Some(actor),
            Some(target.id),
            target.org.map(|(id, _)| id),
            client,
            json!({ "sessions_ended": ended, "by": by }),
        ))
        .await?;
        Ok(())
    }

    /// Employee ↔ user administrator (the main administrator only).
    pub async fn change_member_role(
        &self,
        actor: impl Into<Actor>,
        id: &str,
        to: OrgRole,
        client: &Client,
    ) -> Result<(), AppError> {
        let actor = actor.into();
        self.require_scope(&actor, Scope::UsersWrite).await?;
        let now = self.now();
        let mut tx = self.store.begin().await?;
        let admin = self.admin_in(&mut tx, &actor).await?;
        let target = self.target_in(&mut tx, id).await?;
        if let Err(refusal) = admin.may_change_role(&party(&target), to) {
            drop(tx);
            return Err(self.refuse(&admin, &target, "change_role", refusal, client).await);
        }
        let Some((_, from)) = target.org else {
            return Err(AppError::UserUnknown);
        };
        if from == to || !tx.set_org_role(target.id, admin.org, from, to, now).await? {
            return Err(AppError::Unchanged);
        }
        tx.append_audit(&event(
            now,
            "role_changed",
            Some(admin.actor),
            Some(target.id),
            Some(admin.org),
            client,
            json!({ "from": from.as_str(), "to": to.as_str() }),
        ))
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The main administrator hands the role to another active member and becomes a user
    /// administrator, in one transaction: there is exactly one main administrator before and after.
    pub async fn hand_over_main_admin(
        &self,
        session: &CurrentSession,
        id: &str,
        client: &Client,
    ) -> Result<(), AppError> {
        let now = self.now();
        require_mfa_change(session, now)?;
        let mut tx = self.store.begin().await?;
        let target_id = UserId::parse(id).map_err(|_| AppError::UserUnknown)?;
        // Both rows locked, in one order, so two hand-overs cannot deadlock or interleave.
        let (first, second) = if session.user.id.to_string() < target_id.to_string() {
            (session.user.id, target_id)
        } else {
            (target_id, session.user.id)
        };
        tx.lock_user(first).await?;
        tx.lock_user(second).await?;
        let admin = self.admin_in(&mut tx, &Actor::from(session)).await?;
        let target = tx.find_user(target_id).await?.ok_or(AppError::UserUnknown)?;
        if let Err(refusal) = admin.may_hand_over(&party(&target)) {
            drop(tx);
            return Err(self.refuse(&admin, &target, "hand_over", refusal, client).await);
        }
        if target.status != UserStatus::Active {
            return Err(AppError::AccountDisabled);
        }
        let Some((_, target_role)) = target.org else {
            return Err(AppError::UserUnknown);
        };
        // Demote first: the unique index allows one main administrator at every statement.
        if !tx
            .set_org_role(admin.actor, admin.org, OrgRole::MainAdmin, OrgRole::UserAdmin, now)
            .await?
            || !tx
                .set_org_role(target.id, admin.org, target_role, OrgRole::MainAdmin, now)
                .await?
        {
            return Err(AppError::Unchanged);
        }
        tx.append_audit(&event(
            now,
            "main_admin_handed_over",
            Some(admin.actor),
            Some(target.id),
            Some(admin.org),
            client,
            json!({ "previous_role": target_role.as_str() }),
        ))
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Resets another user's MFA, if the matrix allows. Customer service must give a reason (and may
    /// give a ticket reference): both are audited and shown to the user in the email. A refusal is
    /// audited and says who can help.
    pub async fn reset_user_mfa(
        &self,
        actor: impl Into<Actor>,
        id: &str,
        reason: Option<&Reason>,
        ticket: Option<&TicketRef>,
        client: &Client,
    ) -> Result<ResetGrant, AppError> {
        let actor = actor.into();
        self.require_scope(&actor, Scope::MfaReset).await?;
        if !actor.authenticated() {
            return Err(AppError::WrongStage);
        }
        let now = self.now();
        let mut tx = self.store.begin().await?;
        if let Via::ApiToken { .. } = actor.via {
            // A token acts only for an administrator of its own organization.
            self.admin_in(&mut tx, &actor).await?;
        }
        let actor = tx.find_user(actor.user).await?.ok_or(AppError::UserUnknown)?;
        let target = self.target_in(&mut tx, id).await?;
        let grant = match may_reset_mfa(&party(&actor), &party(&target)) {
            Ok(ResetGrant::Own) => return Err(AppError::WrongStage),
            Ok(grant) => grant,
            Err(refusal) => {
                drop(tx);
                let mut tx = self.store.begin().await?;
                let detail = json!({ "reason": refusal.as_str() });
                tx.append_audit(&event(
                    now,
                    "mfa_reset_refused",
                    Some(actor.id),
                    Some(target.id),
                    actor.org.map(|(id, _)| id),
                    client,
                    detail,
                ))
                .await?;
                tx.commit().await?;
                return Err(AppError::ResetRefused(refusal));
            }
        };
        if target.status == UserStatus::Invited {
            return Err(AppError::NotYetActive);
        }
        // A second administrator a moment later finds nothing to reset: say so, change nothing.
        if tx.count_mfa_methods(target.id).await? == 0 && target.mfa_enroll_by.is_some_and(|by| by > now) {
            return Err(AppError::AlreadyReset);
        }
        if grant == ResetGrant::CustomerService && reason.is_none() {
            return Err(AppError::ReasonRequired);
        }
        let by = ResetBy {
            actor: actor.id,
            grant,
            reason: reason.map(|r| r.as_str().to_owned()),
            ticket: ticket.map(|t| t.as_str().to_owned()),
        };
        let enroll_by = now.plus_secs(self.mfa_enrollment_window);
        self.reset_mfa_in(&mut tx, &target, by, enroll_by, client, now).await?;
        tx.commit().await?;
        Ok(grant)
    }

    /// The organization's audit events matching `filter` (its `org` is always the administrator's).
    pub async fn org_audit(
        &self,
        actor: impl Into<Actor>,
        mut filter: AuditFilter,
    ) -> Result<Vec<(i64, AuditEvent)>, AppError> {
        let actor = actor.into();
        self.require_scope(&actor, Scope::AuditRead).await?;
        let mut tx = self.store.read().await?;
        let admin = self.admin_in(&mut tx, &actor).await?;
        filter.org = Some(admin.org);
        filter.limit = filter.limit.clamp(1, AUDIT_PAGE_MAX);
        Ok(tx.audit_events(&filter).await?)
    }

    /// The kinds of event in the organization's log, and its members' emails by id, for the log view.
    pub async fn org_audit_labels(
        &self,
        session: &CurrentSession,
    ) -> Result<(Vec<String>, Vec<(UserId, Email)>), AppError> {
        let mut tx = self.store.read().await?;
        let admin = self.admin_in(&mut tx, &Actor::from(session)).await?;
        let kinds = tx.audit_kinds(admin.org).await?;
        Ok((kinds, member_emails_in(&mut tx, admin.org).await?))
    }

    /// The organization's members as (id, email), to name actors and targets in event tables.
    pub async fn org_member_emails(&self, session: &CurrentSession) -> Result<Vec<(UserId, Email)>, AppError> {
        let mut tx = self.store.read().await?;
        let admin = self.admin_in(&mut tx, &Actor::from(session)).await?;
        member_emails_in(&mut tx, admin.org).await
    }

    pub async fn dashboard(&self, session: &CurrentSession) -> Result<Dashboard, AppError> {
        let mut tx = self.store.read().await?;
        let admin = self.admin_in(&mut tx, &Actor::from(session)).await?;
        let counts = tx.org_mfa_counts(admin.org).await?;
        let open_invitations = tx.count_open_invitations(admin.org, self.now()).await?;
        let recent = tx
            .audit_events(&AuditFilter {
                org: Some(admin.org),
                limit: 10,
                ..AuditFilter::default()
            })
            .await?
            .into_iter()
            .map(|(_, e)| e)
            .collect();
        Ok(Dashboard {
            org_name: tx.find_org(admin.org).await?.map(|o| o.name),
            counts,
            open_invitations,
            recent,
        })
    }
}

async fn member_emails_in(tx: &mut portcullis_store::Tx, org: OrgId) -> Result<Vec<(UserId, Email)>, AppError> {
    Ok(tx
        .list_users(Some(org))
        .await?
        .into_iter()
        .map(|u| (u.id, u.email))
        .collect())
}
