//! A circuit breaker per destination host. A push service or gateway that keeps
//! failing is left alone for a while instead of being tried for every notice
//! (each try holds a sending slot until it times out); the pause doubles while
//! it keeps failing, up to `LONGEST_PAUSE`, with jitter so that several
//! instances do not all come back at the same moment. One success closes it.

use std::collections::HashMap;
use std::time::{Duration, Instant};

/// Failures in a row that pause a host.
pub const FAILURES_TO_PAUSE: u32 = 5;
pub const FIRST_PAUSE: Duration = Duration::from_secs(10);
pub const LONGEST_PAUSE: Duration = Duration::from_secs(10 * 60);

#[derive(Debug, Default)]
struct Host {
    failures_in_a_row: u32,
    /// Pauses since the host last succeeded: each doubles the next.
    pauses: u32,
    paused_until: Option<Instant>,
}

#[derive(Debug, Default)]
pub struct Breakers {
    hosts: HashMap<String, Host>,
}

impl Breakers {
    /// Until when `host` is paused, if it is.
    pub fn paused_until(&self, host: &str, now: Instant) -> Option<Instant> {
        self.hosts.get(host)?.paused_until.filter(|until| *until > now)
    }

    pub fn succeeded(&mut self, host: &str) {
        self.hosts.remove(host);
    }

    /// Counts a failure; `jitter` in [0, 1) stretches the pause by up to half.
    /// After a pause, the first try is a probe: one more failure pauses again.
    pub fn failed(&mut self, host: &str, now: Instant, jitter: f64) {
        let entry = self.hosts.entry(host.to_string()).or_default();
        entry.failures_in_a_row += 1;
        let probing = entry.pauses > 0;
        if entry.failures_in_a_row >= FAILURES_TO_PAUSE || probing {
            let doubled = FIRST_PAUSE.saturating_mul(1 << entry.pauses.min(16));
            let pause = doubled.min(LONGEST_PAUSE).mul_f64(1.0 + jitter.clamp(0.0, 1.0) / 2.0);
            entry.paused_until = Some(now + pause);
            entry.pauses += 1;
            entry.failures_in_a_row = 0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_host_is_paused_after_failures_in_a_row_and_a_success_closes_it() {
        let (mut breakers, now) = (Breakers::default(), Instant::now());
        for _ in 0..FAILURES_TO_PAUSE - 1 {
            breakers.failed("push.example", now, 0.0);
        }
        assert_eq!(breakers.paused_until("push.example", now), None);
        breakers.failed("push.example", now, 0.0);
        assert_eq!(breakers.paused_until("push.example", now), Some(now + FIRST_PAUSE));
        assert_eq!(breakers.paused_until("other.example", now), None, "other hosts are not held back");
        assert_eq!(breakers.paused_until("push.example", now + FIRST_PAUSE), None, "tried again after the pause");
        breakers.succeeded("push.example");
        breakers.failed("push.example", now, 0.0);
        assert_eq!(breakers.paused_until("push.example", now), None, "counting starts over");
    }

    #[test]
    fn a_host_that_keeps_failing_is_paused_longer_each_time_with_jitter_up_to_a_limit() {
        let (mut breakers, now) = (Breakers::default(), Instant::now());
        for _ in 0..FAILURES_TO_PAUSE {
            breakers.failed("sms", now, 0.0);
        }
        // The probe after the pause fails: twice as long.
        breakers.failed("sms", now, 0.0);
        assert_eq!(breakers.paused_until("sms", now), Some(now + FIRST_PAUSE * 2));
        breakers.failed("sms", now, 0.5);
        assert_eq!(breakers.paused_until("sms", now), Some(now + (FIRST_PAUSE * 4).mul_f64(1.25)));
        for _ in 0..20 {
            breakers.failed("sms", now, 0.999);
        }
        let longest = breakers.paused_until("sms", now).unwrap() - now;
        assert!(longest <= LONGEST_PAUSE.mul_f64(1.5) && longest > LONGEST_PAUSE, "{longest:?}");
    }
}
