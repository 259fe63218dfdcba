//! What the browser supplies to the pure core: time, randomness, the relay
//! address (only ever the app's own origin, or the Tauri package's chosen
//! relay), and the service worker that keeps the app usable offline.

use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use crate::i18n::t;

/// Seconds since the unix epoch, from the browser clock.
pub fn unix_seconds() -> i64 {
    (js_sys::Date::now() / 1000.0) as i64
}

/// The build of the app this page runs (stamped into `index.html` by
/// `cargo xtask build-app`; "unbuilt" elsewhere, e.g. under wasm tests).
pub fn build_id() -> String {
    web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.query_selector("meta[name=ntm-build]").ok().flatten())
        .and_then(|m| m.get_attribute("content"))
        .unwrap_or_else(|| "unbuilt".into())
}

/// Cryptographically random bytes.
pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).expect("the browser provides crypto.getRandomValues");
    bytes
}

/// A random number in `[0, 1)` (for backoff jitter).
pub fn random_unit() -> f64 {
    let [a, b, c, d] = random_bytes::<4>();
    f64::from(u32::from_le_bytes([a, b, c, d])) / (f64::from(u32::MAX) + 1.0)
}

/// Logs to the browser console.
pub fn log(message: &str) {
    web_sys::console::log_1(&message.into());
}

thread_local! {
    /// The relay chosen at enrolment, inside the Tauri package.
    static CHOSEN_RELAY: std::cell::RefCell<Option<String>> = const { std::cell::RefCell::new(None) };
}

/// Whether the app runs inside the Tauri package (no relay served it).
pub fn in_tablet_package() -> bool {
    web_sys::window()
        .is_some_and(|w| js_sys::Reflect::has(&w, &"__TAURI_INTERNALS__".into()).unwrap_or(false))
}

/// Sets the relay of the Tauri package (from its enrolment). Ignored in the
/// web app, which talks only to the origin that served it.
pub fn choose_relay(base: &str) {
    if in_tablet_package() {
        CHOSEN_RELAY.with(|r| *r.borrow_mut() = Some(base.trim_end_matches('/').to_owned()));
    }
}

/// The relay's HTTP address (`https://host`). The web app talks only to the
/// origin that served it: nothing in the page's address (a link from a chat
/// app) can point it elsewhere. The Tauri package talks only to the relay
/// chosen at enrolment (empty before: every request then fails).
pub fn relay_http_base() -> String {
    if in_tablet_package() {
        return CHOSEN_RELAY
            .with(|r| r.borrow().clone())
            .unwrap_or_default();
    }
    web_sys::window()
        .and_then(|w| w.location().origin().ok())
        .unwrap_or_default()
}

/// The relay's sync endpoint (`wss://host/sync`), from [`relay_http_base`].
pub fn relay_sync_url() -> String {
    let base = relay_http_base();
    let ws = base
        .strip_prefix("https://")
        .map(|rest| format!("wss://{rest}"))
        .or_else(|| {
            base.strip_prefix("http://")
                .map(|rest| format!("ws://{rest}"))
        })
        .unwrap_or(base);
    format!("{ws}/sync")
}

/// Registers `sw.js` (which caches the app for offline starts) and resolves
/// once it is active. `false` where service workers are unavailable.
pub async fn register_service_worker() -> bool {
    let Some(window) = web_sys::window() else {
        return false;
    };
    let navigator = window.navigator();
    if !js_sys::Reflect::has(&navigator, &"serviceWorker".into()).unwrap_or(false) {
        return false;
    }
    let container = navigator.service_worker();
    if JsFuture::from(container.register("./sw.js")).await.is_err() {
        log("service worker registration failed: the app will not start offline");
        return false;
    }
    match container.ready() {
        Ok(ready) => JsFuture::from(ready)
            .await
            .is_ok_and(|r| r.is_instance_of::<web_sys::ServiceWorkerRegistration>()),
        Err(_) => false,
    }
}

/// Calls `f` once a newer service worker takes over this page (a new
/// version of the app was installed while this one runs). Not on the
/// first install, when no version controlled the page before.
pub fn on_new_version(f: impl Fn() + 'static) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let container = window.navigator().service_worker();
    // The first worker taking over a page that had none is this version's.
    let controlled = std::cell::Cell::new(container.controller().is_some());
    let callback = wasm_bindgen::closure::Closure::<dyn Fn()>::new(move || {
        if controlled.replace(true) {
            f();
        }
    });
    container.set_oncontrollerchange(Some(callback.as_ref().unchecked_ref()));
    // Lives as long as the page.
    callback.forget();
}

/// Asks the browser to look for a newer `sw.js` now (it also does on
/// navigations); a newer one installs in the background.
pub fn check_for_new_version() {
    let Some(window) = web_sys::window() else {
        return;
    };
    let navigator = window.navigator();
    if !js_sys::Reflect::has(&navigator, &"serviceWorker".into()).unwrap_or(false) {
        return;
    }
    let ready = navigator.service_worker().ready();
    wasm_bindgen_futures::spawn_local(async move {
        let Ok(ready) = ready else { return };
        if let Ok(registration) = JsFuture::from(ready).await {
            if let Ok(registration) = registration.dyn_into::<web_sys::ServiceWorkerRegistration>()
            {
                if let Ok(promise) = registration.update() {
                    let _ = JsFuture::from(promise).await;
                }
            }
        }
    });
}

/// Calls `f` every `period` for as long as the page lives.
pub fn every(period: std::time::Duration, f: fn()) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let callback = wasm_bindgen::closure::Closure::<dyn Fn()>::new(f);
    let millis = i32::try_from(period.as_millis()).unwrap_or(i32::MAX);
    if window
        .set_interval_with_callback_and_timeout_and_arguments_0(
            callback.as_ref().unchecked_ref(),
            millis,
        )
        .is_ok()
    {
        callback.forget();
    }
}

/// Reloads the page (to start a newly installed version).
pub fn reload() {
    if let Some(window) = web_sys::window() {
        let _ = window.location().reload();
    }
}

/// Asks the browser to keep this site's data under storage pressure
/// (`navigator.storage.persist()`). `Some(false)` when it may still evict
/// it (the app then warns), `None` where the API is missing.
pub async fn request_persistent_storage() -> Option<bool> {
    let navigator = web_sys::window()?.navigator();
    if !js_sys::Reflect::has(&navigator, &"storage".into()).unwrap_or(false) {
        return None;
    }
    let storage = navigator.storage();
    let already = JsFuture::from(storage.persisted().ok()?)
        .await
        .ok()?
        .as_bool();
    if already == Some(true) {
        return Some(true);
    }
    JsFuture::from(storage.persist().ok()?)
        .await
        .ok()?
        .as_bool()
}

/// Calls `f` whenever the browser reports that the network is back.
pub fn on_network_back(f: fn()) {
    if let Some(window) = web_sys::window() {
        let callback = wasm_bindgen::closure::Closure::<dyn FnMut()>::new(f);
        if window
            .add_event_listener_with_callback("online", callback.as_ref().unchecked_ref())
            .is_ok()
        {
            // Lives as long as the page.
            callback.forget();
        }
    }
}

/// The device's position (latitude, longitude), asked of the browser once;
/// an error text the form can show when it is refused or unavailable.
pub async fn current_position() -> Result<(f64, f64), String> {
    let geolocation = web_sys::window()
        .and_then(|w| w.navigator().geolocation().ok())
        .ok_or_else(|| t("gps-unsupported"))?;
    let promise = js_sys::Promise::new(&mut |resolve, reject| {
        let options = web_sys::PositionOptions::new();
        options.set_enable_high_accuracy(true);
        options.set_timeout(30_000);
        let _ = geolocation.get_current_position_with_error_callback_and_options(
            &resolve,
            Some(&reject),
            &options,
        );
    });
    let position = JsFuture::from(promise)
        .await
        .map_err(|_| t("gps-unavailable"))?;
    // GeolocationPosition is behind web-sys's unstable flag: read it as an object.
    let number = |object: &wasm_bindgen::JsValue, key: &str| {
        js_sys::Reflect::get(object, &key.into())
            .ok()
            .and_then(|v| v.as_f64())
    };
    let coords = js_sys::Reflect::get(&position, &"coords".into()).map_err(|_| t("gps-bad"))?;
    match (number(&coords, "latitude"), number(&coords, "longitude")) {
        (Some(lat), Some(lon)) => Ok((lat, lon)),
        _ => Err(t("gps-bad")),
    }
}

/// A request to the relay with `body` of `content_type` (and the device
/// token in a header when given); the response, or why there was none.
async fn send(
    method: &str,
    path: &str,
    body: Option<(&wasm_bindgen::JsValue, &str)>,
    bearer: Option<&str>,
) -> Result<web_sys::Response, String> {
    let init = web_sys::RequestInit::new();
    init.set_method(method);
    if let Some((body, _)) = body {
        init.set_body(body);
    }
    let url = format!("{}{path}", relay_http_base());
    let request = web_sys::Request::new_with_str_and_init(&url, &init)
        .map_err(|_| format!("bad request to {url}"))?;
    if let Some((_, content_type)) = body {
        let _ = request.headers().set("content-type", content_type);
    }
    if let Some(token) = bearer {
        let _ = request
            .headers()
            .set("authorization", &format!("Bearer {token}"));
    }
    let window = web_sys::window().ok_or("no window")?;
    JsFuture::from(window.fetch_with_request(&request))
        .await
        .map_err(|_| t("relay-unreachable"))?
        .dyn_into::<web_sys::Response>()
        .map_err(|_| "bad response".to_owned())
}

/// A JSON request to the relay (with the device token in a header when
/// given); the status and the body text, or why it failed.
pub async fn fetch_json(
    method: &str,
    path: &str,
    body: Option<String>,
    bearer: Option<&str>,
) -> Result<(u16, String), String> {
    let body = body.map(|b| wasm_bindgen::JsValue::from_str(&b));
    let response = send(
        method,
        path,
        body.as_ref().map(|b| (b, "application/json")),
        bearer,
    )
    .await?;
    let status = response.status();
    let text = match response.text() {
        Ok(promise) => JsFuture::from(promise)
            .await
            .ok()
            .and_then(|v| v.as_string())
            .unwrap_or_default(),
        Err(_) => String::new(),
    };
    Ok((status, text))
}

/// Offers `bytes` to the person as a file download named `name`.
pub fn download(name: &str, bytes: &[u8]) -> Result<(), String> {
    let err = |e: wasm_bindgen::JsValue| format!("{e:?}");
    let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(bytes));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type("application/octet-stream");
    let blob =
        web_sys::Blob::new_with_u8_array_sequence_and_options(&parts, &options).map_err(err)?;
    let url = web_sys::Url::create_object_url_with_blob(&blob).map_err(err)?;
    let document = web_sys::window()
        .and_then(|w| w.document())
        .ok_or("no document")?;
    let link: web_sys::HtmlAnchorElement = document
        .create_element("a")
        .map_err(err)?
        .dyn_into()
        .map_err(|_| "not an anchor")?;
    link.set_href(&url);
    link.set_download(name);
    link.click();
    // The download reads the URL after this task: free it a little later.
    leptos::prelude::set_timeout(
        move || {
            let _ = web_sys::Url::revoke_object_url(&url);
        },
        std::time::Duration::from_secs(30),
    );
    Ok(())
}

/// The bytes of the first file chosen in a file input.
pub async fn chosen_file(input: &web_sys::HtmlInputElement) -> Result<Option<Vec<u8>>, String> {
    let Some(file) = input.files().and_then(|f| f.get(0)) else {
        return Ok(None);
    };
    let buffer = JsFuture::from(file.array_buffer())
        .await
        .map_err(|e| format!("{e:?}"))?;
    Ok(Some(js_sys::Uint8Array::new(&buffer).to_vec()))
}

/// A request to the relay with raw bytes both ways (the blob API): the
/// status, the body, and `Retry-After` in seconds when the relay sent one.
pub async fn fetch_bytes(
    method: &str,
    path: &str,
    body: Option<&[u8]>,
    bearer: Option<&str>,
) -> Result<(u16, Vec<u8>, Option<u64>), String> {
    let body: Option<wasm_bindgen::JsValue> = body.map(|b| js_sys::Uint8Array::from(b).into());
    let response = send(
        method,
        path,
        body.as_ref().map(|b| (b, "application/octet-stream")),
        bearer,
    )
    .await?;
    let retry_after = response
        .headers()
        .get("retry-after")
        .ok()
        .flatten()
        .and_then(|v| v.trim().parse().ok());
    let buffer = match response.array_buffer() {
        Ok(promise) => JsFuture::from(promise)
            .await
            .map_err(|_| t("relay-unreachable"))?,
        Err(_) => return Err("bad response".to_owned()),
    };
    Ok((
        response.status(),
        js_sys::Uint8Array::new(&buffer).to_vec(),
        retry_after,
    ))
}

/// `bytes` as a `blob:` URL the page can show (a photo).
pub fn object_url(bytes: &[u8], mime: &str) -> Option<String> {
    let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(bytes));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(mime);
    let blob = web_sys::Blob::new_with_u8_array_sequence_and_options(&parts, &options).ok()?;
    web_sys::Url::create_object_url_with_blob(&blob).ok()
}

/// An image file (camera photo, PNG…) redrawn as a JPEG whose longer side
/// is at most `longest` pixels (never enlarged), at `quality` in `[0, 1]`;
/// turned the way the camera held it. Fails with a sentence for a file the
/// browser cannot read as an image.
pub async fn jpeg_of(image: &[u8], longest: u32, quality: f64) -> Result<Vec<u8>, String> {
    let not_an_image = || t("photo-not-an-image");
    let window = web_sys::window().ok_or("no window")?;
    let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(image));
    let blob = web_sys::Blob::new_with_u8_array_sequence(&parts).map_err(|_| not_an_image())?;
    let bitmap: web_sys::ImageBitmap = JsFuture::from(
        window
            .create_image_bitmap_with_blob(&blob)
            .map_err(|_| not_an_image())?,
    )
    .await
    .map_err(|_| not_an_image())?
    .dyn_into()
    .map_err(|_| not_an_image())?;
    let (w, h) = (bitmap.width().max(1), bitmap.height().max(1));
    let scale = (f64::from(longest) / f64::from(w.max(h))).min(1.0);
    let (tw, th) = (
        ((f64::from(w) * scale).round() as u32).max(1),
        ((f64::from(h) * scale).round() as u32).max(1),
    );
    let canvas: web_sys::HtmlCanvasElement = window
        .document()
        .ok_or("no document")?
        .create_element("canvas")
        .map_err(|e| format!("{e:?}"))?
        .dyn_into()
        .map_err(|_| "not a canvas".to_owned())?;
    canvas.set_width(tw);
    canvas.set_height(th);
    let context: web_sys::CanvasRenderingContext2d = canvas
        .get_context("2d")
        .ok()
        .flatten()
        .ok_or("no 2d context")?
        .dyn_into()
        .map_err(|_| "no 2d context".to_owned())?;
    context
        .draw_image_with_image_bitmap_and_dw_and_dh(&bitmap, 0.0, 0.0, f64::from(tw), f64::from(th))
        .map_err(|e| format!("{e:?}"))?;
    bitmap.close();
    let encoded = js_sys::Promise::new(&mut |resolve, reject| {
        let failed = reject.clone();
        let callback =
            wasm_bindgen::closure::Closure::once_into_js(move |blob: wasm_bindgen::JsValue| {
                if blob.is_null() {
                    let _ = reject.call0(&wasm_bindgen::JsValue::NULL);
                } else {
                    let _ = resolve.call1(&wasm_bindgen::JsValue::NULL, &blob);
                }
            });
        if canvas
            .to_blob_with_type_and_encoder_options(
                callback.unchecked_ref(),
                "image/jpeg",
                &wasm_bindgen::JsValue::from_f64(quality),
            )
            .is_err()
        {
            let _ = failed.call0(&wasm_bindgen::JsValue::NULL);
        }
    });
    let jpeg: web_sys::Blob = JsFuture::from(encoded)
        .await
        .map_err(|_| t("photo-not-encoded"))?
        .dyn_into()
        .map_err(|_| t("photo-not-encoded"))?;
    let buffer = JsFuture::from(jpeg.array_buffer())
        .await
        .map_err(|_| t("photo-not-encoded"))?;
    Ok(js_sys::Uint8Array::new(&buffer).to_vec())
}

/// The bytes of every file chosen in a file input (several photos at once).
pub async fn chosen_files(input: &web_sys::HtmlInputElement) -> Result<Vec<Vec<u8>>, String> {
    let Some(files) = input.files() else {
        return Ok(Vec::new());
    };
    let mut all = Vec::new();
    for i in 0..files.length() {
        if let Some(file) = files.get(i) {
            let buffer = JsFuture::from(file.array_buffer())
                .await
                .map_err(|e| format!("{e:?}"))?;
            all.push(js_sys::Uint8Array::new(&buffer).to_vec());
        }
    }
    Ok(all)
}
