//! Help-desk codes: a walk's gist in ten characters a user can read out on the
//! phone, such as `ZTP-591-3WJ9`. No server keeps anything: the code itself
//! carries the tree, its version, the outcome and each check's outcome, and the
//! support view reads it against the site's trees.
//!
//! Layout: ten Crockford base32 symbols (`0-9`, `A-Z` without `I L O U`),
//! written `XXX-XXX-XXXX` (12 characters). The first nine carry 45 bits, most
//! significant first:
//!
//! | bits | what |
//! | ---- | ---- |
//! | 7 | the tree: the top bits of FNV-1a of its id |
//! | 7 | the version: the top bits of its content fingerprint |
//! | 31 | the walk: `checks × outcomes + outcome`, where `outcome` is the index of the outcome node among the tree's outcome nodes, and `checks` is the mixed-radix number (base 5, first check node least significant) of each check node's state in node order: 0 not run, 1 pass, 2 warn, 3 fail, 4 could not run |
//!
//! So a tree fits when `5^checks × outcomes ≤ 2^31` ([`fits`]; lint refuses a
//! tree that does not): 11 check nodes leave room for 43 outcomes, 13 for one.
//!
//! The tenth symbol is a check: `Σ αⁱ·dᵢ` over GF(32) (`x⁵ + x² + 1`, α = x),
//! data symbol `i` weighted `αⁱ⁺¹`, the check symbol itself weighted 1, so a
//! valid code sums to zero. Every weight is distinct and non-zero, so changing
//! one symbol `a → b` shifts the sum by `w(a + b) ≠ 0`, and swapping two
//! different symbols shifts it by `(a + b)(wᵢ + wⱼ) ≠ 0`: every single
//! substitution and every transposition is caught (the tests try them all).
//!
//! Reading is forgiving as Crockford's is: any case, `O` for `0`, `I` and `L`
//! for `1`, hyphens and spaces anywhere.

use crate::findings::{outcome_word, result_word};
use crate::i18n::{Msg, Tr};
use crate::model::{CheckOutcome, NodeIdx, NodeKind, Tree};
use crate::Session;

/// Symbols in a code, the check symbol included.
pub const SYMBOLS: usize = 10;
/// Walks a code can tell apart: `5^checks × outcomes` must not exceed this.
pub const WALKS: u64 = 1 << WALK_BITS;

const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const TAG_BITS: u32 = 7;
const WALK_BITS: u32 = 31;

/// Why a code could not be read. `Display` is English, for logs and tests;
/// people read [`CodeError::explain`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CodeError {
    #[error("type the help-desk code: ten letters and digits")]
    Empty,
    #[error("“{0}” is not in help-desk codes, which have only digits and letters: read it again")]
    BadChar(char),
    #[error("that code is too short: a help-desk code has ten letters and digits, hyphens aside")]
    TooShort,
    #[error("that code is too long: a help-desk code has ten letters and digits, hyphens aside")]
    TooLong,
    #[error("that code has a typo: its check character does not match — read it again")]
    Typo,
    #[error("no troubleshooter here matches that code")]
    NoTree,
    #[error("that code was made with another version of {0}, so its steps cannot be read here")]
    OtherVersion(String),
    #[error(
        "that code does not fit {0} as it is here: it may have been made with another version"
    )]
    DoesNotFit(String),
}

impl CodeError {
    /// Why the code could not be read, in words for the person who typed it (a
    /// clause in lower case, `findings.code.error.*`).
    pub fn explain(&self, tr: Tr) -> String {
        match self {
            Self::Empty => tr.t(Msg::FindingsCodeErrorEmpty),
            Self::BadChar(c) => tr.f(
                Msg::FindingsCodeErrorBadChar,
                &[("char", (&c.to_string()).into())],
            ),
            Self::TooShort => tr.t(Msg::FindingsCodeErrorTooShort),
            Self::TooLong => tr.t(Msg::FindingsCodeErrorTooLong),
            Self::Typo => tr.t(Msg::FindingsCodeErrorTypo),
            Self::NoTree => tr.t(Msg::FindingsCodeErrorNoTree),
            Self::OtherVersion(title) => tr.f(
                Msg::FindingsCodeErrorOtherVersion,
                &[("title", title.into())],
            ),
            Self::DoesNotFit(title) => {
                tr.f(Msg::FindingsCodeErrorDoesNotFit, &[("title", title.into())])
            }
        }
    }
}

/// A code as read: its symbols passed their check; what they name is not yet
/// looked up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Code {
    tree: u8,
    version: u8,
    walk: u64,
}

/// What a code says, against `trees[tree]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeSummary {
    /// Index into the trees the code was decoded against.
    pub tree: usize,
    /// The outcome node the walk reached.
    pub outcome: NodeIdx,
    /// Every check node of the tree, in node order, and its outcome (`None`: not run).
    pub checks: Vec<(NodeIdx, Option<CheckOutcome>)>,
}

impl Code {
    /// Reads a code's symbols and checks its check symbol.
    pub fn parse(text: &str) -> Result<Code, CodeError> {
        let mut symbols = [0u8; SYMBOLS];
        let mut n = 0;
        for c in text.chars() {
            if c == '-' || c.is_ascii_whitespace() {
                continue;
            }
            let v = symbol_value(c).ok_or(CodeError::BadChar(c))?;
            *symbols.get_mut(n).ok_or(CodeError::TooLong)? = v;
            n += 1;
        }
        match n {
            0 => return Err(CodeError::Empty),
            n if n < SYMBOLS => return Err(CodeError::TooShort),
            _ => {}
        }
        let (data, check) = symbols.split_at(SYMBOLS - 1);
        if check_of(data) != check[0] {
            return Err(CodeError::Typo);
        }
        let bits = data.iter().fold(0u64, |acc, d| acc << 5 | u64::from(*d));
        Ok(Code {
            tree: (bits >> (TAG_BITS + WALK_BITS)) as u8,
            version: (bits >> WALK_BITS) as u8 & tag_mask(),
            walk: bits & (WALKS - 1),
        })
    }

    /// Whether the code was made with a tree of this id.
    pub fn names(&self, tree_id: &str) -> bool {
        self.tree == tree_tag(tree_id)
    }

    /// Whether the code was made with the version of this content fingerprint.
    pub fn made_with(&self, fingerprint: u64) -> bool {
        self.version == version_tag(fingerprint)
    }

    /// The walk the code describes on `tree` (index `index` among the trees it
    /// is read against); `None` when it cannot be one of this tree's.
    fn read(&self, tree: &Tree, index: usize) -> Option<CodeSummary> {
        if self.walk >= walks(tree)? {
            return None;
        }
        let outcomes = outcome_nodes(tree);
        let count = outcomes.len() as u64;
        let outcome = *outcomes.get((self.walk % count) as usize)?;
        let mut rest = self.walk / count;
        let checks = check_nodes(tree)
            .into_iter()
            .map(|node| {
                let state = (rest % 5) as usize;
                rest /= 5;
                (
                    node,
                    state.checked_sub(1).and_then(CheckOutcome::from_index),
                )
            })
            .collect();
        Some(CodeSummary {
            tree: index,
            outcome,
            checks,
        })
    }
}

/// Reads `text` against `trees` (the site's trees, and any kept versions): the
/// first tree of the code's id and version whose walks it fits. Never panics.
pub fn decode(text: &str, trees: &[Tree]) -> Result<CodeSummary, CodeError> {
    let code = Code::parse(text)?;
    let named: Vec<(usize, &Tree)> = trees
        .iter()
        .enumerate()
        .filter(|(_, t)| code.names(&t.id))
        .collect();
    let Some((_, first)) = named.first() else {
        return Err(CodeError::NoTree);
    };
    let mut made_with = named.iter().filter(|(_, t)| code.made_with(t.fingerprint));
    let Some((i, tree)) = made_with.next() else {
        return Err(CodeError::OtherVersion(first.title.clone()));
    };
    code.read(tree, *i)
        .or_else(|| made_with.find_map(|(i, t)| code.read(t, *i)))
        .ok_or_else(|| CodeError::DoesNotFit(tree.title.clone()))
}

/// The code of a finished walk, `XXX-XXX-XXXX`; `None` before an outcome, for a
/// session of another tree or version, or for a tree too big to fit ([`fits`]).
pub fn encode(tree: &Tree, session: &Session) -> Option<String> {
    if session.tree_id != tree.id || session.fingerprint != tree.fingerprint {
        return None;
    }
    let at = session.current(tree);
    let outcomes = outcome_nodes(tree);
    let outcome = outcomes.iter().position(|n| *n == at)? as u64;
    let checks = check_nodes(tree).iter().rev().fold(0u64, |acc, node| {
        let state = session
            .result_of(*node)
            .map_or(0, |r| 1 + r.outcome.index() as u64);
        acc.saturating_mul(5).saturating_add(state)
    });
    let walk = checks * outcomes.len() as u64 + outcome;
    if walk >= walks(tree)? {
        return None;
    }
    let bits = u64::from(tree_tag(&tree.id)) << (TAG_BITS + WALK_BITS)
        | u64::from(version_tag(tree.fingerprint)) << WALK_BITS
        | walk;
    let mut symbols = [0u8; SYMBOLS];
    for (i, s) in symbols.iter_mut().take(SYMBOLS - 1).enumerate() {
        *s = (bits >> (5 * (SYMBOLS - 2 - i))) as u8 & 31;
    }
    symbols[SYMBOLS - 1] = check_of(&symbols[..SYMBOLS - 1]);
    let mut out = String::with_capacity(SYMBOLS + 2);
    for (i, s) in symbols.iter().enumerate() {
        if i == 3 || i == 6 {
            out.push('-');
        }
        out.push(char::from(ALPHABET[usize::from(*s)]));
    }
    Some(out)
}

/// Whether every walk of `tree` has a code.
pub fn fits(tree: &Tree) -> bool {
    walks(tree).is_some_and(|w| w <= WALKS)
}

/// Why `tree` has no codes, for lint; `None` when it fits.
pub fn too_big(tree: &Tree) -> Option<String> {
    if fits(tree) {
        return None;
    }
    let checks = check_nodes(tree).len();
    let room = 5u64
        .checked_pow(u32::try_from(checks).unwrap_or(u32::MAX))
        .map_or(0, |p| WALKS / p);
    Some(format!(
        "the tree is too big for a help-desk code: with {checks} check nodes it may have at \
         most {room} outcomes, and it has {} (5^checks × outcomes must stay within 2^{WALK_BITS})",
        outcome_nodes(tree).len()
    ))
}

impl CodeSummary {
    /// The summary in `tr`'s words, one line each, the same in the app and
    /// `fixpath decode`: the tree and its version, the outcome, then each
    /// check's text and outcome ("Not run" for one the walk did not reach).
    pub fn lines(&self, tr: Tr, tree: &Tree) -> Vec<String> {
        // A version number as written, not as a formatted number.
        let mut lines = vec![tr.f(
            Msg::FindingsCodeTree,
            &[
                ("title", (&tree.title).into()),
                ("version", (&tree.version.to_string()).into()),
            ],
        )];
        if let Some(NodeKind::Outcome {
            result, summary, ..
        }) = tree.node(self.outcome).map(|n| &n.kind)
        {
            let word = result_word(tr, Some(*result));
            lines.push(tr.f(
                Msg::FindingsCodeResult,
                &[("result", (&word).into()), ("summary", summary.into())],
            ));
        }
        for (node, outcome) in &self.checks {
            if let Some(NodeKind::Check { text, .. }) = tree.node(*node).map(|n| &n.kind) {
                let word =
                    outcome.map_or_else(|| tr.t(Msg::FindingsCodeNotRun), |o| outcome_word(tr, o));
                lines.push(tr.f(
                    Msg::FindingsCodeCheck,
                    &[("check", text.into()), ("outcome", (&word).into())],
                ));
            }
        }
        lines
    }
}

/// How many walks a code must tell apart on `tree`; `None` past `u64`.
fn walks(tree: &Tree) -> Option<u64> {
    let checks = u32::try_from(check_nodes(tree).len()).ok()?;
    5u64.checked_pow(checks)?
        .checked_mul(outcome_nodes(tree).len() as u64)
}

fn check_nodes(tree: &Tree) -> Vec<NodeIdx> {
    nodes(tree, false)
}

fn outcome_nodes(tree: &Tree) -> Vec<NodeIdx> {
    nodes(tree, true)
}

/// The outcome nodes (`outcomes`) or the check nodes, in node order.
fn nodes(tree: &Tree, outcomes: bool) -> Vec<NodeIdx> {
    let mut found = Vec::new();
    for (i, n) in tree.nodes.iter().enumerate() {
        let kept = match n.kind {
            NodeKind::Outcome { .. } => outcomes,
            NodeKind::Check { .. } => !outcomes,
            _ => false,
        };
        if let (true, Ok(i)) = (kept, NodeIdx::try_from(i)) {
            found.push(i);
        }
    }
    found
}

fn tag_mask() -> u8 {
    (1 << TAG_BITS) - 1
}

/// The tree's tag: the top bits of FNV-1a of its id.
fn tree_tag(id: &str) -> u8 {
    let h = id.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    });
    (h >> (64 - TAG_BITS)) as u8
}

/// The version's tag: the top bits of its fingerprint.
fn version_tag(fingerprint: u64) -> u8 {
    (fingerprint >> (64 - TAG_BITS)) as u8
}

/// A typed character's symbol value, Crockford's way.
fn symbol_value(c: char) -> Option<u8> {
    let c = match c.to_ascii_uppercase() {
        'O' => '0',
        'I' | 'L' => '1',
        c => c,
    };
    ALPHABET
        .iter()
        .position(|a| char::from(*a) == c)
        .map(|p| p as u8)
}

/// Multiplication in GF(32), modulo `x⁵ + x² + 1`.
fn gf_mul(mut a: u8, mut b: u8) -> u8 {
    let mut p = 0;
    while b != 0 {
        if b & 1 != 0 {
            p ^= a;
        }
        b >>= 1;
        a <<= 1;
        if a & 0x20 != 0 {
            a ^= 0x25;
        }
    }
    p
}

/// The check symbol of the data symbols: `Σ αⁱ⁺¹·dᵢ`.
fn check_of(data: &[u8]) -> u8 {
    let mut weight = 1;
    data.iter().fold(0, |sum, d| {
        weight = gf_mul(weight, 2);
        sum ^ gf_mul(*d, weight)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alpha_has_order_31_so_every_weight_differs() {
        let mut w = 1u8;
        let mut seen = Vec::new();
        for _ in 0..31 {
            assert!(!seen.contains(&w));
            seen.push(w);
            w = gf_mul(w, 2);
        }
        assert_eq!(w, 1);
    }

    #[test]
    fn symbols_read_as_crockford_says() {
        assert_eq!(symbol_value('o'), Some(0));
        assert_eq!(symbol_value('l'), Some(1));
        assert_eq!(symbol_value('I'), Some(1));
        assert_eq!(symbol_value('z'), Some(31));
        assert_eq!(symbol_value('U'), None);
        assert_eq!(symbol_value('é'), None);
    }
}
