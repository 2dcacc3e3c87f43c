//! What the store tests (`app/tests`) and the server tests (`server/tests`)
//! share: a fresh database on the test PostgreSQL server that
//! `ANTREAN_TEST_POSTGRES_URL` names (see `scripts/test-postgres`), and the
//! instants the tests pin their clocks to.

use sqlx::Connection;

/// Monday 23 November 2026, 10:00 in Jakarta (WIB): the store tests' office
/// "uji" (WIB, weekdays 08:00–15:00) is open.
pub const MONDAY_10_WIB: &str = "2026-11-23T10:00:00+07:00";

/// Monday 23 November 2026, 10:00 in Denpasar (WITA), the seeded offices'
/// zone: the clock the server tests pin.
pub const MONDAY_10_WITA: &str = "2026-11-23T10:00:00+08:00";

/// An RFC 3339 instant of the constants above.
pub fn instant(rfc3339: &str) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::parse_from_rfc3339(rfc3339).expect("an RFC 3339 instant").with_timezone(&chrono::Utc)
}

/// The test PostgreSQL server, if one is given.
pub fn postgres_server() -> Option<String> {
    std::env::var("ANTREAN_TEST_POSTGRES_URL").ok().filter(|url| !url.is_empty())
}

/// A new, empty database on the test server, its name starting with `prefix`.
/// The server is thrown away after the run, and its databases with it.
pub async fn fresh_postgres_database(prefix: &str) -> String {
    static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let server = postgres_server().expect("ANTREAN_TEST_POSTGRES_URL names the test PostgreSQL server");
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.subsec_nanos());
    let serial = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let name = format!("{prefix}_{}_{serial}_{nanos}", std::process::id());
    let mut admin = sqlx::PgConnection::connect(&server).await.expect("the test PostgreSQL server answers");
    sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut admin).await.expect("a new database");
    admin.close().await.expect("close");
    let (base, _) = server.rsplit_once('/').expect("a server URL ending in a database name");
    format!("{base}/{name}")
}
