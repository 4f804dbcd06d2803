//! `/mfa/…`: setting up an authenticator app and the login challenge, driven like a person with a
//! phone: codes come from the real `oathtool`, the QR code is read back with the real `zbarimg`.

use std::process::Command;

use portcullis_testkit::{Kind, have_tool};
use reqwest::StatusCode;

use crate::helpers::{Browser, GOOD_PASSWORD, TestApp, alert, location, on_both_backends};

/// The code an authenticator app shows at `at` (Unix seconds), from oathtool.
pub fn oathtool(secret: &str, at: i64) -> String {
    let output = Command::new("oathtool")
        .args(["--totp", "-b", secret, "-N", &format!("@{at}")])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).unwrap().trim().to_owned()
}

pub(crate) fn tools(test: &str) -> bool {
    have_tool(test, "oathtool", "oathtool")
}

/// The key as the copy button holds it (base32, no spaces).
fn copy_value(html: &str) -> String {
    html.split("data-copy=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned()
}

fn now(app: &TestApp) -> i64 {
    use portcullis::app::Clock;
    app.clock.now().0
}

/// Sets up an authenticator app through the pages (phone type, QR page, first code) and returns the
/// secret as the "Can't scan?" section shows it, and the QR page's HTML. The session stays before Finish.
pub(crate) async fn add_app(app: &TestApp, browser: &Browser) -> (String, String) {
    let (status, html) = browser.get_text("/mfa/setup/app").await;
    assert_eq!(status, StatusCode::OK, "{html}");
    let response = browser.post("/mfa/setup/app", &[("phone", "android")]).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let page = location(&response).to_owned();
    assert!(page.starts_with("/mfa/setup/app/"));
    let (status, html) = browser.get_text(&page).await;
    assert_eq!(status, StatusCode::OK);
    let grouped = html
        .split("<code id=\"secret\" class=\"secret\">")
        .nth(1)
        .unwrap()
        .split("</code>")
        .next()
        .unwrap();
    let secret = grouped.replace(' ', "");
    assert_eq!(copy_value(&html), secret, "the copy button copies the key shown");
    assert_eq!(grouped.split(' ').count(), 8, "eight groups of four: {grouped}");
    assert!(grouped.split(' ').all(|g| g.len() == 4));
    assert_eq!(secret.len(), 32, "160 bits in base32");
    let code = oathtool(&secret, now(app));
    let response = browser
        .post(&page, &[("code", &format!("{} {}", &code[..3], &code[3..]))])
        .await;
    assert_eq!(
        response.status(),
        StatusCode::SEE_OTHER,
        "a verified code, typed with a space"
    );
    assert_eq!(location(&response), "/mfa/setup");
    (secret, html)
}

/// A user who finished setup, logged out; returns the browser and the app's secret.
async fn user_with_app(app: &TestApp, email: &str) -> (Browser, String) {
    let browser = app.active_user(email).await;
    browser.login(email, GOOD_PASSWORD).await;
    let (secret, _) = add_app(app, &browser).await;
    let response = browser.post("/mfa/setup/finish", &[]).await;
    assert_eq!(location(&response), "/");
    browser.logout().await;
    // The next code: the step used during setup is spent.
    app.clock.advance(30);
    (browser, secret)
}

async fn first_login_with_app_then_every_login(kind: Kind) {
    if !tools("mfa::first_login") {
        return;
    }
    let Some(app) = TestApp::of_kind(kind, "mfa::first_login::postgres").await else {
        return;
    };
    let link = app.invite("anna@example.com", None).await;
    let browser = app.browser();
    assert_eq!(
        location(&browser.accept(&link, "Anna", GOOD_PASSWORD, GOOD_PASSWORD).await),
        "/mfa/setup"
    );

    // Only the setup is reachable; no Finish before a method is verified.
    let (_, html) = browser.get_text("/mfa/setup").await;
    assert!(html.contains("Authenticator app") && html.contains("href=\"/mfa/setup/app\""));
    assert!(!html.contains("/mfa/setup/finish"));
    assert_eq!(location(&browser.get("/").await), "/mfa/setup");
    assert_eq!(location(&browser.get("/mfa/challenge").await), "/mfa/setup");
    assert_eq!(
        browser.post("/mfa/setup/finish", &[]).await.status(),
        StatusCode::CONFLICT
    );

    let (secret, qr_page) = add_app(&app, &browser).await;
    assert!(qr_page.contains("Google Play Store"), "Android was chosen");
    let (_, html) = browser.get_text("/mfa/setup").await;
    assert!(html.contains("class=\"check\""), "the green check");
    let response = browser.post("/mfa/setup/finish", &[]).await;
    assert_eq!(location(&response), "/");
    let (status, html) = browser.get_text("/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("You are logged in as Anna"));

    // Every later login asks for a code.
    browser.logout().await;
    let response = browser.login("anna@example.com", GOOD_PASSWORD).await;
    assert_eq!(location(&response), "/mfa/challenge");
    assert_eq!(location(&browser.get("/").await), "/mfa/challenge");
    assert_eq!(
        location(&browser.get("/mfa/setup").await),
        "/mfa/challenge",
        "no second setup after a password"
    );
    let (_, html) = browser.get_text("/mfa/challenge").await;
    assert!(html.contains("inputmode=\"numeric\"") && html.contains("autocomplete=\"one-time-code\""));
    app.clock.advance(30);
    let code = oathtool(&secret, now(&app));
    let response = browser.post("/mfa/challenge", &[("code", &code)]).await;
    assert_eq!(location(&response), "/");
    assert_eq!(browser.get("/").await.status(), StatusCode::OK);

    // The secret is stored sealed, never in the clear.
    let events = app.app.store.read().await.unwrap().recent_audit(50).await.unwrap();
    let kinds: Vec<&str> = events.iter().map(|e| e.kind.as_str()).collect();
    for kind in [
        "totp_setup_started",
        "mfa_totp_added",
        "mfa_setup_finished",
        "login_mfa_ok",
    ] {
        assert!(kinds.contains(&kind), "{kind} audited: {kinds:?}");
    }
    assert!(!format!("{events:?}").contains(&secret));
    assert_eq!(
        app.mail_kinds("anna@example.com").await,
        ["invitation", "mfa_method_added"],
        "told of the app added (the first method too)"
    );
}

on_both_backends!(first_login_with_app_then_every_login);

#[tokio::test]
async fn the_qr_code_decodes_to_the_otpauth_uri() {
    if !tools("mfa::the_qr_code_decodes_to_the_otpauth_uri") || !have_tool("mfa::qr", "zbarimg", "zbar-tools") {
        return;
    }
    let app = TestApp::sqlite().await;
    let browser = app.active_user("anna.de.vries@example.com").await;
    browser.login("anna.de.vries@example.com", GOOD_PASSWORD).await;
    let (secret, html) = add_app(&app, &browser).await;
    let start = html.find("data:image/png;base64,").unwrap() + "data:image/png;base64,".len();
    let encoded = &html[start..start + html[start..].find('"').unwrap()];
    let png = data_encoding::BASE64.decode(encoded.as_bytes()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("qr.png");
    std::fs::write(&file, png).unwrap();
    let output = Command::new("zbarimg")
        .args(["--raw", "-q"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(output.status.success(), "zbarimg could not read the QR code");
    let decoded = String::from_utf8(output.stdout).unwrap().trim().to_owned();
    let expected = format!("otpauth://totp/Portcullis:anna.de.vries@example.com?secret={secret}&issuer=Portcullis");
    assert_eq!(decoded, expected);
    assert!(
        html.contains(&expected.replace('&', "&#38;")),
        "the same URI is the 'Open in authenticator app' link"
    );
}

#[tokio::test]
async fn a_code_works_once() {
    if !tools("mfa::a_code_works_once") {
        return;
    }
    let app = TestApp::sqlite().await;
    let (browser, secret) = user_with_app(&app, "anna@example.com").await;
    let code = oathtool(&secret, now(&app));
    browser.login("anna@example.com", GOOD_PASSWORD).await;
    assert_eq!(location(&browser.post("/mfa/challenge", &[("code", &code)]).await), "/");
    browser.logout().await;
    browser.login("anna@example.com", GOOD_PASSWORD).await;
    let replay = browser.post("/mfa/challenge", &[("code", &code)]).await;
    assert_eq!(replay.status(), StatusCode::UNAUTHORIZED);
    assert!(
        alert(&replay.text().await.unwrap())
            .unwrap()
            .contains("already been used")
    );
    let kinds = app.audit_kinds(20).await;
    assert!(kinds.contains(&"totp_code_replayed".to_owned()), "the reuse is audited");
}

async fn racing_submissions_of_one_code_let_exactly_one_in(kind: Kind) {
    if !tools("mfa::racing") {
        return;
    }
    let Some(app) = TestApp::of_kind(kind, "mfa::racing::postgres").await else {
        return;
    };
    let (_, secret) = user_with_app(&app, "anna@example.com").await;
    // Twenty browsers, each past the password step, all send the same valid code at once.
    let mut browsers = Vec::new();
    for _ in 0..20 {
        let browser = Browser::new(&app.address);
        assert_eq!(
            location(&browser.login("anna@example.com", GOOD_PASSWORD).await),
            "/mfa/challenge"
        );
        browsers.push(browser);
    }
    let code = oathtool(&secret, now(&app));
    let form = [("code", code.as_str())];
    let results = futures_util::future::join_all(browsers.iter().map(|b| b.post("/mfa/challenge", &form))).await;
    let statuses: Vec<(StatusCode, String)> = results.iter().map(|r| (r.status(), location(r).to_owned())).collect();
    let admitted = statuses
        .iter()
        .filter(|(status, to)| *status == StatusCode::SEE_OTHER && to == "/")
        .count();
    assert_eq!(admitted, 1, "{statuses:?}");
}

on_both_backends!(racing_submissions_of_one_code_let_exactly_one_in);

#[tokio::test]
async fn a_fast_phone_is_followed_and_a_wrong_clock_is_explained() {
    if !tools("mfa::drift") {
        return;
    }
    let app = TestApp::sqlite().await;
    let (browser, secret) = user_with_app(&app, "anna@example.com").await;
    // The server's clock sits at the start of a 30-second step; the phone runs ahead, more and more.
    for phone_ahead in [40, 40, 60, 80, 80] {
        app.clock.advance(300);
        browser.login("anna@example.com", GOOD_PASSWORD).await;
        let code = oathtool(&secret, now(&app) + phone_ahead);
        let response = browser.post("/mfa/challenge", &[("code", &code)]).await;
        assert_eq!(location(&response), "/", "phone {phone_ahead} s fast");
        browser.logout().await;
    }
    // An hour later the phone is eight minutes behind: refused, with the reason and how to fix it.
    app.clock.advance(3600);
    browser.login("anna@example.com", GOOD_PASSWORD).await;
    let response = browser
        .post("/mfa/challenge", &[("code", &oathtool(&secret, now(&app) - 480))])
        .await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let html = response.text().await.unwrap();
    assert!(alert(&html).unwrap().contains("about 8 minutes slow"), "{html}");
    assert!(html.contains("Time correction for codes") && html.contains("Set automatically"));
    assert_eq!(
        location(&browser.get("/").await),
        "/mfa/challenge",
        "still not logged in"
    );

    let mut dutch = Browser::new(&app.address);
    dutch.accept_language = "nl";
    dutch.login("anna@example.com", GOOD_PASSWORD).await;
    let response = dutch
        .post("/mfa/challenge", &[("code", &oathtool(&secret, now(&app) + 480))])
        .await;
    let html = response.text().await.unwrap();
    assert!(alert(&html).unwrap().contains("ongeveer 8 minuten voorliep"), "{html}");
    assert!(html.contains("Tijdcorrectie voor codes"));
}

#[tokio::test]
async fn wrong_codes_are_throttled_and_the_throttle_survives_a_restart() {
    if !tools("mfa::throttle") {
        return;
    }
    let app = TestApp::sqlite().await;
    let (browser, secret) = user_with_app(&app, "anna@example.com").await;
    browser.login("anna@example.com", GOOD_PASSWORD).await;
    let right = oathtool(&secret, now(&app));
    let wrong = format!("{:06}", (right.parse::<u32>().unwrap() + 500_000) % 1_000_000);
    for _ in 0..2 {
        assert_eq!(
            browser.post("/mfa/challenge", &[("code", &wrong)]).await.status(),
            StatusCode::UNAUTHORIZED
        );
    }
    let third = browser.post("/mfa/challenge", &[("code", &wrong)]).await;
    assert_eq!(third.headers()["retry-after"], "8");
    let refused = browser.post("/mfa/challenge", &[("code", &right)]).await;
    assert_eq!(
        refused.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "even the right code waits"
    );
    assert!(
        alert(&refused.text().await.unwrap())
            .unwrap()
            .contains("try again in 8 seconds")
    );
    let throttle_mails = |kinds: Vec<String>| kinds.iter().filter(|k| *k == "login_throttled").count();
    assert_eq!(
        throttle_mails(app.mail_kinds("anna@example.com").await),
        1,
        "the third wrong code starts the delay: Anna is told (someone knows her password)"
    );

    let cookies = (
        browser.cookie("portcullis").unwrap(),
        browser.cookie("portcullis-csrf").unwrap(),
    );
    let app = app.restart().await;
    let browser = Browser::new(&app.address);
    let url = app.address.parse().unwrap();
    browser.jar.add_cookie_str(&format!("portcullis={}", cookies.0), &url);
    browser
        .jar
        .add_cookie_str(&format!("portcullis-csrf={}", cookies.1), &url);
    assert_eq!(
        browser.post("/mfa/challenge", &[("code", &right)]).await.status(),
        StatusCode::TOO_MANY_REQUESTS
    );
    app.clock.advance(8);
    let response = browser
        .post("/mfa/challenge", &[("code", &oathtool(&secret, now(&app)))])
        .await;
    assert_eq!(location(&response), "/", "the delay ends by itself");
    assert_eq!(
        throttle_mails(app.mail_kinds("anna@example.com").await),
        1,
        "refused attempts send nothing"
    );
}

#[tokio::test]
async fn bad_codes_get_clear_messages_and_change_nothing() {
    if !tools("mfa::bad_codes") {
        return;
    }
    let app = TestApp::sqlite().await;
    let browser = app.active_user("anna@example.com").await;
    browser.login("anna@example.com", GOOD_PASSWORD).await;
    browser.post("/mfa/setup/app", &[("phone", "iphone")]).await;
    let response = browser.post("/mfa/setup/app", &[("phone", "blackberry")]).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let response = browser.post("/mfa/setup/app", &[("phone", "other")]).await;
    let page = location(&response).to_owned();
    for (code, message) in [
        ("", "Type the 6-digit code"),
        ("abcdef", "exactly 6 digits"),
        ("12345", "exactly 6 digits"),
        ("1234567", "exactly 6 digits"),
    ] {
        let response = browser.post(&page, &[("code", code)]).await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY, "{code:?}");
        assert!(
            alert(&response.text().await.unwrap()).unwrap().contains(message),
            "{code:?}"
        );
    }
    let (_, html) = browser.get_text("/mfa/setup").await;
    assert!(!html.contains("class=\"check\""), "nothing was set up");
    assert_eq!(
        app.app
            .store
            .read()
            .await
            .unwrap()
            .count_mfa_methods(app.app.list_users(None).await.unwrap()[0].0.id)
            .await
            .unwrap(),
        0
    );
}

#[tokio::test]
async fn setups_expire_belong_to_their_user_and_finish_once() {
    if !tools("mfa::setups") {
        return;
    }
    let app = TestApp::sqlite().await;
    let anna = app.active_user("anna@example.com").await;
    anna.login("anna@example.com", GOOD_PASSWORD).await;
    let response = anna.post("/mfa/setup/app", &[("phone", "android")]).await;
    let annas_page = location(&response).to_owned();
    let (_, html) = anna.get_text(&annas_page).await;
    let annas_secret = copy_value(&html);

    // Bob cannot see or finish Anna's setup, nor a forged one.
    let bob = app.active_user("bob@example.com").await;
    bob.login("bob@example.com", GOOD_PASSWORD).await;
    assert_eq!(bob.get(&annas_page).await.status(), StatusCode::NOT_FOUND);
    let code = oathtool(&annas_secret, now(&app));
    assert_eq!(
        bob.post(&annas_page, &[("code", &code)]).await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        bob.get("/mfa/setup/app/00000000-0000-4000-8000-000000000000")
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        bob.get("/mfa/setup/app/not-an-id").await.status(),
        StatusCode::NOT_FOUND
    );

    // Anna's works once; a second Verify click finds nothing left to verify.
    assert_eq!(
        location(&anna.post(&annas_page, &[("code", &code)]).await),
        "/mfa/setup"
    );
    let again = anna.post(&annas_page, &[("code", &code)]).await;
    assert_eq!(again.status(), StatusCode::NOT_FOUND);
    assert!(alert(&again.text().await.unwrap()).unwrap().contains("Start again"));

    // An abandoned setup expires after 15 minutes.
    let response = bob.post("/mfa/setup/app", &[("phone", "android")]).await;
    let bobs_page = location(&response).to_owned();
    let (_, html) = bob.get_text(&bobs_page).await;
    let bobs_secret = copy_value(&html);
    app.clock.advance(15 * 60);
    let late = bob
        .post(&bobs_page, &[("code", &oathtool(&bobs_secret, now(&app)))])
        .await;
    assert_eq!(late.status(), StatusCode::GONE);
    assert!(alert(&late.text().await.unwrap()).unwrap().contains("expired"));
    let (_, html) = bob.get_text("/mfa/setup").await;
    assert!(!html.contains("class=\"check\""), "no half-credential");
}

#[tokio::test]
async fn the_challenge_page_speaks_dutch() {
    let app = TestApp::sqlite().await;
    let mut browser = app.browser();
    browser.accept_language = "nl";
    let link = app.invite("piet@example.nl", None).await;
    browser.accept(&link, "Piet", GOOD_PASSWORD, GOOD_PASSWORD).await;
    let (_, html) = browser.get_text("/mfa/setup").await;
    assert!(html.contains("Authenticator-app") && html.contains("Instellen"));
    let (_, html) = browser.get_text("/mfa/setup/app").await;
    assert!(html.contains("Welke telefoon heeft u?"));
    let response = browser.post("/mfa/setup/app", &[("phone", "iphone")]).await;
    let (_, html) = browser.get_text(location(&response)).await;
    assert!(html.contains("App Store") && html.contains("Lukt scannen niet?"));
    assert!(!html.contains('⟦'));
}

#[tokio::test]
async fn after_one_hundred_wrong_codes_only_a_person_can_unlock() {
    if !tools("mfa::locked") {
        return;
    }
    let app = TestApp::sqlite().await;
    let (browser, secret) = user_with_app(&app, "anna@example.com").await;
    browser.login("anna@example.com", GOOD_PASSWORD).await;
    let right = oathtool(&secret, now(&app));
    let wrong = format!("{:06}", (right.parse::<u32>().unwrap() + 500_000) % 1_000_000);
    let mut refused = 0;
    while refused < 100 {
        let response = browser.post("/mfa/challenge", &[("code", &wrong)]).await;
        match response.status() {
            StatusCode::UNAUTHORIZED => refused += 1,
            StatusCode::TOO_MANY_REQUESTS => {
                let wait: i64 = response.headers()["retry-after"].to_str().unwrap().parse().unwrap();
                assert!(wait <= 15 * 60, "never more than a 15-minute stop before the lock");
                app.clock.advance(wait);
            }
            other => panic!("unexpected {other}"),
        }
        // Keep the session alive through the delays (idle timeout 30 minutes): log in again if needed.
        if location(&browser.get("/mfa/challenge").await) == "/login" {
            browser.login("anna@example.com", GOOD_PASSWORD).await;
        }
    }
    app.clock.advance(30 * 24 * 3600);
    browser.login("anna@example.com", GOOD_PASSWORD).await;
    let response = browser
        .post("/mfa/challenge", &[("code", &oathtool(&secret, now(&app)))])
        .await;
    assert_eq!(
        response.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "a month later, still locked"
    );
    assert!(
        alert(&response.text().await.unwrap())
            .unwrap()
            .contains("Ask your administrator or customer service")
    );

    // An operator lifts it (`portcullis user unlock`); the lifting is audited.
    let operator = portcullis::app::Client::default();
    assert!(app.app.unlock_user("anna@example.com", None, &operator).await.unwrap());
    assert!(
        !app.app
            .unlock_user("nobody@example.com", None, &operator)
            .await
            .unwrap()
    );
    app.clock.advance(30);
    let response = browser
        .post("/mfa/challenge", &[("code", &oathtool(&secret, now(&app)))])
        .await;
    assert_eq!(location(&response), "/");
    let kinds = app.audit_kinds(5).await;
    assert!(kinds.contains(&"throttle_lifted".to_owned()));
}
