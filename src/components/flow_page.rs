//! The page for one troubleshooter: finds it among those the site offers, shows
//! a short loading state while its current version is fetched (by the root,
//! `App`, through `use_tree`), an error with Retry when the fetch fails, or
//! says plainly it does not exist. A plain function, not a component: it holds
//! no state of its own.

use fixpath_core::content::Site;
use yew::prelude::*;

use crate::components::flow::Flow;
use crate::components::load_error::alert;
use crate::components::not_found::not_found;
use crate::services::content::TreeAnswer;

/// The walk of the troubleshooter `id` at the address's `step`, once `tree`
/// (its current version, as fetched) is here.
pub fn flow_page(
    site: &Site,
    id: &str,
    step: Option<usize>,
    tree: &TreeAnswer,
    on_retry: Callback<MouseEvent>,
) -> Html {
    if !site.trees.iter().any(|l| l.id == id) {
        return not_found(
            "We do not have that troubleshooter",
            Some(format!("There is no troubleshooter called “{id}”.")),
        );
    }
    match tree.as_deref() {
        Some(Ok(tree)) => {
            // Keyed by tree, so moving to another troubleshooter starts a fresh walk.
            let key = tree.id.clone();
            html! { <Flow {key} tree={tree.clone()} {step} /> }
        }
        Some(Err(e)) => alert(
            "load-error",
            "This troubleshooter did not load",
            format!("We could not fetch it: {}.", e.explain()),
            Some(on_retry),
        ),
        None => html! {
            <section class="flow loading" aria-busy="true">
                <p class="running">{ "Loading the troubleshooter…" }</p>
            </section>
        },
    }
}
