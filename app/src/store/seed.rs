//! Demo data for a fresh database: two offices modelled on the source documents
//! (the Denpasar land office and the Bogor civil registry office), with their
//! services, counters and Indonesia's national holidays and joint leave days.

use chrono::{DateTime, NaiveTime, Utc};

use super::offices;
use super::{Db, StoreError, StoreResult};
use crate::domain::booking::{DEFAULT_DAILY_QUOTA, DEFAULT_HORIZON_DAYS};
use crate::domain::calendar::{national_holidays, OfficeZone, OpeningHours, WeeklyHours};
use crate::domain::office::{NewOffice, NewService};
use crate::domain::ticket::ServicePrefix;

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
            holidays: &holidays,
        };
        let Some(office_id) = offices::create_if_new(db, &office, now).await? else {
            // Another instance, started at the same moment, is seeding.
            return Ok(false);
        };
        let mut service_ids = Vec::new();
        for (prefix, name_id, name_en) in demo.services {
            let Some(prefix) = ServicePrefix::parse(prefix) else { continue };
            let service = NewService {
                prefix,
                name_id,
                name_en,
                daily_quota: DEFAULT_DAILY_QUOTA,
                horizon_days: DEFAULT_HORIZON_DAYS,
                channels: Default::default(),
                walk_in_reserve: 0,
            };
            service_ids.push((prefix.letter(), offices::add_service(db, office_id, &service).await?));
        }
        for (counter, serves) in demo.counters {
            let ids: Vec<i64> = service_ids
                .iter()
                .filter(|(letter, _)| serves.iter().any(|s| s.starts_with(*letter)))
                .map(|(_, id)| *id)
                .collect();
            offices::save_counter(db, office_id, None, counter, &ids, None)
                .await?
                .map_err(|problem| StoreError::Corrupt(format!("demo counter {counter}: {problem:?}")))?;
        }
    }
    Ok(true)
}
