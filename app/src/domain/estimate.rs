//! When a waiting ticket will be called ("kapan saya dipanggil?"), as a range
//! of office time: from the time the counters spent on the service's latest
//! tickets, the counters that call it, and the people ahead. Before the
//! office opens the count starts at the opening time. With too little
//! history the estimate says so instead of guessing.
//!
//! The same model replays a day that has happened (`replay`), so the report
//! can show how far the estimates a day gave were off.

use std::collections::BTreeSet;

use chrono::{DateTime, Duration, NaiveTime, TimeDelta, Timelike, Utc};
use serde::{Deserialize, Serialize};

use super::calendar::OfficeZone;

/// Fewer finished tickets than this and there is no estimate.
pub const MIN_HISTORY: usize = 5;
/// The latest tickets the time per ticket is taken from.
pub const HISTORY: usize = 30;
/// A ticket held at a counter longer than this is a counter left open, not a
/// service time; it is not learnt from.
const LONGEST_SERVICE_SECONDS: i64 = 2 * 3600;
/// Ranges are rounded outward to whole multiples of this many minutes: a
/// citizen plans by the quarter hour, not by the minute.
const ROUND_MINUTES: i64 = 5;
/// The narrowest half-range, in seconds.
const NARROWEST_HALF: f64 = 300.0;
/// Counters that called the service this recently count as calling it, when a
/// past day is replayed (how many were open is not recorded).
const ACTIVE_WINDOW_MINUTES: i64 = 30;

/// The time counters spend on one ticket of a service (call to finish, or to
/// the no-show): its mean and spread, in seconds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ServiceTimes {
    mean: f64,
    spread: f64,
}

impl ServiceTimes {
    /// From the seconds spent on the latest tickets, newest first; `None`
    /// when fewer than `MIN_HISTORY` are usable.
    pub fn from_latest(seconds: impl IntoIterator<Item = i64>) -> Option<Self> {
        let samples: Vec<f64> = seconds
            .into_iter()
            .filter(|s| (1..=LONGEST_SERVICE_SECONDS).contains(s))
            .take(HISTORY)
            .map(|s| s as f64)
            .collect();
        if samples.len() < MIN_HISTORY {
            return None;
        }
        let n = samples.len() as f64;
        let mean = samples.iter().sum::<f64>() / n;
        let variance = samples.iter().map(|s| (s - mean).powi(2)).sum::<f64>() / (n - 1.0);
        Some(Self { mean, spread: variance.sqrt() })
    }
}

/// Where a ticket stands: the moment the count starts (now, or the opening
/// time if the office has not opened yet), the waiting tickets ahead of it,
/// and the counters that call its service.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Place {
    pub start: DateTime<Utc>,
    pub ahead: u32,
    pub counters: u32,
}

impl Place {
    /// The most likely moment of the call: each counter, on average half-way
    /// through its current ticket, takes its share of the people ahead.
    pub fn expected_call(&self, times: &ServiceTimes) -> DateTime<Utc> {
        let counters = f64::from(self.counters.max(1));
        let wait = (f64::from(self.ahead) + 0.5) * times.mean / counters;
        self.start + seconds(wait)
    }

    /// The range the call most likely falls in: the expected moment give or
    /// take the spread of the sum of the service times before it.
    pub fn estimate(&self, times: Option<&ServiceTimes>, zone: OfficeZone) -> CallEstimate {
        let Some(times) = times else { return CallEstimate::TooLittleHistory };
        let expected = self.expected_call(times);
        let counters = f64::from(self.counters.max(1));
        let half = (times.spread * ((f64::from(self.ahead) + 1.0) / counters).sqrt()).max(NARROWEST_HALF);
        let from = (expected - seconds(half)).max(self.start);
        let to = expected + seconds(half);
        CallEstimate::Between { from: round_down(zone.local(from).time()), to: round_up(zone.local(to).time()) }
    }
}

fn seconds(value: f64) -> TimeDelta {
    Duration::seconds(value.round() as i64)
}

fn round_down(time: NaiveTime) -> NaiveTime {
    let minute = i64::from(time.minute()) / ROUND_MINUTES * ROUND_MINUTES;
    NaiveTime::from_hms_opt(time.hour(), minute as u32, 0).unwrap_or(time)
}

fn round_up(time: NaiveTime) -> NaiveTime {
    let down = round_down(time);
    if down == time {
        return time;
    }
    let up = down + Duration::minutes(ROUND_MINUTES);
    // Past midnight the day's last minute stands for it.
    if up < down {
        NaiveTime::from_hms_opt(23, 59, 0).unwrap_or(down)
    } else {
        up
    }
}

/// What a waiting ticket is told about its call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum CallEstimate {
    /// Most likely between these two times of the office's clock.
    Between { from: NaiveTime, to: NaiveTime },
    /// Too few tickets of the service were finished lately to say.
    TooLittleHistory,
}

/// One ticket of a day that has happened, as the replay needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recorded {
    pub issued: DateTime<Utc>,
    pub first_called: Option<DateTime<Utc>>,
    /// Finished, or marked as a no-show.
    pub ended: Option<DateTime<Utc>>,
    pub cancelled: Option<DateTime<Utc>>,
    /// The counter that first called it.
    pub counter: Option<String>,
}

/// Replays one day of one service, its tickets in queue order: for each
/// ticket, how far (in seconds, either way) the expected call it would have
/// been given when it joined the line (at opening, for one booked earlier)
/// was from its actual first call. `None` for a ticket never called, or
/// one that would have had no estimate. `earlier` is the time spent on the
/// service's tickets of the days before, newest first.
pub fn replay(day: &[Recorded], opens: DateTime<Utc>, earlier: &[i64]) -> Vec<Option<i64>> {
    let counters_of_day: BTreeSet<&str> = day.iter().filter_map(|t| t.counter.as_deref()).collect();
    day.iter()
        .enumerate()
        .map(|(place, ticket)| {
            let called = ticket.first_called?;
            let at = ticket.issued.max(opens);
            let ahead = day[..place]
                .iter()
                .filter(|other| other.first_called.is_none_or(|c| c > at) && other.cancelled.is_none_or(|c| c > at))
                .count();
            let times =
                ServiceTimes::from_latest(spent_newest_first(day, at).into_iter().chain(earlier.iter().copied()))?;
            let since = at - Duration::minutes(ACTIVE_WINDOW_MINUTES);
            let active: BTreeSet<&str> = day
                .iter()
                .filter(|t| t.first_called.is_some_and(|c| c > since && c <= at))
                .filter_map(|t| t.counter.as_deref())
                .collect();
            let counters = if active.is_empty() { counters_of_day.len() } else { active.len() };
            let place = Place {
                start: at,
                ahead: u32::try_from(ahead).unwrap_or(u32::MAX),
                counters: u32::try_from(counters).unwrap_or(1),
            };
            Some((place.expected_call(&times) - called).num_seconds().abs())
        })
        .collect()
}

/// The seconds spent on the tickets of `day` that ended by `by`, newest first.
pub fn spent_newest_first(day: &[Recorded], by: DateTime<Utc>) -> Vec<i64> {
    let mut finished: Vec<(DateTime<Utc>, i64)> = day
        .iter()
        .filter_map(|t| Some((t.ended?, (t.ended? - t.first_called?).num_seconds())))
        .filter(|(ended, _)| *ended <= by)
        .collect();
    finished.sort_by_key(|(ended, _)| std::cmp::Reverse(*ended));
    finished.into_iter().map(|(_, seconds)| seconds).collect()
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;

    const ZONE: OfficeZone = OfficeZone::Wib;

    fn at(time: &str) -> DateTime<Utc> {
        let day = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        ZONE.instant(day.and_time(NaiveTime::parse_from_str(time, "%H:%M:%S").unwrap()))
    }

    fn hm(time: &str) -> NaiveTime {
        NaiveTime::parse_from_str(time, "%H:%M").unwrap()
    }

    #[test]
    fn too_little_history_is_said_rather_than_guessed() {
        assert_eq!(ServiceTimes::from_latest([300, 400, 500, 600]), None);
        // Hours at a counter are a counter left open, not a service time.
        assert_eq!(ServiceTimes::from_latest([300, 400, 500, 600, 9 * 3600]), None);
        let place = Place { start: at("10:00:00"), ahead: 3, counters: 1 };
        assert_eq!(place.estimate(None, ZONE), CallEstimate::TooLittleHistory);
    }

    #[test]
    fn the_range_grows_with_the_people_ahead_and_shrinks_with_the_counters() {
        let times = ServiceTimes::from_latest([360, 420, 480, 540, 600, 300]).unwrap();
        let start = at("10:02:00");
        let range = |ahead, counters| match (Place { start, ahead, counters }).estimate(Some(&times), ZONE) {
            CallEstimate::Between { from, to } => (from, to),
            CallEstimate::TooLittleHistory => panic!("history was enough"),
        };
        // 7.5 min per ticket: 10 ahead at one counter is about 79 min away.
        assert_eq!(range(10, 1), (hm("11:10"), hm("11:30")));
        // Three counters share them.
        assert_eq!(range(10, 3), (hm("10:20"), hm("10:35")));
        // The next in line: soon, never before now.
        assert_eq!(range(0, 1), (hm("10:00"), hm("10:15")));
    }

    #[test]
    fn before_opening_the_count_starts_at_the_opening_time() {
        let times = ServiceTimes::from_latest([600; 10]).unwrap();
        let place = Place { start: at("08:00:00"), ahead: 5, counters: 2 };
        assert_eq!(place.expected_call(&times), at("08:27:30"));
    }

    #[test]
    fn a_range_never_runs_past_midnight() {
        assert_eq!(round_up(hm("23:57")), NaiveTime::from_hms_opt(23, 59, 0).unwrap());
        assert_eq!(round_up(hm("10:40")), hm("10:40"));
        assert_eq!(round_down(NaiveTime::from_hms_opt(10, 44, 59).unwrap()), hm("10:40"));
    }

    /// `testdata/recorded_day.csv` (made by `recorded_day.py` next to it): a
    /// day of one service, 96 tickets, two counters and a third for the
    /// morning peak, a lunch break, no-shows and a cancellation.
    fn recorded_day() -> Vec<Recorded> {
        include_str!("testdata/recorded_day.csv")
            .lines()
            .skip(1)
            .map(|line| {
                let cells: Vec<&str> = line.split(',').collect();
                let time = |cell: &str| (!cell.is_empty()).then(|| at(cell));
                Recorded {
                    issued: if cells[1] == "yesterday" { at("07:00:00") - Duration::hours(14) } else { at(cells[1]) },
                    first_called: time(cells[2]),
                    ended: time(cells[3]),
                    counter: (!cells[5].is_empty()).then(|| cells[5].to_string()),
                    cancelled: time(cells[6]),
                }
            })
            .collect()
    }

    /// The target: a citizen told "about 10.40" is called within ten minutes
    /// of it on average, on a day whose waits averaged 21 minutes and reached
    /// 74. (This model: about 4.5 minutes over the 60 tickets it estimates
    /// from the day alone, 7 over all 95 with the day before's history.)
    const TARGET_MEAN_ABSOLUTE_ERROR_SECONDS: i64 = 10 * 60;

    #[test]
    fn a_recorded_day_replayed_is_estimated_within_the_target() {
        let day = recorded_day();
        assert_eq!(day.len(), 96);
        let errors = replay(&day, at("08:00:00"), &[]);
        let estimated: Vec<i64> = errors.iter().flatten().copied().collect();
        // The first tickets of the day have no history: they are not guessed.
        assert!(errors[..MIN_HISTORY].iter().all(Option::is_none));
        assert!(estimated.len() >= 55, "{} of 96 estimated", estimated.len());
        let mean = estimated.iter().sum::<i64>() / estimated.len() as i64;
        println!(
            "mean absolute error {mean} s over {} tickets (target {TARGET_MEAN_ABSOLUTE_ERROR_SECONDS} s)",
            estimated.len()
        );
        assert!(mean <= TARGET_MEAN_ABSOLUTE_ERROR_SECONDS, "mean absolute error {mean} s");
        // With the history of an earlier day, the morning's tickets are estimated too.
        let warm: Vec<i64> = replay(&day, at("08:00:00"), &[420; HISTORY]).into_iter().flatten().collect();
        assert_eq!(warm.len(), 95);
        let mean = warm.iter().sum::<i64>() / warm.len() as i64;
        println!("with yesterday's history: {mean} s over {} tickets", warm.len());
        assert!(mean <= TARGET_MEAN_ABSOLUTE_ERROR_SECONDS, "mean absolute error {mean} s");
    }
}
