//! SQLite through its own API (rusqlite), where sqlx's way costs more than
//! the work: sqlx hands every statement to its connection's thread and waits
//! for the answer. Used by the booking writer (`booking_writer`) and for the
//! point reads of every request (`PointReads`). The SQL is the store's own,
//! with its `$1`, `$2`, … parameters, which `bound` binds by name.

use std::cell::RefCell;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use rusqlite::{CachedStatement, Connection, OpenFlags, ToSql};

use super::{ColumnValues, StoreResult};

/// `$1` … `$15`: the store's statements name their parameters so, for both engines.
const PARAMETERS: [&str; 15] =
    ["$1", "$2", "$3", "$4", "$5", "$6", "$7", "$8", "$9", "$10", "$11", "$12", "$13", "$14", "$15"];

/// The cached statement `sql` with `values` bound to `$1`, `$2`, …. (rusqlite
/// binds by position in order of first appearance, which is not the number.)
pub(crate) fn bound<'c>(
    connection: &'c Connection,
    sql: &str,
    values: &[&dyn ToSql],
) -> rusqlite::Result<CachedStatement<'c>> {
    let mut statement = connection.prepare_cached(sql)?;
    for (value, name) in values.iter().zip(PARAMETERS) {
        let index =
            statement.parameter_index(name)?.ok_or_else(|| rusqlite::Error::InvalidParameterName(name.to_string()))?;
        statement.raw_bind_parameter(index, *value)?;
    }
    Ok(statement)
}

/// The first row of `sql` with `values`, as `read` makes it.
pub(crate) fn first_row<T>(
    connection: &Connection,
    sql: &str,
    values: &[&dyn ToSql],
    read: impl FnOnce(&rusqlite::Row<'_>) -> StoreResult<T>,
) -> StoreResult<Option<T>> {
    let mut statement = bound(connection, sql, values)?;
    let mut rows = statement.raw_query();
    rows.next()?.map(read).transpose()
}

impl ColumnValues for rusqlite::Row<'_> {
    fn text(&self, column: &'static str) -> StoreResult<String> {
        Ok(self.get(column)?)
    }

    fn optional_text(&self, column: &'static str) -> StoreResult<Option<String>> {
        Ok(self.get(column)?)
    }

    fn number(&self, column: &'static str) -> StoreResult<i64> {
        Ok(self.get(column)?)
    }
}

/// Reads of one row by its key (a session, an office) on SQLite, run on the
/// calling thread. Such a read costs SQLite a few microseconds, less than
/// handing it to another thread and back, so the async worker does it
/// itself; in WAL mode a reader never waits for the writer. Each thread
/// keeps a read-only connection per database.
#[derive(Clone, Debug)]
pub(crate) struct PointReads {
    database: Arc<Path>,
}

/// Most databases a thread keeps a connection to: a server has one; tests
/// open many in turn.
const KEPT: usize = 4;

thread_local! {
    static CONNECTIONS: RefCell<Vec<(Arc<Path>, Connection)>> = const { RefCell::new(Vec::new()) };
}

impl PointReads {
    pub(crate) fn new(database: &Path) -> Self {
        Self { database: Arc::from(database) }
    }

    /// Runs `read` on this thread's connection to the database (`read` must
    /// not read through `PointReads` itself).
    pub(crate) fn run<T>(&self, read: impl FnOnce(&Connection) -> StoreResult<T>) -> StoreResult<T> {
        CONNECTIONS.with_borrow_mut(|kept| {
            let index = match kept.iter().position(|(database, _)| Arc::ptr_eq(database, &self.database)) {
                Some(index) => index,
                None => {
                    if kept.len() == KEPT {
                        kept.remove(0);
                    }
                    kept.push((self.database.clone(), open_for_reading(&self.database)?));
                    kept.len() - 1
                }
            };
            read(&kept[index].1)
        })
    }
}

fn open_for_reading(database: &Path) -> rusqlite::Result<Connection> {
    let connection =
        Connection::open_with_flags(database, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)?;
    // Only a crash's recovery or a checkpoint's reset of the log makes a
    // reader wait, briefly; the worker is not held longer than this.
    connection.busy_timeout(Duration::from_secs(1))?;
    Ok(connection)
}

#[cfg(test)]
mod tests {
    use super::KEPT;
    use crate::store::{offices, seed, Db};

    /// On one thread (as an async worker runs them): each database is read
    /// on its own connection, a commit is seen by the next read, and more
    /// databases than a thread keeps are still read right.
    #[tokio::test(flavor = "current_thread")]
    async fn point_reads_see_their_own_database_and_every_commit() {
        let dir = tempfile::tempdir().unwrap();
        let seeded = Db::open_sqlite(&dir.path().join("seeded.db")).await.unwrap();
        let empty = Db::open_sqlite(&dir.path().join("empty.db")).await.unwrap();
        let now = chrono::DateTime::parse_from_rfc3339("2026-11-23T10:00:00+08:00").unwrap().to_utc();
        seed::seed_demo_offices(&seeded, now).await.unwrap();
        let slug = "kantah-denpasar";
        let office = offices::find(&seeded, slug).await.unwrap().expect("the seeded office");
        assert!(offices::find(&empty, slug).await.unwrap().is_none(), "another database's office");

        sqlx::query("UPDATE offices SET name = 'Kantor Pertanahan Baru' WHERE id = $1")
            .bind(office.id)
            .execute(seeded.writer())
            .await
            .unwrap();
        assert_eq!(offices::find(&seeded, slug).await.unwrap().unwrap().name, "Kantor Pertanahan Baru");

        for n in 0..KEPT + 2 {
            let other = Db::open_sqlite(&dir.path().join(format!("other-{n}.db"))).await.unwrap();
            assert!(offices::find(&other, slug).await.unwrap().is_none());
        }
        assert_eq!(offices::find_by_id(&seeded, office.id).await.unwrap().unwrap().slug, slug);
    }
}
