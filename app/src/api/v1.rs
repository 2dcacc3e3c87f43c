//! The read-only API for other systems (a regional dashboard, the citizen
//! service portal): an office, its services, today's queue and the report
//! figures, as JSON under `/api/v1/`, described by `/api/v1/openapi.json`.
//!
//! Every request carries an office's API key (`Authorization: Bearer …`, see
//! `domain::api_key`); a key reads its own office only, and is counted per
//! minute before anything else is read. The answers are types of their own,
//! not the pages' read models, so a change to a page never changes the
//! contract other systems were built against; the browser tests check each
//! answer against its schema in the document.

use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::sync::{Arc, OnceLock};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::server::ServerContext;
use crate::domain::api_key::{
    bearer_key, key_hash, seconds_left_in_window, within_limit, IN_FLIGHT_PER_INSTANCE, REPORT_COST,
    REQUESTS_PER_MINUTE,
};
use crate::domain::office::Office;
use crate::domain::report::Tally;
use crate::error::AppError;
use crate::i18n::{app_error, field_problem, Lang};

/// The routes, each with its row in `api::PERMISSIONS`.
pub fn routes() -> Router<ServerContext> {
    Router::new()
        .route("/api/v1/openapi.json", get(openapi))
        .route("/api/v1/offices/{office}", get(office))
        .route("/api/v1/offices/{office}/services", get(services))
        .route("/api/v1/offices/{office}/queue", get(queue))
        .route("/api/v1/offices/{office}/report", get(report))
}

/// A refusal as other systems read it: the status, a stable `error` name to
/// branch on, and a `message` in the language the request asked for.
struct ApiError {
    error: AppError,
    lang: Lang,
}

#[derive(Serialize)]
struct ErrorBody {
    error: &'static str,
    message: String,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.error.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        // A program has no marked fields to look at: it is told each problem.
        let message = match &self.error {
            AppError::Invalid(problems) => problems
                .iter()
                .map(|problem| format!("{:?}: {}", problem.field, field_problem(self.lang, problem.problem)))
                .collect::<Vec<_>>()
                .join(" "),
            error => app_error(self.lang, error),
        };
        let body = ErrorBody { error: self.error.kind(), message };
        let mut response = (status, Json(body)).into_response();
        let headers = response.headers_mut();
        if let Some(seconds) = self.error.retry_after_seconds() {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(seconds.max(1)));
        }
        if status == StatusCode::UNAUTHORIZED {
            headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer realm=\"antrean\""));
        }
        response
    }
}

/// The language of the answer's words: the first of Indonesian or English
/// the `Accept-Language` header names, Indonesian when it names neither.
fn lang_of(headers: &HeaderMap) -> Lang {
    let header = headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()).unwrap_or_default();
    header
        .split(',')
        .map(|range| range.split(';').next().unwrap_or_default().trim().to_ascii_lowercase())
        .find_map(|range| match range.split('-').next() {
            Some("en") => Some(Lang::En),
            Some("id") => Some(Lang::Id),
            _ => None,
        })
        .unwrap_or_default()
}

/// One of the requests this instance answers at once
/// (`IN_FLIGHT_PER_INSTANCE`); none free: come back in a second.
fn take_slot() -> Result<OwnedSemaphorePermit, AppError> {
    static SLOTS: OnceLock<Arc<Semaphore>> = OnceLock::new();
    let slots = SLOTS.get_or_init(|| Arc::new(Semaphore::new(IN_FLIGHT_PER_INSTANCE)));
    slots.clone().try_acquire_owned().map_err(|_| AppError::ApiRateLimited(1))
}

/// What a request with a valid key may read: the office named in the path, if
/// it is the key's, with the key's requests left this minute. It holds one of
/// the instance's slots until the answer is made.
struct Reader {
    office: Office,
    remaining: i64,
    lang: Lang,
    _slot: OwnedSemaphorePermit,
}

impl Reader {
    /// Admits a request costing `cost` of the key's minute.
    async fn admit(ctx: &ServerContext, headers: &HeaderMap, slug: &str, cost: i64) -> Result<Self, ApiError> {
        let lang = lang_of(headers);
        let refuse = |error: AppError| ApiError { error, lang };
        let slot = take_slot().map_err(refuse)?;
        let key = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(bearer_key)
            .ok_or_else(|| refuse(AppError::ApiKeyInvalid))?;
        let now = ctx.clock.now();
        // Counted before anything else is read, so a key over its limit costs
        // one statement per request and nothing more.
        let used = crate::store::api_keys::use_key(&ctx.db, &key_hash(key), cost, now)
            .await
            .map_err(|e| refuse(e.into()))?
            .ok_or_else(|| refuse(AppError::ApiKeyInvalid))?;
        if !within_limit(used.count_in_window) {
            return Err(refuse(AppError::ApiRateLimited(seconds_left_in_window(now))));
        }
        let office = crate::store::offices::find(&ctx.db, slug)
            .await
            .map_err(|e| refuse(e.into()))?
            .ok_or_else(|| refuse(AppError::NotFound))?;
        if office.id != used.office_id {
            return Err(refuse(AppError::Forbidden));
        }
        Ok(Self { office, remaining: REQUESTS_PER_MINUTE - used.count_in_window, lang, _slot: slot })
    }

    fn refuse(&self, error: impl Into<AppError>) -> ApiError {
        ApiError { error: error.into(), lang: self.lang }
    }

    /// `body` as JSON, with the key's allowance this minute.
    fn answer<T: Serialize>(&self, body: T) -> Response {
        let mut response = Json(body).into_response();
        let headers = response.headers_mut();
        headers.insert("ratelimit-limit", HeaderValue::from(REQUESTS_PER_MINUTE));
        headers.insert("ratelimit-remaining", HeaderValue::from(self.remaining.max(0)));
        // Figures of one office for its key: never kept by a shared cache.
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
        response
    }
}

#[derive(Serialize)]
struct OfficeBody {
    slug: String,
    name: String,
    address: String,
    time_zone: &'static str,
    today: NaiveDate,
    open_now: bool,
    opening_hours: Vec<DayHours>,
}

#[derive(Serialize)]
struct DayHours {
    /// ISO weekday: 1 is Monday.
    weekday: u8,
    opens: String,
    closes: String,
}

async fn office(State(ctx): State<ServerContext>, Path(slug): Path<String>, headers: HeaderMap) -> Response {
    let reader = match Reader::admit(&ctx, &headers, &slug, 1).await {
        Ok(reader) => reader,
        Err(refusal) => return refusal.into_response(),
    };
    let office = &reader.office;
    let now = ctx.clock.now();
    let today = office.zone.local(now).date();
    let time = |t: chrono::NaiveTime| t.format("%H:%M").to_string();
    let opening_hours = (1u8..)
        .zip(office.calendar.hours().0.iter())
        .filter_map(|(weekday, hours)| {
            hours.map(|h| DayHours { weekday, opens: time(h.opens), closes: time(h.closes) })
        })
        .collect();
    let open_now = match office.calendar.status(today) {
        crate::domain::calendar::DayStatus::Open(hours) => hours.is_open_at(office.zone.local(now).time()),
        crate::domain::calendar::DayStatus::Closed(_) => false,
    };
    reader.answer(OfficeBody {
        slug: office.slug.clone(),
        name: office.name.clone(),
        address: office.address.clone(),
        time_zone: office.zone.iana_name(),
        today,
        open_now,
        opening_hours,
    })
}

#[derive(Serialize)]
struct ServiceBody {
    letter: String,
    name_id: String,
    name_en: String,
    /// Who takes its numbers: `all`, `walk_in` (kiosk and desk) or `online`.
    channels: &'static str,
    daily_quota: u32,
    issued_today: u32,
}

async fn services(State(ctx): State<ServerContext>, Path(slug): Path<String>, headers: HeaderMap) -> Response {
    let reader = match Reader::admit(&ctx, &headers, &slug, 1).await {
        Ok(reader) => reader,
        Err(refusal) => return refusal.into_response(),
    };
    match crate::store::offices::queue_view(&ctx.db, &reader.office, ctx.clock.now()).await {
        Ok(view) => reader.answer(
            view.services
                .into_iter()
                .map(|s| ServiceBody {
                    letter: s.prefix,
                    name_id: s.name_id,
                    name_en: s.name_en,
                    channels: s.channels.as_str(),
                    daily_quota: s.daily_quota,
                    issued_today: s.issued_today,
                })
                .collect::<Vec<_>>(),
        ),
        Err(error) => reader.refuse(error).into_response(),
    }
}

#[derive(Serialize)]
struct QueueBody {
    date: NaiveDate,
    services: Vec<ServiceQueueBody>,
    counters: Vec<CounterBody>,
}

#[derive(Serialize)]
struct ServiceQueueBody {
    letter: String,
    waiting: u32,
    now_calling: Option<String>,
}

#[derive(Serialize)]
struct CounterBody {
    name: String,
    /// Open and calling (not paused or closed).
    open: bool,
    now_calling: Option<String>,
}

async fn queue(State(ctx): State<ServerContext>, Path(slug): Path<String>, headers: HeaderMap) -> Response {
    let reader = match Reader::admit(&ctx, &headers, &slug, 1).await {
        Ok(reader) => reader,
        Err(refusal) => return refusal.into_response(),
    };
    let view = match crate::store::offices::queue_view(&ctx.db, &reader.office, ctx.clock.now()).await {
        Ok(view) => view,
        Err(error) => return reader.refuse(error).into_response(),
    };
    let counters = match crate::store::counters::now_calling(&ctx.db, reader.office.id).await {
        Ok(counters) => counters,
        Err(error) => return reader.refuse(error).into_response(),
    };
    reader.answer(QueueBody {
        date: view.today,
        services: view
            .services
            .into_iter()
            .map(|s| ServiceQueueBody { letter: s.prefix, waiting: s.waiting, now_calling: s.now_calling })
            .collect(),
        counters: counters
            .into_iter()
            .map(|c| CounterBody { name: c.counter, open: c.open, now_calling: c.now_calling })
            .collect(),
    })
}

/// The period asked for; either end left out is today.
#[derive(Deserialize)]
struct Period {
    #[serde(default)]
    from: String,
    #[serde(default)]
    until: String,
}

/// The figures of a set of tickets. Times are in whole seconds.
#[derive(Serialize)]
struct Figures {
    issued: u32,
    online: u32,
    walk_in: u32,
    staff_assisted: u32,
    priority: u32,
    served: u32,
    no_show: u32,
    cancelled: u32,
    rolled_over: u32,
    open: u32,
    average_wait_seconds: Option<u32>,
    median_wait_seconds: Option<u32>,
    p90_wait_seconds: Option<u32>,
    average_service_seconds: Option<u32>,
    p90_service_seconds: Option<u32>,
    ratings: u32,
    /// 1.0–5.0, to one decimal.
    average_rating: Option<f64>,
}

impl From<&Tally> for Figures {
    fn from(t: &Tally) -> Self {
        Self {
            issued: t.issued,
            online: t.online,
            walk_in: t.walk_in,
            staff_assisted: t.staff_assisted,
            priority: t.priority,
            served: t.served,
            no_show: t.no_show,
            cancelled: t.cancelled,
            rolled_over: t.rolled_over,
            open: t.open,
            average_wait_seconds: t.average_wait,
            median_wait_seconds: t.median_wait,
            p90_wait_seconds: t.p90_wait,
            average_service_seconds: t.average_service,
            p90_service_seconds: t.p90_service,
            ratings: t.ratings,
            average_rating: t.average_rating_tenths.map(|tenths| f64::from(tenths) / 10.0),
        }
    }
}

#[derive(Serialize)]
struct ReportBody {
    from: NaiveDate,
    until: NaiveDate,
    total: Figures,
    services: Vec<Labelled<String>>,
    days: Vec<Labelled<NaiveDate>>,
    counters: Vec<Labelled<String>>,
}

/// A service's, a day's or a counter's figures, named by `of`.
#[derive(Serialize)]
struct Labelled<T> {
    of: T,
    #[serde(flatten)]
    figures: Figures,
}

fn labelled<T: Clone>(rows: &[(T, Tally)]) -> Vec<Labelled<T>> {
    rows.iter().map(|(of, tally)| Labelled { of: of.clone(), figures: tally.into() }).collect()
}

async fn report(
    State(ctx): State<ServerContext>,
    Path(slug): Path<String>,
    Query(period): Query<Period>,
    headers: HeaderMap,
) -> Response {
    let reader = match Reader::admit(&ctx, &headers, &slug, REPORT_COST).await {
        Ok(reader) => reader,
        Err(refusal) => return refusal.into_response(),
    };
    match super::settings::report_figures(&ctx, &reader.office, &period.from, &period.until).await {
        Ok((from, until, report)) => reader.answer(ReportBody {
            from,
            until,
            total: (&report.total).into(),
            services: labelled(&report.services),
            days: labelled(&report.days),
            counters: labelled(&report.counters),
        }),
        Err(error) => reader.refuse(error).into_response(),
    }
}

/// The OpenAPI 3.1 description of the routes above.
async fn openapi() -> Response {
    let mut response = Json(openapi_document()).into_response();
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=3600"));
    response
}

fn openapi_document() -> serde_json::Value {
    use serde_json::json;

    let count = json!({ "type": "integer", "minimum": 0 });
    let seconds = json!({ "type": ["integer", "null"], "minimum": 0 });
    let figures_properties = json!({
        "issued": count, "online": count, "walk_in": count, "staff_assisted": count, "priority": count,
        "served": count, "no_show": count, "cancelled": count, "rolled_over": count, "open": count,
        "average_wait_seconds": seconds, "median_wait_seconds": seconds, "p90_wait_seconds": seconds,
        "average_service_seconds": seconds, "p90_service_seconds": seconds,
        "ratings": count,
        "average_rating": { "type": ["number", "null"], "minimum": 1, "maximum": 5 }
    });
    let figure_names: Vec<&String> = figures_properties.as_object().map(|o| o.keys().collect()).unwrap_or_default();
    let labelled = |of: serde_json::Value| {
        let mut properties = figures_properties.clone();
        if let Some(properties) = properties.as_object_mut() {
            properties.insert("of".into(), of);
        }
        let mut required: Vec<&str> = figure_names.iter().map(|name| name.as_str()).collect();
        required.push("of");
        json!({ "type": "object", "additionalProperties": false, "required": required, "properties": properties })
    };
    let office_param = json!({
        "name": "office", "in": "path", "required": true,
        "description": "The office's address name (slug), as in /kantor/{office}.",
        "schema": { "type": "string", "pattern": "^[a-z0-9-]{3,40}$" }
    });
    let refusal = |description: &str| {
        json!({ "description": description,
                "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } })
    };
    let refusals = json!({
        "401": refusal("No API key, or an unknown or revoked one."),
        "403": refusal("The key belongs to another office."),
        "404": refusal("No such office."),
        "429": {
            "description": format!("The key made more than {REQUESTS_PER_MINUTE} requests this minute."),
            "headers": { "Retry-After": { "description": "Seconds until the next minute.",
                                          "schema": { "type": "integer" } } },
            "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } }
        }
    });
    let read = |summary: &str, operation: &str, schema: &str, extra: Vec<serde_json::Value>| {
        let mut responses = refusals.clone();
        if let Some(responses) = responses.as_object_mut() {
            responses.insert(
                "200".into(),
                json!({ "description": "The figures.",
                        "headers": {
                            "RateLimit-Limit": { "schema": { "type": "integer" },
                                                 "description": "Requests the key may make per minute." },
                            "RateLimit-Remaining": { "schema": { "type": "integer" },
                                                     "description": "Requests left this minute." }
                        },
                        "content": { "application/json": { "schema": { "$ref": format!("#/components/schemas/{schema}") } } } }),
            );
        }
        let mut parameters = vec![office_param.clone()];
        parameters.extend(extra);
        json!({ "get": { "summary": summary, "operationId": operation, "parameters": parameters, "responses": responses } })
    };
    let date_param = |name: &str, description: &str| {
        json!({ "name": name, "in": "query", "required": false, "description": description,
                "schema": { "type": "string", "format": "date" } })
    };
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Antrean API",
            "version": "1.0.0",
            "description": "Read-only figures of one office: its services, today's queue and its report. \
                Every request carries the office's API key, made by its admin on the page \"Kunci API\": \
                `Authorization: Bearer antrean_…`. Messages follow `Accept-Language` (id or en)."
        },
        "servers": [{ "url": "/" }],
        "security": [{ "apiKey": [] }],
        "paths": {
            "/api/v1/offices/{office}": read("The office, its time zone and opening hours", "getOffice", "Office", vec![]),
            "/api/v1/offices/{office}/services": read("The office's services and today's use of their quota", "listServices", "Services", vec![]),
            "/api/v1/offices/{office}/queue": read("Today's queue: waiting per service, now calling per counter", "getQueue", "Queue", vec![]),
            "/api/v1/offices/{office}/report": read(
                "The report of a period of at most 92 days",
                "getReport",
                "Report",
                vec![date_param("from", "First day (YYYY-MM-DD); today when left out."),
                     date_param("until", "Last day, included; today when left out.")],
            )
        },
        "components": {
            "securitySchemes": {
                "apiKey": { "type": "http", "scheme": "bearer", "description": "An API key of the office." }
            },
            "schemas": {
                "Error": {
                    "type": "object", "additionalProperties": false, "required": ["error", "message"],
                    "properties": {
                        "error": { "type": "string", "description": "A stable name of the refusal." },
                        "message": { "type": "string", "description": "The refusal in the asked language." }
                    }
                },
                "Office": {
                    "type": "object", "additionalProperties": false,
                    "required": ["slug", "name", "address", "time_zone", "today", "open_now", "opening_hours"],
                    "properties": {
                        "slug": { "type": "string" },
                        "name": { "type": "string" },
                        "address": { "type": "string" },
                        "time_zone": { "type": "string", "enum": ["Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura"] },
                        "today": { "type": "string", "format": "date" },
                        "open_now": { "type": "boolean" },
                        "opening_hours": {
                            "type": "array",
                            "items": {
                                "type": "object", "additionalProperties": false,
                                "required": ["weekday", "opens", "closes"],
                                "properties": {
                                    "weekday": { "type": "integer", "minimum": 1, "maximum": 7, "description": "1 is Monday." },
                                    "opens": { "type": "string", "pattern": "^[0-2][0-9]:[0-5][0-9]$" },
                                    "closes": { "type": "string", "pattern": "^[0-2][0-9]:[0-5][0-9]$" }
                                }
                            }
                        }
                    }
                },
                "Services": {
                    "type": "array",
                    "items": {
                        "type": "object", "additionalProperties": false,
                        "required": ["letter", "name_id", "name_en", "channels", "daily_quota", "issued_today"],
                        "properties": {
                            "letter": { "type": "string" },
                            "name_id": { "type": "string" },
                            "name_en": { "type": "string" },
                            "channels": { "type": "string", "enum": ["all", "walk_in", "online"] },
                            "daily_quota": count,
                            "issued_today": count
                        }
                    }
                },
                "Queue": {
                    "type": "object", "additionalProperties": false, "required": ["date", "services", "counters"],
                    "properties": {
                        "date": { "type": "string", "format": "date" },
                        "services": {
                            "type": "array",
                            "items": {
                                "type": "object", "additionalProperties": false,
                                "required": ["letter", "waiting", "now_calling"],
                                "properties": {
                                    "letter": { "type": "string" },
                                    "waiting": count,
                                    "now_calling": { "type": ["string", "null"] }
                                }
                            }
                        },
                        "counters": {
                            "type": "array",
                            "items": {
                                "type": "object", "additionalProperties": false,
                                "required": ["name", "open", "now_calling"],
                                "properties": {
                                    "name": { "type": "string" },
                                    "open": { "type": "boolean" },
                                    "now_calling": { "type": ["string", "null"] }
                                }
                            }
                        }
                    }
                },
                "Report": {
                    "type": "object", "additionalProperties": false,
                    "required": ["from", "until", "total", "services", "days", "counters"],
                    "properties": {
                        "from": { "type": "string", "format": "date" },
                        "until": { "type": "string", "format": "date" },
                        "total": {
                            "type": "object", "additionalProperties": false,
                            "required": figure_names, "properties": figures_properties
                        },
                        "services": { "type": "array", "items": labelled(json!({ "type": "string", "description": "The service's letter." })) },
                        "days": { "type": "array", "items": labelled(json!({ "type": "string", "format": "date" })) },
                        "counters": { "type": "array", "items": labelled(json!({ "type": "string", "description": "The counter's name." })) }
                    }
                }
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_language_is_the_first_of_ours_the_header_names() {
        let with = |value: &str| {
            let mut headers = HeaderMap::new();
            headers.insert(header::ACCEPT_LANGUAGE, HeaderValue::from_str(value).expect("a header value"));
            lang_of(&headers)
        };
        assert_eq!(with("en-US,en;q=0.9"), Lang::En);
        assert_eq!(with("fr, en-GB;q=0.5"), Lang::En);
        assert_eq!(with("id-ID, en;q=0.5"), Lang::Id);
        assert_eq!(with("fr"), Lang::Id);
        assert_eq!(lang_of(&HeaderMap::new()), Lang::Id);
    }

    #[test]
    fn an_instance_answers_a_bounded_number_of_requests_at_once() {
        let held: Vec<_> = (0..IN_FLIGHT_PER_INSTANCE).map(|_| take_slot().expect("a free slot")).collect();
        assert_eq!(take_slot().err(), Some(AppError::ApiRateLimited(1)), "one more waits for none");
        drop(held);
        assert!(take_slot().is_ok(), "slots come back with the answers");
    }

    #[test]
    fn the_document_describes_every_route_but_itself() {
        let document = openapi_document();
        let paths = document["paths"].as_object().expect("paths");
        for (route, _) in crate::api::PERMISSIONS.iter().filter(|(p, _)| p.starts_with("/api/v1/offices")) {
            assert!(paths.contains_key(*route), "{route} is not described");
        }
        assert_eq!(paths.len(), 4);
    }
}
