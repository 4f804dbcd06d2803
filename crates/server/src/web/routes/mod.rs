//! Routes, one module per area of the URL tree; [`super::router`] merges them.
//!
//! | path | module |
//! |---|---|
//! | `/` | [`home`] |
//! | `/login`, `/logout` | [`login`] |
//! | `/mfa/setup…` (app and security key), `/mfa/challenge…` | [`mfa`] |
//! | `/invitation/{token}` | [`invitation`] |
//! | `/lang` | [`lang`] |
//! | `/static/*` | [`assets`] |
//! | `/healthz`, `/readyz` | [`health`] |

pub mod assets;
pub mod health;
pub mod home;
pub mod invitation;
pub mod lang;
pub mod login;
pub mod mfa;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use portcullis_core::UnixTime;
use portcullis_core::password::PasswordProblem;

use super::error::WebError;
use super::i18n::{Arg, Tr};
use crate::app::AppError;
use crate::app::totp::CodeRefusal;
use portcullis_core::totp::CodeError;

pub async fn not_found() -> WebError {
    WebError::NotFound
}

/// `303 See Other` to a path of ours.
pub fn see_other(location: &str) -> Response {
    let mut response = StatusCode::SEE_OTHER.into_response();
    if let Ok(value) = HeaderValue::from_str(location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    response
}

/// A response that sets a cookie and redirects.
pub fn see_other_with_cookie(location: &str, cookie: &str) -> Response {
    let mut response = see_other(location);
    if let Ok(value) = HeaderValue::from_str(cookie) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}

/// The message shown beside a form for an error of the user's input.
pub fn form_message(tr: &Tr, err: &AppError, now: UnixTime) -> String {
    match err {
        AppError::Password(problem) => match problem {
            PasswordProblem::TooShort { min } => tr.t_with("pw-too-short", &[("min", Arg::Number(*min as i64))]),
            PasswordProblem::TooLong { max } => tr.t_with("pw-too-long", &[("max", Arg::Number(*max as i64))]),
            PasswordProblem::ContainsEmail => tr.t("pw-contains-email"),
            PasswordProblem::Common => tr.t("pw-common"),
            PasswordProblem::Pattern => tr.t("pw-pattern"),
            PasswordProblem::Word => tr.t("pw-word"),
            PasswordProblem::Guessable => tr.t("pw-guessable"),
        },
        AppError::PasswordMismatch => tr.t("pw-mismatch"),
        AppError::Code(CodeError::Empty) => tr.t("code-error-empty"),
        AppError::Code(_) => tr.t("code-error-format"),
        AppError::CodeRefused { refusal, retry_at } => {
            let message = match refusal {
                CodeRefusal::Wrong => tr.t("code-wrong"),
                CodeRefusal::Replayed => tr.t("code-replayed"),
                CodeRefusal::ClockOff { seconds } => {
                    let minutes = ((seconds.abs() + 30) / 60).max(1);
                    let key = if *seconds > 0 { "clock-ahead" } else { "clock-behind" };
                    tr.t_with(key, &[("minutes", Arg::Number(minutes))])
                }
            };
            match retry_at {
                Some(retry_at) => {
                    let wait = tr.wait(now.secs_until(*retry_at));
                    format!("{message} {}", tr.t1("login-error-throttled", "wait", &wait))
                }
                None => message,
            }
        }
        AppError::Throttled { retry_at }
        | AppError::InvalidCredentials {
            retry_at: Some(retry_at),
        } => {
            let wait = tr.wait(now.secs_until(*retry_at));
            let throttled = tr.t1("login-error-throttled", "wait", &wait);
            if matches!(err, AppError::InvalidCredentials { .. }) {
                format!("{} {throttled}", tr.t("login-error-invalid"))
            } else {
                throttled
            }
        }
        other => tr.t(WebError::status_of(other).1),
    }
}

/// Dates on pages and in emails are formatted in one place.
pub use crate::i18n::format_utc;
