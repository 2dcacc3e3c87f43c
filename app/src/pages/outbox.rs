//! An office's outbox for its admins (see `api::outbox`). Rendered on the
//! server only; "send again" is a plain form.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use super::components::{fetch, ErrorNotice, ReportTable};
use super::use_lang;
use crate::api::{load_outbox, RetryNotice};
use crate::i18n::{admin_text, notice_channel_name, notice_moment_name, AdminText};
use crate::model::OutboxView;

#[component]
pub fn OutboxPage() -> impl IntoView {
    let lang = use_lang().get_untracked();
    let slug = use_params_map().read_untracked().get("office").unwrap_or_default();
    let outbox = fetch(load_outbox(slug));
    Suspend::new(async move {
        match outbox.await {
            Ok(outbox) => outbox_view(lang, outbox).into_any(),
            Err(error) => view! { <ErrorNotice error /> }.into_any(),
        }
    })
}

fn outbox_view(lang: crate::i18n::Lang, outbox: OutboxView) -> impl IntoView {
    let OutboxView { slug, office_name, zone, channels, failures } = outbox;
    let at = move |instant: chrono::DateTime<chrono::Utc>| {
        format!("{} {}", zone.local(instant).format("%d-%m-%Y %H:%M"), zone.abbreviation())
    };
    let rows = channels
        .into_iter()
        .map(|c| {
            view! {
                <tr data-channel=c.channel.as_str()>
                    <th scope="row">{notice_channel_name(lang, c.channel)}</th>
                    <td class="number" data-testid="unsent">{c.unsent}</td>
                    <td>{c.oldest_unsent.map(at).unwrap_or_else(|| "–".into())}</td>
                    <td class="number" data-testid="failed">{c.failed}</td>
                    <td class="number">{c.sent_here}</td>
                    <td class="number">{c.failed_tries_here}</td>
                </tr>
            }
        })
        .collect::<Vec<_>>();
    let failed_rows = failures
        .iter()
        .map(|f| {
            view! {
                <tr data-notice=f.id>
                    <td>{f.display_number.clone()}</td>
                    <td>{notice_channel_name(lang, f.channel)}</td>
                    <td>{notice_moment_name(lang, &f.moment)}</td>
                    <td class="number">{f.attempts}</td>
                    <td><code>{f.last_error.clone()}</code></td>
                    <td>{at(f.failed_at)}</td>
                    <td>
                        <form method="post" action={<RetryNotice as ServerFn>::PATH}>
                            <input type="hidden" name="office" value=slug.clone() />
                            <input type="hidden" name="notice" value=f.id />
                            <button type="submit" class="button">{admin_text(lang, AdminText::OutboxRetry)}</button>
                        </form>
                    </td>
                </tr>
            }
        })
        .collect::<Vec<_>>();
    view! {
        <Title text=format!("{} — {office_name}", admin_text(lang, AdminText::OutboxLink)) />
        <p class="crumbs"><a href=format!("/admin/kantor/{slug}")>{office_name.clone()}</a></p>
        <h1>{admin_text(lang, AdminText::OutboxLink)}</h1>
        <p class="lead">{admin_text(lang, AdminText::OutboxIntro)}</p>
        <section class="card staff-section">
            <ReportTable testid="outbox" rows headings=vec![
                admin_text(lang, AdminText::OutboxChannel),
                admin_text(lang, AdminText::OutboxUnsent),
                admin_text(lang, AdminText::OutboxOldest),
                admin_text(lang, AdminText::OutboxFailed),
                admin_text(lang, AdminText::OutboxSentHere),
                admin_text(lang, AdminText::OutboxFailedTriesHere),
            ] />
        </section>
        <section class="card staff-section">
            <h2>{admin_text(lang, AdminText::OutboxFailures)}</h2>
            <ReportTable testid="failed-notices" rows=failed_rows none=admin_text(lang, AdminText::OutboxNoFailures) headings=vec![
                admin_text(lang, AdminText::OutboxNumber),
                admin_text(lang, AdminText::OutboxChannel),
                admin_text(lang, AdminText::OutboxMoment),
                admin_text(lang, AdminText::OutboxAttempts),
                admin_text(lang, AdminText::OutboxLastError),
                admin_text(lang, AdminText::OutboxFailedAt),
                "",
            ] />
        </section>
    }
}
