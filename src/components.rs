//! The widget's views. They read [`ChatHandle::state`](crate::chat::ChatHandle) and call
//! its methods; nothing here names a socket. Every visible string comes from the
//! [`Locale`](crate::i18n::Locale) in context.

mod agent_picker;
mod banner;
mod chat_window;
mod composer;
mod extras;
mod form_view;
mod message_list;
mod rich_message;
mod search;
mod sound;
mod uploads;

pub use banner::ConnectionBanner;
pub use chat_window::ChatWindow;
pub use composer::{Composer, Draft};
pub use extras::{GreetingCard, QueueLine, RatingPanel};
pub use form_view::FormView;
pub use message_list::{MessageList, Proactive, ProactiveSlot, Viewing};
pub use rich_message::{OpenWebview, RichContext, RichMessageView, WebviewLayer};
pub use sound::SoundToggle;
pub use uploads::{AttachButton, UploadList, Uploads, MAX_UPLOAD_MB};

/// Events for the host page's callbacks (`onofflinemessage`, `onnamerequired`...) that
/// only a view knows about. The mount provides the queue and forwards it to the loader;
/// without a loader (standalone, tests) nothing is provided and events are dropped.
#[derive(Clone, Copy)]
pub struct HostEvents(pub leptos::prelude::RwSignal<Vec<(String, serde_json::Value)>>);

impl HostEvents {
    /// The queue in context, if the mount provided one. Read it while the view is built:
    /// the context is not reachable from async tasks.
    pub fn in_context() -> Option<HostEvents> {
        leptos::prelude::use_context::<HostEvents>()
    }

    /// Queues an event for the loader.
    pub fn emit(&self, name: &str, data: serde_json::Value) {
        use leptos::prelude::*;
        self.0.update(|queue| queue.push((name.to_owned(), data)));
    }
}

/// Whether the embedded window is maximised (larger than its normal size). Provided by
/// the mount only when a loader can resize the frame.
#[derive(Clone, Copy)]
pub struct Expanded(pub leptos::prelude::RwSignal<bool>);

impl Expanded {
    /// The flag in context, if the window can be maximised.
    pub fn in_context() -> Option<Expanded> {
        leptos::prelude::use_context::<Expanded>()
    }
}
