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
    use crate::domain::access::sees_holder;
    use crate::domain::identity::masked_name;
    use crate::domain::ticket::TicketState;
    use crate::store::tickets;

    let ctx = context()?;
    let caller = authorize::<LoadTicket>(&ctx, None).await?;
    let ticket = tickets::view(&ctx.db, code.trim()).await?.ok_or(AppError::NotFound)?;
    let mut view = ticket.view;
    if !sees_holder(&caller, ticket.holder_phone.as_deref(), ticket.office_id) {
        view.holder_name = view.holder_name.as_deref().map(masked_name);
    }
    if view.state == TicketState::Waiting {
        let office = crate::store::offices::find_by_id(&ctx.db, ticket.office_id).await?.ok_or(AppError::NotFound)?;
        let now = ctx.clock.now();
        view.estimate =
            tickets::call_estimate(&ctx.db, &office, ticket.service_id, view.service_date, view.people_ahead, now)
                .await?;
    }
    Ok(view)
}
