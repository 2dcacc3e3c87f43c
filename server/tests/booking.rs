//! Booking over HTTP against the real server and a real SQLite file.

mod common;

use common::{nik, spawn_app, Booked};
use futures::future::join_all;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn five_hundred_concurrent_bookings_never_exceed_the_quota_and_roll_over_in_order() {
    let app = spawn_app().await;
    let mut sessions = Vec::new();
    for serial in 1..=500 {
        sessions.push(app.citizen_session(serial).await);
    }
    let requests = (1..=500).map(|serial| {
        let (app, session) = (&app, &sessions[serial as usize - 1]);
        async move { app.book(session, "kantah-denpasar", "A", "2026-11-24", &nik(serial)).await }
    });
    let responses = join_all(requests).await;
    for response in responses {
        assert!(response.status().is_success(), "status {}", response.status());
    }

    let db = app.inspect().await;
    let per_date: Vec<(String, i64, i64, i64)> = sqlx::query_as(
        "SELECT service_date, COUNT(*), MIN(sequence), MAX(sequence) FROM tickets t
         JOIN services s ON s.id = t.service_id WHERE s.prefix = 'A'
           AND s.office_id = (SELECT id FROM offices WHERE slug = 'kantah-denpasar')
         GROUP BY service_date ORDER BY service_date",
    )
    .fetch_all(&db)
    .await
    .unwrap();
    assert_eq!(
        per_date,
        vec![
            ("2026-11-24".into(), 200, 1, 200),
            ("2026-11-25".into(), 200, 1, 200),
            ("2026-11-26".into(), 100, 1, 100),
        ]
    );
    let distinct: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM (SELECT DISTINCT service_id, service_date, sequence FROM tickets) AS d",
    )
    .fetch_one(&db)
    .await
    .unwrap();
    assert_eq!(distinct, 500, "no sequence is handed out twice");
}

#[tokio::test]
async fn a_second_booking_with_the_same_nik_returns_the_first_ticket() {
    let app = spawn_app().await;
    let s = app.sign_in_citizen("081234567890").await;
    let first: Booked = app.book(&s, "kantah-denpasar", "B", "2026-11-24", &nik(1)).await.json().await.unwrap();
    let second: Booked = app.book(&s, "kantah-denpasar", "B", "2026-11-24", &nik(1)).await.json().await.unwrap();
    assert!(!first.existing);
    assert!(second.existing);
    assert_eq!(first.code, second.code);
    assert_eq!(first.display_number, "B-001");
}

#[tokio::test]
async fn the_same_nik_may_hold_tickets_for_different_services() {
    let app = spawn_app().await;
    let s = app.sign_in_citizen("081234567890").await;
    let a: Booked = app.book(&s, "kantah-denpasar", "A", "2026-11-24", &nik(7)).await.json().await.unwrap();
    let b: Booked = app.book(&s, "kantah-denpasar", "B", "2026-11-24", &nik(7)).await.json().await.unwrap();
    assert_ne!(a.code, b.code);
    assert!(!b.existing);
}

#[tokio::test]
async fn a_bad_nik_is_refused_with_a_field_error_and_nothing_is_stored() {
    let app = spawn_app().await;
    let s = app.sign_in_citizen("081234567890").await;
    let response = app.book(&s, "kantah-denpasar", "A", "2026-11-24", "12345").await;
    assert_eq!(response.status(), reqwest::StatusCode::UNPROCESSABLE_ENTITY);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(
        body,
        serde_json::json!({"Invalid": [{"field": "Nik", "problem": {"Identity": "NikNotSixteenDigits"}}]})
    );
    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM tickets").fetch_one(&app.inspect().await).await.unwrap();
    assert_eq!(count, 0);
}

#[tokio::test]
async fn a_date_past_the_horizon_is_refused_with_the_last_bookable_date() {
    let app = spawn_app().await;
    let s = app.sign_in_citizen("081234567890").await;
    let body: serde_json::Value =
        app.book(&s, "kantah-denpasar", "A", "2027-02-01", &nik(3)).await.json().await.unwrap();
    assert_eq!(body, serde_json::json!({"Refused": {"DateBeyondHorizon": {"last_bookable": "2026-12-23"}}}));
}

#[tokio::test]
async fn the_ticket_page_shows_people_ahead_and_the_rolled_date() {
    let app = spawn_app().await;
    for serial in 1..=3 {
        let ahead = app.citizen_session(serial).await;
        assert!(app.book(&ahead, "disdukcapil-bogor", "C", "2026-11-28", &nik(serial)).await.status().is_success());
    }
    let s = app.sign_in_citizen("081234567890").await;
    let third: Booked = app.book(&s, "disdukcapil-bogor", "C", "2026-11-28", &nik(4)).await.json().await.unwrap();
    let page = app.client.get(format!("{}/tiket/{}", app.base, third.code)).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("C-004"), "{page}");
    assert!(page.contains(r#"data-date="2026-11-30""#));
    assert!(page.contains("Kantor tutup pada Sabtu, 28 November 2026, jadi nomor Anda untuk Senin, 30 November 2026."));
    assert!(page.contains(r#"data-testid="people-ahead" class="figure">3<"#), "{page}");
    // No ticket of C was finished yet: the page says so rather than guess a time.
    assert!(page.contains("Belum cukup data untuk memperkirakan waktu panggilan Anda."), "{page}");
}

#[tokio::test]
async fn a_priority_declared_online_is_refused_unless_the_office_allows_it() {
    use app::domain::priority::PriorityPolicy;

    let app = spawn_app().await;
    let s = app.sign_in_citizen("081234567890").await;
    fn form(nik: &str) -> [(&str, &str); 8] {
        [
            ("office", "kantah-denpasar"),
            ("service", "A"),
            ("when", "date"),
            ("date", "2026-11-24"),
            ("nik", nik),
            ("name", "Warga Uji"),
            ("email", "warga@contoh.id"),
            ("priority", "elderly"),
        ]
    }
    let first = nik(11);
    let refused = app.call("book", Some(&s), &form(&first)).await;
    assert_eq!(refused.status(), reqwest::StatusCode::CONFLICT);
    assert_eq!(
        refused.json::<serde_json::Value>().await.unwrap(),
        serde_json::json!({"Refused": "PriorityNotOffered"})
    );
    // Asking for a code to book it is refused too, before an SMS is sent.
    let asked =
        app.call("request_booking_code", None, &[&form(&first)[..], &[("phone", "081299990000")]].concat()).await;
    assert_eq!(asked.status(), reqwest::StatusCode::CONFLICT);
    let sent: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sms_outbox WHERE phone = '+6281299990000'")
        .fetch_one(&app.inspect().await)
        .await
        .unwrap();
    assert_eq!(sent, 0);
    // An unknown category is a field error.
    let second = nik(12);
    let mut unknown = form(&second);
    unknown[7] = ("priority", "raja");
    assert_eq!(app.call("book", Some(&s), &unknown).await.status(), reqwest::StatusCode::UNPROCESSABLE_ENTITY);

    // Once the office allows it, the ticket carries the category.
    let office = app::store::offices::find(&app.running.db, "kantah-denpasar").await.unwrap().unwrap();
    let allowed = PriorityPolicy { online: true, ..PriorityPolicy::default() };
    let admin = app::domain::audit::Actor { account_id: 1, address: "127.0.0.1".into(), at: chrono::Utc::now() };
    app::store::offices::set_priority(&app.running.db, office.id, &allowed, &admin).await.unwrap();
    let third = nik(13);
    let booked: Booked = app.call("book", Some(&s), &form(&third)).await.json().await.unwrap();
    let priority: Option<String> = sqlx::query_scalar("SELECT priority FROM tickets WHERE public_code = $1")
        .bind(&booked.code)
        .fetch_one(&app.inspect().await)
        .await
        .unwrap();
    assert_eq!(priority.as_deref(), Some("elderly"));
}

#[tokio::test]
async fn an_unknown_office_page_says_so() {
    let app = spawn_app().await;
    let page = app.client.get(format!("{}/kantor/tidak-ada", app.base)).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("Kantor tidak ditemukan."));
}

#[tokio::test]
async fn a_finished_ticket_is_thanked_and_rated_once_by_its_code() {
    let app = spawn_app().await;
    let admin = app.admin_session().await;
    let s = app.sign_in_citizen("081234567890").await;
    let booked: Booked = app.book(&s, "kantah-denpasar", "C", "2026-11-23", &nik(21)).await.json().await.unwrap();
    let rate = |rating: &'static str| {
        let code = booked.code.clone();
        let app = &app;
        async move { app.call("give_feedback", None, &[("code", &code), ("rating", rating), ("comment", "Cepat.")]).await }
    };
    // Not served yet: nothing to rate.
    assert_eq!(rate("5").await.status(), reqwest::StatusCode::CONFLICT);

    let loket3 = app.counter_id("kantah-denpasar", "Loket 3").await.to_string();
    for action in ["open", "call_next", "serve", "finish"] {
        let done = app.call("counter_action", Some(&admin), &[("counter", &loket3), ("action", action)]).await;
        assert!(done.status().is_success(), "{action}: {}", done.status());
    }
    // The holder is thanked and asked, by SMS, with the ticket's link.
    let asked: Vec<String> = sqlx::query_scalar(
        "SELECT n.body FROM notifications n JOIN tickets t ON t.id = n.ticket_id
         WHERE t.public_code = $1 AND n.moment = 'finished' AND n.channel = 'sms'",
    )
    .bind(&booked.code)
    .fetch_all(&app.inspect().await)
    .await
    .unwrap();
    assert_eq!(asked.len(), 1);
    assert!(
        asked[0].contains("Beri nilai layanan kami 1-5") && asked[0].contains(&format!("/tiket/{}", booked.code)),
        "{asked:?}"
    );

    assert_eq!(rate("9").await.status(), reqwest::StatusCode::UNPROCESSABLE_ENTITY);
    assert!(rate("5").await.status().is_success());
    assert_eq!(rate("1").await.status(), reqwest::StatusCode::CONFLICT, "rated once");
    let (rating, comment): (i64, String) =
        sqlx::query_as("SELECT rating, comment FROM feedback").fetch_one(&app.inspect().await).await.unwrap();
    assert_eq!((rating, comment.as_str()), (5, "Cepat."));
    let page =
        app.client.get(format!("{}/tiket/{}", app.base, booked.code)).send().await.unwrap().text().await.unwrap();
    let given = page.split(r#"data-testid="feedback-given""#).nth(1).expect("the thanks").split("</p>").next().unwrap();
    assert!(given.contains("Terima kasih atas penilaian Anda:") && given.contains("5/5"), "{given}");
}

#[tokio::test]
async fn the_console_lists_the_waiting_in_the_order_they_will_be_called() {
    let app = spawn_app().await;
    let admin = app.admin_session().await;
    let first = app.desk_book(&admin, 1, &[]).await.display_number;
    let second = app.desk_book(&admin, 2, &[]).await.display_number;
    let elderly = app.desk_book(&admin, 3, &[("priority", "elderly")]).await.display_number;

    let counter = app.counter_id("kantah-denpasar", "Loket 1").await.to_string();
    let console: serde_json::Value =
        app.call("console", Some(&admin), &[("counter", &counter)]).await.json().await.unwrap();
    let listed: Vec<&str> =
        console["waiting"].as_array().unwrap().iter().map(|t| t["display_number"].as_str().unwrap()).collect();
    assert_eq!(listed, [elderly.as_str(), first.as_str(), second.as_str()], "priority first, as the office calls");

    // And the list is what the counter calls.
    app.call("counter_action", Some(&admin), &[("counter", &counter), ("action", "open")]).await;
    let called: serde_json::Value = app
        .call("counter_action", Some(&admin), &[("counter", &counter), ("action", "call_next")])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(called["current"]["display_number"], elderly.as_str());
}
