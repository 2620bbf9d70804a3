//! The network layer, with no HTTP framework in it: server names and the address
//! ranges a check may reach, name resolution, TCP probes, the listed servers, and
//! who the client is behind trusted proxies. Depends on nothing else in the crate.

pub mod dns;
pub mod forwarded;
pub mod names;
pub mod probe;
pub mod ranges;
pub mod servers;
