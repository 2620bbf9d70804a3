//! Fixpath core: the tree model and lint, the engine, findings and the link codec.
//! Pure Rust: no I/O, no clock, no randomness; compiles natively and to wasm32.
//! `api` holds the helper's HTTP types, shared by the helper and the app.

pub mod api;
pub mod b64;
pub mod catalog;
pub mod code;
pub mod content;
pub mod engine;
pub mod findings;
pub mod i18n;
pub mod link;
#[cfg(feature = "source")]
pub mod lint;
pub mod model;
#[cfg(feature = "precompress")]
pub mod precompress;
pub mod seal;
#[cfg(feature = "source")]
pub mod shipped;
pub mod translation;
pub mod verdict;

pub use catalog::{Check, CheckName};
pub use engine::{Action, CheckResult, Detail, EngineError, Entry, Session};
pub use model::{CheckOutcome, NodeIdx, NodeKind, Tree};
