//! A question step: the text, optional help, and one button per choice.

use std::rc::Rc;

use fixpath_core::{NodeIdx, NodeKind, Tree};
use yew::prelude::*;

use crate::services::clock;
use crate::state::{FlowAction, FlowState};

#[derive(Properties, PartialEq)]
pub struct QuestionStepProps {
    pub tree: Rc<Tree>,
    pub node: NodeIdx,
    pub heading: NodeRef,
    pub dispatch: UseReducerDispatcher<FlowState>,
}

#[component]
pub fn QuestionStep(props: &QuestionStepProps) -> Html {
    let Some(NodeKind::Question {
        text,
        help,
        choices,
        ..
    }) = props.tree.node(props.node).map(|n| &n.kind)
    else {
        return Html::default();
    };
    html! {
        <div class="question">
            <h1 ref={props.heading.clone()} tabindex="-1">{ text }</h1>
            if let Some(help) = help { <p class="help">{ help }</p> }
            <div class="choices" role="group" aria-label={text.clone()}>
                { for choices.iter().enumerate().map(|(i, c)| {
                    let dispatch = props.dispatch.clone();
                    let choice = u8::try_from(i).unwrap_or(u8::MAX);
                    let onclick = Callback::from(move |_| dispatch.dispatch(FlowAction::Answer { choice, at_ms: clock::now_ms() }));
                    html! { <button type="button" class="choice" key={c.id.clone()} data-choice={c.id.clone()} {onclick}>{ &c.label }</button> }
                }) }
            </div>
        </div>
    }
}
