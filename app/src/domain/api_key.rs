//! API keys: how another government system (a regional dashboard, the citizen
//! service portal) reads an office's figures from `/api/v1/` without a person's
//! session. A key belongs to one office, is made from 32 random bytes, is
//! shown once when an admin creates it, and only its SHA-256 is kept: with
//! 256 bits of chance in it a fast hash is enough (nobody can guess their way
//! to a key), and the lookup by hash needs no slow password check an attacker
//! could use to load the server.

use chrono::{DateTime, Timelike, Utc};
use sha2::{Digest, Sha256};

/// What every key starts with, so one pasted into the wrong place (a chat, a
/// repository) is recognised for what it is.
pub const KEY_PREFIX: &str = "antrean_";

/// Random bytes in a key.
pub const KEY_BYTES: usize = 32;

/// Requests one key may make in a minute; the next is refused (429) until the
/// minute ends. Every instance counts in the same row, so running several
/// instances does not multiply it.
pub const REQUESTS_PER_MINUTE: i64 = 120;

/// What a report costs against `REQUESTS_PER_MINUTE`: it reads up to 92 days
/// of tickets, so a key may ask for a dozen a minute, not a hundred.
pub const REPORT_COST: i64 = 10;

/// `/api/v1/` requests answered at once by one instance; more wait for none
/// and are told to come back in a second, so API readers never hold every
/// database connection the pages and bookings need.
pub const IN_FLIGHT_PER_INSTANCE: usize = 8;

/// Live (not revoked) keys per office: a key per system that reads it, with
/// room to rotate, and no more for a stolen admin session to scatter around.
pub const LIVE_KEYS_PER_OFFICE: i64 = 10;

/// The longest label an admin gives a key ("Dasbor Pemprov Bali").
pub const LABEL_MAX_CHARS: usize = 64;

/// Characters of the key kept in the clear, so an admin can tell keys apart
/// in the list (the prefix and the first four random characters).
pub const SHOWN_CHARS: usize = KEY_PREFIX.len() + 4;

/// A new key's text, from `KEY_BYTES` random bytes.
pub fn key_text(random: &[u8; KEY_BYTES]) -> String {
    let mut text = String::with_capacity(KEY_PREFIX.len() + 2 * KEY_BYTES);
    text.push_str(KEY_PREFIX);
    for byte in random {
        text.push_str(&format!("{byte:02x}"));
    }
    text
}

/// What is stored and looked up: the SHA-256 of the key, in hex.
pub fn key_hash(key: &str) -> String {
    Sha256::digest(key.as_bytes()).iter().map(|byte| format!("{byte:02x}")).collect()
}

/// The key an `Authorization` header carries, if it is one of ours in shape
/// (`Bearer antrean_` and 64 lowercase hex digits). Anything else is refused
/// before the database is asked.
pub fn bearer_key(header: &str) -> Option<&str> {
    let (scheme, key) = header.trim().split_once(' ')?;
    let key = key.trim();
    let random = key.strip_prefix(KEY_PREFIX)?;
    let well_formed = scheme.eq_ignore_ascii_case("bearer")
        && random.len() == 2 * KEY_BYTES
        && random.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
    well_formed.then_some(key)
}

/// The label an admin typed, trimmed; `None` when empty or too long.
pub fn label(typed: &str) -> Option<String> {
    let label = typed.trim();
    (!label.is_empty() && label.chars().count() <= LABEL_MAX_CHARS && !label.chars().any(char::is_control))
        .then(|| label.to_string())
}

/// The minute a request falls in: the rate limit's window, as Unix seconds.
pub fn window_of(now: DateTime<Utc>) -> i64 {
    now.timestamp() - i64::from(now.second())
}

/// Seconds until the window of `now` ends (for `Retry-After`).
pub fn seconds_left_in_window(now: DateTime<Utc>) -> i64 {
    60 - i64::from(now.second())
}

/// Whether a request whose cost brings the window's count to `count` is answered.
pub fn within_limit(count: i64) -> bool {
    count <= REQUESTS_PER_MINUTE
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn a_key_is_the_prefix_and_its_bytes_in_hex_and_is_read_back_from_a_bearer_header() {
        let key = key_text(&[0xab; KEY_BYTES]);
        assert_eq!(key.len(), KEY_PREFIX.len() + 64);
        assert!(key.starts_with("antrean_abab"));
        assert_eq!(bearer_key(&format!("Bearer {key}")), Some(key.as_str()));
        assert_eq!(bearer_key(&format!("bearer  {key} ")), Some(key.as_str()));
    }

    #[test]
    fn headers_that_cannot_hold_a_key_are_refused_without_a_lookup() {
        let key = key_text(&[7; KEY_BYTES]);
        for header in [
            String::new(),
            key.clone(),
            format!("Basic {key}"),
            format!("Bearer {}", &key[..key.len() - 1]),
            format!("Bearer {key}0"),
            format!("Bearer {}", key.to_uppercase()),
            format!("Bearer {}", key.replace("antrean_", "other__")),
            "Bearer antrean_' OR 1=1 --".into(),
        ] {
            assert_eq!(bearer_key(&header), None, "{header}");
        }
    }

    #[test]
    fn the_hash_is_sha256_in_hex() {
        // Known answer: SHA-256 of "abc".
        assert_eq!(key_hash("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }

    #[test]
    fn labels_are_trimmed_and_bounded() {
        assert_eq!(label("  Dasbor Pemprov  ").as_deref(), Some("Dasbor Pemprov"));
        assert_eq!(label("   "), None);
        assert_eq!(label(&"x".repeat(LABEL_MAX_CHARS)).map(|l| l.len()), Some(LABEL_MAX_CHARS));
        assert_eq!(label(&"x".repeat(LABEL_MAX_CHARS + 1)), None);
        assert_eq!(label("a\nb"), None);
    }

    #[test]
    fn the_window_is_the_minute_and_its_limit_is_inclusive() {
        let at = Utc.with_ymd_and_hms(2026, 11, 23, 2, 0, 45).single().expect("a valid instant");
        assert_eq!(window_of(at), at.timestamp() - 45);
        assert_eq!(seconds_left_in_window(at), 15);
        assert!(within_limit(REQUESTS_PER_MINUTE));
        assert!(!within_limit(REQUESTS_PER_MINUTE + 1));
    }
}
