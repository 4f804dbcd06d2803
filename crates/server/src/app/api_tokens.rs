//! API tokens: a main or user administrator creates them for their organization (named, scoped,
//! expiring within a year), sees the plain token once, lists and revokes them; every call with a token
//! becomes an [`Actor`] that acts as the token's creator (see `app::actor`).
//!
//! Managing tokens needs a logged-in session: a token cannot mint or revoke tokens, so a leaked token
//! cannot extend itself. Any administrator of the organization may revoke any of its tokens (revoking
//! only takes power away). Created and revoked tokens are audited, and so is every call refused for an
//! expired or revoked token, a creator who is no longer an administrator, or a missing scope. Calls with
//! an unknown token are not audited (nobody to attribute them to, and an attacker could fill the log);
//! they are answered 401 like the rest.

use portcullis_core::api_token::{self, Scope, TokenRefusal, check_live};
use portcullis_core::permissions::org_admin;
use portcullis_core::{ApiTokenId, PlainToken, TokenKind, UnixTime, UserStatus};
use portcullis_store::api_tokens::ApiTokenRecord;
use serde_json::json;

use super::actor::{Actor, Via};
use super::org::party;
use super::{App, AppError, Client, event, random};

/// What to create: a name, the scopes, and how long it lives.
#[derive(Debug, Clone)]
pub struct NewApiToken {
    pub name: String,
    pub scopes: Vec<String>,
    pub lifetime_secs: i64,
}

impl App {
    /// Turns a presented `pca_…` token into the actor it stands for, or says why it does not act.
    /// Records when the token was last used.
    pub async fn api_actor(&self, presented: &str, client: &Client) -> Result<Actor, AppError> {
        let unknown = AppError::ApiToken(TokenRefusal::Unknown);
        let Ok(token) = PlainToken::parse(TokenKind::Api, presented.trim()) else {
            return Err(unknown);
        };
        let now = self.now();
        // A read transaction: most calls write nothing (see "last used" below), so API calls do not
        // queue behind each other for SQLite's write lock.
        let mut tx = self.store.read().await?;
        let Some(record) = tx.find_api_token_by_hash(&token.hash()).await? else {
            return Err(unknown);
        };
        let client = Client {
            api_token: Some(record.id),
            ..client.clone()
        };
        let refusal = match check_live(now, record.expires_at, record.revoked_at) {
            Err(refusal) => Some(refusal),
            Ok(()) => {
                let creator = tx.find_user(record.created_by).await?;
                let still_admin = creator.is_some_and(|user| {
                    user.status == UserStatus::Active && org_admin(&party(&user)).is_some_and(|a| a.org == record.org)
                });
                (!still_admin).then_some(TokenRefusal::CreatorInactive)
            }
        };
        drop(tx);
        if let Some(refusal) = refusal {
            let mut tx = self.store.begin().await?;
            tx.append_audit(&event(
                now,
                "api_token_refused",
                Some(record.created_by),
                None,
                Some(record.org),
                &client,
                json!({ "reason": refusal.as_str() }),
            ))
            .await?;
            tx.commit().await?;
            return Err(AppError::ApiToken(refusal));
        }
        // "Last used" is for people deciding whether a token is still needed: a minute's precision is
        // enough, and it saves a write on every call (as sessions do with "last seen").
        if record.last_used_at.is_none_or(|at| now.0 - at.0 >= 60) {
            let mut tx = self.store.begin().await?;
            tx.touch_api_token(record.id, now).await?;
            tx.commit().await?;
        }
        Ok(Actor {
            user: record.created_by,
            via: Via::ApiToken {
                id: record.id,
                org: record.org,
                scopes: record.scopes,
                client,
            },
        })
    }

    /// Refuses (and audits) a token without `scope`; sessions always pass.
    pub(crate) async fn require_scope(&self, actor: &Actor, scope: Scope) -> Result<(), AppError> {
        let Via::ApiToken { org, client, .. } = &actor.via else {
            return Ok(());
        };
        if actor.has_scope(scope) {
            return Ok(());
        }
        let mut tx = self.store.begin().await?;
        tx.append_audit(&event(
            self.now(),
            "api_call_refused",
            Some(actor.user),
            None,
            Some(*org),
            client,
            json!({ "reason": "insufficient_scope", "scope": scope.as_str() }),
        ))
        .await?;
        tx.commit().await?;
        Err(AppError::ScopeMissing(scope))
    }

    /// Creates a token for the administrator's organization; the plain token is returned once.
    pub async fn create_api_token(
        &self,
        actor: impl Into<Actor>,
        new: &NewApiToken,
        client: &Client,
    ) -> Result<(PlainToken, ApiTokenRecord), AppError> {
        let actor = session_only(actor.into())?;
        let name = api_token::parse_name(&new.name)?;
        let scopes = Scope::split(&new.scopes.join(" "))?;
        let now = self.now();
        let expires_at = api_token::expiry(now, new.lifetime_secs)?;
        let mut tx = self.store.begin().await?;
        let admin = self.admin_in(&mut tx, &actor).await?;
        let plain = random::token(TokenKind::Api)?;
        let record = ApiTokenRecord {
            id: ApiTokenId::from_random_bytes(random::bytes()?),
            org: admin.org,
            name,
            scopes,
            created_by: admin.actor,
            created_at: now,
            expires_at,
            revoked_at: None,
            last_used_at: None,
        };
        tx.insert_api_token(&plain.hash(), &record).await?;
        tx.append_audit(&event(
            now,
            "api_token_created",
            Some(admin.actor),
            None,
            Some(admin.org),
            client,
            json!({
                "token": record.id.to_string(),
                "name": record.name,
                "scopes": Scope::join(&record.scopes),
                "expires_at": expires_at.0,
            }),
        ))
        .await?;
        tx.commit().await?;
        Ok((plain, record))
    }

    /// The organization's tokens, newest first (never the tokens themselves).
    pub async fn api_tokens(&self, actor: impl Into<Actor>) -> Result<Vec<ApiTokenRecord>, AppError> {
        let actor = session_only(actor.into())?;
        let mut tx = self.store.read().await?;
        let admin = self.admin_in(&mut tx, &actor).await?;
        Ok(tx.api_tokens_of(admin.org).await?)
    }

    /// Revokes one of the organization's tokens; it stops working at once, on every node.
    pub async fn revoke_api_token(&self, actor: impl Into<Actor>, id: &str, client: &Client) -> Result<(), AppError> {
        let actor = session_only(actor.into())?;
        let id = ApiTokenId::parse(id).map_err(|_| AppError::ApiTokenUnknown)?;
        let now = self.now();
        let mut tx = self.store.begin().await?;
        let admin = self.admin_in(&mut tx, &actor).await?;
        let Some(token) = tx.find_api_token(admin.org, id).await? else {
            return Err(AppError::ApiTokenUnknown);
        };
        if !tx.revoke_api_token(admin.org, id, now).await? {
            return Err(AppError::Unchanged);
        }
        tx.append_audit(&event(
            now,
            "api_token_revoked",
            Some(admin.actor),
            Some(token.created_by),
            Some(admin.org),
            client,
            json!({ "token": token.id.to_string(), "name": token.name }),
        ))
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

/// Token management is for people: a token cannot create, list or revoke tokens.
fn session_only(actor: Actor) -> Result<Actor, AppError> {
    match actor.via {
        Via::Session { .. } => Ok(actor),
        Via::ApiToken { .. } => Err(AppError::SessionRequired),
    }
}

/// Whether a token record is usable at `now` (for listings).
pub fn is_live(token: &ApiTokenRecord, now: UnixTime) -> bool {
    check_live(now, token.expires_at, token.revoked_at).is_ok()
}
