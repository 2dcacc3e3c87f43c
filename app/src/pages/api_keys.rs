//! An office's API keys for its admins (see `api::api_keys`). The list is
//! rendered on the server and revoking is a plain form; only the form that
//! shows a new key once is an island.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use super::components::{fetch, ErrorNotice, FieldError, FormAlert, FormPost, PostForm, ReportTable};
use super::use_lang;
use crate::api::{load_api_keys, CreateApiKey, RevokeApiKey};
use crate::i18n::{admin_text, AdminText};
use crate::model::ApiKeysView;

#[component]
pub fn ApiKeysPage() -> impl IntoView {
    let lang = use_lang().get_untracked();
    let slug = use_params_map().read_untracked().get("office").unwrap_or_default();
    let keys = fetch(load_api_keys(slug));
    Suspend::new(async move {
        match keys.await {
            Ok(keys) => keys_view(lang, keys).into_any(),
            Err(error) => view! { <ErrorNotice error /> }.into_any(),
        }
    })
}

fn keys_view(lang: crate::i18n::Lang, view: ApiKeysView) -> impl IntoView {
    let ApiKeysView { slug, office_name, zone, keys } = view;
    let at = move |instant: chrono::DateTime<chrono::Utc>| {
        format!("{} {}", zone.local(instant).format("%d-%m-%Y %H:%M"), zone.abbreviation())
    };
    let rows = keys
        .iter()
        .map(|key| {
            let state = match key.revoked_at {
                Some(revoked) => format!("{} {}", admin_text(lang, AdminText::ApiKeyRevokedAt), at(revoked)),
                None => admin_text(lang, AdminText::ApiKeyLive).to_string(),
            };
            view! {
                <tr data-key=key.id>
                    <th scope="row">{key.label.clone()}</th>
                    <td><code>{format!("{}…", key.shown)}</code></td>
                    <td>{at(key.created_at)}</td>
                    <td>{key.last_used_at.map(at).unwrap_or_else(|| "–".into())}</td>
                    <td data-testid="key-state">{state}</td>
                    <td>
                        {key.revoked_at.is_none().then(|| view! {
                            <form method="post" action={<RevokeApiKey as ServerFn>::PATH}>
                                <input type="hidden" name="office" value=slug.clone() />
                                <input type="hidden" name="key" value=key.id />
                                <button type="submit" class="button button-quiet">{admin_text(lang, AdminText::ApiKeyRevoke)}</button>
                            </form>
                        })}
                    </td>
                </tr>
            }
        })
        .collect::<Vec<_>>();
    view! {
        <Title text=format!("{} — {office_name}", admin_text(lang, AdminText::ApiKeysLink)) />
        <p class="crumbs"><a href=format!("/admin/kantor/{slug}")>{office_name.clone()}</a></p>
        <h1>{admin_text(lang, AdminText::ApiKeysLink)}</h1>
        <p class="lead">{admin_text(lang, AdminText::ApiKeysIntro)}</p>
        <p><a href="/api/v1/openapi.json">{admin_text(lang, AdminText::ApiKeyDocs)}</a></p>
        <section class="card staff-section">
            <NewApiKeyForm office=slug.clone() />
        </section>
        <section class="card staff-section">
            <ReportTable testid="api-keys" rows none=admin_text(lang, AdminText::ApiKeyNone) headings=vec![
                admin_text(lang, AdminText::ApiKeyLabel),
                admin_text(lang, AdminText::ApiKeyShown),
                admin_text(lang, AdminText::ApiKeyCreatedAt),
                admin_text(lang, AdminText::ApiKeyLastUsed),
                admin_text(lang, AdminText::ApiKeyState),
                "",
            ] />
        </section>
    }
}

#[cfg_attr(any(feature = "ssr", feature = "bundle-staff"), island)]
#[cfg_attr(not(any(feature = "ssr", feature = "bundle-staff")), component)]
fn NewApiKeyForm(office: String) -> impl IntoView {
    use crate::error::Field;

    let lang = use_lang();
    let create = FormPost::<CreateApiKey>::new();
    let error = create.refusal();
    let name = Field::Label.input_name();
    let invalid = move || error.get().and_then(|e| e.field_problem(Field::Label)).is_some().to_string();
    let reload = format!("/admin/kunci-api/{office}");
    view! {
        {move || create.answer().get().map(|made| view! {
            <div class="notice notice-success" role="status" data-testid="new-api-key">
                <p>{move || admin_text(lang.get(), AdminText::ApiKeyMade)} " " <strong>{made.label.clone()}</strong></p>
                <p><code class="password" data-testid="api-key-value">{made.key.clone()}</code></p>
                <p class="hint">{move || admin_text(lang.get(), AdminText::ApiKeyOnce)}</p>
                <p><a href=reload.clone()>{move || crate::i18n::t(lang.get(), crate::i18n::Key::RefreshList)}</a></p>
            </div>
        })}
        <PostForm post=create class="booking-form" novalidate=true>
            <FormAlert error />
            <input type="hidden" name="office" value=office.clone() />
            <div class="field">
                <label for=name>{move || admin_text(lang.get(), AdminText::ApiKeyLabel)}</label>
                <input id=name name=name type="text" autocomplete="off" maxlength="64"
                    aria-describedby=format!("{name}-error") aria-invalid=invalid />
                <FieldError field=Field::Label error />
            </div>
            <button type="submit" class="button">{move || admin_text(lang.get(), AdminText::ApiKeyCreate)}</button>
        </PostForm>
    }
}
