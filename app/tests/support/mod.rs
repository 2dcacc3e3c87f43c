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

/// Monday 23 November 2026, 10:00 in Jakarta: the test office is open.
pub fn monday_morning() -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::parse_from_rfc3339("2026-11-23T10:00:00+07:00").unwrap().with_timezone(&chrono::Utc)
}

/// The test office "uji" (WIB, Monday to Friday 08:00–15:00, no holidays) with
/// service A; returns the office's id.
pub async fn office_with_service(db: &app::store::Db, daily_quota: u32, horizon_days: u32) -> i64 {
    use app::domain::calendar::{OfficeZone, OpeningHours, WeeklyHours};
    use app::domain::ticket::ServicePrefix;
    use app::store::offices::{self, NewOffice, NewService};
    use chrono::NaiveTime;

    let time = |hour| NaiveTime::from_hms_opt(hour, 0, 0).unwrap();
    let office = NewOffice {
        slug: "uji",
        name: "Kantor Uji",
        address: "",
        zone: OfficeZone::Wib,
        hours: WeeklyHours::weekdays(OpeningHours::new(time(8), time(15)).unwrap()),
        holidays: &[],
    };
    let office_id = offices::create(db, &office, monday_morning()).await.unwrap();
    let prefix = ServicePrefix::parse("A").unwrap();
    let service = NewService { prefix, name_id: "Layanan", name_en: "Service", daily_quota, horizon_days };
    offices::add_service(db, office_id, &service).await.unwrap();
    office_id
}
