//! The API's extractors: who calls ([`ApiCaller`]), and strict JSON bodies and query strings whose
//! rejections are JSON errors with stable codes.
//!
//! Authentication: `Authorization: Bearer pca_…` (an API token), or the browser's session cookie. With
//! the cookie, an unsafe method (POST, PUT, PATCH, DELETE) must carry the CSRF value in an
//! `X-CSRF-Token` header equal to the CSRF cookie (double submit; a cross-site page cannot read the
//! cookie), and a foreign `Origin` is refused — the same rules as form posts.

use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Query, Request};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use portcullis_core::{LoginStage, PlainToken, TokenKind};
use serde::de::DeserializeOwned;

use crate::app::Client;
use crate::app::actor::Actor;
use crate::web::AppState;
use crate::web::context::Ctx;
use crate::web::error::ApiError;

/// The header that carries the CSRF value for session-authenticated unsafe API calls.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// The caller: the actor the use cases take, and the client for the audit log (naming the token).
pub struct ApiCaller {
    pub actor: Actor,
    pub client: Client,
}

fn unauthenticated(message: &str) -> ApiError {
    ApiError::new(StatusCode::UNAUTHORIZED, "unauthenticated", message)
}

impl FromRequestParts<AppState> for ApiCaller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let ctx = parts
            .extensions
            .get::<Ctx>()
            .cloned()
            .ok_or_else(|| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", "internal error"))?;
        if let Some(value) = parts.headers.get(header::AUTHORIZATION) {
            let text = value.to_str().unwrap_or_default();
            let Some((scheme, token)) = text.split_once(' ') else {
                return Err(unauthenticated("expected `Authorization: Bearer <token>`"));
            };
            if !scheme.eq_ignore_ascii_case("bearer") {
                return Err(unauthenticated("expected `Authorization: Bearer <token>`"));
            }
            let actor = state.app.api_actor(token, &ctx.client).await?;
            let client = Client {
                api_token: actor.api_token(),
                ..ctx.client
            };
            return Ok(ApiCaller { actor, client });
        }
        let Some(session) = ctx.session.as_ref().filter(|s| s.stage == LoginStage::Authenticated) else {
            return Err(unauthenticated("an API token or a logged-in session is required"));
        };
        if !parts.method.is_safe() {
            if ctx.origin.as_deref().is_some_and(|origin| origin != state.origin) {
                return Err(ApiError::new(StatusCode::FORBIDDEN, "csrf", "foreign origin"));
            }
            let sent = parts
                .headers
                .get(CSRF_HEADER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| PlainToken::parse(TokenKind::Csrf, v).ok());
            if !ctx.csrf_from_cookie || !sent.is_some_and(|sent| sent.ct_eq(&ctx.csrf)) {
                return Err(ApiError::new(
                    StatusCode::FORBIDDEN,
                    "csrf",
                    "with a session cookie, send the CSRF cookie's value in X-CSRF-Token",
                ));
            }
        }
        Ok(ApiCaller {
            actor: Actor::from(session),
            client: ctx.client,
        })
    }
}

/// A JSON body of `T` (whose type refuses unknown fields): 415 without a JSON content type, 413 when
/// too large, 400 when it is not JSON, 422 when it is JSON of the wrong shape.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(value)) => Ok(ApiJson(value)),
            Err(rejection) => Err(json_rejection(&rejection)),
        }
    }
}

fn json_rejection(rejection: &JsonRejection) -> ApiError {
    match rejection {
        JsonRejection::MissingJsonContentType(_) => ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "send the body as application/json",
        ),
        JsonRejection::JsonSyntaxError(_) => {
            ApiError::new(StatusCode::BAD_REQUEST, "malformed_json", "the body is not valid JSON")
        }
        JsonRejection::JsonDataError(err) => {
            ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_body", err.body_text())
        }
        other if other.status() == StatusCode::PAYLOAD_TOO_LARGE => ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            "the body is too large",
        ),
        other => ApiError::new(other.status(), "bad_request", other.body_text()),
    }
}

/// A query string of `T` (refusing unknown parameters): 400 `invalid_query` otherwise.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match Query::<T>::from_request_parts(parts, state).await {
            Ok(Query(value)) => Ok(ApiQuery(value)),
            Err(QueryRejection::FailedToDeserializeQueryString(err)) => {
                Err(ApiError::new(StatusCode::BAD_REQUEST, "invalid_query", err.body_text()))
            }
            Err(other) => Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "invalid_query",
                other.body_text(),
            )),
        }
    }
}
