//! Persisted throttle state (see `portcullis_core::throttle`). Updates are compare-and-set on the old
//! value, so two nodes counting the same attempt cannot both win: the loser re-reads and decides again.

use portcullis_core::throttle::ThrottleState;

use crate::records::throttle_from_row;
use crate::{Result, Tx};

impl Tx {
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

    /// Takes back one counted attempt (a success from a shared key such as an IP address).
    pub async fn release_throttle_attempt(&mut self, key: &str) -> Result<()> {
        sqlx::query("UPDATE throttles SET failures = failures - 1 WHERE key = $1 AND failures > 0")
            .bind(key)
            .execute(self.conn())
            .await?;
        Ok(())
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
