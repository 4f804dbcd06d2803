//! `/`: the start page of a fully logged-in user; everyone else is sent where their flow stands.

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::get;
use portcullis_core::LoginStage;

use super::see_other;
use crate::web::AppState;
use crate::web::context::Ctx;
use crate::web::views::{HomeView, render};

pub fn router() -> Router<AppState> {
    Router::new().route("/", get(view_home))
}

async fn view_home(State(state): State<AppState>, ctx: Ctx, headers: HeaderMap) -> Response {
    let Some(session) = &ctx.session else {
        return see_other("/login");
    };
    match session.stage {
        // The login is done and a service is waiting for it.
        LoginStage::Authenticated if super::oidc::waiting(&state, &headers) => return see_other("/oauth2/continue"),
        LoginStage::Authenticated => {}
        LoginStage::MfaSetupRequired => return see_other("/mfa/setup"),
        LoginStage::MfaChallenge => return see_other("/mfa/challenge"),
    }
    let page = ctx.page(&state);
    let name = session
        .user
        .display_name
        .as_ref()
        .map_or_else(String::new, |n| n.to_string());
    let signed_in = page.tr.t_with(
        "home-signed-in",
        &[
            ("name", crate::web::i18n::Arg::Text(name)),
            ("email", crate::web::i18n::Arg::Text(session.user.email.to_string())),
        ],
    );
    render(StatusCode::OK, &HomeView { page, signed_in })
}
