//! Small pieces shared by the pages.

use leptos::prelude::*;

use super::use_lang;
use crate::error::AppError;
use crate::i18n::{app_error, t, Key, Lang};

/// Switches between Bahasa Indonesia and English, remembering the choice in a cookie.
#[component]
pub fn LanguageSwitch() -> impl IntoView {
    let lang = use_lang();
    let switch = move |_| {
        let next = lang.get_untracked().other();
        lang.set(next);
        remember_lang(next);
    };
    view! {
        <button type="button" class="lang-switch" on:click=switch lang=move || lang.get().other().code()>
            {move || t(lang.get(), Key::SwitchLanguage)}
        </button>
    }
}

#[cfg(feature = "hydrate")]
fn html_document() -> Option<web_sys::HtmlDocument> {
    use wasm_bindgen::JsCast;
    document().dyn_into::<web_sys::HtmlDocument>().ok()
}

#[cfg(feature = "hydrate")]
fn remember_lang(lang: Lang) {
    if let Some(doc) = html_document() {
        let _ = doc.set_cookie(&format!("{}={}; path=/; max-age=31536000; samesite=lax", Lang::COOKIE, lang.code()));
        if let Some(root) = doc.document_element() {
            let _ = root.set_attribute("lang", lang.code());
        }
    }
}

#[cfg(not(feature = "hydrate"))]
fn remember_lang(_lang: Lang) {}

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
    let message = move || match (&error, not_found) {
        (AppError::NotFound, Some(key)) => t(lang.get(), key).to_string(),
        (error, _) => app_error(lang.get(), error),
    };
    view! {
        <div class="notice notice-error" role="alert">
            <p>{message}</p>
            <p><a href="/">{move || t(lang.get(), Key::BackToOffices)}</a></p>
        </div>
    }
}

pub fn loading() -> impl IntoView {
    let lang = use_lang();
    view! { <p class="loading" aria-live="polite">{move || t(lang.get(), Key::Loading)}</p> }
}

/// A service's name in the user's language.
pub fn service_name(lang: Lang, name_id: &str, name_en: &str) -> String {
    match lang {
        Lang::Id => name_id.to_string(),
        Lang::En => name_en.to_string(),
    }
}
