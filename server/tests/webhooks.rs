//! Webhooks against the real server: a receiver on 127.0.0.1 that checks each
//! delivery's signature with the secret shown when the webhook was added gets
//! every ticket event in order; a receiver that is down gets the event on a
//! retry; offices whose receivers hang hold two sends each, and another
//! office's deliveries still go; only public https addresses are accepted; a
//! redirect is not followed; only the office's admins reach its webhooks; and
//! the page shows each webhook's last result and a new secret once.

mod common;

use std::collections::HashMap;
use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use app::domain::webhook::{self, DELIVERY_HEADER, EVENT_HEADER, SIGNATURE_HEADER};
use common::*;
use reqwest::StatusCode;

const DENPASAR: &str = "kantah-denpasar";
const PAGE: &str = "/admin/kantor/kantah-denpasar/webhook";

/// The server's pinned time, as a receiver's clock would read it.
fn now_seconds() -> i64 {
    chrono::DateTime::parse_from_rfc3339(MONDAY_10_WITA).unwrap().timestamp()
}

/// The test server, allowed to post to this machine (as the push tests are).
async fn app_posting_locally() -> TestApp {
    spawn_app_with(&[("ANTREAN_PUSH_ALLOW_LOOPBACK", "true".into())]).await
}

/// A delivery as the receiver took it.
#[derive(Debug, Clone)]
struct Received {
    event: String,
    delivery: String,
    body: serde_json::Value,
}

/// A receiver on 127.0.0.1: it answers `status` to a delivery signed with
/// `secret` within the tolerance (keeping it), and 401 to anything else.
#[derive(Clone)]
struct Receiver {
    url: String,
    secret: Arc<Mutex<String>>,
    status: Arc<AtomicU16>,
    received: Arc<Mutex<Vec<Received>>>,
    refused: Arc<Mutex<u32>>,
}

impl Receiver {
    async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        Self::on(listener).await
    }

    async fn on(listener: tokio::net::TcpListener) -> Self {
        let receiver = Self {
            url: format!("http://{}/antrean", listener.local_addr().unwrap()),
            secret: Arc::default(),
            status: Arc::new(AtomicU16::new(204)),
            received: Arc::default(),
            refused: Arc::default(),
        };
        let state = receiver.clone();
        let service = axum::Router::new().route(
            "/antrean",
            axum::routing::post(move |headers: axum::http::HeaderMap, body: axum::body::Bytes| {
                let state = state.clone();
                async move { state.take(&headers, &body) }
            }),
        );
        tokio::spawn(async move { axum::serve(listener, service).await });
        receiver
    }

    fn take(&self, headers: &axum::http::HeaderMap, body: &[u8]) -> axum::http::StatusCode {
        let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
        let secret = self.secret.lock().unwrap().clone();
        let signed = webhook::verify(&secret, &header(SIGNATURE_HEADER), body, now_seconds());
        if signed.is_err() || header("content-type") != "application/json" {
            *self.refused.lock().unwrap() += 1;
            return axum::http::StatusCode::UNAUTHORIZED;
        }
        let status = self.status.load(Ordering::SeqCst);
        if status / 100 == 2 {
            self.received.lock().unwrap().push(Received {
                event: header(EVENT_HEADER),
                delivery: header(DELIVERY_HEADER),
                body: serde_json::from_slice(body).unwrap(),
            });
        }
        axum::http::StatusCode::from_u16(status).unwrap()
    }

    fn events(&self) -> Vec<String> {
        self.received.lock().unwrap().iter().map(|r| r.event.clone()).collect()
    }

    /// Waits (up to 20 s) until `count` deliveries came.
    async fn wait_for(&self, count: usize) -> Vec<Received> {
        for _ in 0..200 {
            if self.received.lock().unwrap().len() >= count {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let received = self.received.lock().unwrap().clone();
        assert!(received.len() >= count, "{count} deliveries expected, got {:?}", self.events());
        received
    }
}

/// A receiver on 127.0.0.1 that takes each request and never answers, as a
/// system that hangs: it counts, for each office (the path's first part), the
/// requests it holds open now and the most it held at once.
#[derive(Clone, Default)]
struct Hanging {
    url: String,
    open: Arc<Mutex<HashMap<String, usize>>>,
    most: Arc<Mutex<HashMap<String, usize>>>,
}

/// A request the hanging receiver holds: counted open until the sender gives
/// up on it and the connection closes.
struct Held {
    hanging: Hanging,
    office: String,
}

impl Drop for Held {
    fn drop(&mut self) {
        *self.hanging.open.lock().unwrap().entry(self.office.clone()).or_default() -= 1;
    }
}

impl Hanging {
    async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let hanging = Self { url: format!("http://{}", listener.local_addr().unwrap()), ..Self::default() };
        let state = hanging.clone();
        let service = axum::Router::new().route(
            "/{office}/{webhook}",
            axum::routing::post(move |axum::extract::Path((office, _)): axum::extract::Path<(String, u32)>| {
                let held = state.hold(office);
                async move {
                    let _held = held;
                    std::future::pending::<axum::http::StatusCode>().await
                }
            }),
        );
        tokio::spawn(async move { axum::serve(listener, service).await });
        hanging
    }

    fn hold(&self, office: String) -> Held {
        let mut open = self.open.lock().unwrap();
        let now = open.entry(office.clone()).or_default();
        *now += 1;
        let mut most = self.most.lock().unwrap();
        let most = most.entry(office.clone()).or_default();
        *most = (*most).max(*now);
        Held { hanging: self.clone(), office }
    }

    fn open(&self) -> usize {
        self.open.lock().unwrap().values().sum()
    }
}

/// Adds a webhook as a script does (not a browser's form): the answer holds
/// its id and its secret.
async fn add_webhook(app: &TestApp, admin: &str, url: &str, events: &[&str]) -> (String, String) {
    let response = call_form(app, "add_webhook", Some(admin), &webhook_form(url, events)).await;
    assert_eq!(response.status(), StatusCode::OK, "add_webhook");
    let added: serde_json::Value = response.json().await.unwrap();
    let secret = added["secret"].as_str().expect("the secret, once").to_string();
    assert_eq!(secret.len(), 64, "32 random bytes in hex: {secret}");
    (added["webhook"].to_string(), secret)
}

fn webhook_form<'a>(url: &'a str, events: &[&'a str]) -> Vec<(String, &'a str)> {
    let mut form = vec![("office".to_string(), DENPASAR), ("url".to_string(), url)];
    form.extend(events.iter().enumerate().map(|(i, event)| (format!("events[{i}]"), *event)));
    form
}

/// `TestApp::call` with a form whose field names are made (`events[0]`…).
async fn call_form(app: &TestApp, endpoint: &str, session: Option<&str>, form: &[(String, &str)]) -> reqwest::Response {
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), *v)).collect();
    app.call(endpoint, session, &form).await
}

async fn counter_action(app: &TestApp, staff: &str, counter: &str, action: &str) {
    let done = app.call("counter_action", Some(staff), &[("counter", counter), ("action", action)]).await;
    assert!(done.status().is_success(), "{action}: {}", done.status());
}

/// A delivery's attempts, last result and whether it was delivered, newest first.
async fn deliveries(app: &TestApp) -> Vec<(i64, Option<String>, bool)> {
    let rows: Vec<(i64, Option<String>, Option<i64>)> =
        sqlx::query_as("SELECT attempts, last_result, delivered_at FROM webhook_deliveries ORDER BY id DESC")
            .fetch_all(&app.inspect().await)
            .await
            .unwrap();
    rows.into_iter().map(|(attempts, result, delivered)| (attempts, result, delivered.is_some())).collect()
}

/// Waits (up to 20 s) until the newest delivery was tried `attempts` times.
async fn tried(app: &TestApp, attempts: i64) -> (i64, Option<String>, bool) {
    for _ in 0..200 {
        if let Some(newest) = deliveries(app).await.first().filter(|d| d.0 >= attempts) {
            return newest.clone();
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("no delivery tried {attempts} times: {:?}", deliveries(app).await);
}

/// The server's clock is pinned, so time is moved on for the deliveries
/// instead: each one waiting for a retry becomes due now, as after its backoff.
async fn backoff_passes(app: &TestApp) {
    sqlx::query("UPDATE webhook_deliveries SET due_at = due_at - $1 WHERE delivered_at IS NULL")
        .bind(webhook::RETRY_DELAYS_SECONDS[0] * 1000)
        .execute(&app.tamper().await)
        .await
        .unwrap();
}

#[tokio::test]
async fn each_ticket_event_reaches_the_receiver_signed_and_in_order() {
    let app = app_posting_locally().await;
    let admin = app.admin_session().await;
    let receiver = Receiver::start().await;
    let all: Vec<&str> = webhook::WebhookEvent::ALL.iter().map(|e| e.as_str()).collect();
    let (_, secret) = add_webhook(&app, &admin, &receiver.url, &all).await;
    *receiver.secret.lock().unwrap() = secret;

    let tickets =
        [app.desk_book(&admin, 1, &[]).await, app.desk_book(&admin, 2, &[]).await, app.desk_book(&admin, 3, &[]).await];
    let loket = app.counter_id(DENPASAR, "Loket 1").await.to_string();
    for action in ["open", "call_next", "serve", "finish", "call_next", "recall", "recall", "no_show"] {
        counter_action(&app, &admin, &loket, action).await;
    }
    let cancel =
        app.call("staff_cancel", Some(&admin), &[("code", tickets[2].code.as_str()), ("reason", "duplicate")]).await;
    assert!(cancel.status().is_success(), "cancel: {}", cancel.status());

    let received = receiver.wait_for(10).await;
    assert_eq!(
        receiver.events(),
        [
            "ticket.issued",
            "ticket.issued",
            "ticket.issued",
            "ticket.called",
            "ticket.finished",
            "ticket.called",
            "ticket.called",
            "ticket.called",
            "ticket.no_show",
            "ticket.cancelled"
        ]
    );
    assert_eq!(*receiver.refused.lock().unwrap(), 0, "every delivery carried a good signature");
    let called = &received[3].body;
    assert_eq!(called["event"], "ticket.called");
    assert_eq!(called["delivery"].to_string(), received[3].delivery, "the body names the delivery");
    assert_eq!(called["office"], DENPASAR);
    assert_eq!(called["ticket"]["number"], tickets[0].display_number.as_str());
    assert_eq!(called["ticket"]["service"], "A");
    assert_eq!(called["ticket"]["counter"], "Loket 1");
    assert_eq!(called["occurred_at"], "2026-11-23T02:00:00Z");
    assert_eq!(received[0].body["ticket"]["counter"], serde_json::Value::Null, "an issued number has no counter");
    assert_eq!(received[9].body["ticket"]["number"], tickets[2].display_number.as_str());
    for delivery in &received {
        let text = delivery.body.to_string();
        // Nor the ticket's code, which is the holder's proof on the ticket page.
        for private in ["Warga Uji", "5171011201900001", "81234567890", "warga@contoh.id", tickets[0].code.as_str()] {
            assert!(!text.contains(private), "no citizen's data: {text}");
        }
    }
}

#[tokio::test]
async fn a_webhook_is_told_only_the_events_it_chose() {
    let app = app_posting_locally().await;
    let admin = app.admin_session().await;
    let receiver = Receiver::start().await;
    let (_, secret) = add_webhook(&app, &admin, &receiver.url, &["ticket.cancelled"]).await;
    *receiver.secret.lock().unwrap() = secret;
    let code = app.desk_book(&admin, 1, &[]).await.code;
    let cancel = app.call("staff_cancel", Some(&admin), &[("code", code.as_str()), ("reason", "duplicate")]).await;
    assert!(cancel.status().is_success());
    receiver.wait_for(1).await;
    assert_eq!(receiver.events(), ["ticket.cancelled"]);
    assert_eq!(deliveries(&app).await.len(), 1, "no delivery written for the issue");
}

/// Whether an office has a webhook is kept in memory with its settings, which
/// the database marks as changed when one is added or removed: the next
/// booking follows either at once.
#[tokio::test]
async fn a_booking_follows_a_webhook_added_or_removed_just_before() {
    let app = app_posting_locally().await;
    let admin = app.admin_session().await;
    app.desk_book(&admin, 1, &[]).await;
    let receiver = Receiver::start().await;
    let (webhook, secret) = add_webhook(&app, &admin, &receiver.url, &["ticket.issued"]).await;
    *receiver.secret.lock().unwrap() = secret;
    app.desk_book(&admin, 2, &[]).await;
    receiver.wait_for(1).await;
    let which = [("office", DENPASAR), ("webhook", webhook.as_str())];
    assert!(app.call("remove_webhook", Some(&admin), &which).await.status().is_success());
    app.desk_book(&admin, 3, &[]).await;
    assert_eq!(deliveries(&app).await.len(), 1, "a delivery only for the booking made while the webhook was there");
}

#[tokio::test]
async fn a_receiver_that_is_down_gets_the_event_on_a_retry() {
    let app = app_posting_locally().await;
    let admin = app.admin_session().await;
    // A port with nothing listening on it (yet).
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = closed.local_addr().unwrap();
    drop(closed);
    let url = format!("http://{address}/antrean");
    let (_, secret) = add_webhook(&app, &admin, &url, &["ticket.issued"]).await;
    app.desk_book(&admin, 1, &[]).await;

    let (attempts, result, delivered) = tried(&app, 1).await;
    assert_eq!((attempts, delivered), (1, false));
    assert!(result.as_deref().unwrap_or_default().contains("onnect"), "a connection error: {result:?}");
    let due: i64 = sqlx::query_scalar("SELECT due_at - created_at FROM webhook_deliveries")
        .fetch_one(&app.inspect().await)
        .await
        .unwrap();
    assert_eq!(due, webhook::RETRY_DELAYS_SECONDS[0] * 1000, "due again after the first backoff");

    // The receiver comes back, answering 503 at first: another failed try.
    let receiver = Receiver::on(tokio::net::TcpListener::bind(address).await.unwrap()).await;
    *receiver.secret.lock().unwrap() = secret;
    receiver.status.store(503, Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(tried(&app, 1).await.0, 1, "not tried again before its time");
    backoff_passes(&app).await;
    let (attempts, result, delivered) = tried(&app, 2).await;
    assert_eq!((attempts, result.as_deref(), delivered), (2, Some("HTTP 503"), false));

    receiver.status.store(200, Ordering::SeqCst);
    for _ in 0..webhook::RETRY_DELAYS_SECONDS[1] / webhook::RETRY_DELAYS_SECONDS[0] {
        backoff_passes(&app).await;
    }
    let received = receiver.wait_for(1).await;
    assert_eq!(received[0].event, "ticket.issued");
    assert_eq!(tried(&app, 3).await, (3, Some("HTTP 200".into()), true));
}

#[tokio::test]
async fn only_public_https_addresses_are_accepted() {
    let app = spawn_app().await;
    let admin = app.admin_session().await;
    for url in [
        "https://10.0.0.1/",
        "http://example.com/",
        "https://169.254.169.254/latest/meta-data",
        "https://127.0.0.1/",
        "https://example.com:8443/",
        "https://user:pw@example.com/",
        "bukan alamat",
    ] {
        let refused = call_form(&app, "add_webhook", Some(&admin), &webhook_form(url, &["ticket.issued"])).await;
        assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY, "{url}");
        let error: serde_json::Value = refused.json().await.unwrap();
        assert_eq!(error["Invalid"][0]["field"], "WebhookUrl", "{url}: {error}");
        assert_eq!(error["Invalid"][0]["problem"]["Webhook"], "NotPublicHttps", "{url}");
    }
    let no_events = call_form(&app, "add_webhook", Some(&admin), &webhook_form("https://example.com/", &[])).await;
    assert_eq!(no_events.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let error: serde_json::Value = no_events.json().await.unwrap();
    assert_eq!(error["Invalid"][0]["field"], "WebhookEvents");
    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM webhooks").fetch_one(&app.inspect().await).await.unwrap();
    assert_eq!(count, 0);

    for n in 0..webhook::MAX_PER_OFFICE {
        add_webhook(&app, &admin, &format!("https://hooks{n}.example.com/"), &["ticket.issued"]).await;
    }
    let sixth =
        call_form(&app, "add_webhook", Some(&admin), &webhook_form("https://example.com/", &["ticket.issued"])).await;
    assert_eq!(sixth.status(), StatusCode::UNPROCESSABLE_ENTITY, "at most five per office");
}

#[tokio::test]
async fn a_receiver_that_redirects_is_not_followed_and_the_delivery_fails() {
    let app = app_posting_locally().await;
    let admin = app.admin_session().await;
    let elsewhere = Receiver::start().await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/antrean", listener.local_addr().unwrap());
    let target = elsewhere.url.clone();
    let redirect = axum::Router::new().route(
        "/antrean",
        axum::routing::post(move || {
            let target = target.clone();
            async move { (axum::http::StatusCode::FOUND, [("location", target)]) }
        }),
    );
    tokio::spawn(async move { axum::serve(listener, redirect).await });
    let (_, secret) = add_webhook(&app, &admin, &url, &["ticket.issued"]).await;
    *elsewhere.secret.lock().unwrap() = secret;
    app.desk_book(&admin, 1, &[]).await;

    let (attempts, result, delivered) = tried(&app, 1).await;
    assert_eq!((attempts, result.as_deref(), delivered), (1, Some("HTTP 302"), false));
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(elsewhere.events().is_empty(), "the redirect was not followed");
    assert_eq!(*elsewhere.refused.lock().unwrap(), 0);
}

#[tokio::test]
async fn only_the_offices_admins_reach_its_webhooks() {
    let app = spawn_app().await;
    let admin = app.admin_session().await;
    let (webhook, _) = add_webhook(&app, &admin, "https://hooks.example.com/", &["ticket.issued"]).await;
    let password = "kata-sandi-panjang";
    let form = [
        ("username", "admin-bogor"),
        ("full_name", "Admin Bogor"),
        ("role", "admin"),
        ("office", "disdukcapil-bogor"),
        ("password", password),
    ];
    assert!(app.call("create_account", Some(&admin), &form).await.status().is_success());
    let signed_in = app.call("staff_sign_in", None, &[("username", "admin-bogor"), ("password", password)]).await;
    let bogor = session_from(&signed_in).expect("signed in");

    let list = app.call("webhooks", Some(&bogor), &[("office", DENPASAR)]).await;
    assert_eq!(list.status(), StatusCode::FORBIDDEN);
    let add =
        call_form(&app, "add_webhook", Some(&bogor), &webhook_form("https://evil.example.com/", &["ticket.issued"]))
            .await;
    assert_eq!(add.status(), StatusCode::FORBIDDEN);
    for endpoint in ["remove_webhook", "rotate_webhook_secret"] {
        let refused = app.call(endpoint, Some(&bogor), &[("office", DENPASAR), ("webhook", webhook.as_str())]).await;
        assert_eq!(refused.status(), StatusCode::FORBIDDEN, "{endpoint}");
    }
    // Nor through their own office's address: the webhook is not theirs.
    let theirs = [("office", "disdukcapil-bogor"), ("webhook", webhook.as_str())];
    assert_eq!(app.call("remove_webhook", Some(&bogor), &theirs).await.status(), StatusCode::NOT_FOUND);
    let mine = app.call("webhooks", Some(&admin), &[("office", DENPASAR)]).await;
    let mine: serde_json::Value = mine.json().await.unwrap();
    assert_eq!(mine["webhooks"].as_array().unwrap().len(), 1);
}

/// A browser's plain form post: where it is sent next.
async fn browser_post(app: &TestApp, session: &str, endpoint: &str, form: &[(String, &str)]) -> String {
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let response = client
        .post(format!("{}/api/{endpoint}", app.base))
        .header("Accept", "text/html")
        .header("Origin", &app.origin)
        .header("Referer", format!("{}{PAGE}", app.base))
        .header("Cookie", format!("antrean_session={session}"))
        .form(form)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 302, "{endpoint} answers with a redirect");
    response.headers()["location"].to_str().unwrap().to_string()
}

#[tokio::test]
async fn the_page_shows_a_new_secret_once_and_each_webhooks_last_result() {
    let app = app_posting_locally().await;
    let admin = app.admin_session().await;
    let receiver = Receiver::start().await;
    let next = browser_post(&app, &admin, "add_webhook", &webhook_form(&receiver.url, &["ticket.issued"])).await;
    assert!(next.starts_with(&format!("{PAGE}?rahasia=")), "{next}");
    let secret: String =
        sqlx::query_scalar("SELECT secret FROM webhooks").fetch_one(&app.inspect().await).await.unwrap();
    let open = |site: &'static str| {
        let (app, admin, next) = (&app, &admin, &next);
        async move {
            app.client
                .get(format!("{}{next}", app.base))
                .header("Cookie", format!("{}={admin}", app.session_cookie()))
                .header("Sec-Fetch-Site", site)
                .send()
                .await
                .unwrap()
        }
    };
    // Another site's link to the page neither shows the secret nor uses up its showing.
    let lured = open("cross-site").await.text().await.unwrap();
    assert!(!lured.contains(&secret), "not shown to a link from another site");
    let shown = open("same-origin").await;
    assert_eq!(shown.headers()["cache-control"], "no-store", "kept by no cache");
    let shown = shown.text().await.unwrap();
    assert!(shown.contains(&secret), "the secret is shown on the page the form leads to");
    assert!(shown.contains(&receiver.url));
    let again = app.page(&admin, &next).await;
    assert!(!again.contains(&secret), "and never again");
    assert!(again.contains(&receiver.url));

    *receiver.secret.lock().unwrap() = secret;
    receiver.status.store(503, Ordering::SeqCst);
    app.desk_book(&admin, 1, &[]).await;
    tried(&app, 1).await;
    let page = app.page(&admin, PAGE).await;
    assert!(page.contains("HTTP 503"), "the last result");
    let pending = page.split(r#"data-testid="pending""#).nth(1).and_then(|cell| cell.split('<').next());
    assert!(pending.is_some_and(|cell| cell.ends_with(">1")), "one delivery waiting: {pending:?}");

    let refused =
        browser_post(&app, &admin, "add_webhook", &webhook_form("https://10.0.0.1/", &["ticket.issued"])).await;
    assert!(refused.contains("form=webhook-baru") && refused.contains("__err="), "{refused}");
    let page = app.page(&admin, &refused).await;
    assert!(page.contains("port 443"), "the reason beside the address");
    assert!(page.contains("https://10.0.0.1/"), "what was typed comes back");

    let settings = app.page(&admin, "/admin/kantor/kantah-denpasar").await;
    assert!(settings.contains(r#"href="/admin/kantor/kantah-denpasar/webhook""#), "linked from the settings page");
}

#[tokio::test]
#[ignore = "needs two instances on PostgreSQL (ANTREAN_TEST_ENGINE=postgres); ./antrean test runs it"]
async fn two_instances_send_each_delivery_once_and_in_order() {
    assert!(on_postgres(), "two instances share a PostgreSQL database: run with ANTREAN_TEST_ENGINE=postgres");
    let first = app_posting_locally().await;
    let second = first.another_instance().await;
    let admin = first.admin_session().await;
    let receiver = Receiver::start().await;
    let (_, secret) = add_webhook(&first, &admin, &receiver.url, &["ticket.issued"]).await;
    *receiver.secret.lock().unwrap() = secret;
    let mut numbers = Vec::new();
    for serial in 1..=12 {
        let app = if serial % 2 == 0 { &first } else { &second };
        numbers.push(app.desk_book(&admin, serial, &[]).await.display_number);
    }
    let received = receiver.wait_for(12).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let told: Vec<String> =
        receiver.received.lock().unwrap().iter().map(|r| r.body["ticket"]["number"].to_string()).collect();
    let booked: Vec<String> = numbers.iter().map(|n| format!("\"{n}\"")).collect();
    assert_eq!(told, booked, "each once, in the order they were issued");
    assert_eq!(received.len(), 12);
}

#[tokio::test]
async fn after_its_last_try_a_delivery_is_given_up_and_the_next_one_goes() {
    let app = app_posting_locally().await;
    let admin = app.admin_session().await;
    let receiver = Receiver::start().await;
    let (_, secret) = add_webhook(&app, &admin, &receiver.url, &["ticket.issued"]).await;
    *receiver.secret.lock().unwrap() = secret;
    receiver.status.store(500, Ordering::SeqCst);
    let first = app.desk_book(&admin, 1, &[]).await;
    tried(&app, 1).await;
    // The first delivery has had every try but its last; a second one waits behind it.
    sqlx::query("UPDATE webhook_deliveries SET attempts = $1, due_at = 0")
        .bind(i64::from(webhook::MAX_ATTEMPTS) - 1)
        .execute(&app.tamper().await)
        .await
        .unwrap();
    receiver.status.store(204, Ordering::SeqCst);
    *receiver.secret.lock().unwrap() = "wrong until the last try is over".into();
    let second = app.desk_book(&admin, 2, &[]).await;

    for _ in 0..200 {
        let given_up: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM webhook_deliveries WHERE given_up_at IS NOT NULL")
            .fetch_one(&app.inspect().await)
            .await
            .unwrap();
        if given_up == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let rows: Vec<(i64, Option<i64>, Option<i64>)> =
        sqlx::query_as("SELECT attempts, given_up_at, delivered_at FROM webhook_deliveries ORDER BY id")
            .fetch_all(&app.inspect().await)
            .await
            .unwrap();
    assert_eq!(rows[0].0, i64::from(webhook::MAX_ATTEMPTS), "the last try was made");
    assert!(rows[0].1.is_some(), "and the delivery given up: {rows:?}");
    assert!(*receiver.refused.lock().unwrap() >= 1);

    let secret: String =
        sqlx::query_scalar("SELECT secret FROM webhooks").fetch_one(&app.inspect().await).await.unwrap();
    *receiver.secret.lock().unwrap() = secret;
    backoff_passes(&app).await;
    let received = receiver.wait_for(1).await;
    assert_eq!(
        received[0].body["ticket"]["number"],
        second.display_number.as_str(),
        "the next one was not held back: {}",
        first.display_number
    );
}

#[tokio::test]
async fn a_new_secret_signs_what_follows_and_a_removed_webhook_is_told_nothing_more() {
    let app = app_posting_locally().await;
    let admin = app.admin_session().await;
    let receiver = Receiver::start().await;
    let (webhook, old) = add_webhook(&app, &admin, &receiver.url, &["ticket.issued"]).await;
    let which = [("office", DENPASAR), ("webhook", webhook.as_str())];
    let rotated = app.call("rotate_webhook_secret", Some(&admin), &which).await;
    assert_eq!(rotated.status(), StatusCode::OK);
    let rotated: serde_json::Value = rotated.json().await.unwrap();
    let new = rotated["secret"].as_str().expect("the new secret, once").to_string();
    assert_ne!(new, old);
    *receiver.secret.lock().unwrap() = new;
    app.desk_book(&admin, 1, &[]).await;
    receiver.wait_for(1).await;
    assert_eq!(*receiver.refused.lock().unwrap(), 0, "signed with the new secret");

    receiver.status.store(503, Ordering::SeqCst);
    app.desk_book(&admin, 2, &[]).await;
    tried(&app, 1).await;
    let removed = app.call("remove_webhook", Some(&admin), &which).await;
    assert!(removed.status().is_success(), "remove: {}", removed.status());
    receiver.status.store(204, Ordering::SeqCst);
    backoff_passes(&app).await;
    app.desk_book(&admin, 3, &[]).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(receiver.events().len(), 1, "nothing after the removal, nor what was waiting");
    let listed = app.call("webhooks", Some(&admin), &[("office", DENPASAR)]).await;
    let listed: serde_json::Value = listed.json().await.unwrap();
    assert_eq!(listed["webhooks"], serde_json::json!([]));
    let again = app.call("remove_webhook", Some(&admin), &which).await;
    assert_eq!(again.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn deliveries_finished_long_ago_are_removed_and_pending_ones_stay() {
    let app = app_posting_locally().await;
    let admin = app.admin_session().await;
    let receiver = Receiver::start().await;
    let (_, secret) = add_webhook(&app, &admin, &receiver.url, &["ticket.issued"]).await;
    *receiver.secret.lock().unwrap() = secret;
    app.desk_book(&admin, 1, &[]).await;
    app.desk_book(&admin, 2, &[]).await;
    receiver.wait_for(2).await;
    for _ in 0..200 {
        if deliveries(&app).await.iter().all(|d| d.2) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    receiver.status.store(503, Ordering::SeqCst);
    app.desk_book(&admin, 3, &[]).await;
    tried(&app, 1).await;

    // The first was made and delivered 31 days ago.
    let now = chrono::DateTime::parse_from_rfc3339(MONDAY_10_WITA).unwrap().with_timezone(&chrono::Utc);
    let kept = chrono::Duration::days(webhook::FINISHED_DELIVERIES_KEPT_DAYS);
    sqlx::query(
        "UPDATE webhook_deliveries SET created_at = $1, delivered_at = $1
         WHERE id = (SELECT MIN(id) FROM webhook_deliveries)",
    )
    .bind((now - kept - chrono::Duration::days(1)).timestamp_millis())
    .execute(&app.tamper().await)
    .await
    .unwrap();
    assert_eq!(app::store::webhooks::backlog(&app.running.db).await.unwrap(), (1, 0));
    let removed = app::store::webhooks::remove_finished(&app.running.db, now - kept).await.unwrap();
    assert_eq!(removed, 1);
    let left = deliveries(&app).await;
    assert_eq!(left.len(), 2, "the recent delivered one and the pending one stay: {left:?}");
    assert!(left.iter().any(|d| !d.2), "the pending one stays");
}

#[tokio::test]
async fn a_webhook_with_a_full_backlog_gets_no_more_until_it_drains() {
    let app = app_posting_locally().await;
    let admin = app.admin_session().await;
    let receiver = Receiver::start().await;
    let (_, secret) = add_webhook(&app, &admin, &receiver.url, &["ticket.issued"]).await;
    *receiver.secret.lock().unwrap() = secret;
    let webhook: i64 = sqlx::query_scalar("SELECT id FROM webhooks").fetch_one(&app.inspect().await).await.unwrap();
    // A receiver down for a day: its backlog is full, none of it due yet.
    sqlx::query(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $2)
         INSERT INTO webhook_deliveries (webhook_id, event, body, created_at, due_at)
         SELECT $1, 'ticket.issued', '{}', 0, 9999999999999 FROM n",
    )
    .bind(webhook)
    .bind(webhook::PENDING_PER_WEBHOOK)
    .execute(&app.tamper().await)
    .await
    .unwrap();
    let count = || async {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM webhook_deliveries")
            .fetch_one(&app.inspect().await)
            .await
            .unwrap();
        n
    };
    app.desk_book(&admin, 1, &[]).await;
    assert_eq!(count().await, webhook::PENDING_PER_WEBHOOK, "nothing more is written");
    sqlx::query("DELETE FROM webhook_deliveries WHERE id = (SELECT MIN(id) FROM webhook_deliveries)")
        .execute(&app.tamper().await)
        .await
        .unwrap();
    app.desk_book(&admin, 2, &[]).await;
    assert_eq!(count().await, webhook::PENDING_PER_WEBHOOK, "room for one, and it is taken");
}

#[tokio::test]
async fn offices_whose_receivers_hang_hold_two_slots_each_and_others_deliveries_go_at_once() {
    use app::domain::webhook::{EventBody, TicketFacts, IN_FLIGHT_PER_OFFICE, MAX_PER_OFFICE};
    use app::webhook::{IN_FLIGHT, SEND_TIMEOUT};

    let app = app_posting_locally().await;
    let admin = app.admin_session().await;
    let hanging = Hanging::start().await;
    // Enough offices, each with its most webhooks all hanging, to take every
    // send slot of the instance if nothing held each office to its allowance.
    let offices = IN_FLIGHT / MAX_PER_OFFICE + 1;
    let db = app.tamper().await;
    for office in 0..offices {
        let slug = format!("kantor-macet-{office}");
        let office_id: i64 = sqlx::query_scalar(
            "INSERT INTO offices (slug, name, time_zone, created_at) VALUES ($1, $1, 'Asia/Makassar', 0) RETURNING id",
        )
        .bind(&slug)
        .fetch_one(&db)
        .await
        .unwrap();
        let body = EventBody {
            occurred_at: chrono::DateTime::parse_from_rfc3339(MONDAY_10_WITA).unwrap().into(),
            office: slug.clone(),
            ticket: TicketFacts {
                number: "A-001".into(),
                service: "A".into(),
                service_name: "Layanan".into(),
                service_date: "2026-11-23".into(),
                counter: None,
            },
        };
        for webhook in 0..MAX_PER_OFFICE {
            let webhook_id: i64 = sqlx::query_scalar(
                "INSERT INTO webhooks (office_id, url, secret, events, created_at)
                 VALUES ($1, $2, 'rahasia', ',ticket.issued,', 0) RETURNING id",
            )
            .bind(office_id)
            .bind(format!("{}/{slug}/{webhook}", hanging.url))
            .fetch_one(&db)
            .await
            .unwrap();
            sqlx::query(
                "INSERT INTO webhook_deliveries (webhook_id, event, body, created_at, due_at)
                 VALUES ($1, 'ticket.issued', $2, 0, 0)",
            )
            .bind(webhook_id)
            .bind(serde_json::to_string(&body).unwrap())
            .execute(&db)
            .await
            .unwrap();
        }
    }
    let allowed = offices * usize::try_from(IN_FLIGHT_PER_OFFICE).unwrap();
    for _ in 0..200 {
        if hanging.open() >= allowed {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(hanging.open() >= allowed, "the hanging receivers were reached: {:?}", hanging.open.lock().unwrap());
    // A round more, for a sender that would take more of them.
    tokio::time::sleep(Duration::from_millis(1500)).await;

    let receiver = Receiver::start().await;
    let (_, secret) = add_webhook(&app, &admin, &receiver.url, &["ticket.issued"]).await;
    *receiver.secret.lock().unwrap() = secret;
    let booked_at = std::time::Instant::now();
    app.desk_book(&admin, 1, &[]).await;
    while receiver.events().is_empty() && booked_at.elapsed() < SEND_TIMEOUT {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        booked_at.elapsed() < SEND_TIMEOUT / 2,
        "Denpasar's delivery went while the others hung, not after they timed out: {:?}",
        booked_at.elapsed()
    );
    assert_eq!(hanging.open(), allowed, "the hanging ones were still held open");
    let most = hanging.most.lock().unwrap().clone();
    assert_eq!(most.len(), offices, "every office's receivers were reached");
    for (office, most) in most {
        assert!(most <= allowed / offices, "{office} had {most} requests open at once");
    }
}
