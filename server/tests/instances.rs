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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs two instances on PostgreSQL (ANTREAN_TEST_ENGINE=postgres); ./antrean test runs it"]
async fn two_instances_deliver_each_notice_exactly_once() {
    assert!(on_postgres(), "two instances share a PostgreSQL database: run with ANTREAN_TEST_ENGINE=postgres");
    let (url, references) = common::sms_provider(std::time::Duration::ZERO, "ref").await;
    let first = common::spawn_app_with(&[
        ("ANTREAN_SMS_GATEWAY", "http".into()),
        ("ANTREAN_SMS_URL", url),
        ("ANTREAN_SMS_BODY", r#"{"to":"{phone}","text":"{message}","ref":"{reference}"}"#.into()),
    ])
    .await;
    let second = first.another_instance().await;
    let instances = [&first, &second];
    let staff = first.admin_session().await;
    for serial in 1..=120u32 {
        let phone = format!("0812{:08}", 60_000_000 + serial);
        let form = [
            ("office", "kantah-denpasar"),
            ("service", "A"),
            ("when", "today"),
            ("nik", &nik(serial)),
            ("name", "Warga Uji"),
            ("phone", &phone),
        ];
        let booked = instances[serial as usize % 2].call("staff_book", Some(&staff), &form).await;
        assert!(booked.status().is_success(), "{}", booked.status());
    }
    // A burst on top of the calls: a thousand notices written at once.
    let db = first.tamper().await;
    let ticket: i64 = sqlx::query_scalar("SELECT MAX(id) FROM tickets").fetch_one(&db).await.unwrap();
    for n in 0..1_000 {
        sqlx::query(
            "INSERT INTO notifications (ticket_id, moment, call_number, channel, recipient, body, created_at, next_attempt_at)
             VALUES ($1, 'near', 0, 'sms', $2, 'Antrean uji', 0, 0)",
        )
        .bind(ticket)
        .bind(format!("+62813{n:08}"))
        .execute(&db)
        .await
        .unwrap();
    }
    let counter = first.counter_id("kantah-denpasar", "Loket 1").await.to_string();
    first.call("counter_action", Some(&staff), &[("counter", &counter), ("action", "open")]).await;
    for n in 0..100 {
        for action in ["call_next", "serve", "finish"] {
            let response = instances[n % 2]
                .call("counter_action", Some(&staff), &[("counter", &counter), ("action", action)])
                .await;
            assert!(response.status().is_success(), "{action}: {}", response.status());
        }
    }
    let mut settled = false;
    for _ in 0..600 {
        let unsent: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM notifications WHERE sent_at IS NULL AND failed_at IS NULL")
                .fetch_one(&db)
                .await
                .unwrap();
        if unsent == 0 {
            settled = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(settled, "every notice was sent within 30 s");
    let sent: Vec<i64> = sqlx::query_scalar("SELECT id FROM notifications WHERE sent_at IS NOT NULL ORDER BY id")
        .fetch_all(&db)
        .await
        .unwrap();
    let references = references.lock().unwrap().clone();
    let mut received: Vec<i64> =
        references.iter().filter_map(|r| r.strip_prefix("antrean-")?.parse().ok()).collect::<Vec<_>>();
    received.sort();
    let duplicates = received.len() - {
        let mut d = received.clone();
        d.dedup();
        d.len()
    };
    assert_eq!(duplicates, 0, "{duplicates} notices reached the provider twice");
    received.dedup();
    assert_eq!(received, sent, "each sent notice reached the provider once");
    assert!(sent.len() > 1_100, "{}", sent.len());
}

/// Each instance keeps an office's hours, holidays and services in memory
/// under the version the database bumps at every change of them: a change made
/// at one instance holds at the other's very next booking.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs two instances on PostgreSQL (ANTREAN_TEST_ENGINE=postgres); ./antrean test runs it"]
async fn settings_changed_at_one_instance_hold_at_once_at_the_other() {
    let (first, second) = two_instances().await;
    let admin = first.admin_session().await;
    let (one, two, three) =
        (first.citizen_session(1).await, first.citizen_session(2).await, first.citizen_session(3).await);
    // The second instance reads the office's settings, and keeps them.
    let monday = second.book(&one, "kantah-denpasar", "A", "2026-11-30", &nik(1)).await;
    assert_eq!(service_date(&first, monday).await, "2026-11-30");

    let holiday = [("office", "kantah-denpasar"), ("date", "2026-12-01"), ("name", "Rapat kerja")];
    assert!(first.call("add_holiday", Some(&admin), &holiday).await.status().is_success());
    let tuesday = second.book(&two, "kantah-denpasar", "A", "2026-12-01", &nik(2)).await;
    assert_eq!(service_date(&first, tuesday).await, "2026-12-02", "the other instance skips the new holiday");

    sqlx::query("UPDATE services SET active = 0 WHERE prefix = 'B'").execute(&first.tamper().await).await.unwrap();
    let closed = second.book(&three, "kantah-denpasar", "B", "2026-12-02", &nik(3)).await;
    // The form names a service the office no longer offers.
    assert_eq!(
        closed.status(),
        reqwest::StatusCode::UNPROCESSABLE_ENTITY,
        "a service closed elsewhere takes no booking"
    );

    sqlx::query("UPDATE services SET active = 1 WHERE prefix = 'B'").execute(&first.tamper().await).await.unwrap();
    let reopened = second.book(&three, "kantah-denpasar", "B", "2026-12-02", &nik(3)).await;
    assert_eq!(service_date(&first, reopened).await, "2026-12-02", "a service reopened elsewhere takes bookings");
}

/// An instance books under the session as it last found it, without reading
/// it again; a sign-out at another instance still holds at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs two instances on PostgreSQL (ANTREAN_TEST_ENGINE=postgres); ./antrean test runs it"]
async fn a_session_signed_out_at_one_instance_books_nothing_at_the_other() {
    let (first, second) = two_instances().await;
    let session = first.citizen_session(1).await;
    let booked = second.book(&session, "kantah-denpasar", "A", "2026-11-24", &nik(1)).await;
    assert!(booked.status().is_success(), "booking: {}", booked.status());

    assert!(first.call("sign_out", Some(&session), &[]).await.status().is_success());
    let after = second.book(&session, "kantah-denpasar", "A", "2026-11-25", &nik(2)).await;
    assert_eq!(after.status(), reqwest::StatusCode::UNAUTHORIZED, "the other instance refuses the ended session");
    let tickets: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM tickets WHERE holder_nik = $1")
        .bind(nik(2))
        .fetch_one(&first.inspect().await)
        .await
        .unwrap();
    assert_eq!(tickets, 0, "and books nothing under it");
}

async fn service_date(app: &TestApp, booking: reqwest::Response) -> String {
    assert!(booking.status().is_success(), "booking: {}", booking.status());
    let booked: serde_json::Value = booking.json().await.unwrap();
    sqlx::query_scalar("SELECT service_date FROM tickets WHERE public_code = $1")
        .bind(booked["code"].as_str().unwrap())
        .fetch_one(&app.inspect().await)
        .await
        .unwrap()
}
