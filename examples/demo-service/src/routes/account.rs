//! `/` (the login as the ID token tells it), `/refresh` (a refresh-token grant) and `/logout`
//! (RP-Initiated Logout at the provider's `end_session_endpoint`).

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use openidconnect::{LogoutRequest, Nonce, OAuth2TokenResponse, PostLogoutRedirectUrl, TokenResponse};

use super::AppState;
use crate::claims::Profile;
use crate::error::DemoError;
use crate::html;
use crate::session::{self, RefreshOutcome, fingerprint};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/refresh", post(refresh))
        .route("/logout", post(logout))
}

async fn home(State(app): State<AppState>, headers: HeaderMap) -> Html<String> {
    let provider_logout = app.provider.end_session_endpoint.is_some();
    let page = session::session_id(&headers).and_then(|id| {
        app.sessions
            .with_login(&id, |login| html::logged_in(login, provider_logout))
    });
    Html(page.unwrap_or_else(html::logged_out))
}

/// Uses the refresh token once. Portcullis rotates refresh tokens, so the answer carries a new one and the
/// old one is spent; a refreshed ID token, if any, is verified like the first (same `sub`; its `nonce`, if
/// present, must be the original one). Two refreshes racing in one browser would present the same token
/// twice, which a rotating provider treats as theft: the demo does not guard against that.
async fn refresh(State(app): State<AppState>, headers: HeaderMap) -> Result<Response, DemoError> {
    let id = session::session_id(&headers).ok_or(DemoError::NotLoggedIn)?;
    let (refresh_token, nonce, sub) = app
        .sessions
        .with_login(&id, |l| {
            (l.refresh_token.clone(), l.nonce.clone(), l.profile.sub.clone())
        })
        .ok_or(DemoError::NotLoggedIn)?;
    let refresh_token = refresh_token.ok_or(DemoError::NoRefreshToken)?;
    let response = app
        .provider
        .client
        .exchange_refresh_token(&refresh_token)
        .request_async(&app.provider.http)
        .await
        .map_err(DemoError::from_token_request)?;

    let refreshed = match response.id_token() {
        Some(id_token) => {
            let same_nonce = |found: Option<&Nonce>| match found {
                Some(found) if found.secret() != nonce.secret() => Err("nonce differs from the login's".to_owned()),
                _ => Ok(()),
            };
            let claims = id_token
                .claims(&app.provider.id_token_verifier(), same_nonce)
                .map_err(|e| DemoError::IdToken(e.to_string()))?;
            if claims.subject().as_str() != sub {
                return Err(DemoError::IdToken(
                    "the refreshed ID token is about another user".into(),
                ));
            }
            Some((Profile::from_claims(claims), id_token.clone()))
        }
        None => None,
    };
    let new_refresh_token = response.refresh_token().cloned();
    app.sessions
        .with_login(&id, |login| {
            let refreshes = login.last_refresh.as_ref().map_or(0, |r| r.refreshes) + 1;
            login.last_refresh = Some(RefreshOutcome {
                refreshes,
                old_refresh_token: Some(fingerprint(refresh_token.secret())),
                new_refresh_token: new_refresh_token.as_ref().map(|t| fingerprint(t.secret())),
                new_id_token: refreshed.is_some(),
            });
            if let Some(new) = new_refresh_token {
                login.refresh_token = Some(new);
            }
            if let Some((profile, id_token)) = refreshed {
                login.profile = profile;
                login.id_token = id_token;
            }
            login.access_token_expires_in = response.expires_in();
        })
        .ok_or(DemoError::NotLoggedIn)?; // logged out (e.g. back-channel) while refreshing
    tracing::info!(sub = %sub, "tokens refreshed");
    Ok(Redirect::to("/").into_response())
}

/// Ends the local session, then sends the browser to the provider's end-session endpoint with
/// `id_token_hint`, `client_id` and `post_logout_redirect_uri` (this demo's `/`).
async fn logout(State(app): State<AppState>, headers: HeaderMap) -> Response {
    let login = session::session_id(&headers)
        .and_then(|id| app.sessions.remove(&id))
        .and_then(|s| s.login);
    let clear = [(header::SET_COOKIE, session::expired_cookie())];
    let (Some(endpoint), Some(login)) = (&app.provider.end_session_endpoint, login) else {
        return (clear, Redirect::to("/")).into_response();
    };
    let post_logout = PostLogoutRedirectUrl::from_url((*app.base_url).clone());
    let url = LogoutRequest::from(endpoint.clone())
        .set_id_token_hint(&login.id_token)
        .set_client_id(app.provider.client_id().clone())
        .set_post_logout_redirect_uri(post_logout)
        .http_get_url();
    tracing::info!(sub = %login.profile.sub, "logged out; redirecting to the provider");
    (clear, Redirect::to(url.as_str())).into_response()
}
