//! Notices to ticket holders: written when a number is called (for the called
//! ticket, and "almost your turn" for the front of its line), sent and retried
//! by `crate::notify`.

use chrono::{DateTime, Utc};
use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};

use super::{millis, Db, Engine, StoreError, StoreResult};
use crate::domain::notify::{self, About, Channel, Moment};

/// A notice waiting to be sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub id: i64,
    pub channel: Channel,
    pub recipient: String,
    pub subject: Option<String>,
    pub body: String,
    pub attempts: u32,
}

/// Where a ticket holder can be reached.
struct Holder {
    id: i64,
    code: String,
    display_number: String,
    phone: Option<String>,
    email: Option<String>,
}

fn holder(row: &AnyRow) -> Holder {
    Holder {
        id: row.get("id"),
        code: row.get("public_code"),
        display_number: row.get("display_number"),
        phone: row.get("holder_phone"),
        email: row.get::<Option<String>, _>("holder_email").filter(|e| !e.is_empty()),
    }
}

/// After a call at `counter_id`: the called ticket's notice, and "almost your
/// turn" for the first places of its line. `origin` makes the ticket links;
/// without `email`, no email notices are written. Returns how many were written.
pub async fn after_call(db: &Db, counter_id: i64, origin: &str, email: bool, now: DateTime<Utc>) -> StoreResult<u64> {
    let mut tx = db.writer().begin().await?;
    let Some(called) = sqlx::query(
        "SELECT t.id, t.public_code, t.display_number, t.holder_phone, t.holder_email, t.call_count,
                t.service_id, t.service_date, c.name AS counter, o.name AS office
         FROM tickets t JOIN counters c ON c.id = t.counter_id JOIN offices o ON o.id = c.office_id
         WHERE t.counter_id = $1 AND t.state = 'called' ORDER BY t.called_at DESC LIMIT 1",
    )
    .bind(counter_id)
    .fetch_optional(&mut *tx)
    .await?
    else {
        return Ok(0);
    };
    let office: String = called.get("office");
    let call = u32::try_from(called.get::<i64, _>("call_count")).unwrap_or(1).max(1);
    let moment = Moment::Called { counter: called.get("counter"), call };
    let mut written = write(&mut tx, &holder(&called), &moment, &office, origin, email, now).await?;

    let (service_id, service_date) = (called.get("service_id"), called.get("service_date"));
    written += tell_front_of_line(&mut tx, service_id, service_date, &office, origin, email, now).await?;
    tx.commit().await?;
    Ok(written)
}

/// After a number is issued for today: a holder who took it with few people
/// ahead hears "almost your turn" at once, not at the next call of the line.
pub async fn after_issue(
    db: &Db,
    ticket_code: &str,
    origin: &str,
    email: bool,
    now: DateTime<Utc>,
) -> StoreResult<u64> {
    let mut tx = db.writer().begin().await?;
    let Some(ticket) = sqlx::query(
        "SELECT t.service_id, t.service_date, o.name AS office
         FROM tickets t JOIN services s ON s.id = t.service_id JOIN offices o ON o.id = s.office_id
         WHERE t.public_code = $1 AND t.state = 'waiting'",
    )
    .bind(ticket_code)
    .fetch_optional(&mut *tx)
    .await?
    else {
        return Ok(0);
    };
    let office: String = ticket.get("office");
    let (service_id, service_date) = (ticket.get("service_id"), ticket.get("service_date"));
    let written = tell_front_of_line(&mut tx, service_id, service_date, &office, origin, email, now).await?;
    tx.commit().await?;
    Ok(written)
}

/// "Almost your turn" for the first places of a service's line on a date that
/// were not told yet.
async fn tell_front_of_line(
    tx: &mut Transaction<'_, Any>,
    service_id: i64,
    service_date: String,
    office: &str,
    origin: &str,
    email: bool,
    now: DateTime<Utc>,
) -> StoreResult<u64> {
    let line = sqlx::query(
        "SELECT t.id, t.public_code, t.display_number, t.holder_phone, t.holder_email,
                CASE WHEN EXISTS (SELECT 1 FROM notifications n WHERE n.ticket_id = t.id AND n.moment = 'near')
                  THEN 1 ELSE 0 END AS told
         FROM tickets t WHERE t.service_id = $1 AND t.service_date = $2 AND t.state = 'waiting'
         ORDER BY t.queue_key, t.id LIMIT $3",
    )
    .bind(service_id)
    .bind(service_date)
    .bind(i64::from(notify::NEAR) + 1)
    .fetch_all(&mut **tx)
    .await?;
    let told: Vec<bool> = line.iter().map(|row| row.get::<i64, _>("told") != 0).collect();
    let mut written = 0;
    for (place, moment) in notify::due_near(&told) {
        written += write(tx, &holder(&line[place]), &moment, office, origin, email, now).await?;
    }
    Ok(written)
}

/// Writes a notice for every channel the holder gave; one already written is left as it is.
async fn write(
    tx: &mut Transaction<'_, Any>,
    holder: &Holder,
    moment: &Moment,
    office: &str,
    origin: &str,
    email: bool,
    now: DateTime<Utc>,
) -> StoreResult<u64> {
    let link = format!("{origin}/tiket/{}", holder.code);
    let about = About { display_number: &holder.display_number, office, link: &link };
    let mut notices: Vec<(Channel, String, Option<String>, String)> = Vec::new();
    if let Some(phone) = &holder.phone {
        notices.push((Channel::Sms, phone.clone(), None, notify::sms_text(moment, &about)));
        let subscriptions: Vec<i64> = sqlx::query_scalar("SELECT id FROM push_subscriptions WHERE phone = $1")
            .bind(phone)
            .fetch_all(&mut **tx)
            .await?;
        let message = notify::push_message(moment, &about);
        let payload = serde_json::to_string(&message).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        for id in subscriptions {
            notices.push((Channel::Push, id.to_string(), None, payload.clone()));
        }
    }
    if let (Some(address), true) = (&holder.email, email) {
        let (subject, body) = notify::email(moment, &about);
        notices.push((Channel::Email, address.clone(), Some(subject), body));
    }
    let mut written = 0;
    for (channel, recipient, subject, body) in notices {
        written += sqlx::query(
            "INSERT INTO notifications
                (ticket_id, moment, call_number, channel, recipient, subject, body, created_at, next_attempt_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)
             ON CONFLICT (ticket_id, moment, call_number, channel, recipient) DO NOTHING",
        )
        .bind(holder.id)
        .bind(moment.kind())
        .bind(i64::from(moment.call_number()))
        .bind(channel.as_str())
        .bind(recipient)
        .bind(subject)
        .bind(body)
        .bind(millis(now))
        .execute(&mut **tx)
        .await?
        .rows_affected();
    }
    Ok(written)
}

/// How long a notice taken by one PostgreSQL instance stays away from the others'
/// senders: long enough for a batch to be delivered (each try is bounded by the
/// gateways' timeouts); if the instance dies, its notices go out after this.
pub const CLAIM_LEASE_SECONDS: i64 = 300;

/// Notices whose time to be sent has come, oldest first, for this instance's
/// sender. On SQLite there is one instance, and this only reads. On PostgreSQL
/// several instances send, so the notices are claimed: their next attempt moves
/// a lease ahead (rows another sender is claiming are passed over), and the
/// outcome the sender records (`mark_sent`, `mark_failed_try`, `give_up`)
/// replaces it. So each notice is sent once, whichever instance sends it.
pub async fn due(db: &Db, now: DateTime<Utc>, limit: i64) -> StoreResult<Vec<Notice>> {
    let rows = match db.engine() {
        Engine::Sqlite => {
            sqlx::query(
                "SELECT id, channel, recipient, subject, body, attempts FROM notifications
                 WHERE sent_at IS NULL AND failed_at IS NULL AND next_attempt_at <= $1 ORDER BY id LIMIT $2",
            )
            .bind(millis(now))
            .bind(limit)
            .fetch_all(db.reader())
            .await?
        }
        Engine::Postgres => {
            let mut rows = sqlx::query(
                "UPDATE notifications SET next_attempt_at = $3
                 WHERE id IN (SELECT id FROM notifications
                              WHERE sent_at IS NULL AND failed_at IS NULL AND next_attempt_at <= $1
                              ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED)
                 RETURNING id, channel, recipient, subject, body, attempts",
            )
            .bind(millis(now))
            .bind(limit)
            .bind(millis(now) + CLAIM_LEASE_SECONDS * 1000)
            .fetch_all(db.writer())
            .await?;
            rows.sort_by_key(|row| row.get::<i64, _>("id"));
            rows
        }
    };
    rows.iter()
        .map(|row| {
            let channel: String = row.get("channel");
            Ok(Notice {
                id: row.get("id"),
                channel: Channel::parse(&channel).ok_or_else(|| StoreError::Corrupt(format!("channel {channel:?}")))?,
                recipient: row.get("recipient"),
                subject: row.get("subject"),
                body: row.get("body"),
                attempts: u32::try_from(row.get::<i64, _>("attempts")).unwrap_or(0),
            })
        })
        .collect()
}

pub async fn mark_sent(db: &Db, id: i64, now: DateTime<Utc>) -> StoreResult<()> {
    sqlx::query("UPDATE notifications SET sent_at = $2, attempts = attempts + 1, last_error = NULL WHERE id = $1")
        .bind(id)
        .bind(millis(now))
        .execute(db.writer())
        .await?;
    Ok(())
}

/// A notice that can never be sent (its push subscription is gone).
pub async fn give_up(db: &Db, id: i64, error: &str, now: DateTime<Utc>) -> StoreResult<()> {
    sqlx::query("UPDATE notifications SET attempts = attempts + 1, last_error = $2, failed_at = $3 WHERE id = $1")
        .bind(id)
        .bind(error)
        .bind(millis(now))
        .execute(db.writer())
        .await?;
    Ok(())
}

/// Records a failed try: the notice is tried again later, or given up on.
pub async fn mark_failed_try(db: &Db, notice: &Notice, error: &str, now: DateTime<Utc>) -> StoreResult<()> {
    let attempts = notice.attempts + 1;
    let retry = notify::retry_after_seconds(attempts).map(|seconds| millis(now) + seconds * 1000);
    sqlx::query(
        "UPDATE notifications SET attempts = $2, last_error = $3,
            next_attempt_at = COALESCE($4, next_attempt_at), failed_at = CASE WHEN $4 IS NULL THEN $5 END
         WHERE id = $1",
    )
    .bind(notice.id)
    .bind(i64::from(attempts))
    .bind(error)
    .bind(retry)
    .bind(millis(now))
    .execute(db.writer())
    .await?;
    Ok(())
}
