//! `/lang?to=nl&next=/path`: switch the language (a cookie) and go back.

use axum::Router;
use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::get;
use serde::Deserialize;

use super::see_other_with_cookie;
use crate::web::AppState;
use crate::web::i18n::Lang;

pub fn router() -> Router<AppState> {
    Router::new().route("/lang", get(view_lang))
}

#[derive(Deserialize)]
struct LangQuery {
    to: String,
    next: Option<String>,
}

async fn view_lang(State(state): State<AppState>, Query(query): Query<LangQuery>) -> Response {
    let next = query
        .next
        .filter(|n| is_local_path(n))
        .unwrap_or_else(|| "/".to_owned());
    let lang = Lang::from_code(&query.to).unwrap_or(Lang::En);
    let cookie = format!(
        "{}; Max-Age=31536000",
        state.cookies.set(state.cookies.lang, Some(lang.code()), true)
    );
    see_other_with_cookie(&next, &cookie)
}

/// Only paths on this server: no scheme, no `//host`, no backslash tricks (an open redirect otherwise).
fn is_local_path(next: &str) -> bool {
    next.starts_with('/') && !next.starts_with("//") && !next.contains('\\') && !next.chars().any(char::is_control)
}

#[cfg(test)]
mod tests {
    use super::is_local_path;

    #[test]
    fn refuses_open_redirects() {
        assert!(is_local_path("/login"));
        for bad in [
            "https://evil.example",
            "//evil.example",
            "/\\evil.example",
            "evil",
            "/\nx",
        ] {
            assert!(!is_local_path(bad), "{bad:?}");
        }
    }
}
