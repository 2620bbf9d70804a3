//! The read-only report a findings link opens, for support staff: the seal's
//! verdict, the tree and its version, and the findings.

use fixpath_core::findings::Findings;
use fixpath_core::link;
use fixpath_core::seal::{address_warning, seal_of};
use yew::prelude::*;

use crate::catalog;
use crate::components::findings_view::FindingsView;
use crate::route::Route;
use crate::services::answer::use_answer;
use crate::services::clock;
use crate::services::seal::{self, SealCheck};

#[derive(Properties, PartialEq)]
pub struct ReportProps {
    /// The link's fragment after `/r/`: the payload, then `.seal` when sealed.
    pub payload: String,
}

#[component]
pub fn Report(props: &ReportProps) -> Html {
    // Keyed on the fragment: the badge is about this link, never the last one.
    let check = use_answer(props.payload.clone(), |fragment: &String| {
        let payload = link::payload_of(fragment).to_string();
        let sealed = seal_of(fragment).map(str::to_string);
        async move { seal::check(&payload, sealed.as_deref()).await }
    });
    let check = check.as_deref();

    let trees = catalog::plain_trees();
    let body = match link::decode(&props.payload, &trees) {
        Ok(decoded) => match trees.get(decoded.tree) {
            Some(tree) => {
                let findings = Findings::new(tree, &decoded.session);
                let differs = match check {
                    Some(SealCheck::Sealed(t)) => {
                        address_warning(decoded.session.client_address, t.client)
                    }
                    _ => None,
                };
                html! {
                    <>
                        { badge(check) }
                        if let Some(w) = differs {
                            <p class="warning seal-address" role="alert">{ w }</p>
                        }
                        <p class="report-tree">{ format!("{} (version {})", tree.title, tree.version) }</p>
                        if let Some(note) = decoded.version_note(tree.version) {
                            <p class="warning" role="note">{ note }</p>
                        }
                        <FindingsView {findings} />
                    </>
                }
            }
            None => {
                html! { <p class="error" role="alert">{ "This link names a troubleshooter we cannot show." }</p> }
            }
        },
        Err(e) => html! {
            <div class="error" role="alert">
                <h1>{ "This findings link cannot be read" }</h1>
                <p>{ e.to_string() }</p>
            </div>
        },
    };
    html! {
        <section class="report" aria-label="Findings report">
            { body }
            <p class="report-foot"><a href={Route::Home.href()}>{ "Fixpath home" }</a></p>
        </section>
    }
}

fn badge(check: Option<&SealCheck>) -> Html {
    let (class, text) = match check {
        None => ("checking", AttrValue::Static("Checking the seal…")),
        // What a seal proves: this payload, unchanged, was shown to our helper
        // at that time (by a client at that address, when the seal carries one).
        Some(SealCheck::Sealed(t)) => (
            "sealed",
            format!(
                "Unchanged since our helper sealed it at {}{} (key {}).",
                clock::format_local(t.time_ms),
                match t.client {
                    Some(c) => format!(", for a client it saw at {c}"),
                    None => ", with no address in the seal".to_string(),
                },
                t.key_id,
            )
            .into(),
        ),
        Some(SealCheck::NotSealed) => (
            "unsealed",
            AttrValue::Static(
                "Not sealed: the helper did not seal this link, so edits cannot be ruled out.",
            ),
        ),
        Some(SealCheck::Mismatch) => (
            "mismatch",
            AttrValue::Static(
                "Seal does not match: these findings were changed after the helper sealed them.",
            ),
        ),
        Some(SealCheck::UnknownKey(k)) => (
            "mismatch",
            format!("The seal names a key this helper does not know ({k}): it cannot be trusted.")
                .into(),
        ),
        Some(SealCheck::CannotCheck(why)) => (
            "unsealed",
            format!("The seal could not be checked: {why}.").into(),
        ),
    };
    html! { <p class={classes!("badge", class)} role="status">{ text }</p> }
}
