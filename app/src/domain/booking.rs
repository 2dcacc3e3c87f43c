//! Which service dates a booking may land on. Citizens either take a number for
//! today, or book a date; a date that is closed or full rolls over to the next
//! working day with room, within the service's booking horizon. Claiming a place
//! on a date (the quota check) is the store's job, done atomically; this module
//! decides the order in which dates are tried and explains the outcome.

use chrono::{Days, NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};

use super::calendar::{ClosedReason, DayStatus, WorkingCalendar};
use super::identity::{Email, FullName, Nik, PhoneNumber};
use super::priority::PriorityCategory;
use super::ticket::Channel;

/// Tickets per service per day unless an admin sets another number.
pub const DEFAULT_DAILY_QUOTA: u32 = 200;
/// How many days ahead a date may be booked unless an admin sets another number.
pub const DEFAULT_HORIZON_DAYS: u32 = 30;

/// Minutes after a cancellation before its place goes back to the day's quota,
/// unless an admin sets another number: long enough that a bot watching for
/// free places does not get it first, short enough that the office's
/// citizens do.
pub const DEFAULT_RELEASE_DELAY_MINUTES: u32 = 10;

/// How many numbers one verified phone may hold, so that a calo cannot take a
/// day's quota with one phone and made-up NIKs. One per service and day is a
/// rule; the other two are office settings. Numbers issued by staff or a kiosk
/// are not counted: they carry the account that issued them instead.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PhoneCaps {
    /// Active numbers at one office on one day, over all its services.
    pub per_office_day: u32,
    /// Upcoming active numbers at every office together.
    pub upcoming: u32,
}

impl Default for PhoneCaps {
    fn default() -> Self {
        Self { per_office_day: 2, upcoming: 5 }
    }
}

/// The active numbers a phone already holds, counted for one booking.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PhoneHoldings {
    /// For the service and date being booked.
    pub service_day: u32,
    /// At the office on the date being booked.
    pub office_day: u32,
    /// From today on, at any office.
    pub upcoming: u32,
}

impl PhoneCaps {
    /// Whether one more number fits; the refusal names the cap that does not.
    pub fn admit(self, held: PhoneHoldings) -> Result<(), BookingRefusal> {
        if held.service_day >= 1 {
            Err(BookingRefusal::PhoneHasServiceDay)
        } else if held.office_day >= self.per_office_day {
            Err(BookingRefusal::PhoneOfficeDayFull { most: self.per_office_day })
        } else if held.upcoming >= self.upcoming {
            Err(BookingRefusal::PhoneUpcomingFull { most: self.upcoming })
        } else {
            Ok(())
        }
    }
}

/// Numbers one kiosk may print in a minute: a person takes one in several
/// seconds (choosing, confirming, printing), so more is someone pressing for
/// a stack of them to sell. Staff desks are not held to it: their numbers
/// name the account and are audited.
pub const KIOSK_TICKETS_PER_MINUTE: u32 = 6;

/// Whether a kiosk that printed `printed_last_minute` numbers may print one more.
pub fn kiosk_may_print(printed_last_minute: u32) -> bool {
    printed_last_minute < KIOSK_TICKETS_PER_MINUTE
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum BookingRequest {
    /// A number for today, while the office is open.
    Today,
    /// A place on a chosen date (rolls over when that date has no room).
    Date(NaiveDate),
}

impl BookingRequest {
    pub fn requested_date(self, today: NaiveDate) -> NaiveDate {
        match self {
            Self::Today => today,
            Self::Date(date) => date,
        }
    }
}

/// Why no ticket could be given.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum BookingRefusal {
    /// "Take a number for today" outside opening hours or on a closed day.
    OfficeClosedNow,
    /// Today's quota is used up; the citizen may book a later date instead.
    TodayFull,
    DateInPast,
    DateBeyondHorizon {
        last_bookable: NaiveDate,
    },
    /// Every working day from the requested one to the horizon is full.
    NoRoomWithinHorizon {
        last_bookable: NaiveDate,
    },
    /// The NIK already holds an active number for this service and day under
    /// another phone. Nothing of that ticket is told: whoever typed the NIK may
    /// not be its owner.
    NikHeldElsewhere,
    /// The phone already holds a number for this service and day.
    PhoneHasServiceDay,
    /// The phone holds the most numbers allowed at this office on that day.
    PhoneOfficeDayFull {
        most: u32,
    },
    /// The phone holds the most upcoming numbers allowed in all.
    PhoneUpcomingFull {
        most: u32,
    },
    /// The service takes walk-ins only: its numbers are taken at the office.
    WalkInOnly,
    /// The service is booked online only: the kiosk does not issue it.
    OnlineOnly,
    /// The office does not serve this category first, or not through this
    /// channel (a priority declared online where the office does not allow it).
    PriorityNotOffered,
}

/// Why the ticket's date differs from the requested one, shown to the citizen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum RolloverReason {
    RequestedDayFull,
    RequestedDayClosed(ClosedReason),
    /// The requested day is today, but the office has already closed.
    RequestedDayOver,
}

/// The moment a booking is made, in the office's local time, and how far ahead it may reach.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BookingWindow {
    pub now: NaiveDateTime,
    pub horizon_days: u32,
}

impl BookingWindow {
    pub fn today(&self) -> NaiveDate {
        self.now.date()
    }

    pub fn last_bookable(&self) -> NaiveDate {
        self.today().checked_add_days(Days::new(self.horizon_days.into())).unwrap_or(NaiveDate::MAX)
    }

    /// Today still takes tickets only while the office is open.
    fn today_is_open(&self, calendar: &WorkingCalendar) -> bool {
        match calendar.status(self.today()) {
            DayStatus::Open(hours) => hours.is_open_at(self.now.time()),
            DayStatus::Closed(_) => false,
        }
    }

    /// Today is over for bookings once closing time has passed.
    fn today_is_over(&self, calendar: &WorkingCalendar) -> bool {
        match calendar.status(self.today()) {
            DayStatus::Open(hours) => self.now.time() >= hours.closes,
            DayStatus::Closed(_) => true,
        }
    }
}

/// The dates to try, best first. The store claims a place on the first one with room.
pub fn candidate_dates(
    calendar: &WorkingCalendar,
    window: BookingWindow,
    request: BookingRequest,
) -> Result<Vec<NaiveDate>, BookingRefusal> {
    let today = window.today();
    match request {
        BookingRequest::Today if window.today_is_open(calendar) => Ok(vec![today]),
        BookingRequest::Today => Err(BookingRefusal::OfficeClosedNow),
        BookingRequest::Date(date) if date < today => Err(BookingRefusal::DateInPast),
        BookingRequest::Date(date) if date > window.last_bookable() => {
            Err(BookingRefusal::DateBeyondHorizon { last_bookable: window.last_bookable() })
        }
        BookingRequest::Date(date) => {
            let today_is_over = window.today_is_over(calendar);
            let dates: Vec<_> = calendar
                .working_days(date, window.last_bookable())
                .filter(|day| !(*day == today && today_is_over))
                .collect();
            if dates.is_empty() {
                Err(BookingRefusal::NoRoomWithinHorizon { last_bookable: window.last_bookable() })
            } else {
                Ok(dates)
            }
        }
    }
}

/// The refusal to give when no candidate date had room.
pub fn refusal_when_all_full(window: BookingWindow, request: BookingRequest) -> BookingRefusal {
    match request {
        BookingRequest::Today => BookingRefusal::TodayFull,
        BookingRequest::Date(_) => BookingRefusal::NoRoomWithinHorizon { last_bookable: window.last_bookable() },
    }
}

/// Explains a ticket whose date is not the one asked for; `None` when it is.
pub fn rollover_reason(
    calendar: &WorkingCalendar,
    window: BookingWindow,
    requested: NaiveDate,
    given: NaiveDate,
) -> Option<RolloverReason> {
    if requested == given {
        return None;
    }
    Some(match calendar.status(requested) {
        DayStatus::Closed(reason) => RolloverReason::RequestedDayClosed(reason),
        DayStatus::Open(_) if requested == window.today() && window.today_is_over(calendar) => {
            RolloverReason::RequestedDayOver
        }
        DayStatus::Open(_) => RolloverReason::RequestedDayFull,
    })
}

/// Who the ticket is for. Walk-in tickets may carry no identity at all.
#[derive(Debug, Clone, Default)]
pub struct Holder {
    pub name: Option<FullName>,
    pub nik: Option<Nik>,
    pub phone: Option<PhoneNumber>,
    pub email: Option<Email>,
    /// The category the holder is served first for, if any.
    pub priority: Option<PriorityCategory>,
}

/// The channel a ticket comes through, and the staff or kiosk account that
/// issued it, if any (the audit log names it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuedBy {
    pub channel: Channel,
    pub account: Option<super::audit::Actor>,
}

impl IssuedBy {
    pub const ONLINE: Self = Self { channel: Channel::Online, account: None };

    pub fn staff(account: super::audit::Actor) -> Self {
        Self { channel: Channel::StaffAssisted, account: Some(account) }
    }

    pub fn staff_id(&self) -> Option<i64> {
        self.account.as_ref().map(|account| account.account_id)
    }
}

/// A ticket as the booking answer describes it.
#[derive(Debug, Clone, PartialEq)]
pub struct Booked {
    pub code: String,
    pub display_number: String,
    pub sequence: u32,
    pub service_date: NaiveDate,
    pub requested_date: NaiveDate,
    pub rollover: Option<RolloverReason>,
    /// True when the holder already had an active ticket and got that one back.
    pub existing: bool,
    /// A new ticket for the office's today, as the booking worked the day out
    /// (from the office it was finally made with): its "almost your turn"
    /// check runs at once.
    pub new_for_today: bool,
}

#[cfg(test)]
mod tests {
    use chrono::NaiveTime;

    use super::*;

    #[test]
    fn a_kiosk_prints_six_numbers_a_minute() {
        assert!(kiosk_may_print(0));
        assert!(kiosk_may_print(5));
        assert!(!kiosk_may_print(6));
    }
    use crate::domain::calendar::{Holiday, OpeningHours, WeeklyHours};

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn at(day: NaiveDate, h: u32, m: u32) -> BookingWindow {
        BookingWindow { now: day.and_time(NaiveTime::from_hms_opt(h, m, 0).unwrap()), horizon_days: 30 }
    }

    fn calendar() -> WorkingCalendar {
        let hours =
            OpeningHours::new(NaiveTime::from_hms_opt(8, 0, 0).unwrap(), NaiveTime::from_hms_opt(15, 0, 0).unwrap())
                .unwrap();
        WorkingCalendar::new(
            WeeklyHours::weekdays(hours),
            [
                ("2026-12-24", "Cuti bersama Natal"),
                ("2026-12-25", "Kelahiran Yesus Kristus"),
                ("2027-01-01", "Tahun Baru 2027 Masehi"),
            ]
            .map(|(d, name)| Holiday { date: d.parse().unwrap(), name: name.into() }),
        )
    }

    #[test]
    fn a_phone_takes_one_number_per_service_and_day_and_up_to_its_caps() {
        let caps = PhoneCaps::default();
        assert_eq!(caps.admit(PhoneHoldings::default()), Ok(()));
        assert_eq!(caps.admit(PhoneHoldings { office_day: 1, upcoming: 4, ..Default::default() }), Ok(()));
        assert_eq!(
            caps.admit(PhoneHoldings { service_day: 1, office_day: 1, upcoming: 1 }),
            Err(BookingRefusal::PhoneHasServiceDay)
        );
        assert_eq!(
            caps.admit(PhoneHoldings { office_day: 2, upcoming: 2, ..Default::default() }),
            Err(BookingRefusal::PhoneOfficeDayFull { most: 2 })
        );
        assert_eq!(
            caps.admit(PhoneHoldings { upcoming: 5, ..Default::default() }),
            Err(BookingRefusal::PhoneUpcomingFull { most: 5 })
        );
        let generous = PhoneCaps { per_office_day: 3, upcoming: 10 };
        assert_eq!(generous.admit(PhoneHoldings { office_day: 2, upcoming: 9, ..Default::default() }), Ok(()));
    }

    #[test]
    fn a_number_for_today_is_given_while_the_office_is_open() {
        let monday = date(2026, 11, 23);
        assert_eq!(candidate_dates(&calendar(), at(monday, 10, 0), BookingRequest::Today), Ok(vec![monday]));
    }

    #[test]
    fn a_number_for_today_is_refused_before_opening_and_after_closing() {
        let monday = date(2026, 11, 23);
        for (h, m) in [(7, 59), (15, 0), (20, 0)] {
            assert_eq!(
                candidate_dates(&calendar(), at(monday, h, m), BookingRequest::Today),
                Err(BookingRefusal::OfficeClosedNow)
            );
        }
    }

    #[test]
    fn a_number_for_today_is_refused_on_a_saturday() {
        assert_eq!(
            candidate_dates(&calendar(), at(date(2026, 11, 28), 10, 0), BookingRequest::Today),
            Err(BookingRefusal::OfficeClosedNow)
        );
    }

    #[test]
    fn a_date_on_a_weekend_rolls_to_monday() {
        let window = at(date(2026, 11, 23), 10, 0);
        let dates = candidate_dates(&calendar(), window, BookingRequest::Date(date(2026, 11, 28))).unwrap();
        assert_eq!(dates[0], date(2026, 11, 30));
        assert_eq!(
            rollover_reason(&calendar(), window, date(2026, 11, 28), dates[0]),
            Some(RolloverReason::RequestedDayClosed(ClosedReason::ClosedWeekday))
        );
    }

    #[test]
    fn a_date_on_holidays_rolls_past_them_and_the_weekend() {
        let window = at(date(2026, 12, 1), 10, 0);
        let dates = candidate_dates(&calendar(), window, BookingRequest::Date(date(2026, 12, 24))).unwrap();
        assert_eq!(&dates[..2], &[date(2026, 12, 28), date(2026, 12, 29)]);
        assert_eq!(
            rollover_reason(&calendar(), window, date(2026, 12, 24), dates[0]),
            Some(RolloverReason::RequestedDayClosed(ClosedReason::Holiday("Cuti bersama Natal".into())))
        );
    }

    #[test]
    fn a_full_date_rolls_across_the_year_end_past_new_year() {
        let window = at(date(2026, 12, 20), 10, 0);
        let dates = candidate_dates(&calendar(), window, BookingRequest::Date(date(2026, 12, 31))).unwrap();
        // Thursday 31 Dec is open; when it is full the next candidate is Monday 4 January.
        assert_eq!(&dates[..2], &[date(2026, 12, 31), date(2027, 1, 4)]);
        assert_eq!(
            rollover_reason(&calendar(), window, date(2026, 12, 31), date(2027, 1, 4)),
            Some(RolloverReason::RequestedDayFull)
        );
    }

    #[test]
    fn a_full_date_rolls_across_a_month_end() {
        let window = at(date(2026, 11, 23), 10, 0);
        let dates = candidate_dates(&calendar(), window, BookingRequest::Date(date(2026, 11, 30))).unwrap();
        assert_eq!(&dates[..2], &[date(2026, 11, 30), date(2026, 12, 1)]);
    }

    #[test]
    fn candidates_stop_at_the_horizon() {
        let window = at(date(2026, 11, 23), 10, 0);
        let dates = candidate_dates(&calendar(), window, BookingRequest::Date(date(2026, 12, 20))).unwrap();
        assert_eq!(window.last_bookable(), date(2026, 12, 23));
        assert_eq!(dates, vec![date(2026, 12, 21), date(2026, 12, 22), date(2026, 12, 23)]);
    }

    #[test]
    fn a_date_beyond_the_horizon_is_refused() {
        let window = at(date(2026, 11, 23), 10, 0);
        assert_eq!(
            candidate_dates(&calendar(), window, BookingRequest::Date(date(2026, 12, 24))),
            Err(BookingRefusal::DateBeyondHorizon { last_bookable: date(2026, 12, 23) })
        );
    }

    #[test]
    fn a_date_in_the_past_is_refused() {
        let window = at(date(2026, 11, 23), 10, 0);
        assert_eq!(
            candidate_dates(&calendar(), window, BookingRequest::Date(date(2026, 11, 20))),
            Err(BookingRefusal::DateInPast)
        );
    }

    #[test]
    fn when_only_closed_days_remain_before_the_horizon_there_is_no_room() {
        // From Thursday 24 Dec with a 3-day horizon only the 24th to the 27th are reachable: all closed.
        let window = BookingWindow { horizon_days: 3, ..at(date(2026, 12, 24), 9, 0) };
        assert_eq!(
            candidate_dates(&calendar(), window, BookingRequest::Date(date(2026, 12, 24))),
            Err(BookingRefusal::NoRoomWithinHorizon { last_bookable: date(2026, 12, 27) })
        );
    }

    #[test]
    fn booking_today_after_closing_rolls_to_the_next_working_day() {
        let window = at(date(2026, 11, 27), 16, 0);
        let dates = candidate_dates(&calendar(), window, BookingRequest::Date(date(2026, 11, 27))).unwrap();
        assert_eq!(dates[0], date(2026, 11, 30));
        assert_eq!(
            rollover_reason(&calendar(), window, date(2026, 11, 27), dates[0]),
            Some(RolloverReason::RequestedDayOver)
        );
    }

    #[test]
    fn booking_today_before_closing_keeps_today_first() {
        let window = at(date(2026, 11, 27), 7, 0);
        let dates = candidate_dates(&calendar(), window, BookingRequest::Date(date(2026, 11, 27))).unwrap();
        assert_eq!(dates[0], date(2026, 11, 27));
    }

    #[test]
    fn a_ticket_on_the_requested_date_has_no_rollover_reason() {
        let window = at(date(2026, 11, 23), 10, 0);
        assert_eq!(rollover_reason(&calendar(), window, date(2026, 11, 24), date(2026, 11, 24)), None);
    }

    #[test]
    fn when_every_candidate_is_full_today_and_dates_are_refused_differently() {
        let window = at(date(2026, 11, 23), 10, 0);
        assert_eq!(refusal_when_all_full(window, BookingRequest::Today), BookingRefusal::TodayFull);
        assert_eq!(
            refusal_when_all_full(window, BookingRequest::Date(date(2026, 11, 24))),
            BookingRefusal::NoRoomWithinHorizon { last_bookable: date(2026, 12, 23) }
        );
    }
}
