//! The one-tap cancel link of the evening reminder. It works without signing
//! in, so it carries its own proof: the ticket's code and the link's expiry,
//! signed with the server's key. Anyone holding it can cancel that one ticket
//! until its date ends, and nothing else; the page asks before it cancels.

use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// Bytes of the MAC kept in the link: 128 bits, short enough for an SMS.
const MAC_BYTES: usize = 16;

fn mac(key: &[u8], ticket_code: &str, expires: i64) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).unwrap_or_else(|_| unreachable!("HMAC takes any key length"));
    mac.update(b"antrean-cancel-link:");
    mac.update(ticket_code.as_bytes());
    mac.update(b":");
    mac.update(expires.to_string().as_bytes());
    mac.finalize().into_bytes()[..MAC_BYTES].iter().map(|b| format!("{b:02x}")).collect()
}

/// The link's token for a ticket: `code.expires.mac`.
pub fn token(key: &[u8], ticket_code: &str, expires_at: DateTime<Utc>) -> String {
    let expires = expires_at.timestamp();
    format!("{ticket_code}.{expires}.{}", mac(key, ticket_code, expires))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkProblem {
    /// Not made by this server, or changed since.
    Forged,
    /// The ticket's date is over.
    Expired,
}

/// The ticket code a token was made for, if this server made it and it is still valid.
pub fn verify(key: &[u8], token: &str, now: DateTime<Utc>) -> Result<String, LinkProblem> {
    let mut parts = token.trim().split('.');
    let (Some(code), Some(expires), Some(given), None) = (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(LinkProblem::Forged);
    };
    let expires: i64 = expires.parse().map_err(|_| LinkProblem::Forged)?;
    let expected = mac(key, code, expires);
    let same =
        expected.len() == given.len() && expected.bytes().zip(given.bytes()).fold(0, |d, (a, b)| d | (a ^ b)) == 0;
    if !same {
        return Err(LinkProblem::Forged);
    }
    if now.timestamp() >= expires {
        return Err(LinkProblem::Expired);
    }
    Ok(code.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cancel_link_names_one_ticket_until_its_day_ends_and_cannot_be_made_without_the_key() {
        let now = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        let expires = now + chrono::Duration::hours(30);
        let token = token(b"kunci", "ABCDEFGHJK", expires);
        assert_eq!(verify(b"kunci", &token, now), Ok("ABCDEFGHJK".into()));
        assert_eq!(verify(b"kunci", &token, expires), Err(LinkProblem::Expired));
        assert_eq!(verify(b"kunci lain", &token, now), Err(LinkProblem::Forged));
        let other = token.replacen("ABCDEFGHJK", "ABCDEFGHJM", 1);
        assert_eq!(verify(b"kunci", &other, now), Err(LinkProblem::Forged));
        let later = token.replacen(&expires.timestamp().to_string(), &(expires.timestamp() + 86_400).to_string(), 1);
        assert_eq!(verify(b"kunci", &later, now), Err(LinkProblem::Forged), "the expiry cannot be pushed back");
        assert_eq!(verify(b"kunci", "rubbish", now), Err(LinkProblem::Forged));
        assert_eq!(verify(b"kunci", "a.b.c.d", now), Err(LinkProblem::Forged));
    }
}
