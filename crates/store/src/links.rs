//! One-time links (invitations, the first customer-service setup, self-registration). Stored by token hash; a link is
//! used by one atomic `UPDATE … WHERE used_at IS NULL AND expires_at > now`, so two clicks (or two
//! nodes) can never both use it.

use portcullis_core::{TokenHash, UnixTime, UserId};

use crate::records::{LinkPurpose, LinkRecord, link_from_row};
use crate::{Result, Tx};

impl Tx {
    pub async fn insert_link(&mut self, hash: &TokenHash, link: &LinkRecord) -> Result<()> {
        sqlx::query(
            "INSERT INTO one_time_links \
             (token_hash, purpose, user_id, created_by, created_at, expires_at, used_at, email) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(hash.to_hex())
        .bind(link.purpose.as_str())
        .bind(link.user_id.map(|id| id.to_string()))
        .bind(link.created_by.map(|id| id.to_string()))
        .bind(link.created_at.0)
        .bind(link.expires_at.0)
        .bind(link.used_at.map(|t| t.0))
        .bind(link.email.as_ref().map(|e| e.as_str().to_owned()))
        .execute(self.conn())
        .await?;
        Ok(())
    }

    pub async fn find_link(&mut self, hash: &TokenHash) -> Result<Option<LinkRecord>> {
        let row = sqlx::query(
            "SELECT purpose, user_id, created_by, created_at, expires_at, used_at, email FROM one_time_links \
             WHERE token_hash = $1",
        )
        .bind(hash.to_hex())
        .fetch_optional(self.conn())
        .await?;
        row.as_ref().map(link_from_row).transpose()
    }

    /// Marks the link used if it is unused and unexpired; true if this call used it.
    pub async fn use_link(&mut self, hash: &TokenHash, now: UnixTime) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE one_time_links SET used_at = $1 WHERE token_hash = $2 AND used_at IS NULL AND expires_at > $1",
        )
        .bind(now.0)
        .bind(hash.to_hex())
        .execute(self.conn())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Ends every unused link of a purpose (once the first administrator exists, other setup links die).
    pub async fn expire_unused_links(&mut self, purpose: LinkPurpose, now: UnixTime) -> Result<u64> {
        let done = sqlx::query(
            "UPDATE one_time_links SET expires_at = $1 WHERE purpose = $2 AND used_at IS NULL AND expires_at > $1",
        )
        .bind(now.0)
        .bind(purpose.as_str())
        .execute(self.conn())
        .await?;
        Ok(done.rows_affected())
    }

    /// Ends a user's unused invitations (before a new one is sent, so only the newest link works).
    pub async fn expire_invitations_of(&mut self, user: UserId, now: UnixTime) -> Result<u64> {
        let done = sqlx::query(
            "UPDATE one_time_links SET expires_at = $1 WHERE user_id = $2 AND purpose = 'invitation' \
             AND used_at IS NULL AND expires_at > $1",
        )
        .bind(now.0)
        .bind(user.to_string())
        .execute(self.conn())
        .await?;
        Ok(done.rows_affected())
    }

    /// Removes links that expired before `before` (the background sweep).
    pub async fn delete_links_expired_before(&mut self, before: UnixTime) -> Result<u64> {
        let done = sqlx::query("DELETE FROM one_time_links WHERE expires_at < $1")
            .bind(before.0)
            .execute(self.conn())
            .await?;
        Ok(done.rows_affected())
    }
}
