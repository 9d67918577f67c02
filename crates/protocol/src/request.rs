//! Requests a client sends (`action` + `payload`).

use serde::{Deserialize, Serialize};

use crate::{action_enum, Access, Event, Object, Page, User};

action_enum! {
    /// A customer's request, by action. The agent API's own actions decode to `Other`; an
    /// agent's connection reads [`crate::AgentRequest`] instead.
    pub enum Request {
        /// Authenticate the connection.
        Login(Login) = "login",
        /// Keep the connection alive.
        Ping = "ping",
        /// List the chats the user took part in.
        ListChats(ListChats) = "list_chats",
        /// List the threads of a chat.
        ListThreads(ListThreads) = "list_threads",
        /// Get one chat with one thread.
        GetChat(GetChat) = "get_chat",
        /// Start a new chat.
        StartChat(StartChat) = "start_chat",
        /// Restart an inactive chat with a new thread (the name up to 3.2).
        ActivateChat(ActivateChat) = "activate_chat",
        /// `activate_chat` under its 3.3 name; the same request.
        ResumeChat(ActivateChat) = "resume_chat",
        /// Close the chat's open thread.
        DeactivateChat(DeactivateChat) = "deactivate_chat",
        /// Add an event to a chat.
        SendEvent(SendEvent) = "send_event",
        /// Answer a rich-message button.
        SendRichMessagePostback(SendRichMessagePostback) = "send_rich_message_postback",
        /// What the customer is typing, before sending.
        SendSneakPeek(SendSneakPeek) = "send_sneak_peek",
        /// Set chat properties.
        UpdateChatProperties(ChatProperties) = "update_chat_properties",
        /// Delete chat properties.
        DeleteChatProperties(ChatProperties) = "delete_chat_properties",
        /// Set thread properties (the rating lives here).
        UpdateThreadProperties(ThreadProperties) = "update_thread_properties",
        /// Delete thread properties.
        DeleteThreadProperties(ThreadProperties) = "delete_thread_properties",
        /// Set event properties.
        UpdateEventProperties(EventProperties) = "update_event_properties",
        /// Delete event properties.
        DeleteEventProperties(EventProperties) = "delete_event_properties",
        /// The logged-in customer (or, from an agent, the customer named).
        GetCustomer(GetCustomer) = "get_customer",
        /// Change the customer's name, e-mail, avatar or session fields.
        UpdateCustomer(UpdateCustomer) = "update_customer",
        /// The page the customer moved to.
        UpdateCustomerPage(Page) = "update_customer_page",
        /// Replace the customer's session fields.
        SetCustomerSessionFields(SetCustomerSessionFields) = "set_customer_session_fields",
        /// Which groups are online.
        ListGroupStatuses(ListGroupStatuses) = "list_group_statuses",
        /// A group's pre-chat, post-chat or ticket form.
        GetForm(crate::GetForm) = "get_form",
        /// The agent a new chat would go to.
        GetPredictedAgent(GetPredictedAgent) = "get_predicted_agent",
        /// Title, description and image of a web page.
        GetUrlInfo(GetUrlInfo) = "get_url_info",
        /// Everything up to a time was seen.
        MarkEventsAsSeen(MarkEventsAsSeen) = "mark_events_as_seen",
        /// The customer accepted a greeting.
        AcceptGreeting(AcceptGreeting) = "accept_greeting",
        /// The customer dismissed a greeting.
        CancelGreeting(CancelGreeting) = "cancel_greeting",
        /// Web API only: the page a customer who is not connected is on, for goals.
        CheckGoals(CheckGoals) = "check_goals",
        /// Extension: the site's own identity token for the visitor (the `custom` host
        /// option), which the server checks with the site and shows the answer to agents.
        VerifyIdentity(VerifyIdentity) = "verify_identity",
        /// Extension: the license's departments and agents, for a visitor who picks the
        /// agent themselves (manual assignment).
        ListAgents = "list_agents",
    }
}

/// `send_rich_message_postback` payload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SendRichMessagePostback {
    /// Chat id.
    pub chat_id: String,
    /// Thread of the rich message.
    pub thread_id: String,
    /// The rich message.
    pub event_id: String,
    /// The button's postback.
    pub postback: Postback,
}

/// A rich-message button press.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Postback {
    /// The button's `postback_id`.
    pub id: String,
    /// Pressed (true) or released (false).
    pub toggled: bool,
}

/// `send_sneak_peek` payload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SendSneakPeek {
    /// Chat id.
    pub chat_id: String,
    /// The text so far.
    pub sneak_peek_text: String,
}

/// Chat property update or delete. From 3.3 the chat is named `id`; both are accepted.
/// Updates carry `{namespace: {name: value}}`, deletes `{namespace: [name, ...]}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ChatProperties {
    /// Chat id (v3.2 naming).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chat_id: Option<String>,
    /// Chat id (v3.5 SDK naming).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The properties.
    pub properties: Object,
}

impl ChatProperties {
    /// The chat id under either name.
    pub fn chat_id(&self) -> Option<&str> {
        self.chat_id.as_deref().or(self.id.as_deref())
    }
}

/// Thread property update or delete.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ThreadProperties {
    /// Chat id.
    pub chat_id: String,
    /// Thread id.
    pub thread_id: String,
    /// The properties.
    pub properties: Object,
}

/// Event property update or delete.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventProperties {
    /// Chat id.
    pub chat_id: String,
    /// Thread id.
    pub thread_id: String,
    /// Event id.
    pub event_id: String,
    /// The properties.
    pub properties: Object,
}

/// `update_customer` payload: at least one field.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct UpdateCustomer {
    /// Name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// E-mail.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Avatar URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub avatar: Option<String>,
    /// Session fields to merge.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_fields: Option<Vec<std::collections::BTreeMap<String, String>>>,
}

/// `set_customer_session_fields` payload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SetCustomerSessionFields {
    /// One-key objects, at most 100 keys.
    pub session_fields: Vec<std::collections::BTreeMap<String, String>>,
}

/// `list_group_statuses` payload: `all`, or `group_ids`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ListGroupStatuses {
    /// Every group of the license.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub all: Option<bool>,
    /// These groups.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_ids: Option<Vec<u32>>,
}

/// `get_customer` payload: empty from a customer, who asks about themselves; agents name
/// the customer they want.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct GetCustomer {
    /// The customer (agents only).
    #[serde(default, alias = "id", skip_serializing_if = "Option::is_none")]
    pub customer_id: Option<String>,
}

/// `verify_identity` payload (an extension of the protocol).
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct VerifyIdentity {
    /// Whatever the site gave the widget: a session id, a signed token. Never shown to
    /// agents; only the site's answer about it is.
    pub value: String,
}

/// Leaves the value out: it is a secret of the site's, and debug output ends up in logs.
impl std::fmt::Debug for VerifyIdentity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VerifyIdentity").field("value", &format_args!("<{} bytes>", self.value.len())).finish()
    }
}

/// `get_predicted_agent` payload.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct GetPredictedAgent {
    /// Group; 0 when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_id: Option<u32>,
}

/// `get_url_info` payload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GetUrlInfo {
    /// An `http` or `https` URL.
    pub url: String,
}

/// `check_goals` payload (Web API).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckGoals {
    /// The customer's session fields, as one-key objects.
    #[serde(default)]
    pub session_fields: Vec<std::collections::BTreeMap<String, String>>,
    /// The group the customer is in.
    #[serde(default)]
    pub group_id: u32,
    /// The page the customer is on.
    pub page_url: String,
}

/// `mark_events_as_seen` payload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MarkEventsAsSeen {
    /// Chat id.
    pub chat_id: String,
    /// RFC 3339 time; pass an event's `created_at`.
    pub seen_up_to: String,
}

/// `accept_greeting` payload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AcceptGreeting {
    /// The greeting template id.
    pub greeting_id: u64,
    /// This showing of it.
    pub unique_id: String,
}

/// `cancel_greeting` payload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CancelGreeting {
    /// This showing of the greeting.
    pub unique_id: String,
}

/// `login` payload.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Login {
    /// Access token with its scheme, e.g. `Bearer abc`.
    pub token: String,
    /// Customer data to store.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer: Option<LoginCustomer>,
    /// Page the customer is on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_page: Option<Page>,
    /// Storage the server asked the client to keep.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_side_storage: Option<Object>,
    /// Whether the client is a mobile device.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_mobile: Option<bool>,
    /// Group to log in to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_id: Option<u32>,
    /// Referrer of the page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub referrer: Option<String>,
    /// Client application.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub application: Option<Application>,
    /// Push subscriptions (3.3 on): `{"3.5": ["incoming_chat", ...]}` or `{"3.5": ["all"]}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pushes: Option<Object>,
}

/// Customer data sent with `login`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LoginCustomer {
    /// Name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// E-mail.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Avatar URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub avatar: Option<String>,
    /// Session fields as one-key objects.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_fields: Option<Vec<std::collections::BTreeMap<String, String>>>,
}

/// Client application info.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Application {
    /// Name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// Channel type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel_type: Option<String>,
}

/// `list_chats` payload.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ListChats {
    /// Page size (default 10, at most 25).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
    /// `desc` (default) or `asc`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sort_order: Option<String>,
    /// Cursor from a previous response.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page_id: Option<String>,
}

/// `list_threads` payload.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ListThreads {
    /// Chat id.
    pub chat_id: String,
    /// `desc` (default, newest first) or `asc`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sort_order: Option<String>,
    /// Threads per page (default 3, at most 100).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
    /// Cursor from a previous response.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page_id: Option<String>,
    /// Return as many threads as needed for this many events (1-100).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_events_count: Option<u32>,
}

/// `get_chat` payload.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct GetChat {
    /// Chat id.
    pub chat_id: String,
    /// Thread id; the latest thread when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thread_id: Option<String>,
}

/// `start_chat` payload.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StartChat {
    /// Initial chat data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chat: Option<InitialChat>,
    /// Start as a continuous chat (no online group needed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub continuous: Option<bool>,
    /// Start the thread active (default) or inactive.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active: Option<bool>,
}

/// `activate_chat` payload.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ActivateChat {
    /// The chat, `id` required.
    pub chat: InitialChat,
    /// Change the continuous mode.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub continuous: Option<bool>,
    /// Start the thread active (default) or inactive.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active: Option<bool>,
}

/// Chat data sent with `start_chat` and `activate_chat`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct InitialChat {
    /// Chat id (`activate_chat` only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Initial chat properties.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub properties: Option<Object>,
    /// Access; all agents when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access: Option<Access>,
    /// At most one user, the customer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub users: Option<Vec<User>>,
    /// Initial thread.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thread: Option<InitialThread>,
}

/// Initial thread of a started or activated chat.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct InitialThread {
    /// Initial events.
    #[serde(default)]
    pub events: Vec<Event>,
    /// Initial thread properties.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub properties: Option<Object>,
}

/// `deactivate_chat` payload. From 3.3 the chat is named `id`; both are accepted.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DeactivateChat {
    /// Chat id (v3.2 naming).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chat_id: Option<String>,
    /// Chat id (v3.5 SDK naming).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
}

impl DeactivateChat {
    /// The chat id under either name.
    pub fn chat_id(&self) -> Option<&str> {
        self.chat_id.as_deref().or(self.id.as_deref())
    }
}

/// `send_event` payload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SendEvent {
    /// Chat id.
    pub chat_id: String,
    /// The event.
    pub event: Event,
    /// For inactive chats: append to the last thread instead of failing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attach_to_last_thread: Option<bool>,
}
