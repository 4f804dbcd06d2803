//! Security keys in a real browser: headless Chromium driven through chromedriver (WebDriver, with
//! fantoccini), using Chromium's virtual authenticator (CTAP2 over USB) in place of a physical key.
//! The pages, `webauthn.js` and `navigator.credentials` are the real ones.
//!
//! Without `chromium` and `chromedriver` these tests print one line and skip (in CI they fail).

use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::wd::WebDriverCompatibleCommand;
use fantoccini::{Client, ClientBuilder, Locator};
use portcullis::settings::KeyPolicySetting;
use portcullis_core::security_key::Aaguid;
use portcullis_core::{Amr, PlainToken, TokenKind, UnixTime};
use portcullis_store::security_keys::KeyModelRecord;
use portcullis_testkit::have_tool;
use serde_json::{Value, json};

use crate::helpers::{GOOD_PASSWORD, TestApp};

/// How long to wait for the browser to reach a page before calling the test failed (a guard against
/// hanging, not a speed check: a healthy run takes well under a second per step).
const PATIENCE: Duration = Duration::from_secs(60);

/// The AAGUID Chromium's virtual authenticator reports.
const CHROMIUM_VIRTUAL_AAGUID: &str = "01020304-0506-0708-0102-030405060708";

/// A chromedriver process and a headless Chromium session. [`Chrome::quit`] ends the session (and with
/// it the browser); if a test fails first, dropping this kills chromedriver's whole process group, so
/// no Chromium outlives its test.
struct Chrome {
    client: Client,
    driver: Child,
    _profile: tempfile::TempDir,
}

impl Drop for Chrome {
    fn drop(&mut self) {
        // chromedriver leads its own process group (see `chrome`); Chromium and its helpers are in it.
        let group = format!("-{}", self.driver.id());
        let _ = Command::new("kill").args(["-KILL", "--", &group]).status();
        let _ = self.driver.wait();
    }
}

fn chromium_binary() -> Option<&'static str> {
    ["chromium", "chromium-browser", "google-chrome"].into_iter().find(|b| {
        Command::new(b)
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    })
}

/// Starts chromedriver and a headless Chromium, or says why not and returns `None`.
async fn chrome(test: &str) -> Option<Chrome> {
    if !have_tool(test, "chromedriver", "chromium-driver") {
        return None;
    }
    let Some(binary) = chromium_binary() else {
        portcullis_testkit::skip(test, "`chromium` is not installed (Debian package chromium)");
        return None;
    };
    let binary = String::from_utf8(Command::new("which").arg(binary).output().unwrap().stdout).unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let driver = Command::new("chromedriver")
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .process_group(0)
        .spawn()
        .unwrap();
    let profile = tempfile::tempdir().unwrap();
    let mut capabilities = serde_json::Map::new();
    capabilities.insert(
        "goog:chromeOptions".into(),
        json!({
            "binary": binary.trim(),
            "args": [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
                "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", format!("--user-data-dir={}", profile.path().display()),
            ],
        }),
    );
    let url = format!("http://127.0.0.1:{port}");
    // chromedriver takes a moment to listen; try for a bounded number of rounds.
    let mut last = None;
    for _ in 0..200 {
        // chromedriver speaks plain HTTP on 127.0.0.1: no TLS connector.
        match ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(capabilities.clone())
            .connect(&url)
            .await
        {
            Ok(client) => {
                return Some(Chrome {
                    client,
                    driver,
                    _profile: profile,
                });
            }
            Err(err) => last = Some(err),
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("chromedriver did not start: {last:?}");
}

/// A WebDriver extension command under `/session/{id}/`: the Web Authentication spec's virtual
/// authenticators (`webauthn/…`) and chromedriver's DevTools passthrough (`goog/cdp/execute`).
#[derive(Debug)]
struct ExtensionCmd {
    method: http::Method,
    path: String,
    body: Option<Value>,
}

impl WebDriverCompatibleCommand for ExtensionCmd {
    fn endpoint(&self, base_url: &url::Url, session_id: Option<&str>) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!("session/{}/{}", session_id.unwrap_or_default(), self.path))
    }

    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        (self.method.clone(), self.body.as_ref().map(|b| b.to_string()))
    }
}

impl Chrome {
    /// Ends the browser session (Chromium exits), then chromedriver.
    async fn quit(self) {
        let _ = self.client.clone().close().await;
    }

    async fn webauthn(&self, method: http::Method, path: &str, body: Option<Value>) -> Value {
        let cmd = ExtensionCmd {
            method,
            path: format!("webauthn/{path}"),
            body,
        };
        self.client.issue_cmd(cmd).await.unwrap()
    }

    /// Runs `source` in every page before the page's own scripts (DevTools
    /// `Page.addScriptToEvaluateOnNewDocument`).
    async fn before_every_page(&self, source: &str) {
        let cmd = ExtensionCmd {
            method: http::Method::POST,
            path: "goog/cdp/execute".into(),
            body: Some(json!({
                "cmd": "Page.addScriptToEvaluateOnNewDocument",
                "params": { "source": source },
            })),
        };
        self.client.issue_cmd(cmd).await.unwrap();
    }

    /// Plugs in a virtual FIDO2 key (CTAP2, USB, not discoverable); `pin`: it verifies its user.
    async fn plug_in_key(&self, pin: bool) -> String {
        let id = self
            .webauthn(
                http::Method::POST,
                "authenticator",
                Some(json!({
                    "protocol": "ctap2",
                    "transport": "usb",
                    "hasResidentKey": false,
                    "hasUserVerification": pin,
                    "isUserConsenting": true,
                    "isUserVerified": pin,
                })),
            )
            .await;
        id.as_str().unwrap().to_owned()
    }

    async fn credentials(&self, authenticator: &str) -> Vec<Value> {
        let list = self
            .webauthn(
                http::Method::GET,
                &format!("authenticator/{authenticator}/credentials"),
                None,
            )
            .await;
        list.as_array().unwrap().clone()
    }

    async fn goto(&self, app: &TestApp, path: &str) {
        self.client.goto(&format!("{}{path}", app.address)).await.unwrap();
    }

    async fn path(&self) -> String {
        self.client.current_url().await.unwrap().path().to_owned()
    }

    /// Waits until the browser shows `path`.
    async fn wait_for_path(&self, path: &str) {
        let mut seen = String::new();
        let deadline = tokio::time::Instant::now() + PATIENCE;
        while tokio::time::Instant::now() < deadline {
            seen = self.path().await;
            if seen == path {
                return;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        let source = self.client.source().await.unwrap_or_default();
        panic!("the browser stayed at {seen}, not {path}: {source}");
    }

    /// Waits until the element's text contains `text` and returns it.
    async fn wait_for_text(&self, css: &str, text: &str) -> String {
        let deadline = tokio::time::Instant::now() + PATIENCE;
        let mut seen = String::new();
        while tokio::time::Instant::now() < deadline {
            if let Ok(element) = self.client.find(Locator::Css(css)).await {
                seen = element.text().await.unwrap_or_default();
                if seen.contains(text) {
                    return seen;
                }
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("{css} says {seen:?}, never {text:?}");
    }

    async fn click(&self, css: &str) {
        self.client
            .find(Locator::Css(css))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
    }

    async fn fill(&self, css: &str, value: &str) {
        self.client
            .find(Locator::Css(css))
            .await
            .unwrap()
            .send_keys(value)
            .await
            .unwrap();
    }

    async fn source(&self) -> String {
        self.client.source().await.unwrap()
    }

    /// Accepts an invitation through the page: name, password twice.
    async fn accept_invitation(&self, app: &TestApp, link: &str) {
        self.goto(app, link).await;
        self.fill("#display_name", "Key User").await;
        self.fill("#password", GOOD_PASSWORD).await;
        self.fill("#confirm", GOOD_PASSWORD).await;
        self.click("main form button[type=submit]").await;
        self.wait_for_path("/mfa/setup").await;
    }

    async fn log_in(&self, app: &TestApp, email: &str) {
        self.goto(app, "/login").await;
        self.fill("#email", email).await;
        self.fill("#password", GOOD_PASSWORD).await;
        self.click("main form button[type=submit]").await;
        self.wait_for_path("/mfa/challenge").await;
    }

    async fn log_out(&self) {
        self.click("header form button").await;
        self.wait_for_path("/login").await;
    }

    /// The `amr` of the browser's session, as stored.
    async fn amr(&self, app: &TestApp) -> Vec<Amr> {
        let cookie = self.client.get_named_cookie("portcullis").await.unwrap();
        let token = PlainToken::parse(TokenKind::Session, cookie.value()).unwrap();
        let session = app
            .app
            .store
            .read()
            .await
            .unwrap()
            .find_session(&token.hash())
            .await
            .unwrap();
        session.unwrap().amr
    }
}

/// Registers the plugged-in key through the setup pages and returns to the overview.
async fn enroll(chrome: &Chrome) {
    chrome.click("a[href='/mfa/setup/key']").await;
    chrome.wait_for_path("/mfa/setup/key").await;
    chrome.click("button[data-start]").await;
    chrome.wait_for_path("/mfa/setup").await;
}

async fn a_new_user_enrolls_a_key_and_logs_in_with_it(pin: bool) {
    let test = "browser::a_new_user_enrolls_a_key_and_logs_in_with_it";
    let Some(chrome) = chrome(test).await else { return };
    let app = TestApp::on_localhost(|_| {}).await;
    let link = app.invite("key@example.com", None).await;
    chrome.accept_invitation(&app, &link).await;
    let key = chrome.plug_in_key(pin).await;
    // The metadata knows Chromium's virtual key, as a loaded FIDO metadata blob knows real ones.
    let mut tx = app.app.store.begin().await.unwrap();
    tx.replace_key_models(&[KeyModelRecord {
        aaguid: Aaguid::parse(CHROMIUM_VIRTUAL_AAGUID).unwrap(),
        name: "Chromium virtual authenticator".into(),
        attestation_roots: Vec::new(),
        loaded_at: UnixTime(1),
    }])
    .await
    .unwrap();
    tx.commit().await.unwrap();

    enroll(&chrome).await;
    let page = chrome.source().await;
    assert!(page.contains("class=\"check\""), "the key has its green check: {page}");
    assert!(
        page.contains("<li>Chromium virtual authenticator</li>"),
        "named after its model, from the AAGUID the browser passed on (attestation \"direct\"): {page}"
    );

    // The same key a second time: the browser refuses (excludeCredentials) and the page says why.
    chrome.goto(&app, "/mfa/setup/key").await;
    chrome.click("button[data-start]").await;
    let said = chrome.wait_for_text("[data-status]", "already registered").await;
    assert!(said.contains("Use another key"));
    assert_eq!(chrome.credentials(&key).await.len(), 1);

    chrome.goto(&app, "/mfa/setup").await;
    chrome.click("form[action='/mfa/setup/finish'] button").await;
    chrome.wait_for_path("/").await;
    let mut expected = vec![Amr::Pwd, Amr::Hwk];
    if pin {
        expected.push(Amr::Pin);
    }
    assert_eq!(chrome.amr(&app).await, expected);

    chrome.log_out().await;
    chrome.log_in(&app, "key@example.com").await;
    chrome.click("button[data-start]").await;
    chrome.wait_for_path("/").await;
    assert_eq!(chrome.amr(&app).await, expected);
    assert!(chrome.source().await.contains("Key User"));
    let kinds = app.audit_kinds(3).await;
    assert!(kinds.iter().any(|k| k == "login_mfa_ok"), "{kinds:?}");
    chrome.quit().await;
}

#[tokio::test]
async fn a_new_user_enrolls_a_key_with_a_pin_and_logs_in_with_it() {
    a_new_user_enrolls_a_key_and_logs_in_with_it(true).await;
}

#[tokio::test]
async fn a_new_user_enrolls_a_key_without_a_pin_and_logs_in_with_it() {
    a_new_user_enrolls_a_key_and_logs_in_with_it(false).await;
}

#[tokio::test]
async fn a_key_outside_the_allow_list_is_refused_with_a_message_naming_the_policy() {
    let Some(chrome) = chrome("browser::a_key_outside_the_allow_list_is_refused").await else {
        return;
    };
    let app = TestApp::on_localhost(|s| {
        s.security_key_policy = KeyPolicySetting::AllowList;
        s.security_key_allow_list = vec!["2fc0579f-8113-47ea-b116-bb5a8db9202a".into()];
    })
    .await;
    let link = app.invite("key@example.com", None).await;
    chrome.accept_invitation(&app, &link).await;
    chrome.plug_in_key(true).await;
    chrome.click("a[href='/mfa/setup/key']").await;
    chrome.wait_for_path("/mfa/setup/key").await;
    chrome.click("button[data-start]").await;
    let message = chrome.wait_for_text("[role=alert]", "allow-list").await;
    assert!(message.contains("not accepted"), "{message}");
    assert_eq!(chrome.path().await, "/mfa/setup/key");
    assert_eq!(app.audit_kinds(1).await, ["security_key_refused_by_policy"]);
    // Nothing was stored: the overview has no check and no Finish.
    chrome.goto(&app, "/mfa/setup").await;
    assert!(!chrome.source().await.contains("/mfa/setup/finish"));
    chrome.quit().await;
}

#[tokio::test]
async fn a_login_whose_signature_counter_went_back_is_refused() {
    let Some(chrome) = chrome("browser::a_login_whose_signature_counter_went_back_is_refused").await else {
        return;
    };
    let app = TestApp::on_localhost(|_| {}).await;
    let link = app.invite("key@example.com", None).await;
    chrome.accept_invitation(&app, &link).await;
    let key = chrome.plug_in_key(true).await;
    enroll(&chrome).await;
    chrome.click("form[action='/mfa/setup/finish'] button").await;
    chrome.wait_for_path("/").await;
    chrome.log_out().await;
    chrome.log_in(&app, "key@example.com").await;
    chrome.click("button[data-start]").await;
    chrome.wait_for_path("/").await;
    chrome.log_out().await;

    // Put the credential back with its counter at zero, as a copy of the key made earlier would be.
    let credentials = chrome.credentials(&key).await;
    assert_eq!(credentials.len(), 1);
    let mut credential = credentials[0].clone();
    assert!(credential["signCount"].as_u64().unwrap() >= 1);
    let id = credential["credentialId"].as_str().unwrap().to_owned();
    chrome
        .webauthn(
            http::Method::DELETE,
            &format!("authenticator/{key}/credentials/{id}"),
            None,
        )
        .await;
    credential["signCount"] = json!(0);
    chrome
        .webauthn(
            http::Method::POST,
            &format!("authenticator/{key}/credential"),
            Some(credential),
        )
        .await;

    chrome.log_in(&app, "key@example.com").await;
    chrome.click("button[data-start]").await;
    let message = chrome.wait_for_text("[role=alert]", "may have been copied").await;
    assert!(message.contains("administrator"));
    assert_eq!(chrome.path().await, "/mfa/challenge/key");
    assert!(
        app.audit_kinds(3)
            .await
            .iter()
            .any(|k| k == "security_key_clone_suspected")
    );
    chrome.quit().await;
}

#[tokio::test]
async fn a_browser_without_webauthn_is_told_so_and_pointed_to_the_app() {
    let Some(chrome) = chrome("browser::a_browser_without_webauthn_is_told_so").await else {
        return;
    };
    let app = TestApp::on_localhost(|_| {}).await;
    let link = app.invite("old@example.com", None).await;
    chrome.accept_invitation(&app, &link).await;
    chrome.before_every_page("delete window.PublicKeyCredential;").await;
    chrome.goto(&app, "/mfa/setup/key").await;
    let said = chrome.wait_for_text("[data-status]", "cannot use security keys").await;
    assert!(said.contains("authenticator app"), "{said}");
    let button = chrome.client.find(Locator::Css("button[data-start]")).await.unwrap();
    assert!(!button.is_enabled().await.unwrap() || !button.is_displayed().await.unwrap());
    chrome.quit().await;
}

/// How the page explains a ceremony the browser ends with an error. The browser's own errors are
/// played by replacing `navigator.credentials.create` (a real cancel or timeout needs a person, or
/// two minutes).
#[tokio::test]
async fn a_cancelled_or_timed_out_ceremony_gets_its_own_message() {
    let Some(chrome) = chrome("browser::a_cancelled_or_timed_out_ceremony_gets_its_own_message").await else {
        return;
    };
    let app = TestApp::on_localhost(|_| {}).await;
    let link = app.invite("key@example.com", None).await;
    chrome.accept_invitation(&app, &link).await;
    let cases = [
        ("NotAllowedError", 0, "was cancelled"),
        ("NotAllowedError", 200_000, "not touched in time"),
        ("SecurityError", 0, "refused to use the key for this address"),
        ("InvalidStateError", 0, "already registered"),
    ];
    for (error, later_ms, expected) in cases {
        chrome.goto(&app, "/mfa/setup/key").await;
        let script = format!(
            "navigator.credentials.create = () => {{ \
               const now = Date.now; Date.now = () => now() + {later_ms}; \
               return Promise.reject(new DOMException('test', '{error}')); }};"
        );
        chrome.client.execute(&script, Vec::new()).await.unwrap();
        chrome.click("button[data-start]").await;
        chrome.wait_for_text("[data-status]", expected).await;
        assert_eq!(chrome.path().await, "/mfa/setup/key", "nothing was posted");
    }
    chrome.quit().await;
}

/// "New phone": a user with a security key opens the profile from the menu, resets after confirming
/// with the key (the check from the login is older than 5 minutes), is logged out, and the next login
/// goes straight to setup.
#[tokio::test]
async fn a_user_resets_their_mfa_from_the_profile() {
    let test = "browser::a_user_resets_their_mfa_from_the_profile";
    let Some(chrome) = chrome(test).await else { return };
    let app = TestApp::on_localhost(|_| {}).await;
    let link = app.invite("reset@example.com", None).await;
    chrome.accept_invitation(&app, &link).await;
    let key = chrome.plug_in_key(false).await;
    enroll(&chrome).await;
    chrome.click("form[action='/mfa/setup/finish'] button").await;
    chrome.wait_for_path("/").await;

    chrome.click("nav.menu a[href='/profile']").await;
    chrome.wait_for_path("/profile").await;
    let page = chrome.source().await;
    assert!(page.contains("Extra verification (MFA)") && page.contains("This is your only method"));

    app.clock.advance(6 * 60);
    chrome.click("a[href='/profile/reset']").await;
    chrome.wait_for_path("/mfa/challenge").await;
    chrome.wait_for_text("h1", "Confirm it is you").await;
    chrome.click("button[data-start]").await;
    chrome.wait_for_path("/profile/reset").await;
    chrome.click("form[action='/profile/reset'] button").await;
    chrome.wait_for_path("/login").await;
    chrome.wait_for_text(".notice", "Your MFA has been reset").await;
    assert_eq!(
        chrome.credentials(&key).await.len(),
        1,
        "the key itself keeps its credential"
    );

    chrome.fill("#email", "reset@example.com").await;
    chrome.fill("#password", GOOD_PASSWORD).await;
    chrome.click("main form button[type=submit]").await;
    chrome.wait_for_path("/mfa/setup").await;
    assert!(!chrome.source().await.contains("class=\"check\""), "no method left");
    // The same key can be enrolled again: the server forgot it.
    enroll(&chrome).await;
    assert!(chrome.source().await.contains("class=\"check\""));
    let kinds = app.audit_kinds(10).await;
    assert!(
        kinds.iter().any(|k| k == "mfa_reset") && kinds.iter().any(|k| k == "mfa_recheck_ok"),
        "{kinds:?}"
    );
    chrome.quit().await;
}

/// Step-up (issue 7): a user who logged in with the authenticator app is asked by a service for the
/// phishing-resistant level (`acr_values=phr`); Portcullis sends them through the security-key step,
/// then back to the service, whose ID token says `acr: phr`, `amr: [pwd, hwk, mfa]`.
#[tokio::test]
async fn an_app_login_steps_up_to_the_security_key_for_a_service_that_asks() {
    let test = "browser::an_app_login_steps_up_to_the_security_key_for_a_service_that_asks";
    let Some(chrome) = chrome(test).await else { return };
    let app = TestApp::on_localhost(|_| {}).await;
    // The service: a page on loopback that receives the code.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let callback = format!("http://127.0.0.1:{}/callback", listener.local_addr().unwrap().port());
    let service_router = axum::Router::new().route(
        "/callback",
        axum::routing::get(|| async { "the service got its answer" }),
    );
    tokio::spawn(async move { axum::serve(listener, service_router).await.unwrap() });
    let settings = portcullis::app::clients::ClientSettings::new("Berth planning", vec![callback.clone()]);
    let client = app
        .app
        .add_client(None, settings, false, &portcullis::app::Client::default())
        .await
        .unwrap();

    // A user with both a key and an app, who logs in with the app.
    let link = app.invite("stepup@example.com", None).await;
    chrome.accept_invitation(&app, &link).await;
    chrome.plug_in_key(false).await;
    enroll(&chrome).await;
    chrome.goto(&app, "/mfa/setup/app").await;
    chrome.click("input[name=phone][value=android]").await;
    chrome.click("main form button[type=submit]").await;
    // The QR page (its path holds the setup's id).
    let deadline = tokio::time::Instant::now() + PATIENCE;
    while !chrome.path().await.starts_with("/mfa/setup/app/") {
        assert!(tokio::time::Instant::now() < deadline, "the QR page never came");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    let secret = chrome
        .client
        .find(Locator::Css("button[data-copy]"))
        .await
        .unwrap()
        .attr("data-copy")
        .await
        .unwrap()
        .unwrap()
        .replace(' ', "");
    app.clock.advance(30);
    chrome
        .fill("#code", &crate::mfa::oathtool(&secret, crate::actors::now(&app)))
        .await;
    chrome.click("main form button[type=submit]").await;
    chrome.wait_for_path("/mfa/setup").await;
    chrome.click("form[action='/mfa/setup/finish'] button").await;
    chrome.wait_for_path("/").await;
    chrome.log_out().await;
    chrome.log_in(&app, "stepup@example.com").await;
    chrome.goto(&app, "/mfa/challenge?method=app").await;
    app.clock.advance(30);
    chrome
        .fill("#code", &crate::mfa::oathtool(&secret, crate::actors::now(&app)))
        .await;
    chrome.click("main form button[type=submit]").await;
    chrome.wait_for_path("/").await;
    assert_eq!(chrome.amr(&app).await, vec![Amr::Pwd, Amr::Otp]);

    // The service asks for the phishing-resistant level.
    let verifier = "step-up-verifier-0123456789-0123456789-0123456789";
    let challenge = data_encoding::BASE64URL_NOPAD.encode(&<sha2::Sha256 as sha2::Digest>::digest(verifier.as_bytes()));
    let query = serde_urlencoded::to_string([
        ("response_type", "code"),
        ("client_id", client.client.id.as_str()),
        ("redirect_uri", callback.as_str()),
        ("scope", "openid"),
        ("state", "s1"),
        ("nonce", "n1"),
        ("acr_values", "phr"),
        ("code_challenge", challenge.as_str()),
        ("code_challenge_method", "S256"),
    ])
    .unwrap();
    chrome.goto(&app, &format!("/oauth2/authorize?{query}")).await;
    chrome.wait_for_path("/mfa/challenge").await;
    chrome
        .wait_for_text("main", "This service needs your security key")
        .await;
    assert!(!chrome.source().await.contains("method=app"), "no way around the key");
    chrome.click("button[data-start]").await;
    // Back at the service (through the "returning" page, which moves on by itself).
    chrome.wait_for_path("/callback").await;
    let url = chrome.client.current_url().await.unwrap();
    assert!(url.as_str().starts_with(&callback), "{url}");
    let code = url.query_pairs().find(|(k, _)| k == "code").unwrap().1.into_owned();
    chrome.goto(&app, "/profile").await;
    assert_eq!(
        chrome.amr(&app).await,
        vec![Amr::Pwd, Amr::Hwk],
        "the session now proved the key"
    );

    let http = reqwest::Client::new();
    let tokens: Value = http
        .post(format!("{}/oauth2/token", app.address))
        .basic_auth(&client.client.id, Some(client.secret.as_ref().unwrap().expose()))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", callback.as_str()),
            ("code_verifier", verifier),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = app
        .app
        .verify_jwt(tokens["id_token"].as_str().unwrap(), true)
        .await
        .unwrap();
    assert_eq!(id["acr"], "phr");
    assert_eq!(id["amr"], json!(["pwd", "hwk", "mfa"]));
    chrome.quit().await;
}
