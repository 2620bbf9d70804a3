//! One walk through a tree: the current step, progress, Back and Start over.

use std::rc::Rc;

use fixpath_core::{NodeKind, Tree};
use yew::prelude::*;

use crate::components::advice_step::advice_step;
use crate::components::check_step::{check_step, use_check_run};
use crate::components::outcome_step::OutcomeStep;
use crate::components::progress_bar::progress_bar;
use crate::components::question_step::question_step;
use crate::route::Route;
use crate::services::checks::CheckCache;
use crate::services::{clock, location, storage};
use crate::state::{FlowAction, FlowState};

#[derive(Properties, PartialEq)]
pub struct FlowProps {
    pub tree: Rc<Tree>,
    /// The user's step named in the address (`/t/<tree>/<step>`).
    #[prop_or_default]
    pub step: Option<usize>,
}

#[component]
pub fn Flow(props: &FlowProps) -> Html {
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

    // Move focus to each new step so keyboard and screen-reader users follow along.
    {
        let heading = heading.clone();
        use_effect_with(steps, move |_| {
            if let Some(el) = heading.cast::<web_sys::HtmlElement>() {
                let _ = el.focus();
            }
        });
    }

    let tree = &state.tree;
    let node_idx = state.session.current(tree);
    let dispatch = state.dispatcher();
    // A check step's run: Retry bumps the attempt, which counts for its step only.
    let attempt = use_state(|| (steps, 0u32));
    let tries = if attempt.0 == steps { attempt.1 } else { 0 };
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
        Callback::from(move |_| attempt.set((steps, tries + 1)))
    };
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
            html! { <p class="error">{ "This troubleshooter is damaged: its next step is missing." }</p> }
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
            <div class="step" data-node={tree.node(node_idx).map(|n| n.id.clone()).unwrap_or_default()}>{ step }</div>
            <nav class="flow-nav" aria-label="Steps">
                <button type="button" class="secondary" onclick={on_back} disabled={steps == 0}>{ "Back" }</button>
                <button type="button" class="secondary" onclick={on_restart} disabled={steps == 0}>{ "Start over" }</button>
            </nav>
        </section>
    }
}
