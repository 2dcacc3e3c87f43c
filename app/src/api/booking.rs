//! Taking a number. A citizen who is not signed in fills the form and gets a
//! one-time code by SMS; the booking waits with the code and is issued when the
//! code is confirmed, which also signs the citizen in. A signed-in citizen books
//! directly with the phone already verified.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;
use crate::model::CodeRequestView;

/// What the booking answer carries back; the browser is also redirected to the ticket.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BookedTicket {
    pub code: String,
    pub display_number: String,
    pub existing: bool,
}

/// The booking form as typed (everything but the phone), kept with the code
/// until it is confirmed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BookingInput {
    pub office: String,
    pub service: String,
    pub when: String,
    pub date: String,
    pub nik: String,
    pub name: String,
    pub email: String,
    /// A priority category the holder declares; empty for none.
    #[serde(default)]
    pub priority: String,
}

#[cfg(feature = "ssr")]
impl BookingInput {
    /// The form to parse, with the phone from wherever it is known.
    pub(crate) fn form<'a>(&'a self, phone: &'a str, contact_optional: bool) -> super::server::BookingForm<'a> {
        super::server::BookingForm {
            when: &self.when,
            date: &self.date,
            nik: &self.nik,
            name: &self.name,
            email: &self.email,
            phone,
            priority: &self.priority,
            contact_optional,
        }
    }
}

/// Step one for a citizen who is not signed in: check the form, send the code.
#[allow(clippy::too_many_arguments)]
#[server(prefix = "/api", endpoint = "request_booking_code")]
pub async fn request_booking_code(
    office: String,
    service: String,
    when: String,
    #[server(default)] date: String,
    nik: String,
    name: String,
    email: String,
    phone: String,
    #[server(default)] pow: String,
    #[server(default)] priority: String,
) -> Result<(), AppError> {
    use super::server::{authorize, context, internal};
    use crate::error::{Field, FieldProblem};
    use crate::store::access::Purpose;

    let ctx = context()?;
    authorize::<RequestBookingCode>(&ctx, None).await?;
    let office_row = super::server::find_office(&ctx, &office).await?;
    let known = office_row.service(service.trim()).cloned();
    let input = BookingInput { office, service: service.trim().to_string(), when, date, nik, name, email, priority };
    let (_, holder) = input.form(&phone, false).parse(known.is_some())?;
    // What the booking would be refused for is refused before a code is sent.
    if let Some(service) = &known {
        service.admits(crate::domain::ticket::Channel::Online).map_err(AppError::Refused)?;
    }
    if holder.priority.is_some_and(|category| !office_row.priority.admits(category, true)) {
        return Err(AppError::Refused(crate::domain::booking::BookingRefusal::PriorityNotOffered));
    }
    let phone = holder.phone.ok_or(AppError::field(Field::Phone, FieldProblem::Missing))?;
    let payload = serde_json::to_string(&input).map_err(internal)?;
    let request = super::account::send_code(&ctx, &phone, Purpose::Booking, Some(&payload), &pow).await?;
    super::server::redirect(&format!("/kode/{request}"));
    Ok(())
}

/// The code page's facts: where the code went and what it will confirm.
#[server(prefix = "/api", endpoint = "code_request")]
pub async fn load_code_request(request: String) -> Result<CodeRequestView, AppError> {
    use super::server::{authorize, context};
    use crate::store::access::Purpose;

    let ctx = context()?;
    authorize::<LoadCodeRequest>(&ctx, None).await?;
    let pending = crate::store::access::pending(&ctx.db, &request).await?.ok_or(AppError::NotFound)?;
    Ok(CodeRequestView {
        masked_phone: mask_phone(pending.phone.as_str()),
        for_booking: pending.purpose == Purpose::Booking,
    })
}

/// "+6281234567890" → "+62 812-****-7890".
pub fn mask_phone(phone: &str) -> String {
    let digits = phone.trim_start_matches("+62");
    if digits.len() < 7 {
        return phone.to_string();
    }
    format!("+62 {}-****-{}", &digits[..3], &digits[digits.len() - 4..])
}

/// Step two: the code. On success the citizen is signed in, and a waiting booking is issued.
#[server(prefix = "/api", endpoint = "confirm_code")]
pub async fn confirm_code(request: String, code: String) -> Result<(), AppError> {
    use super::server::{authorize, context, internal, start_session};
    use crate::domain::otp::VerifyOutcome;
    use crate::store::access::Purpose;
    use crate::store::sessions::SessionOwner;

    let ctx = context()?;
    authorize::<ConfirmCode>(&ctx, None).await?;
    let (outcome, pending) =
        crate::store::access::verify(&ctx.db, &ctx.code_key, &ctx.otp_policy, &request, &code, ctx.clock.now()).await?;
    let pending = match (outcome, pending) {
        (VerifyOutcome::Accepted, Some(pending)) => pending,
        (VerifyOutcome::Wrong { tries_left }, _) => return Err(AppError::CodeWrong { tries_left }),
        _ => return Err(AppError::CodeDead),
    };
    start_session(&ctx, &SessionOwner::Citizen { phone: pending.phone.clone() }).await?;
    super::server::remember_phone(&ctx, &pending.phone);
    if pending.purpose == Purpose::SignIn {
        super::server::redirect("/tiket-saya");
        return Ok(());
    }
    let booking: BookingInput =
        serde_json::from_str(pending.payload.as_deref().unwrap_or_default()).map_err(internal)?;
    let office = super::server::find_office(&ctx, &booking.office).await?;
    let form = booking.form(pending.phone.as_str(), false);
    let booked =
        issue(&ctx, &office, &booking.service, &form, Issuer::Other(crate::domain::booking::IssuedBy::ONLINE)).await?;
    super::server::redirect(&format!("/tiket/{}", booked.code));
    Ok(())
}

/// A new code for the same request, when the first did not arrive or died.
#[server(prefix = "/api", endpoint = "resend_code")]
pub async fn resend_code(request: String, #[server(default)] pow: String) -> Result<(), AppError> {
    use super::server::{authorize, context};

    let ctx = context()?;
    authorize::<ResendCode>(&ctx, None).await?;
    let pending = crate::store::access::pending(&ctx.db, &request).await?.ok_or(AppError::NotFound)?;
    let request =
        super::account::send_code(&ctx, &pending.phone, pending.purpose, pending.payload.as_deref(), &pow).await?;
    super::server::redirect(&format!("/kode/{request}"));
    Ok(())
}

/// A signed-in citizen books with the phone already verified.
#[allow(clippy::too_many_arguments)]
#[server(prefix = "/api", endpoint = "book")]
pub async fn book_ticket(
    office: String,
    service: String,
    when: String,
    #[server(default)] date: String,
    nik: String,
    name: String,
    email: String,
    #[server(default)] priority: String,
) -> Result<BookedTicket, AppError> {
    use super::server::{authorize_booking, context};
    use crate::domain::access::Caller;

    let ctx = context()?;
    // The session and the office as this instance last read them: the
    // booking's transaction checks that both are current (one read fewer each).
    let (Caller::Citizen { phone }, session) = authorize_booking::<BookTicket>(&ctx).await? else {
        return Err(AppError::Forbidden);
    };
    let input = BookingInput { office, service, when, date, nik, name, email, priority };
    let mut office = crate::store::offices::find_remembered(&ctx.db, &input.office).await?.ok_or(AppError::NotFound)?;
    if office.service(input.service.trim()).is_none() {
        // A service opened since the copy was read is not in it.
        office = super::server::find_office(&ctx, &input.office).await?;
    }
    let form = input.form(phone.as_str(), false);
    let booked = issue(&ctx, &office, &input.service, &form, Issuer::Citizen(&session)).await?;
    super::server::redirect(&format!("/tiket/{}", booked.code));
    Ok(booked)
}

/// Who issues a ticket through `issue`.
#[cfg(feature = "ssr")]
pub(crate) enum Issuer<'a> {
    /// The signed-in citizen, under their session (`tickets::book_online`).
    Citizen(&'a crate::store::sessions::SessionKey),
    Other(crate::domain::booking::IssuedBy),
}

/// Parses the form for the office and service and issues the ticket.
#[cfg(feature = "ssr")]
pub(crate) async fn issue(
    ctx: &super::server::ServerContext,
    office: &crate::domain::office::Office,
    service: &str,
    form: &super::server::BookingForm<'_>,
    by: Issuer<'_>,
) -> Result<BookedTicket, AppError> {
    use crate::store::tickets;

    let service = office.service(service.trim());
    let (request, holder) = form.parse(service.is_some())?;
    let service = service.ok_or(AppError::NotFound)?;
    let now = ctx.clock.now();
    let booked = match by {
        Issuer::Citizen(session) => {
            tickets::book_online(&ctx.db, office, service, &holder, session, request, now).await?
        }
        Issuer::Other(by) => tickets::book(&ctx.db, office, service, &holder, by, request, now).await?,
    };
    ctx.hub.counts_changed(office.id);
    if booked.new_for_today {
        notify_after_issue(ctx, &booked.code).await;
    }
    Ok(BookedTicket { code: booked.code, display_number: booked.display_number, existing: booked.existing })
}

/// Writes "almost your turn" for a number taken today with few people ahead
/// and wakes the sender; if that fails, the next call of its line writes it.
#[cfg(feature = "ssr")]
async fn notify_after_issue(ctx: &super::server::ServerContext, code: &str) {
    let (origin, email) = (ctx.public_url.origin(), ctx.notifier.sends_email());
    let written = crate::store::notifications::after_issue(&ctx.db, code, &origin, email, ctx.clock.now()).await;
    ctx.notifier.after_writing(written, "a new ticket");
}

#[cfg(test)]
mod tests {
    use super::mask_phone;

    #[test]
    fn a_masked_phone_shows_only_the_operator_and_the_last_four_digits() {
        assert_eq!(mask_phone("+6281234567890"), "+62 812-****-7890");
    }
}
