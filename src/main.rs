//! Entry point of the Fixpath web app: replaces the static loading shell with the
//! Yew root component.

// Talc instead of Rust's default dlmalloc: a few kilobytes less wasm, and faster.
#[cfg(all(target_family = "wasm", not(target_feature = "atomics")))]
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

fn main() {
    #[cfg(target_arch = "wasm32")]
    {
        let root = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.get_element_by_id("shell"));
        match root {
            Some(root) => {
                // The shell painted the first screen while wasm loaded; Yew takes over now.
                root.set_inner_html("");
                yew::Renderer::<fixpath_web::app::App>::with_root(root).render();
            }
            None => {
                yew::Renderer::<fixpath_web::app::App>::new().render();
            }
        }
    }
}
