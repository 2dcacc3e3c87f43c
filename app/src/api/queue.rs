//! Reading the queues: offices, their services and a ticket. Open to everyone;
//! a ticket's public code is hard to guess and shows no NIK.

use leptos::prelude::*;

use crate::error::AppError;
use crate::model::{OfficeSummary, OfficeView, TicketView};

#[server(prefix = "/api", endpoint = "offices")]
pub async fn list_offices() -> Result<Vec<OfficeSummary>, AppError> {
    use super::server::{authorize, context};
    let ctx = context()?;
    authorize::<ListOffices>(&ctx, None).await?;
    Ok(crate::store::offices::list(&ctx.db).await?)
}

#[server(prefix = "/api", endpoint = "office")]
pub async fn load_office(slug: String) -> Result<OfficeView, AppError> {
    use super::server::{authorize, context};
    let ctx = context()?;
    authorize::<LoadOffice>(&ctx, None).await?;
    let office = crate::store::offices::find(&ctx.db, &slug).await?.ok_or(AppError::NotFound)?;
    Ok(crate::store::offices::queue_view(&ctx.db, &office, ctx.clock.now()).await?)
}

#[server(prefix = "/api", endpoint = "ticket")]
pub async fn load_ticket(code: String) -> Result<TicketView, AppError> {
    use super::server::{authorize, context};
    use crate::domain::feedback::FeedbackState;
    use crate::domain::ticket::TicketState;
    use crate::store::tickets;

    let ctx = context()?;
    let caller = authorize::<LoadTicket>(&ctx, None).await?;
    let ticket = tickets::view(&ctx.db, code.trim()).await?.ok_or(AppError::NotFound)?;
    let mut view = shown_to(&caller, &ticket);
    view.feedback = FeedbackState::of(view.state, ticket.done_at, ticket.rating, ctx.clock.now());
    if view.state == TicketState::Waiting {
        let office = crate::store::offices::find_by_id(&ctx.db, ticket.office_id).await?.ok_or(AppError::NotFound)?;
        let now = ctx.clock.now();
        view.estimate =
            tickets::call_estimate(&ctx.db, &office, ticket.service_id, view.service_date, view.people_ahead, now)
                .await?;
    }
    Ok(view)
}

/// A ticket as `caller` may see it: the holder's name in full only for the
/// phone that holds it and the office's staff, since links and receipt QR
/// codes are handed around.
#[cfg(feature = "ssr")]
pub(crate) fn shown_to(
    caller: &crate::domain::access::Caller,
    ticket: &crate::store::tickets::ViewedTicket,
) -> TicketView {
    use crate::domain::access::sees_holder;
    use crate::domain::identity::masked_name;

    let mut view = ticket.view.clone();
    if !sees_holder(caller, ticket.holder_phone.as_deref(), ticket.office_id) {
        view.holder_name = view.holder_name.as_deref().map(masked_name);
    }
    view
}

/// Rates a finished ticket's service, once, within the days allowed; the
/// ticket's code is the holder's proof, as for its page.
#[server(prefix = "/api", endpoint = "give_feedback")]
pub async fn give_feedback(code: String, rating: String, #[server(default)] comment: String) -> Result<(), AppError> {
    use super::server::{authorize, context};
    use crate::domain::feedback::{FeedbackComment, Rating};
    use crate::error::{Field, FieldError, FieldProblem};
    use crate::store::feedback::{give, GiveRefusal};

    let ctx = context()?;
    authorize::<GiveFeedback>(&ctx, None).await?;
    let mut errors = Vec::new();
    let parsed_rating = Rating::parse(&rating);
    if parsed_rating.is_none() {
        let problem = match rating.trim() {
            "" => FieldProblem::Missing,
            _ => FieldProblem::OutOfRange { min: Rating::LOWEST.into(), max: Rating::HIGHEST.into() },
        };
        errors.push(FieldError { field: Field::Rating, problem });
    }
    let comment = FeedbackComment::parse(&comment)
        .map_err(|problem| errors.push(FieldError { field: Field::Comment, problem: FieldProblem::Settings(problem) }))
        .ok();
    let (Some(rating), Some(comment)) = (parsed_rating, comment) else { return Err(AppError::Invalid(errors)) };
    let code = code.trim();
    match give(&ctx.db, code, rating, &comment, ctx.clock.now()).await? {
        Ok(()) => {
            super::server::redirect(&format!("/tiket/{code}"));
            Ok(())
        }
        Err(GiveRefusal::NoSuchTicket) => Err(AppError::NotFound),
        Err(GiveRefusal::Closed) => Err(AppError::FeedbackClosed),
    }
}
