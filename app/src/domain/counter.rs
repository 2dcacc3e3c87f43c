//! The rules of a counter (loket) at work: when it may call, how many times a
//! ticket is called before it counts as a no-show, and where a no-show who turns
//! up after all goes back into the queue.

use serde::{Deserialize, Serialize};
use thiserror::Error;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum CounterStatus {
    Open,
    /// A short break: the counter keeps its place but calls no one.
    Paused,
    Closed,
}

impl CounterStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Paused => "paused",
            Self::Closed => "closed",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        [Self::Open, Self::Paused, Self::Closed].into_iter().find(|s| s.as_str() == value)
    }
}

/// How an office runs its calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallPolicy {
    /// Calls (the first and the recalls) before a ticket may be marked no-show.
    pub max_calls: u32,
    /// How many waiting tickets a requeued no-show goes behind.
    pub requeue_after: usize,
}

impl Default for CallPolicy {
    fn default() -> Self {
        Self { max_calls: 3, requeue_after: 5 }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Error, Serialize, Deserialize)]
pub enum CounterRefusal {
    #[error("the counter is not open")]
    NotOpen,
    #[error("the counter still has a ticket called or being served")]
    Busy,
    #[error("no ticket is waiting")]
    NoneWaiting,
    #[error("the counter has no ticket called")]
    NothingCalled,
    #[error("the ticket has been called the most times allowed")]
    CallsUsedUp,
    #[error("the ticket must be called more times before it is a no-show")]
    TooFewCalls { calls: u32, needed: u32 },
    #[error("the ticket is not in a state that allows this")]
    WrongState,
}

impl CallPolicy {
    pub fn may_recall(&self, calls: u32) -> Result<(), CounterRefusal> {
        if calls < self.max_calls {
            Ok(())
        } else {
            Err(CounterRefusal::CallsUsedUp)
        }
    }

    pub fn may_mark_no_show(&self, calls: u32) -> Result<(), CounterRefusal> {
        if calls >= self.max_calls {
            Ok(())
        } else {
            Err(CounterRefusal::TooFewCalls { calls, needed: self.max_calls })
        }
    }

    /// The queue key for a requeued no-show: between the `requeue_after`-th and
    /// the next waiting ticket, or at the end when fewer are waiting. `waiting`
    /// holds the keys of the waiting tickets in queue order. Keys are issue times
    /// in microseconds, so there is room between two tickets.
    pub fn requeue_key(&self, waiting: &[i64], now_key: i64) -> i64 {
        let after = self.requeue_after;
        match (after.checked_sub(1).and_then(|i| waiting.get(i)), waiting.get(after)) {
            (Some(ahead), Some(behind)) => ahead + (behind - ahead) / 2,
            (None, Some(behind)) => behind - 1,
            _ => waiting.last().map_or(now_key, |last| (*last + 1).max(now_key)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_ticket_may_be_recalled_until_the_third_call() {
        let policy = CallPolicy::default();
        assert!(policy.may_recall(1).is_ok());
        assert!(policy.may_recall(2).is_ok());
        assert_eq!(policy.may_recall(3), Err(CounterRefusal::CallsUsedUp));
    }

    #[test]
    fn a_no_show_needs_all_three_calls_first() {
        let policy = CallPolicy::default();
        assert_eq!(policy.may_mark_no_show(2), Err(CounterRefusal::TooFewCalls { calls: 2, needed: 3 }));
        assert!(policy.may_mark_no_show(3).is_ok());
    }

    #[test]
    fn a_requeued_no_show_goes_behind_five_waiting_tickets() {
        let policy = CallPolicy::default();
        let waiting = [10, 20, 30, 40, 50, 60, 70];
        assert_eq!(policy.requeue_key(&waiting, 100), 55);
    }

    #[test]
    fn with_few_waiting_a_requeued_no_show_goes_to_the_end() {
        let policy = CallPolicy::default();
        assert_eq!(policy.requeue_key(&[10, 20], 100), 100);
        assert_eq!(policy.requeue_key(&[], 100), 100);
    }

    #[test]
    fn counter_states_round_trip_through_their_names() {
        for status in [CounterStatus::Open, CounterStatus::Paused, CounterStatus::Closed] {
            assert_eq!(CounterStatus::parse(status.as_str()), Some(status));
        }
    }
}

/// What the display board says aloud for a call: the number character by
/// character, so "A-012" is heard as "A 0 1 2", then the counter.
pub fn call_announcement(display_number: &str, counter: &str) -> String {
    let spelled: Vec<String> = display_number.chars().filter(|c| c.is_alphanumeric()).map(String::from).collect();
    format!("Nomor antrean {}, silakan ke {}", spelled.join(" "), counter.to_lowercase())
}

#[cfg(test)]
mod announcement_tests {
    use super::call_announcement;

    #[test]
    fn a_call_is_announced_digit_by_digit_in_indonesian() {
        assert_eq!(call_announcement("A-012", "Loket 3"), "Nomor antrean A 0 1 2, silakan ke loket 3");
    }
}
