//! The engine: a pure state machine over a [`Tree`]. A [`Session`] is plain data
//! (what a link carries); every operation takes the caller's clock reading.

use std::net::IpAddr;

use crate::model::{CheckOutcome, NodeIdx, NodeKind, Tree};

/// A check's result as recorded: the outcome, one small figure (milliseconds,
/// seconds, a count; the unit is the check's, see `CheckName::figure_unit`) and
/// whatever else the sentence the user read was made of ([`Detail`]), so a report
/// can say it again word for word (`verdict::sentence`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckResult {
    pub outcome: CheckOutcome,
    pub figure: Option<i64>,
    pub detail: Detail,
}

/// What a check's sentence needs beyond its outcome and figure: a few small
/// numbers and at most one text, each check's own (`verdict` says which). Empty in
/// links made before sentences were carried; their sentences fall back to fewer
/// words, never to a panic.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Detail {
    pub nums: Vec<u32>,
    pub text: Option<String>,
}

impl CheckResult {
    /// A result with no detail.
    pub fn new(outcome: CheckOutcome, figure: Option<i64>) -> Self {
        CheckResult {
            outcome,
            figure,
            detail: Detail::default(),
        }
    }
}

/// What happened at one step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// The user picked a choice of a question.
    Chose { choice: u8 },
    /// A check ran (or could not: `Unknown`).
    Checked(CheckResult),
    /// The user said whether an advice step fixed things.
    Advised { fixed: bool },
    /// The engine answered a question from the recorded result of check node `by`.
    Skipped { choice: u8, by: NodeIdx },
}

/// One transcript line: the node, when (caller's clock, Unix ms), and what happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub node: NodeIdx,
    pub at_ms: u64,
    pub action: Action,
}

/// A walk through one tree: everything a findings link carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub tree_id: String,
    pub fingerprint: u64,
    pub tree_version: u32,
    /// When the session started, Unix ms.
    pub started_ms: u64,
    pub entries: Vec<Entry>,
    /// What the user wrote for support staff.
    pub notes: String,
    /// The VPN server name (or address) the user typed, when a check asked for it.
    pub server_name: Option<String>,
    /// The client's address as the helper saw it, when the user chose to include it.
    pub client_address: Option<IpAddr>,
    /// The support team's ticket number, when their page asks for one and the user
    /// typed it (checked against the team's pattern by the page, not here).
    pub ticket: Option<String>,
    /// The language the user walked in (a BCP 47 tag), when it was not the
    /// tree's own: the report says so, and offers to read it in that language.
    pub lang: Option<String>,
}

/// Why an operation was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EngineError {
    #[error("the current step is not a question")]
    NotAQuestion,
    #[error("the question has no choice {0}")]
    NoSuchChoice(u8),
    #[error("the current step is not a check")]
    NotACheck,
    #[error("the current step is not advice")]
    NotAdvice,
    #[error("the troubleshooter has already reached an outcome")]
    Finished,
    #[error("step {step} does not fit the tree: {why}")]
    Mismatch { step: usize, why: &'static str },
    #[error("this session belongs to tree `{0}`")]
    WrongTree(String),
}

impl Session {
    /// Starts a walk at the tree's start node.
    pub fn start(tree: &Tree, now_ms: u64) -> Session {
        let mut s = Session {
            tree_id: tree.id.clone(),
            fingerprint: tree.fingerprint,
            tree_version: tree.version,
            started_ms: now_ms,
            entries: Vec::new(),
            notes: String::new(),
            server_name: None,
            client_address: None,
            ticket: None,
            lang: None,
        };
        s.settle(tree, now_ms);
        s
    }

    /// The session as the user shares it: without the client address or the server
    /// name when they leave them out. The outcome step shares exactly this.
    pub fn shared(&self, address: bool, server: bool) -> Session {
        let mut s = self.clone();
        if !address {
            s.client_address = None;
        }
        if !server {
            s.server_name = None;
        }
        s
    }

    /// Forgets every step, keeping notes and the server name the user typed.
    pub fn restart(&mut self, tree: &Tree, now_ms: u64) {
        self.entries.clear();
        self.started_ms = now_ms;
        self.settle(tree, now_ms);
    }

    /// The node the user is at now. Entries were validated as they were added, so
    /// replay cannot fail; a session that does not fit its tree stays at `start`.
    pub fn current(&self, tree: &Tree) -> NodeIdx {
        self.entries
            .last()
            .and_then(|e| next_of(tree, e.node, &e.action))
            .unwrap_or(tree.start)
    }

    /// Whether the walk has reached an outcome.
    pub fn is_finished(&self, tree: &Tree) -> bool {
        matches!(
            tree.node(self.current(tree)).map(|n| &n.kind),
            Some(NodeKind::Outcome { .. })
        )
    }

    /// Answers the current question.
    pub fn answer(&mut self, tree: &Tree, choice: u8, now_ms: u64) -> Result<(), EngineError> {
        let node = self.current(tree);
        match tree.node(node).map(|n| &n.kind) {
            Some(NodeKind::Question { choices, .. }) => {
                if usize::from(choice) >= choices.len() {
                    return Err(EngineError::NoSuchChoice(choice));
                }
            }
            Some(NodeKind::Outcome { .. }) => return Err(EngineError::Finished),
            _ => return Err(EngineError::NotAQuestion),
        }
        self.push(tree, node, Action::Chose { choice }, now_ms);
        Ok(())
    }

    /// Records the result of the current check.
    pub fn record_check(
        &mut self,
        tree: &Tree,
        result: CheckResult,
        now_ms: u64,
    ) -> Result<(), EngineError> {
        let node = self.current(tree);
        match tree.node(node).map(|n| &n.kind) {
            Some(NodeKind::Check { .. }) => {}
            Some(NodeKind::Outcome { .. }) => return Err(EngineError::Finished),
            _ => return Err(EngineError::NotACheck),
        }
        self.push(tree, node, Action::Checked(result), now_ms);
        Ok(())
    }

    /// Says whether the current advice fixed the problem.
    pub fn advise(&mut self, tree: &Tree, fixed: bool, now_ms: u64) -> Result<(), EngineError> {
        let node = self.current(tree);
        match tree.node(node).map(|n| &n.kind) {
            Some(NodeKind::Advice { .. }) => {}
            Some(NodeKind::Outcome { .. }) => return Err(EngineError::Finished),
            _ => return Err(EngineError::NotAdvice),
        }
        self.push(tree, node, Action::Advised { fixed }, now_ms);
        Ok(())
    }

    /// Undoes exactly one step of the user's: the last action and the automatic
    /// skips it caused, so the user is back where they last acted. Returns false at
    /// the start.
    pub fn back(&mut self) -> bool {
        while matches!(
            self.entries.last(),
            Some(Entry {
                action: Action::Skipped { .. },
                ..
            })
        ) {
            self.entries.pop();
        }
        self.entries.pop().is_some()
    }

    /// Steps taken (skips included) so far.
    pub fn steps_taken(&self) -> usize {
        self.entries.len()
    }

    /// Steps taken ÷ (steps taken + the longest remaining path); 1.0 at an outcome.
    pub fn progress(&self, tree: &Tree) -> f64 {
        let taken = self.steps_taken();
        let remaining = tree.longest_remaining(self.current(tree));
        if remaining == 0 {
            return 1.0;
        }
        taken as f64 / (taken + remaining) as f64
    }

    /// The recorded result of a check node, the latest if it ran more than once.
    pub fn result_of(&self, check_node: NodeIdx) -> Option<CheckResult> {
        self.entries.iter().rev().find_map(|e| match &e.action {
            Action::Checked(r) if e.node == check_node => Some(r.clone()),
            _ => None,
        })
    }

    /// Checks that every entry fits the tree (used on decoded links). Replays from
    /// the start; skips must be ones the engine itself would have made.
    pub fn validate(&self, tree: &Tree) -> Result<(), EngineError> {
        if self.tree_id != tree.id {
            return Err(EngineError::WrongTree(self.tree_id.clone()));
        }
        let mut replay = Session {
            entries: Vec::with_capacity(self.entries.len()),
            ..self.clone()
        };
        for (step, e) in self.entries.iter().enumerate() {
            let at = replay.current(tree);
            if e.node != at {
                return Err(EngineError::Mismatch {
                    step,
                    why: "the step is not at the node the previous step leads to",
                });
            }
            let kind = tree.node(at).map(|n| &n.kind);
            let ok = match (kind, &e.action) {
                (
                    Some(NodeKind::Question {
                        choices,
                        answered_by,
                        ..
                    }),
                    Action::Chose { choice },
                ) => {
                    // Where a recorded result answers the question, the engine
                    // skips it: a manual answer there is not one it could make.
                    let skipped = answered_by.as_ref().is_some_and(|r| {
                        replay
                            .result_of(r.check)
                            .and_then(|res| *r.choice.get(res.outcome))
                            .is_some_and(|c| usize::from(c) < choices.len())
                    });
                    usize::from(*choice) < choices.len() && !skipped
                }
                (Some(NodeKind::Question { answered_by, .. }), Action::Skipped { choice, by }) => {
                    answered_by.as_ref().is_some_and(|r| {
                        r.check == *by
                            && replay
                                .result_of(*by)
                                .and_then(|res| *r.choice.get(res.outcome))
                                == Some(*choice)
                    })
                }
                (Some(NodeKind::Check { .. }), Action::Checked(_)) => true,
                (Some(NodeKind::Advice { .. }), Action::Advised { .. }) => true,
                _ => false,
            };
            if !ok {
                return Err(EngineError::Mismatch {
                    step,
                    why: "the step's action does not fit the node",
                });
            }
            replay.entries.push(e.clone());
        }
        Ok(())
    }

    fn push(&mut self, tree: &Tree, node: NodeIdx, action: Action, now_ms: u64) {
        self.entries.push(Entry {
            node,
            at_ms: now_ms,
            action,
        });
        self.settle(tree, now_ms);
    }

    /// Applies skip rules at the current node until the user must act.
    fn settle(&mut self, tree: &Tree, now_ms: u64) {
        // Each skip moves forward in an acyclic tree, so this ends; the bound is a
        // belt for trees that were not linted.
        for _ in 0..tree.nodes.len() {
            let node = self.current(tree);
            let Some(NodeKind::Question {
                answered_by: Some(rule),
                choices,
                ..
            }) = tree.node(node).map(|n| &n.kind)
            else {
                return;
            };
            let Some(choice) = self
                .result_of(rule.check)
                .and_then(|r| *rule.choice.get(r.outcome))
                .filter(|c| usize::from(*c) < choices.len())
            else {
                return;
            };
            self.entries.push(Entry {
                node,
                at_ms: now_ms,
                action: Action::Skipped {
                    choice,
                    by: rule.check,
                },
            });
        }
    }
}

/// Where an action at a node leads; `None` when it does not fit the node.
pub fn next_of(tree: &Tree, node: NodeIdx, action: &Action) -> Option<NodeIdx> {
    match (&tree.node(node)?.kind, action) {
        (NodeKind::Question { choices, .. }, Action::Chose { choice })
        | (NodeKind::Question { choices, .. }, Action::Skipped { choice, .. }) => {
            choices.get(usize::from(*choice)).map(|c| c.next)
        }
        (NodeKind::Check { next, .. }, Action::Checked(r)) => Some(*next.get(r.outcome)),
        (
            NodeKind::Advice {
                fixed, not_fixed, ..
            },
            Action::Advised { fixed: f },
        ) => Some(if *f { *fixed } else { *not_fixed }),
        _ => None,
    }
}
