//! Agent Chat API shapes the server answers with where its agent API uses one of that
//! API's names, so a third-party LiveChat agent client can read them: the login answer,
//! chat summaries and their listing, transfers and routing statuses.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::{Access, LastEvent, Object, Queue, User};

/// Answer to an agent's `login`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AgentLoginResponse {
    /// The license the agent works for.
    pub license: AgentLicense,
    /// The agent.
    pub my_profile: MyProfile,
    /// The chats the agent can see, newest first (at most a page of them).
    #[serde(default)]
    pub chats_summary: Vec<AgentChatSummary>,
}

/// `login.license`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AgentLicense {
    /// License id.
    pub id: u64,
    /// Organization id (3.4 on).
    pub organization_id: String,
    /// Display name (an extension: the reference shows plan details instead).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// `login.my_profile`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MyProfile {
    /// The agent as other users see them (`id`, `type`, `name`, `avatar`, `job_title`...).
    #[serde(flatten)]
    pub user: User,
    /// `accepting_chats` or `not_accepting_chats`.
    pub routing_status: String,
    /// `owner`, `administrator` or `normal`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub permission: Option<String>,
}

/// A chat as `list_chats` and `login` list it to agents.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AgentChatSummary {
    /// Chat id.
    pub id: String,
    /// Participants.
    #[serde(default)]
    pub users: Vec<User>,
    /// The newest event of each type.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub last_event_per_type: BTreeMap<String, LastEvent>,
    /// The latest thread, without its events.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_thread_summary: Option<ThreadSummary>,
    /// Chat properties.
    #[serde(default)]
    pub properties: Object,
    /// Access rules.
    #[serde(default)]
    pub access: Access,
    /// Whether the agent follows the chat (agents see every chat of their license here).
    #[serde(default)]
    pub is_followed: bool,
}

/// `last_thread_summary` of an agent's chat summary.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ThreadSummary {
    /// Thread id.
    pub id: String,
    /// Creation time.
    pub created_at: String,
    /// Users who took part in the thread.
    #[serde(default)]
    pub user_ids: Vec<String>,
    /// Thread properties.
    #[serde(default)]
    pub properties: Object,
    /// Whether the thread is open.
    pub active: bool,
    /// Access rules.
    #[serde(default)]
    pub access: Access,
    /// Present while the chat waits in the queue.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queue: Option<Queue>,
}

/// Answer to an agent's `list_chats`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AgentListChatsResponse {
    /// Summaries, newest first by default.
    #[serde(default)]
    pub chats_summary: Vec<AgentChatSummary>,
    /// How many chats match.
    #[serde(default)]
    pub found_chats: u64,
    /// Cursor of the next page, while there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_page_id: Option<String>,
    /// Cursor of the previous page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_page_id: Option<String>,
}

/// An agent's `list_chats` request.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AgentListChats {
    /// Which chats.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filters: Option<ChatFilters>,
    /// `desc` (default) or `asc`, by the latest thread.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sort_order: Option<String>,
    /// Page size (default 10, at most 100).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
    /// Cursor from a previous answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page_id: Option<String>,
}

/// `list_chats.filters`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ChatFilters {
    /// Include chats with an open thread (default true; up to 3.5).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub include_active: Option<bool>,
    /// Only open chats (true), only closed ones (false), or both (absent; 3.6).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active: Option<bool>,
    /// Only chats of these groups.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_ids: Option<Vec<u32>>,
}

/// `transfer_chat`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TransferChat {
    /// Chat id (`chat_id` before 3.3).
    #[serde(alias = "chat_id")]
    pub id: String,
    /// Where to; the chat's own group when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<TransferTo>,
    /// Let the chat wait in the queue when nobody there can take it now; otherwise the
    /// transfer fails (`force` before 3.4).
    #[serde(default, alias = "force")]
    pub ignore_agents_availability: bool,
    /// Allow a transfer by an agent who is not in the chat (3.4).
    #[serde(default)]
    pub ignore_requester_presence: bool,
}

/// `transfer_chat.target`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TransferTo {
    /// `agent` or `group`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Agent ids (strings) or group ids (numbers).
    pub ids: Vec<Value>,
}

/// `set_routing_status`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SetRoutingStatus {
    /// `accepting_chats` or `not_accepting_chats` (bots also `offline`).
    pub status: String,
    /// The agent; the requester when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_id: Option<String>,
}

/// `routing_status_set` push: an agent's routing status changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoutingStatusSet {
    /// The agent.
    pub agent_id: String,
    /// The new status.
    pub status: String,
}
