//! What the chat handle asks the connection task to do: the one channel from views (and
//! the host bridge) to the socket.

use futures::channel::oneshot;

use super::{Call, Delivered};

/// What the connection task is asked to do.
#[derive(Debug, PartialEq)]
pub enum Command {
    /// Connect now if not connected (the visitor showed intent, or `connect()`).
    Connect,
    /// Send whatever may go out now (outbox, read receipts, queued calls).
    Flush,
    /// Close the connection and stop (the widget is being removed).
    Shutdown,
    /// An SDK request; its result goes to the call's reply.
    Call(Box<Call>),
    /// What the visitor is typing (throttled by the session).
    SneakPeek {
        /// The chat.
        chat_id: String,
        /// The draft.
        text: String,
    },
    /// Close the connection until `Connect` (SDK `disconnect`).
    Disconnect,
    /// Close for good and fail every call (SDK `destroy`).
    Destroy,
    /// The browser went offline or came back online (`navigator.onLine`): drop a socket
    /// that can no longer carry anything at once, and retry at once when back.
    Network {
        /// Online now.
        online: bool,
    },
    /// Tell `reply` when the outbox item `custom_id` has reached the server.
    Track {
        /// The item.
        custom_id: String,
        /// Hears the outcome.
        reply: TrackReply,
    },
    /// Where and with which token to upload a file: `(url, access token)`, or None when
    /// there is no token (not connected yet).
    UploadTarget(UploadTargetReply),
}

/// Receives `(upload URL, access token)`.
pub struct UploadTargetReply(pub oneshot::Sender<Option<(String, String)>>);

impl std::fmt::Debug for UploadTargetReply {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("UploadTargetReply")
    }
}

impl PartialEq for UploadTargetReply {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

/// Hears whether a tracked outbox item reached the server.
pub struct TrackReply(pub Delivered);

impl std::fmt::Debug for TrackReply {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TrackReply")
    }
}

impl PartialEq for TrackReply {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}
