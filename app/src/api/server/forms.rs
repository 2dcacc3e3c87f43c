//! Form round-trips: the booking form parsed field by field, and a plain
//! settings form sent back to its page with what was saved or refused.

use leptos::server_fn::ServerFn;

use super::context::redirect;
use crate::domain::booking::BookingRequest;
use crate::domain::booking::Holder;
use crate::domain::identity::{Email, FullName, IdentityError, Nik, PhoneNumber};
use crate::domain::priority::PriorityCategory;
use crate::error::{AppError, Field, FieldError, FieldProblem};

/// The raw booking form, parsed field by field so every mistake is reported at once.
pub struct BookingForm<'a> {
    pub when: &'a str,
    pub date: &'a str,
    pub nik: &'a str,
    pub name: &'a str,
    pub email: &'a str,
    pub phone: &'a str,
    /// A priority category's name, or empty.
    pub priority: &'a str,
    /// Staff may book for a citizen who has no phone or email.
    pub contact_optional: bool,
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
        let (email, phone) = if self.contact_optional {
            fn optional(input: &str) -> Option<&str> {
                (!input.trim().is_empty()).then_some(input)
            }
            (
                optional(self.email).and_then(|e| check(&mut errors, Field::Email, e, Email::parse)),
                optional(self.phone).and_then(|p| check(&mut errors, Field::Phone, p, PhoneNumber::parse)),
            )
        } else {
            (
                check(&mut errors, Field::Email, self.email, Email::parse),
                check(&mut errors, Field::Phone, self.phone, PhoneNumber::parse),
            )
        };
        let priority = match self.priority.trim() {
            "" => None,
            name => PriorityCategory::parse(name).or_else(|| {
                errors.push(FieldError { field: Field::Priority, problem: FieldProblem::UnknownPriority });
                None
            }),
        };
        match (request, errors.is_empty()) {
            (Some(request), true) => Ok((request, Holder { name, nik, phone, email, priority })),
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

/// Where a plain settings form goes once handled: back to its page with a note
/// of what was saved or, when refused, with the refusal and everything typed, so
/// nothing is lost. The page reads both from its address.
pub fn return_to_form<F: ServerFn>(
    page: &str,
    form: &str,
    typed: &[(&str, &str)],
    outcome: Result<(), AppError>,
) -> Result<(), AppError> {
    use base64ct::{Base64Url, Encoding};

    let mut query = form_urlencoded::Serializer::new(String::new());
    match &outcome {
        Ok(()) => {
            query.append_pair("disimpan", form);
        }
        Err(error) => {
            query.append_pair("form", form);
            for (name, value) in typed {
                query.append_pair(name, value);
            }
            // The same encoding server functions use for form errors (`ServerFnUrlError`).
            let json = serde_json::to_string(error).unwrap_or_default();
            query.append_pair("__path", F::PATH).append_pair("__err", &Base64Url::encode_string(json.as_bytes()));
        }
    }
    redirect(&format!("{page}?{}#{form}", query.finish()));
    outcome
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
            priority: "",
            contact_optional: false,
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
        let bad = BookingForm {
            when: "date",
            date: "",
            nik: "123",
            name: "",
            email: "x",
            phone: "021",
            priority: "",
            contact_optional: false,
        };
        let AppError::Invalid(errors) = bad.parse(false).unwrap_err() else { panic!("expected invalid") };
        let fields: Vec<_> = errors.iter().map(|e| e.field).collect();
        assert_eq!(fields, [Field::Service, Field::Date, Field::Nik, Field::Name, Field::Email, Field::Phone]);
    }

    #[test]
    fn staff_may_leave_phone_and_email_empty_but_not_wrong() {
        let assisted =
            BookingForm { email: "", phone: "", contact_optional: true, ..form("3171011201900001", "2026-11-24") };
        let (_, holder) = assisted.parse(true).unwrap();
        assert!(holder.phone.is_none() && holder.email.is_none());
        let wrong = BookingForm { phone: "021", contact_optional: true, ..form("3171011201900001", "2026-11-24") };
        assert!(wrong.parse(true).is_err());
    }

    #[test]
    fn today_needs_no_date() {
        let today = BookingForm { when: "today", ..form("3171011201900001", "") };
        assert_eq!(today.parse(true).unwrap().0, BookingRequest::Today);
    }
}
