//! Webhooks and their deliveries (see `domain::webhook`): an office's
//! webhooks as its admins add, list, rotate and remove them (each change
//! audited); the deliveries written in a ticket change's own transaction; and
//! the claims, outcomes and retries of the sender (`crate::webhook`).

use chrono::{DateTime, Duration, Utc};
use sqlx::any::AnyRow;
use sqlx::{Any, AnyConnection, Transaction};

use super::{millis, Columns, Db, Engine, StoreError, StoreResult};
use crate::domain::audit::{Actor, AuditAction, AuditEntry, Fields};
use crate::domain::webhook::{self, EventBody, EventSet, TicketFacts, WebhookEvent, WebhookProblem};

/// How long a new secret can be shown on the page opened right after it was
/// made (the browser's redirect); after that, or once shown, never again.
const REVEAL_SECONDS: i64 = 10 * 60;

/// How long a claimed delivery stays away from every other sender; longer than
/// one request may take (`crate::webhook::SEND_TIMEOUT`), so a delivery in
/// hand is never sent twice at once, and one whose sender died goes out again.
pub const CLAIM_LEASE_SECONDS: i64 = 60;

fn json<T: serde::Serialize>(value: &T) -> StoreResult<String> {
    serde_json::to_string(value).map_err(|e| StoreError::Corrupt(e.to_string()))
}

fn instant(row: &AnyRow, column: &'static str) -> StoreResult<Option<DateTime<Utc>>> {
    Ok(row.col::<Option<i64>>(column)?.and_then(DateTime::from_timestamp_millis))
}

/// A webhook as its office's page lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Webhook {
    pub id: i64,
    pub url: String,
    pub events: EventSet,
    pub created_at: DateTime<Utc>,
    pub last_attempt_at: Option<DateTime<Utc>>,
    pub last_result: Option<String>,
    pub last_ok: Option<bool>,
    /// Deliveries not delivered nor given up on yet.
    pub pending: u64,
}

/// The office's webhooks in use, oldest first.
pub async fn of_office(db: &Db, office_id: i64) -> StoreResult<Vec<Webhook>> {
    let rows = sqlx::query(
        "SELECT w.id, w.url, w.events, w.created_at, w.last_attempt_at, w.last_result, w.last_ok,
                (SELECT COUNT(*) FROM webhook_deliveries d
                  WHERE d.webhook_id = w.id AND d.delivered_at IS NULL AND d.given_up_at IS NULL) AS pending
         FROM webhooks w WHERE w.office_id = $1 AND w.removed_at IS NULL ORDER BY w.id",
    )
    .bind(office_id)
    .fetch_all(db.reader())
    .await?;
    rows.iter()
        .map(|row| {
            let events: String = row.col("events")?;
            Ok(Webhook {
                id: row.col("id")?,
                url: row.col("url")?,
                events: EventSet::from_stored(&events)
                    .ok_or_else(|| StoreError::Corrupt(format!("webhook events {events:?}")))?,
                created_at: instant(row, "created_at")?.unwrap_or_default(),
                last_attempt_at: instant(row, "last_attempt_at")?,
                last_result: row.col("last_result")?,
                last_ok: row.col::<Option<i64>>("last_ok")?.map(|ok| ok != 0),
                pending: u64::try_from(row.col::<i64>("pending")?).unwrap_or(0),
            })
        })
        .collect()
}

/// What the audit log keeps of a webhook: never its secret.
async fn audited_fields(connection: &mut AnyConnection, id: i64) -> StoreResult<Fields> {
    super::audit::row_fields(connection, "SELECT url, events FROM webhooks WHERE id = $1", id).await
}

/// Adds a webhook to the office unless it has its most already. `reveal`:
/// whether the page opened next may show the secret once (a browser's form),
/// rather than the caller having it in the answer already.
pub async fn add(
    db: &Db,
    office_id: i64,
    url: &str,
    events: &EventSet,
    secret: &str,
    reveal: bool,
    by: &Actor,
) -> StoreResult<Result<i64, WebhookProblem>> {
    let mut tx = db.writer().begin().await?;
    // The office's row orders concurrent additions on PostgreSQL, so two at
    // once cannot both pass the limit.
    sqlx::query(&format!("SELECT id FROM offices WHERE id = $1{}", db.engine().lock_rows()))
        .bind(office_id)
        .fetch_optional(&mut *tx)
        .await?;
    let active: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM webhooks WHERE office_id = $1 AND removed_at IS NULL")
        .bind(office_id)
        .fetch_one(&mut *tx)
        .await?;
    if let Err(problem) = webhook::may_add(usize::try_from(active).unwrap_or(usize::MAX)) {
        return Ok(Err(problem));
    }
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO webhooks (office_id, url, secret, events, created_at, reveal_until)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(office_id)
    .bind(url)
    .bind(secret)
    .bind(events.stored())
    .bind(millis(by.at))
    .bind(reveal.then(|| millis(by.at) + REVEAL_SECONDS * 1000))
    .fetch_one(&mut *tx)
    .await?;
    let after = audited_fields(&mut tx, id).await?;
    let entry = AuditEntry::new(by, Some(office_id), AuditAction::WebhookAdded, url);
    super::audit::record(&mut tx, &entry.with_after(after)).await?;
    tx.commit().await?;
    Ok(Ok(id))
}

/// Removes a webhook of the office: it gets no more deliveries, and those not
/// sent yet are dropped. False if the office has no such webhook.
pub async fn remove(db: &Db, office_id: i64, id: i64, by: &Actor) -> StoreResult<bool> {
    let mut tx = db.writer().begin().await?;
    let before = audited_fields(&mut tx, id).await?;
    let removed = sqlx::query(
        "UPDATE webhooks SET removed_at = $3, reveal_until = NULL
         WHERE id = $1 AND office_id = $2 AND removed_at IS NULL",
    )
    .bind(id)
    .bind(office_id)
    .bind(millis(by.at))
    .execute(&mut *tx)
    .await?;
    if removed.rows_affected() != 1 {
        return Ok(false);
    }
    sqlx::query(
        "UPDATE webhook_deliveries SET given_up_at = $2, last_result = 'removed'
         WHERE webhook_id = $1 AND delivered_at IS NULL AND given_up_at IS NULL",
    )
    .bind(id)
    .bind(millis(by.at))
    .execute(&mut *tx)
    .await?;
    let url = before.get("url").cloned().unwrap_or_default();
    let entry = AuditEntry { before, ..AuditEntry::new(by, Some(office_id), AuditAction::WebhookRemoved, url) };
    super::audit::record(&mut tx, &entry).await?;
    tx.commit().await?;
    Ok(true)
}

/// Gives a webhook of the office a new secret; deliveries from now on (and
/// retries) are signed with it. False if the office has no such webhook.
pub async fn rotate(db: &Db, office_id: i64, id: i64, secret: &str, reveal: bool, by: &Actor) -> StoreResult<bool> {
    let mut tx = db.writer().begin().await?;
    let rotated = sqlx::query(
        "UPDATE webhooks SET secret = $3, reveal_until = $4 WHERE id = $1 AND office_id = $2 AND removed_at IS NULL",
    )
    .bind(id)
    .bind(office_id)
    .bind(secret)
    .bind(reveal.then(|| millis(by.at) + REVEAL_SECONDS * 1000))
    .execute(&mut *tx)
    .await?;
    if rotated.rows_affected() != 1 {
        return Ok(false);
    }
    let fields = audited_fields(&mut tx, id).await?;
    let url = fields.get("url").cloned().unwrap_or_default();
    let entry = AuditEntry::new(by, Some(office_id), AuditAction::WebhookSecretRotated, url.clone());
    super::audit::record(&mut tx, &entry.with_after(Fields::from([("url".to_string(), url.clone())]))).await?;
    tx.commit().await?;
    Ok(true)
}

/// The secret of a webhook just made or given a new secret, once: the first
/// page that asks within the reveal time gets it, and nobody after.
pub async fn reveal_once(db: &Db, office_id: i64, id: i64, now: DateTime<Utc>) -> StoreResult<Option<String>> {
    let secret: Option<String> = sqlx::query_scalar(
        "UPDATE webhooks SET reveal_until = NULL
         WHERE id = $1 AND office_id = $2 AND removed_at IS NULL AND reveal_until >= $3
         RETURNING secret",
    )
    .bind(id)
    .bind(office_id)
    .bind(millis(now))
    .fetch_optional(db.writer())
    .await?;
    Ok(secret)
}

/// Writes a delivery of an event for every webhook of the office subscribed
/// to it (while it has fewer than `PENDING_PER_WEBHOOK` waiting), inside the
/// ticket change's transaction. One statement that inserts nothing for an
/// office without webhooks. `$1` office, `$2` event, `$3` body, `$4` at, `$5`
/// the events pattern, `$6` the cap (`Enqueued`, in this order); SQLite's
/// booking writer runs it on its own connection.
pub(crate) const ENQUEUE: &str = "INSERT INTO webhook_deliveries (webhook_id, event, body, created_at, due_at)
     SELECT w.id, $2, $3, $4, $4 FROM webhooks w
     WHERE w.office_id = $1 AND w.removed_at IS NULL AND w.events LIKE $5
       AND (SELECT COUNT(*) FROM webhook_deliveries d
            WHERE d.webhook_id = w.id AND d.delivered_at IS NULL AND d.given_up_at IS NULL) < $6";

/// The values `ENQUEUE` binds, in its order.
pub(crate) struct Enqueued {
    pub office_id: i64,
    pub event: &'static str,
    pub body: String,
    pub at: i64,
    pub pattern: String,
    pub cap: i64,
}

impl Enqueued {
    fn new(office_id: i64, event: WebhookEvent, body: &EventBody) -> StoreResult<Self> {
        Ok(Self {
            office_id,
            event: event.as_str(),
            body: json(body)?,
            at: millis(body.occurred_at),
            pattern: event.stored_pattern(),
            cap: webhook::PENDING_PER_WEBHOOK,
        })
    }
}

pub(crate) async fn enqueue(tx: &mut Transaction<'_, Any>, values: Enqueued) -> StoreResult<u64> {
    let written = sqlx::query(ENQUEUE)
        .bind(values.office_id)
        .bind(values.event)
        .bind(values.body)
        .bind(values.at)
        .bind(values.pattern)
        .bind(values.cap)
        .execute(&mut **tx)
        .await?;
    Ok(written.rows_affected())
}

/// A ticket just issued, as `store::tickets::book` knows it.
pub(crate) struct Issued<'a> {
    pub office_id: i64,
    pub office_slug: &'a str,
    pub ticket: TicketFacts,
    pub at: DateTime<Utc>,
}

impl Issued<'_> {
    /// `ticket.issued` as `ENQUEUE` writes it.
    pub(crate) fn deliveries(self) -> StoreResult<Enqueued> {
        let body = EventBody { occurred_at: self.at, office: self.office_slug.to_string(), ticket: self.ticket };
        Enqueued::new(self.office_id, WebhookEvent::TicketIssued, &body)
    }
}

/// `event` for the ticket `ticket_id` just moved, for its office's
/// subscribers. Its facts are read only when the office has a subscriber.
pub(crate) async fn after_move(
    tx: &mut Transaction<'_, Any>,
    ticket_id: i64,
    event: WebhookEvent,
    at: DateTime<Utc>,
) -> StoreResult<u64> {
    let row = sqlx::query(
        "SELECT t.display_number, t.service_date, s.prefix, s.name_id, o.id AS office_id, o.slug,
                (SELECT c.name FROM counters c WHERE c.id = t.counter_id) AS counter
         FROM tickets t JOIN services s ON s.id = t.service_id JOIN offices o ON o.id = s.office_id
         WHERE t.id = $1 AND EXISTS (SELECT 1 FROM webhooks w
                                     WHERE w.office_id = o.id AND w.removed_at IS NULL AND w.events LIKE $2)",
    )
    .bind(ticket_id)
    .bind(event.stored_pattern())
    .fetch_optional(&mut **tx)
    .await?;
    let Some(row) = row else { return Ok(0) };
    let body = EventBody {
        occurred_at: at,
        office: row.col("slug")?,
        ticket: TicketFacts {
            number: row.col("display_number")?,
            service: row.col("prefix")?,
            service_name: row.col("name_id")?,
            service_date: row.col("service_date")?,
            counter: row.col("counter")?,
        },
    };
    enqueue(tx, Enqueued::new(row.col("office_id")?, event, &body)?).await
}

/// A delivery in a sender's hand, with where it goes and how it is signed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    pub id: i64,
    pub webhook_id: i64,
    pub event: String,
    pub body: String,
    pub attempts: u32,
    pub url: String,
    pub secret: String,
}

/// The oldest pending delivery of each webhook: the only one of it that may
/// go (read from the pending index, so a long backlog behind a dead receiver
/// is not scanned row by row).
const HEADS: &str = "SELECT MIN(id) FROM webhook_deliveries
    WHERE delivered_at IS NULL AND given_up_at IS NULL GROUP BY webhook_id";

/// The heads that may be claimed now: due, in no sender's hand, and of an
/// office with fewer than `webhook::IN_FLIGHT_PER_OFFICE` in flight (on every
/// instance together). Each office's heads are ranked with those in flight
/// first, then the others by age; the ones within the office's allowance are
/// ready. Those past it are left unclaimed for a later round, or another
/// instance, rather than taking a slot that other offices need.
fn ready_heads() -> String {
    format!(
        "SELECT id FROM (
             SELECT d.id, d.claimed_until,
                    ROW_NUMBER() OVER (PARTITION BY w.office_id
                                       ORDER BY CASE WHEN d.claimed_until > $1 THEN 0 ELSE 1 END, d.id) AS place
             FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id
             WHERE d.id IN ({HEADS}) AND (d.claimed_until > $1 OR d.due_at <= $1)
         ) ranked
         WHERE place <= {cap} AND (claimed_until IS NULL OR claimed_until <= $1)",
        cap = webhook::IN_FLIGHT_PER_OFFICE
    )
}

/// Claims up to `limit` deliveries whose time has come: for each webhook only
/// its oldest pending one, so a receiver gets its events in the order they
/// happened (a later one waits while an earlier one is retried), and for each
/// office no more than its allowance in flight (`ready_heads`). A claim is a
/// lease (`CLAIM_LEASE_SECONDS`); on PostgreSQL rows another instance is
/// claiming are passed over, so each delivery is in one sender's hand. Two
/// instances claiming at the same moment may each give an office its whole
/// allowance, but neither holds more than that of it.
pub async fn claim(db: &Db, now: DateTime<Utc>, limit: i64) -> StoreResult<Vec<Delivery>> {
    let ready = ready_heads();
    // Most rounds find nothing: they look on a read connection first, and
    // leave SQLite's one writer to the bookings.
    let due: Option<i64> =
        sqlx::query_scalar(&format!("{ready} LIMIT 1")).bind(millis(now)).fetch_optional(db.reader()).await?;
    if due.is_none() {
        return Ok(Vec::new());
    }
    let lock = match db.engine() {
        Engine::Sqlite => "",
        Engine::Postgres => "FOR UPDATE SKIP LOCKED",
    };
    // The due and claim conditions again on the rows themselves: on
    // PostgreSQL a row another instance claimed since is read afresh once
    // locked, and passed over.
    let ids: Vec<i64> = sqlx::query_scalar(&format!(
        "UPDATE webhook_deliveries SET claimed_until = $3
         WHERE id IN (SELECT d.id FROM webhook_deliveries d
                      WHERE d.id IN ({ready}) AND d.due_at <= $1
                        AND (d.claimed_until IS NULL OR d.claimed_until <= $1)
                      ORDER BY d.id LIMIT $2 {lock})
         RETURNING id"
    ))
    .bind(millis(now))
    .bind(limit)
    .bind(millis(now + Duration::seconds(CLAIM_LEASE_SECONDS)))
    .fetch_all(db.writer())
    .await?;
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let placeholders: Vec<String> = (1..=ids.len()).map(|n| format!("${n}")).collect();
    let sql = format!(
        "SELECT d.id, d.webhook_id, d.event, d.body, d.attempts, w.url, w.secret
         FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id
         WHERE d.id IN ({}) ORDER BY d.id",
        placeholders.join(", ")
    );
    let mut query = sqlx::query(&sql);
    for id in &ids {
        query = query.bind(id);
    }
    let rows = query.fetch_all(db.writer()).await?;
    rows.iter()
        .map(|row| {
            Ok(Delivery {
                id: row.col("id")?,
                webhook_id: row.col("webhook_id")?,
                event: row.col("event")?,
                body: row.col("body")?,
                attempts: u32::try_from(row.col::<i64>("attempts")?).unwrap_or(0),
                url: row.col("url")?,
                secret: row.col("secret")?,
            })
        })
        .collect()
}

/// On SQLite one instance sends, so at its start any claim is a dead
/// sender's: what it had in hand is due again at once.
pub async fn release_claims_of_a_dead_sender(db: &Db) -> StoreResult<u64> {
    if db.engine() != Engine::Sqlite {
        return Ok(0);
    }
    let released = sqlx::query(
        "UPDATE webhook_deliveries SET claimed_until = NULL
         WHERE claimed_until IS NOT NULL AND delivered_at IS NULL AND given_up_at IS NULL",
    )
    .execute(db.writer())
    .await?;
    Ok(released.rows_affected())
}

/// What one try of a delivery came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub delivered: bool,
    /// `HTTP 204`, `HTTP 503`, or the connection's error.
    pub result: String,
}

/// Records a try on the delivery and its webhook: delivered, due again at the
/// next retry, or given up on after the last. A delivery whose webhook was
/// removed while it was in flight stays given up.
pub async fn record_try(db: &Db, delivery: &Delivery, outcome: &Outcome, now: DateTime<Utc>) -> StoreResult<()> {
    let attempts = delivery.attempts + 1;
    let (delivered_at, due_at, given_up_at) = match (outcome.delivered, webhook::next_try(attempts, now)) {
        (true, _) => (Some(millis(now)), None, None),
        (false, Some(next)) => (None, Some(millis(next)), None),
        (false, None) => (None, None, Some(millis(now))),
    };
    let result: String = outcome.result.chars().take(300).collect();
    let mut tx = db.writer().begin().await?;
    sqlx::query(
        "UPDATE webhook_deliveries
         SET attempts = $2, last_result = $3, claimed_until = NULL, delivered_at = $4,
             due_at = COALESCE($5, due_at), given_up_at = $6
         WHERE id = $1 AND delivered_at IS NULL AND given_up_at IS NULL",
    )
    .bind(delivery.id)
    .bind(i64::from(attempts))
    .bind(&result)
    .bind(delivered_at)
    .bind(due_at)
    .bind(given_up_at)
    .execute(&mut *tx)
    .await?;
    sqlx::query("UPDATE webhooks SET last_attempt_at = $2, last_result = $3, last_ok = $4 WHERE id = $1")
        .bind(delivery.webhook_id)
        .bind(millis(now))
        .bind(&result)
        .bind(i64::from(outcome.delivered))
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// Removes deliveries made before `before` that were delivered or given up
/// on; returns how many. Pending ones stay, however old. A thousand at a
/// time, so the writer is never held for long.
pub async fn remove_finished(db: &Db, before: DateTime<Utc>) -> StoreResult<u64> {
    let mut removed = 0;
    loop {
        let batch = sqlx::query(
            "DELETE FROM webhook_deliveries WHERE id IN (
                 SELECT id FROM webhook_deliveries
                 WHERE created_at < $1 AND (delivered_at IS NOT NULL OR given_up_at IS NOT NULL)
                 ORDER BY created_at LIMIT 1000)",
        )
        .bind(millis(before))
        .execute(db.writer())
        .await?
        .rows_affected();
        removed += batch;
        if batch < 1000 {
            return Ok(removed);
        }
    }
}

/// Deliveries waiting to be sent, and those given up on (still kept), across
/// every office: for the metrics.
pub async fn backlog(db: &Db) -> StoreResult<(i64, i64)> {
    let row = sqlx::query(
        "SELECT COALESCE(SUM(CASE WHEN delivered_at IS NULL AND given_up_at IS NULL THEN 1 ELSE 0 END), 0) AS pending,
                COALESCE(SUM(CASE WHEN given_up_at IS NOT NULL THEN 1 ELSE 0 END), 0) AS given_up
         FROM webhook_deliveries",
    )
    .fetch_one(db.reader())
    .await?;
    Ok((row.col("pending")?, row.col("given_up")?))
}
