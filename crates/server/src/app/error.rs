//! What a use case can answer besides success. No HTTP here: the web layer maps each variant to a
//! status and a message, in one place.

use portcullis_core::UnixTime;
use portcullis_core::email::EmailError;
use portcullis_core::names::NameError;
use portcullis_core::password::PasswordProblem;
use portcullis_store::{Conflict, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("invalid email: {0}")]
    InvalidEmail(#[from] EmailError),
    #[error("invalid name: {0}")]
    InvalidName(#[from] NameError),
    #[error("password refused: {0}")]
    Password(#[from] PasswordProblem),
    #[error("the passwords do not match")]
    PasswordMismatch,
    #[error("a main administrator can only be created with the organization")]
    RoleNotInvitable,
    #[error("no organization is called {0:?}")]
    UnknownOrg(String),
    #[error("an account with this email already exists")]
    EmailTaken,
    #[error("an organization with this name already exists")]
    OrgNameTaken,
    #[error("the organization already has a main administrator")]
    MainAdminExists,
    #[error("the link is not valid")]
    LinkUnknown,
    #[error("the link has been used already")]
    LinkUsed,
    #[error("the link has expired")]
    LinkExpired,
    #[error("self-registration is switched off")]
    RegistrationClosed,
    #[error("the address of this registration has an account already")]
    AlreadyRegistered,
    #[error("wrong email or password")]
    InvalidCredentials {
        /// Set when this failure started a delay.
        retry_at: Option<UnixTime>,
    },
    #[error("too many attempts; retry at {retry_at:?}")]
    Throttled { retry_at: UnixTime },
    #[error("not a code: {0}")]
    Code(#[from] portcullis_core::totp::CodeError),
    #[error("code refused: {refusal:?}")]
    CodeRefused {
        refusal: super::totp::CodeRefusal,
        /// Set when this failure started a delay.
        retry_at: Option<UnixTime>,
    },
    #[error("no such setup in progress")]
    SetupUnknown,
    #[error("the setup has expired")]
    SetupExpired,
    #[error("at least one MFA method must be set up first")]
    NoMfaMethod,
    #[error("this step of the login flow is not the current one")]
    WrongStage,
    #[error("locked after too many failed codes; an administrator must lift it")]
    Locked,
    #[error("security key refused: {0:?}")]
    Key(super::security_key::KeyRefusal),
    #[error("no such security key")]
    KeyUnknown,
    #[error("invalid key name: {0}")]
    KeyName(#[from] portcullis_core::security_key::KeyNameError),
    #[error("the account is disabled")]
    AccountDisabled,
    #[error("MFA was reset and not set up again in time")]
    EnrollmentExpired,
    #[error("a fresh second factor is needed for this")]
    RecheckRequired,
    #[error("the last MFA method cannot be removed (reset instead)")]
    LastMethod,
    #[error("no such MFA method")]
    MethodUnknown,
    #[error("no such session")]
    SessionUnknown,
    #[error("MFA reset refused: {0:?}")]
    ResetRefused(portcullis_core::permissions::ResetRefusal),
    #[error("refused: {0:?}")]
    ManageRefused(portcullis_core::permissions::ManageRefusal),
    #[error("only administrators of an organization may do this")]
    NotAnAdministrator,
    #[error("no such user")]
    UserUnknown,
    #[error("the user's MFA is already reset and waiting to be set up")]
    AlreadyReset,
    #[error("the user has no open invitation")]
    NotInvited,
    #[error("the user has not accepted the invitation yet")]
    NotYetActive,
    #[error("a reason is required")]
    ReasonRequired,
    #[error("only customer service may do this")]
    NotSupport,
    #[error("seeding needs a database without users")]
    SeedNeedsEmpty,
    #[error("the account is already in that state")]
    Unchanged,
    #[error("the current password is wrong")]
    WrongCurrentPassword,
    #[error("API token refused: {0:?}")]
    ApiToken(portcullis_core::api_token::TokenRefusal),
    #[error("the API token lacks the scope {0:?}")]
    ScopeMissing(portcullis_core::api_token::Scope),
    #[error("this needs a logged-in session, not an API token")]
    SessionRequired,
    #[error("API token settings refused: {0}")]
    ApiTokenSettings(#[from] portcullis_core::api_token::ApiTokenProblem),
    #[error("no such API token")]
    ApiTokenUnknown,
    #[error("client settings refused: {0}")]
    ClientSettings(String),
    #[error("no such service (client)")]
    ClientUnknown,
    #[error("the token is not valid")]
    InvalidToken,
    #[error("storage failed")]
    Store(#[source] StoreError),
    #[error(transparent)]
    Mds(#[from] super::security_key::MdsError),
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<StoreError> for AppError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::Conflict(Conflict::EmailTaken) => AppError::EmailTaken,
            StoreError::Conflict(Conflict::OrgNameTaken) => AppError::OrgNameTaken,
            StoreError::Conflict(Conflict::MainAdminExists) => AppError::MainAdminExists,
            other => AppError::Store(other),
        }
    }
}

impl From<super::passwords::HashError> for AppError {
    fn from(err: super::passwords::HashError) -> Self {
        AppError::Internal(err.to_string())
    }
}

impl From<super::secrets::SecretsError> for AppError {
    fn from(err: super::secrets::SecretsError) -> Self {
        AppError::Internal(err.to_string())
    }
}

impl AppError {
    /// Whether this is the server's fault (logged with its cause chain, shown only as a request id).
    pub fn is_internal(&self) -> bool {
        matches!(self, AppError::Store(_) | AppError::Internal(_))
    }
}
