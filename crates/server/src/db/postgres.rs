//! The PostgreSQL implementation of [`Store`](super::Store), for servers that share one
//! database (`--db postgres://…`): the same tables and the same answers as SQLite's.
//!
//! The store keeps a few connections. Their sockets are driven by a small runtime of the
//! store's own (one thread, "postgres-io"); a call takes a free connection and waits for
//! its statements off tokio's async workers, as SQLite's calls do ([`off_worker`]), so a
//! slow database never stalls other tasks. Each write is one transaction, committed before
//! the call returns; concurrent writes run on separate connections and PostgreSQL flushes
//! their commits to its log together. A connection that broke is opened again by the next
//! call that takes it. The SQL lives in a module per family of tables, as on SQLite.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::Instant;

use prometheus_client::metrics::histogram::Histogram;
use protocol::Event;
use tokio_postgres::{Client, NoTls};

use super::*;
use conn::{Conn, Db};

mod accounts;
mod chats;
mod conn;
mod customers;
mod desk;
mod events;
mod greetings;
mod properties;
mod queue;
mod reports;
mod schema;
mod settings;
mod uploads;

/// Connections each node keeps open (at most; each opens when first needed).
const CONNECTIONS: usize = 16;

/// A PostgreSQL database shared by every node.
pub struct PgStore {
    config: tokio_postgres::Config,
    /// Drives the connections' sockets; `None` only while the store is dropped.
    io: Option<tokio::runtime::Runtime>,
    connections: Vec<Mutex<Option<Conn>>>,
    next_connection: AtomicUsize,
    /// When expired access tokens are next purged.
    purges: PurgeClock,
    /// Where read and write durations go, when measured.
    times: Option<(Histogram, Histogram)>,
}

/// Waits for `future` (statements on a connection) without holding up an async worker.
fn wait<F: std::future::Future>(future: F) -> F::Output {
    off_worker(|| futures_executor::block_on(future))
}

impl PgStore {
    /// Connects to the database at `url` (`postgres://user:password@host:port/name`) and
    /// brings its schema up to date.
    pub fn open(url: &str) -> DbResult<PgStore> {
        let mut config: tokio_postgres::Config = url.parse()?;
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(std::time::Duration::from_secs(5));
        }
        config.application_name("livechat-server");
        // A statement waits for another transaction's lock at most 5 s (SQLite's busy
        // timeout), then fails like any storage error instead of hanging the request.
        if config.get_options().is_none() {
            config.options("-c lock_timeout=5000");
        }
        let io = tokio::runtime::Builder::new_multi_thread().worker_threads(1).thread_name("postgres-io").enable_all().build()?;
        let store = PgStore {
            config,
            io: Some(io),
            connections: (0..CONNECTIONS).map(|_| Mutex::new(None)).collect(),
            next_connection: AtomicUsize::new(0),
            purges: PurgeClock::default(),
            times: None,
        };
        let mut first = store.connection()?;
        let conn = first.as_mut().expect("a taken connection is open");
        wait(schema::migrate(&mut conn.client))?;
        drop(first);
        Ok(store)
    }

    /// Measures every call's duration into `times` (labelled `read` or `write`).
    pub fn timed(mut self, times: crate::metrics::StorageTimes) -> PgStore {
        let kind = |kind: &str| times.get_or_create_owned(&crate::metrics::KindLabel { kind: kind.to_owned() });
        self.times = Some((kind("read"), kind("write")));
        self
    }

    /// Opens a connection whose socket the store's runtime drives.
    fn connect(&self) -> DbResult<Client> {
        let config = self.config.clone();
        let (answer, answered) = std::sync::mpsc::channel();
        self.io.as_ref().expect("the store is open").spawn(async move {
            let connected = config.connect(NoTls).await.map(|(client, connection)| {
                tokio::spawn(async move {
                    if let Err(err) = connection.await {
                        tracing::warn!("postgres connection closed: {}", describe(&err));
                    }
                });
                client
            });
            let _ = answer.send(connected);
        });
        // The runtime stops only when the store is dropped, and `self` is borrowed.
        Ok(off_worker(|| answered.recv()).expect("the store's runtime runs while the store is open")?)
    }

    /// A free connection (or the next in turn, waited for off the async workers), open.
    fn connection(&self) -> DbResult<MutexGuard<'_, Option<Conn>>> {
        let mut held = match self.connections.iter().find_map(try_now) {
            Some(held) => held,
            None => off_worker(|| {
                let turn = self.next_connection.fetch_add(1, Ordering::Relaxed) % self.connections.len();
                self.connections[turn].lock().unwrap_or_else(|poisoned| poisoned.into_inner())
            }),
        };
        if held.as_ref().is_none_or(|conn| conn.client.is_closed()) {
            *held = Some(Conn::new(self.connect()?));
        }
        Ok(held)
    }

    fn observe(&self, started: Instant, write: bool) {
        if let Some((reads, writes)) = &self.times {
            if write { writes } else { reads }.observe(started.elapsed().as_secs_f64());
        }
    }

    /// Runs `f`'s statements on a connection, outside any transaction.
    fn read<T>(&self, f: impl AsyncFnOnce(&Db<'_>) -> DbResult<T>) -> DbResult<T> {
        let started = Instant::now();
        let mut held = self.connection()?;
        let result = wait(f(&Db::client(held.as_ref().expect("a taken connection is open"))));
        Self::forget_statements_after(&mut held, &result);
        self.observe(started, false);
        result
    }

    /// Runs `f`'s statements in one transaction, committed before this returns.
    fn write<T>(&self, f: impl AsyncFnOnce(&Db<'_>) -> DbResult<T>) -> DbResult<T> {
        let started = Instant::now();
        let mut held = self.connection()?;
        let Conn { client, statements } = held.as_mut().expect("a taken connection is open");
        let result = wait(async {
            let tx = client.transaction().await?;
            let value = f(&Db::transaction(&tx, statements)).await?;
            tx.commit().await?;
            Ok(value)
        });
        Self::forget_statements_after(&mut held, &result);
        self.observe(started, true);
        result
    }

    /// After a failed call, the connection prepares its statements afresh: a failure that
    /// came from a statement the database no longer knows (its schema changed under it)
    /// does not repeat.
    fn forget_statements_after<T>(held: &mut Option<Conn>, result: &DbResult<T>) {
        if let (Err(DbError::Postgres(_)), Some(conn)) = (result, held.as_mut()) {
            conn.statements.get_mut().clear();
        }
    }
}

impl Drop for PgStore {
    fn drop(&mut self) {
        // Safe inside an async context, where dropping a runtime outright is not.
        if let Some(io) = self.io.take() {
            io.shutdown_background();
        }
    }
}

/// What PostgreSQL said, for the log: the server's message where it sent one.
pub(crate) fn describe(err: &tokio_postgres::Error) -> String {
    match err.as_db_error() {
        Some(db) => format!("{} ({})", db.message(), db.code().code()),
        None => err.to_string(),
    }
}

impl Store for PgStore {
    fn ready(&self) -> DbResult<()> {
        self.read(async |client| {
            client.query_one("SELECT 1", &[]).await?;
            Ok(())
        })
    }

    fn cluster_name(&self, proposed: &str) -> DbResult<String> {
        self.write(async |tx| {
            tx.execute("INSERT INTO cluster_name (one, name) VALUES (1, $1) ON CONFLICT DO NOTHING", &[&proposed]).await?;
            Ok(tx.query_one("SELECT name FROM cluster_name", &[]).await?.get(0))
        })
    }

    fn latest_timestamp(&self) -> DbResult<Option<String>> {
        self.read(async |client| events::latest_timestamp(client).await)
    }

    fn create_customer(&self, id: &str, license_id: u64, secret_hash: &str, now: &str) -> DbResult<()> {
        self.write(async |tx| customers::create_customer(tx, id, license_id, secret_hash, now).await)
    }

    fn customer_identity_matches(&self, id: &str, license_id: u64, secret_hash: &str) -> DbResult<bool> {
        self.read(async |client| customers::customer_identity_matches(client, id, license_id, secret_hash).await)
    }

    fn store_token(&self, token_hash: &str, customer_id: &str, license_id: u64, expires_at: i64) -> DbResult<()> {
        // As on SQLite: expired tokens are purged at most once a minute, a batch at a time.
        let purge = self.purges.due();
        self.write(async |tx| customers::store_token(tx, token_hash, customer_id, license_id, expires_at, purge).await)
    }

    fn token_owner(&self, token_hash: &str) -> DbResult<Option<(String, u64, i64)>> {
        self.read(async |client| customers::token_owner(client, token_hash).await)
    }

    fn customer(&self, id: &str) -> DbResult<Option<CustomerRow>> {
        self.read(async |client| customers::customer(client, id).await)
    }

    fn record_login(&self, id: &str, login: LoginRecord) -> DbResult<()> {
        let fields = login.session_fields.as_deref().map(serde_json::to_string).transpose()?;
        let LoginRecord { new_visit, name, email, avatar, page, now, .. } = &login;
        self.write(async |tx| {
            customers::record_login(tx, id, *new_visit, name.as_deref(), email.as_deref(), avatar.as_deref()).await?;
            if fields.is_some() {
                customers::update_customer(tx, id, None, None, None, fields.as_deref()).await?;
            }
            if let Some((url, title)) = page {
                customers::set_customer_page(tx, id, url, title.as_deref(), now).await?;
            }
            Ok(())
        })
    }

    fn customer_counts(&self, id: &str) -> DbResult<(u64, u64)> {
        self.read(async |client| customers::customer_counts(client, id).await)
    }

    fn start_chat(&self, chat: &ChatRow, properties: &Object, thread: NewThread) -> DbResult<Vec<Event>> {
        self.write(async |tx| chats::start_chat(tx, chat, properties, thread).await)
    }

    fn activate_chat(&self, chat_id: &str, group_id: u32, thread: NewThread) -> DbResult<Vec<Event>> {
        self.write(async |tx| chats::activate_chat(tx, chat_id, group_id, thread).await)
    }

    fn set_chat_group(&self, chat_id: &str, group_id: u32) -> DbResult<()> {
        self.write(async |tx| chats::set_chat_group(tx, chat_id, group_id).await)
    }

    fn append_event(&self, chat_id: &str, thread_id: &str, event: Event) -> DbResult<Appended> {
        self.write(async |tx| events::append_event(tx, chat_id, thread_id, event).await)
    }

    fn close_thread(&self, chat_id: &str, thread_id: &str, event: Event) -> DbResult<Event> {
        self.write(async |tx| chats::close_thread(tx, chat_id, thread_id, event).await)
    }

    fn chat(&self, chat_id: &str) -> DbResult<Option<ChatRow>> {
        self.read(async |client| chats::chat(client, chat_id).await)
    }

    fn chats_of_customer(&self, customer_id: &str) -> DbResult<Vec<ChatRow>> {
        self.read(async |client| chats::chats_of_customer(client, customer_id).await)
    }

    fn chats_of_license(&self, license_id: u64) -> DbResult<Vec<ChatRow>> {
        self.read(async |client| chats::chats_of_license(client, license_id).await)
    }

    fn threads(&self, chat_id: &str) -> DbResult<Vec<ThreadRow>> {
        self.read(async |client| chats::threads(client, chat_id).await)
    }

    fn events(&self, thread_id: &str) -> DbResult<Vec<Event>> {
        self.read(async |client| events::events(client, thread_id).await)
    }

    fn chat_agents(&self, chat_id: &str) -> DbResult<Vec<String>> {
        self.read(async |client| chats::chat_agents(client, chat_id).await)
    }

    fn remove_chat_agent(&self, chat_id: &str, agent_id: &str) -> DbResult<bool> {
        self.write(async |tx| chats::remove_chat_agent(tx, chat_id, agent_id).await)
    }

    fn add_chat_agent(&self, chat_id: &str, agent_id: &str) -> DbResult<bool> {
        self.write(async |tx| chats::add_chat_agent(tx, chat_id, agent_id).await)
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
        self.write(async |tx| customers::update_customer(tx, id, name, email, avatar, fields.as_deref()).await)
    }

    fn set_customer_page(&self, id: &str, url: &str, title: Option<&str>, now: &str) -> DbResult<()> {
        self.write(async |tx| customers::set_customer_page(tx, id, url, title, now).await)
    }

    fn customer_pages(&self, id: &str) -> DbResult<Vec<(String, Option<String>, String)>> {
        self.read(async |client| customers::customer_pages(client, id).await)
    }

    fn set_banned(&self, id: &str, banned: bool) -> DbResult<()> {
        self.write(async |tx| customers::set_banned(tx, id, banned).await)
    }

    fn verification(&self, customer_id: &str) -> DbResult<Option<Verification>> {
        self.read(async |client| customers::verification(client, customer_id).await)
    }

    fn set_verification(&self, customer_id: &str, verification: &Verification) -> DbResult<()> {
        let text = serde_json::to_string(verification)?;
        self.write(async |tx| customers::set_verification(tx, customer_id, &text).await)
    }

    fn properties(&self, target: PropertyTarget<'_>) -> DbResult<Object> {
        self.read(async |client| properties::properties(client, target).await)
    }

    fn set_properties(&self, target: PropertyTarget<'_>, properties: &Object) -> DbResult<()> {
        let text = serde_json::to_string(properties)?;
        self.write(async |tx| properties::set_properties(tx, target, properties, &text).await)
    }

    fn event(&self, id: &str) -> DbResult<Option<(String, String, Event)>> {
        self.read(async |client| events::event(client, id).await)
    }

    fn replace_event(&self, event: &Event) -> DbResult<()> {
        self.write(async |tx| events::replace_event(tx, event).await)
    }

    fn mark_seen(&self, chat_id: &str, user_id: &str, seen_up_to: &str) -> DbResult<String> {
        self.write(async |tx| events::mark_seen(tx, chat_id, user_id, seen_up_to).await)
    }

    fn seen_up_to(&self, chat_id: &str, user_id: &str) -> DbResult<Option<String>> {
        self.read(async |client| events::seen_up_to(client, chat_id, user_id).await)
    }

    fn last_event_per_type(&self, chat_id: &str, with_notes: bool) -> DbResult<Vec<(String, Event)>> {
        self.read(async |client| events::last_event_per_type(client, chat_id, with_notes).await)
    }

    fn has_unread(&self, chat_id: &str, user_id: &str) -> DbResult<bool> {
        self.read(async |client| events::has_unread(client, chat_id, user_id).await)
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
        self.write(async |tx| greetings::insert_greeting(tx, unique_id, license_id, customer_id, greeting_id, agent_id, text, now).await)
    }

    fn greeting(&self, unique_id: &str) -> DbResult<Option<GreetingRow>> {
        self.read(async |client| greetings::greeting(client, unique_id).await)
    }

    fn shown_greetings(&self, customer_id: &str) -> DbResult<Vec<GreetingRow>> {
        self.read(async |client| greetings::shown_greetings(client, customer_id).await)
    }

    fn set_greeting_state(&self, unique_id: &str, state: &str) -> DbResult<()> {
        self.write(async |tx| greetings::set_greeting_state(tx, unique_id, state).await)
    }

    fn greeting_counts(&self, customer_id: &str) -> DbResult<(u64, u64)> {
        self.read(async |client| greetings::greeting_counts(client, customer_id).await)
    }

    fn active_chats_per_agent(&self, license_id: u64) -> DbResult<HashMap<String, u32>> {
        self.read(async |client| chats::active_chats_per_agent(client, license_id).await)
    }

    fn insert_upload(&self, upload: &UploadRow) -> DbResult<()> {
        self.write(async |tx| uploads::insert_upload(tx, upload).await)
    }

    fn live_upload(&self, id: &str, now: i64) -> DbResult<Option<UploadRow>> {
        self.read(async |client| uploads::live_upload(client, id, now).await)
    }

    fn upload_bytes_of(&self, customer_id: &str) -> DbResult<u64> {
        self.read(async |client| uploads::upload_bytes_of(client, customer_id).await)
    }

    fn mark_upload_used(&self, id: &str) -> DbResult<()> {
        self.write(async |tx| uploads::mark_upload_used(tx, id).await)
    }

    fn take_expired_uploads(&self, now: i64) -> DbResult<Vec<String>> {
        self.write(async |tx| uploads::take_expired_uploads(tx, now).await)
    }
}
