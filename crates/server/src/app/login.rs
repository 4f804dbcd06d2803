//! The password step of the login flow, its throttling, and sessions.
//!
//! Throttling (see `portcullis_core::throttle`) is checked per account and per client address before
//! any password is hashed, and the attempt is counted *before* the hash, with a compare-and-set: a
//! burst of parallel guesses cannot slip through between a check and a write. A success takes the
//! count back. The account key is the hash of the email, whether or not an account exists, so the
//! throttle behaves the same for known and unknown addresses.
//!
//! The owner of an account is emailed once per series of failures, at the failure that starts the
//! delay (password or second factor), never at each refused attempt: an attacker cannot flood them.

use std::net::IpAddr;

use portcullis_core::login::{enrollment_open, mfa_is_fresh};
use portcullis_core::throttle::{ThrottlePolicy, Verdict};
use portcullis_core::token::sha256_hex;
use portcullis_core::{Amr, Email, LoginStage, PlainToken, TokenHash, TokenKind, UnixTime, UserId, UserStatus};
use portcullis_store::AttemptKeys;
use portcullis_store::records::{SessionRecord, UserRecord};
use secrecy::SecretString;
use serde_json::json;

use super::{App, AppError, Client, event, random};
use crate::mail::Mail;

/// A live session, as the pages see it.
#[derive(Debug, Clone)]
pub struct CurrentSession {
    pub token_hash: TokenHash,
    pub user: UserRecord,
    pub stage: LoginStage,
    pub amr: Vec<Amr>,
    pub created_at: UnixTime,
    /// When this session last passed a second factor (login, setup or a fresh check).
    pub mfa_at: Option<UnixTime>,
    /// The login session's stable id (the `sid` of ID tokens and logout tokens).
    pub sid: Option<String>,
}

/// What the password step gives: a new session and where the user goes next.
#[derive(Debug)]
pub struct PasswordOk {
    pub session: PlainToken,
    pub stage: LoginStage,
}

pub(crate) fn account_key(email: &Email) -> String {
    format!("acct:{}", sha256_hex(email.as_str()))
}

/// The throttle key of a user's second-factor codes.
pub(crate) fn second_factor_key(user: UserId) -> String {
    format!("mfa:{user}")
}

/// The throttle keys of a second-factor attempt (an app code or a key's answer): the user's account
/// and the client's address.
pub(crate) struct SecondFactorKeys {
    account: String,
    ip: Option<String>,
}

impl SecondFactorKeys {
    pub(crate) fn new(user: UserId, client: &Client) -> Self {
        SecondFactorKeys {
            account: second_factor_key(user),
            ip: client.ip.map(ip_key),
        }
    }

    pub(crate) fn keys(&self) -> AttemptKeys<'_> {
        AttemptKeys {
            account: &self.account,
            shared: self.ip.as_deref(),
        }
    }
}

/// The use case for `session` belongs to `stage` of the login flow.
pub(crate) fn require_stage(session: &CurrentSession, stage: LoginStage) -> Result<(), AppError> {
    if session.stage == stage {
        Ok(())
    } else {
        Err(AppError::WrongStage)
    }
}

/// A second factor may be asked at the login challenge, and again of a logged-in user (a fresh
/// check before changing MFA). True for the latter.
pub(crate) fn require_challenge(session: &CurrentSession) -> Result<bool, AppError> {
    match session.stage {
        LoginStage::MfaChallenge => Ok(false),
        LoginStage::Authenticated => Ok(true),
        LoginStage::MfaSetupRequired => Err(AppError::WrongStage),
    }
}

/// Changing MFA (adding a method, removing one, resetting) is allowed during the first setup (within
/// the enrollment window after a reset) and to a logged-in user whose last second factor is fresh.
pub(crate) fn require_mfa_change(session: &CurrentSession, now: UnixTime) -> Result<(), AppError> {
    match session.stage {
        LoginStage::MfaSetupRequired if enrollment_open(session.user.mfa_enroll_by, now) => Ok(()),
        LoginStage::MfaSetupRequired => Err(AppError::EnrollmentExpired),
        LoginStage::Authenticated if mfa_is_fresh(session.mfa_at, now) => Ok(()),
        LoginStage::Authenticated => Err(AppError::RecheckRequired),
        LoginStage::MfaChallenge => Err(AppError::WrongStage),
    }
}

/// Inside a transaction that adds or removes a second factor: locks the user (so a reset or another
/// change runs before or after, never between), checks the session still exists (a reset on another
/// node may just have ended it).
pub(crate) async fn lock_for_mfa_change(
    tx: &mut portcullis_store::Tx,
    session: &CurrentSession,
) -> Result<(), AppError> {
    tx.lock_user(session.user.id).await?.ok_or(AppError::WrongStage)?;
    if tx.find_session(&session.token_hash).await?.is_none() {
        return Err(AppError::WrongStage);
    }
    Ok(())
}

/// A second factor was just added: the enrollment window after a reset, if any, is closed.
pub(crate) async fn method_added(tx: &mut portcullis_store::Tx, session: &CurrentSession) -> Result<(), AppError> {
    if session.user.mfa_enroll_by.is_some() {
        tx.set_mfa_enroll_by(session.user.id, None).await?;
    }
    Ok(())
}

/// IPv4 addresses count alone; IPv6 clients by their /64, which one subscriber usually holds whole.
pub(crate) fn ip_key(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => format!("ip:{v4}"),
        IpAddr::V6(v6) => {
            let s = v6.segments();
            format!("ip:{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
    }
}

impl App {
    pub async fn login_password(
        &self,
        email: &str,
        password: &SecretString,
        client: &Client,
    ) -> Result<PasswordOk, AppError> {
        let email = Email::parse(email)?;
        let account_key = account_key(&email);
        let ip_key = client.ip.map(ip_key);
        let keys = AttemptKeys {
            account: &account_key,
            shared: ip_key.as_deref(),
        };
        let now = self.now();
        let attempt_at = now;
        let (user, failures) = match self.count_attempt(keys, &email, now).await {
            Ok(counted) => counted,
            Err(AppError::Throttled { retry_at }) => {
                let mut tx = self.store.begin().await?;
                let detail = json!({ "retry_at": retry_at.0 });
                tx.append_audit(&event(now, "login_throttled", None, None, None, client, detail))
                    .await?;
                tx.commit().await?;
                return Err(AppError::Throttled { retry_at });
            }
            Err(err) => return Err(err),
        };

        let stored = user.as_ref().and_then(|u| u.password_hash.clone());
        let password_ok = self.passwords.verify(password, stored.as_deref()).await?;

        let now = self.now();
        let mut tx = self.store.begin().await?;
        let (target, target_org) = (
            user.as_ref().map(|u| u.id),
            user.as_ref().and_then(|u| u.org.map(|(id, _)| id)),
        );
        let user = match (user, password_ok) {
            (Some(user), true) => user,
            (user, _) => {
                let detail = json!({ "step": "password" });
                tx.append_audit(&event(now, "login_failed", None, target, target_org, client, detail))
                    .await?;
                let retry_at = tx
                    .throttle(&account_key)
                    .await?
                    .blocked_until(&ThrottlePolicy::ACCOUNT_PASSWORD, now);
                if let Some(user) = &user {
                    let policy = &ThrottlePolicy::ACCOUNT_PASSWORD;
                    self.mail_if_throttle_starts(&mut tx, user, policy, failures, false, attempt_at)
                        .await?;
                }
                tx.commit().await?;
                return Err(AppError::InvalidCredentials { retry_at });
            }
        };
        tx.settle_attempt_success(keys).await?;
        let org = user.org.map(|(id, _)| id);
        if user.status != UserStatus::Active {
            tx.append_audit(&event(
                now,
                "login_refused_disabled",
                None,
                Some(user.id),
                org,
                client,
                json!({}),
            ))
            .await?;
            tx.commit().await?;
            return Err(AppError::AccountDisabled);
        }
        if stored.is_some_and(|s| self.passwords.needs_rehash(&s)) {
            // The configured argon2 cost changed: upgrade this hash while the password is at hand.
            let rehashed = self.passwords.hash(password).await?;
            tx.set_password_hash(user.id, &rehashed, now).await?;
        }
        let has_mfa = tx.count_mfa_methods(user.id).await? > 0;
        if !has_mfa && !enrollment_open(user.mfa_enroll_by, now) {
            // MFA was reset and not set up again in time: a password alone must not enroll a phone now.
            let detail = json!({ "enroll_by": user.mfa_enroll_by.map(|t| t.0) });
            tx.append_audit(&event(
                now,
                "login_refused_enrollment_expired",
                None,
                Some(user.id),
                org,
                client,
                detail,
            ))
            .await?;
            tx.commit().await?;
            return Err(AppError::EnrollmentExpired);
        }
        let stage = LoginStage::after_password(has_mfa);
        let session = start_session(&mut tx, user.id, stage, now, client).await?;
        let detail = json!({ "next": stage.as_str() });
        tx.append_audit(&event(
            now,
            "login_password_ok",
            None,
            Some(user.id),
            org,
            client,
            detail,
        ))
        .await?;
        tx.commit().await?;
        Ok(PasswordOk { session, stage })
    }

    /// Counts one attempt on the account and the client address, or refuses if either is throttled,
    /// and reads the account in the same transaction (a login is on the hot path: few round trips).
    /// Also returns the account's consecutive failures, this attempt counted.
    async fn count_attempt(
        &self,
        keys: AttemptKeys<'_>,
        email: &Email,
        now: UnixTime,
    ) -> Result<(Option<UserRecord>, u32), AppError> {
        let (mut tx, failures) = self
            .reserve_attempt(keys, &ThrottlePolicy::ACCOUNT_PASSWORD, now)
            .await?;
        let user = tx.find_user_by_email(email).await?;
        tx.commit().await?;
        Ok((user, failures))
    }

    /// After a failed attempt on an existing account: if it was the failure that starts the delay
    /// (`failures`, as counted when the attempt was reserved at `at`), queues an email telling the
    /// owner. Once per series: later failures of the series, and refused attempts, send nothing; a
    /// success ends the series.
    pub(crate) async fn mail_if_throttle_starts(
        &self,
        tx: &mut portcullis_store::Tx,
        user: &UserRecord,
        policy: &ThrottlePolicy,
        failures: u32,
        second_factor: bool,
        at: UnixTime,
    ) -> Result<(), AppError> {
        if user.status != UserStatus::Active || !policy.starts_delay(failures) {
            return Ok(());
        }
        let until = at.plus_secs(policy.delay_after(failures).unwrap_or_default());
        let mail = Mail::LoginThrottled {
            until: until.0,
            second_factor,
        };
        self.queue_mail(tx, user, mail, at).await?;
        Ok(())
    }

    /// Counts one attempt (before the secret is checked) against `keys.account` under `policy` and
    /// against the client address, and hands back the open transaction with the account's consecutive
    /// failures, this attempt counted; or refuses if a key is throttled. Retries when another node
    /// changed a counter between our read and our write.
    pub(crate) async fn reserve_attempt(
        &self,
        keys: AttemptKeys<'_>,
        policy: &ThrottlePolicy,
        now: UnixTime,
    ) -> Result<(portcullis_store::Tx, u32), AppError> {
        self.reserve_attempt_with(keys, policy, &ThrottlePolicy::IP_PASSWORD, now)
            .await
    }

    /// [`App::reserve_attempt`] with the client address's policy given (`shared`), for attempts that
    /// are not logins (self-registration).
    pub(crate) async fn reserve_attempt_with(
        &self,
        keys: AttemptKeys<'_>,
        policy: &ThrottlePolicy,
        shared: &ThrottlePolicy,
        now: UnixTime,
    ) -> Result<(portcullis_store::Tx, u32), AppError> {
        let shared = *shared;
        for _ in 0..10 {
            let mut tx = self.store.begin().await?;
            let old = tx.attempt_throttles(keys).await?;
            let verdicts = [Some(old.0.check(policy, now)), old.1.map(|s| s.check(&shared, now))];
            let mut retry_at = None;
            for verdict in verdicts.into_iter().flatten() {
                match verdict {
                    Verdict::Allowed => {}
                    Verdict::Locked => return Err(AppError::Locked),
                    Verdict::RetryAt(at) => retry_at = retry_at.max(Some(at)),
                }
            }
            if let Some(retry_at) = retry_at {
                return Err(AppError::Throttled { retry_at });
            }
            let new = (
                old.0.after_attempt(policy, now),
                old.1.map(|s| s.after_attempt(&shared, now)),
            );
            if tx.swap_attempt_throttles(keys, old, new).await? {
                return Ok((tx, new.0.failures));
            }
        }
        // Heavy contention on one key is itself a sign of a burst: refuse briefly.
        Err(AppError::Throttled {
            retry_at: now.plus_secs(1),
        })
    }

    /// Counts one second-factor attempt of the session's user (app code or key answer, `step` names
    /// which) and hands back the open transaction with the account's consecutive failures (this one
    /// counted); a throttled or locked attempt is audited and refused.
    pub(crate) async fn reserve_second_factor(
        &self,
        session: &CurrentSession,
        keys: AttemptKeys<'_>,
        step: &str,
        client: &Client,
        now: UnixTime,
    ) -> Result<(portcullis_store::Tx, u32), AppError> {
        match self
            .reserve_attempt(keys, &ThrottlePolicy::ACCOUNT_SECOND_FACTOR, now)
            .await
        {
            Err(err @ (AppError::Throttled { .. } | AppError::Locked)) => {
                let user = session.user.id;
                let org = session.user.org.map(|(id, _)| id);
                let mut tx = self.store.begin().await?;
                let detail = json!({ "step": step, "locked": matches!(err, AppError::Locked) });
                tx.append_audit(&event(now, "login_throttled", None, Some(user), org, client, detail))
                    .await?;
                tx.commit().await?;
                Err(err)
            }
            other => other,
        }
    }

    /// Lifts the password and second-factor throttles of a user (an operator's or customer service's
    /// act: after 100 wrong codes nothing else does). Returns false for an unknown email.
    pub async fn unlock_user(&self, email: &str, actor: Option<UserId>, client: &Client) -> Result<bool, AppError> {
        let email = Email::parse(email)?;
        let now = self.now();
        let mut tx = self.store.begin().await?;
        let Some(user) = tx.find_user_by_email(&email).await? else {
            return Ok(false);
        };
        tx.clear_throttle(&account_key(&email)).await?;
        tx.clear_throttle(&second_factor_key(user.id)).await?;
        let org = user.org.map(|(id, _)| id);
        tx.append_audit(&event(
            now,
            "throttle_lifted",
            actor,
            Some(user.id),
            org,
            client,
            json!({}),
        ))
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// The live session for a cookie value, or `None`. Ends sessions that timed out or whose user
    /// is no longer active, and records activity about once a minute.
    pub async fn session(&self, token: &str) -> Result<Option<CurrentSession>, AppError> {
        let Ok(token) = PlainToken::parse(TokenKind::Session, token) else {
            return Ok(None);
        };
        let hash = token.hash();
        let now = self.now();
        let mut tx = self.store.read().await?;
        let Some(session) = tx.find_session(&hash).await? else {
            return Ok(None);
        };
        let user = tx.find_user(session.user_id).await?;
        drop(tx);
        let live = self
            .session_policy
            .is_live(session.created_at, session.last_seen_at, now);
        let user = match user {
            Some(user) if live && user.status == UserStatus::Active => user,
            _ => {
                let mut tx = self.store.begin().await?;
                tx.delete_session(&hash).await?;
                tx.commit().await?;
                return Ok(None);
            }
        };
        if self.session_policy.should_touch(session.last_seen_at, now) {
            let mut tx = self.store.begin().await?;
            tx.touch_session(&hash, now).await?;
            tx.commit().await?;
        }
        Ok(Some(CurrentSession {
            token_hash: hash,
            user,
            stage: session.stage,
            amr: session.amr,
            created_at: session.created_at,
            mfa_at: session.mfa_at,
            sid: session.sid,
        }))
    }

    /// A user logged in again in a browser that had a session (e.g. a service asked for `prompt=login`
    /// or `max_age`): the same person keeps their single sign-on session (its `sid`, so the services'
    /// grants stay and later logouts reach them); anyone else ends the old session like a logout.
    pub async fn replace_session(
        &self,
        old: &CurrentSession,
        new: &PlainToken,
        client: &Client,
    ) -> Result<(), AppError> {
        let mut tx = self.store.begin().await?;
        let same_user = tx
            .find_session(&new.hash())
            .await?
            .is_some_and(|s| s.user_id == old.user.id);
        if !same_user || old.sid.is_none() {
            drop(tx);
            return self.logout(old, client).await;
        }
        tx.delete_session(&old.token_hash).await?;
        tx.set_session_sid(&new.hash(), old.sid.as_deref()).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Ends the session on the server (every node sees it gone), with the services' grants made from
    /// it; services that registered for back-channel logout are told.
    pub async fn logout(&self, session: &CurrentSession, client: &Client) -> Result<(), AppError> {
        let now = self.now();
        let mut tx = self.store.begin().await?;
        if tx.delete_session(&session.token_hash).await? {
            self.end_sso_of_session(&mut tx, session.sid.as_deref(), now, "logout")
                .await?;
            let org = session.user.org.map(|(id, _)| id);
            tx.append_audit(&event(
                now,
                "logout",
                Some(session.user.id),
                Some(session.user.id),
                org,
                client,
                json!({}),
            ))
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }
}

/// Starts a new session (a fresh random id, never a reused one) after the password step.
pub(crate) async fn start_session(
    tx: &mut portcullis_store::Tx,
    user_id: UserId,
    stage: LoginStage,
    now: UnixTime,
    client: &Client,
) -> Result<PlainToken, AppError> {
    let session = random::token(TokenKind::Session)?;
    let record = SessionRecord {
        user_id,
        stage,
        amr: vec![Amr::Pwd],
        created_at: now,
        last_seen_at: now,
        ip: client.ip.map(|ip| ip.to_string()),
        user_agent: client.user_agent.clone(),
        mfa_at: None,
        sid: Some(data_encoding::BASE64URL_NOPAD.encode(&random::bytes::<16>()?)),
    };
    tx.insert_session(&session.hash(), &record).await?;
    Ok(session)
}

/// Moves a session to a new stage under a new id (a privilege change never keeps the old id). Every
/// caller has just verified a second factor, so the new session records it as its latest.
pub(crate) async fn rotate_session(
    tx: &mut portcullis_store::Tx,
    session: &CurrentSession,
    stage: LoginStage,
    amr: &[Amr],
    now: UnixTime,
) -> Result<PlainToken, AppError> {
    let Some(old) = tx.find_session(&session.token_hash).await? else {
        return Err(AppError::WrongStage);
    };
    if !tx.delete_session(&session.token_hash).await? {
        return Err(AppError::WrongStage);
    }
    let token = random::token(TokenKind::Session)?;
    let record = SessionRecord {
        stage,
        amr: amr.to_vec(),
        last_seen_at: now,
        mfa_at: Some(now),
        ..old
    };
    tx.insert_session(&token.hash(), &record).await?;
    Ok(token)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv6_clients_share_their_slash_64() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:bbbb::2".parse().unwrap();
        assert_eq!(ip_key(a), ip_key(b));
        assert_eq!(ip_key("192.0.2.7".parse().unwrap()), "ip:192.0.2.7");
    }

    #[test]
    fn account_keys_do_not_hold_the_email() {
        let key = account_key(&Email::parse("anna@example.com").unwrap());
        assert!(!key.contains("anna"));
    }
}
