//! The route for one troubleshooter: finds the tree, or says plainly it does not exist.

use yew::prelude::*;

use crate::catalog;
use crate::components::flow::Flow;
use crate::route::Route;

#[derive(Properties, PartialEq)]
pub struct FlowPageProps {
    /// The tree id from the address.
    pub tree: String,
    /// The step in the address, when there is one.
    #[prop_or_default]
    pub step: Option<usize>,
}

#[component]
pub fn FlowPage(props: &FlowPageProps) -> Html {
    match catalog::tree(&props.tree) {
        Some(tree) => {
            // Keyed by tree, so moving to another troubleshooter starts a fresh walk.
            let key = tree.id.clone();
            html! { <Flow {key} {tree} step={props.step} /> }
        }
        None => html! {
            <section class="not-found">
                <h1>{ "We do not have that troubleshooter" }</h1>
                <p>{ format!("There is no troubleshooter called “{}”.", props.tree) }</p>
                <p><a href={Route::Home.href()}>{ "See all troubleshooters" }</a></p>
            </section>
        },
    }
}
