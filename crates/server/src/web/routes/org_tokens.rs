//! `/org/tokens`: an administrator lists the organization's API tokens, creates one (shown once, on
//! the answer to the post) and revokes one — the same use cases as `/api/v1/tokens`.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use portcullis_core::api_token::Scope;
use serde::Deserialize;

use super::profile::logged_in;
use super::{Empty, format_utc, see_other};
use crate::app::AppError;
use crate::app::api_tokens::{NewApiToken, is_live};
use crate::web::AppState;
use crate::web::context::Ctx;
use crate::web::error::WebError;
use crate::web::forms::Form;
use crate::web::views::{ScopeChoice, TokenRow, TokensView, render};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/org/tokens", get(view_tokens).post(view_tokens_post))
        .route("/org/tokens/{id}/revoke", post(view_revoke_post))
}

/// The form field of each scope's checkbox.
fn field(scope: Scope) -> &'static str {
    match scope {
        Scope::UsersRead => "scope_users_read",
        Scope::UsersWrite => "scope_users_write",
        Scope::MfaReset => "scope_mfa_reset",
        Scope::AuditRead => "scope_audit_read",
    }
}

async fn tokens_view(
    state: &AppState,
    ctx: &Ctx,
    new_token: Option<String>,
    notice: Option<String>,
    error: Option<String>,
) -> Result<TokensView, WebError> {
    let Some(session) = &ctx.session else {
        return Err(AppError::NotAnAdministrator.into());
    };
    let tr = &ctx.tr;
    let now = state.app.now();
    let tokens = state.app.api_tokens(session).await?;
    let never = tr.t("profile-never");
    Ok(TokensView {
        page: ctx.page(state),
        tokens: tokens
            .iter()
            .map(|t| TokenRow {
                id: t.id.to_string(),
                name: t.name.clone(),
                scopes: Scope::join(&t.scopes),
                expires: format_utc(t.expires_at.0),
                last_used: t.last_used_at.map_or_else(|| never.clone(), |u| format_utc(u.0)),
                state: tr.t(match (is_live(t, now), t.revoked_at) {
                    (true, _) => "tokens-live",
                    (false, Some(_)) => "tokens-revoked",
                    (false, None) => "tokens-expired",
                }),
                live: is_live(t, now),
            })
            .collect(),
        scopes: Scope::ALL
            .into_iter()
            .map(|s| ScopeChoice {
                field: field(s),
                code: s.as_str(),
                label: tr.t(&format!("scope-{}", s.as_str().replace(':', "-"))),
            })
            .collect(),
        new_token,
        notice,
        error,
    })
}

async fn view_tokens(State(state): State<AppState>, ctx: Ctx) -> Result<Response, WebError> {
    if let Err(path) = logged_in(&ctx) {
        return Ok(see_other(path));
    }
    Ok(render(
        StatusCode::OK,
        &tokens_view(&state, &ctx, None, None, None).await?,
    ))
}

#[derive(Deserialize)]
struct CreateForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    days: String,
    scope_users_read: Option<String>,
    scope_users_write: Option<String>,
    scope_mfa_reset: Option<String>,
    scope_audit_read: Option<String>,
}

async fn view_tokens_post(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<CreateForm>,
) -> Result<Response, WebError> {
    let session = match logged_in(&ctx) {
        Ok(session) => session,
        Err(path) => return Ok(see_other(path)),
    };
    let chosen = [
        (Scope::UsersRead, &form.scope_users_read),
        (Scope::UsersWrite, &form.scope_users_write),
        (Scope::MfaReset, &form.scope_mfa_reset),
        (Scope::AuditRead, &form.scope_audit_read),
    ];
    let new = NewApiToken {
        name: form.name.clone(),
        scopes: chosen
            .iter()
            .filter(|(_, on)| on.is_some())
            .map(|(s, _)| s.as_str().to_owned())
            .collect(),
        lifetime_secs: form.days.trim().parse::<i64>().unwrap_or(0).saturating_mul(86_400),
    };
    match state.app.create_api_token(session, &new, &ctx.client).await {
        Ok((plain, _)) => {
            let view = tokens_view(&state, &ctx, Some(plain.expose().to_owned()), None, None).await?;
            Ok(render(StatusCode::OK, &view))
        }
        Err(AppError::ApiTokenSettings(_)) => {
            let error = Some(ctx.tr.t("tokens-error-settings"));
            let view = tokens_view(&state, &ctx, None, None, error).await?;
            Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &view))
        }
        Err(err) => Err(err.into()),
    }
}

async fn view_revoke_post(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(Empty {}): Form<Empty>,
) -> Result<Response, WebError> {
    let session = match logged_in(&ctx) {
        Ok(session) => session,
        Err(path) => return Ok(see_other(path)),
    };
    state.app.revoke_api_token(session, &id, &ctx.client).await?;
    let notice = Some(ctx.tr.t("tokens-revoked-notice"));
    Ok(render(
        StatusCode::OK,
        &tokens_view(&state, &ctx, None, notice, None).await?,
    ))
}
