//! The one place where errors become responses. A [`WebError`] becomes a status code plus an
//! [`ErrorPage`] marker; the context middleware renders the marker as an HTML page in the user's
//! language with the request id. Internal errors log their whole cause chain and show only the id.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use portcullis_core::UnixTime;

use crate::app::AppError;
use crate::app::security_key::KeyRefusal;
use portcullis_core::permissions::{ManageRefusal, ResetRefusal};
use portcullis_core::security_key::PolicyRefusal;

#[derive(Debug, thiserror::Error)]
pub enum WebError {
    #[error(transparent)]
    App(#[from] AppError),
    #[error("the form could not be read: {0}")]
    BadForm(String),
    #[error("CSRF check failed: {0}")]
    Csrf(&'static str),
    #[error("request body too large")]
    TooLarge,
    #[error("unsupported content type")]
    UnsupportedMedia,
    #[error("not found")]
    NotFound,
    #[error("internal: {0}")]
    Internal(String),
}

/// What the error page shows: a message key and the time to wait, if any.
#[derive(Debug, Clone)]
pub struct ErrorPage {
    pub message: &'static str,
    pub retry_at: Option<UnixTime>,
}

impl WebError {
    pub fn status_and_message(&self) -> (StatusCode, &'static str) {
        match self {
            WebError::App(err) => Self::status_of(err),
            WebError::BadForm(_) => (StatusCode::BAD_REQUEST, "error-bad-request"),
            WebError::Csrf(_) => (StatusCode::FORBIDDEN, "error-csrf"),
            WebError::TooLarge => (StatusCode::PAYLOAD_TOO_LARGE, "error-too-large"),
            WebError::UnsupportedMedia => (StatusCode::UNSUPPORTED_MEDIA_TYPE, "error-unsupported-media"),
            WebError::NotFound => (StatusCode::NOT_FOUND, "error-not-found"),
            WebError::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "error-internal"),
        }
    }

    /// The status and message for a use-case error (also used beside forms).
    pub fn status_of(err: &AppError) -> (StatusCode, &'static str) {
        use AppError as A;
        match err {
            A::InvalidEmail(_) => (StatusCode::UNPROCESSABLE_ENTITY, "email-invalid"),
            A::InvalidName(_) => (StatusCode::UNPROCESSABLE_ENTITY, "name-invalid"),
            A::Password(_) | A::PasswordMismatch => (StatusCode::UNPROCESSABLE_ENTITY, "pw-guessable"),
            A::RoleNotInvitable => (StatusCode::UNPROCESSABLE_ENTITY, "error-role-not-invitable"),
            A::UnknownOrg(_) => (StatusCode::NOT_FOUND, "error-unknown-org"),
            A::EmailTaken => (StatusCode::CONFLICT, "email-taken"),
            A::OrgNameTaken => (StatusCode::CONFLICT, "error-org-taken"),
            A::MainAdminExists => (StatusCode::CONFLICT, "error-main-admin-exists"),
            A::LinkUnknown => (StatusCode::NOT_FOUND, "error-link-unknown"),
            A::LinkUsed => (StatusCode::GONE, "error-link-used"),
            A::LinkExpired => (StatusCode::GONE, "error-link-expired"),
            A::RegistrationClosed => (StatusCode::FORBIDDEN, "error-registration-closed"),
            A::AlreadyRegistered => (StatusCode::CONFLICT, "error-already-registered"),
            A::InvalidCredentials { .. } => (StatusCode::UNAUTHORIZED, "login-error-invalid"),
            A::Throttled { .. } => (StatusCode::TOO_MANY_REQUESTS, "login-error-throttled"),
            A::AccountDisabled => (StatusCode::FORBIDDEN, "login-error-disabled"),
            A::EnrollmentExpired => (StatusCode::FORBIDDEN, "login-error-enrollment-expired"),
            A::RecheckRequired => (StatusCode::FORBIDDEN, "error-recheck-required"),
            A::LastMethod => (StatusCode::CONFLICT, "error-last-method"),
            A::MethodUnknown => (StatusCode::NOT_FOUND, "error-method-unknown"),
            A::SessionUnknown => (StatusCode::NOT_FOUND, "error-session-unknown"),
            A::ResetRefused(refusal) => (StatusCode::FORBIDDEN, reset_refusal_message(*refusal)),
            A::ManageRefused(refusal) => (StatusCode::FORBIDDEN, manage_refusal_message(*refusal)),
            A::NotAnAdministrator => (StatusCode::FORBIDDEN, "error-not-admin"),
            A::UserUnknown => (StatusCode::NOT_FOUND, "error-user-unknown"),
            A::AlreadyReset => (StatusCode::CONFLICT, "error-already-reset"),
            A::NotInvited => (StatusCode::CONFLICT, "error-not-invited"),
            A::NotYetActive => (StatusCode::CONFLICT, "error-not-yet-active"),
            A::SeedNeedsEmpty => (StatusCode::CONFLICT, "error-bad-request"),
            A::NotSupport => (StatusCode::FORBIDDEN, "error-not-support"),
            A::ReasonRequired => (StatusCode::UNPROCESSABLE_ENTITY, "error-reason-required"),
            A::Unchanged => (StatusCode::CONFLICT, "error-unchanged"),
            A::WrongCurrentPassword => (StatusCode::UNPROCESSABLE_ENTITY, "error-wrong-current-password"),
            A::Locked => (StatusCode::TOO_MANY_REQUESTS, "mfa-error-locked"),
            A::Code(_) => (StatusCode::UNPROCESSABLE_ENTITY, "code-error-format"),
            A::CodeRefused { .. } => (StatusCode::UNAUTHORIZED, "code-wrong"),
            A::SetupUnknown => (StatusCode::NOT_FOUND, "error-setup-unknown"),
            A::SetupExpired => (StatusCode::GONE, "error-setup-expired"),
            A::NoMfaMethod => (StatusCode::CONFLICT, "error-no-mfa-method"),
            A::WrongStage => (StatusCode::CONFLICT, "error-wrong-stage"),
            A::Key(refusal) => key_status(*refusal),
            A::Mds(_) => (StatusCode::UNPROCESSABLE_ENTITY, "error-bad-request"),
            A::KeyUnknown => (StatusCode::NOT_FOUND, "key-error-unknown-key"),
            A::KeyName(_) => (StatusCode::UNPROCESSABLE_ENTITY, "key-name-invalid"),
            A::ApiToken(_) => (StatusCode::UNAUTHORIZED, "error-not-admin"),
            A::ScopeMissing(_) | A::SessionRequired => (StatusCode::FORBIDDEN, "error-not-admin"),
            A::ApiTokenSettings(_) => (StatusCode::UNPROCESSABLE_ENTITY, "error-bad-request"),
            A::ApiTokenUnknown => (StatusCode::NOT_FOUND, "error-not-found"),
            A::ClientSettings(_) => (StatusCode::UNPROCESSABLE_ENTITY, "error-client-settings"),
            A::ClientUnknown => (StatusCode::NOT_FOUND, "error-not-found"),
            A::InvalidToken => (StatusCode::UNAUTHORIZED, "error-invalid-token"),
            A::Store(_) | A::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "error-internal"),
        }
    }

    fn retry_at(&self) -> Option<UnixTime> {
        match self {
            WebError::App(AppError::Throttled { retry_at }) => Some(*retry_at),
            WebError::App(AppError::InvalidCredentials { retry_at }) => *retry_at,
            WebError::App(AppError::CodeRefused { retry_at, .. }) => *retry_at,
            _ => None,
        }
    }
}

/// The stable machine-readable code of a use-case error in the JSON API (`{"error": {"code": …}}`).
/// Refusals use the core's own codes (`only_customer_service`, `other_organization`, …).
pub fn api_code(err: &AppError) -> &'static str {
    use AppError as A;
    match err {
        A::InvalidEmail(_) => "invalid_email",
        A::InvalidName(_) => "invalid_name",
        A::Password(_) | A::PasswordMismatch => "password_refused",
        A::RoleNotInvitable => "role_not_invitable",
        A::UnknownOrg(_) => "unknown_organization",
        A::EmailTaken => "email_taken",
        A::OrgNameTaken => "organization_name_taken",
        A::MainAdminExists => "main_admin_exists",
        A::LinkUnknown => "link_unknown",
        A::LinkUsed => "link_used",
        A::LinkExpired => "link_expired",
        A::InvalidCredentials { .. } => "invalid_credentials",
        A::Throttled { .. } => "throttled",
        A::AccountDisabled => "account_disabled",
        A::EnrollmentExpired => "enrollment_expired",
        A::RecheckRequired => "recheck_required",
        A::LastMethod => "last_method",
        A::MethodUnknown => "method_not_found",
        A::SessionUnknown => "session_not_found",
        A::ResetRefused(refusal) => refusal.as_str(),
        A::ManageRefused(refusal) => refusal.as_str(),
        A::NotAnAdministrator => "not_an_administrator",
        A::UserUnknown => "user_not_found",
        A::AlreadyReset => "already_reset",
        A::NotInvited => "not_invited",
        A::NotYetActive => "not_yet_active",
        A::ReasonRequired => "reason_required",
        A::NotSupport => "not_customer_service",
        A::SeedNeedsEmpty => "bad_request",
        A::RegistrationClosed => "registration_closed",
        A::AlreadyRegistered => "already_registered",
        A::Unchanged => "unchanged",
        A::WrongCurrentPassword => "wrong_current_password",
        A::Locked => "locked",
        A::Code(_) => "invalid_code",
        A::CodeRefused { .. } => "code_refused",
        A::SetupUnknown => "setup_not_found",
        A::SetupExpired => "setup_expired",
        A::NoMfaMethod => "no_mfa_method",
        A::WrongStage => "wrong_stage",
        A::Key(_) | A::KeyUnknown | A::KeyName(_) => "security_key_refused",
        A::Mds(_) => "bad_request",
        A::ApiToken(refusal) => refusal.as_str(),
        A::ScopeMissing(_) => "insufficient_scope",
        A::SessionRequired => "session_required",
        A::ApiTokenSettings(problem) => problem.as_str(),
        A::ApiTokenUnknown => "token_not_found",
        A::ClientSettings(_) => "invalid_client_settings",
        A::ClientUnknown => "client_not_found",
        A::InvalidToken => "invalid_token",
        A::Store(_) | A::Internal(_) => "internal",
    }
}

/// A JSON API error: `{"error": {"code": "stable_code", "message": "…"}}` with its status. The
/// message is for people and may change; the code is the contract. Internal errors log their cause
/// chain and say only "internal error" (the `x-request-id` header names the log line).
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code,
            message: message.into(),
        }
    }
}

impl From<AppError> for ApiError {
    fn from(err: AppError) -> ApiError {
        let (status, _) = WebError::status_of(&err);
        if err.is_internal() {
            log_internal(&err);
            return ApiError::new(status, "internal", "internal error");
        }
        let message = match &err {
            AppError::ScopeMissing(scope) => format!("the API token lacks the scope {}", scope.as_str()),
            AppError::ResetRefused(refusal) => format!("MFA reset refused: {}", refusal.as_str()),
            AppError::ManageRefused(refusal) => format!("refused: {}", refusal.as_str()),
            AppError::ApiToken(refusal) => format!("API token refused: {}", refusal.as_str()),
            // Use-case errors never hold secrets (no token, password or code is part of their text).
            other => other.to_string(),
        };
        ApiError::new(status, api_code(&err), message)
    }
}

impl From<WebError> for ApiError {
    fn from(err: WebError) -> ApiError {
        match err {
            WebError::App(err) => err.into(),
            other => {
                let (status, _) = other.status_and_message();
                if status.is_server_error() {
                    log_internal(&other);
                    return ApiError::new(status, "internal", "internal error");
                }
                let code = match other {
                    WebError::Csrf(_) => "csrf",
                    WebError::TooLarge => "payload_too_large",
                    WebError::UnsupportedMedia => "unsupported_media_type",
                    WebError::NotFound => "not_found",
                    _ => "bad_request",
                };
                ApiError::new(status, code, other.to_string())
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = serde_json::json!({ "error": { "code": self.code, "message": self.message } });
        let mut response = (self.status, axum::Json(body)).into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                axum::http::header::WWW_AUTHENTICATE,
                axum::http::HeaderValue::from_static("Bearer"),
            );
        }
        response
    }
}

/// Each refused reset says who can help.
fn reset_refusal_message(refusal: ResetRefusal) -> &'static str {
    match refusal {
        ResetRefusal::OnlyCustomerService => "reset-refused-only-customer-service",
        ResetRefusal::OnlyMainAdministrator => "reset-refused-only-main-admin",
        ResetRefusal::NotTheirAdministrator => "reset-refused-not-theirs",
    }
}

fn manage_refusal_message(refusal: ManageRefusal) -> &'static str {
    match refusal {
        ManageRefusal::OtherOrganization => "manage-refused-other-org",
        ManageRefusal::OnlyMainAdministrator => "manage-refused-only-main-admin",
        ManageRefusal::MainAdministratorFixed => "manage-refused-main-admin-fixed",
        ManageRefusal::OwnAccount => "manage-refused-own-account",
    }
}

/// Status and message of a refused security key.
fn key_status(refusal: KeyRefusal) -> (StatusCode, &'static str) {
    use KeyRefusal as K;
    match refusal {
        K::Malformed => (StatusCode::BAD_REQUEST, "key-error-malformed"),
        K::CeremonyUnknown => (StatusCode::CONFLICT, "key-error-ceremony-unknown"),
        K::CeremonyExpired => (StatusCode::GONE, "key-error-ceremony-expired"),
        K::AlreadyRegistered => (StatusCode::CONFLICT, "key-error-already-registered"),
        K::Policy(PolicyRefusal::UnknownModel) => (StatusCode::FORBIDDEN, "key-error-policy-known"),
        K::Policy(PolicyRefusal::NotAllowed) => (StatusCode::FORBIDDEN, "key-error-policy-allow-list"),
        K::AttestationUntrusted => (StatusCode::FORBIDDEN, "key-error-attestation"),
        K::PinRequired => (StatusCode::FORBIDDEN, "key-error-pin-required"),
        K::Failed => (StatusCode::UNAUTHORIZED, "key-error-failed"),
        K::UnknownKey => (StatusCode::UNAUTHORIZED, "key-error-unknown-key"),
        K::SuspectedClone => (StatusCode::FORBIDDEN, "key-error-clone"),
    }
}

/// Logs a server-side failure with its whole cause chain (never shown to the user).
pub fn log_internal(err: &dyn std::error::Error) {
    let mut chain = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        chain.push_str(": ");
        chain.push_str(&cause.to_string());
        source = cause.source();
    }
    tracing::error!(error = chain, "request failed");
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        let (status, message) = self.status_and_message();
        if status.is_server_error() {
            log_internal(&self);
        }
        let mut response = status.into_response();
        response.extensions_mut().insert(ErrorPage {
            message,
            retry_at: self.retry_at(),
        });
        response
    }
}
