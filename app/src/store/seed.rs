//! Demo data for a fresh database: two offices modelled on the source documents
//! (the Denpasar land office and the Bogor civil registry office), with their
//! services, counters and Indonesia's 2026 national holidays and joint leave days.

use chrono::{DateTime, NaiveTime, Utc};

use super::offices::{self, NewOffice, NewService};
use super::{Db, StoreError, StoreResult};
use crate::domain::booking::{DEFAULT_DAILY_QUOTA, DEFAULT_HORIZON_DAYS};
use crate::domain::calendar::{Holiday, OfficeZone, OpeningHours, WeeklyHours};
use crate::domain::ticket::ServicePrefix;

/// Libur nasional and cuti bersama 2026 (SKB 3 Menteri No. 1497/2/5 Tahun 2025),
/// plus New Year 2027, which falls inside a December booking horizon.
pub const NATIONAL_HOLIDAYS: &[(&str, &str)] = &[
    ("2026-01-01", "Tahun Baru 2026 Masehi"),
    ("2026-01-16", "Isra Mikraj Nabi Muhammad SAW"),
    ("2026-02-16", "Cuti bersama Tahun Baru Imlek"),
    ("2026-02-17", "Tahun Baru Imlek 2577 Kongzili"),
    ("2026-03-18", "Cuti bersama Hari Suci Nyepi"),
    ("2026-03-19", "Hari Suci Nyepi Tahun Baru Saka 1948"),
    ("2026-03-20", "Cuti bersama Idul Fitri 1447 H"),
    ("2026-03-21", "Idul Fitri 1447 H"),
    ("2026-03-22", "Idul Fitri 1447 H"),
    ("2026-03-23", "Cuti bersama Idul Fitri 1447 H"),
    ("2026-03-24", "Cuti bersama Idul Fitri 1447 H"),
    ("2026-04-03", "Wafat Yesus Kristus"),
    ("2026-04-05", "Kebangkitan Yesus Kristus (Paskah)"),
    ("2026-05-01", "Hari Buruh Internasional"),
    ("2026-05-14", "Kenaikan Yesus Kristus"),
    ("2026-05-15", "Cuti bersama Kenaikan Yesus Kristus"),
    ("2026-05-27", "Idul Adha 1447 H"),
    ("2026-05-28", "Cuti bersama Idul Adha 1447 H"),
    ("2026-05-31", "Hari Raya Waisak 2570 BE"),
    ("2026-06-01", "Hari Lahir Pancasila"),
    ("2026-06-16", "Tahun Baru Islam 1448 H"),
    ("2026-08-17", "Proklamasi Kemerdekaan Republik Indonesia"),
    ("2026-08-25", "Maulid Nabi Muhammad SAW"),
    ("2026-12-24", "Cuti bersama Kelahiran Yesus Kristus"),
    ("2026-12-25", "Kelahiran Yesus Kristus"),
    ("2027-01-01", "Tahun Baru 2027 Masehi"),
];

pub fn national_holidays() -> Vec<Holiday> {
    NATIONAL_HOLIDAYS
        .iter()
        .filter_map(|(date, name)| Some(Holiday { date: date.parse().ok()?, name: (*name).to_string() }))
        .collect()
}

fn time(h: u32, m: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(h, m, 0).unwrap_or(NaiveTime::MIN)
}

struct DemoOffice {
    slug: &'static str,
    name: &'static str,
    address: &'static str,
    zone: OfficeZone,
    services: &'static [(&'static str, &'static str, &'static str)],
    counters: &'static [(&'static str, &'static [&'static str])],
}

const DEMO_OFFICES: &[DemoOffice] = &[
    DemoOffice {
        slug: "kantah-denpasar",
        name: "Kantor Pertanahan Kota Denpasar",
        address: "Jl. Kapten Tantular No. 1, Denpasar, Bali",
        zone: OfficeZone::Wita,
        services: &[
            ("A", "Pendaftaran Hak dan Peralihan Hak", "Rights registration and transfer"),
            ("B", "Pengecekan Sertipikat", "Certificate check"),
            ("C", "Informasi dan Pengaduan", "Information and complaints"),
            ("D", "Penyerahan Produk Layanan", "Document collection"),
        ],
        counters: &[("Loket 1", &["A"]), ("Loket 2", &["A", "B"]), ("Loket 3", &["C"]), ("Loket 4", &["D"])],
    },
    DemoOffice {
        slug: "disdukcapil-bogor",
        name: "Disdukcapil Kota Bogor",
        address: "Jl. Pemuda No. 31, Kota Bogor, Jawa Barat",
        zone: OfficeZone::Wib,
        services: &[
            ("A", "KTP-el", "Electronic ID card (KTP-el)"),
            ("B", "Kartu Keluarga", "Family card"),
            ("C", "Akta Kelahiran dan Kematian", "Birth and death certificates"),
            ("D", "Pindah Datang", "Change of residence"),
        ],
        counters: &[("Loket 1", &["A"]), ("Loket 2", &["A", "B"]), ("Loket 3", &["C"]), ("Loket 4", &["D"])],
    },
];

/// Creates the demo offices when the database has none. Returns whether it did.
pub async fn seed_demo_offices(db: &Db, now: DateTime<Utc>) -> StoreResult<bool> {
    if offices::count(db).await? > 0 {
        return Ok(false);
    }
    let hours =
        OpeningHours::new(time(8, 0), time(15, 0)).unwrap_or(OpeningHours { opens: time(8, 0), closes: time(15, 0) });
    let holidays = national_holidays();
    for demo in DEMO_OFFICES {
        let office = NewOffice {
            slug: demo.slug,
            name: demo.name,
            address: demo.address,
            zone: demo.zone,
            hours: WeeklyHours::weekdays(hours),
        };
        let office_id = offices::create(db, &office, now).await?;
        offices::add_holidays(db, office_id, &holidays).await?;
        let mut service_ids = Vec::new();
        for (prefix, name_id, name_en) in demo.services {
            let Some(prefix) = ServicePrefix::parse(prefix) else { continue };
            let service = NewService {
                prefix,
                name_id,
                name_en,
                daily_quota: DEFAULT_DAILY_QUOTA,
                horizon_days: DEFAULT_HORIZON_DAYS,
            };
            service_ids.push((prefix.letter(), offices::add_service(db, office_id, &service).await?));
        }
        for (counter, serves) in demo.counters {
            let ids: Vec<i64> = service_ids
                .iter()
                .filter(|(letter, _)| serves.iter().any(|s| s.starts_with(*letter)))
                .map(|(_, id)| *id)
                .collect();
            offices::save_counter(db, office_id, None, counter, &ids)
                .await?
                .map_err(|problem| StoreError::Corrupt(format!("demo counter {counter}: {problem:?}")))?;
        }
    }
    Ok(true)
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;

    #[test]
    fn every_seeded_holiday_date_parses() {
        assert_eq!(national_holidays().len(), NATIONAL_HOLIDAYS.len());
        assert!(national_holidays().iter().all(|h| h.date >= NaiveDate::from_ymd_opt(2026, 1, 1).unwrap()));
    }
}
