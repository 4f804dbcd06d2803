//! The retry schedule of the email outbox, as a pure function: after the n-th failed attempt to
//! deliver a message, when to try again, or to give up.
//!
//! ```text
//! attempt:   1     2     3     4      5      6      7     8 …
//! wait:     30 s  1 min 2 min 4 min  8 min  16 min 32 min 1 h (then every hour)
//! ```
//!
//! A message still undelivered `give_up_after` seconds after it was queued (two days) is given up:
//! a relay that refuses it that long will not take it, and a link in it has likely expired.

use crate::time::UnixTime;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// The wait after the first failure, in seconds; it doubles with each further failure.
    pub first_delay: i64,
    pub max_delay: i64,
    /// Seconds after queueing from which a failure is final.
    pub give_up_after: i64,
}

/// What to do after a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retry {
    At(UnixTime),
    GiveUp,
}

impl RetryPolicy {
    pub const EMAIL: RetryPolicy = RetryPolicy {
        first_delay: 30,
        max_delay: 3600,
        give_up_after: 2 * 24 * 3600,
    };

    /// Seconds to wait after the `attempts`-th consecutive failure (counting from 1).
    pub fn delay_after(&self, attempts: u32) -> i64 {
        let doublings = attempts.saturating_sub(1).min(40);
        self.first_delay.saturating_mul(1_i64 << doublings).min(self.max_delay)
    }

    /// After the `attempts`-th failure at `now`, of a message queued at `queued_at`.
    pub fn after_failure(&self, attempts: u32, queued_at: UnixTime, now: UnixTime) -> Retry {
        if now >= queued_at.plus_secs(self.give_up_after) {
            Retry::GiveUp
        } else {
            Retry::At(now.plus_secs(self.delay_after(attempts)))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const P: RetryPolicy = RetryPolicy::EMAIL;

    #[test]
    fn waits_double_from_30_seconds_up_to_an_hour() {
        let waits: Vec<i64> = (1..=9).map(|n| P.delay_after(n)).collect();
        assert_eq!(waits, [30, 60, 120, 240, 480, 960, 1920, 3600, 3600]);
        assert_eq!(P.delay_after(0), 30);
        assert_eq!(P.delay_after(u32::MAX), 3600);
    }

    #[test]
    fn gives_up_two_days_after_queueing() {
        let queued = UnixTime(1_000);
        assert_eq!(P.after_failure(1, queued, queued), Retry::At(UnixTime(1_030)));
        let almost = queued.plus_secs(2 * 24 * 3600 - 1);
        assert_eq!(P.after_failure(60, queued, almost), Retry::At(almost.plus_secs(3600)));
        assert_eq!(P.after_failure(61, queued, almost.plus_secs(1)), Retry::GiveUp);
    }

    #[test]
    fn about_fifty_attempts_fit_in_two_days() {
        // The schedule's cost: how often one undeliverable message is tried before it is given up.
        let (queued, mut now, mut attempts) = (UnixTime(0), UnixTime(0), 0u32);
        loop {
            attempts += 1;
            match P.after_failure(attempts, queued, now) {
                Retry::At(at) => now = at,
                Retry::GiveUp => break,
            }
        }
        assert!((50..=60).contains(&attempts), "{attempts}");
    }
}
