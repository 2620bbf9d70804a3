//! The flow's state and its typed actions: a thin `Reducible` over the core engine.
//! Actions carry the clock reading, so reducing stays pure.

use std::net::IpAddr;
use std::rc::Rc;

use fixpath_core::content::MAX_TICKET_CHARS;
use fixpath_core::{Action, CheckResult, Entry, Session, Tree};
use yew::Reducible;

/// One walk through one tree.
#[derive(Debug, Clone, PartialEq)]
pub struct FlowState {
    pub tree: Rc<Tree>,
    pub session: Session,
    /// User actions taken back, newest last, so the browser's Forward can replay
    /// them; cleared by any new action.
    pub redo: Vec<Entry>,
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
        }
    }

    /// Steps the user took (skips are the engine's, not theirs): what the browser
    /// history counts.
    pub fn user_steps(&self) -> usize {
        self.session
            .entries
            .iter()
            .filter(|e| !matches!(e.action, Action::Skipped { .. }))
            .count()
    }

    /// Undoes one user step, remembering it for Forward.
    fn undo(&mut self) -> bool {
        let keep = self.session.entries.clone();
        if !self.session.back() {
            return false;
        }
        if let Some(e) = keep.get(self.session.entries.len()) {
            self.redo.push(*e);
        }
        true
    }

    /// Replays the last undone step, through the engine so skips are made anew.
    fn replay(&mut self) -> bool {
        let Some(e) = self.redo.pop() else {
            return false;
        };
        let tree = Rc::clone(&self.tree);
        let ok = match e.action {
            Action::Chose { choice } => self.session.answer(&tree, choice, e.at_ms),
            Action::Checked(r) => self.session.record_check(&tree, r, e.at_ms),
            Action::Advised { fixed } => self.session.advise(&tree, fixed, e.at_ms),
            Action::Skipped { .. } => Ok(()),
        };
        if ok.is_err() {
            self.redo.clear();
        }
        ok.is_ok()
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
            } => {
                next.redo.clear();
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
            Rc::new(next)
        } else {
            self
        }
    }
}
