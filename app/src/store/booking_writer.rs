//! SQLite's booking writer: the only place tickets are issued on SQLite.
//!
//! It takes every booking that is waiting into one transaction (group commit):
//! SQLite has one writer anyway, and one commit for many bookings is what lets
//! it keep up with a morning rush. Inside, bookings run one after another
//! (`tickets::book_one`), and each date's counter moves only while below the
//! quota, so no (service, date) ever gets more tickets than its quota.
//!
//! It runs on a thread of its own with SQLite's own connection (`native`),
//! not sqlx's: sqlx's hand-overs of each statement to its connection's thread
//! cost more than SQLite's work for a booking (`antrean-bench bookings`
//! prints both). Its statements are the store's own,
//! named where their tables live (`tickets::statements`, `webhooks::ENQUEUE`,
//! `audit::RECORD`).
//!
//! It takes the store's write connection from its pool before a batch, so it
//! and the store's other writes (a call at a counter, an admin's change)
//! take turns in the order they asked, instead of polling SQLite's lock. It
//! keeps that turn while bookings keep coming, for `TURN_HELD_AT_MOST`:
//! handing the connection back costs sqlx a task on the server's runtime and
//! a round trip to the connection's thread, 1.7 ms a batch under load, a
//! third of the writer's time when it took a turn for each batch.

use std::path::Path;
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use rusqlite::{CachedStatement, Connection, ToSql, TransactionBehavior};
use sqlx::pool::PoolConnection;
use sqlx::{Any, AnyPool};
use tokio::sync::mpsc::{self, error::TryRecvError};

use super::audit::{Recorded, RECORD};
use super::native::first_row;
use super::tickets::{
    book_one, holdings, issued_place, statements, BookError, BookingJob, BookingReply, BookingStatements, Claim,
    HeldBy, NewTicket, NikTicket,
};
use super::webhooks::{Enqueued, ENQUEUE};
use super::{millis, StoreError, StoreResult};
use crate::domain::audit::AuditEntry;
use crate::domain::booking::{Booked, PhoneHoldings};
use crate::domain::identity::Nik;

/// Most bookings one transaction takes; bounds how long a batch holds the writer.
const BATCH_LIMIT: usize = 128;

/// Longest the writer keeps its turn on the write connection while bookings
/// keep coming: what a call at a counter may wait behind a morning rush, on
/// top of the batch then under way.
const TURN_HELD_AT_MOST: Duration = Duration::from_millis(50);

pub(crate) type Queue = mpsc::Receiver<(BookingJob, BookingReply)>;

/// Opens the writer's connection to the SQLite file at `path` (whose schema
/// is up to date) and starts its thread, which ends when every sender of
/// `queue` is gone.
pub(crate) fn start(path: &Path, turn: AnyPool, queue: Queue) -> StoreResult<()> {
    let connection = Connection::open(path)?;
    // As the store's writer (`sqlite_pragmas`): a booking the server
    // acknowledged survives a power cut; group commit makes that one sync per
    // batch.
    connection.execute_batch("PRAGMA busy_timeout = 10000; PRAGMA foreign_keys = ON; PRAGMA synchronous = FULL;")?;
    let runtime = tokio::runtime::Handle::current();
    std::thread::Builder::new()
        .name("booking-writer".into())
        .spawn(move || {
            // The pool's connection is handed back on the runtime.
            let _runtime = runtime.enter();
            run(connection, &runtime, &turn, queue);
        })
        .map_err(|e| StoreError::WriterFailed(e.to_string()))?;
    Ok(())
}

fn run(mut connection: Connection, runtime: &tokio::runtime::Handle, turn: &AnyPool, mut queue: Queue) {
    let mut batch = Vec::with_capacity(BATCH_LIMIT);
    let mut held: Option<(PoolConnection<Any>, Instant)> = None;
    loop {
        let first = match queue.try_recv() {
            Ok(first) => first,
            Err(TryRecvError::Empty) => {
                // Nothing waiting: the turn goes back before the writer sleeps.
                held = None;
                match queue.blocking_recv() {
                    Some(first) => first,
                    None => return,
                }
            }
            Err(TryRecvError::Disconnected) => return,
        };
        batch.push(first);
        while batch.len() < BATCH_LIMIT {
            match queue.try_recv() {
                Ok(next) => batch.push(next),
                Err(_) => break,
            }
        }
        if held.as_ref().is_some_and(|(_, since)| since.elapsed() >= TURN_HELD_AT_MOST) {
            held = None;
        }
        let outcome = match &held {
            Some(_) => book_batch(&mut connection, &batch),
            None => match runtime.block_on(turn.acquire()) {
                Ok(taken) => {
                    held = Some((taken, Instant::now()));
                    book_batch(&mut connection, &batch)
                }
                Err(error) => Err(error.into()),
            },
        };
        match outcome {
            Ok(results) => {
                for ((_, reply), result) in batch.drain(..).zip(results) {
                    let _ = reply.send(result);
                }
            }
            Err(error) => {
                tracing::error!(%error, "booking batch failed");
                for (_, reply) in batch.drain(..) {
                    let _ = reply.send(Err(BookError::Store(StoreError::WriterFailed(error.to_string()))));
                }
            }
        }
    }
}

fn book_batch(
    connection: &mut Connection,
    batch: &[(BookingJob, BookingReply)],
) -> StoreResult<Vec<Result<Booked, BookError>>> {
    // IMMEDIATE takes the write lock at once (waiting out another process's
    // writer): a transaction that reads first and writes later would fail with
    // "database is locked" when another writer committed in between.
    let mut tx = Native(connection.transaction_with_behavior(TransactionBehavior::Immediate)?);
    let mut results = Vec::with_capacity(batch.len());
    for (job, _) in batch {
        // Every statement of `Native` runs at once: the future is ready when polled.
        results.push(futures::executor::block_on(book_one(&mut tx, job))?);
    }
    tx.0.commit()?;
    Ok(results)
}

/// The booking writer's transaction.
struct Native<'c>(rusqlite::Transaction<'c>);

impl Native<'_> {
    fn bound(&self, sql: &str, values: &[&dyn ToSql]) -> rusqlite::Result<CachedStatement<'_>> {
        super::native::bound(&self.0, sql, values)
    }
}

impl BookingStatements for Native<'_> {
    async fn active_ticket(&mut self, service_id: i64, nik: &Nik, date: NaiveDate) -> StoreResult<Option<NikTicket>> {
        let values: [&dyn ToSql; 3] = [&service_id, &nik.as_str(), &date.to_string()];
        first_row(&self.0, &statements::ACTIVE_TICKET, &values, |row| NikTicket::read(row))
    }

    async fn phone_holdings(&mut self, held: &HeldBy<'_>) -> StoreResult<PhoneHoldings> {
        let values: [&dyn ToSql; 6] = [
            &held.phone.as_str(),
            &held.service.id,
            &held.service.office_id,
            &held.date.to_string(),
            &held.today.to_string(),
            &millis(held.released_until),
        ];
        let counts = first_row(&self.0, &statements::PHONE_HOLDINGS, &values, |row| {
            Ok([row.get("service_day")?, row.get("office_day")?, row.get("upcoming")?])
        })?;
        holdings(counts.ok_or(rusqlite::Error::QueryReturnedNoRows)?)
    }

    async fn claim_place(&mut self, claim: &Claim) -> StoreResult<Option<u32>> {
        let values: [&dyn ToSql; 4] =
            [&claim.service_id, &claim.date.to_string(), &millis(claim.released_until), &i64::from(claim.kept)];
        let issued = first_row(&self.0, &statements::CLAIM_PLACE, &values, |row| Ok(row.get(0)?))?;
        issued.map(issued_place).transpose()
    }

    async fn release_place(&mut self, claim: &Claim, sequence: u32) -> StoreResult<()> {
        let values: [&dyn ToSql; 3] = [&claim.service_id, &claim.date.to_string(), &i64::from(sequence)];
        self.bound(statements::RELEASE_PLACE, &values)?.raw_execute()?;
        Ok(())
    }

    async fn insert_ticket(&mut self, ticket: &NewTicket<'_>) -> StoreResult<bool> {
        let values: [&dyn ToSql; 15] = [
            &ticket.code,
            &ticket.service_id,
            &ticket.service_date,
            &ticket.requested_date,
            &ticket.rollover,
            &ticket.sequence,
            &ticket.display_number,
            &ticket.name,
            &ticket.nik,
            &ticket.phone,
            &ticket.email,
            &ticket.channel,
            &ticket.issued_at,
            &ticket.staff,
            &ticket.priority,
        ];
        Ok(self.bound(&statements::INSERT_TICKET, &values)?.raw_execute()? == 1)
    }

    async fn enqueue_webhooks(&mut self, deliveries: Enqueued) -> StoreResult<()> {
        let values: [&dyn ToSql; 6] = [
            &deliveries.office_id,
            &deliveries.event,
            &deliveries.body,
            &deliveries.at,
            &deliveries.pattern,
            &deliveries.cap,
        ];
        self.bound(ENQUEUE, &values)?.raw_execute()?;
        Ok(())
    }

    async fn record_audit(&mut self, entry: &AuditEntry) -> StoreResult<()> {
        let entry = Recorded::of(entry)?;
        let values: [&dyn ToSql; 9] = [
            &entry.at,
            &entry.office_id,
            &entry.account_id,
            &entry.typed_name,
            &entry.address,
            &entry.action,
            &entry.object,
            &entry.before,
            &entry.after,
        ];
        self.bound(RECORD, &values)?.raw_execute()?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    use std::time::Duration;

    use crate::domain::booking::{BookingRequest, Holder, IssuedBy};
    use crate::domain::identity::Nik;
    use crate::store::{offices, seed, tickets, Db};

    /// The writer takes its turn on the store's write connection: a
    /// transaction of the store that read before a booking still writes after
    /// it. Without the turn, the booking would commit in between, and the
    /// transaction's write would fail with "database is locked" (its snapshot
    /// is older than the database).
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_booking_waits_for_the_stores_open_write_transaction() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open_sqlite(&dir.path().join("turns.db")).await.unwrap();
        let now = chrono::DateTime::parse_from_rfc3339("2026-11-23T10:00:00+08:00").unwrap().to_utc();
        seed::seed_demo_offices(&db, now).await.unwrap();
        let office = offices::find(&db, "kantah-denpasar").await.unwrap().unwrap();

        let mut tx = db.writer().begin().await.unwrap();
        let before: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM tickets").fetch_one(&mut *tx).await.unwrap();
        let booking = tokio::spawn({
            let (db, office) = (db.clone(), office.clone());
            async move {
                let service = office.service("A").unwrap();
                let holder = Holder { nik: Nik::parse("5171010101900001").ok(), ..Holder::default() };
                let by = IssuedBy { channel: crate::domain::ticket::Channel::WalkIn, account: None };
                tickets::book(&db, &office, service, &holder, by, BookingRequest::Today, now).await
            }
        });
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert!(!booking.is_finished(), "the booking went ahead of the open transaction");
        sqlx::query("UPDATE offices SET board_announcement = 'Selamat datang' WHERE id = $1")
            .bind(office.id)
            .execute(&mut *tx)
            .await
            .expect("the transaction writes after reading");
        tx.commit().await.unwrap();
        booking.await.unwrap().expect("the booking, once the transaction ended");
        let after: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM tickets").fetch_one(db.reader()).await.unwrap();
        assert_eq!(after, before + 1);
    }

    /// The writer hands its turn back within `TURN_HELD_AT_MOST` even while
    /// bookings keep coming: an admin's change made amid a flood of 3,000
    /// bookings from 300 tasks (more than a batch takes, so bookings are
    /// always waiting) is written long before the flood ends. A writer that
    /// kept its turn while bookings wait would write it only at the end.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_stores_other_writes_take_their_turn_amid_a_flood_of_bookings() {
        const FLOOD: usize = 3_000;
        const TASKS: usize = 300;
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open_sqlite(&dir.path().join("flood.db")).await.unwrap();
        let now = chrono::DateTime::parse_from_rfc3339("2026-11-23T10:00:00+08:00").unwrap().to_utc();
        seed::seed_demo_offices(&db, now).await.unwrap();
        let office = offices::find(&db, "kantah-denpasar").await.unwrap().unwrap();
        let tomorrow = now.date_naive().succ_opt().unwrap();

        let (next, made) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
        let flood: Vec<_> = (0..TASKS)
            .map(|_| {
                let (db, office, next, made) = (db.clone(), office.clone(), next.clone(), made.clone());
                tokio::spawn(async move {
                    loop {
                        let n = next.fetch_add(1, Ordering::Relaxed);
                        if n >= FLOOD {
                            return;
                        }
                        let service = &office.services[n % office.services.len()];
                        let holder = Holder {
                            nik: Some(Nik::parse(&format!("517101010190{:04}", n + 1)).unwrap()),
                            ..Holder::default()
                        };
                        let request = BookingRequest::Date(tomorrow);
                        tickets::book(&db, &office, service, &holder, IssuedBy::ONLINE, request, now)
                            .await
                            .expect("a booking of the flood");
                        made.fetch_add(1, Ordering::Relaxed);
                    }
                })
            })
            .collect();
        while made.load(Ordering::Relaxed) < TASKS {
            tokio::task::yield_now().await;
        }
        sqlx::query("UPDATE offices SET board_announcement = 'Selamat datang' WHERE id = $1")
            .bind(office.id)
            .execute(db.writer())
            .await
            .expect("the admin's change");
        let made_before_it = made.load(Ordering::Relaxed);
        for task in flood {
            task.await.unwrap();
        }
        assert!(made_before_it < FLOOD / 2, "the change waited for {made_before_it} of the flood's {FLOOD} bookings");
    }
}
