//! Offices and what belongs to them: opening hours, holidays, services and
//! counters, plus the office page's queue summary.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex};

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use sqlx::{Any, Transaction};

use super::audit::{record, record_change, row_fields};
use super::{millis, parse_date, ColumnValues, Columns, Db, StoreError, StoreResult, AT_COUNTER};
use crate::domain::audit::{Actor, AuditAction, AuditEntry, Fields};
use crate::domain::booking::BookingWindow;
use crate::domain::calendar::{DayStatus, Holiday, OfficeZone, OpeningHours, WeeklyHours, WorkingCalendar};
use crate::domain::counter::CallPolicy;
use crate::domain::office::{NewOffice, NewService, Office, OfficeDetails, Service, ServiceChange, ServiceChannels};
use crate::domain::priority::{PriorityCategory, PriorityMode, PriorityPolicy};
use crate::domain::settings::SettingsProblem;
use crate::domain::ticket::ServicePrefix;
use crate::domain::webhook::{EventSet, WebhookEvent};
use crate::model::{OfficeSummary, OfficeView, ServiceQueue};

fn hh_mm(time: NaiveTime) -> String {
    time.format("%H:%M").to_string()
}

fn parse_time(value: &str) -> StoreResult<NaiveTime> {
    NaiveTime::parse_from_str(value, "%H:%M").map_err(|_| StoreError::Corrupt(format!("time {value:?}")))
}

pub async fn count(db: &Db) -> StoreResult<i64> {
    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM offices").fetch_one(db.reader()).await?)
}

pub async fn create(db: &Db, office: &NewOffice<'_>, now: DateTime<Utc>) -> StoreResult<i64> {
    create_as(db, office, now, None).await
}

/// `create`, or `None` when an office has its address already.
pub async fn create_if_new(db: &Db, office: &NewOffice<'_>, now: DateTime<Utc>) -> StoreResult<Option<i64>> {
    Ok(unique_or(create_as(db, office, now, None).await, SettingsProblem::SlugTaken)?.ok())
}

/// What an admin's audit entry shows of an office: its row's settings.
const OFFICE_AUDITED: &str = "SELECT slug, name, address, time_zone, max_calls, requeue_after, phone_office_day_cap,
    phone_upcoming_cap, release_delay_minutes, reminder_hour, board_announcement, priority_categories, priority_mode,
    priority_every, ordinary_max_wait, priority_online
    FROM offices WHERE id = $1";

async fn create_as(db: &Db, office: &NewOffice<'_>, now: DateTime<Utc>, by: Option<&Actor>) -> StoreResult<i64> {
    let mut tx = db.writer().begin().await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO offices (slug, name, address, time_zone, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(office.slug)
    .bind(office.name)
    .bind(office.address)
    .bind(office.zone.iana_name())
    .bind(millis(now))
    .fetch_one(&mut *tx)
    .await?;
    write_hours(&mut tx, id, &office.hours).await?;
    write_holidays(&mut tx, id, office.holidays).await?;
    if let Some(by) = by {
        let entry = AuditEntry::new(by, Some(id), AuditAction::OfficeCreated, office.slug);
        record_change(&mut tx, OFFICE_AUDITED, id, &Fields::new(), entry).await?;
    }
    tx.commit().await?;
    Ok(id)
}

/// The office's weekly hours as audit fields: weekday (0 = Monday) → "08:00-15:00".
async fn hours_fields(tx: &mut Transaction<'_, Any>, office_id: i64) -> StoreResult<Fields> {
    let rows = sqlx::query("SELECT weekday, opens, closes FROM office_hours WHERE office_id = $1 ORDER BY weekday")
        .bind(office_id)
        .fetch_all(&mut **tx)
        .await?;
    rows.iter()
        .map(|row| {
            let (opens, closes): (String, String) = (row.col("opens")?, row.col("closes")?);
            Ok((row.col::<i64>("weekday")?.to_string(), format!("{opens}-{closes}")))
        })
        .collect()
}

/// Replaces the office's weekly hours inside `tx`: a weekday without hours is closed.
async fn write_hours(tx: &mut Transaction<'_, Any>, office_id: i64, hours: &WeeklyHours) -> StoreResult<()> {
    sqlx::query("DELETE FROM office_hours WHERE office_id = $1").bind(office_id).execute(&mut **tx).await?;
    for (weekday, hours) in hours.0.iter().enumerate() {
        if let Some(hours) = hours {
            sqlx::query("INSERT INTO office_hours (office_id, weekday, opens, closes) VALUES ($1, $2, $3, $4)")
                .bind(office_id)
                .bind(weekday as i64)
                .bind(hh_mm(hours.opens))
                .bind(hh_mm(hours.closes))
                .execute(&mut **tx)
                .await?;
        }
    }
    Ok(())
}

pub async fn add_holidays(db: &Db, office_id: i64, holidays: &[Holiday]) -> StoreResult<()> {
    let mut tx = db.writer().begin().await?;
    write_holidays(&mut tx, office_id, holidays).await?;
    tx.commit().await?;
    Ok(())
}

/// Adds holidays inside `tx`; a date already a holiday takes the new name.
async fn write_holidays(tx: &mut Transaction<'_, Any>, office_id: i64, holidays: &[Holiday]) -> StoreResult<()> {
    for holiday in holidays {
        sqlx::query(
            "INSERT INTO holidays (office_id, date, name) VALUES ($1, $2, $3)
             ON CONFLICT (office_id, date) DO UPDATE SET name = excluded.name",
        )
        .bind(office_id)
        .bind(holiday.date.to_string())
        .bind(&holiday.name)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

pub async fn add_service(db: &Db, office_id: i64, service: &NewService<'_>) -> StoreResult<i64> {
    let mut tx = db.writer().begin().await?;
    let id = insert_service(&mut tx, office_id, service).await?;
    tx.commit().await?;
    Ok(id)
}

async fn insert_service(tx: &mut Transaction<'_, Any>, office_id: i64, service: &NewService<'_>) -> StoreResult<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO services (office_id, prefix, name_id, name_en, daily_quota, horizon_days, channels, walk_in_reserve,
            position)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, (SELECT COUNT(*) FROM services WHERE office_id = $1))
         RETURNING id",
    )
    .bind(office_id)
    .bind(service.prefix.letter().to_string())
    .bind(service.name_id)
    .bind(service.name_en)
    .bind(i64::from(service.daily_quota))
    .bind(i64::from(service.horizon_days))
    .bind(service.channels.as_str())
    .bind(i64::from(service.walk_in_reserve))
    .fetch_one(&mut **tx)
    .await?)
}

pub async fn list(db: &Db) -> StoreResult<Vec<OfficeSummary>> {
    let rows = sqlx::query("SELECT slug, name, address FROM offices ORDER BY name").fetch_all(db.reader()).await?;
    rows.into_iter()
        .map(|row| Ok(OfficeSummary { slug: row.col("slug")?, name: row.col("name")?, address: row.col("address")? }))
        .collect()
}

/// An office by its id, slug and name, for lists that point at offices.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfficeName {
    pub id: i64,
    pub slug: String,
    pub name: String,
}

pub async fn names(db: &Db) -> StoreResult<Vec<OfficeName>> {
    let rows = sqlx::query("SELECT id, slug, name FROM offices ORDER BY name").fetch_all(db.reader()).await?;
    rows.into_iter()
        .map(|row| Ok(OfficeName { id: row.col("id")?, slug: row.col("slug")?, name: row.col("name")? }))
        .collect()
}

/// The columns `load` reads.
const OFFICE_COLUMNS: &str =
    "id, slug, name, address, time_zone, phone_office_day_cap, phone_upcoming_cap, release_delay_minutes,
     reminder_hour, board_announcement, priority_categories, priority_mode, priority_every, ordinary_max_wait,
     priority_online, settings_version";

/// The statements of `find` and `find_by_id`, made once.
static BY_SLUG: LazyLock<String> = LazyLock::new(|| format!("SELECT {OFFICE_COLUMNS} FROM offices WHERE slug = $1"));
static BY_ID: LazyLock<String> = LazyLock::new(|| format!("SELECT {OFFICE_COLUMNS} FROM offices WHERE id = $1"));

pub async fn find(db: &Db, slug: &str) -> StoreResult<Option<Office>> {
    find_where(db, &BY_SLUG, Key::Slug(slug)).await
}

pub async fn find_by_id(db: &Db, id: i64) -> StoreResult<Option<Office>> {
    find_where(db, &BY_ID, Key::Id(id)).await
}

/// The value `find_where`'s statement looks an office up by.
enum Key<'a> {
    Slug(&'a str),
    Id(i64),
}

async fn find_where(db: &Db, sql: &str, key: Key<'_>) -> StoreResult<Option<Office>> {
    let row = match db.point_reads() {
        // Every request about an office asks, so on SQLite its own thread reads it.
        Some(reads) => {
            let value: &dyn rusqlite::ToSql = match &key {
                Key::Slug(slug) => slug,
                Key::Id(id) => id,
            };
            reads.run(|connection| super::native::first_row(connection, sql, &[value], |row| OfficeRow::read(row)))?
        }
        None => {
            let query = match key {
                Key::Slug(slug) => sqlx::query(sql).bind(slug),
                Key::Id(id) => sqlx::query(sql).bind(id),
            };
            query.fetch_optional(db.reader()).await?.as_ref().map(OfficeRow::read).transpose()?
        }
    };
    load(db, row).await
}

/// The office's row (`OFFICE_COLUMNS`), read; `load` adds its settings.
struct OfficeRow {
    id: i64,
    slug: String,
    name: String,
    address: String,
    zone: OfficeZone,
    phone_caps: crate::domain::booking::PhoneCaps,
    release_delay_minutes: u32,
    reminder_hour: u32,
    board_announcement: String,
    priority: PriorityPolicy,
    settings_version: i64,
}

impl OfficeRow {
    fn read(row: &(impl ColumnValues + ?Sized)) -> StoreResult<Self> {
        let zone_name = row.text("time_zone")?;
        Ok(Self {
            id: row.number("id")?,
            slug: row.text("slug")?,
            name: row.text("name")?,
            address: row.text("address")?,
            zone: OfficeZone::from_iana_name(&zone_name)
                .ok_or_else(|| StoreError::Corrupt(format!("zone {zone_name:?}")))?,
            phone_caps: crate::domain::booking::PhoneCaps {
                per_office_day: count_setting(row, "phone_office_day_cap")?,
                upcoming: count_setting(row, "phone_upcoming_cap")?,
            },
            release_delay_minutes: count_setting(row, "release_delay_minutes")?,
            reminder_hour: count_setting(row, "reminder_hour")?,
            board_announcement: row.text("board_announcement")?,
            priority: priority_policy(row)?,
            settings_version: row.number("settings_version")?,
        })
    }
}

/// The office as this instance last read it, without reading it again when
/// there is one (on PostgreSQL; on SQLite it is `find`). The copy may be out
/// of date: it is for a booking, whose transaction checks the office's
/// `settings_version` and works the booking out again when it moved
/// (`tickets::book`). A statement fewer a booking is a seventh of the
/// bookings a second on PostgreSQL (POSTGRES-STATUS.md).
pub async fn find_remembered(db: &Db, slug: &str) -> StoreResult<Option<Office>> {
    match db.remembered_offices.as_ref().and_then(|remembered| remembered.get(slug)) {
        Some(office) => Ok(Some(office)),
        None => find(db, slug).await,
    }
}

/// The offices as last read, by slug (`find_remembered`). Every read of an
/// office renews its copy, so the map holds one entry per office read.
#[derive(Debug, Default, Clone)]
pub(crate) struct Remembered(Arc<Mutex<HashMap<String, Office>>>);

impl Remembered {
    fn get(&self, slug: &str) -> Option<Office> {
        self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).get(slug).cloned()
    }

    /// Keeps `office` unless a newer version is already kept.
    fn keep(&self, office: &Office) {
        let mut offices = self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        match offices.get_mut(&office.slug) {
            Some(kept) if kept.id == office.id && kept.settings_version >= office.settings_version => {}
            Some(kept) => *kept = office.clone(),
            None => {
                offices.insert(office.slug.clone(), office.clone());
            }
        }
    }
}

async fn load(db: &Db, row: Option<OfficeRow>) -> StoreResult<Option<Office>> {
    let Some(row) = row else {
        return Ok(None);
    };
    let settings = match db.office_settings.get(row.id, row.settings_version) {
        Some(settings) => settings,
        None => db.office_settings.keep(row.id, read_settings(db, row.id, row.settings_version).await?),
    };
    let office = Office {
        id: row.id,
        slug: row.slug,
        name: row.name,
        address: row.address,
        zone: row.zone,
        calendar: settings.calendar.clone(),
        phone_caps: row.phone_caps,
        release_delay_minutes: row.release_delay_minutes,
        reminder_hour: row.reminder_hour,
        board_announcement: row.board_announcement,
        priority: row.priority,
        services: settings.services.clone(),
        webhook_events: settings.webhook_events.clone(),
        settings_version: row.settings_version,
    };
    if let Some(remembered) = &db.remembered_offices {
        remembered.keep(&office);
    }
    Ok(Some(office))
}

/// An office's hours, holidays, open services and webhooks' events as of one
/// `settings_version` of its row, which the database bumps at every change of
/// them (migrations 0013 and 0014).
#[derive(Debug)]
pub(crate) struct Settings {
    version: i64,
    calendar: WorkingCalendar,
    services: Vec<Service>,
    webhook_events: Vec<WebhookEvent>,
}

/// The settings of the offices read so far. An entry serves only a row that
/// still has its version, so it is never stale, even when another instance
/// made the change; a booking then reads one row instead of four tables.
#[derive(Debug, Default, Clone)]
pub(crate) struct SettingsCache(Arc<Mutex<HashMap<i64, Arc<Settings>>>>);

impl SettingsCache {
    fn get(&self, office_id: i64, version: i64) -> Option<Arc<Settings>> {
        let offices = self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        offices.get(&office_id).filter(|settings| settings.version == version).cloned()
    }

    /// Keeps `settings` unless a newer version is already kept (a slower read
    /// finishing after a faster one).
    fn keep(&self, office_id: i64, settings: Settings) -> Arc<Settings> {
        let settings = Arc::new(settings);
        let mut offices = self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let kept = offices.entry(office_id).or_insert_with(|| settings.clone());
        if kept.version < settings.version {
            *kept = settings.clone();
        }
        settings
    }
}

async fn read_settings(db: &Db, office_id: i64, version: i64) -> StoreResult<Settings> {
    let mut hours = WeeklyHours([None; 7]);
    for row in sqlx::query("SELECT weekday, opens, closes FROM office_hours WHERE office_id = $1")
        .bind(office_id)
        .fetch_all(db.reader())
        .await?
    {
        let weekday: i64 = row.col("weekday")?;
        let (opens, closes) = (parse_time(row.col("opens")?)?, parse_time(row.col("closes")?)?);
        let slot =
            hours.0.get_mut(weekday as usize).ok_or_else(|| StoreError::Corrupt(format!("weekday {weekday}")))?;
        *slot = Some(OpeningHours::new(opens, closes).ok_or_else(|| StoreError::Corrupt("hours".into()))?);
    }
    let holidays = sqlx::query("SELECT date, name FROM holidays WHERE office_id = $1")
        .bind(office_id)
        .fetch_all(db.reader())
        .await?
        .into_iter()
        .map(|row| Ok(Holiday { date: parse_date(row.col("date")?)?, name: row.col("name")? }))
        .collect::<StoreResult<Vec<_>>>()?;
    let services = sqlx::query(
        "SELECT id, office_id, prefix, name_id, name_en, daily_quota, horizon_days, channels, walk_in_reserve
         FROM services WHERE office_id = $1 AND active = 1 ORDER BY position, prefix",
    )
    .bind(office_id)
    .fetch_all(db.reader())
    .await?
    .iter()
    .map(service_of)
    .collect::<StoreResult<Vec<_>>>()?;
    let subscriptions = sqlx::query("SELECT events FROM webhooks WHERE office_id = $1 AND removed_at IS NULL")
        .bind(office_id)
        .fetch_all(db.reader())
        .await?
        .iter()
        .map(|row| row.col::<String>("events").map(|stored| EventSet::from_stored(&stored)))
        .collect::<StoreResult<Vec<_>>>()?;
    let webhook_events = WebhookEvent::ALL
        .into_iter()
        .filter(|event| subscriptions.iter().flatten().any(|events| events.contains(*event)))
        .collect();
    Ok(Settings { version, calendar: WorkingCalendar::new(hours, holidays), services, webhook_events })
}

fn priority_policy(row: &(impl ColumnValues + ?Sized)) -> StoreResult<PriorityPolicy> {
    let mode = row.text("priority_mode")?;
    Ok(PriorityPolicy {
        categories: PriorityCategory::list_from_str(&row.text("priority_categories")?),
        mode: PriorityMode::parse(&mode, count_setting(row, "priority_every")?)
            .ok_or_else(|| StoreError::Corrupt(format!("priority mode {mode:?}")))?,
        ordinary_max_wait_minutes: count_setting(row, "ordinary_max_wait")?,
        online: count_setting(row, "priority_online")? != 0,
    })
}

/// Sets how the office's counters serve its priority categories.
pub async fn set_priority(db: &Db, office_id: i64, policy: &PriorityPolicy, by: &Actor) -> StoreResult<()> {
    let mut tx = db.writer().begin().await?;
    let before = row_fields(&mut tx, OFFICE_AUDITED, office_id).await?;
    let every = match policy.mode {
        PriorityMode::Every(k) => k,
        PriorityMode::First => PriorityPolicy::default_every(),
    };
    sqlx::query(
        "UPDATE offices SET priority_categories = $2, priority_mode = $3, priority_every = $4,
            ordinary_max_wait = $5, priority_online = $6
         WHERE id = $1",
    )
    .bind(office_id)
    .bind(PriorityCategory::list_to_string(&policy.categories))
    .bind(policy.mode.as_str())
    .bind(i64::from(every))
    .bind(i64::from(policy.ordinary_max_wait_minutes))
    .bind(i64::from(policy.online))
    .execute(&mut *tx)
    .await?;
    let entry = AuditEntry::new(by, Some(office_id), AuditAction::PriorityChanged, office_object(&before));
    record_change(&mut tx, OFFICE_AUDITED, office_id, &before, entry).await?;
    tx.commit().await?;
    Ok(())
}

fn count_setting(row: &(impl ColumnValues + ?Sized), column: &'static str) -> StoreResult<u32> {
    let value = row.number(column)?;
    u32::try_from(value).map_err(|_| StoreError::Corrupt(format!("{column} {value}")))
}

fn service_of(row: &sqlx::any::AnyRow) -> StoreResult<Service> {
    let prefix: String = row.col("prefix")?;
    Ok(Service {
        id: row.col("id")?,
        office_id: row.col("office_id")?,
        prefix: ServicePrefix::parse(&prefix).ok_or_else(|| StoreError::Corrupt(format!("prefix {prefix:?}")))?,
        name_id: row.col("name_id")?,
        name_en: row.col("name_en")?,
        daily_quota: u32::try_from(row.col::<i64>("daily_quota")?).unwrap_or(0),
        horizon_days: u32::try_from(row.col::<i64>("horizon_days")?).unwrap_or(0),
        channels: channels(row)?,
        walk_in_reserve: u32::try_from(row.col::<i64>("walk_in_reserve")?).unwrap_or(0),
    })
}

fn channels(row: &sqlx::any::AnyRow) -> StoreResult<ServiceChannels> {
    let channels: String = row.col("channels")?;
    ServiceChannels::parse(&channels).ok_or_else(|| StoreError::Corrupt(format!("channels {channels:?}")))
}

/// The office page: every active service with today's queue.
pub async fn queue_view(db: &Db, office: &Office, now: DateTime<Utc>) -> StoreResult<OfficeView> {
    let local = office.zone.local(now);
    let today = local.date();
    let rows = sqlx::query(&format!(
        "SELECT s.id, s.prefix, s.name_id, s.name_en, s.daily_quota, s.horizon_days, s.channels,
            (SELECT COUNT(*) FROM tickets t
              WHERE t.service_id = s.id AND t.service_date = $2 AND t.state = 'waiting') AS waiting,
            (SELECT t.display_number FROM tickets t
              WHERE t.service_id = s.id AND t.service_date = $2 AND t.state IN {at_counter}
              ORDER BY t.called_at DESC LIMIT 1) AS now_calling,
            COALESCE((SELECT d.issued FROM service_days d
              WHERE d.service_id = s.id AND d.service_date = $2), 0)
              - (SELECT COUNT(*) FROM tickets t
                  WHERE t.issued_service_id = s.id AND t.service_date = $2 AND t.state = 'cancelled'
                    AND t.cancelled_at <= $3) AS issued,
            COALESCE((SELECT string_agg(c.name, '|' ORDER BY c.id) FROM counter_services cs
              JOIN counters c ON c.id = cs.counter_id WHERE cs.service_id = s.id), '') AS counters
         FROM services s WHERE s.office_id = $1 AND s.active = 1 ORDER BY s.position, s.prefix",
        at_counter = AT_COUNTER.as_str()
    ))
    .bind(office.id)
    .bind(today.to_string())
    .bind(millis(now - chrono::Duration::minutes(office.release_delay_minutes.into())))
    .fetch_all(db.reader())
    .await?;

    let mut horizon = 0;
    let services = rows
        .into_iter()
        .map(|row| {
            horizon = horizon.max(row.col::<i64>("horizon_days")?);
            let counters: String = row.col("counters")?;
            let mut counters: Vec<String> = counters.split('|').filter(|c| !c.is_empty()).map(str::to_string).collect();
            counters.sort();
            Ok(ServiceQueue {
                prefix: row.col("prefix")?,
                name_id: row.col("name_id")?,
                name_en: row.col("name_en")?,
                counters,
                waiting: u32::try_from(row.col::<i64>("waiting")?).unwrap_or(0),
                now_calling: row.col("now_calling")?,
                issued_today: u32::try_from(row.col::<i64>("issued")?).unwrap_or(0),
                daily_quota: u32::try_from(row.col::<i64>("daily_quota")?).unwrap_or(0),
                channels: channels(&row)?,
            })
        })
        .collect::<StoreResult<Vec<_>>>()?;

    let hours_today = match office.calendar.status(today) {
        DayStatus::Open(hours) => Some(hours),
        DayStatus::Closed(_) => None,
    };
    Ok(OfficeView {
        slug: office.slug.clone(),
        name: office.name.clone(),
        address: office.address.clone(),
        zone: office.zone.abbreviation().to_string(),
        today,
        open_now: hours_today.is_some_and(|h| h.is_open_at(local.time())),
        hours_today: hours_today.map(|h| format!("{}–{}", hh_mm(h.opens), hh_mm(h.closes))),
        last_bookable: BookingWindow { now: local, horizon_days: u32::try_from(horizon).unwrap_or(0) }.last_bookable(),
        services,
        priority_categories: office.priority.categories.clone(),
        priority_online: office.priority.online,
    })
}

// --- Settings: what an admin reads and changes of an office's configuration ---

/// A service as its settings form shows it, inactive ones included.
#[derive(Debug, Clone, PartialEq)]
pub struct ServiceSettings {
    pub id: i64,
    pub prefix: ServicePrefix,
    pub name_id: String,
    pub name_en: String,
    pub daily_quota: u32,
    pub horizon_days: u32,
    pub active: bool,
    pub channels: ServiceChannels,
    pub walk_in_reserve: u32,
}

/// A counter as its settings form shows it; `in_use` when calls were made from
/// it, which keeps it from being removed.
#[derive(Debug, Clone, PartialEq)]
pub struct CounterSettings {
    pub id: i64,
    pub name: String,
    pub service_ids: Vec<i64>,
    pub in_use: bool,
}

#[derive(Debug, Clone)]
pub struct OfficeSettings {
    pub office: Office,
    pub policy: CallPolicy,
    /// Holidays from the given day on; past ones no longer matter.
    pub holidays: Vec<Holiday>,
    pub services: Vec<ServiceSettings>,
    pub counters: Vec<CounterSettings>,
}

pub async fn settings(db: &Db, office_id: i64, today: NaiveDate) -> StoreResult<Option<OfficeSettings>> {
    let Some(office) = find_by_id(db, office_id).await? else {
        return Ok(None);
    };
    let (max_calls, requeue_after): (i64, i64) =
        sqlx::query_as("SELECT max_calls, requeue_after FROM offices WHERE id = $1")
            .bind(office_id)
            .fetch_one(db.reader())
            .await?;
    let policy = CallPolicy::from_stored(max_calls, requeue_after);
    let holidays = sqlx::query("SELECT date, name FROM holidays WHERE office_id = $1 AND date >= $2 ORDER BY date")
        .bind(office_id)
        .bind(today.to_string())
        .fetch_all(db.reader())
        .await?
        .into_iter()
        .map(|row| Ok(Holiday { date: parse_date(row.col("date")?)?, name: row.col("name")? }))
        .collect::<StoreResult<Vec<_>>>()?;
    let services = sqlx::query(
        "SELECT id, prefix, name_id, name_en, daily_quota, horizon_days, active, channels, walk_in_reserve
         FROM services WHERE office_id = $1 ORDER BY position, prefix",
    )
    .bind(office_id)
    .fetch_all(db.reader())
    .await?
    .into_iter()
    .map(|row| {
        let prefix: String = row.col("prefix")?;
        Ok(ServiceSettings {
            id: row.col("id")?,
            prefix: ServicePrefix::parse(&prefix).ok_or_else(|| StoreError::Corrupt(format!("prefix {prefix:?}")))?,
            name_id: row.col("name_id")?,
            name_en: row.col("name_en")?,
            daily_quota: u32::try_from(row.col::<i64>("daily_quota")?).unwrap_or(0),
            horizon_days: u32::try_from(row.col::<i64>("horizon_days")?).unwrap_or(0),
            active: row.col::<i64>("active")? != 0,
            channels: channels(&row)?,
            walk_in_reserve: u32::try_from(row.col::<i64>("walk_in_reserve")?).unwrap_or(0),
        })
    })
    .collect::<StoreResult<Vec<_>>>()?;
    let counters = sqlx::query(
        "SELECT c.id, c.name,
            COALESCE((SELECT string_agg(CAST(cs.service_id AS TEXT), '|' ORDER BY cs.service_id)
              FROM counter_services cs WHERE cs.counter_id = c.id), '')
              AS service_ids,
            CASE WHEN EXISTS (SELECT 1 FROM calls WHERE calls.counter_id = c.id)
              OR EXISTS (SELECT 1 FROM tickets t WHERE t.counter_id = c.id) THEN 1 ELSE 0 END AS in_use
         FROM counters c WHERE c.office_id = $1 ORDER BY c.name",
    )
    .bind(office_id)
    .fetch_all(db.reader())
    .await?
    .into_iter()
    .map(|row| {
        let ids: String = row.col("service_ids")?;
        let mut service_ids: Vec<i64> = ids.split('|').filter_map(|id| id.parse().ok()).collect();
        service_ids.sort_unstable();
        Ok(CounterSettings {
            id: row.col("id")?,
            name: row.col("name")?,
            service_ids,
            in_use: row.col::<i64>("in_use")? != 0,
        })
    })
    .collect::<StoreResult<Vec<_>>>()?;
    Ok(Some(OfficeSettings { office, policy, holidays, services, counters }))
}

/// Creates an office with its weekly hours; `Err(SlugTaken)` when another office
/// has the address.
pub async fn create_unique(db: &Db, office: &NewOffice<'_>, by: &Actor) -> StoreResult<Result<i64, SettingsProblem>> {
    unique_or(create_as(db, office, by.at, Some(by)).await, SettingsProblem::SlugTaken)
}

/// A write refused by a unique constraint is the settings `problem`, not a failure.
fn unique_or<T>(written: StoreResult<T>, problem: SettingsProblem) -> StoreResult<Result<T, SettingsProblem>> {
    match written {
        Ok(value) => Ok(Ok(value)),
        Err(StoreError::Database(sqlx::Error::Database(e))) if e.is_unique_violation() => Ok(Err(problem)),
        Err(other) => Err(other),
    }
}

/// The object an office's entries name: its address on the site.
fn office_object(fields: &Fields) -> String {
    fields.get("slug").cloned().unwrap_or_default()
}

pub async fn update_details(db: &Db, office_id: i64, details: &OfficeDetails<'_>, by: &Actor) -> StoreResult<()> {
    let mut tx = db.writer().begin().await?;
    let before = row_fields(&mut tx, OFFICE_AUDITED, office_id).await?;
    sqlx::query(
        "UPDATE offices SET name = $2, address = $3, time_zone = $4, max_calls = $5, requeue_after = $6,
            phone_office_day_cap = $7, phone_upcoming_cap = $8, release_delay_minutes = $9,
            reminder_hour = $10, board_announcement = $11
         WHERE id = $1",
    )
    .bind(office_id)
    .bind(details.name)
    .bind(details.address)
    .bind(details.zone.iana_name())
    .bind(i64::from(details.policy.max_calls))
    .bind(i64::try_from(details.policy.requeue_after).unwrap_or(i64::MAX))
    .bind(i64::from(details.phone_caps.per_office_day))
    .bind(i64::from(details.phone_caps.upcoming))
    .bind(i64::from(details.release_delay_minutes))
    .bind(i64::from(details.reminder_hour))
    .bind(details.board_announcement)
    .execute(&mut *tx)
    .await?;
    let entry = AuditEntry::new(by, Some(office_id), AuditAction::OfficeChanged, office_object(&before));
    record_change(&mut tx, OFFICE_AUDITED, office_id, &before, entry).await?;
    tx.commit().await?;
    Ok(())
}

pub async fn set_hours(db: &Db, office_id: i64, hours: &WeeklyHours, by: &Actor) -> StoreResult<()> {
    let mut tx = db.writer().begin().await?;
    let before = hours_fields(&mut tx, office_id).await?;
    write_hours(&mut tx, office_id, hours).await?;
    let after = hours_fields(&mut tx, office_id).await?;
    let slug = office_object(&row_fields(&mut tx, OFFICE_AUDITED, office_id).await?);
    let entry = AuditEntry::new(by, Some(office_id), AuditAction::HoursChanged, slug);
    record(&mut tx, &entry.with_change(&before, &after)).await?;
    tx.commit().await?;
    Ok(())
}

fn holiday_fields(holiday: &Holiday) -> Fields {
    Fields::from([("date".to_string(), holiday.date.to_string()), ("name".to_string(), holiday.name.clone())])
}

/// Adds a holiday; `Err(HolidayTaken)` when the date already is one.
pub async fn add_holiday(
    db: &Db,
    office_id: i64,
    holiday: &Holiday,
    by: &Actor,
) -> StoreResult<Result<(), SettingsProblem>> {
    let mut tx = db.writer().begin().await?;
    let added = sqlx::query("INSERT INTO holidays (office_id, date, name) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING")
        .bind(office_id)
        .bind(holiday.date.to_string())
        .bind(&holiday.name)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if added != 1 {
        return Ok(Err(SettingsProblem::HolidayTaken));
    }
    let entry = AuditEntry::new(by, Some(office_id), AuditAction::HolidayAdded, holiday.date.to_string());
    record(&mut tx, &entry.with_after(holiday_fields(holiday))).await?;
    tx.commit().await?;
    Ok(Ok(()))
}

pub async fn remove_holiday(db: &Db, office_id: i64, date: NaiveDate, by: &Actor) -> StoreResult<()> {
    let mut tx = db.writer().begin().await?;
    let name: Option<String> =
        sqlx::query_scalar("DELETE FROM holidays WHERE office_id = $1 AND date = $2 RETURNING name")
            .bind(office_id)
            .bind(date.to_string())
            .fetch_optional(&mut *tx)
            .await?;
    // Removing a day that is no holiday changes nothing, and writes nothing.
    if let Some(name) = name {
        let entry = AuditEntry::new(by, Some(office_id), AuditAction::HolidayRemoved, date.to_string());
        let gone = holiday_fields(&Holiday { date, name });
        record(&mut tx, &AuditEntry { before: gone, ..entry }).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// What an admin's audit entry shows of a service.
const SERVICE_AUDITED: &str = "SELECT prefix, name_id, name_en, daily_quota, horizon_days, active, channels,
    walk_in_reserve FROM services WHERE id = $1";

fn service_object(fields: &Fields) -> String {
    let field = |name: &str| fields.get(name).map(String::as_str).unwrap_or_default();
    format!("{} {}", field("prefix"), field("name_id"))
}

/// Changes a service of the office; `false` when the office has no such service.
pub async fn update_service(
    db: &Db,
    office_id: i64,
    service_id: i64,
    change: &ServiceChange<'_>,
    by: &Actor,
) -> StoreResult<bool> {
    let mut tx = db.writer().begin().await?;
    let before = row_fields(&mut tx, SERVICE_AUDITED, service_id).await?;
    let updated = sqlx::query(
        "UPDATE services SET name_id = $3, name_en = $4, daily_quota = $5, horizon_days = $6, active = $7,
            channels = $8, walk_in_reserve = $9
         WHERE id = $2 AND office_id = $1",
    )
    .bind(office_id)
    .bind(service_id)
    .bind(change.name_id)
    .bind(change.name_en)
    .bind(i64::from(change.daily_quota))
    .bind(i64::from(change.horizon_days))
    .bind(i64::from(change.active))
    .bind(change.channels.as_str())
    .bind(i64::from(change.walk_in_reserve))
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if updated != 1 {
        return Ok(false);
    }
    let entry = AuditEntry::new(by, Some(office_id), AuditAction::ServiceChanged, service_object(&before));
    record_change(&mut tx, SERVICE_AUDITED, service_id, &before, entry).await?;
    tx.commit().await?;
    Ok(true)
}

/// Adds a service; `Err(PrefixTaken)` when the office already uses its letter.
pub async fn add_unique_service(
    db: &Db,
    office_id: i64,
    service: &NewService<'_>,
    by: &Actor,
) -> StoreResult<Result<i64, SettingsProblem>> {
    let mut tx = db.writer().begin().await?;
    let added = match unique_or(insert_service(&mut tx, office_id, service).await, SettingsProblem::PrefixTaken)? {
        Ok(id) => id,
        Err(problem) => return Ok(Err(problem)),
    };
    let after = row_fields(&mut tx, SERVICE_AUDITED, added).await?;
    let entry = AuditEntry::new(by, Some(office_id), AuditAction::ServiceCreated, service_object(&after));
    record(&mut tx, &entry.with_after(after)).await?;
    tx.commit().await?;
    Ok(Ok(added))
}

/// Creates (`counter_id` None) or changes a counter: its name and the services
/// it calls, which must be the office's own. `Err(CounterNameTaken)` when
/// another counter of the office has the name; `Ok(None)` for an unknown counter.
/// `by` is `None` only for the demo's seed, which no one did.
pub async fn save_counter(
    db: &Db,
    office_id: i64,
    counter_id: Option<i64>,
    name: &str,
    service_ids: &[i64],
    by: Option<&Actor>,
) -> StoreResult<Result<Option<i64>, SettingsProblem>> {
    let mut tx = db.writer().begin().await?;
    let before = match counter_id {
        Some(id) => counter_fields(&mut tx, office_id, id).await?,
        None => Fields::new(),
    };
    let saved = match counter_id {
        None => {
            sqlx::query_scalar("INSERT INTO counters (office_id, name) VALUES ($1, $2) RETURNING id")
                .bind(office_id)
                .bind(name)
                .fetch_optional(&mut *tx)
                .await
        }
        Some(id) => {
            sqlx::query_scalar("UPDATE counters SET name = $3 WHERE id = $2 AND office_id = $1 RETURNING id")
                .bind(office_id)
                .bind(id)
                .bind(name)
                .fetch_optional(&mut *tx)
                .await
        }
    };
    let id: i64 = match saved {
        Ok(Some(id)) => id,
        Ok(None) => return Ok(Ok(None)),
        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => return Ok(Err(SettingsProblem::CounterNameTaken)),
        Err(other) => return Err(other.into()),
    };
    sqlx::query("DELETE FROM counter_services WHERE counter_id = $1").bind(id).execute(&mut *tx).await?;
    for service_id in service_ids {
        // Only the office's own services: a forged id from another office is skipped.
        sqlx::query(
            "INSERT INTO counter_services (counter_id, service_id)
             SELECT $1, id FROM services WHERE id = $2 AND office_id = $3",
        )
        .bind(id)
        .bind(service_id)
        .bind(office_id)
        .execute(&mut *tx)
        .await?;
    }
    if let Some(by) = by {
        let after = counter_fields(&mut tx, office_id, id).await?;
        let action = if counter_id.is_some() { AuditAction::CounterChanged } else { AuditAction::CounterCreated };
        let entry = AuditEntry::new(by, Some(office_id), action, name);
        record(&mut tx, &entry.with_change(&before, &after)).await?;
    }
    tx.commit().await?;
    Ok(Ok(Some(id)))
}

/// A counter of the office as audit fields: its name and the letters of the services it calls.
async fn counter_fields(tx: &mut Transaction<'_, Any>, office_id: i64, counter_id: i64) -> StoreResult<Fields> {
    let rows = sqlx::query(
        "SELECT c.name, s.prefix FROM counters c
         LEFT JOIN counter_services cs ON cs.counter_id = c.id LEFT JOIN services s ON s.id = cs.service_id
         WHERE c.id = $1 AND c.office_id = $2 ORDER BY s.prefix",
    )
    .bind(counter_id)
    .bind(office_id)
    .fetch_all(&mut **tx)
    .await?;
    let Some(first) = rows.first() else { return Ok(Fields::new()) };
    let prefixes: Vec<String> = rows
        .iter()
        .map(|row| row.col::<Option<String>>("prefix"))
        .collect::<StoreResult<Vec<_>>>()?
        .into_iter()
        .flatten()
        .collect();
    Ok(Fields::from([("name".to_string(), first.col("name")?), ("services".to_string(), prefixes.join(", "))]))
}

/// Removes a counter that never called anyone; `Err(CounterInUse)` otherwise, as
/// its calls are part of the office's records.
pub async fn remove_counter(
    db: &Db,
    office_id: i64,
    counter_id: i64,
    by: &Actor,
) -> StoreResult<Result<(), SettingsProblem>> {
    let mut tx = db.writer().begin().await?;
    let before = counter_fields(&mut tx, office_id, counter_id).await?;
    let removed = sqlx::query(
        "DELETE FROM counters WHERE id = $2 AND office_id = $1
           AND NOT EXISTS (SELECT 1 FROM calls WHERE counter_id = $2)
           AND NOT EXISTS (SELECT 1 FROM tickets WHERE counter_id = $2)",
    )
    .bind(office_id)
    .bind(counter_id)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if removed != 1 {
        return Ok(Err(SettingsProblem::CounterInUse));
    }
    let name = before.get("name").cloned().unwrap_or_default();
    record(&mut tx, &AuditEntry { before, ..AuditEntry::new(by, Some(office_id), AuditAction::CounterRemoved, name) })
        .await?;
    tx.commit().await?;
    Ok(Ok(()))
}
