//! `/login` (the password step) and `/logout`.

use axum::Router;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use axum::routing::{get, post};
use portcullis_core::LoginStage;
use secrecy::SecretString;
use serde::Deserialize;

use super::{Empty, form_message, see_other_with_cookie};
use crate::app::AppError;
use crate::web::AppState;
use crate::web::context::Ctx;
use crate::web::error::WebError;
use crate::web::forms::Form;
use crate::web::views::{LoginView, render};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/login", get(view_login).post(view_login_post))
        .route("/logout", post(view_logout_post))
}

#[derive(Deserialize)]
struct DoneQuery {
    done: Option<String>,
    /// A service's `login_hint`: fills in the email when it is one.
    login_hint: Option<String>,
}

async fn view_login(State(state): State<AppState>, ctx: Ctx, Query(query): Query<DoneQuery>) -> Response {
    // What the user just did elsewhere, from a fixed list.
    let notice = match query.done.as_deref() {
        Some("reset") => Some(ctx.tr.t("login-notice-reset")),
        Some("logged-out") => Some(ctx.tr.t("login-notice-logged-out")),
        _ => None,
    };
    render(
        StatusCode::OK,
        &LoginView {
            page: ctx.page(&state),
            email: query
                .login_hint
                .as_deref()
                .and_then(|h| portcullis_core::Email::parse(h).ok())
                .map(|e| e.to_string())
                .unwrap_or_default(),
            error: None,
            notice,
            register: state.app.self_registration,
        },
    )
}

#[derive(Deserialize)]
struct LoginForm {
    email: String,
    password: String,
}

async fn view_login_post(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<LoginForm>,
) -> Result<Response, WebError> {
    let password = SecretString::from(form.password);
    match state.app.login_password(&form.email, &password, &ctx.client).await {
        Ok(ok) => {
            if let Some(old) = &ctx.session {
                state.app.replace_session(old, &ok.session, &ctx.client).await?;
            }
            let cookie = state
                .cookies
                .set(state.cookies.session, Some(ok.session.expose()), true);
            let next = match ok.stage {
                LoginStage::Authenticated => "/",
                LoginStage::MfaChallenge => "/mfa/challenge",
                LoginStage::MfaSetupRequired => "/mfa/setup",
            };
            Ok(see_other_with_cookie(next, &cookie))
        }
        Err(err) if err.is_internal() => Err(err.into()),
        Err(err) => {
            let status = WebError::status_of(&err).0;
            let page = ctx.page(&state);
            let error = Some(form_message(&page.tr, &err, state.app.now()));
            let mut response = render(
                status,
                &LoginView {
                    page,
                    email: form.email,
                    error,
                    notice: None,
                    register: state.app.self_registration,
                },
            );
            if let AppError::Throttled { retry_at }
            | AppError::InvalidCredentials {
                retry_at: Some(retry_at),
            } = err
            {
                let wait = state.app.now().secs_until(retry_at).max(1);
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(wait));
            }
            Ok(response)
        }
    }
}

async fn view_logout_post(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(Empty {}): Form<Empty>,
) -> Result<Response, WebError> {
    if let Some(session) = &ctx.session {
        state.app.logout(session, &ctx.client).await?;
    }
    Ok(see_other_with_cookie(
        "/login",
        &state.cookies.set(state.cookies.session, None, true),
    ))
}
