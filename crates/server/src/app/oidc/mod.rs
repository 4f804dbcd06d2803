//! The OpenID Connect provider's use cases: the authorization request (driving the login flow),
//! the token endpoint's grants (authorization code with PKCE, refresh with rotation and reuse
//! detection, client credentials), userinfo, revocation (RFC 7009), introspection (RFC 7662),
//! RP-initiated logout, and back-channel logout (OpenID Connect Back-Channel Logout 1.0).
//!
//! Tokens: ID tokens and access tokens are JWTs signed with the client's algorithm (see
//! [`super::signing`]); each user access token names its grant (`gid`), so revoking the grant ends it
//! at userinfo and introspection at once. Refresh tokens and codes are random, stored as SHA-256.
//!
//! The rules (which parameters are valid, what a session must bring) are in
//! `portcullis_core::oidc`; this module reads the clock once per call, keeps state in the database
//! and signs.
//!
//! - [`authorize`]: the authorization endpoint and the interactions it may need; the code.
//! - [`tokens`]: the token endpoint's grants, userinfo, introspection, revocation.
//! - [`logout`]: grants ended with sessions, back-channel logout tokens, RP-initiated logout.

mod authorize;
mod logout;
mod tokens;

use portcullis_core::oidc::{self, ClientPolicy};
use portcullis_store::oidc::ClientRecord;
use url::Url;

use super::{App, AppError, random};

pub use authorize::{Authorize, Interaction};
pub use logout::{BACKCHANNEL_EVENT, LogoutParams, LogoutPlan, LogoutRefusal};

/// An error of the token, userinfo, introspection or revocation endpoint: the RFC's code and the
/// HTTP status to answer with; or a failure of ours.
#[derive(Debug)]
pub enum OidcError {
    Protocol {
        status: u16,
        code: &'static str,
        description: String,
    },
    App(AppError),
}

impl OidcError {
    fn new(status: u16, code: &'static str, description: impl Into<String>) -> OidcError {
        OidcError::Protocol {
            status,
            code,
            description: description.into(),
        }
    }

    fn grant(description: impl Into<String>) -> OidcError {
        OidcError::new(400, "invalid_grant", description)
    }

    fn client(description: impl Into<String>) -> OidcError {
        OidcError::new(401, "invalid_client", description)
    }

    fn token(description: impl Into<String>) -> OidcError {
        OidcError::new(401, "invalid_token", description)
    }

    fn code(&self) -> &'static str {
        match self {
            OidcError::Protocol { code, .. } => code,
            OidcError::App(_) => "server_error",
        }
    }
}

impl<E: Into<AppError>> From<E> for OidcError {
    fn from(err: E) -> Self {
        OidcError::App(err.into())
    }
}

/// How the client authenticated: HTTP Basic (decoded by the web layer) and/or form fields.
#[derive(Debug, Default)]
pub struct ClientAuth {
    pub basic: Option<(String, String)>,
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
}

/// The token endpoint's form.
#[derive(Debug, Default, serde::Deserialize)]
pub struct TokenParams {
    pub grant_type: Option<String>,
    pub code: Option<String>,
    pub redirect_uri: Option<String>,
    pub code_verifier: Option<String>,
    pub refresh_token: Option<String>,
    pub scope: Option<String>,
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
}

/// A successful token response (RFC 6749 §5.1).
#[derive(Debug, serde::Serialize)]
pub struct TokenResponse {
    pub access_token: String,
    pub token_type: &'static str,
    pub expires_in: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id_token: Option<String>,
    pub scope: String,
}

/// The grant types (for audit records).
const CODE: &str = "authorization_code";
const REFRESH: &str = "refresh_token";
const CLIENT_CREDENTIALS: &str = "client_credentials";

/// Scopes with a meaning for users; `client_credentials` tokens carry only the client's own scopes.
fn is_user_scope(scope: &str) -> bool {
    oidc::KNOWN_SCOPES.contains(&scope)
}

fn policy(client: &ClientRecord) -> ClientPolicy {
    ClientPolicy {
        redirect_uris: client.redirect_uris.clone(),
        public: client.is_public(),
        scopes: client.scopes.clone(),
        require_key: client.require_key,
    }
}

/// Appends the response parameters to a redirect URI (which may have a query of its own).
fn with_params(uri: &str, params: &[(&str, Option<&str>)]) -> Result<String, AppError> {
    let mut url = Url::parse(uri).map_err(|e| AppError::Internal(format!("stored redirect URI: {e}")))?;
    let present: Vec<(&str, &str)> = params.iter().filter_map(|(n, v)| v.map(|v| (*n, v))).collect();
    if !present.is_empty() {
        url.query_pairs_mut().extend_pairs(present);
    }
    Ok(url.to_string())
}

fn new_id() -> Result<String, AppError> {
    Ok(hex::encode(random::bytes::<16>()?))
}

impl App {
    /// The issuer's endpoint at `path` (e.g. `/oauth2/token`).
    pub fn endpoint(&self, path: &str) -> String {
        format!("{}{path}", self.issuer())
    }
}

#[cfg(test)]
mod tests {
    use super::with_params;

    #[test]
    fn response_parameters_join_the_redirect_uris_own_query() {
        let to = |uri, params: &[(&str, Option<&str>)]| with_params(uri, params).unwrap();
        assert_eq!(to("https://s.example/", &[("state", None)]), "https://s.example/");
        assert_eq!(
            to("https://s.example/cb", &[("code", Some("a b")), ("state", None)]),
            "https://s.example/cb?code=a+b"
        );
        assert_eq!(
            to("https://s.example/cb?x=1", &[("state", Some("&"))]),
            "https://s.example/cb?x=1&state=%26"
        );
    }
}
