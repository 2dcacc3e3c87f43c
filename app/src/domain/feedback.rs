//! Feedback after service: once a ticket is finished its holder may rate the
//! service 1–5, with a comment if they like, once, within `FEEDBACK_DAYS`. The
//! ticket's code (on the ticket page, and in the link of the thank-you SMS or
//! email) is what lets them; the report shows the ratings and comments without
//! saying whose they are.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::settings::Text;
use super::ticket::TicketState;

/// How long after the service a rating is taken.
pub const FEEDBACK_DAYS: i64 = 3;

/// A comment with a rating; it may be left empty.
pub type FeedbackComment = Text<0, 250>;

/// A rating from 1 (poor) to 5 (excellent).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Rating(u8);

impl Rating {
    pub fn parse(raw: &str) -> Option<Self> {
        raw.trim().parse::<i64>().ok().and_then(Self::from_stored)
    }

    pub const LOWEST: u8 = 1;
    pub const HIGHEST: u8 = 5;

    pub fn from_stored(value: i64) -> Option<Self> {
        u8::try_from(value).ok().filter(|r| (Self::LOWEST..=Self::HIGHEST).contains(r)).map(Self)
    }

    pub fn value(self) -> u8 {
        self.0
    }
}

/// Whether a ticket's holder may still rate its service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum FeedbackState {
    /// Finished, not rated yet, within the days allowed.
    Open,
    /// Rated already: the rating given.
    Given(Rating),
    /// Not finished, or finished too long ago.
    Closed,
}

impl FeedbackState {
    /// For a ticket in `state`, finished at `done_at`, rated `given`, at `now`.
    pub fn of(state: TicketState, done_at: Option<DateTime<Utc>>, given: Option<Rating>, now: DateTime<Utc>) -> Self {
        match (given, state, done_at) {
            (Some(rating), _, _) => Self::Given(rating),
            (None, TicketState::Done, Some(done)) if now - done <= Duration::days(FEEDBACK_DAYS) => Self::Open,
            _ => Self::Closed,
        }
    }
}

/// A comment given with a rating, as the report lists it: never whose it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeedbackNote {
    pub service: String,
    pub counter: Option<String>,
    pub service_date: NaiveDate,
    pub rating: u8,
    pub comment: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(d: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_795_000_000 + d * 86_400, 0).unwrap()
    }

    #[test]
    fn a_rating_is_a_whole_number_from_one_to_five() {
        assert_eq!(Rating::parse(" 4 ").map(Rating::value), Some(4));
        for refused in ["0", "6", "", "empat", "4.5", "-1"] {
            assert_eq!(Rating::parse(refused), None, "{refused}");
        }
    }

    #[test]
    fn a_finished_ticket_is_rated_once_within_three_days() {
        let four = Rating::parse("4");
        assert_eq!(FeedbackState::of(TicketState::Done, Some(day(0)), None, day(3)), FeedbackState::Open);
        assert_eq!(FeedbackState::of(TicketState::Done, Some(day(0)), None, day(4)), FeedbackState::Closed);
        assert_eq!(
            FeedbackState::of(TicketState::Done, Some(day(0)), four, day(1)),
            FeedbackState::Given(four.unwrap())
        );
        for state in [TicketState::Waiting, TicketState::Serving, TicketState::NoShow, TicketState::Cancelled] {
            assert_eq!(FeedbackState::of(state, Some(day(0)), None, day(0)), FeedbackState::Closed, "{state:?}");
        }
    }
}
