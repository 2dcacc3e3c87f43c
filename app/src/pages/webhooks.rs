//! An office's webhooks for its admins (see `api::webhooks`). Rendered on the
//! server only, with plain forms: adding one, giving one a new secret and
//! removing one. A new secret is shown once, on the page the form leads to.

use leptos::prelude::*;
use leptos::server_fn::error::ServerFnUrlError;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use super::components::{fetch, ErrorNotice, ReportTable};
use super::use_lang;
use crate::api::{load_webhooks, AddWebhook, RemoveWebhook, RotateWebhookSecret};
use crate::domain::webhook::WebhookEvent;
use crate::error::{AppError, Field};
use crate::i18n::{admin_text, app_error, field_problem, webhook_event_name, AdminText, Lang};
use crate::model::WebhooksView;

#[component]
pub fn WebhooksPage() -> impl IntoView {
    let lang = use_lang().get_untracked();
    let slug = use_params_map().read_untracked().get("office").unwrap_or_default();
    let query = use_query_map().get_untracked();
    let webhooks = fetch(load_webhooks(slug, query.get("rahasia").unwrap_or_default()));
    Suspend::new(async move {
        match webhooks.await {
            Ok(webhooks) => webhooks_view(lang, webhooks).into_any(),
            Err(error) => view! { <ErrorNotice error /> }.into_any(),
        }
    })
}

fn webhooks_view(lang: Lang, view: WebhooksView) -> impl IntoView {
    let query = use_query_map().get_untracked();
    let WebhooksView { slug, office_name, zone, webhooks, revealed, may_add } = view;
    let refusal = query.get_str("__err").map(ServerFnUrlError::<AppError>::decode_err);
    let refused_form = query.get("form").unwrap_or_default();
    let refused = |form: &str| refusal.clone().filter(|_| refused_form == form);
    let saved = query.get("disimpan").unwrap_or_default();
    let at = move |instant: chrono::DateTime<chrono::Utc>| {
        format!("{} {}", zone.local(instant).format("%d-%m-%Y %H:%M"), zone.abbreviation())
    };
    let notice = |text: String, error: bool| {
        let class = if error { "notice notice-error" } else { "notice notice-success" };
        view! { <p class=class role=if error { "alert" } else { "status" }>{text}</p> }
    };
    let top_notice = match (saved.as_str(), refused("webhook-dihapus")) {
        (_, Some(error)) => Some(notice(app_error(lang, &error), true)),
        ("webhook-dihapus", None) => Some(notice(admin_text(lang, AdminText::WebhookRemoved).into(), false)),
        _ => None,
    };
    let rows = webhooks
        .iter()
        .map(|hook| {
            let form = format!("webhook-{}", hook.id);
            let events = hook.events.iter().map(|event| event.as_str()).collect::<Vec<_>>().join(", ");
            let last = match (&hook.last_attempt_at, &hook.last_result) {
                (Some(time), Some(result)) => format!("{} — {result}", at(*time)),
                _ => admin_text(lang, AdminText::WebhookNotSentYet).to_string(),
            };
            let secret = revealed.as_ref().filter(|r| r.webhook == hook.id).map(|r| {
                view! {
                    <div class="notice notice-success" role="status" data-testid="webhook-secret">
                        <p><strong>{admin_text(lang, AdminText::WebhookSecret)}": "</strong><code data-testid="secret">{r.secret.clone()}</code></p>
                        <p>{admin_text(lang, AdminText::WebhookSecretOnce)}</p>
                    </div>
                }
            });
            let refusal = refused(&form).map(|error| notice(app_error(lang, &error), true));
            view! {
                <tr id=form.clone() data-webhook=hook.id>
                    <td><code data-testid="webhook-url">{hook.url.clone()}</code>{secret}{refusal}</td>
                    <td>{events}</td>
                    <td data-testid="last-result" class:failed=hook.last_ok == Some(false)>{last}</td>
                    <td class="number" data-testid="pending">{hook.pending}</td>
                    <td>
                        <span class="row-actions">
                            <form method="post" action={<RotateWebhookSecret as ServerFn>::PATH}>
                                <input type="hidden" name="office" value=slug.clone() />
                                <input type="hidden" name="webhook" value=hook.id />
                                <button type="submit" class="button">{admin_text(lang, AdminText::WebhookRotate)}</button>
                            </form>
                            <form method="post" action={<RemoveWebhook as ServerFn>::PATH}>
                                <input type="hidden" name="office" value=slug.clone() />
                                <input type="hidden" name="webhook" value=hook.id />
                                <button type="submit" class="button">{admin_text(lang, AdminText::WebhookRemove)}</button>
                            </form>
                        </span>
                    </td>
                </tr>
            }
        })
        .collect::<Vec<_>>();
    let form = "webhook-baru";
    let refusal = refused(form);
    let problem = |field: Field| {
        refusal
            .as_ref()
            .and_then(|error| error.field_problem(field))
            .map(|problem| view! { <span class="field-error">{field_problem(lang, problem)}</span> })
    };
    let url_problem = problem(Field::WebhookUrl);
    let events_problem = problem(Field::WebhookEvents);
    let (url_refused, events_refused) = (url_problem.is_some(), events_problem.is_some());
    let typed_url = refusal.as_ref().and_then(|_| query.get("url")).unwrap_or_default();
    let ticked: Vec<String> = match &refusal {
        Some(_) => (0..WebhookEvent::ALL.len()).filter_map(|i| query.get(&format!("events[{i}]"))).collect(),
        None => WebhookEvent::ALL.iter().map(|event| event.as_str().to_string()).collect(),
    };
    let boxes = WebhookEvent::ALL
        .iter()
        .enumerate()
        .map(|(i, event)| {
            view! {
                <label class="inline">
                    <input type="checkbox" name=format!("events[{i}]") value=event.as_str() checked=ticked.iter().any(|t| t == event.as_str()) />
                    " " {webhook_event_name(lang, *event)} " " <code>{event.as_str()}</code>
                </label>
            }
        })
        .collect_view();
    let form_refusal = refusal.as_ref().map(|error| match error {
        AppError::Invalid(_) => notice(admin_text(lang, AdminText::NotSaved).into(), true),
        error => notice(app_error(lang, error), true),
    });
    view! {
        <Title text=format!("{} — {office_name}", admin_text(lang, AdminText::WebhookLink)) />
        <p class="crumbs"><a href=format!("/admin/kantor/{slug}")>{office_name.clone()}</a></p>
        <h1>{admin_text(lang, AdminText::WebhookLink)}</h1>
        <p class="lead">{admin_text(lang, AdminText::WebhookIntro)}</p>
        {top_notice}
        <section class="card staff-section">
            <ReportTable testid="webhooks" rows none=admin_text(lang, AdminText::WebhookNone) headings=vec![
                admin_text(lang, AdminText::WebhookUrl),
                admin_text(lang, AdminText::WebhookEvents),
                admin_text(lang, AdminText::WebhookLastResult),
                admin_text(lang, AdminText::WebhookPending),
                "",
            ] />
        </section>
        {may_add.then(|| view! {
            <section class="card staff-section" id=form>
                <h2>{admin_text(lang, AdminText::WebhookAdd)}</h2>
                {form_refusal}
                <form method="post" action={<AddWebhook as ServerFn>::PATH} class="settings-form">
                    <input type="hidden" name="office" value=slug.clone() />
                    <label class="field" class:invalid=url_refused>
                        <span>{admin_text(lang, AdminText::WebhookUrl)}</span>
                        <input type="url" name="url" value=typed_url required maxlength="1000" placeholder="https://" />
                        <span class="hint">{admin_text(lang, AdminText::WebhookUrlHint)}</span>
                        {url_problem}
                    </label>
                    <fieldset class="field" class:invalid=events_refused>
                        <legend>{admin_text(lang, AdminText::WebhookEvents)}</legend>
                        {boxes}
                        {events_problem}
                    </fieldset>
                    <button type="submit" class="button button-primary">{admin_text(lang, AdminText::WebhookAdd)}</button>
                </form>
            </section>
        })}
    }
}
