//! The VPN servers the operator lists, as the checks use them: the name, the
//! addresses it should resolve to, and the ports a probe may try.

use std::collections::BTreeMap;
use std::net::IpAddr;

use super::names::Target;

/// A VPN server the operator lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Server {
    /// Normalised: lowercase, no trailing dot; an address literal in canonical form.
    pub target: Target,
    pub expected: Vec<IpAddr>,
    pub ports: Vec<u16>,
    pub port_map: BTreeMap<u16, u16>,
}

impl Server {
    /// The port the helper really connects to when asked to probe `port`.
    pub fn connect_port(&self, port: u16) -> u16 {
        self.port_map.get(&port).copied().unwrap_or(port)
    }
}
