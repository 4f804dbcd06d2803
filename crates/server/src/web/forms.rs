//! The form extractor: every form post passes here, so every form is CSRF-protected.
//!
//! Double-submit: the CSRF value lives in an HttpOnly cookie (`__Host-` prefixed over https, so no
//! other site or subdomain can plant one) and in a hidden field of each form; both must match, in
//! constant time. In addition a present `Origin` header must be ours. The body must be
//! `application/x-www-form-urlencoded` and at most `MAX_BODY_BYTES`.

use axum::extract::{FromRequest, Request};
use axum::http::header;
use bytes::Bytes;
use portcullis_core::{PlainToken, TokenKind};
use serde::de::DeserializeOwned;

use super::AppState;
use super::context::Ctx;
use super::error::WebError;

/// A form whose `csrf` field was checked; `T` holds the other fields (it must not deny unknown ones).
pub struct Form<T>(pub T);

#[derive(serde::Deserialize)]
struct CsrfField {
    csrf: String,
}

impl<T> FromRequest<AppState> for Form<T>
where
    T: DeserializeOwned + Send,
{
    type Rejection = WebError;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let ctx = request
            .extensions()
            .get::<Ctx>()
            .cloned()
            .ok_or_else(|| WebError::Internal("no context".into()))?;
        check_origin(&ctx, state)?;
        let is_form = request
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| {
                v.split(';')
                    .next()
                    .is_some_and(|m| m.trim().eq_ignore_ascii_case("application/x-www-form-urlencoded"))
            });
        if !is_form {
            return Err(WebError::UnsupportedMedia);
        }
        let body = Bytes::from_request(request, state).await.map_err(|rejection| {
            if rejection.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                WebError::TooLarge
            } else {
                WebError::BadForm(rejection.body_text())
            }
        })?;
        let form: T = serde_urlencoded::from_bytes(&body).map_err(|e| WebError::BadForm(e.to_string()))?;
        let field: CsrfField = serde_urlencoded::from_bytes(&body).map_err(|e| WebError::BadForm(e.to_string()))?;
        if !ctx.csrf_from_cookie {
            return Err(WebError::Csrf("no CSRF cookie"));
        }
        let sent = PlainToken::parse(TokenKind::Csrf, &field.csrf).map_err(|_| WebError::Csrf("malformed token"))?;
        if !sent.ct_eq(&ctx.csrf) {
            return Err(WebError::Csrf("token mismatch"));
        }
        Ok(Form(form))
    }
}

/// A cross-site post carries a foreign `Origin`; browsers send it on every POST.
fn check_origin(ctx: &Ctx, state: &AppState) -> Result<(), WebError> {
    let Some(origin) = &ctx.origin else { return Ok(()) };
    let same_host = ctx.host.as_ref().is_some_and(|host| {
        origin
            .strip_prefix("http://")
            .or_else(|| origin.strip_prefix("https://"))
            == Some(host.as_str())
    });
    if origin == &state.origin || same_host {
        Ok(())
    } else {
        Err(WebError::Csrf("foreign origin"))
    }
}
