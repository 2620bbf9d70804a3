//! The home page: the operator's announcement, a filter box, every
//! troubleshooter the site offers, with its title and one-line symptom, and the
//! support staff's box for a help-desk code. A plain function, not a component:
//! the filter and the announcement are the root's (`App`), which asks for the
//! announcement each time the page opens.

use fixpath_core::api::{Announcement, Severity};
use fixpath_core::content::Listing;
use yew::prelude::*;

use crate::components::code_view::code_form;
use crate::i18n::{f, t, Msg};
use crate::route::Route;
use crate::services::clock;

/// The list of `trees`, narrowed by what is typed in `filter`, under the
/// operator's `announcement` when there is one.
pub fn home(
    trees: &[Listing],
    filter: &UseStateHandle<String>,
    announcement: Option<&Announcement>,
) -> Html {
    let on_filter = {
        let filter = filter.clone();
        Callback::from(move |e: InputEvent| {
            filter.set(
                e.target_unchecked_into::<web_sys::HtmlInputElement>()
                    .value(),
            );
        })
    };
    let needle = fold(filter.trim());
    let shown: Vec<_> = trees
        .iter()
        .filter(|t| {
            needle.is_empty()
                || fold(&t.title).contains(&needle)
                || fold(&t.symptom).contains(&needle)
        })
        .collect();

    html! {
        <section class="home" aria-labelledby="home-title">
            if let Some(a) = announcement {
                <div class={classes!("announcement", severity_class(a.severity))} role="status">
                    <strong>{ t(Msg::AppHomeAnnouncementFrom) }</strong>{ " " }{ &a.message }{ " " }
                    <span class="since">{ f(Msg::AppHomeAnnouncementSince, &[("time", (&clock::format_local(a.since_ms)).into())]) }</span>
                </div>
            }
            <h1 id="home-title">{ t(Msg::AppHomeTitle) }</h1>
            <p class="lead">{ t(Msg::AppHomeLead) }</p>
            <label class="filter" for="filter">{ t(Msg::AppHomeFilter) }</label>
            <input id="filter" class="filter" type="search" placeholder={t(Msg::AppHomeFilterExample)}
                value={(**filter).clone()} oninput={on_filter} />
            <ul class="trees">
                { for shown.iter().map(|t| html! {
                    <li key={t.id.clone()}>
                        <a href={Route::Flow { tree: t.id.clone() }.href()} class="tree-card">
                            // `elementtiming`: the benchmark reads when the running app painted its list
                            // (the page shell's own list is `tree-list`).
                            <span class="tree-title" elementtiming="tree-list-app">{ &t.title }</span>
                            <span class="tree-symptom">{ &t.symptom }</span>
                        </a>
                    </li>
                }) }
            </ul>
            if shown.is_empty() {
                <p class="empty">{ t(Msg::AppHomeNoneMatch) }</p>
            }
            <div class="support-box">
                <h2>{ t(Msg::AppHomeSupportHeading) }</h2>
                { code_form("") }
            </div>
        </section>
    }
}

/// Lowercase for matching, by the browser: Rust's own case tables would add
/// kilobytes to the bundle for the same answer.
fn fold(s: &str) -> String {
    js_sys::JsString::from(s).to_lower_case().into()
}

fn severity_class(s: Severity) -> &'static str {
    match s {
        Severity::Info => "info",
        Severity::Warning => "warning",
        Severity::Outage => "outage",
    }
}
