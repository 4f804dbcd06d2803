//! Rows as typed values. Decoding checks every stored string against its core type, so a corrupt
//! row surfaces as [`crate::StoreError::Corrupt`] rather than as a wrong answer.

use portcullis_core::login::{Amr, LoginStage};
use portcullis_core::throttle::ThrottleState;
use portcullis_core::{DisplayName, Email, OrgId, OrgName, OrgRole, PlatformRole, UnixTime, UserId, UserStatus};
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::Result;
use crate::error::corrupt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgRecord {
    pub id: OrgId,
    pub name: OrgName,
    pub created_at: UnixTime,
}

/// An organization with its head count, for listings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgSummary {
    pub org: OrgRecord,
    pub members: i64,
    pub main_admin: Option<Email>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewUser {
    pub id: UserId,
    pub email: Email,
    pub display_name: Option<DisplayName>,
    pub org: Option<(OrgId, OrgRole)>,
    pub platform_role: Option<PlatformRole>,
    pub status: UserStatus,
    pub created_at: UnixTime,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRecord {
    pub id: UserId,
    pub email: Email,
    pub display_name: Option<DisplayName>,
    pub org: Option<(OrgId, OrgRole)>,
    pub platform_role: Option<PlatformRole>,
    pub status: UserStatus,
    /// The argon2id PHC string; `None` until the invitation is accepted.
    pub password_hash: Option<String>,
    pub locale: Option<String>,
    pub created_at: UnixTime,
    pub last_login_at: Option<UnixTime>,
    /// After an MFA reset: the user must set up MFA again before this moment.
    pub mfa_enroll_by: Option<UnixTime>,
}

/// What a one-time link is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkPurpose {
    /// Lets an invited user choose a password.
    Invitation,
    /// Lets the first customer-service administrator create their account on an empty database.
    Bootstrap,
    /// Lets someone who registered themself (an individual) create their account: it proves they
    /// receive email at the link's address. No `users` row exists until it is used.
    Registration,
}

impl LinkPurpose {
    pub fn as_str(self) -> &'static str {
        match self {
            LinkPurpose::Invitation => "invitation",
            LinkPurpose::Bootstrap => "bootstrap",
            LinkPurpose::Registration => "registration",
        }
    }

    fn parse(text: &str) -> Result<Self> {
        match text {
            "invitation" => Ok(LinkPurpose::Invitation),
            "bootstrap" => Ok(LinkPurpose::Bootstrap),
            "registration" => Ok(LinkPurpose::Registration),
            other => Err(corrupt(format!("link purpose {other:?}"))),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkRecord {
    pub purpose: LinkPurpose,
    pub user_id: Option<UserId>,
    pub created_by: Option<UserId>,
    pub created_at: UnixTime,
    pub expires_at: UnixTime,
    pub used_at: Option<UnixTime>,
    /// The address a registration link was sent to (none for other purposes: their user has one).
    pub email: Option<Email>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRecord {
    pub user_id: UserId,
    pub stage: LoginStage,
    pub amr: Vec<Amr>,
    pub created_at: UnixTime,
    pub last_seen_at: UnixTime,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    /// When this session last passed a second factor.
    pub mfa_at: Option<UnixTime>,
    /// The stable id of this login session across id rotations: the `sid` services see.
    pub sid: Option<String>,
}

/// A security event. `detail` is a JSON object with event-specific fields (never a secret).
#[derive(Debug, Clone, PartialEq)]
pub struct AuditEvent {
    pub at: UnixTime,
    pub kind: String,
    pub actor: Option<UserId>,
    pub target: Option<UserId>,
    pub org: Option<OrgId>,
    pub ip: Option<String>,
    pub detail: serde_json::Value,
}

pub(crate) fn user_id(text: &str) -> Result<UserId> {
    UserId::parse(text).map_err(|_| corrupt(format!("user id {text:?}")))
}

pub(crate) fn org_id(text: &str) -> Result<OrgId> {
    OrgId::parse(text).map_err(|_| corrupt(format!("org id {text:?}")))
}

fn opt<T>(text: Option<String>, parse: impl Fn(&str) -> Result<T>) -> Result<Option<T>> {
    text.as_deref().map(parse).transpose()
}

pub(crate) fn org_from_row(row: &AnyRow) -> Result<OrgRecord> {
    let name: String = row.try_get("name")?;
    Ok(OrgRecord {
        id: org_id(&row.try_get::<String, _>("id")?)?,
        name: OrgName::parse(&name).map_err(|_| corrupt(format!("org name {name:?}")))?,
        created_at: UnixTime(row.try_get("created_at")?),
    })
}

pub(crate) fn user_from_row(row: &AnyRow) -> Result<UserRecord> {
    let email: String = row.try_get("email")?;
    let org = match (
        row.try_get::<Option<String>, _>("org_id")?,
        row.try_get::<Option<String>, _>("org_role")?,
    ) {
        (Some(org), Some(role)) => Some((org_id(&org)?, OrgRole::parse(&role).map_err(corrupt)?)),
        (None, None) => None,
        _ => return Err(corrupt("organization without role")),
    };
    Ok(UserRecord {
        id: user_id(&row.try_get::<String, _>("id")?)?,
        email: Email::parse(&email).map_err(|_| corrupt(format!("email {email:?}")))?,
        display_name: opt(row.try_get("display_name")?, |t| DisplayName::parse(t).map_err(corrupt))?,
        org,
        platform_role: opt(row.try_get("platform_role")?, |t| {
            PlatformRole::parse(t).map_err(corrupt)
        })?,
        status: UserStatus::parse(&row.try_get::<String, _>("status")?).map_err(corrupt)?,
        password_hash: row.try_get("password_hash")?,
        locale: row.try_get("locale")?,
        created_at: UnixTime(row.try_get("created_at")?),
        last_login_at: row.try_get::<Option<i64>, _>("last_login_at")?.map(UnixTime),
        mfa_enroll_by: row.try_get::<Option<i64>, _>("mfa_enroll_by")?.map(UnixTime),
    })
}

pub(crate) fn link_from_row(row: &AnyRow) -> Result<LinkRecord> {
    Ok(LinkRecord {
        purpose: LinkPurpose::parse(&row.try_get::<String, _>("purpose")?)?,
        user_id: opt(row.try_get("user_id")?, user_id)?,
        created_by: opt(row.try_get("created_by")?, user_id)?,
        created_at: UnixTime(row.try_get("created_at")?),
        expires_at: UnixTime(row.try_get("expires_at")?),
        used_at: row.try_get::<Option<i64>, _>("used_at")?.map(UnixTime),
        email: opt(row.try_get("email")?, |text: &str| Email::parse(text).map_err(corrupt))?,
    })
}

pub(crate) fn session_from_row(row: &AnyRow) -> Result<SessionRecord> {
    Ok(SessionRecord {
        user_id: user_id(&row.try_get::<String, _>("user_id")?)?,
        stage: LoginStage::parse(&row.try_get::<String, _>("stage")?).map_err(corrupt)?,
        amr: Amr::split(&row.try_get::<String, _>("amr")?).map_err(corrupt)?,
        created_at: UnixTime(row.try_get("created_at")?),
        last_seen_at: UnixTime(row.try_get("last_seen_at")?),
        ip: row.try_get("ip")?,
        user_agent: row.try_get("user_agent")?,
        mfa_at: row.try_get::<Option<i64>, _>("mfa_at")?.map(UnixTime),
        sid: row.try_get("sid")?,
    })
}

pub(crate) fn throttle_from_row(row: &AnyRow) -> Result<ThrottleState> {
    let failures: i64 = row.try_get("failures")?;
    Ok(ThrottleState {
        failures: u32::try_from(failures).map_err(|_| corrupt(format!("failures {failures}")))?,
        last_failure_at: UnixTime(row.try_get("last_failure_at")?),
    })
}
