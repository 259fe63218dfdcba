//! Photos in a form: thumbnails (each marked while it waits to upload), a
//! button for the camera or the gallery, removal, and the picture shown
//! large on a tap. Used by the household record and by the evidence of
//! works and statements.

use leptos::html;
use leptos::prelude::*;
use ntm_core::device::PhotosOf;
use ntm_core::format::datetime_vi;
use ntm_core::survey::photo::Photo;

use super::households::error_text;
use crate::engine::{self, View};
use crate::i18n::{t, tf};
use crate::photos;

/// The photos of one record or evidence; `name` tells the strips of one
/// screen apart (`data-photos`). The strip sends its commands itself, so a
/// photo being saved still reaches its record if the person has moved on.
#[component]
pub fn PhotoStrip(name: String, of: PhotosOf, photos: Signal<Vec<Photo>>) -> impl IntoView {
    let of = StoredValue::new(of);
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let shown = RwSignal::new(None::<Photo>);
    let input = NodeRef::<html::Input>::new();
    let chosen = move |_| {
        let Some(el) = input.get_untracked() else {
            return;
        };
        busy.set(true);
        error.set(None);
        let of = of.get_value();
        leptos::task::spawn_local(async move {
            let files = crate::platform::chosen_files(&el).await;
            el.set_value("");
            match files {
                Ok(files) => {
                    for file in files {
                        let added = match photos::take(&file).await {
                            Ok(photo) => engine::edit(of.add(photo))
                                .await
                                .map_err(|e| error_text(&e)),
                            Err(e) => Err(e),
                        };
                        if let Err(e) = added {
                            error.set(Some(e));
                        }
                    }
                }
                Err(e) => error.set(Some(e)),
            }
            busy.set(false);
        });
    };
    view! {
        <div class="photos" data-photos=name data-count=move || photos.with(Vec::len).to_string()>
            <div class="thumbs">
                <For each=move || photos.get() key=|p| p.hash.clone() let(photo)>
                    <Thumb photo=photo shown=shown/>
                </For>
                {move || photos.with(Vec::is_empty).then(|| view! { <p class="hint">{t("photos-none")}</p> })}
            </div>
            <label class="file-button photo-add">
                <span>{move || if busy.get() { t("photo-saving") } else { t("photo-add") }}</span>
                // `capture` opens the camera on a tablet; a desktop offers files.
                <input type="file" accept="image/*" capture="environment" multiple
                    class="photo-input" node_ref=input on:change=chosen disabled=move || busy.get()/>
            </label>
            {move || error.get().map(|e| view! { <p class="invalid" role="alert">{e}</p> })}
            {move || shown.get().map(|photo| view! {
                <Viewer photo=photo shown=shown of=of error=error/>
            })}
        </div>
    }
}

/// A blob's URL once it is found (on the device or the relay).
fn blob_url(hash: String) -> RwSignal<Option<Option<String>>> {
    let url = RwSignal::new(None);
    leptos::task::spawn_local(async move { url.set(Some(photos::url(&hash).await)) });
    url
}

#[component]
fn Thumb(photo: Photo, shown: RwSignal<Option<Photo>>) -> impl IntoView {
    let view = expect_context::<View>();
    let url = blob_url(photo.thumb.clone());
    let hash = StoredValue::new(photo.hash.clone());
    let waiting = move || {
        view.photos_waiting.track();
        hash.with_value(|h| photos::is_waiting(h))
    };
    let alt = tf("photo-alt", &[("at", datetime_vi(photo.taken).into())]);
    let open = photo.clone();
    view! {
        <button type="button" class="thumb" data-hash=photo.hash.clone()
            data-waiting=move || waiting().to_string()
            on:click=move |_| shown.set(Some(open.clone()))>
            {move || match url.get() {
                Some(Some(src)) => view! { <img src=src alt=alt.clone()/> }.into_any(),
                Some(None) => view! { <span class="not-here">{t("photo-not-here")}</span> }.into_any(),
                None => view! { <span class="not-here">"…"</span> }.into_any(),
            }}
            {move || waiting().then(|| view! { <span class="mark partial">{t("photo-waiting")}</span> })}
        </button>
    }
}

/// The picture large, with its date and a way to remove it.
#[component]
fn Viewer(
    photo: Photo,
    shown: RwSignal<Option<Photo>>,
    of: StoredValue<PhotosOf>,
    error: RwSignal<Option<String>>,
) -> impl IntoView {
    let url = blob_url(photo.hash.clone());
    let hash = photo.hash.clone();
    let shown_hash = photo.hash.clone();
    on_cleanup(move || photos::forget(&shown_hash));
    view! {
        <div class="photo-viewer" role="dialog" aria-label=t("photos-title")>
            {move || match url.get() {
                Some(Some(src)) => view! { <img src=src alt=t("photos-title")/> }.into_any(),
                Some(None) => view! { <p class="hint">{t("photo-not-here")}</p> }.into_any(),
                None => view! { <p class="hint">"…"</p> }.into_any(),
            }}
            <p>{tf("photo-alt", &[("at", datetime_vi(photo.taken).into())])}</p>
            <div class="actions">
                <button type="button" class="secondary" id="close-photo" on:click=move |_| shown.set(None)>{t("photo-close")}</button>
                <button type="button" class="danger" id="remove-photo" on:click=move |_| {
                    let remove = of.get_value().remove(hash.clone());
                    shown.set(None);
                    leptos::task::spawn_local(async move {
                        error.set(engine::edit(remove).await.err().map(|e| error_text(&e)));
                    });
                }>{t("photo-remove")}</button>
            </div>
        </div>
    }
}
