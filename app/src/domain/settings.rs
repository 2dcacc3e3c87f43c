//! What an admin sets for an office: its details, weekly opening hours,
//! holidays, services (letter, names, daily quota, booking horizon) and counters.
//! Every value from a settings form is checked here, so the rules hold whichever
//! page or client sends it.

use chrono::{NaiveDate, NaiveTime};
use serde::{Deserialize, Serialize};

use super::calendar::{OfficeZone, OpeningHours, WeeklyHours};
use super::office::ServiceChannels;
use super::priority::PriorityMode;
use super::ticket::ServicePrefix;

/// Why a settings value was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SettingsProblem {
    /// Web addresses of offices: 3–40 lowercase letters, digits and single hyphens.
    SlugShape,
    SlugTaken,
    /// A name or label outside its length limits.
    TextLength {
        min: u8,
        max: u8,
    },
    UnknownZone,
    TimeShape,
    ClosesBeforeOpens,
    PrefixShape,
    PrefixTaken,
    QuotaRange,
    HorizonRange,
    MaxCallsRange,
    RequeueRange,
    PhoneCapRange,
    ReleaseDelayRange,
    ReminderHourRange,
    UnknownChannels,
    UnknownPriorityMode,
    PriorityEveryRange,
    OrdinaryMaxWaitRange,
    /// The walk-ins' reserve is more than the daily quota.
    ReserveAboveQuota,
    DateShape,
    HolidayPast,
    HolidayTaken,
    CounterNameTaken,
    CounterNeedsService,
    /// Calls were made from the counter: it is part of the records and stays.
    CounterInUse,
    /// How long audit entries are kept: see `audit::Retention`.
    RetentionRange,
    /// The office has as many live API keys as it may (`api_key::LIVE_KEYS_PER_OFFICE`).
    TooManyApiKeys,
}

/// Display numbers grow a fourth digit past 999; past this a day would not fit
/// in any office's opening hours anyway.
pub const MAX_DAILY_QUOTA: u32 = 5000;
/// How far ahead citizens may book; a year covers every planning need offices named.
pub const MAX_HORIZON_DAYS: u32 = 365;

/// The hours a new office starts with until its admin sets its own: Monday to
/// Friday, 08:00–15:00.
pub fn starting_hours() -> WeeklyHours {
    let time = |hour| NaiveTime::from_hms_opt(hour, 0, 0).expect("a whole hour is a valid time");
    WeeklyHours::weekdays(OpeningHours { opens: time(8), closes: time(15) })
}

/// An office's web address: 3–40 lowercase letters, digits and single hyphens,
/// starting with a letter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Slug(String);

impl Slug {
    pub const MIN: u8 = 3;
    pub const MAX: u8 = 40;

    pub fn parse(raw: &str) -> Result<Self, SettingsProblem> {
        let slug = raw.trim().to_lowercase();
        let allowed = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-';
        let shaped = (usize::from(Self::MIN)..=usize::from(Self::MAX)).contains(&slug.len())
            && slug.starts_with(|c: char| c.is_ascii_lowercase())
            && !slug.ends_with('-')
            && !slug.contains("--")
            && slug.chars().all(allowed);
        shaped.then_some(Self(slug)).ok_or(SettingsProblem::SlugShape)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A text an admin types (a name, an address, a label) as shown to citizens:
/// trimmed, inner runs of spaces made one, and held to the length limits of
/// its kind (`LOW`..=`HIGH` characters). The forms read `MIN` and `MAX` from
/// the same type the server checks with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Text<const LOW: u8, const HIGH: u8>(String);

impl<const LOW: u8, const HIGH: u8> Text<LOW, HIGH> {
    pub const MIN: u8 = LOW;
    pub const MAX: u8 = HIGH;

    pub fn parse(raw: &str) -> Result<Self, SettingsProblem> {
        let text = raw.split_whitespace().collect::<Vec<_>>().join(" ");
        let length = text.chars().count();
        (usize::from(LOW)..=usize::from(HIGH))
            .contains(&length)
            .then_some(Self(text))
            .ok_or(SettingsProblem::TextLength { min: LOW, max: HIGH })
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl<const LOW: u8, const HIGH: u8> From<Text<LOW, HIGH>> for String {
    fn from(text: Text<LOW, HIGH>) -> Self {
        text.0
    }
}

pub type OfficeName = Text<3, 100>;
/// An office's street address; it may be left empty.
pub type OfficeAddress = Text<0, 200>;
/// The display board's line of announcements; it may be left empty.
pub type BoardAnnouncement = Text<0, 200>;
pub type HolidayName = Text<3, 100>;
/// A service's name, in either language.
pub type ServiceName = Text<3, 80>;
pub type CounterName = Text<2, 40>;

pub fn parse_zone(raw: &str) -> Result<OfficeZone, SettingsProblem> {
    OfficeZone::from_iana_name(raw.trim()).ok_or(SettingsProblem::UnknownZone)
}

/// One weekday's hours from a form: closed, or opening before closing (HH:MM).
pub fn parse_day_hours(open: bool, opens: &str, closes: &str) -> Result<Option<OpeningHours>, SettingsProblem> {
    if !open {
        return Ok(None);
    }
    let time = |value: &str| NaiveTime::parse_from_str(value.trim(), "%H:%M").map_err(|_| SettingsProblem::TimeShape);
    OpeningHours::new(time(opens)?, time(closes)?).map(Some).ok_or(SettingsProblem::ClosesBeforeOpens)
}

pub fn parse_prefix(raw: &str) -> Result<ServicePrefix, SettingsProblem> {
    ServicePrefix::parse(&raw.trim().to_uppercase()).ok_or(SettingsProblem::PrefixShape)
}

fn parse_whole(raw: &str, max: u32, problem: SettingsProblem) -> Result<u32, SettingsProblem> {
    raw.trim().parse::<u32>().ok().filter(|value| *value <= max).ok_or(problem)
}

/// A quota of 0 is allowed: it closes a service to new tickets without hiding it.
pub fn parse_quota(raw: &str) -> Result<u32, SettingsProblem> {
    parse_whole(raw, MAX_DAILY_QUOTA, SettingsProblem::QuotaRange)
}

pub fn parse_horizon(raw: &str) -> Result<u32, SettingsProblem> {
    parse_whole(raw, MAX_HORIZON_DAYS, SettingsProblem::HorizonRange)
}

/// The longest "every k-th call" may be: beyond it a priority line barely moves.
pub const MAX_PRIORITY_EVERY: u32 = 20;
/// The longest an office may let an ordinary ticket wait before it goes first.
pub const MAX_ORDINARY_WAIT_MINUTES: u32 = 480;

/// The priority policy form: the mode ("first" or "every"), its k, and the
/// ordinary tickets' maximum wait.
pub fn parse_priority_mode(mode: &str, every: &str) -> Result<PriorityMode, SettingsProblem> {
    let every = parse_whole(every, MAX_PRIORITY_EVERY, SettingsProblem::PriorityEveryRange).and_then(|k| {
        if k >= 2 {
            Ok(k)
        } else {
            Err(SettingsProblem::PriorityEveryRange)
        }
    })?;
    PriorityMode::parse(mode.trim(), every).ok_or(SettingsProblem::UnknownPriorityMode)
}

pub fn parse_ordinary_max_wait(raw: &str) -> Result<u32, SettingsProblem> {
    parse_whole(raw, MAX_ORDINARY_WAIT_MINUTES, SettingsProblem::OrdinaryMaxWaitRange)
}

pub fn parse_channels(raw: &str) -> Result<ServiceChannels, SettingsProblem> {
    ServiceChannels::parse(raw.trim()).ok_or(SettingsProblem::UnknownChannels)
}

/// The places kept for walk-ins: none when left empty, never more than the quota.
pub fn parse_walk_in_reserve(raw: &str, quota: Option<u32>) -> Result<u32, SettingsProblem> {
    if raw.trim().is_empty() {
        return Ok(0);
    }
    let reserve = parse_whole(raw, MAX_DAILY_QUOTA, SettingsProblem::ReserveAboveQuota)?;
    match quota {
        Some(quota) if reserve > quota => Err(SettingsProblem::ReserveAboveQuota),
        _ => Ok(reserve),
    }
}

/// Calls before a no-show: at least one, and more than five only keeps the hall waiting.
pub const MAX_CALLS: u32 = 5;
/// How far back a returning no-show may be put; past this it is simply the end of the line.
pub const MAX_REQUEUE_AFTER: u32 = 50;

pub fn parse_max_calls(raw: &str) -> Result<u32, SettingsProblem> {
    parse_whole(raw, MAX_CALLS, SettingsProblem::MaxCallsRange).and_then(|calls| match calls {
        0 => Err(SettingsProblem::MaxCallsRange),
        calls => Ok(calls),
    })
}

pub fn parse_requeue_after(raw: &str) -> Result<u32, SettingsProblem> {
    parse_whole(raw, MAX_REQUEUE_AFTER, SettingsProblem::RequeueRange)
}

/// The most numbers one phone may be allowed to hold under either cap: more is
/// what a calo needs, not a family.
pub const MAX_PHONE_CAP: u32 = 20;

/// A phone cap: at least one number, at most `MAX_PHONE_CAP`.
pub fn parse_phone_cap(raw: &str) -> Result<u32, SettingsProblem> {
    parse_whole(raw, MAX_PHONE_CAP, SettingsProblem::PhoneCapRange).and_then(|cap| match cap {
        0 => Err(SettingsProblem::PhoneCapRange),
        cap => Ok(cap),
    })
}

/// The longest a cancelled place may wait before it goes back to the quota: a day.
pub const MAX_RELEASE_DELAY_MINUTES: u32 = 1440;

/// Minutes before a cancelled place goes back to the quota (0: at once).
pub fn parse_release_delay(raw: &str) -> Result<u32, SettingsProblem> {
    parse_whole(raw, MAX_RELEASE_DELAY_MINUTES, SettingsProblem::ReleaseDelayRange)
}

/// The hour (office time, 0–23) the evening reminders go out.
pub fn parse_reminder_hour(raw: &str) -> Result<u32, SettingsProblem> {
    parse_whole(raw, 23, SettingsProblem::ReminderHourRange)
}

/// Holidays are for planning: a past date changes nothing and is refused.
pub fn parse_holiday(raw: &str, today: NaiveDate) -> Result<NaiveDate, SettingsProblem> {
    let date = raw.trim().parse::<NaiveDate>().map_err(|_| SettingsProblem::DateShape)?;
    (date >= today).then_some(date).ok_or(SettingsProblem::HolidayPast)
}

/// A counter serves at least one service, or it could never call anyone.
pub fn check_counter_services(service_ids: &[i64]) -> Result<(), SettingsProblem> {
    (!service_ids.is_empty()).then_some(()).ok_or(SettingsProblem::CounterNeedsService)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_lowercase_words_joined_by_single_hyphens() {
        assert_eq!(Slug::parse(" Kantah-Badung ").map(|s| s.as_str().to_string()), Ok("kantah-badung".into()));
        assert_eq!(Slug::parse("dukcapil-2").map(|s| s.as_str().to_string()), Ok("dukcapil-2".into()));
        for bad in ["ab", "2kantor", "kantah--badung", "kantah-", "kantah badung", "kantah_badung", &"a".repeat(41)] {
            assert_eq!(Slug::parse(bad), Err(SettingsProblem::SlugShape), "{bad}");
        }
    }

    #[test]
    fn texts_are_trimmed_and_held_to_their_length() {
        assert_eq!(CounterName::parse("  Loket   Prioritas ").map(String::from), Ok("Loket Prioritas".into()));
        assert_eq!(CounterName::parse(" A "), Err(SettingsProblem::TextLength { min: 2, max: 40 }));
        assert_eq!(CounterName::parse(&"x".repeat(41)), Err(SettingsProblem::TextLength { min: 2, max: 40 }));
        assert_eq!((OfficeAddress::MIN, OfficeAddress::MAX), (0, 200));
        assert!(OfficeAddress::parse("").is_ok(), "an address may be left empty");
    }

    #[test]
    fn the_walk_in_reserve_is_empty_or_within_the_quota() {
        assert_eq!(parse_walk_in_reserve("", Some(200)), Ok(0));
        assert_eq!(parse_walk_in_reserve(" 50 ", Some(200)), Ok(50));
        assert_eq!(parse_walk_in_reserve("200", Some(200)), Ok(200));
        assert_eq!(parse_walk_in_reserve("201", Some(200)), Err(SettingsProblem::ReserveAboveQuota));
        assert_eq!(parse_walk_in_reserve("-1", Some(200)), Err(SettingsProblem::ReserveAboveQuota));
        assert_eq!(parse_channels("walk_in"), Ok(ServiceChannels::WalkInOnly));
        assert_eq!(parse_channels("kiosk"), Err(SettingsProblem::UnknownChannels));
    }

    #[test]
    fn only_indonesian_zones_are_known() {
        assert_eq!(parse_zone("Asia/Makassar"), Ok(OfficeZone::Wita));
        assert_eq!(parse_zone("Europe/Amsterdam"), Err(SettingsProblem::UnknownZone));
    }

    #[test]
    fn a_day_is_closed_or_opens_before_it_closes() {
        assert_eq!(parse_day_hours(false, "", ""), Ok(None));
        let hours = parse_day_hours(true, "08:00", "15:30").unwrap().unwrap();
        assert_eq!((hours.opens.to_string(), hours.closes.to_string()), ("08:00:00".into(), "15:30:00".into()));
        assert_eq!(parse_day_hours(true, "8 pagi", "15:00"), Err(SettingsProblem::TimeShape));
        assert_eq!(parse_day_hours(true, "15:00", "08:00"), Err(SettingsProblem::ClosesBeforeOpens));
        assert_eq!(parse_day_hours(true, "08:00", "08:00"), Err(SettingsProblem::ClosesBeforeOpens));
    }

    #[test]
    fn a_prefix_is_one_letter_and_is_uppercased() {
        assert_eq!(parse_prefix(" e ").map(|p| p.letter()), Ok('E'));
        for bad in ["", "AB", "1", "É"] {
            assert_eq!(parse_prefix(bad), Err(SettingsProblem::PrefixShape), "{bad}");
        }
    }

    #[test]
    fn quotas_and_horizons_are_whole_numbers_within_their_limits() {
        assert_eq!(parse_quota("0"), Ok(0));
        assert_eq!(parse_quota(" 200 "), Ok(200));
        assert_eq!(parse_quota("5000"), Ok(5000));
        for bad in ["5001", "-1", "12.5", "dua ratus", ""] {
            assert_eq!(parse_quota(bad), Err(SettingsProblem::QuotaRange), "{bad}");
        }
        assert_eq!(parse_horizon("365"), Ok(365));
        assert_eq!(parse_horizon("366"), Err(SettingsProblem::HorizonRange));
    }

    #[test]
    fn calls_before_a_no_show_are_one_to_five_and_requeues_at_most_fifty_back() {
        assert_eq!(parse_max_calls("1"), Ok(1));
        assert_eq!(parse_max_calls("5"), Ok(5));
        assert_eq!(parse_max_calls("0"), Err(SettingsProblem::MaxCallsRange));
        assert_eq!(parse_max_calls("6"), Err(SettingsProblem::MaxCallsRange));
        assert_eq!(parse_release_delay("0"), Ok(0));
        assert_eq!(parse_release_delay("1440"), Ok(1440));
        assert_eq!(parse_release_delay("1441"), Err(SettingsProblem::ReleaseDelayRange));
        assert_eq!(parse_reminder_hour("18"), Ok(18));
        assert_eq!(parse_reminder_hour("24"), Err(SettingsProblem::ReminderHourRange));
        assert_eq!(parse_phone_cap(" 2 "), Ok(2));
        assert_eq!(parse_phone_cap("20"), Ok(20));
        for refused in ["0", "21", "-1", "dua", ""] {
            assert_eq!(parse_phone_cap(refused), Err(SettingsProblem::PhoneCapRange), "{refused}");
        }
        assert_eq!(parse_requeue_after("0"), Ok(0));
        assert_eq!(parse_requeue_after("51"), Err(SettingsProblem::RequeueRange));
    }

    #[test]
    fn holidays_are_dates_from_today_on() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        assert_eq!(parse_holiday("2026-11-23", today), Ok(today));
        assert_eq!(parse_holiday("2026-11-22", today), Err(SettingsProblem::HolidayPast));
        assert_eq!(parse_holiday("23/11/2026", today), Err(SettingsProblem::DateShape));
    }

    #[test]
    fn a_counter_serves_at_least_one_service() {
        assert_eq!(check_counter_services(&[]), Err(SettingsProblem::CounterNeedsService));
        assert_eq!(check_counter_services(&[3]), Ok(()));
    }
}
