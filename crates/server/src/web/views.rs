//! The askama templates' types (`templates/*.html`). Templates are typed and auto-escaped; every
//! visible text comes from the message catalogues through `page.tr`.

use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};

use super::AppState;
use super::context::Ctx;
use super::error::ErrorPage;
use super::i18n::Tr;

/// What the layout (`base.html`) needs on every page.
#[derive(Clone)]
pub struct Page {
    pub tr: Tr,
    pub csrf: String,
    pub service_name: String,
    pub user_name: Option<String>,
    pub lang: &'static str,
    /// The current path, for the language links to come back to.
    pub path: String,
}

/// Renders a template with a status; a template that fails to render is a bug, logged as such.
pub fn render(status: StatusCode, template: &impl Template) -> Response {
    match template.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(err) => {
            tracing::error!(error = %err, "template rendering failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response()
        }
    }
}

#[derive(Template)]
#[template(path = "login.html")]
pub struct LoginView {
    pub page: Page,
    pub email: String,
    pub error: Option<String>,
}

#[derive(Template)]
#[template(path = "invitation.html")]
pub struct InvitationView {
    pub page: Page,
    pub token: String,
    pub title: String,
    pub intro: String,
    pub role: Option<String>,
    pub ask_email: bool,
    pub email: String,
    pub display_name: String,
    pub error: Option<String>,
    pub expires: String,
}

#[derive(Template)]
#[template(path = "mfa_next.html")]
pub struct MfaNextView {
    pub page: Page,
}

#[derive(Template)]
#[template(path = "home.html")]
pub struct HomeView {
    pub page: Page,
    pub signed_in: String,
}

#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorView {
    pub page: Page,
    pub message: String,
    pub reference: String,
}

pub fn error_page(state: &AppState, ctx: &Ctx, status: StatusCode, error: &ErrorPage) -> Response {
    let page = ctx.page(state);
    let message = match error.retry_at {
        Some(retry_at) => {
            let wait = page.tr.wait(state.app.now().secs_until(retry_at));
            page.tr.t1(error.message, "wait", &wait)
        }
        None => page.tr.t(error.message),
    };
    let reference = page.tr.t1("request-id", "id", &ctx.request_id);
    render(
        status,
        &ErrorView {
            page,
            message,
            reference,
        },
    )
}
