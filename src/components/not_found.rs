//! The page for what the app does not have: an address it does not know, or a
//! troubleshooter the site does not offer. A plain function, not a component.

use yew::prelude::*;

use crate::i18n::{t, Msg};
use crate::route::Route;

/// `heading`, then `detail` when there is one, then a link to the list.
pub fn not_found(heading: &str, detail: Option<String>) -> Html {
    html! {
        <section class="not-found">
            <h1>{ heading }</h1>
            if let Some(detail) = detail {
                <p>{ detail }</p>
            }
            <p><a href={Route::Home.href()}>{ t(Msg::AppNotFoundAll) }</a></p>
        </section>
    }
}
