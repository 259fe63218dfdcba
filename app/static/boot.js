// Starts the app. A file of its own, not an inline script: the relay's
// Content-Security-Policy allows only the app's own scripts.
import init from "./ntm_app.js";
init();
