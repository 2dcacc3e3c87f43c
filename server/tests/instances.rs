//! Two server instances on one PostgreSQL database, as they run behind a load
//! balancer: bookings through both share the quota, and a screen connected to
//! one hears the calls made at the other. Runs with `ANTREAN_TEST_ENGINE=postgres`
//! (SQLite has one instance per file).

mod common;

use common::{nik, on_postgres, spawn_app, TestApp};
use futures::future::join_all;
use futures::StreamExt;
use tokio_tungstenite::tungstenite::Message;

async fn two_instances() -> (TestApp, TestApp) {
    assert!(on_postgres(), "two instances share a PostgreSQL database: run with ANTREAN_TEST_ENGINE=postgres");
    let first = spawn_app().await;
    let second = first.another_instance().await;
    (first, second)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs two instances on PostgreSQL (ANTREAN_TEST_ENGINE=postgres); ./antrean test runs it"]
async fn bookings_through_two_instances_share_the_quota() {
    let (first, second) = two_instances().await;
    // Each booking by a citizen of its own: one phone holds one number per service and day.
    let mut sessions = Vec::new();
    for serial in 1..=300 {
        sessions.push(first.citizen_session(serial).await);
    }
    let requests = (1..=300).map(|serial| {
        let (app, session) = (if serial % 2 == 0 { &first } else { &second }, &sessions[serial as usize - 1]);
        async move { app.book(session, "kantah-denpasar", "A", "2026-11-24", &nik(serial)).await }
    });
    for response in join_all(requests).await {
        assert!(response.status().is_success(), "status {}", response.status());
    }
    let per_date: Vec<(String, i64, i64, i64)> = sqlx::query_as(
        "SELECT service_date, COUNT(*), MIN(sequence), MAX(sequence) FROM tickets t
         JOIN services s ON s.id = t.service_id WHERE s.prefix = 'A'
           AND s.office_id = (SELECT id FROM offices WHERE slug = 'kantah-denpasar')
         GROUP BY service_date ORDER BY service_date",
    )
    .fetch_all(&first.inspect().await)
    .await
    .unwrap();
    assert_eq!(per_date, vec![("2026-11-24".into(), 200, 1, 200), ("2026-11-25".into(), 100, 1, 100)]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs two instances on PostgreSQL (ANTREAN_TEST_ENGINE=postgres); ./antrean test runs it"]
async fn a_call_at_one_instance_reaches_a_screen_connected_to_the_other() {
    let (first, second) = two_instances().await;
    first.waiting_tickets(2).await;
    let url = format!("{}/ws/kantor/kantah-denpasar", second.base.replace("http://", "ws://"));
    let mut screen = tokio_tungstenite::connect_async(url).await.expect("websocket connects").0;
    let (staff, loket1) = (first.admin_session().await, first.counter_id("kantah-denpasar", "Loket 1").await);
    let loket1 = loket1.to_string();
    for action in ["open", "call_next"] {
        let response = first.call("counter_action", Some(&staff), &[("counter", &loket1), ("action", action)]).await;
        assert!(response.status().is_success());
    }
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(5);
    loop {
        let message = tokio::time::timeout_at(deadline, screen.next()).await.expect("the call in time");
        if let Some(Ok(Message::Text(text))) = message {
            let value: serde_json::Value = serde_json::from_str(&text).unwrap();
            if let Some(called) = value.get("Called") {
                assert_eq!(called["call"]["display_number"], "A-001");
                assert_eq!(called["call"]["counter"], "Loket 1");
                return;
            }
        }
    }
}
