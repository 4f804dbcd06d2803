//! `/api/v1…` and `/api/openapi.json`: the admin JSON API — every operation with a token of the
//! organization, tokens of another organization, without the scope, expired, revoked or of a creator
//! who was disabled; bad input with stable codes; the reset matrix through the API; the OpenAPI
//! document lists every route and validates.

use portcullis_testkit::{Kind, have_tool, in_ci, skip};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::actors::{Cast, Person, methods_of, user_id};
use crate::helpers::{TestApp, on_both_backends};

fn tools(test: &str) -> bool {
    have_tool(test, "oathtool", "oathtool")
}

const ALL_SCOPES: [&str; 4] = ["users:read", "users:write", "mfa:reset", "audit:read"];

/// Calls the API with a bearer token (or none) from a client without cookies.
async fn call(
    app: &TestApp,
    method: Method,
    path: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut request = reqwest::Client::new().request(method, format!("{}{path}", app.address));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    let text = response.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// Calls the API as a logged-in person: the session cookie, and the CSRF header on unsafe methods.
async fn as_person(person: &Person, method: Method, path: &str, body: Option<Value>) -> (StatusCode, Value) {
    let csrf = person.browser.csrf().await;
    let mut request = person
        .browser
        .client
        .request(method, person.browser.url(path))
        .header("x-csrf-token", csrf);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    let text = response.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// A new token of `person`'s organization: (plain token, id).
async fn token_of(person: &Person, scopes: &[&str], days: i64) -> (String, String) {
    let (status, body) = as_person(
        person,
        Method::POST,
        "/api/v1/tokens",
        Some(json!({ "name": "HR sync", "scopes": scopes, "expires_in_days": days })),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let token = body["token"].as_str().unwrap().to_owned();
    assert!(token.starts_with("pca_"));
    (token, body["id"].as_str().unwrap().to_owned())
}

fn code(body: &Value) -> &str {
    body["error"]["code"].as_str().unwrap_or("<no code>")
}

async fn audit_kinds_with_token(app: &TestApp, token_id: &str) -> Vec<String> {
    let mut tx = app.app.store.read().await.unwrap();
    tx.audit_events(&portcullis_store::audit::AuditFilter {
        limit: 500,
        ..Default::default()
    })
    .await
    .unwrap()
    .into_iter()
    .filter(|(_, e)| e.detail["api_token"] == token_id || e.detail["token"] == token_id)
    .map(|(_, e)| e.kind)
    .collect()
}

async fn every_operation_with_a_token_of_the_organization(kind: Kind) {
    if !tools("api_v1::every_operation") {
        return;
    }
    let Some(app) = TestApp::of_kind(kind, "api_v1::every_operation::postgres").await else {
        return;
    };
    let cast = Cast::new(&app).await;
    let (token, token_id) = token_of(&cast.main_admin, &ALL_SCOPES, 30).await;
    let t = Some(token.as_str());
    let employee = user_id(&app, "employee@acme.example").await;

    // List and search, a page at a time.
    let (status, page) = call(&app, Method::GET, "/api/v1/members?limit=2", t, None).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!(page["items"].as_array().unwrap().len(), 2);
    assert_eq!(page["next_offset"], 2);
    let (_, page) = call(&app, Method::GET, "/api/v1/members?limit=200", t, None).await;
    let emails: Vec<&str> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["email"].as_str().unwrap())
        .collect();
    assert_eq!(emails.len(), 4, "only Acme's members: {emails:?}");
    assert!(!emails.contains(&"main@other.example"));
    assert!(page["next_offset"].is_null());
    let (_, page) = call(&app, Method::GET, "/api/v1/members?q=employee", t, None).await;
    assert_eq!(page["items"][0]["email"], "employee@acme.example");
    assert_eq!(page["items"][0]["apps"], 1);

    // One member.
    let (status, member) = call(&app, Method::GET, &format!("/api/v1/members/{employee}"), t, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(member["role"], "employee");
    assert_eq!(member["status"], "active");
    let (status, body) = call(&app, Method::GET, "/api/v1/members/not-an-id", t, None).await;
    assert_eq!((status, code(&body)), (StatusCode::NOT_FOUND, "user_not_found"));

    // Invite, resend, withdraw; a taken email is a conflict.
    let invite = json!({ "email": "new@acme.example", "role": "employee" });
    let (status, invited) = call(&app, Method::POST, "/api/v1/members", t, Some(invite.clone())).await;
    assert_eq!(status, StatusCode::CREATED, "{invited}");
    assert!(invited.get("link").is_none(), "the link is emailed, never returned");
    let new_id = invited["id"].as_str().unwrap();
    assert!(
        app.mail_kinds("new@acme.example")
            .await
            .contains(&"invitation".to_owned())
    );
    let (status, body) = call(&app, Method::POST, "/api/v1/members", t, Some(invite.clone())).await;
    assert_eq!((status, code(&body)), (StatusCode::CONFLICT, "email_taken"));
    let path = format!("/api/v1/members/{new_id}/invitation");
    assert_eq!(call(&app, Method::POST, &path, t, None).await.0, StatusCode::NO_CONTENT);
    assert_eq!(
        call(&app, Method::DELETE, &path, t, None).await.0,
        StatusCode::NO_CONTENT
    );
    let (status, body) = call(&app, Method::DELETE, &path, t, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");

    // Disable (ends the sessions), enable.
    let disable = format!("/api/v1/members/{employee}/disable");
    assert_eq!(
        call(&app, Method::POST, &disable, t, None).await.0,
        StatusCode::NO_CONTENT
    );
    let (status, body) = call(&app, Method::POST, &disable, t, None).await;
    assert_eq!((status, code(&body)), (StatusCode::CONFLICT, "unchanged"));
    let enable = format!("/api/v1/members/{employee}/enable");
    assert_eq!(
        call(&app, Method::POST, &enable, t, None).await.0,
        StatusCode::NO_CONTENT
    );

    // Roles.
    let role = format!("/api/v1/members/{employee}/role");
    let (status, body) = call(&app, Method::PUT, &role, t, Some(json!({ "role": "user_admin" }))).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    let (_, member) = call(&app, Method::GET, &format!("/api/v1/members/{employee}"), t, None).await;
    assert_eq!(member["role"], "user_admin");
    let (status, _) = call(&app, Method::PUT, &role, t, Some(json!({ "role": "employee" }))).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, body) = call(&app, Method::PUT, &role, t, Some(json!({ "role": "main_admin" }))).await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::FORBIDDEN, "main_administrator_fixed")
    );

    // Reset MFA.
    let reset = format!("/api/v1/members/{employee}/mfa-reset");
    let (status, body) = call(&app, Method::POST, &reset, t, Some(json!({ "reason": "lost phone" }))).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["granted_as"], "main_admin");
    assert_eq!(methods_of(&app, "employee@acme.example").await, 0);
    let (status, body) = call(&app, Method::POST, &reset, t, Some(json!({}))).await;
    assert_eq!((status, code(&body)), (StatusCode::CONFLICT, "already_reset"));

    // The audit log, filtered as on the page; the token's actions name it.
    let (status, page) = call(&app, Method::GET, "/api/v1/audit?kind=user_disabled", t, None).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let items = page["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["target"], employee.as_str());
    assert_eq!(items[0]["detail"]["api_token"], token_id.as_str());
    let (_, page) = call(
        &app,
        Method::GET,
        &format!("/api/v1/audit?user={employee}&limit=2"),
        t,
        None,
    )
    .await;
    assert_eq!(page["items"].as_array().unwrap().len(), 2);
    assert!(page["next_before"].is_i64());
    let kinds = audit_kinds_with_token(&app, &token_id).await;
    for kind in [
        "api_token_created",
        "user_invited",
        "user_disabled",
        "role_changed",
        "mfa_reset",
    ] {
        assert!(kinds.contains(&kind.to_owned()), "{kind} in {kinds:?}");
    }

    // The same operations with the session cookie (the browser's front door).
    let (status, page) = as_person(&cast.main_admin, Method::GET, "/api/v1/members", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(page["items"].as_array().unwrap().len(), 4);
    // Listing tokens never shows one.
    let (status, tokens) = as_person(&cast.main_admin, Method::GET, "/api/v1/tokens", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(tokens[0]["id"], token_id.as_str());
    assert_eq!(tokens[0]["live"], true);
    assert!(tokens[0]["last_used_at"].is_i64());
    assert!(!tokens.to_string().contains(&token));
}
on_both_backends!(every_operation_with_a_token_of_the_organization);

async fn other_organizations_and_missing_scopes_are_refused(kind: Kind) {
    if !tools("api_v1::refused") {
        return;
    }
    let Some(app) = TestApp::of_kind(kind, "api_v1::refused::postgres").await else {
        return;
    };
    let cast = Cast::new(&app).await;
    let employee = user_id(&app, "employee@acme.example").await;
    let (other, _) = token_of(&cast.other_main_admin, &ALL_SCOPES, 30).await;
    let o = Some(other.as_str());
    // Another organization's member: refused with the core's reason, or unknown when only read.
    for (method, path, body, expected) in [
        (
            Method::POST,
            format!("/api/v1/members/{employee}/disable"),
            None,
            "other_organization",
        ),
        (
            Method::PUT,
            format!("/api/v1/members/{employee}/role"),
            Some(json!({ "role": "user_admin" })),
            "other_organization",
        ),
        (
            Method::POST,
            format!("/api/v1/members/{employee}/mfa-reset"),
            Some(json!({})),
            "not_their_administrator",
        ),
    ] {
        let (status, body) = call(&app, method, &path, o, body).await;
        assert_eq!((status, code(&body)), (StatusCode::FORBIDDEN, expected), "{path}");
    }
    let (status, body) = call(&app, Method::GET, &format!("/api/v1/members/{employee}"), o, None).await;
    assert_eq!((status, code(&body)), (StatusCode::NOT_FOUND, "user_not_found"));
    assert_eq!(methods_of(&app, "employee@acme.example").await, 1);

    // A token without the scope.
    let (reader, reader_id) = token_of(&cast.main_admin, &["users:read"], 30).await;
    let r = Some(reader.as_str());
    assert_eq!(
        call(&app, Method::GET, "/api/v1/members", r, None).await.0,
        StatusCode::OK
    );
    for (method, path, body) in [
        (Method::POST, format!("/api/v1/members/{employee}/disable"), None),
        (
            Method::POST,
            format!("/api/v1/members/{employee}/mfa-reset"),
            Some(json!({})),
        ),
        (Method::GET, "/api/v1/audit".to_owned(), None),
        (
            Method::POST,
            "/api/v1/members".to_owned(),
            Some(json!({ "email": "x@acme.example", "role": "employee" })),
        ),
    ] {
        let (status, body) = call(&app, method, &path, r, body).await;
        assert_eq!(
            (status, code(&body)),
            (StatusCode::FORBIDDEN, "insufficient_scope"),
            "{path}"
        );
    }
    assert!(
        audit_kinds_with_token(&app, &reader_id)
            .await
            .contains(&"api_call_refused".to_owned())
    );
    // A token cannot manage tokens.
    let (status, body) = call(
        &app,
        Method::POST,
        "/api/v1/tokens",
        r,
        Some(json!({ "name": "more", "scopes": ["users:read"], "expires_in_days": 1 })),
    )
    .await;
    assert_eq!((status, code(&body)), (StatusCode::FORBIDDEN, "session_required"));
    // An employee has no tokens to make.
    let (status, body) = as_person(
        &cast.employee,
        Method::POST,
        "/api/v1/tokens",
        Some(json!({ "name": "mine", "scopes": ["users:read"], "expires_in_days": 1 })),
    )
    .await;
    assert_eq!((status, code(&body)), (StatusCode::FORBIDDEN, "not_an_administrator"));
}
on_both_backends!(other_organizations_and_missing_scopes_are_refused);

async fn expired_revoked_and_orphaned_tokens_are_401(kind: Kind) {
    if !tools("api_v1::401") {
        return;
    }
    let Some(app) = TestApp::of_kind(kind, "api_v1::401::postgres").await else {
        return;
    };
    let cast = Cast::new(&app).await;
    // No credentials, junk, a well-formed unknown token.
    let (status, body) = call(&app, Method::GET, "/api/v1/members", None, None).await;
    assert_eq!((status, code(&body)), (StatusCode::UNAUTHORIZED, "unauthenticated"));
    let (status, body) = call(&app, Method::GET, "/api/v1/members", Some("junk"), None).await;
    assert_eq!((status, code(&body)), (StatusCode::UNAUTHORIZED, "token_unknown"));
    let unknown = format!("pca_{}", "0".repeat(64));
    let (status, body) = call(&app, Method::GET, "/api/v1/members", Some(&unknown), None).await;
    assert_eq!((status, code(&body)), (StatusCode::UNAUTHORIZED, "token_unknown"));
    assert!(!body.to_string().contains(&unknown), "never echo a token");

    // Revoked: at once, and only once.
    let (revoked, revoked_id) = token_of(&cast.main_admin, &ALL_SCOPES, 30).await;
    assert_eq!(
        call(&app, Method::GET, "/api/v1/members", Some(&revoked), None).await.0,
        StatusCode::OK
    );
    let path = format!("/api/v1/tokens/{revoked_id}");
    let (status, _) = as_person(&cast.user_admin, Method::DELETE, &path, None).await;
    assert_eq!(
        status,
        StatusCode::NO_CONTENT,
        "any administrator of the organization may revoke"
    );
    let (status, body) = as_person(&cast.main_admin, Method::DELETE, &path, None).await;
    assert_eq!((status, code(&body)), (StatusCode::CONFLICT, "unchanged"));
    let (status, body) = as_person(&cast.other_main_admin, Method::DELETE, &path, None).await;
    assert_eq!((status, code(&body)), (StatusCode::NOT_FOUND, "token_not_found"));
    let (status, body) = call(&app, Method::GET, "/api/v1/members", Some(&revoked), None).await;
    assert_eq!((status, code(&body)), (StatusCode::UNAUTHORIZED, "token_revoked"));
    let kinds = audit_kinds_with_token(&app, &revoked_id).await;
    for kind in ["api_token_created", "api_token_revoked", "api_token_refused"] {
        assert!(kinds.contains(&kind.to_owned()), "{kind} in {kinds:?}");
    }

    // The creator disabled: their token stops.
    let (admins, _) = token_of(&cast.user_admin, &ALL_SCOPES, 30).await;
    let (main, _) = token_of(&cast.main_admin, &ALL_SCOPES, 1).await;
    let user_admin = user_id(&app, "useradmin@acme.example").await;
    let disable = format!("/api/v1/members/{user_admin}/disable");
    assert_eq!(
        call(&app, Method::POST, &disable, Some(&main), None).await.0,
        StatusCode::NO_CONTENT
    );
    let (status, body) = call(&app, Method::GET, "/api/v1/members", Some(&admins), None).await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::UNAUTHORIZED, "token_creator_inactive")
    );

    // Expired: the manual clock moves a day on (no sleeping).
    app.clock.advance(24 * 3600);
    let (status, body) = call(&app, Method::GET, "/api/v1/members", Some(&main), None).await;
    assert_eq!((status, code(&body)), (StatusCode::UNAUTHORIZED, "token_expired"));
}
on_both_backends!(expired_revoked_and_orphaned_tokens_are_401);

#[tokio::test]
async fn api_bad_input_gets_stable_codes() {
    if !tools("api_v1::bad_input") {
        return;
    }
    let app = TestApp::sqlite().await;
    let link = app.org("Acme", "main@acme.example").await;
    let main_admin = Person::enroll(&app, &link, "main@acme.example").await;
    let (token, _) = token_of(&main_admin, &ALL_SCOPES, 30).await;
    let url = format!("{}/api/v1/members", app.address);
    let client = reqwest::Client::new();
    let send = |body: String, content_type: &'static str| {
        let request = client
            .post(&url)
            .bearer_auth(&token)
            .header("content-type", content_type)
            .body(body);
        async move {
            let response = request.send().await.unwrap();
            let status = response.status();
            (status, response.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    let (status, body) = send("{\"email\": ".into(), "application/json").await;
    assert_eq!((status, code(&body)), (StatusCode::BAD_REQUEST, "malformed_json"));
    let (status, body) = send(
        json!({ "email": "a@acme.example", "role": "employee", "admin": true }).to_string(),
        "application/json",
    )
    .await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::UNPROCESSABLE_ENTITY, "invalid_body")
    );
    assert!(body["error"]["message"].as_str().unwrap().contains("admin"));
    let (status, body) = send(json!({ "email": "a@acme.example" }).to_string(), "application/json").await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::UNPROCESSABLE_ENTITY, "invalid_body")
    );
    let (status, body) = send("email=a@acme.example".into(), "application/x-www-form-urlencoded").await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type")
    );
    let huge = json!({ "email": "a".repeat(100_000), "role": "employee" }).to_string();
    let (status, body) = send(huge, "application/json").await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large")
    );
    let (status, body) = send(
        json!({ "email": "not an email", "role": "employee" }).to_string(),
        "application/json",
    )
    .await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::UNPROCESSABLE_ENTITY, "invalid_email")
    );
    let (status, body) = send(
        json!({ "email": "a@acme.example", "role": "boss" }).to_string(),
        "application/json",
    )
    .await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::UNPROCESSABLE_ENTITY, "invalid_role")
    );
    // Nothing was written by any of these.
    let (_, page) = call(&app, Method::GET, "/api/v1/members", Some(&token), None).await;
    assert_eq!(page["items"].as_array().unwrap().len(), 1);

    // Page sizes and query strings.
    let t = Some(token.as_str());
    for path in [
        "/api/v1/members?limit=1000000",
        "/api/v1/members?limit=0",
        "/api/v1/audit?limit=501",
    ] {
        let (status, body) = call(&app, Method::GET, path, t, None).await;
        assert_eq!(
            (status, code(&body)),
            (StatusCode::BAD_REQUEST, "limit_out_of_range"),
            "{path}"
        );
    }
    for path in [
        "/api/v1/members?limit=many",
        "/api/v1/members?page_size=10",
        "/api/v1/audit?from=yesterday",
    ] {
        let (status, body) = call(&app, Method::GET, path, t, None).await;
        assert_eq!(
            (status, code(&body)),
            (StatusCode::BAD_REQUEST, "invalid_query"),
            "{path}"
        );
    }

    // Token settings.
    for (body, expected) in [
        (
            json!({ "name": "x", "scopes": ["users:admin"], "expires_in_days": 30 }),
            "unknown_scope",
        ),
        (json!({ "name": "x", "scopes": [], "expires_in_days": 30 }), "no_scope"),
        (
            json!({ "name": "x", "scopes": ["users:read"], "expires_in_days": 367 }),
            "bad_expiry",
        ),
        (
            json!({ "name": "x", "scopes": ["users:read"], "expires_in_days": 0 }),
            "bad_expiry",
        ),
        (
            json!({ "name": " ", "scopes": ["users:read"], "expires_in_days": 1 }),
            "bad_token_name",
        ),
        (json!({ "name": "x", "scopes": ["users:read"] }), "invalid_body"),
    ] {
        let (status, answer) = as_person(&main_admin, Method::POST, "/api/v1/tokens", Some(body.clone())).await;
        assert_eq!(
            (status, code(&answer)),
            (StatusCode::UNPROCESSABLE_ENTITY, expected),
            "{body}"
        );
    }
    // A session without the CSRF header cannot change anything.
    let response = main_admin
        .browser
        .client
        .post(main_admin.browser.url("/api/v1/tokens"))
        .json(&json!({ "name": "x", "scopes": ["users:read"], "expires_in_days": 1 }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(code(&response.json().await.unwrap()), "csrf");
}

#[tokio::test]
async fn api_the_reset_matrix_through_the_api() {
    if !tools("api_v1::matrix") {
        return;
    }
    let app = TestApp::sqlite().await;
    let cast = Cast::new(&app).await;
    let (user_admin, _) = token_of(&cast.user_admin, &["mfa:reset"], 30).await;
    let (main_admin, _) = token_of(&cast.main_admin, &["mfa:reset"], 30).await;
    let cells = [
        (
            &user_admin,
            "main@acme.example",
            StatusCode::FORBIDDEN,
            "only_customer_service",
        ),
        (
            &user_admin,
            "useradmin2@acme.example",
            StatusCode::FORBIDDEN,
            "only_main_administrator",
        ),
        (
            &user_admin,
            "useradmin@other.example",
            StatusCode::FORBIDDEN,
            "not_their_administrator",
        ),
        (
            &user_admin,
            "someone@example.net",
            StatusCode::FORBIDDEN,
            "only_customer_service",
        ),
        (
            &main_admin,
            "useradmin@other.example",
            StatusCode::FORBIDDEN,
            "not_their_administrator",
        ),
        (&user_admin, "employee@acme.example", StatusCode::OK, ""),
        (&main_admin, "useradmin2@acme.example", StatusCode::OK, ""),
    ];
    for (token, target, expected, refusal) in cells {
        let path = format!("/api/v1/members/{}/mfa-reset", user_id(&app, target).await);
        let (status, body) = call(&app, Method::POST, &path, Some(token), Some(json!({}))).await;
        assert_eq!(status, expected, "{target}: {body}");
        if expected == StatusCode::OK {
            assert_eq!(methods_of(&app, target).await, 0, "{target}");
        } else {
            assert_eq!(code(&body), refusal, "{target}");
            assert_eq!(methods_of(&app, target).await, 1, "{target} keeps their app");
        }
    }
    assert!(app.audit_kinds(500).await.contains(&"mfa_reset_refused".to_owned()));
}

/// Every operation the API serves, as the document must list it.
const OPERATIONS: [(&str, &str); 14] = [
    ("get", "/api/v1/members"),
    ("post", "/api/v1/members"),
    ("get", "/api/v1/members/{id}"),
    ("post", "/api/v1/members/{id}/disable"),
    ("post", "/api/v1/members/{id}/enable"),
    ("put", "/api/v1/members/{id}/role"),
    ("post", "/api/v1/members/{id}/mfa-reset"),
    ("post", "/api/v1/members/{id}/invitation"),
    ("delete", "/api/v1/members/{id}/invitation"),
    ("get", "/api/v1/audit"),
    ("get", "/api/v1/tokens"),
    ("post", "/api/v1/tokens"),
    ("delete", "/api/v1/tokens/{id}"),
    ("get", "/api/openapi.json"),
];

#[tokio::test]
async fn api_the_openapi_document_lists_every_route_and_validates() {
    let app = TestApp::sqlite().await;
    let response = reqwest::get(format!("{}/api/openapi.json", app.address)).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
    let text = response.text().await.unwrap();
    let document: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(document["openapi"], "3.1.0");

    // The document lists exactly these operations…
    let mut listed: Vec<(String, String)> = document["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(path, item)| {
            item.as_object()
                .unwrap()
                .keys()
                .filter(|k| ["get", "post", "put", "patch", "delete"].contains(&k.as_str()))
                .map(move |method| (method.clone(), path.clone()))
        })
        .collect();
    listed.sort();
    let mut expected: Vec<(String, String)> = OPERATIONS.iter().map(|(m, p)| (m.to_string(), p.to_string())).collect();
    expected.sort();
    assert_eq!(listed, expected);
    // …and the router serves each one (no 404 or 405: without credentials, 401).
    let some_id = "00000000-0000-4000-8000-000000000000";
    for (method, path) in OPERATIONS {
        let url = format!("{}{}", app.address, path.replace("{id}", some_id));
        let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
        let status = reqwest::Client::new()
            .request(method.clone(), &url)
            .send()
            .await
            .unwrap()
            .status();
        let expected = if path == "/api/openapi.json" {
            StatusCode::OK
        } else {
            StatusCode::UNAUTHORIZED
        };
        assert_eq!(status, expected, "{method} {path}");
    }
    // And a path the document does not list is not an API route.
    let status = reqwest::get(format!("{}/api/v1/nothing", app.address))
        .await
        .unwrap()
        .status();
    assert_eq!(status, StatusCode::NOT_FOUND);

    // The document validates against the OpenAPI 3.1 specification (openapi-spec-validator, PyPI).
    let available = std::process::Command::new("python3")
        .args(["-c", "import openapi_spec_validator"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !available {
        skip(
            "api_v1::openapi validates",
            "python3 with openapi-spec-validator is missing (pip install openapi-spec-validator)",
        );
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("openapi.json");
    std::fs::write(&file, &text).unwrap();
    let output = std::process::Command::new("python3")
        .args(["-m", "openapi_spec_validator"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "openapi-spec-validator refused the document (CI={}): {}{}",
        in_ci(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

#[tokio::test]
async fn api_tokens_page_creates_shows_once_and_revokes() {
    if !tools("api_v1::tokens_page") {
        return;
    }
    let app = TestApp::sqlite().await;
    let link = app.org("Acme", "main@acme.example").await;
    let admin = Person::enroll(&app, &link, "main@acme.example").await;
    let (status, html) = admin.browser.get_text("/org/tokens").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("No tokens yet."));
    let response = admin
        .browser
        .post(
            "/org/tokens",
            &[("name", "HR sync"), ("scope_users_read", "on"), ("days", "30")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let html = response.text().await.unwrap();
    let token = html
        .split("<code id=\"new-token\">")
        .nth(1)
        .and_then(|rest| rest.split('<').next())
        .unwrap()
        .to_owned();
    assert!(token.starts_with("pca_"));
    let (_, again) = admin.browser.get_text("/org/tokens").await;
    assert!(!again.contains(&token), "shown once");
    assert!(again.contains("HR sync") && again.contains("users:read"));
    assert_eq!(
        call(&app, Method::GET, "/api/v1/members", Some(&token), None).await.0,
        StatusCode::OK
    );
    // Bad settings get the form back with a message; nothing is created.
    let response = admin
        .browser
        .post("/org/tokens", &[("name", "x"), ("days", "30")])
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // Revoke from the page.
    let id = again
        .split("action=\"/org/tokens/")
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .unwrap()
        .to_owned();
    let response = admin.browser.post(&format!("/org/tokens/{id}/revoke"), &[]).await;
    assert_eq!(response.status(), StatusCode::OK);
    let (status, body) = call(&app, Method::GET, "/api/v1/members", Some(&token), None).await;
    assert_eq!((status, code(&body)), (StatusCode::UNAUTHORIZED, "token_revoked"));
}

/// "Last used" moves at most once a minute: calls in between write nothing.
#[tokio::test]
async fn api_last_used_is_recorded_once_a_minute() {
    if !tools("api_v1::last_used") {
        return;
    }
    let app = TestApp::sqlite().await;
    let cast = crate::actors::Cast::new(&app).await;
    let (token, id) = token_of(&cast.main_admin, &["users:read"], 30).await;
    let last_used = || async {
        let (_, tokens) = as_person(&cast.main_admin, Method::GET, "/api/v1/tokens", None).await;
        tokens
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["id"] == id.as_str())
            .unwrap()["last_used_at"]
            .as_i64()
    };
    assert_eq!(last_used().await, None, "not used yet");
    let (status, _) = call(&app, Method::GET, "/api/v1/members", Some(&token), None).await;
    assert_eq!(status, StatusCode::OK);
    let first = last_used().await.unwrap();
    app.clock.advance(30);
    call(&app, Method::GET, "/api/v1/members", Some(&token), None).await;
    assert_eq!(last_used().await, Some(first), "within the minute: no write");
    app.clock.advance(31);
    call(&app, Method::GET, "/api/v1/members", Some(&token), None).await;
    assert_eq!(last_used().await, Some(first + 61));
}
