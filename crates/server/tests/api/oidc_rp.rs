//! The OpenID Connect provider driven by an independent, certified relying-party library: Node's
//! `openid-client` 6 (`crates/server/tests/rp/rp.mjs`), which is also the user's browser through the
//! real login pages. It checks discovery, the code flow with PKCE, the ID token (signature via the
//! JWKS, nonce, aud, iss) and its claims, UserInfo, refresh rotation and reuse, key rotation while
//! tokens are live, a tampered ID token, `prompt=none` without a session and RP-initiated logout.
//!
//! The library checks `iat`/`exp` against the real time, so the server runs with the system clock and
//! TOTP codes are made for the real time. Without `node`/`npm`/`oathtool`, or when `npm ci` cannot
//! reach the registry, the test prints one line and returns (in CI it fails instead).

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use portcullis::app::Client;
use portcullis::app::clients::{ClientSettings, NewClient};
use portcullis_core::oidc::SigningAlg;
use portcullis_testkit::{have_tool, skip};
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

use crate::actors::user_id;
use crate::helpers::{GOOD_PASSWORD, TestApp, location};
use crate::mfa::oathtool;

const REDIRECT: &str = "https://service.example/callback";
const POST_LOGOUT: &str = "https://service.example/signed-out";

/// The RP's directory: `package.json`, the committed `package-lock.json`, `rp.mjs`.
fn rp_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/rp")
}

/// `npm ci` once per lock file: the installed copy of the lock file in `node_modules` says the install
/// is current. Tests of one binary run in parallel; the mutex makes one of them install.
fn install_rp(test: &str) -> bool {
    static INSTALLED: Mutex<Option<Result<(), String>>> = Mutex::new(None);
    if !(have_tool(test, "oathtool", "oathtool") && have_tool(test, "node", "nodejs") && have_tool(test, "npm", "npm"))
    {
        return false;
    }
    // openid-client 6 needs the global Web Crypto API of Node 20 (Debian 12's own nodejs is 18).
    let version = std::process::Command::new("node").arg("--version").output();
    let version = version
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default();
    let major: u32 = version
        .trim_start_matches('v')
        .split('.')
        .next()
        .unwrap_or("0")
        .parse()
        .unwrap_or(0);
    if major < 20 {
        skip(
            test,
            &format!("node {version} is too old for openid-client 6 (it needs 20 or later)"),
        );
        return false;
    }
    let mut installed = INSTALLED.lock().unwrap_or_else(|e| e.into_inner());
    let outcome = installed.get_or_insert_with(|| {
        let dir = rp_dir();
        let lock = std::fs::read(dir.join("package-lock.json")).map_err(|e| format!("no package-lock.json: {e}"))?;
        let stamp = dir.join("node_modules/.portcullis-installed-lock.json");
        if std::fs::read(&stamp).is_ok_and(|installed| installed == lock) {
            return Ok(());
        }
        let output = std::process::Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund"])
            .current_dir(&dir)
            .output()
            .map_err(|e| format!("cannot run npm: {e}"))?;
        if !output.status.success() {
            let stderr = String::from_utf8_lossy(&output.stderr);
            // npm 10 writes `npm error …` (older ones `npm ERR! …`); the line naming the error says most.
            let errors: Vec<&str> = stderr
                .lines()
                .filter_map(|l| l.strip_prefix("npm error ").or_else(|| l.strip_prefix("npm ERR! ")))
                .collect();
            let why = errors
                .iter()
                .find(|l| l.contains("Error"))
                .or(errors.first())
                .unwrap_or(&"no message");
            return Err(format!("`npm ci` in {} failed (no registry?): {why}", dir.display()));
        }
        std::fs::write(&stamp, &lock).map_err(|e| format!("cannot write {}: {e}", stamp.display()))
    });
    match outcome {
        Ok(()) => true,
        Err(why) => {
            skip(test, why);
            false
        }
    }
}

fn unix_now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs() as i64
}

/// A user who accepted the invitation at `link`, set up an authenticator app and logged out again;
/// returns the app's secret. The setup code is the previous step's (inside the window), so the RP's
/// login, with a code for the real time, uses a later step: a step works once.
async fn enroll(app: &TestApp, link: &str) -> String {
    let browser = app.browser();
    let response = browser.accept(link, "Test Person", GOOD_PASSWORD, GOOD_PASSWORD).await;
    assert_eq!(location(&response), "/mfa/setup");
    let response = browser.post("/mfa/setup/app", &[("phone", "iphone")]).await;
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
    let code = oathtool(&secret, unix_now() - 30);
    let response = browser.post(&page, &[("code", &code)]).await;
    assert_eq!(location(&response), "/mfa/setup", "the app is set up");
    let response = browser.post("/mfa/setup/finish", &[]).await;
    assert_eq!(location(&response), "/");
    browser.logout().await;
    secret
}

async fn register(app: &TestApp, alg: SigningAlg) -> NewClient {
    let mut settings = ClientSettings::new("Port Community Service", vec![REDIRECT.to_owned()]);
    settings.post_logout_uris = vec![POST_LOGOUT.to_owned()];
    settings.signing_alg = alg;
    app.app
        .add_client(None, settings, false, &Client::default())
        .await
        .unwrap()
}

/// Runs `rp.mjs` for one user and client; rotates the signing keys when it asks. Returns its results.
async fn run_rp(app: &TestApp, client: &NewClient, email: &str, secret: &str, org: Option<&str>) -> Value {
    let alg = client.client.signing_alg.as_str();
    let mut args = vec![
        "rp.mjs".to_owned(),
        format!("--issuer={}", app.address),
        format!("--client-id={}", client.client.id),
        format!("--redirect-uri={REDIRECT}"),
        format!("--post-logout-uri={POST_LOGOUT}"),
        format!("--email={email}"),
        format!("--alg={alg}"),
    ];
    args.extend(org.map(|name| format!("--org={name}")));
    let mut child = tokio::process::Command::new("node")
        .args(&args)
        .current_dir(rp_dir())
        .env("RP_CLIENT_SECRET", client.secret.as_ref().unwrap().expose())
        .env("RP_PASSWORD", GOOD_PASSWORD)
        .env("RP_TOTP_SECRET", secret)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("node starts");
    let mut stdin = child.stdin.take().unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut results = None;
    let mut rotated = Vec::new();
    let talk = async {
        while let Some(line) = lines.next_line().await.unwrap() {
            if line == "ROTATE" {
                rotated = app.app.rotate_signing_keys(0).await.unwrap().0;
                stdin.write_all(b"go\n").await.unwrap();
            } else {
                results = Some(line);
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(120), talk)
        .await
        .expect("rp.mjs finishes within 2 minutes");
    let output = child.wait_with_output().await.unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "rp.mjs ({alg}) failed: {stderr}");
    let results: Value = serde_json::from_str(&results.expect("a line of results")).unwrap();
    assert!(
        rotated.contains(&results["kid_after"].as_str().unwrap().to_owned()),
        "signed with a key of the rotation: {rotated:?} {results}"
    );
    results
}

/// The checks every run makes, seen from the provider's side.
async fn assert_common(app: &TestApp, results: &Value, email: &str, alg: &str) {
    let sub = user_id(app, email).await;
    assert_eq!(results["alg"], alg);
    assert_eq!(results["sub"], sub.as_str(), "sub is the user id, not the email");
    assert_eq!(results["userinfo_sub"], sub.as_str());
    assert_eq!(results["amr"], serde_json::json!(["pwd", "otp", "mfa"]));
    assert_eq!(results["acr"], "mfa");
    assert_eq!(results["replay_error"], "invalid_grant");
    assert_eq!(results["family_error"], "invalid_grant", "a replay revokes the family");
    assert_eq!(results["straight_back"], true);
    assert_ne!(results["kid_before"], results["kid_after"]);
    assert_eq!(results["jwks_refetched"], true);
    assert_eq!(results["old_id_token_valid"], true, "retired keys stay published");
    assert_eq!(results["tampered_error"], "JWT signature verification failed");
    assert_eq!(results["prompt_none_error"], "login_required");
    assert_eq!(results["logout_location"], format!("{POST_LOGOUT}?state=bye-123"));
    assert_eq!(results["home_after_logout"], "/login", "the session ended");
    assert_eq!(results["refresh_after_logout_error"], "invalid_grant");
    let kinds = app.audit_kinds(100).await;
    for kind in ["oidc_refresh_reused", "signing_keys_rotated"] {
        assert!(kinds.contains(&kind.to_owned()), "{kind} in {kinds:?}");
    }
}

#[tokio::test]
async fn a_certified_library_signs_in_a_member_with_es256() {
    let test = "oidc_rp::a_certified_library_signs_in_a_member_with_es256";
    if !install_rp(test) {
        return;
    }
    let app = TestApp::with_system_clock().await;
    let client = register(&app, SigningAlg::Es256).await;
    let email = "anna@acme.example";
    let secret = enroll(&app, &app.org("Acme", email).await).await;
    let results = run_rp(&app, &client, email, &secret, Some("Acme")).await;
    assert_common(&app, &results, email, "ES256").await;
    assert_eq!(results["org"]["name"], "Acme");
    assert_eq!(results["roles"], serde_json::json!(["main_admin"]));
}

#[tokio::test]
async fn a_certified_library_signs_in_an_individual_with_rs256() {
    let test = "oidc_rp::a_certified_library_signs_in_an_individual_with_rs256";
    if !install_rp(test) {
        return;
    }
    let app = TestApp::with_system_clock().await;
    let client = register(&app, SigningAlg::Rs256).await;
    let email = "pieter@example.net";
    let secret = enroll(&app, &app.invite(email, None).await).await;
    let results = run_rp(&app, &client, email, &secret, None).await;
    assert_common(&app, &results, email, "RS256").await;
    assert_eq!(results["org"], Value::Null, "an individual has no organization");
    assert_eq!(
        results["roles"],
        serde_json::json!([]),
        "roles is always there with the org scope"
    );
}
