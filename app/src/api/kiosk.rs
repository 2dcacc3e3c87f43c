//! Kiosk screens: the display board of an office and the self-service page that
//! issues walk-in numbers from the same daily quota, with a printed receipt.

use leptos::prelude::*;

use super::booking::BookedTicket;
use crate::error::AppError;
use crate::model::{BoardView, ReceiptView};

#[server(prefix = "/api", endpoint = "board")]
pub async fn load_board(office: String) -> Result<BoardView, AppError> {
    use super::server::{authorize, context, find_office};
    use crate::store::counters;

    let ctx = context()?;
    let office = find_office(&ctx, &office).await?;
    authorize::<LoadBoard>(&ctx, Some(office.id)).await?;
    Ok(BoardView {
        office_slug: office.slug.clone(),
        office_name: office.name.clone(),
        zone: office.zone,
        counters: counters::now_calling(&ctx.db, office.id).await?,
        recent_calls: counters::recent_calls(&ctx.db, office.id).await?,
        services: crate::store::offices::queue_view(&ctx.db, &office, ctx.clock.now()).await?.services,
        announcement: office.board_announcement.clone(),
    })
}

/// A walk-in number for today; the NIK is optional.
#[server(prefix = "/api", endpoint = "walk_in")]
pub async fn issue_walk_in(
    office: String,
    service: String,
    #[server(default)] nik: String,
    #[server(default)] priority: String,
) -> Result<BookedTicket, AppError> {
    use super::server::{authorize, context, find_office};
    use crate::domain::access::{Caller, Role};
    use crate::domain::booking::{kiosk_may_print, BookingRefusal, BookingRequest};
    use crate::domain::booking::{Holder, IssuedBy};
    use crate::domain::identity::Nik;
    use crate::domain::priority::PriorityCategory;
    use crate::domain::ticket::Channel;
    use crate::error::{Field, FieldError, FieldProblem};
    use crate::store::tickets;

    let ctx = context()?;
    let office = find_office(&ctx, &office).await?;
    // The ticket carries the kiosk (or staff) account that issued it.
    let caller = authorize::<IssueWalkIn>(&ctx, Some(office.id)).await?;
    // A kiosk's numbers are counted and made one at a time (on this
    // instance), so that presses sent at once cannot all find room under the cap.
    static KIOSK_PRINTS: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
    let _printing = match caller {
        Caller::Staff { id, role: Role::Kiosk, .. } => {
            let printing = KIOSK_PRINTS.lock().await;
            let minute_ago = ctx.clock.now() - chrono::Duration::minutes(1);
            if !kiosk_may_print(tickets::issued_by_since(&ctx.db, id, minute_ago).await?) {
                return Err(AppError::KioskTooFast);
            }
            Some(printing)
        }
        _ => None,
    };
    let issuer = super::server::actor(&ctx, &caller).await?;
    let nik = match nik.trim() {
        "" => None,
        typed => Some(Nik::parse(typed).map_err(|e| {
            AppError::Invalid(vec![FieldError { field: Field::Nik, problem: FieldProblem::Identity(e) }])
        })?),
    };
    let service = office.service(service.trim()).cloned().ok_or(AppError::NotFound)?;
    // Confirmed by the citizen on the kiosk; an office that does not serve the
    // category refuses it in `tickets::book`.
    let priority = match priority.trim() {
        "" => None,
        name => Some(PriorityCategory::parse(name).ok_or(AppError::Refused(BookingRefusal::PriorityNotOffered))?),
    };
    let holder = Holder { nik, priority, ..Holder::default() };
    let by = IssuedBy { channel: Channel::WalkIn, account: Some(issuer) };
    let booked = tickets::book(&ctx.db, &office, &service, &holder, by, BookingRequest::Today, ctx.clock.now()).await?;
    ctx.hub.counts_changed(office.id);
    super::server::redirect(&format!("/kiosk/{}/struk/{}", office.slug, booked.code));
    Ok(BookedTicket { code: booked.code, display_number: booked.display_number, existing: booked.existing })
}

/// The receipt of a ticket, with a QR code that opens its live page on a phone.
#[server(prefix = "/api", endpoint = "receipt")]
pub async fn load_receipt(code: String) -> Result<ReceiptView, AppError> {
    use super::server::{authorize, context, internal};
    use qrcode::render::svg;
    use qrcode::QrCode;

    let ctx = context()?;
    let caller = authorize::<LoadReceipt>(&ctx, None).await?;
    let viewed = crate::store::tickets::view(&ctx.db, code.trim()).await?.ok_or(AppError::NotFound)?;
    let ticket = super::queue::shown_to(&caller, &viewed);
    let office = super::server::find_office(&ctx, &ticket.office_slug).await?;
    let url = format!("{}/tiket/{}", ctx.public_url.origin(), ticket.code);
    let qr_svg = QrCode::new(url.as_bytes())
        .map_err(internal)?
        .render::<svg::Color<'_>>()
        .min_dimensions(160, 160)
        .quiet_zone(true)
        .build();
    let printed_at =
        format!("{} {}", office.zone.local(ctx.clock.now()).format("%d/%m/%Y %H:%M"), office.zone.abbreviation());
    Ok(ReceiptView { ticket, printed_at, qr_svg })
}
