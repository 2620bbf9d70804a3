//! Server names and address literals as people type them: normalisation, and the
//! address forms the system resolver accepts (`127.1`, `2130706433`, `0x7f000001`,
//! `[::1]`), so the helper judges the address such a string really means.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Longest DNS name (RFC 1035, without the trailing dot).
pub(crate) const MAX_NAME: usize = 253;
/// Longest DNS label.
pub(crate) const MAX_LABEL: usize = 63;

/// A probe or resolve target: a host name or an address literal.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Target {
    /// Lowercase, no trailing dot, valid DNS syntax.
    Host(String),
    /// Any literal form, reduced to the address it means.
    Ip(IpAddr),
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Target::Host(h) => f.write_str(h),
            Target::Ip(a) => write!(f, "{a}"),
        }
    }
}

/// Why a string is not a target; each is a sentence naming the problem (the
/// input quoted, cut short).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum NameError {
    #[error("the name is empty")]
    Empty,
    #[error("`{0}` is not a server name (1 to {MAX_NAME} characters)")]
    Length(String),
    #[error("`{0}` is not a server name: use letters, digits and hyphens between dots, like vpn.example.com")]
    Syntax(String),
}

/// Parses what a person typed (or an operator configured) into a target.
pub(crate) fn parse_target(input: &str) -> Result<Target, NameError> {
    let s = input.trim();
    if s.is_empty() {
        return Err(NameError::Empty);
    }
    if let Some(a) = parse_address(s) {
        return Ok(Target::Ip(a));
    }
    let mut name = s.to_ascii_lowercase();
    if name.ends_with('.') {
        name.pop();
    }
    if name.is_empty() || name.len() > MAX_NAME {
        return Err(NameError::Length(shorten(s)));
    }
    for label in name.split('.') {
        let ok = !label.is_empty()
            && label.len() <= MAX_LABEL
            && label
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            && !label.starts_with('-')
            && !label.ends_with('-');
        if !ok {
            return Err(NameError::Syntax(shorten(s)));
        }
    }
    Ok(Target::Host(name))
}

/// Cuts long input for messages, so an error never echoes a whole payload.
fn shorten(s: &str) -> String {
    const MAX: usize = 80;
    if s.chars().count() <= MAX {
        s.to_string()
    } else {
        let head: String = s.chars().take(MAX).collect();
        format!("{head}…")
    }
}

/// An address literal in any form the system resolver would take as an address:
/// IPv6 (optionally in brackets) and every IPv4 form of `inet_aton` (one to four
/// parts, each decimal, octal with a leading 0, or hex with 0x). A trailing dot is
/// allowed, as the resolver allows it.
pub(crate) fn parse_address(input: &str) -> Option<IpAddr> {
    let s = input.trim();
    let s = s.strip_suffix('.').unwrap_or(s);
    let inner = s
        .strip_prefix('[')
        .and_then(|r| r.strip_suffix(']'))
        .unwrap_or(s);
    if inner.contains(':') {
        return inner.parse::<Ipv6Addr>().ok().map(IpAddr::V6);
    }
    parse_inet_aton(s).map(IpAddr::V4)
}

/// An address as a person means one when typing it in place of a name: exactly what
/// `IpAddr` reads (dotted quad, or IPv6 without brackets), nothing looser. A VPN
/// client may take `127.1` or `2130706433` for a name, so those do not count here
/// (they still mean their address as probe targets, see [`parse_address`]).
pub(crate) fn strict_address(input: &str) -> Option<IpAddr> {
    input.trim().parse().ok()
}

/// `inet_aton` semantics: `a` (32 bits), `a.b` (8.24), `a.b.c` (8.8.16), `a.b.c.d`.
fn parse_inet_aton(s: &str) -> Option<Ipv4Addr> {
    if s.is_empty() {
        return None;
    }
    // Up to four parts, read without allocating: most targets are names, and every
    // probe asks.
    let mut nums = [0u64; 4];
    let mut count = 0;
    for part in s.split('.') {
        *nums.get_mut(count)? = parse_part(part)?;
        count += 1;
    }
    let (last, init) = nums[..count].split_last()?;
    let mut value: u64 = 0;
    for (i, n) in init.iter().enumerate() {
        if *n > 0xff {
            return None;
        }
        value |= n << (24 - 8 * i);
    }
    let room = 32 - 8 * init.len();
    if *last >= (1u64 << room) {
        return None;
    }
    value |= last;
    u32::try_from(value).ok().map(Ipv4Addr::from)
}

fn parse_part(p: &str) -> Option<u64> {
    if p.is_empty() {
        return None;
    }
    let (digits, radix) = if let Some(h) = p.strip_prefix("0x").or_else(|| p.strip_prefix("0X")) {
        (h, 16)
    } else if p.len() > 1 && p.starts_with('0') {
        (&p[1..], 8)
    } else {
        (p, 10)
    };
    if digits.is_empty() {
        // "0x" alone: glibc reads it as 0; refusing is safer and loses nothing.
        return None;
    }
    if !digits.chars().all(|c| c.is_digit(radix)) || digits.len() > 12 {
        return None;
    }
    u64::from_str_radix(digits, radix).ok()
}

/// `name` is `suffix` or lies under it (label-wise: `xexample.com` is not under
/// `example.com`).
pub(crate) fn is_under(name: &str, suffix: &str) -> bool {
    name == suffix
        || name
            .strip_suffix(suffix)
            .is_some_and(|head| head.ends_with('.'))
}

/// The known names closest to `name`, best first ("did you mean …?").
pub(crate) fn closest<'a>(name: &str, known: impl Iterator<Item = &'a str>) -> Vec<String> {
    let limit = (name.len() / 3).max(2);
    let mut scored: Vec<(usize, &str)> = known
        .map(|k| (strsim::levenshtein(name, k), k))
        .filter(|(d, _)| *d <= limit)
        .collect();
    scored.sort();
    scored.dedup();
    scored
        .into_iter()
        .take(3)
        .map(|(_, k)| k.to_string())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v4(s: &str) -> Option<IpAddr> {
        parse_address(s)
    }

    #[test]
    fn every_inet_aton_form_is_the_address_it_means() {
        let lo = Some(IpAddr::from([127, 0, 0, 1]));
        for s in [
            "127.0.0.1",
            "127.1",
            "127.0.1",
            "2130706433",
            "0x7f000001",
            "0X7F000001",
            "017700000001",
            "0x7f.1",
            "0177.0.0.1",
            "127.0.0.1.",
            " 127.1 ",
        ] {
            assert_eq!(v4(s), lo, "{s}");
        }
        assert_eq!(v4("10.1"), Some(IpAddr::from([10, 0, 0, 1])));
        assert_eq!(v4("0"), Some(IpAddr::from([0, 0, 0, 0])));
        assert_eq!(v4("4294967295"), Some(IpAddr::from([255, 255, 255, 255])));
        for s in [
            "4294967296",
            "256.1.1.1",
            "1.2.3.4.5",
            "1..2",
            "0x",
            "08",
            "1.2.3.256",
            "1.65536.1",
            "abc",
            "",
            "vpn.example.com",
        ] {
            assert_eq!(v4(s), None, "{s}");
        }
    }

    #[test]
    fn a_typed_address_is_only_what_ipaddr_reads() {
        assert_eq!(
            strict_address(" 127.0.0.1 "),
            Some(IpAddr::from([127, 0, 0, 1]))
        );
        assert_eq!(strict_address("::1"), Some("::1".parse().unwrap()));
        for loose in [
            "127.1",
            "2130706433",
            "0x7f000001",
            "0177.0.0.1",
            "127.0.0.1.",
            "[::1]",
            "vpn.example.com",
            "",
        ] {
            assert_eq!(strict_address(loose), None, "{loose}");
        }
    }

    #[test]
    fn ipv6_with_and_without_brackets() {
        assert_eq!(parse_address("::1"), Some("::1".parse().unwrap()));
        assert_eq!(parse_address("[::1]"), Some("::1".parse().unwrap()));
        assert_eq!(
            parse_address("::ffff:127.0.0.1"),
            Some("::ffff:7f00:1".parse().unwrap())
        );
        assert_eq!(parse_address("[::1"), None);
        assert_eq!(parse_address("fe80::1%eth0"), None);
    }

    #[test]
    fn names_are_normalised_and_checked() {
        assert_eq!(
            parse_target("VPN.Example.COM."),
            Ok(Target::Host("vpn.example.com".into()))
        );
        assert_eq!(
            parse_target("127.1"),
            Ok(Target::Ip(IpAddr::from([127, 0, 0, 1])))
        );
        for bad in [
            "",
            ".",
            "a..b",
            "-a.com",
            "a-.com",
            "a b",
            "a/b",
            "fe80::1%eth0",
        ] {
            assert!(parse_target(bad).is_err(), "{bad:?}");
        }
        let long = format!("{}.com", "a".repeat(64));
        assert!(parse_target(&long).is_err());
        let err = parse_target(&"x/".repeat(500)).unwrap_err();
        assert!(err.to_string().len() < 200, "errors do not echo long input");
    }

    #[test]
    fn under_means_label_wise() {
        assert!(is_under("a.example.com", "example.com"));
        assert!(is_under("example.com", "example.com"));
        assert!(!is_under("aexample.com", "example.com"));
        assert!(!is_under("example.com.evil", "example.com"));
    }

    #[test]
    fn did_you_mean_finds_near_names_only() {
        let known = ["vpn.example.com", "vpn2.example.com", "mail.example.org"];
        let got = closest("vpn.exmaple.com", known.iter().copied());
        assert_eq!(got.first().map(String::as_str), Some("vpn.example.com"));
        assert!(closest("zzz", known.iter().copied()).is_empty());
    }
}
