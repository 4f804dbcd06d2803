//! `/api/v1/tokens…`: an administrator's session creates, lists and revokes the organization's API
//! tokens (a token cannot manage tokens: 403 `session_required`). The plain token is in the creation's
//! answer only.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use portcullis_store::api_tokens::ApiTokenRecord;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::extract::{ApiCaller, ApiJson};
use crate::app::api_tokens::{NewApiToken, is_live};
use crate::web::AppState;
use crate::web::error::ApiError;

/// A new token's settings.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateTokenRequest {
    /// What it is for, e.g. "HR sync" (1–100 characters).
    pub name: String,
    /// Any of `users:read`, `users:write`, `mfa:reset`, `audit:read`.
    pub scopes: Vec<String>,
    /// Days until it expires, 1 to 366.
    pub expires_in_days: i64,
}

/// A token as listed (never the token itself).
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenInfo {
    pub id: String,
    pub name: String,
    pub scopes: Vec<String>,
    /// The administrator it acts as.
    pub created_by: String,
    /// Unix seconds.
    pub created_at: i64,
    pub expires_at: i64,
    pub revoked_at: Option<i64>,
    pub last_used_at: Option<i64>,
    /// Whether it works now (not expired, not revoked).
    pub live: bool,
}

impl TokenInfo {
    fn new(token: &ApiTokenRecord, live: bool) -> TokenInfo {
        TokenInfo {
            id: token.id.to_string(),
            name: token.name.clone(),
            scopes: token.scopes.iter().map(|s| s.as_str().to_owned()).collect(),
            created_by: token.created_by.to_string(),
            created_at: token.created_at.0,
            expires_at: token.expires_at.0,
            revoked_at: token.revoked_at.map(|t| t.0),
            last_used_at: token.last_used_at.map(|t| t.0),
            live,
        }
    }
}

/// The new token: `token` is shown this once.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedToken {
    /// `pca_…`: send as `Authorization: Bearer <token>`.
    pub token: String,
    #[serde(flatten)]
    pub info: TokenInfo,
}

/// Create an API token for the organization (administrators, with a session).
#[utoipa::path(post, path = "/api/v1/tokens", tag = "tokens", request_body = CreateTokenRequest,
    security(("session" = [])),
    responses((status = 201, description = "Created", body = CreatedToken), (status = 401, description = "No valid API token or session", body = super::ErrorBody),
        (status = 403, description = "Refused: permission, scope or CSRF", body = super::ErrorBody), (status = 422, description = "Invalid body", body = super::ErrorBody)))]
pub async fn create_token(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiJson(body): ApiJson<CreateTokenRequest>,
) -> Result<Response, ApiError> {
    let new = NewApiToken {
        name: body.name,
        scopes: body.scopes,
        lifetime_secs: body.expires_in_days.saturating_mul(86_400),
    };
    let (plain, record) = state.app.create_api_token(&caller.actor, &new, &caller.client).await?;
    let created = CreatedToken {
        token: plain.expose().to_owned(),
        info: TokenInfo::new(&record, true),
    };
    Ok((StatusCode::CREATED, Json(created)).into_response())
}

/// The organization's tokens, newest first.
#[utoipa::path(get, path = "/api/v1/tokens", tag = "tokens", security(("session" = [])),
    responses((status = 200, description = "OK", body = Vec<TokenInfo>), (status = 401, description = "No valid API token or session", body = super::ErrorBody),
        (status = 403, description = "Refused: permission, scope or CSRF", body = super::ErrorBody)))]
pub async fn list_tokens(State(state): State<AppState>, caller: ApiCaller) -> Result<Json<Vec<TokenInfo>>, ApiError> {
    let now = state.app.now();
    let tokens = state.app.api_tokens(&caller.actor).await?;
    Ok(Json(
        tokens.iter().map(|t| TokenInfo::new(t, is_live(t, now))).collect(),
    ))
}

/// Revoke a token: it stops working at once.
#[utoipa::path(delete, path = "/api/v1/tokens/{id}", tag = "tokens",
    params(("id" = String, Path, description = "The token's id (not the token)")),
    security(("session" = [])),
    responses((status = 204, description = "Done"), (status = 401, description = "No valid API token or session", body = super::ErrorBody), (status = 403, description = "Refused: permission, scope or CSRF", body = super::ErrorBody),
        (status = 404, description = "Not found (also another organization's member)", body = super::ErrorBody), (status = 409, description = "Conflicts with the current state", body = super::ErrorBody)))]
pub async fn revoke_token(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    state.app.revoke_api_token(&caller.actor, &id, &caller.client).await?;
    Ok(StatusCode::NO_CONTENT)
}
