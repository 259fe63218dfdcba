// Starts the app. A file of its own, not an inline script: the relay's
// Content-Security-Policy allows only the app's own scripts.
import init, { ntmMemoryBytes } from "./ntm_app.js";
init();
// For `cargo xtask bench`: the wasm memory is not part of the JS heap.
globalThis.ntmMemoryBytes = ntmMemoryBytes;
