//! What the store tests share: a fresh database of their own on the test
//! PostgreSQL server that `ANTREAN_TEST_POSTGRES_URL` names (see
//! `scripts/test-postgres`).

#![allow(dead_code)]

use sqlx::Connection;

/// The test PostgreSQL server, if one is given.
pub fn postgres_server() -> Option<String> {
    std::env::var("ANTREAN_TEST_POSTGRES_URL").ok().filter(|url| !url.is_empty())
}

/// A new, empty database on the test server. The server is thrown away after
/// the run, and its databases with it.
pub async fn fresh_postgres_database() -> String {
    static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let server = postgres_server().expect("ANTREAN_TEST_POSTGRES_URL");
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().subsec_nanos();
    let serial = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let name = format!("store_{}_{serial}_{nanos}", std::process::id());
    let mut admin = sqlx::PgConnection::connect(&server).await.unwrap();
    sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut admin).await.unwrap();
    admin.close().await.unwrap();
    let (base, _) = server.rsplit_once('/').unwrap();
    format!("{base}/{name}")
}
