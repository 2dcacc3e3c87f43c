//! `antrean-bench notices`: how fast notices leave the server for real local
//! sinks (an HTTP SMS provider and push services on 127.0.0.1), and whether one
//! slow destination holds back the others. Three figures:
//! 1. dispatch: a backlog of SMS notices written at once, sent to the SMS sink
//!    (notices per second, and duplicates by the notice's own reference);
//! 2. call → SMS-sink receipt, p50 / p99, for calls made one after another;
//! 3. the same while every called citizen's browser is subscribed to a push
//!    service that takes 5 s to answer.

use std::collections::HashSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::{call, loket_1, ms, nik, percentile, same_site_client, staff_session, start_server_with, Server};

type BenchResult<T> = Result<T, Box<dyn std::error::Error>>;

/// Notices written at once for the dispatch figure.
const BACKLOG: usize = 20_000;
/// Calls timed for each latency figure.
const CALLS: usize = 40;
const TARGET_PER_SECOND: f64 = 1_000.0;

/// What the SMS sink received: when, the text, and the notice's reference.
#[derive(Default)]
struct Received {
    messages: Mutex<Vec<(Instant, String, String)>>,
}

impl Received {
    fn count(&self) -> usize {
        self.messages.lock().map(|m| m.len()).unwrap_or(0)
    }

    /// When the first message containing `text` arrived.
    fn arrival_of(&self, text: &str) -> Option<Instant> {
        let messages = self.messages.lock().ok()?;
        messages.iter().find(|(_, body, _)| body.contains(text)).map(|(at, ..)| *at)
    }
}

/// An SMS provider on 127.0.0.1 that takes every message at once.
async fn sms_sink() -> BenchResult<(String, Arc<Received>)> {
    let received = Arc::new(Received::default());
    let kept = received.clone();
    let sink = axum::Router::new().route(
        "/sms",
        axum::routing::post(move |body: axum::Json<serde_json::Value>| {
            let kept = kept.clone();
            async move {
                let field = |name: &str| body[name].as_str().unwrap_or_default().to_string();
                if let Ok(mut messages) = kept.messages.lock() {
                    messages.push((Instant::now(), field("text"), field("ref")));
                }
                "ok"
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}/sms", listener.local_addr()?);
    tokio::spawn(async move { axum::serve(listener, sink).await });
    Ok((url, received))
}

/// A push service on 127.0.0.1 that answers every message after `delay`.
async fn slow_push_service(delay: Duration) -> BenchResult<(String, Arc<AtomicUsize>)> {
    let received = Arc::new(AtomicUsize::new(0));
    let kept = received.clone();
    let service = axum::Router::new().route(
        "/push/{browser}",
        axum::routing::post(move || {
            let kept = kept.clone();
            async move {
                kept.fetch_add(1, Ordering::Relaxed);
                tokio::time::sleep(delay).await;
                axum::http::StatusCode::CREATED
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    tokio::spawn(async move { axum::serve(listener, service).await });
    Ok((base, received))
}

/// A browser's P-256 key for push (the curve's generator, a valid point) and
/// auth secret, base64url, as `PushSubscription.toJSON()` gives them.
const P256DH: &str = "BGsX0fLhLEJH-Lzm5WOkQPJ3A32BLeszoPShOUXYmMKWT-NC4v4af5uO5-tKfA-eFivOM1drMV7Oy7ZAaDe_UfU";
const AUTH: &str = "CQkJCQkJCQkJCQkJCQkJCQ";

pub async fn run(site_root: &std::path::Path) -> BenchResult<()> {
    let (sms_url, sms) = sms_sink().await?;
    let (slow_push, pushed) = slow_push_service(Duration::from_secs(5)).await?;
    let server = start_server_with(
        site_root,
        &[
            ("ANTREAN_SMS_GATEWAY", "http"),
            ("ANTREAN_SMS_URL", &sms_url),
            ("ANTREAN_SMS_BODY", r#"{"to":"{phone}","text":"{message}","ref":"{reference}"}"#),
            ("ANTREAN_PUSH_ALLOW_LOOPBACK", "true"),
        ],
    )
    .await?;
    let client = same_site_client(&server.base)?;
    let staff = staff_session(&client, &server).await?;
    // Numbers for today at Denpasar's service A, each with a phone of its own.
    for n in 0..(2 * CALLS + 10) {
        let (nik, phone) = (nik(n), format!("0812{:08}", 50_000_000 + n));
        let form = [
            ("office", "kantah-denpasar"),
            ("service", "A"),
            ("when", "today"),
            ("nik", nik.as_str()),
            ("name", "Warga Uji Beban"),
            ("phone", phone.as_str()),
        ];
        call(&client, &server, "staff_book", &staff, &form).await?;
    }
    println!("notices to local sinks (SMS over HTTP; {BACKLOG} written at once, then {CALLS} calls one by one)");
    dispatch(&server, &sms).await?;
    let counter = loket_1(&server).await?;
    call(&client, &server, "counter_action", &staff, &[("counter", &counter), ("action", "open")]).await?;
    let quiet = timed_calls(&client, &server, &staff, &counter, &sms, 0).await?;
    report("call → SMS-sink receipt", &quiet);
    subscribe_to(&server, &slow_push, CALLS..2 * CALLS).await?;
    let slowed = timed_calls(&client, &server, &staff, &counter, &sms, CALLS).await?;
    report("the same, each called citizen's push service answering in 5 s", &slowed);
    println!("  pushes the slow service got meanwhile: {}", pushed.load(Ordering::Relaxed));
    Ok(())
}

/// Writes `BACKLOG` SMS notices at once (as a province of offices calling
/// would) and times how fast they reach the sink.
async fn dispatch(server: &Server, sms: &Received) -> BenchResult<()> {
    let db = sqlx::sqlite::SqlitePool::connect(&format!("sqlite://{}", server.db_file.display())).await?;
    let ticket: i64 = sqlx::query_scalar("SELECT MAX(id) FROM tickets").fetch_one(&db).await?;
    let already = sms.count();
    let mut tx = db.begin().await?;
    for n in 0..BACKLOG {
        sqlx::query(
            "INSERT INTO notifications
                (ticket_id, moment, call_number, channel, recipient, body, created_at, next_attempt_at)
             VALUES ($1, 'near', 0, 'sms', $2, $3, 0, 0)",
        )
        .bind(ticket)
        .bind(format!("+62813{n:08}"))
        .bind(format!("Antrean uji beban {n}"))
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    db.close().await;
    let started = Instant::now();
    let deadline = started + Duration::from_secs(300);
    while sms.count() < already + BACKLOG && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let (arrived, distinct, first, last) = {
        let messages = sms.messages.lock().map_err(|_| "sink poisoned")?;
        let backlog: Vec<_> = messages.iter().filter(|(_, text, _)| text.starts_with("Antrean uji beban")).collect();
        let distinct = backlog.iter().map(|(_, _, reference)| reference.as_str()).collect::<HashSet<_>>().len();
        let first = backlog.iter().map(|(at, ..)| *at).min();
        let last = backlog.iter().map(|(at, ..)| *at).max();
        (backlog.len(), distinct, first, last)
    };
    // From the sender's first delivery to its last: the pickup after the write
    // (the sender looks every few seconds) is not the dispatch rate.
    let span = match (first, last) {
        (Some(first), Some(last)) if last > first => last - first,
        _ => started.elapsed(),
    };
    let rate = distinct as f64 / span.as_secs_f64();
    let verdict = if rate >= TARGET_PER_SECOND && distinct == BACKLOG { "ok" } else { "UNDER" };
    println!(
        "  dispatched: {distinct} of {BACKLOG} in {:.1} s = {rate:.0} notices/s (target ≥ {TARGET_PER_SECOND:.0}/s) {verdict}",
        span.as_secs_f64()
    );
    println!("  duplicates at the sink (same notice reference twice): {} (target 0)", arrived - distinct);
    Ok(())
}

/// Calls the next `CALLS` numbers one by one (from the `first`-th on), each
/// served and finished before the next; the time from the call's answer to
/// its SMS at the sink.
async fn timed_calls(
    client: &reqwest::Client,
    server: &Server,
    staff: &str,
    counter: &str,
    sms: &Received,
    first: usize,
) -> BenchResult<Vec<Duration>> {
    let mut times = Vec::with_capacity(CALLS);
    for n in first..first + CALLS {
        let called = format!("Antrean A-{:03}: giliran Anda", n + 1);
        let asked = Instant::now();
        call(client, server, "counter_action", staff, &[("counter", counter), ("action", "call_next")]).await?;
        let deadline = asked + Duration::from_secs(30);
        let arrived = loop {
            if let Some(at) = sms.arrival_of(&called) {
                break Some(at);
            }
            if Instant::now() > deadline {
                break None;
            }
            tokio::time::sleep(Duration::from_millis(1)).await;
        };
        times.push(arrived.map_or(Duration::from_secs(30), |at| at.saturating_duration_since(asked)));
        for action in ["serve", "finish"] {
            call(client, server, "counter_action", staff, &[("counter", counter), ("action", action)]).await?;
        }
    }
    Ok(times)
}

fn report(what: &str, times: &[Duration]) {
    let mut sorted = times.to_vec();
    sorted.sort();
    println!("  {what}: p50 {} / p99 {}", ms(percentile(&sorted, 0.5)), ms(percentile(&sorted, 0.99)));
}

/// Subscribes the phones of the numbers in `numbers` to the push service at `base`.
async fn subscribe_to(server: &Server, base: &str, numbers: std::ops::Range<usize>) -> BenchResult<()> {
    let db = app::store::Db::open_sqlite(&server.db_file).await?;
    for n in numbers {
        let phone = format!("+62812{:08}", 50_000_000 + n);
        let endpoint = format!("{base}/push/browser-{n}");
        app::store::push_subscriptions::save(&db, &phone, &endpoint, P256DH, AUTH, chrono::Utc::now()).await?;
    }
    Ok(())
}
