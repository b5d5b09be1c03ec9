//! The wasm entry point of the browser bundle. The app is the `postroom`
//! crate (an rlib built with its `hydrate` feature); this crate exists so that
//! the wasm is a plain cdylib, which cargo links with LTO.
// The app's view types are instantiated here, at the final link, so this crate
// needs the same limit as the app (see src/lib.rs).
#![recursion_limit = "256"]

#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(postroom::app::App);
    // End-to-end tests wait for this marker to know the page is interactive.
    if let Some(body) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.body())
    {
        let _ = body.set_attribute("data-hydrated", "true");
    }
}
