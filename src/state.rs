//! The flow's state and its typed actions: a thin `Reducible` over the core engine.
//! Actions carry the clock reading, so reducing stays pure.
//!
//! The walk moves on by itself through every check whose result asks nothing of
//! the user ([`moves_on`]); what the user did is everything else: an answer, an
//! advice's answer, Continue past a check that found something, and the server
//! name they typed. Back and the browser's history count only those
//! ([`FlowState::user_steps`]): Back undoes the last of them, and the checks that
//! ran on their own since come back with it.

use std::net::IpAddr;
use std::rc::Rc;

use fixpath_core::content::MAX_TICKET_CHARS;
use fixpath_core::{Action, CheckOutcome, CheckResult, Entry, NodeKind, Session, Tree};
use yew::Reducible;

/// One walk through one tree.
#[derive(Debug, Clone, PartialEq)]
pub struct FlowState {
    pub tree: Rc<Tree>,
    pub session: Session,
    /// User steps taken back, newest last, so the browser's Forward can replay
    /// them; cleared by any new action of the user's.
    pub redo: Vec<Undone>,
    /// Counts every change of the walk, so what belongs to one moment of it (a
    /// check's Retry count) is not taken for another's at the same step.
    pub changes: u32,
}

/// One user step as Back took it: the server name it cleared, if that was the
/// step, and the entries it took, in the order they were made.
#[derive(Debug, Clone, PartialEq)]
pub struct Undone {
    name: Option<String>,
    entries: Vec<Entry>,
}

/// Whether a check's result moves the walk on without the user: it passed, or it
/// could not run (the tree has a branch for that). A warning or a problem stops
/// the walk, its sentence shown, until the user continues.
pub fn moves_on(r: &CheckResult) -> bool {
    matches!(r.outcome, CheckOutcome::Pass | CheckOutcome::Unknown)
}

/// Whether an entry was the engine's or a check's own, not the user's.
fn automatic(e: &Entry) -> bool {
    match &e.action {
        Action::Skipped { .. } => true,
        Action::Checked(r) => moves_on(r),
        _ => false,
    }
}

/// Whether the check at `node` needs the server name the user types.
fn needs_name(tree: &Tree, node: fixpath_core::NodeIdx) -> bool {
    matches!(
        tree.node(node).map(|n| &n.kind),
        Some(NodeKind::Check { check, .. }) if check.name().needs_server_name()
    )
}

/// What the user (or a finished check) did.
#[derive(Debug, Clone, PartialEq)]
pub enum FlowAction {
    Answer {
        choice: u8,
        at_ms: u64,
    },
    Checked {
        result: CheckResult,
        /// The client address the helper saw, when the check learnt it.
        client_address: Option<IpAddr>,
        at_ms: u64,
        /// The user pressed Continue (else the walk moved on by itself, which
        /// keeps Forward's steps).
        by_user: bool,
    },
    Advised {
        fixed: bool,
        at_ms: u64,
    },
    Back,
    Restart {
        at_ms: u64,
    },
    SetNotes(String),
    SetServerName(String),
    /// The ticket number as typed, once the browser found it valid (`None`:
    /// empty or invalid, so the link carries none).
    SetTicket(Option<String>),
    /// Go to the user's step `n` (browser back and forward): undo or replay steps.
    GoTo(usize),
}

impl FlowState {
    pub fn new(tree: Rc<Tree>, now_ms: u64) -> Self {
        let session = Session::start(&tree, now_ms);
        FlowState {
            tree,
            session,
            redo: Vec::new(),
            changes: 0,
        }
    }

    /// Steps the user took: what the browser history counts. Typing the server
    /// name is one, once the walk has reached the check that asked for it.
    pub fn user_steps(&self) -> usize {
        let entries = &self.session.entries;
        let acted = entries.iter().filter(|e| !automatic(e)).count();
        let named = self.session.server_name.is_some()
            && (entries.iter().any(|e| needs_name(&self.tree, e.node))
                || needs_name(&self.tree, self.session.current(&self.tree)));
        acted + usize::from(named)
    }

    /// Whether the server name was typed at the current step: the current check is
    /// the walk's first to need it.
    fn named_here(&self) -> bool {
        let tree = &self.tree;
        self.session.server_name.is_some()
            && needs_name(tree, self.session.current(tree))
            && !self
                .session
                .entries
                .iter()
                .any(|e| needs_name(tree, e.node))
    }

    /// Undoes one user step and the automatic entries after it, remembering them
    /// for Forward.
    fn undo(&mut self) -> bool {
        let mut undone = Undone {
            name: None,
            entries: Vec::new(),
        };
        loop {
            if self.named_here() {
                undone.name = self.session.server_name.take();
                break;
            }
            let Some(e) = self.session.entries.pop() else {
                break;
            };
            let by_user = !automatic(&e);
            undone.entries.insert(0, e);
            if by_user {
                break;
            }
        }
        // Popping only automatic entries back to the start is no step of the
        // user's: the walk would move on through them again.
        if undone.name.is_none() && undone.entries.first().is_none_or(automatic) {
            let mut entries = undone.entries;
            self.session.entries.append(&mut entries);
            return false;
        }
        self.redo.push(undone);
        true
    }

    /// Replays the last undone step, through the engine so skips are made anew.
    fn replay(&mut self) -> bool {
        let Some(undone) = self.redo.pop() else {
            return false;
        };
        if undone.name.is_some() {
            self.session.server_name = undone.name;
        }
        let tree = Rc::clone(&self.tree);
        for e in undone.entries {
            let ok = match e.action {
                Action::Chose { choice } => self.session.answer(&tree, choice, e.at_ms),
                Action::Checked(r) => self.session.record_check(&tree, r, e.at_ms),
                Action::Advised { fixed } => self.session.advise(&tree, fixed, e.at_ms),
                Action::Skipped { .. } => Ok(()),
            };
            if ok.is_err() {
                self.redo.clear();
                return false;
            }
        }
        true
    }
}

impl Reducible for FlowState {
    type Action = FlowAction;

    fn reduce(self: Rc<Self>, action: FlowAction) -> Rc<Self> {
        let mut next = (*self).clone();
        let tree = Rc::clone(&self.tree);
        // An action that does not fit the current step (a double click racing a
        // re-render) is dropped: the engine refuses it and the state stays as it was.
        let changed = match action {
            FlowAction::Answer { choice, at_ms } => {
                next.redo.clear();
                next.session.answer(&tree, choice, at_ms).is_ok()
            }
            FlowAction::Checked {
                result,
                client_address,
                at_ms,
                by_user,
            } => {
                if by_user {
                    next.redo.clear();
                }
                let ok = next.session.record_check(&tree, result, at_ms).is_ok();
                if ok && client_address.is_some() {
                    next.session.client_address = client_address;
                }
                ok
            }
            FlowAction::Advised { fixed, at_ms } => {
                next.redo.clear();
                next.session.advise(&tree, fixed, at_ms).is_ok()
            }
            FlowAction::Back => next.undo(),
            FlowAction::Restart { at_ms } => {
                next.redo.clear();
                next.session.restart(&tree, at_ms);
                true
            }
            FlowAction::SetNotes(n) => {
                next.session.notes = n;
                true
            }
            FlowAction::SetServerName(s) => {
                next.redo.clear();
                let s = s.trim().to_string();
                next.session.server_name = (!s.is_empty()).then_some(s);
                true
            }
            FlowAction::SetTicket(t) => {
                // Kept as typed (that is what the browser found valid); blank is no
                // ticket number, and neither is more than the field could take (its
                // `maxlength` counts at most four bytes a character).
                let t = t.filter(|t| !t.trim().is_empty() && t.len() <= 4 * MAX_TICKET_CHARS);
                let changed = next.session.ticket != t;
                next.session.ticket = t;
                changed
            }
            FlowAction::GoTo(n) => {
                let mut moved = false;
                while next.user_steps() > n && next.undo() {
                    moved = true;
                }
                while next.user_steps() < n && next.replay() {
                    moved = true;
                }
                moved
            }
        };
        if changed {
            next.changes = self.changes.wrapping_add(1);
            Rc::new(next)
        } else {
            self
        }
    }
}
