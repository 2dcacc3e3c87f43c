//! Who a request really comes from, for the per-address limits (access codes,
//! staff sign-in). The TCP peer, unless it is a proxy the operator trusts
//! (`ANTREAN_TRUSTED_PROXIES`); only then do `X-Forwarded-For` or `Forwarded`
//! count, since anyone can send those headers. An IPv6 client is counted by
//! its /64: one home or phone gets a whole /64, and would otherwise have
//! billions of addresses to spread its attempts over.

use std::net::{IpAddr, Ipv6Addr};

use ipnet::IpNet;

/// The header the trusted proxies name the client in. Only that one is read:
/// the other passes through a proxy as the client wrote it, so a client
/// could name itself whatever address it liked there.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ForwardingHeader {
    #[default]
    XForwardedFor,
    /// RFC 7239's `Forwarded`, its `for=` values.
    Forwarded,
}

impl ForwardingHeader {
    pub fn parse(name: &str) -> Option<Self> {
        match name.trim().to_ascii_lowercase().as_str() {
            "x-forwarded-for" => Some(Self::XForwardedFor),
            "forwarded" => Some(Self::Forwarded),
            _ => None,
        }
    }

    /// The header's name, as `http::HeaderMap` looks it up.
    pub fn name(self) -> &'static str {
        match self {
            Self::XForwardedFor => "x-forwarded-for",
            Self::Forwarded => "forwarded",
        }
    }
}

/// The proxies whose forwarding header is believed, and which header that is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies {
    networks: Vec<IpNet>,
    header: ForwardingHeader,
}

impl TrustedProxies {
    /// A comma-separated list of addresses or networks: `10.0.0.1, 192.168.0.0/16, ::1`.
    pub fn parse(list: &str, header: ForwardingHeader) -> Result<Self, String> {
        list.split(',')
            .map(str::trim)
            .filter(|item| !item.is_empty())
            .map(|item| {
                item.parse::<IpNet>()
                    .or_else(|_| item.parse::<IpAddr>().map(IpNet::from))
                    .map_err(|_| format!("not an address or network: {item}"))
            })
            .collect::<Result<_, _>>()
            .map(|networks| Self { networks, header })
    }

    pub fn header(&self) -> ForwardingHeader {
        self.header
    }

    fn trusts(&self, addr: IpAddr) -> bool {
        self.networks.iter().any(|net| net.contains(&addr))
    }

    /// The client a request from `peer` comes from, given the value of the
    /// proxies' `header` (its lines joined). Behind trusted proxies, the
    /// forwarding chain is read from the right (the nearest hop) and the first
    /// address that is not a trusted proxy is the client: whatever a client
    /// writes into the header itself sits further left and is never reached.
    pub fn client(&self, peer: IpAddr, header: Option<&str>) -> IpAddr {
        if !self.trusts(peer) {
            return peer;
        }
        let chain: Vec<&str> = match (self.header, header) {
            (ForwardingHeader::XForwardedFor, Some(list)) => list.split(',').collect(),
            (ForwardingHeader::Forwarded, Some(list)) => list.split(',').filter_map(forwarded_for_value).collect(),
            (_, None) => Vec::new(),
        };
        let mut client = peer;
        for hop in chain.iter().rev() {
            let Some(addr) = parse_hop(hop) else { break };
            client = addr;
            if !self.trusts(addr) {
                break;
            }
        }
        client
    }
}

/// The `for=` value of one `Forwarded` element (RFC 7239).
fn forwarded_for_value(element: &str) -> Option<&str> {
    element.split(';').find_map(|pair| {
        let (name, value) = pair.trim().split_once('=')?;
        name.eq_ignore_ascii_case("for").then_some(value)
    })
}

/// One hop: `203.0.113.7`, `203.0.113.7:4711`, `2001:db8::1`, `"[2001:db8::1]:4711"`.
fn parse_hop(hop: &str) -> Option<IpAddr> {
    let hop = hop.trim().trim_matches('"');
    if let Ok(addr) = hop.parse::<IpAddr>() {
        return Some(addr);
    }
    if let Some(inner) = hop.strip_prefix('[') {
        return inner.split(']').next()?.parse().ok();
    }
    hop.rsplit_once(':').and_then(|(host, _port)| host.parse().ok())
}

/// The key the per-address limits count under: an IPv4 address as it is, an
/// IPv6 address as its /64 (an IPv4-mapped IPv6 address as the IPv4 address).
pub fn limit_key(addr: IpAddr) -> String {
    match addr {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let segments = v6.segments();
                let network = Ipv6Addr::new(segments[0], segments[1], segments[2], segments[3], 0, 0, 0, 0);
                format!("{network}/64")
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn without_trusted_proxies_the_peer_is_the_client_whatever_the_headers_say() {
        let none = TrustedProxies::default();
        assert_eq!(none.client(ip("198.51.100.9"), Some("203.0.113.7")), ip("198.51.100.9"));
    }

    #[test]
    fn behind_a_trusted_proxy_the_nearest_untrusted_hop_is_the_client() {
        let proxies = TrustedProxies::parse("10.0.0.0/8, ::1", ForwardingHeader::XForwardedFor).unwrap();
        let peer = ip("10.0.0.2");
        assert_eq!(proxies.client(peer, Some("203.0.113.7")), ip("203.0.113.7"));
        // A client that writes its own header only adds hops further left.
        assert_eq!(proxies.client(peer, Some("1.2.3.4, 203.0.113.7, 10.0.0.3")), ip("203.0.113.7"));
        assert_eq!(proxies.client(peer, Some("203.0.113.7:51000")), ip("203.0.113.7"));
        // A chain that cannot be read stops at the last hop that could.
        assert_eq!(proxies.client(peer, Some("203.0.113.7, rubbish")), peer);
        assert_eq!(proxies.client(peer, None), peer);
        // Only the peer decides whether headers count at all.
        assert_eq!(proxies.client(ip("198.51.100.9"), Some("203.0.113.7")), ip("198.51.100.9"));
        assert!(TrustedProxies::parse("10.0.0.0/33", ForwardingHeader::XForwardedFor).is_err());
        assert!(TrustedProxies::parse("proxy.example.id", ForwardingHeader::XForwardedFor).is_err());
    }

    #[test]
    fn behind_a_proxy_that_writes_forwarded_its_for_values_name_the_client() {
        let proxies = TrustedProxies::parse("10.0.0.0/8", ForwardingHeader::Forwarded).unwrap();
        let forwarded = r#"for=1.2.3.4, for="[2001:db8::1]:4711""#;
        assert_eq!(proxies.client(ip("10.0.0.2"), Some(forwarded)), ip("2001:db8::1"));
        assert_eq!(ForwardingHeader::parse(" Forwarded "), Some(ForwardingHeader::Forwarded));
        assert_eq!(ForwardingHeader::parse("x-real-ip"), None);
    }

    #[test]
    fn an_ipv6_client_is_limited_by_its_64() {
        assert_eq!(limit_key(ip("2001:db8:1:2:aaaa::1")), "2001:db8:1:2::/64");
        assert_eq!(limit_key(ip("2001:db8:1:2:bbbb::9")), limit_key(ip("2001:db8:1:2::1")));
        assert_ne!(limit_key(ip("2001:db8:1:3::1")), limit_key(ip("2001:db8:1:2::1")));
        assert_eq!(limit_key(ip("203.0.113.7")), "203.0.113.7");
        assert_eq!(limit_key(ip("::ffff:203.0.113.7")), "203.0.113.7");
    }
}
