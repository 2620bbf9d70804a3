//! Name resolution for VPN server names: the config's static entries first, then a
//! real resolver (hickory) when the operator allows one. A/AAAA only. Address
//! literals (in every form the system resolver takes) resolve to themselves.

use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use hickory_resolver::config::{
    ConnectionConfig, LookupIpStrategy, NameServerConfig, ResolveHosts, ResolverConfig,
};
use hickory_resolver::net::runtime::TokioRuntimeProvider;
use hickory_resolver::{Resolver as Hickory, TokioResolver};

use crate::net::names::Target;

/// Where names that are not static entries are resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Upstream {
    /// The operating system's resolver configuration (`/etc/resolv.conf`).
    System,
    /// Static entries only: no DNS query is ever sent.
    None,
    /// These nameservers.
    Nameservers(Vec<SocketAddr>),
}

/// How names are resolved: the upstream, its timeout, the hosts file, static entries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dns {
    pub upstream: Upstream,
    pub timeout: Duration,
    pub use_hosts_file: bool,
    pub statics: BTreeMap<String, Vec<IpAddr>>,
}

/// Why a name could not be resolved (a name that does not exist is not an error:
/// it resolves to no addresses).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DnsError {
    #[error("the DNS server did not answer in time")]
    Timeout,
    #[error("DNS lookup failed: {0}")]
    Failed(String),
}

/// Why the resolver the config asks for could not be built (at start).
#[derive(Debug, thiserror::Error)]
pub enum ResolverError {
    #[error("dns.upstream = \"system\": cannot read the system resolver configuration: {0}")]
    SystemConfig(#[source] hickory_resolver::net::NetError),
    #[error("dns: {0}")]
    Build(#[source] hickory_resolver::net::NetError),
}

/// The helper's resolver.
pub struct Resolver {
    statics: BTreeMap<String, Vec<IpAddr>>,
    upstream: Option<TokioResolver>,
    timeout: Duration,
}

impl Resolver {
    /// Builds the resolver the config asks for. `system` reads the OS resolver
    /// configuration now, so a broken one stops the helper at start.
    pub fn new(cfg: &Dns) -> Result<Resolver, ResolverError> {
        let upstream = match &cfg.upstream {
            Upstream::None => None,
            Upstream::System => {
                let mut b = TokioResolver::builder_tokio().map_err(ResolverError::SystemConfig)?;
                tune(b.options_mut(), cfg);
                Some(b.build().map_err(ResolverError::Build)?)
            }
            Upstream::Nameservers(list) => {
                let servers = list
                    .iter()
                    .map(|sa| {
                        let mut udp = ConnectionConfig::udp();
                        udp.port = sa.port();
                        let mut tcp = ConnectionConfig::tcp();
                        tcp.port = sa.port();
                        NameServerConfig::new(sa.ip(), true, vec![udp, tcp])
                    })
                    .collect();
                // No search domains: a server name is asked exactly as configured.
                let rc = ResolverConfig::from_parts(None, Vec::new(), servers);
                let mut b = Hickory::builder_with_config(rc, TokioRuntimeProvider::default());
                tune(b.options_mut(), cfg);
                Some(b.build().map_err(ResolverError::Build)?)
            }
        };
        Ok(Resolver {
            statics: cfg.statics.clone(),
            upstream,
            timeout: cfg.timeout,
        })
    }

    /// The addresses of `target`, in the order the answer gave them, without repeats.
    pub async fn resolve(&self, target: &Target) -> Result<Vec<IpAddr>, DnsError> {
        let name = match target {
            Target::Ip(a) => return Ok(vec![*a]),
            Target::Host(h) => h,
        };
        if let Some(addrs) = self.statics.get(name) {
            return Ok(addrs.clone());
        }
        let Some(upstream) = &self.upstream else {
            return Ok(Vec::new());
        };
        // Fully qualified, so no search domain is tried.
        let fqdn = format!("{name}.");
        match tokio::time::timeout(self.timeout, upstream.lookup_ip(fqdn.as_str())).await {
            Err(_) => Err(DnsError::Timeout),
            Ok(Ok(lookup)) => {
                let mut out: Vec<IpAddr> = Vec::new();
                for a in lookup.iter() {
                    if !out.contains(&a) {
                        out.push(a);
                    }
                }
                Ok(out)
            }
            Ok(Err(e)) if e.is_no_records_found() || e.is_nx_domain() => Ok(Vec::new()),
            Ok(Err(e)) => Err(DnsError::Failed(e.to_string())),
        }
    }
}

fn tune(opts: &mut hickory_resolver::config::ResolverOpts, cfg: &Dns) {
    opts.ip_strategy = LookupIpStrategy::Ipv4AndIpv6;
    opts.timeout = cfg.timeout / 2;
    opts.attempts = 2;
    opts.ndots = 0;
    opts.use_hosts_file = if cfg.use_hosts_file {
        ResolveHosts::Always
    } else {
        ResolveHosts::Never
    };
}
