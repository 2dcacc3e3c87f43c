//! Rows kept for their lock alone. A transaction that counts what one phone or
//! one client did, and then acts on the count, first writes the row of that
//! phone or client: the row lock (PostgreSQL) orders it after any other such
//! transaction still in progress, on any instance, so counts cannot be raced.
//! On SQLite the one writer orders them anyway, and the write costs little.
//!
//! A lock's row is never deleted: a booking trusts reads it made before it
//! waited for the phone's lock when the row's `taken` count moved by one only
//! (`tickets::statements::LOCKED_LOOK`), which a row deleted and made again
//! in between could fake.

use std::sync::LazyLock;

use chrono::{DateTime, Utc};
use sqlx::{Any, Transaction};

use super::{millis, StoreResult};

/// What a lock is held for; its key names it.
pub(crate) enum Lock<'a> {
    /// Everything counted per phone: bookings under the caps, codes sent.
    Phone(&'a str),
    /// Staff sign-in attempts for one username.
    SignIn(&'a str),
    /// Everything counted per client address.
    Client(&'a str),
    /// The site's hourly SMS budget (one lock for all).
    SmsBudget,
    /// An office's API keys, counted against their cap.
    ApiKeys(i64),
}

impl Lock<'_> {
    pub(crate) fn key(&self) -> String {
        match self {
            Self::Phone(phone) => format!("phone:{phone}"),
            Self::SignIn(username) => format!("sign-in:{username}"),
            Self::Client(client) => format!("client:{client}"),
            Self::SmsBudget => "sms-budget".into(),
            Self::ApiKeys(office_id) => format!("api-keys:{office_id}"),
        }
    }
}

/// Takes the lock `$1` at `$2`, counting how often it was taken (`taken`):
/// a booking compares the count with what its snapshot saw (see
/// `tickets::statements::LOCKED_LOOK`), so every holder counts.
pub(crate) static TAKE: LazyLock<String> = LazyLock::new(|| take([1], 2));

/// `TAKE` for the keys at the placeholders `keys`, in their order, all at `$at`.
fn take(keys: impl IntoIterator<Item = usize>, at: usize) -> String {
    let rows: Vec<String> = keys.into_iter().map(|key| format!("(${key}, ${at})")).collect();
    format!(
        "INSERT INTO locks (key, touched_at) VALUES {}
     ON CONFLICT (key) DO UPDATE SET touched_at = excluded.touched_at, taken = locks.taken + 1",
        rows.join(", ")
    )
}

/// Takes the locks of `keys` (taken in their order, which is sorted) until
/// the transaction ends, in one statement: a booking batch takes its phones'
/// locks before any claim (`booking_batches`).
pub(crate) async fn hold_all(
    tx: &mut Transaction<'_, Any>,
    keys: &std::collections::BTreeSet<String>,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    if keys.is_empty() {
        return Ok(());
    }
    let sql = take(2..keys.len() + 2, 1);
    let query = keys.iter().fold(sqlx::query(&sql).bind(millis(now)), |query, key| query.bind(key.as_str()));
    query.execute(&mut **tx).await?;
    Ok(())
}

/// Takes `lock` until the transaction ends. Take several in the order phone or
/// username, then client, then the SMS budget, so two transactions never wait
/// on each other in a circle.
pub(crate) async fn hold(tx: &mut Transaction<'_, Any>, lock: Lock<'_>, now: DateTime<Utc>) -> StoreResult<()> {
    sqlx::query(&TAKE).bind(lock.key()).bind(millis(now)).execute(&mut **tx).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_take_writes_the_same_statement_for_its_rows() {
        assert!(TAKE.starts_with("INSERT INTO locks (key, touched_at) VALUES ($1, $2)\n"));
        let three = take(2..5, 1);
        assert!(three.starts_with("INSERT INTO locks (key, touched_at) VALUES ($2, $1), ($3, $1), ($4, $1)\n"));
        assert_eq!(TAKE.split_once('\n').map(|(_, rest)| rest), three.split_once('\n').map(|(_, rest)| rest));
    }
}
