//! An embeddable live-chat widget: a Leptos app compiled to WebAssembly that runs in an
//! iframe on the host page and speaks the LiveChat Customer Chat RTM API.
//!
//! Reading order: [`store`] (state and the pure reducer), [`session`] (the protocol client
//! without IO), [`connection`] (the socket), [`chat`] (the handle views use),
//! [`components`] (views), `host` (start-up and the loader bridge), [`config`] (options).
//!
//! Data flows one way: socket → `protocol` frame → `Session`/`ChatState::apply` → signal →
//! views; intent flows back: views/host → `ChatHandle` → `Command` → connection → socket.

pub mod chat;
pub mod components;
pub mod config;
pub mod connection;
#[cfg(target_arch = "wasm32")]
pub mod host;
pub mod persist;
pub mod session;
pub mod store;

use leptos::prelude::*;

use crate::chat::ChatHandle;
use crate::components::ChatWindow;

/// The widget's view tree, with `chat` provided to every component.
pub fn widget_view(chat: ChatHandle, title: String, embedded: bool) -> impl IntoView {
    provide_context(chat);
    view! {
        <div class="cw-root" data-embedded=embedded.to_string()>
            <ChatWindow title />
        </div>
    }
}
