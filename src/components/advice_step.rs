//! An advice step: what to try, then "That fixed it" or "Didn't help".

use std::rc::Rc;

use fixpath_core::{NodeIdx, NodeKind, Tree};
use yew::prelude::*;

use crate::services::clock;
use crate::state::{FlowAction, FlowState};

#[derive(Properties, PartialEq)]
pub struct AdviceStepProps {
    pub tree: Rc<Tree>,
    pub node: NodeIdx,
    pub heading: NodeRef,
    pub dispatch: UseReducerDispatcher<FlowState>,
}

#[component]
pub fn AdviceStep(props: &AdviceStepProps) -> Html {
    let Some(NodeKind::Advice { text, help, .. }) = props.tree.node(props.node).map(|n| &n.kind)
    else {
        return Html::default();
    };
    let answer = |fixed: bool| {
        let dispatch = props.dispatch.clone();
        Callback::from(move |_| {
            dispatch.dispatch(FlowAction::Advised {
                fixed,
                at_ms: clock::now_ms(),
            })
        })
    };
    html! {
        <div class="advice">
            <p class="kicker">{ "Try this" }</p>
            <h1 ref={props.heading.clone()} tabindex="-1">{ text }</h1>
            if let Some(help) = help { <p class="help">{ help }</p> }
            <div class="choices">
                <button type="button" class="choice" onclick={answer(true)}>{ "That fixed it" }</button>
                <button type="button" class="choice" onclick={answer(false)}>{ "Didn't help" }</button>
            </div>
        </div>
    }
}
