//! The working-day calendar of an office: opening hours per weekday, holidays
//! (national holidays, joint leave days and the office's own closures) and the
//! office's time zone. A day is a working day when it has opening hours and is
//! not a holiday.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use serde::{Deserialize, Serialize};

/// Indonesia's three time zones. None observes daylight saving, so a fixed offset
/// is exact and the WASM bundle needs no time-zone database.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum OfficeZone {
    /// Waktu Indonesia Barat, UTC+7 (Sumatra, Java, West and Central Kalimantan).
    Wib,
    /// Waktu Indonesia Tengah, UTC+8 (Bali, Nusa Tenggara, Sulawesi, East Kalimantan).
    Wita,
    /// Waktu Indonesia Timur, UTC+9 (Maluku, Papua).
    Wit,
}

impl OfficeZone {
    pub fn iana_name(self) -> &'static str {
        match self {
            Self::Wib => "Asia/Jakarta",
            Self::Wita => "Asia/Makassar",
            Self::Wit => "Asia/Jayapura",
        }
    }

    pub fn from_iana_name(name: &str) -> Option<Self> {
        [Self::Wib, Self::Wita, Self::Wit].into_iter().find(|zone| zone.iana_name() == name)
    }

    pub fn abbreviation(self) -> &'static str {
        match self {
            Self::Wib => "WIB",
            Self::Wita => "WITA",
            Self::Wit => "WIT",
        }
    }

    fn offset(self) -> FixedOffset {
        let hours = match self {
            Self::Wib => 7,
            Self::Wita => 8,
            Self::Wit => 9,
        };
        FixedOffset::east_opt(hours * 3600).expect("UTC+7..9 is a valid offset")
    }

    /// The time on the office's clocks at `instant`, as a board shows it
    /// ("10:07:05"), whatever the zone of the device showing it.
    pub fn clock(self, instant: DateTime<Utc>) -> String {
        use chrono::Timelike;
        let local = self.local(instant);
        format!("{:02}:{:02}:{:02}", local.hour(), local.minute(), local.second())
    }

    /// The office's wall-clock date and time at the given instant.
    pub fn local(self, instant: DateTime<Utc>) -> NaiveDateTime {
        instant.with_timezone(&self.offset()).naive_local()
    }

    /// The instant the office's clocks show `local`.
    pub fn instant(self, local: NaiveDateTime) -> DateTime<Utc> {
        // At the very ends of the calendar (a date typed into a filter) the
        // offset would leave chrono's range: the instant is then its end.
        let end = if local.year() < 0 { NaiveDateTime::MIN } else { NaiveDateTime::MAX };
        local.checked_sub_offset(self.offset()).unwrap_or(end).and_utc()
    }
}

/// Opening and closing time of one weekday; tickets for today are issued only in between.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpeningHours {
    pub opens: NaiveTime,
    pub closes: NaiveTime,
}

impl OpeningHours {
    pub fn new(opens: NaiveTime, closes: NaiveTime) -> Option<Self> {
        (opens < closes).then_some(Self { opens, closes })
    }

    pub fn is_open_at(&self, time: NaiveTime) -> bool {
        self.opens <= time && time < self.closes
    }
}

/// Opening hours indexed by weekday, Monday first; `None` is a closed weekday.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct WeeklyHours(pub [Option<OpeningHours>; 7]);

impl WeeklyHours {
    /// Monday to Friday with the same hours, closed at the weekend: the usual
    /// schedule of a government office.
    pub fn weekdays(hours: OpeningHours) -> Self {
        let mut days = [None; 7];
        days[..5].fill(Some(hours));
        Self(days)
    }

    pub fn on(&self, date: NaiveDate) -> Option<OpeningHours> {
        self.0[date.weekday().num_days_from_monday() as usize]
    }
}

/// Why no tickets are given for a day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ClosedReason {
    /// The office has no hours on that weekday (usually Saturday or Sunday).
    ClosedWeekday,
    Holiday(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DayStatus {
    Open(OpeningHours),
    Closed(ClosedReason),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Holiday {
    pub date: NaiveDate,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkingCalendar {
    hours: WeeklyHours,
    holidays: BTreeMap<NaiveDate, String>,
}

impl WorkingCalendar {
    pub fn new(hours: WeeklyHours, holidays: impl IntoIterator<Item = Holiday>) -> Self {
        let holidays = holidays.into_iter().map(|h| (h.date, h.name)).collect();
        Self { hours, holidays }
    }

    pub fn status(&self, date: NaiveDate) -> DayStatus {
        if let Some(name) = self.holidays.get(&date) {
            return DayStatus::Closed(ClosedReason::Holiday(name.clone()));
        }
        match self.hours.on(date) {
            Some(hours) => DayStatus::Open(hours),
            None => DayStatus::Closed(ClosedReason::ClosedWeekday),
        }
    }

    pub fn hours(&self) -> &WeeklyHours {
        &self.hours
    }

    pub fn is_working_day(&self, date: NaiveDate) -> bool {
        matches!(self.status(date), DayStatus::Open(_))
    }

    /// Working days from `from` to `until`, both included, in order.
    pub fn working_days(&self, from: NaiveDate, until: NaiveDate) -> impl Iterator<Item = NaiveDate> + '_ {
        from.iter_days().take_while(move |day| *day <= until).filter(|day| self.is_working_day(*day))
    }
}

/// Libur nasional and cuti bersama 2026 (SKB 3 Menteri No. 1497/2/5 Tahun 2025),
/// plus New Year 2027, which falls inside a December booking horizon.
pub const NATIONAL_HOLIDAYS: &[(&str, &str)] = &[
    ("2026-01-01", "Tahun Baru 2026 Masehi"),
    ("2026-01-16", "Isra Mikraj Nabi Muhammad SAW"),
    ("2026-02-16", "Cuti bersama Tahun Baru Imlek"),
    ("2026-02-17", "Tahun Baru Imlek 2577 Kongzili"),
    ("2026-03-18", "Cuti bersama Hari Suci Nyepi"),
    ("2026-03-19", "Hari Suci Nyepi Tahun Baru Saka 1948"),
    ("2026-03-20", "Cuti bersama Idul Fitri 1447 H"),
    ("2026-03-21", "Idul Fitri 1447 H"),
    ("2026-03-22", "Idul Fitri 1447 H"),
    ("2026-03-23", "Cuti bersama Idul Fitri 1447 H"),
    ("2026-03-24", "Cuti bersama Idul Fitri 1447 H"),
    ("2026-04-03", "Wafat Yesus Kristus"),
    ("2026-04-05", "Kebangkitan Yesus Kristus (Paskah)"),
    ("2026-05-01", "Hari Buruh Internasional"),
    ("2026-05-14", "Kenaikan Yesus Kristus"),
    ("2026-05-15", "Cuti bersama Kenaikan Yesus Kristus"),
    ("2026-05-27", "Idul Adha 1447 H"),
    ("2026-05-28", "Cuti bersama Idul Adha 1447 H"),
    ("2026-05-31", "Hari Raya Waisak 2570 BE"),
    ("2026-06-01", "Hari Lahir Pancasila"),
    ("2026-06-16", "Tahun Baru Islam 1448 H"),
    ("2026-08-17", "Proklamasi Kemerdekaan Republik Indonesia"),
    ("2026-08-25", "Maulid Nabi Muhammad SAW"),
    ("2026-12-24", "Cuti bersama Kelahiran Yesus Kristus"),
    ("2026-12-25", "Kelahiran Yesus Kristus"),
    ("2027-01-01", "Tahun Baru 2027 Masehi"),
];

/// The national holidays every office starts with; an admin adds the office's
/// own closures and next year's list.
pub fn national_holidays() -> Vec<Holiday> {
    NATIONAL_HOLIDAYS
        .iter()
        .filter_map(|(date, name)| Some(Holiday { date: date.parse().ok()?, name: (*name).to_string() }))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn a_board_shows_the_office_time_whatever_the_device_zone() {
        // 02:07:05 UTC is 10:07:05 in Denpasar, 09:07:05 in Jakarta, 11:07:05 in Jayapura.
        let instant = DateTime::parse_from_rfc3339("2026-12-02T02:07:05Z").unwrap().with_timezone(&Utc);
        assert_eq!(OfficeZone::Wita.clock(instant), "10:07:05");
        assert_eq!(OfficeZone::Wib.clock(instant), "09:07:05");
        assert_eq!(OfficeZone::Wit.clock(instant), "11:07:05");
        // Past midnight UTC-wise it is still the office's evening.
        let late = DateTime::parse_from_rfc3339("2026-12-02T15:59:59Z").unwrap().with_timezone(&Utc);
        assert_eq!(OfficeZone::Wita.clock(late), "23:59:59");
    }

    fn office_calendar() -> WorkingCalendar {
        let hours =
            OpeningHours::new(NaiveTime::from_hms_opt(8, 0, 0).unwrap(), NaiveTime::from_hms_opt(15, 0, 0).unwrap())
                .unwrap();
        WorkingCalendar::new(
            WeeklyHours::weekdays(hours),
            [Holiday { date: date(2026, 12, 25), name: "Kelahiran Yesus Kristus".into() }],
        )
    }

    #[test]
    fn saturday_and_sunday_are_closed_weekdays() {
        let calendar = office_calendar();
        assert_eq!(calendar.status(date(2026, 11, 28)), DayStatus::Closed(ClosedReason::ClosedWeekday));
        assert_eq!(calendar.status(date(2026, 11, 29)), DayStatus::Closed(ClosedReason::ClosedWeekday));
    }

    #[test]
    fn a_holiday_on_a_weekday_is_closed_and_named() {
        assert_eq!(
            office_calendar().status(date(2026, 12, 25)),
            DayStatus::Closed(ClosedReason::Holiday("Kelahiran Yesus Kristus".into()))
        );
    }

    #[test]
    fn working_days_skip_weekends_and_holidays() {
        let days: Vec<_> = office_calendar().working_days(date(2026, 12, 24), date(2026, 12, 29)).collect();
        assert_eq!(days, vec![date(2026, 12, 24), date(2026, 12, 28), date(2026, 12, 29)]);
    }

    #[test]
    fn the_office_is_open_from_opening_time_until_just_before_closing() {
        let hours =
            OpeningHours::new(NaiveTime::from_hms_opt(8, 0, 0).unwrap(), NaiveTime::from_hms_opt(15, 0, 0).unwrap())
                .unwrap();
        assert!(!hours.is_open_at(NaiveTime::from_hms_opt(7, 59, 59).unwrap()));
        assert!(hours.is_open_at(NaiveTime::from_hms_opt(8, 0, 0).unwrap()));
        assert!(!hours.is_open_at(NaiveTime::from_hms_opt(15, 0, 0).unwrap()));
    }

    #[test]
    fn opening_hours_that_close_before_they_open_are_refused() {
        assert!(OpeningHours::new(
            NaiveTime::from_hms_opt(15, 0, 0).unwrap(),
            NaiveTime::from_hms_opt(8, 0, 0).unwrap()
        )
        .is_none());
    }

    #[test]
    fn the_first_and_last_days_chrono_knows_have_an_instant() {
        for zone in [OfficeZone::Wib, OfficeZone::Wita, OfficeZone::Wit] {
            let first = NaiveDate::MIN.and_time(NaiveTime::MIN);
            assert_eq!(zone.instant(first), NaiveDateTime::MIN.and_utc());
            let last = NaiveDate::MAX.and_hms_opt(23, 59, 59).unwrap();
            assert!(zone.instant(last) <= NaiveDateTime::MAX.and_utc());
        }
    }

    #[test]
    fn local_time_follows_the_office_zone() {
        let instant = DateTime::parse_from_rfc3339("2026-11-23T17:30:00Z").unwrap().with_timezone(&Utc);
        assert_eq!(OfficeZone::Wib.local(instant).date(), date(2026, 11, 24));
        assert_eq!(OfficeZone::Wita.local(instant).time(), NaiveTime::from_hms_opt(1, 30, 0).unwrap());
        assert_eq!(OfficeZone::from_iana_name("Asia/Jayapura"), Some(OfficeZone::Wit));
    }

    #[test]
    fn every_national_holiday_date_parses() {
        assert_eq!(national_holidays().len(), NATIONAL_HOLIDAYS.len());
        assert!(national_holidays().iter().all(|h| h.date >= NaiveDate::from_ymd_opt(2026, 1, 1).unwrap()));
    }
}
