//! A citizen's account: signing in with phone and code, "Tiket saya", cancelling
//! an upcoming ticket, signing out; and who is looking at the page.

use leptos::prelude::*;

use crate::error::AppError;
use crate::model::{MyTickets, Viewer};

/// Sends a code to `phone` under the sending limits; returns the request id for
/// the code page. The answer is the same whether or not the phone is known.
#[cfg(feature = "ssr")]
pub(crate) async fn send_code(
    ctx: &super::server::ServerContext,
    phone: &crate::domain::identity::PhoneNumber,
    purpose: crate::store::access::Purpose,
    payload: Option<&str>,
    proof: &str,
) -> Result<String, AppError> {
    use super::server::client_address;
    use crate::domain::otp::SendDecision;
    use crate::i18n::access_code_sms;

    use crate::domain::proof_of_work::{self, Solution};

    let client = client_address(ctx).await;
    let now = ctx.clock.now();
    let key = ctx.code_key.proof_key();
    // Any puzzle this server set, answered in time; the store weighs it against the budget.
    let proof = Solution::decode(proof).and_then(|solution| proof_of_work::check(key, &solution, now).ok());
    let known_phone = super::server::known_phone(ctx, phone);
    let request = crate::store::access::CodeRequest {
        phone,
        client: &client,
        purpose,
        payload,
        proof: proof.as_ref(),
        known_phone,
    };
    let issued = crate::store::access::issue(&ctx.db, &ctx.code_key, &ctx.otp_policy, request, now).await?;
    let code = match issued {
        Ok(code) => code,
        Err(SendDecision::WaitSeconds(seconds)) => return Err(AppError::CodeWait(seconds)),
        Err(SendDecision::TooMany { retry_in_minutes }) => return Err(AppError::CodeTooMany(retry_in_minutes)),
        Err(SendDecision::ProofNeeded { max_number }) => {
            return Err(AppError::ProofOfWorkNeeded(proof_of_work::set(key, max_number, now)))
        }
        Err(SendDecision::Send) => return Err(AppError::Internal),
    };
    let text = access_code_sms(&code.code, ctx.public_url.host(), ctx.otp_policy.lifetime);
    ctx.sms.send(phone, &text, &format!("antrean-code-{}", code.public_id), now).await.map_err(|error| {
        tracing::error!(%error, "sending the access code failed");
        AppError::SmsFailed
    })?;
    Ok(code.public_id)
}

/// A returning citizen signs in with the phone number only.
#[server(prefix = "/api", endpoint = "request_sign_in_code")]
pub async fn request_sign_in_code(phone: String, #[server(default)] pow: String) -> Result<(), AppError> {
    use super::server::{authorize, context};
    use crate::domain::identity::PhoneNumber;
    use crate::error::{Field, FieldError, FieldProblem};
    use crate::store::access::Purpose;

    let ctx = context()?;
    authorize::<RequestSignInCode>(&ctx, None).await?;
    let phone = PhoneNumber::parse(&phone)
        .map_err(|e| AppError::Invalid(vec![FieldError { field: Field::Phone, problem: FieldProblem::Identity(e) }]))?;
    let request = send_code(&ctx, &phone, Purpose::SignIn, None, &pow).await?;
    super::server::redirect(&format!("/kode/{request}"));
    Ok(())
}

#[server(prefix = "/api", endpoint = "who_am_i")]
pub async fn who_am_i() -> Result<Viewer, AppError> {
    use super::server::{authorize, context};
    use crate::domain::access::Caller;

    let ctx = context()?;
    Ok(match authorize::<WhoAmI>(&ctx, None).await? {
        Caller::Anonymous => Viewer::Anonymous,
        Caller::Citizen { phone } => Viewer::Citizen { phone: super::booking::mask_phone(phone.as_str()) },
        Caller::Staff { id, role, .. } => {
            let account = crate::store::staff::find(&ctx.db, id).await?.ok_or(AppError::NotFound)?;
            Viewer::Staff { name: account.full_name, role }
        }
    })
}

#[server(prefix = "/api", endpoint = "my_tickets")]
pub async fn load_my_tickets() -> Result<MyTickets, AppError> {
    use super::server::{authorize, context};
    use crate::domain::access::Caller;
    use crate::domain::calendar::OfficeZone;

    let ctx = context()?;
    let Caller::Citizen { phone } = authorize::<LoadMyTickets>(&ctx, None).await? else {
        return Err(AppError::Forbidden);
    };
    // Citizens book at offices across Indonesia; Jakarta's date decides what is "today".
    let today = OfficeZone::Wib.local(ctx.clock.now()).date();
    let tickets = crate::store::tickets::of_phone(&ctx.db, phone.as_str(), today).await?;
    Ok(MyTickets { today, tickets })
}

#[server(prefix = "/api", endpoint = "cancel_my_ticket")]
pub async fn cancel_my_ticket(code: String) -> Result<(), AppError> {
    use super::server::{authorize, context};
    use crate::domain::access::Caller;
    use crate::domain::ticket::CancelReason;

    let ctx = context()?;
    let Caller::Citizen { phone } = authorize::<CancelMyTicket>(&ctx, None).await? else {
        return Err(AppError::Forbidden);
    };
    let ticket = crate::store::tickets::ownership(&ctx.db, &code).await?.ok_or(AppError::NotFound)?;
    if ticket.holder_phone.as_deref() != Some(phone.as_str()) {
        return Err(AppError::NotFound);
    }
    crate::store::tickets::cancel(&ctx.db, &code, CancelReason::CitizenRequest, None, ctx.clock.now()).await?;
    ctx.hub.counts_changed(ticket.office_id);
    super::server::redirect("/tiket-saya");
    Ok(())
}

/// The ticket a reminder's cancel link names, for the page that asks before
/// cancelling. The link is its own proof: no sign-in.
#[server(prefix = "/api", endpoint = "cancel_link")]
pub async fn load_cancel_link(token: String) -> Result<crate::model::TicketView, AppError> {
    use super::server::{authorize, context};

    let ctx = context()?;
    authorize::<LoadCancelLink>(&ctx, None).await?;
    let code = ticket_of_link(&ctx, &token)?;
    let ticket = crate::store::tickets::view(&ctx.db, &code).await?.ok_or(AppError::NotFound)?;
    let mut view = ticket.view;
    view.holder_name = view.holder_name.as_deref().map(crate::domain::identity::masked_name);
    Ok(view)
}

/// Cancels the ticket a reminder's cancel link names; its place goes back to
/// the quota as any cancellation's does.
#[server(prefix = "/api", endpoint = "cancel_by_link")]
pub async fn cancel_by_link(token: String) -> Result<(), AppError> {
    use super::server::{authorize, context};
    use crate::domain::ticket::CancelReason;

    let ctx = context()?;
    authorize::<CancelByLink>(&ctx, None).await?;
    let code = ticket_of_link(&ctx, &token)?;
    let ticket = crate::store::tickets::ownership(&ctx.db, &code).await?.ok_or(AppError::NotFound)?;
    crate::store::tickets::cancel(&ctx.db, &code, CancelReason::CitizenRequest, None, ctx.clock.now()).await?;
    ctx.hub.counts_changed(ticket.office_id);
    super::server::redirect(&format!("/tiket/{code}"));
    Ok(())
}

/// The ticket code a cancel link was signed for.
#[cfg(feature = "ssr")]
fn ticket_of_link(ctx: &super::server::ServerContext, token: &str) -> Result<String, AppError> {
    use crate::domain::cancel_link::{verify, LinkProblem};
    match verify(ctx.code_key.proof_key(), token, ctx.clock.now()) {
        Ok(code) => Ok(code),
        Err(LinkProblem::Forged) => Err(AppError::NotFound),
        Err(LinkProblem::Expired) => Err(AppError::CancelLinkExpired),
    }
}

#[server(prefix = "/api", endpoint = "sign_out")]
pub async fn sign_out() -> Result<(), AppError> {
    use super::server::{authorize, context, end_session};

    let ctx = context()?;
    authorize::<SignOut>(&ctx, None).await?;
    end_session(&ctx).await?;
    super::server::redirect("/");
    Ok(())
}
