//! A check step and the walk's checklist. The step runs the check (asking for the
//! server name first when the check needs it); a result that asks nothing of the
//! user moves the walk on by itself (`state::moves_on`), a warning or a problem
//! stays with its sentence, Retry and Continue. The checklist above the step
//! shows every check of the walk so far, running, then its sentence, and a live
//! region says each result once. Results usually arrive at once: the flow started
//! them in parallel. Plain functions, not components: the walk (`Flow`) holds the
//! run it waits for ([`use_check_run`]) and the attempt Retry bumps.

use fixpath_core::catalog::Check;
use fixpath_core::findings::outcome_word;
use fixpath_core::verdict::{sentence, Seen};
use fixpath_core::{Action, CheckOutcome, NodeIdx, NodeKind, Session, Tree};
use yew::prelude::*;

use crate::i18n::{t, Msg};
use crate::services::answer::use_answer;
use crate::services::checks::{CheckCache, CheckReport};
use crate::services::clock;
use crate::state::{moves_on, FlowAction, FlowState};

/// The check at `node` and its text, when `node` is a check.
pub fn check_at(tree: &Tree, node: NodeIdx) -> Option<(Check, &str)> {
    match tree.node(node).map(|n| &n.kind) {
        Some(NodeKind::Check { check, text, .. }) => Some((*check, text.as_str())),
        _ => None,
    }
}

/// Whether the check needs a server name and none was typed yet: then nothing
/// runs while the name is asked for.
pub fn asking(check: Check, server_name: Option<&str>) -> bool {
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
                    <label for="server-name">{ t(Msg::WalkCheckServerName) }</label>
                    <input id="server-name" ref={name_input.clone()} type="text" autocomplete="off" spellcheck="false"
                        autocapitalize="none" placeholder="vpn.example.com" required=true />
                    <button type="submit">{ t(Msg::WalkCheckCheckIt) }</button>
                </form>
            }
        }
        Some(Some(report)) => {
            let seen = Seen {
                server_name,
                client_address: report.client_address,
            };
            let said = crate::i18n::with(|tr| sentence(tr, check, &report.result, &seen));
            let on_continue = {
                let dispatch = dispatch.clone();
                let result = report.result.clone();
                let client_address = report.client_address;
                Callback::from(move |_| {
                    dispatch.dispatch(FlowAction::Checked {
                        result: result.clone(),
                        client_address,
                        at_ms: clock::now_ms(),
                        by_user: true,
                    })
                })
            };
            html! {
                <>
                    <p class={classes!("result", report.result.outcome.as_str())}>{ said }</p>
                    // A result that moves on by itself is gone before anyone could
                    // press a button.
                    if !moves_on(&report.result) {
                        <div class="choices">
                            <button type="button" class="choice" onclick={on_continue}>{ t(Msg::WalkCheckContinue) }</button>
                            <button type="button" class="secondary" onclick={on_retry}>{ t(Msg::AppButtonRetry) }</button>
                        </div>
                    }
                </>
            }
        }
        _ => html! { <p class="running" aria-busy="true">{ t(Msg::WalkCheckRunning) }</p> },
    };

    html! {
        <div class="check" {key}>
            <p class="kicker">{ check_kicker(check.name().needs_server_name()) }</p>
            <h1 ref={heading.clone()} tabindex="-1">{ text }</h1>
            { body }
        </div>
    }
}

/// The walk's checks so far, each with its sentence, and the check at the
/// current step: running, or its result (`report`) when it stopped the walk.
/// Beside the list, a live region (`role="log"`) holding one line per result,
/// keyed by its place in the walk, so a screen reader hears each result once:
/// when the walk stops at a check, its line is there before Continue records it,
/// under the key it keeps.
pub fn checklist(tree: &Tree, session: &Session, report: Option<&Option<CheckReport>>) -> Html {
    let seen = Seen {
        server_name: session.server_name.as_deref(),
        client_address: session.client_address,
    };
    // (place in the walk, node, outcome or `None` while running, words)
    let mut lines: Vec<(usize, NodeIdx, Option<CheckOutcome>, String)> = session
        .entries
        .iter()
        .enumerate()
        .filter_map(|(i, e)| match &e.action {
            Action::Checked(r) => check_at(tree, e.node).map(|(c, _)| {
                let said = crate::i18n::with(|tr| sentence(tr, c, r, &seen));
                (i, e.node, Some(r.outcome), said)
            }),
            _ => None,
        })
        .collect();
    let here = session.current(tree);
    if let Some((check, text)) = check_at(tree, here) {
        let at = session.entries.len();
        match report {
            Some(Some(r)) => {
                let seen = Seen {
                    client_address: r.client_address.or(seen.client_address),
                    ..seen
                };
                let said = crate::i18n::with(|tr| sentence(tr, check, &r.result, &seen));
                lines.push((at, here, Some(r.result.outcome), said));
            }
            _ if !asking(check, seen.server_name) => lines.push((at, here, None, text.into())),
            _ => {}
        }
    }
    if lines.is_empty() {
        return Html::default();
    }
    let line = |(i, node, outcome, said): &(usize, NodeIdx, Option<CheckOutcome>, String)| {
        let (class, word) = outcome.map_or_else(
            || ("running", t(Msg::WalkCheckRunning)),
            |o| (o.as_str(), crate::i18n::with(|tr| outcome_word(tr, o))),
        );
        let id = tree.node(*node).map(|n| n.id.clone()).unwrap_or_default();
        html! {
            <li key={*i} class={classes!("cl", class)} data-node={id}>
                <span class="cl-state">{ word }</span>{ " " }<span class="cl-text">{ said }</span>
            </li>
        }
    };
    html! {
        <>
            <ol class="checklist" aria-label={t(Msg::WalkCheckChecklist)}>{ for lines.iter().map(line) }</ol>
            <div class="sr-only" role="log" aria-live="polite" id="check-log">
                { for lines.iter().filter(|l| l.2.is_some()).map(|(i, _, _, said)| html! { <p key={*i}>{ said }</p> }) }
            </div>
        </>
    }
}

fn check_kicker(from_our_side: bool) -> String {
    t(if from_our_side {
        Msg::WalkCheckKickerOurs
    } else {
        Msg::WalkCheckKickerBrowser
    })
}
