//! Successful response payloads, by action.

use serde::{Deserialize, Serialize};

use crate::{action_enum, Chat, ChatSummary, Customer, Thread};

action_enum! {
    /// A successful response, by the action it answers.
    pub enum Response {
        /// Answer to `login`.
        Login(LoginResponse) = "login",
        /// Answer to `ping`.
        Ping = "ping",
        /// Answer to `list_chats`.
        ListChats(ListChatsResponse) = "list_chats",
        /// Answer to `list_threads`.
        ListThreads(ListThreadsResponse) = "list_threads",
        /// Answer to `get_chat`.
        GetChat(Chat) = "get_chat",
        /// Answer to `start_chat`.
        StartChat(StartChatResponse) = "start_chat",
        /// Answer to `activate_chat`.
        ActivateChat(ActivateChatResponse) = "activate_chat",
        /// Answer to `resume_chat`.
        ResumeChat(ActivateChatResponse) = "resume_chat",
        /// Answer to `deactivate_chat`.
        DeactivateChat = "deactivate_chat",
        /// Answer to `send_event`.
        SendEvent(SendEventResponse) = "send_event",
        /// Answer to `send_rich_message_postback`.
        SendRichMessagePostback = "send_rich_message_postback",
        /// Answer to `send_sneak_peek`.
        SendSneakPeek = "send_sneak_peek",
        /// Answer to `update_chat_properties`.
        UpdateChatProperties = "update_chat_properties",
        /// Answer to `delete_chat_properties`.
        DeleteChatProperties = "delete_chat_properties",
        /// Answer to `update_thread_properties`.
        UpdateThreadProperties = "update_thread_properties",
        /// Answer to `delete_thread_properties`.
        DeleteThreadProperties = "delete_thread_properties",
        /// Answer to `update_event_properties`.
        UpdateEventProperties = "update_event_properties",
        /// Answer to `delete_event_properties`.
        DeleteEventProperties = "delete_event_properties",
        /// Answer to `get_customer`.
        GetCustomer(Customer) = "get_customer",
        /// Answer to `update_customer`.
        UpdateCustomer = "update_customer",
        /// Answer to `update_customer_page`.
        UpdateCustomerPage = "update_customer_page",
        /// Answer to `set_customer_session_fields`.
        SetCustomerSessionFields = "set_customer_session_fields",
        /// Answer to `list_group_statuses`.
        ListGroupStatuses(ListGroupStatusesResponse) = "list_group_statuses",
        /// Answer to `get_form`.
        GetForm(crate::GetFormResponse) = "get_form",
        /// Answer to `get_predicted_agent`.
        GetPredictedAgent(PredictedAgent) = "get_predicted_agent",
        /// Answer to `get_url_info`.
        GetUrlInfo(UrlInfo) = "get_url_info",
        /// Answer to `verify_identity` (extension).
        VerifyIdentity = "verify_identity",
        /// Answer to `list_agents` (extension).
        ListAgents(ListAgentsResponse) = "list_agents",
        /// Answer to `mark_events_as_seen`.
        MarkEventsAsSeen = "mark_events_as_seen",
        /// Answer to `accept_greeting`.
        AcceptGreeting = "accept_greeting",
        /// Answer to `cancel_greeting`.
        CancelGreeting = "cancel_greeting",
        /// Answer to `check_goals`.
        CheckGoals = "check_goals",
    }
}

/// `list_group_statuses` response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ListGroupStatusesResponse {
    /// `online`, `offline` or `online_for_queue`, by group id (as a string key).
    pub groups_status: std::collections::BTreeMap<String, String>,
}

/// `list_agents` response (an extension of the protocol): what a visitor picking their
/// agent chooses from.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ListAgentsResponse {
    /// The license's groups (departments), in the configured order.
    #[serde(default)]
    pub groups: Vec<GroupInfo>,
    /// The license's agents, in the configured order.
    #[serde(default)]
    pub agents: Vec<AgentInfo>,
}

/// A group in `list_agents`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupInfo {
    /// Group id.
    pub id: u32,
    /// Display name.
    pub name: String,
}

/// An agent in `list_agents`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AgentInfo {
    /// Agent id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Avatar URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub avatar: Option<String>,
    /// Job title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job_title: Option<String>,
    /// Groups the agent takes chats of.
    #[serde(default)]
    pub group_ids: Vec<u32>,
    /// `accepting_chats`, `not_accepting_chats` or `offline`.
    pub routing_status: String,
    /// Agents only (extension): the open chats the agent is in now.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active_chats: Option<u32>,
    /// Agents only (extension): the most chats routing gives the agent at once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_chats: Option<u32>,
}

/// `get_predicted_agent` response. The v3.2 reference gives the agent's fields flat; the v4
/// SDK reads `{agent, queue}`. Servers send both; clients read either.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PredictedAgent {
    /// The agent, flat (v3.2).
    #[serde(flatten)]
    pub flat: crate::User,
    /// The agent, nested (v4 SDK).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent: Option<crate::User>,
    /// Whether a chat started now would wait in the queue.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queue: Option<bool>,
}

/// `get_url_info` response.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct UrlInfo {
    /// The URL (after redirects).
    pub url: String,
    /// Page title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Page description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Preview image.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_url: Option<String>,
    /// Preview image as the page names it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_original_url: Option<String>,
    /// Image width.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_width: Option<u32>,
    /// Image height.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_height: Option<u32>,
}

/// `login` response. Real clients rely on `customer`, `chats` and `__priv_dynamic_config`
/// always being present.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LoginResponse {
    /// The logged-in customer, with statistics.
    pub customer: Customer,
    /// Whether one of the customer's chats is active.
    #[serde(default)]
    pub has_active_thread: bool,
    /// The customer's chats.
    #[serde(default)]
    pub chats: Vec<LoginChat>,
    /// The greeting on the customer's screen, if any (shown again after a reload).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub greeting: Option<crate::IncomingGreeting>,
    /// Server-private configuration; the only source of group availability at login.
    #[serde(rename = "__priv_dynamic_config", default)]
    pub dynamic_config: DynamicConfig,
}

/// One of the customer's chats in the login response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LoginChat {
    /// Chat id.
    pub chat_id: String,
    /// Whether the chat has events the customer has not seen.
    #[serde(default)]
    pub has_unread_events: bool,
}

/// `__priv_dynamic_config` of the login response.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DynamicConfig {
    /// Groups with an agent accepting chats.
    #[serde(default)]
    pub online_groups_ids: Vec<u32>,
    /// The customer's groups. Real clients read `monitoring.id` (the group the customer
    /// logged in to) whenever `online_groups_ids` is present, to tell whether that group
    /// is online, so servers always send it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_groups: Option<CustomerGroups>,
    /// Extension: visitors pick their agent (`list_agents`) instead of being routed.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub manual_assignment: bool,
    /// Anything else the server sends.
    #[serde(flatten)]
    pub rest: crate::Object,
}

/// `__priv_dynamic_config.customer_groups`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CustomerGroups {
    /// The group the customer is monitored in: the one they logged in to.
    pub monitoring: MonitoringGroup,
}

/// `customer_groups.monitoring`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MonitoringGroup {
    /// Group id.
    pub id: u32,
    /// Where a LiveChat server keeps the group's static configuration (this server has
    /// none to offer).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub static_config_url: Option<String>,
    /// Where a LiveChat server keeps the group's translations (none here either).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language_config_url: Option<String>,
}

/// `list_chats` response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ListChatsResponse {
    /// Summaries, newest first by default.
    #[serde(default)]
    pub chats_summary: Vec<ChatSummary>,
    /// Estimated total.
    #[serde(default)]
    pub total_chats: u64,
    /// Cursor of the next page, while there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_page_id: Option<String>,
    /// Cursor of the previous page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_page_id: Option<String>,
}

/// `list_threads` response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ListThreadsResponse {
    /// Threads in the requested order.
    #[serde(default)]
    pub threads: Vec<Thread>,
    /// Total threads in the chat.
    #[serde(default)]
    pub found_threads: u64,
    /// Cursor of the next page, while there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_page_id: Option<String>,
    /// Cursor of the previous page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_page_id: Option<String>,
}

/// `start_chat` response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StartChatResponse {
    /// New chat id.
    pub chat_id: String,
    /// New thread id.
    pub thread_id: String,
    /// Ids of the initial user events, in order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_ids: Option<Vec<String>>,
}

/// `activate_chat` response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActivateChatResponse {
    /// New thread id.
    pub thread_id: String,
    /// Ids of the initial user events, in order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_ids: Option<Vec<String>>,
}

/// `send_event` response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SendEventResponse {
    /// The stored event's id.
    pub event_id: String,
}
