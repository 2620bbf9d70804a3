//! The page's address as a [`Route`]: reading it, following its changes, and moving
//! to another route, each move a new entry in the browser's history.

use gloo_events::EventListener;
use yew::prelude::*;

use crate::route::Route;

/// The route the page's address names now.
pub fn current() -> Route {
    let hash = web_sys::window()
        .and_then(|w| w.location().hash().ok())
        .unwrap_or_default();
    let path = hash.strip_prefix('#').unwrap_or(&hash);
    // A chat program may have percent-encoded the address; read it as written.
    let path = js_sys::decode_uri_component(path)
        .ok()
        .and_then(|s| s.as_string())
        .unwrap_or_else(|| path.to_string());
    Route::parse(&path)
}

/// Tells [`use_route`] at once that the app moved; the browser's own `hashchange`
/// arrives a task later, after the user may already have acted on the old route.
const MOVED: &str = "fixpath-route";

/// Moves to `route` with a new history entry; the page follows before this returns.
pub fn push(route: &Route) {
    let Some(w) = web_sys::window() else {
        return;
    };
    w.location().set_hash(&route.to_path()).ok();
    if let Ok(e) = web_sys::Event::new(MOVED) {
        w.dispatch_event(&e).ok();
    }
}

/// The browser's Back.
pub fn back() {
    if let Some(h) = web_sys::window().and_then(|w| w.history().ok()) {
        h.back().ok();
    }
}

/// The current route, re-rendering the component whenever the address changes.
#[hook]
pub fn use_route() -> Route {
    let route = use_state_eq(current);
    {
        let route = route.clone();
        use_effect_with((), move |_| {
            let listeners = web_sys::window().map(|w| {
                [MOVED, "hashchange"].map(|event| {
                    let route = route.clone();
                    EventListener::new(&w, event, move |_| route.set(current()))
                })
            });
            move || drop(listeners)
        });
    }
    (*route).clone()
}
