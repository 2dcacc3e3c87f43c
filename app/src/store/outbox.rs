//! The development SMS outbox: messages the development gateway kept instead of sending.

use chrono::{DateTime, Utc};

use super::{millis, Columns, Db, StoreResult};
use crate::domain::identity::PhoneNumber;

#[derive(Debug, Clone, PartialEq)]
pub struct OutboxMessage {
    pub phone: String,
    pub body: String,
    pub created_at: DateTime<Utc>,
}

pub async fn record(db: &Db, to: &PhoneNumber, body: &str, now: DateTime<Utc>) -> StoreResult<()> {
    sqlx::query("INSERT INTO sms_outbox (phone, body, created_at) VALUES ($1, $2, $3)")
        .bind(to.as_str())
        .bind(body)
        .bind(millis(now))
        .execute(db.writer())
        .await?;
    Ok(())
}

/// The newest messages first.
pub async fn latest(db: &Db, limit: i64) -> StoreResult<Vec<OutboxMessage>> {
    let rows = sqlx::query("SELECT phone, body, created_at FROM sms_outbox ORDER BY id DESC LIMIT $1")
        .bind(limit)
        .fetch_all(db.reader())
        .await?;
    rows.into_iter()
        .map(|row| {
            Ok(OutboxMessage {
                phone: row.col("phone")?,
                body: row.col("body")?,
                created_at: DateTime::from_timestamp_millis(row.col("created_at")?).unwrap_or_default(),
            })
        })
        .collect()
}
