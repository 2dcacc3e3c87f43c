//! A ticket (nomor antrean) and the rules of its life: how its number is shown,
//! the channel it came through, and the states it may move between. Every move
//! of every ticket (by a counter, by staff, by its holder) is decided by
//! `transition` here; the store's one writer of the state columns
//! (`store::tickets::move_ticket`) only carries it out.

use serde::{Deserialize, Serialize};
use thiserror::Error;

/// How the ticket was issued.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Channel {
    Online,
    WalkIn,
    StaffAssisted,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Online => "online",
            Self::WalkIn => "walk_in",
            Self::StaffAssisted => "staff_assisted",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        [Self::Online, Self::WalkIn, Self::StaffAssisted].into_iter().find(|c| c.as_str() == value)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum TicketState {
    Waiting,
    Called,
    Serving,
    Done,
    NoShow,
    Cancelled,
}

impl TicketState {
    pub const ALL: [Self; 6] = [Self::Waiting, Self::Called, Self::Serving, Self::Done, Self::NoShow, Self::Cancelled];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Waiting => "waiting",
            Self::Called => "called",
            Self::Serving => "serving",
            Self::Done => "done",
            Self::NoShow => "no_show",
            Self::Cancelled => "cancelled",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == value)
    }

    /// An active ticket still holds a place in the queue.
    pub fn is_active(self) -> bool {
        matches!(self, Self::Waiting | Self::Called | Self::Serving)
    }

    /// A ticket at a counter: called there or being served.
    pub fn is_at_counter(self) -> bool {
        matches!(self, Self::Called | Self::Serving)
    }

    /// The states `keep` picks, in `ALL` order: for queries and indexes that
    /// must agree with the rules above.
    pub fn all_where(keep: fn(Self) -> bool) -> impl Iterator<Item = Self> {
        Self::ALL.into_iter().filter(move |state| keep(*state))
    }
}

/// How many people are ahead of a ticket, given how many waiting tickets come
/// before it in its queue: only a waiting ticket has anyone ahead.
pub fn people_ahead(state: TicketState, waiting_before: u32) -> u32 {
    if state == TicketState::Waiting {
        waiting_before
    } else {
        0
    }
}

/// What a counter (or the citizen) does to a ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum TicketAction {
    Call,
    Recall,
    StartServing,
    Finish,
    MarkNoShow,
    Requeue,
    /// Sends a ticket at a counter to another service, where it waits again.
    Transfer,
    Cancel,
}

/// What a move does to the ticket's call count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallCount {
    Keep,
    /// The first call.
    One,
    /// One more call.
    AddOne,
    /// Back in a queue: its calls start again.
    Reset,
}

/// What a move does to the counter a ticket is at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CounterSeat {
    Keep,
    /// The calling counter takes the ticket.
    Take,
    /// The ticket leaves its counter for a queue.
    Leave,
}

/// One allowed move: the state it ends in and what else changes with it. The
/// moment of the new state (called at, done at, …) is recorded with every move
/// into a state that has one; a ticket put back in a queue keeps its issue time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Transition {
    pub from: TicketState,
    pub to: TicketState,
    pub calls: CallCount,
    pub seat: CounterSeat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Error, Serialize, Deserialize)]
#[error("a {from:?} ticket cannot be given {action:?}")]
pub struct TransitionError {
    pub from: TicketState,
    pub action: TicketAction,
}

/// The move `action` makes from `from`, or why it may not.
pub fn transition(from: TicketState, action: TicketAction) -> Result<Transition, TransitionError> {
    use TicketAction as A;
    use TicketState as S;
    let (to, calls, seat) = match (from, action) {
        (S::Waiting, A::Call) => (S::Called, CallCount::One, CounterSeat::Take),
        (S::Called, A::Recall) => (S::Called, CallCount::AddOne, CounterSeat::Keep),
        (S::Called, A::StartServing) => (S::Serving, CallCount::Keep, CounterSeat::Keep),
        (S::Serving, A::Finish) => (S::Done, CallCount::Keep, CounterSeat::Keep),
        (S::Called, A::MarkNoShow) => (S::NoShow, CallCount::Keep, CounterSeat::Keep),
        (S::NoShow, A::Requeue) => (S::Waiting, CallCount::Reset, CounterSeat::Leave),
        (S::Called | S::Serving, A::Transfer) => (S::Waiting, CallCount::Reset, CounterSeat::Leave),
        (S::Waiting | S::Called, A::Cancel) => (S::Cancelled, CallCount::Keep, CounterSeat::Keep),
        _ => return Err(TransitionError { from, action }),
    };
    Ok(Transition { from, to, calls, seat })
}

/// The state a ticket moves to, or why it may not.
pub fn next_state(from: TicketState, action: TicketAction) -> Result<TicketState, TransitionError> {
    transition(from, action).map(|t| t.to)
}

/// Why a ticket was cancelled; the citizen sees it in "Tiket saya".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum CancelReason {
    /// The name or NIK does not match the identity card shown at the counter.
    IdentityMismatch,
    Duplicate,
    CitizenRequest,
}

impl CancelReason {
    pub const ALL: [Self; 3] = [Self::IdentityMismatch, Self::Duplicate, Self::CitizenRequest];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::IdentityMismatch => "identity_mismatch",
            Self::Duplicate => "duplicate",
            Self::CitizenRequest => "citizen_request",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == value)
    }
}

/// The letter a service's numbers start with (A, B, C…).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServicePrefix(char);

impl ServicePrefix {
    pub fn parse(value: &str) -> Option<Self> {
        let mut chars = value.chars();
        match (chars.next(), chars.next()) {
            (Some(c), None) if c.is_ascii_uppercase() => Some(Self(c)),
            _ => None,
        }
    }

    pub fn letter(self) -> char {
        self.0
    }
}

/// The number printed and called out, e.g. `A-007`. It is for display only; the
/// ticket's identity is its id, and its order is its sequence.
pub fn display_number(prefix: ServicePrefix, sequence: u32) -> String {
    format!("{}-{sequence:03}", prefix.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_numbers_are_zero_padded_to_three_digits() {
        let a = ServicePrefix::parse("A").unwrap();
        assert_eq!(display_number(a, 7), "A-007");
        assert_eq!(display_number(a, 200), "A-200");
        assert_eq!(display_number(a, 1200), "A-1200");
    }

    #[test]
    fn a_prefix_is_one_capital_letter() {
        assert!(ServicePrefix::parse("B").is_some());
        for bad in ["", "b", "AB", "1"] {
            assert!(ServicePrefix::parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn a_ticket_goes_from_waiting_to_done_through_called_and_serving() {
        let called = next_state(TicketState::Waiting, TicketAction::Call).unwrap();
        let serving = next_state(called, TicketAction::StartServing).unwrap();
        assert_eq!(next_state(serving, TicketAction::Finish), Ok(TicketState::Done));
    }

    #[test]
    fn a_waiting_ticket_cannot_be_served_without_being_called() {
        assert!(next_state(TicketState::Waiting, TicketAction::StartServing).is_err());
    }

    #[test]
    fn a_no_show_can_be_put_back_in_the_queue() {
        let no_show = next_state(TicketState::Called, TicketAction::MarkNoShow).unwrap();
        assert_eq!(next_state(no_show, TicketAction::Requeue), Ok(TicketState::Waiting));
    }

    #[test]
    fn finished_and_cancelled_tickets_accept_no_action() {
        for action in [TicketAction::Call, TicketAction::Cancel, TicketAction::Requeue] {
            assert!(next_state(TicketState::Done, action).is_err());
            assert!(next_state(TicketState::Cancelled, action).is_err());
        }
    }

    #[test]
    fn a_transferred_ticket_waits_again_away_from_its_counter_with_its_calls_reset() {
        for from in [TicketState::Called, TicketState::Serving] {
            let moved = transition(from, TicketAction::Transfer).unwrap();
            assert_eq!(
                (moved.to, moved.calls, moved.seat),
                (TicketState::Waiting, CallCount::Reset, CounterSeat::Leave)
            );
        }
        assert!(transition(TicketState::Waiting, TicketAction::Transfer).is_err());
    }

    #[test]
    fn a_call_seats_the_ticket_at_the_counter_and_a_recall_counts_once_more() {
        let called = transition(TicketState::Waiting, TicketAction::Call).unwrap();
        assert_eq!((called.calls, called.seat), (CallCount::One, CounterSeat::Take));
        let again = transition(TicketState::Called, TicketAction::Recall).unwrap();
        assert_eq!((again.to, again.calls), (TicketState::Called, CallCount::AddOne));
    }

    #[test]
    fn only_a_waiting_ticket_has_people_ahead() {
        assert_eq!(people_ahead(TicketState::Waiting, 4), 4);
        assert_eq!(people_ahead(TicketState::Called, 4), 0);
    }

    #[test]
    fn only_waiting_called_and_serving_tickets_are_active() {
        let active: Vec<_> = TicketState::all_where(TicketState::is_active).collect();
        assert_eq!(active, [TicketState::Waiting, TicketState::Called, TicketState::Serving]);
    }

    #[test]
    fn states_and_channels_round_trip_through_their_names() {
        for state in TicketState::ALL {
            assert_eq!(TicketState::parse(state.as_str()), Some(state));
        }
        for reason in CancelReason::ALL {
            assert_eq!(CancelReason::parse(reason.as_str()), Some(reason));
        }
        for channel in [Channel::Online, Channel::WalkIn, Channel::StaffAssisted] {
            assert_eq!(Channel::parse(channel.as_str()), Some(channel));
        }
    }
}
