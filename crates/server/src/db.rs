//! Durable storage: SQLite by default (WAL mode, versioned migrations), or PostgreSQL,
//! which several servers can share.
//!
//! Every write that the server acknowledges to a client is committed before the
//! acknowledgement is sent, so a crash or restart loses nothing that was acknowledged
//! (writes that arrive together share one commit, and each waits for it). Storage sits
//! behind the [`Store`] trait, with two implementations that give the same answers:
//! [`SqliteStore`] and [`PgStore`]. The integration tests run against each.

use protocol::Event;

/// A storage failure. Callers answer it with an `internal` error; details go to the log.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// SQLite failed.
    #[error("sqlite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// PostgreSQL failed.
    #[error("postgres: {}", postgres::describe(.0))]
    Postgres(#[from] tokio_postgres::Error),
    /// The transaction that held the write (with others: group commit) did not commit.
    #[error("sqlite: the batch holding this write did not commit: {0}")]
    Batch(String),
    /// A thread of the store (writing, checkpointing) could not be started.
    #[error("could not start a storage thread: {0}")]
    Thread(#[from] std::io::Error),
    /// A stored event is not valid JSON any more.
    #[error("stored event: {0}")]
    Json(#[from] serde_json::Error),
}

/// Result of a storage call.
pub type DbResult<T> = Result<T, DbError>;

/// A JSON object (properties).
pub type Object = serde_json::Map<String, serde_json::Value>;

/// Where properties live.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PropertyTarget<'a> {
    /// A chat's properties.
    Chat(&'a str),
    /// A thread's properties.
    Thread(&'a str),
    /// An event's properties (inside its stored JSON).
    Event(&'a str),
}

/// A greeting as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct GreetingRow {
    /// This showing.
    pub unique_id: String,
    /// The customer it was shown to.
    pub customer_id: String,
    /// Template id.
    pub greeting_id: u64,
    /// `shown`, `accepted` or `canceled`.
    pub state: String,
    /// The agent it speaks for.
    pub agent_id: String,
    /// Its text.
    pub text: String,
    /// When it was shown.
    pub created_at: String,
}

/// A chat's owner and tenant.
#[derive(Debug, Clone, PartialEq)]
pub struct ChatRow {
    /// Chat id.
    pub id: String,
    /// License.
    pub license_id: u64,
    /// The customer who started it.
    pub customer_id: String,
    /// The group its latest thread was routed (or transferred) to: its `access`.
    pub group_id: u32,
}

/// A thread about to open, with what it starts with.
#[derive(Debug, Clone, PartialEq)]
pub struct NewThread {
    /// Thread id.
    pub id: String,
    /// Creation time.
    pub created_at: String,
    /// Open (the default), or created closed (`active: false` on `start_chat`/`resume_chat`).
    pub active: bool,
    /// Initial events, stamped.
    pub events: Vec<Event>,
    /// Initial thread properties.
    pub properties: Object,
}

impl NewThread {
    /// An open thread created now with these events and no properties.
    pub fn open(id: String, created_at: String, events: Vec<Event>) -> NewThread {
        NewThread { id, created_at, active: true, events, properties: Object::new() }
    }
}

/// A thread without its events.
#[derive(Debug, Clone, PartialEq)]
pub struct ThreadRow {
    /// Thread id.
    pub id: String,
    /// Chat id.
    pub chat_id: String,
    /// Open or closed.
    pub active: bool,
    /// Creation time.
    pub created_at: String,
}

/// A stored customer.
#[derive(Debug, Clone, PartialEq)]
pub struct CustomerRow {
    /// Session fields (one-key objects, in order).
    pub session_fields: Vec<std::collections::BTreeMap<String, String>>,
    /// Current page.
    pub page_url: Option<String>,
    /// Current page's title.
    pub page_title: Option<String>,
    /// Pages viewed.
    pub page_views: u64,
    /// Whether agents banned the customer.
    pub banned: bool,
    /// Customer id.
    pub id: String,
    /// License.
    pub license_id: u64,
    /// Name.
    pub name: Option<String>,
    /// E-mail.
    pub email: Option<String>,
    /// Avatar URL.
    pub avatar: Option<String>,
    /// Logins so far.
    pub visits: u64,
}

/// What the site said when asked who a customer is (`verify_identity`), stored as agents
/// see it.
pub use protocol::{Verification, VerificationStatus};

/// What a customer's `login` carries for storage.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LoginRecord {
    /// A new visit starts (it is counted).
    pub new_visit: bool,
    /// Name, when sent.
    pub name: Option<String>,
    /// E-mail, when sent.
    pub email: Option<String>,
    /// Avatar URL, when sent.
    pub avatar: Option<String>,
    /// Session fields, when sent: they replace the stored ones.
    pub session_fields: Option<Vec<std::collections::BTreeMap<String, String>>>,
    /// The page the customer is on (URL and title), when sent.
    pub page: Option<(String, Option<String>)>,
    /// The time of the login.
    pub now: String,
}

/// What happened to an appended event.
#[derive(Debug, Clone, PartialEq)]
pub enum Appended {
    /// Stored now, with its new id.
    Stored(Event),
    /// The same author already stored an event with this `custom_id` in this chat.
    Duplicate(Event),
    /// The thread already holds [`MAX_THREAD_EVENTS`] events or [`MAX_THREAD_BYTES`] of
    /// them; nothing was stored. Events without an author (system messages) are never
    /// refused.
    Full,
}

/// The most events one thread holds.
pub const MAX_THREAD_EVENTS: usize = 1000;

/// The most bytes of events (as stored) one thread holds: a whole thread always fits in
/// one answer of reasonable size.
pub const MAX_THREAD_BYTES: usize = 2 * 1024 * 1024;

/// How long an upload stays available when no `file` event uses it, in seconds.
pub const UPLOAD_TTL_SECS: i64 = 24 * 60 * 60;

/// A file a customer uploaded, as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct UploadRow {
    /// Random id; also the file's name on disk.
    pub id: String,
    /// License the customer belongs to.
    pub license_id: u64,
    /// The customer who uploaded it.
    pub customer_id: String,
    /// The client's file name, sanitised.
    pub name: String,
    /// The type sniffed from the file's first bytes.
    pub content_type: String,
    /// Size in bytes.
    pub size: u64,
    /// Image width in pixels, when known.
    pub width: Option<u32>,
    /// Image height in pixels, when known.
    pub height: Option<u32>,
    /// The URL the uploader was given.
    pub url: String,
    /// Upload time, unix seconds.
    pub created_at: i64,
    /// Whether a `file` event refers to it (then it never expires).
    pub used: bool,
    /// An agent uploaded it for the customer's chat: not the customer's to count or send.
    pub by_agent: bool,
}

/// Everything the server stores, on SQLite ([`SqliteStore`]) or PostgreSQL ([`PgStore`]).
/// Calls are synchronous and wait off tokio's async workers ([`off_worker`]). Every write
/// is durable when the call returns: the server acknowledges a request only after the
/// store accepted it.
pub trait Store: QueueStore + DeskStore + AccountStore + ReportStore + SettingsStore + Send + Sync {
    /// The newest stored timestamp, so a restarted clock never goes back.
    fn latest_timestamp(&self) -> DbResult<Option<String>>;
    /// Whether the database answers (`/readyz`).
    fn ready(&self) -> DbResult<()>;
    /// The name that the nodes on this database share on the bus (`crate::cluster`):
    /// `proposed` if no node chose one yet.
    fn cluster_name(&self, proposed: &str) -> DbResult<String>;
    /// Creates a customer who proves their identity with the secret behind `secret_hash`.
    fn create_customer(&self, id: &str, license_id: u64, secret_hash: &str, now: &str) -> DbResult<()>;
    /// Whether `id` is a customer of `license_id` whose secret hashes to `secret_hash`.
    fn customer_identity_matches(&self, id: &str, license_id: u64, secret_hash: &str) -> DbResult<bool>;
    /// Stores an access token (by hash) for a customer.
    fn store_token(&self, token_hash: &str, customer_id: &str, license_id: u64, expires_at: i64) -> DbResult<()>;
    /// The customer and license of a token, with its expiry (unix seconds).
    fn token_owner(&self, token_hash: &str) -> DbResult<Option<(String, u64, i64)>>;
    /// A customer by id.
    fn customer(&self, id: &str) -> DbResult<Option<CustomerRow>>;
    /// Stores what a login carried, counting a visit when one starts, in one write.
    fn record_login(&self, id: &str, login: LoginRecord) -> DbResult<()>;
    /// Number of chats and threads a customer has.
    fn customer_counts(&self, id: &str) -> DbResult<(u64, u64)>;
    /// Creates a chat (with its properties) and its first thread, atomically; returns the
    /// stored initial events.
    fn start_chat(&self, chat: &ChatRow, properties: &Object, thread: NewThread) -> DbResult<Vec<Event>>;
    /// Opens a new thread in an existing chat (closing the previous one) and moves the
    /// chat to `group_id`, atomically; returns the stored initial events.
    fn activate_chat(&self, chat_id: &str, group_id: u32, thread: NewThread) -> DbResult<Vec<Event>>;
    /// Moves a chat to another group (a transfer).
    fn set_chat_group(&self, chat_id: &str, group_id: u32) -> DbResult<()>;
    /// Appends an event, unless the author already stored one with the same `custom_id`.
    /// A stored event with an author moves the author's read marker to it.
    fn append_event(&self, chat_id: &str, thread_id: &str, event: Event) -> DbResult<Appended>;
    /// Closes a thread and appends the closing system event.
    fn close_thread(&self, chat_id: &str, thread_id: &str, event: Event) -> DbResult<Event>;
    /// A chat's row.
    fn chat(&self, chat_id: &str) -> DbResult<Option<ChatRow>>;
    /// A customer's chats, newest thread first.
    fn chats_of_customer(&self, customer_id: &str) -> DbResult<Vec<ChatRow>>;
    /// A license's chats, newest thread first.
    fn chats_of_license(&self, license_id: u64) -> DbResult<Vec<ChatRow>>;
    /// A chat's threads, oldest first.
    fn threads(&self, chat_id: &str) -> DbResult<Vec<ThreadRow>>;
    /// A thread's events, in order.
    fn events(&self, thread_id: &str) -> DbResult<Vec<Event>>;
    /// Agents who took part in a chat.
    fn chat_agents(&self, chat_id: &str) -> DbResult<Vec<String>>;
    /// Removes an agent from a chat; true when they were in it.
    fn remove_chat_agent(&self, chat_id: &str, agent_id: &str) -> DbResult<bool>;
    /// Adds an agent to a chat; true when they were not in it yet.
    fn add_chat_agent(&self, chat_id: &str, agent_id: &str) -> DbResult<bool>;
    /// Updates the customer's name, e-mail and avatar (each only when given) and session fields.
    fn update_customer(
        &self,
        id: &str,
        name: Option<&str>,
        email: Option<&str>,
        avatar: Option<&str>,
        session_fields: Option<&[std::collections::BTreeMap<String, String>]>,
    ) -> DbResult<()>;
    /// Records the page a customer moved to, at `now`, in their kept pages too.
    fn set_customer_page(&self, id: &str, url: &str, title: Option<&str>, now: &str) -> DbResult<()>;
    /// The pages a customer visited (the newest few), oldest first: (url, title, opened at).
    fn customer_pages(&self, id: &str) -> DbResult<Vec<(String, Option<String>, String)>>;
    /// Bans (or unbans) a customer.
    fn set_banned(&self, id: &str, banned: bool) -> DbResult<()>;
    /// The latest verification of a customer, if the site was ever asked.
    fn verification(&self, customer_id: &str) -> DbResult<Option<Verification>>;
    /// Replaces a customer's verification.
    fn set_verification(&self, customer_id: &str, verification: &Verification) -> DbResult<()>;
    /// Properties of a chat, thread or event.
    fn properties(&self, target: PropertyTarget<'_>) -> DbResult<crate::db::Object>;
    /// Replaces the properties of a chat, thread or event.
    fn set_properties(&self, target: PropertyTarget<'_>, properties: &crate::db::Object) -> DbResult<()>;
    /// One stored event, with its chat and thread.
    fn event(&self, id: &str) -> DbResult<Option<(String, String, protocol::Event)>>;
    /// Replaces a stored event's JSON (ids and times stay).
    fn replace_event(&self, event: &protocol::Event) -> DbResult<()>;
    /// Moves a user's read marker forward (never back); returns the marker now stored.
    fn mark_seen(&self, chat_id: &str, user_id: &str, seen_up_to: &str) -> DbResult<String>;
    /// A user's read marker in a chat.
    fn seen_up_to(&self, chat_id: &str, user_id: &str) -> DbResult<Option<String>>;
    /// The newest event of each type in a chat, with its thread, oldest first; agents'
    /// internal notes only `with_notes`.
    fn last_event_per_type(&self, chat_id: &str, with_notes: bool) -> DbResult<Vec<(String, Event)>>;
    /// Whether others wrote in the chat after the user's read marker.
    fn has_unread(&self, chat_id: &str, user_id: &str) -> DbResult<bool>;
    /// Stores a greeting shown to a customer.
    #[allow(clippy::too_many_arguments)]
    fn insert_greeting(
        &self,
        unique_id: &str,
        license_id: u64,
        customer_id: &str,
        greeting_id: u64,
        agent_id: &str,
        text: &str,
        now: &str,
    ) -> DbResult<()>;
    /// A customer's greeting by its showing id.
    fn greeting(&self, unique_id: &str) -> DbResult<Option<GreetingRow>>;
    /// The greetings a customer still has on screen, oldest first.
    fn shown_greetings(&self, customer_id: &str) -> DbResult<Vec<GreetingRow>>;
    /// Sets a greeting's state (`accepted` or `canceled`).
    fn set_greeting_state(&self, unique_id: &str, state: &str) -> DbResult<()>;
    /// Greetings shown to and accepted by a customer.
    fn greeting_counts(&self, customer_id: &str) -> DbResult<(u64, u64)>;
    /// Active chats per agent in a license (for routing and the queue).
    fn active_chats_per_agent(&self, license_id: u64) -> DbResult<std::collections::HashMap<String, u32>>;
    /// Records an uploaded file.
    fn insert_upload(&self, upload: &UploadRow) -> DbResult<()>;
    /// An upload that is still available at `now` (unix seconds): used by an event, or
    /// younger than [`UPLOAD_TTL_SECS`].
    fn live_upload(&self, id: &str, now: i64) -> DbResult<Option<UploadRow>>;
    /// Bytes of the files a customer has stored (used or not yet expired).
    fn upload_bytes_of(&self, customer_id: &str) -> DbResult<u64>;
    /// Marks an upload as used by a `file` event, so it no longer expires.
    fn mark_upload_used(&self, id: &str) -> DbResult<()>;
    /// Forgets the uploads that expired unused by `now` (unix seconds) and returns their
    /// ids, so the caller can delete their files.
    fn take_expired_uploads(&self, now: i64) -> DbResult<Vec<String>>;
}

/// A chat waiting for an agent.
#[derive(Debug, Clone, PartialEq)]
pub struct Queued {
    /// License.
    pub license_id: u64,
    /// Group it waits for.
    pub group_id: u32,
    /// The agents it may go to; empty for any agent of the group.
    pub agent_ids: Vec<String>,
    /// Chat id.
    pub chat_id: String,
    /// The waiting thread.
    pub thread_id: String,
    /// The customer.
    pub customer_id: String,
    /// When it started waiting (RFC 3339).
    pub queued_at: String,
}

/// Routing state that must outlive a restart: the queue of chats waiting for an agent,
/// and whether each agent takes new chats.
pub trait QueueStore {
    /// Puts a chat at the end of the queue (once).
    fn enqueue(&self, queued: &Queued) -> DbResult<()>;
    /// Takes a chat out of the queue; true when it was waiting.
    fn dequeue(&self, chat_id: &str, now: &str) -> DbResult<bool>;
    /// The chats waiting in a license, oldest first.
    fn waiting(&self, license_id: u64) -> DbResult<Vec<Queued>>;
    /// The routing status an agent last chose, if they ever chose one.
    fn agent_accepting(&self, agent_id: &str) -> DbResult<Option<bool>>;
    /// Records whether an agent takes new chats.
    fn set_agent_accepting(&self, agent_id: &str, accepting: bool) -> DbResult<()>;
}

pub mod accounts;
pub mod desk;
pub mod reports;
pub mod settings;
mod postgres;
mod sqlite;
pub use accounts::AccountStore;
pub use desk::DeskStore;
pub use reports::ReportStore;
pub use settings::SettingsStore;
pub use postgres::PgStore;
pub use sqlite::SqliteStore;

/// Runs work that may block. On a multi-threaded runtime the worker thread hands its
/// other tasks to another thread first (`block_in_place`), so the wait never stalls them;
/// elsewhere (tests on a single-threaded runtime, plain threads) it simply runs.
pub(crate) fn off_worker<T>(work: impl FnOnce() -> T) -> T {
    use tokio::runtime::{Handle, RuntimeFlavor};
    match Handle::try_current() {
        Ok(handle) if handle.runtime_flavor() == RuntimeFlavor::MultiThread => tokio::task::block_in_place(work),
        _ => work(),
    }
}

/// When expired access tokens are next purged: at most once a minute, whichever store.
#[derive(Default)]
pub(crate) struct PurgeClock(std::sync::atomic::AtomicI64);

impl PurgeClock {
    /// Whether a purge is due now; if so, the next one is a minute away.
    pub(crate) fn due(&self) -> bool {
        use std::sync::atomic::Ordering;
        let now = crate::ids::unix_now();
        let due = now - self.0.load(Ordering::Relaxed) >= 60;
        if due {
            self.0.store(now, Ordering::Relaxed);
        }
        due
    }
}

/// The lock if it is free now; `None` if another call holds it.
fn try_now<T>(lock: &std::sync::Mutex<T>) -> Option<std::sync::MutexGuard<'_, T>> {
    match lock.try_lock() {
        Ok(guard) => Some(guard),
        Err(std::sync::TryLockError::Poisoned(poisoned)) => Some(poisoned.into_inner()),
        Err(std::sync::TryLockError::WouldBlock) => None,
    }
}

