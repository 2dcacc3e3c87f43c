//! The audit log for admins (see `api::audit`): a plain GET form filters it,
//! pages are links, and the same filter downloads as CSV. Rendered on the
//! server only.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use super::components::{fetch, ErrorNotice};
use super::use_lang;
use crate::api::{load_audit, AuditCsv, AuditFilter, SaveAuditRetention};
use crate::domain::audit::AuditAction;
use crate::i18n::{admin_text, audit_action_name, AdminText, Lang};
use crate::model::{fields_line, AuditView};

/// The filter's inputs, in the order of the form and the query string.
const FILTER: [&str; 6] = ["office", "account", "action", "object", "from", "until"];

#[component]
pub fn AuditPage() -> impl IntoView {
    let lang = use_lang().get_untracked();
    let query = use_query_map().get_untracked();
    let asked = FILTER.map(|name| query.get(name).unwrap_or_default());
    let page = query.get("page").and_then(|p| p.parse().ok()).unwrap_or(0);
    let [office, account, action, object, from, until] = asked.clone();
    let log = fetch(load_audit(AuditFilter { office, account, action, object, from, until }, page));
    Suspend::new(async move {
        match log.await {
            Ok(log) => audit_view(lang, log, asked).into_any(),
            Err(error) => view! { <ErrorNotice error /> }.into_any(),
        }
    })
}

fn audit_view(lang: Lang, log: AuditView, asked: [String; 6]) -> impl IntoView {
    let text = move |t| admin_text(lang, t);
    let zone = log.zone;
    let rows = log
        .entries
        .iter()
        .map(|entry| {
            let action = AuditAction::parse(&entry.action)
                .map_or_else(|| entry.action.clone(), |a| audit_action_name(lang, a).to_string());
            let account =
                if entry.account.is_empty() { text(AdminText::AuditSystem).to_string() } else { entry.account.clone() };
            view! {
                <tr data-action=entry.action.clone()>
                    <td>{format!("{} {}", zone.local(entry.at).format("%d-%m-%Y %H:%M:%S"), zone.abbreviation())}</td>
                    <td>{entry.office_name.clone()}</td>
                    <td data-testid="audit-account">{account}</td>
                    <td><code>{entry.address.clone()}</code></td>
                    <td>{action}</td>
                    <td data-testid="audit-object">{entry.object.clone()}</td>
                    <td class="audit-change">{fields_line(&entry.before)}</td>
                    <td class="audit-change" data-testid="audit-after">{fields_line(&entry.after)}</td>
                </tr>
            }
        })
        .collect_view();
    let office_options = log
        .offices
        .iter()
        .map(|(slug, name)| view! { <option value=slug.clone() selected=*slug == log.office>{name.clone()}</option> })
        .collect_view();
    let action_options = AuditAction::all()
        .map(|action| {
            let name = action.as_str();
            view! { <option value=name selected=asked[2] == name>{audit_action_name(lang, action)}</option> }
        })
        .collect_view();
    let query = &log.filter_query;
    let link = |page: u32| format!("/admin/jejak-audit?{query}{}page={page}", if query.is_empty() { "" } else { "&" });
    let newer = (log.page > 0).then(|| link(log.page - 1));
    let older = log.more.then(|| link(log.page + 1));
    let csv = format!("{}?{query}", <AuditCsv as ServerFn>::PATH);
    view! {
        <Title text=text(AdminText::AuditLink) />
        <h1>{text(AdminText::AuditLink)}</h1>
        <p class="lead">{text(AdminText::AuditIntro)}</p>
        <form method="get" action="/admin/jejak-audit" class="card staff-section audit-filter" data-testid="audit-filter">
            <div class="field">
                <label for="audit-office">{text(AdminText::AuditOffice)}</label>
                <select id="audit-office" name="office">
                    {log.may_set_retention.then(|| view! { <option value="">{text(AdminText::AuditAllOffices)}</option> })}
                    {office_options}
                </select>
            </div>
            <div class="field">
                <label for="audit-account">{text(AdminText::AuditAccount)}</label>
                <input id="audit-account" name="account" value=asked[1].clone() autocomplete="off" />
            </div>
            <div class="field">
                <label for="audit-action">{text(AdminText::AuditAction)}</label>
                <select id="audit-action" name="action">
                    <option value="">{text(AdminText::AuditAllActions)}</option>
                    {action_options}
                </select>
            </div>
            <div class="field">
                <label for="audit-object">{text(AdminText::AuditObject)}</label>
                <input id="audit-object" name="object" value=asked[3].clone() />
            </div>
            <div class="field">
                <label for="audit-from">{text(AdminText::AuditFrom)}</label>
                <input id="audit-from" type="date" name="from" value=asked[4].clone() />
            </div>
            <div class="field">
                <label for="audit-until">{text(AdminText::AuditUntil)}</label>
                <input id="audit-until" type="date" name="until" value=asked[5].clone() />
            </div>
            <span class="row-actions">
                <button type="submit" class="button">{text(AdminText::AuditShow)}</button>
                <a class="button" href=csv download>{text(AdminText::AuditDownload)}</a>
            </span>
        </form>
        <section class="card staff-section">
            {if log.entries.is_empty() {
                view! { <p class="muted">{text(AdminText::AuditNone)}</p> }.into_any()
            } else {
                view! {
                    <div class="table-scroll">
                        <table class="report" data-testid="audit-log">
                            <thead>
                                <tr>
                                    {[
                                        AdminText::AuditWhen,
                                        AdminText::AuditOffice,
                                        AdminText::AuditAccount,
                                        AdminText::AuditAddress,
                                        AdminText::AuditAction,
                                        AdminText::AuditObject,
                                        AdminText::AuditBefore,
                                        AdminText::AuditAfter,
                                    ]
                                        .map(|t| view! { <th scope="col">{text(t)}</th> })
                                        .collect_view()}
                                </tr>
                            </thead>
                            <tbody>{rows}</tbody>
                        </table>
                    </div>
                }
                    .into_any()
            }}
            <p class="row-actions">
                {newer.map(|href| view! { <a class="button" href=href rel="prev">{text(AdminText::AuditNewer)}</a> })}
                {older.map(|href| view! { <a class="button" href=href rel="next">{text(AdminText::AuditOlder)}</a> })}
            </p>
        </section>
        <section class="card staff-section">
            <h2>{text(AdminText::AuditRetention)}</h2>
            <p class="muted">{text(AdminText::AuditRetentionHint)}</p>
            {if log.may_set_retention {
                view! {
                    <form method="post" action={<SaveAuditRetention as ServerFn>::PATH}>
                        <label for="audit-retention">{text(AdminText::AuditRetentionDays)}</label>
                        <input id="audit-retention" type="number" name="days" min="30" max="3650" value=log.retention_days />
                        <button type="submit" class="button">{text(AdminText::AuditSave)}</button>
                    </form>
                }
                    .into_any()
            } else {
                view! { <p data-testid="retention">{format!("{} ({})", log.retention_days, text(AdminText::AuditRetentionDays))}</p> }.into_any()
            }}
        </section>
    }
}
