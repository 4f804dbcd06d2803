//! The demo's pages: minimal server-rendered HTML, no JavaScript. Every value that comes from outside
//! (claims, provider errors) goes through [`escape`]; the rest is fixed text.

use std::fmt::Write;

use crate::claims::{Profile, describe_acr, describe_amr};
use crate::session::{Login, RefreshOutcome};

/// Escapes text for HTML element content and double- or single-quoted attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A whole page around `body` (already HTML).
pub fn page(title: &str, body: &str) -> String {
    format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title} — Portcullis demo service</title>\
         <style>body{{font-family:system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem}}\
         th{{text-align:left;vertical-align:top;padding-right:1rem}}form{{display:inline}}\
         .note{{color:#555}}.warn{{color:#a40}}</style></head>\n<body>\n<h1>{title}</h1>\n{body}\n</body></html>\n",
        title = escape(title)
    )
}

pub fn logged_out() -> String {
    page(
        "Portcullis demo service",
        "<p>You are not logged in.</p>\n\
         <p><a href=\"/login\"><button type=\"button\">Log in with Portcullis</button></a></p>\n\
         <p><a href=\"/login?acr=phr\">Require a security key</a> (asks Portcullis for a phishing-resistant \
         login, <code>acr_values=phr</code>)</p>",
    )
}

pub fn logged_in(login: &Login, provider_logout: bool) -> String {
    let p = &login.profile;
    let mut body = String::new();
    let _ = writeln!(
        body,
        "<p>You are logged in as {}.</p>",
        escape(p.name.as_deref().unwrap_or(&p.sub))
    );
    if login.requested_acr.as_deref() == Some("phr") && p.acr.as_deref() != Some("phr") {
        let _ = writeln!(
            body,
            "<p class=\"warn\">You asked for a security key, but the ID token says <code>acr</code> = {}.</p>",
            escape(p.acr.as_deref().unwrap_or("(none)"))
        );
    }
    body.push_str(&claims_table(p));
    if let Some(expires) = login.access_token_expires_in {
        let _ = writeln!(
            body,
            "<p class=\"note\">The access token was valid for {} s when issued.</p>",
            expires.as_secs()
        );
    }
    if let Some(outcome) = &login.last_refresh {
        body.push_str(&refresh_note(outcome));
    }
    body.push_str(
        "<p><form method=\"post\" action=\"/refresh\"><button>Refresh tokens</button></form>\n\
         <form method=\"post\" action=\"/logout\"><button>Log out</button></form></p>\n\
         <p><a href=\"/login?acr=phr\">Require a security key</a> (logs in again with <code>acr_values=phr</code>)</p>\n",
    );
    if !provider_logout {
        body.push_str("<p class=\"note\">The provider advertises no <code>end_session_endpoint</code>: \"Log out\" only ends the session here.</p>\n");
    }
    page("Portcullis demo service", &body)
}

fn claims_table(p: &Profile) -> String {
    let none = "<span class=\"note\">(none)</span>".to_owned();
    let text = |v: Option<&str>| v.map(escape).unwrap_or_else(|| none.clone());
    let org = match &p.org {
        Some(org) => format!(
            "{} <span class=\"note\">(id {})</span>",
            escape(&org.name),
            escape(&org.id)
        ),
        None => "<span class=\"note\">(no organization: an individual)</span>".to_owned(),
    };
    let roles = if p.roles.is_empty() {
        none.clone()
    } else {
        escape(&p.roles.join(", "))
    };
    let amr = if p.amr.is_empty() {
        none.clone()
    } else {
        format!(
            "{} <code>{}</code>",
            escape(&describe_amr(&p.amr)),
            escape(&format!("{:?}", p.amr))
        )
    };
    let acr = match &p.acr {
        Some(acr) => format!("<code>{}</code>: {}", escape(acr), escape(describe_acr(acr))),
        None => none.clone(),
    };
    let email = match (&p.email, p.email_verified) {
        (Some(email), Some(true)) => format!("{} (verified)", escape(email)),
        (Some(email), _) => escape(email),
        (None, _) => none.clone(),
    };
    let rows = [
        ("Name", text(p.name.as_deref())),
        ("Email", email),
        ("Subject (<code>sub</code>)", format!("<code>{}</code>", escape(&p.sub))),
        ("Organization (<code>org</code>)", org),
        ("Roles", roles),
        ("Logged in with (<code>amr</code>)", amr),
        ("Level (<code>acr</code>)", acr),
        (
            "Authenticated at (<code>auth_time</code>)",
            text(p.auth_time.as_deref()),
        ),
        ("Provider session (<code>sid</code>)", text(p.sid.as_deref())),
    ];
    let mut table = String::from("<table>\n");
    for (label, value) in rows {
        let _ = writeln!(table, "<tr><th>{label}</th><td>{value}</td></tr>");
    }
    table.push_str("</table>\n");
    table
}

fn refresh_note(r: &RefreshOutcome) -> String {
    let rotated = match (&r.old_refresh_token, &r.new_refresh_token) {
        (Some(old), Some(new)) if old != new => format!(
            "a new refresh token was issued (fingerprint <code>{}</code> → <code>{}</code>); the old one is spent",
            escape(old),
            escape(new)
        ),
        (_, Some(_)) => "the same refresh token came back (the provider does not rotate them)".to_owned(),
        (_, None) => "no new refresh token was issued; the old one is kept".to_owned(),
    };
    let id_token = if r.new_id_token {
        "and a new ID token (verified; the table shows it)"
    } else {
        "and no new ID token"
    };
    format!(
        "<p>Tokens refreshed {} time(s). Last time: {rotated}, {id_token}.</p>\n",
        r.refreshes
    )
}

/// An error page: `message` is plain text and is escaped here.
pub fn error(title: &str, message: &str, detail: Option<&str>) -> String {
    let mut body = format!("<p>{}</p>\n", escape(message));
    if let Some(detail) = detail {
        let _ = writeln!(body, "<p class=\"note\">{}</p>", escape(detail));
    }
    body.push_str("<p><a href=\"/\">Back to the demo</a></p>");
    page(title, &body)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oidc::Organization;

    #[test]
    fn escaping_covers_text_and_attributes() {
        assert_eq!(
            escape(r#"<a href="x">Tom & 'Jerry'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;Tom &amp; &#39;Jerry&#39;&lt;/a&gt;"
        );
        assert_eq!(escape("Zoë"), "Zoë");
    }

    fn profile() -> Profile {
        Profile {
            sub: "u-1".into(),
            name: Some("<script>alert(1)</script>".into()),
            email: Some("anna@example.com".into()),
            email_verified: Some(true),
            org: Some(Organization {
                id: "o-1".into(),
                name: "Smith & Sons".into(),
            }),
            roles: vec!["main_admin".into()],
            amr: vec!["pwd".into(), "hwk".into(), "mfa".into()],
            acr: Some("phr".into()),
            auth_time: Some("2026-11-29T10:00:00+00:00".into()),
            sid: Some("s-1".into()),
        }
    }

    #[test]
    fn claims_are_escaped_and_explained() {
        let html = claims_table(&profile());
        assert!(!html.contains("<script>"));
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(html.contains("Smith &amp; Sons"));
        assert!(html.contains("password + security key"));
        assert!(html.contains("phishing-resistant"));
        assert!(html.contains("main_admin"));
    }

    #[test]
    fn an_error_page_escapes_the_providers_words() {
        let html = error("Login failed", "access_denied", Some("<b>no</b>"));
        assert!(html.contains("&lt;b&gt;no&lt;/b&gt;") && !html.contains("<b>no</b>"));
    }

    #[test]
    fn rotation_is_reported_by_fingerprint() {
        let mut outcome = RefreshOutcome {
            refreshes: 2,
            old_refresh_token: Some("aaaa".into()),
            new_refresh_token: Some("bbbb".into()),
            new_id_token: true,
        };
        let note = refresh_note(&outcome);
        assert!(note.contains("2 time(s)") && note.contains("a new refresh token was issued"));
        assert!(note.contains("<code>aaaa</code> → <code>bbbb</code>"));
        outcome.new_refresh_token = None;
        assert!(refresh_note(&outcome).contains("no new refresh token"));
    }
}
