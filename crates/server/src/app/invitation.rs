//! One-time links: opening one (which changes nothing, so a mail scanner or a second look is harmless)
//! and accepting it (choosing a name and password), which uses the link, activates the account and
//! starts a session at the MFA-setup stage — all in one transaction. The page's language becomes the
//! user's language for email.
//!
//! Three kinds of link share this flow: an invitation (the user row exists, invited), the first
//! administrator's setup link (the page asks for the email), and a self-registration link (the link
//! carries the email; the individual's user row is created only now, under the unique email
//! constraint, so an address that got an account meanwhile is refused cleanly).

use portcullis_core::password::check_new_password;
use portcullis_core::{DisplayName, Email, LoginStage, PlainToken, PlatformRole, TokenKind, UnixTime, UserStatus};
use portcullis_store::records::{LinkPurpose, LinkRecord, NewUser, UserRecord};
use secrecy::{ExposeSecret, SecretString};
use serde_json::json;

use super::login::start_session;
use super::{App, AppError, Client, event, random};
use crate::i18n::Lang;

/// What the link's page shows before the user chooses a password.
#[derive(Debug, Clone)]
pub struct LinkView {
    pub purpose: LinkPurpose,
    /// The invited user (none for the first-administrator setup, which asks for an email, and for a
    /// registration, whose user is created when the link is used).
    pub user: Option<UserRecord>,
    /// The address a registration link was sent to.
    pub email: Option<Email>,
    pub expires_at: UnixTime,
}

/// The form of the link's page.
pub struct AcceptInput {
    /// Only for the first-administrator setup link.
    pub email: Option<String>,
    pub display_name: String,
    pub password: SecretString,
    pub confirm: SecretString,
    /// The language the page was shown in: it becomes the user's language for email.
    pub lang: Option<Lang>,
}

impl App {
    /// Looks a link up and says whether it can still be used.
    pub async fn open_link(&self, token: &str) -> Result<LinkView, AppError> {
        let token = PlainToken::parse(TokenKind::OneTimeLink, token).map_err(|_| AppError::LinkUnknown)?;
        let now = self.now();
        let mut tx = self.store.read().await?;
        let link = tx.find_link(&token.hash()).await?.ok_or(AppError::LinkUnknown)?;
        check_usable(&link, now)?;
        let user = match link.user_id {
            Some(id) => Some(tx.find_user(id).await?.ok_or(AppError::LinkUnknown)?),
            None => None,
        };
        if user.as_ref().is_some_and(|u| u.status != UserStatus::Invited) {
            return Err(AppError::LinkUsed);
        }
        if link.purpose == LinkPurpose::Registration {
            let email = link.email.as_ref().ok_or(AppError::LinkUnknown)?;
            if tx.find_user_by_email(email).await?.is_some() {
                // Registered twice and the other link was used first, or invited meanwhile.
                return Err(AppError::AlreadyRegistered);
            }
        }
        Ok(LinkView {
            purpose: link.purpose,
            user,
            email: link.email,
            expires_at: link.expires_at,
        })
    }

    /// Uses the link: the account becomes active with the chosen password, and a session starts at
    /// the MFA-setup stage. Returns the new session's token.
    pub async fn accept_link(&self, token: &str, input: AcceptInput, client: &Client) -> Result<PlainToken, AppError> {
        let view = self.open_link(token).await?;
        let token = PlainToken::parse(TokenKind::OneTimeLink, token).map_err(|_| AppError::LinkUnknown)?;
        let email = match (&view.user, &view.email) {
            (Some(user), _) => user.email.clone(),
            (None, Some(email)) => email.clone(),
            (None, None) => Email::parse(input.email.as_deref().unwrap_or_default())?,
        };
        let registration = view.purpose == LinkPurpose::Registration;
        let name = DisplayName::parse(&input.display_name)?;
        check_new_password(input.password.expose_secret(), email.as_str(), &[name.as_str()])?;
        if input.password.expose_secret() != input.confirm.expose_secret() {
            return Err(AppError::PasswordMismatch);
        }
        let hash = self.passwords.hash(&input.password).await?;

        let now = self.now();
        let mut tx = self.store.begin().await?;
        if !tx.use_link(&token.hash(), now).await? {
            // Used or expired since we looked: say which.
            let link = tx.find_link(&token.hash()).await?.ok_or(AppError::LinkUnknown)?;
            check_usable(&link, now)?;
            return Err(AppError::LinkUsed);
        }
        let org = view.user.as_ref().and_then(|u| u.org.map(|(id, _)| id));
        let user_id = match view.user {
            Some(user) => {
                if !tx.activate_user(user.id, &name, &hash, now).await? {
                    return Err(AppError::LinkUsed);
                }
                user.id
            }
            None => {
                let user = NewUser {
                    id: random::user_id()?,
                    email,
                    display_name: Some(name),
                    org: None,
                    // A registration makes an individual; the setup link the first administrator.
                    platform_role: (!registration).then_some(PlatformRole::CustomerService),
                    status: UserStatus::Invited,
                    created_at: now,
                };
                match tx.insert_user(&user).await {
                    // The address got an account since the link was opened (the unique email
                    // constraint settles the race); the transaction is dropped: nothing is written.
                    Err(portcullis_store::StoreError::Conflict(portcullis_store::Conflict::EmailTaken))
                        if registration =>
                    {
                        return Err(AppError::AlreadyRegistered);
                    }
                    other => other?,
                }
                let Some(name) = &user.display_name else {
                    return Err(AppError::Internal("no name".into()));
                };
                tx.activate_user(user.id, name, &hash, now).await?;
                if !registration {
                    // The platform has its first administrator: any other setup link dies now.
                    tx.expire_unused_links(LinkPurpose::Bootstrap, now).await?;
                }
                user.id
            }
        };
        if let Some(lang) = input.lang {
            tx.set_user_locale(user_id, lang.code()).await?;
        }
        let session = start_session(&mut tx, user_id, LoginStage::after_password(false), now, client).await?;
        let kind = match view.purpose {
            LinkPurpose::Invitation => "invitation_accepted",
            LinkPurpose::Bootstrap => "setup_link_used",
            LinkPurpose::Registration => "registration_completed",
        };
        tx.append_audit(&event(now, kind, Some(user_id), Some(user_id), org, client, json!({})))
            .await?;
        tx.commit().await?;
        Ok(session)
    }
}

fn check_usable(link: &LinkRecord, now: UnixTime) -> Result<(), AppError> {
    if link.used_at.is_some() {
        Err(AppError::LinkUsed)
    } else if link.expires_at <= now {
        Err(AppError::LinkExpired)
    } else {
        Ok(())
    }
}
