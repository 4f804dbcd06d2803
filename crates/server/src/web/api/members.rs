//! `/api/v1/members…`: list and search, read one, invite, disable and enable, change the role, reset
//! MFA, resend and withdraw an invitation — each handler one call of the same use case the pages use.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use portcullis_core::OrgRole;
use portcullis_store::members::MemberRow;
use portcullis_store::records::UserRecord;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::extract::{ApiCaller, ApiJson, ApiQuery};
use crate::app::org::{MEMBERS_LIMIT_MAX, MEMBERS_PER_PAGE};
use crate::web::AppState;
use crate::web::error::ApiError;

/// A member of the organization.
#[derive(Debug, Serialize, ToSchema)]
pub struct Member {
    pub id: String,
    pub email: String,
    pub name: Option<String>,
    /// `main_admin`, `user_admin` or `employee`.
    pub role: Option<String>,
    /// `invited`, `active` or `disabled`.
    pub status: String,
    /// Authenticator apps set up.
    pub apps: i64,
    /// Security keys set up.
    pub keys: i64,
    /// An invitation link that can still be used (invited members only).
    pub invitation_open: bool,
    /// Unix seconds.
    pub created_at: i64,
    pub last_login_at: Option<i64>,
    /// After an MFA reset: set up MFA again before this moment (Unix seconds).
    pub mfa_enroll_by: Option<i64>,
}

impl Member {
    fn new(user: &UserRecord, apps: i64, keys: i64, invitation_open: bool) -> Member {
        Member {
            id: user.id.to_string(),
            email: user.email.to_string(),
            name: user.display_name.as_ref().map(|n| n.to_string()),
            role: user.org.map(|(_, role)| role.as_str().to_owned()),
            status: user.status.as_str().to_owned(),
            apps,
            keys,
            invitation_open,
            created_at: user.created_at.0,
            last_login_at: user.last_login_at.map(|t| t.0),
            mfa_enroll_by: user.mfa_enroll_by.map(|t| t.0),
        }
    }
}

impl From<&MemberRow> for Member {
    fn from(row: &MemberRow) -> Member {
        Member::new(&row.user, row.apps, row.keys, row.invitation_open)
    }
}

/// A page of members.
#[derive(Debug, Serialize, ToSchema)]
pub struct MemberPage {
    pub items: Vec<Member>,
    /// The `offset` of the next page; absent on the last page.
    pub next_offset: Option<i64>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct MembersQuery {
    /// Part of an email or name.
    #[serde(default)]
    pub q: String,
    /// Members per page, 1 to 200 (default 50); a larger value is refused with 400 `limit_out_of_range`.
    pub limit: Option<i64>,
    /// How many to skip (default 0).
    pub offset: Option<i64>,
}

/// List and search the organization's members.
#[utoipa::path(get, path = "/api/v1/members", tag = "members", params(MembersQuery),
    security(("token" = ["users:read"]), ("session" = [])),
    responses((status = 200, description = "OK", body = MemberPage), (status = 400, description = "Bad query string (stable code in the body)", body = super::ErrorBody),
        (status = 401, description = "No valid API token or session", body = super::ErrorBody), (status = 403, description = "Refused: permission, scope or CSRF", body = super::ErrorBody)))]
pub async fn list_members(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiQuery(query): ApiQuery<MembersQuery>,
) -> Result<Json<MemberPage>, ApiError> {
    let limit = query.limit.unwrap_or(MEMBERS_PER_PAGE);
    if !(1..=MEMBERS_LIMIT_MAX).contains(&limit) {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "limit_out_of_range",
            format!("limit must be between 1 and {MEMBERS_LIMIT_MAX}"),
        ));
    }
    let offset = query.offset.unwrap_or(0);
    if offset < 0 {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "offset_out_of_range",
            "offset must not be negative",
        ));
    }
    let (rows, more) = state.app.members_page(&caller.actor, &query.q, limit, offset).await?;
    Ok(Json(MemberPage {
        items: rows.iter().map(Member::from).collect(),
        next_offset: more.then_some(offset + limit),
    }))
}

/// One member.
#[utoipa::path(get, path = "/api/v1/members/{id}", tag = "members",
    params(("id" = String, Path, description = "The member's id")),
    security(("token" = ["users:read"]), ("session" = [])),
    responses((status = 200, description = "OK", body = Member), (status = 401, description = "No valid API token or session", body = super::ErrorBody),
        (status = 403, description = "Refused: permission, scope or CSRF", body = super::ErrorBody), (status = 404, description = "Not found (also another organization's member)", body = super::ErrorBody)))]
pub async fn get_member(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
) -> Result<Json<Member>, ApiError> {
    let detail = state.app.member(&caller.actor, &id).await?;
    Ok(Json(Member::new(
        &detail.user,
        detail.mfa.apps,
        detail.mfa.keys,
        detail.invitation_open,
    )))
}

/// Whom to invite.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InviteRequest {
    pub email: String,
    /// `employee` or `user_admin` (the latter by the main administrator only).
    #[schema(example = "employee")]
    pub role: String,
}

/// The invited member; the invitation link is emailed to them, never returned.
#[derive(Debug, Serialize, ToSchema)]
pub struct Invited {
    pub id: String,
    pub email: String,
    /// Unix seconds.
    pub invitation_expires_at: i64,
}

fn parse_role(text: &str) -> Result<OrgRole, ApiError> {
    OrgRole::parse(text).map_err(|_| {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_role",
            "role must be employee or user_admin",
        )
    })
}

/// Invite someone to the organization (they get the link by email).
#[utoipa::path(post, path = "/api/v1/members", tag = "members", request_body = InviteRequest,
    security(("token" = ["users:write"]), ("session" = [])),
    responses((status = 201, description = "Created", body = Invited), (status = 401, description = "No valid API token or session", body = super::ErrorBody),
        (status = 403, description = "Refused: permission, scope or CSRF", body = super::ErrorBody), (status = 409, description = "Conflicts with the current state", body = super::ErrorBody),
        (status = 415, description = "Body is not application/json", body = super::ErrorBody), (status = 422, description = "Invalid body", body = super::ErrorBody)))]
pub async fn invite_member(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiJson(body): ApiJson<InviteRequest>,
) -> Result<Response, ApiError> {
    let role = parse_role(&body.role)?;
    let invitation = state
        .app
        .invite_member(&caller.actor, &body.email, role, &caller.client)
        .await?;
    let invited = Invited {
        id: invitation.user_id.to_string(),
        email: invitation.email.to_string(),
        invitation_expires_at: invitation.expires_at.0,
    };
    Ok((StatusCode::CREATED, Json(invited)).into_response())
}

/// Disable a member (ending all their sessions).
#[utoipa::path(post, path = "/api/v1/members/{id}/disable", tag = "members",
    params(("id" = String, Path, description = "The member's id")),
    security(("token" = ["users:write"]), ("session" = [])),
    responses((status = 204, description = "Done"), (status = 401, description = "No valid API token or session", body = super::ErrorBody), (status = 403, description = "Refused: permission, scope or CSRF", body = super::ErrorBody),
        (status = 404, description = "Not found (also another organization's member)", body = super::ErrorBody), (status = 409, description = "Conflicts with the current state", body = super::ErrorBody)))]
pub async fn disable_member(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    state
        .app
        .set_member_enabled(&caller.actor, &id, false, &caller.client)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Enable a disabled member.
#[utoipa::path(post, path = "/api/v1/members/{id}/enable", tag = "members",
    params(("id" = String, Path, description = "The member's id")),
    security(("token" = ["users:write"]), ("session" = [])),
    responses((status = 204, description = "Done"), (status = 401, description = "No valid API token or session", body = super::ErrorBody), (status = 403, description = "Refused: permission, scope or CSRF", body = super::ErrorBody),
        (status = 404, description = "Not found (also another organization's member)", body = super::ErrorBody), (status = 409, description = "Conflicts with the current state", body = super::ErrorBody)))]
pub async fn enable_member(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    state
        .app
        .set_member_enabled(&caller.actor, &id, true, &caller.client)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The new role.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RoleRequest {
    /// `employee` or `user_admin`.
    pub role: String,
}

/// Change a member's role, employee ↔ user administrator (the main administrator only).
#[utoipa::path(put, path = "/api/v1/members/{id}/role", tag = "members", request_body = RoleRequest,
    params(("id" = String, Path, description = "The member's id")),
    security(("token" = ["users:write"]), ("session" = [])),
    responses((status = 204, description = "Done"), (status = 401, description = "No valid API token or session", body = super::ErrorBody), (status = 403, description = "Refused: permission, scope or CSRF", body = super::ErrorBody),
        (status = 404, description = "Not found (also another organization's member)", body = super::ErrorBody), (status = 409, description = "Conflicts with the current state", body = super::ErrorBody),
        (status = 422, description = "Invalid body", body = super::ErrorBody)))]
pub async fn change_role(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<RoleRequest>,
) -> Result<StatusCode, ApiError> {
    let role = parse_role(&body.role)?;
    state
        .app
        .change_member_role(&caller.actor, &id, role, &caller.client)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Why the reset is done (recorded in the audit log).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResetRequest {
    pub reason: Option<String>,
}

/// What the reset was granted as.
#[derive(Debug, Serialize, ToSchema)]
pub struct ResetDone {
    /// `main_admin` or `user_admin`: the role the reset was allowed for.
    pub granted_as: String,
}

/// Reset a member's MFA (within the matrix: a user administrator resets employees, the main
/// administrator also user administrators; a main administrator's only customer service).
#[utoipa::path(post, path = "/api/v1/members/{id}/mfa-reset", tag = "members", request_body = ResetRequest,
    params(("id" = String, Path, description = "The member's id")),
    security(("token" = ["mfa:reset"]), ("session" = [])),
    responses((status = 200, description = "OK", body = ResetDone), (status = 401, description = "No valid API token or session", body = super::ErrorBody),
        (status = 403, description = "Refused: permission, scope or CSRF", body = super::ErrorBody), (status = 404, description = "Not found (also another organization's member)", body = super::ErrorBody),
        (status = 409, description = "Conflicts with the current state", body = super::ErrorBody), (status = 422, description = "Invalid body", body = super::ErrorBody)))]
pub async fn reset_mfa(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<ResetRequest>,
) -> Result<Json<ResetDone>, ApiError> {
    let reason = body
        .reason
        .as_deref()
        .filter(|r| !r.trim().is_empty())
        .map(portcullis_core::Reason::parse)
        .transpose()
        .map_err(crate::app::AppError::from)?;
    let grant = state
        .app
        .reset_user_mfa(&caller.actor, &id, reason.as_ref(), None, &caller.client)
        .await?;
    Ok(Json(ResetDone {
        granted_as: grant.as_str().to_owned(),
    }))
}

/// Send a new invitation link (the old one stops working).
#[utoipa::path(post, path = "/api/v1/members/{id}/invitation", tag = "members",
    params(("id" = String, Path, description = "The member's id")),
    security(("token" = ["users:write"]), ("session" = [])),
    responses((status = 204, description = "Done"), (status = 401, description = "No valid API token or session", body = super::ErrorBody), (status = 403, description = "Refused: permission, scope or CSRF", body = super::ErrorBody),
        (status = 404, description = "Not found (also another organization's member)", body = super::ErrorBody), (status = 409, description = "Conflicts with the current state", body = super::ErrorBody)))]
pub async fn resend_invitation(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    state.app.resend_invitation(&caller.actor, &id, &caller.client).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Withdraw an invitation that was not accepted (the invited account goes).
#[utoipa::path(delete, path = "/api/v1/members/{id}/invitation", tag = "members",
    params(("id" = String, Path, description = "The member's id")),
    security(("token" = ["users:write"]), ("session" = [])),
    responses((status = 204, description = "Done"), (status = 401, description = "No valid API token or session", body = super::ErrorBody), (status = 403, description = "Refused: permission, scope or CSRF", body = super::ErrorBody),
        (status = 404, description = "Not found (also another organization's member)", body = super::ErrorBody), (status = 409, description = "Conflicts with the current state", body = super::ErrorBody)))]
pub async fn revoke_invitation(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    state.app.revoke_invitation(&caller.actor, &id, &caller.client).await?;
    Ok(StatusCode::NO_CONTENT)
}
