//! The login flow as a state machine, the factors a session has passed (`amr`, RFC 8176), and session
//! lifetimes.
//!
//! ```text
//!  (no session) ── email + password ok ──► MfaSetupRequired ── method verified ──► Authenticated
//!                                     └──► MfaChallenge ───── second factor ok ──► Authenticated
//! ```
//! A password alone never yields `Authenticated`: the MFA issues add the transitions out of the two
//! middle stages; until then a user with a password waits at `MfaSetupRequired`.

use crate::roles::UnknownValue;
use crate::time::UnixTime;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoginStage {
    /// Password verified, no MFA method yet: only the MFA setup pages are reachable.
    MfaSetupRequired,
    /// Password verified, MFA method present: only the MFA challenge is reachable.
    MfaChallenge,
    /// Password and a second factor verified.
    Authenticated,
}

impl LoginStage {
    pub fn as_str(self) -> &'static str {
        match self {
            LoginStage::MfaSetupRequired => "mfa_setup_required",
            LoginStage::MfaChallenge => "mfa_challenge",
            LoginStage::Authenticated => "authenticated",
        }
    }

    pub fn parse(input: &str) -> Result<Self, UnknownValue> {
        match input {
            "mfa_setup_required" => Ok(LoginStage::MfaSetupRequired),
            "mfa_challenge" => Ok(LoginStage::MfaChallenge),
            "authenticated" => Ok(LoginStage::Authenticated),
            other => Err(UnknownValue(other.to_owned())),
        }
    }

    /// Where a user goes after the password step.
    pub fn after_password(has_verified_mfa_method: bool) -> LoginStage {
        if has_verified_mfa_method {
            LoginStage::MfaChallenge
        } else {
            LoginStage::MfaSetupRequired
        }
    }
}

/// An authentication method reference (RFC 8176).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Amr {
    Pwd,
    Otp,
    Hwk,
    Pin,
}

impl Amr {
    pub fn as_str(self) -> &'static str {
        match self {
            Amr::Pwd => "pwd",
            Amr::Otp => "otp",
            Amr::Hwk => "hwk",
            Amr::Pin => "pin",
        }
    }

    pub fn parse(input: &str) -> Result<Self, UnknownValue> {
        match input {
            "pwd" => Ok(Amr::Pwd),
            "otp" => Ok(Amr::Otp),
            "hwk" => Ok(Amr::Hwk),
            "pin" => Ok(Amr::Pin),
            other => Err(UnknownValue(other.to_owned())),
        }
    }

    /// Stored as a space-separated list.
    pub fn join(list: &[Amr]) -> String {
        list.iter().map(|a| a.as_str()).collect::<Vec<_>>().join(" ")
    }

    pub fn split(text: &str) -> Result<Vec<Amr>, UnknownValue> {
        text.split_whitespace().map(Amr::parse).collect()
    }
}

/// How recent a second factor must be for changing MFA (adding, removing, resetting, handing over).
pub const MFA_RECHECK_SECS: i64 = 5 * 60;

/// Whether a session's last second factor (`mfa_at`) is recent enough to change MFA now.
pub fn mfa_is_fresh(mfa_at: Option<UnixTime>, now: UnixTime) -> bool {
    mfa_at.is_some_and(|at| at <= now && now.0 - at.0 < MFA_RECHECK_SECS)
}

/// After an MFA reset the user has until `enroll_by` to set up MFA again; `None` means no deadline.
/// Past it, a password alone must not open the setup pages (it may be a stolen password).
pub fn enrollment_open(enroll_by: Option<UnixTime>, now: UnixTime) -> bool {
    enroll_by.is_none_or(|by| now < by)
}

/// Idle and absolute session lifetimes, in seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionPolicy {
    pub idle_timeout: i64,
    pub absolute_timeout: i64,
}

impl SessionPolicy {
    /// The moment a session created at `created_at` and last seen at `last_seen_at` ends.
    pub fn ends_at(&self, created_at: UnixTime, last_seen_at: UnixTime) -> UnixTime {
        last_seen_at
            .plus_secs(self.idle_timeout)
            .min(created_at.plus_secs(self.absolute_timeout))
    }

    pub fn is_live(&self, created_at: UnixTime, last_seen_at: UnixTime, now: UnixTime) -> bool {
        now < self.ends_at(created_at, last_seen_at)
    }

    /// Writing "last seen" on every request would make every page view a database write; once a
    /// minute is precise enough for a 30-minute idle timeout.
    pub fn should_touch(&self, last_seen_at: UnixTime, now: UnixTime) -> bool {
        now.0 - last_seen_at.0 >= 60
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_alone_never_authenticates() {
        assert_eq!(LoginStage::after_password(false), LoginStage::MfaSetupRequired);
        assert_eq!(LoginStage::after_password(true), LoginStage::MfaChallenge);
        for stage in [
            LoginStage::MfaSetupRequired,
            LoginStage::MfaChallenge,
            LoginStage::Authenticated,
        ] {
            assert_eq!(LoginStage::parse(stage.as_str()).unwrap(), stage);
        }
    }

    #[test]
    fn amr_list_round_trip() {
        let list = [Amr::Pwd, Amr::Hwk, Amr::Pin];
        assert_eq!(Amr::join(&list), "pwd hwk pin");
        assert_eq!(Amr::split("pwd hwk pin").unwrap(), list);
        assert!(Amr::split("pwd sms").is_err());
    }

    #[test]
    fn a_recheck_is_fresh_for_five_minutes() {
        let at = UnixTime(1_000);
        assert!(!mfa_is_fresh(None, at));
        assert!(mfa_is_fresh(Some(at), at));
        assert!(mfa_is_fresh(Some(at), UnixTime(1_299)));
        assert!(!mfa_is_fresh(Some(at), UnixTime(1_300)));
        assert!(
            !mfa_is_fresh(Some(UnixTime(2_000)), at),
            "a check from the future is not trusted"
        );
    }

    #[test]
    fn the_enrollment_window_closes() {
        assert!(enrollment_open(None, UnixTime(10)));
        assert!(enrollment_open(Some(UnixTime(11)), UnixTime(10)));
        assert!(!enrollment_open(Some(UnixTime(10)), UnixTime(10)));
    }

    #[test]
    fn idle_and_absolute_timeouts() {
        let policy = SessionPolicy {
            idle_timeout: 1800,
            absolute_timeout: 12 * 3600,
        };
        let created = UnixTime(0);
        assert!(policy.is_live(created, UnixTime(0), UnixTime(1799)));
        assert!(!policy.is_live(created, UnixTime(0), UnixTime(1800)), "idle");
        let last_seen = UnixTime(12 * 3600 - 10);
        assert!(
            !policy.is_live(created, last_seen, UnixTime(12 * 3600)),
            "absolute, even when active"
        );
        assert!(policy.should_touch(UnixTime(0), UnixTime(60)));
        assert!(!policy.should_touch(UnixTime(0), UnixTime(59)));
    }
}
