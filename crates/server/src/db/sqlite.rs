//! The SQLite implementation of [`Store`](super::Store): WAL mode, versioned migrations,
//! events stored as their wire JSON next to the columns used for lookups.
//!
//! This module holds the connections: one that writes and a few that read, and which of
//! them each call of the store runs on. The SQL lives in a module per family of tables:
//! [`schema`] (the migrations), [`customers`] (customers and their tokens), [`chats`]
//! (chats, threads and their agents), [`events`] (events and read markers),
//! [`properties`], [`greetings`], [`uploads`], [`queue`] (the routing queue and
//! agents' status) and [`desk`] (the archive's search, tags, canned responses).

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard};

use protocol::Event;
use prometheus_client::metrics::histogram::Histogram;
use rusqlite::Connection;

use super::*;

mod accounts;
mod batch;
mod chats;
mod checkpoint;
mod customers;
mod desk;
mod events;
mod greetings;
mod properties;
mod queue;
mod reports;
mod settings;
mod schema;
mod uploads;

/// Connections that only read, beside the one that writes: under WAL they read in
/// parallel with each other and with the writer.
const READERS: usize = 4;

/// The SQLite database: one connection for writes, a few for reads. A call whose
/// connection is free runs at once (statements are short: every one on a request path
/// searches an index); a call that would wait for a connection waits off tokio's async
/// workers (see [`off_worker`]), so contention never stalls other tasks. Writes that
/// arrive together commit together ([`batch`]).
pub struct SqliteStore {
    writer: batch::Writer,
    readers: Vec<Mutex<Connection>>,
    next_reader: AtomicUsize,
    /// When expired access tokens are next purged.
    purges: PurgeClock,
    /// Where read and write durations go, when measured.
    times: Option<(Histogram, Histogram)>,
    /// Copies the write-ahead log into the database between the writer's checkpoints;
    /// held only so that it stops with the store.
    _checkpointer: checkpoint::Checkpointer,
}

fn connect(path: &Path) -> DbResult<Connection> {
    let connection = Connection::open(path)?;
    connection.pragma_update(None, "journal_mode", "WAL")?;
    connection.pragma_update(None, "synchronous", "NORMAL")?;
    // The writer checkpoints once the log holds 4,000 pages (16 MiB) rather than SQLite's
    // 1,000, and the checkpointing thread has copied most of them by then (`checkpoint`):
    // the writer waits for the disk seldom, and the log still starts over.
    connection.pragma_update(None, "wal_autocheckpoint", 4000)?;
    connection.pragma_update(None, "foreign_keys", "ON")?;
    connection.busy_timeout(std::time::Duration::from_secs(5))?;
    Ok(connection)
}

impl SqliteStore {
    /// Opens (or creates) the database and brings its schema up to date.
    pub fn open(path: &Path) -> DbResult<SqliteStore> {
        let writer = connect(path)?;
        let mut db = SqliteStore {
            writer: batch::Writer::new(writer)?,
            readers: Vec::new(),
            next_reader: AtomicUsize::new(0),
            purges: PurgeClock::default(),
            times: None,
            _checkpointer: checkpoint::Checkpointer::start(path)?,
        };
        db.migrate()?;
        for _ in 0..READERS {
            let reader = connect(path)?;
            reader.pragma_update(None, "query_only", true)?;
            db.readers.push(Mutex::new(reader));
        }
        Ok(db)
    }

    /// Measures every call's duration into `times` (labelled `read` or `write`).
    pub fn timed(mut self, times: crate::metrics::StorageTimes) -> SqliteStore {
        let kind = |kind: &str| times.get_or_create_owned(&crate::metrics::KindLabel { kind: kind.to_owned() });
        self.times = Some((kind("read"), kind("write")));
        self
    }

    fn lock(&self) -> MutexGuard<'_, Connection> {
        self.writer.lock()
    }

    fn migrate(&self) -> DbResult<()> {
        schema::migrate(&mut self.lock())
    }

    fn write<T: Send + 'static>(&self, f: impl FnOnce(&Connection) -> DbResult<T> + Send + 'static) -> DbResult<T> {
        let started = std::time::Instant::now();
        let result = self.writer.write(f);
        if let Some((_, writes)) = &self.times {
            writes.observe(started.elapsed().as_secs_f64());
        }
        result
    }

    /// Runs `f` on a free reader, or waits (off the async workers) for the next in turn.
    fn read<T>(&self, f: impl FnOnce(&Connection) -> DbResult<T>) -> DbResult<T> {
        let started = std::time::Instant::now();
        let result = self.read_now(f);
        if let Some((reads, _)) = &self.times {
            reads.observe(started.elapsed().as_secs_f64());
        }
        result
    }

    fn read_now<T>(&self, f: impl FnOnce(&Connection) -> DbResult<T>) -> DbResult<T> {
        if let Some(reader) = self.readers.iter().find_map(try_now) {
            return f(&reader);
        }
        off_worker(|| {
            let turn = self.next_reader.fetch_add(1, Ordering::Relaxed) % self.readers.len();
            f(&self.readers[turn].lock().unwrap_or_else(|poisoned| poisoned.into_inner()))
        })
    }
}

impl Store for SqliteStore {
    fn ready(&self) -> DbResult<()> {
        self.read(|connection| Ok(connection.query_row("SELECT 1", [], |_| Ok(()))?))
    }

    fn cluster_name(&self, proposed: &str) -> DbResult<String> {
        let proposed = proposed.to_owned();
        self.write(move |tx| {
            tx.execute("INSERT INTO cluster_name (one, name) VALUES (1, ?1) ON CONFLICT DO NOTHING", [&proposed])?;
            Ok(tx.query_row("SELECT name FROM cluster_name", [], |row| row.get(0))?)
        })
    }

    fn latest_timestamp(&self) -> DbResult<Option<String>> {
        self.read(events::latest_timestamp)
    }

    fn create_customer(&self, id: &str, license_id: u64, secret_hash: &str, now: &str) -> DbResult<()> {
        let id = id.to_owned();
        let secret_hash = secret_hash.to_owned();
        let now = now.to_owned();
        self.write(move |tx| customers::create_customer(tx, &id, license_id, &secret_hash, &now))
    }

    fn customer_identity_matches(&self, id: &str, license_id: u64, secret_hash: &str) -> DbResult<bool> {
        self.read(|connection| customers::customer_identity_matches(connection, id, license_id, secret_hash))
    }

    fn store_token(&self, token_hash: &str, customer_id: &str, license_id: u64, expires_at: i64) -> DbResult<()> {
        // Tokens that expired a month ago are purged at most once a minute, a batch at a
        // time, through the index on expiry: issuing tokens fast never means scanning fast.
        let purge = self.purges.due();
        let token_hash = token_hash.to_owned();
        let customer_id = customer_id.to_owned();
        self.write(move |tx| customers::store_token(tx, &token_hash, &customer_id, license_id, expires_at, purge))
    }

    fn token_owner(&self, token_hash: &str) -> DbResult<Option<(String, u64, i64)>> {
        self.read(|connection| customers::token_owner(connection, token_hash))
    }

    fn customer(&self, id: &str) -> DbResult<Option<CustomerRow>> {
        self.read(|connection| customers::customer(connection, id))
    }

    fn record_login(&self, id: &str, login: LoginRecord) -> DbResult<()> {
        let id = id.to_owned();
        let fields = login.session_fields.as_deref().map(serde_json::to_string).transpose()?;
        self.write(move |tx| {
            let LoginRecord { new_visit, name, email, avatar, page, now, .. } = &login;
            customers::record_login(tx, &id, *new_visit, name.as_deref(), email.as_deref(), avatar.as_deref())?;
            if fields.is_some() {
                customers::update_customer(tx, &id, None, None, None, fields.as_deref())?;
            }
            if let Some((url, title)) = page {
                customers::set_customer_page(tx, &id, url, title.as_deref(), now)?;
            }
            Ok(())
        })
    }

    fn customer_counts(&self, id: &str) -> DbResult<(u64, u64)> {
        self.read(|connection| customers::customer_counts(connection, id))
    }

    fn start_chat(&self, chat: &ChatRow, properties: &Object, thread: NewThread) -> DbResult<Vec<Event>> {
        let chat = chat.clone();
        let properties = properties.clone();
        self.write(move |tx| chats::start_chat(tx, &chat, &properties, thread))
    }

    fn activate_chat(&self, chat_id: &str, group_id: u32, thread: NewThread) -> DbResult<Vec<Event>> {
        let chat_id = chat_id.to_owned();
        self.write(move |tx| chats::activate_chat(tx, &chat_id, group_id, thread))
    }

    fn set_chat_group(&self, chat_id: &str, group_id: u32) -> DbResult<()> {
        let chat_id = chat_id.to_owned();
        self.write(move |tx| chats::set_chat_group(tx, &chat_id, group_id))
    }

    fn append_event(&self, chat_id: &str, thread_id: &str, event: Event) -> DbResult<Appended> {
        let chat_id = chat_id.to_owned();
        let thread_id = thread_id.to_owned();
        self.write(move |tx| events::append_event(tx, &chat_id, &thread_id, event))
    }

    fn close_thread(&self, chat_id: &str, thread_id: &str, event: Event) -> DbResult<Event> {
        let chat_id = chat_id.to_owned();
        let thread_id = thread_id.to_owned();
        self.write(move |tx| chats::close_thread(tx, &chat_id, &thread_id, event))
    }

    fn chat(&self, chat_id: &str) -> DbResult<Option<ChatRow>> {
        self.read(|connection| chats::chat(connection, chat_id))
    }

    fn chats_of_customer(&self, customer_id: &str) -> DbResult<Vec<ChatRow>> {
        self.read(|connection| chats::chats_where(connection, "chats.customer_id = ?1", customer_id.to_owned()))
    }

    fn chats_of_license(&self, license_id: u64) -> DbResult<Vec<ChatRow>> {
        self.read(|connection| chats::chats_where(connection, "chats.license_id = ?1", license_id.to_string()))
    }

    fn threads(&self, chat_id: &str) -> DbResult<Vec<ThreadRow>> {
        self.read(|connection| chats::threads(connection, chat_id))
    }

    fn events(&self, thread_id: &str) -> DbResult<Vec<Event>> {
        self.read(|connection| events::events(connection, thread_id))
    }

    fn chat_agents(&self, chat_id: &str) -> DbResult<Vec<String>> {
        self.read(|connection| chats::chat_agents(connection, chat_id))
    }

    fn remove_chat_agent(&self, chat_id: &str, agent_id: &str) -> DbResult<bool> {
        let chat_id = chat_id.to_owned();
        let agent_id = agent_id.to_owned();
        self.write(move |tx| chats::remove_chat_agent(tx, &chat_id, &agent_id))
    }

    fn add_chat_agent(&self, chat_id: &str, agent_id: &str) -> DbResult<bool> {
        let chat_id = chat_id.to_owned();
        let agent_id = agent_id.to_owned();
        self.write(move |tx| chats::add_chat_agent(tx, &chat_id, &agent_id))
    }

    fn update_customer(
        &self,
        id: &str,
        name: Option<&str>,
        email: Option<&str>,
        avatar: Option<&str>,
        session_fields: Option<&[BTreeMap<String, String>]>,
    ) -> DbResult<()> {
        let fields = session_fields.map(serde_json::to_string).transpose()?;
        let id = id.to_owned();
        let name = name.map(str::to_owned);
        let email = email.map(str::to_owned);
        let avatar = avatar.map(str::to_owned);
        self.write(move |tx| customers::update_customer(tx, &id, name.as_deref(), email.as_deref(), avatar.as_deref(), fields.as_deref()))
    }

    fn set_customer_page(&self, id: &str, url: &str, title: Option<&str>, now: &str) -> DbResult<()> {
        let id = id.to_owned();
        let url = url.to_owned();
        let title = title.map(str::to_owned);
        let now = now.to_owned();
        self.write(move |tx| customers::set_customer_page(tx, &id, &url, title.as_deref(), &now))
    }

    fn customer_pages(&self, id: &str) -> DbResult<Vec<(String, Option<String>, String)>> {
        self.read(|connection| customers::customer_pages(connection, id))
    }

    fn set_banned(&self, id: &str, banned: bool) -> DbResult<()> {
        let id = id.to_owned();
        self.write(move |tx| customers::set_banned(tx, &id, banned))
    }

    fn verification(&self, customer_id: &str) -> DbResult<Option<Verification>> {
        self.read(|connection| customers::verification(connection, customer_id))
    }

    fn set_verification(&self, customer_id: &str, verification: &Verification) -> DbResult<()> {
        let text = serde_json::to_string(verification)?;
        let customer_id = customer_id.to_owned();
        self.write(move |tx| customers::set_verification(tx, &customer_id, &text))
    }

    fn properties(&self, target: PropertyTarget<'_>) -> DbResult<Object> {
        self.read(|connection| properties::properties(connection, target))
    }

    fn set_properties(&self, target: PropertyTarget<'_>, properties: &Object) -> DbResult<()> {
        let text = serde_json::to_string(properties)?;
        let properties = properties.clone();
        let (target, id): (fn(&str) -> PropertyTarget<'_>, String) = match target {
            PropertyTarget::Chat(id) => (|id| PropertyTarget::Chat(id), id.to_owned()),
            PropertyTarget::Thread(id) => (|id| PropertyTarget::Thread(id), id.to_owned()),
            PropertyTarget::Event(id) => (|id| PropertyTarget::Event(id), id.to_owned()),
        };
        self.write(move |tx| properties::set_properties(tx, target(&id), &properties, &text))
    }

    fn event(&self, id: &str) -> DbResult<Option<(String, String, Event)>> {
        self.read(|connection| events::event(connection, id))
    }

    fn replace_event(&self, event: &Event) -> DbResult<()> {
        let event = event.clone();
        self.write(move |tx| events::replace_event(tx, &event))
    }

    fn mark_seen(&self, chat_id: &str, user_id: &str, seen_up_to: &str) -> DbResult<String> {
        let chat_id = chat_id.to_owned();
        let user_id = user_id.to_owned();
        let seen_up_to = seen_up_to.to_owned();
        self.write(move |tx| events::mark_seen(tx, &chat_id, &user_id, &seen_up_to))
    }

    fn seen_up_to(&self, chat_id: &str, user_id: &str) -> DbResult<Option<String>> {
        self.read(|connection| events::seen_up_to(connection, chat_id, user_id))
    }

    fn last_event_per_type(&self, chat_id: &str, with_notes: bool) -> DbResult<Vec<(String, Event)>> {
        self.read(|connection| events::last_event_per_type(connection, chat_id, with_notes))
    }

    fn has_unread(&self, chat_id: &str, user_id: &str) -> DbResult<bool> {
        self.read(|connection| events::has_unread(connection, chat_id, user_id))
    }

    fn insert_greeting(
        &self,
        unique_id: &str,
        license_id: u64,
        customer_id: &str,
        greeting_id: u64,
        agent_id: &str,
        text: &str,
        now: &str,
    ) -> DbResult<()> {
        let unique_id = unique_id.to_owned();
        let customer_id = customer_id.to_owned();
        let agent_id = agent_id.to_owned();
        let text = text.to_owned();
        let now = now.to_owned();
        self.write(move |tx| greetings::insert_greeting(tx, &unique_id, license_id, &customer_id, greeting_id, &agent_id, &text, &now))
    }

    fn greeting(&self, unique_id: &str) -> DbResult<Option<GreetingRow>> {
        self.read(|connection| greetings::greeting(connection, unique_id))
    }

    fn shown_greetings(&self, customer_id: &str) -> DbResult<Vec<GreetingRow>> {
        self.read(|connection| greetings::shown_greetings(connection, customer_id))
    }

    fn set_greeting_state(&self, unique_id: &str, state: &str) -> DbResult<()> {
        let unique_id = unique_id.to_owned();
        let state = state.to_owned();
        self.write(move |tx| greetings::set_greeting_state(tx, &unique_id, &state))
    }

    fn greeting_counts(&self, customer_id: &str) -> DbResult<(u64, u64)> {
        self.read(|connection| greetings::greeting_counts(connection, customer_id))
    }

    fn active_chats_per_agent(&self, license_id: u64) -> DbResult<HashMap<String, u32>> {
        self.read(|connection| chats::active_chats_per_agent(connection, license_id))
    }

    fn insert_upload(&self, upload: &UploadRow) -> DbResult<()> {
        let upload = upload.clone();
        self.write(move |tx| uploads::insert_upload(tx, &upload))
    }

    fn live_upload(&self, id: &str, now: i64) -> DbResult<Option<UploadRow>> {
        self.read(|connection| uploads::live_upload(connection, id, now))
    }

    fn upload_bytes_of(&self, customer_id: &str) -> DbResult<u64> {
        self.read(|connection| uploads::upload_bytes_of(connection, customer_id))
    }

    fn mark_upload_used(&self, id: &str) -> DbResult<()> {
        let id = id.to_owned();
        self.write(move |tx| uploads::mark_upload_used(tx, &id))
    }

    fn take_expired_uploads(&self, now: i64) -> DbResult<Vec<String>> {
        self.write(move |tx| uploads::take_expired_uploads(tx, now))
    }
}

#[cfg(test)]
mod plans;
