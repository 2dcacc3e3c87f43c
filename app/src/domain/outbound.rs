//! The outbound rules: where the server may send a request on someone else's
//! word. A push endpoint is a URL a browser hands in, so anyone signed in
//! could name an address inside the office's network (a database, a router's
//! admin page, the cloud's metadata service at 169.254.169.254) and have the
//! server post to it. A push service is a public HTTPS server on port 443, so
//! only that is accepted: checked when the subscription is saved, and again
//! against every address the name resolves to when a message is sent (a name
//! can be pointed elsewhere after it was checked).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use thiserror::Error;
use url::{Host, Url};

/// Longest endpoint kept; real push services use a few hundred characters.
pub const ENDPOINT_MAX_CHARS: usize = 1_000;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OutboundRules {
    /// Tests only: accept a push service on this machine, over plain HTTP and
    /// on any port (the local sink the tests run).
    pub allow_loopback: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum EndpointProblem {
    #[error("not an absolute URL")]
    NotAUrl,
    #[error("longer than {ENDPOINT_MAX_CHARS} characters")]
    TooLong,
    #[error("carries a user name or password")]
    Credentials,
    #[error("not https")]
    NotHttps,
    #[error("not on port 443")]
    NotPort443,
    /// The address is kept for the logs (`Debug`); what is shown (a
    /// webhook's last result, to an office admin) does not name it, so the
    /// names of a network's inner hosts cannot be mapped through a webhook.
    #[error("not a public address")]
    NotPublic(IpAddr),
}

impl OutboundRules {
    /// Whether `endpoint` may be posted to, as far as the URL itself tells.
    /// A name still has to resolve to public addresses (`check_address`).
    pub fn check_endpoint(&self, endpoint: &str) -> Result<Url, EndpointProblem> {
        if endpoint.len() > ENDPOINT_MAX_CHARS {
            return Err(EndpointProblem::TooLong);
        }
        let url = Url::parse(endpoint).map_err(|_| EndpointProblem::NotAUrl)?;
        // What is stored and sent is the URL as parsed, which percent-encoding
        // and punycode can make several times longer than what was typed.
        if url.as_str().len() > ENDPOINT_MAX_CHARS {
            return Err(EndpointProblem::TooLong);
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(EndpointProblem::Credentials);
        }
        let literal = match url.host() {
            Some(Host::Ipv4(ip)) => Some(IpAddr::V4(ip)),
            Some(Host::Ipv6(ip)) => Some(IpAddr::V6(ip)),
            Some(Host::Domain(_)) => None,
            None => return Err(EndpointProblem::NotAUrl),
        };
        let local_sink = self.allow_loopback && literal.is_some_and(|ip| ip.is_loopback());
        if local_sink && matches!(url.scheme(), "http" | "https") {
            return Ok(url);
        }
        if url.scheme() != "https" {
            return Err(EndpointProblem::NotHttps);
        }
        if url.port_or_known_default() != Some(443) {
            return Err(EndpointProblem::NotPort443);
        }
        if let Some(ip) = literal {
            self.check_address(ip)?;
        }
        Ok(url)
    }

    /// Whether a resolved address may be connected to.
    pub fn check_address(&self, ip: IpAddr) -> Result<(), EndpointProblem> {
        if is_public(ip) || (self.allow_loopback && ip.is_loopback()) {
            Ok(())
        } else {
            Err(EndpointProblem::NotPublic(ip))
        }
    }
}

/// An address on the public internet: not loopback, private, link-local,
/// unique-local, shared (carrier NAT), documentation, benchmarking, multicast
/// or reserved. IPv4 inside IPv6 (mapped, NAT64) is judged as IPv4.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => is_public_v6(v6),
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    !(ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_broadcast()
        || ip.is_documentation()
        || ip.is_multicast()
        || a == 0
        || (a == 100 && (64..128).contains(&b))
        || (a == 192 && b == 0 && c == 0)
        || (a == 198 && (b == 18 || b == 19))
        || a >= 240)
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    if let Some(v4) = ip.to_ipv4_mapped() {
        return is_public_v4(v4);
    }
    let segments = ip.segments();
    // NAT64 (64:ff9b::/96) reaches the IPv4 address in its last 32 bits.
    if segments[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        let [.., hi, lo] = segments;
        return is_public_v4(Ipv4Addr::from((u32::from(hi) << 16) | u32::from(lo)));
    }
    // 6to4 (2002::/16) carries an IPv4 address in bits 16–47, which a relay reaches.
    if segments[0] == 0x2002 {
        return is_public_v4(Ipv4Addr::from((u32::from(segments[1]) << 16) | u32::from(segments[2])));
    }
    !(ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_multicast()
        || segments[0] & 0xfe00 == 0xfc00
        || segments[0] & 0xffc0 == 0xfe80
        // Site-local (deprecated, still routed inside some networks).
        || segments[0] & 0xffc0 == 0xfec0
        || (segments[0] == 0x2001 && segments[1] == 0x0db8)
        // Teredo (2001::/32) tunnels to an IPv4 address of its own choosing.
        || (segments[0] == 0x2001 && segments[1] == 0)
        // Local-use NAT64 (64:ff9b:1::/48) translates into the operator's own network.
        || segments[..3] == [0x64, 0xff9b, 1]
        // Discard-only (100::/64).
        || segments[..4] == [0x100, 0, 0, 0]
        || segments[..6] == [0, 0, 0, 0, 0, 0])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn only_addresses_on_the_public_internet_are_public() {
        for public in [
            "142.250.4.95",
            "8.8.8.8",
            "2607:f8b0:4005:80a::200a",
            "::ffff:142.250.4.95",
            "64:ff9b::808:808",
            "2002:808:808::1",
        ] {
            assert!(is_public(ip(public)), "{public}");
        }
        for inside in [
            "127.0.0.1",
            "10.0.0.5",
            "172.16.3.4",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "255.255.255.255",
            "198.18.0.1",
            "192.0.0.8",
            "224.0.0.1",
            "240.0.0.1",
            "::1",
            "::",
            "fd00::1",
            "fe80::1",
            "2001:db8::1",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
            "64:ff9b::a00:5",
            "::127.0.0.1",
            "2002:a00:5::1",
            "2002:a9fe:a9fe::1",
            "2001:0:4136:e378::1",
            "64:ff9b:1::a00:5",
            "fec0::1",
            "100::1",
        ] {
            assert!(!is_public(ip(inside)), "{inside}");
        }
    }

    #[test]
    fn a_push_endpoint_is_https_on_port_443_to_a_public_host() {
        let rules = OutboundRules::default();
        assert!(rules.check_endpoint("https://fcm.googleapis.com/fcm/send/abc").is_ok());
        assert!(rules.check_endpoint("https://updates.push.services.mozilla.com:443/wpush/v2/x").is_ok());
        let refused = |endpoint: &str| rules.check_endpoint(endpoint).unwrap_err();
        assert_eq!(refused("http://push.example.id/x"), EndpointProblem::NotHttps);
        assert_eq!(refused("https://push.example.id:8443/x"), EndpointProblem::NotPort443);
        assert_eq!(refused("https://10.0.0.5/x"), EndpointProblem::NotPublic(ip("10.0.0.5")));
        assert_eq!(refused("https://[fd00::1]/x"), EndpointProblem::NotPublic(ip("fd00::1")));
        assert_eq!(refused("https://169.254.169.254/latest"), EndpointProblem::NotPublic(ip("169.254.169.254")));
        assert_eq!(refused("https://127.0.0.1/x"), EndpointProblem::NotPublic(ip("127.0.0.1")));
        // What an office admin reads of it does not name the inner address.
        assert!(!refused("https://10.0.0.5/x").to_string().contains("10.0.0.5"));
        assert_eq!(refused("https://user:pw@push.example.id/x"), EndpointProblem::Credentials);
        assert_eq!(refused("ftp://push.example.id/x"), EndpointProblem::NotHttps);
        assert_eq!(refused("bukan alamat"), EndpointProblem::NotAUrl);
        assert_eq!(refused(&format!("https://push.example.id/{}", "x".repeat(1_000))), EndpointProblem::TooLong);
        // Short as typed, three times as long once percent-encoded.
        assert_eq!(refused(&format!("https://push.example.id/{}", "\"".repeat(400))), EndpointProblem::TooLong);
    }

    #[test]
    fn the_test_setting_opens_this_machine_and_nothing_else() {
        let rules = OutboundRules { allow_loopback: true };
        assert!(rules.check_endpoint("http://127.0.0.1:4100/push/x").is_ok());
        assert!(rules.check_endpoint("http://[::1]:4100/push/x").is_ok());
        assert_eq!(rules.check_endpoint("http://10.0.0.5/x").unwrap_err(), EndpointProblem::NotHttps);
        assert!(rules.check_address(ip("127.0.0.1")).is_ok());
        assert!(rules.check_address(ip("192.168.1.1")).is_err());
        assert!(OutboundRules::default().check_address(ip("127.0.0.1")).is_err());
    }
}
