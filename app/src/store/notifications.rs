//! Notices to ticket holders: written when a number is called (for the called
//! ticket, and "almost your turn" for the front of its line), sent and retried
//! by `crate::notify`.

use chrono::{DateTime, Utc};
use sqlx::any::AnyRow;
use sqlx::{Any, Transaction};

use super::{millis, Columns, Db, Engine, StoreError, StoreResult};
use crate::domain::calendar::OfficeZone;
use crate::domain::cancel_link;
use crate::domain::estimate::{CallEstimate, Place};
use crate::domain::notify::{self, Channel, Moment};
use crate::domain::ticket::CancelReason;
use crate::i18n::About;

/// A notice waiting to be sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub id: i64,
    pub ticket_id: i64,
    /// `near` or `called` (see `domain::notify::Moment::kind`).
    pub moment: String,
    /// The call it tells of; 0 for `near`.
    pub call_number: i64,
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

fn holder(row: &AnyRow) -> StoreResult<Holder> {
    Ok(Holder {
        id: row.col("id")?,
        code: row.col("public_code")?,
        display_number: row.col("display_number")?,
        phone: row.col("holder_phone")?,
        email: row.col::<Option<String>>("holder_email")?.filter(|e| !e.is_empty()),
    })
}

/// After a call at `counter_id`: the called ticket's notice, and "almost your
/// turn" for the first places of its line. `origin` makes the ticket links;
/// without `email`, no email notices are written. Returns how many were written.
pub async fn after_call(db: &Db, counter_id: i64, origin: &str, email: bool, now: DateTime<Utc>) -> StoreResult<u64> {
    let mut tx = db.writer().begin().await?;
    let Some(called) = sqlx::query(
        "SELECT t.id, t.public_code, t.display_number, t.holder_phone, t.holder_email, t.call_count,
                t.service_id, t.service_date, c.name AS counter, o.name AS office, o.time_zone
         FROM tickets t JOIN counters c ON c.id = t.counter_id JOIN offices o ON o.id = c.office_id
         WHERE t.counter_id = $1 AND t.state = 'called' ORDER BY t.called_at DESC LIMIT 1",
    )
    .bind(counter_id)
    .fetch_optional(&mut *tx)
    .await?
    else {
        return Ok(0);
    };
    let office: String = called.col("office")?;
    let call = u32::try_from(called.col::<i64>("call_count")?).unwrap_or(1).max(1);
    let moment = Moment::Called { counter: called.col("counter")?, call };
    let mut written = write(&mut tx, &holder(&called)?, &moment, &office, origin, email, now).await?;

    let line =
        Line { service_id: called.col("service_id")?, service_date: called.col("service_date")?, zone: zone(&called)? };
    written += tell_front_of_line(&mut tx, &line, &office, origin, email, now).await?;
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
        "SELECT t.service_id, t.service_date, o.name AS office, o.time_zone
         FROM tickets t JOIN services s ON s.id = t.service_id JOIN offices o ON o.id = s.office_id
         WHERE t.public_code = $1 AND t.state = 'waiting'",
    )
    .bind(ticket_code)
    .fetch_optional(&mut *tx)
    .await?
    else {
        return Ok(0);
    };
    let office: String = ticket.col("office")?;
    let line =
        Line { service_id: ticket.col("service_id")?, service_date: ticket.col("service_date")?, zone: zone(&ticket)? };
    let written = tell_front_of_line(&mut tx, &line, &office, origin, email, now).await?;
    tx.commit().await?;
    Ok(written)
}

/// The evening reminders due now, at every office whose reminder hour has
/// come (see `domain::notify::reminder_round`): one per channel for each
/// waiting ticket of the next day taken before the hour. Written once: the
/// notices' unique key makes every later round (another minute, a restart,
/// another instance) a no-op. `link_key` signs the cancel links.
pub async fn write_reminders(
    db: &Db,
    link_key: &[u8],
    origin: &str,
    email: bool,
    now: DateTime<Utc>,
) -> StoreResult<u64> {
    let offices = sqlx::query("SELECT id, name, time_zone, reminder_hour FROM offices").fetch_all(db.reader()).await?;
    let mut written = 0;
    for office in offices {
        let zone: String = office.col("time_zone")?;
        let zone = OfficeZone::from_iana_name(&zone).ok_or_else(|| StoreError::Corrupt(format!("zone {zone:?}")))?;
        let hour = u32::try_from(office.col::<i64>("reminder_hour")?).unwrap_or(18);
        let Some(round) = notify::reminder_round(zone, hour, now) else { continue };
        // Looked for on a read connection: most rounds find nothing to write.
        let tickets = sqlx::query(
            "SELECT t.id, t.public_code, t.display_number, t.holder_phone, t.holder_email, t.service_id,
                s.name_id AS service,
                (SELECT COUNT(*) FROM tickets w WHERE w.service_id = t.service_id
                   AND w.service_date = t.service_date AND w.state = 'waiting'
                   AND (w.queue_key < t.queue_key OR (w.queue_key = t.queue_key AND w.id < t.id))) AS ahead
             FROM tickets t JOIN services s ON s.id = t.service_id
             WHERE s.office_id = $1 AND t.service_date = $2 AND t.state = 'waiting' AND t.issued_at < $3
               AND (t.holder_phone IS NOT NULL OR t.holder_email IS NOT NULL)
               AND NOT EXISTS (SELECT 1 FROM notifications n WHERE n.ticket_id = t.id AND n.moment = 'reminder')",
        )
        .bind(office.col::<i64>("id")?)
        .bind(round.for_date.to_string())
        .bind(millis(round.due_at))
        .fetch_all(db.reader())
        .await?;
        if tickets.is_empty() {
            continue;
        }
        // The estimates are read before the write transaction, not under it.
        let Some(found) = super::offices::find_by_id(db, office.col("id")?).await? else { continue };
        let mut estimates = Vec::with_capacity(tickets.len());
        for ticket in &tickets {
            let ahead = u32::try_from(ticket.col::<i64>("ahead")?).unwrap_or(0);
            let service_id = ticket.col("service_id")?;
            let estimate = super::tickets::call_estimate(db, &found, service_id, round.for_date, ahead, now).await?;
            estimates.push(estimate.unwrap_or(CallEstimate::TooLittleHistory));
        }
        let mut tx = db.writer().begin().await?;
        let office_name: String = office.col("name")?;
        for (ticket, estimate) in tickets.iter().zip(estimates) {
            let holder = holder(ticket)?;
            let token = cancel_link::token(link_key, &holder.code, round.links_expire_at);
            let moment = Moment::Reminder {
                service: ticket.col("service")?,
                date: round.for_date,
                cancel_link: format!("{origin}/batal/{token}"),
                estimate,
            };
            written += write(&mut tx, &holder, &moment, &office_name, origin, email, now).await?;
        }
        tx.commit().await?;
    }
    Ok(written)
}

/// After a ticket was finished at a counter: its holder is thanked and asked
/// to rate the service (see `domain::feedback`).
pub async fn after_finish(
    db: &Db,
    ticket_code: &str,
    origin: &str,
    email: bool,
    now: DateTime<Utc>,
) -> StoreResult<u64> {
    tell_if_still(db, ticket_code, "done", &Moment::Finished, origin, email, now).await
}

/// After staff cancelled a ticket: its holder is told, with the reason.
pub async fn after_staff_cancel(
    db: &Db,
    ticket_code: &str,
    reason: CancelReason,
    origin: &str,
    email: bool,
    now: DateTime<Utc>,
) -> StoreResult<u64> {
    tell_if_still(db, ticket_code, "cancelled", &Moment::Cancelled { reason }, origin, email, now).await
}

/// Writes `moment` for the holder of the ticket `ticket_code` if it is still
/// in `state` (a later move makes the notice moot).
async fn tell_if_still(
    db: &Db,
    ticket_code: &str,
    state: &str,
    moment: &Moment,
    origin: &str,
    email: bool,
    now: DateTime<Utc>,
) -> StoreResult<u64> {
    let mut tx = db.writer().begin().await?;
    let ticket: Option<i64> = sqlx::query_scalar("SELECT id FROM tickets WHERE public_code = $1 AND state = $2")
        .bind(ticket_code)
        .bind(state)
        .fetch_optional(&mut *tx)
        .await?;
    let Some(ticket) = ticket else { return Ok(0) };
    let written = tell(&mut tx, ticket, moment, origin, email, now).await?;
    tx.commit().await?;
    Ok(written)
}

/// After tickets were moved off a day their office closed: each holder is told
/// the new day and number, and why.
pub async fn after_move(
    db: &Db,
    moved: &[super::tickets::Moved],
    why: &str,
    origin: &str,
    email: bool,
    now: DateTime<Utc>,
) -> StoreResult<u64> {
    let mut tx = db.writer().begin().await?;
    let mut written = 0;
    for ticket in moved {
        let moment = Moment::Moved { from: ticket.from, to: ticket.to, why: why.to_string() };
        written += tell(&mut tx, ticket.ticket_id, &moment, origin, email, now).await?;
    }
    tx.commit().await?;
    Ok(written)
}

/// Writes `moment` for the holder of one ticket, by every channel they gave.
async fn tell(
    tx: &mut Transaction<'_, Any>,
    ticket_id: i64,
    moment: &Moment,
    origin: &str,
    email: bool,
    now: DateTime<Utc>,
) -> StoreResult<u64> {
    let ticket = sqlx::query(
        "SELECT t.id, t.public_code, t.display_number, t.holder_phone, t.holder_email, o.name AS office
         FROM tickets t JOIN services s ON s.id = t.service_id JOIN offices o ON o.id = s.office_id
         WHERE t.id = $1",
    )
    .bind(ticket_id)
    .fetch_one(&mut **tx)
    .await?;
    let office: String = ticket.col("office")?;
    write(tx, &holder(&ticket)?, moment, &office, origin, email, now).await
}

/// A service's line on a date, at an office in `zone`.
struct Line {
    service_id: i64,
    service_date: String,
    zone: OfficeZone,
}

fn zone(row: &AnyRow) -> StoreResult<OfficeZone> {
    let name: String = row.col("time_zone")?;
    OfficeZone::from_iana_name(&name).ok_or_else(|| StoreError::Corrupt(format!("zone {name:?}")))
}

/// "Almost your turn", with the estimated call, for the first places of a
/// service's line on a date that were not told yet.
async fn tell_front_of_line(
    tx: &mut Transaction<'_, Any>,
    line: &Line,
    office: &str,
    origin: &str,
    email: bool,
    now: DateTime<Utc>,
) -> StoreResult<u64> {
    let front = sqlx::query(
        "SELECT t.id, t.public_code, t.display_number, t.holder_phone, t.holder_email,
                CASE WHEN EXISTS (SELECT 1 FROM notifications n WHERE n.ticket_id = t.id AND n.moment = 'near')
                  THEN 1 ELSE 0 END AS told
         FROM tickets t WHERE t.service_id = $1 AND t.service_date = $2 AND t.state = 'waiting'
         ORDER BY t.queue_key, t.id LIMIT $3",
    )
    .bind(line.service_id)
    .bind(&line.service_date)
    .bind(i64::from(notify::NEAR) + 1)
    .fetch_all(&mut **tx)
    .await?;
    let told: Vec<bool> = front.iter().map(|row| Ok(row.col::<i64>("told")? != 0)).collect::<StoreResult<_>>()?;
    if told.iter().all(|told| *told) {
        return Ok(0);
    }
    // The line is moving, so the count starts now, at the counters open now.
    let today = line.zone.local(now).date();
    let times = super::tickets::service_times(&mut **tx, line.service_id, today).await?;
    let counters = super::counters::calling_service(&mut **tx, line.service_id, true).await?;
    let estimate = |ahead| Place { start: now, ahead, counters }.estimate(times.as_ref(), line.zone);
    let mut written = 0;
    for (place, moment) in notify::due_near(&told, estimate) {
        written += write(tx, &holder(&front[place])?, &moment, office, origin, email, now).await?;
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
        notices.push((Channel::Sms, phone.clone(), None, crate::i18n::notice_sms(moment, &about)));
        let subscriptions: Vec<i64> = sqlx::query_scalar("SELECT id FROM push_subscriptions WHERE phone = $1")
            .bind(phone)
            .fetch_all(&mut **tx)
            .await?;
        let message = crate::i18n::notice_push(moment, &about);
        let payload = serde_json::to_string(&message).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        for id in subscriptions {
            notices.push((Channel::Push, id.to_string(), None, payload.clone()));
        }
    }
    if let (Some(address), true) = (&holder.email, email) {
        let (subject, body) = crate::i18n::notice_email(moment, &about);
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

/// How long a claimed notice stays away from every sender (this instance's
/// other rounds, and other instances on PostgreSQL). The sender extends the
/// claims of what it is still sending (`crate::notify`); if the instance dies
/// mid-send, its notices go out again after at most this.
pub const CLAIM_LEASE_SECONDS: i64 = 15;

/// Extends the claims of notices still being sent by a lease from `now`.
pub async fn extend_claims(db: &Db, ids: &[i64], now: DateTime<Utc>) -> StoreResult<()> {
    for chunk in ids.chunks(500) {
        let placeholders: Vec<String> = (2..chunk.len() + 2).map(|n| format!("${n}")).collect();
        let sql = format!(
            "UPDATE notifications SET next_attempt_at = $1
             WHERE id IN ({}) AND sent_at IS NULL AND failed_at IS NULL",
            placeholders.join(", ")
        );
        let mut query = sqlx::query(&sql).bind(millis(now) + CLAIM_LEASE_SECONDS * 1000);
        for id in chunk {
            query = query.bind(id);
        }
        query.execute(db.writer()).await?;
    }
    Ok(())
}

/// Claims up to `limit` notices of `channel` whose time to be sent has come,
/// oldest first: their next attempt moves a lease ahead (rows another sender
/// is claiming are passed over on PostgreSQL), and the outcome the sender
/// records (`mark_sent`, `mark_failed_try`, `give_up`, `postpone`) replaces
/// it. So each notice is sent once, whichever instance sends it, and a claim
/// covers only what the sender has a free slot for.
pub async fn claim(db: &Db, channel: Channel, now: DateTime<Utc>, limit: i64) -> StoreResult<Vec<Notice>> {
    let lock = match db.engine() {
        Engine::Sqlite => "",
        Engine::Postgres => "FOR UPDATE SKIP LOCKED",
    };
    let rows = sqlx::query(&format!(
        "UPDATE notifications SET next_attempt_at = $4
         WHERE id IN (SELECT id FROM notifications
                      WHERE sent_at IS NULL AND failed_at IS NULL AND next_attempt_at <= $1 AND channel = $2
                      ORDER BY id LIMIT $3 {lock})
         RETURNING id, ticket_id, moment, call_number, channel, recipient, subject, body, attempts"
    ))
    .bind(millis(now))
    .bind(channel.as_str())
    .bind(limit)
    .bind(millis(now) + CLAIM_LEASE_SECONDS * 1000)
    .fetch_all(db.writer())
    .await?;
    let mut notices = rows
        .iter()
        .map(|row| {
            let channel: String = row.col("channel")?;
            Ok(Notice {
                id: row.col("id")?,
                ticket_id: row.col("ticket_id")?,
                moment: row.col("moment")?,
                call_number: row.col("call_number")?,
                channel: Channel::parse(&channel).ok_or_else(|| StoreError::Corrupt(format!("channel {channel:?}")))?,
                recipient: row.col("recipient")?,
                subject: row.col("subject")?,
                body: row.col("body")?,
                attempts: u32::try_from(row.col::<i64>("attempts")?).unwrap_or(0),
            })
        })
        .collect::<StoreResult<Vec<Notice>>>()?;
    notices.sort_by_key(|notice| notice.id);
    Ok(notices)
}

/// On SQLite one instance sends, so at its start any claim is a dead one's:
/// what it had in hand is due again at once instead of after the lease.
pub async fn release_claims_of_a_dead_sender(db: &Db, now: DateTime<Utc>) -> StoreResult<u64> {
    if db.engine() != Engine::Sqlite {
        return Ok(0);
    }
    let released = sqlx::query(
        "UPDATE notifications SET next_attempt_at = $1
         WHERE sent_at IS NULL AND failed_at IS NULL AND next_attempt_at > $1 AND next_attempt_at <= $2",
    )
    .bind(millis(now))
    .bind(millis(now) + CLAIM_LEASE_SECONDS * 1000)
    .execute(db.writer())
    .await?;
    Ok(released.rows_affected())
}

/// Whether what the notice tells is still true: the ticket is still waiting
/// ("almost your turn", the reminder), still cancelled, or this very call is
/// still its current one. A call
/// the ticket has moved past (served, cancelled, called again) is never
/// delivered late.
pub async fn still_current(db: &Db, notice: &Notice) -> StoreResult<bool> {
    let row = sqlx::query("SELECT state, call_count FROM tickets WHERE id = $1")
        .bind(notice.ticket_id)
        .fetch_optional(db.reader())
        .await?;
    let Some(row) = row else { return Ok(false) };
    let state: String = row.col("state")?;
    Ok(match notice.moment.as_str() {
        "called" => state == "called" && row.col::<i64>("call_count")? == notice.call_number,
        "cancelled" => state == "cancelled",
        "finished" => state == "done",
        _ => state == "waiting",
    })
}

/// The destination is paused (see `crate::notify`): the notice waits until
/// `until` without counting a try.
pub async fn postpone(db: &Db, id: i64, until: DateTime<Utc>) -> StoreResult<()> {
    sqlx::query("UPDATE notifications SET next_attempt_at = $2 WHERE id = $1")
        .bind(id)
        .bind(millis(until))
        .execute(db.writer())
        .await?;
    Ok(())
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

/// One channel's notices at an office not sent yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Backlog {
    pub channel: Channel,
    /// Waiting to be sent (now or at a retry).
    pub unsent: u64,
    /// When the oldest of them was written.
    pub oldest: Option<DateTime<Utc>>,
    /// Given up on: tries used up, or dropped as no longer true.
    pub failed: u64,
}

/// A notice given up on, for the outbox page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failed {
    pub id: i64,
    pub channel: Channel,
    pub moment: String,
    pub display_number: String,
    pub attempts: u32,
    pub last_error: String,
    pub failed_at: DateTime<Utc>,
}

/// An office's outbox: the backlog per channel, and the newest notices given up on.
pub async fn outbox(db: &Db, office_id: i64, failures_shown: i64) -> StoreResult<(Vec<Backlog>, Vec<Failed>)> {
    let rows = sqlx::query(
        "SELECT n.channel,
                COALESCE(SUM(CASE WHEN n.sent_at IS NULL AND n.failed_at IS NULL THEN 1 ELSE 0 END), 0) AS unsent,
                MIN(CASE WHEN n.sent_at IS NULL AND n.failed_at IS NULL THEN n.created_at END) AS oldest,
                COALESCE(SUM(CASE WHEN n.failed_at IS NOT NULL THEN 1 ELSE 0 END), 0) AS failed
         FROM notifications n JOIN tickets t ON t.id = n.ticket_id JOIN services s ON s.id = t.service_id
         WHERE s.office_id = $1 GROUP BY n.channel",
    )
    .bind(office_id)
    .fetch_all(db.reader())
    .await?;
    let count = |row: &AnyRow, column: &'static str| -> StoreResult<u64> {
        Ok(u64::try_from(row.col::<i64>(column)?).unwrap_or(0))
    };
    let mut backlog: Vec<Backlog> = [Channel::Sms, Channel::Email, Channel::Push]
        .into_iter()
        .map(|channel| Backlog { channel, unsent: 0, oldest: None, failed: 0 })
        .collect();
    for row in &rows {
        let channel: String = row.col("channel")?;
        if let Some(line) = backlog.iter_mut().find(|line| line.channel.as_str() == channel) {
            line.unsent = count(row, "unsent")?;
            line.oldest = row.col::<Option<i64>>("oldest")?.and_then(DateTime::from_timestamp_millis);
            line.failed = count(row, "failed")?;
        }
    }
    let failed = sqlx::query(
        "SELECT n.id, n.channel, n.moment, t.display_number, n.attempts, n.last_error, n.failed_at
         FROM notifications n JOIN tickets t ON t.id = n.ticket_id JOIN services s ON s.id = t.service_id
         WHERE s.office_id = $1 AND n.failed_at IS NOT NULL ORDER BY n.failed_at DESC, n.id DESC LIMIT $2",
    )
    .bind(office_id)
    .bind(failures_shown)
    .fetch_all(db.reader())
    .await?;
    let failed = failed
        .iter()
        .map(|row| {
            let channel: String = row.col("channel")?;
            Ok(Failed {
                id: row.col("id")?,
                channel: Channel::parse(&channel).ok_or_else(|| StoreError::Corrupt(format!("channel {channel:?}")))?,
                moment: row.col("moment")?,
                display_number: row.col("display_number")?,
                attempts: u32::try_from(row.col::<i64>("attempts")?).unwrap_or(0),
                last_error: row.col::<Option<String>>("last_error")?.unwrap_or_default(),
                failed_at: DateTime::from_timestamp_millis(row.col("failed_at")?).unwrap_or_default(),
            })
        })
        .collect::<StoreResult<_>>()?;
    Ok((backlog, failed))
}

/// Sends a notice given up on again, from its first try; only a notice of a
/// ticket of `office_id`. False if there is none such.
pub async fn retry(db: &Db, office_id: i64, id: i64, by: &crate::domain::audit::Actor) -> StoreResult<bool> {
    let mut tx = db.writer().begin().await?;
    let retried = sqlx::query(
        "UPDATE notifications SET failed_at = NULL, attempts = 0, next_attempt_at = $3
         WHERE id = $1 AND failed_at IS NOT NULL AND ticket_id IN
           (SELECT t.id FROM tickets t JOIN services s ON s.id = t.service_id WHERE s.office_id = $2)",
    )
    .bind(id)
    .bind(office_id)
    .bind(millis(by.at))
    .execute(&mut *tx)
    .await?;
    if retried.rows_affected() != 1 {
        return Ok(false);
    }
    use crate::domain::audit::{AuditAction, AuditEntry};
    let notice = super::audit::row_fields(
        &mut tx,
        "SELECT t.display_number AS ticket, n.moment, n.channel FROM notifications n JOIN tickets t ON t.id = n.ticket_id
         WHERE n.id = $1",
        id,
    )
    .await?;
    let entry = AuditEntry::new(by, Some(office_id), AuditAction::NoticeRetried, format!("notice {id}"));
    super::audit::record(&mut tx, &entry.with_after(notice)).await?;
    tx.commit().await?;
    Ok(true)
}

/// Unsent and failed notices per channel, across offices (for the metrics).
pub async fn backlog_by_channel(db: &Db) -> StoreResult<Vec<(Channel, i64, i64)>> {
    let rows = sqlx::query(
        "SELECT channel,
                COALESCE(SUM(CASE WHEN sent_at IS NULL AND failed_at IS NULL THEN 1 ELSE 0 END), 0) AS unsent,
                COALESCE(SUM(CASE WHEN failed_at IS NOT NULL THEN 1 ELSE 0 END), 0) AS failed
         FROM notifications GROUP BY channel",
    )
    .fetch_all(db.reader())
    .await?;
    let mut counts = Vec::new();
    for row in &rows {
        if let Some(channel) = Channel::parse(&row.col::<String>("channel")?) {
            counts.push((channel, row.col("unsent")?, row.col("failed")?));
        }
    }
    Ok(counts)
}
