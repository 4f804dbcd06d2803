//! `/login`, `/logout`, `/mfa/setup`: the password step, throttling and sessions.

use reqwest::StatusCode;

use crate::helpers::{Browser, GOOD_PASSWORD, TestApp, alert, location};

#[tokio::test]
async fn login_with_any_case_of_the_email_reaches_the_mfa_step() {
    let app = TestApp::sqlite().await;
    let browser = app.active_user("anna@example.com").await;
    assert_eq!(
        browser.get("/mfa/setup").await.status(),
        StatusCode::SEE_OTHER,
        "logged out"
    );
    let response = browser.login("  ANNA@Example.com ", GOOD_PASSWORD).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&response), "/mfa/setup");
    assert_eq!(browser.get("/mfa/setup").await.status(), StatusCode::OK);
    assert_eq!(
        location(&browser.get("/").await),
        "/mfa/setup",
        "a password alone reaches nothing else"
    );
    assert_eq!(browser.get("/login").await.status(), StatusCode::OK);
}

#[tokio::test]
async fn wrong_password_and_unknown_email_get_the_same_answer() {
    let app = TestApp::sqlite().await;
    let browser = app.active_user("anna@example.com").await;
    let wrong = browser.login("anna@example.com", "not the password at all").await;
    let unknown = browser.login("nobody@example.com", GOOD_PASSWORD).await;
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(unknown.status(), StatusCode::UNAUTHORIZED);
    let (wrong, unknown) = (
        alert(&wrong.text().await.unwrap()),
        alert(&unknown.text().await.unwrap()),
    );
    assert_eq!(wrong, unknown);
    assert_eq!(wrong.unwrap(), "Wrong email address or password.");
    // An invited user without a password cannot log in either, and is told the same.
    app.invite("invited@example.com", None).await;
    let invited = browser.login("invited@example.com", GOOD_PASSWORD).await;
    assert_eq!(
        alert(&invited.text().await.unwrap()).unwrap(),
        "Wrong email address or password."
    );
}

#[tokio::test]
async fn a_malformed_email_is_a_clear_validation_error() {
    let app = TestApp::sqlite().await;
    let response = app.browser().login("not-an-email", GOOD_PASSWORD).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        alert(&response.text().await.unwrap())
            .unwrap()
            .contains("valid email address")
    );
}

#[tokio::test]
async fn failures_are_throttled_with_growing_delays_even_for_the_right_password() {
    let app = TestApp::sqlite().await;
    let browser = app.active_user("anna@example.com").await;
    for _ in 0..4 {
        assert_eq!(
            browser.login("anna@example.com", "wrong password 123").await.status(),
            StatusCode::UNAUTHORIZED
        );
    }
    let fifth = browser.login("anna@example.com", "wrong password 123").await;
    assert_eq!(fifth.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(fifth.headers()["retry-after"], "1");
    assert!(
        alert(&fifth.text().await.unwrap())
            .unwrap()
            .contains("try again in 1 second")
    );

    let refused = browser.login("anna@example.com", GOOD_PASSWORD).await;
    assert_eq!(
        refused.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "throttled before the password is checked"
    );
    assert!(
        alert(&refused.text().await.unwrap())
            .unwrap()
            .contains("Too many failed attempts")
    );

    app.clock.advance(1);
    assert_eq!(
        browser.login("anna@example.com", "wrong password 123").await.status(),
        StatusCode::UNAUTHORIZED
    );
    let sixth = browser.login("anna@example.com", GOOD_PASSWORD).await;
    assert_eq!(sixth.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(sixth.headers()["retry-after"], "2", "the delay doubles");

    app.clock.advance(2);
    let ok = browser.login("anna@example.com", GOOD_PASSWORD).await;
    assert_eq!(ok.status(), StatusCode::SEE_OTHER, "delays end by themselves");
    // Success clears the account's failures: the next typo is free again.
    browser.logout().await;
    assert_eq!(
        browser.login("anna@example.com", "typo typo typo").await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        browser.login("anna@example.com", GOOD_PASSWORD).await.status(),
        StatusCode::SEE_OTHER
    );

    let events = app.audit_kinds(100).await;
    assert!(events.contains(&"login_throttled".to_owned()));
    assert!(events.contains(&"login_failed".to_owned()));
    assert!(events.contains(&"login_password_ok".to_owned()));
}

#[tokio::test]
async fn parallel_guesses_cannot_slip_past_the_throttle() {
    let app = TestApp::sqlite().await;
    let browser = app.active_user("anna@example.com").await;
    let guesses = (0..20).map(|i| {
        let browser = Browser::new(&browser.base);
        async move {
            browser
                .login("anna@example.com", &format!("guess number {i:02}"))
                .await
                .status()
        }
    });
    let statuses = futures_util::future::join_all(guesses).await;
    let checked = statuses.iter().filter(|s| **s == StatusCode::UNAUTHORIZED).count();
    assert_eq!(
        checked, 5,
        "only the free attempts reach the password check: {statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == StatusCode::TOO_MANY_REQUESTS).count(),
        15
    );
    assert_eq!(
        app.mail_kinds("anna@example.com").await,
        ["invitation", "login_throttled"],
        "one email for the burst, from the one failure that started the delay"
    );
}

#[tokio::test]
async fn the_throttle_survives_a_restart() {
    let app = TestApp::sqlite().await;
    let browser = app.active_user("anna@example.com").await;
    for _ in 0..5 {
        browser.login("anna@example.com", "wrong password 123").await;
    }
    let app = app.restart().await;
    let browser = app.browser();
    assert_eq!(
        browser.login("anna@example.com", GOOD_PASSWORD).await.status(),
        StatusCode::TOO_MANY_REQUESTS
    );
}

#[tokio::test]
async fn one_address_guessing_many_accounts_is_throttled() {
    let app = TestApp::sqlite().await;
    let browser = app.browser();
    for i in 0..20 {
        let response = browser
            .login(&format!("user{i}@example.com"), "wrong password 123")
            .await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "attempt {i}");
    }
    let response = browser.login("fresh@example.com", "wrong password 123").await;
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    app.clock.advance(3600);
    assert_eq!(
        browser.login("fresh@example.com", "wrong password 123").await.status(),
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn sessions_end_when_idle_and_at_their_absolute_limit() {
    let app = TestApp::sqlite().await;
    let browser = app.active_user("anna@example.com").await;
    browser.login("anna@example.com", GOOD_PASSWORD).await;
    app.clock.advance(29 * 60);
    assert_eq!(
        browser.get("/mfa/setup").await.status(),
        StatusCode::OK,
        "29 minutes idle"
    );
    app.clock.advance(30 * 60);
    let response = browser.get("/mfa/setup").await;
    assert_eq!(location(&response), "/login", "30 minutes idle ends it");

    browser.login("anna@example.com", GOOD_PASSWORD).await;
    for _ in 0..(12 * 3) {
        assert_eq!(browser.get("/mfa/setup").await.status(), StatusCode::OK);
        app.clock.advance(20 * 60);
    }
    assert_eq!(
        location(&browser.get("/mfa/setup").await),
        "/login",
        "12 hours end it, however active"
    );
}

#[tokio::test]
async fn logout_ends_the_session_on_the_server() {
    let app = TestApp::sqlite().await;
    let browser = app.active_user("anna@example.com").await;
    browser.login("anna@example.com", GOOD_PASSWORD).await;
    let stolen = browser.cookie("portcullis").unwrap();
    let response = browser.logout().await;
    assert_eq!(location(&response), "/login");
    // The old cookie value, replayed by someone who copied it, opens nothing.
    let thief = Browser::new(&browser.base);
    thief
        .jar
        .add_cookie_str(&format!("portcullis={stolen}"), &browser.base.parse().unwrap());
    assert_eq!(location(&thief.get("/mfa/setup").await), "/login");
}

#[tokio::test]
async fn each_login_gets_a_new_session_id() {
    let app = TestApp::sqlite().await;
    let browser = app.active_user("anna@example.com").await;
    browser.login("anna@example.com", GOOD_PASSWORD).await;
    let first = browser.cookie("portcullis").unwrap();
    browser.login("anna@example.com", GOOD_PASSWORD).await;
    let second = browser.cookie("portcullis").unwrap();
    assert_ne!(first, second);
    let thief = Browser::new(&browser.base);
    thief
        .jar
        .add_cookie_str(&format!("portcullis={first}"), &browser.base.parse().unwrap());
    assert_eq!(
        location(&thief.get("/mfa/setup").await),
        "/login",
        "the replaced session is gone"
    );
}

#[tokio::test]
async fn the_login_page_speaks_dutch_and_switches_language() {
    let app = TestApp::sqlite().await;
    let mut browser = app.browser();
    browser.accept_language = "nl";
    let (_, html) = browser.get_text("/login").await;
    assert!(html.contains("Inloggen") && html.contains("E-mailadres"));
    let response = browser.login("niemand@example.com", GOOD_PASSWORD).await;
    assert_eq!(
        alert(&response.text().await.unwrap()).unwrap(),
        "Onjuist e-mailadres of wachtwoord."
    );
    let response = browser.get("/lang?to=en&next=/login").await;
    assert_eq!(location(&response), "/login");
    let (_, html) = browser.get_text("/login").await;
    assert!(html.contains("Email address"), "the cookie beats Accept-Language");
    let response = browser.get("/lang?to=nl&next=https://evil.example/").await;
    assert_eq!(location(&response), "/", "no open redirect");
}

#[tokio::test]
async fn behind_a_trusted_proxy_each_client_address_is_throttled_on_its_own() {
    async fn attempt(browser: &Browser, forwarded_for: &str, email: &str) -> StatusCode {
        let csrf = browser.csrf().await;
        let form = [
            ("csrf", csrf.as_str()),
            ("email", email),
            ("password", "wrong password 123"),
        ];
        let request = browser
            .client
            .post(browser.url("/login"))
            .header("x-forwarded-for", forwarded_for);
        request.form(&form).send().await.unwrap().status()
    }
    let db = std::sync::Arc::new(portcullis_testkit::TestDatabase::sqlite());
    let mut settings = crate::helpers::test_settings(&db);
    settings.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()];
    let app = TestApp::start(db, None, Some(settings)).await;
    let browser = app.browser();
    for i in 0..20 {
        assert_eq!(
            attempt(&browser, "203.0.113.5", &format!("u{i}@example.com")).await,
            StatusCode::UNAUTHORIZED
        );
    }
    assert_eq!(
        attempt(&browser, "203.0.113.5", "next@example.com").await,
        StatusCode::TOO_MANY_REQUESTS
    );
    assert_eq!(
        attempt(&browser, "198.51.100.7", "next@example.com").await,
        StatusCode::UNAUTHORIZED,
        "another client"
    );
    // A client cannot escape by forging the header: only the right-most hop counts.
    let forged = "192.0.2.99, 203.0.113.5";
    assert_eq!(
        attempt(&browser, forged, "other@example.com").await,
        StatusCode::TOO_MANY_REQUESTS
    );
}

#[tokio::test]
async fn without_trusted_proxies_the_forwarded_header_is_ignored() {
    let app = TestApp::sqlite().await;
    let browser = app.browser();
    for i in 0..20 {
        let csrf = browser.csrf().await;
        let form = [
            ("csrf", csrf.as_str()),
            ("email", &*format!("u{i}@example.com")),
            ("password", "wrong password 1"),
        ];
        let forged = format!("198.51.100.{i}");
        let request = browser
            .client
            .post(browser.url("/login"))
            .header("x-forwarded-for", forged);
        assert_eq!(
            request.form(&form).send().await.unwrap().status(),
            StatusCode::UNAUTHORIZED
        );
    }
    assert_eq!(
        browser.login("next@example.com", "wrong password 1").await.status(),
        StatusCode::TOO_MANY_REQUESTS
    );
}
