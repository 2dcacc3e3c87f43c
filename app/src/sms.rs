//! Sending SMS. The `SmsGateway` trait has two real implementations: an HTTP
//! gateway configured for an Indonesian SMS provider, and a development gateway
//! that keeps messages in the database (shown at `/dev/outbox` in development mode).

use std::fmt::Write as _;
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use chrono::{DateTime, Utc};
use reqwest::header::{HeaderName, HeaderValue, CONTENT_TYPE};
use reqwest::Url;
use thiserror::Error;

use crate::domain::identity::PhoneNumber;
use crate::store::{Db, StoreError};

#[derive(Debug, Error)]
pub enum SmsError {
    #[error("SMS gateway refused the message: {0}")]
    Rejected(String),
    #[error("SMS gateway unreachable: {0}")]
    Unreachable(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

pub type SmsFuture<'a> = Pin<Box<dyn Future<Output = Result<(), SmsError>> + Send + 'a>>;

pub trait SmsGateway: Send + Sync + std::fmt::Debug {
    /// `reference` names the message (a notice's or an access code's id), for
    /// a provider that takes one (`{reference}` in the body template): a
    /// repeat after a crash then carries the same reference.
    fn send<'a>(&'a self, to: &'a PhoneNumber, text: &'a str, reference: &'a str, now: DateTime<Utc>) -> SmsFuture<'a>;
}

/// Keeps every message in the `sms_outbox` table instead of sending it.
#[derive(Debug, Clone)]
pub struct DevGateway {
    db: Db,
}

impl DevGateway {
    pub fn new(db: Db) -> Self {
        Self { db }
    }
}

impl SmsGateway for DevGateway {
    fn send<'a>(&'a self, to: &'a PhoneNumber, text: &'a str, _: &'a str, now: DateTime<Utc>) -> SmsFuture<'a> {
        Box::pin(async move {
            crate::store::outbox::record(&self.db, to, text, now).await?;
            Ok(())
        })
    }
}

/// How the provider wants the number written: the same subscriber, two spellings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PhoneFormat {
    /// `+6281234567890`
    E164,
    /// `6281234567890`: several Indonesian providers refuse the plus sign.
    Digits,
}

impl PhoneFormat {
    fn write(self, phone: &PhoneNumber) -> &str {
        match self {
            Self::E164 => phone.as_str(),
            Self::Digits => phone.as_str().trim_start_matches('+'),
        }
    }
}

/// How the request body is encoded, which decides how values are escaped into it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyKind {
    Json,
    Form,
}

impl BodyKind {
    /// The template used when none is configured.
    pub fn default_template(self) -> &'static str {
        match self {
            Self::Json => r#"{"to":"{phone}","text":"{message}"}"#,
            Self::Form => "to={phone}&text={message}",
        }
    }

    fn content_type(self) -> &'static str {
        match self {
            Self::Json => "application/json",
            Self::Form => "application/x-www-form-urlencoded",
        }
    }

    fn escape(self, value: &str) -> String {
        match self {
            Self::Json => json_string_contents(value),
            Self::Form => form_urlencode(value),
        }
    }
}

/// What is wrong with a gateway setting, found at start-up rather than at the
/// first SMS.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum GatewaySettingsError {
    #[error("the URL must be an absolute http:// or https:// address")]
    Url,
    #[error("the body template must contain {0}")]
    MissingPlaceholder(&'static str),
    #[error("the body template must be JSON with the placeholders inside strings, e.g. {example}")]
    NotJson { example: &'static str },
    #[error("write the header as `Name: value`")]
    HeaderFormat,
    #[error("the header name is not valid")]
    HeaderName,
    #[error("the header value has characters a header cannot carry")]
    HeaderValue,
}

const PHONE: &str = "{phone}";
const MESSAGE: &str = "{message}";
/// Optional: the message's own id, for providers that take a client reference.
const REFERENCE: &str = "{reference}";

/// A request body with `{phone}` and `{message}` placeholders (and, if the
/// provider takes one, `{reference}`), checked against its kind.
#[derive(Clone, PartialEq, Eq)]
pub struct BodyTemplate {
    kind: BodyKind,
    text: String,
}

impl BodyTemplate {
    pub fn parse(kind: BodyKind, text: &str) -> Result<Self, GatewaySettingsError> {
        for placeholder in [PHONE, MESSAGE] {
            if !text.contains(placeholder) {
                return Err(GatewaySettingsError::MissingPlaceholder(placeholder));
            }
        }
        let template = Self { kind, text: text.to_string() };
        // A placeholder outside a JSON string would make every real message an
        // invalid body, so try one with the characters that need escaping now.
        if kind == BodyKind::Json {
            let sample = template.render("+6281234567890", "a \"quoted\" \\ line\nnext {phone}", "antrean-1");
            if serde_json::from_str::<serde_json::Value>(&sample).is_err() {
                return Err(GatewaySettingsError::NotJson { example: BodyKind::Json.default_template() });
            }
        }
        Ok(template)
    }

    pub fn kind(&self) -> BodyKind {
        self.kind
    }

    /// Fills the placeholders in one pass, so a message that itself contains
    /// `{phone}` is sent as written.
    pub fn render(&self, phone: &str, message: &str, reference: &str) -> String {
        let mut body = String::with_capacity(self.text.len() + phone.len() + message.len() * 2);
        let mut rest = self.text.as_str();
        loop {
            let next = [(PHONE, phone), (MESSAGE, message), (REFERENCE, reference)]
                .into_iter()
                .filter_map(|(placeholder, value)| rest.find(placeholder).map(|at| (at, placeholder, value)))
                .min_by_key(|(at, ..)| *at);
            let Some((at, placeholder, value)) = next else {
                body.push_str(rest);
                return body;
            };
            body.push_str(&rest[..at]);
            body.push_str(&self.kind.escape(value));
            rest = &rest[at + placeholder.len()..];
        }
    }
}

/// The template may hold provider keys (some providers take them in the body),
/// so only its kind is printed.
impl std::fmt::Debug for BodyTemplate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BodyTemplate").field("kind", &self.kind).field("text", &format_args!("***")).finish()
    }
}

/// The header that authenticates us to the provider, e.g. `Authorization: Bearer …`.
#[derive(Clone, PartialEq, Eq)]
pub struct AuthHeader {
    name: HeaderName,
    value: HeaderValue,
}

impl AuthHeader {
    /// Reads `Name: value`.
    pub fn parse(line: &str) -> Result<Self, GatewaySettingsError> {
        let (name, value) = line.split_once(':').ok_or(GatewaySettingsError::HeaderFormat)?;
        let (name, value) = (name.trim(), value.trim());
        if name.is_empty() || value.is_empty() {
            return Err(GatewaySettingsError::HeaderFormat);
        }
        let name = HeaderName::from_bytes(name.as_bytes()).map_err(|_| GatewaySettingsError::HeaderName)?;
        let mut value = HeaderValue::from_str(value).map_err(|_| GatewaySettingsError::HeaderValue)?;
        value.set_sensitive(true);
        Ok(Self { name, value })
    }

    pub fn name(&self) -> &str {
        self.name.as_str()
    }
}

impl std::fmt::Debug for AuthHeader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthHeader").field("name", &self.name).field("value", &format_args!("***")).finish()
    }
}

/// Everything the HTTP gateway needs to reach one provider.
#[derive(Clone)]
pub struct HttpGatewaySettings {
    pub url: Url,
    pub auth_header: Option<AuthHeader>,
    pub body: BodyTemplate,
    pub phone_format: PhoneFormat,
    /// For one attempt, connection to last byte.
    pub timeout: Duration,
    /// Further attempts after a network failure or a 5xx answer.
    pub retries: u32,
    /// The wait before the first retry; each later retry waits one step longer.
    pub retry_backoff: Duration,
}

impl HttpGatewaySettings {
    pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);
    pub const DEFAULT_RETRIES: u32 = 2;
    pub const DEFAULT_RETRY_BACKOFF: Duration = Duration::from_millis(500);

    /// Settings for `url` with the defaults: no auth header, E.164 numbers,
    /// 10 s per attempt, two retries.
    pub fn new(url: &str, body: BodyTemplate) -> Result<Self, GatewaySettingsError> {
        let url = Url::parse(url).map_err(|_| GatewaySettingsError::Url)?;
        if !matches!(url.scheme(), "http" | "https") || !url.has_host() {
            return Err(GatewaySettingsError::Url);
        }
        Ok(Self {
            url,
            auth_header: None,
            body,
            phone_format: PhoneFormat::E164,
            timeout: Self::DEFAULT_TIMEOUT,
            retries: Self::DEFAULT_RETRIES,
            retry_backoff: Self::DEFAULT_RETRY_BACKOFF,
        })
    }
}

/// The URL without credentials or query, which providers also use for keys.
impl std::fmt::Debug for HttpGatewaySettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let host = self.url.host_str().unwrap_or_default();
        let port = self.url.port().map(|port| format!(":{port}")).unwrap_or_default();
        let query = if self.url.query().is_some() { "?***" } else { "" };
        let url = format!("{}://{host}{port}{}{query}", self.url.scheme(), self.url.path());
        f.debug_struct("HttpGatewaySettings")
            .field("url", &url)
            .field("auth_header", &self.auth_header)
            .field("body", &self.body)
            .field("phone_format", &self.phone_format)
            .field("timeout", &self.timeout)
            .field("retries", &self.retries)
            .field("retry_backoff", &self.retry_backoff)
            .finish()
    }
}

/// Sends each message as one POST to an SMS provider.
#[derive(Debug)]
pub struct HttpGateway {
    settings: HttpGatewaySettings,
    // Building a client fails only when a TLS backend cannot start. The server
    // still serves walk-in tickets and counters without SMS, so the failure is
    // reported on every send instead of stopping it.
    client: Result<reqwest::Client, String>,
}

/// How much of a refusing answer is kept for the log.
const ANSWER_EXCERPT_CHARS: usize = 200;

impl HttpGateway {
    pub fn new(settings: HttpGatewaySettings) -> Self {
        let client = reqwest::Client::builder()
            .timeout(settings.timeout)
            .user_agent(concat!("antrean/", env!("CARGO_PKG_VERSION")))
            // A redirected POST turns into a GET without the message; a provider
            // that moved must be reconfigured, not silently followed.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|error| {
                let reason = describe_error(&error);
                tracing::error!(%reason, "the SMS gateway cannot send");
                reason
            });
        Self { settings, client }
    }

    async fn attempt(&self, client: &reqwest::Client, body: &str) -> Attempt {
        let mut request = client
            .post(self.settings.url.clone())
            .header(CONTENT_TYPE, self.settings.body.kind().content_type())
            .body(body.to_string());
        if let Some(auth) = &self.settings.auth_header {
            request = request.header(auth.name.clone(), auth.value.clone());
        }
        match request.send().await {
            Ok(response) if response.status().is_success() => Attempt::Sent,
            Ok(response) if response.status().is_server_error() => {
                Attempt::Retry(SmsError::Rejected(describe_answer(response).await))
            }
            Ok(response) => Attempt::Final(SmsError::Rejected(describe_answer(response).await)),
            // The request could not even be built: trying again cannot help.
            Err(error) if error.is_builder() => Attempt::Final(SmsError::Unreachable(describe_error(&error))),
            Err(error) => Attempt::Retry(SmsError::Unreachable(describe_error(&error))),
        }
    }
}

enum Attempt {
    Sent,
    Retry(SmsError),
    Final(SmsError),
}

impl SmsGateway for HttpGateway {
    fn send<'a>(&'a self, to: &'a PhoneNumber, text: &'a str, reference: &'a str, _: DateTime<Utc>) -> SmsFuture<'a> {
        Box::pin(async move {
            let client = self.client.as_ref().map_err(|reason| SmsError::Unreachable(reason.clone()))?;
            let body = self.settings.body.render(self.settings.phone_format.write(to), text, reference);
            let mut retry = 0;
            loop {
                // A timed-out attempt may still have been delivered, so a retry can
                // send the code twice; a duplicate SMS is better than none.
                let error = match self.attempt(client, &body).await {
                    Attempt::Sent => return Ok(()),
                    Attempt::Final(error) => return Err(error),
                    Attempt::Retry(error) if retry >= self.settings.retries => return Err(error),
                    Attempt::Retry(error) => error,
                };
                retry += 1;
                tracing::warn!(%error, retry, "SMS gateway failed; trying again");
                tokio::time::sleep(self.settings.retry_backoff * retry).await;
            }
        })
    }
}

/// The status and the start of the body, on one line.
async fn describe_answer(mut response: reqwest::Response) -> String {
    let status = response.status();
    // Read only the start: a misbehaving provider may send a whole HTML page.
    let mut bytes = Vec::new();
    while bytes.len() < ANSWER_EXCERPT_CHARS * 4 {
        match response.chunk().await {
            Ok(Some(chunk)) => bytes.extend_from_slice(&chunk),
            _ => break,
        }
    }
    let text = String::from_utf8_lossy(&bytes);
    let excerpt: String =
        text.split_whitespace().collect::<Vec<_>>().join(" ").chars().take(ANSWER_EXCERPT_CHARS).collect();
    if excerpt.is_empty() {
        format!("HTTP {status}")
    } else {
        format!("HTTP {status}: {excerpt}")
    }
}

/// The error and its causes, without the URL (which may carry a provider key).
fn describe_error(error: &reqwest::Error) -> String {
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    if let Some(url) = error.url() {
        text = text.replace(url.as_str(), "<gateway URL>");
    }
    text
}

/// `value` escaped for the inside of a JSON string (the template has the quotes).
fn json_string_contents(value: &str) -> String {
    let quoted = serde_json::Value::String(value.to_string()).to_string();
    quoted.strip_prefix('"').and_then(|inner| inner.strip_suffix('"')).unwrap_or(&quoted).to_string()
}

/// `value` encoded as `application/x-www-form-urlencoded` (space as `+`, and `+`
/// itself escaped, which matters for E.164 numbers).
fn form_urlencode(value: &str) -> String {
    let mut encoded = String::with_capacity(value.len() * 3);
    for byte in value.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'*' | b'-' | b'.' | b'_' => encoded.push(char::from(byte)),
            b' ' => encoded.push('+'),
            _ => {
                let _ = write!(encoded, "%{byte:02X}");
            }
        }
    }
    encoded
}

#[cfg(test)]
mod tests {
    use super::*;

    fn phone() -> PhoneNumber {
        PhoneNumber::parse("081234567890").unwrap()
    }

    #[test]
    fn a_json_template_escapes_quotes_backslashes_and_newlines() {
        let template = BodyTemplate::parse(BodyKind::Json, BodyKind::Json.default_template()).unwrap();
        let body = template.render("+6281234567890", "Kode \"123\"\\\n@antrean.id #123", "r");
        let value: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(value["text"], "Kode \"123\"\\\n@antrean.id #123");
    }

    #[test]
    fn a_form_template_encodes_plus_space_and_ampersand() {
        let template = BodyTemplate::parse(BodyKind::Form, "to={phone}&msg={message}").unwrap();
        assert_eq!(template.render("+6281234567890", "a b&c=d\n", "r"), "to=%2B6281234567890&msg=a+b%26c%3Dd%0A");
    }

    #[test]
    fn a_placeholder_inside_the_message_is_not_filled_again() {
        let template = BodyTemplate::parse(BodyKind::Form, "msg={message}&to={phone}").unwrap();
        assert_eq!(template.render("628", "{phone}", "r"), "msg=%7Bphone%7D&to=628");
    }

    #[test]
    fn a_provider_that_takes_a_reference_gets_the_messages_own_id() {
        let template =
            BodyTemplate::parse(BodyKind::Json, r#"{"to":"{phone}","text":"{message}","ref":"{reference}"}"#);
        let body = template.unwrap().render("+6281234567890", "Halo", "antrean-42");
        let value: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(value["ref"], "antrean-42");
    }

    #[test]
    fn a_json_template_with_the_message_outside_a_string_is_refused() {
        let refused = BodyTemplate::parse(BodyKind::Json, r#"{"to":"{phone}","text":{message}}"#);
        assert!(matches!(refused, Err(GatewaySettingsError::NotJson { .. })));
    }

    #[test]
    fn a_template_without_the_message_is_refused() {
        let refused = BodyTemplate::parse(BodyKind::Form, "to={phone}");
        assert_eq!(refused, Err(GatewaySettingsError::MissingPlaceholder(MESSAGE)));
    }

    #[test]
    fn digits_format_drops_only_the_plus() {
        assert_eq!(PhoneFormat::Digits.write(&phone()), "6281234567890");
        assert_eq!(PhoneFormat::E164.write(&phone()), "+6281234567890");
    }

    #[test]
    fn an_auth_header_is_split_at_the_first_colon() {
        let header = AuthHeader::parse("Authorization: Bearer a:b").unwrap();
        assert_eq!((header.name(), header.value.to_str().unwrap()), ("authorization", "Bearer a:b"));
    }

    #[test]
    fn an_auth_header_without_a_value_is_refused() {
        assert_eq!(AuthHeader::parse("X-Api-Key:").unwrap_err(), GatewaySettingsError::HeaderFormat);
        assert_eq!(AuthHeader::parse("X-Api-Key").unwrap_err(), GatewaySettingsError::HeaderFormat);
    }

    #[test]
    fn debug_output_hides_the_key_the_template_and_the_query() {
        let template = BodyTemplate::parse(BodyKind::Form, "key=rahasia2&to={phone}&msg={message}").unwrap();
        let mut settings =
            HttpGatewaySettings::new("https://user:rahasia1@sms.example.id/send?key=rahasia3", template).unwrap();
        settings.auth_header = Some(AuthHeader::parse("X-Api-Key: rahasia4").unwrap());
        let printed = format!("{:?}", HttpGateway::new(settings));
        assert!(!printed.contains("rahasia"), "{printed}");
        assert!(printed.contains("sms.example.id/send") && printed.contains("x-api-key"), "{printed}");
    }

    #[test]
    fn a_url_must_be_http_or_https() {
        let template = BodyTemplate::parse(BodyKind::Json, BodyKind::Json.default_template()).unwrap();
        assert_eq!(
            HttpGatewaySettings::new("ftp://sms.example.id", template.clone()).unwrap_err(),
            GatewaySettingsError::Url
        );
        assert_eq!(HttpGatewaySettings::new("sms.example.id/send", template).unwrap_err(), GatewaySettingsError::Url);
    }
}
