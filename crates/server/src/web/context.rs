//! The per-request context and the one middleware that builds it and finishes every response.

use std::net::{IpAddr, SocketAddr};
use std::time::Instant;

use axum::extract::{ConnectInfo, FromRequestParts, MatchedPath, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Request, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use portcullis_core::{PlainToken, TokenKind};

use super::AppState;
use super::error::{ErrorPage, WebError};
use super::i18n::{Lang, Tr};
use super::views::{self, Page};
use crate::app::login::CurrentSession;
use crate::app::{Client, random};

/// What every handler may know about its request.
#[derive(Clone)]
pub struct Ctx {
    pub request_id: String,
    pub tr: Tr,
    pub client: Client,
    pub session: Option<CurrentSession>,
    /// The double-submit CSRF value: from the cookie, or new (then the response sets the cookie).
    pub csrf: PlainToken,
    pub csrf_from_cookie: bool,
    /// The `Origin` header of the request, if any (checked on form posts).
    pub origin: Option<String>,
    pub host: Option<String>,
    /// The request path (no query), for the language links.
    pub path: String,
}

impl Ctx {
    pub fn page(&self, state: &AppState) -> Page {
        Page {
            tr: self.tr.clone(),
            csrf: self.csrf.expose().to_owned(),
            service_name: state.app.service_name.clone(),
            user_name: self.session.as_ref().map(|s| {
                s.user
                    .display_name
                    .as_ref()
                    .map_or_else(|| s.user.email.to_string(), |n| n.to_string())
            }),
            lang: self.tr.lang.code(),
            path: self.path.clone(),
            menu: self
                .session
                .as_ref()
                .is_some_and(|s| s.stage == portcullis_core::LoginStage::Authenticated),
            admin_menu: self.session.as_ref().and_then(crate::app::App::administers).is_some(),
            support_menu: self.session.as_ref().is_some_and(|s| {
                s.stage == portcullis_core::LoginStage::Authenticated
                    && crate::app::support::is_support(&crate::app::org::party(&s.user))
            }),
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Ctx {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<Ctx>()
            .cloned()
            .ok_or_else(|| WebError::Internal("no request context".into()))
    }
}

/// Reads one cookie from the `Cookie` headers.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

fn header_text(headers: &HeaderMap, name: header::HeaderName) -> Option<String> {
    headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned)
}

pub async fn middleware(State(state): State<AppState>, mut request: Request<axum::body::Body>, next: Next) -> Response {
    let started = Instant::now();
    let request_id = match random::token(TokenKind::Csrf) {
        Ok(token) => token.expose()[4..20].to_owned(),
        Err(_) => "unavailable".to_owned(),
    };
    let headers = request.headers();
    let lang = cookie(headers, state.cookies.lang)
        .and_then(Lang::from_code)
        .or_else(|| {
            headers
                .get(header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok())
                .and_then(Lang::from_accept_language)
        })
        .unwrap_or(Lang::En);
    let tr = Tr::new(lang, state.catalogues.clone());
    let peer = request.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip());
    let forwarded: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect();
    let client = Client {
        ip: peer.map(|peer| client_ip(peer, &forwarded, &state.trusted_proxies)),
        user_agent: header_text(headers, header::USER_AGENT).map(|ua| ua.chars().take(300).collect()),
        api_token: None,
    };
    let (csrf, csrf_from_cookie) =
        match cookie(headers, state.cookies.csrf).and_then(|v| PlainToken::parse(TokenKind::Csrf, v).ok()) {
            Some(token) => (token, true),
            None => match random::token(TokenKind::Csrf) {
                Ok(token) => (token, false),
                Err(err) => return WebError::from(err).into_response(),
            },
        };
    let origin = header_text(headers, header::ORIGIN);
    let host = header_text(headers, header::HOST);
    let session_cookie = cookie(headers, state.cookies.session).map(str::to_owned);
    let session = match session_cookie {
        Some(token) => match state.app.session(&token).await {
            Ok(session) => session,
            Err(err) => {
                tracing::error!(error = ?err, request_id, "loading the session failed");
                None
            }
        },
        None => None,
    };
    let had_dead_session_cookie = cookie(headers, state.cookies.session).is_some() && session.is_none();
    let route = request.extensions().get::<MatchedPath>().map(|p| p.as_str().to_owned());
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let ctx = Ctx {
        request_id: request_id.clone(),
        tr,
        client,
        session,
        csrf,
        csrf_from_cookie,
        origin,
        host,
        path,
    };
    request.extensions_mut().insert(ctx.clone());

    let mut response = next.run(request).await;

    if let Some(error) = response.extensions_mut().remove::<ErrorPage>() {
        let status = response.status();
        response = views::error_page(&state, &ctx, status, &error);
        if let Some(retry_at) = error.retry_at {
            let wait = state.app.now().secs_until(retry_at).max(1);
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(wait));
        }
    }
    let headers = response.headers_mut();
    let is_html = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    if !ctx.csrf_from_cookie
        && is_html
        && let Ok(value) = HeaderValue::from_str(&state.cookies.set(state.cookies.csrf, Some(ctx.csrf.expose()), true))
    {
        headers.append(header::SET_COOKIE, value);
    }
    if had_dead_session_cookie
        && !headers.contains_key(header::SET_COOKIE)
        && let Ok(value) = HeaderValue::from_str(&state.cookies.set(state.cookies.session, None, true))
    {
        headers.append(header::SET_COOKIE, value);
    }
    security_headers(headers, state.https);
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        headers.insert("x-request-id", value);
    }
    tracing::info!(
        request_id,
        %method,
        route = route.as_deref().unwrap_or("-"),
        status = response.status().as_u16(),
        elapsed_ms = started.elapsed().as_secs_f64() * 1000.0,
        "request"
    );
    response
}

/// The client's address: the TCP peer, unless the peer is a trusted proxy; then the right-most address
/// in `X-Forwarded-For` that is not itself a trusted proxy (the left part of that header is whatever the
/// client claimed, and is never believed).
pub fn client_ip(peer: IpAddr, forwarded_for: &[&str], trusted: &[ipnet::IpNet]) -> IpAddr {
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(ip));
    if !is_trusted(&peer) {
        return peer;
    }
    let hops = forwarded_for
        .iter()
        .flat_map(|value| value.split(','))
        .map(str::trim)
        .collect::<Vec<_>>();
    let mut client = peer;
    for hop in hops.iter().rev() {
        match hop.parse::<IpAddr>() {
            Ok(ip) => {
                client = ip;
                if !is_trusted(&ip) {
                    break;
                }
            }
            // A malformed entry ends what we can believe; the last good hop is the client.
            Err(_) => break,
        }
    }
    client
}

/// Strict headers on every response: no inline script, no framing, no sniffing, no referrer (links
/// can carry one-time tokens), no caching of anything but the static assets.
fn security_headers(headers: &mut HeaderMap, https: bool) {
    let set = |headers: &mut HeaderMap, name: &'static str, value: &'static str| {
        if !headers.contains_key(name) {
            headers.insert(name, HeaderValue::from_static(value));
        }
    };
    set(
        headers,
        "content-security-policy",
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; \
         form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    );
    set(headers, "x-content-type-options", "nosniff");
    set(headers, "x-frame-options", "DENY");
    // `strict-origin`: other sites learn at most our origin, never a path (one-time links carry their
    // token in the path). Not `no-referrer`: with it browsers send `Origin: null` on every form post,
    // which the CSRF origin check must refuse.
    set(headers, "referrer-policy", "strict-origin");
    set(headers, "cross-origin-opener-policy", "same-origin");
    set(headers, "cache-control", "no-store");
    if https {
        set(
            headers,
            "strict-transport-security",
            "max-age=31536000; includeSubDomains",
        );
    }
}

#[cfg(test)]
mod tests {
    use super::client_ip;

    fn ip(s: &str) -> std::net::IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn forwarded_for_is_believed_only_from_trusted_proxies() {
        let trusted = vec!["10.0.0.0/8".parse().unwrap()];
        // Straight from the internet: the header is a claim, not a fact.
        assert_eq!(
            client_ip(ip("203.0.113.9"), &["198.51.100.1"], &trusted),
            ip("203.0.113.9")
        );
        // Through our proxy: the address the proxy saw.
        assert_eq!(
            client_ip(ip("10.0.0.2"), &["198.51.100.1"], &trusted),
            ip("198.51.100.1")
        );
        // A forged left part is skipped: only the right-most untrusted hop counts.
        assert_eq!(
            client_ip(ip("10.0.0.2"), &["1.2.3.4, 198.51.100.1, 10.0.0.7"], &trusted),
            ip("198.51.100.1")
        );
        assert_eq!(
            client_ip(ip("10.0.0.2"), &["1.2.3.4", "198.51.100.1"], &trusted),
            ip("198.51.100.1")
        );
        // No header, or garbage: the proxy itself.
        assert_eq!(client_ip(ip("10.0.0.2"), &[], &trusted), ip("10.0.0.2"));
        assert_eq!(client_ip(ip("10.0.0.2"), &["unknown"], &trusted), ip("10.0.0.2"));
        // Nothing trusted: the peer, whatever the header says.
        assert_eq!(client_ip(ip("10.0.0.2"), &["198.51.100.1"], &[]), ip("10.0.0.2"));
    }
}
