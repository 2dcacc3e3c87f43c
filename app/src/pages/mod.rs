//! The pages and the application shell.

mod booking;
mod components;
mod home;
mod office;
mod ticket;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Stylesheet, Title};
use leptos_router::components::{Route, Router, Routes, A};
use leptos_router::{path, SsrMode};

use crate::i18n::{t, Key, Lang};
use components::LanguageSwitch;

/// The HTML document the server renders around the app.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    let lang = initial_lang();
    view! {
        <!DOCTYPE html>
        <html lang=lang.code()>
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <meta name="theme-color" content="#0b5cab" />
                <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
                <HydrationScripts options />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

/// The language chosen in the `lang` cookie, read from the request on the server
/// and from `document.cookie` in the browser, so both render the same page.
fn initial_lang() -> Lang {
    #[cfg(feature = "ssr")]
    {
        use_context::<http::request::Parts>()
            .and_then(|parts| parts.headers.get(http::header::COOKIE)?.to_str().ok().map(Lang::from_cookie_header))
            .unwrap_or_default()
    }
    #[cfg(not(feature = "ssr"))]
    {
        components::browser_cookie_lang()
    }
}

/// The user's language, shared by every component.
pub fn use_lang() -> RwSignal<Lang> {
    use_context::<RwSignal<Lang>>().unwrap_or_else(|| RwSignal::new(Lang::default()))
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    let lang = RwSignal::new(initial_lang());
    provide_context(lang);
    let text = move |key| move || t(lang.get(), key);

    view! {
        <Stylesheet id="antrean" href="/style/main.css" />
        <Title formatter=|title: String| if title.is_empty() { "Antrean".to_string() } else { format!("{title} · Antrean") } />
        <Router>
            <a class="skip" href="#main">{text(Key::SkipToContent)}</a>
            <header class="topbar">
                <A href="/" attr:class="brand">
                    <span class="brand-mark" aria-hidden="true">"A"</span>
                    {text(Key::AppName)}
                </A>
                <LanguageSwitch />
            </header>
            <main id="main">
                <Routes fallback=move || view! { <h1>{text(Key::NotFoundTitle)}</h1> }>
                    <Route path=path!("/") view=home::HomePage ssr=SsrMode::Async />
                    <Route path=path!("/kantor/:office") view=office::OfficePage ssr=SsrMode::Async />
                    <Route path=path!("/kantor/:office/daftar") view=booking::BookingPage ssr=SsrMode::Async />
                    <Route path=path!("/tiket/:code") view=ticket::TicketPage ssr=SsrMode::Async />
                </Routes>
            </main>
        </Router>
    }
}
