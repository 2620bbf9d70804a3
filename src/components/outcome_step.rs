//! The outcome step: the finding, what we saw, a note for support, and the link.

use fixpath_core::findings::Findings;
use fixpath_core::link;
use yew::prelude::*;

use crate::components::findings_view::FindingsView;
use crate::route::Route;
use crate::services::page;
use crate::state::{FlowAction, FlowState};

#[derive(Properties, PartialEq)]
pub struct OutcomeStepProps {
    pub state: FlowState,
    pub heading: NodeRef,
    pub dispatch: UseReducerDispatcher<FlowState>,
}

#[component]
pub fn OutcomeStep(props: &OutcomeStepProps) -> Html {
    let copied = use_state(|| None::<bool>);
    let findings = Findings::new(&props.state.tree, &props.state.session);
    let payload = link::encode(&props.state.session);
    let url = page::absolute_url(&Route::Report { payload }).unwrap_or_default();

    let on_notes = {
        let dispatch = props.dispatch.clone();
        Callback::from(move |e: InputEvent| {
            let value = e.target_unchecked_into::<web_sys::HtmlTextAreaElement>().value();
            dispatch.dispatch(FlowAction::SetNotes(value));
        })
    };
    let on_copy = {
        let url = url.clone();
        let copied = copied.clone();
        Callback::from(move |_| {
            let url = url.clone();
            let copied = copied.clone();
            wasm_bindgen_futures::spawn_local(async move {
                copied.set(Some(page::copy_text(&url).await));
            });
        })
    };

    html! {
        <div class="outcome">
            <FindingsView findings={findings} heading={props.heading.clone()} />
            <label for="notes" class="notes-label">{ "Anything else support should know? (optional)" }</label>
            <textarea id="notes" rows="3" maxlength="2000" value={props.state.session.notes.clone()} oninput={on_notes} />
            <h2>{ "Your findings link" }</h2>
            <p>{ "Paste this link into your ticket or chat. Support staff will see the same report." }</p>
            <div class="link-row">
                <input class="findings-link" type="text" readonly=true value={url.clone()} aria-label="Findings link" />
                <button type="button" onclick={on_copy}>{ "Copy" }</button>
            </div>
            <p class="copy-state" aria-live="polite">{
                match *copied {
                    Some(true) => "Copied.",
                    Some(false) => "Your browser did not allow copying: select the link and copy it by hand.",
                    None => "",
                }
            }</p>
        </div>
    }
}
