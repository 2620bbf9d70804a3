//! The Fixpath helper as a library. `main.rs` only parses arguments; tests drive
//! [`app`] with `tower::ServiceExt::oneshot` and [`server::start`] on loopback.
//!
//! The modules are layers, each importing only the ones before it:
//! [`net`] (names, ranges, resolution, probes, forwarding headers) →
//! [`policy`] (rate limits, privacy, the announcement, the seal) →
//! [`config`] (the file's raw form, validated into settings of those layers) →
//! [`content`] (trees and brand: loaded, linted, reloaded, every version kept) →
//! [`state`] (everything a request needs, built once) →
//! [`http`] (routers, layers, handlers, the built app) →
//! [`server`] (sockets, connections and their caps); [`cli`] (lint, decode) and
//! [`logging`] stand beside them.

// Inside the crate, `pub(crate)` says what the rest of the crate uses; `pub` is
// for what main.rs, the tests and the bench reach through the items below.
#![warn(unreachable_pub)]

pub mod cli;
mod config;
mod content;
mod http;
pub mod logging;
mod net;
mod policy;
pub mod server;
mod state;

pub use config::Config;
pub use content::{Content, ContentError};
pub use http::{alt_app, app, layered};
pub use net::probe::{Connect, ConnectFuture, Outcome, TcpConnect};
pub use state::dist::INDEX;
pub use state::{embedded, AppState};
