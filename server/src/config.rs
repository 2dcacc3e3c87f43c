//! Settings, read once from the environment at start-up.

use std::net::SocketAddr;
use std::path::PathBuf;

use app::sms::{AuthHeader, BodyKind, BodyTemplate, HttpGatewaySettings, PhoneFormat};
use chrono::{DateTime, Utc};
use thiserror::Error;

/// The shortest `ANTREAN_ADMIN_PASSWORD` accepted.
const MIN_ADMIN_PASSWORD: usize = 12;

/// Every setting with its variable, default and meaning; `--help` prints this.
pub const VARIABLES: &[(&str, &str, &str)] = &[
    ("ANTREAN_ADDR", "127.0.0.1:3000", "address and port to listen on"),
    (
        "ANTREAN_PUBLIC_URL",
        "(required; development: http://<ANTREAN_ADDR>)",
        "the site's address as citizens reach it, e.g. https://antrean.example.id: links, SMS text, same-origin checks",
    ),
    (
        "ANTREAN_TRUSTED_PROXIES",
        "(none)",
        "proxies in front of the server whose X-Forwarded-For (or Forwarded) names the client, e.g. 10.0.0.0/8, ::1",
    ),
    (
        "ANTREAN_TRUSTED_PROXY_HEADER",
        "x-forwarded-for",
        "the header those proxies name the client in: x-forwarded-for or forwarded (only that one is read)",
    ),
    ("ANTREAN_DATA_DIR", "./data", "directory for the embedded SQLite database"),
    (
        "ANTREAN_DATABASE_URL",
        "sqlite://<data dir>/antrean.db",
        "database to use: sqlite://FILE or postgres://USER:PASSWORD@HOST/DB",
    ),
    ("ANTREAN_SITE_ROOT", "./target/site", "built front end: pkg/ (WASM, JS), style/, icons"),
    ("ANTREAN_DATABASE_CONNECTIONS", "10", "connections each instance keeps to PostgreSQL (not used for SQLite)"),
    (
        "ANTREAN_BOOKING_WRITERS",
        "2",
        "PostgreSQL: booking writers of each instance, one connection each; about one per database core, all instances together",
    ),
    ("ANTREAN_SEED_DEMO", "true", "create the demo offices when the database has none"),
    ("ANTREAN_NOW", "(unset)", "pin the clock to an RFC 3339 instant, for demos and browser tests"),
    ("ANTREAN_DEV_MODE", "false", "development pages: /dev/outbox shows the SMS kept by the dev gateway"),
    ("ANTREAN_SMS_GATEWAY", "dev", "dev (SMS kept in the database, not sent) or http (sent to a provider)"),
    ("ANTREAN_SMS_URL", "(unset)", "provider address the http gateway POSTs each SMS to; required for http"),
    ("ANTREAN_SMS_AUTH_HEADER", "(unset)", "header sent with each SMS request as `Name: value`, e.g. `X-Api-Key: …`"),
    (
        "ANTREAN_SMS_BODY",
        r#"{"to":"{phone}","text":"{message}"} (form: to={phone}&text={message})"#,
        "request body; {phone} and {message} (and {reference}, the message's own id, if the provider takes one) are filled in, escaped for the body kind",
    ),
    ("ANTREAN_SMS_BODY_KIND", "json", "json (values escaped inside JSON strings) or form (values URL-encoded)"),
    ("ANTREAN_SMS_PHONE_FORMAT", "e164", "how the provider wants numbers: e164 (+62812…) or digits (62812…)"),
    (
        "ANTREAN_SMTP_URL",
        "(unset)",
        "SMTP relay for email notices, e.g. smtp://127.0.0.1:25 or smtps://user:pass@smtp.example.id; unset: no email",
    ),
    ("ANTREAN_MAIL_FROM", "Antrean <antrean@localhost>", "sender of email notices"),
    (
        "ANTREAN_PUSH_CONTACT",
        "mailto:admin@localhost",
        "contact push services may use about our web push messages (VAPID subject): mailto: or https: URL",
    ),
    (
        "ANTREAN_PUSH_ALLOW_LOOPBACK",
        "false",
        "tests only: accept push services on this machine over http (otherwise https, port 443, public addresses)",
    ),
    (
        "ANTREAN_NOTICES_IN_FLIGHT",
        "32,16,64",
        "notices sent at once per channel: SMS, email, push; a slow destination holds only its own slot",
    ),
    (
        "ANTREAN_SMS_BUDGET_PER_HOUR",
        "1000",
        "access-code SMS per hour before requests must carry a proof of work solved in the browser",
    ),
    (
        "ANTREAN_SMS_BUDGET_PER_RANGE",
        "100",
        "the same, to one range of numbers (+62 and the first five digits): SMS pumping targets one range",
    ),
    (
        "ANTREAN_SCREENS_PER_ADDRESS",
        "1000",
        "live screens one client address may keep connected; more are told to come back later (429)",
    ),
    (
        "ANTREAN_PASSWORD_CHECKS",
        "4",
        "staff password checks (argon2, ~19 MiB each) at once; a sign-in waiting over 2 s is told to retry",
    ),
    ("ANTREAN_ADMIN_PASSWORD", "(unset)", "password of the first admin; without it a one-time password is logged"),
    (
        "ANTREAN_METRICS_TOKEN",
        "(unset)",
        "Prometheus metrics at /metrics for `Authorization: Bearer <token>` (at least 16 characters); unset: no /metrics",
    ),
    ("RUST_LOG", "info", "log filter (tracing-subscriber syntax)"),
];

#[derive(Debug, Clone)]
pub struct Config {
    pub addr: SocketAddr,
    pub data_dir: PathBuf,
    pub database_url: DatabaseUrl,
    /// How this instance uses PostgreSQL.
    pub postgres: app::store::PostgresUse,
    pub site_root: PathBuf,
    pub seed_demo: bool,
    pub fixed_now: Option<DateTime<Utc>>,
    pub admin_password: Option<Secret>,
    /// Serves the development pages (`/dev/outbox`); never on a public server.
    pub dev_mode: bool,
    pub sms: SmsSettings,
    /// Where email notices go; none are written without it.
    pub mail: Option<MailSettings>,
    pub push_contact: String,
    pub push_rules: app::domain::outbound::OutboundRules,
    pub notices_in_flight: app::notify::InFlight,
    /// Unset only in development mode, where the listening address stands in.
    pub public_url: Option<app::domain::site::PublicUrl>,
    pub trusted_proxies: app::domain::client::TrustedProxies,
    pub password_checks: usize,
    /// The bearer token of `/metrics`; none, no metrics route.
    pub metrics_token: Option<Secret>,
    pub sms_budget: app::domain::otp::SmsBudget,
    /// Live screens one client address may hold open.
    pub screens_per_address: usize,
}

#[derive(Debug, Clone)]
pub struct MailSettings {
    /// May hold the relay's password.
    pub smtp_url: Secret,
    pub from: String,
}

/// Where SMS go.
#[derive(Debug, Clone)]
pub enum SmsSettings {
    /// Kept in the `sms_outbox` table, for development and demos.
    Dev,
    /// Sent to a provider over HTTP.
    Http(Box<HttpGatewaySettings>),
}

/// Where the database is: `sqlite://…` or `postgres://…`. Printed without its password.
#[derive(Clone, PartialEq, Eq)]
pub struct DatabaseUrl(pub String);

/// The data directory and the database in it, or the one `ANTREAN_DATABASE_URL` names.
pub fn database_location(get: &impl Fn(&str) -> Option<String>) -> (PathBuf, DatabaseUrl) {
    let data_dir = PathBuf::from(get("ANTREAN_DATA_DIR").unwrap_or_else(|| "./data".into()));
    let url = get("ANTREAN_DATABASE_URL")
        .filter(|url| !url.trim().is_empty())
        .unwrap_or_else(|| format!("sqlite://{}", data_dir.join("antrean.db").display()));
    (data_dir, DatabaseUrl(url))
}

impl DatabaseUrl {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let masked = self.0.split_once("://").and_then(|(scheme, rest)| {
            let (user_info, host) = rest.split_once('@')?;
            let (user, _password) = user_info.split_once(':')?;
            Some(format!("{scheme}://{user}:{MASKED}@{host}"))
        });
        write!(f, "{:?}", masked.as_deref().unwrap_or(&self.0))
    }
}

/// A value that must not reach the log.
#[derive(Clone)]
pub struct Secret(pub String);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("***")
    }
}

#[derive(Debug, Error)]
pub enum ConfigError {
    #[error("{name} is not valid: {value:?} ({reason})")]
    Invalid { name: &'static str, value: String, reason: String },
    #[error("{name} must be set {reason}")]
    Missing { name: &'static str, reason: &'static str },
}

/// Shown in place of a value that may hold a provider key.
const MASKED: &str = "***";

impl Config {
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let invalid = |name: &'static str, value: &str, reason: &dyn std::fmt::Display| ConfigError::Invalid {
            name,
            value: value.to_string(),
            reason: reason.to_string(),
        };
        let addr_text = get("ANTREAN_ADDR").unwrap_or_else(|| "127.0.0.1:3000".into());
        let addr: std::net::SocketAddr = addr_text.parse().map_err(|e| invalid("ANTREAN_ADDR", &addr_text, &e))?;
        let (data_dir, database_url) = database_location(&get);
        let site_root = PathBuf::from(get("ANTREAN_SITE_ROOT").unwrap_or_else(|| "./target/site".into()));
        let flag = |name: &'static str, default: bool| -> Result<bool, ConfigError> {
            match get(name).map(|v| v.to_ascii_lowercase()).as_deref() {
                None | Some("") => Ok(default),
                Some("1" | "true" | "yes") => Ok(true),
                Some("0" | "false" | "no") => Ok(false),
                Some(other) => Err(invalid(name, other, &"use true or false")),
            }
        };
        let defaults = app::store::PostgresUse::default();
        let from_one_to = |name: &'static str, default: u32, most: u32| match get(name).filter(|v| !v.trim().is_empty())
        {
            None => Ok(default),
            Some(text) => match text.trim().parse::<u32>() {
                Ok(n) if (1..=most).contains(&n) => Ok(n),
                _ => Err(invalid(name, &text, &format!("use a whole number from 1 to {most}"))),
            },
        };
        // Each writer is a thread and a connection of its own.
        let postgres = app::store::PostgresUse {
            connections: from_one_to("ANTREAN_DATABASE_CONNECTIONS", defaults.connections, 1_000)?,
            booking_writers: from_one_to("ANTREAN_BOOKING_WRITERS", defaults.booking_writers, 64)?,
        };
        let seed_demo = flag("ANTREAN_SEED_DEMO", true)?;
        let dev_mode = flag("ANTREAN_DEV_MODE", false)?;
        // The development pages (the SMS outbox with every code) must never face a network.
        if dev_mode && !addr.ip().is_loopback() {
            return Err(invalid("ANTREAN_ADDR", &addr_text, &"development mode listens on a loopback address only"));
        }
        let public_url = match get("ANTREAN_PUBLIC_URL").filter(|v| !v.trim().is_empty()) {
            Some(text) => {
                Some(app::domain::site::PublicUrl::parse(&text).map_err(|e| invalid("ANTREAN_PUBLIC_URL", &text, &e))?)
            }
            None if dev_mode => None,
            None => {
                return Err(ConfigError::Missing {
                    name: "ANTREAN_PUBLIC_URL",
                    reason: "outside development mode (the address citizens reach the site at)",
                })
            }
        };
        let proxies_text = get("ANTREAN_TRUSTED_PROXIES").unwrap_or_default();
        let header_text = get("ANTREAN_TRUSTED_PROXY_HEADER").unwrap_or_else(|| "x-forwarded-for".into());
        let header = app::domain::client::ForwardingHeader::parse(&header_text)
            .ok_or_else(|| invalid("ANTREAN_TRUSTED_PROXY_HEADER", &header_text, &"x-forwarded-for or forwarded"))?;
        let trusted_proxies = app::domain::client::TrustedProxies::parse(&proxies_text, header)
            .map_err(|e| invalid("ANTREAN_TRUSTED_PROXIES", &proxies_text, &e))?;
        let checks_text = get("ANTREAN_PASSWORD_CHECKS").unwrap_or_else(|| "4".into());
        let password_checks = checks_text
            .trim()
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=64).contains(n))
            .ok_or_else(|| invalid("ANTREAN_PASSWORD_CHECKS", &checks_text, &"a whole number from 1 to 64"))?;
        let count = |name: &'static str, default: u32| -> Result<u32, ConfigError> {
            match get(name).filter(|v| !v.trim().is_empty()) {
                None => Ok(default),
                Some(text) => text
                    .trim()
                    .parse::<u32>()
                    .ok()
                    .filter(|n| *n >= 1)
                    .ok_or_else(|| invalid(name, &text, &"a whole number of at least 1")),
            }
        };
        let default_budget = app::domain::otp::SmsBudget::default();
        let sms_budget = app::domain::otp::SmsBudget {
            per_hour: count("ANTREAN_SMS_BUDGET_PER_HOUR", default_budget.per_hour)?,
            per_prefix_per_hour: count("ANTREAN_SMS_BUDGET_PER_RANGE", default_budget.per_prefix_per_hour)?,
        };
        let fixed_now = get("ANTREAN_NOW")
            .filter(|v| !v.is_empty())
            .map(|v| {
                DateTime::parse_from_rfc3339(&v)
                    .map(|t| t.with_timezone(&Utc))
                    .map_err(|e| invalid("ANTREAN_NOW", &v, &e))
            })
            .transpose()?;
        let admin_password = get("ANTREAN_ADMIN_PASSWORD").filter(|v| !v.is_empty()).map(Secret);
        // The first admin can do everything: a short password is refused, not warned about.
        if admin_password.as_ref().is_some_and(|password| password.0.chars().count() < MIN_ADMIN_PASSWORD) {
            return Err(invalid("ANTREAN_ADMIN_PASSWORD", "(hidden)", &"use at least 12 characters"));
        }
        let sms = sms_settings(&get)?;
        let mail = get("ANTREAN_SMTP_URL").filter(|v| !v.trim().is_empty()).map(|url| MailSettings {
            smtp_url: Secret(url),
            from: get("ANTREAN_MAIL_FROM")
                .filter(|v| !v.trim().is_empty())
                .unwrap_or_else(|| "Antrean <antrean@localhost>".into()),
        });
        let push_contact = get("ANTREAN_PUSH_CONTACT")
            .filter(|v| !v.trim().is_empty())
            .unwrap_or_else(|| "mailto:admin@localhost".into());
        if !(push_contact.starts_with("mailto:") || push_contact.starts_with("https:")) {
            return Err(invalid("ANTREAN_PUSH_CONTACT", &push_contact, &"use a mailto: or https: URL"));
        }
        let push_rules =
            app::domain::outbound::OutboundRules { allow_loopback: flag("ANTREAN_PUSH_ALLOW_LOOPBACK", false)? };
        let in_flight_text = get("ANTREAN_NOTICES_IN_FLIGHT").unwrap_or_else(|| "32,16,64".into());
        let counts: Vec<usize> = in_flight_text
            .split(',')
            .filter_map(|n| n.trim().parse().ok())
            .filter(|n| (1..=1_000).contains(n))
            .collect();
        let [sms_sends, email_sends, push_sends] = counts[..] else {
            return Err(invalid(
                "ANTREAN_NOTICES_IN_FLIGHT",
                &in_flight_text,
                &"three whole numbers from 1 to 1000: SMS, email, push",
            ));
        };
        let notices_in_flight = app::notify::InFlight { sms: sms_sends, email: email_sends, push: push_sends };
        let screens_per_address = count("ANTREAN_SCREENS_PER_ADDRESS", 1_000)? as usize;
        let metrics_token = get("ANTREAN_METRICS_TOKEN").filter(|v| !v.is_empty()).map(Secret);
        if metrics_token.as_ref().is_some_and(|token| token.0.chars().count() < 16) {
            return Err(invalid("ANTREAN_METRICS_TOKEN", "(hidden)", &"use at least 16 characters"));
        }
        Ok(Self {
            addr,
            data_dir,
            database_url,
            postgres,
            site_root,
            seed_demo,
            fixed_now,
            admin_password,
            dev_mode,
            sms,
            mail,
            push_contact,
            push_rules,
            notices_in_flight,
            public_url,
            trusted_proxies,
            password_checks,
            metrics_token,
            sms_budget,
            screens_per_address,
        })
    }
}

fn sms_settings(get: &impl Fn(&str) -> Option<String>) -> Result<SmsSettings, ConfigError> {
    let get = |name: &str| get(name).filter(|v| !v.trim().is_empty());
    let invalid = |name: &'static str, value: &str, reason: &dyn std::fmt::Display| ConfigError::Invalid {
        name,
        value: value.to_string(),
        reason: reason.to_string(),
    };
    match get("ANTREAN_SMS_GATEWAY").map(|v| v.to_ascii_lowercase()).as_deref() {
        None | Some("dev") => return Ok(SmsSettings::Dev),
        Some("http") => {}
        Some(other) => return Err(invalid("ANTREAN_SMS_GATEWAY", other, &"use dev or http")),
    }
    let body_kind = match get("ANTREAN_SMS_BODY_KIND").map(|v| v.to_ascii_lowercase()).as_deref() {
        None | Some("json") => BodyKind::Json,
        Some("form") => BodyKind::Form,
        Some(other) => return Err(invalid("ANTREAN_SMS_BODY_KIND", other, &"use json or form")),
    };
    let phone_format = match get("ANTREAN_SMS_PHONE_FORMAT").map(|v| v.to_ascii_lowercase()).as_deref() {
        None | Some("e164") => PhoneFormat::E164,
        Some("digits") => PhoneFormat::Digits,
        Some(other) => return Err(invalid("ANTREAN_SMS_PHONE_FORMAT", other, &"use e164 or digits")),
    };
    // The template, the header and the URL's query may carry the provider's key,
    // so those values stay out of the message: it reaches the terminal and the log.
    let body_text = get("ANTREAN_SMS_BODY").unwrap_or_else(|| body_kind.default_template().to_string());
    let body = BodyTemplate::parse(body_kind, &body_text).map_err(|e| invalid("ANTREAN_SMS_BODY", MASKED, &e))?;
    let url = get("ANTREAN_SMS_URL")
        .ok_or(ConfigError::Missing { name: "ANTREAN_SMS_URL", reason: "when ANTREAN_SMS_GATEWAY is http" })?;
    let mut settings = HttpGatewaySettings::new(url.trim(), body).map_err(|e| {
        let shown = match url.split_once('?') {
            Some((address, _)) => format!("{address}?{MASKED}"),
            None => url.clone(),
        };
        invalid("ANTREAN_SMS_URL", &shown, &e)
    })?;
    settings.phone_format = phone_format;
    settings.auth_header = get("ANTREAN_SMS_AUTH_HEADER")
        .map(|line| {
            AuthHeader::parse(&line).map_err(|e| {
                let shown = match line.split_once(':') {
                    Some((name, _)) => format!("{}: {MASKED}", name.trim()),
                    None => MASKED.to_string(),
                };
                invalid("ANTREAN_SMS_AUTH_HEADER", &shown, &e)
            })
        })
        .transpose()?;
    Ok(SmsSettings::Http(Box::new(settings)))
}

pub fn help() -> String {
    let mut text = String::from(
        "antrean: online queue and booking server\n\nUsage: antrean [--help]\n       antrean backup FILE   \
         (a consistent copy of the SQLite database while the server runs)\n\nConfiguration (environment variables):\n",
    );
    for (name, default, meaning) in VARIABLES {
        text.push_str(&format!("  {name:<24} {meaning}\n  {:<24} default: {default}\n", ""));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_listen_locally_and_keep_data_under_data() {
        let config = with(&[]).unwrap();
        assert_eq!(config.addr.to_string(), "127.0.0.1:3000");
        assert_eq!(config.database_url.as_str(), "sqlite://./data/antrean.db");
        assert!(config.seed_demo && config.fixed_now.is_none());
    }

    #[test]
    fn a_bad_address_is_reported_by_name() {
        let error = with(&[("ANTREAN_ADDR", "nope")]).unwrap_err();
        assert!(error.to_string().contains("ANTREAN_ADDR"));
    }

    #[test]
    fn a_pinned_clock_is_read_as_rfc3339() {
        let config = with(&[("ANTREAN_NOW", "2026-11-23T10:00:00+08:00")]).unwrap();
        assert_eq!(config.fixed_now.unwrap().to_rfc3339(), "2026-11-23T02:00:00+00:00");
    }

    /// The settings given, with a public address unless they name one.
    fn with(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let public = ("ANTREAN_PUBLIC_URL", "https://antrean.example.id");
        exactly(&[pairs, &[public]].concat())
    }

    /// Only the settings given (the first of a name wins).
    fn exactly(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let pairs: Vec<(String, String)> = pairs.iter().map(|(n, v)| (n.to_string(), v.to_string())).collect();
        Config::from_lookup(move |name| pairs.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone()))
    }

    fn http_settings(pairs: &[(&str, &str)]) -> HttpGatewaySettings {
        match with(pairs).unwrap().sms {
            SmsSettings::Http(settings) => *settings,
            SmsSettings::Dev => panic!("expected the http gateway"),
        }
    }

    #[test]
    fn by_default_sms_are_kept_and_the_development_pages_are_off() {
        let config = with(&[]).unwrap();
        assert!(matches!(config.sms, SmsSettings::Dev) && !config.dev_mode);
    }

    #[test]
    fn outside_development_mode_the_public_address_is_required_and_checked() {
        let error = exactly(&[]).unwrap_err();
        assert!(error.to_string().contains("ANTREAN_PUBLIC_URL"), "{error}");
        let error = with(&[("ANTREAN_PUBLIC_URL", "https://antrean.example.id/app")]).unwrap_err();
        assert!(error.to_string().contains("ANTREAN_PUBLIC_URL"), "{error}");
        assert!(exactly(&[("ANTREAN_DEV_MODE", "true")]).unwrap().public_url.is_none());
    }

    #[test]
    fn a_first_admin_password_shorter_than_twelve_characters_is_refused() {
        let error = with(&[("ANTREAN_ADMIN_PASSWORD", "rahasia1234")]).unwrap_err();
        assert!(error.to_string().contains("ANTREAN_ADMIN_PASSWORD") && !error.to_string().contains("rahasia"));
        assert!(with(&[("ANTREAN_ADMIN_PASSWORD", "rahasia-12345")]).is_ok());
    }

    #[test]
    fn the_sms_budget_is_read_as_whole_numbers() {
        let config = with(&[("ANTREAN_SMS_BUDGET_PER_HOUR", "50"), ("ANTREAN_SMS_BUDGET_PER_RANGE", "5")]).unwrap();
        assert_eq!((config.sms_budget.per_hour, config.sms_budget.per_prefix_per_hour), (50, 5));
        let error = with(&[("ANTREAN_SMS_BUDGET_PER_HOUR", "0")]).unwrap_err();
        assert!(error.to_string().contains("ANTREAN_SMS_BUDGET_PER_HOUR"), "{error}");
    }

    #[test]
    fn trusted_proxies_are_addresses_or_networks() {
        assert_eq!(with(&[]).unwrap().trusted_proxies, Default::default());
        assert!(with(&[("ANTREAN_TRUSTED_PROXIES", "10.0.0.0/8, ::1")]).is_ok());
        let error = with(&[("ANTREAN_TRUSTED_PROXIES", "proxy.example.id")]).unwrap_err();
        assert!(error.to_string().contains("ANTREAN_TRUSTED_PROXIES"), "{error}");
        let forwarded = with(&[("ANTREAN_TRUSTED_PROXY_HEADER", "Forwarded")]).unwrap();
        assert_eq!(forwarded.trusted_proxies.header(), app::domain::client::ForwardingHeader::Forwarded);
        let error = with(&[("ANTREAN_TRUSTED_PROXY_HEADER", "x-real-ip")]).unwrap_err();
        assert!(error.to_string().contains("ANTREAN_TRUSTED_PROXY_HEADER"), "{error}");
    }

    #[test]
    fn development_mode_listens_on_a_loopback_address_only() {
        let error = with(&[("ANTREAN_DEV_MODE", "true"), ("ANTREAN_ADDR", "0.0.0.0:3000")]).unwrap_err();
        assert!(error.to_string().contains("ANTREAN_ADDR"), "{error}");
        assert!(with(&[("ANTREAN_DEV_MODE", "true"), ("ANTREAN_ADDR", "[::1]:3000")]).is_ok());
    }

    #[test]
    fn dev_mode_is_read_as_a_flag() {
        assert!(with(&[("ANTREAN_DEV_MODE", "true")]).unwrap().dev_mode);
        let error = with(&[("ANTREAN_DEV_MODE", "kadang")]).unwrap_err();
        assert!(error.to_string().contains("ANTREAN_DEV_MODE"), "{error}");
    }

    #[test]
    fn the_http_gateway_without_a_url_is_refused_by_name() {
        let error = with(&[("ANTREAN_SMS_GATEWAY", "http")]).unwrap_err();
        assert!(error.to_string().contains("ANTREAN_SMS_URL"), "{error}");
    }

    #[test]
    fn an_unknown_gateway_is_refused_by_name() {
        let error = with(&[("ANTREAN_SMS_GATEWAY", "smtp")]).unwrap_err();
        assert!(error.to_string().contains("ANTREAN_SMS_GATEWAY"), "{error}");
    }

    #[test]
    fn the_http_gateway_defaults_to_a_json_body_and_e164_numbers() {
        let settings =
            http_settings(&[("ANTREAN_SMS_GATEWAY", "http"), ("ANTREAN_SMS_URL", "https://sms.example.id/send")]);
        assert_eq!(settings.body.kind(), BodyKind::Json);
        assert_eq!(settings.phone_format, PhoneFormat::E164);
        assert!(settings.auth_header.is_none());
        assert_eq!((settings.timeout, settings.retries), (HttpGatewaySettings::DEFAULT_TIMEOUT, 2));
    }

    #[test]
    fn a_form_body_digits_numbers_and_an_auth_header_are_read() {
        let settings = http_settings(&[
            ("ANTREAN_SMS_GATEWAY", "http"),
            ("ANTREAN_SMS_URL", "https://sms.example.id/send"),
            ("ANTREAN_SMS_BODY_KIND", "form"),
            ("ANTREAN_SMS_BODY", "msisdn={phone}&pesan={message}"),
            ("ANTREAN_SMS_PHONE_FORMAT", "digits"),
            ("ANTREAN_SMS_AUTH_HEADER", "Authorization: Bearer rahasia"),
        ]);
        assert_eq!(settings.body.kind(), BodyKind::Form);
        assert_eq!(settings.phone_format, PhoneFormat::Digits);
        assert_eq!(settings.auth_header.map(|h| h.name().to_string()).as_deref(), Some("authorization"));
    }

    #[test]
    fn a_body_that_does_not_fit_its_kind_is_refused_by_name() {
        let error = with(&[
            ("ANTREAN_SMS_GATEWAY", "http"),
            ("ANTREAN_SMS_URL", "https://sms.example.id/send"),
            ("ANTREAN_SMS_BODY", "to={phone}&text={message}"),
        ])
        .unwrap_err();
        assert!(error.to_string().contains("ANTREAN_SMS_BODY"), "{error}");
    }

    #[test]
    fn an_unknown_body_kind_or_phone_format_is_refused_by_name() {
        let base = [("ANTREAN_SMS_GATEWAY", "http"), ("ANTREAN_SMS_URL", "https://sms.example.id/send")];
        for (name, value) in [("ANTREAN_SMS_BODY_KIND", "xml"), ("ANTREAN_SMS_PHONE_FORMAT", "national")] {
            let error = with(&[base[0], base[1], (name, value)]).unwrap_err();
            assert!(error.to_string().contains(name), "{error}");
        }
    }

    #[test]
    fn a_malformed_auth_header_is_refused_without_showing_its_value() {
        let error = with(&[
            ("ANTREAN_SMS_GATEWAY", "http"),
            ("ANTREAN_SMS_URL", "https://sms.example.id/send"),
            ("ANTREAN_SMS_AUTH_HEADER", "Bearer rahasia"),
        ])
        .unwrap_err()
        .to_string();
        assert!(error.contains("ANTREAN_SMS_AUTH_HEADER") && !error.contains("rahasia"), "{error}");
    }

    #[test]
    fn printing_the_config_masks_the_auth_header_value() {
        let config = with(&[
            ("ANTREAN_SMS_GATEWAY", "http"),
            ("ANTREAN_SMS_URL", "https://sms.example.id/send"),
            ("ANTREAN_SMS_AUTH_HEADER", "X-Api-Key: rahasia"),
        ])
        .unwrap();
        let printed = format!("{config:?}");
        assert!(printed.contains("x-api-key") && !printed.contains("rahasia"), "{printed}");
    }

    #[test]
    fn email_is_off_without_a_relay_and_the_relay_url_never_reaches_the_log() {
        assert!(with(&[]).unwrap().mail.is_none());
        let config = with(&[("ANTREAN_SMTP_URL", "smtps://antrean:rahasia@smtp.example.id")]).unwrap();
        let mail = config.mail.as_ref().expect("email on");
        assert_eq!(mail.from, "Antrean <antrean@localhost>");
        let printed = format!("{config:?}");
        assert!(!printed.contains("rahasia"), "{printed}");
    }

    #[test]
    fn the_postgres_pool_size_and_writers_are_settings_of_at_least_one() {
        assert_eq!(with(&[]).unwrap().postgres, app::store::PostgresUse { connections: 10, booking_writers: 2 });
        assert_eq!(with(&[("ANTREAN_DATABASE_CONNECTIONS", "25")]).unwrap().postgres.connections, 25);
        assert_eq!(with(&[("ANTREAN_BOOKING_WRITERS", "1")]).unwrap().postgres.booking_writers, 1);
        for (name, too_many) in [("ANTREAN_DATABASE_CONNECTIONS", "1001"), ("ANTREAN_BOOKING_WRITERS", "65")] {
            for refused in ["0", too_many] {
                let error = with(&[(name, refused)]).unwrap_err().to_string();
                assert!(error.contains(name), "{error}");
            }
        }
    }

    #[test]
    fn printing_the_config_masks_the_database_password() {
        let config =
            with(&[("ANTREAN_DATABASE_URL", "postgres://antrean:rahasia@db.example.id:5432/antrean")]).unwrap();
        let printed = format!("{config:?}");
        assert!(printed.contains("postgres://antrean:***@db.example.id:5432/antrean"), "{printed}");
        assert!(!printed.contains("rahasia"), "{printed}");
    }

    #[test]
    fn help_lists_every_sms_variable() {
        let text = help();
        for name in [
            "ANTREAN_DEV_MODE",
            "ANTREAN_SMS_GATEWAY",
            "ANTREAN_SMS_URL",
            "ANTREAN_SMS_AUTH_HEADER",
            "ANTREAN_SMS_BODY",
            "ANTREAN_SMS_BODY_KIND",
            "ANTREAN_SMS_PHONE_FORMAT",
        ] {
            assert!(text.contains(name), "{name}");
        }
    }
}
