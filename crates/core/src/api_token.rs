//! API tokens: what an organization's automation (an HR system onboarding its staff) holds to call the
//! admin JSON API. A token is an ordinary secret token (`pca_` + 64 hex digits, stored as SHA-256, see
//! [`crate::token`]) with a name, a set of [`Scope`]s, a required expiry and a possible revocation.
//!
//! A token acts *as its creator*: with the rights the creator has at the moment of each call, narrowed
//! by its scopes. If the creator is demoted, disabled or leaves, the token stops working; a token can
//! never do more than a person who is still an administrator of that organization could do.
//!
//! ```text
//!  created ──(expires_at passes)──▶ expired
//!     │
//!     └──(revoke)──▶ revoked              both final: 401 for every call
//! ```

use crate::time::UnixTime;

/// The longest lifetime a token may be given (a year and a day, so "one year" always fits).
pub const MAX_LIFETIME_SECS: i64 = 366 * 24 * 3600;
/// The shortest (anything shorter is a mistake, not a plan).
pub const MIN_LIFETIME_SECS: i64 = 3600;
/// Longest token name.
pub const MAX_NAME_CHARS: usize = 100;

/// What a token may be used for. Pages and sessions have every scope; a token only those it was given.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Scope {
    /// List, search and read members.
    UsersRead,
    /// Invite, resend and withdraw invitations, disable and enable, change roles.
    UsersWrite,
    /// Reset members' MFA (within the reset matrix).
    MfaReset,
    /// Read the organization's audit log.
    AuditRead,
}

impl Scope {
    pub const ALL: [Scope; 4] = [Scope::UsersRead, Scope::UsersWrite, Scope::MfaReset, Scope::AuditRead];

    pub fn as_str(self) -> &'static str {
        match self {
            Scope::UsersRead => "users:read",
            Scope::UsersWrite => "users:write",
            Scope::MfaReset => "mfa:reset",
            Scope::AuditRead => "audit:read",
        }
    }

    pub fn parse(text: &str) -> Result<Scope, ApiTokenProblem> {
        Scope::ALL
            .into_iter()
            .find(|s| s.as_str() == text)
            .ok_or(ApiTokenProblem::UnknownScope)
    }

    /// Scopes as stored: space-separated, sorted, no duplicates (like OAuth's `scope`).
    pub fn join(scopes: &[Scope]) -> String {
        let mut scopes = scopes.to_vec();
        scopes.sort();
        scopes.dedup();
        scopes.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(" ")
    }

    /// The inverse of [`Scope::join`]; at least one scope.
    pub fn split(text: &str) -> Result<Vec<Scope>, ApiTokenProblem> {
        let mut scopes = text
            .split_whitespace()
            .map(Scope::parse)
            .collect::<Result<Vec<_>, _>>()?;
        scopes.sort();
        scopes.dedup();
        if scopes.is_empty() {
            return Err(ApiTokenProblem::NoScope);
        }
        Ok(scopes)
    }
}

/// Why a new token's settings are refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ApiTokenProblem {
    #[error("unknown scope")]
    UnknownScope,
    #[error("at least one scope is needed")]
    NoScope,
    #[error("the name must be 1 to 100 characters")]
    BadName,
    #[error("the expiry must be between one hour and 366 days from now")]
    BadExpiry,
}

impl ApiTokenProblem {
    pub fn as_str(self) -> &'static str {
        match self {
            ApiTokenProblem::UnknownScope => "unknown_scope",
            ApiTokenProblem::NoScope => "no_scope",
            ApiTokenProblem::BadName => "bad_token_name",
            ApiTokenProblem::BadExpiry => "bad_expiry",
        }
    }
}

/// A token's name, trimmed, 1–100 characters, no control characters.
pub fn parse_name(text: &str) -> Result<String, ApiTokenProblem> {
    let name = text.trim();
    let count = name.chars().count();
    if count == 0 || count > MAX_NAME_CHARS || name.chars().any(char::is_control) {
        return Err(ApiTokenProblem::BadName);
    }
    Ok(name.to_owned())
}

/// The expiry of a token created at `now` that should live `secs`.
pub fn expiry(now: UnixTime, secs: i64) -> Result<UnixTime, ApiTokenProblem> {
    if (MIN_LIFETIME_SECS..=MAX_LIFETIME_SECS).contains(&secs) {
        Ok(now.plus_secs(secs))
    } else {
        Err(ApiTokenProblem::BadExpiry)
    }
}

/// Why a presented token does not act (each a 401 to the caller).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenRefusal {
    /// Not a token of ours (malformed or no such hash).
    Unknown,
    Expired,
    Revoked,
    /// Its creator is no longer an active member of the token's organization.
    CreatorInactive,
}

impl TokenRefusal {
    pub fn as_str(self) -> &'static str {
        match self {
            TokenRefusal::Unknown => "token_unknown",
            TokenRefusal::Expired => "token_expired",
            TokenRefusal::Revoked => "token_revoked",
            TokenRefusal::CreatorInactive => "token_creator_inactive",
        }
    }
}

/// Whether a stored token may act at `now` (revocation first: it is the deliberate act).
pub fn check_live(now: UnixTime, expires_at: UnixTime, revoked_at: Option<UnixTime>) -> Result<(), TokenRefusal> {
    if revoked_at.is_some() {
        return Err(TokenRefusal::Revoked);
    }
    if now >= expires_at {
        return Err(TokenRefusal::Expired);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_round_trip_sorted_and_deduplicated() {
        let joined = Scope::join(&[Scope::AuditRead, Scope::UsersRead, Scope::AuditRead]);
        assert_eq!(joined, "users:read audit:read");
        assert_eq!(Scope::split(&joined), Ok(vec![Scope::UsersRead, Scope::AuditRead]));
        for scope in Scope::ALL {
            assert_eq!(Scope::parse(scope.as_str()), Ok(scope));
        }
        assert_eq!(Scope::split("users:read admin"), Err(ApiTokenProblem::UnknownScope));
        assert_eq!(Scope::split("  "), Err(ApiTokenProblem::NoScope));
    }

    #[test]
    fn lifetimes_are_bounded() {
        let now = UnixTime(1_000);
        assert_eq!(expiry(now, 3600), Ok(UnixTime(4_600)));
        assert_eq!(expiry(now, MAX_LIFETIME_SECS), Ok(now.plus_secs(MAX_LIFETIME_SECS)));
        for bad in [-1, 0, 3599, MAX_LIFETIME_SECS + 1, i64::MAX] {
            assert_eq!(expiry(now, bad), Err(ApiTokenProblem::BadExpiry), "{bad}");
        }
    }

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(parse_name("  HR sync "), Ok("HR sync".to_owned()));
        assert_eq!(parse_name(""), Err(ApiTokenProblem::BadName));
        assert_eq!(parse_name("a\nb"), Err(ApiTokenProblem::BadName));
        assert_eq!(parse_name(&"x".repeat(101)), Err(ApiTokenProblem::BadName));
    }

    #[test]
    fn a_token_is_live_until_it_expires_or_is_revoked() {
        let expires = UnixTime(100);
        assert_eq!(check_live(UnixTime(99), expires, None), Ok(()));
        assert_eq!(check_live(UnixTime(100), expires, None), Err(TokenRefusal::Expired));
        assert_eq!(
            check_live(UnixTime(50), expires, Some(UnixTime(40))),
            Err(TokenRefusal::Revoked)
        );
    }
}
