//! The office page: every service counter with how many people are waiting and
//! which number is being called, and a button to take a number.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use super::components::{fetch, service_name, ErrorNotice};
use super::live_client::follow_office;
use super::use_lang;
use crate::api::load_office;
use crate::i18n::{long_date, t, Key};
use crate::model::{LiveMessage, OfficeView, ServiceQueue};

#[component]
pub fn OfficePage() -> impl IntoView {
    let params = use_params_map();
    let slug = move || params.read().get("office").unwrap_or_default();
    let office = fetch(load_office(slug()));
    view! {
        {Suspend::new(async move {
            match office.await {
                Ok(office) => view! { <OfficeQueues office /> }.into_any(),
                Err(error) => view! { <ErrorNotice error not_found=Key::OfficeNotFound /> }.into_any(),
            }
        })}
    }
}

#[component]
fn OfficeQueues(office: OfficeView) -> impl IntoView {
    let lang = use_lang();
    let name = office.name.clone();
    let hours = office.hours_today.clone();
    let open_now = office.open_now;
    let today = office.today;
    let zone = office.zone.clone();
    let slug = office.slug.clone();
    let walk_in_hours = office.hours_today.as_ref().map(|hours| format!("{hours} {}", office.zone));
    view! {
        <Title text=name.clone() />
        <p class="crumbs"><a href="/">{move || t(lang.get(), Key::BackToOffices)}</a></p>
        <h1>{name}</h1>
        <p class="muted">{office.address}</p>
        <p class="office-status">
            <span class=if open_now { "badge badge-open" } else { "badge badge-closed" }>
                {move || t(lang.get(), if open_now { Key::OpenNow } else { Key::ClosedNow })}
            </span>
            " "
            {move || long_date(lang.get(), today)}
            " · "
            {move || match &hours {
                Some(hours) => format!("{} {hours} {zone}", t(lang.get(), Key::HoursToday)),
                None => t(lang.get(), Key::ClosedToday).to_string(),
            }}
        </p>
        <h2>{move || t(lang.get(), Key::ServiceCounters)}</h2>
        <LiveServices office_slug=slug services=office.services walk_in_hours />
    }
}

/// The service cards, kept up to date by the office's live connection.
#[cfg_attr(any(feature = "ssr", feature = "bundle-live"), island)]
#[cfg_attr(not(any(feature = "ssr", feature = "bundle-live")), component)]
fn LiveServices(office_slug: String, services: Vec<ServiceQueue>, walk_in_hours: Option<String>) -> impl IntoView {
    let services = RwSignal::new(services);
    let connected = follow_office(office_slug.clone(), move |message| match message {
        LiveMessage::Snapshot { services: fresh, .. } => services.set(fresh),
        LiveMessage::Changed { services: changed, .. } | LiveMessage::Called { services: changed, .. } => services
            .update(|all| {
                for fresh in changed {
                    if let Some(service) = all.iter_mut().find(|s| s.prefix == fresh.prefix) {
                        *service = fresh;
                    }
                }
            }),
    });
    view! {
        <ul class="service-list" data-live=move || if connected.get() { "online" } else { "offline" }>
            {move || {
                services
                    .get()
                    .into_iter()
                    .map(|service| {
                        view! { <ServiceCard service office_slug=office_slug.clone() walk_in_hours=walk_in_hours.clone() /> }
                    })
                    .collect_view()
            }}
        </ul>
    }
}

#[component]
fn ServiceCard(service: ServiceQueue, office_slug: String, walk_in_hours: Option<String>) -> impl IntoView {
    let lang = use_lang();
    let ServiceQueue { prefix, name_id, name_en, counters, waiting, now_calling, issued_today, daily_quota, channels } =
        service;
    let href = format!("/kantor/{office_slug}/daftar?layanan={prefix}");
    let counters = counters.join(", ");
    view! {
        <li class="card service-card" data-service=prefix.clone()>
            <div class="service-head">
                <span class="service-prefix" aria-hidden="true">{prefix.clone()}</span>
                <div>
                    <h3>{move || service_name(lang.get(), &name_id, &name_en)}</h3>
                    <p class="muted">{counters}</p>
                </div>
            </div>
            <dl class="service-figures">
                <div>
                    <dt>{move || t(lang.get(), Key::PeopleWaiting)}</dt>
                    <dd class="figure" data-testid="waiting">{waiting}</dd>
                </div>
                <div>
                    <dt>{move || t(lang.get(), Key::NowCalling)}</dt>
                    <dd class="figure" data-testid="now-calling">
                        {match now_calling {
                            Some(number) => number.into_any(),
                            None => view! { <span class="figure-none">{move || t(lang.get(), Key::NoneYet)}</span> }.into_any(),
                        }}
                    </dd>
                </div>
                <div>
                    <dt>{move || t(lang.get(), Key::QuotaToday)}</dt>
                    <dd class="figure-small">{format!("{issued_today}/{daily_quota}")}</dd>
                </div>
            </dl>
            {if channels.online() {
                view! { <a class="button" href=href>{move || t(lang.get(), Key::TakeNumber)}</a> }.into_any()
            } else {
                view! {
                    <p class="walk-in-only" data-testid="walk-in-only">
                        {move || t(lang.get(), Key::WalkInOnly)}
                        {walk_in_hours.clone().map(|hours| view! { " " <strong>{hours}</strong> })}
                    </p>
                }.into_any()
            }}
        </li>
    }
}
