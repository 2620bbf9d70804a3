//! The troubleshooter tree: the TOML source form (with line spans for lint) and the
//! compiled, index-linked form the engine walks.

#[cfg(feature = "source")]
use std::collections::BTreeMap;

#[cfg(feature = "source")]
use serde::Deserialize;
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
#[derive(Debug, Clone, PartialEq, Eq, Default)]
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
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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
// ---------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq)]
pub struct Tree {
    pub id: String,
    pub title: String,
    pub symptom: String,
    pub version: u32,
    pub start: NodeIdx,
    pub nodes: Vec<Node>,
    /// Structural fingerprint (see [`Tree::fingerprint`]); a link records it so a
    /// report can tell when the tree changed shape since the link was made.
    pub fingerprint: u64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub id: String,
    /// 1-based line of the node in its source file, for messages.
    pub line: u32,
    pub kind: NodeKind,
}

#[derive(Debug, Clone, PartialEq)]
pub enum NodeKind {
    Question {
        text: String,
        help: Option<String>,
        choices: Vec<Choice>,
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
        help: Option<String>,
        fixed: NodeIdx,
        not_fixed: NodeIdx,
    },
    Outcome {
        result: Resolution,
        summary: String,
        cause: String,
        help: Option<String>,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Choice {
    pub id: String,
    pub label: String,
    pub next: NodeIdx,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SkipRule {
    /// The check node whose recorded result answers the question.
    pub check: NodeIdx,
    /// Choice index implied by each outcome; `None` means "ask anyway".
    pub choice: PerOutcome<Option<u8>>,
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

    /// FNV-1a over the tree's shape: node ids, kinds, choice ids, branches and check
    /// names. Wording changes keep the fingerprint; anything that changes what the
    /// indices in a link mean changes it.
    pub fn compute_fingerprint(&self) -> u64 {
        let mut h = Fnv::new();
        h.write(self.id.as_bytes());
        h.write_u64(u64::from(self.start));
        for n in &self.nodes {
            h.write(n.id.as_bytes());
            match &n.kind {
                NodeKind::Question {
                    choices,
                    answered_by,
                    ..
                } => {
                    h.write(b"q");
                    for c in choices {
                        h.write(c.id.as_bytes());
                        h.write_u64(u64::from(c.next));
                    }
                    // Skip rules decide which steps a link may hold, so they are shape.
                    if let Some(rule) = answered_by {
                        h.write(b"s");
                        h.write_u64(u64::from(rule.check));
                        for o in CheckOutcome::ALL {
                            h.write_u64(rule.choice.get(o).map_or(u64::MAX, u64::from));
                        }
                    }
                }
                NodeKind::Check { check, next, .. } => {
                    h.write(b"c");
                    h.write(check.name().as_str().as_bytes());
                    for o in CheckOutcome::ALL {
                        h.write_u64(u64::from(*next.get(o)));
                    }
                }
                NodeKind::Advice {
                    fixed, not_fixed, ..
                } => {
                    h.write(b"a");
                    h.write_u64(u64::from(*fixed));
                    h.write_u64(u64::from(*not_fixed));
                }
                NodeKind::Outcome { result, cause, .. } => {
                    h.write(b"o");
                    h.write(result.as_str().as_bytes());
                    h.write(cause.as_bytes());
                }
            }
        }
        h.finish()
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
