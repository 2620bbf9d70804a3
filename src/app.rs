//! The root component: the page frame around every route (the team's brand in
//! the header, exactly as the page shell painted it), which page the address
//! names and what that page waits for (a tree version, a seal's check, the
//! announcement: fetched here, through `use_tree` and `use_answer`, so the
//! pages are plain functions that render), the reader's language (its switcher
//! in the header), and the content and language every page reads, provided as
//! contexts.

use std::rc::Rc;

use fixpath_core::content::{Brand, Site};
use fixpath_core::link;
use fixpath_core::seal::seal_of;
use yew::prelude::*;

use crate::components::code_view::{self, code_page};
use crate::components::flow_page::flow_page;
use crate::components::home::home;
use crate::components::not_found::not_found;
use crate::components::report::report;
use crate::i18n::{self, t, Msg, Words};
use crate::route::Route;
use crate::services::answer::use_answer;
use crate::services::content::{use_tree, Content};
use crate::services::location::use_route;
use crate::services::{language, page, seal, status, storage};

#[derive(Properties, PartialEq)]
pub struct AppProps {
    /// The site and the page's store of trees.
    pub content: Content,
    /// The reader's language, its catalog fetched.
    pub words: Rc<Words>,
}

#[component]
pub fn App(props: &AppProps) -> Html {
    // The page's language: every render writes its words through `i18n`, and
    // components that keep state read it as a context, so a switch re-renders all.
    let words = use_state(|| Rc::clone(&props.words));
    i18n::set(Rc::clone(&words));
    let lang = words.catalog().lang.clone();
    // The content in the reader's language (the brand's words, the list), made
    // again only when the language changes.
    let content = &*use_memo((props.content.clone(), lang.clone()), |(c, lang)| {
        c.in_lang(lang)
    });
    let route = use_route();
    // What the page the address names needs fetched: a walk, the current version
    // of its tree; a report, the version its link names, and its seal checked;
    // each in the reader's language where it is translated.
    let in_lang = |(id, fp): (String, u64)| {
        let ask = content.ask_in(&id, fp, &lang);
        (id, fp, ask)
    };
    let (version, sealed) = match &route {
        // A walk in progress in this tab keeps the version it started with.
        Route::Flow { tree } | Route::FlowStep { tree, .. } => (
            content.listing(tree).map(|l| {
                let fp = storage::saved_version(&l.id).unwrap_or(l.fingerprint);
                in_lang((l.id.clone(), fp))
            }),
            None,
        ),
        Route::Report { payload } => (
            link::decode_session(payload)
                .ok()
                .map(|s| in_lang((s.tree_id, s.fingerprint))),
            Some(payload.clone()),
        ),
        Route::Code { code } => (code_view::version(content, code).map(in_lang), None),
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
    let copied = use_state(|| None::<Msg>);
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
    let failed = use_state(|| None::<String>);
    let pick = {
        let (site, words, failed) = (Rc::clone(&content.site), words.clone(), failed.clone());
        Callback::from(move |tag: String| {
            let Some(chosen) = site.language(&tag).cloned() else {
                return;
            };
            let (words, failed) = (words.clone(), failed.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match language::load(&chosen).await {
                    Ok(catalog) => {
                        language::apply(&catalog);
                        language::remember(&catalog.lang);
                        failed.set(None);
                        words.set(Rc::new(Words::new(catalog)));
                    }
                    Err(_) => failed.set(Some(chosen.name.clone())),
                }
            });
        })
    };
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
            &pick,
        ),
        Route::Code { code } => code_page(&code, content, &tree, retry),
        Route::NotFound => not_found(&t(Msg::AppNotFoundPage), None),
    };
    let brand = &content.site.brand;
    // The tab says the team's title on every page (setting it again is a no-op).
    page::set_title(&brand.title);
    html! {
        <ContextProvider<Content> context={content.clone()}>
        <ContextProvider<Rc<Words>> context={(*words).clone()}>
            <header class="site">
                <a href={Route::Home.href()} class="home">{ brand_mark(brand) }</a>
                <span class="tagline">{ t(Msg::AppTagline) }</span>
                { switcher(&content.site, &lang, pick.clone()) }
            </header>
            if let Some(name) = &*failed {
                <p class="error lang-failed" role="alert">
                    { i18n::f(Msg::ShellLanguageFailed, &[("language", name.into())]) }
                </p>
            }
            <main id="main">{ page }</main>
        </ContextProvider<Rc<Words>>>
        </ContextProvider<Content>>
    }
}

/// The language switcher: every language the site speaks, each by its own name
/// (and marked as that language, so a screen reader says it right).
fn switcher(site: &Site, current: &str, pick: Callback<String>) -> Html {
    if site.languages.len() < 2 {
        return Html::default();
    }
    let onchange = Callback::from(move |e: Event| {
        if let Some(select) = e.target_dyn_into::<web_sys::HtmlSelectElement>() {
            pick.emit(select.value());
        }
    });
    html! {
        <select id="lang" class="lang" aria-label={t(Msg::ShellLanguage)} {onchange}>
            { for site.languages.iter().map(|l| html! {
                <option value={l.tag.clone()} lang={l.tag.clone()} selected={l.tag == current}>
                    { &l.name }
                </option>
            }) }
        </select>
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
