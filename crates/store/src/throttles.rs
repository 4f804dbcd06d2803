//! Persisted throttle state (see `portcullis_core::throttle`). Updates are compare-and-set on the old
//! value, so two nodes counting the same attempt cannot both win: the loser re-reads and decides again.

use portcullis_core::throttle::ThrottleState;
use sqlx::Row;

use crate::records::throttle_from_row;
use crate::{Backend, Result, Tx};

/// The throttle keys one attempt counts against: its account's and, when known, a shared one (the
/// client's address). The pair is read and written in one statement each: a login is on the hot path.
#[derive(Debug, Clone, Copy)]
pub struct AttemptKeys<'a> {
    pub account: &'a str,
    pub shared: Option<&'a str>,
}

/// The states of an [`AttemptKeys`], in the same order.
pub type AttemptStates = (ThrottleState, Option<ThrottleState>);

impl Tx {
    /// The states of both keys (zero where there is no row), locked until the transaction ends.
    ///
    /// On PostgreSQL the rows are created if missing and read `FOR UPDATE` (in key order, so two
    /// attempts never wait on each other crosswise): concurrent attempts on one key — many users behind
    /// one address — queue for a moment instead of failing their compare-and-set. SQLite needs no row
    /// locks: its write transactions already run one at a time.
    pub async fn attempt_throttles(&mut self, keys: AttemptKeys<'_>) -> Result<AttemptStates> {
        let shared = keys.shared.unwrap_or(keys.account);
        let rows = match self.backend {
            Backend::Sqlite => {
                sqlx::query("SELECT key, failures, last_failure_at FROM throttles WHERE key IN ($1, $2)")
                    .bind(keys.account)
                    .bind(shared)
                    .fetch_all(self.conn())
                    .await?
            }
            Backend::Postgres => {
                sqlx::query(
                    "INSERT INTO throttles (key, failures, last_failure_at) VALUES ($1, 0, 0), ($2, 0, 0) \
                     ON CONFLICT (key) DO NOTHING",
                )
                .bind(keys.account)
                .bind(shared)
                .execute(self.conn())
                .await?;
                sqlx::query(
                    "SELECT key, failures, last_failure_at FROM throttles WHERE key IN ($1, $2) ORDER BY key FOR UPDATE",
                )
                .bind(keys.account)
                .bind(shared)
                .fetch_all(self.conn())
                .await?
            }
        };
        let mut account = ThrottleState::default();
        let mut other = ThrottleState::default();
        for row in &rows {
            let key: String = row.try_get("key")?;
            if key == keys.account {
                account = throttle_from_row(row)?;
            } else {
                other = throttle_from_row(row)?;
            }
        }
        Ok((account, keys.shared.map(|_| other)))
    }

    /// Compare-and-set of both keys in one statement: writes `new` only where the stored state is
    /// still `old` (or absent and `old` is zero). False if either key changed meanwhile; then the
    /// caller must roll back and decide again.
    pub async fn swap_attempt_throttles(
        &mut self,
        keys: AttemptKeys<'_>,
        old: AttemptStates,
        new: AttemptStates,
    ) -> Result<bool> {
        let (Some(shared), Some(old_shared), Some(new_shared)) = (keys.shared, old.1, new.1) else {
            return self.swap_throttle(keys.account, old.0, new.0).await;
        };
        let done = sqlx::query(
            "INSERT INTO throttles (key, failures, last_failure_at) VALUES ($1, $2, $3), ($4, $5, $6) \
             ON CONFLICT (key) DO UPDATE SET failures = excluded.failures, last_failure_at = excluded.last_failure_at \
             WHERE (throttles.key = $1 AND throttles.failures = $7 AND throttles.last_failure_at = $8) \
                OR (throttles.key = $4 AND throttles.failures = $9 AND throttles.last_failure_at = $10)",
        )
        .bind(keys.account)
        .bind(i64::from(new.0.failures))
        .bind(new.0.last_failure_at.0)
        .bind(shared)
        .bind(i64::from(new_shared.failures))
        .bind(new_shared.last_failure_at.0)
        .bind(i64::from(old.0.failures))
        .bind(old.0.last_failure_at.0)
        .bind(i64::from(old_shared.failures))
        .bind(old_shared.last_failure_at.0)
        .execute(self.conn())
        .await?;
        if done.rows_affected() == 2 {
            return Ok(true);
        }
        // An inserted row of a zero `old` state that conflicted and was left alone shows as missing too.
        Ok(false)
    }

    /// After a success: the account's failures are cleared, and the attempt counted on the shared key
    /// is taken back (it was counted before the secret was checked).
    pub async fn settle_attempt_success(&mut self, keys: AttemptKeys<'_>) -> Result<()> {
        sqlx::query(
            "UPDATE throttles SET failures = CASE WHEN key = $1 THEN 0 ELSE failures - 1 END \
             WHERE key IN ($1, $2) AND failures > 0",
        )
        .bind(keys.account)
        .bind(keys.shared.unwrap_or(keys.account))
        .execute(self.conn())
        .await?;
        Ok(())
    }

    /// The state for `key`, the zero state if there is none.
    pub async fn throttle(&mut self, key: &str) -> Result<ThrottleState> {
        let row = sqlx::query("SELECT failures, last_failure_at FROM throttles WHERE key = $1")
            .bind(key)
            .fetch_optional(self.conn())
            .await?;
        Ok(row.as_ref().map(throttle_from_row).transpose()?.unwrap_or_default())
    }

    /// Replaces `old` by `new` if `old` is still what is stored; false if someone else changed it first.
    pub async fn swap_throttle(&mut self, key: &str, old: ThrottleState, new: ThrottleState) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE throttles SET failures = $1, last_failure_at = $2 \
             WHERE key = $3 AND failures = $4 AND last_failure_at = $5",
        )
        .bind(i64::from(new.failures))
        .bind(new.last_failure_at.0)
        .bind(key)
        .bind(i64::from(old.failures))
        .bind(old.last_failure_at.0)
        .execute(self.conn())
        .await?;
        if done.rows_affected() == 1 {
            return Ok(true);
        }
        if old != ThrottleState::default() {
            return Ok(false);
        }
        // No row yet (the zero state): insert, unless a concurrent transaction just did.
        let done = sqlx::query(
            "INSERT INTO throttles (key, failures, last_failure_at) VALUES ($1, $2, $3) ON CONFLICT (key) DO NOTHING",
        )
        .bind(key)
        .bind(i64::from(new.failures))
        .bind(new.last_failure_at.0)
        .execute(self.conn())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Lifts a throttle (customer service, or the sweep of old zero rows).
    pub async fn clear_throttle(&mut self, key: &str) -> Result<()> {
        sqlx::query("DELETE FROM throttles WHERE key = $1")
            .bind(key)
            .execute(self.conn())
            .await?;
        Ok(())
    }
}
