//! `/backchannel-logout`: the provider POSTs a signed logout token (OIDC Back-Channel Logout 1.0) when a
//! user's session at Portcullis ends; the matching local sessions end too. Answers 200, or 400 with a
//! JSON error, both `Cache-Control: no-store`.

use axum::extract::rejection::FormRejection;
use axum::extract::{Form, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use serde::Deserialize;

use super::AppState;
use crate::logout_token;

pub fn router() -> Router<AppState> {
    Router::new().route("/backchannel-logout", post(backchannel_logout))
}

#[derive(Deserialize)]
struct LogoutForm {
    logout_token: String,
}

async fn backchannel_logout(State(app): State<AppState>, form: Result<Form<LogoutForm>, FormRejection>) -> Response {
    let Ok(Form(form)) = form else {
        return bad_request("the form field logout_token is required");
    };
    // Fetched for every logout token, so a rotated provider key is picked up; these calls are rare.
    let jwks = match fetch_jwks(&app).await {
        Ok(jwks) => jwks,
        Err(e) => {
            tracing::warn!(error = %e, "could not fetch the provider's JWKS");
            return bad_request("the provider's keys could not be fetched");
        }
    };
    let issuer = app.provider.issuer.as_str();
    match logout_token::verify(&form.logout_token, &jwks, issuer, app.provider.client_id().as_str()) {
        Ok(target) => {
            let ended = app.sessions.end_matching(&target);
            tracing::info!(sub = ?target.sub, sid = ?target.sid, ended, "back-channel logout");
            ([(header::CACHE_CONTROL, "no-store")], StatusCode::OK).into_response()
        }
        Err(e) => {
            tracing::warn!(error = %e, "back-channel logout token refused");
            bad_request(&e.to_string())
        }
    }
}

async fn fetch_jwks(app: &AppState) -> Result<jsonwebtoken::jwk::JwkSet, Box<dyn std::error::Error + Send + Sync>> {
    let response = app
        .provider
        .http
        .get(app.provider.jwks_uri.url().clone())
        .send()
        .await?
        .error_for_status()?;
    Ok(serde_json::from_slice(&response.bytes().await?)?)
}

fn bad_request(description: &str) -> Response {
    let body = serde_json::json!({ "error": "invalid_request", "error_description": description });
    (
        StatusCode::BAD_REQUEST,
        [(header::CACHE_CONTROL, "no-store")],
        Json(body),
    )
        .into_response()
}
