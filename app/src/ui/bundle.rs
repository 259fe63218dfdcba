//! Sync without a network: this device's survey saved to a file, and a
//! file from another tablet merged in (importing twice changes nothing).

use leptos::html;
use leptos::prelude::*;

use super::households::error_text;
use crate::engine;
use crate::platform;

/// Export and import of sync bundles.
#[component]
pub fn SyncBundle() -> impl IntoView {
    let message = RwSignal::new(None::<(bool, String)>);
    let busy = RwSignal::new(false);
    let input = NodeRef::<html::Input>::new();
    let export = move |_| {
        match engine::export_bundle() {
        Some((name, bytes)) => match platform::download(&name, &bytes) {
            Ok(()) => message.set(Some((
                true,
                format!("Đã lưu tệp {name}: chuyển sang máy khác rồi bấm “Nhập tệp” ở máy đó. · Saved {name}."),
            ))),
            Err(e) => message.set(Some((false, format!("Không tạo được tệp: {e}")))),
        },
        None => message.set(Some((false, "Chưa có dữ liệu để xuất.".to_owned()))),
    }
    };
    let import = move |_| {
        let Some(el) = input.get_untracked() else {
            return;
        };
        busy.set(true);
        leptos::task::spawn_local(async move {
            let outcome = match platform::chosen_file(&el).await {
                Ok(Some(bytes)) => Some(engine::import_bundle(bytes).await),
                Ok(None) => None,
                Err(e) => Some(Err(engine::EditError::NotSaved(e))),
            };
            el.set_value("");
            busy.set(false);
            message.set(outcome.map(|r| {
                match r {
                    Ok(0) => (
                        true,
                        "Không có gì mới: máy này đã có mọi thay đổi trong tệp. · Nothing new."
                            .to_owned(),
                    ),
                    Ok(n) => (
                        true,
                        format!(
                            "Đã nhập và lưu {n} thay đổi mới từ tệp. · Imported {n} new change(s)."
                        ),
                    ),
                    Err(e) => (false, error_text(&e)),
                }
            }));
        });
    };
    view! {
        <section id="sync-bundle" class="card">
            <h2>"Trao đổi qua tệp, không cần mạng" <small lang="en">" · Sync by file"</small></h2>
            <p class="hint">"Xuất dữ liệu của máy này ra tệp (gửi qua USB, Zalo, Bluetooth…), hoặc nhập tệp từ máy khác của cùng xã. "
                <small lang="en">"Export this device's survey to a file, or import one from another device of the same commune."</small></p>
            <div class="actions">
                <button type="button" id="export-bundle" on:click=export>"Xuất tệp" <small lang="en">" · Export"</small></button>
                <label class="file-button">
                    <span>"Nhập tệp…" <small lang="en">" · Import"</small></span>
                    <input type="file" id="import-bundle" accept=".ntmbundle" node_ref=input on:change=import disabled=move || busy.get()/>
                </label>
            </div>
            {move || message.get().map(|(ok, text)| view! {
                <p id="bundle-result" class=if ok { "saved" } else { "invalid" } data-ok=ok.to_string() role="status">{text}</p>
            })}
        </section>
    }
}
