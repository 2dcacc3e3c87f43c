//! The counter console: staff open their counter, call the next number, recall,
//! mark no-shows, serve, finish and transfer. Every move is published to the
//! office's live channel, so phones and the display board follow at once.

use leptos::prelude::*;

use crate::error::AppError;
use crate::model::{ConsoleView, ReceivedCall};

/// A counter's console, for staff of its office.
#[server(prefix = "/api", endpoint = "console")]
pub async fn load_console(counter: i64) -> Result<ConsoleView, AppError> {
    use super::server::{authorize, context};

    let ctx = context()?;
    let info = crate::store::counters::find(&ctx.db, counter).await?.ok_or(AppError::NotFound)?;
    authorize::<LoadConsole>(&ctx, Some(info.office_id)).await?;
    let office = crate::store::offices::find_by_id(&ctx.db, info.office_id).await?.ok_or(AppError::NotFound)?;
    Ok(crate::store::counters::console(&ctx.db, &info, &office, ctx.clock.now()).await?)
}

/// One move at a counter: `action` names a `CounterAction` (`ticket` names
/// the no-show to requeue, `to` the service prefix to transfer to).
#[server(prefix = "/api", endpoint = "counter_action")]
pub async fn counter_action(
    counter: i64,
    action: String,
    #[server(default)] ticket: String,
    #[server(default)] to: String,
) -> Result<ConsoleView, AppError> {
    use super::server::{authorize, context};
    use crate::domain::counter::CounterAction as Action;
    use crate::store::counters;

    let ctx = context()?;
    let info = counters::find(&ctx.db, counter).await?.ok_or(AppError::NotFound)?;
    let caller = authorize::<CounterAction>(&ctx, Some(info.office_id)).await?;
    let by = super::server::actor(&ctx, &caller).await?;
    let action = Action::parse(&action)
        .ok_or(AppError::field(crate::error::Field::Action, crate::error::FieldProblem::NotAChoice))?;
    let office = crate::store::offices::find_by_id(&ctx.db, info.office_id).await?.ok_or(AppError::NotFound)?;
    let now = by.at;
    match action {
        Action::Open | Action::Pause | Action::Close => counters::set_status(&ctx.db, &info, action, &by).await?,
        Action::CallNext | Action::Recall => {
            let call = if action == Action::CallNext {
                counters::call_next(&ctx.db, &info, &office, &by).await
            } else {
                counters::recall(&ctx.db, &info, &by).await
            };
            ctx.hub.called(info.office_id, call?).await;
            notify_after_call(&ctx, counter).await;
        }
        Action::StartServing | Action::Finish | Action::MarkNoShow => {
            let moved = counters::move_current(&ctx.db, &info, action, &by).await?;
            if action == Action::Finish {
                let (origin, email) = (ctx.public_url.origin(), ctx.notifier.sends_email());
                let written =
                    crate::store::notifications::after_finish(&ctx.db, &moved.code, &origin, email, now).await;
                ctx.notifier.after_writing(written, "a finished ticket");
            }
        }
        Action::Requeue => counters::requeue(&ctx.db, &info, ticket.trim(), &by).await?,
        Action::Transfer => counters::transfer(&ctx.db, &info, to.trim(), &by).await?,
    }
    ctx.hub.counts_changed(info.office_id);
    let info = counters::find(&ctx.db, counter).await?.ok_or(AppError::NotFound)?;
    Ok(counters::console(&ctx.db, &info, &office, now).await?)
}

/// Writes the notices a call brings (to the called holder, and "almost your
/// turn" to the front of the line) and wakes the sender.
#[cfg(feature = "ssr")]
async fn notify_after_call(ctx: &super::server::ServerContext, counter: i64) {
    let (origin, email) = (ctx.public_url.origin(), ctx.notifier.sends_email());
    let written = crate::store::notifications::after_call(&ctx.db, counter, &origin, email, ctx.clock.now()).await;
    ctx.notifier.after_writing(written, "a call");
}

/// The calls the signed-in citizen received ("Panggilan").
#[server(prefix = "/api", endpoint = "my_calls")]
pub async fn load_my_calls() -> Result<Vec<ReceivedCall>, AppError> {
    use super::server::{authorize, context};
    use crate::domain::access::Caller;

    let ctx = context()?;
    let Caller::Citizen { phone } = authorize::<LoadMyCalls>(&ctx, None).await? else {
        return Err(AppError::Forbidden);
    };
    Ok(crate::store::counters::calls_for_phone(&ctx.db, phone.as_str()).await?)
}
