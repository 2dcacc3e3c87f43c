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
