//! Who the client is: the connection's peer, or, when the peer is a trusted proxy,
//! the right-most address in the forwarding header that is not a trusted proxy
//! (never the left-most: the client writes that one). Also the rate-limit key
//! (IPv6 clients are keyed per /64, which one subscriber usually holds whole).

use std::net::{IpAddr, Ipv6Addr, SocketAddr};

use http::{HeaderMap, HeaderName};
use ipnet::IpNet;

/// Which header the trusted proxies write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ForwardedHeader {
    XForwardedFor,
    Forwarded,
}

/// The proxies whose forwarding header is believed, and which header they write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proxy {
    pub trusted: Vec<IpNet>,
    pub header: ForwardedHeader,
}

/// The peer of the connection, without the IPv4-mapped disguise a dual-stack
/// socket gives IPv4 peers.
pub(crate) fn canonical(a: IpAddr) -> IpAddr {
    a.to_canonical()
}

fn trusted(a: IpAddr, proxy: &Proxy) -> bool {
    proxy.trusted.iter().any(|n| n.contains(&a))
}

/// One `X-Forwarded-For` entry: an address, maybe with a port.
fn parse_xff_entry(s: &str) -> Option<IpAddr> {
    let s = s.trim();
    s.parse::<IpAddr>()
        .ok()
        .or_else(|| s.parse::<SocketAddr>().ok().map(|sa| sa.ip()))
        .map(canonical)
}

/// The `for=` value of one `Forwarded` element (RFC 7239): `for=192.0.2.1`,
/// `for="[2001:db8::1]:4711"`; `unknown` and obfuscated identifiers are not addresses.
fn parse_forwarded_element(element: &str) -> Option<Option<IpAddr>> {
    for pair in element.split(';') {
        let Some((k, v)) = pair.split_once('=') else {
            continue;
        };
        if !k.trim().eq_ignore_ascii_case("for") {
            continue;
        }
        let v = v.trim().trim_matches('"');
        let addr = if let Some(rest) = v.strip_prefix('[') {
            rest.split_once(']')
                .and_then(|(inner, _)| inner.parse::<Ipv6Addr>().ok())
                .map(IpAddr::V6)
        } else {
            parse_xff_entry(v)
        };
        return Some(addr.map(canonical));
    }
    // An element without `for=` says nothing about the client.
    None
}

/// The forwarding chain as the trusted proxies wrote it, left (client side) to right.
/// `None` entries could not be read as addresses.
fn chain(headers: &HeaderMap, which: ForwardedHeader) -> Vec<Option<IpAddr>> {
    let name = match which {
        ForwardedHeader::XForwardedFor => HeaderName::from_static("x-forwarded-for"),
        ForwardedHeader::Forwarded => HeaderName::from_static("forwarded"),
    };
    let mut out = Vec::new();
    // Several header lines form one list, in order.
    for value in headers.get_all(name) {
        let Ok(text) = value.to_str() else {
            out.push(None);
            continue;
        };
        for part in text.split(',') {
            match which {
                ForwardedHeader::XForwardedFor => {
                    if !part.trim().is_empty() {
                        out.push(parse_xff_entry(part));
                    }
                }
                ForwardedHeader::Forwarded => {
                    if let Some(a) = parse_forwarded_element(part) {
                        out.push(a);
                    }
                }
            }
        }
    }
    out
}

/// The client's address for a request from `peer` with these headers.
pub(crate) fn client_address(peer: IpAddr, headers: &HeaderMap, proxy: &Proxy) -> IpAddr {
    let mut current = canonical(peer);
    if !trusted(current, proxy) {
        return current;
    }
    for entry in chain(headers, proxy.header).into_iter().rev() {
        match entry {
            // What lies left of an unreadable entry cannot be trusted: the last
            // trusted hop is the best we know.
            None => return current,
            Some(a) if trusted(a, proxy) => current = a,
            Some(a) => return a,
        }
    }
    current
}

/// The rate-limit bucket of an address: itself for IPv4, its /64 for IPv6.
pub(crate) fn limit_key(a: IpAddr) -> IpAddr {
    match canonical(a) {
        IpAddr::V4(v4) => IpAddr::V4(v4),
        IpAddr::V6(v6) => IpAddr::V6(Ipv6Addr::from(u128::from(v6) & (u128::MAX << 64))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    fn proxy(trusted: &[&str], header: ForwardedHeader) -> Proxy {
        Proxy {
            trusted: trusted.iter().map(|s| s.parse().unwrap()).collect(),
            header,
        }
    }

    fn headers(name: &'static str, values: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in values {
            h.append(name, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn headers_from_untrusted_peers_are_ignored() {
        let p = proxy(&["10.0.0.0/8"], ForwardedHeader::XForwardedFor);
        let h = headers("x-forwarded-for", &["1.2.3.4"]);
        assert_eq!(client_address(ip("203.0.113.7"), &h, &p), ip("203.0.113.7"));
        let none = proxy(&[], ForwardedHeader::XForwardedFor);
        assert_eq!(client_address(ip("10.0.0.1"), &h, &none), ip("10.0.0.1"));
    }

    #[test]
    fn the_right_most_untrusted_address_wins_not_the_left_most() {
        let p = proxy(&["10.0.0.0/8"], ForwardedHeader::XForwardedFor);
        // The client wrote "6.6.6.6" itself; the proxy appended the real peer.
        let h = headers("x-forwarded-for", &["6.6.6.6, 198.51.100.20, 10.0.0.2"]);
        assert_eq!(client_address(ip("10.0.0.1"), &h, &p), ip("198.51.100.20"));
        // Split over two header lines: one list.
        let h = headers("x-forwarded-for", &["6.6.6.6", "198.51.100.20:5555"]);
        assert_eq!(client_address(ip("10.0.0.1"), &h, &p), ip("198.51.100.20"));
    }

    #[test]
    fn an_unreadable_entry_stops_the_walk_at_the_last_trusted_hop() {
        let p = proxy(&["10.0.0.0/8"], ForwardedHeader::XForwardedFor);
        let h = headers("x-forwarded-for", &["198.51.100.20, garbage, 10.0.0.3"]);
        assert_eq!(client_address(ip("10.0.0.1"), &h, &p), ip("10.0.0.3"));
        // Only proxies in the chain: the left-most proxy is the best answer.
        let h = headers("x-forwarded-for", &["10.0.0.9"]);
        assert_eq!(client_address(ip("10.0.0.1"), &h, &p), ip("10.0.0.9"));
        // No header at all: the proxy itself.
        assert_eq!(
            client_address(ip("10.0.0.1"), &HeaderMap::new(), &p),
            ip("10.0.0.1")
        );
    }

    #[test]
    fn forwarded_is_read_only_when_configured() {
        let p = proxy(&["127.0.0.1/32"], ForwardedHeader::Forwarded);
        let h = headers(
            "forwarded",
            &["for=6.6.6.6, for=\"[2001:db8:cafe::17]:4711\";proto=https"],
        );
        assert_eq!(
            client_address(ip("127.0.0.1"), &h, &p),
            ip("2001:db8:cafe::17")
        );
        let h = headers("forwarded", &["for=198.51.100.1;by=x, For=unknown"]);
        assert_eq!(client_address(ip("127.0.0.1"), &h, &p), ip("127.0.0.1"));
        // With Forwarded configured, a client-written X-Forwarded-For means nothing.
        let h = headers("x-forwarded-for", &["6.6.6.6"]);
        assert_eq!(client_address(ip("127.0.0.1"), &h, &p), ip("127.0.0.1"));
    }

    #[test]
    fn mapped_peers_are_seen_as_ipv4() {
        let p = proxy(&["127.0.0.1/32"], ForwardedHeader::XForwardedFor);
        let h = headers("x-forwarded-for", &["198.51.100.4"]);
        assert_eq!(
            client_address(ip("::ffff:127.0.0.1"), &h, &p),
            ip("198.51.100.4")
        );
    }

    #[test]
    fn ipv6_clients_share_a_bucket_per_64() {
        assert_eq!(
            limit_key(ip("2001:db8:1:2:aaaa::1")),
            limit_key(ip("2001:db8:1:2:bbbb::9"))
        );
        assert_ne!(
            limit_key(ip("2001:db8:1:2::1")),
            limit_key(ip("2001:db8:1:3::1"))
        );
        assert_eq!(limit_key(ip("192.0.2.1")), ip("192.0.2.1"));
    }
}
