//! A page's alert: what went wrong, in a heading and a sentence, with Retry when
//! trying again may help (a tree that did not load) and without when it cannot
//! (a link that cannot be read). A plain function, not a component: it holds no
//! state of its own.

use yew::prelude::*;

use crate::i18n::{t, Msg};

/// `heading`, then `why`, then Retry when there is `on_retry`; `class` names
/// the kind (`load-error`, `error`).
pub fn alert(
    class: &'static str,
    heading: String,
    why: String,
    on_retry: Option<Callback<MouseEvent>>,
) -> Html {
    html! {
        <div {class} role="alert">
            <h1>{ heading }</h1>
            <p>{ why }</p>
            if let Some(onclick) = on_retry {
                <button type="button" class="retry" {onclick}>{ t(Msg::AppButtonRetry) }</button>
            }
        </div>
    }
}
