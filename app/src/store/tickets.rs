//! Tickets: issuing them under the daily quota, reading them back for the ticket
//! page, and moving them between states.

use chrono::{DateTime, NaiveDate, Utc};
use rand::Rng;
use sqlx::sqlite::SqliteRow;
use sqlx::{Row, Sqlite, Transaction};
use thiserror::Error;

use super::offices::{Office, Service};
use super::{millis, parse_date, Db, StoreError, StoreResult};
use crate::domain::booking::{
    candidate_dates, refusal_when_all_full, rollover_reason, BookingRefusal, BookingRequest, RolloverReason,
};
use crate::domain::identity::{Email, FullName, Nik, PhoneNumber};
use crate::domain::ticket::{display_number, next_state, Channel, TicketAction, TicketState, TransitionError};
use crate::model::TicketView;

/// Who the ticket is for. Walk-in tickets may carry no identity at all.
#[derive(Debug, Clone, Default)]
pub struct Holder {
    pub name: Option<FullName>,
    pub nik: Option<Nik>,
    pub phone: Option<PhoneNumber>,
    pub email: Option<Email>,
}

/// A ticket as the booking answer describes it.
#[derive(Debug, Clone, PartialEq)]
pub struct Booked {
    pub code: String,
    pub display_number: String,
    pub sequence: u32,
    pub service_date: NaiveDate,
    pub requested_date: NaiveDate,
    pub rollover: Option<RolloverReason>,
    /// True when the holder already had an active ticket and got that one back.
    pub existing: bool,
}

#[derive(Debug, Error)]
pub enum BookError {
    #[error("refused: {0:?}")]
    Refused(BookingRefusal),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for BookError {
    fn from(error: sqlx::Error) -> Self {
        Self::Store(error.into())
    }
}

/// Letters and digits that cannot be mistaken for one another when read aloud or typed.
const CODE_ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";

fn new_public_code() -> String {
    let mut rng = rand::thread_rng();
    (0..10).map(|_| char::from(CODE_ALPHABET[rng.gen_range(0..CODE_ALPHABET.len())])).collect()
}

const ACTIVE: &str = "('waiting', 'called', 'serving')";

/// Issues a ticket: on the requested date if it has room, otherwise on the next
/// working day with room. The whole search and the insert are one transaction on
/// the single writer, and each date's counter only moves while below the quota,
/// so no (service, date) ever gets more tickets than its quota.
pub async fn book(
    db: &Db,
    office: &Office,
    service: &Service,
    holder: &Holder,
    channel: Channel,
    request: BookingRequest,
    now: DateTime<Utc>,
) -> Result<Booked, BookError> {
    let window = service.booking_window(office, now);
    let candidates = candidate_dates(&office.calendar, window, request).map_err(BookError::Refused)?;
    let requested = request.requested_date(window.today());

    let mut tx = db.writer().begin().await?;
    if let Some(nik) = &holder.nik {
        if let Some(existing) = active_ticket_of(&mut tx, service.id, nik, requested).await? {
            tx.rollback().await?;
            return Ok(existing);
        }
    }
    for date in candidates {
        let Some(sequence) = claim_place(&mut tx, service, date).await? else {
            continue;
        };
        let booked = Booked {
            code: new_public_code(),
            display_number: display_number(service.prefix, sequence),
            sequence,
            service_date: date,
            requested_date: requested,
            rollover: rollover_reason(&office.calendar, window, requested, date),
            existing: false,
        };
        let inserted = insert_ticket(&mut tx, service, holder, channel, &booked, now).await;
        return match inserted {
            Ok(()) => {
                tx.commit().await?;
                Ok(booked)
            }
            // The holder already has an active ticket on the date we rolled to.
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() && holder.nik.is_some() => {
                tx.rollback().await?;
                let mut tx = db.writer().begin().await?;
                let nik = holder.nik.as_ref().ok_or_else(|| StoreError::Corrupt("nik".into()))?;
                let existing = active_ticket_of(&mut tx, service.id, nik, date).await?;
                tx.rollback().await?;
                existing.ok_or_else(|| StoreError::Corrupt("unique violation without a ticket".into()).into())
            }
            Err(e) => Err(e.into()),
        };
    }
    tx.rollback().await?;
    Err(BookError::Refused(refusal_when_all_full(window, request)))
}

/// Takes the next sequence number on a date if the quota allows it.
async fn claim_place(tx: &mut Transaction<'_, Sqlite>, service: &Service, date: NaiveDate) -> StoreResult<Option<u32>> {
    if service.daily_quota == 0 {
        return Ok(None);
    }
    let issued: Option<i64> = sqlx::query_scalar(
        "INSERT INTO service_days (service_id, service_date, issued) VALUES ($1, $2, 1)
         ON CONFLICT (service_id, service_date)
         DO UPDATE SET issued = service_days.issued + 1 WHERE service_days.issued < $3
         RETURNING issued",
    )
    .bind(service.id)
    .bind(date.to_string())
    .bind(i64::from(service.daily_quota))
    .fetch_optional(&mut **tx)
    .await?;
    issued.map(|n| u32::try_from(n).map_err(|_| StoreError::Corrupt(format!("issued {n}")))).transpose()
}

async fn insert_ticket(
    tx: &mut Transaction<'_, Sqlite>,
    service: &Service,
    holder: &Holder,
    channel: Channel,
    booked: &Booked,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    let rollover = booked.rollover.as_ref().and_then(|r| serde_json::to_string(r).ok());
    sqlx::query(
        "INSERT INTO tickets (public_code, service_id, service_date, requested_date, rollover_reason, sequence,
            display_number, holder_name, holder_nik, holder_phone, holder_email, channel, issued_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
    )
    .bind(&booked.code)
    .bind(service.id)
    .bind(booked.service_date.to_string())
    .bind(booked.requested_date.to_string())
    .bind(rollover)
    .bind(i64::from(booked.sequence))
    .bind(&booked.display_number)
    .bind(holder.name.as_ref().map(FullName::as_str))
    .bind(holder.nik.as_ref().map(Nik::as_str))
    .bind(holder.phone.as_ref().map(PhoneNumber::as_str))
    .bind(holder.email.as_ref().map(Email::as_str))
    .bind(channel.as_str())
    .bind(millis(now))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The holder's active ticket for this service asked for, or given on, `date`.
async fn active_ticket_of(
    tx: &mut Transaction<'_, Sqlite>,
    service_id: i64,
    nik: &Nik,
    date: NaiveDate,
) -> StoreResult<Option<Booked>> {
    let row = sqlx::query(&format!(
        "SELECT public_code, display_number, sequence, service_date, requested_date, rollover_reason
         FROM tickets WHERE service_id = $1 AND holder_nik = $2 AND state IN {ACTIVE}
           AND (requested_date = $3 OR service_date = $3)
         ORDER BY id LIMIT 1"
    ))
    .bind(service_id)
    .bind(nik.as_str())
    .bind(date.to_string())
    .fetch_optional(&mut **tx)
    .await?;
    row.map(|row| {
        Ok(Booked {
            code: row.get("public_code"),
            display_number: row.get("display_number"),
            sequence: u32::try_from(row.get::<i64, _>("sequence")).unwrap_or(0),
            service_date: parse_date(row.get("service_date"))?,
            requested_date: parse_date(row.get("requested_date"))?,
            rollover: parse_rollover(&row)?,
            existing: true,
        })
    })
    .transpose()
}

fn parse_rollover(row: &SqliteRow) -> StoreResult<Option<RolloverReason>> {
    let value: Option<String> = row.get("rollover_reason");
    value
        .map(|json| serde_json::from_str(&json).map_err(|_| StoreError::Corrupt(format!("rollover {json:?}"))))
        .transpose()
}

/// The ticket page: the ticket with its place in the queue.
pub async fn view(db: &Db, code: &str) -> StoreResult<Option<TicketView>> {
    let row = sqlx::query(
        "SELECT t.public_code, t.display_number, t.service_date, t.requested_date, t.rollover_reason,
            t.state, t.channel, t.holder_name, t.cancel_reason,
            s.prefix, s.name_id, s.name_en, o.slug, o.name AS office_name,
            (SELECT COUNT(*) FROM tickets w WHERE w.service_id = t.service_id
               AND w.service_date = t.service_date AND w.state = 'waiting' AND w.sequence < t.sequence) AS ahead,
            (SELECT c.display_number FROM tickets c WHERE c.service_id = t.service_id
               AND c.service_date = t.service_date AND c.state IN ('called', 'serving')
             ORDER BY c.called_at DESC LIMIT 1) AS now_calling
         FROM tickets t
         JOIN services s ON s.id = t.service_id
         JOIN offices o ON o.id = s.office_id
         WHERE t.public_code = $1",
    )
    .bind(code)
    .fetch_optional(db.reader())
    .await?;
    let Some(row) = row else { return Ok(None) };

    let state_name: String = row.get("state");
    let state = TicketState::parse(&state_name).ok_or_else(|| StoreError::Corrupt(format!("state {state_name:?}")))?;
    let channel_name: String = row.get("channel");
    let channel =
        Channel::parse(&channel_name).ok_or_else(|| StoreError::Corrupt(format!("channel {channel_name:?}")))?;
    let ahead = u32::try_from(row.get::<i64, _>("ahead")).unwrap_or(0);
    Ok(Some(TicketView {
        code: row.get("public_code"),
        display_number: row.get("display_number"),
        office_slug: row.get("slug"),
        office_name: row.get("office_name"),
        service_prefix: row.get("prefix"),
        service_name_id: row.get("name_id"),
        service_name_en: row.get("name_en"),
        service_date: parse_date(row.get("service_date"))?,
        requested_date: parse_date(row.get("requested_date"))?,
        rollover: parse_rollover(&row)?,
        state,
        channel,
        holder_name: row.get("holder_name"),
        people_ahead: if state == TicketState::Waiting { ahead } else { 0 },
        now_calling: row.get("now_calling"),
        cancel_reason: row.get("cancel_reason"),
    }))
}

#[derive(Debug, Error)]
pub enum ActionError {
    #[error("no such ticket")]
    NotFound,
    #[error(transparent)]
    Transition(#[from] TransitionError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for ActionError {
    fn from(error: sqlx::Error) -> Self {
        Self::Store(error.into())
    }
}

/// Moves a ticket to its next state. The update names the state it read, so a
/// concurrent move by someone else makes this one fail instead of overwriting it.
pub async fn apply(db: &Db, code: &str, action: TicketAction, now: DateTime<Utc>) -> Result<TicketState, ActionError> {
    let mut tx = db.writer().begin().await?;
    let current: String = sqlx::query_scalar("SELECT state FROM tickets WHERE public_code = $1")
        .bind(code)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(ActionError::NotFound)?;
    let from = TicketState::parse(&current).ok_or_else(|| StoreError::Corrupt(format!("state {current:?}")))?;
    let to = next_state(from, action)?;
    // A ticket put back in the queue keeps its original issue time.
    let stamp = match to {
        TicketState::Waiting => None,
        TicketState::Called => Some("called_at"),
        TicketState::Serving => Some("serving_at"),
        TicketState::Done => Some("done_at"),
        TicketState::NoShow => Some("no_show_at"),
        TicketState::Cancelled => Some("cancelled_at"),
    };
    let stamp = stamp.map(|column| format!(", {column} = $2")).unwrap_or_default();
    let calls = i64::from(matches!(action, TicketAction::Call | TicketAction::Recall));
    let updated = sqlx::query(&format!(
        "UPDATE tickets SET state = $1, call_count = call_count + $3 {stamp}
         WHERE public_code = $4 AND state = $5"
    ))
    .bind(to.as_str())
    .bind(millis(now))
    .bind(calls)
    .bind(code)
    .bind(from.as_str())
    .execute(&mut *tx)
    .await?;
    if updated.rows_affected() != 1 {
        return Err(ActionError::Transition(TransitionError { from, action }));
    }
    tx.commit().await?;
    Ok(to)
}
