//! The booking transaction against a real SQLite file: quota, rollover,
//! one active ticket per NIK, and a race on the last places of a date.

#![cfg(feature = "ssr")]

use app::domain::booking::{BookingRefusal, BookingRequest, RolloverReason};
use app::domain::calendar::{ClosedReason, Holiday, OfficeZone, OpeningHours, WeeklyHours};
use app::domain::identity::{FullName, Nik};
use app::domain::ticket::{ServicePrefix, TicketAction, TicketState};
use app::store::offices::{self, NewOffice, NewService, Office, Service};
use app::store::tickets::{self, BookError, Holder, IssuedBy};
use app::store::Db;
use chrono::{DateTime, NaiveDate, NaiveTime, Utc};

struct Fixture {
    db: Db,
    office: Office,
    service: Service,
    _dir: tempfile::TempDir,
}

/// Monday 23 November 2026, 10:00 WIB.
fn monday_morning() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-23T10:00:00+07:00").unwrap().with_timezone(&Utc)
}

fn date(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

async fn office_with_quota(quota: u32, horizon_days: u32) -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::open_sqlite(&dir.path().join("test.db")).await.unwrap();
    let hours =
        OpeningHours::new(NaiveTime::from_hms_opt(8, 0, 0).unwrap(), NaiveTime::from_hms_opt(15, 0, 0).unwrap())
            .unwrap();
    let new_office = NewOffice {
        slug: "uji",
        name: "Kantor Uji",
        address: "",
        zone: OfficeZone::Wib,
        hours: WeeklyHours::weekdays(hours),
        holidays: &[],
    };
    let office_id = offices::create(&db, &new_office, monday_morning()).await.unwrap();
    offices::add_holidays(&db, office_id, &[Holiday { date: date("2026-11-25"), name: "Libur Uji".into() }])
        .await
        .unwrap();
    let prefix = ServicePrefix::parse("A").unwrap();
    let new_service = NewService { prefix, name_id: "Layanan", name_en: "Service", daily_quota: quota, horizon_days };
    offices::add_service(&db, office_id, &new_service).await.unwrap();
    let office = offices::find(&db, "uji").await.unwrap().unwrap();
    let service = offices::find_service(&db, office_id, "A").await.unwrap().unwrap();
    Fixture { db, office, service, _dir: dir }
}

fn citizen(serial: u32) -> Holder {
    Holder {
        nik: Some(Nik::parse(&format!("317101120190{serial:04}")).unwrap()),
        name: Some(FullName::parse("Warga Uji").unwrap()),
        ..Holder::default()
    }
}

impl Fixture {
    async fn book(&self, holder: &Holder, request: BookingRequest) -> Result<tickets::Booked, BookError> {
        tickets::book(&self.db, &self.office, &self.service, holder, IssuedBy::ONLINE, request, monday_morning()).await
    }
}

#[tokio::test]
async fn a_full_date_rolls_past_a_holiday_to_the_next_working_day_with_room() {
    let f = office_with_quota(2, 30).await;
    let tuesday = BookingRequest::Date(date("2026-11-24"));
    for serial in 1..=2 {
        assert_eq!(f.book(&citizen(serial), tuesday).await.unwrap().service_date, date("2026-11-24"));
    }
    let third = f.book(&citizen(3), tuesday).await.unwrap();
    assert_eq!(third.service_date, date("2026-11-26"), "Wednesday the 25th is a holiday");
    assert_eq!(third.display_number, "A-001");
    assert_eq!(third.rollover, Some(RolloverReason::RequestedDayFull));
}

#[tokio::test]
async fn a_holiday_request_says_which_holiday() {
    let f = office_with_quota(2, 30).await;
    let booked = f.book(&citizen(1), BookingRequest::Date(date("2026-11-25"))).await.unwrap();
    assert_eq!(booked.service_date, date("2026-11-26"));
    assert_eq!(booked.rollover, Some(RolloverReason::RequestedDayClosed(ClosedReason::Holiday("Libur Uji".into()))));
}

#[tokio::test]
async fn today_full_is_refused_rather_than_moved() {
    let f = office_with_quota(1, 30).await;
    f.book(&citizen(1), BookingRequest::Today).await.unwrap();
    let refused = f.book(&citizen(2), BookingRequest::Today).await.unwrap_err();
    assert!(matches!(refused, BookError::Refused(BookingRefusal::TodayFull)));
}

#[tokio::test]
async fn when_every_day_to_the_horizon_is_full_the_booking_is_refused() {
    // Horizon of 2 days from Monday: Monday (today) and Tuesday; Wednesday is beyond it.
    let f = office_with_quota(1, 2).await;
    f.book(&citizen(1), BookingRequest::Date(date("2026-11-23"))).await.unwrap();
    f.book(&citizen(2), BookingRequest::Date(date("2026-11-23"))).await.unwrap();
    let refused = f.book(&citizen(3), BookingRequest::Date(date("2026-11-23"))).await.unwrap_err();
    assert!(matches!(
        refused,
        BookError::Refused(BookingRefusal::NoRoomWithinHorizon { last_bookable }) if last_bookable == date("2026-11-25")
    ));
}

#[tokio::test]
async fn a_zero_quota_service_takes_no_bookings() {
    let f = office_with_quota(0, 3).await;
    let refused = f.book(&citizen(1), BookingRequest::Date(date("2026-11-24"))).await.unwrap_err();
    assert!(matches!(refused, BookError::Refused(BookingRefusal::NoRoomWithinHorizon { .. })));
}

#[tokio::test]
async fn the_same_nik_gets_its_ticket_back_even_when_its_request_rolled() {
    let f = office_with_quota(1, 30).await;
    f.book(&citizen(1), BookingRequest::Date(date("2026-11-24"))).await.unwrap();
    let rolled = f.book(&citizen(2), BookingRequest::Date(date("2026-11-24"))).await.unwrap();
    let again = f.book(&citizen(2), BookingRequest::Date(date("2026-11-24"))).await.unwrap();
    assert!(again.existing);
    assert_eq!(again.code, rolled.code);
}

#[tokio::test]
async fn a_cancelled_ticket_frees_the_nik_but_not_the_place() {
    let f = office_with_quota(2, 30).await;
    let first = f.book(&citizen(1), BookingRequest::Date(date("2026-11-24"))).await.unwrap();
    tickets::apply(&f.db, &first.code, TicketAction::Cancel, monday_morning()).await.unwrap();
    let second = f.book(&citizen(1), BookingRequest::Date(date("2026-11-24"))).await.unwrap();
    assert!(!second.existing);
    assert_eq!(second.sequence, 2, "sequence numbers are never reused");
}

#[tokio::test]
async fn racing_for_the_last_places_never_overbooks() {
    let f = office_with_quota(5, 30).await;
    let tuesday = BookingRequest::Date(date("2026-11-24"));
    let bookings = (1..=40).map(|serial| {
        let f = &f;
        async move { f.book(&citizen(serial), tuesday).await.unwrap().service_date }
    });
    let dates = futures::future::join_all(bookings).await;
    let on_tuesday = dates.iter().filter(|d| **d == date("2026-11-24")).count();
    assert_eq!(on_tuesday, 5);
    assert_eq!(dates.len(), 40);
}

#[tokio::test]
async fn a_called_ticket_shows_as_now_calling_and_leaves_the_waiting_count() {
    let f = office_with_quota(10, 30).await;
    let first = f.book(&citizen(1), BookingRequest::Today).await.unwrap();
    let second = f.book(&citizen(2), BookingRequest::Today).await.unwrap();
    assert_eq!(tickets::view(&f.db, &second.code).await.unwrap().unwrap().people_ahead, 1);

    let state = tickets::apply(&f.db, &first.code, TicketAction::Call, monday_morning()).await.unwrap();
    assert_eq!(state, TicketState::Called);
    let view = tickets::view(&f.db, &second.code).await.unwrap().unwrap();
    assert_eq!(view.people_ahead, 0);
    assert_eq!(view.now_calling.as_deref(), Some("A-001"));
    let office = offices::queue_view(&f.db, &f.office, monday_morning()).await.unwrap();
    assert_eq!(office.services[0].waiting, 1);
    assert_eq!(office.services[0].now_calling.as_deref(), Some("A-001"));
}

#[tokio::test]
async fn serving_a_waiting_ticket_without_calling_it_is_refused() {
    let f = office_with_quota(10, 30).await;
    let booked = f.book(&citizen(1), BookingRequest::Today).await.unwrap();
    let refused = tickets::apply(&f.db, &booked.code, TicketAction::StartServing, monday_morning()).await;
    assert!(matches!(refused, Err(tickets::ActionError::Transition(_))));
}
