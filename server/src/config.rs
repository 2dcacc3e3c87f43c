//! Settings, read once from the environment at start-up.

use std::net::SocketAddr;
use std::path::PathBuf;

use chrono::{DateTime, Utc};
use thiserror::Error;

/// Every setting with its variable, default and meaning; `--help` prints this.
pub const VARIABLES: &[(&str, &str, &str)] = &[
    ("ANTREAN_ADDR", "127.0.0.1:3000", "address and port to listen on"),
    ("ANTREAN_DATA_DIR", "./data", "directory for the embedded SQLite database"),
    ("ANTREAN_DATABASE_URL", "sqlite://<data dir>/antrean.db", "database to use"),
    ("ANTREAN_SITE_ROOT", "./target/site", "built front end: pkg/ (WASM, JS), style/, icons"),
    ("ANTREAN_SEED_DEMO", "true", "create the demo offices when the database has none"),
    ("ANTREAN_NOW", "(unset)", "pin the clock to an RFC 3339 instant, for demos and browser tests"),
    ("ANTREAN_DEV_MODE", "false", "development mode: SMS are kept and shown at /dev/outbox"),
    ("ANTREAN_ADMIN_PASSWORD", "(unset)", "password of the first admin; without it a one-time password is logged"),
    ("RUST_LOG", "info", "log filter (tracing-subscriber syntax)"),
];

#[derive(Debug, Clone)]
pub struct Config {
    pub addr: SocketAddr,
    pub data_dir: PathBuf,
    pub database_url: String,
    pub site_root: PathBuf,
    pub seed_demo: bool,
    pub fixed_now: Option<DateTime<Utc>>,
    pub admin_password: Option<Secret>,
    pub dev_mode: bool,
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
}

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
        let addr = addr_text.parse().map_err(|e| invalid("ANTREAN_ADDR", &addr_text, &e))?;
        let data_dir = PathBuf::from(get("ANTREAN_DATA_DIR").unwrap_or_else(|| "./data".into()));
        let database_url = get("ANTREAN_DATABASE_URL")
            .unwrap_or_else(|| format!("sqlite://{}", data_dir.join("antrean.db").display()));
        let site_root = PathBuf::from(get("ANTREAN_SITE_ROOT").unwrap_or_else(|| "./target/site".into()));
        let flag = |name: &'static str, default: bool| -> Result<bool, ConfigError> {
            match get(name).map(|v| v.to_ascii_lowercase()).as_deref() {
                None | Some("") => Ok(default),
                Some("1" | "true" | "yes") => Ok(true),
                Some("0" | "false" | "no") => Ok(false),
                Some(other) => Err(invalid(name, other, &"use true or false")),
            }
        };
        let seed_demo = flag("ANTREAN_SEED_DEMO", true)?;
        let dev_mode = flag("ANTREAN_DEV_MODE", false)?;
        let fixed_now = get("ANTREAN_NOW")
            .filter(|v| !v.is_empty())
            .map(|v| {
                DateTime::parse_from_rfc3339(&v)
                    .map(|t| t.with_timezone(&Utc))
                    .map_err(|e| invalid("ANTREAN_NOW", &v, &e))
            })
            .transpose()?;
        let admin_password = get("ANTREAN_ADMIN_PASSWORD").filter(|v| !v.is_empty()).map(Secret);
        Ok(Self { addr, data_dir, database_url, site_root, seed_demo, fixed_now, admin_password, dev_mode })
    }
}

pub fn help() -> String {
    let mut text = String::from(
        "antrean: online queue and booking server\n\nUsage: antrean [--help]\n\nConfiguration (environment variables):\n",
    );
    for (name, default, meaning) in VARIABLES {
        text.push_str(&format!("  {name:<22} {meaning}\n  {:<22} default: {default}\n", ""));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_listen_locally_and_keep_data_under_data() {
        let config = Config::from_lookup(|_| None).unwrap();
        assert_eq!(config.addr.to_string(), "127.0.0.1:3000");
        assert_eq!(config.database_url, "sqlite://./data/antrean.db");
        assert!(config.seed_demo && config.fixed_now.is_none());
    }

    #[test]
    fn a_bad_address_is_reported_by_name() {
        let error = Config::from_lookup(|n| (n == "ANTREAN_ADDR").then(|| "nope".into())).unwrap_err();
        assert!(error.to_string().contains("ANTREAN_ADDR"));
    }

    #[test]
    fn a_pinned_clock_is_read_as_rfc3339() {
        let config = Config::from_lookup(|n| (n == "ANTREAN_NOW").then(|| "2026-11-23T10:00:00+08:00".into())).unwrap();
        assert_eq!(config.fixed_now.unwrap().to_rfc3339(), "2026-11-23T02:00:00+00:00");
    }
}
