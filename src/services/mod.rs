//! All of the app's I/O: the clock, the checks, the page's own address, the clipboard, the
//! team's content (the site and its trees), the reader's language, reading JSON, and `use_answer`, the one way a
//! component waits for async work.

pub mod answer;
pub mod checks;
pub mod clock;
pub mod content;
pub mod http;
pub mod language;
pub mod location;
pub mod page;
pub mod seal;
pub mod status;
pub mod storage;
pub mod wire;
