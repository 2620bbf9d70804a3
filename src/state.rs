//! The flow's state and its typed actions: a thin `Reducible` over the core engine.
//! Actions carry the clock reading, so reducing stays pure.

use std::net::IpAddr;
use std::rc::Rc;

use fixpath_core::{CheckResult, Session, Tree};
use yew::Reducible;

/// One walk through one tree.
#[derive(Debug, Clone, PartialEq)]
pub struct FlowState {
    pub tree: Rc<Tree>,
    pub session: Session,
}

/// What the user (or a finished check) did.
#[derive(Debug, Clone, PartialEq)]
pub enum FlowAction {
    Answer { choice: u8, at_ms: u64 },
    Checked {
        result: CheckResult,
        /// The client address the helper saw, when the check learnt it.
        client_address: Option<IpAddr>,
        at_ms: u64,
    },
    Advised { fixed: bool, at_ms: u64 },
    Back,
    Restart { at_ms: u64 },
    SetNotes(String),
    SetServerName(String),
}

impl FlowState {
    pub fn new(tree: Rc<Tree>, now_ms: u64) -> Self {
        let session = Session::start(&tree, now_ms);
        FlowState { tree, session }
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
                next.session.answer(&tree, choice, at_ms).is_ok()
            }
            FlowAction::Checked {
                result,
                client_address,
                at_ms,
            } => {
                let ok = next.session.record_check(&tree, result, at_ms).is_ok();
                if ok && client_address.is_some() {
                    next.session.client_address = client_address;
                }
                ok
            }
            FlowAction::Advised { fixed, at_ms } => {
                next.session.advise(&tree, fixed, at_ms).is_ok()
            }
            FlowAction::Back => next.session.back(),
            FlowAction::Restart { at_ms } => {
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
        };
        if changed {
            Rc::new(next)
        } else {
            self
        }
    }
}
