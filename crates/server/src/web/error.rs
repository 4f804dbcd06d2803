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
