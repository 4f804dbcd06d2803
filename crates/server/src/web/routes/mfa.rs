//! `/mfa/…`: setting up the second factor during the first login, and the challenge at every later
//! login. Each page is reachable only at its stage of the login flow; anyone else is sent on.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use axum::routing::{get, post};
use portcullis_core::LoginStage;
use portcullis_core::totp::Phone;
use serde::Deserialize;

use super::{form_message, see_other, see_other_with_cookie};
use crate::app::AppError;
use crate::app::login::CurrentSession;
use crate::app::totp::CodeRefusal;
use crate::web::AppState;
use crate::web::context::Ctx;
use crate::web::error::WebError;
use crate::web::forms::Form;
use crate::web::views::{self, AppSetupView, ChallengeView, MfaSetupView, PhoneView, render};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/mfa/setup", get(view_mfa_setup))
        .route("/mfa/setup/finish", post(view_finish_post))
        .route("/mfa/setup/app", get(view_phone).post(view_phone_post))
        .route("/mfa/setup/app/{id}", get(view_app_setup).post(view_app_setup_post))
        .route("/mfa/challenge", get(view_challenge).post(view_challenge_post))
}

/// The session if it is at `stage`; otherwise the path where the user belongs instead.
fn at_stage(ctx: &Ctx, stage: LoginStage) -> Result<&CurrentSession, &'static str> {
    match &ctx.session {
        None => Err("/login"),
        Some(session) if session.stage == stage => Ok(session),
        Some(session) => Err(match session.stage {
            LoginStage::MfaSetupRequired => "/mfa/setup",
            LoginStage::MfaChallenge => "/mfa/challenge",
            LoginStage::Authenticated => "/",
        }),
    }
}

async fn view_mfa_setup(State(state): State<AppState>, ctx: Ctx) -> Result<Response, WebError> {
    let session = match at_stage(&ctx, LoginStage::MfaSetupRequired) {
        Ok(session) => session,
        Err(path) => return Ok(see_other(path)),
    };
    let app_count = state.app.mfa_method_count(session).await?;
    Ok(render(
        StatusCode::OK,
        &MfaSetupView {
            page: ctx.page(&state),
            app_done: app_count > 0,
            error: None,
        },
    ))
}

#[derive(Deserialize)]
struct Empty {}

async fn view_finish_post(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(Empty {}): Form<Empty>,
) -> Result<Response, WebError> {
    let session = match at_stage(&ctx, LoginStage::MfaSetupRequired) {
        Ok(session) => session,
        Err(path) => return Ok(see_other(path)),
    };
    match state.app.finish_mfa_setup(session, &ctx.client).await {
        Ok(token) => Ok(see_other_with_cookie(
            "/",
            &state.cookies.set(state.cookies.session, Some(token.expose()), true),
        )),
        Err(AppError::NoMfaMethod) => {
            let error = Some(ctx.tr.t("error-no-mfa-method"));
            Ok(render(
                StatusCode::CONFLICT,
                &MfaSetupView {
                    page: ctx.page(&state),
                    app_done: false,
                    error,
                },
            ))
        }
        Err(err) => Err(err.into()),
    }
}

async fn view_phone(State(state): State<AppState>, ctx: Ctx) -> Response {
    match at_stage(&ctx, LoginStage::MfaSetupRequired) {
        Ok(_) => render(
            StatusCode::OK,
            &PhoneView {
                page: ctx.page(&state),
                error: None,
            },
        ),
        Err(path) => see_other(path),
    }
}

#[derive(Deserialize)]
struct PhoneForm {
    #[serde(default)]
    phone: String,
}

async fn view_phone_post(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<PhoneForm>,
) -> Result<Response, WebError> {
    let session = match at_stage(&ctx, LoginStage::MfaSetupRequired) {
        Ok(session) => session,
        Err(path) => return Ok(see_other(path)),
    };
    let Some(phone) = Phone::parse(&form.phone) else {
        let error = Some(ctx.tr.t("app-phone-choose"));
        return Ok(render(
            StatusCode::UNPROCESSABLE_ENTITY,
            &PhoneView {
                page: ctx.page(&state),
                error,
            },
        ));
    };
    let id = state.app.start_app_setup(session, phone, &ctx.client).await?;
    Ok(see_other(&format!("/mfa/setup/app/{id}")))
}

async fn view_app_setup(State(state): State<AppState>, ctx: Ctx, Path(id): Path<String>) -> Result<Response, WebError> {
    let session = match at_stage(&ctx, LoginStage::MfaSetupRequired) {
        Ok(session) => session,
        Err(path) => return Ok(see_other(path)),
    };
    let enrollment = state.app.app_setup(session, &id).await?;
    Ok(render(
        StatusCode::OK,
        &views::app_setup_view(&state, &ctx, &enrollment, None)?,
    ))
}

#[derive(Deserialize)]
struct CodeForm {
    #[serde(default)]
    code: String,
}

async fn view_app_setup_post(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(form): Form<CodeForm>,
) -> Result<Response, WebError> {
    let session = match at_stage(&ctx, LoginStage::MfaSetupRequired) {
        Ok(session) => session,
        Err(path) => return Ok(see_other(path)),
    };
    match state.app.verify_app_setup(session, &id, &form.code, &ctx.client).await {
        Ok(()) => Ok(see_other("/mfa/setup")),
        Err(err @ (AppError::Code(_) | AppError::CodeRefused { .. })) => {
            let enrollment = state.app.app_setup(session, &id).await?;
            let message = form_message(&ctx.tr, &err, state.app.now());
            let view: AppSetupView =
                views::app_setup_view(&state, &ctx, &enrollment, Some((message, is_clock_off(&err))))?;
            Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &view))
        }
        Err(err) => Err(err.into()),
    }
}

async fn view_challenge(State(state): State<AppState>, ctx: Ctx) -> Response {
    match at_stage(&ctx, LoginStage::MfaChallenge) {
        Ok(_) => render(
            StatusCode::OK,
            &ChallengeView {
                page: ctx.page(&state),
                error: None,
                clock_help: false,
            },
        ),
        Err(path) => see_other(path),
    }
}

async fn view_challenge_post(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<CodeForm>,
) -> Result<Response, WebError> {
    let session = match at_stage(&ctx, LoginStage::MfaChallenge) {
        Ok(session) => session,
        Err(path) => return Ok(see_other(path)),
    };
    match state.app.verify_totp_login(session, &form.code, &ctx.client).await {
        Ok(token) => Ok(see_other_with_cookie(
            "/",
            &state.cookies.set(state.cookies.session, Some(token.expose()), true),
        )),
        Err(err) if err.is_internal() => Err(err.into()),
        Err(err) => {
            let status = WebError::status_of(&err).0;
            let error = Some(form_message(&ctx.tr, &err, state.app.now()));
            let view = ChallengeView {
                page: ctx.page(&state),
                error,
                clock_help: is_clock_off(&err),
            };
            let mut response = render(status, &view);
            let retry_at = match err {
                AppError::Throttled { retry_at }
                | AppError::CodeRefused {
                    retry_at: Some(retry_at),
                    ..
                } => Some(retry_at),
                _ => None,
            };
            if let Some(retry_at) = retry_at {
                let wait = state.app.now().secs_until(retry_at).max(1);
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(wait));
            }
            Ok(response)
        }
    }
}

fn is_clock_off(err: &AppError) -> bool {
    matches!(
        err,
        AppError::CodeRefused {
            refusal: CodeRefusal::ClockOff { .. },
            ..
        }
    )
}
