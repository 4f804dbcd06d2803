//! `/api/v1/audit`: the organization's audit events, newest first, with the filters of `/org/audit`.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use portcullis_core::{UnixTime, UserId};
use portcullis_store::audit::AuditFilter;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::extract::{ApiCaller, ApiQuery};
use crate::app::org::AUDIT_PAGE_MAX;
use crate::web::AppState;
use crate::web::error::ApiError;
use crate::web::routes::parse_date;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Events where this member (id) acted or was acted upon.
    pub user: Option<String>,
    /// One kind of event, e.g. `mfa_reset`.
    pub kind: Option<String>,
    /// From this day (`YYYY-MM-DD`, UTC).
    pub from: Option<String>,
    /// Up to and including this day (`YYYY-MM-DD`, UTC).
    pub until: Option<String>,
    /// Only events older than this event id (the previous page's `next_before`).
    pub before: Option<i64>,
    /// Events per page, 1 to 500 (default 100); more is refused with 400 `limit_out_of_range`.
    pub limit: Option<i64>,
}

/// One audit event.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEventBody {
    pub id: i64,
    /// Unix seconds.
    pub at: i64,
    pub kind: String,
    pub actor: Option<String>,
    pub target: Option<String>,
    pub ip: Option<String>,
    /// The event's details (never a secret).
    #[schema(value_type = Object)]
    pub detail: serde_json::Value,
}

/// A page of events.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditPage {
    pub items: Vec<AuditEventBody>,
    /// Pass as `before` for the next page; absent on the last page.
    pub next_before: Option<i64>,
}

fn bad(code: &'static str, message: &str) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, code, message)
}

impl AuditQuery {
    fn filter(&self) -> Result<AuditFilter, ApiError> {
        let limit = self.limit.unwrap_or(100);
        if !(1..=AUDIT_PAGE_MAX).contains(&limit) {
            return Err(bad("limit_out_of_range", "limit must be between 1 and 500"));
        }
        let date = |text: &Option<String>, field: &str| {
            text.as_deref()
                .map(|d| parse_date(d).map(UnixTime).ok_or_else(|| bad("invalid_query", field)))
                .transpose()
        };
        Ok(AuditFilter {
            org: None,
            user: self
                .user
                .as_deref()
                .map(|u| UserId::parse(u).map_err(|_| bad("invalid_query", "user must be a member id")))
                .transpose()?,
            kind: self.kind.clone().filter(|k| !k.trim().is_empty()),
            from: date(&self.from, "from must be a date YYYY-MM-DD")?,
            until: date(&self.until, "until must be a date YYYY-MM-DD")?.map(|t| t.plus_secs(86_400)),
            before_id: self.before,
            limit,
        })
    }
}

/// The organization's audit events, newest first.
#[utoipa::path(get, path = "/api/v1/audit", tag = "audit", params(AuditQuery),
    security(("token" = ["audit:read"]), ("session" = [])),
    responses((status = 200, description = "OK", body = AuditPage), (status = 400, description = "Bad query string (stable code in the body)", body = super::ErrorBody),
        (status = 401, description = "No valid API token or session", body = super::ErrorBody), (status = 403, description = "Refused: permission, scope or CSRF", body = super::ErrorBody)))]
pub async fn list_audit(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiQuery(query): ApiQuery<AuditQuery>,
) -> Result<Json<AuditPage>, ApiError> {
    let filter = query.filter()?;
    let limit = filter.limit;
    let events = state.app.org_audit(&caller.actor, filter).await?;
    let next_before = (events.len() as i64 == limit)
        .then(|| events.last().map(|(id, _)| *id))
        .flatten();
    Ok(Json(AuditPage {
        items: events
            .into_iter()
            .map(|(id, e)| AuditEventBody {
                id,
                at: e.at.0,
                kind: e.kind,
                actor: e.actor.map(|u| u.to_string()),
                target: e.target.map(|u| u.to_string()),
                ip: e.ip,
                detail: e.detail,
            })
            .collect(),
        next_before,
    }))
}
