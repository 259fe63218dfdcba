// Service worker: keeps the app itself available without a network, so a
// tablet can reload it in a village. Data never goes through here: it lives in
// IndexedDB and syncs over the WebSocket.
// `cargo xtask` stamps BUILD with a hash of the build, so each build gets its own cache.
const BUILD = "__BUILD__";
const CACHE = "ntm-app-" + BUILD;
const SHELL = ["./", "./index.html", "./boot.js", "./ntm_app.js", "./ntm_app_bg.wasm", "./style.css", "./manifest.webmanifest", "./icon-192.png", "./icon-512.png", "./icon.svg"];

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(SHELL)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(keys.filter((k) => k.startsWith("ntm-app-") && k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  // The relay's own endpoints (sync, API, enrolment, photos, metrics) always go to the network.
  const relayPath = ["/sync", "/api/", "/enrol", "/blobs/", "/metrics", "/healthz"].some((p) => url.pathname.startsWith(p));
  if (request.method !== "GET" || url.origin !== self.location.origin || relayPath) {
    return;
  }
  if (request.mode === "navigate") {
    // Pages: the network when there is one (new versions), else the cache.
    event.respondWith(fetch(request).catch(() => caches.match("./index.html", { ignoreSearch: true })));
    return;
  }
  // Assets of this build: the cache first.
  event.respondWith(caches.match(request, { ignoreSearch: true }).then((hit) => hit || fetch(request)));
});
