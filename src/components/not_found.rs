//! The page for an address the app does not know.

use yew::prelude::*;

use crate::route::Route;

#[component]
pub fn NotFound() -> Html {
    html! {
        <section class="not-found">
            <h1>{ "This page does not exist" }</h1>
            <p><a href={Route::Home.href()}>{ "See all troubleshooters" }</a></p>
        </section>
    }
}
