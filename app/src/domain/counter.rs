//! The rules of a counter (loket) at work: when it may call, how many times a
//! ticket is called before it counts as a no-show, and where a no-show who turns
//! up after all goes back into the queue.

use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::ticket::TicketAction;

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

/// What staff do at a counter's console: set the counter's status, or move a
/// ticket (the one the counter has, the next waiting one, or a no-show).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum CounterAction {
    Open,
    Pause,
    Close,
    CallNext,
    Recall,
    StartServing,
    Finish,
    MarkNoShow,
    /// Puts a no-show (named by its code) back in the queue.
    Requeue,
    /// Sends the current ticket to another service (named by its prefix).
    Transfer,
}

impl CounterAction {
    pub const ALL: [Self; 10] = [
        Self::Open,
        Self::Pause,
        Self::Close,
        Self::CallNext,
        Self::Recall,
        Self::StartServing,
        Self::Finish,
        Self::MarkNoShow,
        Self::Requeue,
        Self::Transfer,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Pause => "pause",
            Self::Close => "close",
            Self::CallNext => "call_next",
            Self::Recall => "recall",
            Self::StartServing => "serve",
            Self::Finish => "finish",
            Self::MarkNoShow => "no_show",
            Self::Requeue => "requeue",
            Self::Transfer => "transfer",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.as_str() == value)
    }

    /// The status the action gives the counter, if it is one of open, pause, close.
    pub fn status(self) -> Option<CounterStatus> {
        match self {
            Self::Open => Some(CounterStatus::Open),
            Self::Pause => Some(CounterStatus::Paused),
            Self::Close => Some(CounterStatus::Closed),
            _ => None,
        }
    }

    /// The move the action makes on a ticket, if it makes one.
    pub fn ticket_action(self) -> Option<TicketAction> {
        match self {
            Self::Open | Self::Pause | Self::Close => None,
            Self::CallNext => Some(TicketAction::Call),
            Self::Recall => Some(TicketAction::Recall),
            Self::StartServing => Some(TicketAction::StartServing),
            Self::Finish => Some(TicketAction::Finish),
            Self::MarkNoShow => Some(TicketAction::MarkNoShow),
            Self::Requeue => Some(TicketAction::Requeue),
            Self::Transfer => Some(TicketAction::Transfer),
        }
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
    /// The policy as stored; a value that cannot be a count falls back to the default's.
    pub fn from_stored(max_calls: i64, requeue_after: i64) -> Self {
        let default = Self::default();
        Self {
            max_calls: u32::try_from(max_calls).unwrap_or(default.max_calls),
            requeue_after: usize::try_from(requeue_after).unwrap_or(default.requeue_after),
        }
    }

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

/// A counter with the office it belongs to and how that office runs its calls.
#[derive(Debug, Clone)]
pub struct Counter {
    pub id: i64,
    pub office_id: i64,
    pub name: String,
    pub status: CounterStatus,
    pub policy: CallPolicy,
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
    fn counter_states_and_actions_round_trip_through_their_names() {
        for status in [CounterStatus::Open, CounterStatus::Paused, CounterStatus::Closed] {
            assert_eq!(CounterStatus::parse(status.as_str()), Some(status));
        }
        for action in CounterAction::ALL {
            assert_eq!(CounterAction::parse(action.as_str()), Some(action));
        }
        assert_eq!(CounterAction::parse("delete"), None);
        let statuses = CounterAction::ALL.iter().filter(|a| a.status().is_some()).count();
        let moves = CounterAction::ALL.iter().filter(|a| a.ticket_action().is_some()).count();
        assert_eq!((statuses, moves), (3, 7), "every action either sets the status or moves a ticket");
    }
}
