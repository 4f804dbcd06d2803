//! Authenticator apps (TOTP): setting one up during the first login, and the login challenge.
//!
//! Setup: choosing a phone type creates an *enrollment* (a sealed 160-bit secret, valid 15 minutes);
//! it becomes a credential only when a code from the app verifies it, in one transaction that also
//! removes the enrollment — so an abandoned or half-done setup leaves no credential behind. The user is
//! emailed about every method added, the first included: they learn of an attacker's enrollment too.
//!
//! Challenge: the attempt is counted against the account's second-factor throttle before the code is
//! checked; an accepted time step is recorded with a conditional `UPDATE` that only succeeds for a step
//! later than any accepted before, so a code works once even when two requests or two nodes race.

use portcullis_core::throttle::ThrottlePolicy;
use portcullis_core::totp::Phone;
use portcullis_core::totp::{self, TotpCode, TotpSecret, Verification};
use portcullis_core::{Amr, CredentialId, EnrollmentId, LoginStage, PlainToken, UnixTime};
use portcullis_store::totp::{TotpCredentialRecord, TotpEnrollmentRecord};
use serde_json::json;

use super::login::{
    CurrentSession, SecondFactorKeys, lock_for_mfa_change, method_added, require_challenge, require_mfa_change,
    require_stage, rotate_session,
};
use super::{App, AppError, Client, event, own_event, random};
use crate::mail::{Mail, MfaMethod};

/// How long a QR code shown during setup stays usable.
pub const ENROLLMENT_TTL: i64 = 15 * 60;

/// An app being set up, as its page shows it (the one place the secret is shown).
pub struct AppEnrollment {
    pub id: EnrollmentId,
    pub phone: Phone,
    pub secret: TotpSecret,
    pub uri: String,
    pub issuer: String,
    pub account: String,
    pub expires_at: UnixTime,
}

/// Why a code was not accepted (shown beside the form).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeRefusal {
    /// Not the code of now, nor of the last or next 30 seconds.
    Wrong,
    /// It matches the phone's clock being off by this many seconds (positive: ahead).
    ClockOff { seconds: i64 },
    /// This code (time step) was used already.
    Replayed,
}

fn sealing_context(user: portcullis_core::UserId) -> String {
    format!("totp:{user}")
}

impl App {
    /// How many verified second factors the user of a session has.
    pub async fn mfa_method_count(&self, session: &CurrentSession) -> Result<i64, AppError> {
        Ok(self.store.read().await?.count_mfa_methods(session.user.id).await?)
    }

    /// Starts setting up an authenticator app: a fresh secret, sealed, valid for 15 minutes.
    pub async fn start_app_setup(
        &self,
        session: &CurrentSession,
        phone: Phone,
        client: &Client,
    ) -> Result<EnrollmentId, AppError> {
        require_mfa_change(session, self.now())?;
        let mut bytes = [0u8; totp::SECRET_BYTES];
        getrandom::fill(&mut bytes).map_err(|e| AppError::Internal(format!("the OS random generator failed: {e}")))?;
        let secret = TotpSecret::from_random(bytes);
        let now = self.now();
        let user = session.user.id;
        let enrollment = TotpEnrollmentRecord {
            id: EnrollmentId::from_random_bytes(random::bytes()?),
            user_id: user,
            secret_sealed: self.secrets.seal(secret.as_bytes(), &sealing_context(user))?,
            phone,
            created_at: now,
            expires_at: now.plus_secs(ENROLLMENT_TTL),
        };
        let mut tx = self.store.begin().await?;
        tx.delete_totp_enrollments_of(user).await?;
        tx.insert_totp_enrollment(&enrollment).await?;
        let detail = json!({ "phone": phone.as_str() });
        tx.append_audit(&own_event(session, now, "totp_setup_started", client, detail))
            .await?;
        tx.commit().await?;
        Ok(enrollment.id)
    }

    /// The setup page's content; only for the user who started it, while it is valid.
    pub async fn app_setup(&self, session: &CurrentSession, id: &str) -> Result<AppEnrollment, AppError> {
        require_mfa_change(session, self.now())?;
        let enrollment = self.own_enrollment(session, id).await?;
        let secret = self.open_secret(&enrollment.secret_sealed, session.user.id)?;
        let account = session.user.email.to_string();
        Ok(AppEnrollment {
            id: enrollment.id,
            phone: enrollment.phone,
            uri: totp::otpauth_uri(&self.service_name, &account, &secret),
            secret,
            issuer: self.service_name.clone(),
            account,
            expires_at: enrollment.expires_at,
        })
    }

    /// Verifies the first code from the app; on success the app is a credential and the enrollment is
    /// gone, in one transaction.
    pub async fn verify_app_setup(
        &self,
        session: &CurrentSession,
        id: &str,
        code: &str,
        client: &Client,
    ) -> Result<(), AppError> {
        require_mfa_change(session, self.now())?;
        let code = TotpCode::parse(code)?;
        let enrollment = self.own_enrollment(session, id).await?;
        let secret = self.open_secret(&enrollment.secret_sealed, session.user.id)?;
        let now = self.now();
        let user = session.user.id;
        let (step, drift) = match totp::verify(&secret, code, now, 0, None) {
            Verification::Accepted { step, drift } => (step, drift),
            refusal => {
                let refusal = refusal_of(refusal);
                let mut tx = self.store.begin().await?;
                let detail = json!({ "reason": refusal_name(refusal) });
                tx.append_audit(&own_event(session, now, "totp_setup_code_refused", client, detail))
                    .await?;
                tx.commit().await?;
                return Err(AppError::CodeRefused {
                    refusal,
                    retry_at: None,
                });
            }
        };
        let mut tx = self.store.begin().await?;
        lock_for_mfa_change(&mut tx, session).await?;
        if !tx.delete_totp_enrollment(enrollment.id).await? {
            return Err(AppError::SetupUnknown);
        }
        let credential = TotpCredentialRecord {
            id: CredentialId::from_random_bytes(random::bytes()?),
            user_id: user,
            secret_sealed: enrollment.secret_sealed,
            drift,
            last_used_step: Some(step),
            last_used_at: Some(now),
            created_at: now,
        };
        tx.insert_totp_credential(&credential).await?;
        method_added(&mut tx, session).await?;
        let detail = json!({ "credential": credential.id.to_string() });
        tx.append_audit(&own_event(session, now, "mfa_totp_added", client, detail))
            .await?;
        let mail = Mail::MfaMethodAdded {
            method: MfaMethod::App,
            name: None,
        };
        self.queue_mail(&mut tx, &session.user, mail, now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Ends MFA setup once at least one method is verified: the session becomes fully authenticated,
    /// under a new id.
    pub async fn finish_mfa_setup(&self, session: &CurrentSession, client: &Client) -> Result<PlainToken, AppError> {
        require_stage(session, LoginStage::MfaSetupRequired)?;
        let now = self.now();
        let mut tx = self.store.begin().await?;
        let summary = tx.mfa_summary(session.user.id).await?;
        if summary.total() == 0 {
            return Err(AppError::NoMfaMethod);
        }
        let pin = tx
            .security_keys_of(session.user.id)
            .await?
            .iter()
            .any(|k| k.user_verified);
        let amr = super::security_key::setup_amr(&summary, pin);
        let token = rotate_session(&mut tx, session, LoginStage::Authenticated, &amr, now).await?;
        tx.record_login(session.user.id, now).await?;
        tx.append_audit(&own_event(session, now, "mfa_setup_finished", client, json!({})))
            .await?;
        tx.commit().await?;
        Ok(token)
    }

    /// The login challenge: a code from the user's app. Success gives a new, fully authenticated session.
    pub async fn verify_totp_login(
        &self,
        session: &CurrentSession,
        code: &str,
        client: &Client,
    ) -> Result<PlainToken, AppError> {
        let recheck = require_challenge(session)?;
        let code = TotpCode::parse(code)?;
        let user = session.user.id;
        let org = session.user.org.map(|(id, _)| id);
        let throttle_keys = SecondFactorKeys::new(user, client);
        let keys = throttle_keys.keys();
        const POLICY: ThrottlePolicy = ThrottlePolicy::ACCOUNT_SECOND_FACTOR;
        let now = self.now();
        let (mut tx, failures) = self.reserve_second_factor(session, keys, "totp", client, now).await?;
        let credentials = tx.totp_credentials_of(user).await?;
        tx.commit().await?;

        let mut refusal = CodeRefusal::Wrong;
        for credential in &credentials {
            let secret = self.open_secret(&credential.secret_sealed, user)?;
            match totp::verify(&secret, code, now, credential.drift, credential.last_used_step) {
                Verification::Accepted { step, drift } => {
                    let mut tx = self.store.begin().await?;
                    if !tx.use_totp_step(credential.id, step, drift, now).await? {
                        // Another request accepted this step first.
                        refusal = CodeRefusal::Replayed;
                        continue;
                    }
                    tx.settle_attempt_success(keys).await?;
                    let token =
                        rotate_session(&mut tx, session, LoginStage::Authenticated, &[Amr::Pwd, Amr::Otp], now).await?;
                    let kind = if recheck {
                        "mfa_recheck_ok"
                    } else {
                        tx.record_login(user, now).await?;
                        "login_mfa_ok"
                    };
                    let detail = json!({ "method": "totp", "drift_steps": drift });
                    tx.append_audit(&event(now, kind, None, Some(user), org, client, detail))
                        .await?;
                    tx.commit().await?;
                    return Ok(token);
                }
                other => {
                    let this = refusal_of(other);
                    // The most helpful explanation wins: reuse, then clock, then plain wrong.
                    refusal = match (refusal, this) {
                        (CodeRefusal::Replayed, _) | (_, CodeRefusal::Replayed) => CodeRefusal::Replayed,
                        (CodeRefusal::ClockOff { seconds }, _) | (_, CodeRefusal::ClockOff { seconds }) => {
                            CodeRefusal::ClockOff { seconds }
                        }
                        _ => CodeRefusal::Wrong,
                    };
                }
            }
        }
        let mut tx = self.store.begin().await?;
        let kind = if refusal == CodeRefusal::Replayed {
            "totp_code_replayed"
        } else {
            "login_failed"
        };
        let detail = json!({ "step": "totp", "reason": refusal_name(refusal) });
        tx.append_audit(&event(now, kind, None, Some(user), org, client, detail))
            .await?;
        let retry_at = tx.attempt_throttles(keys).await?.0.blocked_until(&POLICY, now);
        self.mail_if_throttle_starts(&mut tx, &session.user, &POLICY, failures, true, now)
            .await?;
        tx.commit().await?;
        Err(AppError::CodeRefused { refusal, retry_at })
    }

    async fn own_enrollment(&self, session: &CurrentSession, id: &str) -> Result<TotpEnrollmentRecord, AppError> {
        let id = EnrollmentId::parse(id).map_err(|_| AppError::SetupUnknown)?;
        let enrollment = self.store.read().await?.find_totp_enrollment(id).await?;
        // Another user's setup is as unknown as a forged id: nothing tells them apart.
        let enrollment = enrollment
            .filter(|e| e.user_id == session.user.id)
            .ok_or(AppError::SetupUnknown)?;
        if enrollment.expires_at <= self.now() {
            return Err(AppError::SetupExpired);
        }
        Ok(enrollment)
    }

    fn open_secret(&self, sealed: &str, user: portcullis_core::UserId) -> Result<TotpSecret, AppError> {
        let bytes = self.secrets.open(sealed, &sealing_context(user))?;
        TotpSecret::from_bytes(&bytes).map_err(|e| AppError::Internal(format!("stored TOTP secret: {e}")))
    }
}

fn refusal_of(verification: Verification) -> CodeRefusal {
    match verification {
        Verification::Replayed { .. } => CodeRefusal::Replayed,
        Verification::ClockOff { offset_steps } => CodeRefusal::ClockOff {
            seconds: offset_steps * totp::PERIOD,
        },
        Verification::Accepted { .. } | Verification::Wrong => CodeRefusal::Wrong,
    }
}

fn refusal_name(refusal: CodeRefusal) -> &'static str {
    match refusal {
        CodeRefusal::Wrong => "wrong",
        CodeRefusal::ClockOff { .. } => "clock_off",
        CodeRefusal::Replayed => "replayed",
    }
}
