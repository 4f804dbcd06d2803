//! Self-registration of individuals (users without an organization): an email address → a one-time
//! verification link by email → name and password on the link's page (`invitation::accept_link`) →
//! MFA setup, as for invited users.
//!
//! Invariants:
//! - **No enumeration.** A request answers the same whether or not the address has an account; the
//!   difference is only in what the address receives: a verification link, or "you already have an
//!   account". Both branches do comparable work — one throttle compare-and-set, one lookup by email,
//!   one outbox row (sealed), one audit event, one commit; neither hashes a password — so their timing
//!   does not tell them apart either (the tests do not time it: measured, not asserted).
//! - **Nothing is an account until the link is used.** A request writes no `users` row: the link
//!   carries the address (`one_time_links.email`). An abandoned registration expires with its link
//!   ([`REGISTRATION_LINK_TTL`]) and never blocks the address.
//! - **One account per address.** When the link is used, the user row is inserted under the unique
//!   email constraint: if the address got an account meanwhile (two registrations, both links opened,
//!   or an invitation), the second answers [`AppError::AlreadyRegistered`] and writes nothing.
//! - **Throttled** per address (its hash, as for logins) and per client address, counted before
//!   anything else: [`ThrottlePolicy::REGISTRATION_EMAIL`] and [`ThrottlePolicy::REGISTRATION_IP`]. The
//!   keys are their own (`reg:`), so registrations never slow down anyone's login.

use portcullis_core::throttle::ThrottlePolicy;
use portcullis_core::token::sha256_hex;
use portcullis_core::{Email, TokenKind, UserStatus};
use portcullis_store::AttemptKeys;
use portcullis_store::records::{LinkPurpose, LinkRecord};
use serde_json::json;

use super::login::ip_key;
use super::outbox::{help_for, lang_of};
use super::{App, AppError, Client, event, random};
use crate::i18n::Lang;
use crate::mail::{Help, Mail};

/// How long a registration's verification link stays valid.
pub const REGISTRATION_LINK_TTL: i64 = 24 * 3600;

fn registration_email_key(email: &Email) -> String {
    format!("reg:acct:{}", sha256_hex(email.as_str()))
}

fn registration_ip_key(ip: std::net::IpAddr) -> String {
    format!("reg:{}", ip_key(ip))
}

impl App {
    /// Someone asks to register `email` on a page in `lang`. Answers `Ok(())` whether or not the
    /// address has an account (see the module documentation); refuses when self-registration is
    /// switched off, the address is malformed, or the address or client is throttled.
    pub async fn request_registration(&self, email: &str, lang: Lang, client: &Client) -> Result<(), AppError> {
        if !self.self_registration {
            return Err(AppError::RegistrationClosed);
        }
        let email = Email::parse(email)?;
        let email_key = registration_email_key(&email);
        let ip_key = client.ip.map(registration_ip_key);
        let keys = AttemptKeys {
            account: &email_key,
            shared: ip_key.as_deref(),
        };
        let now = self.now();
        let email_hash = sha256_hex(email.as_str());
        let reserved = self
            .reserve_attempt_with(
                keys,
                &ThrottlePolicy::REGISTRATION_EMAIL,
                &ThrottlePolicy::REGISTRATION_IP,
                now,
            )
            .await;
        let mut tx = match reserved {
            Ok((tx, _)) => tx,
            Err(AppError::Throttled { retry_at }) => {
                let mut tx = self.store.begin().await?;
                let detail = json!({ "email_sha256": email_hash, "retry_at": retry_at.0 });
                tx.append_audit(&event(now, "registration_throttled", None, None, None, client, detail))
                    .await?;
                tx.commit().await?;
                return Err(AppError::Throttled { retry_at });
            }
            Err(err) => return Err(err),
        };
        // From here on, both branches do the same kind and amount of work (module documentation).
        match tx.find_user_by_email(&email).await? {
            // Invited but not accepted yet: "you already have an account" would send them to a login
            // they cannot pass. They get a fresh invitation instead (the newest link is the one that
            // works) — the same page and about the same work as the other answers.
            Some(user) if user.status == UserStatus::Invited => {
                self.resend_in(&mut tx, &user, None, client, now).await?;
                let detail = json!({ "existing": true, "invited": true });
                tx.append_audit(&event(
                    now,
                    "registration_requested",
                    None,
                    Some(user.id),
                    user.org.map(|(id, _)| id),
                    client,
                    detail,
                ))
                .await?;
            }
            Some(user) => {
                let mail = Mail::AlreadyRegistered {
                    login_url: self.page_url("login"),
                    reset_hint: match help_for(&user) {
                        Help::Administrator => Help::Administrator,
                        _ => Help::CustomerService,
                    },
                };
                // Their own language if they chose one, else the page's.
                let lang = user.locale.as_deref().map_or(lang, |_| lang_of(&user));
                self.enqueue(&mut tx, &user.email, lang, help_for(&user), mail, now)
                    .await?;
                let org = user.org.map(|(id, _)| id);
                let detail = json!({ "existing": true });
                tx.append_audit(&event(
                    now,
                    "registration_requested",
                    None,
                    Some(user.id),
                    org,
                    client,
                    detail,
                ))
                .await?;
            }
            None => {
                let link = random::token(TokenKind::OneTimeLink)?;
                let record = LinkRecord {
                    purpose: LinkPurpose::Registration,
                    user_id: None,
                    created_by: None,
                    created_at: now,
                    expires_at: now.plus_secs(REGISTRATION_LINK_TTL),
                    used_at: None,
                    email: Some(email.clone()),
                };
                tx.insert_link(&link.hash(), &record).await?;
                let mail = Mail::VerifyEmail {
                    link: self.link_url(&link),
                    expires_at: record.expires_at.0,
                };
                self.enqueue(&mut tx, &email, lang, Help::CustomerService, mail, now)
                    .await?;
                // No address in the log for someone who has no account: only its hash.
                let detail = json!({ "email_sha256": email_hash, "expires_at": record.expires_at.0 });
                tx.append_audit(&event(now, "registration_requested", None, None, None, client, detail))
                    .await?;
            }
        }
        tx.commit().await?;
        Ok(())
    }

    /// The absolute URL of one of our pages (`path` without its leading slash).
    pub fn page_url(&self, path: &str) -> String {
        let mut url = self.public_url.clone();
        url.set_path(path);
        url.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registration_keys_hold_no_address_and_differ_from_login_keys() {
        let email = Email::parse("anna@example.com").unwrap();
        let key = registration_email_key(&email);
        assert!(!key.contains("anna"));
        assert_ne!(key, super::super::login::account_key(&email));
        let ip = "192.0.2.7".parse().unwrap();
        assert_ne!(registration_ip_key(ip), ip_key(ip));
    }
}
