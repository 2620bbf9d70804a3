//! Constructors for the code [`crate::codegen`] writes: each node of an embedded
//! tree is one call with static strings, not an inline struct literal, so the
//! app's wasm carries the trees as data and one copy of the building code.

use crate::catalog::Check;
use crate::model::{Choice, Node, NodeIdx, NodeKind, PerOutcome, Resolution, SkipRule, Tree};

fn owned(s: &str) -> String {
    s.to_string()
}

fn per<T: Copy>([pass, warn, fail, unknown]: [T; 4]) -> PerOutcome<T> {
    PerOutcome {
        pass,
        warn,
        fail,
        unknown,
    }
}

pub fn tree(
    [id, title, symptom]: [&str; 3],
    version: u32,
    start: NodeIdx,
    fingerprint: u64,
    nodes: Vec<Node>,
) -> Tree {
    Tree {
        id: owned(id),
        title: owned(title),
        symptom: owned(symptom),
        version,
        start,
        nodes,
        fingerprint,
    }
}

/// A question; `skip` is the check node answering it and the choice per outcome.
pub fn question(
    id: &str,
    line: u32,
    text: &str,
    help: Option<&str>,
    choices: &[(&str, &str, NodeIdx)],
    skip: Option<(NodeIdx, [Option<u8>; 4])>,
) -> Node {
    node(
        id,
        line,
        NodeKind::Question {
            text: owned(text),
            help: help.map(owned),
            choices: choices
                .iter()
                .map(|&(id, label, next)| Choice {
                    id: owned(id),
                    label: owned(label),
                    next,
                })
                .collect(),
            answered_by: skip.map(|(check, choice)| SkipRule {
                check,
                choice: per(choice),
            }),
        },
    )
}

/// A check; `next` is in [`crate::CheckOutcome::ALL`] order.
pub fn check(id: &str, line: u32, check: Check, text: &str, next: [NodeIdx; 4]) -> Node {
    node(
        id,
        line,
        NodeKind::Check {
            check,
            text: owned(text),
            next: per(next),
        },
    )
}

pub fn advice(
    id: &str,
    line: u32,
    text: &str,
    help: Option<&str>,
    fixed: NodeIdx,
    not_fixed: NodeIdx,
) -> Node {
    node(
        id,
        line,
        NodeKind::Advice {
            text: owned(text),
            help: help.map(owned),
            fixed,
            not_fixed,
        },
    )
}

/// An outcome; `[summary, cause]`.
pub fn outcome(
    id: &str,
    line: u32,
    result: Resolution,
    [summary, cause]: [&str; 2],
    help: Option<&str>,
) -> Node {
    node(
        id,
        line,
        NodeKind::Outcome {
            result,
            summary: owned(summary),
            cause: owned(cause),
            help: help.map(owned),
        },
    )
}

fn node(id: &str, line: u32, kind: NodeKind) -> Node {
    Node {
        id: owned(id),
        line,
        kind,
    }
}
