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
    // Sent side by side: in the order of their numbers, not of sending.
    let mut sms = sms_bodies(&app).await;
    sms.sort();
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

    // A-001 is served and thanked (SMS and email, with the link to rate the
    // service); the next call: A-002 is called, and A-008 now has 5 ahead;
    // nobody is told twice.
    act("serve").await;
    act("finish").await;
    act("call_next").await;
    assert_eq!(settled(&app).await, (22, 0));
    let sms = sms_bodies(&app).await;
    assert_eq!(sms.len(), 11);
    assert!(sms[8..].iter().any(|s| s.starts_with("Antrean A-001: terima kasih telah datang")));
    assert!(sms[8..].iter().any(|s| s.starts_with("Antrean A-002: giliran Anda")));
    assert!(sms[8..].iter().any(|s| s.starts_with("Antrean A-008: 5 orang lagi")));

    // Calling again is a notice of its own.
    act("recall").await;
    assert_eq!(settled(&app).await, (24, 0));
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
    let (attempts, error, next_attempt_at): (i64, String, i64) = sqlx::query_as(
        "SELECT attempts, last_error, next_attempt_at FROM notifications
         WHERE channel = 'email' AND moment = 'called'",
    )
    .fetch_one(&app.inspect().await)
    .await
    .unwrap();
    assert_eq!(attempts, 1);
    // The sender counts real seconds, whatever the business clock says.
    let retry_in = next_attempt_at - chrono::Utc::now().timestamp_millis();
    assert!((50_000..=60_000).contains(&retry_in), "retried in a minute: {retry_in} ms");
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
    let app = spawn_app_with(&local_push()).await;
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
    assert_eq!(headers["urgency"], "high", "a call wakes the phone");
    let id: i64 = sqlx::query_scalar("SELECT id FROM notifications WHERE channel = 'push'")
        .fetch_one(&app.inspect().await)
        .await
        .unwrap();
    assert_eq!(headers["topic"], format!("antrean-{id}"), "the notice's id names the message");
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
    let (app, pushed) = a_push_refused_with(410).await;
    assert_eq!(pushed, 1);
    let left: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM push_subscriptions").fetch_one(&app.inspect().await).await.unwrap();
    assert_eq!(left, 0);
}

/// A message its push service refuses for good (403 for a subscription made
/// under another site's VAPID key, as FCM answers; 401; 400) is given up, not
/// retried, and not counted as the push service failing: five such
/// subscriptions, saved by one citizen, would otherwise pause everyone's
/// pushes to that service. The subscription stays (a fault of ours, such as
/// a VAPID token refused for a clock's skew, answers the same for all).
#[tokio::test]
async fn a_push_refused_for_good_is_given_up_and_not_counted_against_the_service() {
    for status in [403, 401, 400] {
        let (app, pushed) = a_push_refused_with(status).await;
        assert_eq!(pushed, 1, "HTTP {status}: sent once, not again");
        let left: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM push_subscriptions")
            .fetch_one(&app.inspect().await)
            .await
            .unwrap();
        assert_eq!(left, 1, "HTTP {status}");
    }
}

/// A called citizen's push to a service answering `status`, once every notice
/// is settled (the push given up, not waiting for a retry); the app and the
/// messages the service got.
async fn a_push_refused_with(status: u16) -> (TestApp, usize) {
    let (push, pushed) = push_service(status).await;
    let app = spawn_app_with(&local_push()).await;
    let citizen = app.waiting_tickets(1).await;
    Browser::new().subscribe(&app, &citizen, &format!("{push}/push/browser-2")).await;
    let (staff, counter) = (app.admin_session().await, app.counter_id("kantah-denpasar", "Loket 1").await.to_string());
    for action in ["open", "call_next"] {
        app.call("counter_action", Some(&staff), &[("counter", &counter), ("action", action)]).await;
    }
    assert_eq!(settled(&app).await, (2, 1), "HTTP {status}");
    let failed: Option<i64> = sqlx::query_scalar("SELECT failed_at FROM notifications WHERE channel = 'push'")
        .fetch_one(&app.inspect().await)
        .await
        .unwrap();
    assert!(failed.is_some(), "a push refused with HTTP {status} is not retried");
    let count = pushed.lock().unwrap().len();
    (app, count)
}

/// Tests only: the push services the tests run on 127.0.0.1 are accepted.
fn local_push() -> Vec<(&'static str, String)> {
    vec![("ANTREAN_PUSH_ALLOW_LOOPBACK", "true".into())]
}

#[tokio::test]
async fn a_push_endpoint_must_be_https_on_port_443_to_a_public_host() {
    let (push, pushed) = push_service(201).await;
    let app = spawn_app_with(&[]).await;
    let citizen = app.waiting_tickets(1).await;
    let browser = Browser::new();
    let p256dh = Base64UrlUnpadded::encode_string(browser.secret.public_key().to_encoded_point(false).as_bytes());
    let local = format!("{push}/push/browser-3");
    for endpoint in [
        local.as_str(),
        "https://127.0.0.1/push",
        "https://localhost/push",
        "https://10.0.0.5/push",
        "https://[fd00::1]/push",
        "https://169.254.169.254/latest/meta-data",
        "http://fcm.googleapis.com/fcm/send/x",
        "https://fcm.googleapis.com:8443/fcm/send/x",
        "ftp://push.example.id/x",
        "bukan alamat",
    ] {
        let form = [("endpoint", endpoint), ("p256dh", p256dh.as_str()), ("auth", "CQkJCQkJCQkJCQkJCQkJCQ")];
        let refused = app.call("save_push_subscription", Some(&citizen), &form).await;
        assert_eq!(refused.status(), reqwest::StatusCode::UNPROCESSABLE_ENTITY, "{endpoint}");
        assert_eq!(refused.json::<serde_json::Value>().await.unwrap(), "PushServiceRefused");
    }
    // One that got in some other way (an older version, a hand-edited row) is refused at send time too.
    let (phone, auth, now) = ("+6281234567890", "CQkJCQkJCQkJCQkJCQkJCQ", chrono::Utc::now());
    app::store::push_subscriptions::save(&app.running.db, phone, &local, &p256dh, auth, now).await.unwrap();
    let (staff, counter) = (app.admin_session().await, app.counter_id("kantah-denpasar", "Loket 1").await.to_string());
    for action in ["open", "call_next"] {
        app.call("counter_action", Some(&staff), &[("counter", &counter), ("action", action)]).await;
    }
    assert_eq!(settled(&app).await, (2, 1), "both SMS; the push given up");
    assert!(pushed.lock().unwrap().is_empty(), "nothing was posted to this machine");
    let error: String = sqlx::query_scalar("SELECT last_error FROM notifications WHERE channel = 'push'")
        .fetch_one(&app.inspect().await)
        .await
        .unwrap();
    assert!(error.contains("not allowed"), "{error}");
}

#[tokio::test]
async fn a_push_service_that_redirects_is_not_followed() {
    // The redirect points at this machine's own sink, where a followed request would show.
    let (push, pushed) = push_service(201).await;
    let redirect = axum::Router::new().route(
        "/push/{browser}",
        axum::routing::post(move || async move {
            (axum::http::StatusCode::TEMPORARY_REDIRECT, [("location", "http://169.254.169.254/latest/meta-data")])
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let redirecting = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, redirect).await });
    let _ = push;

    let app = spawn_app_with(&local_push()).await;
    let citizen = app.waiting_tickets(1).await;
    Browser::new().subscribe(&app, &citizen, &format!("{redirecting}/push/browser-4")).await;
    let (staff, counter) = (app.admin_session().await, app.counter_id("kantah-denpasar", "Loket 1").await.to_string());
    for action in ["open", "call_next"] {
        app.call("counter_action", Some(&staff), &[("counter", &counter), ("action", action)]).await;
    }
    assert_eq!(settled(&app).await, (2, 1), "the push is not sent");
    let error: String = sqlx::query_scalar("SELECT last_error FROM notifications WHERE channel = 'push'")
        .fetch_one(&app.inspect().await)
        .await
        .unwrap();
    assert!(error.contains("HTTP 307"), "answered, not followed: {error}");
    assert!(pushed.lock().unwrap().is_empty());
}

#[tokio::test]
async fn a_citizen_keeps_five_push_subscriptions_and_a_sixth_replaces_the_oldest() {
    let (push, _) = push_service(201).await;
    let app = spawn_app_with(&local_push()).await;
    let citizen = app.waiting_tickets(1).await;
    let parallel = (1..=8).map(|n| {
        let (app, citizen, endpoint) = (&app, &citizen, format!("{push}/push/browser-{n}"));
        async move { Browser::new().subscribe(app, citizen, &endpoint).await }
    });
    futures::future::join_all(parallel).await;
    let kept: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM push_subscriptions").fetch_one(&app.inspect().await).await.unwrap();
    assert_eq!(kept, 5);
    Browser::new().subscribe(&app, &citizen, &format!("{push}/push/browser-newest")).await;
    let endpoints: Vec<String> = sqlx::query_scalar("SELECT endpoint FROM push_subscriptions ORDER BY id")
        .fetch_all(&app.inspect().await)
        .await
        .unwrap();
    assert_eq!(endpoints.len(), 5);
    assert!(endpoints.last().unwrap().ends_with("browser-newest"), "{endpoints:?}");
}

/// A push service that takes every message and never answers; counts what it got.
async fn silent_push_service() -> (String, Arc<std::sync::atomic::AtomicUsize>) {
    let received = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let kept = received.clone();
    let service = axum::Router::new().route(
        "/push/{browser}",
        axum::routing::post(move || {
            let kept = kept.clone();
            async move {
                kept.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                std::future::pending::<()>().await;
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, service).await });
    (base, received)
}

#[tokio::test]
async fn a_push_service_that_never_answers_holds_back_no_sms_or_email() {
    let (silent, received) = silent_push_service().await;
    let sink = common::smtp::start().await;
    // Fewer push slots than the silent service gets messages: the push channel is full.
    let mut settings = local_push();
    settings.push(("ANTREAN_SMTP_URL", format!("smtp://{}", sink.addr)));
    settings.push(("ANTREAN_NOTICES_IN_FLIGHT", "4,4,2".into()));
    let app = spawn_app_with(&settings).await;
    let citizen = app.waiting_tickets(3).await;
    for n in 0..4 {
        Browser::new().subscribe(&app, &citizen, &format!("{silent}/push/hanging-{n}")).await;
    }
    let (staff, counter) = (app.admin_session().await, app.counter_id("kantah-denpasar", "Loket 1").await.to_string());
    for action in ["open", "call_next"] {
        app.call("counter_action", Some(&staff), &[("counter", &counter), ("action", action)]).await;
    }
    // The call's SMS and email arrive while every push slot hangs on the silent service.
    let db = app.inspect().await;
    let mut delivered = false;
    for _ in 0..100 {
        let called: i64 = sqlx::query_scalar(
            "SELECT COUNT(sent_at) FROM notifications WHERE moment = 'called' AND channel IN ('sms', 'email')",
        )
        .fetch_one(&db)
        .await
        .unwrap();
        if called == 2 {
            delivered = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(delivered, "the call's SMS and email went out");
    assert!(sink.mails().iter().any(|m| m.data.contains("giliran Anda")));
    assert_eq!(received.load(std::sync::atomic::Ordering::SeqCst), 2, "two pushes in flight, both unanswered");
    let unsent_pushes: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM notifications WHERE channel = 'push' AND sent_at IS NULL")
            .fetch_one(&db)
            .await
            .unwrap();
    assert_eq!(unsent_pushes, 4, "the pushes wait for their own slots");
}

#[tokio::test]
async fn a_notice_no_longer_true_when_its_turn_comes_is_dropped_not_sent_late() {
    // One SMS at a time through a slow provider: notices queue up behind each other.
    let (provider, texts) = common::sms_provider(Duration::from_millis(300), "text").await;
    let app = spawn_app_with(&[
        ("ANTREAN_SMS_GATEWAY", "http".into()),
        ("ANTREAN_SMS_URL", provider),
        ("ANTREAN_NOTICES_IN_FLIGHT", "1,1,1".into()),
    ])
    .await;
    let (staff, counter) = (app.admin_session().await, app.counter_id("kantah-denpasar", "Loket 1").await.to_string());
    let act = |action: &'static str| {
        let (staff, counter) = (staff.clone(), counter.clone());
        let app = &app;
        async move {
            let response = app.call("counter_action", Some(&staff), &[("counter", &counter), ("action", action)]).await;
            assert!(response.status().is_success(), "{action}");
        }
    };
    // Booked at the desk: the citizen's sign-in code would go to the slow provider too.
    for serial in 1..=2 {
        let form = [
            ("office", "kantah-denpasar"),
            ("service", "A"),
            ("when", "today"),
            ("nik", &common::nik(serial)),
            ("name", "Warga Uji"),
            ("phone", "081234567890"),
        ];
        assert!(app.call("staff_book", Some(&staff), &form).await.status().is_success());
    }
    act("open").await;
    // A-001 is called, served and done before its queued notices get their turn.
    for action in ["call_next", "serve", "finish", "call_next"] {
        act(action).await;
    }
    settled(&app).await;
    let texts = texts.lock().unwrap().clone();
    let dropped: Vec<(String, i64)> = sqlx::query_as(
        "SELECT t.display_number, n.call_number FROM notifications n JOIN tickets t ON t.id = n.ticket_id
         WHERE n.failed_at IS NOT NULL AND n.last_error LIKE 'no longer current%' ORDER BY n.id",
    )
    .fetch_all(&app.inspect().await)
    .await
    .unwrap();
    assert!(!dropped.is_empty(), "some notices were overtaken: {texts:#?}");
    assert!(
        !texts.iter().any(|t| t.starts_with("Antrean A-001: giliran Anda")),
        "A-001 was done before its call could be told: {texts:#?}"
    );
    assert!(texts.iter().any(|t| t.starts_with("Antrean A-002: giliran Anda")), "the current call is told: {texts:#?}");
}

/// Books for `date` at the desk for phone 0812 3456 7890; the ticket's code.
async fn desk_booking(app: &TestApp, staff: &str, date: &str, serial: u32) -> String {
    app.desk_book(staff, serial, &[("when", "date"), ("date", date)]).await.code
}

/// The SMS bodies that contain `text`, waiting (at most 10 s) until there are `count`.
async fn sms_containing(app: &TestApp, text: &str, count: usize) -> Vec<String> {
    for _ in 0..200 {
        let found: Vec<String> = sqlx::query_scalar("SELECT body FROM sms_outbox WHERE body LIKE $1 ORDER BY id")
            .bind(format!("%{text}%"))
            .fetch_all(&app.inspect().await)
            .await
            .unwrap();
        if found.len() >= count {
            return found;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("fewer than {count} SMS with {text:?}");
}

#[tokio::test]
async fn the_evening_before_a_booked_day_the_holder_is_reminded_with_a_link_that_cancels() {
    let sink = common::smtp::start().await;
    // Monday 23 November, 18:05 WITA: Denpasar's reminders (18:00) are due for Tuesday.
    let app = spawn_app_with(&[
        ("ANTREAN_NOW", "2026-11-23T18:05:00+08:00".into()),
        ("ANTREAN_SMTP_URL", format!("smtp://{}", sink.addr)),
    ])
    .await;
    let staff = app.admin_session().await;
    let early = desk_booking(&app, &staff, "2026-11-24", 1).await;
    let late = desk_booking(&app, &staff, "2026-11-24", 2).await;
    let day_after = desk_booking(&app, &staff, "2026-11-25", 3).await;
    // The first two were taken at 17:00, before the hour; the clock is pinned, so say so.
    let db = app.tamper().await;
    for code in [&early, &day_after] {
        sqlx::query("UPDATE tickets SET issued_at = $1 WHERE public_code = $2")
            .bind(chrono::DateTime::parse_from_rfc3339("2026-11-23T17:00:00+08:00").unwrap().timestamp_millis())
            .bind(code)
            .execute(&db)
            .await
            .unwrap();
    }
    let reminders = sms_containing(&app, "pengingat", 1).await;
    assert_eq!(reminders.len(), 1, "only the ticket for tomorrow taken before the hour: {reminders:#?}");
    let sms = &reminders[0];
    assert!(sms.contains("Selasa, 24 November 2026") && sms.contains("Kantor Pertanahan Kota Denpasar"), "{sms}");
    let link = sms.rsplit(' ').next().unwrap().to_string();
    assert!(link.starts_with(&format!("{}/batal/{early}.", app.base)), "{link}");
    let mailed = || {
        // Quoted-printable breaks long lines with a trailing "=".
        sink.mails().iter().map(|m| m.data.replace("=\r\n", "").replace("=\n", "")).collect::<Vec<_>>()
    };
    for _ in 0..100 {
        if mailed().iter().any(|m| m.contains("pengingat")) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(mailed().iter().any(|m| m.contains("pengingat") && m.contains(&link)), "{:#?}", mailed());
    // Each reminder is written once, however many rounds (or instances, or restarts) come.
    let now = chrono::DateTime::parse_from_rfc3339("2026-11-23T19:00:00+08:00").unwrap().to_utc();
    let again = app::store::notifications::write_reminders(&app.running.db, b"any", &app.base, true, now);
    assert_eq!(again.await.unwrap(), 0);

    // Opening the link cancels nothing; it shows the ticket and asks.
    let page = reqwest::get(&link).await.unwrap().text().await.unwrap();
    assert!(page.contains("A-001") && page.contains("confirm-cancel"), "{page}");
    let token = link.rsplit('/').next().unwrap();
    let state = |code: String| {
        let app = &app;
        async move {
            let view: serde_json::Value = app.call("ticket", None, &[("code", &code)]).await.json().await.unwrap();
            view["state"].as_str().unwrap().to_string()
        }
    };
    assert_eq!(state(early.clone()).await, "Waiting");
    let forged = token.replacen(&early, &late, 1);
    assert_eq!(app.call("cancel_by_link", None, &[("token", &forged)]).await.status(), reqwest::StatusCode::NOT_FOUND);
    assert!(app.call("cancel_by_link", None, &[("token", token)]).await.status().is_success());
    assert_eq!(state(early.clone()).await, "Cancelled");
    assert_eq!(state(late).await, "Waiting");
    let twice = app.call("cancel_by_link", None, &[("token", token)]).await;
    assert_eq!(twice.status(), reqwest::StatusCode::CONFLICT);
}

#[tokio::test]
async fn a_holder_is_told_when_staff_cancel_their_ticket_and_why() {
    let app = spawn_app_with(&[]).await;
    let staff = app.admin_session().await;
    let code = desk_booking(&app, &staff, "2026-11-24", 1).await;
    let cancelled = app.call("staff_cancel", Some(&staff), &[("code", &code), ("reason", "identity_mismatch")]).await;
    assert!(cancelled.status().is_success());
    let told = sms_containing(&app, "dibatalkan petugas", 1).await;
    assert!(told[0].contains("Data tidak sesuai dengan kartu identitas"), "{told:?}");
}

/// A session of a new admin account of `office` only.
async fn admin_of(app: &TestApp, office: &str) -> String {
    use app::store::sessions::{self, SessionOwner};
    let db = &app.running.db;
    let office_id = app::store::offices::find(db, office).await.unwrap().unwrap().id;
    let role = app::domain::access::Role::Admin;
    let username = format!("admin-{office}");
    let now = chrono::Utc::now();
    let id = app::store::staff::create(db, &username, "Admin", "sandi-uji-panjang", role, Some(office_id), now);
    let id = id.await.unwrap().unwrap();
    sessions::create(db, &SessionOwner::Staff { staff_id: id }, now).await.unwrap()
}

#[tokio::test]
async fn the_outbox_shows_the_backlog_and_the_failures_and_a_failed_notice_can_be_sent_again() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let app = spawn_app_with(&[("ANTREAN_SMTP_URL", format!("smtp://{closed}"))]).await;
    app.waiting_tickets(1).await;
    assert_eq!(settled(&app).await, (1, 1), "the SMS went; the email waits for a retry");
    // The email's tries are used up (as after a day of a dead mail server).
    sqlx::query("UPDATE notifications SET failed_at = 1, last_error = 'SMTP 554 ditolak' WHERE channel = 'email'")
        .execute(&app.tamper().await)
        .await
        .unwrap();
    let denpasar = admin_of(&app, "kantah-denpasar").await;
    let outbox: serde_json::Value =
        app.call("outbox", Some(&denpasar), &[("office", "kantah-denpasar")]).await.json().await.unwrap();
    let email = outbox["channels"].as_array().unwrap().iter().find(|c| c["channel"] == "Email").unwrap().clone();
    assert_eq!((email["unsent"].clone(), email["failed"].clone()), (0.into(), 1.into()), "{outbox}");
    let failed = &outbox["failures"][0];
    assert_eq!(failed["last_error"], "SMTP 554 ditolak");
    let id = failed["id"].as_i64().unwrap().to_string();

    let page = app.client.get(format!("{}/admin/kantor/kantah-denpasar/kotak-keluar", app.base));
    let page = page.header("Cookie", format!("antrean_session={denpasar}")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("SMTP 554 ditolak") && page.contains("Kirim ulang"), "{page}");

    // Another office's admin cannot see it or send it again.
    let bogor = admin_of(&app, "disdukcapil-bogor").await;
    let foreign = app.call("retry_notice", Some(&bogor), &[("office", "disdukcapil-bogor"), ("notice", &id)]).await;
    assert_eq!(foreign.status(), reqwest::StatusCode::NOT_FOUND);
    let peek = app.call("outbox", Some(&bogor), &[("office", "kantah-denpasar")]).await;
    assert_eq!(peek.status(), reqwest::StatusCode::FORBIDDEN);

    let retried = app.call("retry_notice", Some(&denpasar), &[("office", "kantah-denpasar"), ("notice", &id)]).await;
    assert!(retried.status().is_success() || retried.status().is_redirection(), "{}", retried.status());
    let (failed_at, attempts): (Option<i64>, i64) =
        sqlx::query_as("SELECT failed_at, attempts FROM notifications WHERE channel = 'email'")
            .fetch_one(&app.inspect().await)
            .await
            .unwrap();
    assert_eq!(failed_at, None, "back in the outbox");
    assert!(attempts <= 1, "from its first try: {attempts}");
}
