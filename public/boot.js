// Starts the WebAssembly app. A file rather than an inline script, so the widget's
// Content-Security-Policy can forbid inline script.
import init from "./chat-widget.js";

init({ module_or_path: new URL("./chat-widget_bg.wasm", import.meta.url) });
