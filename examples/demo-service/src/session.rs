//! Browser sessions of the demo, kept **in memory only**: a restart logs everyone out, nothing is shared
//! between processes, and nothing bounds the map. That is fine for a demo and wrong for a real service,
//! which would keep them in its database (as Portcullis itself does).
//!
//! A browser is known by a random cookie. A session holds the logins it has started but not finished
//! (keyed by their OAuth `state`, so a callback is only accepted in the browser that started it) and, once
//! logged in, the verified login. Logging in replaces the session id (no session fixation).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::http::HeaderMap;
use openidconnect::{CsrfToken, Nonce, PkceCodeVerifier, RefreshToken};
use sha2::{Digest, Sha256};

use crate::claims::Profile;
use crate::logout_token::LogoutTarget;
use crate::oidc::DemoIdToken;

pub const COOKIE_NAME: &str = "portcullis_demo_session";

/// How long a started login may take before its callback is refused.
pub const PENDING_LOGIN_TTL: Duration = Duration::from_secs(10 * 60);

/// A login sent to the provider and not back yet.
pub struct PendingLogin {
    pub pkce_verifier: PkceCodeVerifier,
    pub nonce: Nonce,
    pub requested_acr: Option<String>,
    pub started: Instant,
}

/// A finished login: what the verified ID token said, and the tokens kept for refresh and logout.
pub struct Login {
    pub profile: Profile,
    /// Kept for `id_token_hint` at logout; never shown or logged.
    pub id_token: DemoIdToken,
    pub refresh_token: Option<RefreshToken>,
    /// The nonce of the authentication request, which a refreshed ID token may repeat.
    pub nonce: Nonce,
    pub requested_acr: Option<String>,
    pub access_token_expires_in: Option<Duration>,
    pub last_refresh: Option<RefreshOutcome>,
}

/// What the last "Refresh tokens" did, shown on the home page. Tokens appear only as fingerprints.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RefreshOutcome {
    pub refreshes: u32,
    pub old_refresh_token: Option<String>,
    pub new_refresh_token: Option<String>,
    pub new_id_token: bool,
}

#[derive(Default)]
pub struct Session {
    pub pending: HashMap<String, PendingLogin>,
    pub login: Option<Login>,
}

#[derive(Default)]
pub struct SessionStore {
    sessions: Mutex<HashMap<String, Session>>,
}

impl SessionStore {
    /// Records a started login under `state` in the browser's session (made if it has none) and returns
    /// the session id for the cookie. Expired pending logins of that session are dropped.
    pub fn start_login(&self, session_id: Option<&str>, state: String, pending: PendingLogin) -> String {
        let mut sessions = self.lock();
        let id = match session_id {
            Some(id) if sessions.contains_key(id) => id.to_owned(),
            _ => new_session_id(),
        };
        let session = sessions.entry(id.clone()).or_default();
        session.pending.retain(|_, p| p.started.elapsed() < PENDING_LOGIN_TTL);
        session.pending.insert(state, pending);
        id
    }

    /// Takes the pending login for `state` if this browser started it and it has not expired.
    pub fn take_pending(&self, session_id: &str, state: &str) -> Option<PendingLogin> {
        let mut sessions = self.lock();
        let pending = sessions.get_mut(session_id)?.pending.remove(state)?;
        (pending.started.elapsed() < PENDING_LOGIN_TTL).then_some(pending)
    }

    /// Stores a finished login under a new session id (the old one, if any, ends) and returns the new id.
    pub fn log_in(&self, old_session_id: Option<&str>, login: Login) -> String {
        let mut sessions = self.lock();
        if let Some(old) = old_session_id {
            sessions.remove(old);
        }
        let id = new_session_id();
        sessions.insert(
            id.clone(),
            Session {
                pending: HashMap::new(),
                login: Some(login),
            },
        );
        id
    }

    /// Runs `f` on the session's login, if it is logged in.
    pub fn with_login<R>(&self, session_id: &str, f: impl FnOnce(&mut Login) -> R) -> Option<R> {
        self.lock().get_mut(session_id)?.login.as_mut().map(f)
    }

    pub fn remove(&self, session_id: &str) -> Option<Session> {
        self.lock().remove(session_id)
    }

    /// Ends every logged-in session the back-channel logout names; returns how many.
    pub fn end_matching(&self, target: &LogoutTarget) -> usize {
        let mut sessions = self.lock();
        let before = sessions.len();
        sessions.retain(|_, s| {
            s.login
                .as_ref()
                .is_none_or(|l| !target.matches(&l.profile.sub, l.profile.sid.as_deref()))
        });
        before - sessions.len()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Session>> {
        // A panic while holding the lock leaves the map usable: every change above is a single step.
        self.sessions.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// 256 random bits, base64url.
fn new_session_id() -> String {
    CsrfToken::new_random_len(32).into_secret()
}

/// A short SHA-256 fingerprint to show that a token changed without showing any of it.
pub fn fingerprint(secret: &str) -> String {
    hex::encode(&Sha256::digest(secret.as_bytes())[..6])
}

/// The session id from the request's `Cookie` header(s).
pub fn session_id(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE_NAME)
        .map(|(_, value)| value.to_owned())
}

/// The `Set-Cookie` value for a session. `SameSite=Lax` keeps the cookie off cross-site POSTs, which is
/// the demo's only CSRF protection for its two buttons. No `Secure`: the demo runs on plain http.
pub fn session_cookie(id: &str) -> String {
    format!("{COOKIE_NAME}={id}; Path=/; HttpOnly; SameSite=Lax")
}

pub fn expired_cookie() -> String {
    format!("{COOKIE_NAME}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0")
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn pending() -> PendingLogin {
        PendingLogin {
            pkce_verifier: PkceCodeVerifier::new("v".repeat(43)),
            nonce: Nonce::new("n".into()),
            requested_acr: None,
            started: Instant::now(),
        }
    }

    #[test]
    fn the_cookie_is_found_among_others() {
        let mut headers = HeaderMap::new();
        headers.append(
            "cookie",
            HeaderValue::from_static("a=1; portcullis_demo_session=abc; b=2"),
        );
        assert_eq!(session_id(&headers).as_deref(), Some("abc"));
        let mut other = HeaderMap::new();
        other.append("cookie", HeaderValue::from_static("xportcullis_demo_session=abc"));
        assert_eq!(session_id(&other), None);
    }

    #[test]
    fn a_callback_is_accepted_only_in_the_browser_that_started_it_and_once() {
        let store = SessionStore::default();
        let browser = store.start_login(None, "state-1".into(), pending());
        let other = store.start_login(None, "state-2".into(), pending());
        assert!(store.take_pending(&other, "state-1").is_none());
        assert!(store.take_pending(&browser, "state-1").is_some());
        assert!(store.take_pending(&browser, "state-1").is_none());
    }

    #[test]
    fn an_expired_login_is_refused() {
        let store = SessionStore::default();
        let mut old = pending();
        old.started = Instant::now() - PENDING_LOGIN_TTL - Duration::from_secs(1);
        let id = store.start_login(None, "s".into(), old);
        assert!(store.take_pending(&id, "s").is_none());
    }

    #[test]
    fn fingerprints_are_short_and_differ() {
        assert_eq!(fingerprint("a").len(), 12);
        assert_ne!(fingerprint("a"), fingerprint("b"));
    }
}
