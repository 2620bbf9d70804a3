//! The troubleshooter tree: the TOML source form (with line spans for lint) and the
//! compiled, index-linked form the engine walks.

#[cfg(feature = "source")]
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
#[cfg(feature = "source")]
use toml::Spanned;

use crate::catalog::Check;

/// Index of a node in [`Tree::nodes`]. Links carry these, so they stay small.
pub type NodeIdx = u16;

/// The four results every check reports; every check node branches on all four.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CheckOutcome {
    Pass,
    Warn,
    Fail,
    /// The check could not run (no helper, timed out, not available in this browser).
    Unknown,
}

impl CheckOutcome {
    pub const ALL: [CheckOutcome; 4] = [Self::Pass, Self::Warn, Self::Fail, Self::Unknown];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pass => "pass",
            Self::Warn => "warn",
            Self::Fail => "fail",
            Self::Unknown => "unknown",
        }
    }

    pub fn index(self) -> usize {
        self as usize
    }

    pub fn from_index(i: usize) -> Option<Self> {
        Self::ALL.get(i).copied()
    }
}

/// One value per check outcome.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct PerOutcome<T> {
    pub pass: T,
    pub warn: T,
    pub fail: T,
    pub unknown: T,
}

impl<T> PerOutcome<T> {
    pub fn get(&self, o: CheckOutcome) -> &T {
        match o {
            CheckOutcome::Pass => &self.pass,
            CheckOutcome::Warn => &self.warn,
            CheckOutcome::Fail => &self.fail,
            CheckOutcome::Unknown => &self.unknown,
        }
    }
}

/// How a troubleshooter ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Resolution {
    Resolved,
    Escalate,
}

impl Resolution {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "resolved" => Some(Self::Resolved),
            "escalate" => Some(Self::Escalate),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Resolved => "resolved",
            Self::Escalate => "escalate",
        }
    }
}

#[cfg(feature = "source")]
/// A check parameter's value as written in the tree; lint reads it into a [`Check`].
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
pub enum ParamValue {
    Int(i64),
    Str(String),
    List(Vec<String>),
}

// ---------------------------------------------------------------------------
// Source form: exactly what a support team writes, spans kept for messages.
// ---------------------------------------------------------------------------

#[cfg(feature = "source")]
/// A tree file as written. Every key is optional to the parser and unknown keys
/// are kept aside: lint reports missing and unknown keys with the file's other
/// problems, where a parse error would stop at the first.
#[derive(Debug, Clone, Deserialize)]
pub struct SourceTree {
    pub id: Option<Spanned<String>>,
    pub title: Option<Spanned<String>>,
    pub symptom: Option<Spanned<String>>,
    /// The language the tree is written in (BCP 47, default `en`).
    pub lang: Option<Spanned<String>>,
    pub version: Option<Spanned<u32>>,
    pub start: Option<Spanned<String>>,
    #[serde(default, rename = "node")]
    pub nodes: Vec<Spanned<SourceNode>>,
    /// Keys the format does not have, each reported by lint at its line (refusing
    /// them in the parser would hide the file's other problems).
    #[serde(flatten)]
    pub extra_keys: BTreeMap<String, serde::de::IgnoredAny>,
}

#[cfg(feature = "source")]
/// One `[[node]]` table. Flat on purpose: serde's tagged enums lose toml spans, and
/// a flat form lets lint say "a question needs `choices`" rather than a parse error.
#[derive(Debug, Clone, Deserialize)]
pub struct SourceNode {
    pub id: Option<Spanned<String>>,
    /// `question`, `check`, `advice` or `outcome`.
    pub kind: Option<Spanned<String>>,
    pub text: Option<Spanned<String>>,
    pub help: Option<Spanned<String>>,
    // question
    #[serde(default)]
    pub choices: Option<Spanned<Vec<Spanned<SourceChoice>>>>,
    pub answered_by: Option<Spanned<SourceSkip>>,
    // check
    pub check: Option<Spanned<String>>,
    pub params: Option<Spanned<BTreeMap<String, Spanned<ParamValue>>>>,
    pub next: Option<Spanned<SourceOutcomes>>,
    // advice
    pub fixed: Option<Spanned<String>>,
    pub not_fixed: Option<Spanned<String>>,
    // outcome
    pub result: Option<Spanned<String>>,
    pub summary: Option<Spanned<String>>,
    pub cause: Option<Spanned<String>>,
    /// Keys the format does not have, each reported by lint at its line (refusing
    /// them in the parser would hide the file's other problems).
    #[serde(flatten)]
    pub extra_keys: BTreeMap<String, serde::de::IgnoredAny>,
}

#[cfg(feature = "source")]
#[derive(Debug, Clone, Deserialize)]
pub struct SourceChoice {
    pub id: Option<Spanned<String>>,
    pub label: Option<Spanned<String>>,
    pub next: Option<Spanned<String>>,
    /// Keys the format does not have, each reported by lint at its line (refusing
    /// them in the parser would hide the file's other problems).
    #[serde(flatten)]
    pub extra_keys: BTreeMap<String, serde::de::IgnoredAny>,
}

#[cfg(feature = "source")]
/// `next = { pass = "..", warn = "..", fail = "..", unknown = ".." }`; a missing
/// outcome is a lint error, not a parse error, so the message can say which.
#[derive(Debug, Clone, Deserialize)]
pub struct SourceOutcomes {
    pub pass: Option<Spanned<String>>,
    pub warn: Option<Spanned<String>>,
    pub fail: Option<Spanned<String>>,
    pub unknown: Option<Spanned<String>>,
    /// Keys the format does not have, each reported by lint at its line (refusing
    /// them in the parser would hide the file's other problems).
    #[serde(flatten)]
    pub extra_keys: BTreeMap<String, serde::de::IgnoredAny>,
}

#[cfg(feature = "source")]
impl SourceOutcomes {
    pub fn get(&self, o: CheckOutcome) -> Option<&Spanned<String>> {
        match o {
            CheckOutcome::Pass => self.pass.as_ref(),
            CheckOutcome::Warn => self.warn.as_ref(),
            CheckOutcome::Fail => self.fail.as_ref(),
            CheckOutcome::Unknown => self.unknown.as_ref(),
        }
    }
}

#[cfg(feature = "source")]
/// `answered_by = { check = "<check node id>", pass = "<choice id>", ... }`: when that
/// check node has a recorded result with a mapped outcome, the question is skipped.
#[derive(Debug, Clone, Deserialize)]
pub struct SourceSkip {
    pub check: Option<Spanned<String>>,
    pub pass: Option<Spanned<String>>,
    pub warn: Option<Spanned<String>>,
    pub fail: Option<Spanned<String>>,
    pub unknown: Option<Spanned<String>>,
    /// Keys the format does not have, each reported by lint at its line (refusing
    /// them in the parser would hide the file's other problems).
    #[serde(flatten)]
    pub extra_keys: BTreeMap<String, serde::de::IgnoredAny>,
}

#[cfg(feature = "source")]
impl SourceSkip {
    pub fn get(&self, o: CheckOutcome) -> Option<&Spanned<String>> {
        match o {
            CheckOutcome::Pass => self.pass.as_ref(),
            CheckOutcome::Warn => self.warn.as_ref(),
            CheckOutcome::Fail => self.fail.as_ref(),
            CheckOutcome::Unknown => self.unknown.as_ref(),
        }
    }
}

// ---------------------------------------------------------------------------
// Compiled form: ids resolved to indices; built only from a lint-clean source.
// This is also the form the helper serves and the app reads (JSON, serde): the
// app never parses TOML. `None`s are left out of the JSON, and line numbers stay
// with the author (the served form has none).
// ---------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tree {
    pub id: String,
    pub title: String,
    pub symptom: String,
    /// The language of its words (BCP 47, lower case; `en` unless the tree says):
    /// what a reader falls back to when the tree has no translation in theirs.
    /// Not part of the fingerprint: the words are.
    #[serde(default = "english")]
    pub lang: String,
    pub version: u32,
    pub start: NodeIdx,
    pub nodes: Vec<Node>,
    /// Content fingerprint (see [`Tree::compute_fingerprint`]): the version's
    /// address. A link records it, so a report finds the very version the link was
    /// made with and can tell whether the tree has changed since. In JSON, 16 hex
    /// digits (a JavaScript number cannot hold 64 bits).
    #[serde(with = "hex64")]
    pub fingerprint: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Node {
    pub id: String,
    /// 1-based line of the node in its source file, for messages (0 when read
    /// from the served form, which carries none).
    #[serde(skip)]
    pub line: u32,
    pub kind: NodeKind,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum NodeKind {
    Question {
        text: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        help: Option<String>,
        choices: Vec<Choice>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        answered_by: Option<SkipRule>,
    },
    Check {
        /// Which check, with its parameters.
        check: Check,
        text: String,
        next: PerOutcome<NodeIdx>,
    },
    Advice {
        text: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        help: Option<String>,
        fixed: NodeIdx,
        not_fixed: NodeIdx,
    },
    Outcome {
        result: Resolution,
        summary: String,
        cause: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        help: Option<String>,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Choice {
    pub id: String,
    pub label: String,
    pub next: NodeIdx,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SkipRule {
    /// The check node whose recorded result answers the question.
    pub check: NodeIdx,
    /// Choice index implied by each outcome; `None` means "ask anyway".
    pub choice: PerOutcome<Option<u8>>,
}

pub(crate) fn english() -> String {
    "en".to_string()
}

impl Tree {
    /// Parses and lints a tree file; the tree is built only when lint finds nothing.
    #[cfg(feature = "source")]
    pub fn from_toml(src: &str) -> Result<Tree, Vec<crate::lint::Problem>> {
        crate::lint::compile(src)
    }

    pub fn node(&self, idx: NodeIdx) -> Option<&Node> {
        self.nodes.get(usize::from(idx))
    }

    pub fn index_of(&self, id: &str) -> Option<NodeIdx> {
        self.nodes
            .iter()
            .position(|n| n.id == id)
            .and_then(|i| NodeIdx::try_from(i).ok())
    }

    /// Successors of a node, in branch order (duplicates kept).
    pub fn successors(&self, idx: NodeIdx) -> Vec<NodeIdx> {
        match self.node(idx).map(|n| &n.kind) {
            Some(NodeKind::Question { choices, .. }) => choices.iter().map(|c| c.next).collect(),
            Some(NodeKind::Check { next, .. }) => {
                CheckOutcome::ALL.iter().map(|o| *next.get(*o)).collect()
            }
            Some(NodeKind::Advice {
                fixed, not_fixed, ..
            }) => vec![*fixed, *not_fixed],
            Some(NodeKind::Outcome { .. }) | None => Vec::new(),
        }
    }

    /// Longest number of steps from `idx` to an outcome, counting `idx` itself
    /// unless it is an outcome. Trees are acyclic (lint), so this terminates.
    pub fn longest_remaining(&self, idx: NodeIdx) -> usize {
        let mut memo = vec![None; self.nodes.len()];
        self.longest_from(idx, &mut memo)
    }

    fn longest_from(&self, idx: NodeIdx, memo: &mut Vec<Option<usize>>) -> usize {
        let Some(slot) = memo.get(usize::from(idx)) else {
            return 0;
        };
        if let Some(v) = slot {
            return *v;
        }
        // Mark as in progress with 0 so a malformed cyclic tree cannot recurse forever.
        memo[usize::from(idx)] = Some(0);
        let succ = self.successors(idx);
        let v = if succ.is_empty() {
            0
        } else {
            1 + succ
                .into_iter()
                .map(|s| self.longest_from(s, memo))
                .max()
                .unwrap_or(0)
        };
        memo[usize::from(idx)] = Some(v);
        v
    }

    /// FNV-1a over everything a user or a report sees and every branch: ids,
    /// kinds, every sentence, choices, branches, skip rules, checks with their
    /// parameters, the title and the version. Comments and line numbers are not
    /// content, so moving a node or adding a comment keeps it; changing a word
    /// makes a new version, kept beside the old ones (links made with either
    /// still open with their own text).
    pub fn compute_fingerprint(&self) -> u64 {
        let mut h = Fnv::new();
        h.write(self.id.as_bytes());
        h.write(self.title.as_bytes());
        h.write(self.symptom.as_bytes());
        h.write_u64(u64::from(self.version));
        h.write_u64(u64::from(self.start));
        let opt = |h: &mut Fnv, s: &Option<String>| match s {
            Some(s) => h.write(s.as_bytes()),
            None => h.write(b"\0none"),
        };
        for n in &self.nodes {
            h.write(n.id.as_bytes());
            match &n.kind {
                NodeKind::Question {
                    text,
                    help,
                    choices,
                    answered_by,
                } => {
                    h.write(b"q");
                    h.write(text.as_bytes());
                    opt(&mut h, help);
                    for c in choices {
                        h.write(c.id.as_bytes());
                        h.write(c.label.as_bytes());
                        h.write_u64(u64::from(c.next));
                    }
                    if let Some(rule) = answered_by {
                        h.write(b"s");
                        h.write_u64(u64::from(rule.check));
                        for o in CheckOutcome::ALL {
                            h.write_u64(rule.choice.get(o).map_or(u64::MAX, u64::from));
                        }
                    }
                }
                NodeKind::Check { check, text, next } => {
                    h.write(b"c");
                    // The derived form names the check and every parameter's value.
                    h.write(format!("{check:?}").as_bytes());
                    h.write(text.as_bytes());
                    for o in CheckOutcome::ALL {
                        h.write_u64(u64::from(*next.get(o)));
                    }
                }
                NodeKind::Advice {
                    text,
                    help,
                    fixed,
                    not_fixed,
                } => {
                    h.write(b"a");
                    h.write(text.as_bytes());
                    opt(&mut h, help);
                    h.write_u64(u64::from(*fixed));
                    h.write_u64(u64::from(*not_fixed));
                }
                NodeKind::Outcome {
                    result,
                    summary,
                    cause,
                    help,
                } => {
                    h.write(b"o");
                    h.write(result.as_str().as_bytes());
                    h.write(summary.as_bytes());
                    h.write(cause.as_bytes());
                    opt(&mut h, help);
                }
            }
        }
        h.finish()
    }

    /// The fingerprint as the served form and its address write it: 16 hex digits.
    pub fn fingerprint_hex(&self) -> String {
        hex64::text(self.fingerprint)
    }
}

/// A `u64` as 16 lowercase hex digits in JSON: a JavaScript number holds only 53 bits.
pub mod hex64 {
    use serde::{Deserialize, Deserializer, Serializer};

    /// `v` as 16 lowercase hex digits.
    pub fn text(v: u64) -> String {
        format!("{v:016x}")
    }

    /// 16 hex digits back to the number; `None` for anything else.
    pub fn parse(s: &str) -> Option<u64> {
        (s.len() == 16 && s.bytes().all(|b| b.is_ascii_hexdigit()))
            .then(|| u64::from_str_radix(s, 16).ok())
            .flatten()
    }

    pub fn serialize<S: Serializer>(v: &u64, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&text(*v))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
        let s = String::deserialize(d)?;
        parse(&s).ok_or_else(|| serde::de::Error::custom("expected 16 hex digits"))
    }
}

/// 64-bit FNV-1a: tiny, deterministic on every target, and enough to notice change.
struct Fnv(u64);

impl Fnv {
    fn new() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 ^= u64::from(*b);
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
        // A separator so ("ab","c") and ("a","bc") differ.
        self.0 ^= 0xff;
        self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
    }
    fn write_u64(&mut self, v: u64) {
        self.write(&v.to_le_bytes());
    }
    fn finish(&self) -> u64 {
        self.0
    }
}
