//! Trunk entry point: panic messages to the console, then start the agent app.

fn main() {
    #[cfg(target_arch = "wasm32")]
    {
        console_error_panic_hook::set_once();
        console::app::start();
    }
}
