//! Entry point of the Fixpath web app: fetches the site document the page names,
//! then replaces the static shell with the Yew root component. Until the site is
//! here the shell stays painted (its list already works); if it cannot be had,
//! the shell's list gives way to a sentence and a "Try again" link.

// Talc instead of Rust's default dlmalloc: a few kilobytes less wasm, and faster.
#[cfg(all(target_family = "wasm", not(target_feature = "atomics")))]
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

fn main() {
    #[cfg(target_arch = "wasm32")]
    start();
}

/// Loads the site, then mounts the app on it (or says why not, with a retry).
#[cfg(target_arch = "wasm32")]
fn start() {
    use fixpath_web::app::{App, AppProps};
    use fixpath_web::services::content::{self, Content, TreeStore};

    wasm_bindgen_futures::spawn_local(async {
        let site = match content::load_site().await {
            Ok(site) => site,
            Err(e) => {
                content::shell_failed(
                    &format!("We could not load the troubleshooters: {}.", e.explain()),
                    start,
                );
                return;
            }
        };
        let props = AppProps {
            content: Content::new(site, TreeStore::new()),
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
