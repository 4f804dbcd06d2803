//! Cross-cutting protections: CSRF, bad bodies, security headers.

use reqwest::StatusCode;

use crate::helpers::{GOOD_PASSWORD, TestApp, alert};

#[tokio::test]
async fn form_posts_need_the_csrf_cookie_and_field_to_match() {
    let app = TestApp::sqlite().await;
    let browser = app.active_user("anna@example.com").await;
    let login = [("email", "anna@example.com"), ("password", GOOD_PASSWORD)];

    let fresh = crate::helpers::Browser::new(&browser.base);
    let response = fresh.post_raw("/login", &[("csrf", "pcc_0"), login[0], login[1]]).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN, "no cookie");
    assert!(
        alert(&response.text().await.unwrap())
            .unwrap()
            .contains("Reload the page")
    );

    browser.get("/login").await;
    let forged = format!("pcc_{}", "0".repeat(64));
    assert_eq!(
        browser
            .post_raw("/login", &[("csrf", &forged), login[0], login[1]])
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        browser.post_raw("/login", &[login[0], login[1]]).await.status(),
        StatusCode::BAD_REQUEST,
        "field missing"
    );

    let csrf = browser.csrf().await;
    let foreign = browser
        .client
        .post(browser.url("/login"))
        .header("origin", "https://evil.example")
        .form(&[("csrf", csrf.as_str()), login[0], login[1]])
        .send()
        .await
        .unwrap();
    assert_eq!(foreign.status(), StatusCode::FORBIDDEN, "cross-site origin");
    assert!(
        browser.cookie("portcullis").is_none(),
        "no session was created by any of these"
    );
    assert_eq!(
        browser.login("anna@example.com", GOOD_PASSWORD).await.status(),
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn malformed_oversized_and_foreign_bodies_are_refused() {
    let app = TestApp::sqlite().await;
    let browser = app.browser();
    let csrf = browser.csrf().await;
    let huge = "a".repeat(64 * 1024);
    let response = browser
        .post_raw("/login", &[("csrf", &csrf), ("email", &huge), ("password", "x")])
        .await;
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let response = browser
        .client
        .post(browser.url("/login"))
        .header("content-type", "application/json")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let response = browser
        .client
        .post(browser.url("/login"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("%%%&&&=")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(browser.get("/nowhere").await.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        browser.client.put(browser.url("/login")).send().await.unwrap().status(),
        StatusCode::METHOD_NOT_ALLOWED
    );
}

#[tokio::test]
async fn pages_carry_strict_security_headers_and_no_inline_script() {
    let app = TestApp::sqlite().await;
    let response = app.browser().get("/login").await;
    let headers = response.headers().clone();
    let csp = headers["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"));
    assert!(csp.contains("frame-ancestors 'none'"));
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert_eq!(headers["referrer-policy"], "strict-origin");
    assert_eq!(headers["cache-control"], "no-store");
    assert!(
        headers.get("strict-transport-security").is_none(),
        "no HSTS over plain http"
    );
    assert!(headers.get("x-request-id").is_some());
    let cookie = headers["set-cookie"].to_str().unwrap();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"));
    let html = response.text().await.unwrap();
    assert!(!html.contains("<script>") && !html.contains("onclick") && !html.contains("style="));
    assert!(html.contains("<script src=\"/static/app.js\" defer></script>"));
    assert_eq!(app.browser().get("/static/app.js").await.status(), StatusCode::OK);
}

#[tokio::test]
async fn https_deployments_get_hsts_and_host_prefixed_secure_cookies() {
    let db = std::sync::Arc::new(portcullis_testkit::TestDatabase::sqlite());
    let mut settings = crate::helpers::test_settings(&db);
    settings.public_url = "https://login.example.com".parse().unwrap();
    let app = TestApp::start(db, None, Some(settings)).await;
    let response = app.browser().get("/login").await;
    assert!(
        response.headers()["strict-transport-security"]
            .to_str()
            .unwrap()
            .contains("max-age=")
    );
    let cookie = response.headers()["set-cookie"].to_str().unwrap();
    assert!(cookie.starts_with("__Host-portcullis-csrf=") && cookie.contains("Secure") && cookie.contains("Path=/"));
}
