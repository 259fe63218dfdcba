//! The evidence of a work or a statement: a note, where, and photos — each
//! part saved on its own, so two officers adding evidence at once both keep
//! theirs.

use leptos::prelude::*;
use ntm_core::device::{Command, PhotosOf};
use ntm_core::survey::infrastructure::{Evidence, EvidenceEdit, EvidenceOf};

use super::households::error_text;
use crate::engine;
use crate::i18n::t;

/// Sends one evidence edit; a refusal shows in `error`.
fn save(of: EvidenceOf, edit: EvidenceEdit, error: RwSignal<Option<String>>) {
    leptos::task::spawn_local(async move {
        let result = engine::edit(Command::EditEvidence { of, edit }).await;
        error.set(result.err().map(|e| error_text(&e)));
    });
}

/// Note (unless the row has its own), position and photos of one piece
/// of evidence; `name` goes on its photo strip (`data-photos`).
#[component]
pub fn EvidenceEditor(
    of: EvidenceOf,
    name: String,
    evidence: Signal<Evidence>,
    with_note: bool,
) -> impl IntoView {
    let error = RwSignal::new(None::<String>);
    let target = StoredValue::new(of.clone());
    let note = RwSignal::new(String::new());
    Effect::new(move |_| note.set(evidence.with(|e| e.note.clone())));
    view! {
        <div class="evidence-editor">
            {with_note.then(|| view! {
                <label>{t("field-note")}
                    <textarea class="evidence-note" rows="2" placeholder=t("infra-note-placeholder")
                        prop:value=note
                        on:change=move |ev| save(target.get_value(), EvidenceEdit::Note(event_target_value(&ev)), error)></textarea>
                </label>
            })}
            <h4>{t("section-gps")}</h4>
            <super::gps::GpsField gps=Signal::derive(move || evidence.with(|e| e.gps))
                on_set=Callback::new(move |gps| save(target.get_value(), EvidenceEdit::Gps(gps), error))
                error=error/>
            <h4>{t("section-photos")}</h4>
            <super::photos::PhotoStrip name=name of=PhotosOf::Evidence(of)
                photos=Signal::derive(move || evidence.with(|e| e.photos.clone()))/>
            {move || error.get().map(|e| view! { <p class="invalid" role="alert">{e}</p> })}
        </div>
    }
}
