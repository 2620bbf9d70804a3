//! `fixpath decode`: a findings link (or its fragment or payload) in, the findings
//! as text out, against the very tree version the link was made with (the
//! content in service or the helper's archive of every version it served), else
//! the current version of its tree; or the link error's message. Every
//! string a link carries is printed with what a terminal would obey escaped, as the
//! log escapes it, so a link cannot drive the terminal of whoever decodes it.

use fixpath_core::findings::{utc, Findings};
use fixpath_core::i18n::{Msg, Tr};
use fixpath_core::link::{self, LinkError};
use fixpath_core::seal::{address_warning, seal_of, SealForm, SealToken};

use crate::content::Content;
use crate::logging::escape_terminal;

/// Why a link could not be decoded (`Display` in English, for logs; `decode`
/// prints [`DecodeError::explain`]).
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

impl DecodeError {
    /// Why the link could not be decoded, as `decode` prints it, in `tr`'s words.
    pub(super) fn explain(&self, tr: Tr) -> String {
        match self {
            Self::Empty => tr.t(Msg::FindingsDecodeEmpty),
            // A link error can quote the link, so it is printed escaped.
            Self::Link(e) => {
                let why = escape_terminal(&e.explain(tr), true);
                tr.f(Msg::FindingsDecodeRefused, &[("why", (&why).into())])
            }
            Self::MissingTree => tr.t(Msg::FindingsDecodeMissingTree),
        }
    }
}

/// A language's own name, as the switcher says it (the tag when Fixpath does
/// not speak it).
fn language_name(tag: &str) -> String {
    fixpath_core::i18n::Catalog::shipped()
        .into_iter()
        .find(|c| c.lang == tag)
        .map_or_else(|| tag.to_string(), |c| c.name)
}

/// Decodes `input` (a findings link, a fragment or a bare payload) and renders
/// it in `tr`'s words.
pub(super) fn decode_to_text(
    tr: Tr,
    input: &str,
    content: &Content,
) -> Result<String, DecodeError> {
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
    let note = decoded.version_note(tr, current.map(|t| (t.version, t.fingerprint)));
    text.push_str(&tr.f(Msg::FindingsDecodeVersion, &[("note", (&note).into())]));
    text.push('\n');
    match seal_of(input) {
        None => text.push_str(&tr.t(Msg::FindingsDecodeSealNone)),
        Some(s) => match SealToken::decode(s) {
            Ok(t) => {
                // A format-3 seal names no key and signed the findings' own address.
                let findings = decoded.session.client_address;
                let key = match t.key_id() {
                    Some(k) => tr.f(
                        Msg::FindingsDecodeSealKey,
                        &[("id", (&escape_terminal(k, true)).into())],
                    ),
                    None => tr.t(Msg::FindingsDecodeSealNoKey),
                };
                let client = t.client(findings).map(|c| c.to_string());
                let seen = match (&t.form, &client) {
                    (SealForm::Short, Some(c)) => {
                        tr.f(Msg::FindingsDecodeSeenSigned, &[("address", c.into())])
                    }
                    (SealForm::Short, None) => tr.t(Msg::FindingsDecodeSeenNoneAnywhere),
                    (SealForm::Full { .. }, Some(c)) => {
                        tr.f(Msg::FindingsDecodeSeen, &[("address", c.into())])
                    }
                    (SealForm::Full { .. }, None) => tr.t(Msg::FindingsDecodeSeenNone),
                };
                text.push_str(&tr.f(
                    Msg::FindingsDecodeSeal,
                    &[
                        ("key", (&key).into()),
                        ("time", (&utc(t.time_ms)).into()),
                        ("seen", (&seen).into()),
                    ],
                ));
                if let Some(w) = address_warning(tr, findings, t.client(findings)) {
                    text.push('\n');
                    text.push_str(&tr.f(Msg::FindingsDecodeWarning, &[("warning", (&w).into())]));
                }
            }
            Err(e) => {
                let why = e.explain(tr);
                text.push_str(&tr.f(Msg::FindingsDecodeSealUnreadable, &[("why", (&why).into())]));
            }
        },
    }
    text.push('\n');
    let mut session = decoded.session;
    // One-line values stay on their line: a line break in them would print as a
    // line of the report that the link never earned.
    session.server_name = session.server_name.map(|s| escape_terminal(&s, true));
    session.ticket = session.ticket.map(|s| escape_terminal(&s, true));
    // The tree's words in the reader's language, where this version has them.
    let shown = match content.translation(&tree.id, tree.fingerprint, tr.lang()) {
        Some(words) if tr.lang() != tree.lang && words.nodes.len() == tree.nodes.len() => {
            tree.translated(&words)
        }
        _ => tree.clone(),
    };
    if let Some(lang) = &session.lang {
        text.push_str(&tr.f(
            Msg::ShellWalkedIn,
            &[("language", (&language_name(lang)).into())],
        ));
        text.push('\n');
    }
    text.push_str(&Findings::new(tr, &shown, &session).to_text(tr));
    // Notes keep their line breaks; everything else a terminal obeys is escaped.
    Ok(escape_terminal(&text, false))
}
