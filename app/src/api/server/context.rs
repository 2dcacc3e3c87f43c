//! What every server function reaches: the server's context, the request's
//! parts (language, client address), and where the answer sends the browser.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::ConnectInfo;
use http::header::COOKIE;
use http::HeaderValue;
use leptos::prelude::use_context;

use crate::clock::Clock;
use crate::domain::otp::OtpPolicy;
use crate::error::AppError;
use crate::sms::SmsGateway;
use crate::store::access::CodeKey;
use crate::store::Db;

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

pub(super) fn request_parts() -> Option<http::request::Parts> {
    use_context::<http::request::Parts>()
}

/// The value of the request's cookie `name`.
pub(super) fn cookie(name: &str) -> Option<String> {
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
    request_parts().map(|parts| crate::i18n::Lang::of_request(&parts.headers)).unwrap_or_default()
}

pub async fn find_office(ctx: &ServerContext, slug: &str) -> Result<crate::domain::office::Office, AppError> {
    crate::store::offices::find(&ctx.db, slug).await?.ok_or(AppError::NotFound)
}

/// The client's address as the per-address limits count it (see `domain::client`).
pub async fn client_address(ctx: &ServerContext) -> String {
    let Ok(ConnectInfo(peer)) = leptos_axum::extract::<ConnectInfo<SocketAddr>>().await else {
        return "unknown".into();
    };
    let headers = request_parts().map(|parts| parts.headers).unwrap_or_default();
    client_key(&ctx.trusted_proxies, peer, &headers)
}

/// The address of the client behind `peer` (the TCP peer, or a trusted
/// proxy that names the client in its headers), as the limits count it.
pub fn client_key(
    proxies: &crate::domain::client::TrustedProxies,
    peer: SocketAddr,
    headers: &http::HeaderMap,
) -> String {
    // A header sent as several lines is one list (RFC 9110, 5.3): a proxy
    // that adds a line of its own, rather than appending to the client's,
    // names the client last, where the chain is read from.
    let header = |name: &str| {
        let lines = headers.get_all(name).iter().map(|line| line.to_str().ok()).collect::<Option<Vec<_>>>()?;
        (!lines.is_empty()).then(|| lines.join(","))
    };
    crate::domain::client::limit_key(proxies.client(peer.ip(), header(proxies.header().name()).as_deref()))
}

/// Sends the browser to `path` (a plain form post) or tells the page to go
/// there. A path that cannot be a header (a control character typed into a
/// form field that ends up in it) leads home instead of failing the request.
pub fn redirect(path: &str) {
    match HeaderValue::from_str(path) {
        Ok(_) => leptos_axum::redirect(path),
        Err(_) => leptos_axum::redirect("/"),
    }
}

/// Answers with `csv` as a file download named `file`. A browser following a
/// link asks for HTML, which server functions answer by sending it back to the
/// page it came from; a download is an answer of its own.
pub fn csv_file(file: &str, csv: String) -> leptos::server_fn::codec::TextStream<AppError> {
    use http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::OK);
        response.insert_header(CONTENT_TYPE, HeaderValue::from_static("text/csv; charset=utf-8"));
        if let Ok(file) = HeaderValue::from_str(&format!("attachment; filename=\"{file}\"")) {
            response.insert_header(CONTENT_DISPOSITION, file);
        }
    }
    leptos::server_fn::codec::TextStream::new(futures::stream::once(async move { Ok(csv) }))
}
