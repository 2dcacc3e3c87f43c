//! The list of offices.

use leptos::prelude::*;
use leptos_meta::Title;

use super::components::{fetch, ErrorNotice};
use super::use_lang;
use crate::api::list_offices;
use crate::i18n::{t, Key};

#[component]
pub fn HomePage() -> impl IntoView {
    let lang = use_lang();
    let offices = fetch(list_offices());
    view! {
        <Title text=t(lang.get_untracked(), Key::OfficesTitle) />
        <h1>{move || t(lang.get(), Key::OfficesTitle)}</h1>
        <p class="lead">{move || t(lang.get(), Key::OfficesIntro)}</p>
        {Suspend::new(async move {
                match offices.await {
                    Ok(offices) => {
                        view! {
                            <ul class="office-list">
                                {offices
                                    .into_iter()
                                    .map(|office| {
                                        view! {
                                            <li>
                                                <a class="card office-card" href=format!("/kantor/{}", office.slug)>
                                                    <strong>{office.name}</strong>
                                                    <span class="muted">{office.address}</span>
                                                </a>
                                            </li>
                                        }
                                    })
                                    .collect_view()}
                            </ul>
                        }
                            .into_any()
                    }
                    Err(error) => view! { <ErrorNotice error /> }.into_any(),
                }
            })}
    }
}
