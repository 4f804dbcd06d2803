//! `/login` and `/callback`: the authorization-code flow with PKCE S256, `state` and `nonce`.

use axum::Router;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use openidconnect::core::CoreResponseType;
use openidconnect::{
    AuthenticationContextClass, AuthenticationFlow, AuthorizationCode, CsrfToken, Nonce, OAuth2TokenResponse,
    PkceCodeChallenge, Scope, TokenResponse,
};
use serde::Deserialize;
use std::time::Instant;

use super::AppState;
use crate::claims::Profile;
use crate::error::DemoError;
use crate::session::{self, Login, PendingLogin};

/// `openid` is added by `openidconnect` itself.
const SCOPES: [&str; 4] = ["profile", "email", "org", "offline_access"];

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/login", get(login))
        .route("/callback", get(callback))
}

#[derive(Deserialize)]
struct LoginQuery {
    acr: Option<String>,
}

async fn login(
    State(app): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<LoginQuery>,
) -> Result<Response, DemoError> {
    let acr = match q.acr.as_deref() {
        None | Some("") => None,
        Some(acr @ ("mfa" | "phr")) => Some(acr.to_owned()),
        Some(_) => return Err(DemoError::BadRequest("acr must be mfa or phr")),
    };
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let mut request = app
        .provider
        .client
        .authorize_url(
            AuthenticationFlow::<CoreResponseType>::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .add_scopes(SCOPES.map(|s| Scope::new(s.to_owned())))
        .set_pkce_challenge(challenge);
    if let Some(acr) = &acr {
        request = request.add_auth_context_value(AuthenticationContextClass::new(acr.clone()));
    }
    let (url, state, nonce) = request.url();
    let pending = PendingLogin {
        pkce_verifier: verifier,
        nonce,
        requested_acr: acr,
        started: Instant::now(),
    };
    let id = app
        .sessions
        .start_login(session::session_id(&headers).as_deref(), state.into_secret(), pending);
    Ok((
        [(header::SET_COOKIE, session::session_cookie(&id))],
        Redirect::to(url.as_str()),
    )
        .into_response())
}

#[derive(Deserialize)]
struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
}

async fn callback(
    State(app): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<CallbackQuery>,
) -> Result<Response, DemoError> {
    let session_id = session::session_id(&headers);
    let pending = match (&session_id, &q.state) {
        (Some(id), Some(state)) => app.sessions.take_pending(id, state),
        _ => None,
    };
    if let Some(error) = q.error {
        return Err(DemoError::Provider {
            error,
            description: q.error_description,
        });
    }
    let code = q
        .code
        .ok_or(DemoError::BadRequest("the callback has neither code nor error"))?;
    let pending = pending.ok_or(DemoError::UnknownLogin)?;

    let response = app
        .provider
        .client
        .exchange_code(AuthorizationCode::new(code))
        .set_pkce_verifier(pending.pkce_verifier)
        .request_async(&app.provider.http)
        .await
        .map_err(DemoError::from_token_request)?;
    let id_token = response.id_token().ok_or(DemoError::NoIdToken)?;
    // Signature (JWKS; ES256 or RS256), iss, aud, exp, and our nonce.
    let claims = id_token
        .claims(&app.provider.id_token_verifier(), &pending.nonce)
        .map_err(|e| DemoError::IdToken(e.to_string()))?;
    let profile = Profile::from_claims(claims);
    tracing::info!(sub = %profile.sub, acr = ?profile.acr, "logged in");

    let login = Login {
        profile,
        id_token: id_token.clone(),
        refresh_token: response.refresh_token().cloned(),
        nonce: pending.nonce,
        requested_acr: pending.requested_acr,
        access_token_expires_in: response.expires_in(),
        last_refresh: None,
    };
    let id = app.sessions.log_in(session_id.as_deref(), login);
    Ok(([(header::SET_COOKIE, session::session_cookie(&id))], Redirect::to("/")).into_response())
}
