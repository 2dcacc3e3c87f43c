//! Notices to ticket holders: "almost your turn" and "called", by SMS (the
//! development gateway keeps them in the database) and by email through a real
//! SMTP server on 127.0.0.1.

mod common;

use std::time::Duration;

use std::sync::{Arc, Mutex};

use base64ct::{Base64UrlUnpadded, Encoding};
use common::{spawn_app_with, TestApp};
use web_push_native::p256::elliptic_curve::sec1::ToEncodedPoint;
use web_push_native::p256::SecretKey;

/// Waits (at most 5 s) until every notice written has been sent or tried; returns (sent, tried and failed).
async fn settled(app: &TestApp) -> (i64, i64) {
    let db = app.inspect().await;
    for _ in 0..100 {
        let (pending, sent, failed): (i64, i64, i64) = sqlx::query_as(
            "SELECT COUNT(CASE WHEN attempts = 0 THEN 1 END), COUNT(sent_at),
                    COUNT(CASE WHEN sent_at IS NULL AND attempts > 0 THEN 1 END) FROM notifications",
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
async fn numbers_near_the_front_are_told_at_once_and_each_call_tells_the_called_and_the_next_in_line() {
    let sink = common::smtp::start().await;
    let app = spawn_app_with(&[
        ("ANTREAN_SMTP_URL", format!("smtp://{}", sink.addr)),
        ("ANTREAN_MAIL_FROM", "Antrean Uji <antrean@uji.test>".into()),
    ])
    .await;
    app.waiting_tickets(8).await;
    // Numbers taken with few people ahead are told at once: A-001 … A-006 have 0 … 5 ahead.
    assert_eq!(settled(&app).await, (12, 0));
    let sms = sms_bodies(&app).await;
    assert_eq!(sms.len(), 6, "{sms:#?}");
    assert!(sms[0].starts_with("Antrean A-001: Anda berikutnya"));
    assert!(sms[5].starts_with("Antrean A-006: 5 orang lagi") && sms[5].contains("/tiket/"));
    let (staff, counter) = (app.admin_session().await, app.counter_id("kantah-denpasar", "Loket 1").await.to_string());
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

    // A-001 is called; A-007 now has 5 people ahead; nobody is told twice.
    assert_eq!(settled(&app).await, (16, 0));
    let sms = sms_bodies(&app).await;
    assert_eq!(sms.len(), 8, "{sms:#?}");
    assert!(sms[6..].iter().any(|s| s.starts_with("Antrean A-001: giliran Anda. Silakan menuju Loket 1")));
    assert!(sms[6..].iter().any(|s| s.starts_with("Antrean A-007: 5 orang lagi")));
    assert!(!sms.iter().any(|s| s.starts_with("Antrean A-008")), "A-008 has 6 people ahead");
    let mails = sink.mails();
    assert_eq!(mails.len(), 8);
    assert!(mails.iter().all(|m| m.to == ["warga@contoh.id"] && m.from == "antrean@uji.test"));
    assert!(mails.iter().any(|m| m.data.contains("Subject: Antrean A-001: giliran Anda di Loket 1")));

    // The next call: A-002 is called, and A-008 now has 5 ahead; nobody is told twice.
    act("serve").await;
    act("finish").await;
    act("call_next").await;
    assert_eq!(settled(&app).await, (20, 0));
    let sms = sms_bodies(&app).await;
    assert_eq!(sms.len(), 10);
    assert!(sms[8..].iter().any(|s| s.starts_with("Antrean A-002: giliran Anda")));
    assert!(sms[8..].iter().any(|s| s.starts_with("Antrean A-008: 5 orang lagi")));

    // Calling again is a notice of its own.
    act("recall").await;
    assert_eq!(settled(&app).await, (22, 0));
    assert!(sms_bodies(&app).await.last().unwrap().starts_with("Antrean A-002: panggilan ke-2"));
}

#[tokio::test]
async fn an_email_the_mail_server_does_not_take_waits_for_a_retry_and_the_sms_still_goes() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let app = spawn_app_with(&[("ANTREAN_SMTP_URL", format!("smtp://{closed}"))]).await;
    app.waiting_tickets(1).await;
    let (staff, counter) = (app.admin_session().await, app.counter_id("kantah-denpasar", "Loket 1").await.to_string());
    for action in ["open", "call_next"] {
        app.call("counter_action", Some(&staff), &[("counter", &counter), ("action", action)]).await;
    }
    // "Almost your turn" at booking and "called": both SMS go, both emails wait.
    assert_eq!(settled(&app).await, (2, 2));
    let (attempts, error, retry_in): (i64, String, i64) = sqlx::query_as(
        "SELECT attempts, last_error, next_attempt_at - created_at FROM notifications
         WHERE channel = 'email' AND moment = 'called'",
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
    app.waiting_tickets(2).await;
    let (staff, counter) = (app.admin_session().await, app.counter_id("kantah-denpasar", "Loket 1").await.to_string());
    for action in ["open", "call_next"] {
        app.call("counter_action", Some(&staff), &[("counter", &counter), ("action", action)]).await;
    }
    assert_eq!(settled(&app).await, (3, 0), "two at booking, one at the call");
    let channels: Vec<String> =
        sqlx::query_scalar("SELECT DISTINCT channel FROM notifications").fetch_all(&app.inspect().await).await.unwrap();
    assert_eq!(channels, ["sms"]);
}

/// What a push service received: the request headers and the encrypted body.
type Pushed = Arc<Mutex<Vec<(axum::http::HeaderMap, Vec<u8>)>>>;

/// A push service on 127.0.0.1 that answers every message with `status`.
async fn push_service(status: u16) -> (String, Pushed) {
    let pushed: Pushed = Arc::default();
    let kept = pushed.clone();
    let service = axum::Router::new().route(
        "/push/{browser}",
        axum::routing::post(move |headers: axum::http::HeaderMap, body: axum::body::Bytes| {
            let kept = kept.clone();
            async move {
                kept.lock().unwrap().push((headers, body.to_vec()));
                axum::http::StatusCode::from_u16(status).unwrap()
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, service).await });
    (base, pushed)
}

/// A browser's push keys, as `PushSubscription.toJSON()` gives them.
struct Browser {
    secret: SecretKey,
    auth: [u8; 16],
}

impl Browser {
    fn new() -> Self {
        Self { secret: SecretKey::from_slice(&[7u8; 32]).unwrap(), auth: [9u8; 16] }
    }

    async fn subscribe(&self, app: &TestApp, citizen: &str, endpoint: &str) {
        let p256dh = Base64UrlUnpadded::encode_string(self.secret.public_key().to_encoded_point(false).as_bytes());
        let auth = Base64UrlUnpadded::encode_string(&self.auth);
        let form = [("endpoint", endpoint), ("p256dh", p256dh.as_str()), ("auth", auth.as_str())];
        let saved = app.call("save_push_subscription", Some(citizen), &form).await;
        assert!(saved.status().is_success(), "{}", saved.text().await.unwrap());
    }

    fn read(&self, body: &[u8]) -> serde_json::Value {
        let auth = web_push_native::Auth::clone_from_slice(&self.auth);
        let plain = web_push_native::decrypt(body.to_vec(), &self.secret, &auth).expect("decrypts");
        serde_json::from_slice(&plain).unwrap()
    }
}

#[tokio::test]
async fn a_called_citizen_gets_an_encrypted_push_signed_with_the_servers_vapid_key() {
    let (push, pushed) = push_service(201).await;
    let app = spawn_app_with(&[]).await;
    let citizen = app.waiting_tickets(1).await;
    let browser = Browser::new();
    browser.subscribe(&app, &citizen, &format!("{push}/push/browser-1")).await;
    let (staff, counter) = (app.admin_session().await, app.counter_id("kantah-denpasar", "Loket 1").await.to_string());
    for action in ["open", "call_next"] {
        app.call("counter_action", Some(&staff), &[("counter", &counter), ("action", action)]).await;
    }
    assert_eq!(settled(&app).await, (3, 0), "an SMS at booking, then an SMS and a push at the call");

    let pushed = pushed.lock().unwrap().clone();
    assert_eq!(pushed.len(), 1);
    let (headers, body) = &pushed[0];
    assert_eq!(headers["content-encoding"], "aes128gcm");
    assert_eq!(headers["ttl"], "900");
    let key: String = app.call("push_key", None, &[]).await.json().await.unwrap();
    let authorization = headers["authorization"].to_str().unwrap();
    assert!(authorization.starts_with("vapid t=") && authorization.ends_with(&format!("k={key}")), "{authorization}");
    let message = browser.read(body);
    assert_eq!(message["body"], "Giliran Anda. Silakan menuju Loket 1.");
    assert!(message["title"].as_str().unwrap().starts_with("Antrean A-001"));
    assert!(message["url"].as_str().unwrap().contains("/tiket/"));
}

#[tokio::test]
async fn a_subscription_its_push_service_calls_gone_is_removed() {
    let (push, pushed) = push_service(410).await;
    let app = spawn_app_with(&[]).await;
    let citizen = app.waiting_tickets(1).await;
    Browser::new().subscribe(&app, &citizen, &format!("{push}/push/browser-2")).await;
    let (staff, counter) = (app.admin_session().await, app.counter_id("kantah-denpasar", "Loket 1").await.to_string());
    for action in ["open", "call_next"] {
        app.call("counter_action", Some(&staff), &[("counter", &counter), ("action", action)]).await;
    }
    assert_eq!(settled(&app).await, (2, 1));
    assert_eq!(pushed.lock().unwrap().len(), 1);
    let db = app.inspect().await;
    let left: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM push_subscriptions").fetch_one(&db).await.unwrap();
    assert_eq!(left, 0);
    let failed: Option<i64> =
        sqlx::query_scalar("SELECT failed_at FROM notifications WHERE channel = 'push'").fetch_one(&db).await.unwrap();
    assert!(failed.is_some(), "a gone subscription is not retried");
}

#[tokio::test]
async fn only_push_services_over_https_or_on_this_machine_are_accepted() {
    let app = spawn_app_with(&[]).await;
    let citizen = app.waiting_tickets(1).await;
    let browser = Browser::new();
    let p256dh = Base64UrlUnpadded::encode_string(browser.secret.public_key().to_encoded_point(false).as_bytes());
    for endpoint in ["http://10.0.0.5/push", "ftp://push.example.id/x", "bukan alamat"] {
        let form = [("endpoint", endpoint), ("p256dh", p256dh.as_str()), ("auth", "CQkJCQkJCQkJCQkJCQkJCQ")];
        let refused = app.call("save_push_subscription", Some(&citizen), &form).await;
        assert!(!refused.status().is_success(), "{endpoint}");
    }
}
