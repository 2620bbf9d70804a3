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
use crate::components::outcome_step::{copy, copy_state, help_code};
use crate::i18n::{f, t, Msg};
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
    copied: &UseStateHandle<Option<Msg>>,
    on_language: &Callback<String>,
) -> Html {
    let session = link::decode_session(fragment);
    let body = match (session, tree.as_deref()) {
        (Err(e), _) => unreadable(&e),
        // The link read against the version it names (the one fetched; when the
        // helper no longer has it, the current one, and `decoded` says so).
        (Ok(session), Some(Ok(tree))) => match decoded_against(session, tree) {
            Ok(decoded) => {
                let findings = crate::i18n::with(|tr| Findings::new(tr, tree, &decoded.session));
                let code = code::encode(tree, &decoded.session);
                let actions = actions(crate::i18n::with(|tr| findings.to_text(tr)), copied);
                let differs = match check {
                    Some(SealCheck::Sealed(t)) => crate::i18n::with(|tr| {
                        address_warning(tr, decoded.session.client_address, t.client)
                    }),
                    _ => None,
                };
                let note =
                    crate::i18n::with(|tr| decoded.version_note(tr, content.current(&tree.id)));
                html! {
                    <>
                        { badge(check) }
                        <p class="version-note help" role="note">{ note }</p>
                        if let Some(w) = differs {
                            <p class="warning seal-address" role="alert">{ w }</p>
                        }
                        <p class="report-tree">{ f(Msg::ReportPageTree, &[("title", (&tree.title).into()), ("version", tree.version.into())]) }</p>
                        { walked_in(&decoded.session, content, on_language) }
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
            t(Msg::ReportPageLoadFailed),
            f(
                Msg::ReportPageLoadFailedWhy,
                &[("why", (&e.explain()).into())],
            ),
            Some(on_retry),
        ),
        (Ok(_), _) => {
            html! { <p class="running" aria-busy="true">{ t(Msg::ReportPageLoading) }</p> }
        }
    };
    html! {
        <section class="report" aria-label={t(Msg::ReportPageLabel)}>
            { body }
            <p class="report-foot"><a href={Route::Home.href()}>{ f(Msg::ReportPageHome, &[("brand", (&content.site.brand.name).into())]) }</a></p>
        </section>
    }
}

/// Which language the user saw (the link's, else the tree's own), and a button
/// to read the report in it when the page is in another.
fn walked_in(session: &Session, content: &Content, on_language: &Callback<String>) -> Html {
    let own = content
        .listing(&session.tree_id)
        .map_or("en", |l| l.lang.as_str());
    let tag = session.lang.as_deref().unwrap_or(own);
    let language = content.site.language(tag);
    let name = language.map_or(tag, |l| l.name.as_str());
    let switch = (tag != crate::i18n::lang() && language.is_some()).then(|| {
        let (pick, tag) = (on_language.clone(), tag.to_string());
        html! {
            <button type="button" class="secondary" lang={tag.clone()} onclick={Callback::from(move |_| pick.emit(tag.clone()))}>
                { f(Msg::ShellReadIn, &[("language", name.into())]) }
            </button>
        }
    });
    html! {
        <p class="walked-in">
            { f(Msg::ShellWalkedIn, &[("language", name.into())]) }
            if let Some(b) = switch {
                { " " }{ b }
            }
        </p>
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
fn actions(text: String, copied: &UseStateHandle<Option<Msg>>) -> Html {
    let on_copy = copy(copied, text, Msg::WalkOutcomeTextCopied);
    html! {
        <>
            <div class="share-actions">
                <button type="button" class="secondary copy-text" onclick={on_copy}>{ t(Msg::AppButtonCopyAsText) }</button>
                <button type="button" class="secondary print" onclick={Callback::from(|_| page::print())}>{ t(Msg::AppButtonPrint) }</button>
            </div>
            <p class="copy-state" role="status">{ copy_state(**copied) }</p>
        </>
    }
}

/// A link that cannot be read, and why.
fn unreadable(e: &LinkError) -> Html {
    alert(
        "error",
        t(Msg::ReportPageUnreadable),
        crate::i18n::with(|tr| e.explain(tr)),
        None,
    )
}

fn badge(check: Option<&SealCheck>) -> Html {
    let (class, text) = match check {
        None => ("checking", t(Msg::ReportBadgeChecking)),
        // What a seal proves: this payload, unchanged, was shown to our helper
        // at that time (by a client at that address, when the seal carries one).
        Some(SealCheck::Sealed(s)) => {
            let at = clock::format_local(s.time_ms);
            let (time, key) = ((&at).into(), (&s.key_id).into());
            let said = match s.client {
                Some(c) => f(
                    Msg::ReportBadgeSealedFor,
                    &[
                        ("time", time),
                        ("address", (&c.to_string()).into()),
                        ("key", key),
                    ],
                ),
                None => f(Msg::ReportBadgeSealed, &[("time", time), ("key", key)]),
            };
            ("sealed", said)
        }
        Some(SealCheck::NotSealed) => ("unsealed", t(Msg::ReportBadgeNotSealed)),
        Some(SealCheck::Mismatch) => ("mismatch", t(Msg::ReportBadgeMismatch)),
        Some(SealCheck::UnknownKey(k)) => (
            "mismatch",
            f(Msg::ReportBadgeUnknownKey, &[("key", k.into())]),
        ),
        Some(SealCheck::CannotCheck(why)) => (
            "unsealed",
            f(Msg::ReportBadgeCannotCheck, &[("why", why.into())]),
        ),
    };
    html! { <p class={classes!("badge", class)} role="status">{ text }</p> }
}
