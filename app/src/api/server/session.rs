//! Who is calling and whether they may: the session and known-device cookies,
//! and the check every server function makes against `api::PERMISSIONS`.

use http::header::SET_COOKIE;
use http::HeaderValue;
use leptos::prelude::use_context;
use leptos::server_fn::ServerFn;
use leptos_axum::ResponseOptions;

use super::context::{cookie, ServerContext};
use crate::domain::access::Caller;
use crate::error::AppError;
use crate::store::sessions::{self, SessionKey, SessionOwner, SESSION_DAYS};

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

fn session_token() -> Option<String> {
    cookie(session_cookie_name())
}

/// Who is calling, from the session cookie.
pub async fn caller(ctx: &ServerContext) -> Result<Caller, AppError> {
    Ok(identify(ctx, &Session::Read).await?.0)
}

/// How `identify` finds the session of the cookie.
enum Session {
    /// Read from the table.
    Read,
    /// As this instance last found it live (`sessions::find_remembered`).
    Remembered,
}

/// The caller, and whether it is an account that must change its password first.
async fn identify(ctx: &ServerContext, how: &Session) -> Result<(Caller, bool), AppError> {
    let Some(token) = session_token() else { return Ok((Caller::Anonymous, false)) };
    let now = ctx.clock.now();
    let session = match how {
        Session::Read => sessions::find(&ctx.db, &token, now).await?,
        Session::Remembered => sessions::find_remembered(&ctx.db, &token, now).await?,
    };
    let Some(session) = session else {
        return Ok((Caller::Anonymous, false));
    };
    if session.due_for_renewal(now) {
        sessions::renew(&ctx.db, &token, now).await?;
        set_cookie(session_cookie(ctx, &token, SESSION_DAYS * 24 * 3600));
    }
    match session.owner {
        SessionOwner::Citizen { phone } => Ok((Caller::Citizen { phone }, false)),
        SessionOwner::Staff { staff_id } => match crate::store::staff::find(&ctx.db, staff_id).await? {
            Some(account) => Ok((
                Caller::Staff { id: account.id, role: account.role, office_id: account.office_id },
                account.must_change_password,
            )),
            None => Ok((Caller::Anonymous, false)),
        },
    }
}

/// What an account whose password the system made may still do: see its desk,
/// change the password, and sign out.
fn allowed_before_password_change(path: &str) -> bool {
    use leptos::server_fn::ServerFn;
    [
        <super::super::staff::ChangePassword as ServerFn>::PATH,
        <super::super::staff::LoadStaffDesk as ServerFn>::PATH,
        <super::super::account::WhoAmI as ServerFn>::PATH,
        <super::super::account::SignOut as ServerFn>::PATH,
    ]
    .contains(&path)
}

/// Checks, before any work, that the caller holds the permission the table in
/// `api::PERMISSIONS` gives the server function `F`, for `office` if it concerns one.
pub async fn authorize<F: ServerFn>(ctx: &ServerContext, office: Option<i64>) -> Result<Caller, AppError> {
    authorize_as::<F>(ctx, office, &Session::Read).await
}

/// `authorize` for a citizen's own booking: on PostgreSQL the session may be
/// the one this instance last found live, without reading it again, so the
/// booking must be made by `tickets::book_online` under the key returned,
/// whose transaction checks that the session is still live.
pub async fn authorize_booking<F: ServerFn>(ctx: &ServerContext) -> Result<(Caller, SessionKey), AppError> {
    let caller = authorize_as::<F>(ctx, None, &Session::Remembered).await?;
    let key = session_token().map(|token| SessionKey::of(&token)).ok_or(AppError::NotSignedIn)?;
    Ok((caller, key))
}

async fn authorize_as<F: ServerFn>(
    ctx: &ServerContext,
    office: Option<i64>,
    how: &Session,
) -> Result<Caller, AppError> {
    let Some(permission) = super::super::permission_for(F::PATH) else {
        tracing::error!(path = F::PATH, "server function missing from the permission table");
        return Err(AppError::Forbidden);
    };
    let (caller, must_change_password) = identify(ctx, how).await?;
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

/// Who the audit log names for a change the caller makes now: their
/// account and address. Only staff, admin and kiosk accounts change things.
pub async fn actor(ctx: &ServerContext, caller: &Caller) -> Result<crate::domain::audit::Actor, AppError> {
    let Caller::Staff { id, .. } = caller else { return Err(AppError::Forbidden) };
    let address = super::context::client_address(ctx).await;
    Ok(crate::domain::audit::Actor { account_id: *id, address, at: ctx.clock.now() })
}

fn set_cookie(value: String) {
    if let (Some(response), Ok(value)) = (use_context::<ResponseOptions>(), HeaderValue::from_str(&value)) {
        response.append_header(SET_COOKIE, value);
    }
}

/// Starts a session for `owner` and hands its cookie to the browser.
pub async fn start_session(ctx: &ServerContext, owner: &SessionOwner) -> Result<(), AppError> {
    let token = sessions::create(&ctx.db, owner, ctx.clock.now()).await?;
    let max_age = SESSION_DAYS * 24 * 3600;
    set_cookie(session_cookie(ctx, &token, max_age));
    Ok(())
}

/// Revokes the current session, if any, and clears the cookie.
pub async fn end_session(ctx: &ServerContext) -> Result<(), AppError> {
    if let Some(token) = session_token() {
        sessions::revoke(&ctx.db, &token, ctx.clock.now()).await?;
    }
    set_cookie(session_cookie(ctx, "", 0));
    Ok(())
}

/// What a browser is remembered as for a year, in a cookie signed as
/// `domain::device` makes it: a known device of a staff username, or a
/// browser where a code sent to a phone was typed back (so the phone's owner
/// is not held back by what strangers asked for it).
#[derive(Clone, Copy)]
enum Remembered {
    Device,
    Phone,
}

impl Remembered {
    /// `__Host-` prefixed over TLS, like the session's.
    fn cookie_name(self, ctx: &ServerContext) -> &'static str {
        match (self, ctx.public_url.is_https()) {
            (Self::Device, true) => "__Host-antrean_device",
            (Self::Device, false) => "antrean_device",
            (Self::Phone, true) => "__Host-antrean_phone",
            (Self::Phone, false) => "antrean_phone",
        }
    }

    /// The browser's name (the token's nonce) if its cookie was signed for `subject`.
    fn of(self, ctx: &ServerContext, subject: &str) -> Option<String> {
        let token = cookie(self.cookie_name(ctx))?;
        crate::domain::device::verify(ctx.code_key.proof_key(), subject, &token)
    }

    fn remember(self, ctx: &ServerContext, subject: &str) {
        let token = crate::domain::device::token(ctx.code_key.proof_key(), subject);
        let secure = if ctx.public_url.is_https() { "; Secure" } else { "" };
        let name = self.cookie_name(ctx);
        set_cookie(format!("{name}={token}; Path=/; Max-Age=31536000; HttpOnly; SameSite=Lax{secure}"));
    }
}

/// The name of this browser as a known device of `username`, if it is one.
pub fn known_device(ctx: &ServerContext, username: &str) -> Option<String> {
    Remembered::Device.of(ctx, &username.trim().to_lowercase())
}

/// Makes this browser a known device of `username` for a year.
pub fn remember_device(ctx: &ServerContext, username: &str) {
    Remembered::Device.remember(ctx, username);
}

/// A phone as the known-phone cookie names it: no username looks like it.
fn phone_subject(phone: &crate::domain::identity::PhoneNumber) -> String {
    format!("phone:{}", phone.as_str())
}

/// Whether a code sent to `phone` was typed back in this browser before.
pub fn known_phone(ctx: &ServerContext, phone: &crate::domain::identity::PhoneNumber) -> bool {
    Remembered::Phone.of(ctx, &phone_subject(phone)).is_some()
}

/// Makes this browser a known one of `phone` for a year.
pub fn remember_phone(ctx: &ServerContext, phone: &crate::domain::identity::PhoneNumber) {
    Remembered::Phone.remember(ctx, &phone_subject(phone));
}

fn session_cookie(ctx: &ServerContext, token: &str, max_age: i64) -> String {
    let (name, secure) =
        if ctx.public_url.is_https() { (SECURE_SESSION_COOKIE, "; Secure") } else { (SESSION_COOKIE, "") };
    format!("{name}={token}; Path=/; Max-Age={max_age}; HttpOnly; SameSite=Lax{secure}")
}
