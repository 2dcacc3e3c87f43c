//! Server-only plumbing shared by the server functions: the request context,
//! who is calling and whether they may, session cookies, and form parsing.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::ConnectInfo;
use chrono::{DateTime, Utc};
use http::header::{COOKIE, SET_COOKIE};
use http::HeaderValue;
use leptos::prelude::use_context;
use leptos::server_fn::ServerFn;
use leptos_axum::ResponseOptions;

use crate::domain::access::Caller;
use crate::domain::booking::BookingRequest;
use crate::domain::identity::{Email, FullName, IdentityError, Nik, PhoneNumber};
use crate::domain::otp::OtpPolicy;
use crate::error::{AppError, Field, FieldError, FieldProblem};
use crate::sms::SmsGateway;
use crate::store::access::CodeKey;
use crate::store::sessions::{self, SessionOwner, SESSION_DAYS};
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

/// What every request can reach.
#[derive(Debug, Clone)]
pub struct ServerContext {
    pub db: Db,
    pub clock: Clock,
    pub code_key: CodeKey,
    pub otp_policy: OtpPolicy,
    pub sms: Arc<dyn SmsGateway>,
    pub hub: Arc<crate::live::Hub>,
    pub notifier: Arc<crate::notify::Notifier>,
    pub push: Arc<crate::push::PushSender>,
    /// The site's own address: links, SMS text and the same-origin check.
    pub public_url: crate::domain::site::PublicUrl,
    /// Proxies whose forwarding headers name the client (per-address limits).
    pub trusted_proxies: crate::domain::client::TrustedProxies,
    /// Bounds the staff password checks running at once.
    pub password_checks: Arc<crate::store::staff::PasswordChecks>,
}

pub fn context() -> Result<ServerContext, AppError> {
    use_context::<ServerContext>().ok_or_else(|| {
        tracing::error!("server context missing");
        AppError::Internal
    })
}

pub fn internal(error: impl std::fmt::Display) -> AppError {
    tracing::error!(%error, "request failed");
    AppError::Internal
}

pub const SESSION_COOKIE: &str = "antrean_session";
/// Over TLS the cookie carries the `__Host-` prefix: the browser then keeps it
/// only if it is Secure, for the whole site, and set by this host itself, so a
/// sibling subdomain cannot plant a session.
pub const SECURE_SESSION_COOKIE: &str = "__Host-antrean_session";

fn session_cookie_name() -> &'static str {
    match use_context::<ServerContext>() {
        Some(ctx) if ctx.public_url.is_https() => SECURE_SESSION_COOKIE,
        _ => SESSION_COOKIE,
    }
}

fn request_parts() -> Option<http::request::Parts> {
    use_context::<http::request::Parts>()
}

fn session_token() -> Option<String> {
    cookie(session_cookie_name())
}

/// The value of the request's cookie `name`.
fn cookie(name: &str) -> Option<String> {
    let parts = request_parts()?;
    let header = parts.headers.get(COOKIE)?.to_str().ok()?;
    header
        .split(';')
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(found, _)| *found == name)
        .map(|(_, value)| value.to_string())
}

/// The language the caller chose (the `lang` cookie), for answers that are not pages.
pub fn request_lang() -> crate::i18n::Lang {
    request_parts()
        .and_then(|parts| parts.headers.get(COOKIE)?.to_str().ok().map(crate::i18n::Lang::from_cookie_header))
        .unwrap_or_default()
}

/// Who is calling, from the session cookie.
pub async fn caller(ctx: &ServerContext) -> Result<Caller, AppError> {
    Ok(identify(ctx).await?.0)
}

/// The caller, and whether it is an account that must change its password first.
async fn identify(ctx: &ServerContext) -> Result<(Caller, bool), AppError> {
    let Some(token) = session_token() else { return Ok((Caller::Anonymous, false)) };
    let now = ctx.clock.now();
    let Some(session) = sessions::find(&ctx.db, &token, now).await.map_err(internal)? else {
        return Ok((Caller::Anonymous, false));
    };
    if session.due_for_renewal(now) {
        sessions::renew(&ctx.db, &token, now).await.map_err(internal)?;
        set_cookie(session_cookie(ctx, &token, SESSION_DAYS * 24 * 3600));
    }
    match session.owner {
        SessionOwner::Citizen { phone } => Ok((Caller::Citizen { phone }, false)),
        SessionOwner::Staff { staff_id } => {
            match crate::store::staff::find(&ctx.db, staff_id).await.map_err(internal)? {
                Some(account) => Ok((
                    Caller::Staff { id: account.id, role: account.role, office_id: account.office_id },
                    account.must_change_password,
                )),
                None => Ok((Caller::Anonymous, false)),
            }
        }
    }
}

/// What an account whose password the system made may still do: see its desk,
/// change the password, and sign out.
fn allowed_before_password_change(path: &str) -> bool {
    use leptos::server_fn::ServerFn;
    [
        <super::staff::ChangePassword as ServerFn>::PATH,
        <super::staff::LoadStaffDesk as ServerFn>::PATH,
        <super::account::WhoAmI as ServerFn>::PATH,
        <super::account::SignOut as ServerFn>::PATH,
    ]
    .contains(&path)
}

/// Checks, before any work, that the caller holds the permission the table in
/// `api::PERMISSIONS` gives the server function `F`, for `office` if it concerns one.
pub async fn authorize<F: ServerFn>(ctx: &ServerContext, office: Option<i64>) -> Result<Caller, AppError> {
    let Some(permission) = super::permission_for(F::PATH) else {
        tracing::error!(path = F::PATH, "server function missing from the permission table");
        return Err(AppError::Forbidden);
    };
    let (caller, must_change_password) = identify(ctx).await?;
    if must_change_password && !allowed_before_password_change(F::PATH) {
        return Err(AppError::PasswordChangeNeeded);
    }
    if permission.allows(&caller, office) {
        Ok(caller)
    } else if caller == Caller::Anonymous {
        Err(AppError::NotSignedIn)
    } else {
        Err(AppError::Forbidden)
    }
}

pub async fn find_office(ctx: &ServerContext, slug: &str) -> Result<crate::store::offices::Office, AppError> {
    crate::store::offices::find(&ctx.db, slug).await.map_err(internal)?.ok_or(AppError::NotFound)
}

/// The client's address as the per-address limits count it (see `domain::client`).
pub async fn client_address(ctx: &ServerContext) -> String {
    let Ok(ConnectInfo(peer)) = leptos_axum::extract::<ConnectInfo<SocketAddr>>().await else {
        return "unknown".into();
    };
    let header =
        |name: &str| request_parts().and_then(|parts| Some(parts.headers.get(name)?.to_str().ok()?.to_string()));
    let client =
        ctx.trusted_proxies.client(peer.ip(), header("x-forwarded-for").as_deref(), header("forwarded").as_deref());
    crate::domain::client::limit_key(client)
}

fn set_cookie(value: String) {
    if let (Some(response), Ok(value)) = (use_context::<ResponseOptions>(), HeaderValue::from_str(&value)) {
        response.append_header(SET_COOKIE, value);
    }
}

/// Starts a session for `owner` and hands its cookie to the browser.
pub async fn start_session(ctx: &ServerContext, owner: &SessionOwner) -> Result<(), AppError> {
    let token = sessions::create(&ctx.db, owner, ctx.clock.now()).await.map_err(internal)?;
    let max_age = SESSION_DAYS * 24 * 3600;
    set_cookie(session_cookie(ctx, &token, max_age));
    Ok(())
}

/// Revokes the current session, if any, and clears the cookie.
pub async fn end_session(ctx: &ServerContext) -> Result<(), AppError> {
    if let Some(token) = session_token() {
        sessions::revoke(&ctx.db, &token, ctx.clock.now()).await.map_err(internal)?;
    }
    set_cookie(session_cookie(ctx, "", 0));
    Ok(())
}

/// The browser's known-device cookie: `__Host-` prefixed over TLS, like the session's.
fn device_cookie_name(ctx: &ServerContext) -> &'static str {
    if ctx.public_url.is_https() {
        "__Host-antrean_device"
    } else {
        "antrean_device"
    }
}

/// The name of this browser as a known device of `username`, if it is one
/// (see `domain::device`).
pub fn known_device(ctx: &ServerContext, username: &str) -> Option<String> {
    let name = device_cookie_name(ctx);
    let token = cookie(name)?;
    crate::domain::device::verify(ctx.code_key.proof_key(), &username.trim().to_lowercase(), &token)
}

/// Makes this browser a known device of `username` for a year.
pub fn remember_device(ctx: &ServerContext, username: &str) {
    let token = crate::domain::device::token(ctx.code_key.proof_key(), username);
    let secure = if ctx.public_url.is_https() { "; Secure" } else { "" };
    let name = device_cookie_name(ctx);
    set_cookie(format!("{name}={token}; Path=/; Max-Age=31536000; HttpOnly; SameSite=Lax{secure}"));
}

fn session_cookie(ctx: &ServerContext, token: &str, max_age: i64) -> String {
    let (name, secure) =
        if ctx.public_url.is_https() { (SECURE_SESSION_COOKIE, "; Secure") } else { (SESSION_COOKIE, "") };
    format!("{name}={token}; Path=/; Max-Age={max_age}; HttpOnly; SameSite=Lax{secure}")
}

/// The raw booking form, parsed field by field so every mistake is reported at once.
pub struct BookingForm<'a> {
    pub when: &'a str,
    pub date: &'a str,
    pub nik: &'a str,
    pub name: &'a str,
    pub email: &'a str,
    pub phone: &'a str,
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

/// Where a plain settings form goes once handled: back to its page with a note
/// of what was saved or, when refused, with the refusal and everything typed, so
/// nothing is lost. The page reads both from its address.
/// Sends the browser to `path` (a plain form post) or tells the page to go
/// there. A path that cannot be a header (a control character typed into a
/// form field that ends up in it) leads home instead of failing the request.
pub fn redirect(path: &str) {
    match HeaderValue::from_str(path) {
        Ok(_) => leptos_axum::redirect(path),
        Err(_) => leptos_axum::redirect("/"),
    }
}

pub fn return_to_form<F: ServerFn>(
    page: &str,
    form: &str,
    typed: &[(&str, &str)],
    outcome: Result<(), crate::error::SettingsError>,
) -> Result<(), crate::error::SettingsError> {
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
