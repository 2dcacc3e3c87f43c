//! The office report: for a period, how many tickets each service issued (by
//! channel), served, lost to no-shows and cancellations, how long citizens
//! waited and how long serving took (the average, the median and the 90th
//! percentile), day by day and counter by counter, and the busiest hours of
//! the week.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, Timelike, Utc};
use serde::{Deserialize, Serialize};

use super::estimate::{replay, spent_newest_first, Recorded, HISTORY};
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
    /// The first call in the office's own time, for the busiest hours.
    pub first_called_local: Option<NaiveDateTime>,
    pub serving_at: Option<DateTime<Utc>>,
    pub done_at: Option<DateTime<Utc>>,
    pub no_show_at: Option<DateTime<Utc>>,
    pub cancelled_at: Option<DateTime<Utc>>,
    pub counter: Option<String>,
    /// Issued for a priority category.
    pub priority: bool,
    /// The rating its holder gave after service (1–5).
    pub rating: Option<u8>,
    /// Given on another day than asked for (the asked one was full or closed).
    pub rolled_over: bool,
}

/// Counts and averages over a set of tickets. Averages are in whole seconds,
/// `None` when no ticket gave one.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tally {
    pub issued: u32,
    pub online: u32,
    pub walk_in: u32,
    pub staff_assisted: u32,
    /// Of the issued, how many for a priority category.
    pub priority: u32,
    pub served: u32,
    pub no_show: u32,
    pub cancelled: u32,
    /// Booked for a day that was full or closed, and given the next one with room.
    pub rolled_over: u32,
    /// Still waiting, called or being served.
    pub open: u32,
    pub average_wait: Option<u32>,
    /// Half the waits were at most this long; nine in ten at most `p90_wait`.
    pub median_wait: Option<u32>,
    pub p90_wait: Option<u32>,
    pub average_service: Option<u32>,
    pub p90_service: Option<u32>,
    /// How far the estimated calls were from the real ones, on average (see
    /// `domain::estimate::replay`).
    pub average_estimate_error: Option<u32>,
    /// Ratings given after service: how many, and their average in tenths (43 = 4.3).
    pub ratings: u32,
    pub average_rating_tenths: Option<u32>,
    #[serde(skip)]
    rating_sum: u32,
    #[serde(skip)]
    waits: Sum,
    #[serde(skip)]
    services: Sum,
    #[serde(skip)]
    estimate_errors: Sum,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Sum {
    seconds: i64,
    count: i64,
    /// Every span, for the percentiles (sorted once the tally is complete).
    spans: Vec<i64>,
}

impl Sum {
    fn add(&mut self, from: DateTime<Utc>, to: DateTime<Utc>) {
        self.add_seconds((to - from).num_seconds());
    }

    fn add_seconds(&mut self, seconds: i64) {
        // A clock set back between two moments would give a negative span; skip it.
        if seconds >= 0 {
            self.seconds += seconds;
            self.count += 1;
            self.spans.push(seconds);
        }
    }

    fn average(&self) -> Option<u32> {
        (self.count > 0).then(|| u32::try_from((self.seconds + self.count / 2) / self.count).unwrap_or(u32::MAX))
    }

    fn percentile(&mut self, percent: u32) -> Option<u32> {
        self.spans.sort_unstable();
        nearest_rank(&self.spans, percent).map(|span| u32::try_from(span).unwrap_or(u32::MAX))
    }
}

/// The `percent`-th percentile of `sorted` by the nearest-rank rule: the
/// smallest value with at least `percent` % of the values at or below it
/// (so the median of 1, 2, 3, 4 is 2). `None` for no values.
pub fn nearest_rank(sorted: &[i64], percent: u32) -> Option<i64> {
    let rank = (sorted.len() * percent as usize).div_ceil(100).max(1);
    sorted.get(rank - 1).copied()
}

impl Tally {
    /// The counts in report order: issued, online, walk-in, staff-assisted,
    /// priority, served, no-show, cancelled, rolled over, open.
    pub fn counts(&self) -> [u32; 10] {
        [
            self.issued,
            self.online,
            self.walk_in,
            self.staff_assisted,
            self.priority,
            self.served,
            self.no_show,
            self.cancelled,
            self.rolled_over,
            self.open,
        ]
    }

    /// The times in report order, in whole seconds: wait (average, median,
    /// 90th percentile), service (average, 90th percentile).
    pub fn times(&self) -> [Option<u32>; 5] {
        [self.average_wait, self.median_wait, self.p90_wait, self.average_service, self.p90_service]
    }

    /// Works out the percentiles once every ticket is counted.
    fn finish(&mut self) {
        self.median_wait = self.waits.percentile(50);
        self.p90_wait = self.waits.percentile(90);
        self.p90_service = self.services.percentile(90);
    }

    fn count(&mut self, ticket: &TicketFacts, estimate_error: Option<i64>) {
        self.issued += 1;
        match ticket.channel {
            Channel::Online => self.online += 1,
            Channel::WalkIn => self.walk_in += 1,
            Channel::StaffAssisted => self.staff_assisted += 1,
        }
        self.priority += u32::from(ticket.priority);
        self.rolled_over += u32::from(ticket.rolled_over);
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
        if let Some(error) = estimate_error {
            self.estimate_errors.add_seconds(error);
        }
        if let Some(rating) = ticket.rating {
            self.ratings += 1;
            self.rating_sum += u32::from(rating);
            self.average_rating_tenths = Some((self.rating_sum * 10 + self.ratings / 2) / self.ratings);
        }
        self.average_wait = self.waits.average();
        self.average_service = self.services.average();
        self.average_estimate_error = self.estimate_errors.average();
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
    /// Numbers called, by weekday (Monday first) and hour of the office's day.
    pub busiest_hours: Vec<[u32; 24]>,
}

/// The report of `tickets`, each service's in queue order day by day;
/// `opening` gives the moment the office opened on a date.
pub fn summarize(tickets: &[TicketFacts], opening: impl Fn(NaiveDate) -> Option<DateTime<Utc>>) -> Report {
    let errors = estimate_errors(tickets, opening);
    let mut services: BTreeMap<String, Tally> = BTreeMap::new();
    let mut days: BTreeMap<NaiveDate, Tally> = BTreeMap::new();
    let mut counters: BTreeMap<String, Tally> = BTreeMap::new();
    let mut total = Tally::default();
    let mut busiest_hours = vec![[0; 24]; 7];
    for (ticket, error) in tickets.iter().zip(errors) {
        if let Some(called) = ticket.first_called_local {
            busiest_hours[called.weekday().num_days_from_monday() as usize][called.hour() as usize] += 1;
        }
        services.entry(ticket.service.clone()).or_default().count(ticket, error);
        days.entry(ticket.service_date).or_default().count(ticket, error);
        if let Some(counter) = &ticket.counter {
            counters.entry(counter.clone()).or_default().count(ticket, error);
        }
        total.count(ticket, error);
    }
    total.finish();
    Report { services: finished(services), days: finished(days), counters: finished(counters), total, busiest_hours }
}

/// The tallies with their percentiles worked out, in key order.
fn finished<K>(tallies: BTreeMap<K, Tally>) -> Vec<(K, Tally)> {
    tallies
        .into_iter()
        .map(|(key, mut tally)| {
            tally.finish();
            (key, tally)
        })
        .collect()
}

/// How far each ticket's estimated call was off: each day of each service
/// replayed, with the service times of the days before it in the period.
fn estimate_errors(tickets: &[TicketFacts], opening: impl Fn(NaiveDate) -> Option<DateTime<Utc>>) -> Vec<Option<i64>> {
    let mut lines: BTreeMap<(&str, NaiveDate), Vec<usize>> = BTreeMap::new();
    for (index, ticket) in tickets.iter().enumerate() {
        lines.entry((ticket.service.as_str(), ticket.service_date)).or_default().push(index);
    }
    let mut errors = vec![None; tickets.len()];
    let mut earlier: BTreeMap<&str, Vec<i64>> = BTreeMap::new();
    for ((service, date), line) in lines {
        let day: Vec<Recorded> = line
            .iter()
            .map(|&index| {
                let ticket = &tickets[index];
                Recorded {
                    issued: ticket.issued_at,
                    first_called: ticket.first_called_at,
                    ended: ticket.done_at.or(ticket.no_show_at),
                    cancelled: ticket.cancelled_at,
                    counter: ticket.counter.clone(),
                }
            })
            .collect();
        let history = earlier.entry(service).or_default();
        if let Some(opens) = opening(date) {
            for (index, error) in line.iter().zip(replay(&day, opens, history)) {
                errors[*index] = error;
            }
        }
        let mut newest = spent_newest_first(&day, DateTime::<Utc>::MAX_UTC);
        newest.extend(history.iter().copied());
        newest.truncate(HISTORY);
        *history = newest;
    }
    errors
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
            first_called_local: None,
            serving_at: None,
            done_at: None,
            no_show_at: None,
            cancelled_at: None,
            counter: None,
            priority: false,
            rating: None,
            rolled_over: false,
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
        let report = summarize(
            &[
                ticket("A", Channel::Online, TicketState::Waiting),
                ticket("A", Channel::Online, TicketState::NoShow),
                ticket("A", Channel::StaffAssisted, TicketState::Cancelled),
                ticket("B", Channel::WalkIn, TicketState::Called),
                served("B", 0, 10, 11, 20, "Loket 2"),
            ],
            |_| None,
        );
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
        let report =
            summarize(&[served("A", 0, 10, 12, 20, "Loket 1"), served("A", 5, 25, 26, 30, "Loket 1")], |_| None);
        // Waits of 10 and 20 minutes, services of 8 and 4 minutes.
        assert_eq!(report.total.average_wait, Some(15 * 60));
        assert_eq!(report.total.average_service, Some(6 * 60));
    }

    #[test]
    fn a_booking_made_days_ahead_has_no_wait_but_still_counts() {
        let booked = TicketFacts { same_day: false, ..served("A", -3 * 24 * 60, 10, 12, 20, "Loket 1") };
        let report = summarize(&[booked], |_| None);
        assert_eq!((report.total.issued, report.total.served), (1, 1));
        assert_eq!(report.total.average_wait, None);
        assert_eq!(report.total.average_service, Some(8 * 60));
    }

    #[test]
    fn days_are_reported_in_date_order() {
        let later = TicketFacts { service_date: date(25), ..ticket("A", Channel::Online, TicketState::Waiting) };
        let report = summarize(&[later, ticket("A", Channel::Online, TicketState::Waiting)], |_| None);
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

    #[test]
    fn the_report_says_how_far_the_estimated_calls_were_off() {
        // Five tickets of ten minutes each at one counter, then a walk-in at
        // minute 50: told "in about five minutes", called at once.
        let mut tickets: Vec<TicketFacts> =
            (0..5).map(|i| served("A", 0, 10 * i, 10 * i, 10 * i + 10, "Loket 1")).collect();
        tickets.push(served("A", 50, 50, 50, 60, "Loket 1"));
        let report = summarize(&tickets, |_| Some(at(0)));
        assert_eq!(report.services[0].1.average_estimate_error, Some(300));
        assert_eq!(report.total.average_estimate_error, Some(300));
        // No opening time known, no replay.
        assert_eq!(summarize(&tickets, |_| None).total.average_estimate_error, None);
    }

    #[test]
    fn ratings_are_counted_and_averaged_per_service_and_counter() {
        let rated = |rating, counter| TicketFacts { rating: Some(rating), ..served("A", 0, 1, 2, 3, counter) };
        let report = summarize(&[rated(5, "Loket 1"), rated(4, "Loket 1"), rated(4, "Loket 2")], |_| None);
        assert_eq!((report.total.ratings, report.total.average_rating_tenths), (3, Some(43)));
        assert_eq!(report.counters[0].1.average_rating_tenths, Some(45));
        assert_eq!(report.counters[1].1.average_rating_tenths, Some(40));
        assert_eq!(Tally::default().average_rating_tenths, None);
    }

    #[test]
    fn percentiles_take_the_nearest_rank() {
        assert_eq!(nearest_rank(&[], 50), None);
        assert_eq!(nearest_rank(&[7], 90), Some(7));
        assert_eq!(nearest_rank(&[1, 2, 3, 4], 50), Some(2));
        let ten: Vec<i64> = (1..=10).collect();
        assert_eq!(
            (nearest_rank(&ten, 50), nearest_rank(&ten, 90), nearest_rank(&ten, 100)),
            (Some(5), Some(9), Some(10))
        );
    }

    /// A seeded period whose figures are known by construction: on each of two
    /// days, ten walk-ins waited 1, 2, … 10 minutes and were served for 2, 4,
    /// … 20 minutes; one booking rolled over; every call at 09:xx on Monday
    /// and Tuesday.
    #[test]
    fn a_seeded_period_gives_the_figures_it_was_built_with() {
        let mut tickets = Vec::new();
        for day in [23, 24] {
            for n in 1..=10 {
                let called = 60 * 24 * i64::from(day - 23) + 10 * n;
                let local = date(day).and_hms_opt(9, u32::try_from(n).unwrap(), 0).unwrap();
                tickets.push(TicketFacts {
                    service_date: date(day),
                    first_called_local: Some(local),
                    ..served("A", called - n, called, called, called + 2 * n, "Loket 1")
                });
            }
        }
        tickets.push(TicketFacts { rolled_over: true, ..ticket("A", Channel::Online, TicketState::Waiting) });
        let report = summarize(&tickets, |_| None);
        let total = &report.total;
        assert_eq!((total.issued, total.served, total.rolled_over), (21, 20, 1));
        // Waits 1..10 minutes twice over: average 5.5, median 5, p90 9 minutes.
        assert_eq!(total.times(), [Some(330), Some(300), Some(540), Some(660), Some(1080)]);
        let day = &report.days[1].1;
        assert_eq!((day.median_wait, day.p90_wait, day.p90_service), (Some(300), Some(540), Some(1080)));
        // Monday and Tuesday, 09:00-10:00: ten calls each.
        assert_eq!((report.busiest_hours[0][9], report.busiest_hours[1][9]), (10, 10));
        assert_eq!(report.busiest_hours.iter().flatten().sum::<u32>(), 20);
    }
}
