//! An office (kantor) and its services (layanan): where it is, when it is
//! open, how it runs its calls, and what each service offers for booking.

use chrono::{DateTime, Utc};

use serde::{Deserialize, Serialize};

use super::booking::{BookingRefusal, BookingWindow, PhoneCaps};
use super::calendar::{Holiday, OfficeZone, WeeklyHours, WorkingCalendar};
use super::counter::CallPolicy;
use super::priority::PriorityPolicy;
use super::ticket::{Channel, ServicePrefix};
use super::webhook::WebhookEvent;

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
    /// The line of announcements on the display board; empty for none.
    pub board_announcement: String,
    pub priority: PriorityPolicy,
    /// The services open for tickets (the active ones), in the office's order.
    pub services: Vec<Service>,
    /// The events some live webhook of the office subscribes to.
    pub webhook_events: Vec<WebhookEvent>,
    /// Which edit of all the above this is: the store bumps it at every
    /// change, so a copy of the office can be checked to be current.
    pub settings_version: i64,
}

impl Office {
    /// The open service with the letter `prefix`, as a form names it.
    pub fn service(&self, prefix: &str) -> Option<&Service> {
        let prefix = ServicePrefix::parse(prefix)?;
        self.services.iter().find(|service| service.prefix == prefix)
    }
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
    pub board_announcement: &'a str,
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
    pub channels: ServiceChannels,
    /// Places of the daily quota online booking leaves for walk-ins.
    pub walk_in_reserve: u32,
}

impl Service {
    pub fn booking_window(&self, office: &Office, now: DateTime<Utc>) -> BookingWindow {
        BookingWindow { now: office.zone.local(now), horizon_days: self.horizon_days }
    }

    /// Whether a number of this service may be issued through `channel`.
    pub fn admits(&self, channel: Channel) -> Result<(), BookingRefusal> {
        match (self.channels, channel) {
            (ServiceChannels::WalkInOnly, Channel::Online) => Err(BookingRefusal::WalkInOnly),
            (ServiceChannels::OnlineOnly, Channel::WalkIn) => Err(BookingRefusal::OnlineOnly),
            _ => Ok(()),
        }
    }

    /// The places of a day's quota that `channel` may not take: online
    /// booking stops short of the walk-ins' reserve.
    pub fn places_kept_from(&self, channel: Channel) -> u32 {
        match channel {
            Channel::Online => self.walk_in_reserve.min(self.daily_quota),
            Channel::WalkIn | Channel::StaffAssisted => 0,
        }
    }
}

/// Who takes a service's numbers. Staff may always issue a number at the
/// desk; the kiosk and online booking only where the service allows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum ServiceChannels {
    /// Online, at the kiosk and at the desk.
    #[default]
    All,
    /// At the kiosk and at the desk only: a walk-in service (the kecamatan's
    /// counter without an online queue).
    WalkInOnly,
    /// Booked online (or at the desk for a citizen), not at the kiosk.
    OnlineOnly,
}

impl ServiceChannels {
    pub const ALL: [Self; 3] = [Self::All, Self::WalkInOnly, Self::OnlineOnly];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::All => "all",
            Self::WalkInOnly => "walk_in",
            Self::OnlineOnly => "online",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|channels| channels.as_str() == raw)
    }

    pub fn online(self) -> bool {
        self != Self::WalkInOnly
    }

    pub fn walk_in(self) -> bool {
        self != Self::OnlineOnly
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
    pub channels: ServiceChannels,
    pub walk_in_reserve: u32,
}

/// What a service's settings form changes; the letter is fixed once numbers exist.
#[derive(Debug, Clone)]
pub struct ServiceChange<'a> {
    pub name_id: &'a str,
    pub name_en: &'a str,
    pub daily_quota: u32,
    pub horizon_days: u32,
    pub active: bool,
    pub channels: ServiceChannels,
    pub walk_in_reserve: u32,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn service(channels: ServiceChannels, daily_quota: u32, walk_in_reserve: u32) -> Service {
        Service {
            id: 1,
            office_id: 1,
            prefix: ServicePrefix::parse("A").unwrap(),
            name_id: "Layanan".into(),
            name_en: "Service".into(),
            daily_quota,
            horizon_days: 30,
            channels,
            walk_in_reserve,
        }
    }

    #[test]
    fn a_form_names_an_open_service_by_its_one_capital_letter() {
        let mut second = service(ServiceChannels::All, 200, 0);
        second.prefix = ServicePrefix::parse("B").unwrap();
        let office = Office {
            id: 1,
            slug: "kantor".into(),
            name: "Kantor".into(),
            address: String::new(),
            zone: OfficeZone::from_iana_name("Asia/Makassar").unwrap(),
            calendar: WorkingCalendar::new(WeeklyHours([None; 7]), Vec::new()),
            phone_caps: PhoneCaps { per_office_day: 2, upcoming: 4 },
            release_delay_minutes: 0,
            reminder_hour: 18,
            board_announcement: String::new(),
            priority: PriorityPolicy::default(),
            services: vec![service(ServiceChannels::All, 200, 0), second],
            webhook_events: Vec::new(),
            settings_version: 0,
        };
        assert_eq!(office.service("B").map(|service| service.prefix.letter()), Some('B'));
        for unknown in ["C", "b", "AB", "", " A"] {
            assert!(office.service(unknown).is_none(), "{unknown:?}");
        }
    }

    #[test]
    fn a_walk_in_service_refuses_online_booking_and_an_online_one_the_kiosk() {
        let walk_in = service(ServiceChannels::WalkInOnly, 200, 0);
        assert_eq!(walk_in.admits(Channel::Online), Err(BookingRefusal::WalkInOnly));
        assert_eq!(walk_in.admits(Channel::WalkIn), Ok(()));
        assert_eq!(walk_in.admits(Channel::StaffAssisted), Ok(()));
        let online = service(ServiceChannels::OnlineOnly, 200, 0);
        assert_eq!(online.admits(Channel::WalkIn), Err(BookingRefusal::OnlineOnly));
        assert_eq!(online.admits(Channel::Online), Ok(()));
        assert_eq!(online.admits(Channel::StaffAssisted), Ok(()), "staff book for a citizen who cannot");
        for channel in [Channel::Online, Channel::WalkIn, Channel::StaffAssisted] {
            assert_eq!(service(ServiceChannels::All, 200, 0).admits(channel), Ok(()));
        }
    }

    #[test]
    fn online_booking_leaves_the_walk_in_reserve() {
        let shared = service(ServiceChannels::All, 200, 50);
        assert_eq!(shared.places_kept_from(Channel::Online), 50);
        assert_eq!(shared.places_kept_from(Channel::WalkIn), 0);
        assert_eq!(shared.places_kept_from(Channel::StaffAssisted), 0);
        assert_eq!(service(ServiceChannels::All, 20, 50).places_kept_from(Channel::Online), 20);
    }

    #[test]
    fn channels_are_stored_by_name() {
        for channels in ServiceChannels::ALL {
            assert_eq!(ServiceChannels::parse(channels.as_str()), Some(channels));
        }
        assert_eq!(ServiceChannels::parse("kiosk"), None);
    }
}
