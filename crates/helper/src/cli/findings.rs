//! `fixpath decode`: a findings link (or its fragment or payload) in, the findings
//! as text out, against the very tree version the link was made with (the
//! content in service or the helper's archive of every version it served), else
//! the current version of its tree; or the link error's message. Every
//! string a link carries is printed with what a terminal would obey escaped, as the
//! log escapes it, so a link cannot drive the terminal of whoever decodes it.

use fixpath_core::findings::{utc, Findings};
use fixpath_core::link::{self, LinkError};
use fixpath_core::seal::{address_warning, seal_of, SealForm, SealToken};

use crate::content::Content;
use crate::logging::escape_terminal;

/// Why a link could not be decoded, as `decode` prints it.
#[derive(Debug, thiserror::Error)]
pub(super) enum DecodeError {
    #[error("nothing to decode: give a findings link, its payload, or - to read one from standard input")]
    Empty,
    /// A link error can quote the link (an unknown troubleshooter's id), so it is
    /// printed escaped.
    #[error("cannot decode: {}", escape_terminal(&.0.to_string(), true))]
    Link(#[from] LinkError),
    #[error("cannot decode: the link's troubleshooter is missing")]
    MissingTree,
}

/// Decodes `input` (a findings link, a fragment or a bare payload) and renders it.
pub(super) fn decode_to_text(input: &str, content: &Content) -> Result<String, DecodeError> {
    if input.trim().is_empty() {
        return Err(DecodeError::Empty);
    }
    let session = link::decode_session(input)?;
    let now = content.current();
    let current = now.tree(&session.tree_id);
    // The very version the link was made with, else the current one.
    let trees: Vec<_> = content
        .tree_version(&session.tree_id, session.fingerprint)
        .or_else(|| current.cloned())
        .into_iter()
        .collect();
    let decoded = link::decode(input, &trees)?;
    let tree = trees.get(decoded.tree).ok_or(DecodeError::MissingTree)?;
    let mut text = String::new();
    let note = decoded.version_note(current.map(|t| (t.version, t.fingerprint)));
    text.push_str(&format!("Version: {note}\n"));
    text.push_str(&match seal_of(input) {
        None => "Seal: none (the helper did not seal this link).\n".to_string(),
        Some(s) => match SealToken::decode(s) {
            Ok(t) => {
                // A format-3 seal names no key and signed the findings' own address.
                let findings = decoded.session.client_address;
                let key = match t.key_id() {
                    Some(k) => format!("key {}", escape_terminal(k, true)),
                    None => "no key named (one of the helper's)".to_string(),
                };
                let seen = match (&t.form, t.client(findings)) {
                    (SealForm::Short, Some(c)) => {
                        format!("the helper saw the client at {c} (the findings' address, which the seal signed)")
                    }
                    (SealForm::Short, None) => {
                        "no network address in the seal or the findings".to_string()
                    }
                    (SealForm::Full { .. }, Some(c)) => format!("the helper saw the client at {c}"),
                    (SealForm::Full { .. }, None) => "no network address in the seal".to_string(),
                };
                let mut line = format!(
                    "Seal: {key}, made at {}, {seen} (not checked here: open the link in the browser to verify it against the helper's keys).\n",
                    utc(t.time_ms),
                );
                if let Some(w) = address_warning(findings, t.client(findings)) {
                    line.push_str(&format!("Warning: {w}\n"));
                }
                line
            }
            Err(e) => format!("Seal: unreadable ({e}).\n"),
        },
    });
    let mut session = decoded.session;
    // One-line values stay on their line: a line break in them would print as a
    // line of the report that the link never earned.
    session.server_name = session.server_name.map(|s| escape_terminal(&s, true));
    session.ticket = session.ticket.map(|s| escape_terminal(&s, true));
    text.push_str(&Findings::new(tree, &session).to_text());
    // Notes keep their line breaks; everything else a terminal obeys is escaped.
    Ok(escape_terminal(&text, false))
}
