//! An agent's desk beyond answering: the archive of ended conversations found by words,
//! agent, group, date, rating and tag (`list_archives`, the Agent Chat API's name and
//! filters), the tags on threads (`tag_thread` / `untag_thread` and their pushes, also the
//! Agent Chat API's), joining and leaving other agents' chats (`add_user_to_chat`,
//! `remove_user_from_chat`), and canned responses (an extension: LiveChat keeps those in
//! another API, so the names here are this server's own).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::AgentChat;

/// `list_archives`: ended threads, newest first, in pages.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ListArchives {
    /// Which threads.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filters: Option<ArchiveFilters>,
    /// `desc` (default, newest first) or `asc`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sort_order: Option<String>,
    /// Page size (default 10, at most 100).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
    /// Cursor from a previous answer; it carries the first request's filters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page_id: Option<String>,
}

/// `list_archives.filters`; every filter given must match.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ArchiveFilters {
    /// Words a message, note or file name of the thread contains (each word, as a prefix).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub query: Option<String>,
    /// Threads started at or after this time (RFC 3339, or a `YYYY-MM-DD` day in UTC).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// Threads started at or before this time (a day means its end).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
    /// Agents who wrote in the thread.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agents: Option<ValuesFilter<String>>,
    /// The chat's group.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_ids: Option<Vec<u32>>,
    /// The thread's tags.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<ValuesFilter<String>>,
    /// Thread properties by namespace and name, e.g. `{"rating": {"score": {"values": [1]}}}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub properties: Option<BTreeMap<String, BTreeMap<String, ValuesFilter<Value>>>>,
    /// These threads only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thread_ids: Option<Vec<String>>,
}

/// A filter on a set of values: present at all, any of `values`, none of `exclude_values`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ValuesFilter<T> {
    /// Whether the thing must be there (true) or absent (false).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exists: Option<bool>,
    /// Any of these.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub values: Option<Vec<T>>,
    /// None of these.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exclude_values: Option<Vec<T>>,
}

impl<T> Default for ValuesFilter<T> {
    fn default() -> Self {
        ValuesFilter { exists: None, values: None, exclude_values: None }
    }
}

/// Answer to `list_archives`: each chat with the one thread that matched.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ListArchivesResponse {
    /// The threads found, each as its chat with that thread.
    #[serde(default)]
    pub chats: Vec<AgentChat>,
    /// How many threads match.
    #[serde(default)]
    pub found_chats: u64,
    /// Cursor of the next page, while there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_page_id: Option<String>,
    /// Cursor of the previous page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_page_id: Option<String>,
}

/// `tag_thread` and `untag_thread`, and the `thread_tagged` / `thread_untagged` pushes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ThreadTag {
    /// Chat id.
    pub chat_id: String,
    /// Thread id.
    pub thread_id: String,
    /// The tag: 1 to 50 characters, no control characters, compared as given.
    pub tag: String,
}

/// A reply agents keep for reuse, found by its shortcuts (`#shortcut` in the composer).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CannedResponse {
    /// Id, unique in the server.
    pub id: u64,
    /// The reply.
    pub text: String,
    /// Shortcuts, without `#`: letters, digits, `-` and `_`; each one names one reply of
    /// the license.
    pub tags: Vec<String>,
    /// The agent who wrote it.
    pub created_by: String,
    /// When it was written or last changed (RFC 3339).
    pub modified_at: String,
}

/// Answer to `list_canned_responses`: the license's replies, by first shortcut.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListCannedResponsesResponse {
    /// The replies.
    pub canned_responses: Vec<CannedResponse>,
}

/// `create_canned_response`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreateCannedResponse {
    /// The reply.
    pub text: String,
    /// Its shortcuts (at least one).
    pub tags: Vec<String>,
}

/// `update_canned_response`: what is given replaces what was there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UpdateCannedResponse {
    /// Which reply.
    pub id: u64,
    /// The new text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// The new shortcuts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<String>>,
}

/// `delete_canned_response`, and the `canned_response_deleted` push.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CannedResponseId {
    /// Which reply.
    pub id: u64,
}

/// `add_user_to_chat`: an agent joins a chat (themselves, to take part, or a colleague).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AddUserToChat {
    /// Chat id.
    pub chat_id: String,
    /// The agent who joins.
    pub user_id: String,
    /// `agent`: customers are not added to chats.
    pub user_type: String,
    /// `all` (the visitor sees them join); `agents` is refused, because agents already read
    /// every chat of their license and internal notes never join a chat.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub visibility: Option<String>,
    /// Accepted for compatibility; the requester is always allowed here.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ignore_requester_presence: Option<bool>,
}

/// `remove_user_from_chat`: an agent leaves a chat (or is taken out of it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RemoveUserFromChat {
    /// Chat id.
    pub chat_id: String,
    /// The agent who leaves.
    pub user_id: String,
    /// `agent`.
    pub user_type: String,
    /// Accepted for compatibility.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ignore_requester_presence: Option<bool>,
}
