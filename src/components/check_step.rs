//! A check step: runs the check (asking for the server name first when the check
//! needs it), shows the result in plain words with its figure, and offers Retry
//! and Continue. Results usually arrive at once: the flow started them in parallel.

use std::rc::Rc;

use fixpath_core::{NodeIdx, NodeKind, Tree};
use yew::prelude::*;

use crate::services::answer::use_answer;
use crate::services::checks::CheckCache;
use crate::services::clock;
use crate::state::{FlowAction, FlowState};

#[derive(Properties, PartialEq)]
pub struct CheckStepProps {
    pub tree: Rc<Tree>,
    pub node: NodeIdx,
    /// The server name typed earlier in this session, if any.
    pub server_name: Option<String>,
    pub cache: CheckCache,
    pub heading: NodeRef,
    pub dispatch: UseReducerDispatcher<FlowState>,
}

#[component]
pub fn CheckStep(props: &CheckStepProps) -> Html {
    let check = match props.tree.node(props.node).map(|n| &n.kind) {
        Some(NodeKind::Check { check, text, .. }) => Some((*check, text.clone())),
        _ => None,
    };
    // The check waits for a server name when it needs one and none was typed yet.
    let asking = check
        .as_ref()
        .is_some_and(|(c, _)| c.name().needs_server_name())
        && props.server_name.is_none();
    // Bumped by Retry: a new attempt replaces the remembered run.
    let attempt = use_state(|| 0u32);
    let name_input = use_node_ref();

    // The run of this check, for the server name as typed and this attempt; nothing
    // runs while the name is asked for.
    let job = check.as_ref().filter(|_| !asking).map(|(c, _)| *c);
    let report = {
        let cache = props.cache.clone();
        use_answer(
            (job, props.server_name.clone(), *attempt),
            move |(job, server_name, attempt)| {
                let run = job.map(|check| {
                    if *attempt == 0 {
                        cache.get(check, server_name.as_deref())
                    } else {
                        cache.rerun(check, server_name.as_deref())
                    }
                });
                async move {
                    match run {
                        Some(run) => Some(run.await),
                        None => None,
                    }
                }
            },
        )
    };

    let Some((check, text)) = check else {
        return Html::default();
    };

    let body = match report.as_deref() {
        _ if asking => {
            let onsubmit = {
                let dispatch = props.dispatch.clone();
                let input = name_input.clone();
                Callback::from(move |e: SubmitEvent| {
                    e.prevent_default();
                    let value = input
                        .cast::<web_sys::HtmlInputElement>()
                        .map(|i| i.value())
                        .unwrap_or_default();
                    if !value.trim().is_empty() {
                        dispatch.dispatch(FlowAction::SetServerName(value));
                    }
                })
            };
            html! {
                <form class="server-name" {onsubmit}>
                    <label for="server-name">{ "Your VPN server's name or address, exactly as it is typed in your VPN settings" }</label>
                    <input id="server-name" ref={name_input} type="text" autocomplete="off" spellcheck="false"
                        autocapitalize="none" placeholder="vpn.example.com" required=true />
                    <button type="submit">{ "Check it" }</button>
                </form>
            }
        }
        Some(Some(report)) => {
            let on_continue = {
                let dispatch = props.dispatch.clone();
                let result = report.result;
                let client_address = report.client_address;
                Callback::from(move |_| {
                    dispatch.dispatch(FlowAction::Checked {
                        result,
                        client_address,
                        at_ms: clock::now_ms(),
                    })
                })
            };
            let on_retry = {
                let attempt = attempt.clone();
                Callback::from(move |_| attempt.set(*attempt + 1))
            };
            html! {
                <>
                    <p class={classes!("result", report.result.outcome.as_str())}>{ &report.message }</p>
                    <div class="choices">
                        <button type="button" class="choice" onclick={on_continue}>{ "Continue" }</button>
                        <button type="button" class="secondary" onclick={on_retry}>{ "Retry" }</button>
                    </div>
                </>
            }
        }
        _ => html! { <p class="running">{ "Checking…" }</p> },
    };

    html! {
        <div class="check">
            <p class="kicker">{ check_kicker(check.name().needs_server_name()) }</p>
            <h1 ref={props.heading.clone()} tabindex="-1">{ text }</h1>
            <div class="live" aria-live="polite">{ body }</div>
        </div>
    }
}

fn check_kicker(from_our_side: bool) -> &'static str {
    if from_our_side {
        "Checking from our side"
    } else {
        "Checking from your browser"
    }
}
