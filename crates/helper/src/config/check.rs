//! Checkers for single values (an address, a range, a number in bounds, a list
//! without repeats, an origin, a URL), shared by the sections in
//! [`super::validate`] so that the same mistake reads the same under every key.

use std::collections::BTreeSet;
use std::fmt::Display;
use std::net::IpAddr;
use std::time::Duration;

use ipnet::IpNet;

use super::Invalid;
use crate::net::names;

/// Every item of a list through `check`, each under its own key (`key[i]`); the
/// first one refused is the error.
pub(super) fn each<T>(
    key: &str,
    items: &[String],
    check: impl Fn(&str, &str) -> Result<T, Invalid>,
) -> Result<Vec<T>, Invalid> {
    items
        .iter()
        .enumerate()
        .map(|(i, item)| check(&format!("{key}[{i}]"), item))
        .collect()
}

pub(super) fn ip(key: &str, s: &str) -> Result<IpAddr, Invalid> {
    names::parse_address(s).ok_or_else(|| Invalid::new(key, format!("`{s}` is not an IP address")))
}

pub(super) fn net(key: &str, s: &str) -> Result<IpNet, Invalid> {
    // A bare address means just that address (a /32 or /128).
    if let Some(a) = names::parse_address(s) {
        return Ok(IpNet::from(a));
    }
    s.trim().parse::<IpNet>().map(|n| n.trunc()).map_err(|_| {
        Invalid::new(
            key,
            format!("`{s}` is not an address range (write it like 10.0.0.0/8 or 2001:db8::/32)"),
        )
    })
}

pub(super) fn count(key: &str, n: usize, min: usize, max: usize) -> Result<usize, Invalid> {
    if n < min || n > max {
        return Err(Invalid::new(
            key,
            format!("{n} is out of range: use {min} to {max}"),
        ));
    }
    Ok(n)
}

pub(super) fn millis(key: &str, ms: u64, min: u64, max: u64) -> Result<Duration, Invalid> {
    if ms < min || ms > max {
        return Err(Invalid::new(
            key,
            format!("{ms} is out of range: use {min} to {max} milliseconds"),
        ));
    }
    Ok(Duration::from_millis(ms))
}

pub(super) fn no_duplicates<T: Ord + Clone + Display>(
    key: &str,
    items: &[T],
) -> Result<(), Invalid> {
    let mut seen = BTreeSet::new();
    for item in items {
        if !seen.insert(item.clone()) {
            return Err(Invalid::new(key, format!("`{item}` is listed twice")));
        }
    }
    Ok(())
}

/// `scheme://host[:port]`, nothing else: what a browser sends as `Origin`.
pub(super) fn origin(key: &str, s: &str) -> Result<String, Invalid> {
    let bad = || {
        Invalid::new(
            key,
            format!("`{s}` is not an origin: write it like https://support.example.com (scheme, host, optional port; no path)"),
        )
    };
    let (scheme, rest) = s.split_once("://").ok_or_else(bad)?;
    if !(scheme == "https" || scheme == "http") || rest.is_empty() {
        return Err(bad());
    }
    if rest.contains(['/', '?', '#', '@', '*', ' ']) {
        return Err(bad());
    }
    Ok(s.to_ascii_lowercase())
}

/// An absolute http(s) URL with a plain host: the app fetches it from the browser.
pub(super) fn canary_url(key: &str, s: &str) -> Result<String, Invalid> {
    let bad = |why: &str| Invalid::new(key, format!("`{s}` {why}"));
    let (scheme, rest) = s
        .split_once("://")
        .ok_or_else(|| bad("is not an absolute http(s) URL"))?;
    if !(scheme == "https" || scheme == "http") {
        return Err(bad("must start with https:// or http://"));
    }
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if host.is_empty() || host.contains(['@', ' ', '*', ';', ',', '\'', '"']) {
        return Err(bad("has no usable host"));
    }
    if s.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(bad("contains spaces or control characters"));
    }
    Ok(s.to_string())
}
