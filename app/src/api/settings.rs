//! Office settings for admins: the office's details, weekly opening hours,
//! holidays, services (names, daily quota, booking horizon, on or off) and
//! counters. An admin of one office configures that office; an admin without
//! an office configures every office and creates new ones.
//!
//! The forms are plain HTML on server-rendered pages: each function ends by
//! sending the browser back to the settings page (see `return_to_form`).

use leptos::prelude::*;

use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::error::Field;
use crate::model::{AdminOfficesView, OfficeSettingsView};

#[cfg(feature = "ssr")]
mod checks {
    use crate::domain::settings::SettingsProblem;
    use crate::error::{AppError, Field, FieldError, FieldProblem};

    /// Collects every refused value of a form, so all are reported at once.
    #[derive(Default)]
    pub struct Checks(Vec<FieldError>);

    impl Checks {
        pub fn take<T>(&mut self, field: Field, checked: Result<T, SettingsProblem>) -> Option<T> {
            checked.map_err(|problem| self.0.push(FieldError { field, problem: FieldProblem::Settings(problem) })).ok()
        }

        pub fn finish(self) -> Result<(), AppError> {
            if self.0.is_empty() {
                Ok(())
            } else {
                Err(AppError::Invalid(self.0))
            }
        }
    }
}

/// The settings page of an office, and its address for the redirects.
#[cfg(feature = "ssr")]
/// The settings page of the office `slug` as typed: encoded, since a refused
/// form goes back to it whatever was sent.
fn settings_page(slug: &str) -> String {
    format!("/admin/kantor/{}", form_urlencoded::byte_serialize(slug.as_bytes()).collect::<String>())
}

/// The office `slug`, once the caller is known to administer it.
#[cfg(feature = "ssr")]
pub(super) async fn administered_office<F: leptos::server_fn::ServerFn>(
    ctx: &super::server::ServerContext,
    slug: &str,
) -> Result<crate::domain::office::Office, AppError> {
    Ok(office_changed_by::<F>(ctx, slug).await?.0)
}

/// The office an admin changes, and the admin as the audit log names them.
#[cfg(feature = "ssr")]
pub(super) async fn office_changed_by<F: leptos::server_fn::ServerFn>(
    ctx: &super::server::ServerContext,
    slug: &str,
) -> Result<(crate::domain::office::Office, crate::domain::audit::Actor), AppError> {
    let office = super::server::find_office(ctx, slug).await;
    // An unknown office is checked as a foreign one, so only admins of every
    // office learn that it does not exist.
    let caller = super::server::authorize::<F>(ctx, Some(office.as_ref().map_or(-1, |o| o.id))).await?;
    Ok((office?, super::server::actor(ctx, &caller).await?))
}

#[server(prefix = "/api", endpoint = "admin_offices")]
pub async fn load_admin_offices() -> Result<AdminOfficesView, AppError> {
    use super::server::{authorize, context};

    let ctx = context()?;
    let own = super::admin::own_office(&ctx).await?;
    authorize::<LoadAdminOffices>(&ctx, own).await?;
    let offices = crate::store::offices::names(&ctx.db)
        .await?
        .into_iter()
        .filter(|office| own.is_none_or(|own| own == office.id))
        .map(|office| (office.slug, office.name))
        .collect();
    Ok(AdminOfficesView { offices, may_create: own.is_none() })
}

#[server(prefix = "/api", endpoint = "office_settings")]
pub async fn load_office_settings(office: String) -> Result<OfficeSettingsView, AppError> {
    use super::server::context;
    use crate::model::{CounterSettingsRow, ServiceSettingsRow};

    let ctx = context()?;
    let found = administered_office::<LoadOfficeSettings>(&ctx, &office).await?;
    let today = found.zone.local(ctx.clock.now()).date();
    let settings = crate::store::offices::settings(&ctx.db, found.id, today).await?.ok_or(AppError::NotFound)?;
    let time = |t: chrono::NaiveTime| t.format("%H:%M").to_string();
    Ok(OfficeSettingsView {
        slug: settings.office.slug.clone(),
        name: settings.office.name.clone(),
        address: settings.office.address.clone(),
        zone: settings.office.zone.iana_name().to_string(),
        max_calls: settings.policy.max_calls,
        phone_office_day_cap: settings.office.phone_caps.per_office_day,
        phone_upcoming_cap: settings.office.phone_caps.upcoming,
        release_delay: settings.office.release_delay_minutes,
        reminder_hour: settings.office.reminder_hour,
        board_announcement: settings.office.board_announcement.clone(),
        priority: settings.office.priority.clone(),
        requeue_after: u32::try_from(settings.policy.requeue_after).unwrap_or(u32::MAX),
        hours: settings
            .office
            .calendar
            .hours()
            .0
            .iter()
            .map(|day| day.map(|h| (time(h.opens), time(h.closes))))
            .collect(),
        today,
        holidays: settings.holidays.into_iter().map(|h| (h.date, h.name)).collect(),
        services: settings
            .services
            .into_iter()
            .map(|s| ServiceSettingsRow {
                id: s.id,
                prefix: s.prefix.letter().to_string(),
                name_id: s.name_id,
                name_en: s.name_en,
                daily_quota: s.daily_quota,
                horizon_days: s.horizon_days,
                active: s.active,
                channels: s.channels,
                walk_in_reserve: s.walk_in_reserve,
            })
            .collect(),
        counters: settings
            .counters
            .into_iter()
            .map(|c| CounterSettingsRow { id: c.id, name: c.name, service_ids: c.service_ids, in_use: c.in_use })
            .collect(),
    })
}

/// Creates an office, open Monday to Friday 08:00–15:00 until its hours are
/// set, with the national holidays.
#[server(prefix = "/api", endpoint = "create_office")]
pub async fn create_office(slug: String, name: String, address: String, zone: String) -> Result<(), AppError> {
    use super::server::{authorize, context, return_to_form};
    use crate::domain::settings::{parse_zone, starting_hours, OfficeAddress, OfficeName, Slug};

    let ctx = context()?;
    let outcome = async {
        let caller = authorize::<CreateOffice>(&ctx, None).await?;
        let by = super::server::actor(&ctx, &caller).await?;
        let mut checks = checks::Checks::default();
        let slug = checks.take(Field::Slug, Slug::parse(&slug).map(|slug| slug.as_str().to_string()));
        let name = checks.take(Field::Name, OfficeName::parse(&name).map(String::from));
        let address = checks.take(Field::Address, OfficeAddress::parse(&address).map(String::from));
        let zone = checks.take(Field::Zone, parse_zone(&zone));
        checks.finish()?;
        let (Some(slug), Some(name), Some(address), Some(zone)) = (slug, name, address, zone) else {
            return Err(AppError::Internal);
        };
        let holidays = crate::domain::calendar::national_holidays();
        let office = crate::domain::office::NewOffice {
            slug: &slug,
            name: &name,
            address: &address,
            zone,
            hours: starting_hours(),
            holidays: &holidays,
        };
        crate::store::offices::create_unique(&ctx.db, &office, &by)
            .await?
            .map_err(|problem| AppError::settings(Field::Slug, problem))?;
        Ok(slug)
    }
    .await;
    match outcome {
        // A new office opens on its own settings page.
        Ok(slug) => return_to_form::<CreateOffice>(&settings_page(&slug), "kantor", &[], Ok(())),
        Err(error) => return_to_form::<CreateOffice>(
            "/admin/kantor",
            "kantor-baru",
            &[("slug", &slug), ("name", &name), ("address", &address), ("zone", &zone)],
            Err(error),
        ),
    }
}

/// One field per form input.
#[allow(clippy::too_many_arguments)]
#[server(prefix = "/api", endpoint = "save_office_details")]
pub async fn save_office_details(
    office: String,
    name: String,
    address: String,
    zone: String,
    max_calls: String,
    requeue_after: String,
    phone_office_day_cap: String,
    phone_upcoming_cap: String,
    release_delay: String,
    reminder_hour: String,
    #[server(default)] board_announcement: String,
) -> Result<(), AppError> {
    use super::server::{context, return_to_form};
    use crate::domain::booking::PhoneCaps;
    use crate::domain::counter::CallPolicy;
    use crate::domain::settings::{
        parse_max_calls, parse_phone_cap, parse_release_delay, parse_reminder_hour, parse_requeue_after, parse_zone,
        BoardAnnouncement, OfficeAddress, OfficeName,
    };

    let ctx = context()?;
    let outcome = async {
        let (found, by) = office_changed_by::<SaveOfficeDetails>(&ctx, &office).await?;
        let mut checks = checks::Checks::default();
        let name = checks.take(Field::Name, OfficeName::parse(&name).map(String::from));
        let address = checks.take(Field::Address, OfficeAddress::parse(&address).map(String::from));
        let zone = checks.take(Field::Zone, parse_zone(&zone));
        let max_calls = checks.take(Field::MaxCalls, parse_max_calls(&max_calls));
        let requeue_after = checks.take(Field::RequeueAfter, parse_requeue_after(&requeue_after));
        let per_office_day = checks.take(Field::PhoneOfficeDayCap, parse_phone_cap(&phone_office_day_cap));
        let upcoming = checks.take(Field::PhoneUpcomingCap, parse_phone_cap(&phone_upcoming_cap));
        let release_delay_minutes = checks.take(Field::ReleaseDelay, parse_release_delay(&release_delay));
        let reminder_hour = checks.take(Field::ReminderHour, parse_reminder_hour(&reminder_hour));
        let announcement =
            checks.take(Field::BoardAnnouncement, BoardAnnouncement::parse(&board_announcement).map(String::from));
        checks.finish()?;
        let (
            Some(name),
            Some(address),
            Some(zone),
            Some(max_calls),
            Some(requeue_after),
            Some(per_office_day),
            Some(upcoming),
            Some(release_delay_minutes),
            Some(reminder_hour),
            Some(announcement),
        ) = (
            name,
            address,
            zone,
            max_calls,
            requeue_after,
            per_office_day,
            upcoming,
            release_delay_minutes,
            reminder_hour,
            announcement,
        )
        else {
            return Err(AppError::Internal);
        };
        let details = crate::domain::office::OfficeDetails {
            name: &name,
            address: &address,
            zone,
            policy: CallPolicy { max_calls, requeue_after: requeue_after as usize },
            phone_caps: PhoneCaps { per_office_day, upcoming },
            release_delay_minutes,
            reminder_hour,
            board_announcement: &announcement,
        };
        crate::store::offices::update_details(&ctx.db, found.id, &details, &by).await?;
        ctx.hub.counts_changed(found.id);
        Ok(())
    }
    .await;
    let typed = [
        ("name", name.as_str()),
        ("address", &address),
        ("zone", &zone),
        ("max_calls", &max_calls),
        ("requeue_after", &requeue_after),
        ("phone_office_day_cap", &phone_office_day_cap),
        ("phone_upcoming_cap", &phone_upcoming_cap),
        ("release_delay", &release_delay),
        ("reminder_hour", &reminder_hour),
        ("board_announcement", &board_announcement),
    ];
    return_to_form::<SaveOfficeDetails>(&settings_page(&office), "kantor", &typed, outcome)
}

/// How the office's counters serve its priority categories (see
/// `domain::priority`): a checkbox per category, the mode and its k, the
/// ordinary tickets' maximum wait, and whether online booking may declare one.
#[allow(clippy::too_many_arguments)]
#[server(prefix = "/api", endpoint = "save_priority")]
pub async fn save_priority(
    office: String,
    #[server(default)] elderly: String,
    #[server(default)] disabled: String,
    #[server(default)] pregnant: String,
    #[server(default)] with_infant: String,
    #[server(default)] veteran: String,
    mode: String,
    every: String,
    max_wait: String,
    #[server(default)] online: String,
) -> Result<(), AppError> {
    use super::server::{context, return_to_form};
    use crate::domain::priority::{PriorityCategory, PriorityPolicy};
    use crate::domain::settings::{parse_ordinary_max_wait, parse_priority_mode};

    let ticked = |value: &str| !value.is_empty();
    let ctx = context()?;
    let outcome = async {
        let (found, by) = office_changed_by::<SavePriority>(&ctx, &office).await?;
        let mut checks = checks::Checks::default();
        let parsed_mode = checks.take(Field::PriorityMode, parse_priority_mode(&mode, &every));
        let parsed_wait = checks.take(Field::OrdinaryMaxWait, parse_ordinary_max_wait(&max_wait));
        checks.finish()?;
        let (Some(mode), Some(ordinary_max_wait_minutes)) = (parsed_mode, parsed_wait) else {
            return Err(AppError::Internal);
        };
        let boxes = [&elderly, &disabled, &pregnant, &with_infant, &veteran];
        let categories =
            PriorityCategory::ALL.into_iter().zip(boxes).filter(|(_, b)| ticked(b)).map(|(c, _)| c).collect();
        let policy = PriorityPolicy { categories, mode, ordinary_max_wait_minutes, online: ticked(&online) };
        crate::store::offices::set_priority(&ctx.db, found.id, &policy, &by).await?;
        Ok(())
    }
    .await;
    // An unticked box is sent back as absent, as the browser sent it.
    let typed: Vec<(&str, &str)> = [
        ("elderly", elderly.as_str()),
        ("disabled", &disabled),
        ("pregnant", &pregnant),
        ("with_infant", &with_infant),
        ("veteran", &veteran),
        ("mode", &mode),
        ("every", &every),
        ("max_wait", &max_wait),
        ("online", &online),
    ]
    .into_iter()
    .filter(|(_, value)| !value.is_empty())
    .collect();
    return_to_form::<SavePriority>(&settings_page(&office), "prioritas", &typed, outcome)
}

/// One weekday of the opening-hours form.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct DayHoursForm {
    /// Present ("on") when the office opens that day.
    #[serde(default)]
    pub open: Option<String>,
    #[serde(default)]
    pub opens: String,
    #[serde(default)]
    pub closes: String,
}

/// Sets the opening hours of all seven weekdays at once, keyed by weekday
/// (Monday = 0); a weekday the form leaves out is closed.
#[server(prefix = "/api", endpoint = "save_opening_hours")]
pub async fn save_opening_hours(
    office: String,
    #[server(default)] hours: std::collections::BTreeMap<u8, DayHoursForm>,
) -> Result<(), AppError> {
    use super::server::{context, return_to_form};
    use crate::domain::calendar::WeeklyHours;
    use crate::domain::settings::parse_day_hours;

    let ctx = context()?;
    let outcome = async {
        let (found, by) = office_changed_by::<SaveOpeningHours>(&ctx, &office).await?;
        let mut checks = checks::Checks::default();
        let mut week = WeeklyHours([None; 7]);
        for (weekday, slot) in week.0.iter_mut().enumerate() {
            let day = hours.get(&(weekday as u8)).cloned().unwrap_or_default();
            let field = Field::Weekday(weekday as u8);
            *slot = checks.take(field, parse_day_hours(day.open.is_some(), &day.opens, &day.closes)).flatten();
        }
        checks.finish()?;
        crate::store::offices::set_hours(&ctx.db, found.id, &week, &by).await?;
        ctx.hub.counts_changed(found.id);
        Ok(())
    }
    .await;
    let names: Vec<[String; 3]> =
        hours.keys().map(|day| ["open", "opens", "closes"].map(|part| format!("hours[{day}][{part}]"))).collect();
    let mut typed = Vec::new();
    for (day, [open, opens, closes]) in hours.values().zip(&names) {
        if let Some(on) = &day.open {
            typed.push((open.as_str(), on.as_str()));
        }
        typed.push((opens.as_str(), day.opens.as_str()));
        typed.push((closes.as_str(), day.closes.as_str()));
    }
    return_to_form::<SaveOpeningHours>(&settings_page(&office), "jam-buka", &typed, outcome)
}

#[server(prefix = "/api", endpoint = "add_holiday")]
pub async fn add_holiday(office: String, date: String, name: String) -> Result<(), AppError> {
    use super::server::{context, return_to_form};
    use crate::domain::calendar::Holiday;
    use crate::domain::settings::{parse_holiday, HolidayName};

    let ctx = context()?;
    let outcome = async {
        let (found, by) = office_changed_by::<AddHoliday>(&ctx, &office).await?;
        let today = found.zone.local(ctx.clock.now()).date();
        let mut checks = checks::Checks::default();
        let day = checks.take(Field::Date, parse_holiday(&date, today));
        let label = checks.take(Field::Name, HolidayName::parse(&name).map(String::from));
        checks.finish()?;
        let (Some(date), Some(name)) = (day, label) else { return Err(AppError::Internal) };
        crate::store::offices::add_holiday(&ctx.db, found.id, &Holiday { date, name: name.clone() }, &by)
            .await?
            .map_err(|problem| AppError::settings(Field::Date, problem))?;
        // Numbers already booked for that day move to the next working day with room, and are told.
        let closed = crate::store::offices::find_by_id(&ctx.db, found.id).await?;
        let closed = closed.ok_or(AppError::NotFound)?;
        let now = ctx.clock.now();
        let moved = crate::store::tickets::move_off_closed_day(&ctx.db, &closed, date, now).await?;
        let (origin, email) = (ctx.public_url.origin(), ctx.notifier.sends_email());
        let written = crate::store::notifications::after_move(&ctx.db, &moved, &name, &origin, email, now).await;
        ctx.notifier.after_writing(written, "bookings moved off a new holiday");
        ctx.hub.counts_changed(found.id);
        Ok(())
    }
    .await;
    return_to_form::<AddHoliday>(&settings_page(&office), "libur", &[("date", &date), ("name", &name)], outcome)
}

#[server(prefix = "/api", endpoint = "remove_holiday")]
pub async fn remove_holiday(office: String, date: String) -> Result<(), AppError> {
    use super::server::{context, return_to_form};

    let ctx = context()?;
    let outcome = async {
        let (found, by) = office_changed_by::<RemoveHoliday>(&ctx, &office).await?;
        let date = date.parse().map_err(|_| AppError::NotFound)?;
        crate::store::offices::remove_holiday(&ctx.db, found.id, date, &by).await?;
        ctx.hub.counts_changed(found.id);
        Ok(())
    }
    .await;
    return_to_form::<RemoveHoliday>(&settings_page(&office), "libur", &[], outcome)
}

/// Creates a service (no `service` id) or changes one. The letter is given only
/// when creating: numbers already issued carry it.
#[server(prefix = "/api", endpoint = "save_service")]
#[allow(clippy::too_many_arguments)]
pub async fn save_service(
    office: String,
    #[server(default)] service: String,
    #[server(default)] prefix: String,
    name_id: String,
    name_en: String,
    daily_quota: String,
    horizon_days: String,
    #[server(default)] active: Option<String>,
    #[server(default)] channels: String,
    #[server(default)] walk_in_reserve: String,
) -> Result<(), AppError> {
    use super::server::{context, return_to_form};
    use crate::domain::office::{NewService, ServiceChange, ServiceChannels};
    use crate::domain::settings::{
        parse_channels, parse_horizon, parse_prefix, parse_quota, parse_walk_in_reserve, ServiceName,
    };

    let ctx = context()?;
    let existing = service.trim().parse::<i64>().ok();
    let outcome = async {
        let (found, by) = office_changed_by::<SaveService>(&ctx, &office).await?;
        let mut checks = checks::Checks::default();
        let letter = match existing {
            Some(_) => None,
            None => checks.take(Field::Prefix, parse_prefix(&prefix)),
        };
        let name_id = checks.take(Field::NameId, ServiceName::parse(&name_id).map(String::from));
        let name_en = checks.take(Field::NameEn, ServiceName::parse(&name_en).map(String::from));
        let quota = checks.take(Field::Quota, parse_quota(&daily_quota));
        let horizon = checks.take(Field::Horizon, parse_horizon(&horizon_days));
        // A form from before the setting existed keeps the default.
        let channels = match channels.as_str() {
            "" => Some(ServiceChannels::default()),
            chosen => checks.take(Field::Channels, parse_channels(chosen)),
        };
        let reserve = checks.take(Field::WalkInReserve, parse_walk_in_reserve(&walk_in_reserve, quota));
        checks.finish()?;
        let (
            Some(name_id),
            Some(name_en),
            Some(daily_quota),
            Some(horizon_days),
            Some(channels),
            Some(walk_in_reserve),
        ) = (name_id, name_en, quota, horizon, channels, reserve)
        else {
            return Err(AppError::Internal);
        };
        match (existing, letter) {
            (Some(id), _) => {
                let change = ServiceChange {
                    name_id: &name_id,
                    name_en: &name_en,
                    daily_quota,
                    horizon_days,
                    active: active.is_some(),
                    channels,
                    walk_in_reserve,
                };
                if !crate::store::offices::update_service(&ctx.db, found.id, id, &change, &by).await? {
                    return Err(AppError::NotFound);
                }
            }
            (None, Some(prefix)) => {
                let new = NewService {
                    prefix,
                    name_id: &name_id,
                    name_en: &name_en,
                    daily_quota,
                    horizon_days,
                    channels,
                    walk_in_reserve,
                };
                crate::store::offices::add_unique_service(&ctx.db, found.id, &new, &by)
                    .await?
                    .map_err(|problem| AppError::settings(Field::Prefix, problem))?;
            }
            (None, None) => return Err(AppError::Internal),
        }
        ctx.hub.counts_changed(found.id);
        Ok(())
    }
    .await;
    let form = existing.map_or_else(|| "layanan-baru".to_string(), |id| format!("layanan-{id}"));
    let mut typed = vec![
        ("prefix", prefix.as_str()),
        ("name_id", &name_id),
        ("name_en", &name_en),
        ("daily_quota", &daily_quota),
        ("horizon_days", &horizon_days),
        ("channels", &channels),
        ("walk_in_reserve", &walk_in_reserve),
    ];
    if let Some(on) = &active {
        typed.push(("active", on));
    }
    return_to_form::<SaveService>(&settings_page(&office), &form, &typed, outcome)
}

/// Creates a counter (no `counter` id) or changes its name and services.
#[server(prefix = "/api", endpoint = "save_counter")]
pub async fn save_counter(
    office: String,
    #[server(default)] counter: String,
    name: String,
    #[server(default)] services: Vec<i64>,
) -> Result<(), AppError> {
    use super::server::{context, return_to_form};
    use crate::domain::settings::{check_counter_services, CounterName};

    let ctx = context()?;
    let existing = counter.trim().parse::<i64>().ok();
    let outcome = async {
        let (found, by) = office_changed_by::<SaveCounter>(&ctx, &office).await?;
        let mut checks = checks::Checks::default();
        let label = checks.take(Field::Name, CounterName::parse(&name).map(String::from));
        checks.take(Field::Services, check_counter_services(&services));
        checks.finish()?;
        let Some(name) = label else { return Err(AppError::Internal) };
        crate::store::offices::save_counter(&ctx.db, found.id, existing, &name, &services, Some(&by))
            .await?
            .map_err(|problem| AppError::settings(Field::Name, problem))?
            .ok_or(AppError::NotFound)?;
        ctx.hub.counts_changed(found.id);
        Ok(())
    }
    .await;
    let form = existing.map_or_else(|| "loket-baru".to_string(), |id| format!("loket-{id}"));
    let chosen: Vec<(String, String)> =
        services.iter().enumerate().map(|(i, id)| (format!("services[{i}]"), id.to_string())).collect();
    let mut typed = vec![("name", name.as_str())];
    typed.extend(chosen.iter().map(|(key, id)| (key.as_str(), id.as_str())));
    return_to_form::<SaveCounter>(&settings_page(&office), &form, &typed, outcome)
}

#[server(prefix = "/api", endpoint = "remove_counter")]
pub async fn remove_counter(office: String, counter: i64) -> Result<(), AppError> {
    use super::server::{context, return_to_form};
    use crate::error::Field;

    let ctx = context()?;
    let outcome = async {
        let (found, by) = office_changed_by::<RemoveCounter>(&ctx, &office).await?;
        crate::store::offices::remove_counter(&ctx.db, found.id, counter, &by)
            .await?
            .map_err(|problem| AppError::settings(Field::Name, problem))?;
        ctx.hub.counts_changed(found.id);
        Ok(())
    }
    .await;
    return_to_form::<RemoveCounter>(&settings_page(&office), &format!("loket-{counter}"), &[], outcome)
}

/// The office's report for service dates `from` to `until` (both included; an
/// empty date means today).
#[server(prefix = "/api", endpoint = "office_report")]
pub async fn load_report(
    office: String,
    #[server(default)] from: String,
    #[server(default)] until: String,
) -> Result<crate::model::ReportView, AppError> {
    let ctx = super::server::context()?;
    load_report_as::<LoadReport>(&ctx, &office, &from, &until).await
}

/// The report, once the caller is known to hold the permission of `F`.
#[cfg(feature = "ssr")]
async fn load_report_as<F: leptos::server_fn::ServerFn>(
    ctx: &super::server::ServerContext,
    office: &str,
    from: &str,
    until: &str,
) -> Result<crate::model::ReportView, AppError> {
    let found = administered_office::<F>(ctx, office).await?;
    report_of(ctx, &found, from, until).await
}

/// The report of `found` for the period `from`–`until` (dates as typed; an
/// empty one is today), whoever asks: the caller was checked already.
#[cfg(feature = "ssr")]
async fn report_of(
    ctx: &super::server::ServerContext,
    found: &crate::domain::office::Office,
    from: &str,
    until: &str,
) -> Result<crate::model::ReportView, AppError> {
    let (from, until, report) = report_figures(ctx, found, from, until).await?;
    let today = found.zone.local(ctx.clock.now()).date();
    let comments = crate::store::feedback::comments(&ctx.db, found, from, until).await?;
    let settings = crate::store::offices::settings(&ctx.db, found.id, today).await?.ok_or(AppError::NotFound)?;
    Ok(crate::model::ReportView {
        slug: found.slug.clone(),
        office_name: found.name.clone(),
        from,
        until,
        service_names: settings
            .services
            .into_iter()
            .map(|s| (s.prefix.letter().to_string(), s.name_id, s.name_en))
            .collect(),
        report,
        comments,
    })
}

/// The report's figures alone (what the API answers): the period checked,
/// then the tickets of that period summarized.
#[cfg(feature = "ssr")]
pub(super) async fn report_figures(
    ctx: &super::server::ServerContext,
    found: &crate::domain::office::Office,
    from: &str,
    until: &str,
) -> Result<(chrono::NaiveDate, chrono::NaiveDate, crate::domain::report::Report), AppError> {
    use crate::domain::report::{check_period, summarize};
    use crate::error::{Field, FieldProblem};

    let today = found.zone.local(ctx.clock.now()).date();
    let date = |value: &str| match value.trim() {
        "" => Ok(today),
        value => value.parse().map_err(|_| AppError::field(Field::Date, FieldProblem::BadDate)),
    };
    let (from, until) = check_period(date(from)?, date(until)?)
        .map_err(|problem| AppError::field(Field::Date, FieldProblem::Period(problem)))?;
    let tickets = crate::store::tickets::report_facts(&ctx.db, found, from, until).await?;
    let report = summarize(&tickets, |date| {
        found.calendar.hours().on(date).map(|hours| found.zone.instant(date.and_time(hours.opens)))
    });
    Ok((from, until, report))
}

/// The same report as a CSV file for spreadsheets: one line per service, per
/// day and per counter. A plain link downloads it.
#[server(
    prefix = "/api",
    endpoint = "office_report.csv",
    input = leptos::server_fn::codec::GetUrl,
    output = leptos::server_fn::codec::StreamingText
)]
pub async fn report_csv(
    office: String,
    #[server(default)] from: String,
    #[server(default)] until: String,
) -> Result<leptos::server_fn::codec::TextStream<AppError>, AppError> {
    use super::server::context;

    let ctx = context()?;
    let view = load_report_as::<ReportCsv>(&ctx, &office, &from, &until).await?;
    let csv = view.to_csv(super::server::request_lang());
    Ok(super::server::csv_file(&format!("laporan-{}-{}-{}.csv", view.slug, view.from, view.until), csv))
}
