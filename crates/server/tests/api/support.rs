//! `/support…`: the customer-service console — search, a user's page, resets with a reason, unlocking,
//! organizations and staff.

use portcullis::app::Client;
use portcullis::app::admin::Membership;
use portcullis_testkit::{Kind, TestDatabase, have_tool};
use reqwest::StatusCode;

use crate::actors::{Cast, Person, methods_of, user_id};
use crate::helpers::{GOOD_PASSWORD, TestApp, location, on_both_backends, path_of, smtp_settings};
use crate::smtp_sink::SmtpSink;

fn tools(test: &str) -> bool {
    have_tool(test, "oathtool", "oathtool")
}

/// A customer-service member, logged in with an app.
pub(crate) async fn support(app: &TestApp) -> Person {
    let invitation = app
        .app
        .invite(
            "carla@support.example",
            Membership::CustomerService,
            None,
            &Client::default(),
        )
        .await
        .unwrap();
    let link = path_of(&app.app.link_url(&invitation.link));
    Person::enroll(app, &link, "carla@support.example").await
}

/// Customer service resets a main administrator's and an individual's MFA — only with a reason, which
/// the audit log and the user's email carry, with the ticket.
#[tokio::test]
async fn customer_service_resets_with_a_reason_and_the_user_is_told() {
    if !tools("support::reset") {
        return;
    }
    let sink = SmtpSink::start().await;
    let db = std::sync::Arc::new(TestDatabase::sqlite());
    let app = TestApp::start(db.clone(), None, Some(smtp_settings(&db, sink.port))).await;
    let cast = Cast::new(&app).await;
    let carla = support(&app).await;
    let main = user_id(&app, &cast.main_admin.email).await;
    let individual = user_id(&app, &cast.individual.email).await;

    let (status, html) = carla.browser.get_text(&format!("/support/users/{main}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("main administrator") && html.contains("Acme") && html.contains("Authenticator app"));
    assert!(!html.contains(&cast.main_admin.secret), "never a secret");
    let (status, html) = carla.browser.get_text(&format!("/support/users/{main}/reset")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("name=\"reason\""));

    // Without a reason: refused, nothing removed.
    let response = carla
        .browser
        .post(
            &format!("/support/users/{main}/reset"),
            &[("reason", "  "), ("ticket", "CS-1")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(response.text().await.unwrap().contains("Give a reason"));
    assert_eq!(methods_of(&app, &cast.main_admin.email).await, 1);

    let reason = "Lost phone; identity checked by call-back";
    let response = carla
        .browser
        .post(
            &format!("/support/users/{main}/reset"),
            &[("reason", reason), ("ticket", "CS-1234")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(methods_of(&app, &cast.main_admin.email).await, 0);
    let response = carla
        .browser
        .post(
            &format!("/support/users/{individual}/reset"),
            &[("reason", "New phone, old one broken")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(methods_of(&app, &cast.individual.email).await, 0);

    let events = app.app.store.read().await.unwrap().recent_audit(10).await.unwrap();
    let reset = events
        .iter()
        .find(|e| e.kind == "mfa_reset" && e.target.unwrap().to_string() == main)
        .unwrap();
    assert_eq!(reset.detail["grant"], "customer_service");
    assert_eq!(reset.detail["reason"], reason);
    assert_eq!(reset.detail["ticket"], "CS-1234");

    let mut mail = None;
    for _ in 0..60 {
        let next = sink.next().await;
        if next.to == [cast.main_admin.email.clone()] && next.subject().contains("was reset") {
            mail = Some(next);
            break;
        }
    }
    let text = mail.expect("the main administrator is emailed").text();
    assert!(text.contains("Customer service reset"), "{text}");
    assert!(text.contains(reason) && text.contains("CS-1234"), "{text}");
    // The next login goes to setup.
    let response = cast
        .main_admin
        .browser
        .login(&cast.main_admin.email, GOOD_PASSWORD)
        .await;
    assert_eq!(location(&response), "/mfa/setup");
}

/// Only customer service opens the console: administrators and employees are refused.
#[tokio::test]
async fn the_console_is_for_customer_service_only() {
    if !tools("support::only") {
        return;
    }
    let app = TestApp::sqlite().await;
    let cast = Cast::new(&app).await;
    let employee = user_id(&app, &cast.employee.email).await;
    for person in [&cast.main_admin, &cast.user_admin, &cast.employee, &cast.individual] {
        assert_eq!(
            person.browser.get("/support").await.status(),
            StatusCode::FORBIDDEN,
            "{}",
            person.email
        );
        let response = person
            .browser
            .post(&format!("/support/users/{employee}/reset"), &[("reason", "because")])
            .await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{}", person.email);
    }
    assert_eq!(methods_of(&app, &cast.employee.email).await, 1);
    assert_eq!(location(&app.browser().get("/support").await), "/login");
}

async fn search_finds_by_email_name_and_organization(kind: Kind) {
    if !tools("support::search") {
        return;
    }
    let Some(app) = TestApp::of_kind(kind, "support::search::postgres").await else {
        return;
    };
    Cast::new(&app).await; // the people to find
    let carla = support(&app).await;
    let b = &carla.browser;
    let rows = |html: &str| html.matches("<tr><td><a href=\"/support/users/").count();
    let (status, html) = b.get_text("/support?q=useradmin").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(rows(&html), 3, "useradmin@acme, useradmin2@acme, useradmin@other");
    let (_, html) = b.get_text("/support?q=ACME").await;
    assert_eq!(rows(&html), 4, "the members of Acme: {html}");
    let (_, html) = b.get_text("/support?q=test%20pers").await;
    assert_eq!(rows(&html), 8, "by name, ignoring case (everyone is 'Test Person')");
    let (_, html) = b.get_text("/support?q=%25").await;
    assert_eq!(rows(&html), 0, "a wildcard is a character");
    let (_, html) = b.get_text("/support?q=*").await;
    assert_eq!(rows(&html), 0);
    let (_, html) = b.get_text("/support?q=someone@").await;
    assert!(html.contains("someone@example.net") && html.contains("individual"));
    let (_, html) = b.get_text("/support?page=99999999").await;
    assert_eq!(rows(&html), 0, "a page far past the end is empty, not an error");
}
on_both_backends!(search_finds_by_email_name_and_organization);

#[tokio::test]
async fn unlock_disable_resend_and_organizations() {
    if !tools("support::actions") {
        return;
    }
    let app = TestApp::sqlite().await;
    let cast = Cast::new(&app).await;
    let carla = support(&app).await;
    let b = &carla.browser;
    let employee = user_id(&app, &cast.employee.email).await;

    // A throttled account: the page says so, and customer service lifts it.
    let stranger = app.browser();
    for _ in 0..6 {
        stranger.login(&cast.employee.email, "wrong password, very wrong").await;
    }
    let (_, html) = b.get_text(&format!("/support/users/{employee}")).await;
    assert!(html.contains("held back until"), "{html}");
    let response = b.post(&format!("/support/users/{employee}/unlock"), &[]).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.text().await.unwrap().contains("The lockout has been lifted"));
    let response = cast.employee.browser.login(&cast.employee.email, GOOD_PASSWORD).await;
    assert_eq!(location(&response), "/mfa/challenge");

    // Disable and enable; not oneself.
    let response = b
        .post(&format!("/support/users/{employee}/status"), &[("enabled", "false")])
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let response = cast.employee.browser.login(&cast.employee.email, GOOD_PASSWORD).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let response = b
        .post(&format!("/support/users/{employee}/status"), &[("enabled", "true")])
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let me = user_id(&app, &carla.email).await;
    let response = b
        .post(&format!("/support/users/{me}/status"), &[("enabled", "false")])
        .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);

    // Organizations: create one; replace its main administrator who has left.
    let response = b
        .post(
            "/support/orgs",
            &[("name", "Harbour Ltd"), ("main_admin", "boss@harbour.example")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let response = b
        .post(
            "/support/orgs",
            &[("name", "harbour ltd"), ("main_admin", "other@harbour.example")],
        )
        .await;
    assert_eq!(
        response.status(),
        StatusCode::CONFLICT,
        "the name is taken, whatever its case"
    );
    let acme = app
        .app
        .list_orgs()
        .await
        .unwrap()
        .into_iter()
        .find(|o| o.org.name.as_str() == "Acme")
        .unwrap()
        .org
        .id
        .to_string();
    let path = format!("/support/orgs/{acme}/main-admin");
    let response = b
        .post(&path, &[("email", &cast.user_admin.email), ("reason", " ")])
        .await;
    assert_eq!(
        response.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "a reason is required"
    );
    let response = b
        .post(&path, &[("email", &cast.other_user_admin.email), ("reason", "left")])
        .await;
    assert_eq!(
        response.status(),
        StatusCode::CONFLICT,
        "a member of another organization"
    );
    let response = b
        .post(
            &path,
            &[("email", &cast.user_admin.email), ("reason", "Anna left the company")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let users = app.app.list_users(Some("Acme")).await.unwrap();
    let role_of = |email: &str| {
        users
            .iter()
            .find(|(u, _)| u.email.as_str() == email)
            .map(|(u, _)| (u.org.unwrap().1, u.status))
            .unwrap()
    };
    use portcullis_core::{OrgRole, UserStatus};
    assert_eq!(
        role_of(&cast.user_admin.email),
        (OrgRole::MainAdmin, UserStatus::Active)
    );
    assert_eq!(
        role_of(&cast.main_admin.email),
        (OrgRole::UserAdmin, UserStatus::Disabled)
    );
    assert_eq!(
        location(&cast.main_admin.browser.get("/profile").await),
        "/login",
        "logged out"
    );
    // The same again, to a new address: invited as main administrator.
    let response = b
        .post(
            &path,
            &[("email", "new.boss@acme.example"), ("reason", "reorganisation")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let invited = user_id(&app, "new.boss@acme.example").await;
    let (_, html) = b.get_text(&format!("/support/users/{invited}")).await;
    assert!(html.contains("main administrator") && html.contains("invited"));
    let response = b.post(&format!("/support/users/{invited}/invitation"), &[]).await;
    assert_eq!(response.status(), StatusCode::OK, "the invitation is sent again");
    assert!(app.audit_kinds(10).await.contains(&"main_admin_replaced".to_owned()));

    // More staff.
    let response = b.post("/support/staff", &[("email", "dave@support.example")]).await;
    assert_eq!(response.status(), StatusCode::OK);
    let dave = user_id(&app, "dave@support.example").await;
    let (_, html) = b.get_text(&format!("/support/users/{dave}")).await;
    assert!(html.contains("customer service"));
}
