//! Known devices. A browser where an account signed in successfully keeps a
//! signed token naming the account's username; its later sign-ins for that
//! username are counted per device, not per network address, and have
//! password checks kept for them. So an attacker on the same network (an
//! office NAT, a mobile carrier's shared address) cannot lock the owner out,
//! and a flood of guesses from elsewhere does not queue the owner behind it.

use hmac::{Hmac, Mac};
use sha2::Sha256;

fn mac(key: &[u8], username: &str, nonce: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).unwrap_or_else(|_| unreachable!("HMAC takes any key length"));
    mac.update(b"antrean-known-device:");
    mac.update(username.as_bytes());
    mac.update(b":");
    mac.update(nonce.as_bytes());
    mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect()
}

/// A new token for `username`: `nonce.mac`.
pub fn token(key: &[u8], username: &str) -> String {
    let nonce: String = (0..16).map(|_| format!("{:02x}", rand::random::<u8>())).collect();
    let mac = mac(key, username, &nonce);
    format!("{nonce}.{mac}")
}

/// The device's own name (its nonce) when `token` was made for `username` by
/// this server.
pub fn verify(key: &[u8], username: &str, token: &str) -> Option<String> {
    let (nonce, given) = token.split_once('.')?;
    let expected = mac(key, username, nonce);
    let same =
        expected.len() == given.len() && expected.bytes().zip(given.bytes()).fold(0, |d, (a, b)| d | (a ^ b)) == 0;
    same.then(|| nonce.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_device_token_names_one_username_and_cannot_be_made_without_the_key() {
        let token = token(b"kunci", "admin");
        assert!(verify(b"kunci", "admin", &token).is_some());
        assert_eq!(verify(b"kunci", "petugas", &token), None);
        assert_eq!(verify(b"kunci lain", "admin", &token), None);
        assert_eq!(verify(b"kunci", "admin", "abc.def"), None);
        assert_eq!(verify(b"kunci", "admin", "rubbish"), None);
    }
}
