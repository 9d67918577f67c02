//! The agent API: what an agent's connection may ask, what it is answered, and the pushes
//! only agents get, in the Agent Chat API's names and shapes where that API has them, so a
//! third-party LiveChat agent client can read them.
//!
//! Agents share many actions with customers (`send_event`, `get_chat`, the property
//! updates...) and those take the customer API's payload types. Where a name is shared but
//! the shape is not (`list_chats`, `get_customer`, and `get_chat`'s answer), the agent API
//! has its own type here. Customer actions an agent sends decode to
//! [`AgentRequest::Other`], like any action the agent API does not have.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::{
    action_enum, Access, ChatProperties, Customer, DeactivateChat, DisconnectReason, EventProperties, GetChat,
    GetFormResponse, GetPredictedAgent, GetUrlInfo, LastEvent, ListAgentsResponse, ListGroupStatuses,
    ListGroupStatusesResponse, ListThreads, ListThreadsResponse, Login, MarkEventsAsSeen, Object, PredictedAgent, Queue,
    SendEvent, SendEventResponse, SendRichMessagePostback, Thread, ThreadProperties, UrlInfo, User,
};

action_enum! {
    /// A request of the agent API, by action.
    pub enum AgentRequest {
        /// Authenticate with the agent's token.
        Login(Login) = "login",
        /// Keep the connection alive.
        Ping = "ping",
        /// Every chat of the license, filtered and paged.
        ListChats(AgentListChats) = "list_chats",
        /// One chat with one thread.
        GetChat(GetChat) = "get_chat",
        /// The threads of a chat.
        ListThreads(ListThreads) = "list_threads",
        /// Add an event to a chat; the first one joins the agent to it.
        SendEvent(SendEvent) = "send_event",
        /// Close the chat's open thread.
        DeactivateChat(DeactivateChat) = "deactivate_chat",
        /// Answer a rich-message button.
        SendRichMessagePostback(SendRichMessagePostback) = "send_rich_message_postback",
        /// Set chat properties.
        UpdateChatProperties(ChatProperties) = "update_chat_properties",
        /// Delete chat properties.
        DeleteChatProperties(ChatProperties) = "delete_chat_properties",
        /// Set thread properties.
        UpdateThreadProperties(ThreadProperties) = "update_thread_properties",
        /// Delete thread properties.
        DeleteThreadProperties(ThreadProperties) = "delete_thread_properties",
        /// Set event properties.
        UpdateEventProperties(EventProperties) = "update_event_properties",
        /// Delete event properties.
        DeleteEventProperties(EventProperties) = "delete_event_properties",
        /// Everything up to a time was seen.
        MarkEventsAsSeen(MarkEventsAsSeen) = "mark_events_as_seen",
        /// Which groups are online.
        ListGroupStatuses(ListGroupStatuses) = "list_group_statuses",
        /// A group's pre-chat, post-chat or ticket form.
        GetForm(crate::GetForm) = "get_form",
        /// The agent a new chat would go to.
        GetPredictedAgent(GetPredictedAgent) = "get_predicted_agent",
        /// Title, description and image of a web page.
        GetUrlInfo(GetUrlInfo) = "get_url_info",
        /// Extension: the license's groups and agents.
        ListAgents = "list_agents",
        /// A customer of the license, by id.
        GetCustomer(AgentGetCustomer) = "get_customer",
        /// Accept new chats or not.
        SetRoutingStatus(SetRoutingStatus) = "set_routing_status",
        /// Every agent's routing status.
        ListRoutingStatuses = "list_routing_statuses",
        /// Hand a chat to another agent or group.
        TransferChat(TransferChat) = "transfer_chat",
        /// Tell the customer the agent is typing.
        SendTypingIndicator(SendTypingIndicator) = "send_typing_indicator",
        /// Show a customer a greeting.
        SendGreeting(SendGreeting) = "send_greeting",
        /// Disconnect a customer and refuse their logins from now on.
        BanCustomer(BanCustomer) = "ban_customer",
        /// A message for many customers (and agents) at once.
        Multicast(Multicast) = "multicast",
        /// Ended threads, found by words, agent, group, date, rating and tag.
        ListArchives(crate::ListArchives) = "list_archives",
        /// Put a tag on a thread.
        TagThread(crate::ThreadTag) = "tag_thread",
        /// Take a tag off a thread.
        UntagThread(crate::ThreadTag) = "untag_thread",
        /// An agent joins a chat.
        AddUserToChat(crate::AddUserToChat) = "add_user_to_chat",
        /// An agent leaves a chat.
        RemoveUserFromChat(crate::RemoveUserFromChat) = "remove_user_from_chat",
        /// Extension: the license's canned responses.
        ListCannedResponses = "list_canned_responses",
        /// Extension: add a canned response.
        CreateCannedResponse(crate::CreateCannedResponse) = "create_canned_response",
        /// Extension: change a canned response.
        UpdateCannedResponse(crate::UpdateCannedResponse) = "update_canned_response",
        /// Extension: remove a canned response.
        DeleteCannedResponse(crate::CannedResponseId) = "delete_canned_response",
        /// Extension (owners and administrators): a new API token.
        CreateApiToken(crate::CreateApiToken) = "create_api_token",
        /// Extension (owners and administrators): the license's API tokens.
        ListApiTokens = "list_api_tokens",
        /// Extension (owners and administrators): an API token stops working at once.
        RevokeApiToken(crate::ApiTokenId) = "revoke_api_token",
        /// Extension (owners and administrators): figures over a range of days.
        GetReport(crate::GetReport) = "get_report",
        /// Extension (owners and administrators): the license's settings.
        GetLicenseSettings = "get_license_settings",
        /// Extension (owners and administrators): new settings for the license, in force at once.
        UpdateLicenseSettings(crate::UpdateLicenseSettings) = "update_license_settings",
    }
}

action_enum! {
    /// A successful answer of the agent API, by the action it answers.
    pub enum AgentResponse {
        /// Answer to `login`.
        Login(AgentLoginResponse) = "login",
        /// Answer to `ping`.
        Ping = "ping",
        /// Answer to `list_chats`.
        ListChats(AgentListChatsResponse) = "list_chats",
        /// Answer to `get_chat`.
        GetChat(AgentChat) = "get_chat",
        /// Answer to `list_threads`.
        ListThreads(ListThreadsResponse) = "list_threads",
        /// Answer to `send_event`.
        SendEvent(SendEventResponse) = "send_event",
        /// Answer to `deactivate_chat`.
        DeactivateChat = "deactivate_chat",
        /// Answer to `send_rich_message_postback`.
        SendRichMessagePostback = "send_rich_message_postback",
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
        /// Answer to `mark_events_as_seen`.
        MarkEventsAsSeen = "mark_events_as_seen",
        /// Answer to `list_group_statuses`.
        ListGroupStatuses(ListGroupStatusesResponse) = "list_group_statuses",
        /// Answer to `get_form`.
        GetForm(GetFormResponse) = "get_form",
        /// Answer to `get_predicted_agent`.
        GetPredictedAgent(PredictedAgent) = "get_predicted_agent",
        /// Answer to `get_url_info`.
        GetUrlInfo(UrlInfo) = "get_url_info",
        /// Answer to `list_agents`.
        ListAgents(ListAgentsResponse) = "list_agents",
        /// Answer to `get_customer`.
        GetCustomer(AgentCustomer) = "get_customer",
        /// Answer to `set_routing_status`.
        SetRoutingStatus = "set_routing_status",
        /// Answer to `list_routing_statuses`: one entry per agent of the license.
        ListRoutingStatuses(Vec<RoutingStatus>) = "list_routing_statuses",
        /// Answer to `transfer_chat`.
        TransferChat = "transfer_chat",
        /// Answer to `send_typing_indicator`.
        SendTypingIndicator = "send_typing_indicator",
        /// Answer to `send_greeting`.
        SendGreeting(SendGreetingResponse) = "send_greeting",
        /// Answer to `ban_customer`.
        BanCustomer = "ban_customer",
        /// Answer to `multicast`.
        Multicast = "multicast",
        /// Answer to `list_archives`.
        ListArchives(crate::ListArchivesResponse) = "list_archives",
        /// Answer to `tag_thread`.
        TagThread = "tag_thread",
        /// Answer to `untag_thread`.
        UntagThread = "untag_thread",
        /// Answer to `add_user_to_chat`.
        AddUserToChat = "add_user_to_chat",
        /// Answer to `remove_user_from_chat`.
        RemoveUserFromChat = "remove_user_from_chat",
        /// Answer to `list_canned_responses`.
        ListCannedResponses(crate::ListCannedResponsesResponse) = "list_canned_responses",
        /// Answer to `create_canned_response`: the new reply.
        CreateCannedResponse(crate::CannedResponse) = "create_canned_response",
        /// Answer to `update_canned_response`: the reply as it is now.
        UpdateCannedResponse(crate::CannedResponse) = "update_canned_response",
        /// Answer to `delete_canned_response`.
        DeleteCannedResponse = "delete_canned_response",
        /// Answer to `create_api_token`: the secret, shown once.
        CreateApiToken(crate::CreatedApiToken) = "create_api_token",
        /// Answer to `list_api_tokens`.
        ListApiTokens(crate::ListApiTokensResponse) = "list_api_tokens",
        /// Answer to `revoke_api_token`.
        RevokeApiToken = "revoke_api_token",
        /// Answer to `get_report`.
        GetReport(crate::Report) = "get_report",
        /// Answer to `get_license_settings`.
        GetLicenseSettings(crate::LicenseSettingsResponse) = "get_license_settings",
        /// Answer to `update_license_settings`.
        UpdateLicenseSettings(crate::UpdatedLicenseSettings) = "update_license_settings",
    }
}

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
    pub users: Vec<AgentUser>,
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
    /// The thread's tags.
    #[serde(default)]
    pub tags: Vec<String>,
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

/// `transfer_chat.target`: `{"type": "agent", "ids": ["anna@acme.example"]}` or
/// `{"type": "group", "ids": [2]}`. The chat goes to the first id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", content = "ids", rename_all = "snake_case")]
pub enum TransferTo {
    /// Agent ids.
    Agent(Vec<String>),
    /// Group ids.
    Group(Vec<u32>),
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

/// An agent's `get_customer`: the customer is named (`id` is accepted too).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AgentGetCustomer {
    /// The customer.
    #[serde(alias = "id")]
    pub customer_id: String,
}

/// `send_typing_indicator`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SendTypingIndicator {
    /// Chat id.
    pub chat_id: String,
    /// On or off.
    pub is_typing: bool,
}

/// `send_greeting`: a configured greeting (`greeting_id`, its text unless `text` replaces
/// it), or a text of the agent's own.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SendGreeting {
    /// The customer to greet.
    pub customer_id: String,
    /// A greeting of the license's configuration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub greeting_id: Option<u64>,
    /// The greeting's text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
}

/// Answer to `send_greeting`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SendGreetingResponse {
    /// This showing of the greeting, as `incoming_greeting` names it.
    pub unique_id: String,
}

/// `ban_customer`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BanCustomer {
    /// The customer (`customer_id` is accepted too).
    #[serde(alias = "customer_id")]
    pub id: String,
}

/// `multicast`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Multicast {
    /// Who gets it.
    pub recipients: MulticastRecipients,
    /// Any JSON but `null`.
    pub content: Value,
}

/// `multicast.recipients`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MulticastRecipients {
    /// Customers of the license, by id.
    #[serde(default)]
    pub customers: Vec<String>,
    /// `{"all": true}` for every agent of the license.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agents: Option<MulticastAgents>,
}

/// `multicast.recipients.agents`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MulticastAgents {
    /// Every agent of the license.
    #[serde(default)]
    pub all: bool,
}

/// One agent's routing status in `list_routing_statuses`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoutingStatus {
    /// The agent.
    pub agent_id: String,
    /// `accepting_chats`, `not_accepting_chats`, or `offline` while not connected.
    pub status: String,
}

/// A user as agents see them: a customer carries what the site said about them once it was
/// asked (`verification`); customers' own views never do.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AgentUser {
    /// The user as everyone sees them.
    #[serde(flatten)]
    pub user: User,
    /// What the site said about this customer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verification: Option<Verification>,
}

/// Answer to an agent's `get_chat`: the chat with one thread, as agents see it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AgentChat {
    /// Chat id.
    pub id: String,
    /// Participants.
    #[serde(default)]
    pub users: Vec<AgentUser>,
    /// The thread, `null` when the chat has none.
    #[serde(default)]
    pub thread: Option<Thread>,
    /// Access rules.
    #[serde(default)]
    pub access: Access,
    /// Chat properties.
    #[serde(default)]
    pub properties: Object,
    /// Whether the agent follows the chat (agents see every chat of their license here).
    #[serde(default)]
    pub is_followed: bool,
}

/// Answer to an agent's `get_customer`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AgentCustomer {
    /// The customer with statistics, as their own `get_customer` shows them.
    #[serde(flatten)]
    pub customer: Customer,
    /// Where they were last.
    pub last_visit: LastVisit,
    /// Whether they are banned.
    pub banned: bool,
    /// Whether they are connected now.
    pub present: bool,
    /// What the site said about them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verification: Option<Verification>,
}

/// `get_customer.last_visit`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LastVisit {
    /// The pages the customer visited, oldest first (the newest 20).
    pub last_pages: Vec<VisitedPage>,
}

/// A page in `last_visit.last_pages`; both fields are `null` before the customer named one.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct VisitedPage {
    /// Page URL.
    pub url: Option<String>,
    /// Page title.
    pub title: Option<String>,
    /// When the customer opened it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub opened_at: Option<String>,
}

/// What a site said when asked who a customer is (`verify_identity`, an extension). The
/// value the customer sent, a secret of the site's, is never part of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verification {
    /// Whether the site answered.
    pub status: VerificationStatus,
    /// The site's answer (cleaned and capped), or why there was none.
    pub text: String,
    /// When the site was asked (RFC 3339).
    pub checked_at: String,
}

/// How a verification ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VerificationStatus {
    /// The site answered with a 2xx status; `text` is its answer.
    Answered,
    /// Another status, no answer in time, or no connection; `text` says which.
    Failed,
}

/// `incoming_sneak_peek` push: what a customer is typing, before they send it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IncomingSneakPeek {
    /// Chat id.
    pub chat_id: String,
    /// The open thread.
    pub thread_id: String,
    /// The text so far.
    pub sneak_peek: SneakPeek,
}

/// `incoming_sneak_peek.sneak_peek`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SneakPeek {
    /// The typing customer.
    pub author_id: String,
    /// Always `agents`.
    pub recipients: String,
    /// The text so far.
    pub text: String,
    /// Unix seconds.
    pub timestamp: i64,
}

/// `agent_disconnected` push: why the server is closing an agent's connection.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AgentDisconnected {
    /// Why.
    pub reason: DisconnectReason,
}
