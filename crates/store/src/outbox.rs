//! The email outbox: messages written in the caller's transaction (so an email exists exactly when the
//! event that causes it was committed), then claimed, sent and marked by the delivery worker.
//!
//! A message's life: queued → claimed (a lease: `claimed_until`, and `attempts` counted) → sent, or
//! back to due at `next_attempt_at` after a failure, or given up (`abandoned_at`). Sent and given-up
//! messages keep no payload, and are never claimed again.
//!
//! Claiming is one statement: select the due ids (`LIMIT n`), update them, return them. On PostgreSQL the
//! select takes its rows `FOR UPDATE SKIP LOCKED`, so workers on several nodes claiming at the same
//! moment each get different messages instead of waiting for (or double-claiming) the same ones; on
//! SQLite write transactions run one at a time anyway. The claim commits at once: while the message
//! is sent no row lock is held, only the lease keeps other workers away.

use portcullis_core::{Email, MailId, UnixTime};
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::error::corrupt;
use crate::{Backend, Result, Tx};

/// A message to queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMail {
    pub id: MailId,
    pub recipient: Email,
    /// The language code the message is rendered in (`en`, `nl`).
    pub lang: String,
    /// What the message is about (e.g. `invitation`), readable without opening the payload.
    pub kind: String,
    /// The content, opaque here (the app seals it: it may hold a one-time link).
    pub payload: String,
    pub created_at: UnixTime,
}

/// A message in the outbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxMail {
    pub id: MailId,
    pub recipient: Email,
    pub lang: String,
    pub kind: String,
    /// `None` once sent or given up.
    pub payload: Option<String>,
    pub created_at: UnixTime,
    /// Claims so far (each claim is one delivery attempt).
    pub attempts: u32,
    pub next_attempt_at: UnixTime,
    pub claimed_until: Option<UnixTime>,
    pub sent_at: Option<UnixTime>,
    pub abandoned_at: Option<UnixTime>,
    /// Why the last attempt failed (a short description, never content or a secret).
    pub last_error: Option<String>,
}

/// `<every outbox column>`, for SELECT and RETURNING lists.
macro_rules! outbox_columns {
    () => {
        "id, recipient, lang, kind, payload, created_at, attempts, next_attempt_at, claimed_until, sent_at, \
         abandoned_at, last_error"
    };
}

/// Which messages are due at `$1`, oldest first, at most `$3` (the inner part of the claim).
macro_rules! due_ids {
    () => {
        "SELECT id FROM email_outbox WHERE sent_at IS NULL AND abandoned_at IS NULL AND next_attempt_at <= $1 \
         AND (claimed_until IS NULL OR claimed_until <= $1) ORDER BY next_attempt_at, id LIMIT $3"
    };
}

/// Longest `last_error` kept, in characters.
const MAX_ERROR_CHARS: usize = 300;

impl Tx {
    /// Queues a message in this transaction; it is due at once. When the transaction commits, the
    /// store's outbox signal (see [`crate::Store::outbox_signal`]) wakes this process's worker.
    pub async fn enqueue_mail(&mut self, mail: &NewMail) -> Result<()> {
        sqlx::query(
            "INSERT INTO email_outbox (id, recipient, lang, kind, payload, created_at, attempts, next_attempt_at) \
             VALUES ($1, $2, $3, $4, $5, $6, 0, $6)",
        )
        .bind(mail.id.to_string())
        .bind(mail.recipient.as_str())
        .bind(mail.lang.as_str())
        .bind(mail.kind.as_str())
        .bind(mail.payload.as_str())
        .bind(mail.created_at.0)
        .execute(self.conn())
        .await?;
        self.queued_mail = true;
        Ok(())
    }

    /// Claims up to `limit` messages due at `now` (not sent, not given up, not claimed by a live
    /// lease) until `lease_until`, counting one attempt on each; oldest due first. Commit right after:
    /// the lease, not the transaction, keeps other workers away while the messages are sent.
    pub async fn claim_due_mail(
        &mut self,
        now: UnixTime,
        lease_until: UnixTime,
        limit: i64,
    ) -> Result<Vec<OutboxMail>> {
        let sql = match self.backend {
            Backend::Sqlite => concat!(
                "UPDATE email_outbox SET claimed_until = $2, attempts = attempts + 1 WHERE id IN (",
                due_ids!(),
                ") RETURNING ",
                outbox_columns!()
            ),
            // A locking CTE is evaluated once (never inlined), so the LIMIT holds; SKIP LOCKED passes
            // over rows another worker is claiming right now.
            Backend::Postgres => concat!(
                "WITH due AS (",
                due_ids!(),
                " FOR UPDATE SKIP LOCKED) UPDATE email_outbox SET claimed_until = $2, attempts = attempts + 1 \
                 FROM due WHERE email_outbox.id = due.id RETURNING ",
                "email_outbox.id, recipient, lang, kind, payload, created_at, attempts, next_attempt_at, \
                 claimed_until, sent_at, abandoned_at, last_error"
            ),
        };
        let rows = sqlx::query(sql)
            .bind(now.0)
            .bind(lease_until.0)
            .bind(limit)
            .fetch_all(self.conn())
            .await?;
        let mut claimed = rows.iter().map(mail_from_row).collect::<Result<Vec<_>>>()?;
        claimed.sort_by_key(|m| (m.next_attempt_at, m.id));
        Ok(claimed)
    }

    /// Marks a message sent and drops its payload. False if it was sent or given up already.
    pub async fn mark_mail_sent(&mut self, id: MailId, now: UnixTime) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE email_outbox SET sent_at = $2, payload = NULL, claimed_until = NULL, last_error = NULL \
             WHERE id = $1 AND sent_at IS NULL AND abandoned_at IS NULL",
        )
        .bind(id.to_string())
        .bind(now.0)
        .execute(self.conn())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Records a failed attempt: due again at `next_attempt_at`, with a short description of why
    /// (cut to 300 characters). False if the message was sent or given up meanwhile (by a worker that
    /// took it over after our lease ran out): then nothing changes.
    pub async fn mark_mail_failed(&mut self, id: MailId, next_attempt_at: UnixTime, error: &str) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE email_outbox SET next_attempt_at = $2, claimed_until = NULL, last_error = $3 \
             WHERE id = $1 AND sent_at IS NULL AND abandoned_at IS NULL",
        )
        .bind(id.to_string())
        .bind(next_attempt_at.0)
        .bind(short(error))
        .execute(self.conn())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Gives a message up for good (and drops its payload); it is never claimed again.
    pub async fn abandon_mail(&mut self, id: MailId, now: UnixTime, error: &str) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE email_outbox SET abandoned_at = $2, payload = NULL, claimed_until = NULL, last_error = $3 \
             WHERE id = $1 AND sent_at IS NULL AND abandoned_at IS NULL",
        )
        .bind(id.to_string())
        .bind(now.0)
        .bind(short(error))
        .execute(self.conn())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    pub async fn find_mail(&mut self, id: MailId) -> Result<Option<OutboxMail>> {
        let row = sqlx::query(concat!(
            "SELECT ",
            outbox_columns!(),
            " FROM email_outbox WHERE id = $1"
        ))
        .bind(id.to_string())
        .fetch_optional(self.conn())
        .await?;
        row.as_ref().map(mail_from_row).transpose()
    }

    /// The messages to one address, oldest first.
    pub async fn mail_to(&mut self, recipient: &Email) -> Result<Vec<OutboxMail>> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            outbox_columns!(),
            " FROM email_outbox WHERE recipient = $1 ORDER BY created_at, id"
        ))
        .bind(recipient.as_str())
        .fetch_all(self.conn())
        .await?;
        rows.iter().map(mail_from_row).collect()
    }

    /// Removes messages sent or given up before `before` (the sweep: they hold no content, only who
    /// was written to and when).
    pub async fn delete_finished_mail_before(&mut self, before: UnixTime) -> Result<u64> {
        let done = sqlx::query("DELETE FROM email_outbox WHERE sent_at < $1 OR abandoned_at < $1")
            .bind(before.0)
            .execute(self.conn())
            .await?;
        Ok(done.rows_affected())
    }
}

fn short(error: &str) -> String {
    error
        .chars()
        .filter(|c| !c.is_control())
        .take(MAX_ERROR_CHARS)
        .collect()
}

fn mail_from_row(row: &AnyRow) -> Result<OutboxMail> {
    let id: String = row.try_get("id")?;
    let recipient: String = row.try_get("recipient")?;
    let attempts: i64 = row.try_get("attempts")?;
    let time = |column: &str| -> Result<Option<UnixTime>> { Ok(row.try_get::<Option<i64>, _>(column)?.map(UnixTime)) };
    Ok(OutboxMail {
        id: MailId::parse(&id).map_err(|_| corrupt(format!("mail id {id:?}")))?,
        recipient: Email::parse(&recipient).map_err(|_| corrupt(format!("recipient {recipient:?}")))?,
        lang: row.try_get("lang")?,
        kind: row.try_get("kind")?,
        payload: row.try_get("payload")?,
        created_at: UnixTime(row.try_get("created_at")?),
        attempts: u32::try_from(attempts).map_err(|_| corrupt(format!("attempts {attempts}")))?,
        next_attempt_at: UnixTime(row.try_get("next_attempt_at")?),
        claimed_until: time("claimed_until")?,
        sent_at: time("sent_at")?,
        abandoned_at: time("abandoned_at")?,
        last_error: row.try_get("last_error")?,
    })
}
