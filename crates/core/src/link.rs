//! The findings link codec (versioned, compact, compressed, base64url).
//!
//! A link is `https://<site>/#/r/<payload>[.<seal>]`. The payload is base64url of
//! `[version][mode][body]`: the version stays outside compression so a link from a
//! newer Fixpath is recognised as such rather than as damage; `mode` says whether
//! the body is deflated (only when that is shorter). A version byte in the newer
//! range (or 0) whose rest still reads whole as this format is a damaged first or
//! second character, so a future format must never read whole as this one. The body is a sequence of
//! LEB128 varints and length-prefixed strings:
//!
//! ```text
//! tree id (str) · fingerprint (u64 LE) · tree version · started_ms
//! entry count · per entry: node · zigzag(at_ms - previous at_ms) · action
//! notes (str) · server name (0 | len+1, bytes) · client address (0 | 4+4 | 6+16)
//! [ticket number (str, never empty)]
//! ```
//!
//! The ticket number is written only when there is one, so a link without one is
//! byte for byte what this format wrote before it existed.
//!
//! An action is one tag byte, kind in the low two bits: `Chose` (choice above),
//! `Checked` (outcome, figure flag; then a zigzag figure), `Advised` (fixed bit),
//! `Skipped` (choice above; then the check node). Decoding never panics: every
//! read is bounded, and a decoded session is checked against its tree.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::b64;
use miniz_oxide::inflate::TINFLStatus;

use crate::engine::{Action, CheckResult, EngineError, Entry, Session};
use crate::model::{CheckOutcome, Tree};

/// The link format this build writes (and the newest it reads).
pub const VERSION: u8 = 1;
/// How many formats past [`VERSION`] are taken for a newer Fixpath's.
pub const NEWER_VERSIONS: u8 = 15;
/// Most bytes a body may take: above the largest body the encoder can write
/// (4,096 entries of at most 33 bytes, 8 KiB of notes, three names, an address),
/// so every link this codec writes, it reads; an inflation bomb stops here.
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

const MODE_RAW: u8 = 0;
const MODE_DEFLATE: u8 = 1;

const TAG_CHOSE: u8 = 0;
const TAG_CHECKED: u8 = 1;
const TAG_ADVISED: u8 = 2;
const TAG_SKIPPED: u8 = 3;
const CHOICE_ESCAPE: u8 = 63;

/// Why a link could not be read. Each message is for the person who opened it.
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
    /// offered). The one sentence the staff view and `fixpath decode` both show.
    pub fn version_note(&self, current: Option<(u32, u64)>) -> String {
        let made = version_name(self.session.tree_version, self.session.fingerprint);
        if self.tree_changed {
            // Read against another version than its own: that one was not kept.
            let now = current.map_or(String::new(), |(v, fp)| {
                format!(" (now {})", version_name(v, fp))
            });
            return format!(
                "Made with {made} of this troubleshooter, which has changed since{now}. That version is not kept here, so this report reads the link against the current one and leaves out what no longer fits."
            );
        }
        match current {
            Some((_, fp)) if fp == self.session.fingerprint => {
                format!("Made with {made} of this troubleshooter, which has not changed since.")
            }
            Some((v, fp)) => format!(
                "Made with {made} of this troubleshooter, shown here as it was then; it has changed since (now {}).",
                version_name(v, fp)
            ),
            None => format!(
                "Made with {made} of this troubleshooter, shown here as it was then; it is no longer offered."
            ),
        }
    }
}

/// A version as a report names it: the author's number and the first eight hex
/// digits of its fingerprint, since a reworded tree may keep its number.
pub fn version_name(version: u32, fingerprint: u64) -> String {
    format!("version {version} ({:08x})", fingerprint >> 32)
}

/// The payload in a link, a fragment (`#/r/…`, `/r/…`) or a bare payload: the last
/// path segment, without the seal after `.`.
pub fn payload_of(input: &str) -> &str {
    let tail = input.trim().rsplit(['/', '#']).next().unwrap_or_default();
    tail.split('.').next().unwrap_or_default()
}

/// Encodes a session as a payload (no seal).
pub fn encode(session: &Session) -> String {
    let body = body_of(session);
    let deflated = miniz_oxide::deflate::compress_to_vec(&body, 10);
    let (mode, body) = if deflated.len() < body.len() {
        (MODE_DEFLATE, deflated)
    } else {
        (MODE_RAW, body)
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
        VERSION => read_current(rest),
        // Format 0, or a few formats ahead (a newer Fixpath's), unless the rest reads
        // whole as this format: then one of the first two characters (which carry
        // the version and the mode) was changed, and the link is damaged.
        v if v == 0 || v <= VERSION + NEWER_VERSIONS => {
            let damaged = [MODE_RAW, MODE_DEFLATE].into_iter().any(|mode| {
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

/// Reads what follows the version byte of a link in this format: mode, then body.
fn read_current(rest: &[u8]) -> Result<Session, LinkError> {
    let (&mode, body) = rest.split_first().ok_or(LinkError::Truncated)?;
    read_body(mode, body)
}

/// Reads a body written in `mode` into its session.
fn read_body(mode: u8, body: &[u8]) -> Result<Session, LinkError> {
    let inflated;
    let body = match mode {
        MODE_RAW => body,
        MODE_DEFLATE => {
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
    let session = read_session(&mut r)?;
    if !r.rest.is_empty() {
        return Err(LinkError::Corrupt);
    }
    Ok(session)
}

fn body_of(s: &Session) -> Vec<u8> {
    let mut w = Vec::with_capacity(64 + s.entries.len() * 4 + s.notes.len());
    put_str(&mut w, clip(&s.tree_id, MAX_NAME_BYTES));
    w.extend_from_slice(&s.fingerprint.to_le_bytes());
    put_var(&mut w, u64::from(s.tree_version));
    put_var(&mut w, s.started_ms);
    let entries = &s.entries[..s.entries.len().min(MAX_ENTRIES)];
    put_var(&mut w, entries.len() as u64);
    let mut prev = s.started_ms;
    for e in entries {
        put_var(&mut w, u64::from(e.node));
        put_var(&mut w, zigzag(e.at_ms.wrapping_sub(prev) as i64));
        prev = e.at_ms;
        match e.action {
            Action::Chose { choice } => put_choice(&mut w, TAG_CHOSE, choice),
            Action::Checked(r) => {
                let figure_bit = u8::from(r.figure.is_some()) << 4;
                w.push(TAG_CHECKED | (r.outcome.index() as u8) << 2 | figure_bit);
                if let Some(f) = r.figure {
                    put_var(&mut w, zigzag(f));
                }
            }
            Action::Advised { fixed } => w.push(TAG_ADVISED | u8::from(fixed) << 2),
            Action::Skipped { choice, by } => {
                put_choice(&mut w, TAG_SKIPPED, choice);
                put_var(&mut w, u64::from(by));
            }
        }
    }
    put_str(&mut w, clip(&s.notes, MAX_NOTES_BYTES));
    match &s.server_name {
        None => w.push(0),
        Some(name) => {
            let name = clip(name, MAX_NAME_BYTES);
            put_var(&mut w, name.len() as u64 + 1);
            w.extend_from_slice(name.as_bytes());
        }
    }
    match s.client_address {
        None => w.push(0),
        Some(IpAddr::V4(a)) => {
            w.push(4);
            w.extend_from_slice(&a.octets());
        }
        Some(IpAddr::V6(a)) => {
            w.push(6);
            w.extend_from_slice(&a.octets());
        }
    }
    // Never empty when written, so a stray byte at the end reads as damage.
    if let Some(t) = s.ticket.as_deref().filter(|t| !t.is_empty()) {
        put_str(&mut w, clip(t, MAX_NAME_BYTES));
    }
    w
}

fn read_session(r: &mut Reader) -> Result<Session, LinkError> {
    let tree_id = r.str(MAX_NAME_BYTES)?;
    let fingerprint = u64::from_le_bytes(r.array::<8>()?);
    let tree_version = u32::try_from(r.var()?).map_err(|_| LinkError::Corrupt)?;
    let started_ms = r.var()?;
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
    let mut prev = started_ms;
    for _ in 0..count {
        let node = u16::try_from(r.var()?).map_err(|_| LinkError::Corrupt)?;
        let at_ms = prev.wrapping_add(unzigzag(r.var()?) as u64);
        prev = at_ms;
        let tag = r.byte()?;
        let action = match tag & 3 {
            TAG_CHOSE => Action::Chose {
                choice: r.choice(tag)?,
            },
            TAG_CHECKED => {
                if tag >> 5 != 0 {
                    return Err(LinkError::Corrupt);
                }
                let outcome = CheckOutcome::from_index(usize::from((tag >> 2) & 3))
                    .ok_or(LinkError::Corrupt)?;
                let figure = if tag & 0x10 != 0 {
                    Some(unzigzag(r.var()?))
                } else {
                    None
                };
                Action::Checked(CheckResult { outcome, figure })
            }
            TAG_ADVISED => match tag >> 2 {
                0 => Action::Advised { fixed: false },
                1 => Action::Advised { fixed: true },
                _ => return Err(LinkError::Corrupt),
            },
            _ => {
                let choice = r.choice(tag)?;
                let by = u16::try_from(r.var()?).map_err(|_| LinkError::Corrupt)?;
                Action::Skipped { choice, by }
            }
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
        let t = r.str(MAX_NAME_BYTES)?;
        if t.is_empty() {
            return Err(LinkError::Corrupt);
        }
        Some(t)
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
        let len = usize::try_from(self.var()?).map_err(|_| LinkError::Corrupt)?;
        if len > max {
            return Err(LinkError::Corrupt);
        }
        self.utf8(len)
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
    fn clip_keeps_whole_characters() {
        assert_eq!(clip("héllo", 2), "h");
        assert_eq!(clip("héllo", 3), "hé");
        assert_eq!(clip("abc", 10), "abc");
    }
}
