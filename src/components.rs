//! The widget's views. They read [`ChatHandle::state`](crate::chat::ChatHandle) and call
//! its methods; nothing here names a socket.

mod banner;
mod chat_window;
mod composer;
mod message_list;

pub use banner::ConnectionBanner;
pub use chat_window::ChatWindow;
pub use composer::Composer;
pub use message_list::MessageList;
