//! An advice step: what to try, then "That fixed it" or "Didn't help".

use fixpath_core::{NodeIdx, NodeKind, Tree};
use yew::prelude::*;

use crate::i18n::{t, Msg};
use crate::services::clock;
use crate::state::{FlowAction, FlowState};

/// The advice at `node`, keyed by `key` (the step), so each step is drawn afresh.
/// A plain function, not a component: it holds no state of its own.
pub fn advice_step(
    key: usize,
    tree: &Tree,
    node: NodeIdx,
    heading: &NodeRef,
    dispatch: &UseReducerDispatcher<FlowState>,
) -> Html {
    let Some(NodeKind::Advice { text, help, .. }) = tree.node(node).map(|n| &n.kind) else {
        return Html::default();
    };
    let answer = |fixed: bool| {
        let dispatch = dispatch.clone();
        Callback::from(move |_| {
            dispatch.dispatch(FlowAction::Advised {
                fixed,
                at_ms: clock::now_ms(),
            })
        })
    };
    html! {
        <div class="advice" {key}>
            <p class="kicker">{ t(Msg::WalkAdviceKicker) }</p>
            <h1 ref={heading.clone()} tabindex="-1">{ text }</h1>
            if let Some(help) = help { <p class="help">{ help }</p> }
            <div class="choices">
                <button type="button" class="choice" onclick={answer(true)}>{ t(Msg::WalkAdviceFixed) }</button>
                <button type="button" class="choice" onclick={answer(false)}>{ t(Msg::WalkAdviceNotFixed) }</button>
            </div>
        </div>
    }
}
