//! The findings link codec (versioned, compact, compressed, base64url).
//!
//! A link is `https://<site>/#/r/<payload>[.<seal>]`. The payload is base64url of
//! `[version][mode][body]`: the version stays outside compression so a link from a
//! newer Fixpath is recognised as such rather than as damage; `mode` says whether
//! the body is deflated (only when that is shorter) and, since each format has
//! modes of its own (format 1: 0 raw, 1 deflated; format 2: 2 raw, 3 deflated),
//! which layout the body has, so a body is read in exactly one layout. A version
//! byte in the newer range (or 0) whose rest still reads whole as a format this
//! codec knows is a damaged first or second character; a future format must
//! therefore have modes of its own too. The body is a sequence of LEB128 varints,
//! length-prefixed strings and a few fixed-size fields.
//!
//! Format 2, written since check results carry the details of their sentence:
//!
//! ```text
//! tree id (str) · fingerprint (u64 LE) · tree version · started (s since 2025, wrapping)
//! fields (1 byte: server name · address none/v4/v6 · notes · ticket · language)
//! [server name (str)] · [client address (4 | 16 bytes)]
//! entry count · per entry: node · zigzag(at_s - previous at_s) · action
//! [notes (str, never empty)] · [ticket number (str, never empty)]
//! [language the user walked in (str, a tag), when not the tree's own]
//! ```
//!
//! Times are whole seconds: a link keeps the second of every step, not the
//! millisecond (decoded times are whole seconds in ms). An action is one tag
//! byte, kind in the low two bits: `Chose` (choice above), `Checked` (outcome,
//! figure flag, detail flag; then a zigzag figure, then the detail), `Advised`
//! (fixed bit), `Skipped` (choice above; then the check node). A detail is one
//! varint `count << 2 | text` (text: 0 none, 1 as written, 2 against the server
//! name), the `count` numbers (at most [`MAX_DETAIL_NUMS`]) and the text: as
//! written, its length then its bytes; against the server name, the lengths of
//! the server name's start and end it shares, then the length and bytes of what
//! differs in the middle (a did-you-mean name is usually one letter off what the
//! user typed). A link's details take at most [`MAX_DETAIL_BYTES`] in all.
//!
//! Format 1, read still (written before details were carried), in milliseconds:
//!
//! ```text
//! tree id (str) · fingerprint (u64 LE) · tree version · started_ms
//! entry count · per entry: node · zigzag(at_ms - previous at_ms) · action
//! notes (str) · server name (0 | len+1, bytes) · client address (0 | 4+4 | 6+16)
//! [ticket number (str, never empty)]
//! ```
//!
//! with the same actions, without the detail. Decoding never panics: every read
//! is bounded, and a decoded session is checked against its tree.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::b64;
use miniz_oxide::inflate::TINFLStatus;

use crate::engine::{Action, CheckResult, Detail, EngineError, Entry, Session};
use crate::i18n::{Msg, Tr};
use crate::model::{CheckOutcome, Tree};
use crate::verdict::MAX_DETAIL_TEXT;

/// The link format this build writes (and the newest it reads; it reads every
/// older one too).
pub const VERSION: u8 = 2;
/// The first format, in milliseconds and without check details: still read.
const FORMAT_1: u8 = 1;
/// How many formats past [`VERSION`] are taken for a newer Fixpath's.
pub const NEWER_VERSIONS: u8 = 15;
/// Most bytes a body may take: above the largest body the encoder can write
/// (4,096 entries of at most 22 bytes besides their details, [`MAX_DETAIL_BYTES`]
/// of details, 8 KiB of notes, three names, an address: under 130 KiB; a
/// format-1 body was at most 110 KiB), so every link this codec writes, it reads;
/// an inflation bomb stops here.
const MAX_BODY_BYTES: usize = 192 * 1024;
/// Longest payload the decoder looks at, in characters (base64 of the largest
/// body plus the two header bytes). A real one is a few hundred.
pub const MAX_PAYLOAD_CHARS: usize = (MAX_BODY_BYTES + 2).div_ceil(3) * 4;
/// Most transcript entries a link may carry.
pub const MAX_ENTRIES: usize = 4_096;
/// Longest notes a link carries, in bytes (the app caps notes well below this).
pub const MAX_NOTES_BYTES: usize = 8 * 1024;
/// Longest tree id or server name, in bytes.
pub const MAX_NAME_BYTES: usize = 255;
/// Most numbers one check's detail carries in a link (the encoder keeps the
/// first ones).
pub const MAX_DETAIL_NUMS: usize = 16;
/// Most bytes all the details of a link take as written (a real walk's take a few
/// dozen; an announcement at most 2 KiB). A detail that would go past this is
/// left out of the link, so a link stays bounded whatever a session holds.
pub const MAX_DETAIL_BYTES: usize = 32 * 1024;

/// Seconds since 2025-01-01 00:00 UTC are what format 2 writes for the start, so
/// a start until 2033 takes four bytes (an earlier one wraps, and takes ten).
const EPOCH_S: u64 = 1_735_689_600;
/// Largest time in seconds whose milliseconds fit a `u64`.
const MAX_SECONDS: u64 = u64::MAX / 1000;

const MODE_RAW: u8 = 0;
const MODE_DEFLATE: u8 = 1;
const MODE2_RAW: u8 = 2;
const MODE2_DEFLATE: u8 = 3;

const TAG_CHOSE: u8 = 0;
const TAG_CHECKED: u8 = 1;
const TAG_ADVISED: u8 = 2;
const TAG_SKIPPED: u8 = 3;
const CHOICE_ESCAPE: u8 = 63;
const CHECKED_FIGURE: u8 = 1 << 4;
const CHECKED_DETAIL: u8 = 1 << 5;

const TEXT_NONE: u64 = 0;
const TEXT_AS_WRITTEN: u64 = 1;
const TEXT_AGAINST_SERVER: u64 = 2;

// Format 2's fields byte.
const HAS_SERVER: u8 = 1;
const ADDRESS_V4: u8 = 1 << 1;
const ADDRESS_V6: u8 = 2 << 1;
const ADDRESS_MASK: u8 = 3 << 1;
const HAS_NOTES: u8 = 1 << 3;
const HAS_TICKET: u8 = 1 << 4;
const HAS_LANG: u8 = 1 << 5;
/// Longest language tag a link carries.
const MAX_LANG_BYTES: usize = 16;
const FIELDS_KNOWN: u8 = HAS_SERVER | ADDRESS_MASK | HAS_NOTES | HAS_TICKET | HAS_LANG;

/// Why a link could not be read. `Display` is English, for logs and tests; the
/// person who opened the link reads [`LinkError::explain`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LinkError {
    #[error("the link is empty: paste the whole findings link")]
    Empty,
    #[error("the link is cut short: it may not have been copied whole")]
    Truncated,
    #[error("the link is damaged: some of it was changed or lost")]
    Corrupt,
    #[error("the link is too long to be a findings link")]
    TooLong,
    #[error("the link uses format {0}, which no Fixpath has ever written")]
    UnknownVersion(u8),
    #[error(
        "the link was made by a newer Fixpath (format {0}); this one reads up to format {VERSION}"
    )]
    NewerVersion(u8),
    #[error("the link is for a troubleshooter this Fixpath does not have (`{0}`)")]
    UnknownTree(String),
}

impl LinkError {
    /// Why the link could not be read, in `tr`'s words for the person who
    /// opened it (a clause in lower case, `findings.link.error.*`).
    pub fn explain(&self, tr: Tr) -> String {
        // Format numbers as written, not as formatted numbers.
        let format = |m: Msg, v: u8| {
            tr.f(
                m,
                &[
                    ("format", (&v.to_string()).into()),
                    ("max", (&VERSION.to_string()).into()),
                ],
            )
        };
        match self {
            Self::Empty => tr.t(Msg::FindingsLinkErrorEmpty),
            Self::Truncated => tr.t(Msg::FindingsLinkErrorTruncated),
            Self::Corrupt => tr.t(Msg::FindingsLinkErrorCorrupt),
            Self::TooLong => tr.t(Msg::FindingsLinkErrorTooLong),
            Self::UnknownVersion(v) => format(Msg::FindingsLinkErrorUnknownFormat, *v),
            Self::NewerVersion(v) => format(Msg::FindingsLinkErrorNewerFormat, *v),
            Self::UnknownTree(id) => tr.f(Msg::FindingsLinkErrorUnknownTree, &[("id", id.into())]),
        }
    }
}

/// A decoded link, matched to one of the trees it was decoded against.
#[derive(Debug, Clone, PartialEq)]
pub struct Decoded {
    /// Index of the link's tree in the slice given to [`decode`].
    pub tree: usize,
    pub session: Session,
    /// The tree's shape changed since the link was made (fingerprints differ).
    pub tree_changed: bool,
    /// Whether every step replays on the tree as it is now.
    pub fits: Result<(), EngineError>,
}

impl Decoded {
    /// The line a report carries about the version its link was made with: which
    /// version, and whether the tree has changed since. `current` is the version
    /// and fingerprint of the tree with this id as served now (`None`: no longer
    /// offered). The one sentence the staff view and `fixpath decode` both show,
    /// in `tr`'s words.
    pub fn version_note(&self, tr: Tr, current: Option<(u32, u64)>) -> String {
        let made = version_name(tr, self.session.tree_version, self.session.fingerprint);
        let now = current.map(|(v, fp)| version_name(tr, v, fp));
        let with = |m: Msg| match &now {
            Some(now) => tr.f(m, &[("made", (&made).into()), ("now", now.into())]),
            None => tr.f(m, &[("made", (&made).into())]),
        };
        if self.tree_changed {
            // Read against another version than its own: that one was not kept.
            return with(match now {
                Some(_) => Msg::FindingsLinkNotKeptNow,
                None => Msg::FindingsLinkNotKept,
            });
        }
        with(match current {
            Some((_, fp)) if fp == self.session.fingerprint => Msg::FindingsLinkUnchanged,
            Some(_) => Msg::FindingsLinkChanged,
            None => Msg::FindingsLinkWithdrawn,
        })
    }
}

/// A version as a report names it, in `tr`'s words: the author's number and the
/// first eight hex digits of its fingerprint, since a reworded tree may keep its
/// number.
pub fn version_name(tr: Tr, version: u32, fingerprint: u64) -> String {
    // The number as written, not as a formatted number.
    tr.f(
        Msg::FindingsLinkVersion,
        &[
            ("version", (&version.to_string()).into()),
            ("hash", (&format!("{:08x}", fingerprint >> 32)).into()),
        ],
    )
}

/// The payload in a link, a fragment (`#/r/…`, `/r/…`) or a bare payload: the last
/// path segment, without the seal after `.`.
pub fn payload_of(input: &str) -> &str {
    let tail = input.trim().rsplit(['/', '#']).next().unwrap_or_default();
    tail.split('.').next().unwrap_or_default()
}

/// Encodes a session as a payload (no seal), in format [`VERSION`]. Times are
/// kept to the second (see the module's description).
pub fn encode(session: &Session) -> String {
    let body = body_of(session);
    let deflated = miniz_oxide::deflate::compress_to_vec(&body, 10);
    let (mode, body) = if deflated.len() < body.len() {
        (MODE2_DEFLATE, deflated)
    } else {
        (MODE2_RAW, body)
    };
    let mut out = Vec::with_capacity(body.len() + 2);
    out.push(VERSION);
    out.push(mode);
    out.extend_from_slice(&body);
    b64::encode(&out)
}

/// Decodes a link, fragment or payload and finds its tree among `trees`.
pub fn decode(input: &str, trees: &[Tree]) -> Result<Decoded, LinkError> {
    let session = decode_session(input)?;
    let (index, tree) = trees
        .iter()
        .enumerate()
        .find(|(_, t)| t.id == session.tree_id)
        .ok_or_else(|| LinkError::UnknownTree(session.tree_id.clone()))?;
    Ok(Decoded {
        tree: index,
        tree_changed: session.fingerprint != tree.fingerprint,
        fits: session.validate(tree),
        session,
    })
}

/// Decodes a link, fragment or payload into its session, without a tree.
pub fn decode_session(input: &str) -> Result<Session, LinkError> {
    let payload = payload_of(input);
    if payload.is_empty() {
        return Err(LinkError::Empty);
    }
    if payload.len() > MAX_PAYLOAD_CHARS {
        return Err(LinkError::TooLong);
    }
    let bytes = b64::decode(payload.as_bytes()).map_err(|e| match e {
        // One character past a whole group can only come from a cut.
        b64::DecodeError::Length => LinkError::Truncated,
        b64::DecodeError::Symbol => LinkError::Corrupt,
    })?;
    let (&version, rest) = bytes.split_first().ok_or(LinkError::Truncated)?;
    match version {
        FORMAT_1 | VERSION => {
            let (&mode, body) = rest.split_first().ok_or(LinkError::Truncated)?;
            // A mode of the other format is damage too.
            let modes = if version == FORMAT_1 {
                [MODE_RAW, MODE_DEFLATE]
            } else {
                [MODE2_RAW, MODE2_DEFLATE]
            };
            if !modes.contains(&mode) {
                return Err(LinkError::Corrupt);
            }
            read_body(mode, body)
        }
        // Format 0, or a few formats ahead (a newer Fixpath's), unless the rest reads
        // whole as a format this codec knows: then one of the first two characters
        // (which carry the version and the mode) was changed, and the link is damaged.
        v if v == 0 || v <= VERSION + NEWER_VERSIONS => {
            let damaged = [MODE_RAW, MODE_DEFLATE, MODE2_RAW, MODE2_DEFLATE]
                .into_iter()
                .any(|mode| {
                    rest.split_first()
                        .is_some_and(|(_, body)| read_body(mode, body).is_ok())
                });
            Err(match v {
                _ if damaged => LinkError::Corrupt,
                0 => LinkError::UnknownVersion(0),
                v => LinkError::NewerVersion(v),
            })
        }
        // Far beyond is damage (pasted text that is not a link at all reads as some
        // first byte, too).
        _ => Err(LinkError::Corrupt),
    }
}

/// Reads a body written in `mode` (which names its format) into its session.
fn read_body(mode: u8, body: &[u8]) -> Result<Session, LinkError> {
    let inflated;
    let body = match mode {
        MODE_RAW | MODE2_RAW => body,
        MODE_DEFLATE | MODE2_DEFLATE => {
            inflated = miniz_oxide::inflate::decompress_to_vec_with_limit(body, MAX_BODY_BYTES)
                .map_err(|e| match e.status {
                    TINFLStatus::FailedCannotMakeProgress => LinkError::Truncated,
                    TINFLStatus::HasMoreOutput => LinkError::TooLong,
                    _ => LinkError::Corrupt,
                })?;
            &inflated[..]
        }
        _ => return Err(LinkError::Corrupt),
    };
    let mut r = Reader { rest: body };
    let session = match mode {
        MODE_RAW | MODE_DEFLATE => read_session_1(&mut r)?,
        _ => read_session_2(&mut r)?,
    };
    if !r.rest.is_empty() {
        return Err(LinkError::Corrupt);
    }
    Ok(session)
}

/// The body of a session in format 2.
fn body_of(s: &Session) -> Vec<u8> {
    let mut w = Vec::with_capacity(64 + s.entries.len() * 4 + s.notes.len());
    put_str(&mut w, clip(&s.tree_id, MAX_NAME_BYTES));
    w.extend_from_slice(&s.fingerprint.to_le_bytes());
    put_var(&mut w, u64::from(s.tree_version));
    let started = s.started_ms / 1000;
    put_var(&mut w, started.wrapping_sub(EPOCH_S));
    let server = s.server_name.as_deref().map(|n| clip(n, MAX_NAME_BYTES));
    let notes = clip(&s.notes, MAX_NOTES_BYTES);
    // Never empty when written (a character is at most four bytes, so clipping
    // keeps a ticket that has one).
    let ticket = s
        .ticket
        .as_deref()
        .filter(|t| !t.is_empty())
        .map(|t| clip(t, MAX_NAME_BYTES));
    // Only a tag a reader can take (anything else is left out, never written broken).
    let lang = s
        .lang
        .as_deref()
        .filter(|l| l.len() <= MAX_LANG_BYTES && crate::translation::is_lang_tag(l));
    let fields = if server.is_some() { HAS_SERVER } else { 0 }
        | match s.client_address {
            None => 0,
            Some(IpAddr::V4(_)) => ADDRESS_V4,
            Some(IpAddr::V6(_)) => ADDRESS_V6,
        }
        | if notes.is_empty() { 0 } else { HAS_NOTES }
        | if ticket.is_some() { HAS_TICKET } else { 0 }
        | if lang.is_some() { HAS_LANG } else { 0 };
    w.push(fields);
    if let Some(name) = server {
        put_str(&mut w, name);
    }
    match s.client_address {
        None => {}
        Some(IpAddr::V4(a)) => w.extend_from_slice(&a.octets()),
        Some(IpAddr::V6(a)) => w.extend_from_slice(&a.octets()),
    }
    let entries = &s.entries[..s.entries.len().min(MAX_ENTRIES)];
    put_var(&mut w, entries.len() as u64);
    let mut prev = started;
    let mut budget = MAX_DETAIL_BYTES;
    for e in entries {
        put_var(&mut w, u64::from(e.node));
        let at = e.at_ms / 1000;
        // Both are at most `MAX_SECONDS`, so the difference fits.
        put_var(&mut w, zigzag(at as i64 - prev as i64));
        prev = at;
        match &e.action {
            Action::Chose { choice } => put_choice(&mut w, TAG_CHOSE, *choice),
            Action::Checked(r) => {
                let detail = detail_bytes(&r.detail, server).filter(|d| d.len() <= budget);
                let mut tag = TAG_CHECKED | (r.outcome.index() as u8) << 2;
                if r.figure.is_some() {
                    tag |= CHECKED_FIGURE;
                }
                if detail.is_some() {
                    tag |= CHECKED_DETAIL;
                }
                w.push(tag);
                if let Some(f) = r.figure {
                    put_var(&mut w, zigzag(f));
                }
                if let Some(d) = detail {
                    budget -= d.len();
                    w.extend_from_slice(&d);
                }
            }
            Action::Advised { fixed } => w.push(TAG_ADVISED | u8::from(*fixed) << 2),
            Action::Skipped { choice, by } => {
                put_choice(&mut w, TAG_SKIPPED, *choice);
                put_var(&mut w, u64::from(*by));
            }
        }
    }
    if !notes.is_empty() {
        put_str(&mut w, notes);
    }
    if let Some(t) = ticket {
        put_str(&mut w, t);
    }
    if let Some(l) = lang {
        put_str(&mut w, l);
    }
    w
}

/// A detail as format 2 writes it, `None` when it says nothing: at most
/// [`MAX_DETAIL_NUMS`] numbers, the text clipped to [`MAX_DETAIL_TEXT`] and
/// written against the server name when that is shorter.
fn detail_bytes(d: &Detail, server: Option<&str>) -> Option<Vec<u8>> {
    let nums = &d.nums[..d.nums.len().min(MAX_DETAIL_NUMS)];
    let text = d.text.as_deref().map(|t| clip(t, MAX_DETAIL_TEXT));
    if nums.is_empty() && text.is_none() {
        return None;
    }
    let mut tail = Vec::new();
    let kind = match text {
        None => TEXT_NONE,
        Some(t) => {
            let mut as_written = Vec::with_capacity(t.len() + 2);
            put_str(&mut as_written, t);
            let against = server.map(|name| {
                let (start, end) = shared_ends(name, t);
                let mut b = Vec::new();
                put_var(&mut b, start as u64);
                put_var(&mut b, end as u64);
                put_str(&mut b, &t[start..t.len() - end]);
                b
            });
            match against {
                Some(b) if b.len() < as_written.len() => {
                    tail = b;
                    TEXT_AGAINST_SERVER
                }
                _ => {
                    tail = as_written;
                    TEXT_AS_WRITTEN
                }
            }
        }
    };
    let mut b = Vec::with_capacity(8 + nums.len() * 2 + tail.len());
    put_var(&mut b, (nums.len() as u64) << 2 | kind);
    for n in nums {
        put_var(&mut b, u64::from(*n));
    }
    b.extend_from_slice(&tail);
    Some(b)
}

/// How many bytes `a` and `b` share at the start, then at the end of what is
/// left of each (so the two never overlap), both on character boundaries.
fn shared_ends(a: &str, b: &str) -> (usize, usize) {
    let start: usize = a
        .chars()
        .zip(b.chars())
        .take_while(|(x, y)| x == y)
        .map(|(x, _)| x.len_utf8())
        .sum();
    let end: usize = a[start..]
        .chars()
        .rev()
        .zip(b[start..].chars().rev())
        .take_while(|(x, y)| x == y)
        .map(|(x, _)| x.len_utf8())
        .sum();
    (start, end)
}

/// A time in seconds read from a link, as milliseconds.
fn millis(seconds: u64) -> Result<u64, LinkError> {
    if seconds > MAX_SECONDS {
        return Err(LinkError::Corrupt);
    }
    Ok(seconds * 1000)
}

fn read_session_2(r: &mut Reader) -> Result<Session, LinkError> {
    let tree_id = r.str(MAX_NAME_BYTES)?;
    let fingerprint = u64::from_le_bytes(r.array::<8>()?);
    let tree_version = u32::try_from(r.var()?).map_err(|_| LinkError::Corrupt)?;
    let started = r.var()?.wrapping_add(EPOCH_S);
    let started_ms = millis(started)?;
    let fields = r.byte()?;
    if fields & !FIELDS_KNOWN != 0 {
        return Err(LinkError::Corrupt);
    }
    let server_name = if fields & HAS_SERVER != 0 {
        Some(r.str(MAX_NAME_BYTES)?)
    } else {
        None
    };
    let client_address = match fields & ADDRESS_MASK {
        0 => None,
        ADDRESS_V4 => Some(IpAddr::V4(Ipv4Addr::from(r.array::<4>()?))),
        ADDRESS_V6 => Some(IpAddr::V6(Ipv6Addr::from(r.array::<16>()?))),
        _ => return Err(LinkError::Corrupt),
    };
    let count = usize::try_from(r.var()?).map_err(|_| LinkError::Corrupt)?;
    if count > MAX_ENTRIES {
        return Err(LinkError::Corrupt);
    }
    // Every entry takes at least three bytes: refuse counts the body cannot hold
    // before allocating for them.
    if count > r.rest.len() / 3 {
        return Err(LinkError::Truncated);
    }
    let mut entries = Vec::with_capacity(count);
    let mut prev = started;
    let mut budget = MAX_DETAIL_BYTES;
    for _ in 0..count {
        let node = u16::try_from(r.var()?).map_err(|_| LinkError::Corrupt)?;
        let at = i128::from(prev) + i128::from(unzigzag(r.var()?));
        let at = u64::try_from(at).map_err(|_| LinkError::Corrupt)?;
        let at_ms = millis(at)?;
        prev = at;
        let tag = r.byte()?;
        let action = match tag & 3 {
            TAG_CHECKED => {
                if tag >> 6 != 0 {
                    return Err(LinkError::Corrupt);
                }
                let outcome = CheckOutcome::from_index(usize::from((tag >> 2) & 3))
                    .ok_or(LinkError::Corrupt)?;
                let figure = if tag & CHECKED_FIGURE != 0 {
                    Some(unzigzag(r.var()?))
                } else {
                    None
                };
                let detail = if tag & CHECKED_DETAIL != 0 {
                    let before = r.rest.len();
                    let d = r.detail(server_name.as_deref())?;
                    budget = budget
                        .checked_sub(before - r.rest.len())
                        .ok_or(LinkError::Corrupt)?;
                    d
                } else {
                    Detail::default()
                };
                Action::Checked(CheckResult {
                    outcome,
                    figure,
                    detail,
                })
            }
            _ => r.plain_action(tag)?,
        };
        entries.push(Entry {
            node,
            at_ms,
            action,
        });
    }
    let notes = if fields & HAS_NOTES != 0 {
        r.nonempty_str(MAX_NOTES_BYTES)?
    } else {
        String::new()
    };
    let ticket = if fields & HAS_TICKET != 0 {
        Some(r.nonempty_str(MAX_NAME_BYTES)?)
    } else {
        None
    };
    let lang = if fields & HAS_LANG != 0 {
        let l = r.nonempty_str(MAX_LANG_BYTES)?;
        if !crate::translation::is_lang_tag(&l) {
            return Err(LinkError::Corrupt);
        }
        Some(l)
    } else {
        None
    };
    Ok(Session {
        tree_id,
        fingerprint,
        tree_version,
        started_ms,
        entries,
        notes,
        server_name,
        client_address,
        ticket,
        lang,
    })
}

/// Reads a format-1 body, as format 1 always read it.
fn read_session_1(r: &mut Reader) -> Result<Session, LinkError> {
    let tree_id = r.str(MAX_NAME_BYTES)?;
    let fingerprint = u64::from_le_bytes(r.array::<8>()?);
    let tree_version = u32::try_from(r.var()?).map_err(|_| LinkError::Corrupt)?;
    let started_ms = r.var()?;
    let count = usize::try_from(r.var()?).map_err(|_| LinkError::Corrupt)?;
    if count > MAX_ENTRIES {
        return Err(LinkError::Corrupt);
    }
    if count > r.rest.len() / 3 {
        return Err(LinkError::Truncated);
    }
    let mut entries = Vec::with_capacity(count);
    let mut prev = started_ms;
    for _ in 0..count {
        let node = u16::try_from(r.var()?).map_err(|_| LinkError::Corrupt)?;
        let at_ms = prev.wrapping_add(unzigzag(r.var()?) as u64);
        prev = at_ms;
        let tag = r.byte()?;
        let action = match tag & 3 {
            TAG_CHECKED => {
                if tag >> 5 != 0 {
                    return Err(LinkError::Corrupt);
                }
                let outcome = CheckOutcome::from_index(usize::from((tag >> 2) & 3))
                    .ok_or(LinkError::Corrupt)?;
                let figure = if tag & CHECKED_FIGURE != 0 {
                    Some(unzigzag(r.var()?))
                } else {
                    None
                };
                Action::Checked(CheckResult::new(outcome, figure))
            }
            _ => r.plain_action(tag)?,
        };
        entries.push(Entry {
            node,
            at_ms,
            action,
        });
    }
    let notes = r.str(MAX_NOTES_BYTES)?;
    let server_name = match r.var()? {
        0 => None,
        n => {
            let len = usize::try_from(n - 1).map_err(|_| LinkError::Corrupt)?;
            if len > MAX_NAME_BYTES {
                return Err(LinkError::Corrupt);
            }
            Some(r.utf8(len)?)
        }
    };
    let client_address = match r.byte()? {
        0 => None,
        4 => Some(IpAddr::V4(Ipv4Addr::from(r.array::<4>()?))),
        6 => Some(IpAddr::V6(Ipv6Addr::from(r.array::<16>()?))),
        _ => return Err(LinkError::Corrupt),
    };
    // Optional, last: present only when the body goes on.
    let ticket = if r.rest.is_empty() {
        None
    } else {
        Some(r.nonempty_str(MAX_NAME_BYTES)?)
    };
    Ok(Session {
        tree_id,
        fingerprint,
        tree_version,
        started_ms,
        entries,
        notes,
        server_name,
        client_address,
        ticket,
        lang: None,
    })
}

/// The longest prefix of `s` of at most `max` bytes that ends on a char boundary.
fn clip(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

fn put_var(w: &mut Vec<u8>, mut v: u64) {
    loop {
        let low = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            w.push(low);
            return;
        }
        w.push(low | 0x80);
    }
}

/// A choice rides in the tag's upper six bits; [`CHOICE_ESCAPE`] there means the
/// choice follows as a varint (no real question has 63 choices, but a `u8` may).
fn put_choice(w: &mut Vec<u8>, tag: u8, choice: u8) {
    if choice < CHOICE_ESCAPE {
        w.push(tag | choice << 2);
    } else {
        w.push(tag | CHOICE_ESCAPE << 2);
        put_var(w, u64::from(choice));
    }
}

fn put_str(w: &mut Vec<u8>, s: &str) {
    put_var(w, s.len() as u64);
    w.extend_from_slice(s.as_bytes());
}

fn zigzag(v: i64) -> u64 {
    ((v << 1) ^ (v >> 63)) as u64
}

fn unzigzag(v: u64) -> i64 {
    ((v >> 1) as i64) ^ -((v & 1) as i64)
}

/// A bounded reader: running out of bytes is `Truncated`, nonsense is `Corrupt`.
struct Reader<'a> {
    rest: &'a [u8],
}

impl<'a> Reader<'a> {
    fn byte(&mut self) -> Result<u8, LinkError> {
        let (&b, rest) = self.rest.split_first().ok_or(LinkError::Truncated)?;
        self.rest = rest;
        Ok(b)
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], LinkError> {
        if self.rest.len() < n {
            return Err(LinkError::Truncated);
        }
        let (head, rest) = self.rest.split_at(n);
        self.rest = rest;
        Ok(head)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], LinkError> {
        self.take(N)?.try_into().map_err(|_| LinkError::Truncated)
    }

    fn var(&mut self) -> Result<u64, LinkError> {
        let mut v: u64 = 0;
        for shift in (0..64).step_by(7) {
            let b = self.byte()?;
            let bits = u64::from(b & 0x7f);
            // The tenth byte may only carry the top bit of a u64.
            if shift == 63 && bits > 1 {
                return Err(LinkError::Corrupt);
            }
            v |= bits << shift;
            if b & 0x80 == 0 {
                return Ok(v);
            }
        }
        Err(LinkError::Corrupt)
    }

    fn choice(&mut self, tag: u8) -> Result<u8, LinkError> {
        match tag >> 2 {
            CHOICE_ESCAPE => u8::try_from(self.var()?).map_err(|_| LinkError::Corrupt),
            c => Ok(c),
        }
    }

    fn utf8(&mut self, len: usize) -> Result<String, LinkError> {
        let bytes = self.take(len)?;
        std::str::from_utf8(bytes)
            .map(str::to_string)
            .map_err(|_| LinkError::Corrupt)
    }

    fn str(&mut self, max: usize) -> Result<String, LinkError> {
        let len = self.len(max)?;
        self.utf8(len)
    }

    /// A length of at most `max`.
    fn len(&mut self, max: usize) -> Result<usize, LinkError> {
        let len = usize::try_from(self.var()?).map_err(|_| LinkError::Corrupt)?;
        if len > max {
            return Err(LinkError::Corrupt);
        }
        Ok(len)
    }

    /// A string that is written only when it is not empty.
    fn nonempty_str(&mut self, max: usize) -> Result<String, LinkError> {
        let s = self.str(max)?;
        if s.is_empty() {
            return Err(LinkError::Corrupt);
        }
        Ok(s)
    }

    /// The action of a tag that is not `Checked` (the same in both formats).
    fn plain_action(&mut self, tag: u8) -> Result<Action, LinkError> {
        Ok(match tag & 3 {
            TAG_CHOSE => Action::Chose {
                choice: self.choice(tag)?,
            },
            TAG_ADVISED => match tag >> 2 {
                0 => Action::Advised { fixed: false },
                1 => Action::Advised { fixed: true },
                _ => return Err(LinkError::Corrupt),
            },
            TAG_SKIPPED => {
                let choice = self.choice(tag)?;
                let by = u16::try_from(self.var()?).map_err(|_| LinkError::Corrupt)?;
                Action::Skipped { choice, by }
            }
            _ => return Err(LinkError::Corrupt),
        })
    }

    /// A format-2 detail; `server` is the session's server name, which a text may
    /// be written against. A detail that says nothing is never written.
    fn detail(&mut self, server: Option<&str>) -> Result<Detail, LinkError> {
        let head = self.var()?;
        let count = usize::try_from(head >> 2).map_err(|_| LinkError::Corrupt)?;
        if count > MAX_DETAIL_NUMS {
            return Err(LinkError::Corrupt);
        }
        let mut nums = Vec::with_capacity(count);
        for _ in 0..count {
            nums.push(u32::try_from(self.var()?).map_err(|_| LinkError::Corrupt)?);
        }
        let text = match head & 3 {
            TEXT_NONE if count == 0 => return Err(LinkError::Corrupt),
            TEXT_NONE => None,
            TEXT_AS_WRITTEN => Some(self.str(MAX_DETAIL_TEXT)?),
            TEXT_AGAINST_SERVER => {
                let name = server.ok_or(LinkError::Corrupt)?;
                let start = self.len(name.len())?;
                let end = self.len(name.len() - start)?;
                let middle = self.str(MAX_DETAIL_TEXT)?;
                let tail = name.len() - end;
                if !name.is_char_boundary(start)
                    || !name.is_char_boundary(tail)
                    || start + middle.len() + end > MAX_DETAIL_TEXT
                {
                    return Err(LinkError::Corrupt);
                }
                Some([&name[..start], &middle, &name[tail..]].concat())
            }
            _ => return Err(LinkError::Corrupt),
        };
        Ok(Detail { nums, text })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varints_and_zigzag_round_trip_at_the_edges() {
        for v in [
            0,
            1,
            127,
            128,
            300,
            u64::from(u32::MAX),
            u64::MAX - 1,
            u64::MAX,
        ] {
            let mut w = Vec::new();
            put_var(&mut w, v);
            assert_eq!(Reader { rest: &w }.var(), Ok(v), "{v}");
        }
        for v in [0, 1, -1, i64::MAX, i64::MIN, 12345, -12345] {
            assert_eq!(unzigzag(zigzag(v)), v);
        }
        // Eleven continuation bytes, or a tenth byte too big, are damage.
        assert_eq!(Reader { rest: &[0xff; 11] }.var(), Err(LinkError::Corrupt));
        let mut big = vec![0xff; 9];
        big.push(0x02);
        assert_eq!(Reader { rest: &big }.var(), Err(LinkError::Corrupt));
    }

    #[test]
    fn payload_of_finds_the_payload_in_links_and_fragments() {
        assert_eq!(payload_of("https://h.example/#/r/AbC.SeAl"), "AbC");
        assert_eq!(payload_of("  #/r/AbC\n"), "AbC");
        assert_eq!(payload_of("/r/AbC"), "AbC");
        assert_eq!(payload_of("AbC"), "AbC");
        assert_eq!(payload_of("AbC.seal"), "AbC");
        assert_eq!(payload_of(""), "");
    }

    #[test]
    fn shared_ends_never_overlap_and_fall_on_characters() {
        assert_eq!(shared_ends("vpn.exmaple.com", "vpn.example.com"), (6, 7));
        assert_eq!(shared_ends("vpn.example.com", "vpn.example.com"), (15, 0));
        // What is left of the shorter one is shared at the start already.
        assert_eq!(shared_ends("aaa", "aaaa"), (3, 0));
        assert_eq!(shared_ends("abca", "aa"), (1, 1));
        assert_eq!(shared_ends("", "x"), (0, 0));
        // é and è share their first byte: not a shared character.
        assert_eq!(shared_ends("é", "è"), (0, 0));
        assert_eq!(shared_ends("xé.com", "xè.com"), (1, 4));
    }

    #[test]
    fn a_detail_is_written_against_the_server_name_only_when_shorter() {
        let d = |t: &str| Detail {
            nums: vec![3],
            text: Some(t.into()),
        };
        let typo = detail_bytes(&d("vpn.example.com"), Some("vpn.exmaple.com")).unwrap();
        assert_eq!(typo, [1 << 2 | 2, 3, 6, 7, 2, b'a', b'm']);
        let plain = detail_bytes(&d("abc"), Some("xyz")).unwrap();
        assert_eq!(plain, [1 << 2 | 1, 3, 3, b'a', b'b', b'c']);
        assert_eq!(detail_bytes(&d("abc"), None), Some(plain));
        assert_eq!(detail_bytes(&Detail::default(), Some("x")), None);
        for (text, name) in [
            ("vpn.example.com", "vpn.exmaple.com"),
            ("ü", "üü"),
            ("", "a"),
        ] {
            let b = detail_bytes(&d(text), Some(name)).unwrap();
            assert_eq!(Reader { rest: &b }.detail(Some(name)), Ok(d(text)));
        }
    }

    #[test]
    fn clip_keeps_whole_characters() {
        assert_eq!(clip("héllo", 2), "h");
        assert_eq!(clip("héllo", 3), "hé");
        assert_eq!(clip("abc", 10), "abc");
    }
}
