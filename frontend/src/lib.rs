//! The wasm entry point of the browser bundle. The app is the `postroom`
//! crate (an rlib built with its `hydrate` feature); this crate exists so that
//! the wasm is a plain cdylib, which cargo links with LTO.
// The app's view types are instantiated here, at the final link, so this crate
// needs the same limit as the app (see src/lib.rs).
#![recursion_limit = "256"]

#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    // Panic messages in the console for debug builds; the release bundle
    // leaves the hook (and the formatting it pulls in) out, and a panic there
    // is a plain `unreachable` trap (panic = "abort").
    #[cfg(debug_assertions)]
    console_error_panic_hook::set_once();
    // `leptos::mount::hydrate_lazy`, with the marker set once it is done:
    // the page's own chunk (lazy routes) is fetched before it hydrates.
    let _ = any_spawner::Executor::init_wasm_bindgen();
    leptos::task::spawn_local(async {
        let body = leptos::tachys::dom::body();
        leptos::mount::hydrate_from_async(body.clone(), postroom::app::App)
            .await
            .forget();
        // End-to-end tests wait for this marker to know the page is interactive.
        let _ = body.set_attribute("data-hydrated", "true");
    });
}
