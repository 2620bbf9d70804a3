//! The page itself: its title, the absolute findings link from a typed route,
//! the clipboard, printing.

use crate::route::Route;

/// The absolute URL of `route` on this page (hash routing: the route goes in the
/// fragment). `None` outside a browser.
pub fn absolute_url(route: &Route) -> Option<String> {
    let href = web_sys::window()?.location().href().ok()?;
    let url = web_sys::Url::new(&href).ok()?;
    url.set_hash(&route.to_path());
    Some(url.href())
}

/// Copies text to the clipboard; resolves to whether the browser allowed it.
pub async fn copy_text(text: &str) -> bool {
    let Some(window) = web_sys::window() else {
        return false;
    };
    let promise = window.navigator().clipboard().write_text(text);
    wasm_bindgen_futures::JsFuture::from(promise).await.is_ok()
}

/// Opens the browser's print dialog (the print stylesheet shows just the report).
pub fn print() {
    if let Some(w) = web_sys::window() {
        let _ = w.print();
    }
}

/// Sets the browser tab's title.
pub fn set_title(title: &str) {
    if let Some(d) = web_sys::window().and_then(|w| w.document()) {
        d.set_title(title);
    }
}
