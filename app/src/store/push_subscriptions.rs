//! Browsers that asked for web push, per citizen (by their verified phone).

use chrono::{DateTime, Utc};

use super::locks::{self, Lock};
use super::{millis, Columns, Db, StoreResult};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subscription {
    pub id: i64,
    pub endpoint: String,
    pub p256dh: String,
    pub auth: String,
}

/// Browsers one citizen may have subscribed at once; a new one replaces the oldest.
pub const MOST_PER_CITIZEN: i64 = 5;

/// Saves a subscription; a browser that subscribes again replaces its keys and
/// owner. A citizen keeps the newest `MOST_PER_CITIZEN` (counted under the
/// phone's lock, so parallel subscriptions cannot pass it).
pub async fn save(
    db: &Db,
    phone: &str,
    endpoint: &str,
    p256dh: &str,
    auth: &str,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    let mut tx = db.writer().begin().await?;
    locks::hold(&mut tx, Lock::Phone(phone), now).await?;
    sqlx::query(
        "INSERT INTO push_subscriptions (phone, endpoint, p256dh, auth, created_at) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (endpoint) DO UPDATE SET phone = $1, p256dh = $3, auth = $4, created_at = $5",
    )
    .bind(phone)
    .bind(endpoint)
    .bind(p256dh)
    .bind(auth)
    .bind(millis(now))
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "DELETE FROM push_subscriptions WHERE phone = $1 AND id NOT IN
           (SELECT id FROM push_subscriptions WHERE phone = $1 ORDER BY created_at DESC, id DESC LIMIT $2)",
    )
    .bind(phone)
    .bind(MOST_PER_CITIZEN)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn find(db: &Db, id: i64) -> StoreResult<Option<Subscription>> {
    let row = sqlx::query("SELECT id, endpoint, p256dh, auth FROM push_subscriptions WHERE id = $1")
        .bind(id)
        .fetch_optional(db.reader())
        .await?;
    row.map(|row| {
        Ok(Subscription {
            id: row.col("id")?,
            endpoint: row.col("endpoint")?,
            p256dh: row.col("p256dh")?,
            auth: row.col("auth")?,
        })
    })
    .transpose()
}

/// The citizen turned notifications off in this browser.
pub async fn remove_own(db: &Db, phone: &str, endpoint: &str) -> StoreResult<()> {
    sqlx::query("DELETE FROM push_subscriptions WHERE endpoint = $1 AND phone = $2")
        .bind(endpoint)
        .bind(phone)
        .execute(db.writer())
        .await?;
    Ok(())
}

/// The push service said the subscription is gone (the browser unsubscribed or was reset).
pub async fn remove_gone(db: &Db, id: i64) -> StoreResult<()> {
    sqlx::query("DELETE FROM push_subscriptions WHERE id = $1").bind(id).execute(db.writer()).await?;
    Ok(())
}
