//! An office's outbox for its admins: the notices waiting to be sent per
//! channel, the oldest of them, the ones given up on with their last error,
//! and a retry for each of those.

use leptos::prelude::*;

use crate::error::AppError;
use crate::model::OutboxView;

/// Failed notices listed, newest first.
#[cfg(feature = "ssr")]
const FAILURES_SHOWN: i64 = 50;

#[server(prefix = "/api", endpoint = "outbox")]
pub async fn load_outbox(office: String) -> Result<OutboxView, AppError> {
    use super::server::context;
    use crate::model::{FailedNoticeView, OutboxChannel};

    let ctx = context()?;
    let found = super::settings::administered_office::<LoadOutbox>(&ctx, &office).await?;
    let (backlog, failed) = crate::store::notifications::outbox(&ctx.db, found.id, FAILURES_SHOWN).await?;
    let channels = backlog
        .into_iter()
        .map(|b| {
            let here = ctx.notifier.counts().of(b.channel);
            OutboxChannel {
                channel: b.channel,
                unsent: b.unsent,
                oldest_unsent: b.oldest,
                failed: b.failed,
                sent_here: here.sent,
                failed_tries_here: here.failed_tries,
            }
        })
        .collect();
    let failures = failed
        .into_iter()
        .map(|f| FailedNoticeView {
            id: f.id,
            channel: f.channel,
            moment: f.moment,
            display_number: f.display_number,
            attempts: f.attempts,
            last_error: f.last_error,
            failed_at: f.failed_at,
        })
        .collect();
    Ok(OutboxView { slug: found.slug.clone(), office_name: found.name.clone(), zone: found.zone, channels, failures })
}

/// Sends a failed notice again from its first try; back to the outbox page.
#[server(prefix = "/api", endpoint = "retry_notice")]
pub async fn retry_notice(office: String, notice: String) -> Result<(), AppError> {
    use super::server::{context, redirect};

    let ctx = context()?;
    let (found, by) = super::settings::office_changed_by::<RetryNotice>(&ctx, &office).await?;
    let id: i64 = notice.trim().parse().map_err(|_| AppError::NotFound)?;
    if !crate::store::notifications::retry(&ctx.db, found.id, id, &by).await? {
        return Err(AppError::NotFound);
    }
    ctx.notifier.wake();
    redirect(&format!("/admin/kantor/{}/kotak-keluar", found.slug));
    Ok(())
}
