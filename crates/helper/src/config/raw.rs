//! The configuration file as written: serde structs, with the default of every key
//! a file may leave out, and unknown keys refused by name (`deny_unknown_fields`).
//! Nothing is checked here; [`super::validate`] turns these into a [`super::Config`].

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

// `Serialize` lets the tests list every key of a filled-in config, to compare
// with docs/helper.md and fixpath.example.toml.

/// The whole file; each table is one section.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub(super) struct RawConfig {
    pub(super) servers: Vec<RawServer>,
    pub(super) allowed_suffixes: Vec<String>,
    pub(super) office_ranges: Vec<String>,
    pub(super) canary_urls: Vec<String>,
    pub(super) list_server_names: bool,
    pub(super) dist: Option<PathBuf>,
    pub(super) content: Option<PathBuf>,
    pub(super) listen: RawListen,
    pub(super) dns: RawDns,
    pub(super) targets: RawTargets,
    pub(super) probe: RawProbe,
    pub(super) proxy: RawProxy,
    pub(super) http: RawHttp,
    pub(super) rate_limit: RawRateLimit,
    pub(super) status: RawStatus,
    pub(super) admin: RawAdmin,
    pub(super) seal: RawSeal,
    pub(super) demo: RawDemo,
    pub(super) log: RawLog,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawServer {
    pub(super) name: String,
    #[serde(default)]
    pub(super) expected: Vec<String>,
    pub(super) ports: Vec<u16>,
    /// Probe port P by connecting to port Q (demos, port-forwarded test rigs).
    #[serde(default)]
    pub(super) port_map: BTreeMap<String, u16>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub(super) struct RawListen {
    pub(super) address: String,
    pub(super) port: u16,
    pub(super) alt_ports: Vec<u16>,
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
pub(super) struct RawDns {
    /// `system`, `none` or `nameservers`.
    pub(super) upstream: String,
    pub(super) nameservers: Vec<String>,
    pub(super) timeout_ms: u64,
    pub(super) use_hosts_file: bool,
    #[serde(rename = "static")]
    pub(super) statics: BTreeMap<String, Vec<String>>,
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
pub(super) struct RawTargets {
    pub(super) allow_addresses: Vec<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub(super) struct RawProbe {
    pub(super) connect_timeout_ms: u64,
    pub(super) cache_ttl_ms: u64,
    pub(super) max_in_flight: usize,
    pub(super) sweep_limit: usize,
    pub(super) sweep_window_ms: u64,
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
pub(super) struct RawProxy {
    pub(super) trusted: Vec<String>,
    /// `x-forwarded-for` or `forwarded`: the one header the trusted proxies write.
    pub(super) header: String,
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
pub(super) struct RawHttp {
    pub(super) cors_origins: Vec<String>,
    pub(super) body_limit_bytes: usize,
    pub(super) request_timeout_ms: u64,
    pub(super) header_read_timeout_ms: u64,
    pub(super) idle_timeout_ms: u64,
    pub(super) max_connections: usize,
    pub(super) max_connections_per_client: usize,
    pub(super) max_connection_age_ms: u64,
    pub(super) shutdown_grace_ms: u64,
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
pub(super) struct RawRateLimit {
    pub(super) enabled: bool,
    pub(super) per_second: u32,
    pub(super) burst: u32,
    pub(super) checks_per_second: u32,
    pub(super) checks_burst: u32,
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
pub(super) struct RawLog {
    /// Client addresses in the log cut to their /24 (IPv4) or /48 (IPv6).
    pub(super) mask_addresses: bool,
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
pub(super) struct RawStatus {
    pub(super) file: PathBuf,
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
pub(super) struct RawAdmin {
    pub(super) token: Option<String>,
    pub(super) token_file: Option<PathBuf>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub(super) struct RawSeal {
    pub(super) key_file: PathBuf,
    pub(super) trusted_keys: Vec<String>,
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
pub(super) struct RawDemo {
    pub(super) listeners: Vec<String>,
}
