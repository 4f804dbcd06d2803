//! Throttling of failed attempts, as a pure state machine. The store persists [`ThrottleState`] per key
//! (an account, an IP address), so every node and every restart sees the same delays.
//!
//! ```text
//!            attempt (counted before the check of the secret, so parallel guesses cannot slip through)
//!   ┌──────────────────────────────────────────────────────────────┐
//!   │                                                              ▼
//! Free ── failures < free ──► Free         failures ≥ free ──► Delayed(until = last + delay(failures))
//!   ▲                                                              │
//!   └──────────────── success (account: reset to 0) ◄──────────────┘
//!                     quiet for `forget_after` (IP keys): reset to 0
//! ```
//!
//! `delay(f)` doubles from `base_delay` at `f = free_failures` up to `max_delay`; from `hard_limit`
//! failures on it is `hard_limit_delay`, or, where that is `None`, the key stays locked until an
//! administrator or customer service lifts it (they delete the state).
//!
//! Password attempts never lock for good (an attacker who only knows an email must not be able to lock
//! its owner out): with 5 free, 1 s doubling to 15 min and 24 h from 100, reaching 100 consecutive
//! failures takes about a day, and after that an attacker gets one guess a day. A second factor is only
//! asked of someone who knew the password, so its 6-digit codes get a harder rule (NIST SP 800-63B
//! §5.2.2): 3 free, then delays growing to a 15-minute stop from the 10th failure, and after 100
//! consecutive failures nothing until an administrator or customer service acts.

use crate::time::UnixTime;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThrottlePolicy {
    /// Failures allowed before the first delay.
    pub free_failures: u32,
    /// The first delay, in seconds; it doubles with each further failure.
    pub base_delay: i64,
    pub max_delay: i64,
    /// From this many consecutive failures on, `hard_limit_delay` applies.
    pub hard_limit: u32,
    /// `None`: locked until someone lifts it.
    pub hard_limit_delay: Option<i64>,
    /// Forget all failures after this many quiet seconds (for shared keys such as an IP address).
    pub forget_after: Option<i64>,
}

impl ThrottlePolicy {
    /// Password attempts on one account (NIST SP 800-63B §5.2.2: at most 100 consecutive failures).
    pub const ACCOUNT_PASSWORD: ThrottlePolicy = ThrottlePolicy {
        free_failures: 5,
        base_delay: 1,
        max_delay: 15 * 60,
        hard_limit: 100,
        hard_limit_delay: Some(24 * 3600),
        forget_after: None,
    };

    /// Second-factor codes (TOTP) of one account: 3 free; 8, 16 … s; a 15-minute stop from the 10th
    /// failure; locked after 100 (10^6 codes: at most 100 guesses, a 0.03 % chance within a window of 3).
    pub const ACCOUNT_SECOND_FACTOR: ThrottlePolicy = ThrottlePolicy {
        free_failures: 3,
        base_delay: 8,
        max_delay: 15 * 60,
        hard_limit: 100,
        hard_limit_delay: None,
        forget_after: None,
    };

    /// Password attempts from one IP address (or IPv6 /64), over all accounts: credential stuffing.
    pub const IP_PASSWORD: ThrottlePolicy = ThrottlePolicy {
        free_failures: 20,
        base_delay: 1,
        max_delay: 15 * 60,
        hard_limit: u32::MAX,
        hard_limit_delay: Some(15 * 60),
        forget_after: Some(3600),
    };

    /// Self-registration requests for one email address (its hash): 5 an hour. Every request counts
    /// (there is no "success" to give back), a quiet hour forgets them, and nothing ever locks: an
    /// attacker who floods someone's address only delays that address's registration by an hour.
    pub const REGISTRATION_EMAIL: ThrottlePolicy = ThrottlePolicy {
        free_failures: 5,
        base_delay: 3600,
        max_delay: 3600,
        hard_limit: u32::MAX,
        hard_limit_delay: Some(3600),
        forget_after: Some(3600),
    };

    /// Self-registration requests from one IP address (or IPv6 /64), over all emails: 20 an hour.
    pub const REGISTRATION_IP: ThrottlePolicy = ThrottlePolicy {
        free_failures: 20,
        base_delay: 3600,
        max_delay: 3600,
        hard_limit: u32::MAX,
        hard_limit_delay: Some(3600),
        forget_after: Some(3600),
    };

    /// Seconds to wait after the `failures`-th consecutive failure; `None` for "until lifted".
    pub fn delay_after(&self, failures: u32) -> Option<i64> {
        if failures >= self.hard_limit {
            return self.hard_limit_delay;
        }
        if failures < self.free_failures {
            return Some(0);
        }
        let doublings = (failures - self.free_failures).min(40);
        Some(self.base_delay.saturating_mul(1_i64 << doublings).min(self.max_delay))
    }

    /// Whether the `failures`-th consecutive failure is the first that makes the next attempt wait:
    /// the start of a series of failures, which the account's owner is told about once (telling them
    /// at every failure would let an attacker flood their inbox).
    pub fn starts_delay(&self, failures: u32) -> bool {
        failures >= 1 && self.delay_after(failures) != Some(0) && self.delay_after(failures - 1) == Some(0)
    }
}

/// What is stored per key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ThrottleState {
    pub failures: u32,
    pub last_failure_at: UnixTime,
}

/// The answer to "may this attempt go ahead?".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Allowed,
    /// Not before this moment.
    RetryAt(UnixTime),
    /// Not until an administrator or customer service lifts the lock.
    Locked,
}

impl ThrottleState {
    /// The state as it counts at `now` (quiet periods forgotten where the policy says so).
    pub fn current(self, policy: &ThrottlePolicy, now: UnixTime) -> ThrottleState {
        match policy.forget_after {
            Some(quiet) if self.failures > 0 && now.0 - self.last_failure_at.0 >= quiet => ThrottleState::default(),
            _ => self,
        }
    }

    /// When the next attempt may go ahead (`None`: now).
    pub fn blocked_until(self, policy: &ThrottlePolicy, now: UnixTime) -> Option<UnixTime> {
        match self.check(policy, now) {
            Verdict::Allowed => None,
            Verdict::RetryAt(until) => Some(until),
            Verdict::Locked => Some(UnixTime(i64::MAX)),
        }
    }

    pub fn check(self, policy: &ThrottlePolicy, now: UnixTime) -> Verdict {
        let state = self.current(policy, now);
        if state.failures == 0 {
            return Verdict::Allowed;
        }
        match policy.delay_after(state.failures) {
            None => Verdict::Locked,
            // Within the free attempts nothing waits, even if another node stamped a later second.
            Some(0) => Verdict::Allowed,
            Some(delay) => {
                let until = state.last_failure_at.plus_secs(delay);
                if until > now {
                    Verdict::RetryAt(until)
                } else {
                    Verdict::Allowed
                }
            }
        }
    }

    /// An attempt is counted as a failure before the secret is checked; a success undoes it.
    pub fn after_attempt(self, policy: &ThrottlePolicy, now: UnixTime) -> ThrottleState {
        let state = self.current(policy, now);
        ThrottleState {
            failures: state.failures.saturating_add(1),
            last_failure_at: now,
        }
    }

    /// A success on an account clears its failures.
    pub fn after_account_success(self) -> ThrottleState {
        ThrottleState::default()
    }

    /// A success from a shared key (an IP address) only takes back the attempt it had counted.
    pub fn after_shared_success(self) -> ThrottleState {
        ThrottleState {
            failures: self.failures.saturating_sub(1),
            ..self
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registrations_are_limited_per_hour_and_forgotten_after_a_quiet_hour() {
        for (policy, per_hour) in [
            (ThrottlePolicy::REGISTRATION_EMAIL, 5),
            (ThrottlePolicy::REGISTRATION_IP, 20),
        ] {
            let start = UnixTime(1_000_000);
            let mut state = ThrottleState::default();
            for i in 0..per_hour {
                let now = start.plus_secs(i);
                assert_eq!(state.check(&policy, now), Verdict::Allowed, "request {}", i + 1);
                state = state.after_attempt(&policy, now);
            }
            let last = start.plus_secs(per_hour - 1);
            let next = start.plus_secs(per_hour);
            assert_eq!(
                state.check(&policy, next),
                Verdict::RetryAt(last.plus_secs(3600)),
                "one more within the hour waits"
            );
            assert_eq!(state.check(&policy, last.plus_secs(3600)), Verdict::Allowed);
            assert_eq!(state.current(&policy, last.plus_secs(3600)), ThrottleState::default());
            // Never a lock: however many requests, the wait ends within the hour.
            let flooded = ThrottleState {
                failures: 1_000_000,
                last_failure_at: last,
            };
            assert_eq!(flooded.check(&policy, next), Verdict::RetryAt(last.plus_secs(3600)));
        }
    }

    #[test]
    fn a_series_of_failures_starts_its_delay_once() {
        let starts = |policy: &ThrottlePolicy| (0..=200).filter(|&f| policy.starts_delay(f)).collect::<Vec<_>>();
        assert_eq!(starts(&ThrottlePolicy::ACCOUNT_PASSWORD), [5]);
        assert_eq!(starts(&ThrottlePolicy::ACCOUNT_SECOND_FACTOR), [3]);
        assert!(ThrottlePolicy::ACCOUNT_PASSWORD.delay_after(5).is_some_and(|d| d > 0));
    }

    const P: ThrottlePolicy = ThrottlePolicy::ACCOUNT_PASSWORD;

    fn fail(state: ThrottleState, n: u32, now: UnixTime) -> ThrottleState {
        (0..n).fold(state, |s, _| s.after_attempt(&P, now))
    }

    #[test]
    fn five_free_failures_then_growing_delays() {
        let now = UnixTime(1_000);
        let state = fail(ThrottleState::default(), 4, now);
        assert_eq!(state.check(&P, now), Verdict::Allowed);
        let state = state.after_attempt(&P, now);
        assert_eq!(state.check(&P, now), Verdict::RetryAt(UnixTime(1_001)));
        assert_eq!(state.check(&P, UnixTime(1_001)), Verdict::Allowed);
        let delays: Vec<i64> = (5..=16).filter_map(|f| P.delay_after(f)).collect();
        assert_eq!(delays, [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 900, 900]);
    }

    #[test]
    fn free_attempts_never_wait_even_when_another_node_stamped_a_later_second() {
        let stamped_later = ThrottleState {
            failures: 3,
            last_failure_at: UnixTime(1_001),
        };
        assert_eq!(stamped_later.check(&P, UnixTime(1_000)), Verdict::Allowed);
    }

    #[test]
    fn from_one_hundred_failures_one_attempt_a_day() {
        assert_eq!(P.delay_after(99), Some(900));
        assert_eq!(P.delay_after(100), Some(86_400));
        let state = ThrottleState {
            failures: 100,
            last_failure_at: UnixTime(0),
        };
        assert_eq!(state.check(&P, UnixTime(86_399)), Verdict::RetryAt(UnixTime(86_400)));
        assert_eq!(
            state.check(&P, UnixTime(86_400)),
            Verdict::Allowed,
            "no permanent lockout"
        );
    }

    #[test]
    fn reaching_one_hundred_takes_about_a_day() {
        let total: i64 = (1..100).filter_map(|f| P.delay_after(f)).sum();
        assert!(total > 20 * 3600, "{total}");
    }

    #[test]
    fn second_factor_codes_stop_for_15_minutes_from_ten_and_lock_at_one_hundred() {
        let totp = ThrottlePolicy::ACCOUNT_SECOND_FACTOR;
        let delays: Vec<Option<i64>> = (1..=11).map(|f| totp.delay_after(f)).collect();
        let expected = [0, 0, 8, 16, 32, 64, 128, 256, 512, 900, 900].map(Some);
        assert_eq!(delays, expected);
        let locked = ThrottleState {
            failures: 100,
            last_failure_at: UnixTime(0),
        };
        assert_eq!(
            locked.check(&totp, UnixTime(10_000_000)),
            Verdict::Locked,
            "only a person lifts it"
        );
        assert_eq!(locked.blocked_until(&totp, UnixTime(1)), Some(UnixTime(i64::MAX)));
        let total: i64 = (1..100).filter_map(|f| totp.delay_after(f)).sum();
        assert!(total > 20 * 3600, "100 guesses take about a day: {total}");
    }

    #[test]
    fn success_resets_the_account_but_only_takes_back_one_attempt_of_an_ip() {
        let state = fail(ThrottleState::default(), 7, UnixTime(5));
        assert_eq!(state.after_account_success(), ThrottleState::default());
        assert_eq!(state.after_shared_success().failures, 6);
        assert_eq!(ThrottleState::default().after_shared_success().failures, 0);
    }

    #[test]
    fn ip_failures_are_forgotten_after_a_quiet_hour() {
        let ip = ThrottlePolicy::IP_PASSWORD;
        let state = (0..25).fold(ThrottleState::default(), |s, _| s.after_attempt(&ip, UnixTime(0)));
        assert!(matches!(state.check(&ip, UnixTime(10)), Verdict::RetryAt(_)));
        assert_eq!(state.current(&ip, UnixTime(3_600)), ThrottleState::default());
        assert_eq!(state.after_attempt(&ip, UnixTime(3_600)).failures, 1);
        // Accounts never forget on their own: only a success or customer service clears them.
        let acct = fail(ThrottleState::default(), 3, UnixTime(0));
        assert_eq!(acct.current(&P, UnixTime(10_000_000)).failures, 3);
    }
}
