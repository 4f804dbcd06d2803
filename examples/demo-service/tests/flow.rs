//! The whole flow against a stand-in provider on loopback: discovery, login (PKCE S256, state, nonce,
//! client_secret_basic), the ES256 ID token verified by `openidconnect`, the claims page, refresh with
//! rotation, back-channel logout and RP-initiated logout. The stand-in only checks what the demo must send;
//! the real end-to-end run is against `portcullis serve` (see the README).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair};
use axum::extract::{Form, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

const CLIENT_ID: &str = "demo";
const CLIENT_SECRET: &str = "s3cret";

struct Provider {
    issuer: String,
    key: EncodingKey,
    jwk: Value,
    /// The authorization request's nonce and PKCE challenge, by code.
    codes: Mutex<HashMap<String, (String, String)>>,
    refresh_token: Mutex<String>,
}

impl Provider {
    fn sign(&self, claims: &Value, typ: &str) -> String {
        let mut header = Header::new(Algorithm::ES256);
        header.kid = Some("k1".into());
        header.typ = Some(typ.into());
        jsonwebtoken::encode(&header, claims, &self.key).unwrap()
    }
    fn id_token(&self, nonce: Option<&str>) -> String {
        let now = now();
        let mut claims = json!({
            "iss": self.issuer, "sub": "u-1", "aud": CLIENT_ID, "exp": now + 300, "iat": now, "auth_time": now,
            "amr": ["pwd", "otp", "mfa"], "acr": "mfa", "sid": "s-1", "email": "anna@example.com",
            "email_verified": true, "name": "Anna <Admin>", "locale": "en",
            "org": {"id": "o-1", "name": "Port of Rotterdam"}, "roles": ["main_admin"],
        });
        if let Some(nonce) = nonce {
            claims["nonce"] = json!(nonce);
        }
        self.sign(&claims, "JWT")
    }
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

async fn spawn_provider() -> Arc<Provider> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let issuer = format!("http://{}", listener.local_addr().unwrap());
    let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &SystemRandom::new()).unwrap();
    let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref()).unwrap();
    let point = pair.public_key().as_ref();
    let jwk = json!({"kty": "EC", "crv": "P-256", "use": "sig", "alg": "ES256", "kid": "k1",
        "x": URL_SAFE_NO_PAD.encode(&point[1..33]), "y": URL_SAFE_NO_PAD.encode(&point[33..65])});
    let provider = Arc::new(Provider {
        issuer,
        key: EncodingKey::from_ec_der(pkcs8.as_ref()),
        jwk,
        codes: Mutex::default(),
        refresh_token: Mutex::new("rt-1".into()),
    });
    let app = Router::new()
        .route("/.well-known/openid-configuration", get(discovery))
        .route(
            "/jwks",
            get(|State(p): State<Arc<Provider>>| async move { Json(json!({"keys": [p.jwk]})) }),
        )
        .route("/authorize", get(authorize))
        .route("/token", post(token))
        .with_state(provider.clone());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    provider
}

async fn discovery(State(p): State<Arc<Provider>>) -> Json<Value> {
    let i = &p.issuer;
    Json(json!({
        "issuer": i, "authorization_endpoint": format!("{i}/authorize"), "token_endpoint": format!("{i}/token"),
        "jwks_uri": format!("{i}/jwks"), "end_session_endpoint": format!("{i}/logout"),
        "response_types_supported": ["code"], "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["ES256", "RS256"],
    }))
}

async fn authorize(State(p): State<Arc<Provider>>, Query(q): Query<HashMap<String, String>>) -> Response {
    assert_eq!(q["client_id"], CLIENT_ID);
    assert_eq!(q["response_type"], "code");
    assert_eq!(q["code_challenge_method"], "S256");
    let scopes: Vec<&str> = q["scope"].split(' ').collect();
    for s in ["openid", "profile", "email", "org", "offline_access"] {
        assert!(scopes.contains(&s), "scope {s} requested");
    }
    let code = format!("code-{}", p.codes.lock().unwrap().len());
    p.codes
        .lock()
        .unwrap()
        .insert(code.clone(), (q["nonce"].clone(), q["code_challenge"].clone()));
    Redirect::to(&format!("{}?code={code}&state={}", q["redirect_uri"], q["state"])).into_response()
}

async fn token(State(p): State<Arc<Provider>>, headers: HeaderMap, Form(f): Form<HashMap<String, String>>) -> Response {
    let basic = format!("Basic {}", STANDARD.encode(format!("{CLIENT_ID}:{CLIENT_SECRET}")));
    assert_eq!(headers[header::AUTHORIZATION], basic.as_str(), "client_secret_basic");
    let mut refresh = p.refresh_token.lock().unwrap();
    let id_token = match f["grant_type"].as_str() {
        "authorization_code" => {
            let (nonce, challenge) = p
                .codes
                .lock()
                .unwrap()
                .remove(&f["code"])
                .expect("a known code, used once");
            let computed = URL_SAFE_NO_PAD.encode(Sha256::digest(f["code_verifier"].as_bytes()));
            assert_eq!(computed, challenge, "PKCE S256");
            p.id_token(Some(&nonce))
        }
        "refresh_token" => {
            if f["refresh_token"] != *refresh {
                return (StatusCode::BAD_REQUEST, Json(json!({"error": "invalid_grant"}))).into_response();
            }
            *refresh = format!("rt-{}", now() as u128 + refresh.len() as u128);
            p.id_token(None)
        }
        other => panic!("grant {other}"),
    };
    Json(
        json!({"access_token": "at", "token_type": "Bearer", "expires_in": 300, "refresh_token": *refresh,
        "id_token": id_token}),
    )
    .into_response()
}

/// The demo on port 0, and a client that keeps no cookies and follows no redirects.
async fn spawn_demo(issuer: &str) -> (String, reqwest::Client) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}/", listener.local_addr().unwrap());
    let settings = portcullis_demo::Settings {
        issuer: issuer.to_owned(),
        client_id: CLIENT_ID.into(),
        client_secret: CLIENT_SECRET.into(),
        base_url: base.parse().unwrap(),
    };
    // Discovery happens inside `run`; wait for it by polling the home page.
    tokio::spawn(portcullis_demo::run(settings, listener, std::future::pending()));
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    (base, client)
}

fn location(r: &reqwest::Response) -> String {
    r.headers()[header::LOCATION].to_str().unwrap().to_owned()
}

fn cookie(r: &reqwest::Response) -> String {
    r.headers()[header::SET_COOKIE]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned()
}

/// Logs in and returns the session cookie.
async fn log_in(base: &str, client: &reqwest::Client, query: &str) -> String {
    let start = client.get(format!("{base}login{query}")).send().await.unwrap();
    assert_eq!(start.status(), StatusCode::SEE_OTHER);
    let pre_login = cookie(&start);
    let at_provider = client.get(location(&start)).send().await.unwrap();
    let callback = client
        .get(location(&at_provider))
        .header("cookie", &pre_login)
        .send()
        .await
        .unwrap();
    assert_eq!(
        callback.status(),
        StatusCode::SEE_OTHER,
        "{}",
        callback.text().await.unwrap()
    );
    let session = cookie(&callback);
    assert_ne!(session, pre_login, "a new session id at login");
    session
}

async fn home(base: &str, client: &reqwest::Client, session: &str) -> String {
    client
        .get(base)
        .header("cookie", session)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

#[tokio::test]
async fn login_refresh_and_both_logouts() {
    let provider = spawn_provider().await;
    let (base, client) = spawn_demo(&provider.issuer).await;
    for _ in 0..100 {
        if client.get(&base).send().await.is_ok() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert!(home(&base, &client, "").await.contains("Log in with Portcullis"));

    let session = log_in(&base, &client, "").await;
    let page = home(&base, &client, &session).await;
    assert!(page.contains("Anna &lt;Admin&gt;"), "{page}");
    assert!(page.contains("password + authenticator app"));
    assert!(page.contains("Port of Rotterdam") && page.contains("main_admin") && page.contains("s-1"));

    let refreshed = client
        .post(format!("{base}refresh"))
        .header("cookie", &session)
        .send()
        .await
        .unwrap();
    assert_eq!(refreshed.status(), StatusCode::SEE_OTHER);
    assert!(
        home(&base, &client, &session)
            .await
            .contains("a new refresh token was issued")
    );
    // The rotated token works again (the demo kept the new one).
    let again = client
        .post(format!("{base}refresh"))
        .header("cookie", &session)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::SEE_OTHER);

    // Back-channel logout: a bad token is a 400 with JSON, a good one ends the session.
    let bad = client
        .post(format!("{base}backchannel-logout"))
        .form(&[("logout_token", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    let body: Value = serde_json::from_str(&bad.text().await.unwrap()).unwrap();
    assert_eq!(body["error"], "invalid_request");
    let logout_token = provider.sign(
        &json!({"iss": provider.issuer, "aud": CLIENT_ID, "iat": now(), "exp": now() + 120, "jti": "j",
            "sid": "s-1", "events": {"http://schemas.openid.net/event/backchannel-logout": {}}}),
        "logout+jwt",
    );
    let good = client
        .post(format!("{base}backchannel-logout"))
        .form(&[("logout_token", logout_token)])
        .send()
        .await
        .unwrap();
    assert_eq!(good.status(), StatusCode::OK);
    assert!(home(&base, &client, &session).await.contains("You are not logged in"));

    // RP-initiated logout.
    let session = log_in(&base, &client, "?acr=phr").await;
    assert!(
        home(&base, &client, &session)
            .await
            .contains("You asked for a security key")
    );
    let out = client
        .post(format!("{base}logout"))
        .header("cookie", &session)
        .send()
        .await
        .unwrap();
    let to = url::Url::parse(&location(&out)).unwrap();
    assert_eq!(to.path(), "/logout");
    let params: HashMap<_, _> = to.query_pairs().into_owned().collect();
    assert_eq!(params["post_logout_redirect_uri"], base);
    assert_eq!(params["client_id"], CLIENT_ID);
    assert!(params.contains_key("id_token_hint"));
    assert!(home(&base, &client, &session).await.contains("You are not logged in"));

    // The provider's error is a page, not a panic.
    let denied = client.get(format!(
        "{base}callback?error=access_denied&error_description=No%20%3Cthanks%3E&state=x"
    ));
    let denied = denied.send().await.unwrap();
    assert_eq!(denied.status(), StatusCode::BAD_REQUEST);
    let text = denied.text().await.unwrap();
    assert!(text.contains("access_denied") && text.contains("No &lt;thanks&gt;"));
}
