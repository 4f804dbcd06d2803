//! Time as a value: seconds since the Unix epoch, always passed in by the caller (an injectable clock
//! lives in the app layer), never read here.

use serde::{Deserialize, Serialize};

/// Seconds since 1970-01-01T00:00:00Z.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct UnixTime(pub i64);

impl UnixTime {
    pub fn plus_secs(self, secs: i64) -> UnixTime {
        UnixTime(self.0.saturating_add(secs))
    }

    /// Seconds from `self` until `later`, zero if `later` is not later.
    pub fn secs_until(self, later: UnixTime) -> i64 {
        (later.0 - self.0).max(0)
    }
}
