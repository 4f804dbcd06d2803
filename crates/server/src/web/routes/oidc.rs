//! The OpenID Connect endpoints: discovery, JWKS, authorization (with the pages it may need: login,
//! step-up to a security key, "you need a key", consent), token, userinfo, revocation,
//! introspection and RP-initiated logout. The protocol lives in `app::oidc`; here requests are
//! parsed and answers shaped as the RFCs say (JSON errors with `error` / `error_description`,
//! `Cache-Control: no-store` on tokens, `WWW-Authenticate` on 401).
//!
//! A request waiting for the user is held in the database; the browser keeps its handle in a cookie
//! (`portcullis-authz`) across the login pages, and `/oauth2/continue` picks it up again.

use axum::Json;
use axum::Router;
use axum::extract::{FromRequest, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use bytes::Bytes;
use portcullis_core::LoginStage;
use portcullis_core::oidc::{Acr, AuthorizeParams, KNOWN_SCOPES, RedirectRefusal, SigningAlg};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::json;

use super::{Empty, see_other, see_other_with_cookie};
use crate::app::oidc::{Authorize, ClientAuth, Interaction, LogoutParams, LogoutRefusal, OidcError, TokenParams};
use crate::web::AppState;
use crate::web::context::{Ctx, cookie};
use crate::web::error::WebError;
use crate::web::forms::Form;
use crate::web::i18n::Arg;
use crate::web::views::{ConsentView, ErrorView, LogoutFields, LogoutView, NeedsKeyView, ReturnView, render};

pub fn router() -> Router<AppState> {
    // What a service running in a browser (a public client: a single-page app with PKCE) calls from
    // JavaScript: any origin may, since none of these uses cookies — the code, the PKCE verifier, the
    // refresh token or the bearer token is the credential.
    let cors = tower_http::cors::CorsLayer::new()
        .allow_origin(tower_http::cors::Any)
        .allow_methods([axum::http::Method::GET, axum::http::Method::POST])
        .allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE])
        .max_age(std::time::Duration::from_secs(600));
    let for_scripts = Router::new()
        .route("/.well-known/openid-configuration", get(discovery))
        .route("/oauth2/jwks", get(jwks))
        .route("/oauth2/token", post(token))
        .route("/oauth2/userinfo", get(userinfo).post(userinfo))
        .route("/oauth2/revoke", post(revoke))
        .layer(cors);
    Router::new()
        .merge(for_scripts)
        .route("/oauth2/authorize", get(authorize_get).post(authorize_post))
        .route("/oauth2/continue", get(view_continue))
        .route("/oauth2/consent", get(view_consent).post(view_consent_post))
        .route("/oauth2/needs-key", get(view_needs_key))
        .route("/oauth2/cancel", post(view_cancel_post))
        .route("/oauth2/introspect", post(introspect))
        .route("/oauth2/logout", get(view_logout).post(view_logout_post))
}

async fn discovery(State(state): State<AppState>) -> Response {
    let app = &state.app;
    let body = json!({
        "issuer": app.issuer(),
        "authorization_endpoint": app.endpoint("/oauth2/authorize"),
        "token_endpoint": app.endpoint("/oauth2/token"),
        "userinfo_endpoint": app.endpoint("/oauth2/userinfo"),
        "jwks_uri": app.endpoint("/oauth2/jwks"),
        "end_session_endpoint": app.endpoint("/oauth2/logout"),
        "revocation_endpoint": app.endpoint("/oauth2/revoke"),
        "introspection_endpoint": app.endpoint("/oauth2/introspect"),
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code", "refresh_token", "client_credentials"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": SigningAlg::ALL.map(SigningAlg::as_str),
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
        "revocation_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
        "introspection_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "code_challenge_methods_supported": ["S256"],
        "scopes_supported": KNOWN_SCOPES,
        "claims_supported": ["iss", "sub", "aud", "exp", "iat", "auth_time", "nonce", "acr", "amr", "azp", "sid",
            "email", "email_verified", "name", "locale", "org", "roles"],
        "acr_values_supported": Acr::ALL.map(Acr::as_str),
        "prompt_values_supported": ["none", "login", "consent"],
        "ui_locales_supported": ["en", "nl"],
        "claims_parameter_supported": false,
        "request_parameter_supported": false,
        "request_uri_parameter_supported": false,
        "authorization_response_iss_parameter_supported": true,
        "backchannel_logout_supported": true,
        "backchannel_logout_session_supported": true,
        "frontchannel_logout_supported": false,
    });
    cached_json(body, 300)
}

async fn jwks(State(state): State<AppState>) -> Result<Response, WebError> {
    let keys = state.app.jwks().await?;
    // Short: after a rotation, libraries refetch on an unknown kid anyway.
    Ok(cached_json(keys, 60))
}

fn cached_json(body: serde_json::Value, max_age: u32) -> Response {
    let mut response = Json(body).into_response();
    if let Ok(value) = HeaderValue::from_str(&format!("public, max-age={max_age}")) {
        response.headers_mut().insert(header::CACHE_CONTROL, value);
    }
    response
}

// ---- authorization ----

/// The query or form of an authorization request. A parameter sent twice is refused (RFC 6749 §3.1).
fn parse_params<T: DeserializeOwned>(raw: &[u8]) -> Result<T, String> {
    serde_urlencoded::from_bytes(raw).map_err(|e| e.to_string())
}

async fn authorize_get(State(state): State<AppState>, ctx: Ctx, request: Request) -> Result<Response, WebError> {
    let raw = request.uri().query().unwrap_or_default().as_bytes().to_vec();
    authorize(state, ctx, &raw).await
}

/// POST to the authorization endpoint (OpenID Connect Core §3.1.2.1): a form from the service, so
/// no CSRF field of ours.
async fn authorize_post(State(state): State<AppState>, ctx: Ctx, request: Request) -> Result<Response, WebError> {
    let body = Bytes::from_request(request, &state)
        .await
        .map_err(|r| WebError::BadForm(r.body_text()))?;
    authorize(state, ctx, &body).await
}

async fn authorize(state: AppState, ctx: Ctx, raw: &[u8]) -> Result<Response, WebError> {
    let params: AuthorizeParams = match parse_params(raw) {
        Ok(params) => params,
        Err(_) => return Ok(error_page(&state, &ctx, StatusCode::BAD_REQUEST, "error-bad-request")),
    };
    let outcome = state.app.authorize(&params, ctx.session.as_ref(), &ctx.client).await?;
    let mut response = outcome_response(&state, &ctx, outcome, false);
    // ui_locales: the first language we speak becomes the pages' language.
    if let Some(lang) = params.ui_locales.as_deref().and_then(|l| {
        l.split_whitespace()
            .find_map(|c| crate::web::i18n::Lang::from_code(c.split('-').next().unwrap_or(c)))
    }) {
        let cookie = state.cookies.set(state.cookies.lang, Some(lang.code()), true);
        if let Ok(value) = HeaderValue::from_str(&cookie) {
            response.headers_mut().append(header::SET_COOKIE, value);
        }
    }
    Ok(response)
}

/// Turns an authorization outcome into a response. `after_form`: the browser came here from one of
/// our forms, so the way to the service is a page that moves on by itself (see [`ReturnView`]).
fn outcome_response(state: &AppState, ctx: &Ctx, outcome: Authorize, after_form: bool) -> Response {
    let clear = state.cookies.set(state.cookies.authz, None, true);
    match outcome {
        Authorize::Refused(refusal) => {
            let key = match refusal {
                RedirectRefusal::NoClient => "oidc-refused-no-client",
                RedirectRefusal::UnknownClient => "oidc-refused-unknown-client",
                RedirectRefusal::NoRedirectUri => "oidc-refused-no-redirect",
                RedirectRefusal::UnregisteredRedirectUri => "oidc-refused-redirect",
            };
            error_page(state, ctx, StatusCode::BAD_REQUEST, key)
        }
        Authorize::Redirect(url) if after_form => {
            let mut response = render(
                StatusCode::OK,
                &ReturnView {
                    page: ctx.page(state),
                    url,
                },
            );
            set_cookie(&mut response, &clear);
            response
        }
        Authorize::Redirect(url) => see_other_with_cookie(&url, &clear),
        Authorize::Gone => {
            let mut response = error_page(state, ctx, StatusCode::BAD_REQUEST, "oidc-gone");
            set_cookie(&mut response, &clear);
            response
        }
        Authorize::Interact { handle, next } => {
            let cookie = state.cookies.set(state.cookies.authz, Some(handle.expose()), true);
            let mid_login = ctx
                .session
                .as_ref()
                .is_some_and(|s| s.stage != LoginStage::Authenticated);
            let path = match next {
                // Half-way through a login: carry on where it stands; else log in (again).
                Interaction::Login { .. } if mid_login => "/".to_owned(),
                Interaction::Login { hint: Some(hint) } => {
                    format!(
                        "/login?{}",
                        serde_urlencoded::to_string([("login_hint", hint)]).unwrap_or_default()
                    )
                }
                Interaction::Login { hint: None } => "/login".to_owned(),
                Interaction::StepUp => "/mfa/challenge?method=key&next=authorize".to_owned(),
                Interaction::NoKey { .. } => "/oauth2/needs-key".to_owned(),
                Interaction::Consent { .. } => "/oauth2/consent".to_owned(),
            };
            see_other_with_cookie(&path, &cookie)
        }
    }
}

fn set_cookie(response: &mut Response, cookie: &str) {
    if let Ok(value) = HeaderValue::from_str(cookie) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
}

fn error_page(state: &AppState, ctx: &Ctx, status: StatusCode, key: &str) -> Response {
    let page = ctx.page(state);
    let message = page.tr.t(key);
    render(
        status,
        &ErrorView {
            page,
            message,
            reference: String::new(),
        },
    )
}

fn handle_of<'a>(state: &AppState, headers: &'a HeaderMap) -> Option<&'a str> {
    cookie(headers, state.cookies.authz)
}

/// The pages of the login flow end here when a service is waiting (the start page sends on).
async fn view_continue(State(state): State<AppState>, ctx: Ctx, headers: HeaderMap) -> Result<Response, WebError> {
    let Some(handle) = handle_of(&state, &headers) else {
        return Ok(see_other("/"));
    };
    match state
        .app
        .resume_authorization(handle, ctx.session.as_ref(), &ctx.client)
        .await?
    {
        // A stale handle (an abandoned login): the start page, not an error.
        Authorize::Gone => Ok(see_other_with_cookie(
            "/",
            &state.cookies.set(state.cookies.authz, None, true),
        )),
        outcome => Ok(outcome_response(&state, &ctx, outcome, true)),
    }
}

/// Whether a service is waiting for this browser's login (the start page asks).
pub fn waiting(state: &AppState, headers: &HeaderMap) -> bool {
    handle_of(state, headers).is_some()
}

async fn view_consent(State(state): State<AppState>, ctx: Ctx, headers: HeaderMap) -> Result<Response, WebError> {
    let Some(handle) = handle_of(&state, &headers) else {
        return Ok(see_other("/"));
    };
    let outcome = state
        .app
        .resume_authorization(handle, ctx.session.as_ref(), &ctx.client)
        .await?;
    match outcome {
        Authorize::Interact {
            next: Interaction::Consent { client_name, scopes },
            ..
        } => {
            let page = ctx.page(&state);
            let intro = page
                .tr
                .t_with("oidc-consent-intro", &[("service", Arg::Text(client_name))]);
            let scopes = scopes
                .iter()
                .map(|s| {
                    if KNOWN_SCOPES.contains(&s.as_str()) {
                        page.tr.t(&format!("oidc-scope-{s}"))
                    } else {
                        page.tr.t_with("oidc-scope-other", &[("scope", Arg::Text(s.clone()))])
                    }
                })
                .collect();
            Ok(render(StatusCode::OK, &ConsentView { page, intro, scopes }))
        }
        other => Ok(outcome_response(&state, &ctx, other, true)),
    }
}

#[derive(Deserialize)]
struct ConsentForm {
    #[serde(default)]
    decision: String,
}

async fn view_consent_post(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    Form(form): Form<ConsentForm>,
) -> Result<Response, WebError> {
    let (Some(handle), Some(session)) = (handle_of(&state, &headers), ctx.session.as_ref()) else {
        return Ok(see_other("/"));
    };
    if session.stage != LoginStage::Authenticated {
        return Ok(see_other("/"));
    }
    let allow = match form.decision.as_str() {
        "allow" => true,
        "deny" => false,
        _ => return Err(WebError::BadForm("decision must be allow or deny".into())),
    };
    let outcome = state.app.answer_consent(handle, session, allow, &ctx.client).await?;
    Ok(outcome_response(&state, &ctx, outcome, true))
}

async fn view_needs_key(State(state): State<AppState>, ctx: Ctx, headers: HeaderMap) -> Result<Response, WebError> {
    let Some(handle) = handle_of(&state, &headers) else {
        return Ok(see_other("/"));
    };
    let outcome = state
        .app
        .resume_authorization(handle, ctx.session.as_ref(), &ctx.client)
        .await?;
    match outcome {
        Authorize::Interact {
            next: Interaction::NoKey { client_name },
            ..
        } => {
            let page = ctx.page(&state);
            let text = page
                .tr
                .t_with("oidc-needs-key-text", &[("service", Arg::Text(client_name.clone()))]);
            let continue_text = page
                .tr
                .t_with("oidc-needs-key-continue", &[("service", Arg::Text(client_name))]);
            Ok(render(
                StatusCode::FORBIDDEN,
                &NeedsKeyView {
                    page,
                    text,
                    continue_text,
                },
            ))
        }
        other => Ok(outcome_response(&state, &ctx, other, true)),
    }
}

async fn view_cancel_post(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    Form(Empty {}): Form<Empty>,
) -> Result<Response, WebError> {
    let Some(handle) = handle_of(&state, &headers) else {
        return Ok(see_other("/"));
    };
    let outcome = state.app.cancel_authorization(handle, &ctx.client).await?;
    Ok(outcome_response(&state, &ctx, outcome, true))
}

// ---- the back-channel endpoints (called by services, not browsers) ----

/// A form body of a service's request: `application/x-www-form-urlencoded`, parameters at most once.
async fn service_form<T: DeserializeOwned>(state: &AppState, request: Request) -> Result<(HeaderMap, T), OidcError> {
    let headers = request.headers().clone();
    let is_form = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|m| m.trim().eq_ignore_ascii_case("application/x-www-form-urlencoded"));
    if !is_form {
        return Err(protocol(
            400,
            "invalid_request",
            "the body must be application/x-www-form-urlencoded",
        ));
    }
    let body = Bytes::from_request(request, state)
        .await
        .map_err(|_| protocol(400, "invalid_request", "the body could not be read"))?;
    let form = parse_params(&body).map_err(|e| protocol(400, "invalid_request", format!("bad parameters: {e}")))?;
    Ok((headers, form))
}

fn protocol(status: u16, code: &'static str, description: impl Into<String>) -> OidcError {
    OidcError::Protocol {
        status,
        code,
        description: description.into(),
    }
}

/// HTTP Basic client credentials (RFC 6749 §2.3.1: each part form-urlencoded, then base64).
fn basic_credentials(headers: &HeaderMap) -> Result<Option<(String, String)>, OidcError> {
    let Some(value) = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()) else {
        return Ok(None);
    };
    let Some(encoded) = value.strip_prefix("Basic ").or_else(|| value.strip_prefix("basic ")) else {
        return Ok(None);
    };
    let bad = || protocol(401, "invalid_client", "malformed Basic credentials");
    let decoded = data_encoding::BASE64
        .decode(encoded.trim().as_bytes())
        .map_err(|_| bad())?;
    let text = String::from_utf8(decoded).map_err(|_| bad())?;
    let (id, secret) = text.split_once(':').ok_or_else(bad)?;
    let unescape = |part: &str| -> String {
        url::form_urlencoded::parse(format!("v={part}").as_bytes())
            .next()
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default()
    };
    Ok(Some((unescape(id), unescape(secret))))
}

fn oidc_error_response(err: OidcError) -> Response {
    match err {
        OidcError::Protocol {
            status,
            code,
            description,
        } => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST);
            let mut response =
                (status, Json(json!({ "error": code, "error_description": description }))).into_response();
            let headers = response.headers_mut();
            headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            if status == StatusCode::UNAUTHORIZED {
                let challenge = if code == "invalid_token" {
                    "Bearer error=\"invalid_token\""
                } else {
                    "Basic realm=\"portcullis\""
                };
                headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static(challenge));
            }
            response
        }
        OidcError::App(err) => WebError::from(err).into_response(),
    }
}

fn no_store_json(body: serde_json::Value) -> Response {
    let mut response = Json(body).into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
        .headers_mut()
        .insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    response
}

fn client_auth_of(
    headers: &HeaderMap,
    client_id: Option<String>,
    client_secret: Option<String>,
) -> Result<ClientAuth, OidcError> {
    Ok(ClientAuth {
        basic: basic_credentials(headers)?,
        client_id,
        client_secret,
    })
}

async fn token(State(state): State<AppState>, ctx: Ctx, request: Request) -> Response {
    let result = async {
        let (headers, params): (HeaderMap, TokenParams) = service_form(&state, request).await?;
        let auth = client_auth_of(&headers, params.client_id.clone(), params.client_secret.clone())?;
        state.app.token(&params, &auth, &ctx.client).await
    }
    .await;
    match result {
        Ok(tokens) => no_store_json(serde_json::to_value(tokens).unwrap_or_default()),
        Err(err) => oidc_error_response(err),
    }
}

/// The bearer token of a userinfo request: the `Authorization` header, or the form field
/// `access_token` of a POST (RFC 6750 §2.2).
async fn userinfo(State(state): State<AppState>, request: Request) -> Response {
    let header_token = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
        .map(|t| t.trim().to_owned());
    let token = match header_token {
        Some(token) => Some(token),
        None if request.method() == axum::http::Method::POST => {
            #[derive(Deserialize)]
            struct Body {
                access_token: Option<String>,
            }
            service_form::<Body>(&state, request)
                .await
                .ok()
                .and_then(|(_, b)| b.access_token)
        }
        None => None,
    };
    let Some(token) = token else {
        let mut response = StatusCode::UNAUTHORIZED.into_response();
        response
            .headers_mut()
            .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        return response;
    };
    match state.app.userinfo(&token).await {
        Ok(claims) => no_store_json(claims),
        Err(err) => oidc_error_response(err),
    }
}

#[derive(Deserialize)]
struct TokenForm {
    token: Option<String>,
    #[allow(dead_code)]
    token_type_hint: Option<String>,
    client_id: Option<String>,
    client_secret: Option<String>,
}

async fn introspect(State(state): State<AppState>, request: Request) -> Response {
    let result = async {
        let (headers, form): (HeaderMap, TokenForm) = service_form(&state, request).await?;
        let auth = client_auth_of(&headers, form.client_id, form.client_secret)?;
        let token = form
            .token
            .ok_or_else(|| protocol(400, "invalid_request", "token is missing"))?;
        state.app.introspect(&token, &auth).await
    }
    .await;
    match result {
        Ok(body) => no_store_json(body),
        Err(err) => oidc_error_response(err),
    }
}

async fn revoke(State(state): State<AppState>, ctx: Ctx, request: Request) -> Response {
    let result = async {
        let (headers, form): (HeaderMap, TokenForm) = service_form(&state, request).await?;
        let auth = client_auth_of(&headers, form.client_id, form.client_secret)?;
        let token = form
            .token
            .ok_or_else(|| protocol(400, "invalid_request", "token is missing"))?;
        state.app.revoke(&token, &auth, &ctx.client).await
    }
    .await;
    match result {
        Ok(()) => no_store_json(json!({})),
        Err(err) => oidc_error_response(err),
    }
}

// ---- RP-initiated logout ----

async fn view_logout(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(params): Query<LogoutParams>,
) -> Result<Response, WebError> {
    logout(state, ctx, params, false).await
}

async fn view_logout_post(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(params): Form<LogoutParams>,
) -> Result<Response, WebError> {
    logout(state, ctx, params, true).await
}

/// Logs out at once when the service's `id_token_hint` names this session (or there is none to end);
/// otherwise asks first, so that a link on another site cannot log anyone out.
async fn logout(state: AppState, ctx: Ctx, params: LogoutParams, confirmed: bool) -> Result<Response, WebError> {
    let plan = match state.app.check_logout(&params).await {
        Ok(plan) => plan,
        Err(LogoutRefusal::Internal(err)) => return Err(err.into()),
        Err(refusal) => {
            let key = match refusal {
                LogoutRefusal::UnregisteredRedirect | LogoutRefusal::RedirectWithoutClient => "oidc-refused-redirect",
                LogoutRefusal::UnknownClient => "oidc-refused-unknown-client",
                _ => "error-bad-request",
            };
            return Ok(error_page(&state, &ctx, StatusCode::BAD_REQUEST, key));
        }
    };
    if let Some(session) = &ctx.session {
        if !confirmed && !plan.names(session) {
            let page = ctx.page(&state);
            let mut question = String::new();
            if let Some(name) = &plan.client_name {
                question = page
                    .tr
                    .t_with("oidc-logout-asked-by", &[("service", Arg::Text(name.clone()))]);
                question.push(' ');
            }
            question.push_str(&page.tr.t("oidc-logout-question"));
            let fields = LogoutFields {
                id_token_hint: params.id_token_hint.unwrap_or_default(),
                post_logout_redirect_uri: params.post_logout_redirect_uri.unwrap_or_default(),
                state: params.state.unwrap_or_default(),
                client_id: params.client_id.unwrap_or_default(),
            };
            return Ok(render(
                StatusCode::OK,
                &LogoutView {
                    page,
                    confirm: Some(fields),
                    question,
                },
            ));
        }
        state.app.logout(session, &ctx.client).await?;
    }
    let clear = state.cookies.set(state.cookies.session, None, true);
    // The page after logging out has no menu and no name: the session is gone.
    let mut page = ctx.page(&state);
    page.user_name = None;
    (page.menu, page.admin_menu, page.support_menu) = (false, false, false);
    let mut response = match plan.redirect {
        Some(url) if !confirmed => return Ok(see_other_with_cookie(&url, &clear)),
        Some(url) => render(StatusCode::OK, &ReturnView { page, url }),
        None => render(
            StatusCode::OK,
            &LogoutView {
                page,
                confirm: None,
                question: String::new(),
            },
        ),
    };
    set_cookie(&mut response, &clear);
    Ok(response)
}
