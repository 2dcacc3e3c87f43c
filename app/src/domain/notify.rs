//! When a citizen hears from us. A ticket holder is told once when only a few
//! people are ahead of them (time to come back to the hall), and each time
//! their number is called, through every channel they gave us: SMS to their
//! phone, email and push. Each notice is sent at most once per moment, so a
//! retry or a second counter never doubles a message. What the notices say is
//! in the translation table (`i18n::messages`).

use chrono::{DateTime, Days, NaiveDate, NaiveTime, Timelike, Utc};
use serde::{Deserialize, Serialize};

use super::calendar::OfficeZone;
use super::estimate::CallEstimate;
use super::ticket::CancelReason;

/// "Almost your turn" goes out when this many people or fewer are ahead.
pub const NEAR: u32 = 5;

/// Sending stops after this many failed tries; the notice is then marked failed.
pub const MAX_ATTEMPTS: u32 = 5;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Channel {
    Sms,
    Email,
    /// Web push to a browser the holder subscribed.
    Push,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sms => "sms",
            Self::Email => "email",
            Self::Push => "push",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        [Self::Sms, Self::Email, Self::Push].into_iter().find(|c| c.as_str() == value)
    }
}

/// The moment a notice is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Moment {
    /// `ahead` people are ahead (at most `NEAR`), to be called about `estimate`.
    Near { ahead: u32, estimate: CallEstimate },
    /// Called to `counter`; `call` counts the calls (2 and 3 are recalls).
    Called { counter: String, call: u32 },
    /// The evening before the booked `date`: what is booked, and a link that
    /// cancels it in one tap (after a confirmation), and when the call is
    /// likely.
    Reminder { service: String, date: NaiveDate, cancel_link: String, estimate: CallEstimate },
    /// Staff cancelled the ticket, for this reason.
    Cancelled { reason: CancelReason },
    /// The office closed on the booked day `from` (`why`: the holiday) after
    /// the booking: the ticket now stands on `to`, with a new number.
    Moved { from: NaiveDate, to: NaiveDate, why: String },
    /// Served: thanks, and the link to rate the service (on the ticket page).
    Finished,
}

impl Moment {
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Near { .. } => "near",
            Self::Called { .. } => "called",
            Self::Reminder { .. } => "reminder",
            Self::Cancelled { .. } => "cancelled",
            Self::Moved { .. } => "moved",
            Self::Finished => "finished",
        }
    }

    /// Which call a notice belongs to, so each call is told once and "near" once.
    pub fn call_number(&self) -> u32 {
        match self {
            Self::Called { call, .. } => *call,
            _ => 0,
        }
    }
}

/// The evening reminders due now at an office: for tickets of `for_date` taken
/// before `due_at` (one booked after the reminder hour for the next day needs
/// none). Their cancel links stop working when `for_date` ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReminderRound {
    pub for_date: NaiveDate,
    pub due_at: DateTime<Utc>,
    pub links_expire_at: DateTime<Utc>,
}

/// The reminder round at an office whose reminders go out at `hour` office
/// time, if its hour has come today; it lasts until midnight, so a server
/// that was down at the hour still sends them when it is back.
pub fn reminder_round(zone: OfficeZone, hour: u32, now: DateTime<Utc>) -> Option<ReminderRound> {
    let local = zone.local(now);
    if local.hour() < hour {
        return None;
    }
    let today = local.date();
    let for_date = today.checked_add_days(Days::new(1))?;
    let after = for_date.checked_add_days(Days::new(1))?;
    Some(ReminderRound {
        for_date,
        due_at: zone.instant(today.and_time(NaiveTime::from_hms_opt(hour, 0, 0)?)),
        links_expire_at: zone.instant(after.and_time(NaiveTime::MIN)),
    })
}

/// The waiting line of one service, front first: which tickets are now due an
/// "almost your turn" notice. `told[i]` says whether the ticket `i` places from
/// the front was already told; `estimate` gives the call estimate `i` places
/// from the front.
pub fn due_near(told: &[bool], estimate: impl Fn(u32) -> CallEstimate) -> Vec<(usize, Moment)> {
    told.iter()
        .enumerate()
        .take(NEAR as usize + 1)
        .filter(|(_, told)| !**told)
        .map(|(ahead, _)| (ahead, Moment::Near { ahead: ahead as u32, estimate: estimate(ahead as u32) }))
        .collect()
}

/// When to try again after `attempts` failed tries: none once the limit is reached.
pub fn retry_after_seconds(attempts: u32) -> Option<i64> {
    (attempts < MAX_ATTEMPTS).then(|| 30 * (1 << attempts.min(10)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_six_in_line_are_told_once_each() {
        let unknown = |_| CallEstimate::TooLittleHistory;
        let due = due_near(&[true, false, true, false, false, false, false, false], unknown);
        let places: Vec<usize> = due.iter().map(|(ahead, _)| *ahead).collect();
        assert_eq!(places, vec![1, 3, 4, 5]);
        assert_eq!(due[0].1, Moment::Near { ahead: 1, estimate: CallEstimate::TooLittleHistory });
        assert!(due_near(&[true; 6], unknown).is_empty());
        assert!(due_near(&[], unknown).is_empty());
    }

    #[test]
    fn each_call_is_its_own_notice_and_near_is_one() {
        assert_eq!(Moment::Near { ahead: 4, estimate: CallEstimate::TooLittleHistory }.call_number(), 0);
        assert_eq!(Moment::Called { counter: "Loket 3".into(), call: 2 }.call_number(), 2);
        assert_eq!(Moment::Called { counter: "Loket 3".into(), call: 1 }.kind(), "called");
    }

    #[test]
    fn the_reminder_round_starts_at_the_offices_hour_and_covers_the_next_day() {
        let at = |text: &str| DateTime::parse_from_rfc3339(text).unwrap().with_timezone(&Utc);
        // 17:59 WITA on Monday 30 November: not yet.
        assert_eq!(reminder_round(OfficeZone::Wita, 18, at("2026-11-30T09:59:00Z")), None);
        let round = reminder_round(OfficeZone::Wita, 18, at("2026-11-30T10:00:00Z")).unwrap();
        assert_eq!(round.for_date, NaiveDate::from_ymd_opt(2026, 12, 1).unwrap());
        assert_eq!(round.due_at, at("2026-11-30T10:00:00Z"));
        assert_eq!(round.links_expire_at, at("2026-12-01T16:00:00Z"), "midnight WITA after the booked day");
        // Still the same round late in the evening, after a restart.
        assert_eq!(reminder_round(OfficeZone::Wita, 18, at("2026-11-30T15:30:00Z")), Some(round));
    }

    #[test]
    fn failed_sends_back_off_and_then_give_up() {
        assert_eq!(retry_after_seconds(0), Some(30));
        assert_eq!(retry_after_seconds(3), Some(240));
        assert_eq!(retry_after_seconds(MAX_ATTEMPTS), None);
    }
}
