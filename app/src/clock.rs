//! The time source every part of the server reads, so a pinned clock (demos,
//! browser tests) holds everywhere at once.

use chrono::{DateTime, Utc};

/// The time source. Fixed only when the operator pins it (demos, browser tests).
#[derive(Debug, Clone, Copy, Default)]
pub struct Clock {
    pub fixed: Option<DateTime<Utc>>,
}

impl Clock {
    pub fn now(&self) -> DateTime<Utc> {
        self.fixed.unwrap_or_else(Utc::now)
    }
}
