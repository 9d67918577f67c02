//! Which addresses the server's outbound requests may reach. A link preview makes the server
//! connect where a visitor says, so unless the policy allows private addresses (tests, and
//! identity checks, whose address the site owner configured) every name is resolved here,
//! each address is checked against the non-public ranges (loopback, private, link-local,
//! documentation, and the IPv6 forms that embed such an IPv4 address), and the connection
//! goes to a checked address only: a DNS answer that changes between the check and the
//! connect cannot redirect it. Refusals do not say which address a name resolved to, so
//! previews cannot be used to read internal DNS.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use reqwest::dns::{Addrs, Name, Resolve, Resolving};

/// A name (or address) that leads only to non-public addresses.
#[derive(Debug)]
pub(crate) struct NotPublic {
    /// The host as the URL named it.
    pub host: String,
    /// What kind of address it is, e.g. `loopback`.
    pub kind: &'static str,
}

impl std::fmt::Display for NotPublic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} is a {} address", self.host, self.kind)
    }
}

impl std::error::Error for NotPublic {}

/// The resolver the outbound client uses: the system's, with non-public addresses left
/// out unless `allow_private`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct CheckedResolver {
    pub allow_private: bool,
}

impl Resolve for CheckedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let allow_private = self.allow_private;
        Box::pin(async move {
            let host = name.as_str().to_owned();
            let resolved: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let allowed = public_only(&host, resolved, allow_private)?;
            Ok(Box::new(allowed.into_iter()) as Addrs)
        })
    }
}

/// The addresses of `host` that may be reached: all of them when `allow_private`, else the
/// public ones, or an error naming the kind of the first refused one.
pub(crate) fn public_only(host: &str, resolved: Vec<SocketAddr>, allow_private: bool) -> Result<Vec<SocketAddr>, NotPublic> {
    if allow_private {
        return Ok(resolved);
    }
    let mut refused = None;
    let allowed: Vec<SocketAddr> = resolved
        .into_iter()
        .filter(|address| match refusal(address.ip()) {
            Some(kind) => {
                refused.get_or_insert(kind);
                false
            }
            None => true,
        })
        .collect();
    match refused {
        Some(kind) if allowed.is_empty() => Err(NotPublic { host: host.to_owned(), kind }),
        _ => Ok(allowed),
    }
}

/// Why an address is not public, or `None` when a preview may fetch from it.
pub(crate) fn refusal(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(ip) => refusal_v4(ip),
        IpAddr::V6(ip) => refusal_v6(ip),
    }
}

fn refusal_v4(ip: Ipv4Addr) -> Option<&'static str> {
    let reason = match ip.octets() {
        [0, 0, 0, 0] => "unspecified",
        [0, ..] => "\"this network\"",
        [127, ..] => "loopback",
        [10, ..] | [172, 16..=31, ..] | [192, 168, ..] => "private",
        [100, 64..=127, ..] => "carrier-grade NAT",
        [169, 254, ..] => "link-local",
        [192, 0, 0, _] => "protocol assignment",
        [192, 0, 2, _] | [198, 51, 100, _] | [203, 0, 113, _] => "documentation",
        [192, 88, 99, _] => "6to4 relay",
        [198, 18..=19, ..] => "benchmarking",
        [224..=239, ..] => "multicast",
        [255, 255, 255, 255] => "broadcast",
        [240..=255, ..] => "reserved",
        _ => return None,
    };
    Some(reason)
}

fn refusal_v6(ip: Ipv6Addr) -> Option<&'static str> {
    let segments = ip.segments();
    let embedded = |high: u16, low: u16| {
        let [a, b] = high.to_be_bytes();
        let [c, d] = low.to_be_bytes();
        Ipv4Addr::new(a, b, c, d)
    };
    if let Some(v4) = ip.to_ipv4_mapped() {
        return refusal_v4(v4);
    }
    let reason = match segments {
        [0, 0, 0, 0, 0, 0, 0, 0] => "unspecified",
        [0, 0, 0, 0, 0, 0, 0, 1] => "loopback",
        // The deprecated IPv4-compatible form (::a.b.c.d) is never a real destination.
        [0, 0, 0, 0, 0, 0, _, _] => "IPv4-compatible",
        // NAT64 gateways forward the well-known prefix to the IPv4 address inside it.
        [0x64, 0xff9b, 0, 0, 0, 0, high, low] => return refusal_v4(embedded(high, low)),
        [0x64, 0xff9b, 1, ..] => "local NAT64",
        [0x100, 0, 0, 0, ..] => "discard-only",
        [0x2001, 0, ..] => "Teredo",
        [0x2001, 2, 0, ..] => "benchmarking",
        [0x2001, 0xdb8, ..] => "documentation",
        // 6to4 relays forward to the IPv4 address in the second and third groups.
        [0x2002, high, low, ..] => return refusal_v4(embedded(high, low)),
        [0x3fff, second, ..] if second < 0x1000 => "documentation",
        [first, ..] if first & 0xffc0 == 0xfe80 => "link-local",
        [first, ..] if first & 0xffc0 == 0xfec0 => "site-local",
        [first, ..] if first & 0xfe00 == 0xfc00 => "unique-local",
        [first, ..] if first & 0xff00 == 0xff00 => "multicast",
        _ => return None,
    };
    Some(reason)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn check_address(address: &str, expected: Option<&str>) {
        let ip: IpAddr = address.parse().unwrap();
        assert_eq!(refusal(ip), expected, "{address}");
    }

    #[test]
    fn ipv4_ranges_that_are_not_public_are_refused() {
        for (address, reason) in [
            ("0.0.0.0", "unspecified"),
            ("0.1.2.3", "\"this network\""),
            ("127.0.0.1", "loopback"),
            ("127.255.255.254", "loopback"),
            ("10.0.0.1", "private"),
            ("10.255.255.255", "private"),
            ("172.16.0.1", "private"),
            ("172.31.255.255", "private"),
            ("192.168.1.1", "private"),
            ("100.64.0.1", "carrier-grade NAT"),
            ("100.127.255.255", "carrier-grade NAT"),
            ("169.254.169.254", "link-local"),
            ("192.0.0.8", "protocol assignment"),
            ("192.0.2.1", "documentation"),
            ("198.51.100.7", "documentation"),
            ("203.0.113.9", "documentation"),
            ("192.88.99.1", "6to4 relay"),
            ("198.18.0.1", "benchmarking"),
            ("198.19.255.255", "benchmarking"),
            ("224.0.0.1", "multicast"),
            ("239.255.255.250", "multicast"),
            ("240.0.0.1", "reserved"),
            ("255.255.255.255", "broadcast"),
        ] {
            check_address(address, Some(reason));
        }
    }

    #[test]
    fn public_ipv4_addresses_pass_including_the_neighbours_of_refused_ranges() {
        for address in [
            "1.1.1.1",
            "8.8.8.8",
            "93.184.215.14",
            "9.255.255.255",
            "11.0.0.0",
            "172.15.255.255",
            "172.32.0.0",
            "192.167.255.255",
            "192.169.0.0",
            "100.63.255.255",
            "100.128.0.0",
            "169.253.255.255",
            "198.17.255.255",
            "198.20.0.0",
            "223.255.255.255",
        ] {
            check_address(address, None);
        }
    }

    #[test]
    fn ipv6_ranges_that_are_not_public_are_refused() {
        for (address, reason) in [
            ("::", "unspecified"),
            ("::1", "loopback"),
            ("::7f00:1", "IPv4-compatible"),
            ("fe80::1", "link-local"),
            ("febf:ffff::1", "link-local"),
            ("fec0::1", "site-local"),
            ("fc00::1", "unique-local"),
            ("fd12:3456:789a::1", "unique-local"),
            ("ff02::1", "multicast"),
            ("ff05::1:3", "multicast"),
            ("2001:db8::1", "documentation"),
            ("3fff:fff::1", "documentation"),
            ("100::1", "discard-only"),
            ("2001::1", "Teredo"),
            ("2001:2::1", "benchmarking"),
            ("64:ff9b:1::1", "local NAT64"),
        ] {
            check_address(address, Some(reason));
        }
    }

    #[test]
    fn ipv6_forms_that_embed_an_ipv4_address_are_judged_by_that_address() {
        for (address, reason) in [
            ("::ffff:127.0.0.1", Some("loopback")),
            ("::ffff:10.1.2.3", Some("private")),
            ("::ffff:172.16.0.1", Some("private")),
            ("::ffff:192.168.0.1", Some("private")),
            ("::ffff:100.64.0.1", Some("carrier-grade NAT")),
            ("::ffff:169.254.169.254", Some("link-local")),
            ("::ffff:0.0.0.0", Some("unspecified")),
            ("::ffff:224.0.0.1", Some("multicast")),
            ("::ffff:255.255.255.255", Some("broadcast")),
            ("::ffff:192.0.2.1", Some("documentation")),
            ("64:ff9b::a9fe:a9fe", Some("link-local")),
            ("64:ff9b::7f00:1", Some("loopback")),
            ("2002:c0a8:101::1", Some("private")),
            ("::ffff:8.8.8.8", None),
            ("64:ff9b::808:808", None),
            ("2002:808:808::1", None),
        ] {
            check_address(address, reason);
        }
    }

    #[test]
    fn public_ipv6_addresses_pass() {
        for address in ["2606:4700:4700::1111", "2a00:1450:4001:80e::200e", "3fff:1000::1", "fe7f::1", "fbff::1"] {
            check_address(address, None);
        }
    }

    #[test]
    fn names_with_only_private_addresses_are_refused_without_saying_which() {
        let local: Vec<SocketAddr> = vec!["10.2.3.4:0".parse().unwrap(), "[::1]:0".parse().unwrap()];
        let refused = public_only("intranet.example", local.clone(), false).unwrap_err();
        assert_eq!(refused.to_string(), "intranet.example is a private address");
        assert_eq!(public_only("intranet.example", local.clone(), true).unwrap(), local);
        let mixed = vec!["10.2.3.4:0".parse().unwrap(), "8.8.8.8:0".parse().unwrap()];
        assert_eq!(public_only("mixed.example", mixed, false).unwrap(), vec!["8.8.8.8:0".parse::<SocketAddr>().unwrap()]);
    }
}
