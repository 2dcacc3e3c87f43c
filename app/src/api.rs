//! Server functions: the only way the browser talks to the server. Each one
//! parses its input into domain types, calls the store, and maps failures to
//! `AppError`. None of them needs a role yet: reading queues and taking a number
//! are open to everyone (sign-in arrives with the identity work).

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;
use crate::model::{OfficeSummary, OfficeView, TicketView};

/// What the booking answer carries back; the browser is also redirected to the ticket.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BookedTicket {
    pub code: String,
    pub display_number: String,
    pub existing: bool,
}

#[server(prefix = "/api", endpoint = "offices")]
pub async fn list_offices() -> Result<Vec<OfficeSummary>, AppError> {
    let ctx = server::context()?;
    crate::store::offices::list(&ctx.db).await.map_err(server::internal)
}

#[server(prefix = "/api", endpoint = "office")]
pub async fn load_office(slug: String) -> Result<OfficeView, AppError> {
    let ctx = server::context()?;
    let office =
        crate::store::offices::find(&ctx.db, &slug).await.map_err(server::internal)?.ok_or(AppError::NotFound)?;
    crate::store::offices::queue_view(&ctx.db, &office, ctx.clock.now()).await.map_err(server::internal)
}

#[server(prefix = "/api", endpoint = "ticket")]
pub async fn load_ticket(code: String) -> Result<TicketView, AppError> {
    let ctx = server::context()?;
    crate::store::tickets::view(&ctx.db, code.trim()).await.map_err(server::internal)?.ok_or(AppError::NotFound)
}

/// Takes a number for today (`when = "today"`) or books a date (`when = "date"`).
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
    phone: String,
) -> Result<BookedTicket, AppError> {
    use crate::domain::ticket::Channel;
    use crate::store::tickets::{self, BookError};

    let ctx = server::context()?;
    let form = server::BookingForm { when: &when, date: &date, nik: &nik, name: &name, email: &email, phone: &phone };
    let office =
        crate::store::offices::find(&ctx.db, &office).await.map_err(server::internal)?.ok_or(AppError::NotFound)?;
    let service =
        crate::store::offices::find_service(&ctx.db, office.id, service.trim()).await.map_err(server::internal)?;
    let (request, holder) = form.parse(service.is_some())?;
    let service = service.ok_or(AppError::NotFound)?;

    let booked = tickets::book(&ctx.db, &office, &service, &holder, Channel::Online, request, ctx.clock.now())
        .await
        .map_err(|e| match e {
            BookError::Refused(refusal) => AppError::Refused(refusal),
            BookError::Store(e) => server::internal(e),
        })?;
    leptos_axum::redirect(&format!("/tiket/{}", booked.code));
    Ok(BookedTicket { code: booked.code, display_number: booked.display_number, existing: booked.existing })
}

#[cfg(feature = "ssr")]
pub mod server {
    //! Server-only helpers shared by the server functions.

    use chrono::{DateTime, Utc};

    use crate::domain::booking::BookingRequest;
    use crate::domain::identity::{Email, FullName, IdentityError, Nik, PhoneNumber};
    use crate::error::{AppError, Field, FieldError, FieldProblem};
    use crate::store::tickets::Holder;
    use crate::store::Db;

    /// The time source. Fixed only when the operator pins it (demos, browser tests).
    #[derive(Debug, Clone, Copy, Default)]
    pub struct Clock {
        pub fixed: Option<DateTime<Utc>>,
    }

    impl Clock {
        pub fn now(&self) -> DateTime<Utc> {
            self.fixed.unwrap_or_else(Utc::now)
        }
    }

    /// What every request can reach: the database and the clock.
    #[derive(Debug, Clone)]
    pub struct ServerContext {
        pub db: Db,
        pub clock: Clock,
    }

    pub fn context() -> Result<ServerContext, AppError> {
        leptos::prelude::use_context::<ServerContext>().ok_or_else(|| {
            tracing::error!("server context missing");
            AppError::Internal
        })
    }

    pub fn internal(error: impl std::fmt::Display) -> AppError {
        tracing::error!(%error, "request failed");
        AppError::Internal
    }

    /// The raw booking form, parsed field by field so every mistake is reported at once.
    pub struct BookingForm<'a> {
        pub when: &'a str,
        pub date: &'a str,
        pub nik: &'a str,
        pub name: &'a str,
        pub email: &'a str,
        pub phone: &'a str,
    }

    impl BookingForm<'_> {
        pub fn parse(&self, service_known: bool) -> Result<(BookingRequest, Holder), AppError> {
            let mut errors = Vec::new();
            if !service_known {
                errors.push(FieldError { field: Field::Service, problem: FieldProblem::UnknownService });
            }
            let request = match (self.when, self.date.trim()) {
                ("today", _) => Some(BookingRequest::Today),
                (_, "") => {
                    errors.push(FieldError { field: Field::Date, problem: FieldProblem::Missing });
                    None
                }
                (_, date) => match date.parse() {
                    Ok(date) => Some(BookingRequest::Date(date)),
                    Err(_) => {
                        errors.push(FieldError { field: Field::Date, problem: FieldProblem::BadDate });
                        None
                    }
                },
            };
            let nik = check(&mut errors, Field::Nik, self.nik, Nik::parse);
            let name = check(&mut errors, Field::Name, self.name, FullName::parse);
            let email = check(&mut errors, Field::Email, self.email, Email::parse);
            let phone = check(&mut errors, Field::Phone, self.phone, PhoneNumber::parse);
            match (request, errors.is_empty()) {
                (Some(request), true) => Ok((request, Holder { name, nik, phone, email })),
                _ => Err(AppError::Invalid(errors)),
            }
        }
    }

    fn check<T>(
        errors: &mut Vec<FieldError>,
        field: Field,
        input: &str,
        parse: impl Fn(&str) -> Result<T, IdentityError>,
    ) -> Option<T> {
        if input.trim().is_empty() {
            errors.push(FieldError { field, problem: FieldProblem::Missing });
            return None;
        }
        parse(input).map_err(|e| errors.push(FieldError { field, problem: FieldProblem::Identity(e) })).ok()
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        fn form<'a>(nik: &'a str, date: &'a str) -> BookingForm<'a> {
            BookingForm {
                when: "date",
                date,
                nik,
                name: "Budi Santoso",
                email: "budi@contoh.id",
                phone: "081234567890",
            }
        }

        #[test]
        fn a_complete_form_parses_into_a_dated_request() {
            let (request, holder) = form("3171011201900001", "2026-11-24").parse(true).unwrap();
            assert_eq!(request, BookingRequest::Date("2026-11-24".parse().unwrap()));
            assert_eq!(holder.phone.unwrap().as_str(), "+6281234567890");
        }

        #[test]
        fn every_bad_field_is_reported_at_once() {
            let bad = BookingForm { when: "date", date: "", nik: "123", name: "", email: "x", phone: "021" };
            let AppError::Invalid(errors) = bad.parse(false).unwrap_err() else { panic!("expected invalid") };
            let fields: Vec<_> = errors.iter().map(|e| e.field).collect();
            assert_eq!(fields, [Field::Service, Field::Date, Field::Nik, Field::Name, Field::Email, Field::Phone]);
        }

        #[test]
        fn today_needs_no_date() {
            let today = BookingForm { when: "today", ..form("3171011201900001", "") };
            assert_eq!(today.parse(true).unwrap().0, BookingRequest::Today);
        }
    }
}
