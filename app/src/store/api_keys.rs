//! API keys (see `domain::api_key`): made and revoked by an office's admins,
//! each change audited in its transaction; used by `/api/v1/`, where one
//! UPDATE finds the key by its hash and counts the request in its minute.

use chrono::{DateTime, Utc};

use super::audit::record;
use super::locks::{hold, Lock};
use super::{millis, Columns, Db, StoreResult};
use crate::domain::api_key::{window_of, within_limit, LIVE_KEYS_PER_OFFICE};
use crate::domain::audit::{Actor, AuditAction, AuditEntry, Fields};
use crate::domain::settings::SettingsProblem;
use crate::model::ApiKeyRow;

/// A key to store: what the admin sees of it, and its hash.
pub struct StoredKey<'a> {
    pub label: &'a str,
    pub shown: &'a str,
    pub hash: &'a str,
}

fn key_fields(key: &StoredKey<'_>) -> Fields {
    Fields::from([("label".to_string(), key.label.to_string()), ("shown".to_string(), key.shown.to_string())])
}

/// Stores a new key of the office, unless it has its cap of live keys already.
pub async fn create(
    db: &Db,
    office_id: i64,
    key: &StoredKey<'_>,
    by: &Actor,
) -> StoreResult<Result<i64, SettingsProblem>> {
    let mut tx = db.writer().begin().await?;
    // Two admins creating keys at once on two instances count one after the other.
    hold(&mut tx, Lock::ApiKeys(office_id), by.at).await?;
    let live: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM api_keys WHERE office_id = $1 AND revoked_at IS NULL")
        .bind(office_id)
        .fetch_one(&mut *tx)
        .await?;
    if live >= LIVE_KEYS_PER_OFFICE {
        return Ok(Err(SettingsProblem::TooManyApiKeys));
    }
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO api_keys (office_id, label, shown, key_hash, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(office_id)
    .bind(key.label)
    .bind(key.shown)
    .bind(key.hash)
    .bind(millis(by.at))
    .fetch_one(&mut *tx)
    .await?;
    let entry = AuditEntry::new(by, Some(office_id), AuditAction::ApiKeyCreated, key.label);
    record(&mut tx, &entry.with_after(key_fields(key))).await?;
    tx.commit().await?;
    Ok(Ok(id))
}

/// Revokes the office's key `id`; `false` when the office has no such live key.
pub async fn revoke(db: &Db, office_id: i64, id: i64, by: &Actor) -> StoreResult<bool> {
    let mut tx = db.writer().begin().await?;
    let row = sqlx::query(
        "UPDATE api_keys SET revoked_at = $1 WHERE id = $2 AND office_id = $3 AND revoked_at IS NULL
         RETURNING label, shown",
    )
    .bind(millis(by.at))
    .bind(id)
    .bind(office_id)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(row) = row else {
        return Ok(false);
    };
    let (label, shown): (String, String) = (row.col("label")?, row.col("shown")?);
    let entry = AuditEntry::new(by, Some(office_id), AuditAction::ApiKeyRevoked, label.as_str());
    let before = key_fields(&StoredKey { label: &label, shown: &shown, hash: "" });
    record(&mut tx, &AuditEntry { before, ..entry }).await?;
    tx.commit().await?;
    Ok(true)
}

/// The office's keys, live ones first, newest first.
pub async fn list(db: &Db, office_id: i64) -> StoreResult<Vec<ApiKeyRow>> {
    let rows = sqlx::query(
        "SELECT id, label, shown, created_at, last_used_at, revoked_at FROM api_keys WHERE office_id = $1
         ORDER BY revoked_at IS NOT NULL, id DESC",
    )
    .bind(office_id)
    .fetch_all(db.reader())
    .await?;
    let instant = |millis: Option<i64>| millis.and_then(DateTime::from_timestamp_millis);
    rows.iter()
        .map(|row| {
            Ok(ApiKeyRow {
                id: row.col("id")?,
                label: row.col("label")?,
                shown: row.col("shown")?,
                created_at: instant(Some(row.col("created_at")?)).unwrap_or_default(),
                last_used_at: instant(row.col("last_used_at")?),
                revoked_at: instant(row.col("revoked_at")?),
            })
        })
        .collect()
}

/// A live key's request, counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyUse {
    pub office_id: i64,
    /// The window's count with this request: its cost (1, or more for a
    /// heavy request) added to what came before it in the minute.
    pub count_in_window: i64,
}

/// Finds the live key with `hash` and counts this request (`cost`) in the
/// minute of `now`; `None`: no such key, or revoked. The key and its count are
/// read first, so a made-up key, or a key already over its limit, costs one
/// read and never a write; under the limit the count is one UPDATE, so
/// requests racing on several instances each get their own place in the minute.
pub async fn use_key(db: &Db, hash: &str, cost: i64, now: DateTime<Utc>) -> StoreResult<Option<KeyUse>> {
    let window = window_of(now);
    let found = sqlx::query(
        "SELECT id, office_id, window_start, window_count FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL",
    )
    .bind(hash)
    .fetch_optional(db.reader())
    .await?;
    let Some(found) = found else {
        return Ok(None);
    };
    let office_id: i64 = found.col("office_id")?;
    // A window ahead of this one was started by an instance whose clock runs
    // a little ahead: it counts as this one, never as a fresh start.
    if found.col::<i64>("window_start")? >= window {
        let count = found.col::<i64>("window_count")? + cost;
        if !within_limit(count) {
            return Ok(Some(KeyUse { office_id, count_in_window: count }));
        }
    }
    let row = sqlx::query(
        "UPDATE api_keys SET
             window_count = CASE WHEN window_start >= $2 THEN window_count + $4 ELSE $4 END,
             window_start = CASE WHEN window_start > $2 THEN window_start ELSE $2 END,
             last_used_at = $3
         WHERE id = $1 AND revoked_at IS NULL
         RETURNING office_id, window_count",
    )
    .bind(found.col::<i64>("id")?)
    .bind(window)
    .bind(millis(now))
    .bind(cost)
    .fetch_optional(db.writer())
    .await?;
    row.map(|row| Ok(KeyUse { office_id: row.col("office_id")?, count_in_window: row.col("window_count")? }))
        .transpose()
}
