//! A check step: runs the check (asking for the server name first when the check
//! needs it), shows the result in plain words with its figure, and offers Retry
//! and Continue. Results usually arrive at once: the flow started them in parallel.
//! A plain function, not a component: the walk (`Flow`) holds the run it waits
//! for ([`use_check_run`]) and the attempt Retry bumps.

use fixpath_core::catalog::Check;
use fixpath_core::{NodeIdx, NodeKind, Tree};
use yew::prelude::*;

use crate::services::answer::use_answer;
use crate::services::checks::{CheckCache, CheckReport};
use crate::services::clock;
use crate::state::{FlowAction, FlowState};

/// The check at `node` and its text, when `node` is a check.
fn check_at(tree: &Tree, node: NodeIdx) -> Option<(Check, &str)> {
    match tree.node(node).map(|n| &n.kind) {
        Some(NodeKind::Check { check, text, .. }) => Some((*check, text.as_str())),
        _ => None,
    }
}

/// Whether the check needs a server name and none was typed yet: then nothing
/// runs while the name is asked for.
fn asking(check: Check, server_name: Option<&str>) -> bool {
    check.name().needs_server_name() && server_name.is_none()
}

/// The run of the check at `node` (when the walk is at a check), for the server
/// name as typed and this `attempt` at this `step` (Retry bumps it): `None`
/// while it runs or while there is nothing to run.
#[hook]
pub fn use_check_run(
    cache: CheckCache,
    tree: &Tree,
    node: NodeIdx,
    server_name: Option<String>,
    step: usize,
    attempt: u32,
) -> Option<std::rc::Rc<Option<CheckReport>>> {
    let job = check_at(tree, node)
        .map(|(c, _)| c)
        .filter(|c| !asking(*c, server_name.as_deref()));
    use_answer(
        (job, server_name, step, attempt),
        move |(job, server_name, _, attempt)| {
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
}

/// What the check step shows, keyed by `key` (the step) so each step is drawn
/// afresh: the server-name form, the result with Continue and Retry
/// (`on_retry`), or "Checking…" while `report` is on its way.
#[allow(clippy::too_many_arguments)]
pub fn check_step(
    key: usize,
    tree: &Tree,
    node: NodeIdx,
    server_name: Option<&str>,
    report: Option<&Option<CheckReport>>,
    name_input: &NodeRef,
    on_retry: Callback<MouseEvent>,
    heading: &NodeRef,
    dispatch: &UseReducerDispatcher<FlowState>,
) -> Html {
    let Some((check, text)) = check_at(tree, node) else {
        return Html::default();
    };
    let body = match report {
        _ if asking(check, server_name) => {
            let onsubmit = {
                let dispatch = dispatch.clone();
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
                    <input id="server-name" ref={name_input.clone()} type="text" autocomplete="off" spellcheck="false"
                        autocapitalize="none" placeholder="vpn.example.com" required=true />
                    <button type="submit">{ "Check it" }</button>
                </form>
            }
        }
        Some(Some(report)) => {
            let on_continue = {
                let dispatch = dispatch.clone();
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
        <div class="check" {key}>
            <p class="kicker">{ check_kicker(check.name().needs_server_name()) }</p>
            <h1 ref={heading.clone()} tabindex="-1">{ text }</h1>
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
