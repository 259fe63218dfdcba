//! A record's change history, field by field: each value with the device
//! that wrote it and when (read from the document's own history when the
//! person opens it, and kept current while it is open).

use leptos::prelude::*;
use ntm_core::format::datetime_vi;
use ntm_core::survey::conflicts::Entry;

use super::decisions::{field_label, member_name, value_key, value_text, who};
use crate::engine::{self, View};
use crate::i18n::{t, tf};

/// Most recent values listed (the rest on request would be a longer list
/// than anyone reads on a tablet).
const SHOWN: usize = 60;

/// The history of one household, work or statement, folded until opened.
#[component]
pub fn FieldHistory(entry: Entry) -> impl IntoView {
    let view = expect_context::<View>();
    let entry = StoredValue::new(entry);
    let open = RwSignal::new(false);
    let names = RwSignal::new(0u32);
    let changes = Memo::new(move |_| {
        if !open.get() {
            return Vec::new();
        }
        view.revision.track();
        entry.with_value(engine::field_history)
    });
    // Other devices' names come from the relay when online.
    Effect::new(move |_| {
        let actors: Vec<String> = changes.with(|c| c.iter().map(|c| c.actor.clone()).collect());
        if !actors.is_empty() {
            leptos::task::spawn_local(async move {
                if engine::learn_writers(actors).await {
                    names.update(|n| *n += 1);
                }
            });
        }
    });
    let name_of = move |key: &str| entry.with_value(|e| member_name(e, key));
    view! {
        <details class="history" on:toggle=move |ev| {
            use wasm_bindgen::JsCast;
            let details = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlDetailsElement>().ok());
            open.set(details.is_some_and(|d| d.open()));
        }>
            <summary>{t("history-title")}</summary>
            <p class="hint">{t("history-hint")}</p>
            {move || {
                names.track();
                let list = changes.get();
                if list.is_empty() {
                    return view! { <p class="hint">{t("history-empty")}</p> }.into_any();
                }
                let more = list.len().saturating_sub(SHOWN);
                view! {
                    <table class="history-list">
                        <thead><tr><th>{t("time")}</th><th>{t("history-field")}</th><th>{t("history-value")}</th><th>{t("history-who")}</th></tr></thead>
                        <tbody>
                            {list.into_iter().take(SHOWN).map(|c| view! {
                                <tr class="change" data-path=c.path.join("/") data-actor=c.actor.clone()>
                                    <td>{datetime_vi(c.at)}</td>
                                    <td>{entry.with_value(|e| field_label(e, &c.path, &name_of))}</td>
                                    <td>{value_text(&value_key(&c.path), &c.shown)}</td>
                                    <td>{who(&c.actor)}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                    {(more > 0).then(|| view! { <p class="hint">{tf("history-more", &[("count", more.into())])}</p> })}
                }.into_any()
            }}
        </details>
    }
}
