//! Trunk entry point: panic messages to the console, then start the widget.

fn main() {
    console_error_panic_hook::set_once();
    #[cfg(target_arch = "wasm32")]
    chat_widget::host::boot();
}
