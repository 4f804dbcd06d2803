//! The messages Portcullis sends, and how each reads.
//!
//! A [`Mail`] holds only facts (a link, a role, a time), no text: it is stored as JSON in the outbox
//! and rendered when it is delivered, in the language chosen when it was queued. Every message says
//! what happened, when, and what to do if the recipient did not ask for it; [`Help`] says whom they
//! should turn to (their administrator, or customer service — DESIGN.md §2.6).
//!
//! Texts come from the catalogues (`email-*` keys); the layout from `templates/email/message.{txt,html}`
//! (the HTML one auto-escaped, with inline styles only, as mail clients ignore style sheets).

use askama::Template;
use serde::{Deserialize, Serialize};

use crate::i18n::{Arg, Tr, format_utc};

/// An email. Serialized into the outbox (`kind` names the variant); the field names are its format,
/// so renaming one strands messages queued before the change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Mail {
    /// An invitation with its one-time link.
    Invitation {
        /// The absolute one-time link (`App::link_url`).
        link: String,
        /// The organization's name, for members.
        org: Option<String>,
        /// `main_admin`, `user_admin`, `employee`, `customer_service`; none for an individual.
        role: Option<String>,
        /// When the link expires (Unix time).
        expires_at: i64,
        /// Who invited them (name or email), when a person did (not the command line).
        invited_by: Option<String>,
    },
    /// The user reset their own MFA from the profile.
    MfaResetSelf,
    /// An administrator or customer service reset the user's MFA.
    MfaResetByAdmin {
        /// `main_admin`, `user_admin` or `customer_service`.
        by_role: String,
        /// The organization of the administrator who reset it (none for customer service).
        org: Option<String>,
        /// The user must set up a new method before this moment (Unix time).
        enroll_by: i64,
        /// Customer service's recorded reason, shown to the user.
        #[serde(default)]
        reason: Option<String>,
        /// Customer service's ticket reference, if one was given.
        #[serde(default)]
        ticket: Option<String>,
    },
    /// A second-factor method was added.
    MfaMethodAdded { method: MfaMethod, name: Option<String> },
    /// A second-factor method was removed.
    MfaMethodRemoved { method: MfaMethod, name: Option<String> },
    /// Failed attempts on the account started to slow logins down (sent once per series of failures).
    LoginThrottled {
        /// The next attempt is possible from this moment (Unix time).
        until: i64,
        /// The password was right and the second step failed: someone may know the password.
        #[serde(default)]
        second_factor: bool,
    },
    /// Someone registered this address (self-registration): the one-time link that proves they
    /// receive its email and lets them choose a name and password.
    VerifyEmail {
        /// The absolute one-time link (`App::link_url`).
        link: String,
        /// When the link expires (Unix time).
        expires_at: i64,
    },
    /// Someone tried to register an address that has an account: sent instead of a link, so that the
    /// registration page never tells whether an address is known.
    AlreadyRegistered {
        /// The login page.
        login_url: String,
        /// Who can reset their MFA if they lost their phone or key.
        reset_hint: Help,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MfaMethod {
    /// An authenticator app (TOTP).
    App,
    /// A security key (FIDO2).
    Key,
}

/// Whom the recipient should contact if they did not cause what the mail reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Help {
    /// Employees and user administrators: their organization's administrators.
    Administrator,
    /// Main administrators, individuals, customer-service staff.
    CustomerService,
    /// Not known (no account record at hand).
    Either,
}

/// A message ready for a transport.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// A button (HTML) or a line with the address (text).
struct Action {
    label: String,
    url: String,
}

/// What both templates show, in order.
struct Content {
    lang: &'static str,
    service: String,
    subject: String,
    greeting: String,
    /// Before the action.
    body: Vec<String>,
    action: Option<Action>,
    /// After the action: validity, what to do if it was not you.
    after: Vec<String>,
    /// "When: …"
    when: String,
    footer: String,
}

#[derive(Template)]
#[template(path = "email/message.txt")]
struct TextMail<'a> {
    c: &'a Content,
}

#[derive(Template)]
#[template(path = "email/message.html")]
struct HtmlMail<'a> {
    c: &'a Content,
}

impl Mail {
    /// The outbox's `kind` column: the variant's name.
    pub fn kind(&self) -> &'static str {
        match self {
            Mail::Invitation { .. } => "invitation",
            Mail::MfaResetSelf => "mfa_reset_self",
            Mail::MfaResetByAdmin { .. } => "mfa_reset_by_admin",
            Mail::MfaMethodAdded { .. } => "mfa_method_added",
            Mail::MfaMethodRemoved { .. } => "mfa_method_removed",
            Mail::LoginThrottled { .. } => "login_throttled",
            Mail::VerifyEmail { .. } => "verify_email",
            Mail::AlreadyRegistered { .. } => "already_registered",
        }
    }

    /// The message in `tr`'s language. `at` is when the event happened (the message was queued).
    pub fn render(&self, tr: &Tr, service: &str, help: Help, at: i64) -> Result<Rendered, askama::Error> {
        let content = self.content(tr, service, help, at);
        Ok(Rendered {
            subject: content.subject.clone(),
            text: TextMail { c: &content }.render()?,
            html: HtmlMail { c: &content }.render()?,
        })
    }

    fn content(&self, tr: &Tr, service: &str, help: Help, at: i64) -> Content {
        let text = |s: &str| Arg::Text(s.to_owned());
        let svc = ("service", text(service));
        let contact = tr.t(match help {
            Help::Administrator => "email-contact-administrator",
            Help::CustomerService => "email-contact-customer-service",
            Help::Either => "email-contact-either",
        });
        let not_you = |key: &str| tr.t_with(key, &[("contact", Arg::Text(contact.clone()))]);
        let role_name = |role: &str| tr.t(&format!("role-{role}"));
        let mut action = None;
        let (subject, body, after) = match self {
            Mail::Invitation {
                link,
                org,
                role,
                expires_at,
                invited_by,
            } => {
                let mut args = vec![svc.clone()];
                if let Some(org) = org {
                    args.push(("org", text(org)));
                }
                if let Some(by) = invited_by {
                    args.push(("inviter", text(by)));
                }
                let key = match (invited_by, org) {
                    (Some(_), Some(_)) => "email-invitation-by-org",
                    (Some(_), None) => "email-invitation-by",
                    (None, Some(_)) => "email-invitation-org",
                    (None, None) => "email-invitation-plain",
                };
                let mut body = vec![tr.t_with(key, &args)];
                if let Some(role) = role {
                    body.push(tr.t1("email-invitation-role", "role", &role_name(role)));
                }
                body.push(tr.t("email-invitation-next"));
                action = Some(Action {
                    label: tr.t("email-invitation-button"),
                    url: link.clone(),
                });
                let after = vec![
                    tr.t1("email-invitation-expires", "when", &format_utc(*expires_at)),
                    tr.t("email-invitation-unexpected"),
                ];
                (
                    tr.t_with("email-invitation-subject", std::slice::from_ref(&svc)),
                    body,
                    after,
                )
            }
            Mail::MfaResetSelf => (
                tr.t("email-mfa-reset-subject"),
                vec![tr.t("email-mfa-reset-self"), tr.t("email-mfa-reset-self-next")],
                vec![not_you("email-not-you-urgent")],
            ),
            Mail::MfaResetByAdmin {
                by_role,
                org,
                enroll_by,
                reason,
                ticket,
            } => {
                let who = match (by_role.as_str(), org) {
                    ("customer_service", _) => tr.t("email-mfa-reset-by-support"),
                    (role, Some(org)) => tr.t_with(
                        "email-mfa-reset-by-org-admin",
                        &[("role", text(&role_name(role))), ("org", text(org))],
                    ),
                    (_, None) => tr.t("email-mfa-reset-by-admin"),
                };
                let mut lines = vec![who];
                if let Some(reason) = reason {
                    lines.push(tr.t1("email-mfa-reset-reason", "reason", reason));
                }
                if let Some(ticket) = ticket {
                    lines.push(tr.t1("email-mfa-reset-ticket", "ticket", ticket));
                }
                lines.push(tr.t1("email-mfa-reset-enroll-by", "when", &format_utc(*enroll_by)));
                (
                    tr.t("email-mfa-reset-subject"),
                    lines,
                    vec![not_you("email-not-you-urgent")],
                )
            }
            Mail::MfaMethodAdded { method, name } => (
                tr.t("email-mfa-added-subject"),
                vec![method_line(tr, "email-mfa-added", *method, name.as_deref())],
                vec![not_you("email-not-you-urgent")],
            ),
            Mail::MfaMethodRemoved { method, name } => (
                tr.t("email-mfa-removed-subject"),
                vec![method_line(tr, "email-mfa-removed", *method, name.as_deref())],
                vec![not_you("email-not-you-urgent")],
            ),
            Mail::LoginThrottled { until, second_factor } => {
                let until = format_utc(*until);
                if *second_factor {
                    (
                        tr.t("email-throttled-subject"),
                        vec![tr.t1("email-throttled-second-factor", "until", &until)],
                        vec![not_you("email-throttled-second-factor-not-you")],
                    )
                } else {
                    (
                        tr.t("email-throttled-subject"),
                        vec![tr.t1("email-throttled-password", "until", &until)],
                        vec![
                            tr.t("email-throttled-password-you"),
                            not_you("email-throttled-password-not-you"),
                        ],
                    )
                }
            }
            Mail::VerifyEmail { link, expires_at } => {
                action = Some(Action {
                    label: tr.t("email-verify-button"),
                    url: link.clone(),
                });
                (
                    tr.t_with("email-verify-subject", std::slice::from_ref(&svc)),
                    vec![
                        tr.t_with("email-verify-body", std::slice::from_ref(&svc)),
                        tr.t("email-verify-next"),
                    ],
                    vec![
                        tr.t1("email-verify-expires", "when", &format_utc(*expires_at)),
                        tr.t("email-verify-unexpected"),
                    ],
                )
            }
            Mail::AlreadyRegistered { login_url, reset_hint } => {
                action = Some(Action {
                    label: tr.t("email-already-button"),
                    url: login_url.clone(),
                });
                let reset = match reset_hint {
                    Help::Administrator => "email-already-reset-administrator",
                    Help::CustomerService => "email-already-reset-customer-service",
                    Help::Either => "email-already-reset-either",
                };
                (
                    tr.t_with("email-already-subject", std::slice::from_ref(&svc)),
                    vec![
                        tr.t_with("email-already-body", std::slice::from_ref(&svc)),
                        tr.t("email-already-login"),
                    ],
                    vec![tr.t(reset), tr.t("email-already-unexpected")],
                )
            }
        };
        Content {
            lang: tr.lang.code(),
            service: service.to_owned(),
            subject,
            greeting: tr.t("email-greeting"),
            body,
            action,
            after,
            when: tr.t1("email-when", "when", &format_utc(at)),
            footer: tr.t_with("email-footer", &[svc]),
        }
    }
}

/// "An authenticator app was added…" / "The security key “Blue” was added…".
fn method_line(tr: &Tr, prefix: &str, method: MfaMethod, name: Option<&str>) -> String {
    match (method, name) {
        (MfaMethod::App, _) => tr.t(&format!("{prefix}-app")),
        (MfaMethod::Key, Some(name)) => tr.t1(&format!("{prefix}-key-named"), "name", name),
        (MfaMethod::Key, None) => tr.t(&format!("{prefix}-key")),
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::i18n::{Catalogues, Lang};

    fn tr(lang: Lang) -> Tr {
        Tr::new(lang, Arc::new(Catalogues::load().unwrap()))
    }

    /// One of each message, with every optional part present and absent.
    fn all() -> Vec<Mail> {
        let invitation = |org: Option<&str>, by: Option<&str>, role: Option<&str>| Mail::Invitation {
            link: "https://login.example.com/invitation/ol_abc".into(),
            org: org.map(Into::into),
            role: role.map(Into::into),
            expires_at: 1_800_086_400,
            invited_by: by.map(Into::into),
        };
        vec![
            invitation(Some("Port of Rotterdam"), Some("Anna de Vries"), Some("employee")),
            invitation(Some("Port of Rotterdam"), None, Some("main_admin")),
            invitation(None, Some("Bob"), Some("customer_service")),
            invitation(None, None, None),
            Mail::MfaResetSelf,
            Mail::MfaResetByAdmin {
                by_role: "user_admin".into(),
                org: Some("Acme".into()),
                enroll_by: 1_800_259_200,
                reason: None,
                ticket: None,
            },
            Mail::MfaResetByAdmin {
                by_role: "main_admin".into(),
                org: None,
                enroll_by: 1_800_259_200,
                reason: None,
                ticket: None,
            },
            Mail::MfaResetByAdmin {
                by_role: "customer_service".into(),
                org: None,
                enroll_by: 1_800_259_200,
                reason: Some("Lost phone, identity checked by call-back".into()),
                ticket: Some("CS-1234".into()),
            },
            Mail::MfaMethodAdded {
                method: MfaMethod::App,
                name: None,
            },
            Mail::MfaMethodAdded {
                method: MfaMethod::Key,
                name: Some("YubiKey 5 <NFC> & co".into()),
            },
            Mail::MfaMethodRemoved {
                method: MfaMethod::Key,
                name: None,
            },
            Mail::MfaMethodRemoved {
                method: MfaMethod::App,
                name: None,
            },
            Mail::LoginThrottled {
                until: 1_800_000_060,
                second_factor: false,
            },
            Mail::LoginThrottled {
                until: 1_800_000_060,
                second_factor: true,
            },
            Mail::VerifyEmail {
                link: "https://login.example.com/invitation/pcl_abc".into(),
                expires_at: 1_800_086_400,
            },
            Mail::AlreadyRegistered {
                login_url: "https://login.example.com/login".into(),
                reset_hint: Help::CustomerService,
            },
            Mail::AlreadyRegistered {
                login_url: "https://login.example.com/login".into(),
                reset_hint: Help::Administrator,
            },
        ]
    }

    #[test]
    fn every_message_renders_in_both_languages_without_missing_texts() {
        for lang in Lang::ALL {
            for help in [Help::Administrator, Help::CustomerService, Help::Either] {
                for mail in all() {
                    let r = mail.render(&tr(lang), "Portcullis", help, 1_800_000_000).unwrap();
                    for part in [&r.subject, &r.text, &r.html] {
                        assert!(!part.contains('⟦'), "{lang:?} {mail:?}: a missing message in {part}");
                        assert!(!part.contains("{ $") && !part.contains("{$"), "{part}");
                    }
                    assert!(!r.subject.is_empty() && !r.subject.contains('\n'));
                    assert!(r.text.contains("2027-01-15 08:00"), "says when: {}", r.text);
                    assert!(r.html.contains("2027-01-15 08:00"));
                    assert!(r.html.starts_with("<!doctype html>"));
                    assert!(r.html.contains(&format!("lang=\"{}\"", lang.code())));
                }
            }
        }
    }

    #[test]
    fn an_invitation_carries_its_link_role_and_expiry() {
        let mail = &all()[0];
        let en = mail
            .render(&tr(Lang::En), "Portcullis", Help::Either, 1_800_000_000)
            .unwrap();
        assert_eq!(en.subject, "You are invited to Portcullis");
        assert!(en.text.contains("https://login.example.com/invitation/ol_abc"));
        assert!(
            en.text
                .contains("Anna de Vries invited you to Portcullis on behalf of Port of Rotterdam.")
        );
        assert!(en.text.contains("employee"));
        assert!(en.text.contains("2027-01-16 08:00"), "the link's expiry");
        assert!(en.html.contains("href=\"https://login.example.com/invitation/ol_abc\""));
        let nl = mail
            .render(&tr(Lang::Nl), "Portcullis", Help::Either, 1_800_000_000)
            .unwrap();
        assert_eq!(nl.subject, "Uitnodiging voor Portcullis");
        assert!(nl.text.contains("medewerker"));
        assert!(nl.text.contains("https://login.example.com/invitation/ol_abc"));
    }

    #[test]
    fn registration_messages_carry_their_link_and_say_who_resets_mfa() {
        let all = all();
        let verify = all.iter().find(|m| m.kind() == "verify_email").unwrap();
        let en = verify
            .render(&tr(Lang::En), "Portcullis", Help::CustomerService, 0)
            .unwrap();
        assert_eq!(en.subject, "Confirm your email address for Portcullis");
        assert!(en.text.contains("https://login.example.com/invitation/pcl_abc"));
        assert!(
            en.html
                .contains("href=\"https://login.example.com/invitation/pcl_abc\"")
        );
        assert!(en.text.contains("2027-01-16 08:00"), "the link's expiry");
        let nl = verify
            .render(&tr(Lang::Nl), "Portcullis", Help::CustomerService, 0)
            .unwrap();
        assert_eq!(nl.subject, "Bevestig uw e-mailadres voor Portcullis");

        let already = |hint| Mail::AlreadyRegistered {
            login_url: "https://login.example.com/login".into(),
            reset_hint: hint,
        };
        let cs = already(Help::CustomerService)
            .render(&tr(Lang::En), "Portcullis", Help::CustomerService, 0)
            .unwrap();
        assert_eq!(cs.subject, "You already have an account at Portcullis");
        assert!(cs.text.contains("https://login.example.com/login"));
        assert!(cs.text.contains("customer service can reset"), "{}", cs.text);
        let admin = already(Help::Administrator)
            .render(&tr(Lang::Nl), "Portcullis", Help::Administrator, 0)
            .unwrap();
        assert!(admin.text.contains("uw beheerder"), "{}", admin.text);
    }

    #[test]
    fn html_is_escaped_and_text_is_not() {
        let mail = &all()[9];
        let r = mail
            .render(&tr(Lang::En), "Portcullis", Help::Administrator, 0)
            .unwrap();
        assert!(
            r.html.contains("YubiKey 5 &#60;NFC&#62; &#38; co") || r.html.contains("YubiKey 5 &lt;NFC&gt; &amp; co")
        );
        assert!(!r.html.contains("<NFC>"));
        assert!(r.text.contains("YubiKey 5 <NFC> & co"));
        assert!(r.text.contains("your administrator"));
    }

    #[test]
    fn whom_to_contact_follows_the_recipient() {
        let mail = Mail::MfaResetSelf;
        let render = |help| mail.render(&tr(Lang::Nl), "Portcullis", help, 0).unwrap().text;
        assert!(render(Help::Administrator).contains("uw beheerder"));
        assert!(render(Help::CustomerService).contains("de klantenservice"));
    }

    #[test]
    fn the_stored_form_names_the_kind() {
        for mail in all() {
            let json = serde_json::to_value(&mail).unwrap();
            assert_eq!(json["kind"], mail.kind());
            assert_eq!(serde_json::from_value::<Mail>(json).unwrap(), mail);
        }
        let added = serde_json::to_value(&all()[9]).unwrap();
        assert_eq!(added["method"], "key");
    }
}
