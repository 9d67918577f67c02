//! SDK calls on their way through the session: the request, where its answer goes, and
//! why it can fail.

use futures::channel::oneshot;
use protocol::{ErrorPayload, ErrorType, Request, Response};
use serde_json::Value;

/// Why an SDK call failed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RequestError {
    /// The server refused the request; `kind` is the wire error type.
    #[error("{kind}: {message}")]
    Server {
        /// The wire error type (`groups_offline`, `validation`...).
        kind: ErrorType,
        /// The server's message.
        message: String,
        /// Extra data the server sent (e.g. a region).
        data: Option<Value>,
    },
    /// No answer within 15 seconds.
    #[error("the request timed out")]
    Timeout,
    /// The connection dropped before the answer came (the request may or may not have been
    /// carried out).
    #[error("the connection was lost")]
    ConnectionLost,
    /// The client was destroyed (or stopped for good by the server).
    #[error("the chat client is gone")]
    Destroyed,
    /// `rate_chat` and `cancel_rate` need a thread, and the chat has none.
    #[error("the chat has no thread")]
    MissingChatThread,
    /// Refused before sending: the arguments break a protocol rule.
    #[error("{0}")]
    Invalid(String),
    /// The caller cancelled (an upload).
    #[error("cancelled")]
    Cancelled,
    /// The server answered with something this client cannot read.
    #[error("unexpected answer: {0}")]
    Unexpected(String),
}

impl RequestError {
    /// The SDK's error code: `CONNECTION_LOST`, `REQUEST_TIMEOUT`, `GROUPS_OFFLINE`...
    pub fn code(&self) -> String {
        match self {
            RequestError::Server { kind, .. } => kind.as_str().to_ascii_uppercase(),
            RequestError::Timeout => "REQUEST_TIMEOUT".to_owned(),
            RequestError::ConnectionLost => "CONNECTION_LOST".to_owned(),
            RequestError::Destroyed => "DESTROYED".to_owned(),
            RequestError::MissingChatThread => "MISSING_CHAT_THREAD".to_owned(),
            RequestError::Invalid(_) => "VALIDATION".to_owned(),
            RequestError::Cancelled => "CANCELLED".to_owned(),
            RequestError::Unexpected(_) => "INTERNAL".to_owned(),
        }
    }

    /// The wire error type, when the server sent one.
    pub fn kind(&self) -> Option<&ErrorType> {
        match self {
            RequestError::Server { kind, .. } => Some(kind),
            _ => None,
        }
    }
}

impl From<ErrorPayload> for RequestError {
    fn from(error: ErrorPayload) -> Self {
        RequestError::Server { kind: error.kind, message: error.message, data: error.data }
    }
}

/// What a call resolves with.
pub type CallResult = Result<Response, RequestError>;

/// Where a call's result goes.
pub type Reply = oneshot::Sender<CallResult>;

/// Where the news that an outbox item reached the server (or was refused) goes.
pub type Delivered = oneshot::Sender<Result<(), RequestError>>;

/// One SDK request on its way to the connection task.
pub struct Call {
    /// The wire request.
    pub request: Request,
    /// Receives the result.
    pub reply: Reply,
}

impl std::fmt::Debug for Call {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Call").field("request", &self.request).finish_non_exhaustive()
    }
}

impl PartialEq for Call {
    fn eq(&self, other: &Self) -> bool {
        self.request == other.request
    }
}
