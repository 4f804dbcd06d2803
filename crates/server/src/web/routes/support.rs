//! `/support…`: the customer-service console — search every user, a user's page with their MFA
//! methods, recent events and throttling, and the actions (reset MFA with a reason, unlock, resend an
//! invitation, disable / enable); organizations (create one, replace a main administrator who has
//! left); inviting more staff. The use cases check that the actor is customer service.

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use portcullis_core::UnixTime;
use serde::Deserialize;

use super::profile::logged_in;
use super::{Empty, form_message, format_utc, see_other};
use crate::app::AppError;
use crate::app::login::CurrentSession;
use crate::i18n::Tr;
use crate::web::AppState;
use crate::web::context::Ctx;
use crate::web::error::WebError;
use crate::web::forms::Form;
use crate::web::views::{
    FoundRow, MethodRow, OrgRow, SupportOrgsView, SupportResetView, SupportSearchView, SupportUserView, render,
};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/support", get(view_search))
        .route("/support/users/{id}", get(view_user))
        .route("/support/users/{id}/reset", get(view_reset).post(view_reset_post))
        .route("/support/users/{id}/unlock", post(view_unlock_post))
        .route("/support/users/{id}/status", post(view_status_post))
        .route("/support/users/{id}/invitation", post(view_invitation_post))
        .route("/support/orgs", get(view_orgs).post(view_create_org_post))
        .route("/support/orgs/{id}/main-admin", post(view_replace_post))
        .route("/support/staff", post(view_staff_post))
}

fn when(tr: &Tr, t: Option<UnixTime>) -> String {
    t.map_or_else(|| tr.t("profile-never"), |t| format_utc(t.0))
}

#[derive(Deserialize)]
struct SearchQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    page: i64,
}

async fn view_search(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(query): Query<SearchQuery>,
) -> Result<Response, WebError> {
    let session = match logged_in(&ctx) {
        Ok(session) => session,
        Err(path) => return Ok(see_other(path)),
    };
    let (found, more) = state.app.support_search(session, &query.q, query.page).await?;
    let tr = &ctx.tr;
    let rows = found
        .iter()
        .map(|f| FoundRow {
            id: f.user.id.to_string(),
            email: f.user.email.to_string(),
            name: f.user.display_name.as_ref().map(|n| n.to_string()).unwrap_or_default(),
            org: f.org_name.as_ref().map(|n| n.to_string()).unwrap_or_default(),
            role: role_label(tr, &f.user),
            status: tr.t(&format!("status-{}", f.user.status.as_str())),
        })
        .collect();
    Ok(render(
        StatusCode::OK,
        &SupportSearchView {
            page: ctx.page(&state),
            q: query.q.clone(),
            page_no: query.page.max(0),
            more,
            rows,
        },
    ))
}

fn role_label(tr: &Tr, user: &portcullis_store::records::UserRecord) -> String {
    match (user.org, user.platform_role) {
        (_, Some(_)) => tr.t("role-customer_service"),
        (Some((_, role)), None) => tr.t(&format!("role-{}", role.as_str())),
        (None, None) => tr.t("role-individual"),
    }
}

async fn user_view(
    state: &AppState,
    ctx: &Ctx,
    session: &CurrentSession,
    id: &str,
    notice: Option<String>,
) -> Result<SupportUserView, WebError> {
    let found = state.app.support_user(session, id).await?;
    let tr = &ctx.tr;
    let user = &found.user;
    let mut methods: Vec<MethodRow> = found
        .apps
        .iter()
        .map(|app| MethodRow {
            kind: "app",
            id: app.id.to_string(),
            name: tr.t("mfa-method-app"),
            model: None,
            added: format_utc(app.created_at.0),
            last_used: when(tr, app.last_used_at),
        })
        .collect();
    methods.extend(found.keys.iter().map(|key| MethodRow {
        kind: "key",
        id: key.id.to_string(),
        name: key.name.clone(),
        model: key.model.clone().filter(|m| *m != key.name),
        added: format_utc(key.created_at.0),
        last_used: when(tr, key.last_used_at),
    }));
    let blocked = |until: Option<UnixTime>, failures: u32| match until {
        Some(UnixTime(i64::MAX)) => tr.t("support-throttle-locked"),
        Some(until) => tr.t1("support-throttle-until", "when", &format_utc(until.0)),
        None if failures > 0 => tr.t_with(
            "support-throttle-failures",
            &[("n", crate::i18n::Arg::Number(i64::from(failures)))],
        ),
        None => tr.t("support-throttle-none"),
    };
    let events = found
        .events
        .iter()
        .map(|e| {
            let label = tr.t_opt(&format!("event-{}", e.kind)).unwrap_or_else(|| e.kind.clone());
            (format_utc(e.at.0), label, e.ip.clone().unwrap_or_else(|| "–".into()))
        })
        .collect();
    Ok(SupportUserView {
        page: ctx.page(state),
        id: user.id.to_string(),
        email: user.email.to_string(),
        name: user.display_name.as_ref().map(|n| n.to_string()).unwrap_or_default(),
        org: found.org_name.as_ref().map(|n| n.to_string()),
        role: role_label(tr, user),
        status: tr.t(&format!("status-{}", user.status.as_str())),
        last_login: when(tr, user.last_login_at),
        enroll_by: user
            .mfa_enroll_by
            .filter(|_| methods.is_empty())
            .map(|t| format_utc(t.0)),
        methods,
        password_throttle: blocked(found.password_blocked_until, found.password_failures),
        second_factor_throttle: blocked(found.second_factor_blocked_until, found.second_factor_failures),
        throttled: found.password_failures > 0 || found.second_factor_failures > 0,
        invited: user.status == portcullis_core::UserStatus::Invited,
        disabled: user.status == portcullis_core::UserStatus::Disabled,
        is_self: user.id == session.user.id,
        events,
        notice,
    })
}

async fn view_user(State(state): State<AppState>, ctx: Ctx, Path(id): Path<String>) -> Result<Response, WebError> {
    let session = match logged_in(&ctx) {
        Ok(session) => session,
        Err(path) => return Ok(see_other(path)),
    };
    Ok(render(
        StatusCode::OK,
        &user_view(&state, &ctx, session, &id, None).await?,
    ))
}

async fn done(
    state: &AppState,
    ctx: &Ctx,
    session: &CurrentSession,
    id: &str,
    notice: &str,
) -> Result<Response, WebError> {
    let notice = Some(ctx.tr.t(notice));
    Ok(render(
        StatusCode::OK,
        &user_view(state, ctx, session, id, notice).await?,
    ))
}

async fn reset_view(
    state: &AppState,
    ctx: &Ctx,
    session: &CurrentSession,
    id: &str,
    form: &ResetForm,
    error: Option<String>,
) -> Result<SupportResetView, WebError> {
    let found = state.app.support_user(session, id).await?;
    Ok(SupportResetView {
        page: ctx.page(state),
        id: found.user.id.to_string(),
        email: found.user.email.to_string(),
        reason: form.reason.clone(),
        ticket: form.ticket.clone(),
        error,
    })
}

async fn view_reset(State(state): State<AppState>, ctx: Ctx, Path(id): Path<String>) -> Result<Response, WebError> {
    let session = match logged_in(&ctx) {
        Ok(session) => session,
        Err(path) => return Ok(see_other(path)),
    };
    let form = ResetForm::default();
    Ok(render(
        StatusCode::OK,
        &reset_view(&state, &ctx, session, &id, &form, None).await?,
    ))
}

#[derive(Deserialize, Default)]
struct ResetForm {
    #[serde(default)]
    reason: String,
    #[serde(default)]
    ticket: String,
}

async fn view_reset_post(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(form): Form<ResetForm>,
) -> Result<Response, WebError> {
    let session = match logged_in(&ctx) {
        Ok(session) => session,
        Err(path) => return Ok(see_other(path)),
    };
    match state
        .app
        .support_reset_mfa(session, &id, &form.reason, &form.ticket, &ctx.client)
        .await
    {
        Ok(()) => done(&state, &ctx, session, &id, "org-reset-done").await,
        Err(err @ (AppError::ReasonRequired | AppError::InvalidName(_))) => {
            let status = WebError::status_of(&err).0;
            let error = Some(form_message(&ctx.tr, &err, state.app.now()));
            Ok(render(
                status,
                &reset_view(&state, &ctx, session, &id, &form, error).await?,
            ))
        }
        Err(err) => Err(err.into()),
    }
}

async fn view_unlock_post(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(Empty {}): Form<Empty>,
) -> Result<Response, WebError> {
    let session = match logged_in(&ctx) {
        Ok(session) => session,
        Err(path) => return Ok(see_other(path)),
    };
    state.app.support_unlock(session, &id, &ctx.client).await?;
    done(&state, &ctx, session, &id, "support-unlocked").await
}

async fn view_status_post(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(form): Form<super::StatusForm>,
) -> Result<Response, WebError> {
    let session = match logged_in(&ctx) {
        Ok(session) => session,
        Err(path) => return Ok(see_other(path)),
    };
    let enabled = form.enabled()?;
    state
        .app
        .support_set_enabled(session, &id, enabled, &ctx.client)
        .await?;
    done(
        &state,
        &ctx,
        session,
        &id,
        if enabled { "org-enabled" } else { "org-disabled" },
    )
    .await
}

async fn view_invitation_post(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(Empty {}): Form<Empty>,
) -> Result<Response, WebError> {
    let session = match logged_in(&ctx) {
        Ok(session) => session,
        Err(path) => return Ok(see_other(path)),
    };
    state.app.support_resend_invitation(session, &id, &ctx.client).await?;
    done(&state, &ctx, session, &id, "org-invitation-resent").await
}

async fn orgs_view(
    state: &AppState,
    ctx: &Ctx,
    session: &CurrentSession,
    notice: Option<String>,
    error: Option<String>,
) -> Result<SupportOrgsView, WebError> {
    let orgs = state.app.support_orgs(session).await?;
    Ok(SupportOrgsView {
        page: ctx.page(state),
        orgs: orgs
            .iter()
            .map(|o| OrgRow {
                id: o.org.id.to_string(),
                name: o.org.name.to_string(),
                members: o.members,
                main_admin: o
                    .main_admin
                    .as_ref()
                    .map(|e| e.to_string())
                    .unwrap_or_else(|| "–".into()),
            })
            .collect(),
        notice,
        error,
    })
}

async fn view_orgs(State(state): State<AppState>, ctx: Ctx) -> Result<Response, WebError> {
    let session = match logged_in(&ctx) {
        Ok(session) => session,
        Err(path) => return Ok(see_other(path)),
    };
    Ok(render(
        StatusCode::OK,
        &orgs_view(&state, &ctx, session, None, None).await?,
    ))
}

/// Renders the organizations page with the outcome of one of its forms.
async fn orgs_outcome(
    state: &AppState,
    ctx: &Ctx,
    session: &CurrentSession,
    result: Result<String, AppError>,
) -> Result<Response, WebError> {
    match result {
        Ok(notice) => Ok(render(
            StatusCode::OK,
            &orgs_view(state, ctx, session, Some(notice), None).await?,
        )),
        Err(err) if err.is_internal() || matches!(err, AppError::NotSupport) => Err(err.into()),
        Err(err) => {
            let status = WebError::status_of(&err).0;
            let error = Some(form_message(&ctx.tr, &err, state.app.now()));
            Ok(render(status, &orgs_view(state, ctx, session, None, error).await?))
        }
    }
}

#[derive(Deserialize)]
struct OrgForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    main_admin: String,
}

async fn view_create_org_post(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<OrgForm>,
) -> Result<Response, WebError> {
    let session = match logged_in(&ctx) {
        Ok(session) => session,
        Err(path) => return Ok(see_other(path)),
    };
    let result = state
        .app
        .support_create_org(session, &form.name, &form.main_admin, &ctx.client)
        .await
        .map(|inv| ctx.tr.t1("org-invited", "email", inv.email.as_str()));
    orgs_outcome(&state, &ctx, session, result).await
}

#[derive(Deserialize)]
struct ReplaceForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    reason: String,
}

async fn view_replace_post(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(form): Form<ReplaceForm>,
) -> Result<Response, WebError> {
    let session = match logged_in(&ctx) {
        Ok(session) => session,
        Err(path) => return Ok(see_other(path)),
    };
    let result = state
        .app
        .replace_main_admin(session, &id, &form.email, &form.reason, &ctx.client)
        .await
        .map(|()| ctx.tr.t1("support-main-admin-replaced", "email", form.email.trim()));
    orgs_outcome(&state, &ctx, session, result).await
}

#[derive(Deserialize)]
struct StaffForm {
    #[serde(default)]
    email: String,
}

async fn view_staff_post(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<StaffForm>,
) -> Result<Response, WebError> {
    let session = match logged_in(&ctx) {
        Ok(session) => session,
        Err(path) => return Ok(see_other(path)),
    };
    let result = state
        .app
        .support_invite_staff(session, &form.email, &ctx.client)
        .await
        .map(|inv| ctx.tr.t1("org-invited", "email", inv.email.as_str()));
    orgs_outcome(&state, &ctx, session, result).await
}
