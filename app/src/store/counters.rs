//! Counters at work: opening and pausing them, and every move a counter makes on
//! a ticket (call next, recall, no-show, requeue, serve, finish, transfer). Each
//! move is one transaction that locks the counter, finds its ticket and hands
//! the move to `tickets::move_ticket`, the one writer of a ticket's state, so
//! two counters pressing "call next" at once never get the same ticket.

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use sqlx::any::AnyRow;
use sqlx::{Any, Transaction};
use thiserror::Error;

use super::tickets::{move_ticket, ActionError, TicketMove};
use super::{millis, Columns, Db, StoreError, StoreResult, AT_COUNTER};
use crate::domain::audit::{Actor, AuditAction, AuditEntry, Fields};
use crate::domain::calendar::OfficeZone;
use crate::domain::counter::{CallPolicy, Counter, CounterAction, CounterRefusal, CounterStatus};
use crate::domain::office::Office;
use crate::domain::priority::{Heads, Line, PriorityCategory, PriorityMode};
use crate::domain::ticket::{next_state, Channel, TicketAction, TicketState};
use crate::model::{CallView, ConsoleTicket, ConsoleView, CounterNow, CounterSummary, ReceivedCall};

#[derive(Debug, Error)]
pub enum CounterError {
    #[error("no such counter or ticket")]
    NotFound,
    #[error(transparent)]
    Refused(#[from] CounterRefusal),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for CounterError {
    fn from(error: sqlx::Error) -> Self {
        Self::Store(error.into())
    }
}

pub async fn find(db: &Db, counter_id: i64) -> StoreResult<Option<Counter>> {
    let row = sqlx::query(
        "SELECT c.id, c.office_id, c.name, c.status, o.max_calls, o.requeue_after
         FROM counters c JOIN offices o ON o.id = c.office_id WHERE c.id = $1",
    )
    .bind(counter_id)
    .fetch_optional(db.reader())
    .await?;
    row.map(|row| {
        let status: String = row.col("status")?;
        Ok(Counter {
            id: row.col("id")?,
            office_id: row.col("office_id")?,
            name: row.col("name")?,
            status: CounterStatus::parse(&status).ok_or_else(|| StoreError::Corrupt(format!("status {status:?}")))?,
            policy: CallPolicy::from_stored(row.col("max_calls")?, row.col("requeue_after")?),
        })
    })
    .transpose()
}

pub async fn list(db: &Db, office_id: i64) -> StoreResult<Vec<CounterSummary>> {
    let rows = sqlx::query(
        "SELECT c.id, c.name, c.status,
            COALESCE((SELECT string_agg(s.prefix, '|' ORDER BY cs.service_id) FROM counter_services cs
              JOIN services s ON s.id = cs.service_id WHERE cs.counter_id = c.id), '') AS services
         FROM counters c WHERE c.office_id = $1 ORDER BY c.name",
    )
    .bind(office_id)
    .fetch_all(db.reader())
    .await?;
    rows.into_iter()
        .map(|row| {
            let status: String = row.col("status")?;
            let services: String = row.col("services")?;
            let mut services: Vec<String> = services.split('|').filter(|s| !s.is_empty()).map(str::to_string).collect();
            services.sort();
            Ok(CounterSummary {
                id: row.col("id")?,
                name: row.col("name")?,
                status: CounterStatus::parse(&status)
                    .ok_or_else(|| StoreError::Corrupt(format!("status {status:?}")))?,
                services,
            })
        })
        .collect()
}

/// Opens, pauses or closes the counter, which then names `by` as its staff.
pub async fn set_status(db: &Db, counter: &Counter, action: CounterAction, by: &Actor) -> Result<(), CounterError> {
    let status = action.status().ok_or(CounterRefusal::WrongState)?;
    let mut tx = db.writer().begin().await?;
    sqlx::query("UPDATE counters SET status = $1, staff_id = $2 WHERE id = $3")
        .bind(status.as_str())
        .bind(by.account_id)
        .bind(counter.id)
        .execute(&mut *tx)
        .await?;
    let status = Fields::from([("status".to_string(), status.as_str().to_string())]);
    record_at_counter(&mut tx, by, counter, action, status).await?;
    tx.commit().await?;
    Ok(())
}

/// The audit entry of a counter action, inside its transaction: `facts` are
/// what it did (the ticket called, where it went).
async fn record_at_counter(
    tx: &mut Transaction<'_, Any>,
    by: &Actor,
    counter: &Counter,
    action: CounterAction,
    facts: Fields,
) -> StoreResult<()> {
    let entry = AuditEntry::new(by, Some(counter.office_id), AuditAction::Counter(action), counter.name.clone());
    super::audit::record(tx, &entry.with_after(facts)).await
}

/// A ticket as an audit entry names it.
fn ticket_facts(row: &AnyRow) -> StoreResult<Fields> {
    Ok(Fields::from([
        ("ticket".to_string(), row.col::<String>("display_number")?),
        ("code".to_string(), row.col::<String>("public_code")?),
    ]))
}

const TICKET_COLUMNS: &str = "t.id, t.public_code, t.display_number, s.prefix, t.holder_name, t.channel, t.state,
    t.call_count, t.issued_at, t.queue_key, t.priority";

fn priority(row: &AnyRow) -> StoreResult<Option<PriorityCategory>> {
    let value: Option<String> = row.col("priority")?;
    value
        .map(|name| PriorityCategory::parse(&name).ok_or_else(|| StoreError::Corrupt(format!("priority {name:?}"))))
        .transpose()
}

fn console_ticket(row: &AnyRow) -> StoreResult<ConsoleTicket> {
    let state: String = row.col("state")?;
    let channel: String = row.col("channel")?;
    Ok(ConsoleTicket {
        code: row.col("public_code")?,
        display_number: row.col("display_number")?,
        service_prefix: row.col("prefix")?,
        holder_name: row.col("holder_name")?,
        channel: Channel::parse(&channel).ok_or_else(|| StoreError::Corrupt(format!("channel {channel:?}")))?,
        state: TicketState::parse(&state).ok_or_else(|| StoreError::Corrupt(format!("state {state:?}")))?,
        call_count: u32::try_from(row.col::<i64>("call_count")?).unwrap_or(0),
        issued_at: DateTime::from_timestamp_millis(row.col("issued_at")?).unwrap_or_default(),
        priority: priority(row)?,
    })
}

/// Takes the counter's row for the rest of the transaction and returns its
/// status: on PostgreSQL two moves of one counter (two clicks, two instances)
/// then run one after the other, as they do on SQLite's single writer.
async fn lock_counter(tx: &mut Transaction<'_, Any>, db: &Db, counter_id: i64) -> StoreResult<String> {
    Ok(sqlx::query_scalar(&format!("SELECT status FROM counters WHERE id = $1{}", db.engine().lock_rows()))
        .bind(counter_id)
        .fetch_one(&mut **tx)
        .await?)
}

/// The ticket this counter has called or is serving, if any.
async fn current_of<'e>(
    executor: impl sqlx::Executor<'e, Database = Any>,
    counter_id: i64,
) -> StoreResult<Option<AnyRow>> {
    Ok(sqlx::query(&format!(
        "SELECT {TICKET_COLUMNS} FROM tickets t JOIN services s ON s.id = t.service_id
         WHERE t.counter_id = $1 AND t.state IN {at_counter} ORDER BY t.called_at DESC LIMIT 1",
        at_counter = AT_COUNTER.as_str()
    ))
    .bind(counter_id)
    .fetch_optional(executor)
    .await?)
}

async fn record_call(
    tx: &mut Transaction<'_, Any>,
    ticket_id: i64,
    counter: &Counter,
    recall: bool,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    sqlx::query("INSERT INTO calls (ticket_id, counter_id, called_at, recall) VALUES ($1, $2, $3, $4)")
        .bind(ticket_id)
        .bind(counter.id)
        .bind(millis(now))
        .bind(i64::from(recall))
        .execute(&mut **tx)
        .await?;
    Ok(())
}

fn call_view(row: &AnyRow, counter: &Counter, recall: bool, now: DateTime<Utc>) -> StoreResult<CallView> {
    Ok(CallView {
        display_number: row.col("display_number")?,
        service_prefix: row.col("prefix")?,
        counter: counter.name.clone(),
        at: now,
        recall,
        priority: priority(row)?,
    })
}

/// Moves a ticket the counter holds; a move the rules refuse, or one another
/// counter made first, is the counter's "wrong state".
async fn move_at_counter(
    tx: &mut Transaction<'_, Any>,
    ticket_id: i64,
    from: TicketState,
    wanted: TicketMove,
    now: DateTime<Utc>,
) -> Result<(), CounterError> {
    match move_ticket(tx, ticket_id, from, wanted, now).await {
        Ok(_) => Ok(()),
        Err(ActionError::Transition(_)) => Err(CounterRefusal::WrongState.into()),
        Err(ActionError::NotFound) => Err(CounterError::NotFound),
        Err(ActionError::Store(error)) => Err(error.into()),
    }
}

/// Calls the next waiting ticket of the counter's services at `office`
/// today: the head of the priority line or of the ordinary one, as the
/// office's priority policy chooses (see `domain::priority`).
pub async fn call_next(db: &Db, counter: &Counter, office: &Office, by: &Actor) -> Result<CallView, CounterError> {
    let now = by.at;
    let today = office.zone.local(now).date();
    // A ticket issued before the day has waited since the opening.
    let opened =
        office.calendar.hours().on(today).map_or(now, |hours| office.zone.instant(today.and_time(hours.opens)));
    let mut tx = db.writer().begin().await?;
    let status = lock_counter(&mut tx, db, counter.id).await?;
    if status != CounterStatus::Open.as_str() {
        return Err(CounterRefusal::NotOpen.into());
    }
    if current_of(&mut *tx, counter.id).await?.is_some() {
        return Err(CounterRefusal::Busy.into());
    }
    let policy = &office.priority;
    let next = if policy.categories.is_empty() {
        head_of_line(&mut tx, db, counter, today, "").await?
    } else {
        let first = head_of_line(&mut tx, db, counter, today, " AND t.priority IS NOT NULL").await?;
        let ordinary = head_of_line(&mut tx, db, counter, today, " AND t.priority IS NULL").await?;
        let since = |row: &Option<AnyRow>| -> StoreResult<Option<DateTime<Utc>>> {
            let Some(row) = row else { return Ok(None) };
            let issued = DateTime::from_timestamp_millis(row.col("issued_at")?).unwrap_or_default();
            Ok(Some(issued.max(opened)))
        };
        // Only "every k-th call" with both lines waiting needs the count.
        let counted = matches!(policy.mode, PriorityMode::Every(_)) && first.is_some() && ordinary.is_some();
        let ordinary_calls_since_priority = if counted {
            let midnight = office.zone.instant(today.and_time(NaiveTime::MIN));
            ordinary_calls_since_priority(&mut *tx, counter, midnight).await?
        } else {
            0
        };
        let heads =
            Heads { priority_since: since(&first)?, ordinary_since: since(&ordinary)?, ordinary_calls_since_priority };
        match policy.next_line(&heads, now) {
            Some(Line::Priority) => first,
            Some(Line::Ordinary) => ordinary,
            None => None,
        }
    }
    .ok_or(CounterRefusal::NoneWaiting)?;
    let id: i64 = next.col("id")?;
    move_at_counter(&mut tx, id, TicketState::Waiting, TicketMove::Call { counter_id: Some(counter.id) }, now).await?;
    record_call(&mut tx, id, counter, false, now).await?;
    record_at_counter(&mut tx, by, counter, CounterAction::CallNext, ticket_facts(&next)?).await?;
    tx.commit().await?;
    Ok(call_view(&next, counter, false, now)?)
}

/// The first waiting ticket today of the counter's services that also
/// matches `and` (a condition on `t`, or nothing).
async fn head_of_line(
    tx: &mut Transaction<'_, Any>,
    db: &Db,
    counter: &Counter,
    today: NaiveDate,
    and: &str,
) -> StoreResult<Option<AnyRow>> {
    Ok(sqlx::query(&format!(
        "SELECT {TICKET_COLUMNS} FROM tickets t JOIN services s ON s.id = t.service_id
         WHERE t.service_date = $1 AND t.state = $3
           AND t.service_id IN (SELECT service_id FROM counter_services WHERE counter_id = $2){and}
         ORDER BY t.queue_key, t.id LIMIT 1{skip_locked}",
        skip_locked = db.engine().lock_rows_skipping_locked("t")
    ))
    .bind(today.to_string())
    .bind(counter.id)
    .bind(TicketState::Waiting.as_str())
    .fetch_optional(&mut **tx)
    .await?)
}

/// The ordinary tickets the counter called (first calls) since its last
/// priority one, of the day that began at `midnight`.
async fn ordinary_calls_since_priority<'c>(
    executor: impl sqlx::Executor<'c, Database = Any>,
    counter: &Counter,
    midnight: DateTime<Utc>,
) -> StoreResult<u32> {
    let calls: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM calls k JOIN tickets t ON t.id = k.ticket_id
         WHERE k.counter_id = $1 AND k.recall = 0 AND t.priority IS NULL
           AND k.called_at > COALESCE((SELECT MAX(p.called_at) FROM calls p JOIN tickets q ON q.id = p.ticket_id
                                       WHERE p.counter_id = $1 AND p.recall = 0 AND q.priority IS NOT NULL), $2)
           AND k.called_at >= $2",
    )
    .bind(counter.id)
    .bind(millis(midnight))
    .fetch_one(executor)
    .await?;
    Ok(u32::try_from(calls).unwrap_or(u32::MAX))
}

/// Calls the counter's current ticket again.
pub async fn recall(db: &Db, counter: &Counter, by: &Actor) -> Result<CallView, CounterError> {
    let now = by.at;
    let mut tx = db.writer().begin().await?;
    lock_counter(&mut tx, db, counter.id).await?;
    let current = current_of(&mut *tx, counter.id).await?.ok_or(CounterRefusal::NothingCalled)?;
    let ticket = console_ticket(&current)?;
    if ticket.state != TicketState::Called {
        return Err(CounterRefusal::WrongState.into());
    }
    counter.policy.may_recall(ticket.call_count)?;
    let id: i64 = current.col("id")?;
    move_at_counter(&mut tx, id, ticket.state, TicketMove::Recall, now).await?;
    record_call(&mut tx, id, counter, true, now).await?;
    record_at_counter(&mut tx, by, counter, CounterAction::Recall, ticket_facts(&current)?).await?;
    tx.commit().await?;
    Ok(call_view(&current, counter, true, now)?)
}

/// Starts serving, finishes, or marks as a no-show the counter's current ticket.
pub async fn move_current(
    db: &Db,
    counter: &Counter,
    action: CounterAction,
    by: &Actor,
) -> Result<ConsoleTicket, CounterError> {
    let now = by.at;
    let wanted = match action {
        CounterAction::StartServing => TicketMove::StartServing,
        CounterAction::Finish => TicketMove::Finish,
        CounterAction::MarkNoShow => TicketMove::MarkNoShow,
        _ => return Err(CounterRefusal::WrongState.into()),
    };
    let mut tx = db.writer().begin().await?;
    lock_counter(&mut tx, db, counter.id).await?;
    let current = current_of(&mut *tx, counter.id).await?.ok_or(CounterRefusal::NothingCalled)?;
    let ticket = console_ticket(&current)?;
    if wanted == TicketMove::MarkNoShow {
        counter.policy.may_mark_no_show(ticket.call_count)?;
    }
    let to = next_state(ticket.state, wanted.action()).map_err(|_| CounterRefusal::WrongState)?;
    move_at_counter(&mut tx, current.col("id")?, ticket.state, wanted, now).await?;
    record_at_counter(&mut tx, by, counter, action, ticket_facts(&current)?).await?;
    tx.commit().await?;
    Ok(ConsoleTicket { state: to, ..ticket })
}

/// Puts a no-show who turned up after all back in the queue, a few tickets on.
pub async fn requeue(db: &Db, counter: &Counter, code: &str, by: &Actor) -> Result<(), CounterError> {
    let now = by.at;
    let mut tx = db.writer().begin().await?;
    // Only a ticket of the counter's own office: a code alone would let staff of
    // one office move another office's ticket.
    let row = sqlx::query(
        "SELECT t.id, t.service_id, t.service_date, t.state, t.display_number, t.public_code
         FROM tickets t JOIN services s ON s.id = t.service_id
         WHERE t.public_code = $1 AND s.office_id = $2",
    )
    .bind(code)
    .bind(counter.office_id)
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(CounterError::NotFound)?;
    let state: String = row.col("state")?;
    let state = TicketState::parse(&state).ok_or_else(|| StoreError::Corrupt(format!("state {state:?}")))?;
    next_state(state, TicketAction::Requeue).map_err(|_| CounterRefusal::WrongState)?;
    let waiting: Vec<i64> = sqlx::query_scalar(
        "SELECT queue_key FROM tickets WHERE service_id = $1 AND service_date = $2 AND state = $3
         ORDER BY queue_key, id",
    )
    .bind(row.col::<i64>("service_id")?)
    .bind(row.col::<String>("service_date")?)
    .bind(TicketState::Waiting.as_str())
    .fetch_all(&mut *tx)
    .await?;
    let queue_key = counter.policy.requeue_key(&waiting, millis(now) * 1000);
    move_at_counter(&mut tx, row.col("id")?, state, TicketMove::Requeue { queue_key }, now).await?;
    record_at_counter(&mut tx, by, counter, CounterAction::Requeue, ticket_facts(&row)?).await?;
    tx.commit().await?;
    Ok(())
}

/// Sends the counter's current ticket to another service of the office. It waits
/// there with its original place (its queue key), not at the end.
pub async fn transfer(db: &Db, counter: &Counter, to_prefix: &str, by: &Actor) -> Result<(), CounterError> {
    let now = by.at;
    let mut tx = db.writer().begin().await?;
    lock_counter(&mut tx, db, counter.id).await?;
    let current = current_of(&mut *tx, counter.id).await?.ok_or(CounterRefusal::NothingCalled)?;
    let ticket = console_ticket(&current)?;
    let service_id: i64 = sqlx::query_scalar("SELECT id FROM services WHERE office_id = $1 AND prefix = $2")
        .bind(counter.office_id)
        .bind(to_prefix)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(CounterError::NotFound)?;
    move_at_counter(&mut tx, current.col("id")?, ticket.state, TicketMove::Transfer { service_id }, now).await?;
    let mut facts = ticket_facts(&current)?;
    facts.insert("to_service".to_string(), to_prefix.to_string());
    record_at_counter(&mut tx, by, counter, CounterAction::Transfer, facts).await?;
    tx.commit().await?;
    Ok(())
}

/// The console: the counter, its current ticket, who waits, and today's counts.
pub async fn console(db: &Db, counter: &Counter, office: &Office, now: DateTime<Utc>) -> StoreResult<ConsoleView> {
    let today = office.zone.local(now).date();
    let header = sqlx::query(
        "SELECT c.status, o.slug, o.name AS office_name,
            COALESCE((SELECT string_agg(s.prefix, '|' ORDER BY cs.service_id) FROM counter_services cs
              JOIN services s ON s.id = cs.service_id WHERE cs.counter_id = c.id), '') AS services
         FROM counters c JOIN offices o ON o.id = c.office_id WHERE c.id = $1",
    )
    .bind(counter.id)
    .fetch_one(db.reader())
    .await?;
    let lists = |state: &'static str| {
        format!(
            "SELECT {TICKET_COLUMNS} FROM tickets t JOIN services s ON s.id = t.service_id
             WHERE t.service_date = $1 AND t.state = '{state}'
               AND t.service_id IN (SELECT service_id FROM counter_services WHERE counter_id = $2)
             ORDER BY t.queue_key, t.id LIMIT 200"
        )
    };
    let fetch = |sql: String| async move {
        sqlx::query(&sql).bind(today.to_string()).bind(counter.id).fetch_all(db.reader()).await
    };
    let waiting = fetch(lists("waiting")).await?.iter().map(console_ticket).collect::<StoreResult<Vec<_>>>()?;
    let waiting = in_call_order(db, counter, office, waiting, now).await?;
    let no_shows = fetch(lists("no_show")).await?.iter().map(console_ticket).collect::<StoreResult<Vec<_>>>()?;
    let current = current_of(db.reader(), counter.id).await?.as_ref().map(console_ticket).transpose()?;
    let served: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM tickets WHERE counter_id = $1 AND service_date = $2 AND state = 'done'",
    )
    .bind(counter.id)
    .bind(today.to_string())
    .fetch_one(db.reader())
    .await?;
    let transfer_to =
        sqlx::query("SELECT prefix, name_id FROM services WHERE office_id = $1 AND active = 1 ORDER BY prefix")
            .bind(counter.office_id)
            .fetch_all(db.reader())
            .await?
            .into_iter()
            .map(|row| Ok((row.col("prefix")?, row.col("name_id")?)))
            .collect::<StoreResult<_>>()?;
    let services: String = header.col("services")?;
    let status: String = header.col("status")?;
    Ok(ConsoleView {
        counter_id: counter.id,
        counter: counter.name.clone(),
        office_slug: header.col("slug")?,
        office_name: header.col("office_name")?,
        status: CounterStatus::parse(&status).ok_or_else(|| StoreError::Corrupt(format!("status {status:?}")))?,
        services: services.split('|').filter(|s| !s.is_empty()).map(str::to_string).collect(),
        current,
        waiting,
        no_shows,
        served_today: u32::try_from(served).unwrap_or(0),
        max_calls: counter.policy.max_calls,
        transfer_to,
        now,
    })
}

/// `waiting` (in queue order) in the order `call_next` would call them, by
/// the office's priority rule.
async fn in_call_order(
    db: &Db,
    counter: &Counter,
    office: &Office,
    waiting: Vec<ConsoleTicket>,
    now: DateTime<Utc>,
) -> StoreResult<Vec<ConsoleTicket>> {
    let policy = &office.priority;
    if policy.categories.is_empty() {
        return Ok(waiting);
    }
    let today = office.zone.local(now).date();
    let opened =
        office.calendar.hours().on(today).map_or(now, |hours| office.zone.instant(today.and_time(hours.opens)));
    let counted = match policy.mode {
        PriorityMode::Every(_) => {
            let midnight = office.zone.instant(today.and_time(NaiveTime::MIN));
            ordinary_calls_since_priority(db.reader(), counter, midnight).await?
        }
        PriorityMode::First => 0,
    };
    let lines = waiting
        .into_iter()
        .map(|ticket| {
            let line = if ticket.priority.is_some() { Line::Priority } else { Line::Ordinary };
            let since = ticket.issued_at.max(opened);
            (ticket, line, since)
        })
        .collect();
    Ok(policy.call_order(lines, counted, now))
}

/// The latest calls at an office, newest first, as many as a display board lists.
pub async fn recent_calls(db: &Db, office_id: i64) -> StoreResult<Vec<CallView>> {
    let rows = sqlx::query(
        "SELECT t.display_number, s.prefix, c.name AS counter, k.called_at, k.recall, t.priority
         FROM calls k JOIN tickets t ON t.id = k.ticket_id JOIN services s ON s.id = t.service_id
         JOIN counters c ON c.id = k.counter_id
         WHERE c.office_id = $1 ORDER BY k.id DESC LIMIT $2",
    )
    .bind(office_id)
    .bind(crate::model::RECENT_CALLS as i64)
    .fetch_all(db.reader())
    .await?;
    rows.into_iter()
        .map(|row| {
            Ok(CallView {
                display_number: row.col("display_number")?,
                service_prefix: row.col("prefix")?,
                counter: row.col("counter")?,
                at: DateTime::from_timestamp_millis(row.col("called_at")?).unwrap_or_default(),
                recall: row.col::<i64>("recall")? != 0,
                priority: priority(&row)?,
            })
        })
        .collect()
}

/// The calls received on tickets held with a phone number, newest first ("Panggilan").
pub async fn calls_for_phone(db: &Db, phone: &str) -> StoreResult<Vec<ReceivedCall>> {
    let rows = sqlx::query(
        "SELECT t.display_number, t.public_code, o.name AS office_name, o.time_zone, c.name AS counter,
            k.called_at, k.recall
         FROM calls k JOIN tickets t ON t.id = k.ticket_id JOIN counters c ON c.id = k.counter_id
         JOIN offices o ON o.id = c.office_id
         WHERE t.holder_phone = $1 ORDER BY k.id DESC LIMIT 100",
    )
    .bind(phone)
    .fetch_all(db.reader())
    .await?;
    rows.into_iter()
        .map(|row| {
            Ok({
                let at = DateTime::from_timestamp_millis(row.col("called_at")?).unwrap_or_default();
                let zone = OfficeZone::from_iana_name(row.col("time_zone")?).unwrap_or(OfficeZone::Wib);
                ReceivedCall {
                    display_number: row.col("display_number")?,
                    office_name: row.col("office_name")?,
                    counter: row.col("counter")?,
                    local_time: format!("{} {}", zone.local(at).format("%d/%m %H:%M"), zone.abbreviation()),
                    recall: row.col::<i64>("recall")? != 0,
                    ticket_code: row.col("public_code")?,
                }
            })
        })
        .collect()
}

/// How many counters call a service: those open now if `open_now` and any
/// is, else all that serve it (a day not begun yet is served by them all).
pub async fn calling_service<'e>(
    executor: impl sqlx::Executor<'e, Database = Any>,
    service_id: i64,
    open_now: bool,
) -> StoreResult<u32> {
    let row = sqlx::query(
        "SELECT COUNT(*) AS serving, SUM(CASE WHEN c.status = 'open' THEN 1 ELSE 0 END) AS open_now
         FROM counters c JOIN counter_services cs ON cs.counter_id = c.id WHERE cs.service_id = $1",
    )
    .bind(service_id)
    .fetch_one(executor)
    .await?;
    let serving: i64 = row.col("serving")?;
    let open: i64 = row.col::<Option<i64>>("open_now")?.unwrap_or(0);
    let counters = if open_now && open > 0 { open } else { serving };
    Ok(u32::try_from(counters).unwrap_or(0))
}

/// Every counter of an office with the number it is calling or serving now.
pub async fn now_calling(db: &Db, office_id: i64) -> StoreResult<Vec<CounterNow>> {
    let rows = sqlx::query(&format!(
        "SELECT c.name, c.status,
            (SELECT t.display_number FROM tickets t WHERE t.counter_id = c.id AND t.state IN {at_counter}
             ORDER BY t.called_at DESC LIMIT 1) AS now_calling
         FROM counters c WHERE c.office_id = $1 ORDER BY c.name",
        at_counter = AT_COUNTER.as_str()
    ))
    .bind(office_id)
    .fetch_all(db.reader())
    .await?;
    rows.into_iter()
        .map(|row| {
            Ok(CounterNow {
                counter: row.col("name")?,
                now_calling: row.col("now_calling")?,
                open: CounterStatus::parse(&row.col::<String>("status")?) == Some(CounterStatus::Open),
            })
        })
        .collect()
}
