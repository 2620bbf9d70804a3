//! What the helper allows and keeps: per-client rate limits and the sweep limit,
//! the log's privacy (masked addresses, keyed name hashes), the operator's
//! announcement, and the seal's signer. Uses only [`crate::net`].

pub mod privacy;
pub mod ratelimit;
pub mod seal;
pub mod status;
