//! From the file as written ([`RawConfig`]) to the settings the helper runs on
//! ([`Config`]): one function per section, each building its layer's settings
//! type. The first problem found is the error, naming its key; sections are
//! checked in the order [`RawConfig`] declares them.

use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;

use ipnet::IpNet;

use super::check::{self, count, each, ip, millis, no_duplicates};
use super::raw::{
    RawAdmin, RawConfig, RawDemo, RawDns, RawHttp, RawListen, RawProbe, RawProxy, RawRateLimit,
    RawSeal, RawServer, RawStatus, RawTargets,
};
use super::{Config, Http, Invalid, Listen, ProbeSettings, SealSettings};
use crate::net::dns::{Dns, Upstream};
use crate::net::forwarded::{ForwardedHeader, Proxy};
use crate::net::names::{self, Target};
use crate::net::servers::Server;
use crate::policy::ratelimit::RateLimit;

/// Shortest admin token accepted: a short one can be guessed through the API.
const MIN_ADMIN_TOKEN: usize = 16;

/// Checks every key. `source` is left unset: only the caller knows the file.
pub(super) fn config(raw: &RawConfig) -> Result<Config, Invalid> {
    // One binding per section, in this order, so which error comes first never
    // depends on how the struct below is written.
    let servers = servers(&raw.servers)?;
    let allowed_suffixes = allowed_suffixes(&raw.allowed_suffixes)?;
    let office_ranges = office_ranges(&raw.office_ranges)?;
    let canary_urls = canary_urls(&raw.canary_urls)?;
    let listen = listen(&raw.listen)?;
    let dns = dns(&raw.dns)?;
    let allow_addresses = targets(&raw.targets)?;
    let probe = probe(&raw.probe)?;
    let proxy = proxy(&raw.proxy)?;
    // The request timeout is bounded by what a probe may spend in DNS and connect.
    let http = http(&raw.http, &dns, &probe)?;
    let rate_limit = rate_limit(&raw.rate_limit)?;
    let status_file = status(&raw.status)?;
    let admin_token = admin(&raw.admin)?;
    let seal = seal(&raw.seal)?;
    let demo_listeners = demo(&raw.demo)?;
    Ok(Config {
        servers,
        allowed_suffixes,
        office_ranges,
        canary_urls,
        // Nothing to check in these: any value the file can hold is valid.
        list_server_names: raw.list_server_names,
        dist: raw.dist.clone(),
        content: raw.content.clone(),
        log_mask_addresses: raw.log.mask_addresses,
        listen,
        dns,
        allow_addresses,
        probe,
        proxy,
        http,
        rate_limit,
        status_file,
        admin_token,
        admin_token_file: raw.admin.token_file.clone(),
        source: None,
        seal,
        demo_listeners,
    })
}

/// `[[servers]]`: names told apart after normalising, so `VPN.example.com.` and
/// `vpn.example.com` count as the same server.
fn servers(raw: &[RawServer]) -> Result<Vec<Server>, Invalid> {
    let mut servers: Vec<Server> = Vec::with_capacity(raw.len());
    for (i, s) in raw.iter().enumerate() {
        let server = server(&format!("servers[{i}]"), s, &servers)?;
        servers.push(server);
    }
    Ok(servers)
}

/// One server; `earlier` are the ones before it, which its name must not repeat.
fn server(key: &str, s: &RawServer, earlier: &[Server]) -> Result<Server, Invalid> {
    let target =
        names::parse_target(&s.name).map_err(|why| Invalid::new(format!("{key}.name"), why))?;
    if earlier.iter().any(|o| o.target == target) {
        return Err(Invalid::new(
            format!("{key}.name"),
            format!("`{target}` is listed twice"),
        ));
    }
    let expected = each(&format!("{key}.expected"), &s.expected, ip)?;
    let ports_key = format!("{key}.ports");
    if s.ports.is_empty() {
        return Err(Invalid::new(
            ports_key,
            "list at least one TCP port the helper may probe",
        ));
    }
    if s.ports.contains(&0) {
        return Err(Invalid::new(ports_key, "0 is not a TCP port"));
    }
    no_duplicates(&ports_key, &s.ports)?;
    let mut port_map = BTreeMap::new();
    for (from, to) in &s.port_map {
        let mkey = format!("{key}.port_map.{from}");
        // TOML table keys are strings, so the port probed arrives as text.
        let from: u16 = from
            .parse()
            .map_err(|_| Invalid::new(&mkey, format!("`{from}` is not a port number")))?;
        if !s.ports.contains(&from) {
            return Err(Invalid::new(
                &mkey,
                format!("port {from} is not in {key}.ports, so it is never probed"),
            ));
        }
        if *to == 0 {
            return Err(Invalid::new(&mkey, "0 is not a TCP port"));
        }
        port_map.insert(from, *to);
    }
    Ok(Server {
        target,
        expected,
        ports: s.ports.clone(),
        port_map,
    })
}

/// `allowed_suffixes`: a domain with at least one dot, so a suffix cannot open a
/// whole top-level domain (or everything) to resolving.
fn allowed_suffixes(raw: &[String]) -> Result<Vec<String>, Invalid> {
    each(
        "allowed_suffixes",
        raw,
        |key, s| match names::parse_target(s.trim_start_matches('.')) {
            Ok(Target::Host(h)) if h.contains('.') => Ok(h),
            Ok(_) => Err(Invalid::new(
                key,
                format!("`{s}` is too broad: give a domain such as example.com"),
            )),
            Err(why) => Err(Invalid::new(key, why)),
        },
    )
}

/// `office_ranges`: the addresses the office's own traffic leaves from.
fn office_ranges(raw: &[String]) -> Result<Vec<IpNet>, Invalid> {
    each("office_ranges", raw, check::net)
}

/// `canary_urls`: fetched by the app, from the browser, to tell whether the
/// internet is reachable.
fn canary_urls(raw: &[String]) -> Result<Vec<String>, Invalid> {
    each("canary_urls", raw, check::canary_url)
}

/// `[listen]`: port 0 in `alt_ports` asks the system for a free port, so it may
/// repeat; any other port may appear once and never be the main port.
fn listen(raw: &RawListen) -> Result<Listen, Invalid> {
    let address = ip("listen.address", &raw.address)?;
    for (i, p) in raw.alt_ports.iter().enumerate() {
        if *p != 0 && *p == raw.port {
            return Err(Invalid::new(
                format!("listen.alt_ports[{i}]"),
                format!("{p} is the main port (listen.port)"),
            ));
        }
    }
    let nonzero: Vec<u16> = raw.alt_ports.iter().copied().filter(|p| *p != 0).collect();
    no_duplicates("listen.alt_ports", &nonzero)?;
    Ok(Listen {
        address,
        port: raw.port,
        alt_ports: raw.alt_ports.clone(),
    })
}

/// `[dns]` and `[dns.static]`.
fn dns(raw: &RawDns) -> Result<Dns, Invalid> {
    let upstream = upstream(raw)?;
    // A list that is never used is a mistake the operator would not see otherwise.
    if !matches!(upstream, Upstream::Nameservers(_)) && !raw.nameservers.is_empty() {
        return Err(Invalid::new(
            "dns.nameservers",
            "only used when dns.upstream = \"nameservers\"; set that, or remove the list",
        ));
    }
    Ok(Dns {
        upstream,
        statics: statics(&raw.statics)?,
        timeout: millis("dns.timeout_ms", raw.timeout_ms, 100, 30_000)?,
        use_hosts_file: raw.use_hosts_file,
    })
}

fn upstream(raw: &RawDns) -> Result<Upstream, Invalid> {
    match raw.upstream.as_str() {
        "system" => Ok(Upstream::System),
        "none" => Ok(Upstream::None),
        "nameservers" => {
            if raw.nameservers.is_empty() {
                return Err(Invalid::new(
                    "dns.nameservers",
                    "dns.upstream is \"nameservers\": list at least one, like \"192.0.2.53:53\"",
                ));
            }
            each("dns.nameservers", &raw.nameservers, nameserver).map(Upstream::Nameservers)
        }
        other => Err(Invalid::new(
            "dns.upstream",
            format!("`{other}` is not one of \"system\", \"none\", \"nameservers\""),
        )),
    }
}

/// An address with a port, or a bare address meaning port 53.
fn nameserver(key: &str, n: &str) -> Result<SocketAddr, Invalid> {
    n.parse::<SocketAddr>()
        .ok()
        .or_else(|| names::parse_address(n).map(|a| SocketAddr::new(a, 53)))
        .ok_or_else(|| {
            Invalid::new(
                key,
                format!("`{n}` is not an address (write 192.0.2.53 or 192.0.2.53:53 or [2001:db8::53]:53)"),
            )
        })
}

/// `[dns.static]`: names normalised, so two spellings of one name are caught.
fn statics(raw: &BTreeMap<String, Vec<String>>) -> Result<BTreeMap<String, Vec<IpAddr>>, Invalid> {
    let mut statics = BTreeMap::new();
    for (name, addrs) in raw {
        let key = format!("dns.static.\"{name}\"");
        let host = match names::parse_target(name) {
            Ok(Target::Host(h)) => h,
            Ok(Target::Ip(_)) => {
                return Err(Invalid::new(key, "an address needs no static entry"));
            }
            Err(why) => return Err(Invalid::new(key, why)),
        };
        if addrs.is_empty() {
            return Err(Invalid::new(key, "list at least one address"));
        }
        let addrs = each(&key, addrs, ip)?;
        if statics.insert(host.clone(), addrs).is_some() {
            return Err(Invalid::new(key, format!("`{host}` has two entries")));
        }
    }
    Ok(statics)
}

/// `[targets]`: addresses probed even though they are loopback or private.
fn targets(raw: &RawTargets) -> Result<Vec<IpAddr>, Invalid> {
    each("targets.allow_addresses", &raw.allow_addresses, ip)
}

/// `[probe]`.
fn probe(raw: &RawProbe) -> Result<ProbeSettings, Invalid> {
    Ok(ProbeSettings {
        connect_timeout: millis(
            "probe.connect_timeout_ms",
            raw.connect_timeout_ms,
            50,
            30_000,
        )?,
        cache_ttl: millis("probe.cache_ttl_ms", raw.cache_ttl_ms, 0, 300_000)?,
        max_in_flight: count("probe.max_in_flight", raw.max_in_flight, 1, 10_000)?,
        sweep_limit: count("probe.sweep_limit", raw.sweep_limit, 1, 100_000)?,
        sweep_window: millis(
            "probe.sweep_window_ms",
            raw.sweep_window_ms,
            1_000,
            3_600_000,
        )?,
    })
}

/// `[proxy]`: the header name is matched without regard to case.
fn proxy(raw: &RawProxy) -> Result<Proxy, Invalid> {
    Ok(Proxy {
        trusted: each("proxy.trusted", &raw.trusted, check::net)?,
        header: match raw.header.to_ascii_lowercase().as_str() {
            "x-forwarded-for" => ForwardedHeader::XForwardedFor,
            "forwarded" => ForwardedHeader::Forwarded,
            other => {
                return Err(Invalid::new(
                    "proxy.header",
                    format!("`{other}` is not one of \"x-forwarded-for\", \"forwarded\""),
                ))
            }
        },
    })
}

/// `[http]`. The timeouts are ordered: a probe's worst case (`dns`, `probe`) <
/// the request timeout < the idle timeout.
fn http(raw: &RawHttp, dns: &Dns, probe: &ProbeSettings) -> Result<Http, Invalid> {
    let cors_origins = each("http.cors_origins", &raw.cors_origins, check::origin)?;
    // The gate layer enforces this limit; axum's extractors bring their own
    // (2 MB), which stays above it as long as this range does.
    if !(256..=1024 * 1024).contains(&raw.body_limit_bytes) {
        return Err(Invalid::new(
            "http.body_limit_bytes",
            format!(
                "{} is out of range: use 256 to 1048576 bytes",
                raw.body_limit_bytes
            ),
        ));
    }
    let request_timeout = millis(
        "http.request_timeout_ms",
        raw.request_timeout_ms,
        100,
        120_000,
    )?;
    // A probe may spend a DNS timeout and then a connect timeout; the request
    // must outlive both, or every slow probe would end as a timeout error.
    let needed = dns.timeout + probe.connect_timeout;
    if request_timeout <= needed {
        return Err(Invalid::new(
            "http.request_timeout_ms",
            format!(
                "{} ms is too short: it must exceed dns.timeout_ms + probe.connect_timeout_ms ({} ms)",
                request_timeout.as_millis(),
                needed.as_millis()
            ),
        ));
    }
    let idle_timeout = millis("http.idle_timeout_ms", raw.idle_timeout_ms, 100, 3_600_000)?;
    // The idle clock runs while a handler works without sending a byte; it
    // must not cut a request the request timeout still allows.
    if idle_timeout <= request_timeout {
        return Err(Invalid::new(
            "http.idle_timeout_ms",
            format!(
                "{} ms is too short: it must exceed http.request_timeout_ms ({} ms)",
                idle_timeout.as_millis(),
                request_timeout.as_millis()
            ),
        ));
    }
    let max_connections = count("http.max_connections", raw.max_connections, 1, 1_000_000)?;
    // Above the global cap it means the global cap alone (so the default
    // stands beside a small `max_connections`).
    let max_connections_per_client = count(
        "http.max_connections_per_client",
        raw.max_connections_per_client,
        1,
        1_000_000,
    )?
    .min(max_connections);
    Ok(Http {
        cors_origins,
        idle_timeout,
        max_connections,
        max_connections_per_client,
        max_connection_age: millis(
            "http.max_connection_age_ms",
            raw.max_connection_age_ms,
            100,
            86_400_000,
        )?,
        body_limit_bytes: raw.body_limit_bytes,
        request_timeout,
        header_read_timeout: millis(
            "http.header_read_timeout_ms",
            raw.header_read_timeout_ms,
            100,
            120_000,
        )?,
        shutdown_grace: millis("http.shutdown_grace_ms", raw.shutdown_grace_ms, 0, 600_000)?,
    })
}

/// `[rate_limit]`: a zero rate would refuse every request, which is not how
/// limits are turned off.
fn rate_limit(raw: &RawRateLimit) -> Result<RateLimit, Invalid> {
    for (key, v) in [
        ("rate_limit.per_second", raw.per_second),
        ("rate_limit.burst", raw.burst),
        ("rate_limit.checks_per_second", raw.checks_per_second),
        ("rate_limit.checks_burst", raw.checks_burst),
    ] {
        if v == 0 {
            return Err(Invalid::new(
                key,
                "must be at least 1 (to turn limits off, set rate_limit.enabled = false)",
            ));
        }
    }
    Ok(RateLimit {
        enabled: raw.enabled,
        per_second: raw.per_second,
        burst: raw.burst,
        checks_per_second: raw.checks_per_second,
        checks_burst: raw.checks_burst,
    })
}

/// `[status]`: the announcement file.
fn status(raw: &RawStatus) -> Result<PathBuf, Invalid> {
    if raw.file.as_os_str().is_empty() {
        return Err(Invalid::new("status.file", "give a file path"));
    }
    Ok(raw.file.clone())
}

/// `[admin]`: the token inline or from a file (read now, so a missing file
/// stops the helper at start), never both.
fn admin(raw: &RawAdmin) -> Result<Option<String>, Invalid> {
    match (&raw.token, &raw.token_file) {
        (Some(_), Some(_)) => Err(Invalid::new(
            "admin.token_file",
            "set admin.token or admin.token_file, not both",
        )),
        (Some(t), None) => admin_token("admin.token", t).map(Some),
        (None, Some(path)) => {
            let text = std::fs::read_to_string(path).map_err(|e| {
                Invalid::new(
                    "admin.token_file",
                    format!("cannot read {}: {e}", path.display()),
                )
            })?;
            admin_token("admin.token_file", text.trim()).map(Some)
        }
        (None, None) => Ok(None),
    }
}

fn admin_token(key: &str, t: &str) -> Result<String, Invalid> {
    if t.chars().count() < MIN_ADMIN_TOKEN {
        return Err(Invalid::new(
            key,
            format!("the token is too short: use at least {MIN_ADMIN_TOKEN} characters (for example the output of `openssl rand -hex 24`)"),
        ));
    }
    // The token travels in a header, where a space or control character would
    // be cut or refused.
    if t.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(Invalid::new(key, "the token must not contain spaces"));
    }
    Ok(t.to_string())
}

/// `[seal]`: the key file's path (the file is read or made at start, by the
/// policy layer) and other helpers' public keys.
fn seal(raw: &RawSeal) -> Result<SealSettings, Invalid> {
    if raw.key_file.as_os_str().is_empty() {
        return Err(Invalid::new("seal.key_file", "give a file path"));
    }
    let trusted_keys = each("seal.trusted_keys", &raw.trusted_keys, |key, k| {
        crate::policy::seal::decode_public_key(k).ok_or_else(|| {
            Invalid::new(
                key,
                "not an ed25519 public key (base64url of 32 bytes, as GET /api/v1/keys lists them)",
            )
        })
    })?;
    Ok(SealSettings {
        key_file: raw.key_file.clone(),
        trusted_keys,
    })
}

/// `[demo]`: stand-in VPN ports, on loopback only.
fn demo(raw: &RawDemo) -> Result<Vec<SocketAddr>, Invalid> {
    each("demo.listeners", &raw.listeners, |key, l| {
        let addr: SocketAddr = l.parse().map_err(|_| {
            Invalid::new(
                key,
                format!("`{l}` is not an address with a port, like \"127.0.0.1:11723\""),
            )
        })?;
        if !addr.ip().is_loopback() {
            return Err(Invalid::new(
                key,
                "demo listeners stay on loopback (127.0.0.0/8 or ::1): they stand in for a VPN server on this machine only",
            ));
        }
        Ok(addr)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn first_error(text: &str) -> Invalid {
        let raw: RawConfig = toml::from_str(text).unwrap();
        config(&raw).unwrap_err()
    }

    #[test]
    fn sections_are_checked_in_order_and_the_first_problem_wins() {
        let e = first_error("[demo]\nlisteners = [\"x\"]\n[listen]\naddress = \"y\"\n");
        assert_eq!(e.key, "listen.address");
        let e = first_error("[http]\nbody_limit_bytes = 1\n[dns]\nupstream = \"x\"\n");
        assert_eq!(e.key, "dns.upstream");
    }

    #[test]
    fn a_server_listed_twice_is_caught_after_normalising() {
        let e = first_error(
            "[[servers]]\nname = \"vpn.example.com\"\nports = [1]\n[[servers]]\nname = \"VPN.Example.com.\"\nports = [1]\n",
        );
        assert_eq!(e.key, "servers[1].name");
        assert_eq!(e.why, "`vpn.example.com` is listed twice");
    }

    #[test]
    fn the_request_timeout_must_outlive_a_slow_probe() {
        let e = first_error("[dns]\ntimeout_ms = 5000\n[probe]\nconnect_timeout_ms = 5000\n");
        assert_eq!(e.key, "http.request_timeout_ms");
        assert!(e.why.contains("(10000 ms)"), "{}", e.why);
    }

    #[test]
    fn per_client_connections_above_the_global_cap_mean_the_cap() {
        let raw: RawConfig = toml::from_str("[http]\nmax_connections = 10\n").unwrap();
        assert_eq!(config(&raw).unwrap().http.max_connections_per_client, 10);
    }
}
