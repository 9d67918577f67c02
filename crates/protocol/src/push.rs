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
        /// An event was edited.
        EventUpdated(IncomingEvent) = "event_updated",
        /// Someone pressed a rich-message button.
        IncomingRichMessagePostback(IncomingRichMessagePostback) = "incoming_rich_message_postback",
        /// Chat properties changed (only the changed keys).
        ChatPropertiesUpdated(PropertiesChanged) = "chat_properties_updated",
        /// Chat properties were deleted (`{namespace: [names]}`).
        ChatPropertiesDeleted(PropertiesChanged) = "chat_properties_deleted",
        /// Thread properties changed.
        ThreadPropertiesUpdated(PropertiesChanged) = "thread_properties_updated",
        /// Thread properties were deleted.
        ThreadPropertiesDeleted(PropertiesChanged) = "thread_properties_deleted",
        /// Event properties changed.
        EventPropertiesUpdated(PropertiesChanged) = "event_properties_updated",
        /// Event properties were deleted.
        EventPropertiesDeleted(PropertiesChanged) = "event_properties_deleted",
        /// The customer's data changed.
        CustomerUpdated(CustomerUpdated) = "customer_updated",
        /// The customer moved to another page.
        CustomerPageUpdated(CustomerPageUpdated) = "customer_page_updated",
        /// Data the client should keep and send back at login.
        CustomerSideStorageUpdated(CustomerSideStorageUpdated) = "customer_side_storage_updated",
        /// Someone saw events up to a time.
        EventsMarkedAsSeen(EventsMarkedAsSeen) = "events_marked_as_seen",
        /// A greeting for the customer.
        IncomingGreeting(IncomingGreeting) = "incoming_greeting",
        /// A greeting was accepted.
        GreetingAccepted(GreetingRef) = "greeting_accepted",
        /// A greeting was cancelled.
        GreetingCanceled(GreetingRef) = "greeting_canceled",
        /// The chat moved in the queue.
        QueuePositionUpdated(QueuePositionUpdated) = "queue_position_updated",
        /// The chat was transferred to another agent or group.
        ChatTransferred(ChatTransferred) = "chat_transferred",
        /// A message for many customers at once.
        IncomingMulticast(IncomingMulticast) = "incoming_multicast",
        /// Groups changed status (3.5; this server also sends it to older versions, whose
        /// clients skip pushes they do not know).
        GroupsStatusUpdated(GroupsStatusUpdated) = "groups_status_updated",
        /// Agents only: an agent's routing status changed.
        RoutingStatusSet(crate::RoutingStatusSet) = "routing_status_set",
        /// Agents only: what a customer is typing.
        IncomingSneakPeek(crate::IncomingSneakPeek) = "incoming_sneak_peek",
        /// Agents only: the server is about to close the connection.
        AgentDisconnected(crate::AgentDisconnected) = "agent_disconnected",
        /// Agents only: a thread got a tag.
        ThreadTagged(crate::ThreadTag) = "thread_tagged",
        /// Agents only: a thread lost a tag.
        ThreadUntagged(crate::ThreadTag) = "thread_untagged",
        /// Agents only (extension): a canned response was added.
        CannedResponseCreated(crate::CannedResponse) = "canned_response_created",
        /// Agents only (extension): a canned response changed.
        CannedResponseUpdated(crate::CannedResponse) = "canned_response_updated",
        /// Agents only (extension): a canned response was removed.
        CannedResponseDeleted(crate::CannedResponseId) = "canned_response_deleted",
        /// Agents only (extension): an administrator changed the license's settings (groups,
        /// agents, forms...); what an agent's app lists may be out of date.
        LicenseSettingsUpdated(crate::LicenseSettingsUpdated) = "license_settings_updated",
    }
}

/// `groups_status_updated` payload. Clients take the first group as the one they care
/// about: servers put the customer's own group first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupsStatusUpdated {
    /// The groups whose status is reported.
    pub groups: Vec<GroupStatusEntry>,
}

/// One group's status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupStatusEntry {
    /// Group id.
    pub id: u32,
    /// `online`, `online_for_queue` or `offline`.
    pub status: String,
}

/// `incoming_rich_message_postback` payload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IncomingRichMessagePostback {
    /// Who pressed the button.
    pub user_id: String,
    /// Chat id.
    pub chat_id: String,
    /// Thread id.
    pub thread_id: String,
    /// The rich message.
    pub event_id: String,
    /// The postback.
    pub postback: crate::Postback,
}

/// Payload of the property pushes; ids present as the target requires.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PropertiesChanged {
    /// Chat id.
    pub chat_id: String,
    /// Thread id (thread and event properties).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thread_id: Option<String>,
    /// Event id (event properties).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_id: Option<String>,
    /// Changed values, or deleted names.
    pub properties: crate::Object,
}

/// `customer_updated` payload: the customer's changed fields (with `id`). Up to 3.2 they
/// come under `customer`, from 3.3 flat; both decode, and [`Version`](crate::Version)
/// spells the push for each.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CustomerUpdated {
    /// The customer's changed fields (with `id`).
    pub customer: Value,
}

impl<'de> Deserialize<'de> for CustomerUpdated {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let mut payload = Value::deserialize(deserializer)?;
        if !payload.is_object() {
            return Err(serde::de::Error::custom("customer_updated payload must be an object"));
        }
        let customer = match payload.get_mut("customer") {
            Some(nested @ Value::Object(_)) => nested.take(),
            _ => payload,
        };
        Ok(CustomerUpdated { customer })
    }
}

/// `customer_page_updated` payload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CustomerPageUpdated {
    /// The customer (agent API only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_id: Option<String>,
    /// Page URL.
    pub url: String,
    /// Page title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// When the page was opened, unix seconds (up to 3.2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<u64>,
    /// When the page was opened, RFC 3339 (3.3 to 3.5).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub opened_at: Option<String>,
}

/// `customer_side_storage_updated` payload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CustomerSideStorageUpdated {
    /// What to keep.
    pub customer_side_storage: crate::Object,
}

/// `events_marked_as_seen` payload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventsMarkedAsSeen {
    /// Who saw them.
    pub user_id: String,
    /// Chat id.
    pub chat_id: String,
    /// Up to when.
    pub seen_up_to: String,
}

/// `incoming_greeting` payload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IncomingGreeting {
    /// Template id.
    pub id: u64,
    /// This showing.
    pub unique_id: String,
    /// Whether this is the first time it is shown.
    #[serde(default)]
    pub displayed_first_time: bool,
    /// Whether the customer accepted it (in the login response).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accepted: Option<bool>,
    /// Extra kind, e.g. `email`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub addon: Option<String>,
    /// The greeting message.
    pub event: Event,
    /// The greeting agent.
    pub agent: User,
}

/// `greeting_accepted` / `greeting_canceled` payload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GreetingRef {
    /// This showing of the greeting.
    pub unique_id: String,
}

/// `queue_position_updated` payload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QueuePositionUpdated {
    /// Chat id.
    pub chat_id: String,
    /// Thread id.
    pub thread_id: String,
    /// Position and estimated wait.
    pub queue: crate::Queue,
}

/// `chat_transferred` payload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChatTransferred {
    /// Chat id.
    pub chat_id: String,
    /// Thread id, when the chat is active.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thread_id: Option<String>,
    /// Who transferred it (with `reason` `manual`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requester_id: Option<String>,
    /// `manual` (an agent transferred it), `inactive`, `assigned`, `unassigned` or `other`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Where it went.
    pub transferred_to: TransferTarget,
    /// Present when the chat waits in the queue after the transfer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queue: Option<crate::Queue>,
}

/// The agents or groups a chat was transferred to.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TransferTarget {
    /// Groups.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_ids: Option<Vec<u32>>,
    /// Agents.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_ids: Option<Vec<String>>,
}

/// `incoming_multicast` payload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IncomingMulticast {
    /// Sender; absent when the system sent it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author_id: Option<String>,
    /// Any JSON.
    pub content: Value,
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
