//! The home page: every troubleshooter with its title and one-line symptom.

use yew::prelude::*;
use yew_router::prelude::*;

use crate::catalog;
use crate::route::Route;

#[component]
pub fn Home() -> Html {
    let trees = catalog::trees();
    html! {
        <section class="home" aria-labelledby="home-title">
            <h1 id="home-title">{ "What is going wrong?" }</h1>
            <p class="lead">{ "Pick the problem you see. We will ask a few plain questions, run the checks a browser can do, and tell you what to try." }</p>
            <ul class="trees">
                { for trees.iter().map(|t| html! {
                    <li key={t.id.clone()}>
                        <Link<Route> to={Route::Flow { tree: t.id.clone() }} classes="tree-card">
                            <span class="tree-title">{ &t.title }</span>
                            <span class="tree-symptom">{ &t.symptom }</span>
                        </Link<Route>>
                    </li>
                }) }
            </ul>
        </section>
    }
}
