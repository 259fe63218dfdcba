//! The browser adapter of photos: a picture from the camera or a file
//! becomes a JPEG of at most [`PICTURE_PX`] and a thumbnail, both kept in
//! IndexedDB under their SHA-256 together with their place in the upload
//! queue (one transaction); the core's [`Uploader`] decides what goes to the
//! relay's blob API and when, this module makes the requests. Photos taken
//! on another device are fetched from the relay the first time they are
//! shown and kept, so they show offline from then on.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;
use std::time::Duration;

use leptos::prelude::*;
use ntm_core::blobs::{BlobHash, UploadStatus};
use ntm_core::device::uploads::{Queued, UploadEffect, UploadEvent, UploadFailure, Uploader};
use ntm_core::survey::photo::Photo;
use ntm_core::DocumentId;

use crate::platform;
use crate::store::LocalStore;

/// Longer side of a kept picture, in pixels: enough to read a sign or a
/// crack in a wall, small enough for a week of photos on a weak link.
pub const PICTURE_PX: u32 = 1600;
/// Longer side of a thumbnail.
pub const THUMB_PX: u32 = 320;
/// Where the upload queue is kept (settings `upload/<picture hash>`).
const QUEUE: &str = "upload/";
/// The relay's chunk size (its default limit).
const CHUNK: u64 = 1024 * 1024;

struct Photos {
    uploader: Uploader,
    store: Rc<LocalStore>,
    survey: DocumentId,
    token: Option<String>,
    waiting: RwSignal<usize>,
    /// `blob:` URLs of the photos shown so far.
    urls: BTreeMap<String, String>,
}

thread_local! {
    static PHOTOS: RefCell<Option<Photos>> = const { RefCell::new(None) };
}

fn with<R>(f: impl FnOnce(&mut Photos) -> R) -> Option<R> {
    PHOTOS.with(|cell| cell.borrow_mut().as_mut().map(f))
}

/// Starts the uploads of this device: the queue as stored (photos taken or
/// imported before a restart wait where they were).
pub async fn start(
    store: Rc<LocalStore>,
    survey: DocumentId,
    token: Option<String>,
    waiting: RwSignal<usize>,
) {
    let queued = store.meta_with_prefix(QUEUE).await.unwrap_or_else(|e| {
        platform::log(&format!("upload queue unreadable: {e}"));
        Vec::new()
    });
    PHOTOS.with(|cell| {
        *cell.borrow_mut() = Some(Photos {
            uploader: Uploader::new(CHUNK),
            store,
            survey,
            token,
            waiting,
            urls: BTreeMap::new(),
        })
    });
    for (key, value) in queued {
        if let Some(q) = Queued::from_text(key.trim_start_matches(QUEUE), &value) {
            handle(UploadEvent::Queued(q));
        }
    }
}

/// The relay can (or cannot) be reached.
pub fn set_online(online: bool) {
    handle(if online {
        UploadEvent::Online
    } else {
        UploadEvent::Offline
    });
}

fn handle(event: UploadEvent) {
    let Some(effects) = with(|p| {
        let effects = p.uploader.handle(event, platform::random_unit());
        p.waiting.set(p.uploader.waiting());
        effects
    }) else {
        return;
    };
    for effect in effects {
        execute(effect);
    }
}

fn execute(effect: UploadEffect) {
    let Some((store, survey, token)) = with(|p| (p.store.clone(), p.survey, p.token.clone()))
    else {
        return;
    };
    match effect {
        UploadEffect::Start { hash, size } => leptos::task::spawn_local(async move {
            let path = format!("/blobs/{hash}?document={survey}&size={size}");
            answer(
                platform::fetch_bytes("POST", &path, None, token.as_deref()).await,
                hash,
            );
        }),
        UploadEffect::Send { hash, offset, len } => leptos::task::spawn_local(async move {
            let bytes = match store.blob(&hash.to_string()).await {
                Ok(Some(bytes)) => bytes,
                _ => {
                    let message = crate::i18n::t("photo-missing-on-device");
                    return handle(UploadEvent::Failed(UploadFailure::Refused { message }));
                }
            };
            let (from, to) = (offset as usize, (offset + len) as usize);
            let chunk = bytes.get(from..to.min(bytes.len())).unwrap_or_default();
            let path = format!("/blobs/{hash}?offset={offset}");
            answer(
                platform::fetch_bytes("PATCH", &path, Some(chunk), token.as_deref()).await,
                hash,
            );
        }),
        UploadEffect::Done { id } => leptos::task::spawn_local(async move {
            // Kept in the queue if this fails: the next start asks the relay,
            // which answers "complete" and nothing is sent again.
            let _ = store.delete_meta(&format!("{QUEUE}{id}")).await;
        }),
        UploadEffect::Refused { id, message } => {
            platform::log(&format!("photo {id} refused by the relay: {message}"));
        }
        UploadEffect::Wake { after_ms } => {
            set_timeout(
                || handle(UploadEvent::Timer),
                Duration::from_millis(after_ms),
            );
        }
    }
}

/// The relay's answer as an event for the uploader.
fn answer(reply: Result<(u16, Vec<u8>, Option<u64>), String>, hash: BlobHash) {
    let event = match reply {
        Err(_) => UploadEvent::Failed(UploadFailure::Network),
        Ok((200, body, _)) => match serde_json::from_slice::<UploadStatus>(&body) {
            Ok(status) => UploadEvent::Answer(status),
            Err(_) => UploadEvent::Failed(UploadFailure::Network),
        },
        Ok((status, body, retry_after)) => {
            let value: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
            UploadEvent::Failed(UploadFailure::of_reply(
                hash,
                status,
                value["received"].as_u64(),
                value["error"].as_str().map(str::to_owned),
                retry_after,
            ))
        }
    };
    handle(event);
}

/// Makes a photo of an image file: the picture and its thumbnail are kept
/// on the device and queued for upload (durably, together) before this
/// returns; the caller then adds the photo to a record or evidence.
pub async fn take(image: &[u8]) -> Result<Photo, String> {
    let picture = platform::jpeg_of(image, PICTURE_PX, 0.85).await?;
    let thumb = platform::jpeg_of(&picture, THUMB_PX, 0.8).await?;
    let photo = Photo::new(
        BlobHash::of(&picture),
        BlobHash::of(&thumb),
        platform::unix_seconds(),
    );
    let sizes = BTreeMap::from([
        (BlobHash::of(&thumb), thumb.len() as u64),
        (BlobHash::of(&picture), picture.len() as u64),
    ]);
    let queued = Queued::of_photo(&photo, |h| sizes.get(h).copied());
    keep(
        vec![(photo.thumb.clone(), thumb), (photo.hash.clone(), picture)],
        queued.into_iter().collect(),
    )
    .await?;
    Ok(photo)
}

/// Keeps photos from a sync bundle and queues them for upload: whichever
/// tablet reaches the relay first brings them, and the relay keeps one copy.
/// `photos` are the survey's photos after the merge (to pair pictures with
/// their thumbnails). Returns how many photos were new to this device.
pub async fn keep_imported(
    blobs: Vec<(BlobHash, Vec<u8>)>,
    photos: &[Photo],
) -> Result<usize, String> {
    let store = with(|p| p.store.clone()).ok_or("the engine is not running")?;
    // What this device already holds is neither kept again nor counted.
    let mut new = Vec::new();
    for (hash, bytes) in blobs {
        if !matches!(store.blob(&hash.to_string()).await, Ok(Some(_))) {
            new.push((hash, bytes));
        }
    }
    let blobs = new;
    if blobs.is_empty() {
        return Ok(0);
    }
    let sizes: BTreeMap<BlobHash, u64> = blobs.iter().map(|(h, b)| (*h, b.len() as u64)).collect();
    let queued: Vec<Queued> = photos
        .iter()
        .filter_map(|p| Queued::of_photo(p, |h| sizes.get(h).copied()))
        .collect();
    let count = queued.len();
    keep(
        blobs.into_iter().map(|(h, b)| (h.to_string(), b)).collect(),
        queued,
    )
    .await?;
    Ok(count)
}

async fn keep(blobs: Vec<(String, Vec<u8>)>, queued: Vec<Queued>) -> Result<(), String> {
    let store = with(|p| p.store.clone()).ok_or("the engine is not running")?;
    let meta: Vec<(String, String)> = queued
        .iter()
        .map(|q| (format!("{QUEUE}{}", q.id), q.to_text()))
        .collect();
    store.keep(blobs, &meta).await.map_err(|e| e.to_string())?;
    for q in queued {
        handle(UploadEvent::Queued(q));
    }
    Ok(())
}

/// The photo blobs of `hashes` this device holds (for a sync bundle).
pub async fn held(hashes: impl IntoIterator<Item = BlobHash>) -> Vec<(BlobHash, Vec<u8>)> {
    let Some(store) = with(|p| p.store.clone()) else {
        return Vec::new();
    };
    let mut found = Vec::new();
    for hash in hashes {
        if let Ok(Some(bytes)) = store.blob(&hash.to_string()).await {
            found.push((hash, bytes));
        }
    }
    found
}

/// Whether a photo is still waiting to go to the relay.
pub fn is_waiting(picture: &str) -> bool {
    with(|p| p.uploader.is_waiting(picture)).unwrap_or(false)
}

/// A URL showing the blob `hash` (a picture or a thumbnail): from this
/// device, else fetched from the relay once and kept. `None` when it is
/// on neither (taken on a device that has not uploaded it yet, or offline).
pub async fn url(hash: &str) -> Option<String> {
    if let Some(url) = with(|p| p.urls.get(hash).cloned()).flatten() {
        return Some(url);
    }
    let (store, token) = with(|p| (p.store.clone(), p.token.clone()))?;
    let bytes = match store.blob(hash).await {
        Ok(Some(bytes)) => bytes,
        _ => {
            let (status, bytes, _) =
                platform::fetch_bytes("GET", &format!("/blobs/{hash}"), None, token.as_deref())
                    .await
                    .ok()?;
            // Only what matches its name is kept.
            if status != 200 || BlobHash::of(&bytes).to_string() != hash {
                return None;
            }
            // Another device's photo: the relay has it, nothing to upload.
            let _ = store
                .keep(vec![(hash.to_owned(), bytes.clone())], &[])
                .await;
            bytes
        }
    };
    let url = platform::object_url(&bytes, "image/jpeg")?;
    with(|p| p.urls.insert(hash.to_owned(), url.clone()));
    Some(url)
}

/// Frees the `blob:` URL of a shown blob (a picture shown large: kept in
/// memory only while it is on screen; thumbnails stay).
pub fn forget(hash: &str) {
    if let Some(url) = with(|p| p.urls.remove(hash)).flatten() {
        let _ = web_sys::Url::revoke_object_url(&url);
    }
}
