//! Small pieces shared by the pages.

use leptos::prelude::*;

use super::use_lang;
use crate::error::{AppError, Field};
use crate::i18n::{app_error, field_problem, t, Key, Lang};

/// Switches between Bahasa Indonesia and English. A plain link: the server
/// remembers the choice in a cookie and sends the browser back to the same page,
/// so it works before (and without) the WASM.
#[component]
pub fn LanguageSwitch() -> impl IntoView {
    let lang = use_lang().get_untracked();
    view! {
        <a class="lang-switch" href=format!("/bahasa/{}", lang.other().code()) lang=lang.other().code()>
            {t(lang, Key::SwitchLanguage)}
        </a>
    }
}

#[cfg(feature = "hydrate")]
fn html_document() -> Option<web_sys::HtmlDocument> {
    use wasm_bindgen::JsCast;
    document().dyn_into::<web_sys::HtmlDocument>().ok()
}

#[cfg(feature = "hydrate")]
pub fn browser_cookie_lang() -> Lang {
    html_document().and_then(|doc| doc.cookie().ok()).map(|c| Lang::from_cookie_header(&c)).unwrap_or_default()
}

#[cfg(not(any(feature = "hydrate", feature = "ssr")))]
pub fn browser_cookie_lang() -> Lang {
    Lang::default()
}

/// A whole-page error (not found, server trouble) in the user's language.
#[component]
pub fn ErrorNotice(error: AppError, #[prop(optional)] not_found: Option<Key>) -> impl IntoView {
    let lang = use_lang();
    let kind = error.kind();
    let message = move || match (&error, not_found) {
        (AppError::NotFound, Some(key)) => t(lang.get(), key).to_string(),
        (error, _) => app_error(lang.get(), error),
    };
    view! {
        <div class="notice notice-error" role="alert" data-error=kind>
            <p>{message}</p>
            <p><a href="/">{move || t(lang.get(), Key::BackToOffices)}</a></p>
        </div>
    }
}

/// A service's name in the user's language.
pub fn service_name(lang: Lang, name_id: &str, name_en: &str) -> String {
    match lang {
        Lang::Id => name_id.to_string(),
        Lang::En => name_en.to_string(),
    }
}

/// The form-level message: a refusal (date full, wrong code) or a pointer to the marked fields.
#[component]
pub fn FormAlert(error: Signal<Option<AppError>>) -> impl IntoView {
    let lang = use_lang();
    move || {
        error.get().map(|error| {
            view! { <div class="notice notice-error" role="alert" data-testid="form-error">{app_error(lang.get(), &error)}</div> }
        })
    }
}

#[component]
pub fn TextField(
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
                aria-describedby=described aria-invalid=invalid />
            {hint.map(|hint| view! { <p id=hint_id class="hint">{move || t(lang.get(), hint)}</p> })}
            <FieldError field error />
        </div>
    }
}

#[component]
pub fn FieldError(field: Field, error: Signal<Option<AppError>>) -> impl IntoView {
    let lang = use_lang();
    let id = format!("{}-error", field.input_name());
    view! {
        <p id=id class="field-error" aria-live="polite">
            {move || error.get().and_then(|e| e.field_problem(field)).map(|p| field_problem(lang.get(), p))}
        </p>
    }
}

/// A table of a page's records under column headings, or, with no record
/// and a `none` text, that text instead, muted. `testid` names the table
/// for the tests; an empty heading heads a column of buttons.
#[component]
pub fn ReportTable<R>(
    testid: &'static str,
    headings: Vec<&'static str>,
    rows: Vec<R>,
    #[prop(optional)] none: Option<&'static str>,
) -> impl IntoView
where
    R: IntoView + 'static,
{
    if let Some(none) = none.filter(|_| rows.is_empty()) {
        return view! { <p class="muted">{none}</p> }.into_any();
    }
    // An empty text would still be a text node: a button column's heading has none.
    let headings = headings
        .into_iter()
        .map(|heading| view! { <th scope="col">{(!heading.is_empty()).then_some(heading)}</th> })
        .collect_view();
    view! {
        <table class="report" data-testid=testid>
            <thead><tr>{headings}</tr></thead>
            <tbody>{rows}</tbody>
        </table>
    }
    .into_any()
}

/// Starts loading a page's data at once, in a task of its own on the server.
/// Rendering awaits page data in document order, so a load that has taken a
/// database connection must not wait for an earlier part of the page: under
/// load the pool's connections would all be held by loads nobody polls.
pub fn fetch<T: Send + 'static>(
    load: impl std::future::Future<Output = Result<T, AppError>> + Send + 'static,
) -> impl std::future::Future<Output = Result<T, AppError>> + Send + 'static {
    #[cfg(feature = "ssr")]
    {
        use leptos::reactive::computed::ScopedFuture;
        use leptos::reactive::owner::Sandboxed;
        // The load reads the request's context through the current owner.
        let task = tokio::spawn(Sandboxed::new(ScopedFuture::new(load)));
        async move {
            task.await.unwrap_or_else(|error| {
                tracing::error!(%error, "loading page data failed");
                Err(AppError::Internal)
            })
        }
    }
    #[cfg(not(feature = "ssr"))]
    load
}

/// The `pow` field of a form that asks for an access code. When the server
/// answers with a puzzle (the site is past its SMS budget), the browser solves
/// it in small slices, so the page stays responsive, puts the answer here and
/// sends the form again by itself. Without JavaScript the field stays empty.
#[component]
pub fn ProofOfWork(error: Signal<Option<AppError>>) -> impl IntoView {
    let field = NodeRef::<leptos::html::Input>::new();
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        if let Some(AppError::ProofOfWorkNeeded(challenge)) = error.get() {
            solve_in_slices(std::rc::Rc::new(challenge), 0, field);
        }
    });
    #[cfg(not(feature = "hydrate"))]
    let _ = error;
    view! { <input type="hidden" name="pow" value="" node_ref=field /> }
}

/// Tries one slice of the puzzle's numbers, then gives the browser back its
/// thread until the next slice.
#[cfg(feature = "hydrate")]
fn solve_in_slices(
    challenge: std::rc::Rc<crate::domain::proof_of_work::Challenge>,
    from: u64,
    field: NodeRef<leptos::html::Input>,
) {
    use crate::domain::proof_of_work::{solve_within, Solution};
    const SLICE: u64 = 5_000;
    let to = (from + SLICE).min(challenge.max_number + 1);
    match solve_within(&challenge, from..to) {
        Some(number) => {
            if let Some(input) = field.get_untracked() {
                input.set_value(&Solution::of(&challenge, number).encode());
                if let Some(form) = input.form() {
                    let _ = form.request_submit();
                }
            }
        }
        None if to > challenge.max_number => {}
        None => set_timeout(move || solve_in_slices(challenge, to, field), std::time::Duration::ZERO),
    }
}
