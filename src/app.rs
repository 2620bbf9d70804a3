//! The root component: the page frame around every route, and which page the
//! address names.

use yew::prelude::*;

use crate::components::flow_page::FlowPage;
use crate::components::home::Home;
use crate::components::not_found::NotFound;
use crate::components::report::Report;
use crate::route::Route;
use crate::services::location::use_route;

#[component]
pub fn App() -> Html {
    let page = match use_route() {
        Route::Home => html! { <Home /> },
        Route::Flow { tree } => html! { <FlowPage {tree} /> },
        Route::FlowStep { tree, step } => html! { <FlowPage {tree} {step} /> },
        Route::Report { payload } => html! { <Report {payload} /> },
        Route::NotFound => html! { <NotFound /> },
    };
    html! {
        <>
            <header class="site">
                <a href={Route::Home.href()} class="brand">{ "Fixpath" }</a>
                <span class="tagline">{ "Guided checks for common problems" }</span>
            </header>
            <main id="main">{ page }</main>
        </>
    }
}
