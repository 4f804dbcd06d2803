//! `/mfa/…`: setting up the second factor during the first login, and the challenge at every later
//! login. Each page is reachable only at its stage of the login flow; anyone else is sent on.

use axum::Json;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use portcullis_core::LoginStage;
use portcullis_core::security_key::{MfaKind, UserVerification, first_method};
use portcullis_core::totp::Phone;
use serde::Deserialize;

use super::{form_message, see_other, see_other_with_cookie};
use crate::app::AppError;
use crate::app::login::CurrentSession;
use crate::app::security_key::KeyCeremony;
use crate::app::totp::CodeRefusal;
use crate::web::AppState;
use crate::web::context::Ctx;
use crate::web::error::WebError;
use crate::web::forms::Form;
use crate::web::views::{
    self, AppSetupView, ChallengeView, KeyBox, KeySetupView, KeyView, MfaSetupView, PhoneView, render,
};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/mfa/setup", get(view_mfa_setup))
        .route("/mfa/setup/finish", post(view_finish_post))
        .route("/mfa/setup/app", get(view_phone).post(view_phone_post))
        .route("/mfa/setup/app/{id}", get(view_app_setup).post(view_app_setup_post))
        .route("/mfa/setup/key", get(view_key_setup).post(view_key_setup_post))
        .route("/mfa/setup/key/start", post(key_setup_start))
        .route("/mfa/setup/key/{id}/name", post(view_key_rename_post))
        .route("/mfa/challenge", get(view_challenge).post(view_challenge_post))
        .route("/mfa/challenge/key", post(view_challenge_key_post))
        .route("/mfa/challenge/key/start", post(key_login_start))
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
    let summary = state.app.mfa_summary(session).await?;
    let keys = state.app.security_keys(session).await?;
    Ok(render(
        StatusCode::OK,
        &MfaSetupView {
            page: ctx.page(&state),
            app_done: summary.apps > 0,
            keys: keys.iter().map(KeyView::of).collect(),
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
                    keys: Vec::new(),
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

#[derive(Deserialize)]
struct MethodQuery {
    method: Option<String>,
}

async fn view_challenge(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(query): Query<MethodQuery>,
) -> Result<Response, WebError> {
    let session = match at_stage(&ctx, LoginStage::MfaChallenge) {
        Ok(session) => session,
        Err(path) => return Ok(see_other(path)),
    };
    let asked = query.method.as_deref().and_then(MfaKind::parse);
    let view = challenge_view(&state, &ctx, session, asked, None, false).await?;
    Ok(render(StatusCode::OK, &view))
}

/// The challenge page: the method asked for if the user has it, else the one used last.
async fn challenge_view(
    state: &AppState,
    ctx: &Ctx,
    session: &CurrentSession,
    asked: Option<MfaKind>,
    error: Option<String>,
    clock_help: bool,
) -> Result<ChallengeView, WebError> {
    let summary = state.app.mfa_summary(session).await?;
    let (has_app, has_key) = (summary.apps > 0, summary.keys > 0);
    let first = first_method(
        has_app.then_some(summary.app_last_used),
        has_key.then_some(summary.key_last_used),
    );
    let method = match asked {
        Some(MfaKind::Key) if has_key => MfaKind::Key,
        Some(MfaKind::App) if has_app => MfaKind::App,
        _ => first.unwrap_or(MfaKind::App),
    };
    Ok(ChallengeView {
        page: ctx.page(state),
        error,
        clock_help,
        method: method.as_str(),
        has_app,
        has_key,
        key_box: KeyBox {
            mode: "login",
            start_url: "/mfa/challenge/key/start",
            finish_url: "/mfa/challenge/key",
            button: ctx.tr.t("challenge-key-button"),
            cancelled: KeyBox::cancelled_message(state.app.keys.user_verification() == UserVerification::Required),
        },
    })
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
            let view = challenge_view(&state, &ctx, session, Some(MfaKind::App), error, is_clock_off(&err)).await?;
            Ok(with_retry_after(render(status, &view), &err, &state))
        }
    }
}

/// Adds `Retry-After` when the error says how long to wait.
fn with_retry_after(mut response: Response, err: &AppError, state: &AppState) -> Response {
    let retry_at = match err {
        AppError::Throttled { retry_at }
        | AppError::CodeRefused {
            retry_at: Some(retry_at),
            ..
        } => Some(*retry_at),
        _ => None,
    };
    if let Some(retry_at) = retry_at {
        let wait = state.app.now().secs_until(retry_at).max(1);
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(wait));
    }
    response
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

/// The security-key setup page: the steps, the Enroll button, the keys registered so far.
async fn key_setup_view(
    state: &AppState,
    ctx: &Ctx,
    session: &CurrentSession,
    error: Option<String>,
) -> Result<KeySetupView, WebError> {
    let keys = state.app.security_keys(session).await?;
    let pin_required = state.app.keys.user_verification() == UserVerification::Required;
    Ok(KeySetupView {
        page: ctx.page(state),
        keys: keys.iter().map(KeyView::of).collect(),
        key_box: KeyBox {
            mode: "register",
            start_url: "/mfa/setup/key/start",
            finish_url: "/mfa/setup/key",
            button: ctx.tr.t("key-enroll"),
            cancelled: KeyBox::cancelled_message(pin_required),
        },
        pin_required,
        error,
    })
}

async fn view_key_setup(State(state): State<AppState>, ctx: Ctx) -> Result<Response, WebError> {
    let session = match at_stage(&ctx, LoginStage::MfaSetupRequired) {
        Ok(session) => session,
        Err(path) => return Ok(see_other(path)),
    };
    Ok(render(
        StatusCode::OK,
        &key_setup_view(&state, &ctx, session, None).await?,
    ))
}

/// The answer of a ceremony start: the options, or a message the script shows.
fn ceremony_json(ctx: &Ctx, state: &AppState, result: Result<KeyCeremony, AppError>) -> Result<Response, WebError> {
    match result {
        Ok(ceremony) => Ok(Json(serde_json::json!({
            "ceremony": ceremony.id,
            "options": ceremony.options,
        }))
        .into_response()),
        Err(err) if err.is_internal() => Err(err.into()),
        Err(err) => {
            let status = WebError::status_of(&err).0;
            let message = form_message(&ctx.tr, &err, state.app.now());
            Ok((status, Json(serde_json::json!({ "error": message }))).into_response())
        }
    }
}

fn stage_json(ctx: &Ctx) -> Response {
    let message = ctx.tr.t("error-wrong-stage");
    (StatusCode::CONFLICT, Json(serde_json::json!({ "error": message }))).into_response()
}

async fn key_setup_start(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(Empty {}): Form<Empty>,
) -> Result<Response, WebError> {
    let Ok(session) = at_stage(&ctx, LoginStage::MfaSetupRequired) else {
        return Ok(stage_json(&ctx));
    };
    let result = state.app.start_key_setup(session, &ctx.client).await;
    ceremony_json(&ctx, &state, result)
}

#[derive(Deserialize)]
struct KeyAnswerForm {
    #[serde(default)]
    ceremony: String,
    #[serde(default)]
    credential: String,
}

async fn view_key_setup_post(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<KeyAnswerForm>,
) -> Result<Response, WebError> {
    let session = match at_stage(&ctx, LoginStage::MfaSetupRequired) {
        Ok(session) => session,
        Err(path) => return Ok(see_other(path)),
    };
    let fallback = ctx.tr.t("key-default-name");
    match state
        .app
        .finish_key_setup(session, &form.ceremony, &form.credential, &fallback, &ctx.client)
        .await
    {
        Ok(_) => Ok(see_other("/mfa/setup")),
        Err(err) if err.is_internal() || matches!(err, AppError::WrongStage) => Err(err.into()),
        Err(err) => {
            let status = WebError::status_of(&err).0;
            let error = Some(form_message(&ctx.tr, &err, state.app.now()));
            Ok(render(status, &key_setup_view(&state, &ctx, session, error).await?))
        }
    }
}

#[derive(Deserialize)]
struct NameForm {
    #[serde(default)]
    name: String,
}

async fn view_key_rename_post(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(form): Form<NameForm>,
) -> Result<Response, WebError> {
    let session = match at_stage(&ctx, LoginStage::MfaSetupRequired) {
        Ok(session) => session,
        Err(path) => return Ok(see_other(path)),
    };
    match state.app.rename_key(session, &id, &form.name, &ctx.client).await {
        Ok(()) => Ok(see_other("/mfa/setup/key")),
        Err(err @ AppError::KeyName(_)) => {
            let error = Some(form_message(&ctx.tr, &err, state.app.now()));
            let view = key_setup_view(&state, &ctx, session, error).await?;
            Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &view))
        }
        Err(err) => Err(err.into()),
    }
}

async fn key_login_start(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(Empty {}): Form<Empty>,
) -> Result<Response, WebError> {
    let Ok(session) = at_stage(&ctx, LoginStage::MfaChallenge) else {
        return Ok(stage_json(&ctx));
    };
    let result = state.app.start_key_login(session).await;
    ceremony_json(&ctx, &state, result)
}

async fn view_challenge_key_post(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<KeyAnswerForm>,
) -> Result<Response, WebError> {
    let session = match at_stage(&ctx, LoginStage::MfaChallenge) {
        Ok(session) => session,
        Err(path) => return Ok(see_other(path)),
    };
    match state
        .app
        .verify_key_login(session, &form.ceremony, &form.credential, &ctx.client)
        .await
    {
        Ok(token) => Ok(see_other_with_cookie(
            "/",
            &state.cookies.set(state.cookies.session, Some(token.expose()), true),
        )),
        Err(err) if err.is_internal() || matches!(err, AppError::WrongStage) => Err(err.into()),
        Err(err) => {
            let status = WebError::status_of(&err).0;
            let error = Some(form_message(&ctx.tr, &err, state.app.now()));
            let view = challenge_view(&state, &ctx, session, Some(MfaKind::Key), error, false).await?;
            Ok(with_retry_after(render(status, &view), &err, &state))
        }
    }
}
