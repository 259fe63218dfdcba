//! `ntm-tablet`: NTM Survey in a native window (Tauri 2) for tablets and
//! desktops. The window loads the same web app the relay serves (`dist/`,
//! built by `cargo xtask build-app`); data stays in the webview's IndexedDB
//! and syncs with the relay configured in the app (default ws://127.0.0.1:8080).
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    tauri::Builder::default()
        .run(tauri::generate_context!())
        .expect("NTM Survey window failed to start");
}
