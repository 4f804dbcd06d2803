//! The audit log: security events, append-only (nothing here updates or deletes them), kept as a hash
//! chain (`portcullis_core::audit`).
//!
//! `append_audit` only queues the event; `Tx::commit` writes the queue as its last step: it locks the
//! chain head (`FOR UPDATE` on PostgreSQL; SQLite writers are serialized anyway), links each event to
//! the one before, and moves the head. Taking that lock last, after every other lock of the
//! transaction, keeps the chain in one order across nodes without creating lock cycles.

use portcullis_core::audit::{AuditContent, chain_hash};
use portcullis_core::{OrgId, UnixTime, UserId};
use sqlx::Row;

use crate::records::{AuditEvent, org_id, user_id};
use crate::{Backend, Result, Store, Tx};

/// Which events to read: every field narrows the selection; `before_id` pages backwards.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    pub org: Option<OrgId>,
    /// Events where the user is the actor or the target.
    pub user: Option<UserId>,
    pub kind: Option<String>,
    pub from: Option<UnixTime>,
    pub until: Option<UnixTime>,
    pub before_id: Option<i64>,
    pub limit: i64,
}

/// What `verify_audit_chain` found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChainReport {
    /// Every chained record links to the one before and matches its hash, and the last one is the head.
    Intact {
        chained: u64,
        /// Records written before the chain existed (they carry no hash).
        unchained: u64,
    },
    /// The first record where the chain does not hold, and why.
    Broken { record: i64, reason: ChainBreak },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChainBreak {
    /// The record's content does not match its hash: it was edited.
    Edited,
    /// The record does not link to the record before it: a record before it was deleted or changed.
    Unlinked,
    /// A record without a hash after the chain began.
    MissingHash,
    /// The newest record is not the chain's head: records at the end were deleted.
    TailMissing,
}

impl ChainBreak {
    pub fn describe(self) -> &'static str {
        match self {
            ChainBreak::Edited => "its content does not match its hash (the record was changed)",
            ChainBreak::Unlinked => {
                "it does not link to the record before it (a record before it was deleted or changed)"
            }
            ChainBreak::MissingHash => "it has no hash, though records before it do (it was inserted by hand)",
            ChainBreak::TailMissing => "the newest records are missing (the chain's head names a later record)",
        }
    }
}

impl Tx {
    /// Queues a security event; it is written, chained, when the transaction commits.
    pub async fn append_audit(&mut self, event: &AuditEvent) -> Result<()> {
        self.pending_audit.push(event.clone());
        Ok(())
    }

    pub(crate) async fn write_pending_audit(&mut self) -> Result<()> {
        if self.pending_audit.is_empty() {
            return Ok(());
        }
        let events = std::mem::take(&mut self.pending_audit);
        let head_sql = match self.backend {
            Backend::Sqlite => "SELECT last_hash FROM audit_chain_head WHERE id = 1",
            Backend::Postgres => "SELECT last_hash FROM audit_chain_head WHERE id = 1 FOR UPDATE",
        };
        let mut prev: String = sqlx::query_scalar(head_sql).fetch_one(self.conn()).await?;
        for event in &events {
            let actor = event.actor.map(|id| id.to_string());
            let target = event.target.map(|id| id.to_string());
            let org = event.org.map(|id| id.to_string());
            let detail = event.detail.to_string();
            let hash = chain_hash(
                &prev,
                &AuditContent {
                    at: event.at.0,
                    kind: &event.kind,
                    actor: actor.as_deref(),
                    target: target.as_deref(),
                    org: org.as_deref(),
                    ip: event.ip.as_deref(),
                    detail: &detail,
                },
            );
            sqlx::query(
                "INSERT INTO audit_events (at, kind, actor_user_id, target_user_id, org_id, ip, detail, prev_hash, hash) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            )
            .bind(event.at.0)
            .bind(event.kind.as_str())
            .bind(actor)
            .bind(target)
            .bind(org)
            .bind(event.ip.clone())
            .bind(detail)
            .bind(prev.as_str())
            .bind(hash.as_str())
            .execute(self.conn())
            .await?;
            prev = hash;
        }
        sqlx::query("UPDATE audit_chain_head SET last_hash = $1 WHERE id = 1")
            .bind(prev)
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

    /// Events matching `filter`, newest first, each with its record number (for paging and export).
    pub async fn audit_events(&mut self, filter: &AuditFilter) -> Result<Vec<(i64, AuditEvent)>> {
        let rows = sqlx::query(
            "SELECT id, at, kind, actor_user_id, target_user_id, org_id, ip, detail FROM audit_events \
             WHERE ($1 IS NULL OR org_id = $1) \
               AND ($2 IS NULL OR target_user_id = $2 OR actor_user_id = $2) \
               AND ($3 IS NULL OR kind = $3) \
               AND ($4 IS NULL OR at >= $4) \
               AND ($5 IS NULL OR at < $5) \
               AND ($6 IS NULL OR id < $6) \
             ORDER BY id DESC LIMIT $7",
        )
        .bind(filter.org.map(|o| o.to_string()))
        .bind(filter.user.map(|u| u.to_string()))
        .bind(filter.kind.clone())
        .bind(filter.from.map(|t| t.0))
        .bind(filter.until.map(|t| t.0))
        .bind(filter.before_id)
        .bind(filter.limit)
        .fetch_all(self.conn())
        .await?;
        rows.iter()
            .map(|row| Ok((row.try_get("id")?, audit_from_row(row)?)))
            .collect()
    }

    /// The kinds of event recorded for an organization, for the filter's choices.
    pub async fn audit_kinds(&mut self, org: OrgId) -> Result<Vec<String>> {
        Ok(
            sqlx::query_scalar("SELECT DISTINCT kind FROM audit_events WHERE org_id = $1 ORDER BY kind")
                .bind(org.to_string())
                .fetch_all(self.conn())
                .await?,
        )
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

type ChainRow = (
    i64,
    i64,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    String,
    String,
    String,
);

impl Store {
    /// Walks the whole audit log in order and checks the chain (a page of records at a time, each page
    /// in its own read transaction, so a long log does not hold one open).
    pub async fn verify_audit_chain(&self) -> Result<ChainReport> {
        const PAGE: i64 = 2000;
        // The head and the newest record id in one statement (one snapshot): records appended while
        // we walk are after `last` and not part of this check.
        let (head, last): (String, Option<i64>) = {
            let mut tx = self.read().await?;
            sqlx::query_as("SELECT last_hash, (SELECT MAX(id) FROM audit_events) FROM audit_chain_head WHERE id = 1")
                .fetch_one(tx.conn())
                .await?
        };
        let last = last.unwrap_or(0);
        let (mut after, mut prev, mut chained, mut unchained) = (0i64, String::new(), 0u64, 0u64);
        loop {
            let mut tx = self.read().await?;
            let rows: Vec<ChainRow> = sqlx::query_as(
                "SELECT id, at, kind, actor_user_id, target_user_id, org_id, ip, detail, prev_hash, hash \
                 FROM audit_events WHERE id > $1 AND id <= $2 ORDER BY id LIMIT $3",
            )
            .bind(after)
            .bind(last)
            .bind(PAGE)
            .fetch_all(tx.conn())
            .await?;
            drop(tx);
            let done = (rows.len() as i64) < PAGE;
            for (id, at, kind, actor, target, org, ip, detail, prev_hash, hash) in rows {
                after = id;
                if hash.is_empty() {
                    if chained > 0 {
                        return Ok(ChainReport::Broken {
                            record: id,
                            reason: ChainBreak::MissingHash,
                        });
                    }
                    unchained += 1;
                    continue;
                }
                if prev_hash != prev {
                    return Ok(ChainReport::Broken {
                        record: id,
                        reason: ChainBreak::Unlinked,
                    });
                }
                let content = AuditContent {
                    at,
                    kind: &kind,
                    actor: actor.as_deref(),
                    target: target.as_deref(),
                    org: org.as_deref(),
                    ip: ip.as_deref(),
                    detail: &detail,
                };
                if chain_hash(&prev, &content) != hash {
                    return Ok(ChainReport::Broken {
                        record: id,
                        reason: ChainBreak::Edited,
                    });
                }
                prev = hash;
                chained += 1;
            }
            if done {
                break;
            }
        }
        if prev != head {
            return Ok(ChainReport::Broken {
                record: after,
                reason: ChainBreak::TailMissing,
            });
        }
        Ok(ChainReport::Intact { chained, unchained })
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
