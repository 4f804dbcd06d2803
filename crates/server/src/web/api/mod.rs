//! The admin JSON API under `/api/v1/…`: the second front door to the same use cases as the `/org`
//! pages (`app::org`, `app::api_tokens`), with the same permission checks; only parsing and rendering
//! differ. Callers authenticate with an API token (`Authorization: Bearer pca_…`) or the session
//! cookie (plus `X-CSRF-Token` for unsafe methods), see [`extract`].
//!
//! The OpenAPI 3.1 document is generated from the handlers' `#[utoipa::path]` attributes and their
//! types, and served at `/api/openapi.json`. Every route is registered through utoipa-axum's
//! `OpenApiRouter`, which adds the route and its documentation together.
//!
//! - [`extract`]: the caller (token or session), strict JSON bodies and query strings.
//! - [`members`]: the routes under `/api/v1/members`.
//! - [`audit`]: the route `/api/v1/audit`.
//! - [`tokens`]: the routes under `/api/v1/tokens`.
//!
//! Errors are `{"error": {"code": "stable_code", "message": "…"}}` (`web::error::ApiError`).

pub mod audit;
pub mod extract;
pub mod members;
pub mod tokens;

use std::sync::OnceLock;

use axum::Router;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::openapi::OpenApi as OpenApiDocument;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::web::AppState;

/// The error body of every failed API call.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable, machine-readable, e.g. `token_expired`, `insufficient_scope`, `only_customer_service`.
    pub code: String,
    /// For people; may change.
    pub message: String,
}

struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut OpenApiDocument) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "token",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "An API token (`pca_…`) created by an administrator; it acts as its creator, \
                         limited to its scopes",
                    ))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                "portcullis",
                "The browser's session cookie (`__Host-portcullis` over https); unsafe methods also need \
                 the CSRF cookie's value in the X-CSRF-Token header",
            ))),
        );
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Portcullis admin API",
        version = "1",
        description = "Manage an organization's members, their MFA and API tokens, and read its audit log: \
                       the same operations and permission checks as the /org pages."
    ),
    modifiers(&SecuritySchemes),
    components(schemas(ErrorBody, ErrorDetail)),
    tags(
        (name = "members", description = "The organization's members"),
        (name = "audit", description = "The organization's audit log"),
        (name = "tokens", description = "API tokens (with a session)"),
        (name = "meta", description = "This document")
    )
)]
struct ApiDoc;

/// The OpenAPI 3.1 document.
#[utoipa::path(get, path = "/api/openapi.json", tag = "meta",
    responses((status = 200, description = "The OpenAPI 3.1 document of this API", content_type = "application/json")))]
pub async fn openapi_json() -> Response {
    let mut response = document_json().to_owned().into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

fn parts() -> (Router<AppState>, OpenApiDocument) {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(members::list_members, members::invite_member))
        .routes(routes!(members::get_member))
        .routes(routes!(members::disable_member))
        .routes(routes!(members::enable_member))
        .routes(routes!(members::change_role))
        .routes(routes!(members::reset_mfa))
        .routes(routes!(members::resend_invitation, members::revoke_invitation))
        .routes(routes!(audit::list_audit))
        .routes(routes!(tokens::create_token, tokens::list_tokens))
        .routes(routes!(tokens::revoke_token))
        .routes(routes!(openapi_json))
        .split_for_parts()
}

/// The API's routes (merged into the application's router).
pub fn router() -> Router<AppState> {
    parts().0
}

/// The OpenAPI document of exactly the routes [`router`] serves.
pub fn document() -> &'static OpenApiDocument {
    static DOCUMENT: OnceLock<OpenApiDocument> = OnceLock::new();
    DOCUMENT.get_or_init(|| parts().1)
}

fn document_json() -> &'static str {
    static JSON: OnceLock<String> = OnceLock::new();
    JSON.get_or_init(|| document().to_pretty_json().unwrap_or_else(|_| "{}".to_owned()))
}
