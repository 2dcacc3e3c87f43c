//! Ratings of finished tickets (see `domain::feedback`): taken once per
//! ticket, read back by the ticket page and the report without the holder.

use chrono::{DateTime, NaiveDate, Utc};

use super::{millis, parse_date, Columns, Db, StoreError, StoreResult};
use crate::domain::feedback::{FeedbackComment, FeedbackNote, FeedbackState, Rating};
use crate::domain::office::Office;
use crate::domain::ticket::TicketState;

/// Why a rating was not taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GiveRefusal {
    NoSuchTicket,
    /// Rated already, not finished, or finished too long ago.
    Closed,
}

/// Takes the rating of the ticket `code`, if its holder may still give one.
pub async fn give(
    db: &Db,
    code: &str,
    rating: Rating,
    comment: &FeedbackComment,
    now: DateTime<Utc>,
) -> StoreResult<Result<(), GiveRefusal>> {
    let mut tx = db.writer().begin().await?;
    let Some(row) = sqlx::query(
        "SELECT t.id, t.state, t.done_at, f.rating FROM tickets t LEFT JOIN feedback f ON f.ticket_id = t.id
         WHERE t.public_code = $1",
    )
    .bind(code)
    .fetch_optional(&mut *tx)
    .await?
    else {
        return Ok(Err(GiveRefusal::NoSuchTicket));
    };
    let state: String = row.col("state")?;
    let state = TicketState::parse(&state).ok_or_else(|| StoreError::Corrupt(format!("state {state:?}")))?;
    let done_at = row.col::<Option<i64>>("done_at")?.and_then(DateTime::from_timestamp_millis);
    let given = row.col::<Option<i64>>("rating")?.and_then(Rating::from_stored);
    if FeedbackState::of(state, done_at, given, now) != FeedbackState::Open {
        return Ok(Err(GiveRefusal::Closed));
    }
    // The key on the ticket makes a second rating, even a racing one, a no-op.
    let inserted = sqlx::query(
        "INSERT INTO feedback (ticket_id, rating, comment, given_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
    )
    .bind(row.col::<i64>("id")?)
    .bind(i64::from(rating.value()))
    .bind(comment.as_str())
    .bind(millis(now))
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(if inserted.rows_affected() == 1 { Ok(()) } else { Err(GiveRefusal::Closed) })
}

/// The comments given on an office's tickets of a period, newest first.
pub async fn comments(db: &Db, office: &Office, from: NaiveDate, until: NaiveDate) -> StoreResult<Vec<FeedbackNote>> {
    let rows = sqlx::query(
        "SELECT s.prefix, c.name AS counter, t.service_date, f.rating, f.comment
         FROM feedback f
         JOIN tickets t ON t.id = f.ticket_id
         JOIN services s ON s.id = t.service_id
         LEFT JOIN counters c ON c.id = t.counter_id
         WHERE s.office_id = $1 AND t.service_date BETWEEN $2 AND $3 AND f.comment <> ''
         ORDER BY f.given_at DESC",
    )
    .bind(office.id)
    .bind(from.to_string())
    .bind(until.to_string())
    .fetch_all(db.reader())
    .await?;
    rows.iter()
        .map(|row| {
            Ok(FeedbackNote {
                service: row.col("prefix")?,
                counter: row.col("counter")?,
                service_date: parse_date(row.col("service_date")?)?,
                rating: u8::try_from(row.col::<i64>("rating")?).unwrap_or(0),
                comment: row.col("comment")?,
            })
        })
        .collect()
}
