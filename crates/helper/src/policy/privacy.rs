//! What the log may say about people: client addresses cut to their network (IPv4
//! /24, IPv6 /48) unless the operator asks for whole ones, and typed names only as
//! a keyed hash, so a log shows patterns without showing who typed what.

use std::fmt;
use std::net::{IpAddr, Ipv6Addr};

use sha2::{Digest, Sha256};

use crate::net::forwarded::canonical;

/// The address as the log shows it: its /24 or /48 network when `mask` is on.
pub fn log_address(a: IpAddr, mask: bool) -> String {
    Masked::new(a, mask).to_string()
}

/// An address as the log shows it, formatted only when a line is really written
/// (the access log takes one per request; most are never filtered, some are).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Masked {
    addr: IpAddr,
    mask: bool,
}

impl Masked {
    pub fn new(addr: IpAddr, mask: bool) -> Masked {
        Masked {
            addr: canonical(addr),
            mask,
        }
    }
}

impl fmt::Display for Masked {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.addr, self.mask) {
            (a, false) => a.fmt(f),
            (IpAddr::V4(v4), true) => {
                // Written digit by digit: the access log shows one per request, and
                // the standard formatter costs as much again as the rest of the line.
                let mut out = [0u8; 16];
                let mut len = 0;
                let mut push = |b: u8| {
                    out[len] = b;
                    len += 1;
                };
                for &octet in &v4.octets()[..3] {
                    if octet >= 100 {
                        push(b'0' + octet / 100);
                    }
                    if octet >= 10 {
                        push(b'0' + octet / 10 % 10);
                    }
                    push(b'0' + octet % 10);
                    push(b'.');
                }
                for &b in b"0/24" {
                    push(b);
                }
                f.write_str(std::str::from_utf8(&out[..len]).map_err(|_| fmt::Error)?)
            }
            (IpAddr::V6(v6), true) => {
                let masked = Ipv6Addr::from(u128::from(v6) & (u128::MAX << 80));
                write!(f, "{masked}/48")
            }
        }
    }
}

/// 16 hex digits of SHA-256 over the key and the name. The key is secret and fixed
/// length, so this is a keyed hash (no length extension applies to a prefix key of
/// which nothing is ever revealed); without the key no guess can be checked.
pub fn keyed_hash(key: &[u8; 32], name: &str) -> String {
    let mut h = Sha256::new();
    h.update(b"fixpath log name\0");
    h.update(key);
    h.update(name.as_bytes());
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(16);
    for b in &h.finalize()[..8] {
        out.push(char::from(HEX[usize::from(b >> 4)]));
        out.push(char::from(HEX[usize::from(b & 0xf)]));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::Ipv4Addr;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn addresses_are_cut_to_their_network() {
        assert_eq!(log_address(ip("198.51.100.77"), true), "198.51.100.0/24");
        assert_eq!(
            log_address(ip("2001:db8:abcd:1234::5"), true),
            "2001:db8:abcd::/48"
        );
        assert_eq!(log_address(ip("::ffff:192.0.2.9"), true), "192.0.2.0/24");
        assert_eq!(log_address(ip("198.51.100.77"), false), "198.51.100.77");
    }

    #[test]
    fn masked_ipv4_networks_read_as_the_standard_formatter_writes_them() {
        for a in [
            [0, 0, 0, 0],
            [1, 2, 3, 4],
            [9, 10, 99, 1],
            [100, 101, 109, 7],
            [110, 200, 255, 255],
            [255, 255, 255, 0],
            [10, 0, 100, 3],
        ] {
            let v4 = Ipv4Addr::from(a);
            let net = Ipv4Addr::from(u32::from(v4) & 0xffff_ff00);
            assert_eq!(
                log_address(IpAddr::V4(v4), true),
                format!("{net}/24"),
                "{v4}"
            );
        }
    }

    #[test]
    fn the_hash_depends_on_the_key_and_the_name() {
        let (a, b) = ([1u8; 32], [2u8; 32]);
        assert_eq!(keyed_hash(&a, "vpn.example.com").len(), 16);
        assert_eq!(
            keyed_hash(&a, "vpn.example.com"),
            keyed_hash(&a, "vpn.example.com")
        );
        assert_ne!(
            keyed_hash(&a, "vpn.example.com"),
            keyed_hash(&b, "vpn.example.com")
        );
        assert_ne!(
            keyed_hash(&a, "vpn.example.com"),
            keyed_hash(&a, "vpn.example.org")
        );
    }
}
