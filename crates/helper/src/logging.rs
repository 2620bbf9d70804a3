//! How `fixpath serve` writes its log: tracing-subscriber's usual text lines on
//! standard error, filtered by `FIXPATH_LOG` (default `info`). The access log
//! writes a line per request, so several things keep that cheap. A runtime worker
//! collects its lines while it is busy and writes them when it goes idle (or has
//! [`BATCH`] bytes): a busy helper makes one write every few dozen requests, not
//! one per request, and its threads do not queue for standard error's lock; an
//! idle one writes each line at once. And when standard error is not a terminal
//! (a service manager, a file, a bench), the same lines are written by a lean
//! field formatter and a clock that formats the date once a second: the stock
//! formatter's styling machinery (a no-op without colours, but still run per
//! field) and date arithmetic cost about as much as serving the request itself.
//! The access line itself goes further ([`access_fast`]): the same text, written
//! without tracing's per-field visitor calls, wherever that plain subscriber is in
//! charge.

use std::cell::{Cell, RefCell};
use std::fmt::{self, Write as _};
use std::io;
use std::time::{SystemTime, UNIX_EPOCH};

use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::field::RecordFields;
use tracing_subscriber::fmt::format::{Format, Writer};
use tracing_subscriber::fmt::time::FormatTime;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields, FormattedFields, MakeWriter};
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::EnvFilter;

/// Installs the global subscriber for `serve`. Its runtime
/// ([`crate::server::runtime`]) calls [`worker_idle`] when a worker parks and
/// [`thread_stop`] when a thread ends.
pub fn init() {
    let filter = EnvFilter::try_from_env("FIXPATH_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    if io::IsTerminal::is_terminal(&io::stderr()) {
        tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_writer(Batched)
            .with_ansi(true)
            .init();
    } else {
        tracing_subscriber::util::SubscriberInitExt::init(plain_subscriber(filter));
    }
}

/// The subscriber for a standard error that is not a terminal: plain lines.
fn plain_subscriber(filter: EnvFilter) -> PlainSubscriber {
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(Batched)
        .with_ansi(false)
        .event_format(PlainLine(UtcMicros))
        .fmt_fields(PlainFields)
        .finish()
}

// ---------------------------------------------------------------------------------
// Writing.

/// Bytes of lines a busy worker collects before it writes them anyway.
pub const BATCH: usize = 8 * 1024;

/// One thread's lines not yet written. Only threads that have parked as runtime
/// workers collect (they write whenever they go idle); any other thread writes
/// each line at once.
#[derive(Default)]
struct Pending {
    lines: Vec<u8>,
    collecting: bool,
}

impl Pending {
    /// Takes one whole line (tracing-subscriber writes each event in one call).
    fn line(&mut self, line: &[u8], out: &mut impl io::Write) {
        if !self.collecting {
            let _ = out.write_all(line);
            return;
        }
        if self.lines.len() + line.len() > BATCH {
            self.write(out);
        }
        self.lines.extend_from_slice(line);
    }

    /// Writes what was collected, whole lines in one call.
    fn write(&mut self, out: &mut impl io::Write) {
        if !self.lines.is_empty() {
            // A log that cannot be written is not a reason to stop serving.
            let _ = out.write_all(&self.lines);
            self.lines.clear();
        }
    }
}

impl Drop for Pending {
    fn drop(&mut self) {
        self.write(&mut io::stderr());
    }
}

thread_local! {
    static PENDING: RefCell<Pending> = RefCell::new(Pending::default());
}

/// Runtime hook: a worker is about to go idle, so its lines are written now, and
/// from now on it collects them while busy.
pub fn worker_idle() {
    let _ = PENDING.try_with(|p| {
        if let Ok(mut p) = p.try_borrow_mut() {
            p.collecting = true;
            p.write(&mut io::stderr());
        }
    });
}

/// Runtime hook: a thread ends; its lines are written.
pub fn thread_stop() {
    let _ = PENDING.try_with(|p| {
        if let Ok(mut p) = p.try_borrow_mut() {
            p.write(&mut io::stderr());
            p.collecting = false;
        }
    });
}

/// The subscriber's writer: standard error, through this thread's [`Pending`].
#[derive(Debug, Clone, Copy, Default)]
pub struct Batched;

impl io::Write for Batched {
    fn write(&mut self, line: &[u8]) -> io::Result<usize> {
        let done = PENDING.try_with(|p| match p.try_borrow_mut() {
            Ok(mut p) => p.line(line, &mut io::stderr()),
            Err(_) => {
                let _ = io::stderr().write_all(line);
            }
        });
        if done.is_err() {
            // The thread is ending and its buffer is gone: straight out.
            io::stderr().write_all(line)?;
        }
        Ok(line.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Batched {
    type Writer = Batched;
    fn make_writer(&'a self) -> Batched {
        Batched
    }
}

// ---------------------------------------------------------------------------------
// The access log's own path.

/// What [`init`] installs when standard error is not a terminal.
type PlainSubscriber =
    tracing_subscriber::fmt::Subscriber<PlainFields, PlainLine<UtcMicros>, EnvFilter, Batched>;

/// One access-log line's fields, in the order they are written.
pub struct AccessLine<'a> {
    pub method: &'a str,
    pub route: &'a dyn fmt::Display,
    pub status: u16,
    pub ms: u64,
    pub client: &'a dyn fmt::Display,
}

thread_local! {
    /// The line being built, reused (its capacity stays with the thread).
    static SCRATCH: RefCell<String> = const { RefCell::new(String::new()) };
}

/// Writes an INFO access-log line from `target` exactly as the plain subscriber
/// would (`tracing::info!(method, route, status, ms, client, "request")`), without
/// tracing's per-field visitor and formatter calls: the line is a tenth of the
/// request's own work, and most of that was the machinery, not the text. Done only
/// where that subscriber is the one in charge and no span is open; `false`
/// otherwise (a terminal's coloured lines, a test's subscriber), and the caller
/// logs through tracing. The caller has already asked the filter
/// (`tracing::enabled!`).
pub fn access_fast(target: &str, line: &AccessLine<'_>) -> bool {
    access_fast_to(target, line, |text| {
        let _ = io::Write::write_all(&mut Batched, text);
    })
}

/// [`access_fast`], handing the line to `emit`.
fn access_fast_to(target: &str, line: &AccessLine<'_>, emit: impl FnOnce(&[u8])) -> bool {
    let ours = tracing::dispatcher::get_default(|d| {
        d.is::<PlainSubscriber>() && d.current_span().id().is_none()
    });
    if !ours {
        return false;
    }
    let Ok(now) = SystemTime::now().duration_since(UNIX_EPOCH) else {
        return false;
    };
    SCRATCH
        .try_with(|scratch| {
            let Ok(mut text) = scratch.try_borrow_mut() else {
                return false;
            };
            text.clear();
            let written = write_timestamp(&mut *text, now.as_secs(), now.subsec_micros())
                .and_then(|()| write_access(&mut text, target, line));
            if written.is_ok() {
                emit(text.as_bytes());
            }
            written.is_ok()
        })
        .unwrap_or(false)
}

/// The access line after its timestamp, as [`PlainLine`] and [`PlainFields`] write it.
fn write_access(out: &mut String, target: &str, line: &AccessLine<'_>) -> fmt::Result {
    out.push(' ');
    out.push_str(level_text(Level::INFO));
    out.push(' ');
    out.push_str(target);
    out.push_str(": request method=");
    out.push_str(line.method);
    out.push_str(" route=");
    write!(out, "{}", line.route)?;
    out.push_str(" status=");
    push_u64(out, u64::from(line.status));
    out.push_str(" ms=");
    push_u64(out, line.ms);
    out.push_str(" client=");
    write!(out, "{}", line.client)?;
    out.push('\n');
    Ok(())
}

/// A number's decimal digits.
fn push_u64(out: &mut String, value: u64) {
    let mut digits = [0u8; 20];
    let at = digits_of(value, &mut digits);
    for &d in &digits[at..] {
        out.push(char::from(d));
    }
}

/// Writes `value`'s decimal digits at the end of `digits`; returns where they start.
fn digits_of(value: u64, digits: &mut [u8; 20]) -> usize {
    let mut at = digits.len();
    let mut v = value;
    loop {
        at -= 1;
        // A digit: below 10.
        digits[at] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            return at;
        }
    }
}

// ---------------------------------------------------------------------------------
// The line.

/// A line as tracing-subscriber's default (`Full`) format writes it without
/// colours: `time level spans target: fields`, written directly instead of through
/// its styling wrappers. Records bridged from the `log` crate go to the stock
/// format, which knows how to show their own target and level.
pub struct PlainLine<T>(pub T);

/// The level as the stock format pads it.
fn level_text(level: Level) -> &'static str {
    match level {
        Level::TRACE => "TRACE",
        Level::DEBUG => "DEBUG",
        Level::INFO => " INFO",
        Level::WARN => " WARN",
        Level::ERROR => "ERROR",
    }
}

impl<S, N, T> FormatEvent<S, N> for PlainLine<T>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
    T: FormatTime + Clone,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, N>,
        mut w: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        let meta = event.metadata();
        if meta.fields().field("log.target").is_some() {
            return Format::default()
                .with_ansi(false)
                .with_timer(self.0.clone())
                .format_event(ctx, w, event);
        }
        if self.0.format_time(&mut w).is_err() {
            w.write_str("<unknown time>")?;
        }
        w.write_char(' ')?;
        w.write_str(level_text(*meta.level()))?;
        w.write_char(' ')?;
        if let Some(scope) = ctx.event_scope() {
            let mut seen = false;
            for span in scope.from_root() {
                seen = true;
                w.write_str(span.metadata().name())?;
                let ext = span.extensions();
                if let Some(fields) = ext.get::<FormattedFields<N>>() {
                    if !fields.is_empty() {
                        write!(w, "{{{fields}}}")?;
                    }
                }
                w.write_char(':')?;
            }
            if seen {
                w.write_char(' ')?;
            }
        }
        w.write_str(meta.target())?;
        w.write_str(": ")?;
        ctx.format_fields(w.by_ref(), event)?;
        w.write_char('\n')
    }
}

// ---------------------------------------------------------------------------------
// The clock.

/// `2025-01-31T12:34:56.789012Z`, as tracing-subscriber's `SystemTime` writes it,
/// with the date and time of day formatted once per second and thread.
#[derive(Debug, Clone, Copy, Default)]
pub struct UtcMicros;

/// `YYYY-MM-DDTHH:MM:SS.` of one second.
type Prefix = [u8; 20];

thread_local! {
    static SECOND: Cell<(u64, Prefix)> = const { Cell::new((u64::MAX, [0; 20])) };
}

/// The civil date of a day count since 1970-01-01 (proleptic Gregorian; Howard
/// Hinnant's `civil_from_days`).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    // Both are small and positive by construction.
    let day = u32::try_from(doy - (153 * mp + 2) / 5 + 1).unwrap_or(1);
    let month = u32::try_from(if mp < 10 { mp + 3 } else { mp - 9 }).unwrap_or(1);
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// The prefix of one second since the epoch, or `None` past year 9999.
fn prefix_of(secs: u64) -> Option<Prefix> {
    let days = i64::try_from(secs / 86_400).ok()?;
    let (year, month, day) = civil_from_days(days);
    if year > 9999 {
        return None;
    }
    let rest = secs % 86_400;
    let mut p = [0u8; 20];
    let mut w = &mut p[..];
    std::io::Write::write_fmt(
        &mut w,
        format_args!(
            "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.",
            rest / 3600,
            rest / 60 % 60,
            rest % 60
        ),
    )
    .ok()?;
    Some(p)
}

/// The timestamp of `since_epoch` as text, into `out`.
fn write_timestamp(out: &mut impl fmt::Write, secs: u64, micros: u32) -> fmt::Result {
    let cached = SECOND.with(Cell::get);
    let prefix = if cached.0 == secs {
        cached.1
    } else {
        let p = prefix_of(secs).ok_or(fmt::Error)?;
        SECOND.with(|c| c.set((secs, p)));
        p
    };
    let mut text = [0u8; 27];
    text[..20].copy_from_slice(&prefix);
    let mut m = micros;
    for slot in text[20..26].iter_mut().rev() {
        // A digit: `m % 10` is below 10.
        *slot = b'0' + (m % 10) as u8;
        m /= 10;
    }
    text[26] = b'Z';
    out.write_str(std::str::from_utf8(&text).map_err(|_| fmt::Error)?)
}

impl FormatTime for UtcMicros {
    fn format_time(&self, w: &mut Writer<'_>) -> fmt::Result {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_err(|_| fmt::Error)?;
        write_timestamp(w, now.as_secs(), now.subsec_micros())
    }
}

// ---------------------------------------------------------------------------------
// The fields.

/// Fields as tracing-subscriber's `DefaultFields` writes them without colours:
/// the message first as it is (control characters a terminal would obey escaped),
/// then `name=value` separated by spaces.
#[derive(Debug, Clone, Copy, Default)]
pub struct PlainFields;

impl<'w> FormatFields<'w> for PlainFields {
    fn format_fields<R: RecordFields>(&self, writer: Writer<'w>, fields: R) -> fmt::Result {
        let mut v = PlainVisitor {
            sanitize: writer.sanitizes_ansi_escapes(),
            writer,
            empty: true,
            result: Ok(()),
        };
        fields.record(&mut v);
        v.result
    }
}

struct PlainVisitor<'w> {
    writer: Writer<'w>,
    sanitize: bool,
    empty: bool,
    result: fmt::Result,
}

impl PlainVisitor<'_> {
    /// Starts a field: the separating space, and `name=` unless it is the message.
    /// `Some(true)` for the message, `Some(false)` for any other field, `None` when
    /// the value is not to be written (skipped, or writing already failed).
    fn begin(&mut self, field: &Field) -> Option<bool> {
        if self.result.is_err() {
            return None;
        }
        let name = field.name();
        // Log records' metadata, already shown by the line itself.
        if name.starts_with("log.") {
            return None;
        }
        if !self.empty {
            self.result = self.writer.write_char(' ');
        }
        self.empty = false;
        let message = name == "message";
        if !message {
            let name = name.strip_prefix("r#").unwrap_or(name);
            self.result = self
                .result
                .and_then(|()| self.writer.write_str(name))
                .and_then(|()| self.writer.write_char('='));
        }
        self.result.is_ok().then_some(message)
    }
}

impl Visit for PlainVisitor<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.record_debug(field, &format_args!("{value}"));
        } else {
            self.record_debug(field, &value);
        }
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        // A number needs no escaping, and reads the same through Debug.
        if self.begin(field).is_some() {
            let mut digits = [0u8; 20];
            let at = digits_of(value, &mut digits);
            self.result = std::str::from_utf8(&digits[at..])
                .map_err(|_| fmt::Error)
                .and_then(|text| self.writer.write_str(text));
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.result = match self.begin(field) {
            None => return,
            Some(false) => write!(self.writer, "{value:?}"),
            Some(true) if self.sanitize => {
                write!(Escaping::new(&mut self.writer, false), "{value:?}")
            }
            Some(true) => write!(self.writer, "{value:?}"),
        };
    }
}

/// Escapes what a terminal would take as a command (ESC, BEL, BS, FF, DEL and the
/// C1 controls), as tracing-subscriber does for messages. With `one_line`, line
/// breaks and every other control character too, for a value that must stay on its
/// line (`fixpath decode` prints a link's server name and key id this way).
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

/// `text` with what a terminal would obey escaped, as the log escapes messages
/// (and, with `one_line`, line breaks and other controls too).
pub fn escape_terminal(text: &str, one_line: bool) -> String {
    let mut out = String::with_capacity(text.len());
    let _ = fmt::Write::write_str(&mut Escaping::new(&mut out, one_line), text);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    #[test]
    fn lines_are_collected_only_by_workers_and_written_whole() {
        let mut out = Vec::new();
        let mut p = Pending::default();
        p.line(b"first\n", &mut out);
        assert_eq!(out, b"first\n", "not a worker: at once");
        p.collecting = true;
        p.line(b"second\n", &mut out);
        p.line(b"third\n", &mut out);
        assert_eq!(out, b"first\n", "a busy worker collects");
        p.write(&mut out);
        assert_eq!(out, b"first\nsecond\nthird\n");
        // Never more than a batch in memory, and never a line split.
        out.clear();
        let line = [b'x'; 1000];
        for _ in 0..20 {
            p.line(&line, &mut out);
        }
        assert!(p.lines.len() <= BATCH);
        assert_eq!(out.len() % 1000, 0);
        p.write(&mut out);
        assert_eq!(out.len(), 20_000);
    }

    #[test]
    fn civil_dates() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
        assert_eq!(civil_from_days(19_675), (2023, 11, 14));
        assert_eq!(civil_from_days(-1), (1969, 12, 31));
        let mut s = String::new();
        write_timestamp(&mut s, 1_700_000_000, 42).unwrap();
        assert_eq!(s, "2023-11-14T22:13:20.000042Z");
        let mut s = String::new();
        write_timestamp(&mut s, 951_868_799, 999_999).unwrap();
        assert_eq!(s, "2000-02-29T23:59:59.999999Z");
        assert!(prefix_of(253_402_300_800).is_none(), "year 10000");
    }

    #[test]
    fn the_clock_agrees_with_tracing_subscribers() {
        let theirs = || {
            let mut s = String::new();
            tracing_subscriber::fmt::time::SystemTime
                .format_time(&mut Writer::new(&mut s))
                .unwrap();
            s
        };
        let before = theirs();
        let mut ours = String::new();
        UtcMicros.format_time(&mut Writer::new(&mut ours)).unwrap();
        let after = theirs();
        assert_eq!(ours.len(), before.len());
        // The same second as one of the readings around it.
        assert!(
            ours[..19] == before[..19] || ours[..19] == after[..19],
            "{before} {ours} {after}"
        );
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

    fn events() {
        let route = "/api/v1/ping";
        let peer = std::net::Ipv4Addr::new(192, 0, 2, 0);
        tracing::info!(method = %"GET", %route, status = 200u16, ms = 3u64, client = %peer, "request");
        tracing::warn!(
            status = 503u16,
            big = u128::MAX,
            neg = -4i64,
            ok = true,
            f = 1.5f64,
            "request"
        );
        tracing::info!(r#type = "A", text = "quoted \"x\"\n", "raw names");
        tracing::error!("a \x1b[31mred\x1b[0m bell\x07 c1\u{9b} message: {}", 7);
        tracing::info!(only = 1u64);
        tracing::debug!(?peer, "debug values");
        let e = io::Error::other("disk full");
        tracing::warn!(error = %e, "a failure");
        tracing::info!(n = 0u64, max = u64::MAX, "numbers");
        let outer = tracing::info_span!("outer", id = 7u64, name = %"x y");
        let _o = outer.enter();
        tracing::info!("in one span");
        let inner = tracing::debug_span!("inner");
        let _i = inner.enter();
        tracing::trace!(deep = true, "in two spans");
    }

    /// A clock that always says the same.
    #[derive(Clone)]
    struct Fixed;

    impl FormatTime for Fixed {
        fn format_time(&self, w: &mut Writer<'_>) -> fmt::Result {
            w.write_str("2000-01-01T00:00:00.000000Z")
        }
    }

    fn render(plain: bool) -> String {
        let sink = Sink::default();
        let writer = sink.clone();
        let builder = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_ansi(false)
            .with_timer(Fixed)
            .with_writer(move || writer.clone());
        if plain {
            let s = builder
                .event_format(PlainLine(Fixed))
                .fmt_fields(PlainFields)
                .finish();
            tracing::subscriber::with_default(s, events);
        } else {
            let s = builder.finish();
            tracing::subscriber::with_default(s, events);
        }
        let text = String::from_utf8(sink.0.lock().unwrap().clone()).unwrap();
        text
    }

    fn access_line<'a>(
        route: &'a dyn fmt::Display,
        client: &'a std::net::Ipv4Addr,
    ) -> AccessLine<'a> {
        AccessLine {
            method: "GET",
            route,
            status: 200,
            ms: 3,
            client,
        }
    }

    #[test]
    fn the_access_logs_own_path_writes_the_plain_subscribers_line() {
        let peer = std::net::Ipv4Addr::new(192, 0, 2, 0);
        for (route, ms, status) in [
            ("/api/v1/ping", 3u64, 200u16),
            ("(app path, 7 bytes)", 0, 404),
        ] {
            let sink = Sink::default();
            let writer = sink.clone();
            let s = tracing_subscriber::fmt()
                .with_writer(move || writer.clone())
                .with_ansi(false)
                .event_format(PlainLine(Fixed))
                .fmt_fields(PlainFields)
                .finish();
            tracing::subscriber::with_default(s, || {
                tracing::info!(method = %"GET", %route, status, ms, client = %peer, "request");
            });
            let theirs = String::from_utf8(sink.0.lock().unwrap().clone()).unwrap();
            let mut ours = String::from("2000-01-01T00:00:00.000000Z");
            let line = AccessLine {
                ms,
                status,
                ..access_line(&route, &peer)
            };
            write_access(&mut ours, module_path!(), &line).unwrap();
            assert_eq!(ours, theirs);
        }
    }

    #[test]
    fn the_own_path_is_taken_only_under_the_plain_subscriber_outside_spans() {
        let peer = std::net::Ipv4Addr::new(192, 0, 2, 0);
        let line = access_line(&"/api/v1/ping", &peer);
        let taken = || {
            let mut got = Vec::new();
            let done = access_fast_to("t", &line, |text| got.extend_from_slice(text));
            assert_eq!(
                done,
                !got.is_empty(),
                "a line is written exactly when taken"
            );
            (done, String::from_utf8(got).unwrap())
        };
        let other = tracing_subscriber::fmt().with_writer(io::sink).finish();
        tracing::subscriber::with_default(other, || assert!(!taken().0, "another subscriber"));
        let plain = plain_subscriber(EnvFilter::new("info"));
        tracing::subscriber::with_default(plain, || {
            let (done, text) = taken();
            assert!(done, "the plain subscriber");
            assert!(
                text.ends_with(" INFO t: request method=GET route=/api/v1/ping status=200 ms=3 client=192.0.2.0\n"),
                "{text}"
            );
            assert_eq!(text.find(' '), Some(27), "a timestamp first: {text}");
            let span = tracing::info_span!("open");
            let _in = span.enter();
            assert!(!taken().0, "a span is open: its name belongs on the line");
        });
    }

    #[test]
    fn lines_are_the_stock_formatters_lines() {
        let ours = render(true);
        let theirs = render(false);
        assert_eq!(ours, theirs);
        assert!(ours.contains("client=192.0.2.0"), "{ours}");
        assert!(ours.contains("outer{id=7 name=x y}:inner: "), "{ours}");
        assert!(ours.contains("\\x1b[31mred"), "escaped: {ours}");
        assert!(!ours.contains('\x1b'), "{ours}");
    }
}
