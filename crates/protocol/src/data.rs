//! Data structures shared by requests, responses and pushes: chats, threads, events, users.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::string_enum;

/// A free-form JSON object (`{namespace: {name: value}}` for properties).
pub type Object = serde_json::Map<String, Value>;

string_enum! {
    /// Who a user is.
    pub enum UserType {
        /// A website visitor.
        Customer = "customer",
        /// A support agent (or bot).
        Agent = "agent",
    }
}

/// A chat participant, customer or agent. Fields the document marks as optional stay optional.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct User {
    /// Opaque user id.
    pub id: String,
    /// `customer` or `agent`. Greeting and predicted-agent payloads, which only ever name
    /// agents, may leave it out.
    #[serde(rename = "type", default = "agent_type")]
    pub kind: UserType,
    /// Display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// E-mail address (customers only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Avatar URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub avatar: Option<String>,
    /// Agent job title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job_title: Option<String>,
    /// Whether the agent is a bot.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_bot: Option<bool>,
    /// Whether the user is present in the chat.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub present: Option<bool>,
    /// Everything up to this RFC 3339 time counts as seen by this user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub events_seen_up_to: Option<String>,
}

/// Who may access a chat. Group 0 means all agents.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Access {
    /// Group ids with access.
    #[serde(default)]
    pub group_ids: Vec<u32>,
    /// Extension: the agents who may take the chat (a site's `operators`, or the one a
    /// visitor picked); empty for any agent of the group.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub agent_ids: Vec<String>,
}

/// A chat with its latest (or requested) thread.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Chat {
    /// Chat id.
    pub id: String,
    /// Participants.
    #[serde(default)]
    pub users: Vec<User>,
    /// The thread, when the chat has one.
    #[serde(default)]
    pub thread: Option<Thread>,
    /// Access rules.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access: Option<Access>,
    /// Chat properties.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub properties: Option<Object>,
    /// Where the chat came from (`incoming_chat` after a transfer).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transferred_from: Option<crate::TransferTarget>,
}

/// One thread of a chat: a chat is a chain of threads, one per conversation.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Thread {
    /// Thread id.
    pub id: String,
    /// Whether the thread is open (the chat is active).
    #[serde(default)]
    pub active: bool,
    /// Creation time, RFC 3339 with microseconds, UTC.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<String>,
    /// Users who took part in the thread.
    #[serde(default)]
    pub user_ids: Vec<String>,
    /// Events in creation order.
    #[serde(default)]
    pub events: Vec<Event>,
    /// Thread properties.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub properties: Option<Object>,
    /// Access rules.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access: Option<Access>,
    /// Present while the chat waits in the queue.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queue: Option<Queue>,
    /// The thread before this one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_thread_id: Option<String>,
    /// The thread after this one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_thread_id: Option<String>,
    /// Agents only: the thread's tags.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
}

/// Queue state of a waiting chat.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Queue {
    /// 1-based position.
    pub position: u32,
    /// Estimated wait in seconds.
    pub wait_time: u32,
    /// When the chat entered the queue.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queued_at: Option<String>,
}

/// An event in a thread: the common fields plus a type-specific body. Its `type` must be a
/// string: serde would otherwise read a number as the index of a variant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "TypedEvent")]
pub struct Event {
    /// Server-assigned id (absent in requests).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Client-assigned id used to recognise retries of the same event.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_id: Option<String>,
    /// Server-assigned creation time, RFC 3339 with microseconds, UTC.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<String>,
    /// Author's user id (none on system messages).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author_id: Option<String>,
    /// `all`, or `agents` for agent-only events (the Agent Chat API calls it `visibility`
    /// from 3.4).
    #[serde(default, alias = "visibility", skip_serializing_if = "Option::is_none")]
    pub recipients: Option<String>,
    /// Event properties.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub properties: Option<Object>,
    /// The type-specific part (`type` on the wire).
    #[serde(flatten)]
    pub body: EventBody,
}

/// An event as it arrives, before its `type` is checked.
#[derive(Deserialize)]
struct TypedEvent {
    #[serde(rename = "type")]
    kind: Value,
    #[serde(flatten)]
    rest: Object,
}

impl TryFrom<TypedEvent> for Event {
    type Error = String;

    fn try_from(typed: TypedEvent) -> Result<Event, String> {
        if !typed.kind.is_string() {
            return Err(format!("an event's type must be a string, not {}", typed.kind));
        }
        let mut fields = typed.rest;
        fields.insert("type".to_owned(), typed.kind);
        let event: EventFields = serde_json::from_value(Value::Object(fields)).map_err(|err| err.to_string())?;
        Ok(Event {
            id: event.id,
            custom_id: event.custom_id,
            created_at: event.created_at,
            author_id: event.author_id,
            recipients: event.recipients,
            properties: event.properties,
            body: event.body,
        })
    }
}

/// The fields of an [`Event`] once its `type` is known to be a string.
#[derive(Deserialize)]
struct EventFields {
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    custom_id: Option<String>,
    #[serde(default)]
    created_at: Option<String>,
    #[serde(default)]
    author_id: Option<String>,
    #[serde(default, alias = "visibility")]
    recipients: Option<String>,
    #[serde(default)]
    properties: Option<Object>,
    #[serde(flatten)]
    body: EventBody,
}

impl Event {
    /// A new event for everyone in the chat, before the server has stamped it (no id,
    /// time or author); set those fields on the result where the sender knows them.
    pub fn new(body: EventBody) -> Self {
        Event { id: None, custom_id: None, created_at: None, author_id: None, recipients: Some("all".to_owned()), properties: None, body }
    }

    /// A plain text message, as a customer sends it.
    pub fn message(custom_id: impl Into<String>, text: impl Into<String>) -> Self {
        Event { custom_id: Some(custom_id.into()), ..Event::new(EventBody::Message { text: text.into(), postback: None }) }
    }

    /// The text of a message or system message.
    pub fn text(&self) -> Option<&str> {
        match &self.body {
            EventBody::Message { text, .. } => Some(text),
            EventBody::SystemMessage { text, .. } => text.as_deref(),
            _ => None,
        }
    }
}

/// The type-specific part of an event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum EventBody {
    /// A text message.
    Message {
        /// The text, at most 16 KB of UTF-8.
        text: String,
        /// Set when the message answers a rich-message button.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        postback: Option<Value>,
    },
    /// A message generated by the system (routing, archiving, rating...).
    SystemMessage {
        /// Rendered text.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        text: Option<String>,
        /// Machine-readable kind, e.g. `routing.assigned`.
        #[serde(default)]
        system_message_type: String,
        /// Values for the text's variables.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        text_vars: Option<Object>,
    },
    /// An uploaded file.
    File {
        /// Where the file is served.
        url: String,
        /// File name.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        name: Option<String>,
        /// MIME type.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        content_type: Option<String>,
        /// Size in bytes.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        size: Option<u64>,
        /// Image width.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        width: Option<u32>,
        /// Image height.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        height: Option<u32>,
        /// Thumbnail URL.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        thumbnail_url: Option<String>,
        /// Double-resolution thumbnail URL.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        thumbnail2x_url: Option<String>,
    },
    /// Answers to a pre-chat or post-chat form.
    FilledForm {
        /// The form answered.
        form_id: String,
        /// One entry per field.
        #[serde(default)]
        fields: Vec<Value>,
    },
    /// A structured message from an agent or bot: cards, quick replies, stickers.
    RichMessage {
        /// `cards`, `quick_replies` or `sticker`.
        template_id: String,
        /// Up to ten elements.
        #[serde(default)]
        elements: Vec<Value>,
    },
    /// Application-defined content.
    Custom {
        /// Any JSON.
        #[serde(default)]
        content: Value,
    },
    /// An event type this crate does not know; its type-specific fields are dropped.
    #[serde(other)]
    Unknown,
}

/// Summary of a chat as listed by `list_chats`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChatSummary {
    /// Chat id.
    pub id: String,
    /// Whether the chat has an open thread. Always present.
    pub active: bool,
    /// Participants.
    #[serde(default)]
    pub users: Vec<User>,
    /// Latest thread id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_thread_id: Option<String>,
    /// Latest thread's creation time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_thread_created_at: Option<String>,
    /// The newest event of each type.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub last_event_per_type: BTreeMap<String, LastEvent>,
    /// Access rules.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access: Option<Access>,
    /// Chat properties.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub properties: Option<Object>,
}

/// The newest event of one type in a chat summary.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LastEvent {
    /// Thread holding the event.
    pub thread_id: String,
    /// That thread's creation time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thread_created_at: Option<String>,
    /// The event.
    pub event: Event,
}

/// A page the customer is looking at.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Page {
    /// Page URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Page title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
}

/// Customer counters returned at login and by `get_customer`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Statistics {
    /// Chats started.
    #[serde(default)]
    pub chats_count: u64,
    /// Threads across all chats.
    #[serde(default)]
    pub threads_count: u64,
    /// Visits (logins).
    #[serde(default)]
    pub visits_count: u64,
    /// Page views.
    #[serde(default)]
    pub page_views_count: u64,
    /// Greetings shown.
    #[serde(default)]
    pub greetings_shown_count: u64,
    /// Greetings accepted.
    #[serde(default)]
    pub greetings_accepted_count: u64,
}

/// The customer as the login response and `get_customer` describe them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Customer {
    /// Customer id.
    pub id: String,
    /// Always `customer`.
    #[serde(rename = "type", default = "customer_type")]
    pub kind: UserType,
    /// Name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// E-mail.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Avatar URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub avatar: Option<String>,
    /// Session fields, an array of one-key objects in insertion order.
    #[serde(default)]
    pub session_fields: Vec<BTreeMap<String, String>>,
    /// Counters.
    #[serde(default)]
    pub statistics: Statistics,
}

fn agent_type() -> UserType {
    UserType::Agent
}

fn customer_type() -> UserType {
    UserType::Customer
}
