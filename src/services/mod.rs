//! All of the app's I/O: the clock, the checks, the page's own address, the clipboard.

pub mod checks;
pub mod clock;
pub mod http;
pub mod page;
pub mod seal;
pub mod status;
pub mod storage;
