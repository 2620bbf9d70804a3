//! The read-only report a findings link opens, for support staff: the seal's
//! verdict, the tree and the version the link was made with (fetched, that very
//! version, so an old link reads as it was written), and the findings.

use fixpath_core::code;
use fixpath_core::findings::Findings;
use fixpath_core::link::{self, Decoded, LinkError};
use fixpath_core::seal::address_warning;
use fixpath_core::{Session, Tree};
use yew::prelude::*;

use crate::components::findings_view::findings_view;
use crate::components::load_error::alert;
use crate::components::outcome_step::{copy, help_code};
use crate::route::Route;
use crate::services::content::{Content, ContentError, TreeAnswer};
use crate::services::seal::SealCheck;
use crate::services::{clock, page};

/// The report of the link `fragment` (after `/r/`: the payload, then `.seal`
/// when sealed), once `tree`, the version it names, is fetched; `check`: what
/// checking its seal found, `None` while it runs; `copied`, what Copy as text
/// said. A plain function, not a component: the root (`App`) fetches the tree,
/// checks the seal and keeps what Copy said.
pub fn report(
    fragment: &str,
    content: &Content,
    tree: &TreeAnswer,
    on_retry: Callback<MouseEvent>,
    check: Option<&SealCheck>,
    copied: &UseStateHandle<Option<&'static str>>,
) -> Html {
    let session = link::decode_session(fragment);
    let body = match (session, tree.as_deref()) {
        (Err(e), _) => unreadable(&e),
        // The link read against the version it names (the one fetched; when the
        // helper no longer has it, the current one, and `decoded` says so).
        (Ok(session), Some(Ok(tree))) => match decoded_against(session, tree) {
            Ok(decoded) => {
                let findings = Findings::new(tree, &decoded.session);
                let code = code::encode(tree, &decoded.session);
                let actions = actions(findings.to_text(), copied);
                let differs = match check {
                    Some(SealCheck::Sealed(t)) => {
                        address_warning(decoded.session.client_address, t.client)
                    }
                    _ => None,
                };
                let note = decoded.version_note(content.current(&tree.id));
                html! {
                    <>
                        { badge(check) }
                        <p class="version-note help" role="note">{ note }</p>
                        if let Some(w) = differs {
                            <p class="warning seal-address" role="alert">{ w }</p>
                        }
                        <p class="report-tree">{ format!("{} (version {})", tree.title, tree.version) }</p>
                        { findings_view(&findings, &NodeRef::default(), &content.site.brand) }
                        { help_code(code) }
                        { actions }
                    </>
                }
            }
            Err(e) => unreadable(&e),
        },
        (Ok(s), Some(Err(ContentError::NotFound))) => {
            unreadable(&LinkError::UnknownTree(s.tree_id))
        }
        (Ok(_), Some(Err(e))) => alert(
            "load-error",
            "This report did not load",
            format!(
                "We could not fetch the troubleshooter it was made with: {}.",
                e.explain()
            ),
            Some(on_retry),
        ),
        (Ok(_), _) => html! { <p class="running" aria-busy="true">{ "Loading the report…" }</p> },
    };
    html! {
        <section class="report" aria-label="Findings report">
            { body }
            <p class="report-foot"><a href={Route::Home.href()}>{ format!("{} home", content.site.brand.name) }</a></p>
        </section>
    }
}

/// What `link::decode(payload, &[tree])` gives, for the session already read
/// from the payload: the payload is not read twice, and the app carries one
/// link reader (browser tests compare the two).
fn decoded_against(session: Session, tree: &Tree) -> Result<Decoded, LinkError> {
    if session.tree_id != tree.id {
        return Err(LinkError::UnknownTree(session.tree_id));
    }
    Ok(Decoded {
        tree: 0,
        tree_changed: session.fingerprint != tree.fingerprint,
        fits: session.validate(tree),
        session,
    })
}

/// Copy as text and Print, as the outcome page has them.
fn actions(text: String, copied: &UseStateHandle<Option<&'static str>>) -> Html {
    let on_copy = copy(copied, text, "Report copied as text.");
    html! {
        <>
            <div class="share-actions">
                <button type="button" class="secondary copy-text" onclick={on_copy}>{ "Copy as text" }</button>
                <button type="button" class="secondary print" onclick={Callback::from(|_| page::print())}>{ "Print" }</button>
            </div>
            <p class="copy-state" role="status">{ copied.unwrap_or("") }</p>
        </>
    }
}

/// A link that cannot be read, and why.
fn unreadable(e: &LinkError) -> Html {
    alert(
        "error",
        "This findings link cannot be read",
        e.to_string(),
        None,
    )
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
