//! What the helper allows and keeps: per-client rate limits and the sweep limit,
//! the log's privacy (masked addresses, keyed name hashes), the operator's
//! announcement, and the seal's signer. Uses only [`crate::net`].

pub(crate) mod privacy;
pub(crate) mod ratelimit;
pub(crate) mod seal;
pub(crate) mod status;
