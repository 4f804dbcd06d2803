//! `/invitation/{token}`: a one-time link (an invitation, the first administrator's setup link, or a
//! self-registration's verification link).
//! Opening it changes nothing; posting the form uses it.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use portcullis_store::records::LinkPurpose;
use secrecy::SecretString;
use serde::Deserialize;

use super::{form_message, see_other_with_cookie};
use crate::app::AppError;
use crate::app::invitation::{AcceptInput, LinkView};
use crate::web::AppState;
use crate::web::context::Ctx;
use crate::web::error::WebError;
use crate::web::forms::Form;
use crate::web::views::{InvitationView, render};

pub fn router() -> Router<AppState> {
    Router::new().route("/invitation/{token}", get(view_invitation).post(view_invitation_post))
}

async fn view_invitation(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(token): Path<String>,
) -> Result<Response, WebError> {
    let link = state.app.open_link(&token).await?;
    Ok(render(
        StatusCode::OK,
        &invitation_view(&state, &ctx, token, &link, String::new(), String::new(), None).await?,
    ))
}

#[derive(Deserialize)]
struct AcceptForm {
    #[serde(default)]
    email: Option<String>,
    display_name: String,
    password: String,
    confirm: String,
}

async fn view_invitation_post(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(token): Path<String>,
    Form(form): Form<AcceptForm>,
) -> Result<Response, WebError> {
    let input = AcceptInput {
        email: form.email.clone(),
        display_name: form.display_name.clone(),
        password: SecretString::from(form.password),
        confirm: SecretString::from(form.confirm),
        lang: Some(ctx.tr.lang),
    };
    match state.app.accept_link(&token, input, &ctx.client).await {
        Ok(session) => {
            if let Some(old) = &ctx.session {
                state.app.logout(old, &ctx.client).await?;
            }
            let cookie = state.cookies.set(state.cookies.session, Some(session.expose()), true);
            Ok(see_other_with_cookie("/mfa/setup", &cookie))
        }
        Err(
            err @ (AppError::InvalidEmail(_)
            | AppError::InvalidName(_)
            | AppError::Password(_)
            | AppError::PasswordMismatch
            | AppError::EmailTaken),
        ) => {
            let link = state.app.open_link(&token).await?;
            let message = form_message(&ctx.tr, &err, state.app.now());
            let view = invitation_view(
                &state,
                &ctx,
                token,
                &link,
                form.email.unwrap_or_default(),
                form.display_name,
                Some(message),
            )
            .await?;
            Ok(render(WebError::status_of(&err).0, &view))
        }
        Err(err) => Err(err.into()),
    }
}

async fn invitation_view(
    state: &AppState,
    ctx: &Ctx,
    token: String,
    link: &LinkView,
    typed_email: String,
    display_name: String,
    error: Option<String>,
) -> Result<InvitationView, WebError> {
    let page = ctx.page(state);
    let tr = page.tr.clone();
    let service = state.app.service_name.clone();
    let expires = tr.t1("link-expires", "when", &super::format_utc(link.expires_at.0));
    let (title, intro, role, ask_email, email) = match (&link.purpose, &link.user) {
        (LinkPurpose::Invitation, Some(user)) => {
            let org = match user.org {
                Some((org_id, _)) => state.app.org_name(org_id).await?,
                None => None,
            };
            let intro = match org {
                Some(org) => tr.t_with(
                    "invite-intro-org",
                    &[
                        ("service", crate::web::i18n::Arg::Text(service)),
                        ("org", crate::web::i18n::Arg::Text(org.to_string())),
                        ("email", crate::web::i18n::Arg::Text(user.email.to_string())),
                    ],
                ),
                None => tr.t_with(
                    "invite-intro",
                    &[
                        ("service", crate::web::i18n::Arg::Text(service)),
                        ("email", crate::web::i18n::Arg::Text(user.email.to_string())),
                    ],
                ),
            };
            let role_key = user
                .org
                .map(|(_, role)| role.as_str())
                .or(user.platform_role.map(|r| r.as_str()))
                .map(|r| tr.t1("invite-role", "role", &tr.t(&format!("role-{r}"))));
            (tr.t("invite-title"), intro, role_key, false, user.email.to_string())
        }
        (LinkPurpose::Registration, _) => {
            let email = link.email.as_ref().map(|e| e.to_string()).unwrap_or_default();
            let intro = tr.t_with(
                "registration-intro",
                &[
                    ("service", crate::web::i18n::Arg::Text(service)),
                    ("email", crate::web::i18n::Arg::Text(email.clone())),
                ],
            );
            (tr.t("registration-title"), intro, None, false, email)
        }
        _ => (
            tr.t("setup-title"),
            tr.t1("setup-intro", "service", &service),
            None,
            true,
            typed_email,
        ),
    };
    Ok(InvitationView {
        page,
        token,
        title,
        intro,
        role,
        ask_email,
        email,
        display_name,
        error,
        expires,
    })
}
