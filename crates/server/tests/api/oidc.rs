//! The OpenID Connect provider through HTTP, as a service and a browser use it: the code flow with
//! PKCE through the login pages, tokens and their claims, refresh rotation and reuse, the RFC error
//! codes of every refusal, revocation that follows the user, back-channel logout, client credentials,
//! introspection and revocation. (The same flows are driven by an independent relying-party library
//! in `oidc_rp.rs`; the security-key step-up runs in a real browser in `browser.rs`.)

use std::sync::{Arc, Mutex};

use data_encoding::BASE64URL_NOPAD;
use portcullis::app::Client;
use portcullis::app::clients::{ClientSettings, NewClient};
use portcullis_core::OrgRole;
use reqwest::StatusCode;
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::actors::{Person, next_code, user_id};
use crate::helpers::{Browser, GOOD_PASSWORD, TestApp, location, on_both_backends};

const REDIRECT: &str = "https://service.example/callback";
const VERIFIER: &str = "a-pkce-verifier-that-is-long-enough-0123456789-abcdefgh";

fn challenge(verifier: &str) -> String {
    BASE64URL_NOPAD.encode(&Sha256::digest(verifier.as_bytes()))
}

async fn register(app: &TestApp, adjust: impl FnOnce(&mut ClientSettings)) -> NewClient {
    let mut settings = ClientSettings::new("Port Community Service", vec![REDIRECT.to_owned()]);
    settings.post_logout_uris = vec!["https://service.example/".to_owned()];
    adjust(&mut settings);
    app.app
        .add_client(None, settings, false, &Client::default())
        .await
        .unwrap()
}

fn authorize_path(client_id: &str, extra: &[(&str, &str)]) -> String {
    let challenge = challenge(VERIFIER);
    let mut params = vec![
        ("response_type", "code"),
        ("client_id", client_id),
        ("redirect_uri", REDIRECT),
        ("scope", "openid profile email org offline_access"),
        ("state", "st-123"),
        ("nonce", "n-456"),
        ("code_challenge", challenge.as_str()),
        ("code_challenge_method", "S256"),
    ];
    for (k, v) in extra {
        params.retain(|(name, _)| name != k);
        params.push((k, v));
    }
    format!("/oauth2/authorize?{}", serde_urlencoded::to_string(&params).unwrap())
}

/// The query parameters of a redirect to the service.
fn query_of(url: &str) -> Vec<(String, String)> {
    let url = url::Url::parse(url).unwrap();
    url.query_pairs().into_owned().collect()
}

fn param(url: &str, name: &str) -> Option<String> {
    query_of(url).into_iter().find(|(k, _)| k == name).map(|(_, v)| v)
}

/// The way back to the service on the "returning" page (after a form).
fn return_url(html: &str) -> String {
    let start = html.find("id=\"return\" href=\"").unwrap() + "id=\"return\" href=\"".len();
    let end = html[start..].find('"').unwrap();
    html[start..start + end].replace("&amp;", "&").replace("&#38;", "&")
}

struct Service<'a> {
    app: &'a TestApp,
    http: reqwest::Client,
    id: String,
    secret: String,
}

impl<'a> Service<'a> {
    fn new(app: &'a TestApp, client: &NewClient) -> Service<'a> {
        Service {
            app,
            http: reqwest::Client::new(),
            id: client.client.id.clone(),
            secret: client
                .secret
                .as_ref()
                .map(|s| s.expose().to_owned())
                .unwrap_or_default(),
        }
    }

    async fn post(&self, path: &str, form: &[(&str, &str)]) -> (StatusCode, Value) {
        let response = self
            .http
            .post(format!("{}{path}", self.app.address))
            .basic_auth(&self.id, Some(&self.secret))
            .form(form)
            .send()
            .await
            .unwrap();
        let status = response.status();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    async fn exchange(&self, code: &str, verifier: &str) -> (StatusCode, Value) {
        self.post(
            "/oauth2/token",
            &[
                ("grant_type", "authorization_code"),
                ("code", code),
                ("redirect_uri", REDIRECT),
                ("code_verifier", verifier),
            ],
        )
        .await
    }

    async fn refresh(&self, token: &str) -> (StatusCode, Value) {
        self.post(
            "/oauth2/token",
            &[("grant_type", "refresh_token"), ("refresh_token", token)],
        )
        .await
    }

    async fn userinfo(&self, access: &str) -> (StatusCode, Value) {
        let response = self
            .http
            .get(format!("{}/oauth2/userinfo", self.app.address))
            .bearer_auth(access)
            .send()
            .await
            .unwrap();
        let status = response.status();
        (status, response.json().await.unwrap_or(Value::Null))
    }
}

/// A logged-in browser asks for a code: it comes straight back.
async fn code_for(browser: &Browser, client_id: &str, extra: &[(&str, &str)]) -> String {
    let response = browser.get(&authorize_path(client_id, extra)).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let to = location(&response).to_owned();
    assert!(to.starts_with(REDIRECT), "to the service: {to}");
    assert_eq!(param(&to, "state").as_deref(), Some("st-123"));
    param(&to, "code").unwrap_or_else(|| panic!("a code: {to}"))
}

async fn person(app: &TestApp, email: &str, org: Option<(&str, OrgRole)>) -> Person {
    let link = match org {
        Some(("Acme", OrgRole::MainAdmin)) => app.org("Acme", email).await,
        _ => app.invite(email, org).await,
    };
    Person::enroll(app, &link, email).await
}

async fn sign_in_and_get_tokens(kind: portcullis_testkit::Kind) {
    let Some(app) = TestApp::of_kind(kind, "oidc::sign_in_and_get_tokens").await else {
        return;
    };
    let client = register(&app, |_| {}).await;
    let service = Service::new(&app, &client);
    // Anna has no session: the request goes through the login pages and comes back.
    let anna = person(&app, "anna@acme.example", Some(("Acme", OrgRole::MainAdmin))).await;
    anna.browser.logout().await;
    let response = anna
        .browser
        .get(&authorize_path(&service.id, &[("login_hint", "anna@acme.example")]))
        .await;
    assert_eq!(location(&response), "/login?login_hint=anna%40acme.example");
    let (_, html) = anna.browser.get_text(location(&response)).await;
    assert!(
        html.contains("value=\"anna@acme.example\""),
        "the hint fills in the email"
    );
    let response = anna.browser.login("anna@acme.example", GOOD_PASSWORD).await;
    assert_eq!(location(&response), "/mfa/challenge");
    let code = next_code(&app, &anna.secret);
    let response = anna.browser.post("/mfa/challenge", &[("code", &code)]).await;
    assert_eq!(location(&response), "/oauth2/continue", "the service is waiting");
    let response = anna.browser.get("/").await;
    assert_eq!(location(&response), "/oauth2/continue", "the start page sends on too");
    let (status, html) = anna.browser.get_text("/oauth2/continue").await;
    assert_eq!(
        status,
        StatusCode::OK,
        "a page that moves on by itself (form-action 'self')"
    );
    let back = return_url(&html);
    assert!(back.starts_with(REDIRECT));
    assert_eq!(
        param(&back, "iss").as_deref(),
        Some(app.app.issuer().as_str()),
        "{back}"
    );
    let code = param(&back, "code").unwrap();
    assert!(
        anna.browser.cookie("portcullis-authz").is_none(),
        "the waiting request is answered"
    );

    let (status, tokens) = service.exchange(&code, VERIFIER).await;
    assert_eq!(status, StatusCode::OK, "{tokens}");
    assert_eq!(tokens["token_type"], "Bearer");
    assert_eq!(tokens["expires_in"], 300);
    let id = app
        .app
        .verify_jwt(tokens["id_token"].as_str().unwrap(), true)
        .await
        .unwrap();
    let sub = user_id(&app, "anna@acme.example").await;
    assert_eq!(id["sub"], sub.as_str(), "sub is the opaque user id, never the email");
    assert_eq!(id["aud"], service.id.as_str());
    assert_eq!(id["nonce"], "n-456");
    assert_eq!(id["amr"], serde_json::json!(["pwd", "otp", "mfa"]));
    assert_eq!(id["acr"], "mfa");
    assert_eq!(id["email"], "anna@acme.example");
    assert_eq!(id["email_verified"], true);
    assert_eq!(id["name"], "Test Person");
    assert_eq!(id["org"]["name"], "Acme");
    assert_eq!(id["roles"], serde_json::json!(["main_admin"]));
    assert!(id["sid"].is_string() && id["auth_time"].is_i64());

    let (status, info) = service.userinfo(tokens["access_token"].as_str().unwrap()).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(info["sub"], sub.as_str());
    assert_eq!(info["org"]["name"], "Acme");

    // Rotation: each refresh token works once, and a replay revokes the whole family.
    let first = tokens["refresh_token"].as_str().unwrap().to_owned();
    let (status, second) = service.refresh(&first).await;
    assert_eq!(status, StatusCode::OK, "{second}");
    let second_refresh = second["refresh_token"].as_str().unwrap().to_owned();
    assert_ne!(first, second_refresh);
    let refreshed_id = app
        .app
        .verify_jwt(second["id_token"].as_str().unwrap(), true)
        .await
        .unwrap();
    assert_eq!(
        refreshed_id["auth_time"], id["auth_time"],
        "a refresh is not a new login"
    );
    let (status, err) = service.refresh(&first).await;
    assert_eq!(
        (status, err["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_grant"))
    );
    let (status, err) = service.refresh(&second_refresh).await;
    assert_eq!(err["error"], "invalid_grant", "the family is revoked: {status}");
    let (status, _) = service.userinfo(second["access_token"].as_str().unwrap()).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "its access tokens too");
    assert!(app.audit_kinds(20).await.contains(&"oidc_refresh_reused".to_owned()));

    // With the session alive, the next request comes straight back.
    let code = code_for(&anna.browser, &service.id, &[]).await;
    let (status, _) = service.exchange(&code, VERIFIER).await;
    assert_eq!(status, StatusCode::OK);
}
on_both_backends!(sign_in_and_get_tokens);

#[tokio::test]
async fn discovery_and_jwks() {
    let app = TestApp::sqlite().await;
    let browser = app.browser();
    let (status, text) = browser.get_text("/.well-known/openid-configuration").await;
    assert_eq!(status, StatusCode::OK);
    let doc: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(doc["issuer"], app.app.issuer().as_str());
    assert_eq!(doc["code_challenge_methods_supported"], serde_json::json!(["S256"]));
    assert_eq!(
        doc["id_token_signing_alg_values_supported"],
        serde_json::json!(["ES256", "RS256"])
    );
    assert_eq!(doc["backchannel_logout_supported"], true);
    let (_, jwks) = browser.get_text("/oauth2/jwks").await;
    let jwks: Value = serde_json::from_str(&jwks).unwrap();
    let algs: Vec<&str> = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["alg"].as_str().unwrap())
        .collect();
    assert!(algs.contains(&"ES256") && algs.contains(&"RS256"), "{algs:?}");
    assert!(
        jwks["keys"].as_array().unwrap().iter().all(|k| k.get("d").is_none()),
        "no private parts"
    );
}

#[tokio::test]
async fn refusals_carry_the_rfc_error_codes() {
    let app = TestApp::sqlite().await;
    let client = register(&app, |_| {}).await;
    let service = Service::new(&app, &client);
    let anna = person(&app, "anna@example.com", None).await;
    let b = &anna.browser;

    // An unregistered or altered redirect URI: an error page, never a redirect.
    for uri in [
        "https://evil.example/callback",
        "https://service.example/callback/x",
        "https://service.example/callback?x=1",
    ] {
        let response = b.get(&authorize_path(&service.id, &[("redirect_uri", uri)])).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{uri}");
        assert!(location(&response).is_empty());
        assert!(response.text().await.unwrap().contains("has not registered"));
    }
    let response = b.get(&authorize_path("no-such-client", &[])).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert!(location(&response).is_empty());
    // A parameter sent twice (RFC 6749 §3.1): refused, and not redirected.
    let twice = format!(
        "{}&redirect_uri=https%3A%2F%2Fevil.example%2F",
        authorize_path(&service.id, &[])
    );
    let response = b.get(&twice).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert!(location(&response).is_empty());

    // Errors about the request itself go back to the service with state.
    let error_of = |response: &reqwest::Response| param(location(response), "error");
    let response = b.get(&authorize_path(&service.id, &[("scope", "openid admin")])).await;
    assert_eq!(error_of(&response).as_deref(), Some("invalid_scope"));
    assert_eq!(param(location(&response), "state").as_deref(), Some("st-123"));
    let response = b
        .get(&authorize_path(&service.id, &[("code_challenge_method", "plain")]))
        .await;
    assert_eq!(error_of(&response).as_deref(), Some("invalid_request"));
    let response = b.get(&authorize_path(&service.id, &[("response_type", "token")])).await;
    assert_eq!(error_of(&response).as_deref(), Some("unsupported_response_type"));
    let stranger = app.browser();
    let response = stranger.get(&authorize_path(&service.id, &[("prompt", "none")])).await;
    assert_eq!(error_of(&response).as_deref(), Some("login_required"));

    // Wrong or missing PKCE verifier, wrong redirect URI, wrong secret, a replayed code.
    let code = code_for(b, &service.id, &[]).await;
    let (status, err) = service
        .exchange(&code, "another-verifier-that-is-long-enough-0123456789-abc")
        .await;
    assert_eq!(
        (status, err["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_grant"))
    );
    let code = code_for(b, &service.id, &[]).await;
    let (_, err) = service
        .post(
            "/oauth2/token",
            &[
                ("grant_type", "authorization_code"),
                ("code", &code),
                ("redirect_uri", REDIRECT),
            ],
        )
        .await;
    assert_eq!(err["error"], "invalid_grant", "missing verifier");
    let code = code_for(b, &service.id, &[]).await;
    let (_, err) = service
        .post(
            "/oauth2/token",
            &[
                ("grant_type", "authorization_code"),
                ("code", &code),
                ("redirect_uri", "https://service.example/other"),
                ("code_verifier", VERIFIER),
            ],
        )
        .await;
    assert_eq!(err["error"], "invalid_grant", "altered redirect URI");
    let code = code_for(b, &service.id, &[]).await;
    let wrong = Service {
        secret: "pcx_0000000000000000000000000000000000000000000000000000000000000000".into(),
        ..Service::new(&app, &client)
    };
    let (status, err) = wrong.exchange(&code, VERIFIER).await;
    assert_eq!(
        (status, err["error"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("invalid_client"))
    );
    let (status, tokens) = service.exchange(&code, VERIFIER).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "a failed client authentication does not use the code up"
    );
    let (_, err) = service.exchange(&code, VERIFIER).await;
    assert_eq!(err["error"], "invalid_grant", "a code works once");
    let (status, _) = service.userinfo(tokens["access_token"].as_str().unwrap()).await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "the replay revoked what the code issued"
    );
    let (_, err) = service.refresh(tokens["refresh_token"].as_str().unwrap()).await;
    assert_eq!(err["error"], "invalid_grant");

    // An expired code (60 s).
    let code = code_for(b, &service.id, &[]).await;
    app.clock.advance(61);
    let (_, err) = service.exchange(&code, VERIFIER).await;
    assert_eq!(err["error"], "invalid_grant");

    // Unsupported and missing grant types, a body that is not a form.
    let (_, err) = service.post("/oauth2/token", &[("grant_type", "password")]).await;
    assert_eq!(err["error"], "unsupported_grant_type");
    let (status, err) = service
        .post(
            "/oauth2/token",
            &[("grant_type", "client_credentials"), ("grant_type", "refresh_token")],
        )
        .await;
    assert_eq!(
        (status, err["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_request"))
    );
    let (status, err) = service.post("/oauth2/token", &[]).await;
    assert_eq!(
        (status, err["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_request"))
    );
    let kinds = app.audit_kinds(40).await;
    assert!(kinds.contains(&"oidc_token_refused".to_owned()) && kinds.contains(&"oidc_code_reused".to_owned()));
}

#[tokio::test]
async fn two_exchanges_of_one_code_give_tokens_once() {
    let app = TestApp::sqlite().await;
    let client = register(&app, |_| {}).await;
    let service = Service::new(&app, &client);
    let anna = person(&app, "anna@example.com", None).await;
    let code = code_for(&anna.browser, &service.id, &[]).await;
    let (a, b) = tokio::join!(service.exchange(&code, VERIFIER), service.exchange(&code, VERIFIER));
    let ok = [a.0, b.0].iter().filter(|s| **s == StatusCode::OK).count();
    assert_eq!(ok, 1, "{a:?} {b:?}");
}

#[tokio::test]
async fn public_clients_need_pkce_and_no_secret() {
    let app = TestApp::sqlite().await;
    let settings = ClientSettings::new("Single-page app", vec![REDIRECT.to_owned()]);
    let client = app
        .app
        .add_client(None, settings, true, &Client::default())
        .await
        .unwrap();
    assert!(client.secret.is_none());
    // A single-page app calls the token endpoint from another origin (CORS; no cookies involved).
    let preflight = reqwest::Client::new()
        .request(reqwest::Method::OPTIONS, format!("{}/oauth2/token", app.address))
        .header("origin", "https://spa.example")
        .header("access-control-request-method", "POST")
        .header("access-control-request-headers", "content-type")
        .send()
        .await
        .unwrap();
    assert!(preflight.status().is_success(), "{}", preflight.status());
    assert_eq!(preflight.headers()["access-control-allow-origin"], "*");
    let login_page = reqwest::Client::new()
        .get(format!("{}/login", app.address))
        .header("origin", "https://spa.example")
        .send()
        .await
        .unwrap();
    assert!(
        login_page.headers().get("access-control-allow-origin").is_none(),
        "pages are not for scripts"
    );
    let anna = person(&app, "anna@example.com", None).await;
    let mut path = authorize_path(&client.client.id, &[]);
    path = path.replace(
        &format!("&code_challenge={}&code_challenge_method=S256", challenge(VERIFIER)),
        "",
    );
    let response = anna.browser.get(&path).await;
    assert_eq!(param(location(&response), "error").as_deref(), Some("invalid_request"));
    let code = code_for(&anna.browser, &client.client.id, &[]).await;
    let http = reqwest::Client::new();
    let response = http
        .post(format!("{}/oauth2/token", app.address))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", REDIRECT),
            ("code_verifier", VERIFIER),
            ("client_id", &client.client.id),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let response = http
        .post(format!("{}/oauth2/token", app.address))
        .form(&[("grant_type", "client_credentials"), ("client_id", &client.client.id)])
        .send()
        .await
        .unwrap();
    let err: Value = response.json().await.unwrap();
    assert_eq!(err["error"], "unauthorized_client");
}

#[tokio::test]
async fn client_credentials_introspection_and_revocation() {
    let app = TestApp::sqlite().await;
    let client = register(&app, |s| {
        s.scopes = portcullis_core::oidc::Scopes::parse("openid profile email org offline_access berths:read").unwrap();
    })
    .await;
    let service = Service::new(&app, &client);
    let (status, tokens) = service
        .post("/oauth2/token", &[("grant_type", "client_credentials")])
        .await;
    assert_eq!(status, StatusCode::OK, "{tokens}");
    assert_eq!(tokens["scope"], "berths:read");
    assert!(tokens.get("refresh_token").is_none() && tokens.get("id_token").is_none());
    let access = tokens["access_token"].as_str().unwrap();
    let claims = app.app.verify_jwt(access, true).await.unwrap();
    assert_eq!(claims["sub"], service.id.as_str());
    let (_, err) = service
        .post(
            "/oauth2/token",
            &[("grant_type", "client_credentials"), ("scope", "openid")],
        )
        .await;
    assert_eq!(err["error"], "invalid_scope");
    let (_, info) = service.post("/oauth2/introspect", &[("token", access)]).await;
    assert_eq!(info["active"], true);
    assert_eq!(info["client_id"], service.id.as_str());
    let (_, info) = service.post("/oauth2/introspect", &[("token", "junk")]).await;
    assert_eq!(info["active"], false);

    // A user's tokens: introspected, then revoked (the whole grant).
    let anna = person(&app, "anna@example.com", None).await;
    let code = code_for(&anna.browser, &service.id, &[]).await;
    let (_, tokens) = service.exchange(&code, VERIFIER).await;
    let refresh = tokens["refresh_token"].as_str().unwrap();
    let (_, info) = service.post("/oauth2/introspect", &[("token", refresh)]).await;
    assert_eq!(info["active"], true);
    let (status, _) = service
        .post(
            "/oauth2/revoke",
            &[("token", refresh), ("token_type_hint", "refresh_token")],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, info) = service.post("/oauth2/introspect", &[("token", refresh)]).await;
    assert_eq!(info["active"], false);
    let (_, info) = service
        .post(
            "/oauth2/introspect",
            &[("token", tokens["access_token"].as_str().unwrap())],
        )
        .await;
    assert_eq!(info["active"], false, "the access token of the revoked grant too");
    let (status, _) = service.post("/oauth2/revoke", &[("token", "not-a-token")]).await;
    assert_eq!(status, StatusCode::OK, "unknown tokens: 200 (RFC 7009)");
}

/// Runs the delivery step until `done` holds (the server's own worker may take a delivery first:
/// either way it happens once). Bounded: a guard against hanging, not a speed check.
async fn deliver_until(app: &TestApp, done: impl Fn() -> bool) {
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(60);
    while !done() {
        assert!(tokio::time::Instant::now() < deadline, "the delivery never happened");
        app.app.deliver_logout_batch().await.unwrap();
        tokio::task::yield_now().await;
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
}

async fn pending_deliveries(app: &TestApp) -> i64 {
    app.app
        .store
        .read()
        .await
        .unwrap()
        .pending_logout_deliveries()
        .await
        .unwrap()
}

/// A service that listens for back-channel logout tokens on loopback.
async fn logout_listener() -> (String, Arc<Mutex<Vec<String>>>) {
    let received = Arc::new(Mutex::new(Vec::new()));
    let store = received.clone();
    let router = axum::Router::new().route(
        "/backchannel",
        axum::routing::post(
            move |axum::Form(form): axum::Form<std::collections::HashMap<String, String>>| {
                let store = store.clone();
                async move {
                    store
                        .lock()
                        .unwrap()
                        .push(form.get("logout_token").cloned().unwrap_or_default());
                    StatusCode::OK
                }
            },
        ),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://127.0.0.1:{}/backchannel", listener.local_addr().unwrap().port());
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    (url, received)
}

async fn revocation_follows_the_user(kind: portcullis_testkit::Kind) {
    let Some(app) = TestApp::of_kind(kind, "oidc::revocation_follows_the_user").await else {
        return;
    };
    let (url, received) = logout_listener().await;
    let client = register(&app, |s| s.backchannel_logout_uri = Some(url.clone())).await;
    let service = Service::new(&app, &client);
    let anna = person(&app, "anna@example.com", None).await;

    // Logging out of Portcullis ends the grants of that session and tells the service.
    let code = code_for(&anna.browser, &service.id, &[]).await;
    let (_, tokens) = service.exchange(&code, VERIFIER).await;
    let sid = app
        .app
        .verify_jwt(tokens["id_token"].as_str().unwrap(), true)
        .await
        .unwrap()["sid"]
        .clone();
    anna.browser.logout().await;
    let (_, err) = service.refresh(tokens["refresh_token"].as_str().unwrap()).await;
    assert_eq!(err["error"], "invalid_grant");
    deliver_until(&app, || !received.lock().unwrap().is_empty()).await;
    let token = received.lock().unwrap().pop().expect("a logout token was posted");
    let claims = app.app.verify_jwt(&token, true).await.unwrap();
    assert_eq!(claims["aud"], service.id.as_str());
    assert_eq!(claims["sid"], sid);
    assert!(
        claims["events"]
            .get("http://schemas.openid.net/event/backchannel-logout")
            .is_some()
    );
    assert!(claims.get("nonce").is_none());

    // Password change, MFA reset and "log out everywhere" each revoke every grant at once.
    for what in ["password", "everywhere", "reset"] {
        anna.login(&app).await;
        let code = code_for(&anna.browser, &service.id, &[]).await;
        let (_, tokens) = service.exchange(&code, VERIFIER).await;
        match what {
            "password" => {
                let r = anna
                    .browser
                    .post(
                        "/profile/password",
                        &[
                            ("current", GOOD_PASSWORD),
                            ("password", "another harbour crane 99"),
                            ("confirm", "another harbour crane 99"),
                        ],
                    )
                    .await;
                assert!(r.status().is_redirection() || r.status().is_success(), "{}", r.status());
                let r = anna
                    .browser
                    .post(
                        "/profile/password",
                        &[
                            ("current", "another harbour crane 99"),
                            ("password", GOOD_PASSWORD),
                            ("confirm", GOOD_PASSWORD),
                        ],
                    )
                    .await;
                assert!(r.status().is_redirection() || r.status().is_success());
            }
            "everywhere" => {
                anna.browser.post("/profile/sessions/end-all", &[]).await;
            }
            _ => {
                let session = anna.session(&app).await;
                app.app.reset_own_mfa(&session, &Client::default()).await.unwrap();
            }
        }
        let (_, err) = service.refresh(tokens["refresh_token"].as_str().unwrap()).await;
        assert_eq!(err["error"], "invalid_grant", "after {what}");
        let (status, _) = service.userinfo(tokens["access_token"].as_str().unwrap()).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "after {what}");
    }
}
on_both_backends!(revocation_follows_the_user);

#[tokio::test]
async fn rp_initiated_logout() {
    let app = TestApp::sqlite().await;
    let client = register(&app, |_| {}).await;
    let service = Service::new(&app, &client);
    let anna = person(&app, "anna@example.com", None).await;
    let code = code_for(&anna.browser, &service.id, &[]).await;
    let (_, tokens) = service.exchange(&code, VERIFIER).await;
    let hint = tokens["id_token"].as_str().unwrap();

    // An unregistered post-logout URI: an error page, and nobody is logged out.
    let bad = format!(
        "/oauth2/logout?{}",
        serde_urlencoded::to_string([
            ("id_token_hint", hint),
            ("post_logout_redirect_uri", "https://evil.example/")
        ])
        .unwrap()
    );
    let response = anna.browser.get(&bad).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(anna.browser.get("/").await.status(), StatusCode::OK, "still logged in");

    // An access token is not an ID token.
    let access_hint = format!(
        "/oauth2/logout?{}",
        serde_urlencoded::to_string([("id_token_hint", tokens["access_token"].as_str().unwrap())]).unwrap()
    );
    assert_eq!(anna.browser.get(&access_hint).await.status(), StatusCode::BAD_REQUEST);

    // Without a hint naming the session, the user is asked first.
    let (status, html) = anna.browser.get_text("/oauth2/logout").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("action=\"/oauth2/logout\""));
    assert_eq!(anna.browser.get("/").await.status(), StatusCode::OK, "still logged in");

    // With it: logged out at once and sent to the registered URI with state.
    let good = format!(
        "/oauth2/logout?{}",
        serde_urlencoded::to_string([
            ("id_token_hint", hint),
            ("post_logout_redirect_uri", "https://service.example/"),
            ("state", "bye")
        ])
        .unwrap()
    );
    let response = anna.browser.get(&good).await;
    assert_eq!(location(&response), "https://service.example/?state=bye");
    assert_eq!(
        location(&anna.browser.get("/").await),
        "/login",
        "the Portcullis session ended"
    );
    let (_, err) = service.refresh(tokens["refresh_token"].as_str().unwrap()).await;
    assert_eq!(err["error"], "invalid_grant", "and the service's grant with it");
}

#[tokio::test]
async fn a_service_that_needs_a_key_explains_how_to_add_one() {
    let app = TestApp::sqlite().await;
    let client = register(&app, |s| s.require_key = true).await;
    let anna = person(&app, "anna@example.com", None).await;
    let response = anna.browser.get(&authorize_path(&client.client.id, &[])).await;
    assert_eq!(location(&response), "/oauth2/needs-key");
    let (status, html) = anna.browser.get_text("/oauth2/needs-key").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(html.contains("only accepts logins with a security key"), "{html}");
    assert!(html.contains("/mfa/setup/key"));
    // While the service waits, the setup page leads back to it.
    let (_, html) = anna.browser.get_text("/mfa/setup").await;
    assert!(html.contains("href=\"/oauth2/continue\""), "{html}");
    let response = anna.browser.post("/oauth2/cancel", &[]).await;
    let (_, html) = (response.status(), response.text().await.unwrap());
    let back = return_url(&html);
    assert_eq!(param(&back, "error").as_deref(), Some("access_denied"));
    // prompt=none cannot show that page.
    let response = anna
        .browser
        .get(&authorize_path(&client.client.id, &[("prompt", "none")]))
        .await;
    assert_eq!(
        param(location(&response), "error").as_deref(),
        Some("interaction_required")
    );
    // An app login asked for the key level by acr_values is the same.
    let plain = register(&app, |_| {}).await;
    let response = anna
        .browser
        .get(&authorize_path(&plain.client.id, &[("acr_values", "phr")]))
        .await;
    assert_eq!(location(&response), "/oauth2/needs-key");
}

#[tokio::test]
async fn consent_is_asked_once_for_third_party_services_in_dutch_too() {
    let app = TestApp::sqlite().await;
    let client = register(&app, |s| s.consent = true).await;
    let service = Service::new(&app, &client);
    let anna = person(&app, "anna@example.com", None).await;
    let response = anna
        .browser
        .get(&authorize_path(&service.id, &[("ui_locales", "nl")]))
        .await;
    assert_eq!(location(&response), "/oauth2/consent");
    let (_, html) = anna.browser.get_text("/oauth2/consent").await;
    assert!(
        html.contains("wil uw login gebruiken") && html.contains("uw e-mailadres"),
        "{html}"
    );
    let response = anna.browser.post("/oauth2/consent", &[("decision", "allow")]).await;
    let back = return_url(&response.text().await.unwrap());
    assert!(param(&back, "code").is_some());
    code_for(&anna.browser, &service.id, &[]).await; // not asked again
    let response = anna
        .browser
        .get(&authorize_path(&service.id, &[("prompt", "consent")]))
        .await;
    assert_eq!(location(&response), "/oauth2/consent");
    let response = anna.browser.post("/oauth2/consent", &[("decision", "deny")]).await;
    let back = return_url(&response.text().await.unwrap());
    assert_eq!(param(&back, "error").as_deref(), Some("access_denied"));
}

#[tokio::test]
async fn prompt_login_and_max_age_force_a_fresh_login() {
    let app = TestApp::sqlite().await;
    let client = register(&app, |_| {}).await;
    let service = Service::new(&app, &client);
    let anna = person(&app, "anna@example.com", None).await;
    let earlier = code_for(&anna.browser, &service.id, &[]).await;
    let (_, earlier) = service.exchange(&earlier, VERIFIER).await;
    let response = anna
        .browser
        .get(&authorize_path(&service.id, &[("prompt", "login")]))
        .await;
    assert_eq!(location(&response), "/login");
    anna.login(&app).await;
    let response = anna.browser.get("/oauth2/continue").await;
    let back = return_url(&response.text().await.unwrap());
    let code = param(&back, "code").expect("after the new login the service gets its code");
    let (_, tokens) = service.exchange(&code, VERIFIER).await;
    let sid_of = |t: &Value| t["id_token"].as_str().unwrap().to_owned();
    let (now, before) = (sid_of(&tokens), sid_of(&earlier));
    let now = app.app.verify_jwt(&now, true).await.unwrap();
    let before = app.app.verify_jwt(&before, true).await.unwrap();
    assert_eq!(
        now["sid"], before["sid"],
        "the same person keeps the single sign-on session"
    );
    assert!(now["auth_time"].as_i64() > before["auth_time"].as_i64(), "a new login");
    let (status, _) = service.refresh(earlier["refresh_token"].as_str().unwrap()).await;
    assert_eq!(status, StatusCode::OK, "logging in again did not end the earlier grant");

    app.clock.advance(120);
    let response = anna
        .browser
        .get(&authorize_path(&service.id, &[("max_age", "60")]))
        .await;
    assert_eq!(location(&response), "/login");
    let response = anna
        .browser
        .get(&authorize_path(&service.id, &[("max_age", "3600")]))
        .await;
    assert!(location(&response).starts_with(REDIRECT));
}

#[tokio::test]
async fn back_channel_logout_is_retried_until_the_service_answers() {
    let app = TestApp::sqlite().await;
    // A service that is down (503) until told otherwise.
    let up = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let received = Arc::new(Mutex::new(Vec::<String>::new()));
    let attempts = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let (flag, store, count) = (up.clone(), received.clone(), attempts.clone());
    let router = axum::Router::new().route(
        "/bc",
        axum::routing::post(
            move |axum::Form(form): axum::Form<std::collections::HashMap<String, String>>| {
                let (flag, store, count) = (flag.clone(), store.clone(), count.clone());
                async move {
                    count.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    if !flag.load(std::sync::atomic::Ordering::SeqCst) {
                        return StatusCode::SERVICE_UNAVAILABLE;
                    }
                    store
                        .lock()
                        .unwrap()
                        .push(form.get("logout_token").cloned().unwrap_or_default());
                    StatusCode::OK
                }
            },
        ),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://127.0.0.1:{}/bc", listener.local_addr().unwrap().port());
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    let client = register(&app, |s| s.backchannel_logout_uri = Some(url.clone())).await;
    let service = Service::new(&app, &client);
    let anna = person(&app, "anna@example.com", None).await;
    let code = code_for(&anna.browser, &service.id, &[]).await;
    service.exchange(&code, VERIFIER).await;
    anna.browser.logout().await;

    deliver_until(&app, || attempts.load(std::sync::atomic::Ordering::SeqCst) >= 1).await;
    assert!(received.lock().unwrap().is_empty());
    assert_eq!(pending_deliveries(&app).await, 1, "still to deliver");
    assert_eq!(
        app.app.deliver_logout_batch().await.unwrap(),
        0,
        "not due again before the back-off"
    );
    up.store(true, std::sync::atomic::Ordering::SeqCst);
    app.clock.advance(61);
    deliver_until(&app, || received.lock().unwrap().len() == 1).await;
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(60);
    while pending_deliveries(&app).await > 0 {
        assert!(tokio::time::Instant::now() < deadline, "never marked delivered");
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    app.clock.advance(3600);
    assert_eq!(
        app.app.deliver_logout_batch().await.unwrap(),
        0,
        "delivered once, never again"
    );
    assert_eq!(received.lock().unwrap().len(), 1);
    assert_eq!(attempts.load(std::sync::atomic::Ordering::SeqCst), 2);
}
