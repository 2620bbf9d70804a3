//! The root component: the hash router and the page frame around every route.

use yew::prelude::*;
use yew_router::prelude::*;

use crate::components::flow_page::FlowPage;
use crate::components::home::Home;
use crate::components::not_found::NotFound;
use crate::components::report::Report;
use crate::route::Route;

fn switch(route: Route) -> Html {
    match route {
        Route::Home => html! { <Home /> },
        Route::Flow { tree } => html! { <FlowPage {tree} /> },
        Route::FlowStep { tree, step } => html! { <FlowPage {tree} {step} /> },
        Route::Report { payload } => html! { <Report {payload} /> },
        Route::NotFound => html! { <NotFound /> },
    }
}

#[component]
pub fn App() -> Html {
    html! {
        <HashRouter>
            <header class="site">
                <Link<Route> to={Route::Home} classes="brand">{ "Fixpath" }</Link<Route>>
                <span class="tagline">{ "Guided checks for common problems" }</span>
            </header>
            <main id="main">
                <Switch<Route> render={switch} />
            </main>
        </HashRouter>
    }
}
