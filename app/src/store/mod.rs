//! Storage: one module per aggregate, each holding the SQL for its tables.
//!
//! Two engines run the same SQL through sqlx's `Any` driver: SQLite, the
//! embedded default, and PostgreSQL, for several server instances sharing one
//! database. The SQL is written to mean the same on both (no `group_concat`, no
//! two-argument `MAX`, no boolean columns); see `POSTGRES-STATUS.md`.
//!
//! On SQLite, writes go through a pool of one connection, so write transactions
//! queue in the process instead of failing with SQLITE_BUSY; reads use their own
//! pool and, thanks to WAL, never wait for a writer. Bookings are claimed by one
//! booking writer with a connection of its own, which takes its turn on that
//! pool (see `booking_writer`), and the reads every request makes (its
//! session, its office) run on the request's own thread (`native::PointReads`). On PostgreSQL both
//! pools are the same, and a few booking writers per instance (`booking_batches`)
//! each take the bookings waiting into one transaction: the quota holds
//! through the database's row locks, not through a single writer.

pub mod access;
pub mod api_keys;
pub mod audit;
mod booking_batches;
pub use booking_batches::BatchCounts;
mod booking_writer;
pub mod counters;
pub mod feedback;
pub(crate) mod locks;
mod native;
pub mod notifications;
pub mod offices;
pub mod outbox;
pub mod push_subscriptions;
pub mod seed;
pub mod sessions;
pub mod staff;
pub mod tickets;
pub mod webhooks;

use std::path::Path;
use std::str::FromStr;
use std::sync::{Arc, LazyLock};
use std::time::Duration;

use sqlx::any::AnyPoolOptions;
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{AnyConnection, AnyPool};
use sqlx::{ConnectOptions, Executor};
use thiserror::Error;
use tokio::sync::mpsc;

use crate::domain::ticket::TicketState;

#[derive(Debug, Error)]
pub enum StoreError {
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    /// SQLite's booking writer, on its own connection (`booking_writer`).
    #[error("database: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("migration: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
    #[error("the booking writer has stopped")]
    WriterGone,
    /// The office a booking was worked out from changed before the booking's
    /// transaction read it (`tickets::book` works the booking out again).
    #[error("the office changed during the booking")]
    OfficeChanged,
    /// The session a booking was made under is no longer live
    /// (`tickets::book_online`).
    #[error("the session ended during the booking")]
    SessionEnded,
    #[error("the booking writer's transaction failed: {0}")]
    WriterFailed(String),
    /// A stored value that the domain cannot read back; a bug or a hand-edited row.
    #[error("corrupt row: {0}")]
    Corrupt(String),
    /// A column a query reads is missing or of another type than the code
    /// expects: the SQL and its decoder (or the two engines' schemas) drifted.
    #[error("column {column}: {source}")]
    Column { column: &'static str, source: sqlx::Error },
}

/// Reading a row's columns as a checked step: a missing or mistyped column is
/// a `StoreError::Column` naming it, never a panic.
pub(crate) trait Columns {
    fn col<'r, T>(&'r self, column: &'static str) -> StoreResult<T>
    where
        T: sqlx::Decode<'r, sqlx::Any> + sqlx::Type<sqlx::Any>;
}

impl Columns for sqlx::any::AnyRow {
    fn col<'r, T>(&'r self, column: &'static str) -> StoreResult<T>
    where
        T: sqlx::Decode<'r, sqlx::Any> + sqlx::Type<sqlx::Any>,
    {
        sqlx::Row::try_get(self, column).map_err(|source| StoreError::Column { column, source })
    }
}

/// A row's plain values by column name, for the rows read both through sqlx
/// and through SQLite's own API (`native`), so one function builds each.
pub(crate) trait ColumnValues {
    fn text(&self, column: &'static str) -> StoreResult<String>;
    fn optional_text(&self, column: &'static str) -> StoreResult<Option<String>>;
    fn number(&self, column: &'static str) -> StoreResult<i64>;
}

impl ColumnValues for sqlx::any::AnyRow {
    fn text(&self, column: &'static str) -> StoreResult<String> {
        self.col(column)
    }

    fn optional_text(&self, column: &'static str) -> StoreResult<Option<String>> {
        self.col(column)
    }

    fn number(&self, column: &'static str) -> StoreResult<i64> {
        self.col(column)
    }
}

pub type StoreResult<T> = Result<T, StoreError>;

/// The database engine behind a `Db`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

impl Engine {
    /// The engine a connection URL names: `postgres://` or `postgresql://` for
    /// PostgreSQL, anything else (`sqlite://…`) for SQLite.
    pub fn of_url(url: &str) -> Self {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Self::Postgres
        } else {
            Self::Sqlite
        }
    }

    /// Appended to a `SELECT` that reads a row the transaction will change, so
    /// that concurrent transactions on PostgreSQL wait for each other. SQLite has
    /// no row locks, and needs none: its single writer already runs them in turn.
    pub(crate) fn lock_rows(self) -> &'static str {
        match self {
            Self::Sqlite => "",
            Self::Postgres => " FOR UPDATE",
        }
    }

    /// Like `lock_rows` for the rows of `table`, passing over rows another
    /// transaction holds: for taking the next of a queue.
    pub(crate) fn lock_rows_skipping_locked(self, table: &str) -> String {
        match self {
            Self::Sqlite => String::new(),
            Self::Postgres => format!(" FOR UPDATE OF {table} SKIP LOCKED"),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Sqlite => "sqlite",
            Self::Postgres => "postgres",
        }
    }
}

/// How one server instance uses PostgreSQL.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PostgresUse {
    /// Connections of the pool for everything but issuing tickets.
    pub connections: u32,
    /// Booking writers (`booking_batches`), each with a connection of its
    /// own. The database does best with about one per core it has, across
    /// all instances.
    pub booking_writers: u32,
}

impl Default for PostgresUse {
    fn default() -> Self {
        Self { connections: 10, booking_writers: 2 }
    }
}

/// A PostgreSQL connection idle this long is pinged before it is used.
const PING_WHEN_IDLE_FOR: Duration = Duration::from_secs(1);

#[derive(Clone, Debug)]
pub struct Db {
    engine: Engine,
    read: AnyPool,
    write: AnyPool,
    /// The booking writers' queue (`booking_writer` on SQLite, `booking_batches`
    /// on PostgreSQL).
    bookings: mpsc::Sender<(tickets::BookingJob, tickets::BookingReply)>,
    /// How PostgreSQL's booking batches ended (none on SQLite).
    booking_batches: Arc<BatchCounts>,
    /// The PostgreSQL URL, for connections of their own (`LISTEN`); `None` on SQLite.
    postgres_url: Option<String>,
    office_settings: offices::SettingsCache,
    /// The offices as this instance last read them, for bookings
    /// (`offices::find_remembered`); `None` on SQLite, where reading the
    /// office's row costs the booking nothing to speak of.
    remembered_offices: Option<offices::Remembered>,
    /// The citizens' sessions as this instance last found them, for bookings
    /// (`sessions::find_remembered`); `None` on SQLite, as the offices.
    remembered_sessions: Option<sessions::Remembered>,
    /// SQLite's reads of one row by its key, on the calling thread; `None` on PostgreSQL.
    point_reads: Option<native::PointReads>,
}

impl Db {
    /// Opens (creating if needed) the SQLite file and brings its schema up to date.
    pub async fn open_sqlite(path: &Path) -> StoreResult<Self> {
        sqlx::any::install_default_drivers();
        let file = SqliteConnectOptions::new().filename(path);
        // A SQLite connection is a file, which cannot hang up: sqlx's ping
        // before each use would only cost a hand-over to its thread.
        let write = AnyPoolOptions::new()
            .test_before_acquire(false)
            .max_connections(1)
            .min_connections(1)
            .acquire_timeout(Duration::from_secs(30))
            .after_connect(|conn, _| sqlite_pragmas(conn, true))
            .connect(file.clone().create_if_missing(true).to_url_lossy().as_str())
            .await?;
        sqlx::migrate!("../migrations/sqlite").run(&write).await?;
        let read = AnyPoolOptions::new()
            .test_before_acquire(false)
            .max_connections(4)
            .after_connect(|conn, _| sqlite_pragmas(conn, false))
            .connect(file.read_only(true).to_url_lossy().as_str())
            .await?;
        let (bookings, queue) = mpsc::channel(1024);
        booking_writer::start(path, write.clone(), queue)?;
        Ok(Self {
            engine: Engine::Sqlite,
            read,
            write,
            bookings,
            booking_batches: Default::default(),
            postgres_url: None,
            office_settings: Default::default(),
            remembered_offices: None,
            remembered_sessions: None,
            point_reads: Some(native::PointReads::new(path)),
        })
    }

    /// Connects to a PostgreSQL database (which must exist) and brings its schema
    /// up to date. Several instances may do this at once: sqlx's migrator holds an
    /// advisory lock while it runs.
    pub async fn open_postgres(url: &str) -> StoreResult<Self> {
        Self::open_postgres_with(url, PostgresUse::default()).await
    }

    /// `open_postgres` with `using`'s connections and writers (at least one each).
    pub async fn open_postgres_with(url: &str, using: PostgresUse) -> StoreResult<Self> {
        sqlx::any::install_default_drivers();
        let pool = postgres_pool(using.connections).connect(url).await?;
        sqlx::migrate!("../migrations/postgres").run(&pool).await?;
        let collation: String =
            sqlx::query_scalar("SELECT datcollate::text FROM pg_database WHERE datname = current_database()")
                .fetch_one(&pool)
                .await?;
        if !sorts_bytewise(&collation) {
            tracing::warn!(
                collation,
                "the database sorts text by language rules, so lists (offices, services, accounts) may come out in \
                 another order than on SQLite; create it with --locale=C.UTF-8 (see the README)"
            );
        }
        let (bookings, queue) = mpsc::channel(1024);
        let batches = Arc::default();
        booking_batches::start(url, using.booking_writers, queue, &batches)?;
        Ok(Self {
            engine: Engine::Postgres,
            read: pool.clone(),
            write: pool,
            bookings,
            booking_batches: batches,
            postgres_url: Some(url.to_string()),
            office_settings: Default::default(),
            remembered_offices: Some(Default::default()),
            remembered_sessions: Some(Default::default()),
            point_reads: None,
        })
    }

    /// Opens a database from a URL such as `sqlite://data/antrean.db` or
    /// `postgres://antrean@localhost/antrean`.
    pub async fn open_url(url: &str) -> StoreResult<Self> {
        Self::open_url_with(url, PostgresUse::default()).await
    }

    /// `open_url` with `postgres` for a PostgreSQL database (SQLite's
    /// pools keep their fixed shape).
    pub async fn open_url_with(url: &str, postgres: PostgresUse) -> StoreResult<Self> {
        match Engine::of_url(url) {
            Engine::Postgres => Self::open_postgres_with(url, postgres).await,
            Engine::Sqlite => {
                let options = SqliteConnectOptions::from_str(url)?;
                Self::open_sqlite(options.get_filename()).await
            }
        }
    }

    pub fn engine(&self) -> Engine {
        self.engine
    }

    /// Writes a consistent copy of the SQLite database to `file` (which must not
    /// exist) while the server runs: `VACUUM INTO` reads one snapshot on a
    /// read connection, so bookings go on meanwhile. PostgreSQL has `pg_dump`.
    pub async fn back_up_into(&self, file: &Path) -> StoreResult<()> {
        if self.engine != Engine::Sqlite {
            return Err(StoreError::Corrupt("backups of PostgreSQL are made with pg_dump".into()));
        }
        sqlx::query("VACUUM INTO $1").bind(file.display().to_string()).execute(&self.read).await?;
        Ok(())
    }

    /// Whether the database answers and its schema is the one this build
    /// expects: every migration this build knows applied, and none it does not
    /// know (a newer instance ran ahead of it).
    pub async fn schema_current(&self) -> StoreResult<bool> {
        let known = match self.engine {
            Engine::Sqlite => sqlx::migrate!("../migrations/sqlite").iter().map(|m| m.version).max(),
            Engine::Postgres => sqlx::migrate!("../migrations/postgres").iter().map(|m| m.version).max(),
        };
        let applied: Option<i64> =
            sqlx::query_scalar("SELECT MAX(version) FROM _sqlx_migrations WHERE success").fetch_one(&self.read).await?;
        Ok(applied.is_some() && applied == known)
    }

    pub(crate) fn postgres_url(&self) -> Option<&str> {
        self.postgres_url.as_deref()
    }

    pub(crate) fn reader(&self) -> &AnyPool {
        &self.read
    }

    pub(crate) fn point_reads(&self) -> Option<&native::PointReads> {
        self.point_reads.as_ref()
    }

    pub(crate) fn writer(&self) -> &AnyPool {
        &self.write
    }

    /// How the booking writers' batches ended (PostgreSQL).
    pub fn booking_batches(&self) -> &BatchCounts {
        &self.booking_batches
    }

    /// Connections of each pool (reads, writes): open, and idle among them.
    pub fn pool_use(&self) -> [(&'static str, u32, usize); 2] {
        [("read", self.read.size(), self.read.num_idle()), ("write", self.write.size(), self.write.num_idle())]
    }

    pub async fn close(&self) {
        self.read.close().await;
        self.write.close().await;
    }
}

/// The shape of every PostgreSQL pool of the store, of at most `connections`.
fn postgres_pool(connections: u32) -> AnyPoolOptions {
    AnyPoolOptions::new()
        // sqlx pings a connection each time it is taken from the pool: a
        // round trip, which was one in four of a booking's. A connection
        // that answered within `PING_WHEN_IDLE_FOR` is taken as alive; after
        // a restart of the database, a request on one fails once and the
        // connection is replaced.
        .test_before_acquire(false)
        .before_acquire(|connection, meta| {
            Box::pin(async move {
                if meta.idle_for >= PING_WHEN_IDLE_FOR {
                    sqlx::Connection::ping(connection).await?;
                }
                Ok(true)
            })
        })
        .max_connections(connections.max(1))
        .acquire_timeout(Duration::from_secs(30))
}

/// Whether a PostgreSQL collation orders text by bytes, as SQLite does.
fn sorts_bytewise(collation: &str) -> bool {
    matches!(collation.to_ascii_lowercase().as_str(), "c" | "posix" | "c.utf-8" | "c.utf8" | "ucs_basic")
}

/// What `SqliteConnectOptions` would set, for connections the `Any` driver opens
/// from a URL (which carries only the file and its mode). WAL is a property of the
/// file, set once by the writer.
///
/// The writer syncs the write-ahead log at every commit (`synchronous = FULL`):
/// a booking or a notice the server acknowledged survives a power cut, not
/// only a crash of the process. Group commit (see `booking_writer`)
/// makes that one sync per batch of bookings, not one per booking.
fn sqlite_pragmas(conn: &mut AnyConnection, writer: bool) -> futures::future::BoxFuture<'_, Result<(), sqlx::Error>> {
    const EVERY: &str = "PRAGMA busy_timeout = 10000; PRAGMA foreign_keys = ON; PRAGMA temp_store = memory;";
    Box::pin(async move {
        if writer {
            conn.execute("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL").await?;
        }
        conn.execute(EVERY).await?;
        Ok(())
    })
}

/// The SQL list of the ticket states `keep` picks, e.g. `('called', 'serving')`:
/// queries name states through the domain's rules, never by hand.
fn state_list(keep: fn(TicketState) -> bool) -> String {
    let names: Vec<String> = TicketState::all_where(keep).map(|state| format!("'{}'", state.as_str())).collect();
    format!("({})", names.join(", "))
}

/// The states that still hold a place in the queue.
pub(crate) static ACTIVE: LazyLock<String> = LazyLock::new(|| state_list(TicketState::is_active));
/// The states of a ticket at a counter (called there or being served).
pub(crate) static AT_COUNTER: LazyLock<String> = LazyLock::new(|| state_list(TicketState::is_at_counter));

pub(crate) fn millis(instant: chrono::DateTime<chrono::Utc>) -> i64 {
    instant.timestamp_millis()
}

/// A phone number the store wrote itself (always E.164) read back.
pub(crate) fn stored_phone(value: String) -> StoreResult<crate::domain::identity::PhoneNumber> {
    crate::domain::identity::PhoneNumber::parse(&value).map_err(|_| StoreError::Corrupt(format!("phone {value:?}")))
}

pub(crate) fn parse_date(value: &str) -> StoreResult<chrono::NaiveDate> {
    value.parse().map_err(|_| StoreError::Corrupt(format!("date {value:?}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_byte_order_collations_sort_like_sqlite() {
        for bytewise in ["C", "POSIX", "C.UTF-8", "C.utf8", "ucs_basic"] {
            assert!(sorts_bytewise(bytewise), "{bytewise}");
        }
        for by_language in ["en_US.UTF-8", "id_ID.utf8", "und-x-icu"] {
            assert!(!sorts_bytewise(by_language), "{by_language}");
        }
    }

    /// The migrations spell the states out (a CHECK and the index of active
    /// tickets); they must say what the domain's rules say.
    #[test]
    fn the_migrations_name_the_domains_states() {
        let all = state_list(|_| true);
        for schema in [
            include_str!("../../../migrations/sqlite/0001_queue.sql"),
            include_str!("../../../migrations/postgres/0001_queue.sql"),
        ] {
            assert!(schema.contains(&format!("CHECK (state IN {all})")), "every state, and only these");
            assert!(schema.contains(&format!("state IN {}", ACTIVE.as_str())), "the active states' index");
        }
        assert_eq!(ACTIVE.as_str(), "('waiting', 'called', 'serving')");
        assert_eq!(AT_COUNTER.as_str(), "('called', 'serving')");
    }

    #[tokio::test]
    async fn a_missing_or_mistyped_column_is_an_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open_sqlite(&dir.path().join("columns.db")).await.unwrap();
        let row = sqlx::query("SELECT 1 AS one, 'satu' AS word").fetch_one(db.reader()).await.unwrap();
        assert_eq!(row.col::<i64>("one").unwrap(), 1);
        for wrong in ["two", "word"] {
            match row.col::<i64>(wrong) {
                Err(StoreError::Column { column, .. }) => assert_eq!(column, wrong),
                other => panic!("{wrong}: {other:?}"),
            }
        }
        assert!(row.col::<i64>("two").unwrap_err().to_string().starts_with("column two"));
    }
}
