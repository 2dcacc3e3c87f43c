//! What the store tests share beyond the `test-support` crate: the instant
//! they pin and the test office.

#![allow(dead_code)]

#[allow(unused_imports)] // Not every test binary uses both.
pub use test_support::{fresh_postgres_database, postgres_server};

/// Monday 23 November 2026, 10:00 in Jakarta: the test office is open.
pub fn monday_10_wib() -> chrono::DateTime<chrono::Utc> {
    test_support::instant(test_support::MONDAY_10_WIB)
}

/// The test office "uji" (WIB, Monday to Friday 08:00–15:00, no holidays) with
/// service A; returns the office's id.
pub async fn office_with_service(db: &app::store::Db, daily_quota: u32, horizon_days: u32) -> i64 {
    use app::domain::calendar::{OfficeZone, OpeningHours, WeeklyHours};
    use app::domain::office::{NewOffice, NewService};
    use app::domain::ticket::ServicePrefix;
    use app::store::offices;
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
    let office_id = offices::create(db, &office, monday_10_wib()).await.unwrap();
    let prefix = ServicePrefix::parse("A").unwrap();
    let service = NewService {
        prefix,
        name_id: "Layanan",
        name_en: "Service",
        daily_quota,
        horizon_days,
        channels: Default::default(),
        walk_in_reserve: 0,
    };
    offices::add_service(db, office_id, &service).await.unwrap();
    office_id
}
