//! The use cases. Each public method of [`App`] reads the clock once, opens one transaction, checks
//! who may act, calls the core, writes, audits and commits — so a failure half-way leaves nothing.
//! The pages, the JSON API (`web::api`) and the command line are front doors to these same functions.
//!
//! - [`actor`]: who acts — a session or an API token acting as its creator.
//! - [`api_tokens`]: administrators create, list and revoke API tokens; a presented token becomes an actor.
//! - [`admin`]: organizations, invitations, the first customer-service setup link, listings.
//! - [`invitation`]: opening and accepting a one-time link (choosing a password).
//! - [`registration`]: self-registration of individuals (email → verification link → accept_link).
//! - [`clients`]: the services (OpenID Connect clients): registering, editing, replacing secrets.
//! - [`oidc`]: the OpenID Connect provider: authorization, tokens, userinfo, revocation,
//!   introspection, RP-initiated and back-channel logout.
//! - [`login`]: the password step, throttling, sessions, logout.
//! - [`profile`]: the user's own account: methods, MFA reset, sessions, password.
//! - [`org`]: administrators manage their organization's members; the MFA-reset matrix; audit view.
//! - [`support`]: customer service's console: search everyone, reset with a reason, unlock, organizations.
//! - [`support_clients`]: customer service lists, registers and edits the services (only staff pass).
//! - [`totp`]: setting up an authenticator app and the login challenge with its codes.
//! - [`security_key`]: registering a FIDO2 security key and the login challenge with it (WebAuthn).
//! - [`outbox`]: queueing email in a use case's transaction, and the delivery worker's step.
//! - [`passwords`]: argon2id hashing, bounded and off the async runtime.
//! - [`secrets`]: sealing secrets at rest under the master key.
//! - [`signing`]: the OpenID Connect token-signing keys (created, rotated, cached per node), JWTs, JWKS.
//! - [`dev`]: `portcullis dev seed`, many organizations and users for benchmarks.
//! - [`clock`], [`random`]: the injected clock and the OS random generator.

pub mod actor;
pub mod admin;
pub mod api_tokens;
pub mod clients;
pub mod clock;
pub mod dev;
mod error;
pub mod invitation;
pub mod login;
pub mod oidc;
pub mod org;
pub mod outbox;
pub mod passwords;
pub mod profile;
pub mod random;
pub mod registration;
pub mod secrets;
pub mod security_key;
pub mod signing;
pub mod support;
pub mod support_clients;
pub mod totp;

use std::sync::Arc;

use portcullis_core::{OrgId, SessionPolicy, UnixTime, UserId};
use portcullis_store::Store;
use portcullis_store::records::AuditEvent;
use url::Url;

pub use clock::{Clock, ManualClock, SystemClock};
pub use error::AppError;
use passwords::Passwords;
use secrets::SecretBox;

use crate::i18n::Catalogues;
use crate::mail::Transport;
use crate::settings::Settings;

/// Who is on the other end of a request, for throttling and the audit log.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Client {
    pub ip: Option<std::net::IpAddr>,
    pub user_agent: Option<String>,
    /// The API token the request came with, if any: named in the audit events it causes.
    pub api_token: Option<portcullis_core::ApiTokenId>,
}

pub struct App {
    pub store: Store,
    clock: Arc<dyn Clock>,
    passwords: Passwords,
    secrets: SecretBox,
    pub session_policy: SessionPolicy,
    pub invitation_ttl: i64,
    pub mfa_enrollment_window: i64,
    /// Whether individuals may register themselves (setting `self_registration`).
    pub self_registration: bool,
    pub public_url: Url,
    pub service_name: String,
    pub keys: security_key::KeyService,
    /// Where email goes (see [`outbox`]).
    transport: Transport,
    /// The message catalogues, for email.
    catalogues: Arc<Catalogues>,
    /// For back-channel logout requests to the services.
    http: reqwest::Client,
    /// This node's cache of parsed token-signing keys (see [`signing`]).
    signing_keys: signing::KeyRing,
}

/// How long the first customer-service setup link (and `support invite`) stays valid.
pub const SETUP_LINK_TTL: i64 = 24 * 3600;

impl App {
    pub fn new(store: Store, settings: &Settings, clock: Arc<dyn Clock>, secrets: SecretBox) -> Result<App, AppError> {
        let passwords = Passwords::new(
            settings.argon2_memory_kib,
            settings.argon2_iterations,
            settings.argon2_parallelism,
            settings.hash_concurrency(),
        )?;
        Ok(App {
            store,
            clock,
            passwords,
            secrets,
            session_policy: SessionPolicy {
                idle_timeout: settings.session_idle_timeout.as_secs() as i64,
                absolute_timeout: settings.session_absolute_timeout.as_secs() as i64,
            },
            invitation_ttl: settings.invitation_ttl.as_secs() as i64,
            mfa_enrollment_window: settings.mfa_enrollment_window.as_secs() as i64,
            self_registration: settings.self_registration,
            public_url: settings.public_url.clone(),
            service_name: settings.service_name.clone(),
            keys: security_key::KeyService::new(
                &settings.public_url,
                &settings.service_name,
                settings.key_policy(),
                settings.security_key_user_verification,
            )?,
            transport: Transport::from_settings(settings).map_err(AppError::Internal)?,
            catalogues: Arc::new(Catalogues::load().map_err(AppError::Internal)?),
            http: reqwest::Client::builder()
                .timeout(std::time::Duration::from_secs(5))
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .map_err(|e| AppError::Internal(format!("HTTP client: {e}")))?,
            signing_keys: signing::KeyRing::new(),
        })
    }

    pub fn now(&self) -> UnixTime {
        self.clock.now()
    }

    /// The absolute URL of a one-time link.
    pub fn link_url(&self, token: &portcullis_core::PlainToken) -> String {
        let mut url = self.public_url.clone();
        url.set_path(&format!("invitation/{}", token.expose()));
        url.to_string()
    }

    /// The message catalogues (pages and email share them).
    pub fn catalogues(&self) -> Arc<Catalogues> {
        self.catalogues.clone()
    }

    /// Where the file transport writes `.eml` files; `None` with SMTP.
    pub fn email_directory(&self) -> Option<&std::path::Path> {
        self.transport.directory()
    }

    /// Removes dead sessions, links expired for more than a week and email sent or given up more
    /// than a week ago (run periodically).
    pub async fn sweep(&self) -> Result<(u64, u64), AppError> {
        let now = self.now();
        let mut tx = self.store.begin().await?;
        let sessions = tx
            .delete_dead_sessions(
                now.plus_secs(-self.session_policy.idle_timeout),
                now.plus_secs(-self.session_policy.absolute_timeout),
            )
            .await?;
        let links = tx.delete_links_expired_before(now.plus_secs(-7 * 24 * 3600)).await?;
        tx.delete_expired_totp_enrollments(now).await?;
        tx.delete_expired_ceremonies(now).await?;
        tx.delete_finished_mail_before(now.plus_secs(-7 * 24 * 3600)).await?;
        tx.delete_expired_oidc(now, now.plus_secs(-7 * 24 * 3600)).await?;
        tx.commit().await?;
        Ok((sessions, links))
    }
}

/// An audit event of a user acting on their own account (actor and target are the session's user).
pub(crate) fn own_event(
    session: &login::CurrentSession,
    at: UnixTime,
    kind: &str,
    client: &Client,
    detail: serde_json::Value,
) -> AuditEvent {
    let user = Some(session.user.id);
    event(at, kind, user, user, session.user.org.map(|(id, _)| id), client, detail)
}

/// Builds an audit event; `detail` is a JSON object and must never hold a secret.
pub(crate) fn event(
    at: UnixTime,
    kind: &str,
    actor: Option<UserId>,
    target: Option<UserId>,
    org: Option<OrgId>,
    client: &Client,
    detail: serde_json::Value,
) -> AuditEvent {
    let mut detail = detail;
    if let (Some(ua), Some(map)) = (&client.user_agent, detail.as_object_mut()) {
        map.insert(
            "user_agent".into(),
            serde_json::Value::String(ua.chars().take(200).collect()),
        );
    }
    if let (Some(token), Some(map)) = (client.api_token, detail.as_object_mut()) {
        map.insert("api_token".into(), serde_json::Value::String(token.to_string()));
    }
    AuditEvent {
        at,
        kind: kind.to_owned(),
        actor,
        target,
        org,
        ip: client.ip.map(|ip| ip.to_string()),
        detail,
    }
}
