//! `/org…`: an organization's administrators — the dashboard, the member list and each member's page
//! with its actions, and the organization's audit log with its CSV / JSON-lines export. Who may do
//! what is decided by the use cases (the core's permission functions); a refusal becomes a 403 page
//! that says who can help.

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use portcullis_core::{OrgRole, UnixTime, UserId, UserStatus};
use portcullis_store::audit::AuditFilter;
use portcullis_store::records::AuditEvent;
use serde::Deserialize;

use super::profile::logged_in;
use super::{Empty, format_utc, parse_date, see_other};
use crate::app::AppError;
use crate::app::org::AUDIT_PAGE_MAX;
use crate::i18n::{Arg, Tr};
use crate::web::AppState;
use crate::web::context::Ctx;
use crate::web::error::WebError;
use crate::web::forms::Form;
use crate::web::views::{
    AuditRow, AuditView, Bar, ConfirmResetView, DashboardView, MemberListRow, MemberView, MembersView, render,
};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/org", get(view_dashboard))
        .route("/org/users", get(view_members))
        .route("/org/users/invite", post(view_invite_post))
        .route("/org/users/{id}", get(view_member))
        .route("/org/users/{id}/reset", get(view_reset).post(view_reset_post))
        .route("/org/users/{id}/status", post(view_status_post))
        .route("/org/users/{id}/role", post(view_role_post))
        .route("/org/users/{id}/handover", post(view_handover_post))
        .route("/org/users/{id}/invitation", post(view_invitation_post))
        .route("/org/audit", get(view_audit))
        .route("/org/audit/export", get(view_audit_export))
}

/// The MFA state of a member as a short label: none / app / key / both.
fn mfa_label(tr: &Tr, apps: i64, keys: i64) -> String {
    tr.t(match (apps > 0, keys > 0) {
        (false, false) => "mfa-state-none",
        (true, false) => "mfa-state-app",
        (false, true) => "mfa-state-key",
        (true, true) => "mfa-state-both",
    })
}

fn status_label(tr: &Tr, status: UserStatus) -> String {
    tr.t(&format!("status-{}", status.as_str()))
}

async fn view_dashboard(State(state): State<AppState>, ctx: Ctx) -> Result<Response, WebError> {
    let session = match logged_in(&ctx) {
        Ok(session) => session,
        Err(path) => return Ok(see_other(path)),
    };
    let dashboard = state.app.dashboard(session).await?;
    let tr = &ctx.tr;
    let c = dashboard.counts;
    let bars = Bar::chart(&[
        (tr.t("mfa-state-app"), c.app_only),
        (tr.t("mfa-state-key"), c.key_only),
        (tr.t("mfa-state-both"), c.both),
        (tr.t("mfa-state-none"), c.none),
        (tr.t("status-invited"), c.invited),
        (tr.t("status-disabled"), c.disabled),
    ]);
    let users = member_emails(&state, session).await?;
    let recent = audit_rows(tr, &users, dashboard.recent.iter());
    Ok(render(
        StatusCode::OK,
        &DashboardView {
            page: ctx.page(&state),
            org: dashboard.org_name.map(|n| n.to_string()).unwrap_or_default(),
            with_mfa: c.app_only + c.key_only + c.both,
            active: c.app_only + c.key_only + c.both + c.none,
            open_invitations: dashboard.open_invitations,
            chart_height: bars.len() as i64 * 28,
            bars,
            recent,
        },
    ))
}

#[derive(Deserialize)]
struct MembersQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    page: i64,
}

async fn members_view(
    state: &AppState,
    ctx: &Ctx,
    query: &MembersQuery,
    notice: Option<String>,
    error: Option<String>,
) -> Result<MembersView, WebError> {
    let Some(session) = &ctx.session else {
        return Err(AppError::NotAnAdministrator.into());
    };
    let (rows, more) = state.app.members(session, &query.q, query.page).await?;
    let admin = crate::app::App::administers(session);
    let tr = &ctx.tr;
    let never = tr.t("profile-never");
    Ok(MembersView {
        page: ctx.page(state),
        q: query.q.clone(),
        page_no: query.page.max(0),
        more,
        may_invite_admins: admin.is_some_and(|a| a.role == OrgRole::MainAdmin),
        members: rows
            .iter()
            .map(|m| MemberListRow {
                id: m.user.id.to_string(),
                email: m.user.email.to_string(),
                name: m.user.display_name.as_ref().map(|n| n.to_string()).unwrap_or_default(),
                role: m
                    .user
                    .org
                    .map(|(_, r)| tr.t(&format!("role-{}", r.as_str())))
                    .unwrap_or_default(),
                status: status_label(tr, m.user.status),
                mfa: mfa_label(tr, m.apps, m.keys),
                last_login: m.user.last_login_at.map_or_else(|| never.clone(), |t| format_utc(t.0)),
            })
            .collect(),
        notice,
        error,
    })
}

async fn view_members(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(query): Query<MembersQuery>,
) -> Result<Response, WebError> {
    if let Err(path) = logged_in(&ctx) {
        return Ok(see_other(path));
    }
    Ok(render(
        StatusCode::OK,
        &members_view(&state, &ctx, &query, None, None).await?,
    ))
}

#[derive(Deserialize)]
struct InviteForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    role: String,
}

async fn view_invite_post(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<InviteForm>,
) -> Result<Response, WebError> {
    let session = match logged_in(&ctx) {
        Ok(session) => session,
        Err(path) => return Ok(see_other(path)),
    };
    let role = OrgRole::parse(&form.role).map_err(|_| WebError::BadForm("role".into()))?;
    let query = MembersQuery {
        q: String::new(),
        page: 0,
    };
    match state.app.invite_member(session, &form.email, role, &ctx.client).await {
        Ok(invitation) => {
            let notice = ctx.tr.t1("org-invited", "email", invitation.email.as_str());
            Ok(render(
                StatusCode::OK,
                &members_view(&state, &ctx, &query, Some(notice), None).await?,
            ))
        }
        Err(err @ (AppError::InvalidEmail(_) | AppError::EmailTaken)) => {
            let (status, message) = match err {
                // Not the sign-up form's "log in instead": the administrator is inviting someone else.
                AppError::EmailTaken => (StatusCode::CONFLICT, "org-email-taken"),
                _ => WebError::status_of(&err),
            };
            let error = Some(ctx.tr.t(message));
            Ok(render(status, &members_view(&state, &ctx, &query, None, error).await?))
        }
        Err(err) => Err(err.into()),
    }
}

async fn member_view(state: &AppState, ctx: &Ctx, id: &str, notice: Option<String>) -> Result<MemberView, WebError> {
    let Some(session) = &ctx.session else {
        return Err(AppError::NotAnAdministrator.into());
    };
    let detail = state.app.member(session, id).await?;
    let admin = crate::app::App::administers(session);
    let tr = &ctx.tr;
    let user = &detail.user;
    let role = user.org.map(|(_, r)| r);
    let is_self = user.id == session.user.id;
    // Which buttons to show is the core's rule, asked here as the use cases ask it.
    let target = crate::app::org::party(user);
    let may_change_to = |to| admin.is_some_and(|a| a.may_change_role(&target, to).is_ok());
    Ok(MemberView {
        page: ctx.page(state),
        id: user.id.to_string(),
        email: user.email.to_string(),
        name: user.display_name.as_ref().map(|n| n.to_string()).unwrap_or_default(),
        role: role.map(|r| tr.t(&format!("role-{}", r.as_str()))).unwrap_or_default(),
        status: status_label(tr, user.status),
        mfa: mfa_label(tr, detail.mfa.apps, detail.mfa.keys),
        keys: detail
            .keys
            .iter()
            .map(|k| match &k.model {
                Some(model) if *model != k.name => format!("{} · {model}", k.name),
                _ => k.name.clone(),
            })
            .collect(),
        enroll_by: user
            .mfa_enroll_by
            .filter(|_| detail.mfa.total() == 0)
            .map(|t| format_utc(t.0)),
        invited: user.status == UserStatus::Invited,
        invitation_open: detail.invitation_open,
        disabled: user.status == UserStatus::Disabled,
        is_self,
        is_main_admin: role == Some(OrgRole::MainAdmin),
        role_choice: match role {
            Some(OrgRole::Employee) if may_change_to(OrgRole::UserAdmin) => {
                Some(("user_admin", tr.t("org-make-user-admin")))
            }
            Some(OrgRole::UserAdmin) if may_change_to(OrgRole::Employee) => {
                Some(("employee", tr.t("org-make-employee")))
            }
            _ => None,
        },
        may_hand_over: user.status == UserStatus::Active && admin.is_some_and(|a| a.may_hand_over(&target).is_ok()),
        events: audit_rows(tr, &member_emails(state, session).await?, detail.events.iter()),
        notice,
    })
}

async fn view_member(State(state): State<AppState>, ctx: Ctx, Path(id): Path<String>) -> Result<Response, WebError> {
    if let Err(path) = logged_in(&ctx) {
        return Ok(see_other(path));
    }
    Ok(render(StatusCode::OK, &member_view(&state, &ctx, &id, None).await?))
}

/// After an action on a member: their page again, with what happened.
async fn done(state: &AppState, ctx: &Ctx, id: &str, notice: &str) -> Result<Response, WebError> {
    let notice = Some(ctx.tr.t(notice));
    Ok(render(StatusCode::OK, &member_view(state, ctx, id, notice).await?))
}

/// The confirmation before an administrator's reset: what it does, for whom.
async fn view_reset(State(state): State<AppState>, ctx: Ctx, Path(id): Path<String>) -> Result<Response, WebError> {
    let session = match logged_in(&ctx) {
        Ok(session) => session,
        Err(path) => return Ok(see_other(path)),
    };
    let detail = state.app.member(session, &id).await?;
    Ok(render(
        StatusCode::OK,
        &ConfirmResetView {
            page: ctx.page(&state),
            id: detail.user.id.to_string(),
            email: detail.user.email.to_string(),
            window: ctx.tr.t_with(
                "org-reset-effect-window",
                &[("hours", Arg::Number(state.app.mfa_enrollment_window / 3600))],
            ),
        },
    ))
}

async fn view_reset_post(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(Empty {}): Form<Empty>,
) -> Result<Response, WebError> {
    let session = match logged_in(&ctx) {
        Ok(session) => session,
        Err(path) => return Ok(see_other(path)),
    };
    state.app.reset_user_mfa(session, &id, None, None, &ctx.client).await?;
    done(&state, &ctx, &id, "org-reset-done").await
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
    state.app.set_member_enabled(session, &id, enabled, &ctx.client).await?;
    done(&state, &ctx, &id, if enabled { "org-enabled" } else { "org-disabled" }).await
}

#[derive(Deserialize)]
struct RoleForm {
    #[serde(default)]
    role: String,
}

async fn view_role_post(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(form): Form<RoleForm>,
) -> Result<Response, WebError> {
    let session = match logged_in(&ctx) {
        Ok(session) => session,
        Err(path) => return Ok(see_other(path)),
    };
    let role = OrgRole::parse(&form.role).map_err(|_| WebError::BadForm("role".into()))?;
    state.app.change_member_role(session, &id, role, &ctx.client).await?;
    done(&state, &ctx, &id, "org-role-changed").await
}

async fn view_handover_post(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(Empty {}): Form<Empty>,
) -> Result<Response, WebError> {
    let session = match logged_in(&ctx) {
        Ok(session) => session,
        Err(path) => return Ok(see_other(path)),
    };
    match state.app.hand_over_main_admin(session, &id, &ctx.client).await {
        Ok(()) => done(&state, &ctx, &id, "org-handed-over").await,
        Err(AppError::RecheckRequired) => Ok(see_other("/mfa/challenge?next=handover")),
        Err(err) => Err(err.into()),
    }
}

#[derive(Deserialize)]
struct InvitationForm {
    #[serde(default)]
    action: String,
}

async fn view_invitation_post(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(form): Form<InvitationForm>,
) -> Result<Response, WebError> {
    let session = match logged_in(&ctx) {
        Ok(session) => session,
        Err(path) => return Ok(see_other(path)),
    };
    match form.action.as_str() {
        "resend" => {
            state.app.resend_invitation(session, &id, &ctx.client).await?;
            done(&state, &ctx, &id, "org-invitation-resent").await
        }
        "revoke" => {
            state.app.revoke_invitation(session, &id, &ctx.client).await?;
            Ok(see_other("/org/users"))
        }
        _ => Err(WebError::BadForm("action".into())),
    }
}

#[derive(Deserialize, Default)]
struct AuditQuery {
    #[serde(default)]
    user: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    until: String,
    before: Option<i64>,
    #[serde(default)]
    format: String,
}

impl AuditQuery {
    /// The filter, or the name of the field that could not be read.
    fn filter(&self, limit: i64) -> Result<AuditFilter, &'static str> {
        let nonempty = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
        let date = |s: &str, field| {
            nonempty(s)
                .map(|d| parse_date(&d).map(UnixTime).ok_or(field))
                .transpose()
        };
        Ok(AuditFilter {
            org: None,
            user: nonempty(&self.user)
                .map(|u| UserId::parse(&u).map_err(|_| "user"))
                .transpose()?,
            kind: nonempty(&self.kind),
            from: date(&self.from, "from")?,
            // "until" names a day: everything before the next midnight.
            until: date(&self.until, "until")?.map(|t| t.plus_secs(86_400)),
            before_id: self.before,
            limit,
        })
    }
}

/// The organization's members as (id, email), to name actors and targets in event tables.
async fn member_emails(
    state: &AppState,
    session: &crate::app::login::CurrentSession,
) -> Result<Vec<(UserId, String)>, WebError> {
    let users = state.app.org_member_emails(session).await?;
    Ok(users.into_iter().map(|(id, email)| (id, email.to_string())).collect())
}

/// Audit events as table rows; `users` names actor and target by email where known.
fn audit_rows<'a>(tr: &Tr, users: &[(UserId, String)], events: impl Iterator<Item = &'a AuditEvent>) -> Vec<AuditRow> {
    let name = |id: Option<UserId>| {
        id.map(|id| {
            users
                .iter()
                .find(|(u, _)| *u == id)
                .map_or_else(|| id.to_string(), |(_, email)| email.clone())
        })
        .unwrap_or_else(|| "–".to_owned())
    };
    events
        .map(|e| AuditRow {
            at: format_utc(e.at.0),
            kind: e.kind.clone(),
            kind_label: tr.t_opt(&format!("event-{}", e.kind)).unwrap_or_else(|| e.kind.clone()),
            actor: name(e.actor),
            target: name(e.target),
            ip: e.ip.clone().unwrap_or_else(|| "–".to_owned()),
            detail: e.detail.to_string(),
        })
        .collect()
}

async fn view_audit(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(query): Query<AuditQuery>,
) -> Result<Response, WebError> {
    let session = match logged_in(&ctx) {
        Ok(session) => session,
        Err(path) => return Ok(see_other(path)),
    };
    const PAGE: i64 = 100;
    let filter = query.filter(PAGE).map_err(|field| WebError::BadForm(field.into()))?;
    let events = state.app.org_audit(session, filter).await?;
    let (kinds, users) = state.app.org_audit_labels(session).await?;
    let users: Vec<(UserId, String)> = users.into_iter().map(|(id, e)| (id, e.to_string())).collect();
    let next_before = (events.len() as i64 == PAGE)
        .then(|| events.last().map(|(id, _)| *id))
        .flatten();
    let rows = audit_rows(&ctx.tr, &users, events.iter().map(|(_, e)| e));
    let export_query = serde_urlencoded::to_string([
        ("user", query.user.as_str()),
        ("kind", query.kind.as_str()),
        ("from", query.from.as_str()),
        ("until", query.until.as_str()),
    ])
    .unwrap_or_default();
    Ok(render(
        StatusCode::OK,
        &AuditView {
            page: ctx.page(&state),
            kinds: kinds
                .into_iter()
                .map(|k| {
                    let label = ctx.tr.t_opt(&format!("event-{k}")).unwrap_or_else(|| k.clone());
                    (k, label)
                })
                .collect(),
            users: users.into_iter().map(|(id, email)| (id.to_string(), email)).collect(),
            user: query.user.clone(),
            kind: query.kind.clone(),
            from: query.from.clone(),
            until: query.until.clone(),
            rows,
            next_page: next_before.map(|before| format!("{export_query}&before={before}")),
            export_query,
        },
    ))
}

/// The whole filtered log as CSV or JSON lines (a page of events at a time, at most 100,000).
async fn view_audit_export(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(query): Query<AuditQuery>,
) -> Result<Response, WebError> {
    let session = match logged_in(&ctx) {
        Ok(session) => session,
        Err(path) => return Ok(see_other(path)),
    };
    let csv = match query.format.as_str() {
        "csv" => true,
        "jsonl" => false,
        _ => return Err(WebError::BadForm("format".into())),
    };
    let mut filter = query
        .filter(AUDIT_PAGE_MAX)
        .map_err(|field| WebError::BadForm(field.into()))?;
    let mut events = Vec::new();
    for _ in 0..200 {
        let page = state.app.org_audit(session, filter.clone()).await?;
        let last = page.last().map(|(id, _)| *id);
        let full = page.len() as i64 == AUDIT_PAGE_MAX;
        events.extend(page);
        match last {
            Some(last) if full => filter.before_id = Some(last),
            _ => break,
        }
    }
    let body = if csv { to_csv(&events)? } else { to_json_lines(&events)? };
    let (content_type, extension) = if csv {
        ("text/csv; charset=utf-8", "csv")
    } else {
        ("application/x-ndjson", "jsonl")
    };
    let mut response = (StatusCode::OK, body).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"audit.{extension}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    Ok(response)
}

fn event_json(id: i64, e: &AuditEvent) -> serde_json::Value {
    serde_json::json!({
        "id": id,
        "at": e.at.0,
        "time": format_utc(e.at.0),
        "kind": e.kind,
        "actor": e.actor.map(|u| u.to_string()),
        "target": e.target.map(|u| u.to_string()),
        "org": e.org.map(|o| o.to_string()),
        "ip": e.ip,
        "detail": e.detail,
    })
}

fn to_json_lines(events: &[(i64, AuditEvent)]) -> Result<String, WebError> {
    let mut out = String::new();
    for (id, e) in events {
        out.push_str(&serde_json::to_string(&event_json(*id, e)).map_err(|e| WebError::Internal(e.to_string()))?);
        out.push('\n');
    }
    Ok(out)
}

fn to_csv(events: &[(i64, AuditEvent)]) -> Result<String, WebError> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    let internal = |e: csv::Error| WebError::Internal(e.to_string());
    writer
        .write_record(["id", "time", "kind", "actor", "target", "ip", "detail"])
        .map_err(internal)?;
    for (id, e) in events {
        writer
            .write_record([
                id.to_string(),
                format_utc(e.at.0),
                e.kind.clone(),
                e.actor.map(|u| u.to_string()).unwrap_or_default(),
                e.target.map(|u| u.to_string()).unwrap_or_default(),
                e.ip.clone().unwrap_or_default(),
                e.detail.to_string(),
            ])
            .map_err(internal)?;
    }
    let bytes = writer.into_inner().map_err(|e| WebError::Internal(e.to_string()))?;
    String::from_utf8(bytes).map_err(|e| WebError::Internal(e.to_string()))
}
