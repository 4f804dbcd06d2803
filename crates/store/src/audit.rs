//! The audit log: security events, append-only (nothing here updates or deletes them).

use portcullis_core::{UnixTime, UserId};
use sqlx::Row;

use crate::records::{AuditEvent, org_id, user_id};
use crate::{Result, Tx};

impl Tx {
    pub async fn append_audit(&mut self, event: &AuditEvent) -> Result<()> {
        sqlx::query(
            "INSERT INTO audit_events (at, kind, actor_user_id, target_user_id, org_id, ip, detail) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(event.at.0)
        .bind(event.kind.as_str())
        .bind(event.actor.map(|id| id.to_string()))
        .bind(event.target.map(|id| id.to_string()))
        .bind(event.org.map(|id| id.to_string()))
        .bind(event.ip.clone())
        .bind(event.detail.to_string())
        .execute(self.conn())
        .await?;
        Ok(())
    }

    /// The newest `limit` events about (or by) a user, newest first.
    pub async fn audit_of_user(&mut self, user: UserId, limit: i64) -> Result<Vec<AuditEvent>> {
        let rows = sqlx::query(
            "SELECT at, kind, actor_user_id, target_user_id, org_id, ip, detail FROM audit_events \
             WHERE target_user_id = $1 OR actor_user_id = $1 ORDER BY id DESC LIMIT $2",
        )
        .bind(user.to_string())
        .bind(limit)
        .fetch_all(self.conn())
        .await?;
        rows.iter().map(audit_from_row).collect()
    }

    /// The newest `limit` events of any kind, newest first.
    pub async fn recent_audit(&mut self, limit: i64) -> Result<Vec<AuditEvent>> {
        let rows = sqlx::query(
            "SELECT at, kind, actor_user_id, target_user_id, org_id, ip, detail FROM audit_events \
             ORDER BY id DESC LIMIT $1",
        )
        .bind(limit)
        .fetch_all(self.conn())
        .await?;
        rows.iter().map(audit_from_row).collect()
    }
}

fn audit_from_row(row: &sqlx::any::AnyRow) -> Result<AuditEvent> {
    let detail: String = row.try_get("detail")?;
    Ok(AuditEvent {
        at: UnixTime(row.try_get("at")?),
        kind: row.try_get("kind")?,
        actor: row
            .try_get::<Option<String>, _>("actor_user_id")?
            .as_deref()
            .map(user_id)
            .transpose()?,
        target: row
            .try_get::<Option<String>, _>("target_user_id")?
            .as_deref()
            .map(user_id)
            .transpose()?,
        org: row
            .try_get::<Option<String>, _>("org_id")?
            .as_deref()
            .map(org_id)
            .transpose()?,
        ip: row.try_get("ip")?,
        detail: serde_json::from_str(&detail).map_err(crate::error::corrupt)?,
    })
}
