//! What agents keep beside the chats, the [`DeskStore`] part of the store: the archive's
//! search over ended threads, the tags on threads, and the license's canned responses.

use protocol::CannedResponse;

use crate::db::DbResult;

/// A condition on a set: present at all, any of `values`, none of `exclude`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SetCondition<T> {
    /// Whether the set must be non-empty (true) or empty (false).
    pub exists: Option<bool>,
    /// Any of these.
    pub values: Option<Vec<T>>,
    /// None of these.
    pub exclude: Vec<T>,
}

/// A value the archive compares a thread property with.
#[derive(Debug, Clone, PartialEq)]
pub enum Scalar {
    /// A whole number (booleans are 0 and 1, as SQLite's JSON functions give them).
    Integer(i64),
    /// Any other number.
    Real(f64),
    /// A string.
    Text(String),
}

/// A condition on one thread property.
#[derive(Debug, Clone, PartialEq)]
pub struct PropertyCondition {
    /// The namespace: letters, digits, `_` and `-` only (checked by the caller).
    pub namespace: String,
    /// The property's name, likewise.
    pub name: String,
    /// What its value must be.
    pub condition: SetCondition<Scalar>,
}

/// Which ended threads the archive lists; every part given must match.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ArchiveQuery {
    /// The license.
    pub license_id: u64,
    /// Words an event of the thread contains, each as a prefix (any characters).
    pub words: Vec<String>,
    /// Started at or after (RFC 3339 as stored).
    pub from: Option<String>,
    /// Started at or before.
    pub to: Option<String>,
    /// Agents who wrote in the thread (`exists`: any agent did).
    pub agents: SetCondition<String>,
    /// The chat's group, one of these.
    pub group_ids: Option<Vec<u32>>,
    /// The thread's tags.
    pub tags: SetCondition<String>,
    /// Thread properties.
    pub properties: Vec<PropertyCondition>,
    /// These threads only.
    pub thread_ids: Option<Vec<String>>,
    /// Oldest first instead of newest first.
    pub ascending: bool,
}

/// Why a canned response could not be stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CannedRefusal {
    /// No such reply in the license.
    NotFound,
    /// Another reply of the license has this shortcut.
    ShortcutTaken(String),
}

/// The archive, tags and canned responses.
pub trait DeskStore {
    /// One page of the ended threads `query` matches, as (chat id, thread id), with how
    /// many match in all.
    fn archives(&self, query: &ArchiveQuery, offset: usize, limit: usize) -> DbResult<(Vec<(String, String)>, u64)>;
    /// A thread's tags, in the order they were added.
    fn thread_tags(&self, thread_id: &str) -> DbResult<Vec<String>>;
    /// Adds a tag to a thread; false when it was there already.
    fn tag_thread(&self, thread_id: &str, tag: &str) -> DbResult<bool>;
    /// Takes a tag off a thread; false when it was not there.
    fn untag_thread(&self, thread_id: &str, tag: &str) -> DbResult<bool>;
    /// The license's canned responses, by first shortcut.
    fn canned_responses(&self, license_id: u64) -> DbResult<Vec<CannedResponse>>;
    /// Stores a new canned response.
    fn create_canned_response(
        &self,
        license_id: u64,
        text: &str,
        tags: &[String],
        created_by: &str,
        now: &str,
    ) -> DbResult<Result<CannedResponse, CannedRefusal>>;
    /// Replaces a canned response's text or shortcuts (whichever is given).
    fn update_canned_response(
        &self,
        license_id: u64,
        id: u64,
        text: Option<&str>,
        tags: Option<&[String]>,
        now: &str,
    ) -> DbResult<Result<CannedResponse, CannedRefusal>>;
    /// Removes a canned response; false when the license has no such reply.
    fn delete_canned_response(&self, license_id: u64, id: u64) -> DbResult<bool>;
}
