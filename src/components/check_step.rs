//! A check step: runs the check (asking for the server name first when the check
//! needs it), shows the result in plain words with its figure, and offers Retry
//! and Continue. Results usually arrive at once: the flow started them in parallel.

use std::rc::Rc;

use fixpath_core::{CheckName, NodeIdx, NodeKind, Tree};
use yew::prelude::*;

use crate::services::checks::{CheckCache, CheckInput, CheckReport};
use crate::services::clock;
use crate::state::{FlowAction, FlowState};

/// The walk's check runs, compared by identity (one cache per walk).
#[derive(Clone, Default)]
pub struct CacheHandle(pub Rc<CheckCache>);

impl PartialEq for CacheHandle {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

#[derive(Properties, PartialEq)]
pub struct CheckStepProps {
    pub tree: Rc<Tree>,
    pub node: NodeIdx,
    /// The server name typed earlier in this session, if any.
    pub server_name: Option<String>,
    pub cache: CacheHandle,
    pub heading: NodeRef,
    pub dispatch: UseReducerDispatcher<FlowState>,
}

#[derive(Clone)]
enum Phase {
    AskServerName,
    Running,
    Done(CheckReport),
}

#[component]
pub fn CheckStep(props: &CheckStepProps) -> Html {
    let check = match props.tree.node(props.node).map(|n| &n.kind) {
        Some(NodeKind::Check {
            check,
            text,
            params,
            ..
        }) => Some((*check, text.clone(), params.clone())),
        _ => None,
    };
    let needs_name = check
        .as_ref()
        .is_some_and(|(c, _, _)| c.needs_server_name());
    let initial = if needs_name && props.server_name.is_none() {
        Phase::AskServerName
    } else {
        Phase::Running
    };
    let phase = use_state(move || initial);
    // Bumped by Retry: a new attempt replaces the remembered run.
    let attempt = use_state(|| 0u32);
    let name_input = use_node_ref();

    {
        let phase = phase.clone();
        let running = matches!(*phase, Phase::Running);
        let cache = props.cache.clone();
        let job = check.as_ref().map(|(c, _, p)| {
            (
                *c,
                CheckInput {
                    params: p.clone(),
                    server_name: props.server_name.clone(),
                },
            )
        });
        use_effect_with(
            (running, *attempt, props.server_name.clone()),
            move |(running, attempt, _)| {
                if *running {
                    if let Some((check, input)) = job {
                        let run = if *attempt == 0 {
                            cache.0.get(check, &input)
                        } else {
                            cache.0.rerun(check, &input)
                        };
                        wasm_bindgen_futures::spawn_local(async move {
                            phase.set(Phase::Done(run.await));
                        });
                    }
                }
            },
        );
    }

    let Some((name, text, _)) = check else {
        return Html::default();
    };

    let body = match &*phase {
        Phase::AskServerName => {
            let onsubmit = {
                let phase = phase.clone();
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
                        phase.set(Phase::Running);
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
        Phase::Running => html! { <p class="running">{ "Checking…" }</p> },
        Phase::Done(report) => {
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
                let phase = phase.clone();
                let attempt = attempt.clone();
                Callback::from(move |_| {
                    attempt.set(*attempt + 1);
                    phase.set(Phase::Running);
                })
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
    };

    html! {
        <div class="check">
            <p class="kicker">{ check_kicker(name) }</p>
            <h1 ref={props.heading.clone()} tabindex="-1">{ text }</h1>
            <div class="live" aria-live="polite">{ body }</div>
        </div>
    }
}

fn check_kicker(name: CheckName) -> &'static str {
    if name.needs_server_name() {
        "Checking from our side"
    } else {
        "Checking from your browser"
    }
}
