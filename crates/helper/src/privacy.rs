//! What the log may say about people: client addresses cut to their network (IPv4
//! /24, IPv6 /48) unless the operator asks for whole ones, and typed names only as
//! a keyed hash, so a log shows patterns without showing who typed what.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use sha2::{Digest, Sha256};

use crate::client::canonical;

/// The address as the log shows it: its /24 or /48 network when `mask` is on.
pub fn log_address(a: IpAddr, mask: bool) -> String {
    let a = canonical(a);
    if !mask {
        return a.to_string();
    }
    match a {
        IpAddr::V4(v4) => {
            let masked = Ipv4Addr::from(u32::from(v4) & 0xffff_ff00);
            format!("{masked}/24")
        }
        IpAddr::V6(v6) => {
            let masked = Ipv6Addr::from(u128::from(v6) & (u128::MAX << 80));
            format!("{masked}/48")
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
    h.finalize()[..8]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

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
