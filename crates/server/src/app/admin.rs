//! Administration used by operators (the command line) and, later, by administrators' pages:
//! organizations with their main administrator, invitations (each also emailed, through the outbox),
//! the first customer-service setup link.

use portcullis_core::{Email, OrgName, OrgRole, PlainToken, PlatformRole, TokenKind, UnixTime, UserId, UserStatus};
use portcullis_store::records::{LinkPurpose, LinkRecord, NewUser, OrgRecord, OrgSummary, UserRecord};
use serde_json::json;

use super::{App, AppError, Client, SETUP_LINK_TTL, event, random};
use crate::i18n::Lang;
use crate::mail::Mail;

/// An invitation just made: the link is shown once, to whoever asked for it.
#[derive(Debug)]
pub struct Invitation {
    pub user_id: UserId,
    pub email: Email,
    pub link: PlainToken,
    pub expires_at: UnixTime,
    /// The organization's name as stored (whatever case the caller typed).
    pub org_name: Option<OrgName>,
}

/// Where an invited user will belong.
#[derive(Debug, Clone, Copy)]
pub enum Membership<'a> {
    Individual,
    Org(&'a OrgName, OrgRole),
    CustomerService,
}

impl App {
    /// Creates an organization and invites its main administrator, in one transaction.
    pub async fn create_org(
        &self,
        name: &str,
        main_admin_email: &str,
        actor: Option<UserId>,
        client: &Client,
    ) -> Result<(OrgRecord, Invitation), AppError> {
        let name = OrgName::parse(name)?;
        let email = Email::parse(main_admin_email)?;
        let now = self.now();
        let org = OrgRecord {
            id: random::org_id()?,
            name,
            created_at: now,
        };
        let mut tx = self.store.begin().await?;
        tx.insert_org(&org).await?;
        let invitation = self
            .insert_invitation(
                &mut tx,
                invitee(email, Some((org.id, OrgRole::MainAdmin)), None, now)?,
                Some(&org.name),
                actor,
                client,
            )
            .await?;
        tx.append_audit(&event(
            now,
            "org_created",
            actor,
            Some(invitation.user_id),
            Some(org.id),
            client,
            json!({ "name": org.name.as_str() }),
        ))
        .await?;
        tx.commit().await?;
        Ok((org, invitation))
    }

    /// Invites a user: an individual, a member of an organization, or customer-service staff.
    pub async fn invite(
        &self,
        email: &str,
        membership: Membership<'_>,
        actor: Option<UserId>,
        client: &Client,
    ) -> Result<Invitation, AppError> {
        let email = Email::parse(email)?;
        let now = self.now();
        let mut tx = self.store.begin().await?;
        let (org, platform_role, org_name) = match membership {
            Membership::Individual => (None, None, None),
            Membership::CustomerService => (None, Some(PlatformRole::CustomerService), None),
            Membership::Org(name, role) => {
                if !role.is_invitable() {
                    return Err(AppError::RoleNotInvitable);
                }
                let org = tx
                    .find_org_by_name(name)
                    .await?
                    .ok_or_else(|| AppError::UnknownOrg(name.to_string()))?;
                (Some((org.id, role)), None, Some(org.name))
            }
        };
        let invitation = self
            .insert_invitation(
                &mut tx,
                invitee(email, org, platform_role, now)?,
                org_name.as_ref(),
                actor,
                client,
            )
            .await?;
        tx.commit().await?;
        Ok(invitation)
    }

    /// Inserts an invited user (see [`invitee`]) and their one-time link, audits it, and queues the
    /// invitation email. The email is in the inviter's language (which becomes the new user's until
    /// they choose their own when accepting), else English.
    pub(crate) async fn insert_invitation(
        &self,
        tx: &mut portcullis_store::Tx,
        user: NewUser,
        org_name: Option<&OrgName>,
        actor: Option<UserId>,
        client: &Client,
    ) -> Result<Invitation, AppError> {
        let (now, email, org, platform_role) = (user.created_at, user.email.clone(), user.org, user.platform_role);
        tx.insert_user(&user).await?;
        let inviter = match actor {
            Some(id) => tx.find_user(id).await?,
            None => None,
        };
        let lang = inviter
            .as_ref()
            .and_then(|i| i.locale.as_deref())
            .and_then(Lang::from_code);
        if let Some(lang) = lang {
            tx.set_user_locale(user.id, lang.code()).await?;
        }
        let (link, expires_at) = self
            .new_invitation_link(tx, user.id, actor, platform_role.is_some(), now)
            .await?;
        tx.append_audit(&event(
            now,
            "user_invited",
            actor,
            Some(user.id),
            org.map(|(id, _)| id),
            client,
            json!({
                "role": org.map(|(_, role)| role.as_str()).or(platform_role.map(|r| r.as_str())),
                "expires_at": expires_at.0,
            }),
        ))
        .await?;
        let mail = Mail::Invitation {
            link: self.link_url(&link),
            org: org_name.map(|name| name.to_string()),
            role: org
                .map(|(_, role)| role.as_str())
                .or(platform_role.map(|r| r.as_str()))
                .map(str::to_owned),
            expires_at: expires_at.0,
            invited_by: inviter.map(|i| i.display_name.map_or_else(|| i.email.to_string(), |n| n.to_string())),
        };
        self.queue_mail_to(tx, &email, lang.unwrap_or(Lang::En), mail, now)
            .await?;
        Ok(Invitation {
            user_id: user.id,
            email,
            link,
            expires_at,
            org_name: org_name.cloned(),
        })
    }

    /// A new one-time invitation link for an invited user (customer-service staff get 24 hours).
    pub(crate) async fn new_invitation_link(
        &self,
        tx: &mut portcullis_store::Tx,
        user: UserId,
        actor: Option<UserId>,
        platform_staff: bool,
        now: UnixTime,
    ) -> Result<(PlainToken, UnixTime), AppError> {
        let ttl = if platform_staff {
            SETUP_LINK_TTL
        } else {
            self.invitation_ttl
        };
        let link = random::token(TokenKind::OneTimeLink)?;
        let record = LinkRecord {
            purpose: LinkPurpose::Invitation,
            user_id: Some(user),
            created_by: actor,
            created_at: now,
            expires_at: now.plus_secs(ttl),
            used_at: None,
            email: None,
        };
        tx.insert_link(&link.hash(), &record).await?;
        Ok((link, record.expires_at))
    }

    /// On an empty database, a new one-time link for the first customer-service administrator
    /// (valid 24 h); `None` once any user exists.
    pub async fn setup_link_if_empty(&self) -> Result<Option<(PlainToken, UnixTime)>, AppError> {
        let now = self.now();
        let mut tx = self.store.begin().await?;
        if tx.count_users().await? > 0 {
            return Ok(None);
        }
        let link = random::token(TokenKind::OneTimeLink)?;
        let expires_at = now.plus_secs(SETUP_LINK_TTL);
        tx.insert_link(
            &link.hash(),
            &LinkRecord {
                purpose: LinkPurpose::Bootstrap,
                user_id: None,
                created_by: None,
                created_at: now,
                expires_at,
                used_at: None,
                email: None,
            },
        )
        .await?;
        tx.append_audit(&event(
            now,
            "setup_link_created",
            None,
            None,
            None,
            &Client::default(),
            json!({}),
        ))
        .await?;
        tx.commit().await?;
        Ok(Some((link, expires_at)))
    }

    pub async fn org_name(&self, id: portcullis_core::OrgId) -> Result<Option<OrgName>, AppError> {
        Ok(self.store.read().await?.find_org(id).await?.map(|org| org.name))
    }

    pub async fn list_orgs(&self) -> Result<Vec<OrgSummary>, AppError> {
        Ok(self.store.read().await?.list_orgs().await?)
    }

    /// Users of one organization (by name), or all users.
    pub async fn list_users(&self, org: Option<&str>) -> Result<Vec<(UserRecord, Option<OrgName>)>, AppError> {
        let mut tx = self.store.read().await?;
        let org_id = match org {
            Some(name) => {
                let name = OrgName::parse(name)?;
                Some(
                    tx.find_org_by_name(&name)
                        .await?
                        .ok_or_else(|| AppError::UnknownOrg(name.to_string()))?
                        .id,
                )
            }
            None => None,
        };
        let users = tx.list_users(org_id).await?;
        let orgs = tx.list_orgs().await?;
        Ok(users
            .into_iter()
            .map(|user| {
                let org_name = user
                    .org
                    .and_then(|(id, _)| orgs.iter().find(|o| o.org.id == id).map(|o| o.org.name.clone()));
                (user, org_name)
            })
            .collect())
    }
}

/// A user as invited: no name or password yet.
pub(crate) fn invitee(
    email: Email,
    org: Option<(portcullis_core::OrgId, OrgRole)>,
    platform_role: Option<PlatformRole>,
    now: UnixTime,
) -> Result<NewUser, AppError> {
    Ok(NewUser {
        id: random::user_id()?,
        email,
        display_name: None,
        org,
        platform_role,
        status: UserStatus::Invited,
        created_at: now,
    })
}
