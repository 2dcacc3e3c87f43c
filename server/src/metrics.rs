//! Prometheus metrics at `/metrics`, for the operator's monitoring, behind a
//! bearer token (`ANTREAN_METRICS_TOKEN`; without one the route does not
//! exist, since the public port is the only port). Requests by route and
//! status with latency histograms, refusals by kind (recorded as they happen);
//! and, read at each scrape, the waiting queue per office and service, the
//! live screens, the notice backlog and failures per channel, what this
//! instance's sender did, and the database pools in use.

use std::sync::{Arc, OnceLock};
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use metrics::{counter, gauge, histogram};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

use app::api::server::ServerContext;
use app::domain::notify::Channel;

/// Seconds: most answers take milliseconds; a few wait for the database.
const LATENCY_BUCKETS: &[f64] = &[0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0];

/// The process-wide recorder (one per process, however many servers a test starts).
fn recorder() -> Option<&'static PrometheusHandle> {
    static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let builder = PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Full("antrean_http_request_duration_seconds".into()), LATENCY_BUCKETS)
                .ok()?;
            match builder.install_recorder() {
                Ok(handle) => Some(handle),
                Err(error) => {
                    tracing::error!(%error, "metrics: no recorder");
                    None
                }
            }
        })
        .as_ref()
}

/// Counts every request by its route (a route pattern or a server function,
/// never the raw path, so an attacker's made-up paths add no series) and status.
pub async fn track(request: Request, next: Next) -> Response {
    let path = request.uri().path();
    let route = if app::api::PERMISSIONS.iter().any(|(known, _)| *known == path) {
        path.to_string()
    } else {
        match request.extensions().get::<MatchedPath>() {
            Some(matched) if !matched.as_str().contains('*') => matched.as_str().to_string(),
            _ => "other".to_string(),
        }
    };
    let started = Instant::now();
    let response = next.run(request).await;
    let status = response.status().as_u16().to_string();
    counter!("antrean_http_requests_total", "route" => route.clone(), "status" => status).increment(1);
    histogram!("antrean_http_request_duration_seconds", "route" => route).record(started.elapsed().as_secs_f64());
    response
}

/// A refusal answered, by its kind (`AppError::kind`).
pub fn refused(kind: &'static str) {
    counter!("antrean_refusals_total", "kind" => kind).increment(1);
}

#[derive(Clone)]
pub struct Scrape {
    pub context: ServerContext,
    pub screens: Arc<crate::live_socket::Screens>,
    pub token: Arc<str>,
}

pub async fn scrape(State(scrape): State<Scrape>, request: Request) -> Response {
    let given = request.headers().get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).unwrap_or_default();
    let expected = format!("Bearer {}", scrape.token);
    let same = given.len() == expected.len()
        && given.bytes().zip(expected.bytes()).fold(0, |diff, (a, b)| diff | (a ^ b)) == 0;
    if !same {
        return (StatusCode::UNAUTHORIZED, [(header::WWW_AUTHENTICATE, "Bearer")], "metrics need the token\n")
            .into_response();
    }
    let Some(handle) = recorder() else {
        return StatusCode::SERVICE_UNAVAILABLE.into_response();
    };
    read_state(&scrape).await;
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], handle.render()).into_response()
}

/// Sets the gauges that are read from the state of things at each scrape.
async fn read_state(scrape: &Scrape) {
    let ctx = &scrape.context;
    let now = ctx.clock.now();
    if let Ok(offices) = app::store::offices::list(&ctx.db).await {
        for summary in offices {
            let Ok(Some(office)) = app::store::offices::find(&ctx.db, &summary.slug).await else { continue };
            let Ok(view) = app::store::offices::queue_view(&ctx.db, &office, now).await else { continue };
            for service in view.services {
                let labels = [("office", office.slug.clone()), ("service", service.prefix.clone())];
                gauge!("antrean_tickets_waiting", &labels).set(f64::from(service.waiting));
                gauge!("antrean_tickets_issued_today", &labels).set(f64::from(service.issued_today));
            }
        }
    }
    gauge!("antrean_live_screens").set(scrape.screens.count() as f64);
    if let Ok(backlog) = app::store::notifications::backlog_by_channel(&ctx.db).await {
        for (channel, unsent, failed) in backlog {
            gauge!("antrean_notices_unsent", "channel" => channel.as_str()).set(unsent as f64);
            gauge!("antrean_notices_failed", "channel" => channel.as_str()).set(failed as f64);
        }
    }
    if let Ok((pending, given_up)) = app::store::webhooks::backlog(&ctx.db).await {
        gauge!("antrean_webhook_deliveries_pending").set(pending as f64);
        gauge!("antrean_webhook_deliveries_given_up").set(given_up as f64);
    }
    for channel in [Channel::Sms, Channel::Email, Channel::Push] {
        let counts = ctx.notifier.counts().of(channel);
        counter!("antrean_notices_sent_total", "channel" => channel.as_str()).absolute(counts.sent);
        counter!("antrean_notice_failed_tries_total", "channel" => channel.as_str()).absolute(counts.failed_tries);
    }
    let batches = ctx.db.booking_batches();
    counter!("antrean_booking_batches_total", "outcome" => "committed").absolute(batches.committed());
    counter!("antrean_booking_batches_total", "outcome" => "redone").absolute(batches.redone());
    for (pool, open, idle) in ctx.db.pool_use() {
        gauge!("antrean_db_connections", "pool" => pool, "state" => "open").set(f64::from(open));
        gauge!("antrean_db_connections", "pool" => pool, "state" => "idle").set(idle as f64);
    }
}

/// Installs the recorder at start, so requests are counted from the first.
pub fn install() {
    let _ = recorder();
}
