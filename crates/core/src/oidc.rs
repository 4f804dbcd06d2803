//! OpenID Connect as the product sees it: the services (clients) and what they may ask for, the
//! authorization request and its checks, PKCE, the strength of a login (`acr`) and what a request
//! needs before Portcullis may answer it. No JSON Web Tokens and no I/O here: the app signs, the store
//! keeps, this module decides.
//!
//! Error codes are those of RFC 6749 §4.1.2.1 / §5.2 and OpenID Connect Core §3.1.2.6, so the web layer
//! passes them to the service unchanged.

use std::fmt;

use data_encoding::BASE64URL_NOPAD;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::login::Amr;
use crate::roles::UnknownValue;
use crate::time::UnixTime;

/// The algorithm that signs a client's ID tokens and access tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum SigningAlg {
    /// ECDSA P-256 with SHA-256: the default.
    #[serde(rename = "ES256")]
    Es256,
    /// RSA PKCS#1 v1.5 with SHA-256, for older client libraries.
    #[serde(rename = "RS256")]
    Rs256,
}

impl SigningAlg {
    pub const ALL: [SigningAlg; 2] = [SigningAlg::Es256, SigningAlg::Rs256];

    pub fn as_str(self) -> &'static str {
        match self {
            SigningAlg::Es256 => "ES256",
            SigningAlg::Rs256 => "RS256",
        }
    }

    pub fn parse(input: &str) -> Result<SigningAlg, UnknownValue> {
        match input {
            "ES256" => Ok(SigningAlg::Es256),
            "RS256" => Ok(SigningAlg::Rs256),
            other => Err(UnknownValue(other.to_owned())),
        }
    }
}

/// How strongly a user logged in (the `acr` claim). Ordered: a stronger level satisfies a weaker one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Acr {
    /// Password and any second factor (authenticator app or security key).
    #[serde(rename = "mfa")]
    Mfa,
    /// Password and a security key: phishing-resistant (the value of OpenID's EAP ACR Values 1.0).
    #[serde(rename = "phr")]
    Phr,
}

impl Acr {
    pub const ALL: [Acr; 2] = [Acr::Mfa, Acr::Phr];

    pub fn as_str(self) -> &'static str {
        match self {
            Acr::Mfa => "mfa",
            Acr::Phr => "phr",
        }
    }

    pub fn parse(input: &str) -> Result<Acr, UnknownValue> {
        match input {
            "mfa" => Ok(Acr::Mfa),
            "phr" => Ok(Acr::Phr),
            other => Err(UnknownValue(other.to_owned())),
        }
    }

    /// The level a session's factors reach; `None` without a second factor.
    pub fn of(amr: &[Amr]) -> Option<Acr> {
        if amr.contains(&Amr::Hwk) {
            Some(Acr::Phr)
        } else if amr.contains(&Amr::Otp) {
            Some(Acr::Mfa)
        } else {
            None
        }
    }

    /// The level an `acr_values` request asks for: the weakest level it names that Portcullis knows
    /// (the values are the service's preferences, any of which will do); unknown values are ignored.
    pub fn requested(acr_values: &str) -> Option<Acr> {
        acr_values.split_whitespace().filter_map(|v| Acr::parse(v).ok()).min()
    }
}

/// The `amr` claim of a session's factors: RFC 8176 values, plus `mfa` (every Portcullis login is
/// multi-factor, and some libraries look for exactly that value).
pub fn amr_claim(amr: &[Amr]) -> Vec<&'static str> {
    let mut out: Vec<&'static str> = amr.iter().map(|a| a.as_str()).collect();
    if Acr::of(amr).is_some() {
        out.push("mfa");
    }
    out
}

/// The scopes Portcullis knows. Clients may also be allowed scopes of their own (for the access tokens
/// of `client_credentials`), which carry no claims.
pub const SCOPE_OPENID: &str = "openid";
pub const KNOWN_SCOPES: [&str; 5] = ["openid", "profile", "email", "org", "offline_access"];
/// What a new client may ask for unless told otherwise.
pub const DEFAULT_SCOPES: &str = "openid profile email org offline_access";

/// A scope list: space-separated tokens of RFC 6749 §3.3, without duplicates, order kept.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Scopes(Vec<String>);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a valid scope: {0:?}")]
pub struct ScopeError(pub String);

impl Scopes {
    pub fn parse(input: &str) -> Result<Scopes, ScopeError> {
        let mut out: Vec<String> = Vec::new();
        for token in input.split(' ').filter(|t| !t.is_empty()) {
            // scope-token = 1*( %x21 / %x23-5B / %x5D-7E )
            let valid = token.len() <= 100
                && token
                    .bytes()
                    .all(|b| b == 0x21 || (0x23..=0x5b).contains(&b) || (0x5d..=0x7e).contains(&b));
            if !valid {
                return Err(ScopeError(token.chars().take(40).collect()));
            }
            if !out.iter().any(|s| s == token) {
                out.push(token.to_owned());
            }
        }
        Ok(Scopes(out))
    }

    pub fn contains(&self, scope: &str) -> bool {
        self.0.iter().any(|s| s == scope)
    }

    pub fn iter(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(String::as_str)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// True if every scope here is also in `other`.
    pub fn within(&self, other: &Scopes) -> bool {
        self.iter().all(|s| other.contains(s))
    }

    /// The scopes here that `other` lacks (what a consent screen must still ask for).
    pub fn missing_from(&self, other: &Scopes) -> Scopes {
        Scopes(self.iter().filter(|s| !other.contains(s)).map(str::to_owned).collect())
    }

    /// Both lists, without duplicates.
    pub fn union(&self, other: &Scopes) -> Scopes {
        let mut out = self.clone();
        for s in other.iter() {
            if !out.contains(s) {
                out.0.push(s.to_owned());
            }
        }
        out
    }
}

impl fmt::Display for Scopes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.join(" "))
    }
}

/// Checks a redirect or post-logout URI a client registers: absolute, no fragment, and `https` unless
/// it points at this machine (`http://127.0.0.1`, `http://[::1]`, `http://localhost`, RFC 8252 §7.3).
/// Matching at request time is exact string comparison: no wildcards, no prefix matches.
pub fn check_registered_uri(uri: &str) -> Result<(), UriError> {
    let (scheme, rest) = uri.split_once("://").ok_or(UriError::NotAbsolute)?;
    if uri.contains('#') {
        return Err(UriError::Fragment);
    }
    if uri.contains('*') {
        return Err(UriError::Wildcard);
    }
    if uri.chars().any(|c| c.is_whitespace() || c.is_control()) || uri.len() > 2000 {
        return Err(UriError::NotAbsolute);
    }
    let authority = rest.split(['/', '?']).next().unwrap_or_default();
    if authority.is_empty() || authority.contains('@') {
        return Err(UriError::NotAbsolute);
    }
    let host = if let Some(v6) = authority.strip_prefix('[') {
        v6.split(']').next().unwrap_or_default()
    } else {
        authority.rsplit_once(':').map_or(authority, |(h, _)| h)
    };
    match scheme {
        "https" => Ok(()),
        "http" if matches!(host, "127.0.0.1" | "::1" | "localhost") => Ok(()),
        "http" => Err(UriError::NotHttps),
        _ => Err(UriError::Scheme),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum UriError {
    #[error("must be an absolute URI such as https://service.example/callback")]
    NotAbsolute,
    #[error("must not have a fragment (#…)")]
    Fragment,
    #[error("must not hold a wildcard: redirect URIs are matched exactly")]
    Wildcard,
    #[error("must use https (plain http only for 127.0.0.1, [::1] or localhost)")]
    NotHttps,
    #[error("must use https")]
    Scheme,
}

/// PKCE (RFC 7636) with `S256`: the verifier's SHA-256, base64url without padding, equals the
/// challenge. The verifier must have the RFC's form (43–128 unreserved characters).
pub fn pkce_matches(challenge: &str, verifier: &str) -> bool {
    if !is_pkce_value(verifier) {
        return false;
    }
    let computed = BASE64URL_NOPAD.encode(&Sha256::digest(verifier.as_bytes()));
    use subtle::ConstantTimeEq;
    computed.len() == challenge.len() && bool::from(computed.as_bytes().ct_eq(challenge.as_bytes()))
}

fn is_pkce_value(text: &str) -> bool {
    (43..=128).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b))
}

/// What a client is allowed, as far as an authorization request is concerned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientPolicy {
    pub redirect_uris: Vec<String>,
    pub public: bool,
    pub scopes: Scopes,
    pub require_key: bool,
}

/// The raw parameters of an authorization request, as they arrived.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct AuthorizeParams {
    pub client_id: Option<String>,
    pub redirect_uri: Option<String>,
    pub response_type: Option<String>,
    pub response_mode: Option<String>,
    pub scope: Option<String>,
    pub state: Option<String>,
    pub nonce: Option<String>,
    pub prompt: Option<String>,
    pub max_age: Option<String>,
    pub login_hint: Option<String>,
    pub acr_values: Option<String>,
    pub ui_locales: Option<String>,
    pub code_challenge: Option<String>,
    pub code_challenge_method: Option<String>,
    pub request: Option<String>,
    pub request_uri: Option<String>,
    pub registration: Option<String>,
}

/// An error of the authorization endpoint that goes back to the service (RFC 6749 §4.1.2.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthorizeError {
    pub code: &'static str,
    pub description: String,
}

impl AuthorizeError {
    pub fn new(code: &'static str, description: impl Into<String>) -> AuthorizeError {
        AuthorizeError {
            code,
            description: description.into(),
        }
    }
}

/// An error that must not be sent to the redirect URI (it is not known to be the client's): shown
/// to the user on an error page instead (RFC 6749 §4.1.2.1, first paragraph).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum RedirectRefusal {
    #[error("the request names no service (client_id is missing)")]
    NoClient,
    #[error("the service is not registered here, or is disabled")]
    UnknownClient,
    #[error("the request has no redirect_uri")]
    NoRedirectUri,
    #[error("the redirect_uri is not one the service registered")]
    UnregisteredRedirectUri,
}

/// `prompt` (OpenID Connect Core §3.1.2.1).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Prompt {
    pub none: bool,
    pub login: bool,
    pub consent: bool,
}

/// A checked authorization request: what is kept while the user logs in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthorizeRequest {
    pub client_id: String,
    pub redirect_uri: String,
    pub scope: Scopes,
    pub state: Option<String>,
    pub nonce: Option<String>,
    pub code_challenge: Option<String>,
    pub prompt: Prompt,
    pub max_age: Option<i64>,
    pub login_hint: Option<String>,
    pub ui_locales: Option<String>,
    /// The level the service needs: its registration's, or a stronger one from `acr_values`.
    pub acr: Acr,
    /// When the request arrived: `prompt=login` needs a login after this.
    pub received_at: UnixTime,
}

/// Step one: is the redirect URI the client's? Until it is, nothing may be sent to it.
pub fn check_redirect<'a>(policy: &ClientPolicy, redirect_uri: Option<&'a str>) -> Result<&'a str, RedirectRefusal> {
    let uri = redirect_uri.ok_or(RedirectRefusal::NoRedirectUri)?;
    if policy.redirect_uris.iter().any(|r| r == uri) {
        Ok(uri)
    } else {
        Err(RedirectRefusal::UnregisteredRedirectUri)
    }
}

const MAX_PARAM: usize = 2048;

/// Step two, with a redirect URI known to be the client's: every other parameter.
pub fn check_request(
    policy: &ClientPolicy,
    client_id: &str,
    redirect_uri: &str,
    params: &AuthorizeParams,
    now: UnixTime,
) -> Result<AuthorizeRequest, AuthorizeError> {
    let long = [
        &params.state,
        &params.nonce,
        &params.login_hint,
        &params.scope,
        &params.acr_values,
        &params.ui_locales,
    ]
    .into_iter()
    .any(|p| p.as_ref().is_some_and(|v| v.len() > MAX_PARAM));
    if long {
        return Err(AuthorizeError::new("invalid_request", "a parameter is too long"));
    }
    if params.request.is_some() {
        return Err(AuthorizeError::new(
            "request_not_supported",
            "request objects are not supported",
        ));
    }
    if params.request_uri.is_some() {
        return Err(AuthorizeError::new(
            "request_uri_not_supported",
            "request_uri is not supported",
        ));
    }
    if params.registration.is_some() {
        return Err(AuthorizeError::new(
            "registration_not_supported",
            "registration is not supported",
        ));
    }
    match params.response_type.as_deref() {
        Some("code") => {}
        None => return Err(AuthorizeError::new("invalid_request", "response_type is missing")),
        Some(_) => {
            return Err(AuthorizeError::new(
                "unsupported_response_type",
                "only the authorization code flow (response_type=code) is supported",
            ));
        }
    }
    if !matches!(params.response_mode.as_deref(), None | Some("query")) {
        return Err(AuthorizeError::new(
            "invalid_request",
            "only response_mode=query is supported",
        ));
    }
    let scope = Scopes::parse(params.scope.as_deref().unwrap_or_default())
        .map_err(|e| AuthorizeError::new("invalid_scope", e.to_string()))?;
    if !scope.contains(SCOPE_OPENID) {
        return Err(AuthorizeError::new("invalid_scope", "the scope must include openid"));
    }
    if let Some(unknown) = scope.iter().find(|s| !policy.scopes.contains(s)) {
        return Err(AuthorizeError::new(
            "invalid_scope",
            format!("the scope {unknown:?} is not allowed for this service"),
        ));
    }
    let code_challenge = match (
        params.code_challenge.as_deref(),
        params.code_challenge_method.as_deref(),
    ) {
        (None, None) if policy.public => {
            return Err(AuthorizeError::new(
                "invalid_request",
                "PKCE (code_challenge with S256) is required",
            ));
        }
        (None, None) => None,
        (None, Some(_)) => return Err(AuthorizeError::new("invalid_request", "code_challenge is missing")),
        (Some(_), Some("plain")) => {
            return Err(AuthorizeError::new(
                "invalid_request",
                "code_challenge_method plain is not allowed: use S256",
            ));
        }
        (Some(_), None) => {
            return Err(AuthorizeError::new(
                "invalid_request",
                "code_challenge_method is missing (only S256 is supported; plain is refused)",
            ));
        }
        (Some(_), Some(m)) if m != "S256" => {
            return Err(AuthorizeError::new(
                "invalid_request",
                "only code_challenge_method S256 is supported",
            ));
        }
        (Some(c), Some(_)) => {
            // A SHA-256 in base64url is 43 characters.
            if c.len() != 43 || !is_base64url(c) {
                return Err(AuthorizeError::new(
                    "invalid_request",
                    "code_challenge is not an S256 value",
                ));
            }
            Some(c.to_owned())
        }
    };
    let mut prompt = Prompt::default();
    for value in params.prompt.as_deref().unwrap_or_default().split_whitespace() {
        match value {
            "none" => prompt.none = true,
            "login" => prompt.login = true,
            "consent" => prompt.consent = true,
            "select_account" => {}
            other => {
                return Err(AuthorizeError::new(
                    "invalid_request",
                    format!("unknown prompt value {:?}", other.chars().take(40).collect::<String>()),
                ));
            }
        }
    }
    if prompt.none && (prompt.login || prompt.consent) {
        return Err(AuthorizeError::new(
            "invalid_request",
            "prompt=none cannot be combined with other values",
        ));
    }
    let max_age = match params.max_age.as_deref() {
        None => None,
        Some(text) => match text.parse::<i64>() {
            Ok(n) if n >= 0 => Some(n),
            _ => {
                return Err(AuthorizeError::new(
                    "invalid_request",
                    "max_age must be a number of seconds",
                ));
            }
        },
    };
    let base = if policy.require_key { Acr::Phr } else { Acr::Mfa };
    let acr = params
        .acr_values
        .as_deref()
        .and_then(Acr::requested)
        .map_or(base, |asked| asked.max(base));
    Ok(AuthorizeRequest {
        client_id: client_id.to_owned(),
        redirect_uri: redirect_uri.to_owned(),
        scope,
        state: params.state.clone(),
        nonce: params.nonce.clone(),
        code_challenge,
        prompt,
        max_age,
        login_hint: params.login_hint.clone().filter(|h| !h.is_empty()),
        ui_locales: params.ui_locales.clone(),
        acr,
        received_at: now,
    })
}

fn is_base64url(text: &str) -> bool {
    text.bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// What the user's browser session brings to a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionFacts {
    /// Password and second factor done (not stuck at setup or the challenge).
    pub authenticated: bool,
    /// When the password was verified.
    pub auth_time: UnixTime,
    pub amr: Vec<Amr>,
    /// The user has a security key to step up with.
    pub has_key: bool,
}

/// What must happen before a request can be answered with a code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NextStep {
    /// Log in (again): no session, an unfinished one, or one too old for `max_age` / `prompt=login`.
    Login,
    /// Logged in with the app; the service needs a security key: prove it now.
    StepUpWithKey,
    /// The service needs a security key and the user has none: explain how to add one.
    NoKey,
    /// A third-party service the user has not yet agreed to (for these scopes).
    Consent,
    /// Issue the code.
    Issue,
}

impl NextStep {
    /// With `prompt=none` nothing may be shown: the error to return instead (OpenID Connect Core
    /// §3.1.2.6), or `None` when the code can be issued.
    pub fn silent_error(self) -> Option<&'static str> {
        match self {
            NextStep::Login => Some("login_required"),
            NextStep::StepUpWithKey | NextStep::NoKey => Some("interaction_required"),
            NextStep::Consent => Some("consent_required"),
            NextStep::Issue => None,
        }
    }
}

/// Decides the next step of a request for a browser with (or without) a session.
pub fn next_step(
    request: &AuthorizeRequest,
    session: Option<&SessionFacts>,
    consent_needed: bool,
    now: UnixTime,
) -> NextStep {
    let Some(session) = session.filter(|s| s.authenticated) else {
        return NextStep::Login;
    };
    if request.prompt.login && session.auth_time < request.received_at {
        return NextStep::Login;
    }
    if let Some(max_age) = request.max_age
        && now.0 - session.auth_time.0 > max_age
    {
        return NextStep::Login;
    }
    let level = Acr::of(&session.amr);
    if level.is_none_or(|l| l < request.acr) {
        return if session.has_key {
            NextStep::StepUpWithKey
        } else {
            NextStep::NoKey
        };
    }
    if consent_needed || request.prompt.consent {
        return NextStep::Consent;
    }
    NextStep::Issue
}

/// The lifetimes a client may be given, in seconds: bounds for the console and the command line.
pub mod lifetimes {
    pub const ACCESS_DEFAULT: i64 = 300;
    pub const ACCESS_MIN: i64 = 60;
    /// Also how long a retired signing key stays published: no token outlives it.
    pub const ACCESS_MAX: i64 = 3600;
    pub const REFRESH_IDLE_DEFAULT: i64 = 30 * 60;
    pub const REFRESH_MAX_DEFAULT: i64 = 12 * 3600;
    pub const REFRESH_MIN: i64 = 60;
    pub const REFRESH_MAX: i64 = 90 * 24 * 3600;
    /// An authorization code lives at most this long (the issue: "within 60 s").
    pub const CODE: i64 = 60;
    /// An authorization request waits this long for the user to log in.
    pub const REQUEST: i64 = 30 * 60;
    /// ID tokens live as long as the client's access tokens; logout tokens this long.
    pub const LOGOUT_TOKEN: i64 = 120;
}

/// Checks a client's token lifetimes: each within bounds, idle not longer than absolute.
pub fn check_lifetimes(access: i64, refresh_idle: i64, refresh_max: i64) -> Result<(), &'static str> {
    use lifetimes::*;
    if !(ACCESS_MIN..=ACCESS_MAX).contains(&access) {
        return Err("the access-token lifetime must be between 1 minute and 1 hour");
    }
    if !(REFRESH_MIN..=REFRESH_MAX).contains(&refresh_idle) || !(REFRESH_MIN..=REFRESH_MAX).contains(&refresh_max) {
        return Err("refresh-token lifetimes must be between 1 minute and 90 days");
    }
    if refresh_idle > refresh_max {
        return Err("the idle refresh lifetime cannot be longer than the absolute one");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> ClientPolicy {
        ClientPolicy {
            redirect_uris: vec!["https://svc.example/cb".into()],
            public: false,
            scopes: Scopes::parse(DEFAULT_SCOPES).unwrap(),
            require_key: false,
        }
    }

    fn params() -> AuthorizeParams {
        AuthorizeParams {
            client_id: Some("c".into()),
            redirect_uri: Some("https://svc.example/cb".into()),
            response_type: Some("code".into()),
            scope: Some("openid email".into()),
            ..Default::default()
        }
    }

    const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

    #[test]
    fn pkce_matches_the_rfc_7636_appendix_b_example() {
        assert!(pkce_matches(CHALLENGE, VERIFIER));
        assert!(!pkce_matches(CHALLENGE, &VERIFIER.replace('d', "e")));
        assert!(!pkce_matches(CHALLENGE, "short"));
        assert!(!pkce_matches(VERIFIER, VERIFIER), "plain is never accepted");
    }

    #[test]
    fn redirect_uris_match_exactly() {
        let p = policy();
        assert_eq!(
            check_redirect(&p, Some("https://svc.example/cb")),
            Ok("https://svc.example/cb")
        );
        for bad in [
            "https://svc.example/cb/",
            "https://svc.example/cb?x=1",
            "https://SVC.example/cb",
            "https://svc.example/c",
        ] {
            assert_eq!(
                check_redirect(&p, Some(bad)),
                Err(RedirectRefusal::UnregisteredRedirectUri),
                "{bad}"
            );
        }
        assert_eq!(check_redirect(&p, None), Err(RedirectRefusal::NoRedirectUri));
    }

    #[test]
    fn registered_uris_are_https_or_loopback_without_wildcards() {
        for ok in [
            "https://a.example/cb",
            "http://127.0.0.1:8081/cb",
            "http://localhost/cb",
            "http://[::1]:9/cb",
        ] {
            assert_eq!(check_registered_uri(ok), Ok(()), "{ok}");
        }
        assert_eq!(check_registered_uri("http://a.example/cb"), Err(UriError::NotHttps));
        assert_eq!(check_registered_uri("https://*.example/cb"), Err(UriError::Wildcard));
        assert_eq!(check_registered_uri("https://a.example/cb#x"), Err(UriError::Fragment));
        assert_eq!(check_registered_uri("/cb"), Err(UriError::NotAbsolute));
        assert_eq!(
            check_registered_uri("javascript://x/%0aalert(1)"),
            Err(UriError::Scheme)
        );
        assert_eq!(
            check_registered_uri("http://localhost.evil.example/cb"),
            Err(UriError::NotHttps)
        );
        assert_eq!(
            check_registered_uri("https://user@a.example/cb"),
            Err(UriError::NotAbsolute)
        );
    }

    #[test]
    fn a_plain_request_is_accepted_with_the_mfa_level() {
        let r = check_request(&policy(), "c", "https://svc.example/cb", &params(), UnixTime(5)).unwrap();
        assert_eq!(r.acr, Acr::Mfa);
        assert_eq!(r.scope.to_string(), "openid email");
        assert_eq!(r.received_at, UnixTime(5));
    }

    fn error_of(p: &ClientPolicy, params: &AuthorizeParams) -> &'static str {
        check_request(p, "c", "https://svc.example/cb", params, UnixTime(0))
            .unwrap_err()
            .code
    }

    #[test]
    fn bad_requests_get_the_rfc_codes() {
        let p = policy();
        let with = |f: &dyn Fn(&mut AuthorizeParams)| {
            let mut x = params();
            f(&mut x);
            x
        };
        assert_eq!(
            error_of(&p, &with(&|x| x.response_type = Some("token".into()))),
            "unsupported_response_type"
        );
        assert_eq!(error_of(&p, &with(&|x| x.response_type = None)), "invalid_request");
        assert_eq!(
            error_of(&p, &with(&|x| x.scope = Some("openid admin".into()))),
            "invalid_scope"
        );
        assert_eq!(
            error_of(&p, &with(&|x| x.scope = Some("email".into()))),
            "invalid_scope"
        );
        assert_eq!(
            error_of(&p, &with(&|x| x.prompt = Some("none login".into()))),
            "invalid_request"
        );
        assert_eq!(
            error_of(&p, &with(&|x| x.max_age = Some("-1".into()))),
            "invalid_request"
        );
        assert_eq!(
            error_of(&p, &with(&|x| x.request = Some("x".into()))),
            "request_not_supported"
        );
        let plain = with(&|x| {
            x.code_challenge = Some(CHALLENGE.into());
            x.code_challenge_method = Some("plain".into());
        });
        assert_eq!(error_of(&p, &plain), "invalid_request");
        let no_method = with(&|x| x.code_challenge = Some(CHALLENGE.into()));
        assert_eq!(error_of(&p, &no_method), "invalid_request");
    }

    #[test]
    fn public_clients_need_pkce_confidential_ones_may_use_it() {
        let mut public = policy();
        public.public = true;
        assert_eq!(error_of(&public, &params()), "invalid_request");
        let mut with_pkce = params();
        with_pkce.code_challenge = Some(CHALLENGE.into());
        with_pkce.code_challenge_method = Some("S256".into());
        let r = check_request(&public, "c", "https://svc.example/cb", &with_pkce, UnixTime(0)).unwrap();
        assert_eq!(r.code_challenge.as_deref(), Some(CHALLENGE));
        assert!(check_request(&policy(), "c", "https://svc.example/cb", &with_pkce, UnixTime(0)).is_ok());
    }

    #[test]
    fn acr_values_can_raise_the_level_never_lower_it() {
        let mut p = params();
        p.acr_values = Some("phr".into());
        assert_eq!(
            check_request(&policy(), "c", "https://svc.example/cb", &p, UnixTime(0))
                .unwrap()
                .acr,
            Acr::Phr
        );
        p.acr_values = Some("urn:other mfa phr".into());
        assert_eq!(
            check_request(&policy(), "c", "https://svc.example/cb", &p, UnixTime(0))
                .unwrap()
                .acr,
            Acr::Mfa
        );
        let mut key_client = policy();
        key_client.require_key = true;
        p.acr_values = Some("mfa".into());
        assert_eq!(
            check_request(&key_client, "c", "https://svc.example/cb", &p, UnixTime(0))
                .unwrap()
                .acr,
            Acr::Phr
        );
    }

    fn request(acr: Acr) -> AuthorizeRequest {
        let mut r = check_request(&policy(), "c", "https://svc.example/cb", &params(), UnixTime(1000)).unwrap();
        r.acr = acr;
        r
    }

    fn session(amr: Vec<Amr>, auth_time: i64, has_key: bool) -> SessionFacts {
        SessionFacts {
            authenticated: true,
            auth_time: UnixTime(auth_time),
            amr,
            has_key,
        }
    }

    #[test]
    fn next_step_follows_session_strength_age_and_consent() {
        let now = UnixTime(1010);
        let app = session(vec![Amr::Pwd, Amr::Otp], 900, true);
        let key = session(vec![Amr::Pwd, Amr::Hwk], 900, true);
        assert_eq!(next_step(&request(Acr::Mfa), None, false, now), NextStep::Login);
        let mut unfinished = app.clone();
        unfinished.authenticated = false;
        assert_eq!(
            next_step(&request(Acr::Mfa), Some(&unfinished), false, now),
            NextStep::Login
        );
        assert_eq!(next_step(&request(Acr::Mfa), Some(&app), false, now), NextStep::Issue);
        assert_eq!(next_step(&request(Acr::Mfa), Some(&app), true, now), NextStep::Consent);
        assert_eq!(
            next_step(&request(Acr::Phr), Some(&app), false, now),
            NextStep::StepUpWithKey
        );
        assert_eq!(next_step(&request(Acr::Phr), Some(&key), false, now), NextStep::Issue);
        let app_only = session(vec![Amr::Pwd, Amr::Otp], 900, false);
        assert_eq!(
            next_step(&request(Acr::Phr), Some(&app_only), false, now),
            NextStep::NoKey
        );

        let mut login = request(Acr::Mfa);
        login.prompt.login = true;
        assert_eq!(next_step(&login, Some(&app), false, now), NextStep::Login);
        let fresh = session(vec![Amr::Pwd, Amr::Otp], 1005, true);
        assert_eq!(next_step(&login, Some(&fresh), false, now), NextStep::Issue);

        let mut aged = request(Acr::Mfa);
        aged.max_age = Some(100);
        assert_eq!(next_step(&aged, Some(&app), false, now), NextStep::Login);
        aged.max_age = Some(110);
        assert_eq!(next_step(&aged, Some(&app), false, now), NextStep::Issue);
    }

    #[test]
    fn silent_errors_are_the_oidc_codes() {
        assert_eq!(NextStep::Login.silent_error(), Some("login_required"));
        assert_eq!(NextStep::StepUpWithKey.silent_error(), Some("interaction_required"));
        assert_eq!(NextStep::Consent.silent_error(), Some("consent_required"));
        assert_eq!(NextStep::Issue.silent_error(), None);
    }

    #[test]
    fn amr_claim_adds_mfa() {
        assert_eq!(amr_claim(&[Amr::Pwd, Amr::Otp]), ["pwd", "otp", "mfa"]);
        assert_eq!(amr_claim(&[Amr::Pwd, Amr::Hwk, Amr::Pin]), ["pwd", "hwk", "pin", "mfa"]);
        assert_eq!(amr_claim(&[Amr::Pwd]), ["pwd"]);
    }

    #[test]
    fn scopes_parse_dedupe_and_compare() {
        let s = Scopes::parse("openid  email openid").unwrap();
        assert_eq!(s.to_string(), "openid email");
        assert!(Scopes::parse("openid \"x").is_err());
        let all = Scopes::parse(DEFAULT_SCOPES).unwrap();
        assert!(s.within(&all));
        assert_eq!(all.missing_from(&s).to_string(), "profile org offline_access");
        assert_eq!(s.union(&Scopes::parse("org").unwrap()).to_string(), "openid email org");
    }

    #[test]
    fn lifetimes_are_bounded() {
        assert!(check_lifetimes(300, 1800, 43200).is_ok());
        assert!(check_lifetimes(30, 1800, 43200).is_err());
        assert!(check_lifetimes(300, 50000, 43200).is_err());
    }
}
