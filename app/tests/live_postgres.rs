//! Live updates across server instances on PostgreSQL: two `Db`s and two hubs on
//! one database stand for two instances; a screen connected to one hears what
//! happens at the other. Runs when `ANTREAN_TEST_POSTGRES_URL` is set.

#![cfg(feature = "ssr")]

mod support;

use support::monday_10_wib;

use std::time::Duration;

use app::clock::Clock;
use app::live::Hub;
use app::model::{CallView, LiveMessage};
use app::store::Db;
use tokio::sync::broadcast;

/// Two instances on a fresh database with one office; `None` without a server.
async fn two_instances() -> Option<(Db, Db, i64)> {
    support::postgres_server()?;
    let url = support::fresh_postgres_database("store").await;
    let first = Db::open_postgres(&url).await.unwrap();
    let second = Db::open_postgres(&url).await.unwrap();
    let office_id = support::office_with_service(&first, 10, 30).await;
    Some((first, second, office_id))
}

fn call(number: &str) -> CallView {
    CallView {
        display_number: number.into(),
        service_prefix: "A".into(),
        counter: "Loket 1".into(),
        at: monday_10_wib(),
        recall: false,
        priority: None,
    }
}

fn clock() -> Clock {
    Clock { fixed: Some(monday_10_wib()) }
}

async fn next_message(screen: &mut broadcast::Receiver<axum::body::Bytes>, wait: Duration) -> Option<LiveMessage> {
    let bytes = tokio::time::timeout(wait, screen.recv()).await.ok()?.ok()?;
    Some(serde_json::from_slice(&bytes).unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL (ANTREAN_TEST_POSTGRES_URL); ./antrean test runs it on a throwaway server"]
async fn a_call_at_one_instance_reaches_the_screens_of_another() {
    let Some((first, second, office)) = two_instances().await else {
        panic!("ANTREAN_TEST_POSTGRES_URL names no PostgreSQL server");
    };
    let services = call_heard_at_the_other_instance(first, second, office).await;
    assert_eq!(services.iter().map(|s| s.prefix.as_str()).collect::<Vec<_>>(), ["A"], "with its counts");
}

/// Calls "A-001" at an instance on `first` until a screen of one on `second`
/// hears it (the other may not be listening yet); the services it came with.
async fn call_heard_at_the_other_instance(first: Db, second: Db, office: i64) -> Vec<app::model::ServiceQueue> {
    let (here, there) = (Hub::start(first, clock()).await, Hub::start(second, clock()).await);
    let mut screen = there.subscribe(office);
    for _ in 0..50 {
        here.called(office, call("A-001")).await;
        if let Some(LiveMessage::Called { call, services }) =
            next_message(&mut screen, Duration::from_millis(200)).await
        {
            assert_eq!(call.display_number, "A-001");
            return services;
        }
    }
    panic!("the call never reached the other instance");
}

/// A notice carries the office's counts, and PostgreSQL refuses one of 8,000
/// bytes or more: an office of many long-named services still has its calls
/// heard everywhere (the other instance reads the counts itself).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL (ANTREAN_TEST_POSTGRES_URL); ./antrean test runs it on a throwaway server"]
async fn a_call_at_an_office_of_many_services_reaches_the_screens_of_another() {
    use app::domain::office::NewService;
    use app::domain::ticket::ServicePrefix;

    let Some((first, second, office)) = two_instances().await else {
        panic!("ANTREAN_TEST_POSTGRES_URL names no PostgreSQL server");
    };
    let name =
        "Pendaftaran peralihan hak atas tanah dan bangunan karena jual beli, hibah, waris, atau lelang, ".repeat(2);
    for letter in 'B'..='Z' {
        let service = NewService {
            prefix: ServicePrefix::parse(&letter.to_string()).unwrap(),
            name_id: &name,
            name_en: &name,
            daily_quota: 10,
            horizon_days: 30,
            channels: Default::default(),
            walk_in_reserve: 0,
        };
        app::store::offices::add_service(&first, office, &service).await.unwrap();
    }
    let services = call_heard_at_the_other_instance(first, second, office).await;
    assert_eq!(services.len(), 26, "with its counts");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL (ANTREAN_TEST_POSTGRES_URL); ./antrean test runs it on a throwaway server"]
async fn counts_changed_at_one_instance_are_sent_by_another() {
    let Some((first, second, office)) = two_instances().await else {
        panic!("ANTREAN_TEST_POSTGRES_URL names no PostgreSQL server");
    };
    let (here, there) = (Hub::start(first, clock()).await, Hub::start(second, clock()).await);
    let mut screen = there.subscribe(office);
    for _ in 0..50 {
        here.counts_changed(office);
        if let Some(LiveMessage::Changed { services, .. }) = next_message(&mut screen, Duration::from_millis(400)).await
        {
            if let Some(service) = services.first() {
                assert_eq!(service.prefix, "A");
                return;
            }
        }
    }
    panic!("the count change never reached the other instance");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL (ANTREAN_TEST_POSTGRES_URL); ./antrean test runs it on a throwaway server"]
async fn an_instance_does_not_hear_its_own_call_twice() {
    let Some((first, second, office)) = two_instances().await else {
        panic!("ANTREAN_TEST_POSTGRES_URL names no PostgreSQL server");
    };
    let (here, _there) = (Hub::start(first, clock()).await, Hub::start(second, clock()).await);
    let mut screen = here.subscribe(office);
    here.called(office, call("A-001")).await;
    assert!(matches!(next_message(&mut screen, Duration::from_secs(1)).await, Some(LiveMessage::Called { .. })));
    let again = next_message(&mut screen, Duration::from_secs(1)).await;
    assert!(!matches!(again, Some(LiveMessage::Called { .. })), "heard twice: {again:?}");
}
