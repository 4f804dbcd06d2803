//! Customer service: the platform's staff find any user and help them — reset MFA (the only way for
//! main administrators and individuals, always with a recorded reason), lift a throttle, resend an
//! invitation, disable or enable, create organizations, replace a main administrator who has left,
//! and invite more staff. Every action re-reads the acting user inside its transaction: only someone
//! with the `customer_service` role, fully logged in with MFA, passes [`App::support_in`].

use portcullis_core::permissions::{Party, ResetGrant};
use portcullis_core::throttle::{ThrottlePolicy, ThrottleState};
use portcullis_core::{
    Email, LoginStage, OrgId, OrgName, OrgRole, PlatformRole, Reason, TicketRef, UnixTime, UserId, UserStatus,
};
use portcullis_store::records::{AuditEvent, OrgSummary, UserRecord};
use portcullis_store::security_keys::SecurityKeyRecord;
use portcullis_store::support::FoundUser;
use portcullis_store::totp::TotpCredentialRecord;
use serde_json::json;

use super::admin::{Invitation, Membership, invitee};
use super::login::{CurrentSession, account_key, require_stage, second_factor_key};
use super::org::party;
use super::{App, AppError, Client, event};
use crate::mail::Mail;

/// Users shown per page of the console's search.
pub const SEARCH_PAGE: i64 = 50;

/// Proof that the acting user is customer service (only [`App::support_in`] makes one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Support {
    pub actor: UserId,
}

/// Whether a user is platform staff (for the menu).
pub fn is_support(party: &Party) -> bool {
    party.platform == Some(PlatformRole::CustomerService)
}

/// A user's page in the console: never a secret, only what helps.
#[derive(Debug, Clone)]
pub struct SupportUser {
    pub user: UserRecord,
    pub org_name: Option<OrgName>,
    pub apps: Vec<TotpCredentialRecord>,
    pub keys: Vec<SecurityKeyRecord>,
    pub events: Vec<AuditEvent>,
    /// Until when password attempts are held back, if they are.
    pub password_blocked_until: Option<UnixTime>,
    pub password_failures: u32,
    /// Until when second-factor attempts are held back (or `Some(far future)` when locked).
    pub second_factor_blocked_until: Option<UnixTime>,
    pub second_factor_failures: u32,
    pub invitation_open: bool,
}

impl App {
    /// The acting user as customer service, read inside `tx`.
    pub(crate) async fn support_in(
        &self,
        tx: &mut portcullis_store::Tx,
        session: &CurrentSession,
    ) -> Result<Support, AppError> {
        require_stage(session, LoginStage::Authenticated)?;
        let actor = tx.find_user(session.user.id).await?.ok_or(AppError::NotSupport)?;
        if actor.status == UserStatus::Active && is_support(&party(&actor)) {
            Ok(Support { actor: actor.id })
        } else {
            Err(AppError::NotSupport)
        }
    }

    /// Users whose email, name or organization starts with `text`, a page at a time; true if more.
    pub async fn support_search(
        &self,
        session: &CurrentSession,
        text: &str,
        page: i64,
    ) -> Result<(Vec<FoundUser>, bool), AppError> {
        let mut tx = self.store.read().await?;
        self.support_in(&mut tx, session).await?;
        let offset = page.clamp(0, 10_000).saturating_mul(SEARCH_PAGE);
        let mut found = tx.search_users(text, SEARCH_PAGE + 1, offset).await?;
        let more = found.len() as i64 > SEARCH_PAGE;
        found.truncate(SEARCH_PAGE as usize);
        Ok((found, more))
    }

    pub async fn support_user(&self, session: &CurrentSession, id: &str) -> Result<SupportUser, AppError> {
        let now = self.now();
        let mut tx = self.store.read().await?;
        self.support_in(&mut tx, session).await?;
        let id = UserId::parse(id).map_err(|_| AppError::UserUnknown)?;
        let user = tx.find_user(id).await?.ok_or(AppError::UserUnknown)?;
        let org_name = match user.org {
            Some((org, _)) => tx.find_org(org).await?.map(|o| o.name),
            None => None,
        };
        let password: ThrottleState = tx.throttle(&account_key(&user.email)).await?;
        let second: ThrottleState = tx.throttle(&second_factor_key(user.id)).await?;
        let second_blocked = match second.check(&ThrottlePolicy::ACCOUNT_SECOND_FACTOR, now) {
            portcullis_core::throttle::Verdict::Locked => Some(UnixTime(i64::MAX)),
            _ => second.blocked_until(&ThrottlePolicy::ACCOUNT_SECOND_FACTOR, now),
        };
        Ok(SupportUser {
            apps: tx.totp_credentials_of(user.id).await?,
            keys: tx.security_keys_of(user.id).await?,
            events: tx.audit_of_user(user.id, 20).await?,
            password_blocked_until: password.blocked_until(&ThrottlePolicy::ACCOUNT_PASSWORD, now),
            password_failures: password.failures,
            second_factor_blocked_until: second_blocked,
            second_factor_failures: second.failures,
            invitation_open: tx.has_open_invitation(user.id, now).await?,
            org_name,
            user,
        })
    }

    /// Customer service resets anyone's MFA, with a reason (required) and a ticket reference.
    pub async fn support_reset_mfa(
        &self,
        session: &CurrentSession,
        id: &str,
        reason: &str,
        ticket: &str,
        client: &Client,
    ) -> Result<(), AppError> {
        {
            let mut tx = self.store.read().await?;
            self.support_in(&mut tx, session).await?;
        }
        let reason = Reason::parse(reason).map_err(|_| AppError::ReasonRequired)?;
        let ticket = TicketRef::parse_optional(ticket)?;
        match self
            .reset_user_mfa(session, id, Some(&reason), ticket.as_ref(), client)
            .await?
        {
            ResetGrant::CustomerService => Ok(()),
            // A member of an organization who is also staff resets as staff; anything else is a bug.
            _ => Err(AppError::Internal(
                "a support reset not granted to customer service".into(),
            )),
        }
    }

    /// Lifts a user's password and second-factor throttles.
    pub async fn support_unlock(&self, session: &CurrentSession, id: &str, client: &Client) -> Result<(), AppError> {
        let email = {
            let mut tx = self.store.read().await?;
            let support = self.support_in(&mut tx, session).await?;
            let id = UserId::parse(id).map_err(|_| AppError::UserUnknown)?;
            let user = tx.find_user(id).await?.ok_or(AppError::UserUnknown)?;
            (user.email, support.actor)
        };
        if self.unlock_user(email.0.as_str(), Some(email.1), client).await? {
            Ok(())
        } else {
            Err(AppError::UserUnknown)
        }
    }

    /// Disables (ending every session) or enables any account but one's own.
    pub async fn support_set_enabled(
        &self,
        session: &CurrentSession,
        id: &str,
        enabled: bool,
        client: &Client,
    ) -> Result<(), AppError> {
        let now = self.now();
        let mut tx = self.store.begin().await?;
        let support = self.support_in(&mut tx, session).await?;
        let target = self.target_in(&mut tx, id).await?;
        if target.id == support.actor {
            return Err(AppError::ManageRefused(
                portcullis_core::permissions::ManageRefusal::OwnAccount,
            ));
        }
        self.set_enabled_in(
            &mut tx,
            support.actor,
            "customer_service",
            &target,
            enabled,
            client,
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// A new invitation link for anyone who has not accepted yet (the old one stops working).
    pub async fn support_resend_invitation(
        &self,
        session: &CurrentSession,
        id: &str,
        client: &Client,
    ) -> Result<Invitation, AppError> {
        let now = self.now();
        let mut tx = self.store.begin().await?;
        let support = self.support_in(&mut tx, session).await?;
        let target = self.target_in(&mut tx, id).await?;
        let invitation = self
            .resend_in(&mut tx, &target, Some(support.actor), client, now)
            .await?;
        tx.commit().await?;
        Ok(invitation)
    }

    /// Expires the target's open invitations and sends a new one (inside the caller's transaction).
    /// `actor` is who asked; none when the invited person asked themself (by registering).
    pub(crate) async fn resend_in(
        &self,
        tx: &mut portcullis_store::Tx,
        target: &UserRecord,
        actor: Option<UserId>,
        client: &Client,
        now: UnixTime,
    ) -> Result<Invitation, AppError> {
        if target.status != UserStatus::Invited {
            return Err(AppError::NotInvited);
        }
        tx.expire_invitations_of(target.id, now).await?;
        let (link, expires_at) = self
            .new_invitation_link(tx, target.id, actor, target.platform_role.is_some(), now)
            .await?;
        let org_name = match target.org {
            Some((org, _)) => tx.find_org(org).await?.map(|o| o.name),
            None => None,
        };
        tx.append_audit(&event(
            now,
            "invitation_resent",
            actor,
            Some(target.id),
            target.org.map(|(id, _)| id),
            client,
            json!({ "expires_at": expires_at.0 }),
        ))
        .await?;
        let inviter = match actor {
            Some(actor) => tx.find_user(actor).await?,
            None => None,
        };
        let mail = Mail::Invitation {
            link: self.link_url(&link),
            org: org_name.as_ref().map(|n| n.to_string()),
            role: target
                .org
                .map(|(_, role)| role.as_str())
                .or(target.platform_role.map(|r| r.as_str()))
                .map(str::to_owned),
            expires_at: expires_at.0,
            invited_by: inviter.map(|i| i.display_name.map_or_else(|| i.email.to_string(), |n| n.to_string())),
        };
        self.queue_mail(tx, target, mail, now).await?;
        Ok(Invitation {
            user_id: target.id,
            email: target.email.clone(),
            link,
            expires_at,
            org_name,
        })
    }

    /// Organizations with their member counts and main administrators.
    pub async fn support_orgs(&self, session: &CurrentSession) -> Result<Vec<OrgSummary>, AppError> {
        let mut tx = self.store.read().await?;
        self.support_in(&mut tx, session).await?;
        Ok(tx.list_orgs().await?)
    }

    /// Creates an organization and invites its main administrator.
    pub async fn support_create_org(
        &self,
        session: &CurrentSession,
        name: &str,
        main_admin: &str,
        client: &Client,
    ) -> Result<Invitation, AppError> {
        let support = {
            let mut tx = self.store.read().await?;
            self.support_in(&mut tx, session).await?
        };
        let (_, invitation) = self.create_org(name, main_admin, Some(support.actor), client).await?;
        Ok(invitation)
    }

    /// Invites more customer-service staff.
    pub async fn support_invite_staff(
        &self,
        session: &CurrentSession,
        email: &str,
        client: &Client,
    ) -> Result<Invitation, AppError> {
        let support = {
            let mut tx = self.store.read().await?;
            self.support_in(&mut tx, session).await?
        };
        self.invite(email, Membership::CustomerService, Some(support.actor), client)
            .await
    }

    /// Replaces an organization's main administrator who has left: the old one becomes a disabled
    /// user administrator (their sessions end); the new one is an active member promoted now, or —
    /// for an email without an account — invited as main administrator. One transaction, a reason
    /// required; there is never a moment with two main administrators.
    pub async fn replace_main_admin(
        &self,
        session: &CurrentSession,
        org: &str,
        new_email: &str,
        reason: &str,
        client: &Client,
    ) -> Result<(), AppError> {
        let reason = Reason::parse(reason).map_err(|_| AppError::ReasonRequired)?;
        let new_email = Email::parse(new_email)?;
        let org = OrgId::parse(org).map_err(|_| AppError::UnknownOrg(org.to_owned()))?;
        let now = self.now();
        let mut tx = self.store.begin().await?;
        let support = self.support_in(&mut tx, session).await?;
        let org_record = tx
            .find_org(org)
            .await?
            .ok_or_else(|| AppError::UnknownOrg(org.to_string()))?;
        let old = tx
            .list_users(Some(org))
            .await?
            .into_iter()
            .find(|u| u.org.is_some_and(|(_, r)| r == OrgRole::MainAdmin));
        let newcomer = tx.find_user_by_email(&new_email).await?;
        if let (Some(old), Some(new)) = (&old, &newcomer)
            && old.id == new.id
        {
            return Err(AppError::Unchanged);
        }
        let new_role = match &newcomer {
            Some(user) => match user.org {
                Some((o, role)) if o == org && user.status == UserStatus::Active => Some(role),
                Some((o, _)) if o == org => return Err(AppError::AccountDisabled),
                _ => return Err(AppError::EmailTaken),
            },
            None => None,
        };
        if let Some(old) = &old {
            tx.lock_user(old.id).await?;
            if !tx
                .set_org_role(old.id, org, OrgRole::MainAdmin, OrgRole::UserAdmin, now)
                .await?
            {
                return Err(AppError::Unchanged);
            }
            tx.set_user_status(old.id, UserStatus::Active, UserStatus::Disabled, now)
                .await?;
            tx.delete_sessions_of(old.id).await?;
            self.end_sso_of_user(&mut tx, old.id, now, "main_admin_replaced")
                .await?;
        }
        let new_id = match (&newcomer, new_role) {
            (Some(user), Some(role)) => {
                tx.lock_user(user.id).await?;
                if !tx.set_org_role(user.id, org, role, OrgRole::MainAdmin, now).await? {
                    return Err(AppError::Unchanged);
                }
                user.id
            }
            _ => {
                let user = invitee(new_email, Some((org, OrgRole::MainAdmin)), None, now)?;
                self.insert_invitation(&mut tx, user, Some(&org_record.name), Some(support.actor), client)
                    .await?
                    .user_id
            }
        };
        tx.append_audit(&event(
            now,
            "main_admin_replaced",
            Some(support.actor),
            Some(new_id),
            Some(org),
            client,
            json!({
                "previous": old.as_ref().map(|u| u.id.to_string()),
                "reason": reason.as_str(),
            }),
        ))
        .await?;
        tx.commit().await?;
        Ok(())
    }
}
