//! How `fixpath serve` writes its log: tracing-subscriber's own text lines on
//! standard error, filtered by `FIXPATH_LOG` (default `info`), coloured only on a
//! terminal. The access log writes a line per request, so two of the formatter's
//! parts are swapped for cheaper ones the library offers (BENCHMARKS.md,
//! "Logging"): fields through [`debug_fn`], since the default field formatter
//! writes every name and `=` through a style even with colours off (a third of a
//! line's cost), and chrono's RFC 3339 clock, cheaper than the built-in one.
//! Standard error is written directly, one write per line: a non-blocking writer
//! measured no faster. The formatter escapes what a terminal would obey in
//! messages, not in field values: a field that can carry text from outside (a
//! panic's message, an error's detail) is logged through [`Escaped`].

use std::fmt::{self, Write as _};
use std::io::{self, IsTerminal as _};

use tracing::field::Field;
use tracing_subscriber::field::MakeExt as _;
use tracing_subscriber::fmt::format::{debug_fn, Writer};
use tracing_subscriber::fmt::time::ChronoUtc;
use tracing_subscriber::EnvFilter;

/// Installs the global subscriber for `serve`.
pub fn init() {
    let filter = EnvFilter::try_from_env("FIXPATH_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(io::stderr)
        .with_ansi(io::stderr().is_terminal())
        .with_timer(ChronoUtc::rfc_3339())
        .fmt_fields(debug_fn(field).delimited(" "))
        .init();
}

/// One field as the default field formatter writes it without colours: the
/// message as it is (what a terminal would obey escaped), any other `name=value`,
/// and nothing of the `log.` fields a record bridged from the `log` crate carries
/// (the line already shows its target).
fn field(w: &mut Writer<'_>, field: &Field, value: &dyn fmt::Debug) -> fmt::Result {
    match field.name() {
        "message" => write!(Escaping::new(w, false), "{value:?}"),
        name if name.starts_with("log.") => Ok(()),
        name => write!(w, "{}={value:?}", name.strip_prefix("r#").unwrap_or(name)),
    }
}

/// A field value shown on one line with every control character escaped (the
/// formatter writes `%value` fields as they are, so a line break or an escape
/// sequence in them would forge a line or drive the operator's terminal).
pub(crate) struct Escaped<'a>(pub(crate) &'a str);

impl fmt::Display for Escaped<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        Escaping::new(f, true).write_str(self.0)
    }
}

/// Escapes what a terminal would take as a command (ESC, BEL, BS, FF, DEL, CR and
/// the other C0 and C1 controls). With `one_line`, line breaks and tabs too, for a
/// value that must stay on its line (a log field; `fixpath decode` prints a link's
/// server name and key id this way).
pub(crate) struct Escaping<'a, W> {
    out: &'a mut W,
    one_line: bool,
}

impl<'a, W> Escaping<'a, W> {
    pub(crate) fn new(out: &'a mut W, one_line: bool) -> Self {
        Escaping { out, one_line }
    }
}

impl<W: fmt::Write> fmt::Write for Escaping<'_, W> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let one_line = self.one_line;
        let mut rest = s;
        // Every control character a terminal could act on (C0, DEL, C1: a CR can
        // overwrite a line, SO switch the character set); a line break and a tab
        // stay as they are unless the text must keep to one line.
        while let Some(at) =
            rest.find(|c: char| c.is_control() && (one_line || !matches!(c, '\n' | '\t')))
        {
            self.out.write_str(&rest[..at])?;
            let Some(c) = rest[at..].chars().next() else {
                break;
            };
            match c {
                '\x1b' => self.out.write_str("\\x1b")?,
                '\x07' => self.out.write_str("\\x07")?,
                '\x08' => self.out.write_str("\\x08")?,
                '\x0c' => self.out.write_str("\\x0c")?,
                '\x7f' => self.out.write_str("\\x7f")?,
                '\n' => self.out.write_str("\\n")?,
                '\r' => self.out.write_str("\\r")?,
                '\t' => self.out.write_str("\\t")?,
                c => write!(self.out, "\\u{{{:x}}}", u32::from(c))?,
            }
            rest = &rest[at + c.len_utf8()..];
        }
        self.out.write_str(rest)
    }
}

/// `text` with what a terminal would obey escaped (and, with `one_line`, line
/// breaks and tabs too), for `fixpath decode`.
pub(crate) fn escape_terminal(text: &str, one_line: bool) -> String {
    let mut out = String::with_capacity(text.len());
    let _ = Escaping::new(&mut out, one_line).write_str(text);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};
    use tracing_subscriber::fmt::time::FormatTime;

    #[test]
    fn escaped_values_keep_to_one_line_and_drive_no_terminal() {
        let text = "a\x1b[31mred\x1b[0m\r\nINFO forged\tline\x07\u{9b}é";
        assert_eq!(
            Escaped(text).to_string(),
            "a\\x1b[31mred\\x1b[0m\\r\\nINFO forged\\tline\\x07\\u{9b}é"
        );
        assert_eq!(escape_terminal("two\nlines\x0e", false), "two\nlines\\u{e}");
    }

    #[derive(Clone, Default)]
    struct Sink(Arc<Mutex<Vec<u8>>>);

    impl io::Write for Sink {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    /// A clock that always says the same.
    struct Fixed;

    impl FormatTime for Fixed {
        fn format_time(&self, w: &mut Writer<'_>) -> fmt::Result {
            w.write_str("2000-01-01T00:00:00Z")
        }
    }

    fn events() {
        let peer = std::net::Ipv4Addr::new(192, 0, 2, 0);
        tracing::info!(method = %"GET", route = %"/api/v1/ping", status = 200u16, ms = 3u64, client = %peer, "request");
        tracing::warn!(
            big = u128::MAX,
            neg = -4i64,
            ok = true,
            f = 1.5f64,
            "numbers"
        );
        tracing::info!(r#type = "A", text = "quoted \"x\"\n", "raw names");
        tracing::error!("a \x1b[31mred\x1b[0m bell\x07 c1\u{9b} message: {}", 7);
        tracing::info!(only = 1u64);
        tracing::debug!(?peer, "debug values");
        let e = io::Error::other("disk full");
        tracing::warn!(error = %e, "a failure");
        let outer = tracing::info_span!("outer", id = 7u64, name = %"x y");
        let _o = outer.enter();
        tracing::info!("in one span");
        let inner = tracing::debug_span!("inner");
        let _i = inner.enter();
        tracing::trace!(deep = true, "in two spans");
    }

    fn render(ours: bool) -> String {
        let sink = Sink::default();
        let writer = sink.clone();
        let builder = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_ansi(false)
            .with_timer(Fixed)
            .with_writer(move || writer.clone());
        if ours {
            let s = builder.fmt_fields(debug_fn(field).delimited(" ")).finish();
            tracing::subscriber::with_default(s, events);
        } else {
            tracing::subscriber::with_default(builder.finish(), events);
        }
        let text = String::from_utf8(sink.0.lock().unwrap().clone()).unwrap();
        text
    }

    #[test]
    fn fields_are_written_as_the_default_field_formatter_writes_them() {
        let ours = render(true);
        assert_eq!(ours, render(false));
        assert!(
            ours.contains(" INFO fixpath_helper::logging::tests: request method=GET route=/api/v1/ping status=200 ms=3 client=192.0.2.0\n"),
            "{ours}"
        );
        assert!(ours.contains("outer{id=7 name=x y}:inner: "), "{ours}");
        assert!(ours.contains("type=\"A\""), "{ours}");
        assert!(ours.contains("\\x1b[31mred"), "escaped: {ours}");
        assert!(!ours.contains('\x1b'), "{ours}");
    }

    #[test]
    fn the_clock_writes_rfc_3339_in_utc() {
        let mut s = String::new();
        ChronoUtc::rfc_3339()
            .format_time(&mut Writer::new(&mut s))
            .unwrap();
        assert!(s.ends_with("+00:00"), "{s}");
        assert_eq!(s.as_bytes()[10], b'T', "{s}");
    }
}
