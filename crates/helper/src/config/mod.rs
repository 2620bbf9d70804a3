//! The helper's configuration (`fixpath.toml`): the file as written ([`RawConfig`],
//! serde with `deny_unknown_fields`), and the validated form ([`Config`]) the helper
//! runs on. Every validation error names the key and says why.
//! Every key is documented in `docs/helper.md`.

use std::collections::{BTreeMap, BTreeSet};
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::time::Duration;

use ipnet::IpNet;
use serde::{Deserialize, Serialize};

use crate::net::dns::{Dns, Upstream};
use crate::net::forwarded::{ForwardedHeader, Proxy};
use crate::net::names::{self, Target};
use crate::net::servers::Server;
use crate::policy::ratelimit::RateLimit;

/// The embedded default: a self-contained demo on loopback.
pub const DEFAULT_TOML: &str = include_str!("default.toml");

/// Where an embedded-default error says it came from.
pub const DEFAULT_ORIGIN: &str = "embedded default config";

/// Shortest admin token accepted: a short one can be guessed through the API.
pub const MIN_ADMIN_TOKEN: usize = 16;

// ---------------------------------------------------------------------------------
// The file as written.

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct RawConfig {
    pub servers: Vec<RawServer>,
    pub allowed_suffixes: Vec<String>,
    pub office_ranges: Vec<String>,
    pub canary_urls: Vec<String>,
    pub list_server_names: bool,
    pub dist: Option<PathBuf>,
    pub listen: RawListen,
    pub dns: RawDns,
    pub targets: RawTargets,
    pub probe: RawProbe,
    pub proxy: RawProxy,
    pub http: RawHttp,
    pub rate_limit: RawRateLimit,
    pub status: RawStatus,
    pub admin: RawAdmin,
    pub seal: RawSeal,
    pub demo: RawDemo,
    pub log: RawLog,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawServer {
    pub name: String,
    #[serde(default)]
    pub expected: Vec<String>,
    pub ports: Vec<u16>,
    /// Probe port P by connecting to port Q (demos, port-forwarded test rigs).
    #[serde(default)]
    pub port_map: BTreeMap<String, u16>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct RawListen {
    pub address: String,
    pub port: u16,
    pub alt_ports: Vec<u16>,
}

impl Default for RawListen {
    fn default() -> Self {
        RawListen {
            address: "127.0.0.1".into(),
            port: 8080,
            alt_ports: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct RawDns {
    /// `system`, `none` or `nameservers`.
    pub upstream: String,
    pub nameservers: Vec<String>,
    pub timeout_ms: u64,
    pub use_hosts_file: bool,
    #[serde(rename = "static")]
    pub statics: BTreeMap<String, Vec<String>>,
}

impl Default for RawDns {
    fn default() -> Self {
        RawDns {
            upstream: "system".into(),
            nameservers: Vec::new(),
            timeout_ms: 2_000,
            use_hosts_file: false,
            statics: BTreeMap::new(),
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct RawTargets {
    pub allow_addresses: Vec<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct RawProbe {
    pub connect_timeout_ms: u64,
    pub cache_ttl_ms: u64,
    pub max_in_flight: usize,
    pub sweep_limit: usize,
    pub sweep_window_ms: u64,
}

impl Default for RawProbe {
    fn default() -> Self {
        RawProbe {
            connect_timeout_ms: 3_000,
            cache_ttl_ms: 10_000,
            max_in_flight: 32,
            // A walk probes a handful of server/port pairs; an office behind one
            // address still stays far below this, while a scanner hits it at once.
            sweep_limit: 32,
            sweep_window_ms: 60_000,
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct RawProxy {
    pub trusted: Vec<String>,
    /// `x-forwarded-for` or `forwarded`: the one header the trusted proxies write.
    pub header: String,
}

impl Default for RawProxy {
    fn default() -> Self {
        RawProxy {
            trusted: Vec::new(),
            header: "x-forwarded-for".into(),
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct RawHttp {
    pub cors_origins: Vec<String>,
    pub body_limit_bytes: usize,
    pub request_timeout_ms: u64,
    pub header_read_timeout_ms: u64,
    pub idle_timeout_ms: u64,
    pub max_connections: usize,
    pub max_connections_per_client: usize,
    pub max_connection_age_ms: u64,
    pub shutdown_grace_ms: u64,
}

impl Default for RawHttp {
    fn default() -> Self {
        RawHttp {
            cors_origins: Vec::new(),
            body_limit_bytes: 16 * 1024,
            request_timeout_ms: 10_000,
            header_read_timeout_ms: 5_000,
            idle_timeout_ms: 60_000,
            // Browsers open up to six connections per site: an office of 300
            // behind one NAT address, all opening the page in the same minute, needs
            // 1,800. Idle connections give way near the global cap, which the helper
            // also keeps below its open-file limit.
            max_connections: 4_096,
            max_connections_per_client: 2_048,
            // Long enough that a browser rarely notices; short enough that no
            // connection holds its slot for ever.
            max_connection_age_ms: 600_000,
            shutdown_grace_ms: 10_000,
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct RawRateLimit {
    pub enabled: bool,
    pub per_second: u32,
    pub burst: u32,
    pub checks_per_second: u32,
    pub checks_burst: u32,
}

impl Default for RawRateLimit {
    fn default() -> Self {
        // Generous: an office of hundreds behind one NAT address shares one bucket.
        // A walk costs a few dozen requests; 300 people starting at 09:00 fit the burst.
        RawRateLimit {
            enabled: true,
            per_second: 100,
            burst: 3_000,
            checks_per_second: 30,
            checks_burst: 1_000,
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct RawLog {
    /// Client addresses in the log cut to their /24 (IPv4) or /48 (IPv6).
    pub mask_addresses: bool,
}

impl Default for RawLog {
    fn default() -> Self {
        RawLog {
            mask_addresses: true,
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct RawStatus {
    pub file: PathBuf,
}

impl Default for RawStatus {
    fn default() -> Self {
        RawStatus {
            file: PathBuf::from(".fixpath/status.json"),
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct RawAdmin {
    pub token: Option<String>,
    pub token_file: Option<PathBuf>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct RawSeal {
    pub key_file: PathBuf,
    pub trusted_keys: Vec<String>,
}

impl Default for RawSeal {
    fn default() -> Self {
        RawSeal {
            key_file: PathBuf::from(".fixpath/seal.key"),
            trusted_keys: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct RawDemo {
    pub listeners: Vec<String>,
}

// ---------------------------------------------------------------------------------
// The validated configuration.

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listen {
    pub address: IpAddr,
    pub port: u16,
    pub alt_ports: Vec<u16>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProbeSettings {
    pub connect_timeout: Duration,
    pub cache_ttl: Duration,
    /// Outgoing connects at once, across the helper.
    pub max_in_flight: usize,
    /// Distinct server/port pairs one client may ask about per window.
    pub sweep_limit: usize,
    pub sweep_window: Duration,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Http {
    pub cors_origins: Vec<String>,
    pub body_limit_bytes: usize,
    pub request_timeout: Duration,
    pub header_read_timeout: Duration,
    pub idle_timeout: Duration,
    pub max_connections: usize,
    pub max_connections_per_client: usize,
    pub max_connection_age: Duration,
    pub shutdown_grace: Duration,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealSettings {
    pub key_file: PathBuf,
    /// Public keys of other helpers (rotated-out keys, other replicas), 32 bytes each.
    pub trusted_keys: Vec<[u8; 32]>,
}

/// The validated configuration the helper runs on.
#[derive(Clone, PartialEq, Eq)]
pub struct Config {
    pub servers: Vec<Server>,
    pub allowed_suffixes: Vec<String>,
    pub office_ranges: Vec<IpNet>,
    pub canary_urls: Vec<String>,
    pub list_server_names: bool,
    pub dist: Option<PathBuf>,
    pub listen: Listen,
    pub dns: Dns,
    pub allow_addresses: Vec<IpAddr>,
    pub probe: ProbeSettings,
    pub proxy: Proxy,
    pub http: Http,
    pub rate_limit: RateLimit,
    pub status_file: PathBuf,
    /// Never logged or printed: see the `Debug` impl.
    pub admin_token: Option<String>,
    /// Where the token was read from (`admin.token_file`), which must never be served.
    pub admin_token_file: Option<PathBuf>,
    /// The file this configuration was read from (`None` for the embedded one):
    /// it can hold the admin token, so it must never be served either.
    pub source: Option<PathBuf>,
    pub seal: SealSettings,
    pub demo_listeners: Vec<SocketAddr>,
    /// Whether client addresses are masked in the log (`log.mask_addresses`).
    pub log_mask_addresses: bool,
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The admin token is a secret: a debug print must not carry it into logs.
        f.debug_struct("Config")
            .field("servers", &self.servers)
            .field("allowed_suffixes", &self.allowed_suffixes)
            .field("office_ranges", &self.office_ranges)
            .field("canary_urls", &self.canary_urls)
            .field("list_server_names", &self.list_server_names)
            .field("dist", &self.dist)
            .field("listen", &self.listen)
            .field("dns", &self.dns)
            .field("allow_addresses", &self.allow_addresses)
            .field("probe", &self.probe)
            .field("proxy", &self.proxy)
            .field("http", &self.http)
            .field("rate_limit", &self.rate_limit)
            .field("status_file", &self.status_file)
            .field("admin_token", &self.admin_token.as_ref().map(|_| "<set>"))
            .field("seal", &self.seal)
            .field("demo_listeners", &self.demo_listeners)
            .field("log_mask_addresses", &self.log_mask_addresses)
            .finish()
    }
}

/// Why a configuration was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    #[error("{origin}: cannot read it: {why}")]
    Read { origin: String, why: String },
    #[error("{origin}: {why}")]
    Syntax { origin: String, why: String },
    #[error("{origin}: `{key}`: {why}")]
    Invalid {
        origin: String,
        key: String,
        why: String,
    },
}

/// A validation failure before it knows which file it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid {
    pub key: String,
    pub why: String,
}

fn invalid(key: impl Into<String>, why: impl Into<String>) -> Invalid {
    Invalid {
        key: key.into(),
        why: why.into(),
    }
}

impl Config {
    /// The embedded default (the demo).
    pub fn embedded_default() -> Result<Config, ConfigError> {
        Self::from_toml(DEFAULT_TOML, DEFAULT_ORIGIN)
    }

    /// Reads and validates a config file.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let origin = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError::Read {
            origin: origin.clone(),
            why: e.to_string(),
        })?;
        let mut config = Self::from_toml(&text, &origin)?;
        config.source = Some(path.to_path_buf());
        Ok(config)
    }

    /// Parses and validates config text; `origin` names it in errors.
    pub fn from_toml(text: &str, origin: &str) -> Result<Config, ConfigError> {
        let raw: RawConfig = toml::from_str(text).map_err(|e| ConfigError::Syntax {
            origin: origin.to_string(),
            why: e.to_string().trim_end().to_string(),
        })?;
        raw.validate().map_err(|i| ConfigError::Invalid {
            origin: origin.to_string(),
            key: i.key,
            why: i.why,
        })
    }

    /// Ports the shipped trees probe that a server does not list in its `ports`, as
    /// (`servers[i]`, port): the app skips those probes (resolve's `probe_ports`
    /// does not offer them), so that check never runs, and the operator is told at
    /// start.
    pub fn unlisted_tree_ports(&self) -> Vec<(String, u16)> {
        use fixpath_core::{CheckName, NodeKind};
        let mut ports = BTreeSet::new();
        for tree in fixpath_core::shipped::trees() {
            for node in &tree.nodes {
                if let NodeKind::Check {
                    check: CheckName::ServerProbe,
                    params,
                    ..
                } = &node.kind
                {
                    if let Some(fixpath_core::model::ParamValue::Int(p)) = params.get("port") {
                        ports.extend(u16::try_from(*p));
                    }
                }
            }
        }
        let mut missing = Vec::new();
        for (i, server) in self.servers.iter().enumerate() {
            for port in &ports {
                if !server.ports.contains(port) {
                    missing.push((format!("servers[{i}]"), *port));
                }
            }
        }
        missing
    }

    /// The server the operator lists under this name or address.
    pub fn server(&self, target: &Target) -> Option<&Server> {
        self.servers.iter().find(|s| &s.target == target)
    }

    /// Whether the operator allows resolving this name: a listed server, or a
    /// name under an allowed suffix.
    pub fn name_allowed(&self, target: &Target) -> bool {
        if self.server(target).is_some() {
            return true;
        }
        match target {
            Target::Host(name) => self
                .allowed_suffixes
                .iter()
                .any(|suffix| names::is_under(name, suffix)),
            Target::Ip(_) => false,
        }
    }
}

fn ip(key: &str, s: &str) -> Result<IpAddr, Invalid> {
    names::parse_address(s).ok_or_else(|| invalid(key, format!("`{s}` is not an IP address")))
}

fn net(key: &str, s: &str) -> Result<IpNet, Invalid> {
    // A bare address means just that address (a /32 or /128).
    if let Some(a) = names::parse_address(s) {
        return Ok(IpNet::from(a));
    }
    s.trim().parse::<IpNet>().map(|n| n.trunc()).map_err(|_| {
        invalid(
            key,
            format!("`{s}` is not an address range (write it like 10.0.0.0/8 or 2001:db8::/32)"),
        )
    })
}

fn count(key: &str, n: usize, min: usize, max: usize) -> Result<usize, Invalid> {
    if n < min || n > max {
        return Err(invalid(
            key,
            format!("{n} is out of range: use {min} to {max}"),
        ));
    }
    Ok(n)
}

fn millis(key: &str, ms: u64, min: u64, max: u64) -> Result<Duration, Invalid> {
    if ms < min || ms > max {
        return Err(invalid(
            key,
            format!("{ms} is out of range: use {min} to {max} milliseconds"),
        ));
    }
    Ok(Duration::from_millis(ms))
}

fn no_duplicates<T: Ord + Clone + std::fmt::Display>(
    key: &str,
    items: &[T],
) -> Result<(), Invalid> {
    let mut seen = BTreeSet::new();
    for item in items {
        if !seen.insert(item.clone()) {
            return Err(invalid(key, format!("`{item}` is listed twice")));
        }
    }
    Ok(())
}

/// `scheme://host[:port]`, nothing else: what a browser sends as `Origin`.
fn origin(key: &str, s: &str) -> Result<String, Invalid> {
    let bad = || {
        invalid(
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

fn canary_url(key: &str, s: &str) -> Result<String, Invalid> {
    let bad = |why: &str| invalid(key, format!("`{s}` {why}"));
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

impl RawConfig {
    /// Checks every key; the first problem found is returned, naming its key.
    pub fn validate(self) -> Result<Config, Invalid> {
        let mut servers: Vec<Server> = Vec::with_capacity(self.servers.len());
        for (i, s) in self.servers.iter().enumerate() {
            let key = format!("servers[{i}]");
            let target =
                names::parse_target(&s.name).map_err(|why| invalid(format!("{key}.name"), why))?;
            if servers.iter().any(|o| o.target == target) {
                return Err(invalid(
                    format!("{key}.name"),
                    format!("`{target}` is listed twice"),
                ));
            }
            let expected = s
                .expected
                .iter()
                .enumerate()
                .map(|(j, a)| ip(&format!("{key}.expected[{j}]"), a))
                .collect::<Result<Vec<_>, _>>()?;
            if s.ports.is_empty() {
                return Err(invalid(
                    format!("{key}.ports"),
                    "list at least one TCP port the helper may probe",
                ));
            }
            if s.ports.contains(&0) {
                return Err(invalid(format!("{key}.ports"), "0 is not a TCP port"));
            }
            no_duplicates(&format!("{key}.ports"), &s.ports)?;
            let mut port_map = BTreeMap::new();
            for (from, to) in &s.port_map {
                let mkey = format!("{key}.port_map.{from}");
                let from: u16 = from
                    .parse()
                    .map_err(|_| invalid(&mkey, format!("`{from}` is not a port number")))?;
                if !s.ports.contains(&from) {
                    return Err(invalid(
                        &mkey,
                        format!("port {from} is not in {key}.ports, so it is never probed"),
                    ));
                }
                if *to == 0 {
                    return Err(invalid(&mkey, "0 is not a TCP port"));
                }
                port_map.insert(from, *to);
            }
            servers.push(Server {
                target,
                expected,
                ports: s.ports.clone(),
                port_map,
            });
        }

        let mut allowed_suffixes = Vec::new();
        for (i, s) in self.allowed_suffixes.iter().enumerate() {
            let key = format!("allowed_suffixes[{i}]");
            match names::parse_target(s.trim_start_matches('.')) {
                Ok(Target::Host(h)) if h.contains('.') => allowed_suffixes.push(h),
                Ok(_) => {
                    return Err(invalid(
                        key,
                        format!("`{s}` is too broad: give a domain such as example.com"),
                    ))
                }
                Err(why) => return Err(invalid(key, why)),
            }
        }

        let office_ranges = self
            .office_ranges
            .iter()
            .enumerate()
            .map(|(i, r)| net(&format!("office_ranges[{i}]"), r))
            .collect::<Result<Vec<_>, _>>()?;

        let canary_urls = self
            .canary_urls
            .iter()
            .enumerate()
            .map(|(i, u)| canary_url(&format!("canary_urls[{i}]"), u))
            .collect::<Result<Vec<_>, _>>()?;

        let listen = {
            let address = ip("listen.address", &self.listen.address)?;
            for (i, p) in self.listen.alt_ports.iter().enumerate() {
                if *p != 0 && *p == self.listen.port {
                    return Err(invalid(
                        format!("listen.alt_ports[{i}]"),
                        format!("{p} is the main port (listen.port)"),
                    ));
                }
            }
            let nonzero: Vec<u16> = self
                .listen
                .alt_ports
                .iter()
                .copied()
                .filter(|p| *p != 0)
                .collect();
            no_duplicates("listen.alt_ports", &nonzero)?;
            Listen {
                address,
                port: self.listen.port,
                alt_ports: self.listen.alt_ports.clone(),
            }
        };

        let dns = {
            let upstream = match self.dns.upstream.as_str() {
                "system" => Upstream::System,
                "none" => Upstream::None,
                "nameservers" => {
                    if self.dns.nameservers.is_empty() {
                        return Err(invalid(
                            "dns.nameservers",
                            "dns.upstream is \"nameservers\": list at least one, like \"192.0.2.53:53\"",
                        ));
                    }
                    let mut list = Vec::new();
                    for (i, n) in self.dns.nameservers.iter().enumerate() {
                        let key = format!("dns.nameservers[{i}]");
                        let addr = n
                            .parse::<SocketAddr>()
                            .ok()
                            .or_else(|| names::parse_address(n).map(|a| SocketAddr::new(a, 53)))
                            .ok_or_else(|| {
                                invalid(
                                    &key,
                                    format!("`{n}` is not an address (write 192.0.2.53 or 192.0.2.53:53 or [2001:db8::53]:53)"),
                                )
                            })?;
                        list.push(addr);
                    }
                    Upstream::Nameservers(list)
                }
                other => {
                    return Err(invalid(
                        "dns.upstream",
                        format!("`{other}` is not one of \"system\", \"none\", \"nameservers\""),
                    ))
                }
            };
            if !matches!(upstream, Upstream::Nameservers(_)) && !self.dns.nameservers.is_empty() {
                return Err(invalid(
                    "dns.nameservers",
                    "only used when dns.upstream = \"nameservers\"; set that, or remove the list",
                ));
            }
            let mut statics = BTreeMap::new();
            for (name, addrs) in &self.dns.statics {
                let key = format!("dns.static.\"{name}\"");
                let host = match names::parse_target(name) {
                    Ok(Target::Host(h)) => h,
                    Ok(Target::Ip(_)) => {
                        return Err(invalid(key, "an address needs no static entry"));
                    }
                    Err(why) => return Err(invalid(key, why)),
                };
                if addrs.is_empty() {
                    return Err(invalid(key, "list at least one address"));
                }
                let addrs = addrs
                    .iter()
                    .enumerate()
                    .map(|(j, a)| ip(&format!("{key}[{j}]"), a))
                    .collect::<Result<Vec<_>, _>>()?;
                if statics.insert(host.clone(), addrs).is_some() {
                    return Err(invalid(key, format!("`{host}` has two entries")));
                }
            }
            Dns {
                upstream,
                timeout: millis("dns.timeout_ms", self.dns.timeout_ms, 100, 30_000)?,
                use_hosts_file: self.dns.use_hosts_file,
                statics,
            }
        };

        let allow_addresses = self
            .targets
            .allow_addresses
            .iter()
            .enumerate()
            .map(|(i, a)| ip(&format!("targets.allow_addresses[{i}]"), a))
            .collect::<Result<Vec<_>, _>>()?;

        let probe = ProbeSettings {
            connect_timeout: millis(
                "probe.connect_timeout_ms",
                self.probe.connect_timeout_ms,
                50,
                30_000,
            )?,
            cache_ttl: millis("probe.cache_ttl_ms", self.probe.cache_ttl_ms, 0, 300_000)?,
            max_in_flight: count("probe.max_in_flight", self.probe.max_in_flight, 1, 10_000)?,
            sweep_limit: count("probe.sweep_limit", self.probe.sweep_limit, 1, 100_000)?,
            sweep_window: millis(
                "probe.sweep_window_ms",
                self.probe.sweep_window_ms,
                1_000,
                3_600_000,
            )?,
        };

        let proxy = Proxy {
            trusted: self
                .proxy
                .trusted
                .iter()
                .enumerate()
                .map(|(i, r)| net(&format!("proxy.trusted[{i}]"), r))
                .collect::<Result<Vec<_>, _>>()?,
            header: match self.proxy.header.to_ascii_lowercase().as_str() {
                "x-forwarded-for" => ForwardedHeader::XForwardedFor,
                "forwarded" => ForwardedHeader::Forwarded,
                other => {
                    return Err(invalid(
                        "proxy.header",
                        format!("`{other}` is not one of \"x-forwarded-for\", \"forwarded\""),
                    ))
                }
            },
        };

        let http = {
            let cors_origins = self
                .http
                .cors_origins
                .iter()
                .enumerate()
                .map(|(i, o)| origin(&format!("http.cors_origins[{i}]"), o))
                .collect::<Result<Vec<_>, _>>()?;
            // The gate layer enforces this limit; axum's extractors bring their own
            // (2 MB), which stays above it as long as this range does.
            if !(256..=1024 * 1024).contains(&self.http.body_limit_bytes) {
                return Err(invalid(
                    "http.body_limit_bytes",
                    format!(
                        "{} is out of range: use 256 to 1048576 bytes",
                        self.http.body_limit_bytes
                    ),
                ));
            }
            let request_timeout = millis(
                "http.request_timeout_ms",
                self.http.request_timeout_ms,
                100,
                120_000,
            )?;
            // A probe may spend a DNS timeout and then a connect timeout; the request
            // must outlive both, or every slow probe would end as a timeout error.
            let needed = dns.timeout + probe.connect_timeout;
            if request_timeout <= needed {
                return Err(invalid(
                    "http.request_timeout_ms",
                    format!(
                        "{} ms is too short: it must exceed dns.timeout_ms + probe.connect_timeout_ms ({} ms)",
                        request_timeout.as_millis(),
                        needed.as_millis()
                    ),
                ));
            }
            let idle_timeout = millis(
                "http.idle_timeout_ms",
                self.http.idle_timeout_ms,
                100,
                3_600_000,
            )?;
            // The idle clock runs while a handler works without sending a byte; it
            // must not cut a request the request timeout still allows.
            if idle_timeout <= request_timeout {
                return Err(invalid(
                    "http.idle_timeout_ms",
                    format!(
                        "{} ms is too short: it must exceed http.request_timeout_ms ({} ms)",
                        idle_timeout.as_millis(),
                        request_timeout.as_millis()
                    ),
                ));
            }
            let max_connections = count(
                "http.max_connections",
                self.http.max_connections,
                1,
                1_000_000,
            )?;
            // Above the global cap it means the global cap alone (so the default
            // stands beside a small `max_connections`).
            let max_connections_per_client = count(
                "http.max_connections_per_client",
                self.http.max_connections_per_client,
                1,
                1_000_000,
            )?
            .min(max_connections);
            Http {
                cors_origins,
                idle_timeout,
                max_connections,
                max_connections_per_client,
                max_connection_age: millis(
                    "http.max_connection_age_ms",
                    self.http.max_connection_age_ms,
                    100,
                    86_400_000,
                )?,
                body_limit_bytes: self.http.body_limit_bytes,
                request_timeout,
                header_read_timeout: millis(
                    "http.header_read_timeout_ms",
                    self.http.header_read_timeout_ms,
                    100,
                    120_000,
                )?,
                shutdown_grace: millis(
                    "http.shutdown_grace_ms",
                    self.http.shutdown_grace_ms,
                    0,
                    600_000,
                )?,
            }
        };

        let rate_limit = {
            let r = &self.rate_limit;
            for (key, v) in [
                ("rate_limit.per_second", r.per_second),
                ("rate_limit.burst", r.burst),
                ("rate_limit.checks_per_second", r.checks_per_second),
                ("rate_limit.checks_burst", r.checks_burst),
            ] {
                if v == 0 {
                    return Err(invalid(
                        key,
                        "must be at least 1 (to turn limits off, set rate_limit.enabled = false)",
                    ));
                }
            }
            RateLimit {
                enabled: r.enabled,
                per_second: r.per_second,
                burst: r.burst,
                checks_per_second: r.checks_per_second,
                checks_burst: r.checks_burst,
            }
        };

        if self.status.file.as_os_str().is_empty() {
            return Err(invalid("status.file", "give a file path"));
        }

        let admin_token = match (&self.admin.token, &self.admin.token_file) {
            (Some(_), Some(_)) => {
                return Err(invalid(
                    "admin.token_file",
                    "set admin.token or admin.token_file, not both",
                ))
            }
            (Some(t), None) => Some(admin_token("admin.token", t)?),
            (None, Some(path)) => {
                let text = std::fs::read_to_string(path).map_err(|e| {
                    invalid(
                        "admin.token_file",
                        format!("cannot read {}: {e}", path.display()),
                    )
                })?;
                Some(admin_token("admin.token_file", text.trim())?)
            }
            (None, None) => None,
        };

        let seal = {
            if self.seal.key_file.as_os_str().is_empty() {
                return Err(invalid("seal.key_file", "give a file path"));
            }
            let mut trusted_keys = Vec::new();
            for (i, k) in self.seal.trusted_keys.iter().enumerate() {
                let key = format!("seal.trusted_keys[{i}]");
                let bytes = crate::policy::seal::decode_public_key(k).ok_or_else(|| {
                    invalid(
                        &key,
                        "not an ed25519 public key (base64url of 32 bytes, as GET /api/v1/keys lists them)",
                    )
                })?;
                trusted_keys.push(bytes);
            }
            SealSettings {
                key_file: self.seal.key_file.clone(),
                trusted_keys,
            }
        };

        let mut demo_listeners = Vec::new();
        for (i, l) in self.demo.listeners.iter().enumerate() {
            let key = format!("demo.listeners[{i}]");
            let addr: SocketAddr = l.parse().map_err(|_| {
                invalid(
                    &key,
                    format!("`{l}` is not an address with a port, like \"127.0.0.1:11723\""),
                )
            })?;
            if !addr.ip().is_loopback() {
                return Err(invalid(
                    &key,
                    "demo listeners stay on loopback (127.0.0.0/8 or ::1): they stand in for a VPN server on this machine only",
                ));
            }
            demo_listeners.push(addr);
        }

        Ok(Config {
            servers,
            allowed_suffixes,
            office_ranges,
            canary_urls,
            list_server_names: self.list_server_names,
            dist: self.dist.clone(),
            listen,
            dns,
            allow_addresses,
            probe,
            proxy,
            http,
            rate_limit,
            status_file: self.status.file.clone(),
            admin_token,
            admin_token_file: self.admin.token_file.clone(),
            source: None,
            seal,
            demo_listeners,
            log_mask_addresses: self.log.mask_addresses,
        })
    }
}

fn admin_token(key: &str, t: &str) -> Result<String, Invalid> {
    if t.chars().count() < MIN_ADMIN_TOKEN {
        return Err(invalid(
            key,
            format!("the token is too short: use at least {MIN_ADMIN_TOKEN} characters (for example the output of `openssl rand -hex 24`)"),
        ));
    }
    if t.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(invalid(key, "the token must not contain spaces"));
    }
    Ok(t.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str) -> String {
        Config::from_toml(text, "t.toml").unwrap_err().to_string()
    }

    #[test]
    fn the_embedded_default_is_valid_and_is_the_demo() {
        let c = Config::embedded_default().unwrap();
        assert_eq!(c.listen.address, IpAddr::from([127, 0, 0, 1]));
        assert_eq!(c.listen.port, 8080);
        let demo = c
            .server(&Target::Host("vpn.demo.fixpath.test".into()))
            .unwrap();
        assert_eq!(demo.ports, vec![1723, 443]);
        assert_eq!(demo.connect_port(1723), 11723);
        assert_eq!(demo.connect_port(443), 10443);
        assert_eq!(c.dns.upstream, Upstream::None);
        assert!(c.allow_addresses.contains(&IpAddr::from([127, 0, 0, 1])));
        assert!(c.admin_token.is_none());
    }

    #[test]
    fn an_empty_file_takes_every_default() {
        let c = Config::from_toml("", "t.toml").unwrap();
        assert!(c.servers.is_empty());
        assert_eq!(c.dns.upstream, Upstream::System);
        assert!(c.rate_limit.enabled);
    }

    #[test]
    fn unknown_keys_are_refused_by_name() {
        let e = err("[listen]\nadress = \"127.0.0.1\"\n");
        assert!(e.contains("adress"), "{e}");
        assert!(e.starts_with("t.toml: "), "{e}");
    }

    #[test]
    fn ports_the_shipped_trees_probe_are_named_when_a_server_lacks_them() {
        let c = Config::from_toml(
            "[[servers]]\nname = \"a.example.com\"\nports = [1723, 443]\n[[servers]]\nname = \"b.example.com\"\nports = [443]\n",
            "test",
        )
        .unwrap();
        assert_eq!(
            c.unlisted_tree_ports(),
            vec![("servers[1]".to_string(), 1723)]
        );
        assert!(Config::embedded_default()
            .unwrap()
            .unlisted_tree_ports()
            .is_empty());
    }

    #[test]
    fn errors_name_the_key_and_why() {
        let cases = [
            (
                "[[servers]]\nname = \"vpn.example.com\"\nports = []\n",
                "`servers[0].ports`",
            ),
            (
                "[[servers]]\nname = \"bad name!\"\nports = [1]\n",
                "`servers[0].name`",
            ),
            ("office_ranges = [\"10.0.0.0/33\"]\n", "`office_ranges[0]`"),
            ("[dns]\nupstream = \"google\"\n", "`dns.upstream`"),
            ("[dns]\nupstream = \"nameservers\"\n", "`dns.nameservers`"),
            ("[proxy]\ntrusted = [\"nope\"]\n", "`proxy.trusted[0]`"),
            ("[admin]\ntoken = \"short\"\n", "`admin.token`"),
            (
                "[http]\ncors_origins = [\"https://x.example/path\"]\n",
                "`http.cors_origins[0]`",
            ),
            (
                "[http]\nrequest_timeout_ms = 1000\n",
                "`http.request_timeout_ms`",
            ),
            (
                "[demo]\nlisteners = [\"0.0.0.0:1723\"]\n",
                "`demo.listeners[0]`",
            ),
            (
                "[listen]\nport = 9000\nalt_ports = [9000]\n",
                "`listen.alt_ports[0]`",
            ),
            ("[rate_limit]\nburst = 0\n", "`rate_limit.burst`"),
            ("canary_urls = [\"ftp://x\"]\n", "`canary_urls[0]`"),
            (
                "[seal]\ntrusted_keys = [\"abc\"]\n",
                "`seal.trusted_keys[0]`",
            ),
            (
                "[[servers]]\nname = \"v.example.com\"\nports = [443]\nport_map = { 80 = 8080 }\n",
                "`servers[0].port_map.80`",
            ),
        ];
        for (text, key) in cases {
            let e = err(text);
            assert!(e.contains(key), "{text:?} gave {e}");
        }
        // "1.2.3" is an address in inet_aton's forms (1.2.0.3), so it is accepted.
        assert!(Config::from_toml(
            "[[servers]]\nname = \"v.example.com\"\nexpected = [\"1.2.3\"]\nports = [1]\n",
            "t"
        )
        .is_ok());
        let e = err("[[servers]]\nname = \"v.example.com\"\nexpected = [\"x\"]\nports = [1]\n");
        assert!(e.contains("`servers[0].expected[0]`"), "{e}");
    }

    #[test]
    fn the_admin_token_never_shows_in_debug_output() {
        let c = Config::from_toml("[admin]\ntoken = \"0123456789abcdef-secret\"\n", "t").unwrap();
        assert!(!format!("{c:?}").contains("secret"));
    }

    #[test]
    fn suffixes_and_servers_decide_what_may_be_resolved() {
        let c = Config::from_toml(
            "allowed_suffixes = [\".corp.example.com\"]\n[[servers]]\nname = \"VPN.Example.com.\"\nports = [443]\n",
            "t",
        )
        .unwrap();
        assert!(c.name_allowed(&Target::Host("vpn.example.com".into())));
        assert!(c.name_allowed(&Target::Host("a.corp.example.com".into())));
        assert!(!c.name_allowed(&Target::Host("corp.example.com.evil.test".into())));
        assert!(!c.name_allowed(&Target::Host("xcorp.example.com".into())));
    }

    /// Every key path of a config, from a value with every field filled in.
    fn key_paths(v: &toml::Value, prefix: &str, out: &mut Vec<String>) {
        if let toml::Value::Table(t) = v {
            for (k, child) in t {
                let path = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                match child {
                    toml::Value::Table(_) if k != "static" && k != "port_map" => {
                        key_paths(child, &path, out)
                    }
                    toml::Value::Array(items) if k == "servers" => {
                        key_paths(&items[0], "servers", out)
                    }
                    _ => out.push(path),
                }
            }
        }
    }

    fn every_key() -> Vec<String> {
        let mut raw = RawConfig::default();
        raw.servers.push(RawServer {
            name: "v.example.com".into(),
            expected: vec![],
            ports: vec![1],
            port_map: BTreeMap::new(),
        });
        raw.dist = Some("dist".into());
        raw.admin.token = Some("x".into());
        raw.admin.token_file = Some("f".into());
        let v = toml::Value::try_from(&raw).unwrap();
        let mut out = Vec::new();
        key_paths(&v, "", &mut out);
        out.sort();
        out
    }

    const DOCS: &str = include_str!("../../../../docs/helper.md");
    const EXAMPLE: &str = include_str!("../../../../fixpath.example.toml");

    #[test]
    fn every_key_is_documented_and_in_the_example() {
        let keys = every_key();
        assert!(keys.len() > 30, "{keys:?}");
        let example: toml::Value = toml::from_str(EXAMPLE).unwrap();
        let mut in_example = Vec::new();
        key_paths(&example, "", &mut in_example);
        for key in &keys {
            let leaf = key.rsplit('.').next().unwrap();
            assert!(
                DOCS.contains(&format!("`{leaf}`")),
                "docs/helper.md does not document `{key}`"
            );
            // The example reads its token from a file, the safer of the two.
            if key != "admin.token" {
                assert!(
                    in_example.contains(key),
                    "fixpath.example.toml lacks `{key}`"
                );
            }
        }
    }

    /// With its token file swapped for an inline token (the file is the operator's).
    fn without_token_file(text: &str) -> Result<Config, Invalid> {
        let mut raw: RawConfig =
            toml::from_str(text).map_err(|e| invalid("toml", e.to_string()))?;
        if raw.admin.token_file.take().is_some() {
            raw.admin.token = Some("a-token-of-enough-length".into());
        }
        raw.validate()
    }

    #[test]
    fn the_example_config_is_valid() {
        let c = without_token_file(EXAMPLE).unwrap();
        assert_eq!(c.servers.len(), 2);
        assert!(c.admin_token.is_some());
    }

    #[test]
    fn every_toml_example_in_the_docs_is_valid() {
        let mut blocks = 0;
        for (i, part) in DOCS.split("```toml\n").enumerate().skip(1) {
            let block = part.split("```").next().unwrap();
            if let Err(e) = without_token_file(block) {
                panic!("docs/helper.md toml block {i} is not a valid config: {e:?}\n{block}");
            }
            blocks += 1;
        }
        assert!(blocks >= 10);
    }
}
