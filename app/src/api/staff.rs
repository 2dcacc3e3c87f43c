//! Staff at work: signing in, booking for a citizen who needs help, and
//! cancelling a ticket whose holder's identity does not match.

use leptos::prelude::*;

use super::booking::BookedTicket;
use crate::error::AppError;
use crate::model::StaffDesk;

/// The refusal for a locked account, in whole minutes left.
#[cfg(feature = "ssr")]
fn locked(until: chrono::DateTime<chrono::Utc>, now: chrono::DateTime<chrono::Utc>) -> AppError {
    AppError::StaffLocked(((until - now).num_seconds() + 59) / 60)
}

#[server(prefix = "/api", endpoint = "staff_sign_in")]
pub async fn staff_sign_in(username: String, password: String, #[server(default)] pow: String) -> Result<(), AppError> {
    use super::server::{authorize, client_address, context, start_session};
    use crate::domain::proof_of_work::{self, Solution};
    use crate::store::sessions::SessionOwner;
    use crate::store::staff::SignInAttempt;

    let ctx = context()?;
    authorize::<StaffSignIn>(&ctx, None).await?;
    let now = ctx.clock.now();
    let proof = Solution::decode(&pow).and_then(|s| proof_of_work::check(ctx.code_key.proof_key(), &s, now).ok());
    let device = super::server::known_device(&ctx, &username);
    let address = client_address(&ctx).await;
    let counted_as = match &device {
        Some(name) => format!("{}{name}", crate::store::staff::KNOWN_DEVICE),
        None => address.clone(),
    };
    let attempt = SignInAttempt {
        username: &username,
        password: &password,
        counted_as: &counted_as,
        known_device: device.is_some(),
        proof: proof.as_ref(),
        audited_from: Some(&address),
    };
    match crate::store::staff::sign_in(&ctx.db, &ctx.password_checks, attempt, now).await? {
        Ok(account) => {
            if device.is_none() {
                super::server::remember_device(&ctx, &account.username);
            }
            start_session(&ctx, &SessionOwner::Staff { staff_id: account.id }).await?;
            super::server::redirect("/petugas");
            Ok(())
        }
        Err(refusal) => Err(sign_in_refused(&ctx, refusal, now)),
    }
}

/// A refused sign-in as the caller is told it.
#[cfg(feature = "ssr")]
fn sign_in_refused(
    ctx: &super::server::ServerContext,
    refusal: crate::store::staff::SignInRefusal,
    now: chrono::DateTime<chrono::Utc>,
) -> AppError {
    use crate::domain::proof_of_work::set;
    use crate::store::staff::SignInRefusal;
    match refusal {
        SignInRefusal::Wrong => AppError::StaffSignInWrong,
        SignInRefusal::Locked { until } => locked(until, now),
        SignInRefusal::Busy => AppError::SignInBusy,
        SignInRefusal::ProofNeeded { max_number } => {
            AppError::ProofOfWorkNeeded(set(ctx.code_key.proof_key(), max_number, now))
        }
    }
}

/// How far back the desk lists wrong passwords typed for the account.
#[cfg(feature = "ssr")]
const FAILED_SIGN_INS_SHOWN_DAYS: i64 = 7;

/// The staff page's data: the offices this account works at, with their
/// services, and the wrong passwords typed for the account lately.
#[server(prefix = "/api", endpoint = "staff_desk")]
pub async fn load_staff_desk() -> Result<StaffDesk, AppError> {
    use super::server::{authorize, context};
    use crate::domain::access::Caller;

    let ctx = context()?;
    let Caller::Staff { id, .. } = authorize::<LoadStaffDesk>(&ctx, None).await? else {
        return Err(AppError::Forbidden);
    };
    let account = crate::store::staff::find(&ctx.db, id).await?.ok_or(AppError::Forbidden)?;
    let mut offices = Vec::new();
    let mut counters = Vec::new();
    for summary in crate::store::offices::list(&ctx.db).await? {
        let Some(office) = crate::store::offices::find(&ctx.db, &summary.slug).await? else {
            continue;
        };
        if account.office_id.is_none_or(|own| own == office.id) {
            offices.push(crate::store::offices::queue_view(&ctx.db, &office, ctx.clock.now()).await?);
            let list = crate::store::counters::list(&ctx.db, office.id).await?;
            counters.push((office.slug.clone(), office.name.clone(), list));
        }
    }
    let since = ctx.clock.now() - chrono::Duration::days(FAILED_SIGN_INS_SHOWN_DAYS);
    let failed_sign_ins = crate::store::staff::failed_sign_ins(&ctx.db, &account.username, since).await?;
    Ok(StaffDesk {
        name: account.full_name,
        role: account.role,
        offices,
        counters,
        must_change_password: account.must_change_password,
        failed_sign_ins,
    })
}

/// Books on a citizen's behalf (with or without their phone); the ticket records
/// the staff member and the staff-assisted channel.
#[allow(clippy::too_many_arguments)]
#[server(prefix = "/api", endpoint = "staff_book")]
pub async fn staff_book(
    office: String,
    service: String,
    when: String,
    #[server(default)] date: String,
    nik: String,
    name: String,
    #[server(default)] email: String,
    #[server(default)] phone: String,
    #[server(default)] priority: String,
) -> Result<BookedTicket, AppError> {
    use super::booking::Issuer;
    use super::server::{authorize, context, find_office};
    use crate::domain::booking::IssuedBy;

    let ctx = context()?;
    let office = find_office(&ctx, &office).await?;
    let caller = authorize::<StaffBook>(&ctx, Some(office.id)).await?;
    let by = super::server::actor(&ctx, &caller).await?;
    let input =
        super::booking::BookingInput { office: office.slug.clone(), service, when, date, nik, name, email, priority };
    let booked = super::booking::issue(
        &ctx,
        &office,
        &input.service,
        &input.form(&phone, true),
        Issuer::Other(IssuedBy::staff(by)),
    )
    .await?;
    ctx.hub.counts_changed(office.id);
    super::server::redirect(&format!("/tiket/{}", booked.code));
    Ok(booked)
}

/// Cancels a ticket at the counter, with the reason the citizen will see.
#[server(prefix = "/api", endpoint = "staff_cancel")]
pub async fn staff_cancel(code: String, reason: String) -> Result<(), AppError> {
    use super::server::{authorize, context};
    use crate::domain::ticket::CancelReason;
    use crate::error::{Field, FieldError, FieldProblem};

    let ctx = context()?;
    let code = code.trim().to_uppercase();
    let ticket = crate::store::tickets::ownership(&ctx.db, &code).await?.ok_or(AppError::NotFound)?;
    let caller = authorize::<StaffCancel>(&ctx, Some(ticket.office_id)).await?;
    let by = super::server::actor(&ctx, &caller).await?;
    let reason = CancelReason::parse(&reason)
        .ok_or_else(|| AppError::Invalid(vec![FieldError { field: Field::Reason, problem: FieldProblem::Missing }]))?;
    crate::store::tickets::cancel(&ctx.db, &code, reason, Some(&by), by.at).await?;
    ctx.hub.counts_changed(ticket.office_id);
    let (origin, email, now) = (ctx.public_url.origin(), ctx.notifier.sends_email(), ctx.clock.now());
    let written = crate::store::notifications::after_staff_cancel(&ctx.db, &code, reason, &origin, email, now).await;
    ctx.notifier.after_writing(written, "a cancellation by staff");
    super::server::redirect(&format!("/tiket/{code}"));
    Ok(())
}

/// A staff member sets a new password after giving the current one. Every other
/// session of the account ends; this one goes on.
#[server(prefix = "/api", endpoint = "change_password")]
pub async fn change_password(current_password: String, new_password: String) -> Result<(), AppError> {
    use super::server::{authorize, client_address, context, start_session};
    use crate::domain::access::{check_password, AccountProblem, Caller};
    use crate::error::{Field, FieldProblem};
    use crate::store::sessions::SessionOwner;
    use crate::store::staff::{self, SignInRefusal};

    let ctx = context()?;
    let Caller::Staff { id, .. } = authorize::<ChangePassword>(&ctx, None).await? else {
        return Err(AppError::Forbidden);
    };
    check_password(&new_password).map_err(|p| AppError::field(Field::NewPassword, FieldProblem::Account(p)))?;
    let account = staff::find(&ctx.db, id).await?.ok_or(AppError::Forbidden)?;
    // Checked like a sign-in, so guessing here meets the same lockout.
    let now = ctx.clock.now();
    let client = client_address(&ctx).await;
    let attempt = staff::SignInAttempt {
        username: &account.username,
        password: &current_password,
        counted_as: &client,
        // A signed-in session is no flood: it needs no puzzle and uses the kept checks.
        known_device: true,
        proof: None,
        audited_from: None,
    };
    match staff::sign_in(&ctx.db, &ctx.password_checks, attempt, now).await? {
        Ok(_) => {}
        Err(SignInRefusal::Wrong) => {
            let wrong = FieldProblem::Account(AccountProblem::CurrentPasswordWrong);
            return Err(AppError::field(Field::CurrentPassword, wrong));
        }
        Err(refusal) => return Err(sign_in_refused(&ctx, refusal, now)),
    }
    let by = crate::domain::audit::Actor { account_id: id, address: client, at: now };
    staff::set_password(&ctx.db, id, &new_password, false, &by).await?;
    crate::store::sessions::revoke_staff(&ctx.db, id, now).await?;
    start_session(&ctx, &SessionOwner::Staff { staff_id: id }).await
}
