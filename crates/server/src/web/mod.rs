//! The web layer: thin. A handler parses its input, calls one use case of [`crate::app::App`], and
//! renders the result. Everything shared by all requests happens once, in [`context::middleware`]:
//! request id, language, client address, session, CSRF cookie, security headers, error pages, and the
//! access log (which records the route template, never a URL that could hold a token).
//!
//! - [`api`]: the admin JSON API under `/api/v1` and its OpenAPI document (`/api/openapi.json`).
//! - [`context`]: the per-request context and the middleware that builds it.
//! - [`error`]: `WebError`, the one mapping from use-case errors to status codes and messages.
//! - [`forms`]: the form extractor that enforces CSRF, content type and size.
//! - [`i18n`]: re-exported from [`crate::i18n`] (the message catalogues; emails use them too).
//! - [`views`]: the askama templates' types.
//! - [`routes`]: one module per area of the URL tree, each with its own `router()`.

pub mod api;
pub mod context;
pub mod error;
pub mod forms;
pub use crate::i18n;
pub mod qr;
pub mod routes;
pub mod views;

use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;

use crate::app::App;
use crate::settings::Settings;
use i18n::Catalogues;

/// Largest request body accepted (forms are small; this stops abuse early).
pub const MAX_BODY_BYTES: usize = 16 * 1024;

/// Cookie names and attributes: `__Host-` and `Secure` over https; plain names for http development.
#[derive(Debug, Clone)]
pub struct Cookies {
    pub session: &'static str,
    pub csrf: &'static str,
    pub lang: &'static str,
    /// The handle of an authorization request waiting for this browser's login (OpenID Connect).
    pub authz: &'static str,
    pub secure: bool,
}

impl Cookies {
    pub fn for_https(https: bool) -> Cookies {
        if https {
            Cookies {
                session: "__Host-portcullis",
                csrf: "__Host-portcullis-csrf",
                lang: "__Host-portcullis-lang",
                authz: "__Host-portcullis-authz",
                secure: true,
            }
        } else {
            Cookies {
                session: "portcullis",
                csrf: "portcullis-csrf",
                lang: "portcullis-lang",
                authz: "portcullis-authz",
                secure: false,
            }
        }
    }

    /// A `Set-Cookie` value; `None` deletes the cookie.
    pub fn set(&self, name: &str, value: Option<&str>, http_only: bool) -> String {
        let mut cookie = match value {
            Some(value) => format!("{name}={value}; Path=/; SameSite=Lax"),
            None => format!("{name}=; Path=/; SameSite=Lax; Max-Age=0"),
        };
        if http_only {
            cookie.push_str("; HttpOnly");
        }
        if self.secure {
            cookie.push_str("; Secure");
        }
        cookie
    }
}

#[derive(Clone)]
pub struct AppState {
    pub app: Arc<App>,
    pub catalogues: Arc<Catalogues>,
    pub cookies: Cookies,
    /// The public origin, e.g. `https://login.example.com`, for the Origin check of form posts.
    pub origin: String,
    pub https: bool,
    pub trusted_proxies: Vec<ipnet::IpNet>,
}

impl AppState {
    pub fn new(app: Arc<App>, settings: &Settings) -> Result<AppState, String> {
        Ok(AppState {
            catalogues: app.catalogues(),
            app,
            cookies: Cookies::for_https(settings.https()),
            origin: settings.public_origin(),
            https: settings.https(),
            trusted_proxies: settings.trusted_proxies.clone(),
        })
    }
}

pub fn router(state: AppState) -> Router {
    Router::new()
        .merge(routes::home::router())
        .merge(routes::login::router())
        .merge(routes::invitation::router())
        .merge(routes::register::router())
        .merge(routes::mfa::router())
        .merge(routes::profile::router())
        .merge(routes::org::router())
        .merge(routes::support::router())
        .merge(routes::support_clients::router())
        .merge(routes::org_tokens::router())
        .merge(routes::lang::router())
        .merge(routes::assets::router())
        .merge(routes::health::router())
        .merge(routes::oidc::router())
        .merge(api::router())
        .fallback(routes::not_found)
        .layer(axum::middleware::from_fn_with_state(state.clone(), context::middleware))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(state)
}
