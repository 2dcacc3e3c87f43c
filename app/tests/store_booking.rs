//! The booking transaction against real databases: quota, rollover, one active
//! ticket per NIK, and a race on the last places of a date. Every test runs on a
//! fresh SQLite file (`sqlite::…`) and, when `ANTREAN_TEST_POSTGRES_URL` names a
//! PostgreSQL server (see `scripts/test-postgres`), on a fresh database there
//! (`postgres::…`).

#![cfg(feature = "ssr")]

mod support;

use support::monday_10_wib;

use app::domain::booking::{Booked, Holder, IssuedBy};
use app::domain::booking::{BookingRefusal, BookingRequest, RolloverReason};
use app::domain::calendar::{ClosedReason, Holiday};
use app::domain::identity::{FullName, Nik, PhoneNumber};
use app::domain::office::{Office, Service, ServiceChange, ServiceChannels};
use app::domain::ticket::{CancelReason, Channel, TicketState};
use app::store::offices;
use app::store::tickets::{self, BookError, TicketMove};
use app::store::{Db, Engine};
use chrono::NaiveDate;

struct Fixture {
    db: Db,
    office: Office,
    service: Service,
    place: Place,
}

/// Where a test's database lives, kept for the test's lifetime.
enum Place {
    Sqlite(tempfile::TempDir),
    /// The URL of a database of its own on the test server; the server is thrown
    /// away after the run, and the databases with it.
    Postgres(String),
}

impl Place {
    async fn new(engine: Engine) -> Self {
        match engine {
            Engine::Sqlite => Self::Sqlite(tempfile::tempdir().unwrap()),
            Engine::Postgres => Self::Postgres(support::fresh_postgres_database("store").await),
        }
    }

    async fn open(&self) -> Db {
        match self {
            Self::Sqlite(dir) => Db::open_sqlite(&dir.path().join("test.db")).await.unwrap(),
            Self::Postgres(url) => Db::open_postgres(url).await.unwrap(),
        }
    }
}

/// Each test, once per engine: `sqlite::name` always, `postgres::name` when a
/// PostgreSQL server is given (otherwise it says so and passes).
macro_rules! on_both_engines {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name(app::store::Engine::Sqlite).await
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                #[ignore = "needs PostgreSQL (ANTREAN_TEST_POSTGRES_URL); ./antrean test runs it on a throwaway server"]
                async fn $name() {
                    super::$name(app::store::Engine::Postgres).await
                }
            )*
        }
    };
}

on_both_engines!(
    a_full_date_rolls_past_a_holiday_to_the_next_working_day_with_room,
    a_holiday_request_says_which_holiday,
    today_full_is_refused_rather_than_moved,
    when_every_day_to_the_horizon_is_full_the_booking_is_refused,
    a_zero_quota_service_takes_no_bookings,
    the_same_nik_gets_its_ticket_back_even_when_its_request_rolled,
    a_cancelled_ticket_frees_the_nik_at_once_but_not_its_place,
    racing_for_the_last_places_never_overbooks,
    racing_from_two_server_instances_never_overbooks,
    the_same_nik_racing_itself_gets_one_ticket,
    a_booking_refused_under_its_phones_cap_leaves_no_gap,
    a_called_ticket_shows_as_now_calling_and_leaves_the_waiting_count,
    serving_a_waiting_ticket_without_calling_it_is_refused,
    a_cancelled_place_returns_to_the_quota_after_the_delay_and_its_number_is_never_reused,
    released_places_are_given_once_at_any_concurrency,
    online_booking_leaves_the_walk_in_reserve_to_the_kiosk,
    a_walk_in_service_takes_no_online_booking_and_an_online_one_no_kiosk_number,
    a_waiting_ticket_is_given_a_call_estimate_once_enough_tickets_were_finished,
    instances_starting_at_once_on_an_empty_database_make_one_admin_and_one_set_of_demo_offices,
    changes_made_at_another_instance_hold_for_a_booking_from_a_remembered_office,
    a_booking_that_fails_in_its_batch_fails_no_other_booking_made_with_it,
    one_phone_booking_amid_others_at_two_instances_never_deadlocks_a_batch,
    bookings_rolling_over_at_two_instances_never_deadlock_a_batch,
    numbers_past_999_keep_every_digit,
    one_phones_bookings_at_two_instances_never_pass_its_caps,
);

fn date(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

async fn office_with_quota(engine: Engine, quota: u32, horizon_days: u32) -> Fixture {
    let place = Place::new(engine).await;
    let db = place.open().await;
    let office_id = support::office_with_service(&db, quota, horizon_days).await;
    offices::add_holidays(&db, office_id, &[Holiday { date: date("2026-11-25"), name: "Libur Uji".into() }])
        .await
        .unwrap();
    let office = offices::find(&db, "uji").await.unwrap().unwrap();
    let service = office.service("A").cloned().unwrap();
    Fixture { db, office, service, place }
}

fn citizen(serial: u32) -> Holder {
    Holder {
        nik: Some(Nik::parse(&format!("317101120190{serial:04}")).unwrap()),
        name: Some(FullName::parse("Warga Uji").unwrap()),
        // Online bookings come from a verified phone: each citizen has their own.
        phone: Some(PhoneNumber::parse(&format!("0812{serial:08}")).unwrap()),
        ..Holder::default()
    }
}

impl Fixture {
    /// Sets who takes the service's numbers and the walk-ins' reserve.
    async fn set_channels(&mut self, channels: ServiceChannels, walk_in_reserve: u32) {
        let change = ServiceChange {
            name_id: &self.service.name_id,
            name_en: &self.service.name_en,
            daily_quota: self.service.daily_quota,
            horizon_days: self.service.horizon_days,
            active: true,
            channels,
            walk_in_reserve,
        };
        let admin = app::domain::audit::Actor { account_id: 1, address: "127.0.0.1".into(), at: monday_10_wib() };
        assert!(offices::update_service(&self.db, self.office.id, self.service.id, &change, &admin).await.unwrap());
        // Read again as a booking would: the office's settings changed with it.
        self.office = offices::find(&self.db, "uji").await.unwrap().unwrap();
        self.service = self.office.service("A").cloned().unwrap();
        assert_eq!((self.service.channels, self.service.walk_in_reserve), (channels, walk_in_reserve));
    }

    async fn walk_in(&self, holder: &Holder) -> Result<Booked, BookError> {
        let by = IssuedBy { channel: Channel::WalkIn, account: None };
        tickets::book(&self.db, &self.office, &self.service, holder, by, BookingRequest::Today, monday_10_wib()).await
    }

    async fn book(&self, holder: &Holder, request: BookingRequest) -> Result<Booked, BookError> {
        self.book_on(&self.db, holder, request).await
    }

    /// Books through another `Db` on the same database, as a second server instance would.
    async fn book_on(&self, db: &Db, holder: &Holder, request: BookingRequest) -> Result<Booked, BookError> {
        self.book_on_at(db, holder, request, monday_10_wib()).await
    }

    async fn book_on_at(
        &self,
        db: &Db,
        holder: &Holder,
        request: BookingRequest,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<Booked, BookError> {
        tickets::book(db, &self.office, &self.service, holder, IssuedBy::ONLINE, request, now).await
    }
}

async fn a_cancelled_place_returns_to_the_quota_after_the_delay_and_its_number_is_never_reused(engine: Engine) {
    let f = office_with_quota(engine, 2, 30).await;
    let tuesday = BookingRequest::Date(date("2026-11-24"));
    let first = f.book(&citizen(1), tuesday).await.unwrap();
    f.book(&citizen(2), tuesday).await.unwrap();
    tickets::cancel(&f.db, &first.code, CancelReason::CitizenRequest, None, monday_10_wib()).await.unwrap();
    let minutes = |m| monday_10_wib() + chrono::Duration::minutes(m);

    // Within the office's delay (10 minutes by default) the place is not free yet.
    let early = f.book_on_at(&f.db, &citizen(3), tuesday, minutes(5)).await.unwrap();
    assert_eq!(early.service_date, date("2026-11-26"), "Tuesday is still full; the 25th is a holiday");
    let later = f.book_on_at(&f.db, &citizen(4), tuesday, minutes(10)).await.unwrap();
    assert_eq!(later.service_date, date("2026-11-24"));
    assert_eq!(later.display_number, "A-003", "A-001 is never given again");
    let full = f.book_on_at(&f.db, &citizen(5), tuesday, minutes(20)).await.unwrap();
    assert_eq!(full.service_date, date("2026-11-26"), "one cancellation frees one place");
}

async fn released_places_are_given_once_at_any_concurrency(engine: Engine) {
    let f = office_with_quota(engine, 5, 30).await;
    let second = f.place.open().await;
    let tuesday = BookingRequest::Date(date("2026-11-24"));
    let mut first_five = Vec::new();
    for serial in 1..=5 {
        first_five.push(f.book(&citizen(serial), tuesday).await.unwrap());
    }
    for booked in &first_five[..3] {
        tickets::cancel(&f.db, &booked.code, CancelReason::CitizenRequest, None, monday_10_wib()).await.unwrap();
    }
    let later = monday_10_wib() + chrono::Duration::minutes(15);
    let bookings = (100..140).map(|serial| {
        let (f, db) = (&f, if serial % 2 == 0 { &f.db } else { &second });
        async move { f.book_on_at(db, &citizen(serial), tuesday, later).await.unwrap() }
    });
    let booked = futures::future::join_all(bookings).await;
    let mut on_tuesday: Vec<u32> =
        booked.iter().filter(|b| b.service_date == date("2026-11-24")).map(|b| b.sequence).collect();
    on_tuesday.sort_unstable();
    assert_eq!(on_tuesday, vec![6, 7, 8], "three places came back, each given once, under new numbers");
}

async fn a_full_date_rolls_past_a_holiday_to_the_next_working_day_with_room(engine: Engine) {
    let f = office_with_quota(engine, 2, 30).await;
    let tuesday = BookingRequest::Date(date("2026-11-24"));
    for serial in 1..=2 {
        assert_eq!(f.book(&citizen(serial), tuesday).await.unwrap().service_date, date("2026-11-24"));
    }
    let third = f.book(&citizen(3), tuesday).await.unwrap();
    assert_eq!(third.service_date, date("2026-11-26"), "Wednesday the 25th is a holiday");
    assert_eq!(third.display_number, "A-001");
    assert_eq!(third.rollover, Some(RolloverReason::RequestedDayFull));
}

async fn a_holiday_request_says_which_holiday(engine: Engine) {
    let f = office_with_quota(engine, 2, 30).await;
    let booked = f.book(&citizen(1), BookingRequest::Date(date("2026-11-25"))).await.unwrap();
    assert_eq!(booked.service_date, date("2026-11-26"));
    assert_eq!(booked.rollover, Some(RolloverReason::RequestedDayClosed(ClosedReason::Holiday("Libur Uji".into()))));
}

async fn today_full_is_refused_rather_than_moved(engine: Engine) {
    let f = office_with_quota(engine, 1, 30).await;
    f.book(&citizen(1), BookingRequest::Today).await.unwrap();
    let refused = f.book(&citizen(2), BookingRequest::Today).await.unwrap_err();
    assert!(matches!(refused, BookError::Refused(BookingRefusal::TodayFull)));
}

async fn when_every_day_to_the_horizon_is_full_the_booking_is_refused(engine: Engine) {
    // Horizon of 2 days from Monday: Monday (today) and Tuesday; Wednesday is beyond it.
    let f = office_with_quota(engine, 1, 2).await;
    f.book(&citizen(1), BookingRequest::Date(date("2026-11-23"))).await.unwrap();
    f.book(&citizen(2), BookingRequest::Date(date("2026-11-23"))).await.unwrap();
    let refused = f.book(&citizen(3), BookingRequest::Date(date("2026-11-23"))).await.unwrap_err();
    assert!(matches!(
        refused,
        BookError::Refused(BookingRefusal::NoRoomWithinHorizon { last_bookable }) if last_bookable == date("2026-11-25")
    ));
}

async fn a_zero_quota_service_takes_no_bookings(engine: Engine) {
    let f = office_with_quota(engine, 0, 3).await;
    let refused = f.book(&citizen(1), BookingRequest::Date(date("2026-11-24"))).await.unwrap_err();
    assert!(matches!(refused, BookError::Refused(BookingRefusal::NoRoomWithinHorizon { .. })));
}

async fn the_same_nik_gets_its_ticket_back_even_when_its_request_rolled(engine: Engine) {
    let f = office_with_quota(engine, 1, 30).await;
    f.book(&citizen(1), BookingRequest::Date(date("2026-11-24"))).await.unwrap();
    let rolled = f.book(&citizen(2), BookingRequest::Date(date("2026-11-24"))).await.unwrap();
    let again = f.book(&citizen(2), BookingRequest::Date(date("2026-11-24"))).await.unwrap();
    assert!(again.existing);
    assert_eq!(again.code, rolled.code);
}

async fn a_cancelled_ticket_frees_the_nik_at_once_but_not_its_place(engine: Engine) {
    let f = office_with_quota(engine, 2, 30).await;
    let first = f.book(&citizen(1), BookingRequest::Date(date("2026-11-24"))).await.unwrap();
    tickets::cancel(&f.db, &first.code, CancelReason::CitizenRequest, None, monday_10_wib()).await.unwrap();
    // The phone that gave the place back still holds it until it is released.
    let same_phone = f.book(&citizen(1), BookingRequest::Date(date("2026-11-24"))).await.unwrap_err();
    assert!(matches!(same_phone, BookError::Refused(BookingRefusal::PhoneHasServiceDay)), "{same_phone:?}");
    // The NIK, from another phone (the holder's new number, say), books at once.
    let other_phone = Holder { phone: citizen(2).phone, ..citizen(1) };
    let second = f.book(&other_phone, BookingRequest::Date(date("2026-11-24"))).await.unwrap();
    assert!(!second.existing);
    assert_eq!(second.sequence, 2, "sequence numbers are never reused");
}

async fn racing_for_the_last_places_never_overbooks(engine: Engine) {
    let f = office_with_quota(engine, 5, 30).await;
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

async fn racing_from_two_server_instances_never_overbooks(engine: Engine) {
    let f = office_with_quota(engine, 5, 30).await;
    let second = f.place.open().await;
    let tuesday = BookingRequest::Date(date("2026-11-24"));
    let bookings = (1..=40).map(|serial| {
        let (f, db) = (&f, if serial % 2 == 0 { &f.db } else { &second });
        async move { f.book_on(db, &citizen(serial), tuesday).await.unwrap() }
    });
    let booked = futures::future::join_all(bookings).await;
    let on_tuesday: Vec<u32> =
        booked.iter().filter(|b| b.service_date == date("2026-11-24")).map(|b| b.sequence).collect();
    let mut sequences = on_tuesday.clone();
    sequences.sort_unstable();
    assert_eq!(sequences, vec![1, 2, 3, 4, 5], "five places, each sequence given once");
}

async fn the_same_nik_racing_itself_gets_one_ticket(engine: Engine) {
    let f = office_with_quota(engine, 5, 30).await;
    let second = f.place.open().await;
    let tuesday = BookingRequest::Date(date("2026-11-24"));
    let bookings = (0..10).map(|n| {
        let (f, db) = (&f, if n % 2 == 0 { &f.db } else { &second });
        async move { f.book_on(db, &citizen(1), tuesday).await.unwrap() }
    });
    let booked = futures::future::join_all(bookings).await;
    assert!(booked.iter().all(|b| b.code == booked[0].code), "one ticket, handed back to every request");
    let fresh = f.book(&citizen(2), tuesday).await.unwrap();
    assert_eq!(fresh.sequence, 2, "the places given back leave no gap in the sequence");
}

/// On PostgreSQL a booking claims its first date's place in the statement
/// that reads the phone's holdings; refused under the phone's caps, it gives
/// the place back.
async fn a_booking_refused_under_its_phones_cap_leaves_no_gap(engine: Engine) {
    let f = office_with_quota(engine, 5, 30).await;
    let tuesday = BookingRequest::Date(date("2026-11-24"));
    let first = f.book(&citizen(1), tuesday).await.unwrap();
    let same_phone = Holder { phone: citizen(1).phone, ..citizen(2) };
    let refused = f.book(&same_phone, tuesday).await.unwrap_err();
    assert!(matches!(refused, BookError::Refused(BookingRefusal::PhoneHasServiceDay)), "{refused:?}");
    let next = f.book(&citizen(3), tuesday).await.unwrap();
    assert_eq!((first.sequence, next.sequence), (1, 2), "the refused booking's place was given back");
}

/// On PostgreSQL a citizen's booking is worked out from the office as its
/// instance last read it (`offices::find_remembered`); a change made at
/// another instance still holds for it at once: a new holiday, the office's
/// own caps, a closed service, and for a staff or kiosk booking too.
async fn changes_made_at_another_instance_hold_for_a_booking_from_a_remembered_office(engine: Engine) {
    async fn book_remembered(db: &Db, holder: &Holder, on: &str) -> Result<Booked, BookError> {
        let office = offices::find_remembered(db, "uji").await.unwrap().unwrap();
        // Read afresh, the office says so itself (the form's "unknown service").
        let Some(service) = office.service("A") else {
            return Err(BookError::ServiceClosed);
        };
        let request = BookingRequest::Date(date(on));
        tickets::book(db, &office, service, holder, IssuedBy::ONLINE, request, monday_10_wib()).await
    }
    let f = office_with_quota(engine, 10, 30).await;
    let other = f.place.open().await;
    let admin = app::domain::audit::Actor { account_id: 1, address: "127.0.0.1".into(), at: monday_10_wib() };
    assert_eq!(book_remembered(&f.db, &citizen(1), "2026-11-24").await.unwrap().service_date, date("2026-11-24"));

    let holiday = Holiday { date: date("2026-11-26"), name: "Rapat".into() };
    offices::add_holidays(&other, f.office.id, &[holiday]).await.unwrap();
    let rolled = book_remembered(&f.db, &citizen(2), "2026-11-26").await.unwrap();
    assert_eq!(rolled.service_date, date("2026-11-27"), "the holiday added at the other instance is skipped");

    let details = app::domain::office::OfficeDetails {
        name: &f.office.name,
        address: &f.office.address,
        zone: f.office.zone,
        policy: Default::default(),
        phone_caps: app::domain::booking::PhoneCaps { per_office_day: 2, upcoming: 1 },
        release_delay_minutes: f.office.release_delay_minutes,
        reminder_hour: f.office.reminder_hour,
        board_announcement: "",
    };
    offices::update_details(&other, f.office.id, &details, &admin).await.unwrap();
    let same_phone = Holder { phone: citizen(1).phone, ..citizen(3) };
    let capped = book_remembered(&f.db, &same_phone, "2026-11-30").await.unwrap_err();
    assert!(
        matches!(capped, BookError::Refused(BookingRefusal::PhoneUpcomingFull { most: 1 })),
        "the phone's cap lowered at the other instance holds: {capped:?}"
    );

    if engine == Engine::Postgres {
        // A kiosk's office read before the change (on SQLite its one booking
        // writer takes the office as given).
        let today = Holiday { date: date("2026-11-23"), name: "Tutup".into() };
        offices::add_holidays(&other, f.office.id, &[today]).await.unwrap();
        let closed = f.walk_in(&Holder::default()).await.unwrap_err();
        assert!(matches!(closed, BookError::Refused(BookingRefusal::OfficeClosedNow)), "{closed:?}");
    }

    let change = ServiceChange {
        name_id: &f.service.name_id,
        name_en: &f.service.name_en,
        daily_quota: f.service.daily_quota,
        horizon_days: f.service.horizon_days,
        active: false,
        channels: f.service.channels,
        walk_in_reserve: f.service.walk_in_reserve,
    };
    assert!(offices::update_service(&other, f.office.id, f.service.id, &change, &admin).await.unwrap());
    let closed = book_remembered(&f.db, &citizen(4), "2026-11-30").await.unwrap_err();
    assert!(matches!(closed, BookError::ServiceClosed), "a service closed at the other instance: {closed:?}");
}

/// On PostgreSQL bookings waiting at the same moment share one transaction
/// (`booking_batches`); one that finds its session ended or its office
/// changed fails that transaction, and every booking in it is made again on
/// its own: each gets its own answer, none another's failure, and no place
/// is lost.
async fn a_booking_that_fails_in_its_batch_fails_no_other_booking_made_with_it(engine: Engine) {
    use app::store::sessions::{self, SessionKey, SessionOwner};
    let f = office_with_quota(engine, 50, 30).await;
    let other = f.place.open().await;
    let owner = SessionOwner::Citizen { phone: citizen(15).phone.unwrap() };
    let token = sessions::create(&f.db, &owner, monday_10_wib()).await.unwrap();
    sessions::revoke(&other, &token, monday_10_wib()).await.unwrap();
    let ended = SessionKey::of(&token);
    let holiday = Holiday { date: date("2026-12-24"), name: "Cuti Bersama".into() };
    offices::add_holidays(&other, f.office.id, &[holiday]).await.unwrap();
    let current = offices::find(&f.db, "uji").await.unwrap().unwrap();
    let tuesday = BookingRequest::Date(date("2026-11-24"));
    let bookings = (1..=30).map(|serial| {
        // Amid the others: one under a session signed out at the other
        // instance, one from the office as read before its holiday.
        let office = if serial == 20 { &f.office } else { &current };
        let service = office.service("A").unwrap();
        let (db, holder, ended) = (&f.db, citizen(serial), &ended);
        async move {
            let outcome = match serial {
                15 => tickets::book_online(db, office, service, &holder, ended, tuesday, monday_10_wib()).await,
                _ => tickets::book(db, office, service, &holder, IssuedBy::ONLINE, tuesday, monday_10_wib()).await,
            };
            (serial, outcome)
        }
    });
    let mut sequences = Vec::new();
    for (serial, outcome) in futures::future::join_all(bookings).await {
        match outcome {
            Err(BookError::SignedOut) if serial == 15 && engine == Engine::Postgres => {}
            outcome => sequences.push(outcome.unwrap().sequence),
        }
    }
    sequences.sort_unstable();
    let made = if engine == Engine::Postgres { 29 } else { 30 };
    assert_eq!(sequences, (1..=made).collect::<Vec<_>>(), "every other booking made, each place given once");
}

/// One phone booking again and again, at two instances, amid others' bookings
/// of the same dates: a batch that took the phone's lock amid its claims
/// could hold a date the phone's other batch waits for while waiting for the
/// phone (a deadlock, which PostgreSQL breaks after a second by failing one
/// batch, made again booking by booking). Batches take their phones' locks
/// first, so none fails.
async fn one_phone_booking_amid_others_at_two_instances_never_deadlocks_a_batch(engine: Engine) {
    let f = office_with_quota(engine, 200, 30).await;
    let second = f.place.open().await;
    let dates = [date("2026-11-24"), date("2026-11-26"), date("2026-11-27")];
    let calo = citizen(9_999).phone;
    for round in 0..20 {
        let bookings = (0..48).map(|n| {
            let db = if n % 2 == 0 { &f.db } else { &second };
            let serial = round * 100 + n + 1;
            // Every fourth from the one phone (most refused by its caps,
            // each still taking its lock), on the dates in turn.
            let holder = if n % 4 == 1 { Holder { phone: calo.clone(), ..citizen(serial) } } else { citizen(serial) };
            let request = BookingRequest::Date(dates[(n as usize / 2 + round as usize) % dates.len()]);
            let f = &f;
            async move { f.book_on(db, &holder, request).await }
        });
        for outcome in futures::future::join_all(bookings).await {
            assert!(matches!(outcome, Ok(_) | Err(BookError::Refused(_))), "{outcome:?}");
        }
    }
    let batches = [f.db.booking_batches(), second.booking_batches()];
    assert_eq!(batches.iter().map(|b| b.redone()).sum::<u64>(), 0, "no batch failed");
    if engine == Engine::Postgres {
        assert!(batches.iter().all(|b| b.committed() > 0), "both instances booked in batches");
    }
}

/// One phone's bookings sent at once to two instances: each booking counts,
/// under the phone's lock, every one of the phone's bookings committed
/// before it, whichever instance or batch made it, so the phone ends with
/// one number a date and five in all, never more.
async fn one_phones_bookings_at_two_instances_never_pass_its_caps(engine: Engine) {
    let f = office_with_quota(engine, 200, 30).await;
    let second = f.place.open().await;
    let calo = citizen(9_999).phone;
    let dates = ["2026-11-24", "2026-11-26", "2026-11-27", "2026-11-30", "2026-12-01", "2026-12-02"].map(date);
    let bookings = (0..48u32).map(|n| {
        let db = if n % 2 == 0 { &f.db } else { &second };
        let holder = Holder { phone: calo.clone(), ..citizen(n + 1) };
        let request = BookingRequest::Date(dates[n as usize / 2 % dates.len()]);
        let f = &f;
        async move { f.book_on(db, &holder, request).await }
    });
    let mut booked = std::collections::BTreeMap::<NaiveDate, u32>::new();
    for outcome in futures::future::join_all(bookings).await {
        match outcome {
            Ok(ticket) => *booked.entry(ticket.service_date).or_default() += 1,
            Err(BookError::Refused(_)) => {}
            Err(error) => panic!("{error:?}"),
        }
    }
    assert_eq!(booked.values().sum::<u32>(), 5, "{booked:?}");
    assert!(booked.values().all(|&n| n == 1), "{booked:?}");
}

/// A booking whose dates are full rolls over, claiming (and so locking) each
/// working day after its first in turn: it passes through the first dates of
/// the bookings after it in its batch, so the batch's claims stay in
/// (service, date) order. Were a date skipped, a batch could hold a later
/// date while waiting for an earlier one that another batch holds while
/// waiting for the later one (a deadlock, broken after a second by failing
/// one batch). Every date to the horizon fills, none over its quota, and no
/// batch fails.
async fn bookings_rolling_over_at_two_instances_never_deadlock_a_batch(engine: Engine) {
    let f = office_with_quota(engine, 4, 30).await;
    let second = f.place.open().await;
    let dates = [date("2026-11-24"), date("2026-11-26"), date("2026-11-27"), date("2026-11-30")];
    let mut booked = std::collections::BTreeMap::<NaiveDate, u32>::new();
    for round in 0..6 {
        let bookings = (0..48).map(|n| {
            let db = if n % 2 == 0 { &f.db } else { &second };
            let holder = citizen(round * 100 + n + 1);
            let request = BookingRequest::Date(dates[(n as usize / 2 + round as usize) % dates.len()]);
            let f = &f;
            async move { f.book_on(db, &holder, request).await }
        });
        for outcome in futures::future::join_all(bookings).await {
            match outcome {
                Ok(ticket) => *booked.entry(ticket.service_date).or_default() += 1,
                Err(BookError::Refused(_)) => {}
                Err(error) => panic!("{error:?}"),
            }
        }
    }
    assert!(booked.values().all(|&n| n == 4), "every date to the horizon full, none over: {booked:?}");
    let batches = [f.db.booking_batches(), second.booking_batches()];
    assert_eq!(batches.iter().map(|b| b.redone()).sum::<u64>(), 0, "no batch failed");
}

/// A ticket's number is written where its place is claimed (on PostgreSQL,
/// in the claim's statement): past 999 it keeps every digit, as the booking
/// answers it.
async fn numbers_past_999_keep_every_digit(engine: Engine) {
    let f = office_with_quota(engine, 1_002, 30).await;
    let mut booked = Vec::new();
    for chunk in (1..=1_002u32).collect::<Vec<_>>().chunks(64) {
        let bookings = chunk.iter().map(|&serial| {
            let f = &f;
            async move { f.book(&citizen(serial), BookingRequest::Date(date("2026-11-24"))).await }
        });
        for outcome in futures::future::join_all(bookings).await {
            booked.push(outcome.unwrap());
        }
    }
    booked.sort_by_key(|ticket| ticket.sequence);
    let numbers: Vec<&str> = booked.iter().map(|ticket| ticket.display_number.as_str()).collect();
    assert_eq!((numbers[0], numbers[998], numbers[999], numbers[1_001]), ("A-001", "A-999", "A-1000", "A-1002"));
    for ticket in [&booked[0], &booked[999], &booked[1_001]] {
        let stored = tickets::view(&f.db, &ticket.code).await.unwrap().unwrap().view;
        assert_eq!(stored.display_number, ticket.display_number);
    }
    assert_eq!(f.db.booking_batches().redone(), 0, "no batch failed");
}

async fn a_called_ticket_shows_as_now_calling_and_leaves_the_waiting_count(engine: Engine) {
    let f = office_with_quota(engine, 10, 30).await;
    let first = f.book(&citizen(1), BookingRequest::Today).await.unwrap();
    let second = f.book(&citizen(2), BookingRequest::Today).await.unwrap();
    assert_eq!(tickets::view(&f.db, &second.code).await.unwrap().unwrap().view.people_ahead, 1);

    let state =
        tickets::apply(&f.db, &first.code, TicketMove::Call { counter_id: None }, monday_10_wib()).await.unwrap();
    assert_eq!(state, TicketState::Called);
    let view = tickets::view(&f.db, &second.code).await.unwrap().unwrap().view;
    assert_eq!(view.people_ahead, 0);
    assert_eq!(view.now_calling.as_deref(), Some("A-001"));
    let office = offices::queue_view(&f.db, &f.office, monday_10_wib()).await.unwrap();
    assert_eq!(office.services[0].waiting, 1);
    assert_eq!(office.services[0].now_calling.as_deref(), Some("A-001"));
}

async fn serving_a_waiting_ticket_without_calling_it_is_refused(engine: Engine) {
    let f = office_with_quota(engine, 10, 30).await;
    let booked = f.book(&citizen(1), BookingRequest::Today).await.unwrap();
    let refused = tickets::apply(&f.db, &booked.code, TicketMove::StartServing, monday_10_wib()).await;
    assert!(matches!(refused, Err(tickets::ActionError::Transition(_))));
}

async fn online_booking_leaves_the_walk_in_reserve_to_the_kiosk(engine: Engine) {
    let mut f = office_with_quota(engine, 3, 30).await;
    f.set_channels(ServiceChannels::All, 2).await;
    f.book(&citizen(1), BookingRequest::Today).await.unwrap();
    let refused = f.book(&citizen(2), BookingRequest::Today).await.unwrap_err();
    assert!(matches!(refused, BookError::Refused(BookingRefusal::TodayFull)), "{refused:?}");
    // A date rolls past the days whose online share is taken, not into the reserve.
    let rolled = f.book(&citizen(3), BookingRequest::Date(date("2026-11-23"))).await.unwrap();
    assert_eq!(rolled.service_date, date("2026-11-24"));
    // The walk-ins get the two places kept for them, and then the day is full.
    for serial in [4, 5] {
        assert_eq!(f.walk_in(&citizen(serial)).await.unwrap().service_date, date("2026-11-23"));
    }
    let full = f.walk_in(&citizen(6)).await.unwrap_err();
    assert!(matches!(full, BookError::Refused(BookingRefusal::TodayFull)), "{full:?}");
}

async fn a_walk_in_service_takes_no_online_booking_and_an_online_one_no_kiosk_number(engine: Engine) {
    let mut f = office_with_quota(engine, 10, 30).await;
    f.set_channels(ServiceChannels::WalkInOnly, 0).await;
    let refused = f.book(&citizen(1), BookingRequest::Today).await.unwrap_err();
    assert!(matches!(refused, BookError::Refused(BookingRefusal::WalkInOnly)), "{refused:?}");
    f.walk_in(&citizen(2)).await.unwrap();
    f.set_channels(ServiceChannels::OnlineOnly, 0).await;
    let refused = f.walk_in(&citizen(3)).await.unwrap_err();
    assert!(matches!(refused, BookError::Refused(BookingRefusal::OnlineOnly)), "{refused:?}");
    f.book(&citizen(4), BookingRequest::Today).await.unwrap();
}

async fn a_waiting_ticket_is_given_a_call_estimate_once_enough_tickets_were_finished(engine: Engine) {
    use app::domain::estimate::CallEstimate;
    use chrono::{Duration, NaiveTime};

    let f = office_with_quota(engine, 20, 30).await;
    let mut issued = Vec::new();
    for serial in 1..=8 {
        issued.push(f.walk_in(&citizen(serial)).await.unwrap());
    }
    let start = monday_10_wib();
    let minutes = |m: i64| start + Duration::minutes(m);
    let estimate = |now| tickets::call_estimate(&f.db, &f.office, f.service.id, date("2026-11-23"), 2, now);
    // Each of the first five is called every ten minutes and takes eight.
    for (i, ticket) in issued.iter().take(5).enumerate() {
        assert_eq!(estimate(minutes(10 * i as i64)).await.unwrap(), Some(CallEstimate::TooLittleHistory));
        let at = 10 * i as i64;
        tickets::apply(&f.db, &ticket.code, TicketMove::Call { counter_id: None }, minutes(at)).await.unwrap();
        tickets::apply(&f.db, &ticket.code, TicketMove::StartServing, minutes(at + 1)).await.unwrap();
        tickets::apply(&f.db, &ticket.code, TicketMove::Finish, minutes(at + 8)).await.unwrap();
    }
    // Two ahead at the one counter: 2.5 × 8 minutes after 10:50, give or take five.
    let time = |text| NaiveTime::parse_from_str(text, "%H:%M").unwrap();
    assert_eq!(
        estimate(minutes(50)).await.unwrap(),
        Some(CallEstimate::Between { from: time("11:05"), to: time("11:15") })
    );
    // Before the office opens, the count starts at the opening (08:00).
    let early = tickets::call_estimate(&f.db, &f.office, f.service.id, date("2026-11-24"), 2, minutes(50));
    assert_eq!(early.await.unwrap(), Some(CallEstimate::Between { from: time("08:15"), to: time("08:25") }));
    // A day gone by has no estimate.
    let past = tickets::call_estimate(&f.db, &f.office, f.service.id, date("2026-11-20"), 2, minutes(50));
    assert_eq!(past.await.unwrap(), None);
}

/// Several instances started together on a new database: each counts no
/// account and no office, and only one may make them; none fails to start.
async fn instances_starting_at_once_on_an_empty_database_make_one_admin_and_one_set_of_demo_offices(engine: Engine) {
    use app::store::{seed, staff};

    let place = Place::new(engine).await;
    let (one, other) = (place.open().await, place.open().await);
    let now = monday_10_wib();
    let (first, second) =
        tokio::join!(staff::ensure_first_admin(&one, None, now), staff::ensure_first_admin(&other, None, now));
    let shown: Vec<String> = [first.unwrap(), second.unwrap()].into_iter().flatten().collect();
    assert_eq!(shown.len(), 1, "one generated password, shown once");
    let accounts = staff::list(&one, None, now).await.unwrap();
    assert_eq!(accounts.len(), 1);
    assert!(accounts[0].account.must_change_password, "a password shown in a log must be changed");

    let (first, second) = tokio::join!(seed::seed_demo_offices(&one, now), seed::seed_demo_offices(&other, now));
    assert_eq!([first.unwrap(), second.unwrap()].iter().filter(|seeded| **seeded).count(), 1);
    assert_eq!(offices::count(&one).await.unwrap(), 2, "the two demo offices");
}
