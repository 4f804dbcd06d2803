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

/// `2026-12-06 14:05` for a Unix time (UTC); written out by hand to avoid a date crate for one line.
pub fn format_utc(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Civil-from-days (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}",
        rem / 3600,
        (rem % 3600) / 60
    )
}
