//! `/support/clients…`: customer service registers and edits the services (OpenID Connect clients) and
//! replaces their secrets; nobody else opens these pages.

use portcullis_core::oidc::SigningAlg;
use portcullis_testkit::have_tool;
use reqwest::StatusCode;
use serde_json::Value;

use crate::actors::{Cast, user_id};
use crate::helpers::{Browser, TestApp, alert, location};
use crate::support::support;

fn tools(test: &str) -> bool {
    have_tool(test, "oathtool", "oathtool")
}

const CALLBACK: &str = "https://berths.example/callback";

/// The text of `<code id="{id}">…</code>` on a page, if there is one.
fn code(html: &str, id: &str) -> Option<String> {
    let start = html.find(&format!("<code id=\"{id}\">"))? + id.len() + 12;
    let end = html[start..].find("</code>")?;
    Some(html[start..start + end].to_owned())
}

/// Registers a service through the console; its id and secret (if confidential) as the page shows them.
async fn register(browser: &Browser, name: &str, public: bool) -> (String, Option<String>, String) {
    let mut fields = vec![("name", name), ("redirect_uris", CALLBACK)];
    if public {
        fields.push(("public", "on"));
    }
    let response = browser.post("/support/clients", &fields).await;
    assert_eq!(response.status(), StatusCode::OK);
    let html = response.text().await.unwrap();
    let id = code(&html, "client-id").expect("the page shows the client id");
    (id, code(&html, "client-secret"), html)
}

/// `POST /oauth2/token` with `client_credentials` and Basic authentication.
async fn client_credentials(app: &TestApp, id: &str, secret: &str) -> (StatusCode, Value) {
    let response = reqwest::Client::new()
        .post(format!("{}/oauth2/token", app.address))
        .basic_auth(id, Some(secret))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// Every field of the edit form, with `changes` replacing some.
fn edit_form<'a>(changes: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut fields = vec![
        ("name", "Berth planner"),
        ("redirect_uris", CALLBACK),
        ("post_logout_uris", ""),
        ("backchannel_logout_uri", ""),
        ("scopes", "openid profile email"),
        ("signing_alg", "ES256"),
        ("access_ttl", "5m"),
        ("refresh_idle_ttl", "30m"),
        ("refresh_max_ttl", "12h"),
        ("enabled", "on"),
    ];
    for (name, value) in changes {
        fields.retain(|(n, _)| n != name);
        fields.push((name, value));
    }
    fields
}

/// A confidential service's secret is shown once, on the answer to the registration, and stored only
/// as its hash; a public one has none. The audit names the customer-service member.
#[tokio::test]
async fn customer_service_registers_a_service_and_sees_its_secret_once() {
    if !tools("support_clients::register") {
        return;
    }
    let app = TestApp::sqlite().await;
    let carla = support(&app).await;
    let b = &carla.browser;
    let (status, html) = b.get_text("/support/clients").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Register a service") && html.contains("href=\"/support/clients\""));

    let (id, secret, html) = register(b, "Berth planner", false).await;
    let secret = secret.expect("a confidential service gets a secret");
    assert!(secret.starts_with("pcx_") && secret.len() > 40, "{secret}");
    assert!(html.contains("it will not be shown again"));
    for path in ["/support/clients".to_owned(), format!("/support/clients/{id}")] {
        let (status, html) = b.get_text(&path).await;
        assert_eq!(status, StatusCode::OK);
        assert!(html.contains(&id) && html.contains("Berth planner"), "{path}");
        assert!(!html.contains(&secret), "{path} shows the secret again");
    }
    let record = app.app.client(&id).await.unwrap();
    let hash = record.secret_hash.clone().unwrap();
    assert_ne!(hash, secret);
    assert!(
        !hash.contains(&secret[4..]) && hash.len() == 64,
        "a SHA-256, not the secret"
    );
    assert_eq!(record.redirect_uris, [CALLBACK]);
    assert_eq!(record.signing_alg, SigningAlg::Es256);
    let (status, body) = client_credentials(&app, &id, &secret).await;
    assert_ne!(
        status,
        StatusCode::UNAUTHORIZED,
        "the shown secret authenticates: {body}"
    );

    let (public_id, public_secret, html) = register(b, "Harbour app", true).await;
    assert_eq!(public_secret, None);
    assert!(!html.contains("it will not be shown again"));
    assert!(app.app.client(&public_id).await.unwrap().is_public());
    let (_, html) = b.get_text("/support/clients").await;
    assert!(html.contains("public (no secret)") && html.contains("confidential (with a secret)"));

    // A wildcard is refused with the reason, and what was typed stays in the form.
    let response = b
        .post(
            "/support/clients",
            &[("name", "Wild"), ("redirect_uris", "https://*.example/cb")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = response.text().await.unwrap();
    assert!(alert(&html).unwrap().contains("wildcard"), "{html}");
    assert!(html.contains("value=\"Wild\"") && html.contains(">https://*.example/cb</textarea>"));
    assert_eq!(app.app.clients().await.unwrap().len(), 2);

    let carla_id = user_id(&app, &carla.email).await;
    let events = app.app.store.read().await.unwrap().recent_audit(10).await.unwrap();
    let added: Vec<_> = events.iter().filter(|e| e.kind == "oidc_client_added").collect();
    assert_eq!(added.len(), 2);
    assert!(
        added
            .iter()
            .all(|e| e.actor.map(|a| a.to_string()) == Some(carla_id.clone()))
    );
    assert!(!serde_json::to_string(&added[0].detail).unwrap().contains(&secret[4..]));
}

/// Every setting can be edited; a wildcard redirect URI or an unreadable lifetime is refused with a
/// message (422), keeps what was typed and saves nothing. Replacing the secret stops the old one.
#[tokio::test]
async fn customer_service_edits_a_service_and_replaces_its_secret() {
    if !tools("support_clients::edit") {
        return;
    }
    let app = TestApp::sqlite().await;
    let carla = support(&app).await;
    let b = &carla.browser;
    let (id, secret, _) = register(b, "Berth planner", false).await;
    let old_secret = secret.unwrap();
    let path = format!("/support/clients/{id}");
    let (status, html) = b.get_text(&path).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("value=\"5m\"") && html.contains("value=\"12h\"") && html.contains("Replace the secret"));

    let response = b
        .post(&path, &edit_form(&[("redirect_uris", "https://berths.example/*")]))
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = response.text().await.unwrap();
    assert!(alert(&html).unwrap().contains("wildcard"), "{html}");
    assert!(
        html.contains(">https://berths.example/*</textarea>"),
        "what was typed stays"
    );
    assert_eq!(app.app.client(&id).await.unwrap().redirect_uris, [CALLBACK]);

    let response = b.post(&path, &edit_form(&[("access_ttl", "soon")])).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(alert(&response.text().await.unwrap()).unwrap().contains("duration"));

    let uris = "https://berths.example/callback\r\nhttps://berths.example/other\r\n";
    let response = b
        .post(
            &path,
            &edit_form(&[
                ("name", "Berth planner 2"),
                ("redirect_uris", uris),
                ("post_logout_uris", "https://berths.example/bye"),
                ("backchannel_logout_uri", "https://berths.example/logout"),
                ("scopes", "openid email berths:read"),
                ("require_key", "on"),
                ("signing_alg", "RS256"),
                ("consent", "on"),
                ("access_ttl", "10m"),
                ("refresh_idle_ttl", "1h"),
                ("refresh_max_ttl", "7d"),
            ]),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.text().await.unwrap().contains("The settings have been saved."));
    let record = app.app.client(&id).await.unwrap();
    assert_eq!(record.name, "Berth planner 2");
    assert_eq!(record.redirect_uris, [CALLBACK, "https://berths.example/other"]);
    assert_eq!(record.post_logout_uris, ["https://berths.example/bye"]);
    assert_eq!(
        record.backchannel_logout_uri.as_deref(),
        Some("https://berths.example/logout")
    );
    assert_eq!(record.scopes.to_string(), "openid email berths:read");
    assert!(record.require_key && record.consent && record.enabled);
    assert_eq!(record.signing_alg, SigningAlg::Rs256);
    assert_eq!(
        (record.access_ttl, record.refresh_idle_ttl, record.refresh_max_ttl),
        (600, 3600, 7 * 86_400)
    );
    // Switched off: the checkbox left out.
    let mut off = edit_form(&[]);
    off.retain(|(n, _)| *n != "enabled");
    assert_eq!(b.post(&path, &off).await.status(), StatusCode::OK);
    assert!(!app.app.client(&id).await.unwrap().enabled);
    assert_eq!(b.post(&path, &edit_form(&[])).await.status(), StatusCode::OK);

    let (status, body) = client_credentials(&app, &id, &old_secret).await;
    assert_ne!(status, StatusCode::UNAUTHORIZED, "{body}");
    let response = b.post(&format!("{path}/secret"), &[]).await;
    assert_eq!(response.status(), StatusCode::OK);
    let html = response.text().await.unwrap();
    let new_secret = code(&html, "client-secret").expect("the new secret is shown");
    assert!(html.contains("it will not be shown again"));
    assert_ne!(new_secret, old_secret);
    let (status, body) = client_credentials(&app, &id, &old_secret).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"], "invalid_client");
    let (status, body) = client_credentials(&app, &id, &new_secret).await;
    assert_ne!(status, StatusCode::UNAUTHORIZED, "{body}");
    let (_, html) = b.get_text(&path).await;
    assert!(!html.contains(&new_secret));

    let kinds = app.audit_kinds(10).await;
    assert_eq!(
        kinds.iter().filter(|k| *k == "oidc_client_changed").count(),
        3,
        "{kinds:?}"
    );
    assert_eq!(
        kinds[..2],
        ["oidc_token_refused", "oidc_client_secret_replaced"],
        "the old secret's refusal is audited too"
    );
    assert!(kinds.contains(&"oidc_client_added".to_owned()));
}

/// An organization's main administrator and an employee get 403 on every console route; a logged-out
/// browser is sent to the login; nothing changes.
#[tokio::test]
async fn only_customer_service_manages_services() {
    if !tools("support_clients::only") {
        return;
    }
    let app = TestApp::sqlite().await;
    let cast = Cast::new(&app).await;
    let carla = support(&app).await;
    let (id, secret, _) = register(&carla.browser, "Berth planner", false).await;
    let secret = secret.unwrap();
    let path = format!("/support/clients/{id}");
    let secret_path = format!("{path}/secret");
    let logged_out = app.browser();
    for (person, logged_in) in [
        (&cast.main_admin.browser, true),
        (&cast.employee.browser, true),
        (&logged_out, false),
    ] {
        let expect = |response: &reqwest::Response, what: &str| {
            if !logged_in {
                assert_eq!(response.status(), StatusCode::SEE_OTHER, "{what}");
                assert_eq!(location(response), "/login", "{what}");
            } else {
                assert_eq!(response.status(), StatusCode::FORBIDDEN, "{what}");
            }
        };
        for get in ["/support/clients", path.as_str()] {
            expect(&person.get(get).await, get);
        }
        let response = person
            .post("/support/clients", &[("name", "Mine"), ("redirect_uris", CALLBACK)])
            .await;
        expect(&response, "register");
        let response = person.post(&path, &edit_form(&[("name", "Taken over")])).await;
        expect(&response, "edit");
        let response = person
            .post(&path, &edit_form(&[("redirect_uris", "https://*.evil/cb")]))
            .await;
        expect(&response, "edit with a bad URI");
        expect(&person.post(&secret_path, &[]).await, "replace the secret");
    }
    assert_eq!(app.app.clients().await.unwrap().len(), 1);
    assert_eq!(app.app.client(&id).await.unwrap().name, "Berth planner");
    let (status, _) = client_credentials(&app, &id, &secret).await;
    assert_ne!(status, StatusCode::UNAUTHORIZED, "the secret was not replaced");
    let (_, html) = cast.main_admin.browser.get_text("/org").await;
    assert!(
        !html.contains("href=\"/support/clients\""),
        "no menu entry for administrators"
    );
}

/// The console speaks Dutch to a Dutch browser.
#[tokio::test]
async fn the_services_pages_speak_dutch() {
    if !tools("support_clients::dutch") {
        return;
    }
    let app = TestApp::sqlite().await;
    let mut carla = support(&app).await;
    let (id, _, _) = register(&carla.browser, "Ligplaatsen", false).await;
    carla.browser.accept_language = "nl";
    let (status, html) = carla.browser.get_text("/support/clients").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Diensten") && html.contains("Een dienst registreren") && html.contains("vertrouwelijk"));
    let (_, html) = carla.browser.get_text(&format!("/support/clients/{id}")).await;
    assert!(
        html.contains("Het geheim vervangen") && html.contains("Opslaan"),
        "{html}"
    );
    let response = carla.browser.post(&format!("/support/clients/{id}/secret"), &[]).await;
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("het wordt niet nog eens getoond")
    );
}
