//! `ntm-app`: the NTM Survey web app (Leptos, client-side rendered, wasm).
//!
//! Views in `ui/`; browser adapters in `store` (IndexedDB), `socket`
//! (WebSocket) and `platform` (time, randomness, service worker); `engine`
//! wires them to `ntm-core`, where all logic lives.
#![cfg(target_arch = "wasm32")]

pub mod engine;
pub mod i18n;
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
