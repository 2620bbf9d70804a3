//! The helper's configuration (`fixpath.toml`): the validated form ([`Config`]) the
//! helper runs on, how it is loaded, and why one is refused ([`ConfigError`]).
//! The file as written is in [`raw`], the checks in [`validate`] (one function per
//! section) and [`check`] (single values). Every validation error names the key
//! and says why; every key is documented in `docs/helper.md`.

mod check;
mod raw;
mod validate;

use std::collections::BTreeSet;
use std::fmt::Display;
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::time::Duration;

use ipnet::IpNet;

use crate::net::dns::Dns;
use crate::net::forwarded::Proxy;
use crate::net::names::{self, Target};
use crate::net::servers::Server;
use crate::policy::ratelimit::RateLimit;

/// The embedded default: a self-contained demo on loopback.
const DEFAULT_TOML: &str = include_str!("default.toml");

/// Where an embedded-default error says it came from.
const DEFAULT_ORIGIN: &str = "embedded default config";

/// `[listen]`: the main socket, and the ports that answer ping only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listen {
    pub address: IpAddr,
    pub port: u16,
    pub alt_ports: Vec<u16>,
}

/// `[probe]`: how the helper probes, and how far one client may sweep.
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

/// `[http]`: CORS, limits and timeouts of every connection and request.
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

/// `[seal]`: this helper's key file and the keys it vouches for besides.
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
    /// The content directory (`trees/*.toml`, `brand.toml`); `None`: the shipped content.
    pub content: Option<PathBuf>,
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
            .field("content", &self.content)
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

/// A validation failure before it knows which file it came from; [`ConfigError`]
/// adds the origin.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{key}`: {why}")]
struct Invalid {
    key: String,
    why: String,
}

impl Invalid {
    fn new(key: impl Into<String>, why: impl Display) -> Invalid {
        Invalid {
            key: key.into(),
            why: why.to_string(),
        }
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
        let raw: raw::RawConfig = toml::from_str(text).map_err(|e| ConfigError::Syntax {
            origin: origin.to_string(),
            why: e.to_string().trim_end().to_string(),
        })?;
        validate::config(&raw).map_err(|i| ConfigError::Invalid {
            origin: origin.to_string(),
            key: i.key,
            why: i.why,
        })
    }

    /// Ports the served trees probe that a server does not list in its `ports`, as
    /// (`servers[i]`, port): the app skips those probes (resolve's `probe_ports`
    /// does not offer them), so that check never runs, and the operator is told at
    /// start.
    pub fn unlisted_tree_ports<'t>(
        &self,
        trees: impl IntoIterator<Item = &'t fixpath_core::Tree>,
    ) -> Vec<(String, u16)> {
        use fixpath_core::{catalog::Check, NodeKind};
        let mut ports = BTreeSet::new();
        for tree in trees {
            for node in &tree.nodes {
                if let NodeKind::Check {
                    check: Check::ServerProbe { port },
                    ..
                } = &node.kind
                {
                    ports.insert(*port);
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

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::raw::{RawConfig, RawServer};
    use super::*;
    use crate::net::dns::Upstream;

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
        let shipped = fixpath_core::shipped::trees();
        assert_eq!(
            c.unlisted_tree_ports(&shipped),
            vec![("servers[1]".to_string(), 1723)]
        );
        assert!(Config::embedded_default()
            .unwrap()
            .unlisted_tree_ports(&shipped)
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
        let mut raw: RawConfig = toml::from_str(text).map_err(|e| Invalid::new("toml", e))?;
        if raw.admin.token_file.take().is_some() {
            raw.admin.token = Some("a-token-of-enough-length".into());
        }
        validate::config(&raw)
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
