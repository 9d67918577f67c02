// Starts the agent app. A file rather than an inline script, so the page's
// Content-Security-Policy can forbid inline script.
import init from "./console.js";

init({ module_or_path: new URL("./console_bg.wasm", import.meta.url) });
