//! Sync without a network: this device's survey saved to a file, and a
//! file from another tablet merged in (importing twice changes nothing).

use leptos::html;
use leptos::prelude::*;

use super::households::error_text;
use crate::engine;
use crate::i18n::{t, tf};
use crate::platform;

/// Export and import of sync bundles.
#[component]
pub fn SyncBundle() -> impl IntoView {
    let message = RwSignal::new(None::<(bool, String)>);
    let busy = RwSignal::new(false);
    let input = NodeRef::<html::Input>::new();
    let export = move |_| {
        busy.set(true);
        leptos::task::spawn_local(async move {
            let outcome = match engine::export_bundle().await {
                Some((name, bytes)) => match platform::download(&name, &bytes) {
                    Ok(()) => (true, tf("bundle-saved", &[("file", name.into())])),
                    Err(e) => (false, tf("bundle-not-written", &[("error", e.into())])),
                },
                None => (false, t("bundle-nothing-to-export")),
            };
            busy.set(false);
            message.set(Some(outcome));
        });
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
            message.set(outcome.map(|r| match r {
                Ok(engine::Imported {
                    changes: 0,
                    photos: 0,
                }) => (true, t("bundle-nothing-new")),
                Ok(engine::Imported { changes, photos }) => (
                    true,
                    tf(
                        "bundle-imported",
                        &[("count", changes.into()), ("photos", photos.into())],
                    ),
                ),
                Err(e) => (false, error_text(&e)),
            }));
        });
    };
    view! {
        <section id="sync-bundle" class="card">
            <h2>{t("bundle-title")}</h2>
            <p class="hint">{t("bundle-intro")}</p>
            <div class="actions">
                <button type="button" id="export-bundle" on:click=export disabled=move || busy.get()>{t("bundle-export")}</button>
                <label class="file-button">
                    <span>{t("bundle-import")}</span>
                    <input type="file" id="import-bundle" accept=".ntmbundle" node_ref=input on:change=import disabled=move || busy.get()/>
                </label>
            </div>
            {move || message.get().map(|(ok, text)| view! {
                <p id="bundle-result" class=if ok { "saved" } else { "invalid" } data-ok=ok.to_string() role="status">{text}</p>
            })}
        </section>
    }
}
