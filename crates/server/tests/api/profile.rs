//! `/profile…`: the user's own MFA methods, the reset for a new phone, sessions and the password.

use portcullis_testkit::{Kind, TestDatabase, have_tool};
use reqwest::StatusCode;

use crate::actors::{Person, add_app, methods_of, next_code};
use crate::helpers::{GOOD_PASSWORD, TestApp, alert, location, on_both_backends};

fn tools(test: &str) -> bool {
    have_tool(test, "oathtool", "oathtool")
}

async fn person(app: &TestApp, email: &str) -> Person {
    let link = app.invite(email, None).await;
    Person::enroll(app, &link, email).await
}

/// "New phone, old phone still works": reset from the profile after a fresh check; every session
/// ends; the next login goes straight to setup; the audit log says who and how.
async fn a_user_resets_their_own_mfa(kind: Kind) {
    if !tools("profile::a_user_resets_their_own_mfa") {
        return;
    }
    let Some(app) = TestApp::of_kind(kind, "profile::a_user_resets_their_own_mfa::postgres").await else {
        return;
    };
    let anna = person(&app, "anna@example.com").await;
    let (status, html) = anna.browser.get_text("/profile").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Extra verification (MFA)") && html.contains("Authenticator app"));
    assert!(
        html.contains("This is your only method"),
        "the last method cannot be removed"
    );
    // A second device of Anna's.
    let laptop = Person {
        browser: app.browser(),
        email: anna.email.clone(),
        secret: anna.secret.clone(),
    };
    laptop.login(&app).await;

    // The check is fresh for 5 minutes; later the reset asks for a code first.
    app.clock.advance(5 * 60);
    let response = anna.browser.get("/profile/reset").await;
    assert_eq!(location(&response), "/mfa/challenge?next=reset");
    let response = anna.browser.post("/profile/reset", &[]).await;
    assert_eq!(
        location(&response),
        "/mfa/challenge?next=reset",
        "a forged post is no way around it"
    );
    assert_eq!(methods_of(&app, "anna@example.com").await, 1, "nothing removed");
    let (_, html) = anna.browser.get_text("/mfa/challenge?next=reset").await;
    assert!(html.contains("Confirm it is you"));
    let code = next_code(&app, &anna.secret);
    let response = anna.browser.post("/mfa/challenge?next=reset", &[("code", &code)]).await;
    assert_eq!(location(&response), "/profile/reset");
    let (status, html) = anna.browser.get_text("/profile/reset").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("You are logged out everywhere") || html.contains("logged out everywhere"));

    let response = anna.browser.post("/profile/reset", &[]).await;
    assert_eq!(location(&response), "/login?done=reset");
    assert_eq!(methods_of(&app, "anna@example.com").await, 0);
    assert_eq!(location(&anna.browser.get("/profile").await), "/login");
    assert_eq!(
        location(&laptop.browser.get("/profile").await),
        "/login",
        "the other device too"
    );
    let (_, html) = anna.browser.get_text("/login?done=reset").await;
    assert!(html.contains("Your MFA has been reset"));

    let response = anna.browser.login("anna@example.com", GOOD_PASSWORD).await;
    assert_eq!(location(&response), "/mfa/setup", "straight to setup");
    add_app(&app, &anna.browser).await;
    assert_eq!(location(&anna.browser.post("/mfa/setup/finish", &[]).await), "/");

    let events = app.app.store.read().await.unwrap().recent_audit(50).await.unwrap();
    let reset = events.iter().find(|e| e.kind == "mfa_reset").unwrap();
    assert_eq!(reset.detail["grant"], "own");
    assert_eq!(reset.detail["sessions_ended"], 2);
    assert_eq!(reset.actor, reset.target);
    let mails = app.mail_kinds("anna@example.com").await;
    assert!(mails.contains(&"mfa_reset_self".to_owned()), "Anna is told: {mails:?}");
}
on_both_backends!(a_user_resets_their_own_mfa);

async fn methods_are_added_and_removed_but_never_the_last(kind: Kind) {
    if !tools("profile::methods") {
        return;
    }
    let Some(app) = TestApp::of_kind(kind, "profile::methods::postgres").await else {
        return;
    };
    let bob = person(&app, "bob@example.com").await;
    // Adding a second app from the profile (fresh check from the login).
    let (status, html) = bob.browser.get_text("/mfa/setup").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Back to your profile"), "{html}");
    let second = add_app(&app, &bob.browser).await;
    assert_eq!(methods_of(&app, "bob@example.com").await, 2);
    let (_, html) = bob.browser.get_text("/profile").await;
    let ids: Vec<String> = html
        .split("name=\"id\" value=\"")
        .skip(1)
        .map(|s| s.split('"').next().unwrap().to_owned())
        .collect();
    assert_eq!(ids.len(), 2, "each method has a remove button");

    // A forged id, a forged kind: nothing removed.
    let response = bob
        .browser
        .post("/profile/methods/remove", &[("kind", "app"), ("id", "nope")])
        .await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let response = bob
        .browser
        .post("/profile/methods/remove", &[("kind", "sms"), ("id", &ids[0])])
        .await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert_eq!(methods_of(&app, "bob@example.com").await, 2);

    let response = bob
        .browser
        .post("/profile/methods/remove", &[("kind", "app"), ("id", &ids[0])])
        .await;
    assert_eq!(location(&response), "/profile");
    assert_eq!(methods_of(&app, "bob@example.com").await, 1);
    let response = bob
        .browser
        .post("/profile/methods/remove", &[("kind", "app"), ("id", &ids[1])])
        .await;
    assert_eq!(response.status(), StatusCode::CONFLICT);
    let html = response.text().await.unwrap();
    assert!(alert(&html).unwrap().contains("last MFA method"), "{html}");
    assert_eq!(methods_of(&app, "bob@example.com").await, 1);

    // The remaining app is the one added second or first; whichever, its codes still log in.
    bob.browser.logout().await;
    let response = bob.browser.login("bob@example.com", GOOD_PASSWORD).await;
    assert_eq!(location(&response), "/mfa/challenge");
    let mut logged_in = false;
    for secret in [&bob.secret, &second] {
        let code = next_code(&app, secret);
        if location(&bob.browser.post("/mfa/challenge", &[("code", &code)]).await) == "/" {
            logged_in = true;
            break;
        }
    }
    assert!(logged_in);
    assert!(app.audit_kinds(30).await.contains(&"mfa_method_removed".to_owned()));
    assert!(
        app.mail_kinds("bob@example.com")
            .await
            .contains(&"mfa_method_removed".to_owned())
    );
}
on_both_backends!(methods_are_added_and_removed_but_never_the_last);

#[tokio::test]
async fn sessions_are_listed_and_ended_one_by_one_or_everywhere() {
    if !tools("profile::sessions") {
        return;
    }
    let app = TestApp::sqlite().await;
    let carla = person(&app, "carla@example.com").await;
    let phone = Person {
        browser: app.browser(),
        email: carla.email.clone(),
        secret: carla.secret.clone(),
    };
    phone.login(&app).await;
    let (_, html) = carla.browser.get_text("/profile").await;
    let handles: Vec<String> = html
        .split("name=\"session\" value=\"")
        .skip(1)
        .map(|s| s.split('"').next().unwrap().to_owned())
        .collect();
    assert_eq!(handles.len(), 2);
    assert!(html.contains("this device"));
    // A handle from another user or a forged one ends nothing.
    let response = carla.browser.post("/profile/sessions/end", &[("session", "00")]).await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    // End the phone's session (the one that is not "this device").
    let mine = carla.session(&app).await.token_hash.to_hex();
    let other = handles.iter().find(|h| **h != mine).unwrap();
    let response = carla.browser.post("/profile/sessions/end", &[("session", other)]).await;
    assert_eq!(location(&response), "/profile");
    assert_eq!(location(&phone.browser.get("/profile").await), "/login");
    assert_eq!(carla.browser.get("/profile").await.status(), StatusCode::OK);

    phone.login(&app).await;
    let response = carla.browser.post("/profile/sessions/end-all", &[]).await;
    assert_eq!(location(&response), "/login?done=logged-out");
    assert_eq!(location(&phone.browser.get("/profile").await), "/login");
    assert_eq!(location(&carla.browser.get("/profile").await), "/login");
}

#[tokio::test]
async fn the_password_changes_only_with_the_current_one() {
    if !tools("profile::password") {
        return;
    }
    let app = TestApp::sqlite().await;
    let dirk = person(&app, "dirk@example.com").await;
    let phone = Person {
        browser: app.browser(),
        email: dirk.email.clone(),
        secret: dirk.secret.clone(),
    };
    phone.login(&app).await;
    let new = "lighthouse kettle anchor 42";
    let response = dirk
        .browser
        .post(
            "/profile/password",
            &[("current", "wrong password here"), ("password", new), ("confirm", new)],
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        alert(&response.text().await.unwrap())
            .unwrap()
            .contains("current password is wrong")
    );
    let response = dirk
        .browser
        .post(
            "/profile/password",
            &[("current", GOOD_PASSWORD), ("password", "short"), ("confirm", "short")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let response = dirk
        .browser
        .post(
            "/profile/password",
            &[("current", GOOD_PASSWORD), ("password", new), ("confirm", new)],
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("Your password has been changed")
    );
    assert_eq!(
        location(&phone.browser.get("/profile").await),
        "/login",
        "other sessions end"
    );
    assert_eq!(
        dirk.browser.get("/profile").await.status(),
        StatusCode::OK,
        "this one stays"
    );
    dirk.browser.logout().await;
    let response = dirk.browser.login("dirk@example.com", GOOD_PASSWORD).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let response = dirk.browser.login("dirk@example.com", new).await;
    assert_eq!(location(&response), "/mfa/challenge");
}

/// Two nodes on one PostgreSQL database: a reset on one ends the sessions held on the other.
#[tokio::test]
async fn a_reset_on_one_node_ends_sessions_on_every_node() {
    if !tools("profile::two_nodes") {
        return;
    }
    let Some(db) = TestDatabase::postgres("profile::a_reset_on_one_node_ends_sessions_on_every_node").await else {
        return;
    };
    let db = std::sync::Arc::new(db);
    let node_a = TestApp::start(db.clone(), None, None).await;
    let node_b = TestApp::start(db.clone(), Some(node_a.clock.clone()), Some(node_a.settings.clone())).await;
    let eva = person(&node_a, "eva@example.com").await;
    let on_b = Person {
        browser: node_b.browser(),
        email: eva.email.clone(),
        secret: eva.secret.clone(),
    };
    on_b.login(&node_b).await;
    assert_eq!(on_b.browser.get("/profile").await.status(), StatusCode::OK);
    // Eva's first browser moves to node B too: the session is in the database.
    let eva_at_b = eva.browser.same_cookies_at(&node_b.address);
    assert_eq!(eva_at_b.get("/profile").await.status(), StatusCode::OK);

    let response = eva.browser.post("/profile/reset", &[]).await;
    assert_eq!(location(&response), "/login?done=reset");
    assert_eq!(location(&on_b.browser.get("/profile").await), "/login");
    let response = on_b.browser.login("eva@example.com", GOOD_PASSWORD).await;
    assert_eq!(
        location(&response),
        "/mfa/setup",
        "node B sends the next login to setup"
    );
}
