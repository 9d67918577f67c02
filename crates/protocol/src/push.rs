//! Pushes: frames the server sends without being asked (or to other connections).

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::{action_enum, Chat, DisconnectReason, Event, User};

action_enum! {
    /// A push, by action.
    pub enum Push {
        /// A chat started or was reactivated (new thread).
        IncomingChat(IncomingChat) = "incoming_chat",
        /// A new event in a chat, the recipient's own included.
        IncomingEvent(IncomingEvent) = "incoming_event",
        /// A chat's thread was closed.
        ChatDeactivated(ChatDeactivated) = "chat_deactivated",
        /// A user joined a chat.
        UserAddedToChat(UserAddedToChat) = "user_added_to_chat",
        /// A user left a chat.
        UserRemovedFromChat(UserRemovedFromChat) = "user_removed_from_chat",
        /// An agent started or stopped typing.
        IncomingTypingIndicator(IncomingTypingIndicator) = "incoming_typing_indicator",
        /// The server is about to close the connection.
        CustomerDisconnected(CustomerDisconnected) = "customer_disconnected",
    }
}

/// `incoming_chat` payload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IncomingChat {
    /// Who started the chat.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requester_id: Option<String>,
    /// The chat with its new thread and initial events.
    pub chat: Chat,
}

/// `incoming_event` payload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IncomingEvent {
    /// Chat id.
    pub chat_id: String,
    /// Thread id.
    pub thread_id: String,
    /// The event.
    pub event: Event,
}

/// `chat_deactivated` payload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChatDeactivated {
    /// Chat id.
    pub chat_id: String,
    /// The closed thread.
    pub thread_id: String,
    /// Who closed it; absent when the router did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
}

/// `user_added_to_chat` payload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UserAddedToChat {
    /// Chat id.
    pub chat_id: String,
    /// Thread id, when the chat is active.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thread_id: Option<String>,
    /// The user.
    pub user: User,
    /// Why, e.g. `manual` or `other`.
    #[serde(default)]
    pub reason: String,
    /// The agent who added the user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requester_id: Option<String>,
}

/// `user_removed_from_chat` payload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UserRemovedFromChat {
    /// Chat id.
    pub chat_id: String,
    /// Thread id, when the chat is active.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thread_id: Option<String>,
    /// The user.
    pub user_id: String,
    /// Why.
    #[serde(default)]
    pub reason: String,
    /// The agent who removed the user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requester_id: Option<String>,
}

/// `incoming_typing_indicator` payload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IncomingTypingIndicator {
    /// Chat id.
    pub chat_id: String,
    /// Thread id.
    #[serde(default)]
    pub thread_id: String,
    /// The indicator.
    pub typing_indicator: TypingIndicator,
}

/// Whether an agent is typing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TypingIndicator {
    /// The typing agent.
    pub author_id: String,
    /// `all` or `agents`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recipients: Option<String>,
    /// Unix seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<u64>,
    /// On or off.
    pub is_typing: bool,
}

/// `customer_disconnected` payload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CustomerDisconnected {
    /// Why.
    pub reason: DisconnectReason,
    /// Extra data, e.g. a region or a block timeout.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<Value>,
}
