//! Taking a number for today or booking a date. A citizen who is not signed in
//! gives a phone number and confirms it with an SMS code on the next page; a
//! signed-in citizen books at once. The forms post to server functions, so they
//! work before the WASM arrives; once hydrated they show the server's own
//! validation errors inline and keep what was typed.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use super::components::{
    fetch, service_name, ErrorNotice, FieldError, FormAlert, FormPost, PostForm, ProofOfWork, TextField,
};
use super::use_lang;
use crate::api::{load_office, who_am_i, BookTicket, RequestBookingCode};
use crate::error::{AppError, Field};
use crate::i18n::{priority_name, t, Key};
use crate::model::{OfficeView, Viewer};

#[component]
pub fn BookingPage() -> impl IntoView {
    let params = use_params_map();
    let slug = move || params.read().get("office").unwrap_or_default();
    let office = fetch(load_office(slug()));
    let viewer = fetch(who_am_i());
    view! {
        {Suspend::new(async move {
            let signed_in = matches!(viewer.await, Ok(Viewer::Citizen { .. }));
            match office.await {
                Ok(office) => view! { <BookingForm office signed_in /> }.into_any(),
                Err(error) => view! { <ErrorNotice error not_found=Key::OfficeNotFound /> }.into_any(),
            }
        })}
    }
}

#[component]
fn BookingForm(office: OfficeView, signed_in: bool) -> impl IntoView {
    let lang = use_lang();
    let chosen = use_query_map().read_untracked().get("layanan").unwrap_or_default();
    let (slug, name) = (office.slug.clone(), office.name.clone());
    view! {
        <Title text=t(lang.get_untracked(), Key::BookTitle) />
        <p class="crumbs">
            <a href=format!("/kantor/{slug}")>{move || t(lang.get(), Key::BackToOffice)}</a>
        </p>
        <h1>{move || t(lang.get(), Key::BookTitle)}</h1>
        <p class="muted">{name}</p>
        <p class="lead">{move || t(lang.get(), Key::BookIntro)}</p>
        <BookingFormIsland office chosen signed_in />
    }
}

/// The interactive part: the form, with inline errors from the server's checks.
#[cfg_attr(any(feature = "ssr", feature = "bundle-citizen"), island)]
#[cfg_attr(not(any(feature = "ssr", feature = "bundle-citizen")), component)]
fn BookingFormIsland(office: OfficeView, chosen: String, signed_in: bool) -> impl IntoView {
    let fields = move |error: Signal<Option<AppError>>| {
        view! { <BookingFields office=office.clone() chosen=chosen.clone() error /> }
    };
    if signed_in {
        let post = FormPost::<BookTicket>::new();
        let error = post.refusal();
        view! {
            <PostForm post class="booking-form" novalidate=true>
                <FormAlert error />
                {fields(error)}
                <SubmitButton pending=post.pending() label=Key::Submit />
            </PostForm>
        }
        .into_any()
    } else {
        let post = FormPost::<RequestBookingCode>::new();
        let error = post.refusal();
        view! {
            <PostForm post class="booking-form" novalidate=true>
                <FormAlert error />
                {fields(error)}
                <TextField field=Field::Phone label=Key::FieldPhone hint=Some(Key::FieldPhoneHint) error
                    input_type="tel" autocomplete="tel" inputmode="tel" />
                <ProofOfWork error />
                <SubmitButton pending=post.pending() label=Key::SendCode />
            </PostForm>
        }
        .into_any()
    }
}

#[component]
pub fn SubmitButton(#[prop(into)] pending: Signal<bool>, label: Key) -> impl IntoView {
    let lang = use_lang();
    view! {
        <button type="submit" class="button button-primary" disabled=move || pending.get()>
            {move || t(lang.get(), if pending.get() { Key::Submitting } else { label })}
        </button>
    }
}

/// The fields every booking form shares: office, service, day, and the holder.
#[component]
pub fn BookingFields(
    office: OfficeView,
    chosen: String,
    error: Signal<Option<AppError>>,
    /// Staff booking at the desk: contact details are optional, and walk-in
    /// services are offered too.
    #[prop(optional)]
    at_desk: bool,
) -> impl IntoView {
    let lang = use_lang();
    let today_first = office.open_now;
    let (min_date, max_date) = (office.today.to_string(), office.last_bookable.to_string());
    let optional = at_desk.then_some(Key::Optional);
    // Staff give a priority; a citizen online declares one only where the office allows it.
    let priorities = if at_desk || office.priority_online { office.priority_categories.clone() } else { Vec::new() };
    view! {
        <input type="hidden" name="office" value=office.slug.clone() />
        <div class="field">
            <label for="service">{move || t(lang.get(), Key::FieldService)}</label>
            <select id="service" name="service" required=true aria-describedby="service-error">
                {office
                    .services
                    .iter()
                    .filter(|s| at_desk || s.channels.online())
                    .map(|s| {
                        let (prefix, name_id, name_en) = (s.prefix.clone(), s.name_id.clone(), s.name_en.clone());
                        let selected = prefix == chosen;
                        let label = move || format!("{} — {}", prefix, service_name(lang.get(), &name_id, &name_en));
                        view! { <option value=s.prefix.clone() selected=selected>{label}</option> }
                    })
                    .collect_view()}
            </select>
            <FieldError field=Field::Service error />
        </div>
        <fieldset class="field when">
            <legend>{move || t(lang.get(), Key::FieldWhen)}</legend>
            <label class="choice">
                <input type="radio" name="when" value="today" checked=today_first />
                {move || t(lang.get(), Key::WhenToday)}
            </label>
            <label class="choice">
                <input type="radio" name="when" value="date" checked=!today_first />
                {move || t(lang.get(), Key::WhenDate)}
            </label>
        </fieldset>
        // Hidden by CSS while "today" is chosen, so it also works before the WASM loads.
        <div class="field date-field">
            <label for="date">{move || t(lang.get(), Key::FieldDate)}</label>
            <input id="date" name="date" type="date" min=min_date max=max_date
                aria-describedby="date-hint date-error"
                aria-invalid=move || error.get().and_then(|e| e.field_problem(Field::Date)).is_some().to_string() />
            <p id="date-hint" class="hint">{move || t(lang.get(), Key::FieldDateHint)}</p>
            <FieldError field=Field::Date error />
        </div>
        <TextField field=Field::Email label=Key::FieldEmail hint=optional.or(Some(Key::FieldEmailHint)) error
            input_type="email" autocomplete="email" inputmode="email" />
        <TextField field=Field::Nik label=Key::FieldNik hint=Some(Key::FieldNikHint) error
            input_type="text" autocomplete="off" inputmode="numeric" />
        <TextField field=Field::Name label=Key::FieldName hint=Some(Key::FieldNameWarning) error
            input_type="text" autocomplete="name" inputmode="text" />
        {(!priorities.is_empty()).then(|| view! {
            <div class="field">
                <label for="priority">{move || t(lang.get(), Key::FieldPriority)}</label>
                <select id="priority" name="priority" aria-describedby="priority-hint priority-error">
                    <option value="">{move || t(lang.get(), Key::PriorityNone)}</option>
                    {priorities.iter().map(|&category| view! {
                        <option value=category.as_str()>{move || priority_name(lang.get(), category)}</option>
                    }).collect_view()}
                </select>
                <p id="priority-hint" class="hint">{move || t(lang.get(), Key::FieldPriorityHint)}</p>
                <FieldError field=Field::Priority error />
            </div>
        })}
    }
}
