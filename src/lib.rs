//! Fixpath web app: the guided troubleshooter and the read-only findings report.
//! Components render and dispatch typed actions; all I/O lives in `services`.

pub mod app;
pub mod components;
pub mod i18n;
pub mod route;
pub mod services;
pub mod state;
