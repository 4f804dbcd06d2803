//! Routes, one module per area of the URL tree; [`super::router`] merges them.
//!
//! | path | module |
//! |---|---|
//! | `/` | [`home`] |
//! | `/login`, `/logout` | [`login`] |
//! | `/mfa/setup…` (app and security key), `/mfa/challenge…` | [`mfa`] |
//! | `/invitation/{token}` | [`invitation`] |
//! | `/register` | [`register`] |
//! | `/profile…` | [`profile`] |
//! | `/org…` (dashboard, users, audit) | [`org`] |
//! | `/support…` (customer-service console) | [`support`] |
//! | `/support/clients…` (the services, OpenID Connect clients) | [`support_clients`] |
//! | `/org/tokens…` (API tokens) | [`org_tokens`] |
//! | `/lang` | [`lang`] |
//! | `/static/*` | [`assets`] |
//! | `/healthz`, `/readyz` | [`health`] |
//! | `/api/v1…`, `/api/openapi.json` | [`crate::web::api`] (JSON; its own module tree) |

pub mod assets;
pub mod health;
pub mod home;
pub mod invitation;
pub mod lang;
pub mod login;
pub mod mfa;
pub mod oidc;
pub mod org;
pub mod org_tokens;
pub mod profile;
pub mod register;
pub mod support;
pub mod support_clients;

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

/// A form that carries nothing but its CSRF field (logout, confirmations, one-button actions).
#[derive(serde::Deserialize)]
pub struct Empty {}

/// The disable / enable form of an account (administrators' and customer service's pages).
#[derive(serde::Deserialize)]
pub struct StatusForm {
    #[serde(default)]
    enabled: String,
}

impl StatusForm {
    /// `true` to enable, `false` to disable; anything else is a bad form.
    pub fn enabled(&self) -> Result<bool, WebError> {
        match self.enabled.as_str() {
            "true" => Ok(true),
            "false" => Ok(false),
            _ => Err(WebError::BadForm("enabled".into())),
        }
    }
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

/// The Unix time of midnight UTC of a `YYYY-MM-DD` day (the audit filter's dates); `None` if it is not
/// a real date. Days-from-civil (Howard Hinnant's algorithm), the inverse of [`format_utc`].
pub fn parse_date(text: &str) -> Option<i64> {
    let mut parts = text.trim().splitn(3, '-');
    let year: i64 = parts.next()?.parse().ok()?;
    let month: i64 = parts.next()?.parse().ok()?;
    let day: i64 = parts.next()?.parse().ok()?;
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let days_in_month = [31, if leap { 29 } else { 28 }, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    if !(1970..=9999).contains(&year)
        || !(1..=12).contains(&month)
        || day < 1
        || day > days_in_month[month as usize - 1]
    {
        return None;
    }
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    Some((era * 146_097 + doe - 719_468) * 86_400)
}

/// Dates on pages and in emails are formatted in one place.
pub use crate::i18n::format_utc;

#[cfg(test)]
mod tests {
    use super::{format_utc, parse_date};

    #[test]
    fn dates_round_trip() {
        assert_eq!(parse_date("1970-01-01"), Some(0));
        for day in ["2024-02-29", "2026-11-29", "2000-03-01", "2099-12-31"] {
            let secs = parse_date(day).unwrap();
            assert_eq!(format_utc(secs), format!("{day} 00:00"));
        }
        for bad in ["2026-02-29", "2026-13-01", "2026-00-10", "26-1-1x", "", "1969-12-31"] {
            assert_eq!(parse_date(bad), None, "{bad}");
        }
    }
}
