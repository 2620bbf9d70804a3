//! One walk through a tree: the checklist, the current step, progress, Back and
//! Start over. The walk moves on by itself past every check whose result asks
//! nothing of the user, and focus moves only where the user has something to do.

use std::rc::Rc;

use fixpath_core::{NodeKind, Tree};
use yew::prelude::*;

use crate::components::advice_step::advice_step;
use crate::components::check_step::{asking, check_at, check_step, checklist, use_check_run};
use crate::components::outcome_step::OutcomeStep;
use crate::components::progress_bar::progress_bar;
use crate::components::question_step::question_step;
use crate::i18n::{t, Msg};
use crate::route::Route;
use crate::services::checks::CheckCache;
use crate::services::{clock, location, storage};
use crate::state::{moves_on, FlowAction, FlowState};

#[derive(Properties, PartialEq)]
pub struct FlowProps {
    pub tree: Rc<Tree>,
    /// The user's step named in the address (`/t/<tree>/<step>`).
    #[prop_or_default]
    pub step: Option<usize>,
}

#[component]
pub fn Flow(props: &FlowProps) -> Html {
    // Rendered again when the reader switches language (its words are `i18n`'s).
    let _words = use_context::<Rc<crate::i18n::Words>>();
    let tree = Rc::clone(&props.tree);
    let state = use_reducer(move || {
        let mut s = FlowState::new(Rc::clone(&tree), clock::now_ms());
        // A reload in the middle of a walk picks up where it was.
        if let Some(saved) = storage::load(&tree) {
            s.session = saved;
        }
        s
    });
    {
        let session = state.session.clone();
        use_effect_with(session, storage::save);
    }
    let heading = use_node_ref();
    let steps = state.session.steps_taken();
    let cache = use_state(CheckCache::default);

    // Start every check that can run now, in parallel, and again once the user has
    // typed a server name: steps then show results without waiting.
    {
        let cache = cache.clone();
        let tree = Rc::clone(&state.tree);
        use_effect_with(state.session.server_name.clone(), move |name| {
            cache.prefetch(&tree, name.as_deref());
        });
    }

    let user_steps = state.user_steps();
    // The address is where the user wants to be: browser back and forward change it,
    // and the walk follows.
    {
        let dispatch = state.dispatcher();
        // `/t/<tree>` without a step is the walk's first step.
        use_effect_with(props.step.unwrap_or(0), move |step| {
            dispatch.dispatch(FlowAction::GoTo(*step));
        });
    }
    // Each new step of the user's gets its own history entry.
    {
        let route_step = props.step.unwrap_or(0);
        let tree_id = state.tree.id.clone();
        use_effect_with(user_steps, move |steps| {
            if *steps != route_step {
                location::push(&Route::FlowStep {
                    tree: tree_id,
                    step: *steps,
                });
            }
        });
    }

    let tree = &state.tree;
    let node_idx = state.session.current(tree);
    let dispatch = state.dispatcher();
    // A check step's run: Retry bumps the attempt, which counts for this moment of
    // the walk only (Back to the step later shows its last result, run no more).
    let moment = state.changes;
    let attempt = use_state(|| (moment, 0u32));
    let tries = if attempt.0 == moment { attempt.1 } else { 0 };
    let name_input = use_node_ref();
    let run = use_check_run(
        (*cache).clone(),
        tree,
        node_idx,
        state.session.server_name.clone(),
        steps,
        tries,
    );
    let on_retry = {
        let attempt = attempt.clone();
        Callback::from(move |_| attempt.set((moment, tries + 1)))
    };
    // A check whose result asks nothing of the user records it and moves on; the
    // rest of the steps wait for the user.
    let check = check_at(tree, node_idx).map(|(c, _)| c);
    let moving = match (check, run.as_deref()) {
        (Some(_), Some(Some(r))) if moves_on(&r.result) => Some(r.clone()),
        _ => None,
    };
    let waits_for_user = match check {
        Some(c) => {
            asking(c, state.session.server_name.as_deref())
                || matches!(run.as_deref(), Some(Some(r)) if !moves_on(&r.result))
        }
        None => true,
    };
    {
        let dispatch = dispatch.clone();
        use_effect_with((steps, moving.is_some()), move |_| {
            if let Some(r) = moving {
                dispatch.dispatch(FlowAction::Checked {
                    result: r.result,
                    client_address: r.client_address,
                    at_ms: clock::now_ms(),
                    by_user: false,
                });
            }
        });
    }
    // Focus moves to the step when the user has something to do there, so
    // keyboard and screen-reader users follow along, and never while the checks
    // move the walk on.
    {
        let heading = heading.clone();
        use_effect_with((steps, waits_for_user), move |(_, waits)| {
            if *waits {
                if let Some(el) = heading.cast::<web_sys::HtmlElement>() {
                    let _ = el.focus();
                }
            }
        });
    }
    let step = match tree.node(node_idx).map(|n| &n.kind) {
        Some(NodeKind::Question { .. }) => {
            question_step(steps, tree, node_idx, &heading, &dispatch)
        }
        Some(NodeKind::Check { .. }) => check_step(
            steps,
            tree,
            node_idx,
            state.session.server_name.as_deref(),
            run.as_deref(),
            &name_input,
            on_retry,
            &heading,
            &dispatch,
        ),
        Some(NodeKind::Advice { .. }) => advice_step(steps, tree, node_idx, &heading, &dispatch),
        Some(NodeKind::Outcome { .. }) => html! {
            <OutcomeStep key={steps} state={(*state).clone()} heading={heading.clone()} dispatch={dispatch.clone()} />
        },
        None => {
            html! { <p class="error">{ t(Msg::WalkFlowDamaged) }</p> }
        }
    };

    let on_back = {
        let dispatch = dispatch.clone();
        let in_history = props.step.is_some_and(|s| s > 0 && s == user_steps);
        Callback::from(move |_| {
            if in_history {
                // The previous step is the previous history entry: go there, so the
                // browser's own buttons stay in step with ours.
                location::back();
            } else {
                dispatch.dispatch(FlowAction::Back);
            }
        })
    };
    let on_restart = {
        let dispatch = dispatch.clone();
        Callback::from(move |_| {
            dispatch.dispatch(FlowAction::Restart {
                at_ms: clock::now_ms(),
            })
        })
    };

    html! {
        <section class="flow" aria-labelledby="flow-title">
            <p class="flow-title" id="flow-title">{ &tree.title }</p>
            { progress_bar(state.session.progress(tree)) }
            { checklist(tree, &state.session, run.as_deref()) }
            <div class="step" data-node={tree.node(node_idx).map(|n| n.id.clone()).unwrap_or_default()}>{ step }</div>
            <nav class="flow-nav" aria-label={t(Msg::WalkFlowNav)}>
                <button type="button" class="secondary" onclick={on_back} disabled={user_steps == 0}>{ t(Msg::AppButtonBack) }</button>
                <button type="button" class="secondary" onclick={on_restart} disabled={steps == 0}>{ t(Msg::WalkFlowStartOver) }</button>
            </nav>
        </section>
    }
}
