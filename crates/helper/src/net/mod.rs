//! The network layer, with no HTTP framework in it: server names and the address
//! ranges a check may reach, name resolution, TCP probes, the listed servers, and
//! who the client is behind trusted proxies. Depends on nothing else in the crate.

pub(crate) mod dns;
pub(crate) mod forwarded;
pub(crate) mod names;
pub(crate) mod probe;
pub(crate) mod ranges;
pub(crate) mod servers;
