//! People for the profile and organization tests: each accepts an invitation through the pages, sets
//! up an authenticator app (codes from the real `oathtool`) and stays logged in with a fresh check.

use portcullis::app::Clock;
use portcullis::app::login::CurrentSession;
use portcullis_core::OrgRole;
use reqwest::StatusCode;

use crate::helpers::{Browser, GOOD_PASSWORD, TestApp, location};
use crate::mfa::oathtool;

pub struct Person {
    pub email: String,
    pub browser: Browser,
    pub secret: String,
}

pub fn now(app: &TestApp) -> i64 {
    app.clock.now().0
}

/// The code the person's phone shows now (after moving the clock to a step not used yet).
pub fn next_code(app: &TestApp, secret: &str) -> String {
    app.clock.advance(30);
    oathtool(secret, now(app))
}

impl Person {
    /// Accepts the invitation at `link`, sets up an app and finishes: logged in, check fresh.
    pub async fn enroll(app: &TestApp, link: &str, email: &str) -> Person {
        let browser = app.browser();
        let response = browser.accept(link, "Test Person", GOOD_PASSWORD, GOOD_PASSWORD).await;
        assert_eq!(location(&response), "/mfa/setup", "{email} accepts the invitation");
        let secret = add_app(app, &browser).await;
        let response = browser.post("/mfa/setup/finish", &[]).await;
        assert_eq!(location(&response), "/");
        Person {
            email: email.to_owned(),
            browser,
            secret,
        }
    }

    /// Logs in again with password and a code (a new session, check fresh).
    pub async fn login(&self, app: &TestApp) {
        let response = self.browser.login(&self.email, GOOD_PASSWORD).await;
        assert_eq!(location(&response), "/mfa/challenge", "{}", self.email);
        let code = next_code(app, &self.secret);
        let response = self.browser.post("/mfa/challenge", &[("code", &code)]).await;
        // The start page, or a service that waits for this login.
        let to = location(&response);
        assert!(to == "/" || to == "/oauth2/continue", "{to}");
    }

    /// The use-case layer's view of this person's current session.
    pub async fn session(&self, app: &TestApp) -> CurrentSession {
        let token = self.browser.cookie("portcullis").expect("logged in");
        app.app.session(&token).await.unwrap().expect("a live session")
    }
}

/// Sets up an authenticator app through the pages; returns its secret.
pub async fn add_app(app: &TestApp, browser: &Browser) -> String {
    let response = browser.post("/mfa/setup/app", &[("phone", "iphone")]).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
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
    let code = next_code(app, &secret);
    let response = browser.post(&page, &[("code", &code)]).await;
    assert_eq!(location(&response), "/mfa/setup", "the first code verifies the app");
    secret
}

/// Acme with its main administrator, two user administrators and an employee; Other with its main
/// and a user administrator; an individual.
pub struct Cast {
    pub main_admin: Person,
    pub user_admin: Person,
    pub second_user_admin: Person,
    pub employee: Person,
    pub other_main_admin: Person,
    pub other_user_admin: Person,
    pub individual: Person,
}

impl Cast {
    pub async fn new(app: &TestApp) -> Cast {
        let link = app.org("Acme", "main@acme.example").await;
        let main_admin = Person::enroll(app, &link, "main@acme.example").await;
        let member = |email: &'static str, role| async move {
            let link = app.invite(email, Some(("Acme", role))).await;
            Person::enroll(app, &link, email).await
        };
        let user_admin = member("useradmin@acme.example", OrgRole::UserAdmin).await;
        let second_user_admin = member("useradmin2@acme.example", OrgRole::UserAdmin).await;
        let employee = member("employee@acme.example", OrgRole::Employee).await;
        let link = app.org("Other", "main@other.example").await;
        let other_main_admin = Person::enroll(app, &link, "main@other.example").await;
        let link = app
            .invite("useradmin@other.example", Some(("Other", OrgRole::UserAdmin)))
            .await;
        let other_user_admin = Person::enroll(app, &link, "useradmin@other.example").await;
        let link = app.invite("someone@example.net", None).await;
        let individual = Person::enroll(app, &link, "someone@example.net").await;
        Cast {
            main_admin,
            user_admin,
            second_user_admin,
            employee,
            other_main_admin,
            other_user_admin,
            individual,
        }
    }
}

/// The user id of an email, for forms.
pub async fn user_id(app: &TestApp, email: &str) -> String {
    let email = portcullis_core::Email::parse(email).unwrap();
    let mut tx = app.app.store.read().await.unwrap();
    tx.find_user_by_email(&email).await.unwrap().unwrap().id.to_string()
}

/// How many MFA methods the user has.
pub async fn methods_of(app: &TestApp, email: &str) -> i64 {
    let email = portcullis_core::Email::parse(email).unwrap();
    let mut tx = app.app.store.read().await.unwrap();
    let user = tx.find_user_by_email(&email).await.unwrap().unwrap();
    tx.count_mfa_methods(user.id).await.unwrap()
}
