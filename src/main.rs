//! Entry point of the Fixpath web app: fetches the site document the page names
//! and the catalog of the reader's language, then replaces the static shell with
//! the Yew root component. Until both are here the shell stays painted (its list
//! already works, in the reader's language); if they cannot be had, the shell's
//! list gives way to its own sentence and a "Try again" link.

// Talc instead of Rust's default dlmalloc: a few kilobytes less wasm, and faster.
#[cfg(all(target_family = "wasm", not(target_feature = "atomics")))]
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

fn main() {
    #[cfg(target_arch = "wasm32")]
    start();
}

/// Loads the site and the words, then mounts the app on them (or says why not,
/// with a retry).
#[cfg(target_arch = "wasm32")]
fn start() {
    use std::rc::Rc;

    use fixpath_web::app::{App, AppProps};
    use fixpath_web::i18n::{self, Words};
    use fixpath_web::services::content::{self, Content, TreeStore};
    use fixpath_web::services::language;

    wasm_bindgen_futures::spawn_local(async {
        let Ok(site) = content::load_site().await else {
            content::shell_failed(start);
            return;
        };
        // The shell is in the language the helper picked by the same rule, so
        // its preloaded catalog is usually the one asked for here.
        let Some(lang) = language::wanted(&site).cloned() else {
            content::shell_failed(start);
            return;
        };
        let Ok(catalog) = language::load(&lang).await else {
            content::shell_failed(start);
            return;
        };
        language::apply(&catalog);
        let words = Rc::new(Words::new(catalog));
        i18n::set(Rc::clone(&words));
        let props = AppProps {
            content: Content::new(site, TreeStore::new()),
            words,
        };
        let document = web_sys::window().and_then(|w| w.document());
        let root = document
            .as_ref()
            .and_then(|d| d.get_element_by_id("shell"))
            .or_else(|| document.and_then(|d| d.body()).map(Into::into));
        if let Some(root) = root {
            // The shell painted the first screen while wasm loaded; Yew takes over now.
            root.set_inner_html("");
            yew::Renderer::<App>::with_root_and_props(root, props).render();
        }
    });
}
