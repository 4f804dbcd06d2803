//! A tiny service that logs in through Portcullis with OpenID Connect: an example relying party built on
//! the independent `openidconnect` crate (and `jsonwebtoken` for back-channel logout tokens).
//!
//! Modules:
//! - `oidc`: discovery, the configured client, and the claims Portcullis adds (`org`, `roles`, `sid`);
//! - `claims`: the verified claims as shown, and `amr`/`acr` in words;
//! - `logout_token`: checks of a back-channel logout token;
//! - `session`: the in-memory browser sessions (a demo: lost at restart) and the session cookie;
//! - `html`: the pages, with escaping; `error`: errors as a page;
//! - `routes`: the HTTP routes, one module per area.
//!
//! [`run`] discovers the provider, then serves until the shutdown future resolves.

mod claims;
mod error;
mod html;
mod logout_token;
mod oidc;
mod routes;
mod session;

use std::future::Future;
use std::sync::Arc;

use anyhow::Context;
use tokio::net::TcpListener;
use url::Url;

/// What the demo needs to know. `base_url` is `http://<listen>/`: the redirect URI is its `callback`, the
/// post-logout redirect URI is itself, and the back-channel logout URI its `backchannel-logout`.
pub struct Settings {
    pub issuer: String,
    pub client_id: String,
    pub client_secret: String,
    pub base_url: Url,
}

/// Discovers the provider at `settings.issuer` and serves on `listener` until `shutdown` resolves.
pub async fn run(
    settings: Settings,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let redirect_uri = settings.base_url.join("callback").context("the redirect URI")?;
    let provider = oidc::Provider::discover(
        &settings.issuer,
        settings.client_id,
        settings.client_secret,
        redirect_uri.to_string(),
    )
    .await
    .context("discovering the provider")?;
    if provider.end_session_endpoint.is_none() {
        tracing::warn!("the provider advertises no end_session_endpoint: logging out will be local only");
    }
    tracing::info!(
        issuer = %provider.issuer.as_str(),
        redirect_uri = %redirect_uri,
        backchannel_logout_uri = %settings.base_url.join("backchannel-logout").context("the back-channel URI")?,
        "provider discovered"
    );
    let state = routes::AppState {
        provider: Arc::new(provider),
        sessions: Arc::default(),
        base_url: Arc::new(settings.base_url),
    };
    axum::serve(listener, routes::router(state))
        .with_graceful_shutdown(shutdown)
        .await
        .context("serving")
}
