//! Server-side sessions, by the SHA-256 of their id. Every node reads the same rows, so a session
//! started on one node works on all, and ending it anywhere ends it everywhere.

use portcullis_core::{TokenHash, UnixTime, UserId};

use crate::records::{SessionRecord, session_from_row};
use crate::{Result, Tx};

impl Tx {
    pub async fn insert_session(&mut self, hash: &TokenHash, session: &SessionRecord) -> Result<()> {
        sqlx::query(
            "INSERT INTO sessions (id_hash, user_id, stage, amr, created_at, last_seen_at, ip, user_agent, mfa_at, sid) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(hash.to_hex())
        .bind(session.user_id.to_string())
        .bind(session.stage.as_str())
        .bind(portcullis_core::Amr::join(&session.amr))
        .bind(session.created_at.0)
        .bind(session.last_seen_at.0)
        .bind(session.ip.clone())
        .bind(session.user_agent.clone())
        .bind(session.mfa_at.map(|t| t.0))
        .bind(session.sid.clone())
        .execute(self.conn())
        .await?;
        Ok(())
    }

    pub async fn find_session(&mut self, hash: &TokenHash) -> Result<Option<SessionRecord>> {
        let row = sqlx::query(
            "SELECT user_id, stage, amr, created_at, last_seen_at, ip, user_agent, mfa_at, sid FROM sessions WHERE id_hash = $1",
        )
        .bind(hash.to_hex())
        .fetch_optional(self.conn())
        .await?;
        row.as_ref().map(session_from_row).transpose()
    }

    pub async fn touch_session(&mut self, hash: &TokenHash, now: UnixTime) -> Result<()> {
        sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE id_hash = $2")
            .bind(now.0)
            .bind(hash.to_hex())
            .execute(self.conn())
            .await?;
        Ok(())
    }

    /// Gives a session the `sid` of the login session it continues.
    pub async fn set_session_sid(&mut self, hash: &TokenHash, sid: Option<&str>) -> Result<()> {
        sqlx::query("UPDATE sessions SET sid = $1 WHERE id_hash = $2")
            .bind(sid.map(str::to_owned))
            .bind(hash.to_hex())
            .execute(self.conn())
            .await?;
        Ok(())
    }

    /// True if there was such a session.
    pub async fn delete_session(&mut self, hash: &TokenHash) -> Result<bool> {
        let done = sqlx::query("DELETE FROM sessions WHERE id_hash = $1")
            .bind(hash.to_hex())
            .execute(self.conn())
            .await?;
        Ok(done.rows_affected() == 1)
    }

    pub async fn delete_sessions_of(&mut self, user: UserId) -> Result<u64> {
        let done = sqlx::query("DELETE FROM sessions WHERE user_id = $1")
            .bind(user.to_string())
            .execute(self.conn())
            .await?;
        Ok(done.rows_affected())
    }

    /// A user's sessions with their id hashes, newest activity first (the profile's session list).
    pub async fn sessions_of(&mut self, user: UserId) -> Result<Vec<(TokenHash, SessionRecord)>> {
        let rows = sqlx::query(
            "SELECT id_hash, user_id, stage, amr, created_at, last_seen_at, ip, user_agent, mfa_at, sid FROM sessions \
             WHERE user_id = $1 ORDER BY last_seen_at DESC, created_at DESC",
        )
        .bind(user.to_string())
        .fetch_all(self.conn())
        .await?;
        rows.iter()
            .map(|row| {
                use sqlx::Row;
                let hex: String = row.try_get("id_hash")?;
                let hash =
                    TokenHash::from_hex(&hex).map_err(|_| crate::error::corrupt(format!("session hash {hex:?}")))?;
                Ok((hash, session_from_row(row)?))
            })
            .collect()
    }

    /// Ends one of a user's sessions; false if the user has no such session.
    pub async fn delete_session_of(&mut self, user: UserId, hash: &TokenHash) -> Result<bool> {
        let done = sqlx::query("DELETE FROM sessions WHERE id_hash = $1 AND user_id = $2")
            .bind(hash.to_hex())
            .bind(user.to_string())
            .execute(self.conn())
            .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Removes sessions idle since `idle_before` or created before `created_before` (the sweep).
    pub async fn delete_dead_sessions(&mut self, idle_before: UnixTime, created_before: UnixTime) -> Result<u64> {
        let done = sqlx::query("DELETE FROM sessions WHERE last_seen_at < $1 OR created_at < $2")
            .bind(idle_before.0)
            .bind(created_before.0)
            .execute(self.conn())
            .await?;
        Ok(done.rows_affected())
    }
}
