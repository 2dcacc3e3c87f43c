//! Admin pages for office settings: the offices an admin runs, and one office's
//! details, opening hours, holidays, services and counters. Plain HTML forms
//! that post to the settings server functions and are rendered on the server
//! only, so they add nothing to the browser bundle and work without JavaScript.
//! A refused form comes back with what was typed and the reason next to each
//! field it concerns.

use leptos::prelude::*;
use leptos::server_fn::error::ServerFnUrlError;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};
use leptos_router::params::ParamsMap;

use super::components::{fetch, ErrorNotice};
use super::use_lang;
use crate::api::{
    load_admin_offices, load_office_settings, AddHoliday, CreateOffice, RemoveCounter, RemoveHoliday, SaveCounter,
    SaveOfficeDetails, SaveOpeningHours, SavePriority, SaveService,
};
use crate::domain::calendar::OfficeZone;
use crate::domain::office::ServiceChannels;
use crate::domain::priority::{PriorityCategory, PriorityMode, PriorityPolicy};
use crate::domain::settings::{
    BoardAnnouncement, CounterName, HolidayName, OfficeAddress, OfficeName, ServiceName, SettingsProblem, Slug,
    MAX_CALLS, MAX_DAILY_QUOTA, MAX_HORIZON_DAYS, MAX_ORDINARY_WAIT_MINUTES, MAX_PHONE_CAP, MAX_PRIORITY_EVERY,
    MAX_RELEASE_DELAY_MINUTES, MAX_REQUEUE_AFTER,
};
use crate::error::{AppError, Field, FieldProblem};
use crate::i18n::{admin_text, app_error, long_date, priority_name, settings_problem, weekday_name, AdminText, Lang};
use crate::model::{CounterSettingsRow, OfficeSettingsView, ServiceSettingsRow};

/// What the last settings form sent back in this page's address.
struct Returned {
    query: ParamsMap,
    error: Option<AppError>,
}

impl Returned {
    fn read() -> Self {
        let query = use_query_map().get_untracked();
        let error = query.get_str("__err").map(ServerFnUrlError::<AppError>::decode_err);
        Self { query, error }
    }

    fn refusal(&self, form: &str) -> Option<&AppError> {
        self.error.as_ref().filter(|_| self.query.get_str("form") == Some(form))
    }

    fn problem(&self, form: &str, field: Field) -> Option<SettingsProblem> {
        match self.refusal(form)?.field_problem(field)? {
            FieldProblem::Settings(problem) => Some(problem),
            _ => None,
        }
    }

    /// The value to show: what was typed if this form was refused, else the saved one.
    fn value(&self, form: &str, name: &str, saved: impl ToString) -> String {
        match self.refusal(form) {
            Some(_) => self.query.get(name).unwrap_or_default(),
            None => saved.to_string(),
        }
    }

    fn ticked(&self, form: &str, name: &str, saved: bool) -> bool {
        match self.refusal(form) {
            Some(_) => self.query.get_str(name).is_some(),
            None => saved,
        }
    }

    /// The services ticked on a refused counter form, else the saved ones.
    fn chosen(&self, form: &str, saved: &[i64]) -> Vec<i64> {
        match self.refusal(form) {
            Some(_) => (0..64).filter_map(|i| self.query.get_str(&format!("services[{i}]"))?.parse().ok()).collect(),
            None => saved.to_vec(),
        }
    }
}

/// "Saved." or why the form was refused, at the top of the form.
fn form_notice(lang: Lang, returned: &Returned, form: &str) -> impl IntoView {
    let saved = returned.query.get_str("disimpan") == Some(form);
    let refusal = returned.refusal(form).map(|error| match error {
        AppError::Invalid(_) => admin_text(lang, AdminText::NotSaved).to_string(),
        error => app_error(lang, error),
    });
    view! {
        {saved.then(|| view! { <p class="notice notice-success" role="status">{admin_text(lang, AdminText::Saved)}</p> })}
        {refusal.map(|text| view! { <p class="notice notice-error" role="alert">{text}</p> })}
    }
}

/// A labelled input with the reason it was refused, if it was.
fn field(lang: Lang, label: AdminText, input: impl IntoView, problem: Option<SettingsProblem>) -> impl IntoView {
    view! {
        <label class="field" class:invalid=problem.is_some()>
            <span>{admin_text(lang, label)}</span>
            {input}
            {problem.map(|problem| view! { <span class="field-error">{settings_problem(lang, problem)}</span> })}
        </label>
    }
}

fn text_input(name: &'static str, value: String, min: u8, max: u8) -> impl IntoView {
    view! { <input type="text" name=name value=value minlength=min maxlength=max required={min > 0} /> }
}

fn number_input(name: &'static str, value: String, max: u32) -> impl IntoView {
    view! { <input type="number" name=name value=value min="0" max=max step="1" inputmode="numeric" required /> }
}

fn zone_select(chosen: String) -> impl IntoView {
    let zones = [OfficeZone::Wib, OfficeZone::Wita, OfficeZone::Wit];
    view! {
        <select name="zone">
            {zones
                .into_iter()
                .map(|zone| {
                    let label = format!("{} — {}", zone.abbreviation(), zone.iana_name());
                    view! { <option value=zone.iana_name() selected={chosen == zone.iana_name()}>{label}</option> }
                })
                .collect_view()}
        </select>
    }
}

#[component]
pub fn AdminOfficesPage() -> impl IntoView {
    let lang = use_lang().get_untracked();
    let returned = Returned::read();
    let offices = fetch(load_admin_offices());
    view! {
        <Title text=admin_text(lang, AdminText::OfficesTitle) />
        <h1>{admin_text(lang, AdminText::OfficesTitle)}</h1>
        <p class="lead">{admin_text(lang, AdminText::OfficesIntro)}</p>
        {Suspend::new(async move {
            match offices.await {
                Ok(view) => {
                    let form = "kantor-baru";
                    view! {
                        <ul class="office-list admin-offices">
                            {view
                                .offices
                                .into_iter()
                                .map(|(slug, name)| view! {
                                    <li class="card">
                                        <strong>{name}</strong>
                                        <span class="row-actions">
                                            <a class="button" href=format!("/admin/kantor/{slug}")>{admin_text(lang, AdminText::SettingsLink)}</a>
                                            <a class="button" href=format!("/admin/kantor/{slug}/laporan")>{admin_text(lang, AdminText::ReportLink)}</a>
                                        </span>
                                    </li>
                                })
                                .collect_view()}
                        </ul>
                        {view.may_create.then(|| view! {
                            <section class="card staff-section" id=form>
                                <h2>{admin_text(lang, AdminText::NewOffice)}</h2>
                                {form_notice(lang, &returned, form)}
                                <form method="post" action={<CreateOffice as ServerFn>::PATH} class="settings-form">
                                    {field(lang, AdminText::Slug, view! {
                                        <input type="text" name="slug" value=returned.value(form, "slug", "") required minlength=Slug::MIN maxlength=Slug::MAX />
                                        <span class="hint">{admin_text(lang, AdminText::SlugHint)}</span>
                                    }, returned.problem(form, Field::Slug))}
                                    {field(lang, AdminText::OfficeName, text_input("name", returned.value(form, "name", ""), OfficeName::MIN, OfficeName::MAX), returned.problem(form, Field::Name))}
                                    {field(lang, AdminText::Address, text_input("address", returned.value(form, "address", ""), OfficeAddress::MIN, OfficeAddress::MAX), returned.problem(form, Field::Address))}
                                    {field(lang, AdminText::Zone, zone_select(returned.value(form, "zone", OfficeZone::Wita.iana_name())), returned.problem(form, Field::Zone))}
                                    <button type="submit" class="button button-primary">{admin_text(lang, AdminText::Create)}</button>
                                </form>
                            </section>
                        })}
                    }
                    .into_any()
                }
                Err(error) => view! { <ErrorNotice error /> }.into_any(),
            }
        })}
    }
}

#[component]
pub fn OfficeSettingsPage() -> impl IntoView {
    let lang = use_lang().get_untracked();
    let slug = use_params_map().read_untracked().get("office").unwrap_or_default();
    let settings = fetch(load_office_settings(slug));
    view! {
        {Suspend::new(async move {
            match settings.await {
                Ok(settings) => view! { <OfficeSettings lang settings /> }.into_any(),
                Err(error) => view! { <ErrorNotice error /> }.into_any(),
            }
        })}
    }
}

#[component]
fn OfficeSettings(lang: Lang, settings: OfficeSettingsView) -> impl IntoView {
    let returned = Returned::read();
    let slug = settings.slug.clone();
    let services: Vec<(i64, String)> = settings.services.iter().map(|s| (s.id, s.prefix.clone())).collect();
    view! {
        <Title text=settings.name.clone() />
        <p class="crumbs"><a href="/admin/kantor">{admin_text(lang, AdminText::OfficesTitle)}</a></p>
        <h1>{settings.name.clone()}</h1>
        <p class="row-actions">
            <a class="button" href=format!("/kantor/{slug}")>{admin_text(lang, AdminText::OfficePageLink)}</a>
            <a class="button" href=format!("/admin/kantor/{slug}/laporan")>{admin_text(lang, AdminText::ReportLink)}</a>
            <a class="button" href=format!("/admin/kantor/{slug}/kotak-keluar")>{admin_text(lang, AdminText::OutboxLink)}</a>
            <a class="button" href=format!("/admin/kunci-api/{slug}")>{admin_text(lang, AdminText::ApiKeysLink)}</a>
            <a class="button" href=format!("/admin/kantor/{slug}/webhook")>{admin_text(lang, AdminText::WebhookLink)}</a>
        </p>
        {details_form(lang, &returned, &settings)}
        {priority_form(lang, &returned, &settings)}
        {hours_form(lang, &returned, &settings)}
        {holidays_section(lang, &returned, &settings)}
        <section class="card staff-section" id="layanan">
            <h2>{admin_text(lang, AdminText::Services)}</h2>
            <p class="hint">{admin_text(lang, AdminText::ServicesHint)}</p>
            {settings.services.iter().map(|service| service_form(lang, &returned, &slug, Some(service))).collect_view()}
            <h3>{admin_text(lang, AdminText::NewService)}</h3>
            {service_form(lang, &returned, &slug, None)}
        </section>
        <section class="card staff-section" id="loket">
            <h2>{admin_text(lang, AdminText::Counters)}</h2>
            {settings.counters.iter().map(|counter| counter_form(lang, &returned, &slug, &services, Some(counter))).collect_view()}
            <h3>{admin_text(lang, AdminText::NewCounter)}</h3>
            {counter_form(lang, &returned, &slug, &services, None)}
        </section>
    }
}

fn details_form(lang: Lang, returned: &Returned, settings: &OfficeSettingsView) -> impl IntoView {
    let form = "kantor";
    view! {
        <section class="card staff-section" id=form>
            <h2>{admin_text(lang, AdminText::Details)}</h2>
            {form_notice(lang, returned, form)}
            <form method="post" action={<SaveOfficeDetails as ServerFn>::PATH} class="settings-form">
                <input type="hidden" name="office" value=settings.slug.clone() />
                {field(lang, AdminText::OfficeName, text_input("name", returned.value(form, "name", &settings.name), OfficeName::MIN, OfficeName::MAX), returned.problem(form, Field::Name))}
                {field(lang, AdminText::Address, text_input("address", returned.value(form, "address", &settings.address), OfficeAddress::MIN, OfficeAddress::MAX), returned.problem(form, Field::Address))}
                {field(lang, AdminText::Zone, zone_select(returned.value(form, "zone", &settings.zone)), returned.problem(form, Field::Zone))}
                {field(lang, AdminText::MaxCalls, view! {
                    <input type="number" name="max_calls" value=returned.value(form, "max_calls", settings.max_calls) min="1" max=MAX_CALLS step="1" required />
                    <span class="hint">{admin_text(lang, AdminText::MaxCallsHint)}</span>
                }, returned.problem(form, Field::MaxCalls))}
                {field(lang, AdminText::RequeueAfter, view! {
                    <input type="number" name="requeue_after" value=returned.value(form, "requeue_after", settings.requeue_after) min="0" max=MAX_REQUEUE_AFTER step="1" required />
                    <span class="hint">{admin_text(lang, AdminText::RequeueAfterHint)}</span>
                }, returned.problem(form, Field::RequeueAfter))}
                {field(lang, AdminText::PhoneOfficeDayCap, view! {
                    <input type="number" name="phone_office_day_cap" value=returned.value(form, "phone_office_day_cap", settings.phone_office_day_cap) min="1" max=MAX_PHONE_CAP step="1" required />
                    <span class="hint">{admin_text(lang, AdminText::PhoneOfficeDayCapHint)}</span>
                }, returned.problem(form, Field::PhoneOfficeDayCap))}
                {field(lang, AdminText::PhoneUpcomingCap, view! {
                    <input type="number" name="phone_upcoming_cap" value=returned.value(form, "phone_upcoming_cap", settings.phone_upcoming_cap) min="1" max=MAX_PHONE_CAP step="1" required />
                    <span class="hint">{admin_text(lang, AdminText::PhoneUpcomingCapHint)}</span>
                }, returned.problem(form, Field::PhoneUpcomingCap))}
                {field(lang, AdminText::ReleaseDelay, view! {
                    <input type="number" name="release_delay" value=returned.value(form, "release_delay", settings.release_delay) min="0" max=MAX_RELEASE_DELAY_MINUTES step="1" required />
                    <span class="hint">{admin_text(lang, AdminText::ReleaseDelayHint)}</span>
                }, returned.problem(form, Field::ReleaseDelay))}
                {field(lang, AdminText::ReminderHour, view! {
                    <input type="number" name="reminder_hour" value=returned.value(form, "reminder_hour", settings.reminder_hour) min="0" max="23" step="1" required />
                    <span class="hint">{admin_text(lang, AdminText::ReminderHourHint)}</span>
                }, returned.problem(form, Field::ReminderHour))}
                {field(lang, AdminText::BoardAnnouncement, view! {
                    {text_input("board_announcement", returned.value(form, "board_announcement", &settings.board_announcement), BoardAnnouncement::MIN, BoardAnnouncement::MAX)}
                    <span class="hint">{admin_text(lang, AdminText::BoardAnnouncementHint)}</span>
                }, returned.problem(form, Field::BoardAnnouncement))}
                <button type="submit" class="button button-primary">{admin_text(lang, AdminText::Save)}</button>
            </form>
        </section>
    }
}

fn priority_form(lang: Lang, returned: &Returned, settings: &OfficeSettingsView) -> impl IntoView {
    let form = "prioritas";
    let policy = &settings.priority;
    let every = match policy.mode {
        PriorityMode::Every(k) => k,
        PriorityMode::First => PriorityPolicy::default_every(),
    };
    let mode = returned.value(form, "mode", policy.mode.as_str());
    let boxes = PriorityCategory::ALL.map(|category| {
        let ticked = returned.ticked(form, category.as_str(), policy.categories.contains(&category));
        view! {
            <label class="inline">
                <input type="checkbox" name=category.as_str() checked=ticked /> " " {priority_name(lang, category)}
            </label>
        }
    });
    view! {
        <section class="card staff-section" id=form>
            <h2>{admin_text(lang, AdminText::Priority)}</h2>
            <p class="hint">{admin_text(lang, AdminText::PriorityHint)}</p>
            {form_notice(lang, returned, form)}
            <form method="post" action={<SavePriority as ServerFn>::PATH} class="settings-form">
                <input type="hidden" name="office" value=settings.slug.clone() />
                <fieldset class="field">
                    <legend>{admin_text(lang, AdminText::PriorityCategories)}</legend>
                    {boxes.into_iter().collect_view()}
                </fieldset>
                {field(lang, AdminText::PriorityMode, view! {
                    <select name="mode">
                        <option value="first" selected=mode == "first">{admin_text(lang, AdminText::PriorityFirst)}</option>
                        <option value="every" selected=mode == "every">{admin_text(lang, AdminText::PriorityEvery)}</option>
                    </select>
                }, returned.problem(form, Field::PriorityMode))}
                {field(lang, AdminText::PriorityEveryK, view! {
                    <input type="number" name="every" value=returned.value(form, "every", every) min="2" max=MAX_PRIORITY_EVERY step="1" required />
                }, None)}
                {field(lang, AdminText::OrdinaryMaxWait, view! {
                    <input type="number" name="max_wait" value=returned.value(form, "max_wait", policy.ordinary_max_wait_minutes) min="0" max=MAX_ORDINARY_WAIT_MINUTES step="1" required />
                    <span class="hint">{admin_text(lang, AdminText::OrdinaryMaxWaitHint)}</span>
                }, returned.problem(form, Field::OrdinaryMaxWait))}
                <label class="inline">
                    <input type="checkbox" name="online" checked=returned.ticked(form, "online", policy.online) />
                    " " {admin_text(lang, AdminText::PriorityOnline)}
                </label>
                <button type="submit" class="button button-primary">{admin_text(lang, AdminText::Save)}</button>
            </form>
        </section>
    }
}

fn hours_form(lang: Lang, returned: &Returned, settings: &OfficeSettingsView) -> impl IntoView {
    let form = "jam-buka";
    let days = settings.hours.iter().enumerate().map(|(day, hours)| {
        let name = |part: &str| format!("hours[{day}][{part}]");
        let (opens, closes) = hours.clone().unwrap_or_else(|| ("08:00".into(), "15:00".into()));
        let problem = returned.problem(form, Field::Weekday(day as u8));
        view! {
            <tr class:invalid=problem.is_some() data-weekday=day>
                <th scope="row">{weekday_name(lang, day)}</th>
                <td><label class="inline"><input type="checkbox" name=name("open") checked=returned.ticked(form, &name("open"), hours.is_some()) /> " " {admin_text(lang, AdminText::OpenThatDay)}</label></td>
                <td><input type="time" name=name("opens") value=returned.value(form, &name("opens"), opens) aria-label=admin_text(lang, AdminText::Opens) /></td>
                <td><input type="time" name=name("closes") value=returned.value(form, &name("closes"), closes) aria-label=admin_text(lang, AdminText::Closes) /></td>
                <td>{problem.map(|problem| view! { <span class="field-error">{settings_problem(lang, problem)}</span> })}</td>
            </tr>
        }
    });
    view! {
        <section class="card staff-section" id=form>
            <h2>{admin_text(lang, AdminText::Hours)}</h2>
            <p class="hint">{admin_text(lang, AdminText::HoursHint)}</p>
            {form_notice(lang, returned, form)}
            <form method="post" action={<SaveOpeningHours as ServerFn>::PATH} class="settings-form">
                <input type="hidden" name="office" value=settings.slug.clone() />
                <table class="settings-hours">
                    <thead><tr><th></th><th></th><th>{admin_text(lang, AdminText::Opens)}</th><th>{admin_text(lang, AdminText::Closes)}</th><th></th></tr></thead>
                    <tbody>{days.collect_view()}</tbody>
                </table>
                <button type="submit" class="button button-primary">{admin_text(lang, AdminText::Save)}</button>
            </form>
        </section>
    }
}

fn holidays_section(lang: Lang, returned: &Returned, settings: &OfficeSettingsView) -> impl IntoView {
    let form = "libur";
    let slug = settings.slug.clone();
    let listed = settings.holidays.iter().map(|(date, name)| {
        view! {
            <li data-date=date.to_string()>
                <span>{long_date(lang, *date)} " — " {name.clone()}</span>
                <form method="post" action={<RemoveHoliday as ServerFn>::PATH}>
                    <input type="hidden" name="office" value=slug.clone() />
                    <input type="hidden" name="date" value=date.to_string() />
                    <button type="submit" class="button">{admin_text(lang, AdminText::Remove)}</button>
                </form>
            </li>
        }
    });
    view! {
        <section class="card staff-section" id=form>
            <h2>{admin_text(lang, AdminText::Holidays)}</h2>
            {form_notice(lang, returned, form)}
            {settings.holidays.is_empty().then(|| view! { <p class="muted">{admin_text(lang, AdminText::NoHolidays)}</p> })}
            <ul class="settings-holidays">{listed.collect_view()}</ul>
            <form method="post" action={<AddHoliday as ServerFn>::PATH} class="settings-form settings-row">
                <input type="hidden" name="office" value=slug.clone() />
                {field(lang, AdminText::HolidayDate, view! {
                    <input type="date" name="date" value=returned.value(form, "date", "") min=settings.today.to_string() required />
                }, returned.problem(form, Field::Date))}
                {field(lang, AdminText::HolidayName, text_input("name", returned.value(form, "name", ""), HolidayName::MIN, HolidayName::MAX), returned.problem(form, Field::Name))}
                <button type="submit" class="button button-primary">{admin_text(lang, AdminText::AddHoliday)}</button>
            </form>
        </section>
    }
}

fn service_form(lang: Lang, returned: &Returned, slug: &str, service: Option<&ServiceSettingsRow>) -> impl IntoView {
    let form = service.map_or_else(|| "layanan-baru".to_string(), |s| format!("layanan-{}", s.id));
    let problem = |field| returned.problem(&form, field);
    let saved =
        |pick: fn(&ServiceSettingsRow) -> String, default: &str| service.map_or_else(|| default.to_string(), pick);
    let letter = match service {
        Some(service) => view! { <strong class="service-letter">{service.prefix.clone()}</strong> }.into_any(),
        None => field(
            lang,
            AdminText::Prefix,
            view! { <input type="text" name="prefix" value=returned.value(&form, "prefix", "") maxlength="1" size="2" required /> },
            problem(Field::Prefix),
        )
        .into_any(),
    };
    view! {
        <form method="post" action={<SaveService as ServerFn>::PATH} class="settings-form settings-row" id=form.clone() data-service=service.map(|s| s.prefix.clone())>
            {form_notice(lang, returned, &form)}
            <input type="hidden" name="office" value=slug.to_string() />
            <input type="hidden" name="service" value=service.map(|s| s.id.to_string()).unwrap_or_default() />
            {letter}
            {field(lang, AdminText::NameId, text_input("name_id", returned.value(&form, "name_id", saved(|s| s.name_id.clone(), "")), ServiceName::MIN, ServiceName::MAX), problem(Field::NameId))}
            {field(lang, AdminText::NameEn, text_input("name_en", returned.value(&form, "name_en", saved(|s| s.name_en.clone(), "")), ServiceName::MIN, ServiceName::MAX), problem(Field::NameEn))}
            {field(lang, AdminText::Quota, number_input("daily_quota", returned.value(&form, "daily_quota", saved(|s| s.daily_quota.to_string(), "200")), MAX_DAILY_QUOTA), problem(Field::Quota))}
            {field(lang, AdminText::Horizon, number_input("horizon_days", returned.value(&form, "horizon_days", saved(|s| s.horizon_days.to_string(), "30")), MAX_HORIZON_DAYS), problem(Field::Horizon))}
            {field(lang, AdminText::Channels, channels_select(lang, returned.value(&form, "channels", saved(|s| s.channels.as_str().to_string(), "all"))), problem(Field::Channels))}
            {field(lang, AdminText::WalkInReserve, view! {
                <input type="number" name="walk_in_reserve" value=returned.value(&form, "walk_in_reserve", saved(|s| s.walk_in_reserve.to_string(), "0")) min="0" max=MAX_DAILY_QUOTA step="1" inputmode="numeric" />
                <span class="hint">{admin_text(lang, AdminText::WalkInReserveHint)}</span>
            }, problem(Field::WalkInReserve))}
            <label class="inline">
                <input type="checkbox" name="active" checked=returned.ticked(&form, "active", service.is_none_or(|s| s.active)) />
                " " {admin_text(lang, AdminText::Active)}
            </label>
            <button type="submit" class="button button-primary">{admin_text(lang, if service.is_some() { AdminText::Save } else { AdminText::Create })}</button>
        </form>
    }
}

fn channels_select(lang: Lang, chosen: String) -> impl IntoView {
    let options = ServiceChannels::ALL.map(|channels| {
        let text = match channels {
            ServiceChannels::All => AdminText::ChannelsAll,
            ServiceChannels::WalkInOnly => AdminText::ChannelsWalkIn,
            ServiceChannels::OnlineOnly => AdminText::ChannelsOnline,
        };
        view! { <option value=channels.as_str() selected=chosen == channels.as_str()>{admin_text(lang, text)}</option> }
    });
    view! { <select name="channels">{options.into_iter().collect_view()}</select> }
}

fn counter_form(
    lang: Lang,
    returned: &Returned,
    slug: &str,
    services: &[(i64, String)],
    counter: Option<&CounterSettingsRow>,
) -> impl IntoView {
    let form = counter.map_or_else(|| "loket-baru".to_string(), |c| format!("loket-{}", c.id));
    let chosen = returned.chosen(&form, counter.map(|c| c.service_ids.as_slice()).unwrap_or_default());
    let boxes = services
        .iter()
        .enumerate()
        .map(|(i, (id, prefix))| {
            view! {
                <label class="inline">
                    <input type="checkbox" name=format!("services[{i}]") value=id.to_string() checked=chosen.contains(id) />
                    " " {prefix.clone()}
                </label>
            }
        })
        .collect_view();
    let removal = counter.map(|counter| match counter.in_use {
        true => view! { <p class="hint">{admin_text(lang, AdminText::CounterInUse)}</p> }.into_any(),
        false => view! {
            <form method="post" action={<RemoveCounter as ServerFn>::PATH}>
                <input type="hidden" name="office" value=slug.to_string() />
                <input type="hidden" name="counter" value=counter.id.to_string() />
                <button type="submit" class="button">{admin_text(lang, AdminText::Remove)}</button>
            </form>
        }
        .into_any(),
    });
    view! {
        <div class="settings-counter" id=form.clone() data-counter=counter.map(|c| c.name.clone())>
            {form_notice(lang, returned, &form)}
            <form method="post" action={<SaveCounter as ServerFn>::PATH} class="settings-form settings-row">
                <input type="hidden" name="office" value=slug.to_string() />
                <input type="hidden" name="counter" value=counter.map(|c| c.id.to_string()).unwrap_or_default() />
                {field(lang, AdminText::CounterName, text_input("name", returned.value(&form, "name", counter.map(|c| c.name.clone()).unwrap_or_default()), CounterName::MIN, CounterName::MAX), returned.problem(&form, Field::Name))}
                {field(lang, AdminText::CounterServices, view! { <span class="choices">{boxes}</span> }, returned.problem(&form, Field::Services))}
                <button type="submit" class="button button-primary">{admin_text(lang, if counter.is_some() { AdminText::Save } else { AdminText::Create })}</button>
            </form>
            {removal}
        </div>
    }
}
