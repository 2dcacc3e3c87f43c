//! Server-side sessions. The browser's cookie holds a random token; the table
//! holds its SHA-256, so a stolen database does not yield live sessions, and a
//! row can be revoked at any time.

use chrono::{DateTime, Duration, Utc};
use rand::RngCore;
use sha2::{Digest, Sha256};
use sqlx::Row;

use super::{millis, Db, StoreResult};

pub const SESSION_DAYS: i64 = 30;

/// Who a live session belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SessionOwner {
    Citizen { phone: String },
    Staff { staff_id: i64 },
}

fn token_hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// Starts a session and returns the token for the cookie.
pub async fn create(db: &Db, owner: &SessionOwner, now: DateTime<Utc>) -> StoreResult<String> {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    let token: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    let (phone, staff_id) = match owner {
        SessionOwner::Citizen { phone } => (Some(phone.as_str()), None),
        SessionOwner::Staff { staff_id } => (None, Some(*staff_id)),
    };
    sqlx::query(
        "INSERT INTO sessions (token_hash, citizen_phone, staff_id, created_at, expires_at)
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(token_hash(&token))
    .bind(phone)
    .bind(staff_id)
    .bind(millis(now))
    .bind(millis(now + Duration::days(SESSION_DAYS)))
    .execute(db.writer())
    .await?;
    Ok(token)
}

pub async fn find(db: &Db, token: &str, now: DateTime<Utc>) -> StoreResult<Option<SessionOwner>> {
    let row = sqlx::query(
        "SELECT citizen_phone, staff_id FROM sessions
         WHERE token_hash = $1 AND revoked_at IS NULL AND expires_at > $2",
    )
    .bind(token_hash(token))
    .bind(millis(now))
    .fetch_optional(db.reader())
    .await?;
    Ok(row.and_then(|row| {
        match (row.get::<Option<String>, _>("citizen_phone"), row.get::<Option<i64>, _>("staff_id")) {
            (Some(phone), _) => Some(SessionOwner::Citizen { phone }),
            (None, Some(staff_id)) => Some(SessionOwner::Staff { staff_id }),
            (None, None) => None,
        }
    }))
}

pub async fn revoke(db: &Db, token: &str, now: DateTime<Utc>) -> StoreResult<()> {
    sqlx::query("UPDATE sessions SET revoked_at = $1 WHERE token_hash = $2 AND revoked_at IS NULL")
        .bind(millis(now))
        .bind(token_hash(token))
        .execute(db.writer())
        .await?;
    Ok(())
}

/// Ends every session of a staff account (it was disabled or its password reset).
pub async fn revoke_staff(db: &Db, staff_id: i64, now: DateTime<Utc>) -> StoreResult<()> {
    sqlx::query("UPDATE sessions SET revoked_at = $1 WHERE staff_id = $2 AND revoked_at IS NULL")
        .bind(millis(now))
        .bind(staff_id)
        .execute(db.writer())
        .await?;
    Ok(())
}
