//! Security keys over HTTP, with webauthn-authenticator-rs's software authenticator in place of the
//! browser and the key (the browser itself is exercised in `browser.rs`): registration, login, the
//! ceremony's life (single use, expiry, owner, another node), policies, the clone check, bad input.

use std::sync::Arc;

use portcullis::app::{App, Client, Clock};
use portcullis::settings::{KeyPolicySetting, Settings};
use portcullis_core::security_key::{Aaguid, UserVerification};
use portcullis_core::totp::{TotpSecret, step_of};
use portcullis_core::{Amr, PlainToken, TokenKind, UnixTime};
use portcullis_store::security_keys::KeyModelRecord;
use portcullis_testkit::{Kind, TestDatabase};
use reqwest::StatusCode;
use serde_json::Value;
use url::Url;
use webauthn_authenticator_rs::WebauthnAuthenticator;
use webauthn_authenticator_rs::softtoken::{self, SoftToken};
use webauthn_rs_core::proto::{CreationChallengeResponse, RequestChallengeResponse};

use crate::helpers::{Browser, GOOD_PASSWORD, TestApp, alert, location, on_both_backends, test_settings};

/// The origin the test "browser" reports: the default public URL.
const ORIGIN: &str = "http://localhost:8080";

/// A software FIDO2 key: packed attestation under its own CA, a counter that grows with every use.
pub struct SoftKey {
    token: SoftToken,
    pub ca_der: Vec<u8>,
}

impl SoftKey {
    /// `with_pin`: the key verifies its user when asked to.
    pub fn new(with_pin: bool) -> SoftKey {
        use crypto_glue::traits::EncodeDer;
        let (token, ca) = SoftToken::new(with_pin).unwrap();
        SoftKey {
            token,
            ca_der: ca.to_der().unwrap(),
        }
    }

    pub fn aaguid() -> Aaguid {
        Aaguid::parse(&softtoken::AAGUID.to_string()).unwrap()
    }

    /// Answers a registration start as a browser would, from `origin`.
    pub fn register_at(&mut self, origin: &str, start: &Value) -> String {
        let options: CreationChallengeResponse = serde_json::from_value(start["options"].clone()).unwrap();
        let response = self
            .token
            .do_registration(Url::parse(origin).unwrap(), options)
            .unwrap();
        serde_json::to_string(&response).unwrap()
    }

    pub fn register(&mut self, start: &Value) -> String {
        self.register_at(ORIGIN, start)
    }

    pub fn sign_at(&mut self, origin: &str, start: &Value) -> String {
        let options: RequestChallengeResponse = serde_json::from_value(start["options"].clone()).unwrap();
        let response = self
            .token
            .do_authentication(Url::parse(origin).unwrap(), options)
            .unwrap();
        serde_json::to_string(&response).unwrap()
    }

    pub fn sign(&mut self, start: &Value) -> String {
        self.sign_at(ORIGIN, start)
    }

    /// A byte-for-byte copy of the key as it is now (its counter included).
    pub fn clone_now(&self) -> SoftKey {
        SoftKey {
            token: SoftToken::from_cbor(&self.token.to_cbor().unwrap()).unwrap(),
            ca_der: self.ca_der.clone(),
        }
    }
}

/// POSTs a ceremony start and returns (status, JSON).
pub async fn start(browser: &Browser, path: &str) -> (StatusCode, Value) {
    let response = browser.post(path, &[]).await;
    let status = response.status();
    let text = response.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON: {text}")),
    )
}

pub async fn finish(browser: &Browser, path: &str, ceremony: &str, credential: &str) -> (StatusCode, String, String) {
    let response = browser
        .post(path, &[("ceremony", ceremony), ("credential", credential)])
        .await;
    let status = response.status();
    let to = location(&response).to_owned();
    (status, to, response.text().await.unwrap())
}

/// Registers `key` through the setup pages; the session stays before Finish.
pub async fn enroll(browser: &Browser, key: &mut SoftKey) -> (StatusCode, String, String) {
    let (status, start) = start(browser, "/mfa/setup/key/start").await;
    assert_eq!(status, StatusCode::OK, "{start}");
    let credential = key.register(&start);
    finish(
        browser,
        "/mfa/setup/key",
        start["ceremony"].as_str().unwrap(),
        &credential,
    )
    .await
}

/// Logs in with `key` after the password step.
pub async fn key_login(browser: &Browser, key: &mut SoftKey) -> (StatusCode, String, String) {
    let (status, start) = start(browser, "/mfa/challenge/key/start").await;
    assert_eq!(status, StatusCode::OK, "{start}");
    let credential = key.sign(&start);
    finish(
        browser,
        "/mfa/challenge/key",
        start["ceremony"].as_str().unwrap(),
        &credential,
    )
    .await
}

/// A user in MFA setup (invitation accepted, password chosen).
async fn user_in_setup(app: &TestApp, email: &str) -> Browser {
    let link = app.invite(email, None).await;
    let browser = app.browser();
    let response = browser.accept(&link, "Test User", GOOD_PASSWORD, GOOD_PASSWORD).await;
    assert_eq!(location(&response), "/mfa/setup");
    browser
}

/// A user who registered `key`, finished setup and logged out again.
async fn user_with_key(app: &TestApp, email: &str, key: &mut SoftKey) -> Browser {
    let browser = user_in_setup(app, email).await;
    let (status, to, body) = enroll(&browser, key).await;
    assert_eq!((status, to.as_str()), (StatusCode::SEE_OTHER, "/mfa/setup"), "{body}");
    let response = browser.post("/mfa/setup/finish", &[]).await;
    assert_eq!(location(&response), "/");
    browser.logout().await;
    browser
}

/// The `amr` of the browser's current session, as stored.
async fn session_amr(app: &App, browser: &Browser) -> Vec<Amr> {
    let cookie = browser.cookie("portcullis").expect("a session cookie");
    let token = PlainToken::parse(TokenKind::Session, &cookie).unwrap();
    let session = app
        .store
        .read()
        .await
        .unwrap()
        .find_session(&token.hash())
        .await
        .unwrap();
    session.expect("a live session").amr
}

/// How many keys the test users hold between them.
async fn key_count(app: &TestApp) -> i64 {
    let mut tx = app.app.store.read().await.unwrap();
    let mut total = 0;
    for email in ["anna@example.com", "bob@example.com", "cleo@example.com"] {
        if let Some(user) = tx
            .find_user_by_email(&portcullis_core::Email::parse(email).unwrap())
            .await
            .unwrap()
        {
            total += tx.security_keys_of(user.id).await.unwrap().len() as i64;
        }
    }
    total
}

async fn enroll_a_key_then_log_in_with_it(kind: Kind) {
    let Some(app) = TestApp::of_kind(kind, "security_key::enroll_a_key_then_log_in_with_it").await else {
        return;
    };
    let browser = user_in_setup(&app, "anna@example.com").await;
    let (status, html) = browser.get_text("/mfa/setup").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("Security key") && html.contains("href=\"/mfa/setup/key\""),
        "{html}"
    );
    assert!(
        html.contains("Remote Desktop"),
        "the setup page says keys do not pass through RDP"
    );

    let (status, html) = browser.get_text("/mfa/setup/key").await;
    assert_eq!(status, StatusCode::OK);
    for step in [
        "Insert the key",
        "where to save the passkey",
        "make and model",
        "PIN",
        "Touch the key",
    ] {
        assert!(html.contains(step), "the page explains: {step}");
    }
    assert!(html.contains("src=\"/static/webauthn.js\"") && !html.contains("<script>"));

    // The options are the ones a security key needs.
    let (status, options) = start(&browser, "/mfa/setup/key/start").await;
    assert_eq!(status, StatusCode::OK);
    let pk = &options["options"]["publicKey"];
    assert_eq!(pk["attestation"], "direct");
    assert_eq!(pk["hints"], serde_json::json!(["security-key"]));
    assert_eq!(
        pk["authenticatorSelection"]["authenticatorAttachment"],
        "cross-platform"
    );
    assert_eq!(pk["authenticatorSelection"]["residentKey"], "discouraged");
    assert_eq!(pk["authenticatorSelection"]["userVerification"], "preferred");
    assert_eq!(pk["rp"]["id"], "localhost");
    let algs: Vec<i64> = pk["pubKeyCredParams"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["alg"].as_i64().unwrap())
        .collect();
    assert_eq!(algs, [-7, -257], "ES256 and RS256");

    let mut key = SoftKey::new(false);
    let credential = key.register(&options);
    let (status, to, _) = finish(
        &browser,
        "/mfa/setup/key",
        options["ceremony"].as_str().unwrap(),
        &credential,
    )
    .await;
    assert_eq!((status, to.as_str()), (StatusCode::SEE_OTHER, "/mfa/setup"));
    let (_, html) = browser.get_text("/mfa/setup").await;
    assert!(html.contains("class=\"check\""), "the key has its green check");
    assert!(
        html.contains("<li>Security key</li>"),
        "named (its model is unknown): {html}"
    );
    assert!(html.contains("action=\"/mfa/setup/finish\""));
    let response = browser.post("/mfa/setup/finish", &[]).await;
    assert_eq!(location(&response), "/");
    assert_eq!(session_amr(&app.app, &browser).await, [Amr::Pwd, Amr::Hwk]);

    browser.logout().await;
    let response = browser.login("anna@example.com", GOOD_PASSWORD).await;
    assert_eq!(location(&response), "/mfa/challenge");
    let (_, html) = browser.get_text("/mfa/challenge").await;
    assert!(
        html.contains("data-webauthn=\"login\""),
        "a key-only user is offered the key"
    );
    assert!(!html.contains("name=\"code\""));
    app.clock.advance(40);
    let (status, to, _) = key_login(&browser, &mut key).await;
    assert_eq!((status, to.as_str()), (StatusCode::SEE_OTHER, "/"));
    assert_eq!(session_amr(&app.app, &browser).await, [Amr::Pwd, Amr::Hwk]);
    let (_, home) = browser.get_text("/").await;
    assert!(home.contains("Test User"));

    let mut tx = app.app.store.read().await.unwrap();
    let anna = portcullis_core::Email::parse("anna@example.com").unwrap();
    let anna = tx.find_user_by_email(&anna).await.unwrap().unwrap();
    let keys = tx.security_keys_of(anna.id).await.unwrap();
    drop(tx);
    assert_eq!(keys.len(), 1);
    assert_eq!(keys[0].aaguid, SoftKey::aaguid());
    assert_eq!(keys[0].sign_count, 1, "the counter the key reported is stored");
    assert_eq!(keys[0].last_used_at, Some(UnixTime(app.clock.now().0)));
    let kinds = app.audit_kinds(20).await;
    for kind in [
        "login_mfa_ok",
        "mfa_setup_finished",
        "mfa_security_key_added",
        "security_key_setup_started",
    ] {
        assert!(kinds.iter().any(|k| k == kind), "{kind} audited: {kinds:?}");
    }
    assert_eq!(
        app.mail_kinds("anna@example.com").await,
        ["invitation", "mfa_method_added"],
        "told of the key added"
    );
}
on_both_backends!(enroll_a_key_then_log_in_with_it);

#[tokio::test]
async fn several_keys_and_an_app_and_the_method_used_last_comes_first() {
    let app = TestApp::sqlite().await;
    let browser = user_in_setup(&app, "anna@example.com").await;
    let (mut blue, mut red) = (SoftKey::new(false), SoftKey::new(false));
    assert_eq!(enroll(&browser, &mut blue).await.0, StatusCode::SEE_OTHER);
    assert_eq!(enroll(&browser, &mut red).await.0, StatusCode::SEE_OTHER);
    // And an authenticator app, a little later.
    app.clock.advance(5);
    let response = browser.post("/mfa/setup/app", &[("phone", "other")]).await;
    let page = location(&response).to_owned();
    let (_, html) = browser.get_text(&page).await;
    let secret = html
        .split("data-copy=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned();
    let secret = TotpSecret::from_base32(&secret).unwrap();
    let code = |at: UnixTime| format!("{:06}", secret.code_at(step_of(at)));
    let response = browser.post(&page, &[("code", &code(app.clock.now()))]).await;
    assert_eq!(location(&response), "/mfa/setup");
    let (_, html) = browser.get_text("/mfa/setup/key").await;
    assert!(html.contains("value=\"Security key\"") && html.contains("value=\"Security key (2)\""));
    browser.post("/mfa/setup/finish", &[]).await;
    assert_eq!(session_amr(&app.app, &browser).await, [Amr::Pwd, Amr::Otp, Amr::Hwk]);
    browser.logout().await;

    // The app was set up last, so it comes first; the key is one click away.
    app.clock.advance(60);
    browser.login("anna@example.com", GOOD_PASSWORD).await;
    let (_, html) = browser.get_text("/mfa/challenge").await;
    assert!(html.contains("name=\"code\"") && html.contains("href=\"/mfa/challenge?method=key\""));
    let (_, html) = browser.get_text("/mfa/challenge?method=key").await;
    assert!(html.contains("data-webauthn=\"login\"") && html.contains("href=\"/mfa/challenge?method=app\""));
    // Either key logs in.
    let (status, to, _) = key_login(&browser, &mut red).await;
    assert_eq!((status, to.as_str()), (StatusCode::SEE_OTHER, "/"));
    browser.logout().await;

    // The key was used last: it comes first now.
    app.clock.advance(60);
    browser.login("anna@example.com", GOOD_PASSWORD).await;
    let (_, html) = browser.get_text("/mfa/challenge").await;
    assert!(html.contains("data-webauthn=\"login\""), "the key was used last");
    let (status, _, _) = key_login(&browser, &mut blue).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    browser.logout().await;
    app.clock.advance(60);
    browser.login("anna@example.com", GOOD_PASSWORD).await;
    let response = browser
        .post("/mfa/challenge", &[("code", &code(app.clock.now()))])
        .await;
    assert_eq!(location(&response), "/");
    browser.logout().await;
    browser.login("anna@example.com", GOOD_PASSWORD).await;
    let (_, html) = browser.get_text("/mfa/challenge").await;
    assert!(html.contains("name=\"code\""), "the app was used last");
}

#[tokio::test]
async fn ceremonies_are_single_use_expire_and_belong_to_their_session() {
    let app = TestApp::sqlite().await;
    let anna = user_in_setup(&app, "anna@example.com").await;
    let bob = user_in_setup(&app, "bob@example.com").await;
    let mut key = SoftKey::new(false);

    // Used twice: the second finds nothing.
    let (_, options) = start(&anna, "/mfa/setup/key/start").await;
    let ceremony = options["ceremony"].as_str().unwrap().to_owned();
    let credential = key.register(&options);
    // Bob posting Anna's ceremony (with a key of his own) neither succeeds nor uses it up.
    let mut bobs_key = SoftKey::new(false);
    let bobs_answer = bobs_key.register(&options);
    let (status, _, html) = finish(&bob, "/mfa/setup/key", &ceremony, &bobs_answer).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(alert(&html).unwrap().contains("no longer valid"), "{html}");
    assert_eq!(
        finish(&anna, "/mfa/setup/key", &ceremony, &credential).await.0,
        StatusCode::SEE_OTHER
    );
    let (status, _, html) = finish(&anna, "/mfa/setup/key", &ceremony, &credential).await;
    assert_eq!(status, StatusCode::CONFLICT, "a ceremony is finished once");
    assert!(alert(&html).unwrap().contains("no longer valid"));

    // The same key again, answering a fresh ceremony with its old answer: already registered.
    let (_, options) = start(&anna, "/mfa/setup/key/start").await;
    let excluded = options["options"]["publicKey"]["excludeCredentials"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(excluded, 1, "the browser is told which key is registered already");
    let (status, _, html) = finish(
        &anna,
        "/mfa/setup/key",
        options["ceremony"].as_str().unwrap(),
        &credential,
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(alert(&html).unwrap().contains("already registered"), "{html}");

    // Expiry: five minutes.
    let (_, options) = start(&bob, "/mfa/setup/key/start").await;
    let answer = bobs_key.register(&options);
    app.clock.advance(301);
    let (status, _, html) = finish(&bob, "/mfa/setup/key", options["ceremony"].as_str().unwrap(), &answer).await;
    assert_eq!(status, StatusCode::GONE);
    assert!(alert(&html).unwrap().contains("5 minutes"));
    // Starting again discards the previous, unfinished ceremony.
    let (_, first) = start(&bob, "/mfa/setup/key/start").await;
    let (_, second) = start(&bob, "/mfa/setup/key/start").await;
    let answer = bobs_key.register(&first);
    assert_eq!(
        finish(&bob, "/mfa/setup/key", first["ceremony"].as_str().unwrap(), &answer)
            .await
            .0,
        StatusCode::CONFLICT
    );
    let answer = bobs_key.register(&second);
    assert_eq!(
        finish(&bob, "/mfa/setup/key", second["ceremony"].as_str().unwrap(), &answer)
            .await
            .0,
        StatusCode::SEE_OTHER
    );
    assert_eq!(key_count(&app).await, 2);
    let kinds = app.audit_kinds(30).await;
    assert!(kinds.iter().filter(|k| *k == "security_key_setup_refused").count() >= 3);
}

#[tokio::test]
async fn bad_answers_get_clear_messages_and_store_nothing() {
    let app = TestApp::sqlite().await;
    let browser = user_in_setup(&app, "anna@example.com").await;
    let mut key = SoftKey::new(false);

    let (_, options) = start(&browser, "/mfa/setup/key/start").await;
    let ceremony = options["ceremony"].as_str().unwrap().to_owned();
    // Not a WebAuthn response: 400, and the ceremony is still there for the real answer.
    for junk in ["", "{}", "not json", r#"{"id":"x","rawId":"!!","type":"public-key"}"#] {
        let (status, _, html) = finish(&browser, "/mfa/setup/key", &ceremony, junk).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{junk}");
        assert!(alert(&html).unwrap().contains("could not be read"));
    }
    let huge = "x".repeat(20 * 1024);
    let (status, _, _) = finish(&browser, "/mfa/setup/key", &ceremony, &huge).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    // Answered for another origin (another port of the host): refused.
    let phished = key.register_at("http://localhost:9999", &options);
    let (status, _, html) = finish(&browser, "/mfa/setup/key", &ceremony, &phished).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(alert(&html).unwrap().contains("could not be verified"), "{html}");
    // Signed for another relying party (as a phishing site relaying our challenge would get it).
    let (_, mut options) = start(&browser, "/mfa/setup/key/start").await;
    options["options"]["publicKey"]["rp"]["id"] = "evil.example".into();
    let other_rp = key.register_at("https://evil.example", &options);
    let (status, _, _) = finish(
        &browser,
        "/mfa/setup/key",
        options["ceremony"].as_str().unwrap(),
        &other_rp,
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    // A forged ceremony id.
    let (_, options) = start(&browser, "/mfa/setup/key/start").await;
    let answer = key.register(&options);
    let (status, _, _) = finish(&browser, "/mfa/setup/key", "forged", &answer).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(key_count(&app).await, 0, "nothing was stored");
    // No CSRF value: refused before anything else.
    let response = browser
        .post_raw("/mfa/setup/key/start", &[("csrf", "pcc_forged")])
        .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    // A ceremony from the wrong stage: JSON with a message.
    let anonymous = app.browser();
    let (status, body) = start(&anonymous, "/mfa/challenge/key/start").await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(body["error"].as_str().unwrap().contains("step"), "{body}");
    // Renaming: the name is checked, and only one's own keys can be renamed.
    let (_, _, _) = enroll(&browser, &mut key).await;
    let (_, html) = browser.get_text("/mfa/setup/key").await;
    let id = html
        .split("action=\"/mfa/setup/key/")
        .nth(1)
        .unwrap()
        .split('/')
        .next()
        .unwrap()
        .to_owned();
    let path = format!("/mfa/setup/key/{id}/name");
    let response = browser.post(&path, &[("name", "   ")]).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let response = browser.post(&path, &[("name", "Blue key")]).await;
    assert_eq!(location(&response), "/mfa/setup/key");
    let (_, html) = browser.get_text("/mfa/setup").await;
    assert!(html.contains("Blue key"));
    let bob = user_in_setup(&app, "bob@example.com").await;
    let response = bob.post(&path, &[("name", "Mine now")]).await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn login_answers_are_checked_against_the_challenge_the_key_and_the_origin() {
    let app = TestApp::sqlite().await;
    let mut key = SoftKey::new(false);
    let mut other = SoftKey::new(false);
    let anna = user_with_key(&app, "anna@example.com", &mut key).await;
    let _bob = user_with_key(&app, "bob@example.com", &mut other).await;
    anna.login("anna@example.com", GOOD_PASSWORD).await;

    let (_, options) = start(&anna, "/mfa/challenge/key/start").await;
    let ceremony = options["ceremony"].as_str().unwrap().to_owned();
    // Bob's key (registered, but not Anna's) signs Anna's challenge.
    let (status, _, html) = {
        let bob = app.browser();
        bob.login("bob@example.com", GOOD_PASSWORD).await;
        let (_, bob_options) = start(&bob, "/mfa/challenge/key/start").await;
        let mut foreign = bob_options.clone();
        foreign["options"]["publicKey"]["challenge"] = options["options"]["publicKey"]["challenge"].clone();
        let answer = other.sign(&foreign);
        finish(&anna, "/mfa/challenge/key", &ceremony, &answer).await
    };
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(
        alert(&html).unwrap().contains("not registered to your account"),
        "{html}"
    );
    // That attempt used the ceremony up.
    let answer = key.sign(&options);
    assert_eq!(
        finish(&anna, "/mfa/challenge/key", &ceremony, &answer).await.0,
        StatusCode::CONFLICT
    );

    // Signed for another origin (another port of the host).
    let (_, options) = start(&anna, "/mfa/challenge/key/start").await;
    let phished = key.sign_at("http://localhost:9999", &options);
    let (status, _, html) = finish(
        &anna,
        "/mfa/challenge/key",
        options["ceremony"].as_str().unwrap(),
        &phished,
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(alert(&html).unwrap().contains("could not be verified"));
    // The answer to one challenge does not answer the next (after the throttle's wait: failures count).
    app.clock.advance(15 * 60);
    let (_, first) = start(&anna, "/mfa/challenge/key/start").await;
    let old = key.sign(&first);
    let (_, second) = start(&anna, "/mfa/challenge/key/start").await;
    let (status, _, _) = finish(&anna, "/mfa/challenge/key", second["ceremony"].as_str().unwrap(), &old).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    // Expired.
    app.clock.advance(15 * 60);
    let (_, options) = start(&anna, "/mfa/challenge/key/start").await;
    let answer = key.sign(&options);
    app.clock.advance(301);
    let (status, _, _) = finish(
        &anna,
        "/mfa/challenge/key",
        options["ceremony"].as_str().unwrap(),
        &answer,
    )
    .await;
    assert_eq!(status, StatusCode::GONE);
    // Still at the challenge, and the real key still works.
    app.clock.advance(15 * 60);
    let (status, to, _) = key_login(&anna, &mut key).await;
    assert_eq!((status, to.as_str()), (StatusCode::SEE_OTHER, "/"));
    assert!(app.audit_kinds(10).await.iter().any(|k| k == "login_failed"));
}

#[tokio::test]
async fn a_counter_that_does_not_grow_marks_the_key_as_copied() {
    let app = TestApp::sqlite().await;
    let mut key = SoftKey::new(false);
    let browser = user_with_key(&app, "anna@example.com", &mut key).await;
    let mut copy = key.clone_now();
    browser.login("anna@example.com", GOOD_PASSWORD).await;
    assert_eq!(key_login(&browser, &mut key).await.0, StatusCode::SEE_OTHER);
    browser.logout().await;

    // The copy signs with the counter the original already used.
    browser.login("anna@example.com", GOOD_PASSWORD).await;
    let (status, to, html) = key_login(&browser, &mut copy).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(to, "");
    assert!(alert(&html).unwrap().contains("may have been copied"), "{html}");
    assert!(alert(&html).unwrap().contains("administrator"));
    let kinds = app.audit_kinds(5).await;
    assert!(kinds.iter().any(|k| k == "security_key_clone_suspected"), "{kinds:?}");
    // From now on the key is refused, even the original with a higher counter.
    let (status, _, html) = key_login(&browser, &mut key).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(alert(&html).unwrap().contains("may have been copied"));
}

async fn app_with(settings: impl FnOnce(&mut Settings)) -> TestApp {
    let db = Arc::new(TestDatabase::sqlite());
    let mut s = test_settings(&db);
    settings(&mut s);
    TestApp::start(db, None, Some(s)).await
}

#[tokio::test]
async fn policies_refuse_keys_with_a_message_that_names_them() {
    // Allow-list without the soft key's model.
    let app = app_with(|s| {
        s.security_key_policy = KeyPolicySetting::AllowList;
        s.security_key_allow_list = vec!["2fc0579f-8113-47ea-b116-bb5a8db9202a".into()];
    })
    .await;
    let mut browser = user_in_setup(&app, "anna@example.com").await;
    let (status, _, html) = enroll(&browser, &mut SoftKey::new(false)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(alert(&html).unwrap().contains("allow-list"), "{html}");
    assert_eq!(key_count(&app).await, 0);
    assert_eq!(app.audit_kinds(1).await, ["security_key_refused_by_policy"]);
    browser.accept_language = "nl";
    let (status, _, html) = enroll(&browser, &mut SoftKey::new(false)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(alert(&html).unwrap().contains("toegestane lijst"), "{html}");

    // Known models only: the soft key is in no metadata.
    let app = app_with(|s| s.security_key_policy = KeyPolicySetting::Known).await;
    let browser = user_in_setup(&app, "anna@example.com").await;
    let mut key = SoftKey::new(false);
    let (status, _, html) = enroll(&browser, &mut key).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(alert(&html).unwrap().contains("known models"), "{html}");
    // Loaded metadata with the key's maker's root: admitted, and named after the model.
    let model = |ca_der: &[u8]| KeyModelRecord {
        aaguid: SoftKey::aaguid(),
        name: "Soft Token 3000".into(),
        attestation_roots: vec![data_encoding::BASE64.encode(ca_der)],
        loaded_at: UnixTime(1),
    };
    let loaded = app
        .app
        .load_key_models(
            vec![model(&SoftKey::new(false).ca_der), model(b"twice")],
            &Client::default(),
        )
        .await
        .unwrap();
    assert_eq!(loaded, (1, 1), "one model per AAGUID");
    assert_eq!(app.audit_kinds(1).await, ["key_metadata_loaded"]);
    // A key claiming that model whose attestation does not chain to its root: refused.
    let (status, _, html) = enroll(&browser, &mut key).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(alert(&html).unwrap().contains("could not prove"), "{html}");
    app.app
        .load_key_models(vec![model(&key.ca_der)], &Client::default())
        .await
        .unwrap();
    let (status, _, _) = enroll(&browser, &mut key).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, html) = browser.get_text("/mfa/setup").await;
    assert!(html.contains("Soft Token 3000"));
}

#[tokio::test]
async fn user_verification_required_refuses_keys_without_a_pin() {
    let app = app_with(|s| s.security_key_user_verification = UserVerification::Required).await;
    let browser = user_in_setup(&app, "anna@example.com").await;
    let (_, html) = browser.get_text("/mfa/setup/key").await;
    assert!(html.contains("only accepts keys with a PIN"));
    assert!(html.contains("data-msg-cancelled=\"The security key step ended without an answer"));
    // A key that ignores the request for its PIN (no user verification in its answer).
    let (_, mut options) = start(&browser, "/mfa/setup/key/start").await;
    assert_eq!(
        options["options"]["publicKey"]["authenticatorSelection"]["userVerification"],
        "required"
    );
    options["options"]["publicKey"]["authenticatorSelection"]["userVerification"] = "discouraged".into();
    let answer = SoftKey::new(false).register(&options);
    let (status, _, html) = finish(
        &browser,
        "/mfa/setup/key",
        options["ceremony"].as_str().unwrap(),
        &answer,
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(alert(&html).unwrap().contains("PIN"), "{html}");
    assert_eq!(app.audit_kinds(1).await, ["security_key_refused_by_policy"]);
    // A key with a PIN: accepted, and the login says so (amr "pin").
    let mut key = SoftKey::new(true);
    assert_eq!(enroll(&browser, &mut key).await.0, StatusCode::SEE_OTHER);
    browser.post("/mfa/setup/finish", &[]).await;
    assert_eq!(session_amr(&app.app, &browser).await, [Amr::Pwd, Amr::Hwk, Amr::Pin]);
    browser.logout().await;
    browser.login("anna@example.com", GOOD_PASSWORD).await;
    assert_eq!(key_login(&browser, &mut key).await.0, StatusCode::SEE_OTHER);
    assert_eq!(session_amr(&app.app, &browser).await, [Amr::Pwd, Amr::Hwk, Amr::Pin]);
}

/// A ceremony started on one node is finished on another (both on one PostgreSQL database).
#[tokio::test]
async fn another_node_finishes_what_one_started() {
    let Some(node1) = TestApp::postgres("security_key::another_node_finishes_what_one_started").await else {
        return;
    };
    let node2 = TestApp::start(
        node1.db.clone(),
        Some(node1.clock.clone()),
        Some(node1.settings.clone()),
    )
    .await;
    let on_node1 = user_in_setup(&node1, "anna@example.com").await;
    let on_node2 = on_node1.same_cookies_at(&node2.address);
    let mut key = SoftKey::new(false);
    let (_, options) = start(&on_node1, "/mfa/setup/key/start").await;
    let answer = key.register(&options);
    let (status, to, _) = finish(
        &on_node2,
        "/mfa/setup/key",
        options["ceremony"].as_str().unwrap(),
        &answer,
    )
    .await;
    assert_eq!((status, to.as_str()), (StatusCode::SEE_OTHER, "/mfa/setup"));
    // …and once only: node 1 finds it gone.
    let (status, _, _) = finish(
        &on_node1,
        "/mfa/setup/key",
        options["ceremony"].as_str().unwrap(),
        &answer,
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    on_node2.post("/mfa/setup/finish", &[]).await;
    on_node2.logout().await;
    on_node1.login("anna@example.com", GOOD_PASSWORD).await;
    let (_, options) = start(&on_node2, "/mfa/challenge/key/start").await;
    let answer = key.sign(&options);
    let (status, to, _) = finish(
        &on_node1,
        "/mfa/challenge/key",
        options["ceremony"].as_str().unwrap(),
        &answer,
    )
    .await;
    assert_eq!((status, to.as_str()), (StatusCode::SEE_OTHER, "/"));
}

#[tokio::test]
async fn the_key_pages_speak_dutch() {
    let app = TestApp::sqlite().await;
    let mut key = SoftKey::new(false);
    let mut browser = user_with_key(&app, "anna@example.com", &mut key).await;
    browser.accept_language = "nl";
    browser.login("anna@example.com", GOOD_PASSWORD).await;
    let (_, html) = browser.get_text("/mfa/challenge").await;
    assert!(html.contains("Beveiligingssleutel gebruiken"), "{html}");
    assert!(html.contains("data-msg-cancelled=\"De stap met de beveiligingssleutel is afgebroken"));
}

#[tokio::test]
async fn forged_key_answers_are_throttled_like_wrong_codes() {
    let app = TestApp::sqlite().await;
    let mut key = SoftKey::new(false);
    let mut stranger = SoftKey::new(false);
    let _bob = user_with_key(&app, "bob@example.com", &mut stranger).await;
    let browser = user_with_key(&app, "anna@example.com", &mut key).await;
    browser.login("anna@example.com", GOOD_PASSWORD).await;
    let bob = app.browser();
    bob.login("bob@example.com", GOOD_PASSWORD).await;
    let mut statuses = Vec::new();
    for _ in 0..6 {
        // A registered key, but not Anna's, answers Anna's challenge.
        let (status, options) = start(&browser, "/mfa/challenge/key/start").await;
        assert_eq!(status, StatusCode::OK);
        let (_, mut theirs) = start(&bob, "/mfa/challenge/key/start").await;
        theirs["options"]["publicKey"]["challenge"] = options["options"]["publicKey"]["challenge"].clone();
        let answer = stranger.sign(&theirs);
        let response = browser
            .post(
                "/mfa/challenge/key",
                &[
                    ("ceremony", options["ceremony"].as_str().unwrap()),
                    ("credential", &answer),
                ],
            )
            .await;
        let status = response.status();
        if status == StatusCode::TOO_MANY_REQUESTS {
            assert!(response.headers().contains_key("retry-after"));
            let html = response.text().await.unwrap();
            assert!(alert(&html).unwrap().contains("Too many"), "{html}");
        }
        statuses.push(status);
    }
    assert_eq!(
        statuses,
        [
            StatusCode::UNAUTHORIZED,
            StatusCode::UNAUTHORIZED,
            StatusCode::UNAUTHORIZED,
            StatusCode::TOO_MANY_REQUESTS,
            StatusCode::TOO_MANY_REQUESTS,
            StatusCode::TOO_MANY_REQUESTS
        ],
        "3 free failures, then a wait"
    );
    assert!(app.audit_kinds(3).await.iter().any(|k| k == "login_throttled"));
    // The wait ends by itself; a success gives the attempts back.
    app.clock.advance(60);
    let (status, to, _) = key_login(&browser, &mut key).await;
    assert_eq!((status, to.as_str()), (StatusCode::SEE_OTHER, "/"));
}
