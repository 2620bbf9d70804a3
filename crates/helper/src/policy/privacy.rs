//! What the log may say about people: client addresses cut to their network (IPv4
//! /24, IPv6 /48) unless the operator asks for whole ones, and typed names only as
//! a keyed hash, so a log shows patterns without showing who typed what.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use sha2::{Digest, Sha256};

use crate::net::forwarded::canonical;

/// An address as the log shows it, formatted only when a line is really written
/// (the access log takes one per request; most are never filtered, some are).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Masked {
    addr: IpAddr,
    mask: bool,
}

impl Masked {
    pub(crate) fn new(addr: IpAddr, mask: bool) -> Masked {
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
                let masked = Ipv4Addr::from(u32::from(v4) & 0xffff_ff00);
                write!(f, "{masked}/24")
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
pub(crate) fn keyed_hash(key: &[u8; 32], name: &str) -> String {
    let mut h = Sha256::new();
    h.update(b"fixpath log name\0");
    h.update(key);
    h.update(name.as_bytes());
    fixpath_core::seal::hex(&h.finalize()[..8])
}

#[cfg(test)]
mod tests {
    use super::*;
    fn log_address(a: IpAddr, mask: bool) -> String {
        Masked::new(a, mask).to_string()
    }

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
