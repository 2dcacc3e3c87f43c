//! PostgreSQL's booking writers: bookings waiting at the same moment go into
//! one transaction (group commit), as SQLite's writer does (`booking_writer`).
//!
//! A booking alone is four round trips (`BEGIN`, the look, the insert,
//! `COMMIT`); in a batch it is two, and the batch commits once. On a small
//! server the round trips, not the statements, were most of a booking's cost
//! (`antrean-bench bookings-postgres` prints the CPU a booking takes).
//!
//! A batch first makes its bookings' looks (`tickets::look`: what each reads
//! under its phone's lock), then their claims and tickets one after another
//! (`tickets::book_looked`; on PostgreSQL a claim and its ticket are one
//! statement, `tickets::statements::CLAIM_AND_INSERT`), each claim decided
//! under its (service, date) row's lock, so no date gets more tickets than
//! its quota. From its first claim to its commit a batch holds its dates'
//! rows, which the other batches wait on; with the looks made before, that
//! is one round trip a booking, not two.
//!
//! A few writers run side by side, each with a connection of its own. As a
//! batch holds its locks until it commits, it takes them in one order: first
//! its phones' locks, in one statement (`tickets::hold_phones`), then its
//! claims, service by service and date by date; two writers (or two
//! instances) then never wait on each other in a circle. A rollover keeps
//! that order: a booking tries every working day from its first date on, so
//! it claims each date the batch's later bookings of its service start from
//! before any after it.
//!
//! A booking that finds its office changed or its session ended gives its
//! place back and fails alone. When a batch fails (a statement's error,
//! PostgreSQL breaking a deadlock), it is rolled back and each of its
//! bookings is made alone (`tickets::book_alone`), which answers each with
//! its own outcome.

use std::collections::HashSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use sqlx::{Any, AnyPool, Transaction};
use tokio::sync::{mpsc, Mutex};

use super::tickets::{
    book_alone, book_looked, book_one, hold_phones, look, BookError, BookingJob, BookingReply, Looked,
};
use super::{StoreError, StoreResult};
use crate::domain::booking::Booked;

/// Most bookings one transaction takes; bounds how long a batch holds its locks.
const BATCH_LIMIT: usize = 64;

type Queue = Arc<Mutex<mpsc::Receiver<(BookingJob, BookingReply)>>>;

/// How the instance's batches ended, for monitoring (`/metrics`): batches
/// made again booking by booking point at deadlocks or failing statements.
#[derive(Debug, Default)]
pub struct BatchCounts {
    committed: AtomicU64,
    redone: AtomicU64,
}

impl BatchCounts {
    pub fn committed(&self) -> u64 {
        self.committed.load(Ordering::Relaxed)
    }

    pub fn redone(&self) -> u64 {
        self.redone.load(Ordering::Relaxed)
    }
}

/// Starts `writers` writers, each on a thread of its own with a connection of
/// its own to the database at `url`; they end when every sender of `queue` is
/// gone. A writer waits on the database for most of a batch: on the server's
/// runtime, each of those waits ended behind the requests queued there, and
/// one instance made a third fewer bookings.
pub(crate) fn start(
    url: &str,
    writers: u32,
    queue: mpsc::Receiver<(BookingJob, BookingReply)>,
    counts: &Arc<BatchCounts>,
) -> StoreResult<()> {
    let failed = |error: std::io::Error| StoreError::WriterFailed(error.to_string());
    let queue = Arc::new(Mutex::new(queue));
    for _ in 0..writers.max(1) {
        let pool = super::postgres_pool(1).connect_lazy(url)?;
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(failed)?;
        let (queue, counts) = (queue.clone(), counts.clone());
        std::thread::Builder::new()
            .name("booking-batches".into())
            .spawn(move || runtime.block_on(run(pool, queue, counts)))
            .map_err(failed)?;
    }
    Ok(())
}

async fn run(pool: AnyPool, queue: Queue, counts: Arc<BatchCounts>) {
    let mut batch = Vec::with_capacity(BATCH_LIMIT);
    loop {
        {
            // One writer at a time takes what is waiting; the others are busy
            // with their batches or wait here for the next.
            let mut queue = queue.lock().await;
            let Some(first) = queue.recv().await else {
                return;
            };
            batch.push(first);
            while batch.len() < BATCH_LIMIT {
                match queue.try_recv() {
                    Ok(next) => batch.push(next),
                    Err(_) => break,
                }
            }
        }
        batch.sort_by_cached_key(|(job, _)| job.claim_order());
        match book_together(&pool, &batch).await {
            Ok(outcomes) => {
                counts.committed.fetch_add(1, Ordering::Relaxed);
                for ((_, reply), outcome) in batch.drain(..).zip(outcomes) {
                    let _ = reply.send(outcome);
                }
            }
            Err(Failed::Unsettled(error)) => {
                // Made again, a walk-in's number could be issued twice.
                tracing::error!(%error, "a booking batch's commit has no known outcome");
                for (_, reply) in batch.drain(..) {
                    let _ = reply.send(Err(BookError::Store(StoreError::WriterFailed(error.to_string()))));
                }
            }
            Err(Failed::RolledBack(error)) => {
                counts.redone.fetch_add(1, Ordering::Relaxed);
                if batch.len() > 1 {
                    tracing::warn!(%error, bookings = batch.len(), "a booking batch is made again one by one");
                }
                // Here, before the next batch, so that the failures of one
                // batch never pile up behind another on the writer's connection.
                for (job, reply) in batch.drain(..) {
                    let _ = reply.send(book_alone(&pool, &job).await);
                }
            }
        }
    }
}

/// The batch's looks, made before any of its claims: from its first claim
/// to its commit a batch holds its dates' rows, which other batches wait on.
/// A phone's second booking in the batch has none (`None`): its look comes
/// after the first is made, so that it counts it.
async fn look_first(
    tx: &mut Transaction<'_, Any>,
    batch: &[(BookingJob, BookingReply)],
) -> StoreResult<Vec<Option<Result<Looked, BookError>>>> {
    let mut phones = HashSet::new();
    let mut looks = Vec::with_capacity(batch.len());
    for (job, _) in batch {
        let first_of_its_phone = job.counted_phone().is_none_or(|phone| phones.insert(phone));
        looks.push(if first_of_its_phone { Some(look(tx, job, false).await?) } else { None });
    }
    Ok(looks)
}

/// How a batch failed.
enum Failed {
    /// Nothing of it was stored: its bookings may be made again.
    RolledBack(StoreError),
    /// Its commit was sent and no answer came: it may have been stored.
    Unsettled(StoreError),
}

/// The batch's bookings in one transaction, each one's outcome in order.
async fn book_together(
    pool: &AnyPool,
    batch: &[(BookingJob, BookingReply)],
) -> Result<Vec<Result<Booked, BookError>>, Failed> {
    let mut tx = pool.begin().await.map_err(|error| Failed::RolledBack(error.into()))?;
    hold_phones(&mut tx, batch.iter().map(|(job, _)| job)).await.map_err(Failed::RolledBack)?;
    // Dropping the transaction rolls it back.
    let looks = look_first(&mut tx, batch).await.map_err(Failed::RolledBack)?;
    let mut outcomes = Vec::with_capacity(batch.len());
    for ((job, _), looked) in batch.iter().zip(looks) {
        let outcome = match looked {
            Some(Ok(looked)) => book_looked(&mut tx, job, looked).await,
            Some(Err(stale)) => Ok(Err(stale)),
            None => book_one(&mut tx, job).await,
        };
        outcomes.push(outcome.map_err(Failed::RolledBack)?);
    }
    match tx.commit().await {
        Ok(()) => Ok(outcomes),
        // The database answered: it refused the commit, which it then rolled back.
        Err(error @ sqlx::Error::Database(_)) => Err(Failed::RolledBack(error.into())),
        Err(error) => Err(Failed::Unsettled(error.into())),
    }
}
