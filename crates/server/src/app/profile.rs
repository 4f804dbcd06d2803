//! The user's own account: the profile with its MFA methods and sessions, removing one method,
//! resetting all of them ("new phone, old phone still works"), ending sessions, changing the password.
//!
//! Every MFA change needs a second factor passed in this session within the last 5 minutes
//! (`require_mfa_change`); the web layer sends the user through the challenge first. The reset itself
//! is [`reset_mfa_in`], shared with administrators' and customer service's resets: in one transaction
//! it removes every method and every session of the user (on every node: sessions are rows) and opens
//! the enrollment window.

use portcullis_core::password::check_new_password;
use portcullis_core::permissions::ResetGrant;
use portcullis_core::security_key::MfaKind;
use portcullis_core::throttle::ThrottlePolicy;
use portcullis_core::{CredentialId, LoginStage, OrgName, TokenHash, UnixTime, UserId};
use portcullis_store::AttemptKeys;
use portcullis_store::members::Removed;
use portcullis_store::records::{SessionRecord, UserRecord};
use portcullis_store::security_keys::SecurityKeyRecord;
use portcullis_store::totp::TotpCredentialRecord;
use secrecy::{ExposeSecret, SecretString};
use serde_json::json;

use super::login::{CurrentSession, account_key, ip_key, lock_for_mfa_change, require_mfa_change, require_stage};
use super::{App, AppError, Client, event, own_event};
use crate::mail::{Mail, MfaMethod};

/// What the profile page shows.
#[derive(Debug, Clone)]
pub struct Profile {
    pub user: UserRecord,
    pub org_name: Option<OrgName>,
    pub apps: Vec<TotpCredentialRecord>,
    pub keys: Vec<SecurityKeyRecord>,
    pub sessions: Vec<SessionEntry>,
}

/// One of the user's sessions.
#[derive(Debug, Clone)]
pub struct SessionEntry {
    /// The session's handle in forms: the hash of its id (never the id itself).
    pub handle: String,
    pub current: bool,
    pub record: SessionRecord,
}

/// Who reset a user's MFA, for the audit log and the email.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResetBy {
    pub actor: UserId,
    pub grant: ResetGrant,
    /// Customer service's reason and ticket reference (recorded, and shown to the user).
    pub reason: Option<String>,
    pub ticket: Option<String>,
}

impl App {
    /// Resets `target`'s MFA inside `tx` (the caller holds the lock on the target's row): removes every
    /// method and session, opens the enrollment window, audits who did it on what grounds, and queues
    /// the email that tells the user (with who to ask if it was not them).
    pub(crate) async fn reset_mfa_in(
        &self,
        tx: &mut portcullis_store::Tx,
        target: &UserRecord,
        by: ResetBy,
        enroll_by: UnixTime,
        client: &Client,
        now: UnixTime,
    ) -> Result<Removed, AppError> {
        let removed = tx.remove_all_mfa(target.id).await?;
        self.end_sso_of_user(tx, target.id, now, "mfa_reset").await?;
        tx.set_mfa_enroll_by(target.id, Some(enroll_by)).await?;
        let detail = json!({
            "grant": by.grant.as_str(),
            "reason": by.reason,
            "ticket": by.ticket,
            "apps": removed.apps,
            "keys": removed.keys,
            "sessions_ended": removed.sessions,
            "enroll_by": enroll_by.0,
        });
        tx.append_audit(&event(
            now,
            "mfa_reset",
            Some(by.actor),
            Some(target.id),
            target.org.map(|(id, _)| id),
            client,
            detail,
        ))
        .await?;
        let mail = match by.grant {
            ResetGrant::Own => Mail::MfaResetSelf,
            grant => {
                let org = match (grant, target.org) {
                    (ResetGrant::OrgAdministrator(_), Some((org, _))) => {
                        tx.find_org(org).await?.map(|o| o.name.to_string())
                    }
                    _ => None,
                };
                Mail::MfaResetByAdmin {
                    by_role: grant.as_str().to_owned(),
                    org,
                    enroll_by: enroll_by.0,
                    reason: by.reason.clone(),
                    ticket: by.ticket.clone(),
                }
            }
        };
        self.queue_mail(tx, target, mail, now).await?;
        Ok(removed)
    }

    pub async fn profile(&self, session: &CurrentSession) -> Result<Profile, AppError> {
        require_stage(session, LoginStage::Authenticated)?;
        let user = session.user.id;
        let mut tx = self.store.read().await?;
        let org_name = match session.user.org {
            Some((org, _)) => tx.find_org(org).await?.map(|o| o.name),
            None => None,
        };
        let apps = tx.totp_credentials_of(user).await?;
        let keys = tx.security_keys_of(user).await?;
        let sessions = tx
            .sessions_of(user)
            .await?
            .into_iter()
            .filter(|(_, s)| self.session_policy.is_live(s.created_at, s.last_seen_at, self.now()))
            .map(|(hash, record)| SessionEntry {
                handle: hash.to_hex(),
                current: hash == session.token_hash,
                record,
            })
            .collect();
        Ok(Profile {
            user: session.user.clone(),
            org_name,
            apps,
            keys,
            sessions,
        })
    }

    /// Removes one app or key of the session's user; never the last one (that is what reset is for).
    pub async fn remove_mfa_method(
        &self,
        session: &CurrentSession,
        kind: MfaKind,
        id: &str,
        client: &Client,
    ) -> Result<(), AppError> {
        let now = self.now();
        require_stage(session, LoginStage::Authenticated)?;
        require_mfa_change(session, now)?;
        let id = CredentialId::parse(id).map_err(|_| AppError::MethodUnknown)?;
        let user = session.user.id;
        let mut tx = self.store.begin().await?;
        // Under the lock, two removals cannot both see "two left" and leave none.
        lock_for_mfa_change(&mut tx, session).await?;
        let name = match kind {
            MfaKind::App => None,
            MfaKind::Key => tx
                .security_keys_of(user)
                .await?
                .into_iter()
                .find(|k| k.id == id)
                .map(|k| k.name),
        };
        let exists = match kind {
            MfaKind::App => tx.totp_credentials_of(user).await?.iter().any(|c| c.id == id),
            MfaKind::Key => name.is_some(),
        };
        if !exists {
            return Err(AppError::MethodUnknown);
        }
        if tx.count_mfa_methods(user).await? <= 1 {
            return Err(AppError::LastMethod);
        }
        let removed = match kind {
            MfaKind::App => tx.delete_totp_credential(user, id).await?,
            MfaKind::Key => tx.delete_security_key(user, id).await?,
        };
        if !removed {
            return Err(AppError::MethodUnknown);
        }
        let detail = json!({ "method": kind.as_str(), "credential": id.to_string(), "name": name });
        tx.append_audit(&own_event(session, now, "mfa_method_removed", client, detail))
            .await?;
        let method = match kind {
            MfaKind::App => MfaMethod::App,
            MfaKind::Key => MfaMethod::Key,
        };
        self.queue_mail(&mut tx, &session.user, Mail::MfaMethodRemoved { method, name }, now)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// "New phone, old phone still works": removes every method and ends every session of the user
    /// (this one too); the next login goes straight to MFA setup.
    pub async fn reset_own_mfa(&self, session: &CurrentSession, client: &Client) -> Result<Removed, AppError> {
        let now = self.now();
        require_stage(session, LoginStage::Authenticated)?;
        require_mfa_change(session, now)?;
        let mut tx = self.store.begin().await?;
        let target = tx.lock_user(session.user.id).await?.ok_or(AppError::UserUnknown)?;
        if tx.find_session(&session.token_hash).await?.is_none() {
            return Err(AppError::WrongStage);
        }
        let by = ResetBy {
            actor: target.id,
            grant: ResetGrant::Own,
            reason: None,
            ticket: None,
        };
        let enroll_by = now.plus_secs(self.mfa_enrollment_window);
        let removed = self.reset_mfa_in(&mut tx, &target, by, enroll_by, client, now).await?;
        tx.commit().await?;
        Ok(removed)
    }

    /// Ends one of the user's sessions by its handle. Returns true if it was this session.
    pub async fn end_session(&self, session: &CurrentSession, handle: &str, client: &Client) -> Result<bool, AppError> {
        require_stage(session, LoginStage::Authenticated)?;
        let hash = TokenHash::from_hex(handle).map_err(|_| AppError::SessionUnknown)?;
        let now = self.now();
        let mut tx = self.store.begin().await?;
        let ended = tx.find_session(&hash).await?.filter(|s| s.user_id == session.user.id);
        if !tx.delete_session_of(session.user.id, &hash).await? {
            return Err(AppError::SessionUnknown);
        }
        let sid = ended.and_then(|s| s.sid);
        self.end_sso_of_session(&mut tx, sid.as_deref(), now, "session_ended")
            .await?;
        let current = hash == session.token_hash;
        let detail = json!({ "current": current });
        tx.append_audit(&own_event(session, now, "session_ended", client, detail))
            .await?;
        tx.commit().await?;
        Ok(current)
    }

    /// "Log out everywhere": ends every session of the user, this one included.
    pub async fn end_all_sessions(&self, session: &CurrentSession, client: &Client) -> Result<u64, AppError> {
        require_stage(session, LoginStage::Authenticated)?;
        let now = self.now();
        let mut tx = self.store.begin().await?;
        let ended = tx.delete_sessions_of(session.user.id).await?;
        self.end_sso_of_user(&mut tx, session.user.id, now, "logged_out_everywhere")
            .await?;
        let detail = json!({ "sessions_ended": ended });
        tx.append_audit(&own_event(session, now, "sessions_ended_everywhere", client, detail))
            .await?;
        tx.commit().await?;
        Ok(ended)
    }

    /// Changes the password after checking the current one (counted against the same throttle as the
    /// login's password step, so this form is no way around it). Other sessions end; this one stays.
    pub async fn change_password(
        &self,
        session: &CurrentSession,
        current: &SecretString,
        new: &SecretString,
        confirm: &SecretString,
        client: &Client,
    ) -> Result<(), AppError> {
        require_stage(session, LoginStage::Authenticated)?;
        let user = &session.user;
        let name = user.display_name.as_ref().map(|n| n.as_str()).unwrap_or_default();
        check_new_password(new.expose_secret(), user.email.as_str(), &[name])?;
        if new.expose_secret() != confirm.expose_secret() {
            return Err(AppError::PasswordMismatch);
        }
        let account = account_key(&user.email);
        let ip = client.ip.map(ip_key);
        let keys = AttemptKeys {
            account: &account,
            shared: ip.as_deref(),
        };
        let now = self.now();
        let (tx, _) = self
            .reserve_attempt(keys, &ThrottlePolicy::ACCOUNT_PASSWORD, now)
            .await?;
        tx.commit().await?;
        let stored = self
            .store
            .read()
            .await?
            .find_user(user.id)
            .await?
            .and_then(|u| u.password_hash);
        if !self.passwords.verify(current, stored.as_deref()).await? {
            let mut tx = self.store.begin().await?;
            tx.append_audit(&own_event(session, now, "password_change_failed", client, json!({})))
                .await?;
            tx.commit().await?;
            return Err(AppError::WrongCurrentPassword);
        }
        let hash = self.passwords.hash(new).await?;
        let now = self.now();
        let mut tx = self.store.begin().await?;
        tx.settle_attempt_success(keys).await?;
        tx.set_password_hash(user.id, &hash, now).await?;
        let mut ended = 0;
        for (other, _) in tx.sessions_of(user.id).await? {
            if other != session.token_hash && tx.delete_session(&other).await? {
                ended += 1;
            }
        }
        self.end_sso_of_user(&mut tx, user.id, now, "password_changed").await?;
        let detail = json!({ "other_sessions_ended": ended });
        tx.append_audit(&own_event(session, now, "password_changed", client, detail))
            .await?;
        tx.commit().await?;
        Ok(())
    }
}
