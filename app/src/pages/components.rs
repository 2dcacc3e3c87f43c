//! Small pieces shared by the pages.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;

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

/// What a [`PostForm`] to the server function `F` is doing: waiting for the
/// server, showing its refusal, or holding its answer (when the server sends
/// the browser nowhere else).
pub struct FormPost<F: ServerFn> {
    pending: RwSignal<bool>,
    refusal: RwSignal<Option<AppError>>,
    answer: RwSignal<Option<F::Output>>,
}

impl<F: ServerFn> Clone for FormPost<F> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<F: ServerFn> Copy for FormPost<F> {}

impl<F: ServerFn> FormPost<F>
where
    F::Output: Send + Sync + 'static,
{
    pub fn new() -> Self {
        Self { pending: RwSignal::new(false), refusal: RwSignal::new(None), answer: RwSignal::new(None) }
    }

    pub fn pending(self) -> Signal<bool> {
        self.pending.into()
    }

    pub fn refusal(self) -> Signal<Option<AppError>> {
        self.refusal.into()
    }

    pub fn answer(self) -> ReadSignal<Option<F::Output>> {
        self.answer.read_only()
    }
}

impl<F: ServerFn> Default for FormPost<F>
where
    F::Output: Send + Sync + 'static,
{
    fn default() -> Self {
        Self::new()
    }
}

/// A form posted to the server function of its `post`. Without the WASM the
/// browser posts it and follows the server's redirect; once hydrated it is
/// sent with `fetch`, so a refusal shows in place and nothing typed is lost.
/// Leptos' `ActionForm` does the same, but decodes the form into the
/// function's arguments in the browser (serde_qs) and adds a server-function
/// client per form, while the server decodes the form anyway: the browser only
/// has to pass it on. That took the citizens' bundle from 180 KB to 139 KB
/// (brotli).
#[component]
pub fn PostForm<F>(
    post: FormPost<F>,
    #[prop(optional)] class: Option<&'static str>,
    /// The server checks the fields and says what is wrong next to each.
    #[prop(optional)]
    novalidate: bool,
    children: Children,
) -> impl IntoView
where
    F: ServerFn + 'static,
    F::Output: serde::de::DeserializeOwned + Send + Sync + 'static,
{
    let to = F::PATH;
    let on_submit = move |event: leptos::ev::SubmitEvent| {
        #[cfg(feature = "hydrate")]
        {
            event.prevent_default();
            if post.pending.get_untracked() {
                return;
            }
            post.pending.set(true);
            let body = form_body(&event);
            leptos::task::spawn_local(async move {
                match post_form(to, body).await {
                    // The browser leaves the page; the button stays disabled meanwhile.
                    Ok(Posted::Elsewhere(next)) => drop(window().location().set_href(&next)),
                    Ok(Posted::Answer(answer)) => {
                        post.refusal.set(None);
                        post.answer.set(Some(answer));
                        post.pending.set(false);
                    }
                    Err(refusal) => {
                        post.answer.set(None);
                        post.refusal.set(Some(refusal));
                        post.pending.set(false);
                    }
                }
            });
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (event, post, to);
    };
    view! {
        <form action=to method="post" class=class novalidate=novalidate on:submit=on_submit>
            {children()}
        </form>
    }
}

#[cfg(feature = "hydrate")]
enum Posted<T> {
    /// The server sends the browser to this page.
    Elsewhere(String),
    Answer(T),
}

/// The form's fields, encoded as the browser would post them (no form names its submit button).
#[cfg(feature = "hydrate")]
fn form_body(event: &leptos::ev::SubmitEvent) -> String {
    use wasm_bindgen::JsCast;
    let Some(form) = event.target().and_then(|target| target.dyn_into::<web_sys::HtmlFormElement>().ok()) else {
        return String::new();
    };
    let Ok(data) = web_sys::FormData::new_with_form(&form) else { return String::new() };
    web_sys::UrlSearchParams::new_with_str_sequence_sequence(&data)
        .map(|params| String::from(params.to_string()))
        .unwrap_or_default()
}

/// Posts a form to a server function as its own client would: not asking for
/// HTML, so a redirect comes back as a header, not as a 302 to follow.
#[cfg(feature = "hydrate")]
async fn post_form<T: serde::de::DeserializeOwned>(to: &str, body: String) -> Result<Posted<T>, AppError> {
    let transport = |error: gloo_net::Error| AppError::Transport(error.to_string());
    let response = gloo_net::http::Request::post(to)
        .header("Accept", "application/json")
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(body)
        .map_err(transport)?
        .send()
        .await
        .map_err(transport)?;
    let text = response.text().await.map_err(transport)?;
    if (400..600).contains(&response.status()) {
        return Err(serde_json::from_str(&text).unwrap_or(AppError::Transport(text)));
    }
    let headers = response.headers();
    if let Some(next) = headers.get("location").filter(|_| headers.has(leptos::server_fn::redirect::REDIRECT_HEADER)) {
        return Ok(Posted::Elsewhere(next));
    }
    serde_json::from_str(&text).map(Posted::Answer).map_err(|error| AppError::Transport(error.to_string()))
}

/// A whole-page error (not found, server trouble) in the user's language.
#[component]
pub fn ErrorNotice(error: AppError, #[prop(optional)] not_found: Option<Key>) -> impl IntoView {
    // The page answers with the error's status, as the API does: a missing
    // office or ticket is a 404 to crawlers, monitoring and the service
    // worker's cache, and our own fault a 5xx.
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response
            .set_status(http::StatusCode::from_u16(error.status()).unwrap_or(http::StatusCode::INTERNAL_SERVER_ERROR));
    }
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
