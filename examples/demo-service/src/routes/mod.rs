//! The demo's routes, one module per area, merged here:
//! - `login`: `/login` starts an authorization-code flow, `/callback` finishes it;
//! - `account`: `/` shows the login, `/refresh` uses the refresh token, `/logout` (RP-initiated logout);
//! - `backchannel`: `/backchannel-logout`, where the provider ends sessions server to server.

mod account;
mod backchannel;
mod login;

use std::sync::Arc;

use axum::Router;
use url::Url;

use crate::oidc::Provider;
use crate::session::SessionStore;

#[derive(Clone)]
pub struct AppState {
    pub provider: Arc<Provider>,
    pub sessions: Arc<SessionStore>,
    /// `http://<listen>/`: the post-logout redirect URI; `callback` is joined onto it for the redirect URI.
    pub base_url: Arc<Url>,
}

pub fn router(state: AppState) -> Router {
    Router::new()
        .merge(login::router())
        .merge(account::router())
        .merge(backchannel::router())
        .with_state(state)
}
