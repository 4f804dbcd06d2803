//! The demo's errors, turned into an HTML page in one place. Provider errors (`error`,
//! `error_description` on the callback or from the token endpoint) are shown; transport and parse
//! failures are logged and shown only in general words. Nothing here ever holds a token.

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use openidconnect::core::CoreErrorResponseType;
use openidconnect::{HttpClientError, RequestTokenError, StandardErrorResponse};

use crate::html;

#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error("the provider refused the login: {error}")]
    Provider { error: String, description: Option<String> },
    #[error("bad request: {0}")]
    BadRequest(&'static str),
    #[error("no login was started in this browser for this callback, or it took more than 10 minutes")]
    UnknownLogin,
    #[error("the token endpoint answered {error}")]
    TokenEndpoint { error: String, description: Option<String> },
    #[error("the token endpoint could not be reached or its answer was unreadable")]
    TokenRequest,
    #[error("the ID token was refused: {0}")]
    IdToken(String),
    #[error("the token response has no ID token")]
    NoIdToken,
    #[error("you are not logged in")]
    NotLoggedIn,
    #[error("this login has no refresh token (was offline_access granted?)")]
    NoRefreshToken,
}

type TokenError = RequestTokenError<HttpClientError<reqwest::Error>, StandardErrorResponse<CoreErrorResponseType>>;

impl DemoError {
    /// Keeps the provider's OAuth error; logs the rest (its `Display` never includes a token).
    pub fn from_token_request(err: TokenError) -> Self {
        match err {
            RequestTokenError::ServerResponse(response) => DemoError::TokenEndpoint {
                error: response.error().as_ref().to_owned(),
                description: response.error_description().cloned(),
            },
            other => {
                tracing::warn!(error = %other, "token request failed");
                DemoError::TokenRequest
            }
        }
    }
}

impl IntoResponse for DemoError {
    fn into_response(self) -> Response {
        let (status, title) = match &self {
            DemoError::Provider { .. } => (StatusCode::BAD_REQUEST, "Login failed"),
            DemoError::BadRequest(_) | DemoError::UnknownLogin => (StatusCode::BAD_REQUEST, "Bad request"),
            DemoError::NotLoggedIn | DemoError::NoRefreshToken => (StatusCode::BAD_REQUEST, "Not possible"),
            DemoError::TokenEndpoint { .. }
            | DemoError::TokenRequest
            | DemoError::IdToken(_)
            | DemoError::NoIdToken => (StatusCode::BAD_GATEWAY, "The provider's answer was not accepted"),
        };
        let detail = match &self {
            DemoError::Provider { description, .. } | DemoError::TokenEndpoint { description, .. } => {
                description.as_deref()
            }
            _ => None,
        };
        (status, Html(html::error(title, &self.to_string(), detail))).into_response()
    }
}
