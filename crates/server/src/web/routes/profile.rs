//! `/profile…`: the user's own account — details, MFA methods (add, remove, reset), sessions, password.
//! An MFA change without a fresh second factor sends the user through the challenge and back.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use portcullis_core::login::mfa_is_fresh;
use portcullis_core::security_key::MfaKind;
use portcullis_core::{LoginStage, OrgRole};
use secrecy::SecretString;
use serde::Deserialize;

use super::{Empty, form_message, format_utc, see_other, see_other_with_cookie};
use crate::app::AppError;
use crate::app::login::CurrentSession;
use crate::web::AppState;
use crate::web::context::Ctx;
use crate::web::error::WebError;
use crate::web::forms::Form;
use crate::web::views::{MethodRow, PasswordView, ProfileView, ResetView, SessionRow, render};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/profile", get(view_profile))
        .route("/profile/methods/remove", post(view_remove_method_post))
        .route("/profile/reset", get(view_reset).post(view_reset_post))
        .route("/profile/sessions/end", post(view_end_session_post))
        .route("/profile/sessions/end-all", post(view_end_all_post))
        .route("/profile/password", get(view_password).post(view_password_post))
}

/// The fully logged-in session, or the path where the user belongs instead.
pub fn logged_in(ctx: &Ctx) -> Result<&CurrentSession, &'static str> {
    match &ctx.session {
        Some(session) if session.stage == LoginStage::Authenticated => Ok(session),
        Some(_) => Err("/"),
        None => Err("/login"),
    }
}

async fn profile_view(
    state: &AppState,
    ctx: &Ctx,
    session: &CurrentSession,
    error: Option<String>,
) -> Result<ProfileView, WebError> {
    let profile = state.app.profile(session).await?;
    let tr = &ctx.tr;
    let role = match (profile.user.org, profile.user.platform_role) {
        (Some((_, role)), _) => tr.t(&format!("role-{}", role.as_str())),
        (None, Some(_)) => tr.t("role-customer_service"),
        (None, None) => tr.t("role-individual"),
    };
    let never = tr.t("profile-never");
    let when = |t: Option<portcullis_core::UnixTime>| t.map_or_else(|| never.clone(), |t| format_utc(t.0));
    let mut methods: Vec<MethodRow> = profile
        .apps
        .iter()
        .map(|app| MethodRow {
            kind: "app",
            id: app.id.to_string(),
            name: tr.t("mfa-method-app"),
            model: None,
            added: format_utc(app.created_at.0),
            last_used: when(app.last_used_at),
        })
        .collect();
    methods.extend(profile.keys.iter().map(|key| MethodRow {
        kind: "key",
        id: key.id.to_string(),
        name: key.name.clone(),
        model: key.model.clone().filter(|m| *m != key.name),
        added: format_utc(key.created_at.0),
        last_used: when(key.last_used_at),
    }));
    let sessions = profile
        .sessions
        .iter()
        .map(|s| SessionRow {
            handle: s.handle.clone(),
            current: s.current,
            device: describe_agent(s.record.user_agent.as_deref(), tr),
            ip: s.record.ip.clone().unwrap_or_else(|| "–".into()),
            last_seen: format_utc(s.record.last_seen_at.0),
        })
        .collect();
    Ok(ProfileView {
        page: ctx.page(state),
        name: profile.user.display_name.map(|n| n.to_string()).unwrap_or_default(),
        email: profile.user.email.to_string(),
        org: profile.org_name.map(|n| n.to_string()),
        role,
        can_remove: methods.len() > 1,
        has_keys: !profile.keys.is_empty(),
        lost_hint: match profile.user.org {
            Some((_, OrgRole::Employee | OrgRole::UserAdmin)) => "profile-lost-admin",
            _ => "profile-lost-support",
        },
        methods,
        sessions,
        error,
    })
}

/// "Firefox on Windows" from a User-Agent, roughly (only for the user to recognise their devices).
fn describe_agent(agent: Option<&str>, tr: &crate::i18n::Tr) -> String {
    let Some(agent) = agent else {
        return tr.t("profile-device-unknown");
    };
    let browser = [
        ("Edg/", "Edge"),
        ("Firefox/", "Firefox"),
        ("Chrome/", "Chrome"),
        ("Safari/", "Safari"),
    ]
    .iter()
    .find(|(needle, _)| agent.contains(needle))
    .map(|(_, name)| *name);
    let system = [
        ("Android", "Android"),
        ("iPhone", "iPhone"),
        ("iPad", "iPad"),
        ("Windows", "Windows"),
        ("Mac OS", "macOS"),
        ("Linux", "Linux"),
    ]
    .iter()
    .find(|(needle, _)| agent.contains(needle))
    .map(|(_, name)| *name);
    match (browser, system) {
        (Some(b), Some(s)) => format!("{b} · {s}"),
        (Some(b), None) => b.to_owned(),
        (None, Some(s)) => s.to_owned(),
        (None, None) => agent.chars().take(40).collect(),
    }
}

async fn view_profile(State(state): State<AppState>, ctx: Ctx) -> Result<Response, WebError> {
    let session = match logged_in(&ctx) {
        Ok(session) => session,
        Err(path) => return Ok(see_other(path)),
    };
    Ok(render(
        StatusCode::OK,
        &profile_view(&state, &ctx, session, None).await?,
    ))
}

#[derive(Deserialize)]
struct MethodForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    id: String,
}

async fn view_remove_method_post(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<MethodForm>,
) -> Result<Response, WebError> {
    let session = match logged_in(&ctx) {
        Ok(session) => session,
        Err(path) => return Ok(see_other(path)),
    };
    let kind = MfaKind::parse(&form.kind).ok_or(AppError::MethodUnknown)?;
    match state.app.remove_mfa_method(session, kind, &form.id, &ctx.client).await {
        Ok(()) => Ok(see_other("/profile")),
        Err(AppError::RecheckRequired) => Ok(see_other("/mfa/challenge?next=profile")),
        Err(err @ AppError::LastMethod) => {
            let error = Some(form_message(&ctx.tr, &err, state.app.now()));
            let view = profile_view(&state, &ctx, session, error).await?;
            Ok(render(StatusCode::CONFLICT, &view))
        }
        Err(err) => Err(err.into()),
    }
}

async fn view_reset(State(state): State<AppState>, ctx: Ctx) -> Result<Response, WebError> {
    let session = match logged_in(&ctx) {
        Ok(session) => session,
        Err(path) => return Ok(see_other(path)),
    };
    if !mfa_is_fresh(session.mfa_at, state.app.now()) {
        return Ok(see_other("/mfa/challenge?next=reset"));
    }
    Ok(render(StatusCode::OK, &ResetView { page: ctx.page(&state) }))
}

async fn view_reset_post(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(Empty {}): Form<Empty>,
) -> Result<Response, WebError> {
    let session = match logged_in(&ctx) {
        Ok(session) => session,
        Err(path) => return Ok(see_other(path)),
    };
    match state.app.reset_own_mfa(session, &ctx.client).await {
        Ok(_) => Ok(see_other_with_cookie(
            "/login?done=reset",
            &state.cookies.set(state.cookies.session, None, true),
        )),
        Err(AppError::RecheckRequired) => Ok(see_other("/mfa/challenge?next=reset")),
        Err(err) => Err(err.into()),
    }
}

#[derive(Deserialize)]
struct SessionForm {
    #[serde(default)]
    session: String,
}

async fn view_end_session_post(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<SessionForm>,
) -> Result<Response, WebError> {
    let session = match logged_in(&ctx) {
        Ok(session) => session,
        Err(path) => return Ok(see_other(path)),
    };
    if state.app.end_session(session, &form.session, &ctx.client).await? {
        return Ok(see_other_with_cookie(
            "/login?done=logged-out",
            &state.cookies.set(state.cookies.session, None, true),
        ));
    }
    Ok(see_other("/profile"))
}

async fn view_end_all_post(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(Empty {}): Form<Empty>,
) -> Result<Response, WebError> {
    let session = match logged_in(&ctx) {
        Ok(session) => session,
        Err(path) => return Ok(see_other(path)),
    };
    state.app.end_all_sessions(session, &ctx.client).await?;
    Ok(see_other_with_cookie(
        "/login?done=logged-out",
        &state.cookies.set(state.cookies.session, None, true),
    ))
}

async fn view_password(State(state): State<AppState>, ctx: Ctx) -> Response {
    match logged_in(&ctx) {
        Ok(_) => render(
            StatusCode::OK,
            &PasswordView {
                page: ctx.page(&state),
                error: None,
                done: false,
            },
        ),
        Err(path) => see_other(path),
    }
}

#[derive(Deserialize)]
struct PasswordForm {
    #[serde(default)]
    current: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    confirm: String,
}

async fn view_password_post(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<PasswordForm>,
) -> Result<Response, WebError> {
    let session = match logged_in(&ctx) {
        Ok(session) => session,
        Err(path) => return Ok(see_other(path)),
    };
    let (current, new, confirm) = (
        SecretString::from(form.current),
        SecretString::from(form.password),
        SecretString::from(form.confirm),
    );
    let result = state
        .app
        .change_password(session, &current, &new, &confirm, &ctx.client)
        .await;
    let (status, error) = match result {
        Ok(()) => (StatusCode::OK, None),
        Err(err) if err.is_internal() => return Err(err.into()),
        Err(err) => (
            WebError::status_of(&err).0,
            Some(form_message(&ctx.tr, &err, state.app.now())),
        ),
    };
    let done = error.is_none();
    Ok(render(
        status,
        &PasswordView {
            page: ctx.page(&state),
            error,
            done,
        },
    ))
}
