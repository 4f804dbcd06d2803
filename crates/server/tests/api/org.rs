//! `/org…`: administrators manage their organization — the reset matrix through the pages and the
//! use cases, the re-enrollment window, member management's bad input, the audit log and dashboard.

use portcullis::app::AppError;
use portcullis::app::Client;
use portcullis_core::permissions::ResetRefusal;
use portcullis_testkit::{Kind, have_tool};
use reqwest::StatusCode;

use crate::actors::{Cast, Person, add_app, methods_of, user_id};
use crate::helpers::{GOOD_PASSWORD, TestApp, location, on_both_backends};

fn tools(test: &str) -> bool {
    have_tool(test, "oathtool", "oathtool")
}

/// The matrix of DESIGN.md §2, cell by cell, through the pages: status, message, what was removed,
/// and the audit record of each refusal.
async fn the_reset_matrix_through_the_pages(kind: Kind) {
    if !tools("org::matrix") {
        return;
    }
    let Some(app) = TestApp::of_kind(kind, "org::the_reset_matrix_through_the_pages::postgres").await else {
        return;
    };
    let cast = Cast::new(&app).await;
    // (actor, target, expected status, words of the message)
    let cells: Vec<(&Person, &Person, StatusCode, &str)> = vec![
        (
            &cast.employee,
            &cast.user_admin,
            StatusCode::FORBIDDEN,
            "only reset the MFA of users you administer",
        ),
        (
            &cast.employee,
            &cast.main_admin,
            StatusCode::FORBIDDEN,
            "Only customer service",
        ),
        (
            &cast.user_admin,
            &cast.second_user_admin,
            StatusCode::FORBIDDEN,
            "Only the main administrator",
        ),
        (
            &cast.user_admin,
            &cast.main_admin,
            StatusCode::FORBIDDEN,
            "Only customer service",
        ),
        (
            &cast.user_admin,
            &cast.other_user_admin,
            StatusCode::FORBIDDEN,
            "only reset the MFA of users you administer",
        ),
        (
            &cast.user_admin,
            &cast.individual,
            StatusCode::FORBIDDEN,
            "Only customer service",
        ),
        (
            &cast.main_admin,
            &cast.other_user_admin,
            StatusCode::FORBIDDEN,
            "only reset the MFA of users you administer",
        ),
        (
            &cast.main_admin,
            &cast.individual,
            StatusCode::FORBIDDEN,
            "Only customer service",
        ),
        (
            &cast.other_main_admin,
            &cast.employee,
            StatusCode::FORBIDDEN,
            "only reset the MFA of users you administer",
        ),
        (&cast.user_admin, &cast.employee, StatusCode::OK, "MFA has been reset"),
        (
            &cast.main_admin,
            &cast.second_user_admin,
            StatusCode::OK,
            "MFA has been reset",
        ),
    ];
    for (actor, target, status, words) in cells {
        let before = methods_of(&app, &target.email).await;
        let id = user_id(&app, &target.email).await;
        let response = actor.browser.post(&format!("/org/users/{id}/reset"), &[]).await;
        let what = format!("{} resets {}", actor.email, target.email);
        assert_eq!(response.status(), status, "{what}");
        let html = response.text().await.unwrap();
        assert!(html.contains(words), "{what}: {html}");
        let after = methods_of(&app, &target.email).await;
        if status == StatusCode::OK {
            assert_eq!(after, 0, "{what}");
        } else {
            assert_eq!(after, before, "{what}: nothing removed");
            let events = app.app.store.read().await.unwrap().recent_audit(1).await.unwrap();
            assert_eq!(events[0].kind, "mfa_reset_refused", "{what}");
            assert_eq!(events[0].target.unwrap().to_string(), id);
        }
    }
    // A reset employee is logged out and must set up MFA again at the next login.
    assert_eq!(location(&cast.employee.browser.get("/profile").await), "/login");
    let response = cast.employee.browser.login(&cast.employee.email, GOOD_PASSWORD).await;
    assert_eq!(location(&response), "/mfa/setup");
    // The matrix forbids a reset of oneself through the administrators' door (the profile is the way).
    let id = user_id(&app, &cast.main_admin.email).await;
    let response = cast
        .main_admin
        .browser
        .post(&format!("/org/users/{id}/reset"), &[])
        .await;
    assert_eq!(response.status(), StatusCode::CONFLICT);
}
on_both_backends!(the_reset_matrix_through_the_pages);

/// The same matrix through the use-case layer (the one function pages and API share).
#[tokio::test]
async fn the_reset_matrix_through_the_use_cases() {
    if !tools("org::matrix_use_cases") {
        return;
    }
    let app = TestApp::sqlite().await;
    let cast = Cast::new(&app).await;
    let client = Client::default();
    use ResetRefusal::*;
    let cells: Vec<(&Person, &Person, Option<ResetRefusal>)> = vec![
        (&cast.employee, &cast.second_user_admin, Some(NotTheirAdministrator)),
        (&cast.user_admin, &cast.second_user_admin, Some(OnlyMainAdministrator)),
        (&cast.user_admin, &cast.main_admin, Some(OnlyCustomerService)),
        (&cast.main_admin, &cast.individual, Some(OnlyCustomerService)),
        (&cast.other_user_admin, &cast.employee, Some(NotTheirAdministrator)),
        (&cast.user_admin, &cast.employee, None),
        (&cast.main_admin, &cast.user_admin, None),
    ];
    for (actor, target, refusal) in cells {
        let session = actor.session(&app).await;
        let id = user_id(&app, &target.email).await;
        let result = app.app.reset_user_mfa(&session, &id, None, None, &client).await;
        match refusal {
            Some(refusal) => assert!(
                matches!(result, Err(AppError::ResetRefused(r)) if r == refusal),
                "{} → {}: {result:?}",
                actor.email,
                target.email
            ),
            None => assert!(result.is_ok(), "{} → {}: {result:?}", actor.email, target.email),
        }
    }
}

/// After an administrator's reset the user has 72 hours (by default) to set up MFA again; then the
/// password alone no longer opens the setup.
#[tokio::test]
async fn the_enrollment_window_opens_and_closes() {
    if !tools("org::window") {
        return;
    }
    let app = TestApp::sqlite().await;
    let cast = Cast::new(&app).await;
    let employee = user_id(&app, &cast.employee.email).await;
    let second = user_id(&app, &cast.second_user_admin.email).await;
    for id in [&employee, &second] {
        let response = cast
            .main_admin
            .browser
            .post(&format!("/org/users/{id}/reset"), &[])
            .await;
        assert_eq!(response.status(), StatusCode::OK);
    }
    let (_, html) = cast
        .main_admin
        .browser
        .get_text(&format!("/org/users/{employee}"))
        .await;
    assert!(html.contains("Must set up MFA before"), "the page shows the deadline");
    assert!(
        html.contains(&format!("href=\"/org/users/{employee}/reset\"")),
        "the reset button asks first"
    );
    let (status, html) = cast
        .main_admin
        .browser
        .get_text(&format!("/org/users/{employee}/reset"))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Reset the MFA of employee@acme.example") && html.contains("within 72 hours"));
    let foreign = user_id(&app, &cast.other_user_admin.email).await;
    let response = cast
        .main_admin
        .browser
        .get(&format!("/org/users/{foreign}/reset"))
        .await;
    assert_eq!(
        response.status(),
        StatusCode::NOT_FOUND,
        "no confirmation page for another organization's member"
    );

    // Within the window: setup, and the deadline is gone.
    app.clock.advance(71 * 3600);
    let response = cast.employee.browser.login(&cast.employee.email, GOOD_PASSWORD).await;
    assert_eq!(location(&response), "/mfa/setup");
    add_app(&app, &cast.employee.browser).await;
    assert_eq!(
        location(&cast.employee.browser.post("/mfa/setup/finish", &[]).await),
        "/"
    );

    // Past the window: login stops with a message that says what to do.
    app.clock.advance(2 * 3600);
    let response = cast
        .second_user_admin
        .browser
        .login(&cast.second_user_admin.email, GOOD_PASSWORD)
        .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let html = response.text().await.unwrap();
    assert!(html.contains("not set up again in time"), "{html}");
    assert!(
        app.audit_kinds(5)
            .await
            .contains(&"login_refused_enrollment_expired".to_owned())
    );
    // The employee who enrolled in time is not affected.
    cast.employee.browser.logout().await;
    let response = cast.employee.browser.login(&cast.employee.email, GOOD_PASSWORD).await;
    assert_eq!(location(&response), "/mfa/challenge");

    // A new reset opens a new window.
    cast.main_admin.login(&app).await;
    let response = cast
        .main_admin
        .browser
        .post(&format!("/org/users/{second}/reset"), &[])
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let response = cast
        .second_user_admin
        .browser
        .login(&cast.second_user_admin.email, GOOD_PASSWORD)
        .await;
    assert_eq!(location(&response), "/mfa/setup");
}

/// Two administrators reset the same user at the same moment: one reset, one clear "already reset".
async fn two_administrators_reset_one_user_at_once(kind: Kind) {
    if !tools("org::race") {
        return;
    }
    let Some(app) = TestApp::of_kind(kind, "org::two_administrators_reset_one_user_at_once::postgres").await else {
        return;
    };
    let cast = Cast::new(&app).await;
    let id = user_id(&app, &cast.employee.email).await;
    let path = format!("/org/users/{id}/reset");
    let (a, b) = tokio::join!(
        cast.main_admin.browser.post(&path, &[]),
        cast.user_admin.browser.post(&path, &[])
    );
    let mut statuses = [a.status(), b.status()];
    statuses.sort();
    assert_eq!(statuses, [StatusCode::OK, StatusCode::CONFLICT]);
    let events = app.app.store.read().await.unwrap().recent_audit(20).await.unwrap();
    assert_eq!(events.iter().filter(|e| e.kind == "mfa_reset").count(), 1);
}
on_both_backends!(two_administrators_reset_one_user_at_once);

#[tokio::test]
async fn members_are_managed_within_the_rules() {
    if !tools("org::manage") {
        return;
    }
    let app = TestApp::sqlite().await;
    let cast = Cast::new(&app).await;
    let main = user_id(&app, &cast.main_admin.email).await;
    let employee = user_id(&app, &cast.employee.email).await;
    let second = user_id(&app, &cast.second_user_admin.email).await;
    let foreign = user_id(&app, &cast.other_user_admin.email).await;
    let ua = &cast.user_admin.browser;
    let ma = &cast.main_admin.browser;

    // The list: status, MFA state, search; employees and individuals have no such page.
    let (status, html) = ua.get_text("/org/users?q=EMPLOYEE").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("employee@acme.example") && !html.contains("useradmin2@acme.example"));
    assert!(html.contains(">app<"), "MFA state: {html}");
    assert!(!html.contains("other.example"), "other organizations stay invisible");
    assert_eq!(
        cast.employee.browser.get("/org/users").await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        cast.individual.browser.get("/org").await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        ua.get(&format!("/org/users/{foreign}")).await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(ua.get("/org/users/not-an-id").await.status(), StatusCode::NOT_FOUND);

    // The main administrator is never disabled or demoted; a user administrator manages employees only.
    let response = ua
        .post(&format!("/org/users/{main}/status"), &[("enabled", "false")])
        .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("main administrator cannot be disabled")
    );
    let response = ma
        .post(&format!("/org/users/{main}/role"), &[("role", "employee")])
        .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let response = ua
        .post(&format!("/org/users/{second}/status"), &[("enabled", "false")])
        .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let response = ua
        .post(&format!("/org/users/{employee}/role"), &[("role", "user_admin")])
        .await;
    assert_eq!(
        response.status(),
        StatusCode::FORBIDDEN,
        "roles: the main administrator only"
    );
    let response = ua
        .post(&format!("/org/users/{foreign}/status"), &[("enabled", "false")])
        .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let response = ua
        .post(&format!("/org/users/{employee}/role"), &[("role", "main_admin")])
        .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let response = ua
        .post(&format!("/org/users/{employee}/status"), &[("enabled", "maybe")])
        .await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);

    // Disable ends the employee's sessions and stops their login; enable lets them back.
    let response = ua
        .post(&format!("/org/users/{employee}/status"), &[("enabled", "false")])
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(location(&cast.employee.browser.get("/profile").await), "/login");
    let response = cast.employee.browser.login(&cast.employee.email, GOOD_PASSWORD).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let response = ua
        .post(&format!("/org/users/{employee}/status"), &[("enabled", "false")])
        .await;
    assert_eq!(response.status(), StatusCode::CONFLICT, "already disabled");
    let response = ua
        .post(&format!("/org/users/{employee}/status"), &[("enabled", "true")])
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    cast.employee.login(&app).await;

    // Roles: employee ↔ user administrator by the main administrator.
    let response = ma
        .post(&format!("/org/users/{employee}/role"), &[("role", "user_admin")])
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let response = ma
        .post(&format!("/org/users/{employee}/role"), &[("role", "user_admin")])
        .await;
    assert_eq!(response.status(), StatusCode::CONFLICT);
    let response = ma
        .post(&format!("/org/users/{employee}/role"), &[("role", "employee")])
        .await;
    assert_eq!(response.status(), StatusCode::OK);

    // Invitations: an email with an account is refused; resend kills the old link; revoke frees the email.
    let response = ua
        .post(
            "/org/users/invite",
            &[("email", "Employee@Acme.example"), ("role", "employee")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::CONFLICT);
    let response = ua
        .post(
            "/org/users/invite",
            &[("email", "new@acme.example"), ("role", "user_admin")],
        )
        .await;
    assert_eq!(
        response.status(),
        StatusCode::FORBIDDEN,
        "user administrators invite employees only"
    );
    let response = ua
        .post(
            "/org/users/invite",
            &[("email", "new@acme.example"), ("role", "employee")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("An invitation has been sent to new@acme.example")
    );
    let invited = user_id(&app, "new@acme.example").await;
    let response = ua
        .post(&format!("/org/users/{invited}/invitation"), &[("action", "resend")])
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let response = ua.post(&format!("/org/users/{invited}/reset"), &[]).await;
    assert_eq!(
        response.status(),
        StatusCode::CONFLICT,
        "no MFA to reset before the invitation is accepted"
    );
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("has not accepted the invitation yet")
    );
    let response = ua
        .post(&format!("/org/users/{employee}/invitation"), &[("action", "resend")])
        .await;
    assert_eq!(
        response.status(),
        StatusCode::CONFLICT,
        "an active user has no invitation"
    );
    let response = ua
        .post(&format!("/org/users/{invited}/invitation"), &[("action", "revoke")])
        .await;
    assert_eq!(location(&response), "/org/users");
    let response = ua
        .post(&format!("/org/users/{invited}/invitation"), &[("action", "revoke")])
        .await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND, "a second click finds nothing");
    let response = ua
        .post(
            "/org/users/invite",
            &[("email", "new@acme.example"), ("role", "employee")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK, "the email is free again");

    // Refusals are audited with the action and the reason.
    let events = app.app.store.read().await.unwrap().recent_audit(100).await.unwrap();
    assert!(
        events
            .iter()
            .any(|e| e.kind == "admin_action_refused" && e.detail["reason"] == "main_administrator_fixed")
    );
    assert!(events.iter().any(|e| e.kind == "user_disabled"));
    assert!(events.iter().any(|e| e.kind == "role_changed"));
    assert!(events.iter().any(|e| e.kind == "invitation_revoked"));
}

/// The main-administrator role moves in one transaction, only with a fresh check; there is exactly
/// one main administrator before and after.
#[tokio::test]
async fn the_main_administrator_hands_over_the_role() {
    if !tools("org::handover") {
        return;
    }
    let app = TestApp::sqlite().await;
    let cast = Cast::new(&app).await;
    let employee = user_id(&app, &cast.employee.email).await;
    let main = user_id(&app, &cast.main_admin.email).await;
    let response = cast
        .user_admin
        .browser
        .post(&format!("/org/users/{employee}/handover"), &[])
        .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    app.clock.advance(10 * 60);
    let response = cast
        .main_admin
        .browser
        .post(&format!("/org/users/{employee}/handover"), &[])
        .await;
    assert_eq!(
        location(&response),
        "/mfa/challenge?next=handover",
        "needs a fresh check"
    );
    cast.main_admin.login(&app).await;
    let response = cast
        .main_admin
        .browser
        .post(&format!("/org/users/{main}/handover"), &[])
        .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN, "not to oneself");
    let response = cast
        .main_admin
        .browser
        .post(&format!("/org/users/{employee}/handover"), &[])
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let session = cast.employee.session(&app).await;
    let users = app.app.list_users(Some("Acme")).await.unwrap();
    let mains: Vec<_> = users
        .iter()
        .filter(|(u, _)| u.org.is_some_and(|(_, r)| r == portcullis_core::OrgRole::MainAdmin))
        .collect();
    assert_eq!(mains.len(), 1);
    assert_eq!(mains[0].0.id.to_string(), employee);
    // The former main administrator is now a user administrator and cannot take the role back.
    let response = cast
        .main_admin
        .browser
        .post(&format!("/org/users/{employee}/reset"), &[])
        .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let result = app
        .app
        .set_member_enabled(&session, &main, false, &Client::default())
        .await;
    assert!(
        result.is_ok(),
        "the new main administrator manages the old one: {result:?}"
    );
}

#[tokio::test]
async fn the_audit_log_is_filtered_and_exported_per_organization() {
    if !tools("org::audit") {
        return;
    }
    let app = TestApp::sqlite().await;
    let cast = Cast::new(&app).await;
    let employee = user_id(&app, &cast.employee.email).await;
    cast.user_admin
        .browser
        .post(&format!("/org/users/{employee}/reset"), &[])
        .await;
    let ma = &cast.main_admin.browser;

    let (status, html) = ma.get_text("/org/audit").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("MFA reset") && html.contains("employee@acme.example"));
    assert!(!html.contains("other.example"), "only the organization's events");
    let (_, html) = ma.get_text("/org/audit?kind=mfa_reset").await;
    assert!(html.contains("<td>MFA reset</td>"));
    assert!(!html.contains("<td>authenticator app added</td>"), "filtered by type");
    let (status, _) = ma.get_text("/org/audit?from=2026-02-30").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (_, html) = ma.get_text("/org/audit?from=2090-01-01").await;
    assert!(html.contains("No events."), "filtered by date");

    let response = ma.get(&format!("/org/audit/export?format=csv&user={employee}")).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let csv = response.text().await.unwrap();
    let mut lines = csv.lines();
    assert_eq!(lines.next().unwrap(), "id,time,kind,actor,target,ip,detail");
    let rows: Vec<&str> = lines.collect();
    assert!(rows.iter().any(|r| r.contains(",mfa_reset,")), "{csv}");
    assert!(
        rows.iter().all(|r| r.contains(&employee)),
        "only the employee's events: {csv}"
    );

    let jsonl = ma.get("/org/audit/export?format=jsonl").await.text().await.unwrap();
    let events: Vec<serde_json::Value> = jsonl.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert!(
        events
            .iter()
            .any(|e| e["kind"] == "mfa_reset" && e["detail"]["grant"] == "user_admin")
    );
    let acme = app
        .app
        .list_orgs()
        .await
        .unwrap()
        .into_iter()
        .find(|o| o.org.name.as_str() == "Acme")
        .unwrap();
    assert!(events.iter().all(|e| e["org"] == acme.org.id.to_string()));
    assert_eq!(
        ma.get("/org/audit/export?format=xml").await.status(),
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        cast.individual
            .browser
            .get("/org/audit/export?format=csv")
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        location(&cast.employee.browser.get("/org/audit").await),
        "/login",
        "the reset ended their session"
    );
}

#[tokio::test]
async fn the_dashboard_counts_methods_and_invitations() {
    if !tools("org::dashboard") {
        return;
    }
    let app = TestApp::sqlite().await;
    let cast = Cast::new(&app).await;
    cast.main_admin
        .browser
        .post(
            "/org/users/invite",
            &[("email", "later@acme.example"), ("role", "employee")],
        )
        .await;
    let (status, html) = cast.main_admin.browser.get_text("/org").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("<svg class=\"chart\""), "a server-rendered chart");
    assert!(html.contains("<strong>4 / 4</strong> active users with MFA"), "{html}");
    assert!(html.contains("<strong>1</strong> open invitations"));
    cast.main_admin.browser.get("/lang?to=nl&next=/org").await;
    let (_, html) = cast.main_admin.browser.get_text("/org").await;
    assert!(html.contains("actieve gebruikers met MFA") && html.contains("openstaande uitnodigingen"));
}

#[tokio::test]
async fn a_refusal_in_dutch_names_who_can_help() {
    if !tools("org::dutch") {
        return;
    }
    let app = TestApp::sqlite().await;
    let cast = Cast::new(&app).await;
    let main = user_id(&app, &cast.main_admin.email).await;
    cast.user_admin.browser.get("/lang?to=nl&next=/").await;
    let response = cast
        .user_admin
        .browser
        .post(&format!("/org/users/{main}/reset"), &[])
        .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert!(response.text().await.unwrap().contains("Alleen de klantenservice"));
}

/// The user learns of an administrator's reset by email, through a real SMTP server, in their own
/// language: which role of which organization did it, by when to set up MFA again, whom to ask.
#[tokio::test]
async fn an_administrators_reset_is_emailed_in_the_users_language() {
    if !tools("org::reset_email") {
        return;
    }
    let sink = crate::smtp_sink::SmtpSink::start().await;
    let db = std::sync::Arc::new(portcullis_testkit::TestDatabase::sqlite());
    let app = TestApp::start(db.clone(), None, Some(crate::helpers::smtp_settings(&db, sink.port))).await;
    let cast = Cast::new(&app).await;
    let employee = user_id(&app, &cast.employee.email).await;
    {
        let mut tx = app.app.store.begin().await.unwrap();
        let id = portcullis_core::UserId::parse(&employee).unwrap();
        tx.set_user_locale(id, "nl").await.unwrap();
        tx.commit().await.unwrap();
    }
    let response = cast
        .user_admin
        .browser
        .post(&format!("/org/users/{employee}/reset"), &[])
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let mut found = None;
    for _ in 0..40 {
        let mail = sink.next().await;
        if mail.to == [cast.employee.email.clone()]
            && mail.subject().contains("MFA")
            && mail.subject().contains("gereset")
        {
            found = Some(mail);
            break;
        }
    }
    let mail = found.expect("the reset email");
    let text = mail.text();
    assert_eq!(mail.subject(), "Uw extra verificatie (MFA) is gereset");
    assert!(text.contains("gebruikersbeheerder") && text.contains("Acme"), "{text}");
    assert!(text.contains("beheerder"), "whom to ask: {text}");
}
