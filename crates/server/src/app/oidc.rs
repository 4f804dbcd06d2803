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

use std::collections::HashSet;

use portcullis_core::oidc::{
    self, Acr, AuthorizeError, AuthorizeParams, AuthorizeRequest, ClientPolicy, NextStep, RedirectRefusal, Scopes,
    SessionFacts, amr_claim, lifetimes, next_step, pkce_matches,
};
use portcullis_core::{LoginStage, PlainToken, TokenHash, TokenKind, UnixTime, UserId, UserStatus};
use portcullis_store::Tx;
use portcullis_store::oidc::{ClientRecord, CodeRecord, GrantRecord, LogoutDelivery, Redeemed, RefreshRecord};
use serde_json::{Value, json};
use subtle::ConstantTimeEq;
use url::Url;

use super::login::CurrentSession;
use super::{App, AppError, Client, event, random};

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

/// What the authorization endpoint does with a request.
#[derive(Debug)]
pub enum Authorize {
    /// The request cannot be trusted with a redirect: show an error page.
    Refused(RedirectRefusal),
    /// Send the browser to the service (with a code or an error).
    Redirect(String),
    /// Keep the request (its handle goes in a cookie) while the user does `Interaction`.
    Interact { handle: PlainToken, next: Interaction },
    /// The request is gone: expired, or answered in another tab.
    Gone,
}

/// What the user must do before the service gets its answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Interaction {
    /// Log in (again); `hint` is the service's `login_hint`.
    Login {
        hint: Option<String>,
    },
    StepUp,
    NoKey {
        client_name: String,
    },
    Consent {
        client_name: String,
        scopes: Vec<String>,
    },
}

/// The grant types (for audit records).
const CODE: &str = "authorization_code";
const REFRESH: &str = "refresh_token";
const CLIENT_CREDENTIALS: &str = "client_credentials";

/// The `events` claim of a logout token.
pub const BACKCHANNEL_EVENT: &str = "http://schemas.openid.net/event/backchannel-logout";

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
    {
        let mut query = url.query_pairs_mut();
        for (name, value) in params {
            if let Some(value) = value {
                query.append_pair(name, value);
            }
        }
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

    fn error_redirect(&self, request_uri: &str, state: Option<&str>, err: &AuthorizeError) -> Result<String, AppError> {
        let issuer = self.issuer();
        with_params(
            request_uri,
            &[
                ("error", Some(err.code)),
                ("error_description", Some(&err.description)),
                ("state", state),
                ("iss", Some(&issuer)),
            ],
        )
    }

    /// The authorization endpoint: checks the request and answers at once when it can (a session of
    /// the right strength, or `prompt=none`); otherwise keeps it for after the login.
    pub async fn authorize(
        &self,
        params: &AuthorizeParams,
        session: Option<&CurrentSession>,
        client: &Client,
    ) -> Result<Authorize, AppError> {
        let Some(client_id) = params.client_id.as_deref().filter(|c| !c.is_empty()) else {
            return Ok(Authorize::Refused(RedirectRefusal::NoClient));
        };
        let now = self.now();
        let Some(service) = self
            .store
            .read()
            .await?
            .find_client(client_id)
            .await?
            .filter(|c| c.enabled)
        else {
            return Ok(Authorize::Refused(RedirectRefusal::UnknownClient));
        };
        let policy = policy(&service);
        let redirect_uri = match oidc::check_redirect(&policy, params.redirect_uri.as_deref()) {
            Ok(uri) => uri,
            Err(refusal) => return Ok(Authorize::Refused(refusal)),
        };
        let request = match oidc::check_request(&policy, client_id, redirect_uri, params, now) {
            Ok(request) => request,
            Err(err) => {
                self.audit_refusal(None, client_id, "authorize", err.code, client)
                    .await?;
                return Ok(Authorize::Redirect(self.error_redirect(
                    redirect_uri,
                    params.state.as_deref(),
                    &err,
                )?));
            }
        };
        self.answer(&service, request, None, session, client).await
    }

    /// After the login (or a step of it): the request kept under `handle` is looked at again.
    pub async fn resume_authorization(
        &self,
        handle: &str,
        session: Option<&CurrentSession>,
        client: &Client,
    ) -> Result<Authorize, AppError> {
        let Some((hash, request)) = self.waiting_request(handle).await? else {
            return Ok(Authorize::Gone);
        };
        let Some(service) = self
            .store
            .read()
            .await?
            .find_client(&request.client_id)
            .await?
            .filter(|c| c.enabled)
        else {
            return Ok(Authorize::Gone);
        };
        self.answer(&service, request, Some((hash, handle)), session, client)
            .await
    }

    async fn waiting_request(&self, handle: &str) -> Result<Option<(TokenHash, AuthorizeRequest)>, AppError> {
        let Ok(token) = PlainToken::parse(TokenKind::AuthRequest, handle) else {
            return Ok(None);
        };
        let hash = token.hash();
        let now = self.now();
        let Some(params) = self.store.read().await?.find_auth_request(&hash, now).await? else {
            return Ok(None);
        };
        let request: AuthorizeRequest =
            serde_json::from_str(&params).map_err(|e| AppError::Internal(format!("stored request: {e}")))?;
        Ok(Some((hash, request)))
    }

    /// Decides and acts: a code, an error for the service, or an interaction with the user.
    async fn answer(
        &self,
        service: &ClientRecord,
        request: AuthorizeRequest,
        kept: Option<(TokenHash, &str)>,
        session: Option<&CurrentSession>,
        client: &Client,
    ) -> Result<Authorize, AppError> {
        let now = self.now();
        let step = self.next_step_for(service, &request, session, now).await?;
        if step == NextStep::Issue
            && let Some(session) = session
        {
            let mut tx = self.store.begin().await?;
            if let Some((hash, _)) = &kept
                && !tx.delete_auth_request(hash).await?
            {
                return Ok(Authorize::Gone);
            }
            let url = self
                .issue_code(&mut tx, service, &request, session, client, now)
                .await?;
            tx.commit().await?;
            return Ok(Authorize::Redirect(url));
        }
        if request.prompt.none {
            let code = step.silent_error().unwrap_or("login_required");
            let err = AuthorizeError::new(code, "the user must interact with Portcullis first");
            if let Some((hash, _)) = &kept {
                let mut tx = self.store.begin().await?;
                tx.delete_auth_request(hash).await?;
                tx.commit().await?;
            }
            return Ok(Authorize::Redirect(self.error_redirect(
                &request.redirect_uri,
                request.state.as_deref(),
                &err,
            )?));
        }
        let next = match step {
            NextStep::Login | NextStep::Issue => Interaction::Login {
                hint: request.login_hint.clone(),
            },
            NextStep::StepUpWithKey => Interaction::StepUp,
            NextStep::NoKey => Interaction::NoKey {
                client_name: service.name.clone(),
            },
            NextStep::Consent => Interaction::Consent {
                client_name: service.name.clone(),
                scopes: request.scope.iter().map(str::to_owned).collect(),
            },
        };
        let handle = match kept {
            Some((_, handle)) => {
                PlainToken::parse(TokenKind::AuthRequest, handle).map_err(|_| AppError::Internal("handle".into()))?
            }
            None => {
                let handle = random::token(TokenKind::AuthRequest)?;
                let params = serde_json::to_string(&request).map_err(|e| AppError::Internal(e.to_string()))?;
                let mut tx = self.store.begin().await?;
                tx.insert_auth_request(
                    &handle.hash(),
                    &service.id,
                    &params,
                    now,
                    now.plus_secs(lifetimes::REQUEST),
                )
                .await?;
                tx.commit().await?;
                handle
            }
        };
        Ok(Authorize::Interact { handle, next })
    }

    async fn next_step_for(
        &self,
        service: &ClientRecord,
        request: &AuthorizeRequest,
        session: Option<&CurrentSession>,
        now: UnixTime,
    ) -> Result<NextStep, AppError> {
        let Some(session) = session.filter(|s| s.stage == LoginStage::Authenticated) else {
            return Ok(next_step(request, None, false, now));
        };
        let mut tx = self.store.read().await?;
        let has_key = request.acr == Acr::Phr && tx.mfa_summary(session.user.id).await?.keys > 0;
        let consent_needed = service.consent
            && !tx
                .find_consent(session.user.id, &service.id)
                .await?
                .is_some_and(|given| request.scope.within(&given));
        drop(tx);
        let facts = SessionFacts {
            authenticated: true,
            auth_time: session.created_at,
            amr: session.amr.clone(),
            has_key,
        };
        Ok(next_step(request, Some(&facts), consent_needed, now))
    }

    /// The user's answer on the consent page.
    pub async fn answer_consent(
        &self,
        handle: &str,
        session: &CurrentSession,
        allow: bool,
        client: &Client,
    ) -> Result<Authorize, AppError> {
        let Some((hash, request)) = self.waiting_request(handle).await? else {
            return Ok(Authorize::Gone);
        };
        if !allow {
            return self
                .deny(hash, &request, "access_denied", "the user declined", client)
                .await;
        }
        let now = self.now();
        let mut tx = self.store.begin().await?;
        let given = tx
            .find_consent(session.user.id, &request.client_id)
            .await?
            .unwrap_or_default();
        tx.save_consent(session.user.id, &request.client_id, &given.union(&request.scope), now)
            .await?;
        let detail = json!({ "client_id": request.client_id, "scope": request.scope.to_string() });
        tx.append_audit(&super::own_event(session, now, "oidc_consent_given", client, detail))
            .await?;
        tx.commit().await?;
        self.resume_authorization(handle, Some(session), client).await
    }

    /// The user gave up (declined consent, or has no security key): the service hears `access_denied`.
    pub async fn cancel_authorization(&self, handle: &str, client: &Client) -> Result<Authorize, AppError> {
        let Some((hash, request)) = self.waiting_request(handle).await? else {
            return Ok(Authorize::Gone);
        };
        self.deny(hash, &request, "access_denied", "the user cancelled", client)
            .await
    }

    async fn deny(
        &self,
        hash: TokenHash,
        request: &AuthorizeRequest,
        code: &'static str,
        why: &str,
        client: &Client,
    ) -> Result<Authorize, AppError> {
        let mut tx = self.store.begin().await?;
        if !tx.delete_auth_request(&hash).await? {
            return Ok(Authorize::Gone);
        }
        tx.commit().await?;
        self.audit_refusal(None, &request.client_id, "authorize", code, client)
            .await?;
        let err = AuthorizeError::new(code, why);
        Ok(Authorize::Redirect(self.error_redirect(
            &request.redirect_uri,
            request.state.as_deref(),
            &err,
        )?))
    }

    /// Creates the grant and its code in `tx`; returns the redirect to the service.
    async fn issue_code(
        &self,
        tx: &mut Tx,
        service: &ClientRecord,
        request: &AuthorizeRequest,
        session: &CurrentSession,
        client: &Client,
        now: UnixTime,
    ) -> Result<String, AppError> {
        let acr = Acr::of(&session.amr).ok_or(AppError::WrongStage)?;
        let grant = GrantRecord {
            id: new_id()?,
            client_id: service.id.clone(),
            user_id: session.user.id,
            sid: session.sid.clone(),
            scope: request.scope.clone(),
            amr: session.amr.clone(),
            acr,
            auth_time: session.created_at,
            created_at: now,
            expires_at: now.plus_secs(service.refresh_max_ttl),
            revoked_at: None,
        };
        tx.insert_grant(&grant).await?;
        let code = random::token(TokenKind::AuthCode)?;
        tx.insert_code(
            &code.hash(),
            &CodeRecord {
                grant_id: grant.id.clone(),
                redirect_uri: request.redirect_uri.clone(),
                code_challenge: request.code_challenge.clone(),
                nonce: request.nonce.clone(),
                created_at: now,
                expires_at: now.plus_secs(lifetimes::CODE),
            },
        )
        .await?;
        let detail = json!({ "client_id": service.id, "client": service.name, "acr": acr.as_str() });
        tx.append_audit(&super::own_event(session, now, "oidc_login", client, detail))
            .await?;
        let issuer = self.issuer();
        with_params(
            &request.redirect_uri,
            &[
                ("code", Some(code.expose())),
                ("state", request.state.as_deref()),
                ("iss", Some(&issuer)),
            ],
        )
    }

    // ---- the token endpoint ----

    /// Authenticates the calling client: `client_secret_basic`, `client_secret_post`, or `none` for
    /// a public client (which then must prove PKCE or hold a refresh token).
    async fn authenticate_client(&self, tx: &mut Tx, auth: &ClientAuth) -> Result<ClientRecord, OidcError> {
        let (id, secret) = match (&auth.basic, &auth.client_id, &auth.client_secret) {
            (Some(_), _, Some(_)) => {
                return Err(OidcError::new(
                    400,
                    "invalid_request",
                    "use one client authentication method",
                ));
            }
            (Some((id, secret)), form_id, None) => {
                if form_id.as_ref().is_some_and(|f| f != id) {
                    return Err(OidcError::new(
                        400,
                        "invalid_request",
                        "client_id differs from the Basic credentials",
                    ));
                }
                (id.as_str(), Some(secret.as_str()))
            }
            (None, Some(id), secret) => (id.as_str(), secret.as_deref()),
            (None, None, _) => return Err(OidcError::client("client authentication is missing")),
        };
        let Some(service) = tx.find_client(id).await?.filter(|c| c.enabled) else {
            return Err(OidcError::client("unknown client or wrong secret"));
        };
        match (&service.secret_hash, secret) {
            (None, None) => Ok(service),
            (None, Some(_)) => Err(OidcError::client("a public client has no secret")),
            (Some(_), None) => Err(OidcError::client("client authentication is missing")),
            (Some(stored), Some(given)) => {
                let given = portcullis_core::token::sha256_hex(given);
                if bool::from(given.as_bytes().ct_eq(stored.as_bytes())) {
                    Ok(service)
                } else {
                    Err(OidcError::client("unknown client or wrong secret"))
                }
            }
        }
    }

    /// The token endpoint. Refusals are audited (`oidc_token_refused`); a replayed code or refresh
    /// token revokes its grant and is audited as such.
    pub async fn token(
        &self,
        params: &TokenParams,
        auth: &ClientAuth,
        client: &Client,
    ) -> Result<TokenResponse, OidcError> {
        let grant_type = params.grant_type.clone().unwrap_or_default();
        let claimed_id = auth
            .basic
            .as_ref()
            .map(|(id, _)| id.clone())
            .or_else(|| auth.client_id.clone())
            .unwrap_or_default();
        let result = match grant_type.as_str() {
            CODE => self.code_grant(params, auth).await,
            REFRESH => self.refresh_grant(params, auth).await,
            CLIENT_CREDENTIALS => self.client_credentials_grant(params, auth).await,
            "" => Err(OidcError::new(400, "invalid_request", "grant_type is missing")),
            _ => Err(OidcError::new(
                400,
                "unsupported_grant_type",
                "this grant type is not supported",
            )),
        };
        if let Err(err @ OidcError::Protocol { .. }) = &result {
            let kind: &str = match grant_type.as_str() {
                CODE => CODE,
                REFRESH => REFRESH,
                CLIENT_CREDENTIALS => CLIENT_CREDENTIALS,
                _ => "other",
            };
            self.audit_refusal(None, &claimed_id, kind, err.code(), client).await?;
        }
        result
    }

    async fn audit_refusal(
        &self,
        user: Option<UserId>,
        client_id: &str,
        grant_type: &str,
        error: &str,
        client: &Client,
    ) -> Result<(), AppError> {
        let now = self.now();
        let mut tx = self.store.begin().await?;
        let client_id: String = client_id.chars().take(64).collect();
        let detail = json!({ "client_id": client_id, "grant_type": grant_type, "error": error });
        tx.append_audit(&event(now, "oidc_token_refused", None, user, None, client, detail))
            .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn code_grant(&self, params: &TokenParams, auth: &ClientAuth) -> Result<TokenResponse, OidcError> {
        let now = self.now();
        let mut tx = self.store.begin().await?;
        let service = self.authenticate_client(&mut tx, auth).await?;
        let code = params
            .code
            .as_deref()
            .ok_or_else(|| OidcError::new(400, "invalid_request", "code is missing"))?;
        let Ok(code) = PlainToken::parse(TokenKind::AuthCode, code) else {
            return Err(OidcError::grant("the code is not valid"));
        };
        let record = match tx.redeem_code(&code.hash(), now).await? {
            Redeemed::Unknown => return Err(OidcError::grant("the code is not valid")),
            Redeemed::Reused(record) => {
                // RFC 6749 §4.1.2: a code used twice revokes what was issued from it.
                let grant = tx.find_grant(&record.grant_id).await?;
                if tx.revoke_grant(&record.grant_id, now, "code_reused").await?
                    && let Some(grant) = &grant
                {
                    self.notify_logout(&mut tx, std::slice::from_ref(grant), now).await?;
                }
                let detail = json!({ "client_id": service.id, "grant": record.grant_id });
                let user = grant.map(|g| g.user_id);
                tx.append_audit(&event(
                    now,
                    "oidc_code_reused",
                    None,
                    user,
                    None,
                    &Client::default(),
                    detail,
                ))
                .await?;
                tx.commit().await?;
                return Err(OidcError::grant("the code was used already; what it issued is revoked"));
            }
            Redeemed::Fresh(record) => record,
        };
        if record.expires_at <= now {
            return Err(OidcError::grant("the code has expired"));
        }
        let grant = tx
            .find_grant(&record.grant_id)
            .await?
            .filter(|g| g.revoked_at.is_none())
            .ok_or_else(|| OidcError::grant("the code is not valid"))?;
        if grant.client_id != service.id {
            return Err(OidcError::grant("the code was issued to another client"));
        }
        if params.redirect_uri.as_deref() != Some(record.redirect_uri.as_str()) {
            return Err(OidcError::grant("redirect_uri differs from the authorization request"));
        }
        match (&record.code_challenge, params.code_verifier.as_deref()) {
            (Some(challenge), Some(verifier)) if pkce_matches(challenge, verifier) => {}
            (Some(_), Some(_)) => return Err(OidcError::grant("the PKCE code_verifier does not match")),
            (Some(_), None) => return Err(OidcError::grant("the PKCE code_verifier is missing")),
            (None, Some(_)) => return Err(OidcError::grant("no PKCE challenge was sent for this code")),
            (None, None) => {}
        }
        let facts = self.user_facts(&mut tx, &grant).await?;
        let refresh = self.new_refresh_token(&mut tx, &service, &grant, now).await?;
        tx.commit().await?;
        self.respond(&service, &grant, &facts, record.nonce.as_deref(), Some(refresh), now)
            .await
    }

    async fn refresh_grant(&self, params: &TokenParams, auth: &ClientAuth) -> Result<TokenResponse, OidcError> {
        let now = self.now();
        let mut tx = self.store.begin().await?;
        let service = self.authenticate_client(&mut tx, auth).await?;
        let token = params
            .refresh_token
            .as_deref()
            .ok_or_else(|| OidcError::new(400, "invalid_request", "refresh_token is missing"))?;
        let Ok(token) = PlainToken::parse(TokenKind::Refresh, token) else {
            return Err(OidcError::grant("the refresh token is not valid"));
        };
        let record = match tx.redeem_refresh_token(&token.hash(), now).await? {
            Redeemed::Unknown => return Err(OidcError::grant("the refresh token is not valid")),
            Redeemed::Reused(record) => {
                let grant = tx.find_grant(&record.grant_id).await?;
                if grant.as_ref().is_some_and(|g| g.client_id == service.id) {
                    // A rotated token came back: whoever holds the family, it is compromised.
                    if tx.revoke_grant(&record.grant_id, now, "refresh_token_reused").await?
                        && let Some(grant) = &grant
                    {
                        self.notify_logout(&mut tx, std::slice::from_ref(grant), now).await?;
                    }
                    let detail = json!({ "client_id": service.id, "grant": record.grant_id });
                    let user = grant.map(|g| g.user_id);
                    tx.append_audit(&event(
                        now,
                        "oidc_refresh_reused",
                        None,
                        user,
                        None,
                        &Client::default(),
                        detail,
                    ))
                    .await?;
                    tx.commit().await?;
                }
                return Err(OidcError::grant(
                    "the refresh token was used already; its family is revoked",
                ));
            }
            Redeemed::Fresh(record) => record,
        };
        if record.expires_at <= now {
            return Err(OidcError::grant("the refresh token has expired"));
        }
        let grant = tx
            .find_grant(&record.grant_id)
            .await?
            .ok_or_else(|| OidcError::grant("the refresh token is not valid"))?;
        if grant.client_id != service.id {
            return Err(OidcError::grant("the refresh token was issued to another client"));
        }
        if grant.revoked_at.is_some() || grant.expires_at <= now {
            return Err(OidcError::grant("the refresh token has been revoked or has expired"));
        }
        let mut grant = grant;
        if let Some(scope) = params.scope.as_deref() {
            let asked = Scopes::parse(scope).map_err(|e| OidcError::new(400, "invalid_scope", e.to_string()))?;
            if !asked.within(&grant.scope) {
                return Err(OidcError::new(400, "invalid_scope", "a refresh cannot widen the scope"));
            }
            grant.scope = asked;
        }
        let facts = self.user_facts(&mut tx, &grant).await?;
        let refresh = self.new_refresh_token(&mut tx, &service, &grant, now).await?;
        tx.commit().await?;
        self.respond(&service, &grant, &facts, None, Some(refresh), now).await
    }

    async fn client_credentials_grant(
        &self,
        params: &TokenParams,
        auth: &ClientAuth,
    ) -> Result<TokenResponse, OidcError> {
        let now = self.now();
        let service = {
            let mut tx = self.store.read().await?;
            self.authenticate_client(&mut tx, auth).await?
        };
        if service.is_public() {
            return Err(OidcError::new(
                400,
                "unauthorized_client",
                "a public client cannot use client_credentials",
            ));
        }
        let own = Scopes::parse(
            &service
                .scopes
                .iter()
                .filter(|s| !is_user_scope(s))
                .collect::<Vec<_>>()
                .join(" "),
        )
        .unwrap_or_default();
        let scope = match params.scope.as_deref() {
            None => own,
            Some(asked) => {
                let asked = Scopes::parse(asked).map_err(|e| OidcError::new(400, "invalid_scope", e.to_string()))?;
                if !asked.within(&own) {
                    return Err(OidcError::new(
                        400,
                        "invalid_scope",
                        "client_credentials tokens carry only scopes registered for the service (not openid or profile scopes)",
                    ));
                }
                asked
            }
        };
        let claims = json!({
            "iss": self.issuer(),
            "sub": service.id,
            "aud": service.id,
            "client_id": service.id,
            "iat": now.0,
            "exp": now.0 + service.access_ttl,
            "jti": new_id()?,
            "scope": scope.to_string(),
        });
        let access_token = self.sign_jwt(service.signing_alg, "at+jwt", &claims).await?;
        Ok(TokenResponse {
            access_token,
            token_type: "Bearer",
            expires_in: service.access_ttl,
            refresh_token: None,
            id_token: None,
            scope: scope.to_string(),
        })
    }

    async fn new_refresh_token(
        &self,
        tx: &mut Tx,
        service: &ClientRecord,
        grant: &GrantRecord,
        now: UnixTime,
    ) -> Result<PlainToken, AppError> {
        let token = random::token(TokenKind::Refresh)?;
        let expires_at = UnixTime(now.plus_secs(service.refresh_idle_ttl).0.min(grant.expires_at.0));
        tx.insert_refresh_token(
            &token.hash(),
            &RefreshRecord {
                grant_id: grant.id.clone(),
                created_at: now,
                expires_at,
            },
        )
        .await?;
        Ok(token)
    }

    /// The user's claims for a grant's scope; the user must still be active.
    async fn user_facts(&self, tx: &mut Tx, grant: &GrantRecord) -> Result<serde_json::Map<String, Value>, OidcError> {
        let user = tx
            .find_user(grant.user_id)
            .await?
            .filter(|u| u.status == UserStatus::Active)
            .ok_or_else(|| OidcError::grant("the user's account is not active"))?;
        let mut claims = serde_json::Map::new();
        claims.insert("sub".into(), json!(user.id.to_string()));
        if grant.scope.contains("email") {
            claims.insert("email".into(), json!(user.email.as_str()));
            // Every address was proven by an invitation or registration link.
            claims.insert("email_verified".into(), json!(true));
        }
        if grant.scope.contains("profile") {
            if let Some(name) = &user.display_name {
                claims.insert("name".into(), json!(name.as_str()));
            }
            claims.insert("locale".into(), json!(user.locale.as_deref().unwrap_or("en")));
        }
        if grant.scope.contains("org") {
            let mut roles = Vec::new();
            if let Some((org_id, role)) = user.org {
                if let Some(org) = tx.find_org(org_id).await? {
                    claims.insert(
                        "org".into(),
                        json!({ "id": org.id.to_string(), "name": org.name.as_str() }),
                    );
                }
                roles.push(role.as_str());
            }
            if let Some(role) = user.platform_role {
                roles.push(role.as_str());
            }
            claims.insert("roles".into(), json!(roles));
        }
        Ok(claims)
    }

    /// Signs the access token and ID token of a grant.
    async fn respond(
        &self,
        service: &ClientRecord,
        grant: &GrantRecord,
        facts: &serde_json::Map<String, Value>,
        nonce: Option<&str>,
        refresh: Option<PlainToken>,
        now: UnixTime,
    ) -> Result<TokenResponse, OidcError> {
        let issuer = self.issuer();
        let exp = now.0 + service.access_ttl;
        let amr = amr_claim(&grant.amr);
        let access = json!({
            "iss": issuer,
            "sub": grant.user_id.to_string(),
            "aud": service.id,
            "client_id": service.id,
            "iat": now.0,
            "exp": exp,
            "jti": new_id()?,
            "scope": grant.scope.to_string(),
            "auth_time": grant.auth_time.0,
            "acr": grant.acr.as_str(),
            "amr": amr,
            "sid": grant.sid,
            "gid": grant.id,
        });
        let mut id = facts.clone();
        for (k, v) in [
            ("iss", json!(issuer)),
            ("aud", json!(service.id)),
            ("azp", json!(service.id)),
            ("iat", json!(now.0)),
            ("exp", json!(exp)),
            ("auth_time", json!(grant.auth_time.0)),
            ("acr", json!(grant.acr.as_str())),
            ("amr", json!(amr)),
        ] {
            id.insert(k.into(), v);
        }
        if let Some(sid) = &grant.sid {
            id.insert("sid".into(), json!(sid));
        }
        if let Some(nonce) = nonce {
            id.insert("nonce".into(), json!(nonce));
        }
        let access_token = self.sign_jwt(service.signing_alg, "at+jwt", &access).await?;
        let id_token = if grant.scope.contains(oidc::SCOPE_OPENID) {
            Some(self.sign_jwt(service.signing_alg, "JWT", &Value::Object(id)).await?)
        } else {
            None
        };
        Ok(TokenResponse {
            access_token,
            token_type: "Bearer",
            expires_in: service.access_ttl,
            refresh_token: refresh.map(|t| t.expose().to_owned()),
            id_token,
            scope: grant.scope.to_string(),
        })
    }

    // ---- userinfo, introspection, revocation ----

    /// Verifies a user access token and returns its claims and live grant.
    async fn live_access_token(&self, token: &str) -> Result<(Value, GrantRecord), OidcError> {
        let claims = self
            .verify_jwt(token, true)
            .await
            .map_err(|_| OidcError::token("the access token is not valid"))?;
        let Some(gid) = claims.get("gid").and_then(Value::as_str) else {
            return Err(OidcError::token("not a user access token"));
        };
        let now = self.now();
        let grant = self
            .store
            .read()
            .await?
            .find_grant(gid)
            .await?
            .filter(|g| g.revoked_at.is_none() && g.expires_at > now)
            .ok_or_else(|| OidcError::token("the access token has been revoked"))?;
        Ok((claims, grant))
    }

    /// The userinfo endpoint: the claims of the token's scope, for a live grant of an active user.
    pub async fn userinfo(&self, bearer: &str) -> Result<Value, OidcError> {
        let (claims, mut grant) = self.live_access_token(bearer).await?;
        if let Some(scope) = claims.get("scope").and_then(Value::as_str) {
            grant.scope = Scopes::parse(scope).unwrap_or_default();
        }
        let mut tx = self.store.read().await?;
        let facts = self
            .user_facts(&mut tx, &grant)
            .await
            .map_err(|_| OidcError::token("the user's account is not active"))?;
        Ok(Value::Object(facts))
    }

    /// RFC 7662. Any confidential client may ask about access tokens; refresh tokens only about its own.
    pub async fn introspect(&self, token: &str, auth: &ClientAuth) -> Result<Value, OidcError> {
        let now = self.now();
        let caller = {
            let mut tx = self.store.read().await?;
            self.authenticate_client(&mut tx, auth).await?
        };
        if caller.is_public() {
            return Err(OidcError::client("a public client cannot introspect"));
        }
        let inactive = json!({ "active": false });
        if token.starts_with("pcr_") {
            let Ok(plain) = PlainToken::parse(TokenKind::Refresh, token) else {
                return Ok(inactive);
            };
            let mut tx = self.store.read().await?;
            let Redeemed::Fresh(record) = tx.find_refresh_token(&plain.hash()).await? else {
                return Ok(inactive);
            };
            let Some(grant) = tx.find_grant(&record.grant_id).await? else {
                return Ok(inactive);
            };
            if grant.client_id != caller.id || grant.revoked_at.is_some() || record.expires_at <= now {
                return Ok(inactive);
            }
            return Ok(json!({
                "active": true,
                "token_type": "refresh_token",
                "client_id": grant.client_id,
                "sub": grant.user_id.to_string(),
                "scope": grant.scope.to_string(),
                "iat": record.created_at.0,
                "exp": record.expires_at.0,
                "iss": self.issuer(),
            }));
        }
        let Ok(claims) = self.verify_jwt(token, true).await else {
            return Ok(inactive);
        };
        if claims.get("client_id").is_none() {
            return Ok(inactive); // an ID token or logout token is not an access token
        }
        if let Some(gid) = claims.get("gid").and_then(Value::as_str) {
            let live = self
                .store
                .read()
                .await?
                .find_grant(gid)
                .await?
                .is_some_and(|g| g.revoked_at.is_none() && g.expires_at > now);
            if !live {
                return Ok(inactive);
            }
        }
        let mut out = json!({ "active": true, "token_type": "Bearer" });
        for key in [
            "iss",
            "sub",
            "aud",
            "client_id",
            "scope",
            "exp",
            "iat",
            "jti",
            "auth_time",
            "acr",
            "amr",
            "sid",
        ] {
            if let Some(v) = claims.get(key).filter(|v| !v.is_null()) {
                out[key] = v.clone();
            }
        }
        Ok(out)
    }

    /// RFC 7009: revokes the grant behind a refresh token or user access token of the calling client
    /// (its whole family). Unknown tokens and other clients' tokens change nothing, and the answer is
    /// the same.
    pub async fn revoke(&self, token: &str, auth: &ClientAuth, client: &Client) -> Result<(), OidcError> {
        let now = self.now();
        let mut tx = self.store.begin().await?;
        let caller = self.authenticate_client(&mut tx, auth).await?;
        let grant_id = if let Ok(plain) = PlainToken::parse(TokenKind::Refresh, token) {
            match tx.find_refresh_token(&plain.hash()).await? {
                Redeemed::Fresh(r) | Redeemed::Reused(r) => Some(r.grant_id),
                Redeemed::Unknown => None,
            }
        } else {
            match self.verify_jwt(token, false).await {
                Ok(claims) if claims.get("client_id").and_then(Value::as_str) == Some(caller.id.as_str()) => {
                    claims.get("gid").and_then(Value::as_str).map(str::to_owned)
                }
                _ => None,
            }
        };
        let Some(grant) = (match grant_id {
            Some(id) => tx.find_grant(&id).await?,
            None => None,
        }) else {
            return Ok(());
        };
        if grant.client_id != caller.id {
            return Ok(());
        }
        if tx.revoke_grant(&grant.id, now, "revoked_by_client").await? {
            let detail = json!({ "client_id": caller.id, "grant": grant.id });
            tx.append_audit(&event(
                now,
                "oidc_token_revoked",
                None,
                Some(grant.user_id),
                None,
                client,
                detail,
            ))
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    // ---- logout ----

    /// Revokes every grant of a user and tells the services that registered for back-channel logout
    /// (MFA reset, disable, password change, "log out everywhere"). Runs in the caller's transaction.
    pub(crate) async fn end_sso_of_user(
        &self,
        tx: &mut Tx,
        user: UserId,
        now: UnixTime,
        why: &str,
    ) -> Result<(), AppError> {
        let grants = tx.revoke_grants_of_user(user, now, why).await?;
        self.notify_logout(tx, &grants, now).await
    }

    /// Revokes the grants of one login session (its `sid`) and tells the services (logout).
    pub(crate) async fn end_sso_of_session(
        &self,
        tx: &mut Tx,
        sid: Option<&str>,
        now: UnixTime,
        why: &str,
    ) -> Result<(), AppError> {
        let Some(sid) = sid else { return Ok(()) };
        let grants = tx.revoke_grants_of_sid(sid, now, why).await?;
        self.notify_logout(tx, &grants, now).await
    }

    /// Queues one logout token per service and session among `grants`, for services with a
    /// back-channel logout URI.
    async fn notify_logout(&self, tx: &mut Tx, grants: &[GrantRecord], now: UnixTime) -> Result<(), AppError> {
        let mut seen = HashSet::new();
        for grant in grants {
            if !seen.insert((grant.client_id.clone(), grant.sid.clone(), grant.user_id)) {
                continue;
            }
            let wants = tx
                .find_client(&grant.client_id)
                .await?
                .is_some_and(|c| c.backchannel_logout_uri.is_some());
            if wants {
                tx.enqueue_logout_delivery(&LogoutDelivery {
                    id: new_id()?,
                    client_id: grant.client_id.clone(),
                    user_id: grant.user_id,
                    sid: grant.sid.clone(),
                    created_at: now,
                    attempts: 0,
                })
                .await?;
            }
        }
        Ok(())
    }

    /// Checks an RP-initiated logout request (OpenID Connect RP-Initiated Logout 1.0): the
    /// `id_token_hint` must be ours (it may have expired), the `post_logout_redirect_uri` registered
    /// for the client it names.
    pub async fn check_logout(&self, params: &LogoutParams) -> Result<LogoutPlan, LogoutRefusal> {
        let mut hint_sub = None;
        let mut hint_sid = None;
        let mut client_id = params.client_id.clone().filter(|c| !c.is_empty());
        if let Some(hint) = params.id_token_hint.as_deref().filter(|h| !h.is_empty()) {
            let claims = self.verify_jwt(hint, false).await.map_err(|_| LogoutRefusal::BadHint)?;
            // An ID token: not an access token (`client_id`) nor a logout token (`events`).
            if claims.get("client_id").is_some() || claims.get("events").is_some() {
                return Err(LogoutRefusal::BadHint);
            }
            let aud = match claims.get("aud") {
                Some(Value::String(a)) => a.clone(),
                Some(Value::Array(list)) => list.first().and_then(Value::as_str).unwrap_or_default().to_owned(),
                _ => return Err(LogoutRefusal::BadHint),
            };
            if client_id.as_ref().is_some_and(|c| c != &aud) {
                return Err(LogoutRefusal::ClientMismatch);
            }
            client_id = Some(aud);
            hint_sub = claims.get("sub").and_then(Value::as_str).map(str::to_owned);
            hint_sid = claims.get("sid").and_then(Value::as_str).map(str::to_owned);
        }
        let service = match &client_id {
            Some(id) => Some(
                self.store
                    .read()
                    .await
                    .map_err(|e| LogoutRefusal::Internal(e.into()))?
                    .find_client(id)
                    .await
                    .map_err(|e| LogoutRefusal::Internal(e.into()))?
                    .ok_or(LogoutRefusal::UnknownClient)?,
            ),
            None => None,
        };
        let redirect = match params.post_logout_redirect_uri.as_deref().filter(|u| !u.is_empty()) {
            None => None,
            Some(uri) => {
                let service = service.as_ref().ok_or(LogoutRefusal::RedirectWithoutClient)?;
                if !service.post_logout_uris.iter().any(|u| u == uri) {
                    return Err(LogoutRefusal::UnregisteredRedirect);
                }
                Some(with_params(uri, &[("state", params.state.as_deref())]).map_err(LogoutRefusal::Internal)?)
            }
        };
        Ok(LogoutPlan {
            client_name: service.map(|s| s.name),
            redirect,
            hint_sub,
            hint_sid,
        })
    }

    /// Delivers due back-channel logout tokens (a batch); returns how many were claimed.
    pub async fn deliver_logout_batch(&self) -> Result<usize, AppError> {
        let now = self.now();
        let mut tx = self.store.begin().await?;
        let due = tx.claim_due_logout_deliveries(now, now.plus_secs(60), 20).await?;
        tx.commit().await?;
        let claimed = due.len();
        for delivery in due {
            let outcome = self.post_logout_token(&delivery).await;
            let now = self.now();
            let mut tx = self.store.begin().await?;
            match outcome {
                Ok(()) => {
                    tx.mark_logout_delivered(&delivery.id, now).await?;
                }
                Err(error) => {
                    // 30 s doubling to an hour; given up a day after the logout.
                    let wait = 30i64 << delivery.attempts.clamp(0, 7);
                    let retry = (now.0 - delivery.created_at.0 < 24 * 3600).then(|| now.plus_secs(wait.min(3600)));
                    tx.mark_logout_failed(&delivery.id, now, retry, &error).await?;
                    if retry.is_none() {
                        let detail = json!({ "client_id": delivery.client_id, "error": error });
                        tx.append_audit(&event(
                            now,
                            "backchannel_logout_abandoned",
                            None,
                            Some(delivery.user_id),
                            None,
                            &Client::default(),
                            detail,
                        ))
                        .await?;
                    }
                }
            }
            tx.commit().await?;
        }
        Ok(claimed)
    }

    async fn post_logout_token(&self, delivery: &LogoutDelivery) -> Result<(), String> {
        let service = self
            .client(&delivery.client_id)
            .await
            .map_err(|e| format!("client: {e}"))?;
        let Some(uri) = service.backchannel_logout_uri.clone() else {
            return Err("the client no longer has a back-channel logout URI".into());
        };
        let now = self.now();
        let mut claims = json!({
            "iss": self.issuer(),
            "aud": service.id,
            "iat": now.0,
            "exp": now.0 + lifetimes::LOGOUT_TOKEN,
            "jti": new_id().map_err(|e| e.to_string())?,
            "sub": delivery.user_id.to_string(),
            "events": { BACKCHANNEL_EVENT: {} },
        });
        if let Some(sid) = &delivery.sid {
            claims["sid"] = json!(sid);
        }
        let token = self
            .sign_jwt(service.signing_alg, "logout+jwt", &claims)
            .await
            .map_err(|e| e.to_string())?;
        let response = self
            .http
            .post(uri)
            .form(&[("logout_token", token)])
            .send()
            .await
            .map_err(|e| format!("sending: {}", e.without_url()))?;
        if response.status().is_success() {
            Ok(())
        } else {
            Err(format!("the service answered {}", response.status().as_u16()))
        }
    }
}

/// The parameters of the end-session endpoint.
#[derive(Debug, Default, Clone, serde::Deserialize)]
pub struct LogoutParams {
    pub id_token_hint: Option<String>,
    pub post_logout_redirect_uri: Option<String>,
    pub state: Option<String>,
    pub client_id: Option<String>,
    pub ui_locales: Option<String>,
}

/// A checked logout request.
#[derive(Debug, Clone)]
pub struct LogoutPlan {
    pub client_name: Option<String>,
    /// Where to send the browser afterwards (with `state`), if the service asked and may.
    pub redirect: Option<String>,
    hint_sub: Option<String>,
    hint_sid: Option<String>,
}

impl LogoutPlan {
    /// Whether the request names this very session (then no confirmation is needed: the service
    /// that holds its ID token asks).
    pub fn names(&self, session: &CurrentSession) -> bool {
        match (&self.hint_sid, &session.sid) {
            (Some(hint), Some(sid)) => hint == sid,
            _ => self.hint_sub.as_deref() == Some(session.user.id.to_string().as_str()),
        }
    }
}

/// Why a logout request is shown an error page instead of redirecting.
#[derive(Debug, thiserror::Error)]
pub enum LogoutRefusal {
    #[error("the id_token_hint is not an ID token from this server")]
    BadHint,
    #[error("client_id does not match the id_token_hint")]
    ClientMismatch,
    #[error("the service is not registered here")]
    UnknownClient,
    #[error("post_logout_redirect_uri needs id_token_hint or client_id")]
    RedirectWithoutClient,
    #[error("the post_logout_redirect_uri is not registered for this service")]
    UnregisteredRedirect,
    #[error(transparent)]
    Internal(AppError),
}
