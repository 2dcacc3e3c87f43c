//! The counter console: staff open their counter, call the next number, recall,
//! mark no-shows, serve, finish and transfer. Every move is published to the
//! office's live channel, so phones and the display board follow at once.

use leptos::prelude::*;

use crate::error::AppError;
use crate::model::{ConsoleView, ReceivedCall};

/// A counter's console, for staff of its office.
#[server(prefix = "/api", endpoint = "console")]
pub async fn load_console(counter: i64) -> Result<ConsoleView, AppError> {
    use super::server::{authorize, context, internal};

    let ctx = context()?;
    let info = crate::store::counters::find(&ctx.db, counter).await.map_err(internal)?.ok_or(AppError::NotFound)?;
    authorize::<LoadConsole>(&ctx, Some(info.office_id)).await?;
    let today = office_today(&ctx, info.office_id).await?;
    crate::store::counters::console(&ctx.db, &info, today, ctx.clock.now()).await.map_err(internal)
}

/// One move at a counter. `action` is one of: open, pause, close, call_next,
/// recall, serve, finish, no_show, requeue (with `ticket`), transfer (with `to`).
#[server(prefix = "/api", endpoint = "counter_action")]
pub async fn counter_action(
    counter: i64,
    action: String,
    #[server(default)] ticket: String,
    #[server(default)] to: String,
) -> Result<ConsoleView, AppError> {
    use super::server::{authorize, context, internal};
    use crate::domain::access::Caller;
    use crate::domain::counter::CounterStatus;
    use crate::store::counters::{self, CounterError, CurrentMove};

    let ctx = context()?;
    let info = counters::find(&ctx.db, counter).await.map_err(internal)?.ok_or(AppError::NotFound)?;
    let Caller::Staff { id: staff_id, .. } = authorize::<CounterAction>(&ctx, Some(info.office_id)).await? else {
        return Err(AppError::Forbidden);
    };
    let (now, today) = (ctx.clock.now(), office_today(&ctx, info.office_id).await?);
    let refused = |error: CounterError| match error {
        CounterError::NotFound => AppError::NotFound,
        CounterError::Refused(refusal) => AppError::Counter(refusal),
        CounterError::Store(error) => internal(error),
    };
    let set_status = |status| counters::set_status(&ctx.db, counter, status, staff_id);
    match action.as_str() {
        "open" => set_status(CounterStatus::Open).await.map_err(internal)?,
        "pause" => set_status(CounterStatus::Paused).await.map_err(internal)?,
        "close" => set_status(CounterStatus::Closed).await.map_err(internal)?,
        "call_next" => {
            let call = counters::call_next(&ctx.db, &info, today, now).await.map_err(refused)?;
            ctx.hub.called(info.office_id, call).await;
            notify_after_call(&ctx, counter).await;
        }
        "recall" => {
            let call = counters::recall(&ctx.db, &info, now).await.map_err(refused)?;
            ctx.hub.called(info.office_id, call).await;
            notify_after_call(&ctx, counter).await;
        }
        "serve" | "finish" | "no_show" => {
            let wanted = match action.as_str() {
                "serve" => CurrentMove::StartServing,
                "finish" => CurrentMove::Finish,
                _ => CurrentMove::NoShow,
            };
            counters::move_current(&ctx.db, &info, wanted, now).await.map_err(refused)?;
        }
        "requeue" => counters::requeue(&ctx.db, &info, ticket.trim(), now).await.map_err(refused)?,
        "transfer" => counters::transfer(&ctx.db, &info, to.trim()).await.map_err(refused)?,
        _ => return Err(AppError::NotFound),
    }
    ctx.hub.counts_changed(info.office_id);
    let info = counters::find(&ctx.db, counter).await.map_err(internal)?.ok_or(AppError::NotFound)?;
    counters::console(&ctx.db, &info, today, now).await.map_err(internal)
}

/// Writes the notices a call brings (to the called holder, and "almost your
/// turn" to the front of the line) and wakes the sender.
#[cfg(feature = "ssr")]
async fn notify_after_call(ctx: &super::server::ServerContext, counter: i64) {
    let (origin, email) = (ctx.public_url.origin(), ctx.notifier.sends_email());
    let written = crate::store::notifications::after_call(&ctx.db, counter, &origin, email, ctx.clock.now()).await;
    ctx.notifier.after_writing(written, "a call");
}

#[cfg(feature = "ssr")]
async fn office_today(ctx: &super::server::ServerContext, office_id: i64) -> Result<chrono::NaiveDate, AppError> {
    let office = crate::store::offices::find_by_id(&ctx.db, office_id)
        .await
        .map_err(super::server::internal)?
        .ok_or(AppError::NotFound)?;
    Ok(office.zone.local(ctx.clock.now()).date())
}

/// The calls the signed-in citizen received ("Panggilan").
#[server(prefix = "/api", endpoint = "my_calls")]
pub async fn load_my_calls() -> Result<Vec<ReceivedCall>, AppError> {
    use super::server::{authorize, context, internal};
    use crate::domain::access::Caller;

    let ctx = context()?;
    let Caller::Citizen { phone } = authorize::<LoadMyCalls>(&ctx, None).await? else {
        return Err(AppError::Forbidden);
    };
    crate::store::counters::calls_for_phone(&ctx.db, &phone).await.map_err(internal)
}
