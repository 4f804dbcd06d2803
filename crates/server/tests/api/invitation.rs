//! `/invitation/{token}`: accepting invitations and the first-administrator setup link.

use portcullis_core::UserStatus;
use portcullis_testkit::Kind;
use reqwest::StatusCode;

use crate::helpers::{GOOD_PASSWORD, TestApp, alert, location, on_both_backends};

async fn invited_user_chooses_a_password_and_lands_before_mfa(kind: Kind) {
    let Some(app) = TestApp::of_kind(kind, "invitation::accept::postgres").await else {
        return;
    };
    let link = app.org("Port of Rotterdam", "anna@por.example").await;
    let browser = app.browser();
    let (status, html) = browser.get_text(&link).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("Port of Rotterdam") && html.contains("anna@por.example"),
        "{html}"
    );
    assert!(html.contains("main administrator"));

    let response = browser
        .accept(&link, "Anna de Vries", GOOD_PASSWORD, GOOD_PASSWORD)
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&response), "/mfa/setup");
    let (status, html) = browser.get_text("/mfa/setup").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Set up extra verification (MFA)"));
    // A password alone is not a login: the start page sends the user back to MFA.
    let response = browser.get("/").await;
    assert_eq!(location(&response), "/mfa/setup");

    let user = app.app.list_users(None).await.unwrap().remove(0).0;
    assert_eq!(user.status, UserStatus::Active);
    assert_eq!(user.display_name.unwrap().as_str(), "Anna de Vries");
    assert!(user.password_hash.unwrap().starts_with("$argon2id$"));
}

on_both_backends!(invited_user_chooses_a_password_and_lands_before_mfa);

#[tokio::test]
async fn bad_passwords_are_refused_with_a_reason_and_change_nothing() {
    let app = TestApp::sqlite().await;
    let link = app.invite("jan.jansen@example.nl", None).await;
    let browser = app.browser();
    let long = "x".repeat(257);
    let cases: [(&str, &str, &str); 6] = [
        ("short pw", "short pw", "at least 12 characters"),
        (&long, &long, "at most 256 characters"),
        ("password1234", "password1234", "commonly used password"),
        (
            "jan.jansen@example.nl",
            "jan.jansen@example.nl",
            "must not contain your email",
        ),
        ("qwertyuiopasdfgh", "qwertyuiopasdfgh", ""),
        (GOOD_PASSWORD, "harbour crane tulip 89", "are not the same"),
    ];
    for (password, confirm, reason) in cases {
        let response = browser.accept(&link, "Jan", password, confirm).await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY, "{password}");
        let message = alert(&response.text().await.unwrap()).expect("a reason is shown");
        assert!(message.contains(reason), "{password}: {message}");
    }
    let user = app.app.list_users(None).await.unwrap().remove(0).0;
    assert_eq!(user.status, UserStatus::Invited, "nothing was written");
    assert!(user.password_hash.is_none());
    // The link still works with a good password.
    let response = browser.accept(&link, "Jan", GOOD_PASSWORD, GOOD_PASSWORD).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn a_link_works_once() {
    let app = TestApp::sqlite().await;
    let link = app.invite("anna@example.com", None).await;
    let response = app.browser().accept(&link, "Anna", GOOD_PASSWORD, GOOD_PASSWORD).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let other = app.browser();
    let (status, html) = other.get_text(&link).await;
    assert_eq!(status, StatusCode::GONE);
    assert!(alert(&html).unwrap().contains("already been used"));
    let response = other
        .post(
            &link,
            &[
                ("display_name", "Mallory"),
                ("password", GOOD_PASSWORD),
                ("confirm", GOOD_PASSWORD),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::GONE);
}

#[tokio::test]
async fn two_simultaneous_accepts_let_exactly_one_win() {
    let app = TestApp::sqlite().await;
    let link = app.invite("anna@example.com", None).await;
    let (a, b) = (app.browser(), app.browser());
    a.get(&link).await;
    b.get(&link).await;
    let fields = [
        ("display_name", "Anna"),
        ("password", GOOD_PASSWORD),
        ("confirm", GOOD_PASSWORD),
    ];
    let (ra, rb) = tokio::join!(a.post(&link, &fields), b.post(&link, &fields));
    let mut statuses = [ra.status(), rb.status()];
    statuses.sort();
    assert_eq!(statuses, [StatusCode::SEE_OTHER, StatusCode::GONE]);
}

#[tokio::test]
async fn an_expired_link_says_so() {
    let app = TestApp::sqlite().await;
    let link = app.invite("anna@example.com", None).await;
    app.clock.advance(7 * 24 * 3600);
    let (status, html) = app.browser().get_text(&link).await;
    assert_eq!(status, StatusCode::GONE);
    assert!(alert(&html).unwrap().contains("expired"));
    let response = app.browser().accept(&link, "Anna", GOOD_PASSWORD, GOOD_PASSWORD).await;
    assert_eq!(response.status(), StatusCode::GONE);
    assert_eq!(app.app.list_users(None).await.unwrap()[0].0.status, UserStatus::Invited);
}

#[tokio::test]
async fn unknown_and_malformed_links_are_not_found() {
    let app = TestApp::sqlite().await;
    let browser = app.browser();
    let unknown = format!("/invitation/pcl_{}", "ab".repeat(32));
    for path in [unknown.as_str(), "/invitation/nonsense", "/invitation/pcs_00"] {
        let (status, html) = browser.get_text(path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        assert!(alert(&html).unwrap().contains("not valid"));
        assert!(html.contains("Reference: "), "error pages carry a request id");
    }
    let response = browser
        .post(
            &unknown,
            &[
                ("display_name", "X"),
                ("password", GOOD_PASSWORD),
                ("confirm", GOOD_PASSWORD),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_first_administrator_sets_up_with_the_setup_link_once() {
    let app = TestApp::sqlite().await;
    let (first, _) = app.app.setup_link_if_empty().await.unwrap().unwrap();
    let (second, _) = app.app.setup_link_if_empty().await.unwrap().unwrap();
    let (first, second) = (
        crate::helpers::path_of(&app.app.link_url(&first)),
        crate::helpers::path_of(&app.app.link_url(&second)),
    );
    let browser = app.browser();
    let (status, html) = browser.get_text(&first).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Set up the first administrator"));
    let bad = browser
        .post(
            &first,
            &[
                ("email", "not an email"),
                ("display_name", "Carla"),
                ("password", GOOD_PASSWORD),
                ("confirm", GOOD_PASSWORD),
            ],
        )
        .await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let response = browser
        .post(
            &first,
            &[
                ("email", "Carla@Support.example"),
                ("display_name", "Carla"),
                ("password", GOOD_PASSWORD),
                ("confirm", GOOD_PASSWORD),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let users = app.app.list_users(None).await.unwrap();
    assert_eq!(users.len(), 1);
    assert_eq!(users[0].0.email.as_str(), "carla@support.example");
    assert_eq!(users[0].0.platform_role.map(|r| r.as_str()), Some("customer_service"));
    // Once there is an administrator, the other setup link is dead, and no new one is made.
    assert_eq!(app.browser().get(&second).await.status(), StatusCode::GONE);
    assert!(app.app.setup_link_if_empty().await.unwrap().is_none());
}

#[tokio::test]
async fn the_invitation_page_speaks_dutch() {
    let app = TestApp::sqlite().await;
    let link = app.org("Havenbedrijf", "piet@haven.example").await;
    let mut browser = app.browser();
    browser.accept_language = "nl-NL,nl;q=0.9,en;q=0.5";
    let (status, html) = browser.get_text(&link).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("Uw account instellen") && html.contains("hoofdbeheerder"),
        "{html}"
    );
    assert!(html.contains("<html lang=\"nl\">"));
    let response = browser.accept(&link, "Piet", "kort", "kort").await;
    assert!(
        alert(&response.text().await.unwrap())
            .unwrap()
            .contains("minstens 12 tekens")
    );
    let response = browser.accept(&link, "Piet", GOOD_PASSWORD, GOOD_PASSWORD).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let (_, html) = browser.get_text("/mfa/setup").await;
    assert!(html.contains("Extra verificatie (MFA) instellen"));
    assert!(!html.contains('⟦'), "every message exists in Dutch");
}
