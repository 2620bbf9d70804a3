//! The app's components, one per file, each with its props beside it.

pub mod advice_step;
pub mod check_step;
pub mod code_view;
pub mod findings_view;
pub mod flow;
pub mod flow_page;
pub mod home;
pub mod load_error;
pub mod not_found;
pub mod outcome_step;
pub mod progress_bar;
pub mod qr_code;
pub mod question_step;
pub mod report;
