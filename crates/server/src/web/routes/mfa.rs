//! `/mfa/…`: setting up the second factor during the first login, and the challenge at every later
//! login. Each page is reachable only at its stage of the login flow; anyone else is sent on.
//!
//! A logged-in user comes here too: the setup pages add another method (profile → "Add another
//! method"), and the challenge is the fresh check before an MFA change (`?next=` names where to go
//! back to, from a fixed list, never a URL). Setup pages need a check in the last 5 minutes; without
//! one the user is sent through the challenge first and comes back.

use axum::Json;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use portcullis_core::LoginStage;
use portcullis_core::login::mfa_is_fresh;
use portcullis_core::security_key::{MfaKind, UserVerification, first_method};
use portcullis_core::totp::Phone;
use serde::Deserialize;

use super::{Empty, form_message, see_other, see_other_with_cookie};
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

/// Where a fresh check sends the user back to: a name from the query, never a URL (no open redirect).
pub fn next_path(next: Option<&str>) -> Option<&'static str> {
    match next? {
        "setup" => Some("/mfa/setup"),
        "setup-app" => Some("/mfa/setup/app"),
        "setup-key" => Some("/mfa/setup/key"),
        "profile" => Some("/profile"),
        "reset" => Some("/profile/reset"),
        "handover" => Some("/org/users"),
        // A service waits for a stronger login (step-up to a security key).
        "authorize" => Some("/oauth2/continue"),
        _ => None,
    }
}

/// The session for the setup pages: at the setup stage, or logged in with a fresh check; otherwise
/// the path where the user belongs instead (the challenge, for a check that is not fresh).
fn at_setup(ctx: &Ctx, now: portcullis_core::UnixTime) -> Result<&CurrentSession, &'static str> {
    match &ctx.session {
        None => Err("/login"),
        Some(session) => match session.stage {
            LoginStage::MfaSetupRequired => Ok(session),
            LoginStage::Authenticated if mfa_is_fresh(session.mfa_at, now) => Ok(session),
            LoginStage::Authenticated => Err("/mfa/challenge?next=setup"),
            LoginStage::MfaChallenge => Err("/mfa/challenge"),
        },
    }
}

/// The session for the challenge: at the challenge stage, or logged in (a fresh check).
fn at_challenge(ctx: &Ctx) -> Result<&CurrentSession, &'static str> {
    match &ctx.session {
        None => Err("/login"),
        Some(session) => match session.stage {
            LoginStage::MfaChallenge | LoginStage::Authenticated => Ok(session),
            LoginStage::MfaSetupRequired => Err("/mfa/setup"),
        },
    }
}

async fn view_mfa_setup(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: axum::http::HeaderMap,
) -> Result<Response, WebError> {
    let session = match at_setup(&ctx, state.app.now()) {
        Ok(session) => session,
        Err(path) => return Ok(see_other(path)),
    };
    let summary = state.app.mfa_summary(session).await?;
    let keys = state.app.security_keys(session).await?;
    Ok(render(
        StatusCode::OK,
        &MfaSetupView {
            page: ctx.page(&state),
            adding: session.stage == LoginStage::Authenticated,
            app_done: summary.apps > 0,
            keys: keys.iter().map(KeyView::of).collect(),
            error: None,
            service_waiting: super::oidc::waiting(&state, &headers),
        },
    ))
}

async fn view_finish_post(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(Empty {}): Form<Empty>,
) -> Result<Response, WebError> {
    let session = match at_setup(&ctx, state.app.now()) {
        Ok(session) => session,
        Err(path) => return Ok(see_other(path)),
    };
    if session.stage == LoginStage::Authenticated {
        return Ok(see_other("/profile"));
    }
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
                    adding: false,
                    app_done: false,
                    keys: Vec::new(),
                    error,
                    service_waiting: false,
                },
            ))
        }
        Err(err) => Err(err.into()),
    }
}

async fn view_phone(State(state): State<AppState>, ctx: Ctx) -> Response {
    match at_setup(&ctx, state.app.now()) {
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
    let session = match at_setup(&ctx, state.app.now()) {
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
    let session = match at_setup(&ctx, state.app.now()) {
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
    let session = match at_setup(&ctx, state.app.now()) {
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
    next: Option<String>,
}

#[derive(Deserialize)]
struct NextQuery {
    next: Option<String>,
}

/// Where a passed challenge leads: the page that asked for it; else a service waiting for this login;
/// else the start page.
fn after_challenge(next: Option<&str>, state: &AppState, headers: &axum::http::HeaderMap) -> &'static str {
    next_path(next).unwrap_or(if super::oidc::waiting(state, headers) {
        "/oauth2/continue"
    } else {
        "/"
    })
}

async fn view_challenge(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(query): Query<MethodQuery>,
) -> Result<Response, WebError> {
    let session = match at_challenge(&ctx) {
        Ok(session) => session,
        Err(path) => return Ok(see_other(path)),
    };
    let asked = query.method.as_deref().and_then(MfaKind::parse);
    let view = challenge_view(&state, &ctx, session, asked, query.next.as_deref(), None, false).await?;
    Ok(render(StatusCode::OK, &view))
}

/// The challenge page: the method asked for if the user has it, else the one used last.
async fn challenge_view(
    state: &AppState,
    ctx: &Ctx,
    session: &CurrentSession,
    asked: Option<MfaKind>,
    next: Option<&str>,
    error: Option<String>,
    clock_help: bool,
) -> Result<ChallengeView, WebError> {
    // Only known names travel on; anything else is dropped.
    let next = next
        .filter(|n| next_path(Some(n)).is_some())
        .unwrap_or_default()
        .to_owned();
    let query = if next.is_empty() {
        String::new()
    } else {
        format!("?next={next}")
    };
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
        recheck: session.stage == LoginStage::Authenticated,
        next,
        key_box: KeyBox {
            mode: "login",
            start_url: "/mfa/challenge/key/start".to_owned(),
            finish_url: format!("/mfa/challenge/key{query}"),
            button: ctx.tr.t("challenge-key-button"),
            cancelled: KeyBox::cancelled_message(state.app.keys.user_verification() == UserVerification::Required),
        },
    })
}

async fn view_challenge_post(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: axum::http::HeaderMap,
    Query(query): Query<NextQuery>,
    Form(form): Form<CodeForm>,
) -> Result<Response, WebError> {
    let session = match at_challenge(&ctx) {
        Ok(session) => session,
        Err(path) => return Ok(see_other(path)),
    };
    let next = query.next.as_deref();
    match state.app.verify_totp_login(session, &form.code, &ctx.client).await {
        Ok(token) => Ok(see_other_with_cookie(
            after_challenge(next, &state, &headers),
            &state.cookies.set(state.cookies.session, Some(token.expose()), true),
        )),
        Err(err) if err.is_internal() => Err(err.into()),
        Err(err) => {
            let status = WebError::status_of(&err).0;
            let error = Some(form_message(&ctx.tr, &err, state.app.now()));
            let view = challenge_view(
                &state,
                &ctx,
                session,
                Some(MfaKind::App),
                next,
                error,
                is_clock_off(&err),
            )
            .await?;
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
            start_url: "/mfa/setup/key/start".to_owned(),
            finish_url: "/mfa/setup/key".to_owned(),
            button: ctx.tr.t("key-enroll"),
            cancelled: KeyBox::cancelled_message(pin_required),
        },
        pin_required,
        error,
    })
}

async fn view_key_setup(State(state): State<AppState>, ctx: Ctx) -> Result<Response, WebError> {
    let session = match at_setup(&ctx, state.app.now()) {
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
    let Ok(session) = at_setup(&ctx, state.app.now()) else {
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
    let session = match at_setup(&ctx, state.app.now()) {
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
    let session = match at_setup(&ctx, state.app.now()) {
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
    let Ok(session) = at_challenge(&ctx) else {
        return Ok(stage_json(&ctx));
    };
    let result = state.app.start_key_login(session).await;
    ceremony_json(&ctx, &state, result)
}

async fn view_challenge_key_post(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: axum::http::HeaderMap,
    Query(query): Query<NextQuery>,
    Form(form): Form<KeyAnswerForm>,
) -> Result<Response, WebError> {
    let session = match at_challenge(&ctx) {
        Ok(session) => session,
        Err(path) => return Ok(see_other(path)),
    };
    match state
        .app
        .verify_key_login(session, &form.ceremony, &form.credential, &ctx.client)
        .await
    {
        Ok(token) => Ok(see_other_with_cookie(
            after_challenge(query.next.as_deref(), &state, &headers),
            &state.cookies.set(state.cookies.session, Some(token.expose()), true),
        )),
        Err(err) if err.is_internal() || matches!(err, AppError::WrongStage) => Err(err.into()),
        Err(err) => {
            let status = WebError::status_of(&err).0;
            let error = Some(form_message(&ctx.tr, &err, state.app.now()));
            let view = challenge_view(
                &state,
                &ctx,
                session,
                Some(MfaKind::Key),
                query.next.as_deref(),
                error,
                false,
            )
            .await?;
            Ok(with_retry_after(render(status, &view), &err, &state))
        }
    }
}
