//! `fixpath decode` for a help-desk code (`ZTP-591-3WJ9`, or a `#/c/<code>`
//! address): the tree, the outcome and each check's outcome, in the words of
//! core's `CodeSummary::lines` (the app's support view says the same), read
//! against the trees in service and every kept version. Printed with what a
//! terminal would obey escaped, as the rest of `decode` is.

use fixpath_core::code::{self, CodeError};
use fixpath_core::i18n::{Msg, Tr};

use crate::content::Content;
use crate::logging::escape_terminal;

/// The code in `input` when it is one rather than a findings link: a
/// `#/c/<code>` address, or a few letters and digits with hyphens and spaces (a
/// link's payload is longer, and a whole link has `/`).
pub(super) fn code_part(input: &str) -> Option<&str> {
    if let Some(at) = input.rfind("#/c/") {
        return Some(&input[at + 4..]);
    }
    let symbols = input
        .chars()
        .filter(|c| *c != '-' && !c.is_ascii_whitespace())
        .count();
    let plain = input
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c.is_ascii_whitespace());
    (plain && (1..=code::SYMBOLS + 6).contains(&symbols)).then_some(input)
}

/// Why a code could not be read (`Display` in English, for logs).
#[derive(Debug, thiserror::Error)]
#[error("cannot decode the help-desk code: {}", escape_terminal(&.0.to_string(), true))]
pub(super) struct Refused(#[from] CodeError);

impl Refused {
    /// Why the code could not be read, as `decode` prints it, in `tr`'s words.
    pub(super) fn explain(&self, tr: Tr) -> String {
        let why = escape_terminal(&self.0.explain(tr), true);
        tr.f(Msg::FindingsDecodeCodeRefused, &[("why", (&why).into())])
    }
}

/// The summary of `input`, a help-desk code, against `content`, in `tr`'s words.
pub(super) fn decode_to_text(tr: Tr, input: &str, content: &Content) -> Result<String, Refused> {
    let trees = content.every_version();
    let summary = code::decode(input, &trees)?;
    let tree = trees.get(summary.tree).ok_or(CodeError::NoTree)?;
    let in_service = content
        .current()
        .tree(&tree.id)
        .is_some_and(|t| t.fingerprint == tree.fingerprint);
    let mut lines = summary.lines(tr, tree).into_iter();
    let mut text = tr.f(Msg::FindingsDecodeCode, &[("code", input.trim().into())]);
    text.push('\n');
    text.extend(lines.next().map(|l| format!("{l}\n")));
    if !in_service {
        text.push_str(&tr.t(Msg::FindingsDecodeCodeKept));
        text.push('\n');
    }
    text.extend(lines.next().map(|l| {
        format!(
            "{}\n",
            tr.f(Msg::FindingsDecodeCodeResult, &[("line", (&l).into())])
        )
    }));
    text.push_str(&tr.t(Msg::FindingsDecodeCodeChecks));
    text.push('\n');
    for l in lines {
        text.push_str(&format!("- {l}\n"));
    }
    Ok(escape_terminal(&text, false))
}
