//! The widget's views. They read [`ChatHandle::state`](crate::chat::ChatHandle) and call
//! its methods; nothing here names a socket. Every visible string comes from the
//! [`Locale`](crate::i18n::Locale) in context.

mod banner;
mod chat_window;
mod composer;
mod extras;
mod form_view;
mod message_list;
mod rich_message;
mod sound;
mod uploads;

pub use banner::ConnectionBanner;
pub use chat_window::ChatWindow;
pub use composer::{Composer, Draft};
pub use extras::{GreetingCard, QueueLine, RatingMode, RatingPanel};
pub use form_view::FormView;
pub use message_list::MessageList;
pub use rich_message::{OpenWebview, RichContext, RichMessageView, WebviewLayer};
pub use sound::SoundToggle;
pub use uploads::{AttachButton, UploadList, Uploads, MAX_UPLOAD_MB};
