//! An office (kantor) and its services (layanan): where it is, when it is
//! open, how it runs its calls, and what each service offers for booking.

use chrono::{DateTime, Utc};

use super::booking::{BookingWindow, PhoneCaps};
use super::calendar::{Holiday, OfficeZone, WeeklyHours, WorkingCalendar};
use super::counter::CallPolicy;
use super::ticket::ServicePrefix;

#[derive(Debug, Clone)]
pub struct Office {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub address: String,
    pub zone: OfficeZone,
    pub calendar: WorkingCalendar,
    pub phone_caps: PhoneCaps,
    /// Minutes after a cancellation before its place is bookable again.
    pub release_delay_minutes: u32,
    /// The hour (office time) of the evening reminders.
    pub reminder_hour: u32,
}

/// What the office details form sets.
#[derive(Debug, Clone)]
pub struct OfficeDetails<'a> {
    pub name: &'a str,
    pub address: &'a str,
    pub zone: OfficeZone,
    pub policy: CallPolicy,
    pub phone_caps: PhoneCaps,
    pub release_delay_minutes: u32,
    pub reminder_hour: u32,
}

#[derive(Debug, Clone)]
pub struct Service {
    pub id: i64,
    pub office_id: i64,
    pub prefix: ServicePrefix,
    pub name_id: String,
    pub name_en: String,
    pub daily_quota: u32,
    pub horizon_days: u32,
}

impl Service {
    pub fn booking_window(&self, office: &Office, now: DateTime<Utc>) -> BookingWindow {
        BookingWindow { now: office.zone.local(now), horizon_days: self.horizon_days }
    }
}

/// What an admin (or the demo seed) gives to create an office.
#[derive(Debug, Clone)]
pub struct NewOffice<'a> {
    pub slug: &'a str,
    pub name: &'a str,
    pub address: &'a str,
    pub zone: OfficeZone,
    pub hours: WeeklyHours,
    pub holidays: &'a [Holiday],
}

/// What an admin (or the demo seed) gives to create a service.
#[derive(Debug, Clone)]
pub struct NewService<'a> {
    pub prefix: ServicePrefix,
    pub name_id: &'a str,
    pub name_en: &'a str,
    pub daily_quota: u32,
    pub horizon_days: u32,
}

/// What a service's settings form changes; the letter is fixed once numbers exist.
#[derive(Debug, Clone)]
pub struct ServiceChange<'a> {
    pub name_id: &'a str,
    pub name_en: &'a str,
    pub daily_quota: u32,
    pub horizon_days: u32,
    pub active: bool,
}
