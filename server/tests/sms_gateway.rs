//! The SMS gateways against real HTTP: the HTTP gateway talks to a small provider
//! started inside each test (it records what arrives and answers as told), and
//! the development outbox page is read from the running server.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use antrean_server::{sms_gateway, start, Config, Running};
use app::domain::identity::PhoneNumber;
use app::sms::{
    BodyKind, BodyTemplate, DevGateway, HttpGateway, HttpGatewaySettings, PhoneFormat, SmsError, SmsGateway,
};
use app::store::Db;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Router;
use chrono::Utc;
use tokio::net::TcpListener;

/// What the SMS text looks like: a code, a quoted warning and the WebOTP line.
const MESSAGE: &str =
    "Kode Antrean: 7KQ2MX\n\"Jangan berikan\" kode ini \\ siapa pun & 100% rahasia\n\n@antrean.id #7KQ2MX";

fn phone() -> PhoneNumber {
    PhoneNumber::parse("0812-3456-7890").expect("a valid mobile number")
}

#[derive(Debug, Clone)]
struct Received {
    method: Method,
    headers: HeaderMap,
    body: String,
}

#[derive(Debug, Clone, Copy)]
enum Reply {
    Status(u16),
    /// Answers only after every sensible timeout.
    Stall,
}

/// A stand-in SMS provider: records every request and gives the scripted
/// replies in order, then 200.
#[derive(Clone, Default)]
struct Provider {
    received: Arc<Mutex<Vec<Received>>>,
    replies: Arc<Mutex<VecDeque<Reply>>>,
}

impl Provider {
    fn received(&self) -> Vec<Received> {
        self.received.lock().expect("provider lock").clone()
    }
}

async fn provider_endpoint(
    State(provider): State<Provider>,
    method: Method,
    headers: HeaderMap,
    body: String,
) -> Response {
    provider.received.lock().expect("provider lock").push(Received { method, headers, body });
    let reply = provider.replies.lock().expect("provider lock").pop_front().unwrap_or(Reply::Status(200));
    match reply {
        Reply::Status(code) => {
            let status = StatusCode::from_u16(code).expect("a valid status");
            (status, format!("{{\"status\":{code},\n  \"error\":\"nomor tidak valid\"}}")).into_response()
        }
        Reply::Stall => {
            tokio::time::sleep(Duration::from_secs(30)).await;
            StatusCode::OK.into_response()
        }
    }
}

/// Starts the provider on a free port; returns it and its URL.
async fn spawn_provider(replies: &[Reply]) -> (Provider, String) {
    let provider = Provider::default();
    provider.replies.lock().expect("provider lock").extend(replies.iter().copied());
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind the provider");
    let url = format!("http://{}/api/send", listener.local_addr().expect("provider address"));
    let app = Router::new().route("/api/send", axum::routing::any(provider_endpoint)).with_state(provider.clone());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (provider, url)
}

/// Settings with a short backoff so retries do not slow the tests down.
fn settings(url: &str, kind: BodyKind, template: &str) -> HttpGatewaySettings {
    let body = BodyTemplate::parse(kind, template).expect("a valid template");
    let mut settings = HttpGatewaySettings::new(url, body).expect("a valid URL");
    settings.retry_backoff = Duration::from_millis(10);
    settings
}

fn json_settings(url: &str) -> HttpGatewaySettings {
    settings(url, BodyKind::Json, r#"{"to":"{phone}","text":"{message}","sender":"ANTREAN"}"#)
}

async fn send(settings: HttpGatewaySettings) -> Result<(), SmsError> {
    HttpGateway::new(settings).send(&phone(), MESSAGE, "antrean-1", Utc::now()).await
}

#[tokio::test]
async fn a_json_body_carries_the_phone_and_the_message_with_quotes_and_newlines_escaped() {
    let (provider, url) = spawn_provider(&[]).await;
    send(json_settings(&url)).await.expect("sent");

    let received = provider.received();
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].method, Method::POST);
    assert_eq!(received[0].headers["content-type"], "application/json");
    let body: serde_json::Value = serde_json::from_str(&received[0].body).expect("the body is JSON");
    assert_eq!(body, serde_json::json!({"to": "+6281234567890", "text": MESSAGE, "sender": "ANTREAN"}));
}

#[tokio::test]
async fn a_form_body_is_url_encoded_including_the_plus_of_the_number() {
    let (provider, url) = spawn_provider(&[]).await;
    send(settings(&url, BodyKind::Form, "to={phone}&msg={message}")).await.expect("sent");

    let received = provider.received();
    assert_eq!(received[0].headers["content-type"], "application/x-www-form-urlencoded");
    assert!(received[0].body.starts_with("to=%2B6281234567890&msg=Kode+Antrean%3A+7KQ2MX%0A%22Jangan"));
    let decoded: Vec<(String, String)> = reqwest::Url::parse(&format!("http://decode/?{}", received[0].body))
        .expect("a query string")
        .query_pairs()
        .into_owned()
        .collect();
    assert_eq!(decoded, [("to".to_string(), "+6281234567890".to_string()), ("msg".to_string(), MESSAGE.to_string())]);
}

#[tokio::test]
async fn the_digits_format_sends_the_number_without_the_plus() {
    let (provider, url) = spawn_provider(&[]).await;
    let mut settings = json_settings(&url);
    settings.phone_format = PhoneFormat::Digits;
    send(settings).await.expect("sent");

    let body: serde_json::Value = serde_json::from_str(&provider.received()[0].body).expect("the body is JSON");
    assert_eq!(body["to"], "6281234567890");
}

#[tokio::test]
async fn the_configured_auth_header_arrives_with_every_request() {
    let (provider, url) = spawn_provider(&[]).await;
    let config = Config::from_lookup(|name| match name {
        "ANTREAN_SMS_GATEWAY" => Some("http".into()),
        "ANTREAN_SMS_URL" => Some(url.clone()),
        "ANTREAN_SMS_AUTH_HEADER" => Some("Authorization: Bearer kunci-uji-123".into()),
        "ANTREAN_PUBLIC_URL" => Some("https://antrean.example.id".into()),
        _ => None,
    })
    .expect("config");
    let dir = tempfile::tempdir().expect("temp dir");
    let db = Db::open_sqlite(&dir.path().join("antrean.db")).await.expect("database");

    sms_gateway(&config, &db).send(&phone(), MESSAGE, "antrean-1", Utc::now()).await.expect("sent");

    assert_eq!(provider.received()[0].headers["authorization"], "Bearer kunci-uji-123");
}

#[tokio::test]
async fn a_server_error_is_retried_and_the_next_answer_counts() {
    let (provider, url) = spawn_provider(&[Reply::Status(500)]).await;
    send(json_settings(&url)).await.expect("sent on the second attempt");
    assert_eq!(provider.received().len(), 2);
}

#[tokio::test]
async fn a_server_error_that_persists_is_rejected_after_two_retries() {
    let (provider, url) = spawn_provider(&[Reply::Status(503); 5]).await;
    let error = send(json_settings(&url)).await.expect_err("refused");
    assert!(matches!(&error, SmsError::Rejected(reason) if reason.contains("503")), "{error:?}");
    assert_eq!(provider.received().len(), 3);
}

#[tokio::test]
async fn a_client_error_is_rejected_at_once_with_the_status_and_the_answer() {
    let (provider, url) = spawn_provider(&[Reply::Status(400)]).await;
    let error = send(json_settings(&url)).await.expect_err("refused");
    let SmsError::Rejected(reason) = &error else { panic!("expected Rejected, got {error:?}") };
    assert!(reason.contains("400") && reason.contains("nomor tidak valid"), "{reason}");
    assert_eq!(provider.received().len(), 1);
}

#[tokio::test]
async fn a_closed_port_is_unreachable() {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}/api/send", listener.local_addr().expect("address"));
    drop(listener);
    let error = send(json_settings(&url)).await.expect_err("nobody listens");
    assert!(matches!(error, SmsError::Unreachable(_)), "{error:?}");
}

#[tokio::test]
async fn a_provider_that_does_not_answer_in_time_is_unreachable_after_the_retries() {
    let (provider, url) = spawn_provider(&[Reply::Stall, Reply::Stall]).await;
    let mut settings = json_settings(&url);
    settings.timeout = Duration::from_millis(200);
    settings.retries = 1;
    let error = send(settings).await.expect_err("timed out");
    assert!(matches!(error, SmsError::Unreachable(_)), "{error:?}");
    assert_eq!(provider.received().len(), 2);
}

struct App {
    base: String,
    running: Running,
    _dir: tempfile::TempDir,
}

async fn spawn_app(dev_mode: bool) -> App {
    let dir = tempfile::tempdir().expect("temp dir");
    let data_dir = dir.path().display().to_string();
    let config = Config::from_lookup(|name| match name {
        "ANTREAN_ADDR" => Some("127.0.0.1:0".into()),
        "ANTREAN_DATA_DIR" => Some(data_dir.clone()),
        "ANTREAN_DEV_MODE" => Some(dev_mode.to_string()),
        "ANTREAN_PUBLIC_URL" => (!dev_mode).then(|| "https://antrean.example.id".into()),
        _ => None,
    })
    .expect("test config");
    let running = start(&config).await.expect("server starts");
    App { base: format!("http://{}", running.addr), running, _dir: dir }
}

#[tokio::test]
async fn in_development_mode_the_outbox_page_shows_kept_messages_newest_first() {
    let app = spawn_app(true).await;
    let gateway = DevGateway::new(app.running.db.clone());
    gateway.send(&phone(), "Kode lama: AAAAAA", "antrean-1", Utc::now()).await.expect("kept");
    gateway.send(&phone(), "Kode <b>7KQ2MX</b>\n@antrean.id #7KQ2MX", "antrean-1", Utc::now()).await.expect("kept");

    let response = reqwest::get(format!("{}/dev/outbox", app.base)).await.expect("the page answers");
    assert_eq!(response.status(), reqwest::StatusCode::OK);
    let page = response.text().await.expect("a page");
    assert!(page.contains(r#"<meta http-equiv="refresh" content="3">"#));
    assert!(page.contains(r#"data-phone="+6281234567890""#));
    let newest = page.find("Kode &lt;b&gt;7KQ2MX&lt;/b&gt;\n@antrean.id #7KQ2MX").expect("the newest body, escaped");
    let older = page.find("Kode lama: AAAAAA").expect("the older body");
    assert!(newest < older, "newest first");
    assert!(page.contains(r#"class="sms-body""#));
}

#[tokio::test]
async fn outside_development_mode_the_outbox_page_does_not_exist() {
    let app = spawn_app(false).await;
    let response = reqwest::get(format!("{}/dev/outbox", app.base)).await.expect("the server answers");
    assert_eq!(response.status(), reqwest::StatusCode::NOT_FOUND);
}
