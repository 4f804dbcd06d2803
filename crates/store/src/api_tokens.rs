//! Organizations' API tokens, by the SHA-256 of the token. Revocation is one conditional `UPDATE`
//! (a token is revoked once; a second revocation changes nothing and says so).

use portcullis_core::api_token::Scope;
use portcullis_core::{ApiTokenId, OrgId, TokenHash, UnixTime, UserId};
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::error::corrupt;
use crate::{Result, Tx};

/// A token as stored (never the token itself).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiTokenRecord {
    pub id: ApiTokenId,
    pub org: OrgId,
    pub name: String,
    pub scopes: Vec<Scope>,
    pub created_by: UserId,
    pub created_at: UnixTime,
    pub expires_at: UnixTime,
    pub revoked_at: Option<UnixTime>,
    pub last_used_at: Option<UnixTime>,
}

fn from_row(row: &AnyRow) -> Result<ApiTokenRecord> {
    let id: String = row.try_get("id")?;
    let org: String = row.try_get("org_id")?;
    let scopes: String = row.try_get("scopes")?;
    let created_by: String = row.try_get("created_by")?;
    Ok(ApiTokenRecord {
        id: ApiTokenId::parse(&id).map_err(|_| corrupt(format!("api token id {id:?}")))?,
        org: OrgId::parse(&org).map_err(|_| corrupt(format!("api token org {org:?}")))?,
        name: row.try_get("name")?,
        scopes: Scope::split(&scopes).map_err(|_| corrupt(format!("api token scopes {scopes:?}")))?,
        created_by: UserId::parse(&created_by).map_err(|_| corrupt(format!("api token creator {created_by:?}")))?,
        created_at: UnixTime(row.try_get("created_at")?),
        expires_at: UnixTime(row.try_get("expires_at")?),
        revoked_at: row.try_get::<Option<i64>, _>("revoked_at")?.map(UnixTime),
        last_used_at: row.try_get::<Option<i64>, _>("last_used_at")?.map(UnixTime),
    })
}

impl Tx {
    pub async fn insert_api_token(&mut self, hash: &TokenHash, token: &ApiTokenRecord) -> Result<()> {
        sqlx::query(
            "INSERT INTO api_tokens (id, token_hash, org_id, name, scopes, created_by, created_at, expires_at, \
             revoked_at, last_used_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(token.id.to_string())
        .bind(hash.to_hex())
        .bind(token.org.to_string())
        .bind(token.name.clone())
        .bind(Scope::join(&token.scopes))
        .bind(token.created_by.to_string())
        .bind(token.created_at.0)
        .bind(token.expires_at.0)
        .bind(token.revoked_at.map(|t| t.0))
        .bind(token.last_used_at.map(|t| t.0))
        .execute(self.conn())
        .await?;
        Ok(())
    }

    pub async fn find_api_token_by_hash(&mut self, hash: &TokenHash) -> Result<Option<ApiTokenRecord>> {
        let row = sqlx::query("SELECT id, org_id, name, scopes, created_by, created_at, expires_at, revoked_at, last_used_at FROM api_tokens WHERE token_hash = $1")
            .bind(hash.to_hex())
            .fetch_optional(self.conn())
            .await?;
        row.as_ref().map(from_row).transpose()
    }

    /// An organization's token by id (`None` for another organization's).
    pub async fn find_api_token(&mut self, org: OrgId, id: ApiTokenId) -> Result<Option<ApiTokenRecord>> {
        let row = sqlx::query("SELECT id, org_id, name, scopes, created_by, created_at, expires_at, revoked_at, last_used_at FROM api_tokens WHERE id = $1 AND org_id = $2")
            .bind(id.to_string())
            .bind(org.to_string())
            .fetch_optional(self.conn())
            .await?;
        row.as_ref().map(from_row).transpose()
    }

    /// An organization's tokens, newest first.
    pub async fn api_tokens_of(&mut self, org: OrgId) -> Result<Vec<ApiTokenRecord>> {
        let rows = sqlx::query("SELECT id, org_id, name, scopes, created_by, created_at, expires_at, revoked_at, last_used_at FROM api_tokens WHERE org_id = $1 ORDER BY created_at DESC, id")
            .bind(org.to_string())
            .fetch_all(self.conn())
            .await?;
        rows.iter().map(from_row).collect()
    }

    /// Revokes an organization's token; false if it is unknown there or revoked already.
    pub async fn revoke_api_token(&mut self, org: OrgId, id: ApiTokenId, now: UnixTime) -> Result<bool> {
        let done =
            sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND org_id = $3 AND revoked_at IS NULL")
                .bind(now.0)
                .bind(id.to_string())
                .bind(org.to_string())
                .execute(self.conn())
                .await?;
        Ok(done.rows_affected() == 1)
    }

    pub async fn touch_api_token(&mut self, id: ApiTokenId, now: UnixTime) -> Result<()> {
        sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE id = $2")
            .bind(now.0)
            .bind(id.to_string())
            .execute(self.conn())
            .await?;
        Ok(())
    }
}
