//! `/register`: self-registration of individuals (see `app::registration`). The form asks for an
//! email address; posting it answers "check your email" with the same page and status whether or not
//! the address has an account (the email sent says which). Closed by the setting
//! `self_registration = false`: the page says so and a post is refused (403).

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use axum::routing::get;
use serde::Deserialize;

use super::form_message;
use crate::app::AppError;
use crate::web::AppState;
use crate::web::context::Ctx;
use crate::web::error::WebError;
use crate::web::forms::Form;
use crate::web::views::{RegisterState, RegisterView, render};

pub fn router() -> Router<AppState> {
    Router::new().route("/register", get(view_register).post(view_register_post))
}

async fn view_register(State(state): State<AppState>, ctx: Ctx) -> Response {
    let view = RegisterView {
        page: ctx.page(&state),
        state: if state.app.self_registration {
            RegisterState::Form
        } else {
            RegisterState::Closed
        },
        email: String::new(),
        error: None,
    };
    render(StatusCode::OK, &view)
}

#[derive(Deserialize)]
struct RegisterForm {
    email: String,
}

async fn view_register_post(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<RegisterForm>,
) -> Result<Response, WebError> {
    let result = state
        .app
        .request_registration(&form.email, ctx.tr.lang, &ctx.client)
        .await;
    let page = ctx.page(&state);
    let (status, register_state, error, retry_at) = match result {
        Ok(()) => (StatusCode::OK, RegisterState::Sent, None, None),
        Err(AppError::RegistrationClosed) => (StatusCode::FORBIDDEN, RegisterState::Closed, None, None),
        Err(err) if err.is_internal() => return Err(err.into()),
        Err(err) => {
            let retry_at = match err {
                AppError::Throttled { retry_at } => Some(retry_at),
                _ => None,
            };
            let message = form_message(&page.tr, &err, state.app.now());
            (
                WebError::status_of(&err).0,
                RegisterState::Form,
                Some(message),
                retry_at,
            )
        }
    };
    let mut response = render(
        status,
        &RegisterView {
            page,
            state: register_state,
            email: form.email,
            error,
        },
    );
    if let Some(retry_at) = retry_at {
        let wait = state.app.now().secs_until(retry_at).max(1);
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(wait));
    }
    Ok(response)
}
