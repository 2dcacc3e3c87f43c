//! Storage: one module per aggregate, each holding the SQL for its tables.
//! SQLite is the embedded engine. Writes go through a pool of one connection, so
//! write transactions queue in the process instead of failing with SQLITE_BUSY;
//! reads use their own pool and, thanks to WAL, never wait for a writer.

pub mod access;
pub mod counters;
pub mod notifications;
pub mod offices;
pub mod outbox;
pub mod push_subscriptions;
pub mod seed;
pub mod sessions;
pub mod staff;
pub mod tickets;

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};
use thiserror::Error;
use tokio::sync::mpsc;

#[derive(Debug, Error)]
pub enum StoreError {
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migration: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
    #[error("the booking writer has stopped")]
    WriterGone,
    #[error("the booking writer's transaction failed: {0}")]
    WriterFailed(String),
    /// A stored value that the domain cannot read back; a bug or a hand-edited row.
    #[error("corrupt row: {0}")]
    Corrupt(String),
}

pub type StoreResult<T> = Result<T, StoreError>;

#[derive(Clone, Debug)]
pub struct Db {
    read: SqlitePool,
    write: SqlitePool,
    bookings: mpsc::Sender<(tickets::BookingJob, tickets::BookingReply)>,
}

impl Db {
    /// Opens (creating if needed) the SQLite file and brings its schema up to date.
    pub async fn open_sqlite(path: &Path) -> StoreResult<Self> {
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(Duration::from_secs(10))
            .foreign_keys(true)
            .pragma("temp_store", "memory");
        let write = SqlitePoolOptions::new()
            .max_connections(1)
            .min_connections(1)
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(options.clone())
            .await?;
        sqlx::migrate!("../migrations/sqlite").run(&write).await?;
        let read = SqlitePoolOptions::new().max_connections(4).connect_with(options.read_only(true)).await?;
        let (bookings, queue) = mpsc::channel(1024);
        tokio::spawn(tickets::run_booking_writer(write.clone(), queue));
        Ok(Self { read, write, bookings })
    }

    /// Opens a database from a URL such as `sqlite://data/antrean.db`.
    pub async fn open_url(url: &str) -> StoreResult<Self> {
        let options = SqliteConnectOptions::from_str(url)?;
        Self::open_sqlite(options.get_filename()).await
    }

    pub(crate) fn reader(&self) -> &SqlitePool {
        &self.read
    }

    pub(crate) fn writer(&self) -> &SqlitePool {
        &self.write
    }

    pub async fn close(&self) {
        self.read.close().await;
        self.write.close().await;
    }
}

pub(crate) fn millis(instant: chrono::DateTime<chrono::Utc>) -> i64 {
    instant.timestamp_millis()
}

pub(crate) fn parse_date(value: &str) -> StoreResult<chrono::NaiveDate> {
    value.parse().map_err(|_| StoreError::Corrupt(format!("date {value:?}")))
}
