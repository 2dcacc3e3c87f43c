//! The office report: for a period, how many tickets each service issued (by
//! channel), served, lost to no-shows and cancellations, how long citizens
//! waited and how long serving took, day by day and counter by counter.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::ticket::{Channel, TicketState};

/// The longest period one report covers: a quarter.
pub const MAX_REPORT_DAYS: i64 = 92;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum PeriodProblem {
    EndBeforeStart,
    TooLong,
}

/// A period of service dates, both ends included.
pub fn check_period(from: NaiveDate, until: NaiveDate) -> Result<(NaiveDate, NaiveDate), PeriodProblem> {
    if until < from {
        Err(PeriodProblem::EndBeforeStart)
    } else if (until - from).num_days() >= MAX_REPORT_DAYS {
        Err(PeriodProblem::TooLong)
    } else {
        Ok((from, until))
    }
}

/// Seconds as whole minutes, rounded to the nearest.
pub fn whole_minutes(seconds: u32) -> u32 {
    (seconds + 30) / 60
}

/// What the report needs of one ticket.
#[derive(Debug, Clone, PartialEq)]
pub struct TicketFacts {
    pub service: String,
    pub service_date: NaiveDate,
    pub channel: Channel,
    pub state: TicketState,
    /// Issued on the day it was for (walk-ins, numbers for today). Only these
    /// have a wait worth measuring: a booking made last week did not wait a week.
    pub same_day: bool,
    pub issued_at: DateTime<Utc>,
    pub first_called_at: Option<DateTime<Utc>>,
    pub serving_at: Option<DateTime<Utc>>,
    pub done_at: Option<DateTime<Utc>>,
    pub counter: Option<String>,
}

/// Counts and averages over a set of tickets. Averages are in whole seconds,
/// `None` when no ticket gave one.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tally {
    pub issued: u32,
    pub online: u32,
    pub walk_in: u32,
    pub staff_assisted: u32,
    pub served: u32,
    pub no_show: u32,
    pub cancelled: u32,
    /// Still waiting, called or being served.
    pub open: u32,
    pub average_wait: Option<u32>,
    pub average_service: Option<u32>,
    #[serde(skip)]
    waits: Sum,
    #[serde(skip)]
    services: Sum,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Sum {
    seconds: i64,
    count: i64,
}

impl Sum {
    fn add(&mut self, from: DateTime<Utc>, to: DateTime<Utc>) {
        // A clock set back between two moments would give a negative span; skip it.
        let seconds = (to - from).num_seconds();
        if seconds >= 0 {
            self.seconds += seconds;
            self.count += 1;
        }
    }

    fn average(self) -> Option<u32> {
        (self.count > 0).then(|| u32::try_from((self.seconds + self.count / 2) / self.count).unwrap_or(u32::MAX))
    }
}

impl Tally {
    /// The counts in report order: issued, online, walk-in, staff-assisted,
    /// served, no-show, cancelled, open.
    pub fn counts(&self) -> [u32; 8] {
        [
            self.issued,
            self.online,
            self.walk_in,
            self.staff_assisted,
            self.served,
            self.no_show,
            self.cancelled,
            self.open,
        ]
    }

    fn count(&mut self, ticket: &TicketFacts) {
        self.issued += 1;
        match ticket.channel {
            Channel::Online => self.online += 1,
            Channel::WalkIn => self.walk_in += 1,
            Channel::StaffAssisted => self.staff_assisted += 1,
        }
        match ticket.state {
            TicketState::Done => self.served += 1,
            TicketState::NoShow => self.no_show += 1,
            TicketState::Cancelled => self.cancelled += 1,
            TicketState::Waiting | TicketState::Called | TicketState::Serving => self.open += 1,
        }
        if let (true, Some(called)) = (ticket.same_day, ticket.first_called_at) {
            self.waits.add(ticket.issued_at, called);
        }
        if let (TicketState::Done, Some(start), Some(end)) = (ticket.state, ticket.serving_at, ticket.done_at) {
            self.services.add(start, end);
        }
        self.average_wait = self.waits.average();
        self.average_service = self.services.average();
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Report {
    /// By service letter, in letter order.
    pub services: Vec<(String, Tally)>,
    /// By service date, in date order.
    pub days: Vec<(NaiveDate, Tally)>,
    /// By the counter that called the ticket, in name order.
    pub counters: Vec<(String, Tally)>,
    pub total: Tally,
}

pub fn summarize(tickets: &[TicketFacts]) -> Report {
    let mut services: BTreeMap<String, Tally> = BTreeMap::new();
    let mut days: BTreeMap<NaiveDate, Tally> = BTreeMap::new();
    let mut counters: BTreeMap<String, Tally> = BTreeMap::new();
    let mut total = Tally::default();
    for ticket in tickets {
        services.entry(ticket.service.clone()).or_default().count(ticket);
        days.entry(ticket.service_date).or_default().count(ticket);
        if let Some(counter) = &ticket.counter {
            counters.entry(counter.clone()).or_default().count(ticket);
        }
        total.count(ticket);
    }
    Report {
        services: services.into_iter().collect(),
        days: days.into_iter().collect(),
        counters: counters.into_iter().collect(),
        total,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(minute: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_795_000_000 + minute * 60, 0).unwrap()
    }

    fn date(day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, day).unwrap()
    }

    fn ticket(service: &str, channel: Channel, state: TicketState) -> TicketFacts {
        TicketFacts {
            service: service.into(),
            service_date: date(23),
            channel,
            state,
            same_day: true,
            issued_at: at(0),
            first_called_at: None,
            serving_at: None,
            done_at: None,
            counter: None,
        }
    }

    fn served(service: &str, issued: i64, called: i64, start: i64, end: i64, counter: &str) -> TicketFacts {
        TicketFacts {
            issued_at: at(issued),
            first_called_at: Some(at(called)),
            serving_at: Some(at(start)),
            done_at: Some(at(end)),
            counter: Some(counter.into()),
            ..ticket(service, Channel::WalkIn, TicketState::Done)
        }
    }

    #[test]
    fn tickets_are_counted_by_service_channel_and_outcome() {
        let report = summarize(&[
            ticket("A", Channel::Online, TicketState::Waiting),
            ticket("A", Channel::Online, TicketState::NoShow),
            ticket("A", Channel::StaffAssisted, TicketState::Cancelled),
            ticket("B", Channel::WalkIn, TicketState::Called),
            served("B", 0, 10, 11, 20, "Loket 2"),
        ]);
        let (a, b) = (&report.services[0], &report.services[1]);
        assert_eq!((a.0.as_str(), a.1.issued, a.1.online, a.1.staff_assisted), ("A", 3, 2, 1));
        assert_eq!((a.1.no_show, a.1.cancelled, a.1.open, a.1.served), (1, 1, 1, 0));
        assert_eq!((b.0.as_str(), b.1.issued, b.1.walk_in, b.1.served, b.1.open), ("B", 2, 2, 1, 1));
        assert_eq!((report.total.issued, report.total.served), (5, 1));
        let counters: Vec<_> = report.counters.iter().map(|(name, tally)| (name.as_str(), tally.served)).collect();
        assert_eq!(counters, [("Loket 2", 1)]);
    }

    #[test]
    fn waits_run_from_issue_to_first_call_and_service_from_start_to_end() {
        let report = summarize(&[served("A", 0, 10, 12, 20, "Loket 1"), served("A", 5, 25, 26, 30, "Loket 1")]);
        // Waits of 10 and 20 minutes, services of 8 and 4 minutes.
        assert_eq!(report.total.average_wait, Some(15 * 60));
        assert_eq!(report.total.average_service, Some(6 * 60));
    }

    #[test]
    fn a_booking_made_days_ahead_has_no_wait_but_still_counts() {
        let booked = TicketFacts { same_day: false, ..served("A", -3 * 24 * 60, 10, 12, 20, "Loket 1") };
        let report = summarize(&[booked]);
        assert_eq!((report.total.issued, report.total.served), (1, 1));
        assert_eq!(report.total.average_wait, None);
        assert_eq!(report.total.average_service, Some(8 * 60));
    }

    #[test]
    fn days_are_reported_in_date_order() {
        let later = TicketFacts { service_date: date(25), ..ticket("A", Channel::Online, TicketState::Waiting) };
        let report = summarize(&[later, ticket("A", Channel::Online, TicketState::Waiting)]);
        assert_eq!(report.days.iter().map(|(day, _)| *day).collect::<Vec<_>>(), [date(23), date(25)]);
    }

    #[test]
    fn a_period_runs_forward_and_covers_at_most_a_quarter() {
        assert_eq!(check_period(date(1), date(30)), Ok((date(1), date(30))));
        assert_eq!(check_period(date(2), date(1)), Err(PeriodProblem::EndBeforeStart));
        let start = date(1);
        assert!(check_period(start, start + chrono::Duration::days(91)).is_ok());
        assert_eq!(check_period(start, start + chrono::Duration::days(92)), Err(PeriodProblem::TooLong));
    }
}
