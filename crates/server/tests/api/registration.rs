//! `/register` and the registration link (`/invitation/{token}` with a registration link): an
//! individual registers, the email is read from a real SMTP server on loopback, the link leads to a
//! password and the MFA setup (codes from the real `oathtool`).
//!
//! Timing: registering an existing address and a new one do comparable work by construction (see
//! `app::registration`); these tests check the answers are identical, and never time anything.

use std::sync::Arc;

use portcullis::settings::Settings;
use portcullis_core::Email;
use portcullis_testkit::{Kind, TestDatabase};
use reqwest::StatusCode;

use crate::helpers::{
    Browser, GOOD_PASSWORD, TestApp, alert, location, on_both_backends, path_of, smtp_settings, test_settings,
};
use crate::mfa::{add_app, oathtool, tools};
use crate::smtp_sink::{Received, SmtpSink};

/// A server that sends its email to a fresh SMTP sink; `None` when the backend is not configured.
async fn with_sink(kind: Kind, test: &str, adjust: impl FnOnce(&mut Settings)) -> Option<(TestApp, SmtpSink)> {
    let db = Arc::new(match kind {
        Kind::Sqlite => TestDatabase::sqlite(),
        Kind::Postgres => TestDatabase::postgres(test).await?,
    });
    let sink = SmtpSink::start().await;
    let mut settings = smtp_settings(&db, sink.port);
    adjust(&mut settings);
    Some((TestApp::start(db, None, Some(settings)).await, sink))
}

async fn without_sink(kind: Kind, test: &str, adjust: impl FnOnce(&mut Settings)) -> Option<TestApp> {
    let db = Arc::new(match kind {
        Kind::Sqlite => TestDatabase::sqlite(),
        Kind::Postgres => TestDatabase::postgres(test).await?,
    });
    let mut settings = test_settings(&db);
    adjust(&mut settings);
    Some(TestApp::start(db, None, Some(settings)).await)
}

async fn register(browser: &Browser, email: &str) -> (StatusCode, String) {
    let response = browser.post("/register", &[("email", email)]).await;
    (response.status(), response.text().await.unwrap())
}

async fn user_exists(app: &TestApp, email: &str) -> bool {
    let email = Email::parse(email).unwrap();
    let mut tx = app.app.store.read().await.unwrap();
    tx.find_user_by_email(&email).await.unwrap().is_some()
}

/// The next two messages of the sink, in the order of their recipients.
async fn next_two(sink: &SmtpSink) -> Vec<Received> {
    let mut mails = vec![sink.next().await, sink.next().await];
    mails.sort_by(|a, b| a.to.cmp(&b.to));
    mails
}

async fn registers_verifies_sets_up_an_app_and_logs_in(kind: Kind) {
    if !tools("registration::end_to_end") {
        return;
    }
    let Some((app, sink)) = with_sink(kind, "registration::end_to_end::postgres", |_| {}).await else {
        return;
    };
    let browser = app.browser();
    let (_, login) = browser.get_text("/login").await;
    assert!(login.contains("href=\"/register\"") && login.contains("No account? Register"));
    let (status, html) = browser.get_text("/register").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("action=\"/register\""), "{html}");

    let (status, html) = register(&browser, "Ria@Example.com").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("Check your email") && html.contains("Ria@Example.com"),
        "{html}"
    );
    assert!(
        !user_exists(&app, "ria@example.com").await,
        "no account before the link is used"
    );

    let mail = sink.next().await;
    assert_eq!(mail.to, ["ria@example.com"]);
    assert_eq!(mail.subject(), "Confirm your email address for Portcullis");
    assert!(
        mail.text().contains("valid until 2027-01-16 08:00 (UTC)"),
        "24 hours: {}",
        mail.text()
    );
    assert!(mail.html().contains(&format!("href=\"{}\"", mail.link())));
    let link = path_of(&mail.link());

    let (status, html) = browser.get_text(&link).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("Create your account") && html.contains("ria@example.com"),
        "{html}"
    );
    assert!(
        !user_exists(&app, "ria@example.com").await,
        "opening the link changes nothing"
    );
    let response = browser.accept(&link, "Ria Jansen", GOOD_PASSWORD, GOOD_PASSWORD).await;
    assert_eq!(
        location(&response),
        "/mfa/setup",
        "straight to MFA setup, like invited users"
    );
    let ria = {
        let mut tx = app.app.store.read().await.unwrap();
        tx.find_user_by_email(&Email::parse("ria@example.com").unwrap())
            .await
            .unwrap()
            .unwrap()
    };
    assert_eq!(ria.org, None, "an individual");
    assert_eq!(ria.platform_role, None);
    assert_eq!(ria.status, portcullis_core::UserStatus::Active);
    assert_eq!(location(&browser.get("/").await), "/mfa/setup", "nothing before MFA");

    let (secret, _) = add_app(&app, &browser).await;
    assert_eq!(location(&browser.post("/mfa/setup/finish", &[]).await), "/");
    let (status, html) = browser.get_text("/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("You are logged in as Ria Jansen"), "{html}");

    // And the next login is password + code.
    browser.logout().await;
    assert_eq!(
        location(&browser.login("ria@example.com", GOOD_PASSWORD).await),
        "/mfa/challenge"
    );
    app.clock.advance(30);
    let code = {
        use portcullis::app::Clock;
        oathtool(&secret, app.clock.now().0)
    };
    assert_eq!(location(&browser.post("/mfa/challenge", &[("code", &code)]).await), "/");

    let kinds = app.audit_kinds(50).await;
    for kind in ["registration_requested", "registration_completed"] {
        assert!(kinds.iter().any(|k| k == kind), "{kind} audited: {kinds:?}");
    }
    let events = app.app.store.read().await.unwrap().recent_audit(50).await.unwrap();
    let requested = events.iter().find(|e| e.kind == "registration_requested").unwrap();
    assert_eq!(requested.target, None, "no account yet when it was requested");
    assert!(
        !format!("{:?}", requested.detail).contains("ria"),
        "no address for an unknown one"
    );
    assert!(
        !format!("{events:?}").contains(link.trim_start_matches("/invitation/")),
        "no link in the log"
    );
}

on_both_backends!(registers_verifies_sets_up_an_app_and_logs_in);

async fn an_existing_address_gets_the_same_answer_and_an_email_saying_so(kind: Kind) {
    let Some((app, sink)) = with_sink(kind, "registration::existing::postgres", |_| {}).await else {
        return;
    };
    app.active_user("anna@example.com").await;
    assert_eq!(sink.next().await.subject(), "You are invited to Portcullis");

    let browser = app.browser();
    let (known_status, known) = register(&browser, "anna@example.com").await;
    let (new_status, new) = register(&browser, "bram@example.com").await;
    assert_eq!(known_status, StatusCode::OK);
    assert_eq!(known_status, new_status, "the same status");
    assert_eq!(
        known.replace("anna@example.com", "ADDRESS"),
        new.replace("bram@example.com", "ADDRESS"),
        "the same page"
    );

    let mails = next_two(&sink).await;
    assert_eq!(mails[0].to, ["anna@example.com"]);
    assert_eq!(mails[0].subject(), "You already have an account at Portcullis");
    let text = mails[0].text();
    assert!(text.contains(&app.app.page_url("login")), "the login link: {text}");
    assert!(
        text.contains("customer service can reset your extra verification (MFA)"),
        "{text}"
    );
    assert!(!text.contains("/invitation/"), "no link to make a second account");
    assert_eq!(mails[1].to, ["bram@example.com"]);
    assert_eq!(mails[1].subject(), "Confirm your email address for Portcullis");

    let kinds = app.mail_kinds("anna@example.com").await;
    assert_eq!(kinds, ["already_registered", "invitation"]);
}

on_both_backends!(an_existing_address_gets_the_same_answer_and_an_email_saying_so);

/// Someone invited who has not accepted yet and registers gets a fresh invitation (a login would not
/// let them in yet), on the same page; the old link stops working, the new one works.
#[tokio::test]
async fn an_invited_address_gets_a_fresh_invitation() {
    let Some((app, sink)) = with_sink(Kind::Sqlite, "registration::invited", |_| {}).await else {
        return;
    };
    let old_link = app.invite("carla@example.com", None).await;
    assert_eq!(sink.next().await.subject(), "You are invited to Portcullis");
    let browser = app.browser();
    let (status, page) = register(&browser, "carla@example.com").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Check your email"));
    let mail = sink.next().await;
    assert_eq!(mail.to, ["carla@example.com"]);
    assert_eq!(mail.subject(), "You are invited to Portcullis");
    let new_link = path_of(&mail.link());
    assert_ne!(new_link, old_link);
    assert_eq!(
        browser.get(&old_link).await.status(),
        StatusCode::GONE,
        "the old link ended"
    );
    let response = browser.accept(&new_link, "Carla", GOOD_PASSWORD, GOOD_PASSWORD).await;
    assert_eq!(location(&response), "/mfa/setup");
}

async fn a_link_works_once(kind: Kind) {
    let Some((app, sink)) = with_sink(kind, "registration::once::postgres", |_| {}).await else {
        return;
    };
    let browser = app.browser();
    register(&browser, "ria@example.com").await;
    let link = path_of(&sink.next().await.link());
    let response = browser.accept(&link, "Ria", GOOD_PASSWORD, GOOD_PASSWORD).await;
    assert_eq!(location(&response), "/mfa/setup");

    let other = app.browser();
    let (status, html) = other.get_text(&link).await;
    assert_eq!(status, StatusCode::GONE, "{html}");
    let response = other.accept(&link, "Mallory", GOOD_PASSWORD, GOOD_PASSWORD).await;
    assert_eq!(response.status(), StatusCode::GONE);
    assert!(response.text().await.unwrap().contains("already been used"));
}

on_both_backends!(a_link_works_once);

async fn an_expired_link_is_refused_and_writes_nothing(kind: Kind) {
    let Some((app, sink)) = with_sink(kind, "registration::expired::postgres", |_| {}).await else {
        return;
    };
    let browser = app.browser();
    register(&browser, "ria@example.com").await;
    let link = path_of(&sink.next().await.link());
    app.clock.advance(24 * 3600);
    let (status, html) = browser.get_text(&link).await;
    assert_eq!(status, StatusCode::GONE);
    assert!(html.contains("register again"), "{html}");
    let audit_before = app.audit_kinds(1000).await.len();
    let response = browser.accept(&link, "Ria", GOOD_PASSWORD, GOOD_PASSWORD).await;
    assert_eq!(response.status(), StatusCode::GONE);
    assert!(!user_exists(&app, "ria@example.com").await, "nothing written");
    assert_eq!(
        app.audit_kinds(1000).await.len(),
        audit_before,
        "not even an audit event"
    );

    // The abandoned registration blocks nothing: registering again works.
    register(&browser, "ria@example.com").await;
    let link = path_of(&sink.next().await.link());
    let response = browser.accept(&link, "Ria", GOOD_PASSWORD, GOOD_PASSWORD).await;
    assert_eq!(location(&response), "/mfa/setup");
}

on_both_backends!(an_expired_link_is_refused_and_writes_nothing);

async fn two_registrations_of_one_address_make_one_account(kind: Kind) {
    let Some((app, sink)) = with_sink(kind, "registration::twice::postgres", |_| {}).await else {
        return;
    };
    let browser = app.browser();
    register(&browser, "ria@example.com").await;
    register(&browser, "ria@example.com").await;
    let (first, second) = (path_of(&sink.next().await.link()), path_of(&sink.next().await.link()));
    assert_ne!(first, second);

    // Both pages open; both forms are sent at once: one account, and a clear answer for the other.
    let (a, b) = (app.browser(), app.browser());
    assert_eq!(a.get(&first).await.status(), StatusCode::OK);
    assert_eq!(b.get(&second).await.status(), StatusCode::OK);
    let fields = [
        ("display_name", "Ria"),
        ("password", GOOD_PASSWORD),
        ("confirm", GOOD_PASSWORD),
    ];
    let (ra, rb) = tokio::join!(a.post(&first, &fields), b.post(&second, &fields));
    let mut statuses = [ra.status(), rb.status()];
    statuses.sort();
    assert_eq!(statuses, [StatusCode::SEE_OTHER, StatusCode::CONFLICT]);
    let loser = if ra.status() == StatusCode::CONFLICT { ra } else { rb };
    assert!(
        loser.text().await.unwrap().contains("already has an account"),
        "a clear message, never a 500"
    );

    // The loser's link now says so when opened, and still writes nothing.
    let users = app.app.list_users(None).await.unwrap();
    assert_eq!(
        users
            .iter()
            .filter(|(u, _)| u.email.as_str() == "ria@example.com")
            .count(),
        1
    );
}

on_both_backends!(two_registrations_of_one_address_make_one_account);

async fn a_flood_is_throttled_per_address_and_per_client(kind: Kind) {
    let Some(app) = without_sink(kind, "registration::flood::postgres", |_| {}).await else {
        return;
    };
    let browser = app.browser();
    for _ in 0..5 {
        assert_eq!(register(&browser, "ria@example.com").await.0, StatusCode::OK);
    }
    let response = browser.post("/register", &[("email", "ria@example.com")]).await;
    assert_eq!(
        response.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "6 for one address within the hour"
    );
    let wait: i64 = response.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=3600).contains(&wait), "{wait}");
    assert!(alert(&response.text().await.unwrap()).is_some());
    assert_eq!(
        app.mail_kinds("ria@example.com").await.len(),
        5,
        "no mail for a refused request"
    );

    // From one client: 20 an hour, whatever the addresses.
    for i in 0..15 {
        let email = format!("user{i}@example.com");
        assert_eq!(register(&browser, &email).await.0, StatusCode::OK, "{email}");
    }
    let (status, _) = register(&browser, "someone-else@example.com").await;
    assert_eq!(
        status,
        StatusCode::TOO_MANY_REQUESTS,
        "21 from one client within the hour"
    );
    assert!(app.audit_kinds(5).await.contains(&"registration_throttled".to_owned()));

    // Delays end by themselves.
    app.clock.advance(3600);
    assert_eq!(register(&browser, "someone-else@example.com").await.0, StatusCode::OK);
    assert_eq!(register(&browser, "ria@example.com").await.0, StatusCode::OK);
    // A registration flood never slows down logins from the same client.
    let anna = app.active_user("anna@example.com").await;
    assert_eq!(
        location(&anna.login("anna@example.com", GOOD_PASSWORD).await),
        "/mfa/setup"
    );
}

on_both_backends!(a_flood_is_throttled_per_address_and_per_client);

#[tokio::test]
async fn when_registration_is_closed_the_page_says_so_and_a_post_is_refused() {
    let app = without_sink(Kind::Sqlite, "", |s| s.self_registration = false)
        .await
        .unwrap();
    let browser = app.browser();
    let (_, login) = browser.get_text("/login").await;
    assert!(!login.contains("/register"), "the login page does not offer it");
    let (status, html) = browser.get_text("/register").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Registration is closed"), "{html}");
    assert!(!html.contains("action=\"/register\""), "no form");
    let response = browser.post("/register", &[("email", "ria@example.com")]).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert!(response.text().await.unwrap().contains("Registration is closed"));
    assert!(app.mail_kinds("ria@example.com").await.is_empty(), "nothing sent");
    assert!(!app.audit_kinds(10).await.iter().any(|k| k.starts_with("registration")));
}

#[tokio::test]
async fn a_dutch_visitor_gets_a_dutch_page_and_a_dutch_email() {
    let (app, sink) = with_sink(Kind::Sqlite, "", |_| {}).await.unwrap();
    let mut browser = app.browser();
    browser.accept_language = "nl";
    let (_, login) = browser.get_text("/login").await;
    assert!(login.contains("Geen account? Registreren"));
    let (_, html) = browser.get_text("/register").await;
    assert!(
        html.contains("Registreren") && html.contains("Link versturen"),
        "{html}"
    );
    let (status, html) = register(&browser, "ria@example.com").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Kijk in uw e-mail"), "{html}");

    let mail = sink.next().await;
    assert_eq!(mail.subject(), "Bevestig uw e-mailadres voor Portcullis");
    assert!(mail.text().contains("één keer"), "{}", mail.text());
    let link = path_of(&mail.link());
    let (_, html) = browser.get_text(&link).await;
    assert!(html.contains("Uw account aanmaken"), "{html}");
    browser.accept(&link, "Ria", GOOD_PASSWORD, GOOD_PASSWORD).await;
    let mut tx = app.app.store.read().await.unwrap();
    let ria = tx
        .find_user_by_email(&Email::parse("ria@example.com").unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        ria.locale.as_deref(),
        Some("nl"),
        "Dutch becomes her language for email"
    );
    drop(tx);

    // Registering again in English: the "already" email follows her own language, Dutch.
    browser.accept_language = "en";
    register(&browser, "ria@example.com").await;
    let mail = sink.next().await;
    assert_eq!(mail.subject(), "U hebt al een account bij Portcullis");
    assert!(mail.text().contains("de klantenservice"), "{}", mail.text());
}
