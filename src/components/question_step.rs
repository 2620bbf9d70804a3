//! A question step: the text, optional help, and one button per choice.

use fixpath_core::{NodeIdx, NodeKind, Tree};
use yew::prelude::*;

use crate::services::clock;
use crate::state::{FlowAction, FlowState};

/// The question at `node`, keyed by `key` (the step), so each step is drawn afresh.
/// A plain function, not a component: it holds no state of its own, and every
/// component costs the bundle its own copy of Yew's lifecycle.
pub fn question_step(
    key: usize,
    tree: &Tree,
    node: NodeIdx,
    heading: &NodeRef,
    dispatch: &UseReducerDispatcher<FlowState>,
) -> Html {
    let Some(NodeKind::Question {
        text,
        help,
        choices,
        ..
    }) = tree.node(node).map(|n| &n.kind)
    else {
        return Html::default();
    };
    html! {
        <div class="question" {key}>
            <h1 ref={heading.clone()} tabindex="-1">{ text }</h1>
            if let Some(help) = help { <p class="help">{ help }</p> }
            <div class="choices" role="group" aria-label={text.clone()}>
                { for choices.iter().enumerate().map(|(i, c)| {
                    let dispatch = dispatch.clone();
                    let choice = u8::try_from(i).unwrap_or(u8::MAX);
                    let onclick = Callback::from(move |_| dispatch.dispatch(FlowAction::Answer { choice, at_ms: clock::now_ms() }));
                    html! { <button type="button" class="choice" key={c.id.clone()} data-choice={c.id.clone()} {onclick}>{ &c.label }</button> }
                }) }
            </div>
        </div>
    }
}
