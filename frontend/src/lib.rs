//! The browser entry point. Pages are rendered on the server; only the
//! interactive islands (forms, and later the live views) hydrate here.

use wasm_bindgen::prelude::wasm_bindgen;

// The islands are exported from the app crate; naming it keeps it linked in.
pub use app;

#[wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_islands();
    // The islands themselves hydrate right after this returns, in the same task;
    // a zero timeout runs after them. The mark is for people debugging and for
    // the browser tests.
    leptos::prelude::set_timeout(
        || {
            if let Some(root) = leptos::prelude::document().document_element() {
                let _ = root.set_attribute("data-hydrated", "");
            }
        },
        std::time::Duration::ZERO,
    );
}
