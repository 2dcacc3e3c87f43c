//! Notices to ticket holders: "almost your turn" and "called", by SMS (the
//! development gateway keeps them in the database) and by email through a real
//! SMTP server on 127.0.0.1.

mod common;

use std::time::Duration;

use app::store::sessions::{self, SessionOwner};
use chrono::Utc;
use common::{nik, spawn_app_with, TestApp};

async fn admin_session(app: &TestApp) -> String {
    let admin: i64 = sqlx::query_scalar("SELECT id FROM staff_accounts WHERE username = 'admin'")
        .fetch_one(&app.inspect().await)
        .await
        .unwrap();
    sessions::create(&app.running.db, &SessionOwner::Staff { staff_id: admin }, Utc::now()).await.unwrap()
}

async fn loket1(app: &TestApp) -> String {
    let id: i64 = sqlx::query_scalar(
        "SELECT c.id FROM counters c JOIN offices o ON o.id = c.office_id
         WHERE o.slug = 'kantah-denpasar' AND c.name = 'Loket 1'",
    )
    .fetch_one(&app.inspect().await)
    .await
    .unwrap();
    id.to_string()
}

/// Books `count` tickets for today at Denpasar's service A for one citizen with a phone and an email.
async fn waiting_tickets(app: &TestApp, count: u32) {
    let citizen = app.sign_in_citizen("081234567890").await;
    for serial in 1..=count {
        let form = [
            ("office", "kantah-denpasar"),
            ("service", "A"),
            ("when", "today"),
            ("nik", &nik(serial)),
            ("name", "Warga Uji"),
            ("email", "warga@contoh.id"),
        ];
        assert!(app.call("book", Some(&citizen), &form).await.status().is_success());
    }
}

/// Waits (at most 5 s) until every notice written has been sent or tried; returns (sent, tried and failed).
async fn settled(app: &TestApp) -> (i64, i64) {
    let db = app.inspect().await;
    for _ in 0..100 {
        let (pending, sent, failed): (i64, i64, i64) = sqlx::query_as(
            "SELECT COALESCE(SUM(attempts = 0), 0), COALESCE(SUM(sent_at IS NOT NULL), 0),
                    COALESCE(SUM(sent_at IS NULL AND attempts > 0), 0) FROM notifications",
        )
        .fetch_one(&db)
        .await
        .unwrap();
        if pending == 0 {
            return (sent, failed);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("notices were not sent in time");
}

async fn sms_bodies(app: &TestApp) -> Vec<String> {
    sqlx::query_scalar("SELECT body FROM sms_outbox WHERE body LIKE 'Antrean A-%' ORDER BY id")
        .fetch_all(&app.inspect().await)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_call_tells_the_called_holder_and_the_next_six_in_line_once_each_by_sms_and_email() {
    let sink = common::smtp::start().await;
    let app = spawn_app_with(&[
        ("ANTREAN_SMTP_URL", format!("smtp://{}", sink.addr)),
        ("ANTREAN_MAIL_FROM", "Antrean Uji <antrean@uji.test>".into()),
    ])
    .await;
    waiting_tickets(&app, 8).await;
    let (staff, counter) = (admin_session(&app).await, loket1(&app).await);
    let act = |action: &'static str| {
        let (staff, counter) = (staff.clone(), counter.clone());
        let app = &app;
        async move {
            let response = app.call("counter_action", Some(&staff), &[("counter", &counter), ("action", action)]).await;
            assert!(response.status().is_success(), "{action}");
        }
    };
    act("open").await;
    act("call_next").await;

    // A-001 is called; A-002 … A-007 have 0 … 5 people ahead.
    assert_eq!(settled(&app).await, (14, 0));
    let sms = sms_bodies(&app).await;
    assert_eq!(sms.len(), 7, "{sms:#?}");
    assert!(sms.iter().any(|s| s.starts_with("Antrean A-001: giliran Anda. Silakan menuju Loket 1")));
    assert!(sms.iter().any(|s| s.starts_with("Antrean A-002: Anda berikutnya")));
    assert!(sms.iter().any(|s| s.starts_with("Antrean A-007: 5 orang lagi") && s.contains("/tiket/")));
    assert!(!sms.iter().any(|s| s.starts_with("Antrean A-008")), "A-008 has 6 people ahead");
    let mails = sink.mails();
    assert_eq!(mails.len(), 7);
    assert!(mails.iter().all(|m| m.to == ["warga@contoh.id"] && m.from == "antrean@uji.test"));
    assert!(mails.iter().any(|m| m.data.contains("Subject: Antrean A-001: giliran Anda di Loket 1")));

    // The next call: A-002 is called, and A-008 now has 5 ahead; nobody is told twice.
    act("serve").await;
    act("finish").await;
    act("call_next").await;
    assert_eq!(settled(&app).await, (18, 0));
    let sms = sms_bodies(&app).await;
    assert_eq!(sms.len(), 9);
    assert!(sms[7..].iter().any(|s| s.starts_with("Antrean A-002: giliran Anda")));
    assert!(sms[7..].iter().any(|s| s.starts_with("Antrean A-008: 5 orang lagi")));

    // Calling again is a notice of its own.
    act("recall").await;
    assert_eq!(settled(&app).await, (20, 0));
    assert!(sms_bodies(&app).await.last().unwrap().starts_with("Antrean A-002: panggilan ke-2"));
}

#[tokio::test]
async fn an_email_the_mail_server_does_not_take_waits_for_a_retry_and_the_sms_still_goes() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let app = spawn_app_with(&[("ANTREAN_SMTP_URL", format!("smtp://{closed}"))]).await;
    waiting_tickets(&app, 1).await;
    let (staff, counter) = (admin_session(&app).await, loket1(&app).await);
    for action in ["open", "call_next"] {
        app.call("counter_action", Some(&staff), &[("counter", &counter), ("action", action)]).await;
    }
    assert_eq!(settled(&app).await, (1, 1));
    let (attempts, error, retry_in): (i64, String, i64) = sqlx::query_as(
        "SELECT attempts, last_error, next_attempt_at - created_at FROM notifications WHERE channel = 'email'",
    )
    .fetch_one(&app.inspect().await)
    .await
    .unwrap();
    assert_eq!((attempts, retry_in), (1, 60_000));
    assert!(error.contains("SMTP"), "{error}");
}

#[tokio::test]
async fn without_a_mail_server_only_sms_notices_are_written() {
    let app = spawn_app_with(&[]).await;
    waiting_tickets(&app, 2).await;
    let (staff, counter) = (admin_session(&app).await, loket1(&app).await);
    for action in ["open", "call_next"] {
        app.call("counter_action", Some(&staff), &[("counter", &counter), ("action", action)]).await;
    }
    assert_eq!(settled(&app).await, (2, 0));
    let channels: Vec<String> =
        sqlx::query_scalar("SELECT DISTINCT channel FROM notifications").fetch_all(&app.inspect().await).await.unwrap();
    assert_eq!(channels, ["sms"]);
}
