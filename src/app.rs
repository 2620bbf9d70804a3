//! The root component: the page frame around every route (the team's brand in
//! the header, exactly as the page shell painted it), which page the address
//! names and what that page waits for (a tree version, a seal's check, the
//! announcement: fetched here, through `use_tree` and `use_answer`, so the
//! pages are plain functions that render), and the content every page reads,
//! provided as a context.

use fixpath_core::content::Brand;
use fixpath_core::link;
use fixpath_core::seal::seal_of;
use yew::prelude::*;

use crate::components::code_view::{self, code_page};
use crate::components::flow_page::flow_page;
use crate::components::home::home;
use crate::components::not_found::not_found;
use crate::components::report::report;
use crate::route::Route;
use crate::services::answer::use_answer;
use crate::services::content::{use_tree, Content};
use crate::services::location::use_route;
use crate::services::{page, seal, status, storage};

#[derive(Properties, PartialEq)]
pub struct AppProps {
    /// The site and the page's store of trees.
    pub content: Content,
}

#[component]
pub fn App(props: &AppProps) -> Html {
    let content = &props.content;
    let route = use_route();
    // What the page the address names needs fetched: a walk, the current version
    // of its tree; a report, the version its link names, and its seal checked.
    let (version, sealed) = match &route {
        // A walk in progress in this tab keeps the version it started with.
        Route::Flow { tree } | Route::FlowStep { tree, .. } => (
            content.listing(tree).map(|l| {
                let fp = storage::saved_version(&l.id).unwrap_or(l.fingerprint);
                (l.id.clone(), fp)
            }),
            None,
        ),
        Route::Report { payload } => (
            link::decode_session(payload)
                .ok()
                .map(|s| (s.tree_id, s.fingerprint)),
            Some(payload.clone()),
        ),
        Route::Code { code } => (code_view::version(content, code), None),
        _ => (None, None),
    };
    let (tree, retry) = use_tree(content.trees.clone(), version);
    // Keyed on the fragment: the badge is about this link, never the last one.
    let check = use_answer(sealed, |fragment: &Option<String>| {
        let fragment = fragment.clone();
        async move {
            match fragment {
                Some(f) => Some(seal::check(link::payload_of(&f), seal_of(&f)).await),
                None => None,
            }
        }
    });
    // The home page's filter (empty again each time the page opens), and its
    // announcement, asked for each time it opens.
    let filter = use_state(String::new);
    if route != Route::Home && !filter.is_empty() {
        filter.set(String::new());
    }
    // What the report's Copy said, until the page changes.
    let copied = use_state(|| None::<&'static str>);
    if !matches!(route, Route::Report { .. }) && copied.is_some() {
        copied.set(None);
    }
    let announcement = use_answer(route == Route::Home, |home: &bool| {
        let home = *home;
        async move {
            match home {
                true => status::announcement().await,
                false => None,
            }
        }
    });
    let page = match route {
        Route::Home => home(
            &content.site.trees,
            &filter,
            announcement.as_deref().and_then(Option::as_ref),
        ),
        Route::Flow { tree: id } => flow_page(&content.site, &id, None, &tree, retry),
        Route::FlowStep { tree: id, step } => {
            flow_page(&content.site, &id, Some(step), &tree, retry)
        }
        Route::Report { payload } => report(
            &payload,
            content,
            &tree,
            retry,
            check.as_deref().and_then(Option::as_ref),
            &copied,
        ),
        Route::Code { code } => code_page(&code, content, &tree, retry),
        Route::NotFound => not_found("This page does not exist", None),
    };
    let brand = &content.site.brand;
    // The tab says the team's title on every page (setting it again is a no-op).
    page::set_title(&brand.title);
    html! {
        <ContextProvider<Content> context={props.content.clone()}>
            <header class="site">
                <a href={Route::Home.href()} class="home">{ brand_mark(brand) }</a>
                <span class="tagline">{ "Guided checks for common problems" }</span>
            </header>
            <main id="main">{ page }</main>
        </ContextProvider<Content>>
    }
}

/// The brand as `content::shell_brand` writes it for the shell: the same
/// elements, classes and attributes, so the header does not move when the app
/// takes over (a browser test compares the two).
fn brand_mark(brand: &Brand) -> Html {
    html! {
        <span class="brand">
            if let Some(src) = &brand.logo {
                <img class="logo" src={src.clone()} alt="" />
            }
            { &brand.name }
        </span>
    }
}
