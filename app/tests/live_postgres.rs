//! Live updates across server instances on PostgreSQL: two `Db`s and two hubs on
//! one database stand for two instances; a screen connected to one hears what
//! happens at the other. Runs when `ANTREAN_TEST_POSTGRES_URL` is set.

#![cfg(feature = "ssr")]

mod support;

use std::time::Duration;

use app::api::server::Clock;
use app::domain::calendar::{OfficeZone, OpeningHours, WeeklyHours};
use app::domain::ticket::ServicePrefix;
use app::live::Hub;
use app::model::{CallView, LiveMessage};
use app::store::offices::{self, NewOffice, NewService};
use app::store::Db;
use chrono::{DateTime, NaiveTime, Utc};
use tokio::sync::broadcast;

fn monday_morning() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-23T10:00:00+07:00").unwrap().with_timezone(&Utc)
}

/// Two instances on a fresh database with one office; `None` without a server.
async fn two_instances() -> Option<(Db, Db, i64)> {
    support::postgres_server()?;
    let url = support::fresh_postgres_database().await;
    let first = Db::open_postgres(&url).await.unwrap();
    let second = Db::open_postgres(&url).await.unwrap();
    let hours =
        OpeningHours::new(NaiveTime::from_hms_opt(8, 0, 0).unwrap(), NaiveTime::from_hms_opt(15, 0, 0).unwrap())
            .unwrap();
    let office = NewOffice {
        slug: "uji",
        name: "Kantor Uji",
        address: "",
        zone: OfficeZone::Wib,
        hours: WeeklyHours::weekdays(hours),
        holidays: &[],
    };
    let office_id = offices::create(&first, &office, monday_morning()).await.unwrap();
    let service = NewService {
        prefix: ServicePrefix::parse("A").unwrap(),
        name_id: "Layanan",
        name_en: "Service",
        daily_quota: 10,
        horizon_days: 30,
    };
    offices::add_service(&first, office_id, &service).await.unwrap();
    Some((first, second, office_id))
}

fn call(number: &str) -> CallView {
    CallView {
        display_number: number.into(),
        service_prefix: "A".into(),
        counter: "Loket 1".into(),
        at: monday_morning(),
        recall: false,
    }
}

fn clock() -> Clock {
    Clock { fixed: Some(monday_morning()) }
}

async fn next_message(screen: &mut broadcast::Receiver<axum::body::Bytes>, wait: Duration) -> Option<LiveMessage> {
    let bytes = tokio::time::timeout(wait, screen.recv()).await.ok()?.ok()?;
    Some(serde_json::from_slice(&bytes).unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_at_one_instance_reaches_the_screens_of_another() {
    let Some((first, second, office)) = two_instances().await else {
        return eprintln!("skipped: ANTREAN_TEST_POSTGRES_URL is not set");
    };
    let (here, there) = (Hub::start(first, clock()).await, Hub::start(second, clock()).await);
    let mut screen = there.subscribe(office);
    // The other instance may not be listening yet: call until it hears one.
    for _ in 0..50 {
        here.called(office, call("A-001")).await;
        if let Some(LiveMessage::Called { call, .. }) = next_message(&mut screen, Duration::from_millis(200)).await {
            assert_eq!(call.display_number, "A-001");
            return;
        }
    }
    panic!("the call never reached the other instance");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn counts_changed_at_one_instance_are_sent_by_another() {
    let Some((first, second, office)) = two_instances().await else {
        return eprintln!("skipped: ANTREAN_TEST_POSTGRES_URL is not set");
    };
    let (here, there) = (Hub::start(first, clock()).await, Hub::start(second, clock()).await);
    let mut screen = there.subscribe(office);
    for _ in 0..50 {
        here.counts_changed(office);
        if let Some(LiveMessage::Services(services)) = next_message(&mut screen, Duration::from_millis(400)).await {
            assert_eq!(services[0].prefix, "A");
            return;
        }
    }
    panic!("the count change never reached the other instance");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_instance_does_not_hear_its_own_call_twice() {
    let Some((first, second, office)) = two_instances().await else {
        return eprintln!("skipped: ANTREAN_TEST_POSTGRES_URL is not set");
    };
    let (here, _there) = (Hub::start(first, clock()).await, Hub::start(second, clock()).await);
    let mut screen = here.subscribe(office);
    here.called(office, call("A-001")).await;
    assert!(matches!(next_message(&mut screen, Duration::from_secs(1)).await, Some(LiveMessage::Called { .. })));
    let again = next_message(&mut screen, Duration::from_secs(1)).await;
    assert!(!matches!(again, Some(LiveMessage::Called { .. })), "heard twice: {again:?}");
}
