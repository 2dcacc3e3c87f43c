//! Taking a number for today or booking a date. The form posts to the
//! `book_ticket` server function, so it works before the WASM arrives; once
//! hydrated it shows the server's own validation errors inline, keeps what was
//! typed, and moves to the ticket page on success.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use super::components::{loading, service_name, ErrorNotice};
use super::use_lang;
use crate::api::{load_office, BookTicket};
use crate::error::{AppError, Field};
use crate::i18n::{app_error, field_problem, t, Key};
use crate::model::OfficeView;

#[component]
pub fn BookingPage() -> impl IntoView {
    let params = use_params_map();
    let slug = move || params.read().get("office").unwrap_or_default();
    let office = Resource::new(slug, load_office);
    view! {
        <Suspense fallback=loading>
            {move || Suspend::new(async move {
                match office.await {
                    Ok(office) => view! { <BookingForm office /> }.into_any(),
                    Err(error) => view! { <ErrorNotice error not_found=Key::OfficeNotFound /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn BookingForm(office: OfficeView) -> impl IntoView {
    let lang = use_lang();
    let query = use_query_map();
    let chosen = query.read_untracked().get("layanan").unwrap_or_default();
    let action = ServerAction::<BookTicket>::new();
    let error = Signal::derive(move || action.value().get().and_then(Result::err));
    let today_first = office.open_now;
    let (min_date, max_date) = (office.today.to_string(), office.last_bookable.to_string());
    let slug = office.slug.clone();
    let title = move || t(lang.get(), Key::BookTitle).to_string();

    view! {
        <Title text=title />
        <p class="crumbs">
            <a href=format!("/kantor/{slug}")>{move || t(lang.get(), Key::BackToOffice)}</a>
        </p>
        <h1>{move || t(lang.get(), Key::BookTitle)}</h1>
        <p class="muted">{office.name.clone()}</p>
        <p class="lead">{move || t(lang.get(), Key::BookIntro)}</p>
        <ActionForm action=action attr:class="booking-form" attr:novalidate=true>
            <FormAlert error />
            <input type="hidden" name="office" value=office.slug.clone() />
            <div class="field">
                <label for="service">{move || t(lang.get(), Key::FieldService)}</label>
                <select id="service" name="service" required=true aria-describedby="service-error">
                    {office
                        .services
                        .iter()
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
            <TextField field=Field::Email label=Key::FieldEmail hint=Some(Key::FieldEmailHint) error
                input_type="email" autocomplete="email" inputmode="email" />
            <TextField field=Field::Nik label=Key::FieldNik hint=Some(Key::FieldNikHint) error
                input_type="text" autocomplete="off" inputmode="numeric" />
            <TextField field=Field::Name label=Key::FieldName hint=Some(Key::FieldNameWarning) error
                input_type="text" autocomplete="name" inputmode="text" />
            <TextField field=Field::Phone label=Key::FieldPhone hint=Some(Key::FieldPhoneHint) error
                input_type="tel" autocomplete="tel" inputmode="tel" />
            <button type="submit" class="button button-primary" disabled=move || action.pending().get()>
                {move || t(lang.get(), if action.pending().get() { Key::Submitting } else { Key::Submit })}
            </button>
        </ActionForm>
    }
}

/// The form-level message: a refusal (date full, office closed) or a pointer to the marked fields.
#[component]
fn FormAlert(error: Signal<Option<AppError>>) -> impl IntoView {
    let lang = use_lang();
    move || {
        error.get().map(|error| {
            view! { <div class="notice notice-error" role="alert" data-testid="form-error">{app_error(lang.get(), &error)}</div> }
        })
    }
}

#[component]
fn TextField(
    field: Field,
    label: Key,
    hint: Option<Key>,
    error: Signal<Option<AppError>>,
    input_type: &'static str,
    autocomplete: &'static str,
    inputmode: &'static str,
) -> impl IntoView {
    let lang = use_lang();
    let name = field.input_name();
    let hint_id = format!("{name}-hint");
    let described = format!("{hint_id} {name}-error");
    let invalid = move || error.get().and_then(|e| e.field_problem(field)).is_some().to_string();
    view! {
        <div class="field">
            <label for=name>{move || t(lang.get(), label)}</label>
            <input id=name name=name type=input_type autocomplete=autocomplete inputmode=inputmode
                required=true aria-describedby=described aria-invalid=invalid />
            {hint.map(|hint| view! { <p id=hint_id class="hint">{move || t(lang.get(), hint)}</p> })}
            <FieldError field error />
        </div>
    }
}

#[component]
fn FieldError(field: Field, error: Signal<Option<AppError>>) -> impl IntoView {
    let lang = use_lang();
    let id = format!("{}-error", field.input_name());
    view! {
        <p id=id class="field-error" aria-live="polite">
            {move || error.get().and_then(|e| e.field_problem(field)).map(|p| field_problem(lang.get(), p))}
        </p>
    }
}
