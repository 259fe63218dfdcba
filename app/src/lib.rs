//! `ntm-app`: the NTM Survey web app (Leptos, client-side rendered, wasm).
//!
//! Views in `ui/`; browser adapters in `store` (IndexedDB), `socket`
//! (WebSocket), `platform` (time, randomness, service worker, images) and
//! `photos` (photo blobs and their uploads); `engine` wires them to
//! `ntm-core`, where all logic lives.
#![cfg(target_arch = "wasm32")]

pub mod engine;
pub mod i18n;
pub mod photos;
pub mod platform;
pub mod socket;
pub mod store;
pub mod ui;

/// Entry point: mounts the app (not in wasm tests, which run their own code).
#[cfg(not(test))]
#[wasm_bindgen::prelude::wasm_bindgen(start)]
pub fn start() {
    leptos::mount::mount_to_body(ui::App);
}

/// The app's linear memory in bytes (Automerge documents, view models):
/// what `cargo xtask bench` reports beside the JS heap, which does not
/// include it.
#[wasm_bindgen::prelude::wasm_bindgen(js_name = ntmMemoryBytes)]
pub fn memory_bytes() -> f64 {
    use wasm_bindgen::JsCast;
    wasm_bindgen::memory()
        .dyn_into::<js_sys::WebAssembly::Memory>()
        .map(|m| {
            m.buffer()
                .unchecked_into::<js_sys::ArrayBuffer>()
                .byte_length() as f64
        })
        .unwrap_or(0.0)
}
