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
use crate::i18n::{f, t, Msg};
use crate::services::content::TreeAnswer;

/// When the troubleshooter is not in the page's language (it has no translation
/// into it), a note that says so and in which language it is shown.
fn untranslated(site: &Site, shown: &str) -> Html {
    let reading = crate::i18n::lang();
    if reading.is_empty() || reading == shown {
        return Html::default();
    }
    let name = |tag: &str| {
        site.language(tag)
            .map_or(tag.to_string(), |l| l.name.clone())
    };
    html! {
        <p class="help untranslated" role="note">
            { f(Msg::ShellUntranslated, &[("wanted", (&name(&reading)).into()), ("shown", (&name(shown)).into())]) }
        </p>
    }
}

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
            &t(Msg::AppNotFoundTree),
            Some(f(Msg::AppNotFoundTreeDetail, &[("id", id.into())])),
        );
    }
    match tree.as_deref() {
        Some(Ok(tree)) => {
            // Keyed by tree, so moving to another troubleshooter starts a fresh walk.
            let key = tree.id.clone();
            html! {
                <>
                    { untranslated(site, &tree.lang) }
                    <Flow {key} tree={tree.clone()} {step} />
                </>
            }
        }
        Some(Err(e)) => alert(
            "load-error",
            t(Msg::AppLoadTree),
            f(Msg::AppLoadTreeWhy, &[("why", (&e.explain()).into())]),
            Some(on_retry),
        ),
        None => html! {
            <section class="flow loading" aria-busy="true">
                <p class="running">{ t(Msg::AppLoadTreeLoading) }</p>
            </section>
        },
    }
}
