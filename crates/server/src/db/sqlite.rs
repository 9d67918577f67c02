//! The SQLite implementation of [`Store`](super::Store): WAL mode, versioned migrations,
//! events stored as their wire JSON next to the columns used for lookups.

use std::path::Path;
use std::sync::atomic::{AtomicI64, AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard};

use protocol::Event;
use rusqlite::{params, Connection, OptionalExtension, Transaction};

use super::*;

/// Schema versions, applied in order; `PRAGMA user_version` records how many ran.
const MIGRATIONS: &[&str] = &[
    // 1: customers, tokens, chats, threads, events.
    "CREATE TABLE customers (
        id TEXT PRIMARY KEY,
        license_id INTEGER NOT NULL,
        secret_hash TEXT NOT NULL,
        name TEXT,
        email TEXT,
        avatar TEXT,
        visits INTEGER NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL
    );
    CREATE TABLE access_tokens (
        token_hash TEXT PRIMARY KEY,
        customer_id TEXT NOT NULL REFERENCES customers(id),
        license_id INTEGER NOT NULL,
        expires_at INTEGER NOT NULL
    );
    CREATE TABLE chats (
        id TEXT PRIMARY KEY,
        license_id INTEGER NOT NULL,
        customer_id TEXT NOT NULL REFERENCES customers(id),
        created_at TEXT NOT NULL
    );
    CREATE INDEX chats_by_customer ON chats(customer_id);
    CREATE INDEX chats_by_license ON chats(license_id);
    CREATE TABLE chat_agents (
        chat_id TEXT NOT NULL REFERENCES chats(id),
        agent_id TEXT NOT NULL,
        PRIMARY KEY (chat_id, agent_id)
    );
    CREATE TABLE threads (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        id TEXT NOT NULL UNIQUE,
        chat_id TEXT NOT NULL REFERENCES chats(id),
        active INTEGER NOT NULL,
        created_at TEXT NOT NULL
    );
    CREATE INDEX threads_by_chat ON threads(chat_id, seq);
    CREATE TABLE events (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        id TEXT NOT NULL UNIQUE,
        chat_id TEXT NOT NULL REFERENCES chats(id),
        thread_id TEXT NOT NULL REFERENCES threads(id),
        author_id TEXT,
        custom_id TEXT,
        created_at TEXT NOT NULL,
        body TEXT NOT NULL
    );
    CREATE INDEX events_by_thread ON events(thread_id, seq);
    CREATE UNIQUE INDEX events_by_custom_id ON events(chat_id, author_id, custom_id)
        WHERE custom_id IS NOT NULL;",
    // 2: customer data and pages, properties, read receipts, greetings, bans.
    "ALTER TABLE customers ADD COLUMN session_fields TEXT NOT NULL DEFAULT '[]';
    ALTER TABLE customers ADD COLUMN page_url TEXT;
    ALTER TABLE customers ADD COLUMN page_title TEXT;
    ALTER TABLE customers ADD COLUMN page_views INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE customers ADD COLUMN banned INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE chats ADD COLUMN properties TEXT NOT NULL DEFAULT '{}';
    ALTER TABLE threads ADD COLUMN properties TEXT NOT NULL DEFAULT '{}';
    CREATE TABLE seen (
        chat_id TEXT NOT NULL REFERENCES chats(id),
        user_id TEXT NOT NULL,
        seen_up_to TEXT NOT NULL,
        PRIMARY KEY (chat_id, user_id)
    );
    CREATE TABLE greetings (
        unique_id TEXT PRIMARY KEY,
        license_id INTEGER NOT NULL,
        customer_id TEXT NOT NULL REFERENCES customers(id),
        greeting_id INTEGER NOT NULL,
        agent_id TEXT NOT NULL,
        text TEXT NOT NULL,
        state TEXT NOT NULL,
        created_at TEXT NOT NULL
    );
    CREATE INDEX greetings_by_customer ON greetings(customer_id);",
    // 3: files customers upload with the Web API's upload_file.
    "CREATE TABLE uploads (
        id TEXT PRIMARY KEY,
        license_id INTEGER NOT NULL,
        customer_id TEXT NOT NULL REFERENCES customers(id),
        name TEXT NOT NULL,
        content_type TEXT NOT NULL,
        size INTEGER NOT NULL,
        width INTEGER,
        height INTEGER,
        url TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        used INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX uploads_unused_by_age ON uploads(created_at) WHERE used = 0;",
    // 4: the routing queue and agents' routing status, so both survive a restart.
    "CREATE TABLE queue (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        chat_id TEXT NOT NULL UNIQUE REFERENCES chats(id),
        license_id INTEGER NOT NULL,
        group_id INTEGER NOT NULL,
        thread_id TEXT NOT NULL,
        customer_id TEXT NOT NULL,
        queued_at TEXT NOT NULL
    );
    CREATE INDEX queue_by_license ON queue(license_id, seq);
    CREATE TABLE agent_status (
        agent_id TEXT PRIMARY KEY,
        accepting INTEGER NOT NULL
    );",
    // 5: the agents a waiting chat may go to (a site's operators, or the agent a visitor
    // picked), as a JSON array; empty for any agent of its group.
    "ALTER TABLE queue ADD COLUMN agent_ids TEXT NOT NULL DEFAULT '[]';",
    // 6: what the site said when asked who a customer is (`verify_identity`), as JSON;
    // never the value the customer sent.
    "ALTER TABLE customers ADD COLUMN verification TEXT;",
    // 7: the group a chat was routed or transferred to (its `access`); events by chat in
    // order, for the newest event of each type and unread checks.
    "ALTER TABLE chats ADD COLUMN group_id INTEGER NOT NULL DEFAULT 0;
    CREATE INDEX events_by_chat ON events(chat_id, seq);",
    // 8: indexes for the lookups on request paths that scanned: token purges by expiry,
    // unread checks by time within a chat, upload quotas by customer.
    "CREATE INDEX access_tokens_by_expiry ON access_tokens(expires_at);
    CREATE INDEX events_by_chat_time ON events(chat_id, created_at);
    CREATE INDEX uploads_by_customer ON uploads(customer_id);",
    // 9: each thread's number of events and their bytes as stored, kept as events are
    // added, so numbering an event and checking a thread's size read one row.
    "ALTER TABLE threads ADD COLUMN event_count INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE threads ADD COLUMN event_bytes INTEGER NOT NULL DEFAULT 0;
    UPDATE threads SET
        event_count = (SELECT count(*) FROM events WHERE events.thread_id = threads.id),
        event_bytes = (SELECT coalesce(sum(length(CAST(body AS BLOB))), 0) FROM events WHERE events.thread_id = threads.id);",
];

/// Connections that only read, beside the one that writes: under WAL they read in
/// parallel with each other and with the writer.
const READERS: usize = 4;

/// The SQLite database: one connection for writes, a few for reads. A call whose
/// connection is free runs at once (statements are short: every one on a request path
/// searches an index); a call that would wait for a connection waits off tokio's async
/// workers (see [`off_worker`]), so contention never stalls other tasks.
pub struct SqliteStore {
    writer: Mutex<Connection>,
    readers: Vec<Mutex<Connection>>,
    next_reader: AtomicUsize,
    /// When expired access tokens were last purged (unix seconds).
    last_purge: AtomicI64,
}

/// Runs work that may block. On a multi-threaded runtime the worker thread hands its
/// other tasks to another thread first (`block_in_place`), so the wait never stalls them;
/// elsewhere (tests on a single-threaded runtime, plain threads) it simply runs.
fn off_worker<T>(work: impl FnOnce() -> T) -> T {
    use tokio::runtime::{Handle, RuntimeFlavor};
    match Handle::try_current() {
        Ok(handle) if handle.runtime_flavor() == RuntimeFlavor::MultiThread => tokio::task::block_in_place(work),
        _ => work(),
    }
}

/// The lock if it is free now; `None` if another call holds it.
fn try_now(lock: &Mutex<Connection>) -> Option<MutexGuard<'_, Connection>> {
    match lock.try_lock() {
        Ok(guard) => Some(guard),
        Err(std::sync::TryLockError::Poisoned(poisoned)) => Some(poisoned.into_inner()),
        Err(std::sync::TryLockError::WouldBlock) => None,
    }
}

fn connect(path: &Path) -> DbResult<Connection> {
    let connection = Connection::open(path)?;
    connection.pragma_update(None, "journal_mode", "WAL")?;
    connection.pragma_update(None, "synchronous", "NORMAL")?;
    connection.pragma_update(None, "foreign_keys", "ON")?;
    connection.busy_timeout(std::time::Duration::from_secs(5))?;
    Ok(connection)
}

impl SqliteStore {
    /// Opens (or creates) the database and brings its schema up to date.
    pub fn open(path: &Path) -> DbResult<SqliteStore> {
        let writer = connect(path)?;
        let mut db = SqliteStore {
            writer: Mutex::new(writer),
            readers: Vec::new(),
            next_reader: AtomicUsize::new(0),
            last_purge: AtomicI64::new(0),
        };
        db.migrate()?;
        for _ in 0..READERS {
            let reader = connect(path)?;
            reader.pragma_update(None, "query_only", true)?;
            db.readers.push(Mutex::new(reader));
        }
        Ok(db)
    }

    fn lock(&self) -> MutexGuard<'_, Connection> {
        self.writer.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn migrate(&self) -> DbResult<()> {
        let mut connection = self.lock();
        let applied: usize = connection.pragma_query_value(None, "user_version", |row| row.get(0))?;
        for (version, sql) in MIGRATIONS.iter().enumerate().skip(applied) {
            let tx = connection.transaction()?;
            tx.execute_batch(sql)?;
            tx.pragma_update(None, "user_version", version + 1)?;
            tx.commit()?;
        }
        Ok(())
    }

    fn write<T>(&self, f: impl FnOnce(&Transaction<'_>) -> DbResult<T>) -> DbResult<T> {
        let run = |mut connection: MutexGuard<'_, Connection>| {
            let tx = connection.transaction()?;
            let value = f(&tx)?;
            tx.commit()?;
            Ok(value)
        };
        match try_now(&self.writer) {
            Some(connection) => run(connection),
            None => off_worker(|| run(self.lock())),
        }
    }

    /// Runs `f` on a free reader, or waits (off the async workers) for the next in turn.
    fn read<T>(&self, f: impl FnOnce(&Connection) -> DbResult<T>) -> DbResult<T> {
        if let Some(reader) = self.readers.iter().find_map(try_now) {
            return f(&reader);
        }
        off_worker(|| {
            let turn = self.next_reader.fetch_add(1, Ordering::Relaxed) % self.readers.len();
            f(&self.readers[turn].lock().unwrap_or_else(|poisoned| poisoned.into_inner()))
        })
    }

    fn chats_where(&self, condition: &str, value: String) -> DbResult<Vec<ChatRow>> {
        self.read(|connection| {
            let sql = format!(
                "SELECT chats.id, chats.license_id, chats.customer_id, chats.group_id FROM chats
                 LEFT JOIN threads ON threads.chat_id = chats.id
                 WHERE {condition} GROUP BY chats.id ORDER BY max(threads.seq) DESC"
            );
            let mut statement = connection.prepare_cached(&sql)?;
            let rows = statement.query_map(params![value], chat_row)?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
    }
}

impl Store for SqliteStore {
    fn latest_timestamp(&self) -> DbResult<Option<String>> {
        self.read(|connection| {
            Ok(connection.prepare_cached("SELECT max(created_at) FROM events")?.query_row([], |row| row.get(0))?)
        })
    }

    fn create_customer(&self, id: &str, license_id: u64, secret_hash: &str, now: &str) -> DbResult<()> {
        self.write(|tx| {
            tx.prepare_cached("INSERT INTO customers (id, license_id, secret_hash, created_at) VALUES (?1, ?2, ?3, ?4)")?.execute(params![id, license_id as i64, secret_hash, now],
            )?;
            Ok(())
        })
    }

    fn customer_identity_matches(&self, id: &str, license_id: u64, secret_hash: &str) -> DbResult<bool> {
        self.read(|connection| {
            let found: Option<i64> = connection
                .prepare_cached("SELECT 1 FROM customers WHERE id = ?1 AND license_id = ?2 AND secret_hash = ?3")?.query_row(params![id, license_id as i64, secret_hash],
                    |row| row.get(0),
                )
                .optional()?;
            Ok(found.is_some())
        })
    }

    fn store_token(&self, token_hash: &str, customer_id: &str, license_id: u64, expires_at: i64) -> DbResult<()> {
        // Tokens that expired a month ago are purged at most once a minute, a batch at a
        // time, through the index on expiry: issuing tokens fast never means scanning fast.
        let now = crate::ids::unix_now();
        let purge = now - self.last_purge.load(Ordering::Relaxed) >= 60;
        if purge {
            self.last_purge.store(now, Ordering::Relaxed);
        }
        self.write(|tx| {
            if purge {
                tx.prepare_cached("DELETE FROM access_tokens WHERE token_hash IN
                     (SELECT token_hash FROM access_tokens WHERE expires_at < ?1 LIMIT 1000)")?.execute(params![expires_at - 86_400 * 30],
                )?;
            }
            tx.prepare_cached("INSERT INTO access_tokens (token_hash, customer_id, license_id, expires_at) VALUES (?1, ?2, ?3, ?4)")?.execute(params![token_hash, customer_id, license_id as i64, expires_at],
            )?;
            Ok(())
        })
    }

    fn token_owner(&self, token_hash: &str) -> DbResult<Option<(String, u64, i64)>> {
        self.read(|connection| {
            Ok(connection
                .prepare_cached("SELECT customer_id, license_id, expires_at FROM access_tokens WHERE token_hash = ?1")?.query_row(params![token_hash],
                    |row| Ok((row.get(0)?, row.get::<_, i64>(1)? as u64, row.get(2)?)),
                )
                .optional()?)
        })
    }

    fn customer(&self, id: &str) -> DbResult<Option<CustomerRow>> {
        self.read(|connection| {
            Ok(connection
                .prepare_cached("SELECT id, license_id, name, email, avatar, visits, session_fields, page_url, page_title,
                            page_views, banned FROM customers WHERE id = ?1")?.query_row(params![id],
                    |row| {
                        Ok(CustomerRow {
                            id: row.get(0)?,
                            license_id: row.get::<_, i64>(1)? as u64,
                            name: row.get(2)?,
                            email: row.get(3)?,
                            avatar: row.get(4)?,
                            visits: row.get::<_, i64>(5)? as u64,
                            session_fields: serde_json::from_str(&row.get::<_, String>(6)?).unwrap_or_default(),
                            page_url: row.get(7)?,
                            page_title: row.get(8)?,
                            page_views: row.get::<_, i64>(9)? as u64,
                            banned: row.get(10)?,
                        })
                    },
                )
                .optional()?)
        })
    }

    fn record_login(&self, id: &str, new_visit: bool, name: Option<&str>, email: Option<&str>, avatar: Option<&str>) -> DbResult<()> {
        self.write(|tx| {
            tx.prepare_cached("UPDATE customers SET visits = visits + ?5, name = coalesce(?2, name),
                 email = coalesce(?3, email), avatar = coalesce(?4, avatar) WHERE id = ?1")?.execute(params![id, name, email, avatar, new_visit as i64],
            )?;
            Ok(())
        })
    }

    fn customer_counts(&self, id: &str) -> DbResult<(u64, u64)> {
        self.read(|connection| {
            Ok(connection.prepare_cached("SELECT (SELECT count(*) FROM chats WHERE customer_id = ?1),
                        (SELECT count(*) FROM threads JOIN chats ON chats.id = threads.chat_id WHERE chats.customer_id = ?1)")?.query_row(params![id],
                |row| Ok((row.get::<_, i64>(0)? as u64, row.get::<_, i64>(1)? as u64)),
            )?)
        })
    }

    fn start_chat(&self, chat: &ChatRow, properties: &Object, thread: NewThread) -> DbResult<Vec<Event>> {
        self.write(|tx| {
            tx.prepare_cached("INSERT INTO chats (id, license_id, customer_id, created_at, group_id, properties) VALUES (?1, ?2, ?3, ?4, ?5, ?6)")?.execute(params![
                    chat.id,
                    chat.license_id as i64,
                    chat.customer_id,
                    thread.created_at,
                    chat.group_id,
                    serde_json::to_string(properties)?
                ],
            )?;
            insert_thread(tx, &chat.id, thread)
        })
    }

    fn activate_chat(&self, chat_id: &str, group_id: u32, thread: NewThread) -> DbResult<Vec<Event>> {
        self.write(|tx| {
            tx.prepare_cached("UPDATE chats SET group_id = ?2 WHERE id = ?1")?.execute(params![chat_id, group_id])?;
            insert_thread(tx, chat_id, thread)
        })
    }

    fn set_chat_group(&self, chat_id: &str, group_id: u32) -> DbResult<()> {
        self.write(|tx| {
            tx.prepare_cached("UPDATE chats SET group_id = ?2 WHERE id = ?1")?.execute(params![chat_id, group_id])?;
            Ok(())
        })
    }

    fn append_event(&self, chat_id: &str, thread_id: &str, event: Event) -> DbResult<Appended> {
        self.write(|tx| {
            if let (Some(custom_id), Some(author_id)) = (&event.custom_id, &event.author_id) {
                let existing: Option<String> = tx
                    .prepare_cached("SELECT body FROM events WHERE chat_id = ?1 AND author_id = ?2 AND custom_id = ?3")?.query_row(params![chat_id, author_id, custom_id],
                        |row| row.get(0),
                    )
                    .optional()?;
                if let Some(body) = existing {
                    return Ok(Appended::Duplicate(serde_json::from_str(&body)?));
                }
            }
            if event.author_id.is_some() {
                let (n_events, n_bytes): (i64, i64) = tx
                    .prepare_cached("SELECT event_count, event_bytes FROM threads WHERE id = ?1")?.query_row(params![thread_id], |row| {
                        Ok((row.get(0)?, row.get(1)?))
                    })
                    .optional()?
                    .unwrap_or_default();
                let size = serde_json::to_string(&event)?.len() as i64;
                if n_events >= MAX_THREAD_EVENTS as i64 || n_bytes + size > MAX_THREAD_BYTES as i64 {
                    return Ok(Appended::Full);
                }
            }
            Ok(Appended::Stored(insert_event(tx, chat_id, thread_id, event)?))
        })
    }

    fn close_thread(&self, chat_id: &str, thread_id: &str, event: Event) -> DbResult<Event> {
        self.write(|tx| {
            tx.prepare_cached("UPDATE threads SET active = 0 WHERE id = ?1")?.execute(params![thread_id])?;
            insert_event(tx, chat_id, thread_id, event)
        })
    }

    fn chat(&self, chat_id: &str) -> DbResult<Option<ChatRow>> {
        self.read(|connection| {
            Ok(connection
                .prepare_cached("SELECT id, license_id, customer_id, group_id FROM chats WHERE id = ?1")?.query_row(params![chat_id], chat_row)
                .optional()?)
        })
    }

    fn chats_of_customer(&self, customer_id: &str) -> DbResult<Vec<ChatRow>> {
        self.chats_where("chats.customer_id = ?1", customer_id.to_owned())
    }

    fn chats_of_license(&self, license_id: u64) -> DbResult<Vec<ChatRow>> {
        self.chats_where("chats.license_id = ?1", license_id.to_string())
    }

    fn threads(&self, chat_id: &str) -> DbResult<Vec<ThreadRow>> {
        self.read(|connection| {
            let mut statement = connection
                .prepare_cached("SELECT id, chat_id, active, created_at FROM threads WHERE chat_id = ?1 ORDER BY seq")?;
            let rows = statement.query_map(params![chat_id], |row| {
                Ok(ThreadRow { id: row.get(0)?, chat_id: row.get(1)?, active: row.get(2)?, created_at: row.get(3)? })
            })?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
    }

    fn events(&self, thread_id: &str) -> DbResult<Vec<Event>> {
        self.read(|connection| {
            let mut statement = connection.prepare_cached("SELECT body FROM events WHERE thread_id = ?1 ORDER BY seq")?;
            let bodies = statement.query_map(params![thread_id], |row| row.get::<_, String>(0))?;
            bodies.map(|body| Ok(serde_json::from_str(&body?)?)).collect()
        })
    }

    fn chat_agents(&self, chat_id: &str) -> DbResult<Vec<String>> {
        self.read(|connection| {
            let mut statement = connection.prepare_cached("SELECT agent_id FROM chat_agents WHERE chat_id = ?1 ORDER BY rowid")?;
            let rows = statement.query_map(params![chat_id], |row| row.get(0))?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
    }

    fn remove_chat_agent(&self, chat_id: &str, agent_id: &str) -> DbResult<bool> {
        self.write(|tx| {
            let removed = tx.prepare_cached("DELETE FROM chat_agents WHERE chat_id = ?1 AND agent_id = ?2")?.execute(params![chat_id, agent_id])?;
            Ok(removed > 0)
        })
    }

    fn add_chat_agent(&self, chat_id: &str, agent_id: &str) -> DbResult<bool> {
        self.write(|tx| {
            let added = tx.prepare_cached("INSERT OR IGNORE INTO chat_agents (chat_id, agent_id) VALUES (?1, ?2)")?.execute(params![chat_id, agent_id],
            )?;
            Ok(added > 0)
        })
    }

    fn update_customer(
        &self,
        id: &str,
        name: Option<&str>,
        email: Option<&str>,
        avatar: Option<&str>,
        session_fields: Option<&[std::collections::BTreeMap<String, String>]>,
    ) -> DbResult<()> {
        let fields = session_fields.map(serde_json::to_string).transpose()?;
        self.write(|tx| {
            tx.prepare_cached("UPDATE customers SET name = coalesce(?2, name), email = coalesce(?3, email),
                 avatar = coalesce(?4, avatar), session_fields = coalesce(?5, session_fields) WHERE id = ?1")?.execute(params![id, name, email, avatar, fields],
            )?;
            Ok(())
        })
    }

    fn set_customer_page(&self, id: &str, url: &str, title: Option<&str>) -> DbResult<()> {
        self.write(|tx| {
            tx.prepare_cached("UPDATE customers SET page_url = ?2, page_title = ?3, page_views = page_views + 1 WHERE id = ?1")?.execute(params![id, url, title],
            )?;
            Ok(())
        })
    }

    fn set_banned(&self, id: &str, banned: bool) -> DbResult<()> {
        self.write(|tx| {
            tx.prepare_cached("UPDATE customers SET banned = ?2 WHERE id = ?1")?.execute(params![id, banned])?;
            Ok(())
        })
    }

    fn verification(&self, customer_id: &str) -> DbResult<Option<Verification>> {
        self.read(|connection| {
            let text: Option<Option<String>> = connection
                .prepare_cached("SELECT verification FROM customers WHERE id = ?1")?.query_row(params![customer_id], |row| row.get(0))
                .optional()?;
            Ok(text.flatten().map(|text| serde_json::from_str(&text)).transpose()?)
        })
    }

    fn set_verification(&self, customer_id: &str, verification: &Verification) -> DbResult<()> {
        let text = serde_json::to_string(verification)?;
        self.write(|tx| {
            tx.prepare_cached("UPDATE customers SET verification = ?2 WHERE id = ?1")?.execute(params![customer_id, text])?;
            Ok(())
        })
    }

    fn properties(&self, target: PropertyTarget<'_>) -> DbResult<crate::db::Object> {
        self.read(|connection| {
            let text: Option<String> = match target {
                PropertyTarget::Chat(id) => {
                    connection.prepare_cached("SELECT properties FROM chats WHERE id = ?1")?.query_row(params![id], |row| row.get(0)).optional()?
                }
                PropertyTarget::Thread(id) => connection
                    .prepare_cached("SELECT properties FROM threads WHERE id = ?1")?.query_row(params![id], |row| row.get(0))
                    .optional()?,
                PropertyTarget::Event(id) => {
                    let body: Option<String> =
                        connection.prepare_cached("SELECT body FROM events WHERE id = ?1")?.query_row(params![id], |row| row.get(0)).optional()?;
                    let event: Option<protocol::Event> = body.map(|body| serde_json::from_str(&body)).transpose()?;
                    return Ok(event.and_then(|event| event.properties).unwrap_or_default());
                }
            };
            Ok(text.map(|text| serde_json::from_str(&text)).transpose()?.unwrap_or_default())
        })
    }

    fn set_properties(&self, target: PropertyTarget<'_>, properties: &crate::db::Object) -> DbResult<()> {
        let text = serde_json::to_string(properties)?;
        self.write(|tx| {
            match target {
                PropertyTarget::Chat(id) => tx.prepare_cached("UPDATE chats SET properties = ?2 WHERE id = ?1")?.execute(params![id, text])?,
                PropertyTarget::Thread(id) => {
                    tx.prepare_cached("UPDATE threads SET properties = ?2 WHERE id = ?1")?.execute(params![id, text])?
                }
                PropertyTarget::Event(id) => {
                    let body: String = tx.prepare_cached("SELECT body FROM events WHERE id = ?1")?.query_row(params![id], |row| row.get(0))?;
                    let mut event: protocol::Event = serde_json::from_str(&body)?;
                    event.properties = (!properties.is_empty()).then(|| properties.clone());
                    tx.prepare_cached("UPDATE events SET body = ?2 WHERE id = ?1")?.execute(params![id, serde_json::to_string(&event)?])?
                }
            };
            Ok(())
        })
    }

    fn event(&self, id: &str) -> DbResult<Option<(String, String, protocol::Event)>> {
        self.read(|connection| {
            let row: Option<(String, String, String)> = connection
                .prepare_cached("SELECT chat_id, thread_id, body FROM events WHERE id = ?1")?.query_row(params![id], |row| {
                    Ok((row.get(0)?, row.get(1)?, row.get(2)?))
                })
                .optional()?;
            row.map(|(chat_id, thread_id, body)| Ok((chat_id, thread_id, serde_json::from_str(&body)?))).transpose()
        })
    }

    fn replace_event(&self, event: &protocol::Event) -> DbResult<()> {
        let id = event.id.clone().unwrap_or_default();
        self.write(|tx| {
            tx.prepare_cached("UPDATE events SET body = ?2 WHERE id = ?1")?.execute(params![id, serde_json::to_string(event)?])?;
            Ok(())
        })
    }

    fn mark_seen(&self, chat_id: &str, user_id: &str, seen_up_to: &str) -> DbResult<String> {
        self.write(|tx| {
            tx.prepare_cached("INSERT INTO seen (chat_id, user_id, seen_up_to) VALUES (?1, ?2, ?3)
                 ON CONFLICT (chat_id, user_id) DO UPDATE SET seen_up_to = max(seen_up_to, excluded.seen_up_to)")?.execute(params![chat_id, user_id, seen_up_to],
            )?;
            Ok(tx.prepare_cached("SELECT seen_up_to FROM seen WHERE chat_id = ?1 AND user_id = ?2")?.query_row(params![chat_id, user_id],
                |row| row.get(0),
            )?)
        })
    }

    fn seen_up_to(&self, chat_id: &str, user_id: &str) -> DbResult<Option<String>> {
        self.read(|connection| {
            Ok(connection
                .prepare_cached("SELECT seen_up_to FROM seen WHERE chat_id = ?1 AND user_id = ?2")?.query_row(params![chat_id, user_id], |row| {
                    row.get(0)
                })
                .optional()?)
        })
    }

    fn last_event_per_type(&self, chat_id: &str, with_notes: bool) -> DbResult<Vec<(String, Event)>> {
        self.read(|connection| {
            let mut statement = connection.prepare_cached(
                "SELECT thread_id, body FROM events WHERE seq IN
                   (SELECT max(seq) FROM events WHERE chat_id = ?1
                      AND (?2 OR coalesce(json_extract(body, '$.recipients'), 'all') != 'agents')
                    GROUP BY json_extract(body, '$.type'))
                 ORDER BY seq",
            )?;
            let rows = statement.query_map(params![chat_id, with_notes], |row| Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?)))?;
            rows.map(|row| {
                let (thread_id, body) = row?;
                Ok((thread_id, serde_json::from_str(&body)?))
            })
            .collect()
        })
    }

    fn has_unread(&self, chat_id: &str, user_id: &str) -> DbResult<bool> {
        self.read(|connection| {
            Ok(connection.prepare_cached("SELECT EXISTS (SELECT 1 FROM events WHERE chat_id = ?1 AND coalesce(author_id, '') != ?2
                 AND coalesce(json_extract(body, '$.recipients'), 'all') != 'agents'
                 AND created_at > coalesce((SELECT seen_up_to FROM seen WHERE chat_id = ?1 AND user_id = ?2), ''))")?.query_row(params![chat_id, user_id],
                |row| row.get(0),
            )?)
        })
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
        self.write(|tx| {
            tx.prepare_cached("INSERT INTO greetings (unique_id, license_id, customer_id, greeting_id, agent_id, text, state, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'shown', ?7)")?.execute(params![unique_id, license_id as i64, customer_id, greeting_id as i64, agent_id, text, now],
            )?;
            Ok(())
        })
    }

    fn greeting(&self, unique_id: &str) -> DbResult<Option<GreetingRow>> {
        self.read(|connection| {
            Ok(connection.query_row(&format!("{GREETING_COLUMNS} WHERE unique_id = ?1"), params![unique_id], greeting_row).optional()?)
        })
    }

    fn shown_greetings(&self, customer_id: &str) -> DbResult<Vec<GreetingRow>> {
        self.read(|connection| {
            let mut statement =
                connection.prepare_cached(&format!("{GREETING_COLUMNS} WHERE customer_id = ?1 AND state = 'shown' ORDER BY rowid"))?;
            let rows = statement.query_map(params![customer_id], greeting_row)?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
    }

    fn set_greeting_state(&self, unique_id: &str, state: &str) -> DbResult<()> {
        self.write(|tx| {
            tx.prepare_cached("UPDATE greetings SET state = ?2 WHERE unique_id = ?1")?.execute(params![unique_id, state])?;
            Ok(())
        })
    }

    fn greeting_counts(&self, customer_id: &str) -> DbResult<(u64, u64)> {
        self.read(|connection| {
            Ok(connection.prepare_cached("SELECT count(*), count(*) FILTER (WHERE state = 'accepted') FROM greetings WHERE customer_id = ?1")?.query_row(params![customer_id],
                |row| Ok((row.get::<_, i64>(0)? as u64, row.get::<_, i64>(1)? as u64)),
            )?)
        })
    }

    fn active_chats_per_agent(&self, license_id: u64) -> DbResult<std::collections::HashMap<String, u32>> {
        self.read(|connection| {
            let mut statement = connection.prepare_cached(
                "SELECT chat_agents.agent_id, count(*) FROM chat_agents
                 JOIN chats ON chats.id = chat_agents.chat_id
                 JOIN threads ON threads.chat_id = chats.id AND threads.active = 1
                 WHERE chats.license_id = ?1 GROUP BY chat_agents.agent_id",
            )?;
            let rows = statement.query_map(params![license_id as i64], |row| Ok((row.get(0)?, row.get::<_, i64>(1)? as u32)))?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
    }

    fn insert_upload(&self, upload: &UploadRow) -> DbResult<()> {
        self.write(|tx| {
            tx.prepare_cached("INSERT INTO uploads (id, license_id, customer_id, name, content_type, size, width, height, url, created_at, used)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)")?.execute(params![
                    upload.id,
                    upload.license_id as i64,
                    upload.customer_id,
                    upload.name,
                    upload.content_type,
                    upload.size as i64,
                    upload.width,
                    upload.height,
                    upload.url,
                    upload.created_at,
                    upload.used,
                ],
            )?;
            Ok(())
        })
    }

    fn live_upload(&self, id: &str, now: i64) -> DbResult<Option<UploadRow>> {
        self.read(|connection| {
            Ok(connection
                .prepare_cached("SELECT id, license_id, customer_id, name, content_type, size, width, height, url, created_at, used
                     FROM uploads WHERE id = ?1 AND (used = 1 OR created_at > ?2)")?.query_row(params![id, now - UPLOAD_TTL_SECS],
                    |row| {
                        Ok(UploadRow {
                            id: row.get(0)?,
                            license_id: row.get::<_, i64>(1)? as u64,
                            customer_id: row.get(2)?,
                            name: row.get(3)?,
                            content_type: row.get(4)?,
                            size: row.get::<_, i64>(5)? as u64,
                            width: row.get(6)?,
                            height: row.get(7)?,
                            url: row.get(8)?,
                            created_at: row.get(9)?,
                            used: row.get(10)?,
                        })
                    },
                )
                .optional()?)
        })
    }

    fn upload_bytes_of(&self, customer_id: &str) -> DbResult<u64> {
        self.read(|connection| {
            let bytes: i64 = connection.prepare_cached("SELECT coalesce(sum(size), 0) FROM uploads WHERE customer_id = ?1")?.query_row(params![customer_id],
                |row| row.get(0),
            )?;
            Ok(bytes.max(0) as u64)
        })
    }

    fn mark_upload_used(&self, id: &str) -> DbResult<()> {
        self.write(|tx| {
            tx.prepare_cached("UPDATE uploads SET used = 1 WHERE id = ?1")?.execute(params![id])?;
            Ok(())
        })
    }

    fn take_expired_uploads(&self, now: i64) -> DbResult<Vec<String>> {
        self.write(|tx| {
            let cutoff = now - UPLOAD_TTL_SECS;
            let ids = {
                let mut statement = tx.prepare_cached("SELECT id FROM uploads WHERE used = 0 AND created_at <= ?1")?;
                let rows = statement.query_map(params![cutoff], |row| row.get::<_, String>(0))?;
                rows.collect::<Result<Vec<_>, _>>()?
            };
            tx.prepare_cached("DELETE FROM uploads WHERE used = 0 AND created_at <= ?1")?.execute(params![cutoff])?;
            Ok(ids)
        })
    }
}

const GREETING_COLUMNS: &str = "SELECT unique_id, customer_id, greeting_id, state, agent_id, text, created_at FROM greetings";

fn greeting_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<GreetingRow> {
    Ok(GreetingRow {
        unique_id: row.get(0)?,
        customer_id: row.get(1)?,
        greeting_id: row.get::<_, i64>(2)? as u64,
        state: row.get(3)?,
        agent_id: row.get(4)?,
        text: row.get(5)?,
        created_at: row.get(6)?,
    })
}

fn chat_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<ChatRow> {
    Ok(ChatRow { id: row.get(0)?, license_id: row.get::<_, i64>(1)? as u64, customer_id: row.get(2)?, group_id: row.get(3)? })
}

/// Closes the chat's open thread and adds `thread` with its events.
fn insert_thread(tx: &Transaction<'_>, chat_id: &str, thread: NewThread) -> DbResult<Vec<Event>> {
    tx.prepare_cached("UPDATE threads SET active = 0 WHERE chat_id = ?1")?.execute(params![chat_id])?;
    tx.prepare_cached("INSERT INTO threads (id, chat_id, active, created_at, properties) VALUES (?1, ?2, ?3, ?4, ?5)")?.execute(params![thread.id, chat_id, thread.active, thread.created_at, serde_json::to_string(&thread.properties)?],
    )?;
    thread.events.into_iter().map(|event| insert_event(tx, chat_id, &thread.id, event)).collect()
}

/// Stores an event with the next id of its thread (`<thread_id>_<n>`).
fn insert_event(tx: &Transaction<'_>, chat_id: &str, thread_id: &str, mut event: Event) -> DbResult<Event> {
    // Numbered in its thread from 1; the id is part of the body, so the counter moves first
    // and the size is added once the body is known.
    let number: i64 = tx.prepare_cached("UPDATE threads SET event_count = event_count + 1 WHERE id = ?1 RETURNING event_count")?.query_row(params![thread_id],
        |row| row.get(0),
    )?;
    event.id = Some(format!("{thread_id}_{number}"));
    let created_at = event.created_at.clone().unwrap_or_default();
    let body = serde_json::to_string(&event)?;
    tx.prepare_cached("UPDATE threads SET event_bytes = event_bytes + ?2 WHERE id = ?1")?.execute(params![thread_id, body.len() as i64])?;
    tx.prepare_cached("INSERT INTO events (id, chat_id, thread_id, author_id, custom_id, created_at, body)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)")?.execute(params![event.id, chat_id, thread_id, event.author_id, event.custom_id, created_at, body],
    )?;
    Ok(event)
}

impl QueueStore for SqliteStore {
    fn enqueue(&self, queued: &Queued) -> DbResult<()> {
        self.write(|tx| {
            tx.prepare_cached("INSERT OR IGNORE INTO queue (chat_id, license_id, group_id, thread_id, customer_id, queued_at, agent_ids)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)")?.execute(params![
                    queued.chat_id,
                    queued.license_id as i64,
                    queued.group_id,
                    queued.thread_id,
                    queued.customer_id,
                    queued.queued_at,
                    serde_json::to_string(&queued.agent_ids).unwrap_or_else(|_| "[]".to_owned())
                ],
            )?;
            Ok(())
        })
    }

    fn dequeue(&self, chat_id: &str) -> DbResult<bool> {
        self.write(|tx| Ok(tx.prepare_cached("DELETE FROM queue WHERE chat_id = ?1")?.execute(params![chat_id])? > 0))
    }

    fn waiting(&self, license_id: u64) -> DbResult<Vec<Queued>> {
        self.read(|connection| {
            let mut statement = connection.prepare_cached(
                "SELECT chat_id, license_id, group_id, thread_id, customer_id, queued_at, agent_ids FROM queue
                 WHERE license_id = ?1 ORDER BY seq",
            )?;
            let rows = statement.query_map(params![license_id as i64], |row| {
                Ok(Queued {
                    chat_id: row.get(0)?,
                    license_id: row.get::<_, i64>(1)? as u64,
                    group_id: row.get(2)?,
                    thread_id: row.get(3)?,
                    customer_id: row.get(4)?,
                    queued_at: row.get(5)?,
                    agent_ids: serde_json::from_str(&row.get::<_, String>(6)?).unwrap_or_default(),
                })
            })?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
    }

    fn agent_accepting(&self, agent_id: &str) -> DbResult<Option<bool>> {
        self.read(|connection| {
            let accepting = connection
                .prepare_cached("SELECT accepting FROM agent_status WHERE agent_id = ?1")?.query_row(params![agent_id], |row| row.get(0))
                .optional()?;
            Ok(accepting)
        })
    }

    fn set_agent_accepting(&self, agent_id: &str, accepting: bool) -> DbResult<()> {
        self.write(|tx| {
            tx.prepare_cached("INSERT INTO agent_status (agent_id, accepting) VALUES (?1, ?2)
                 ON CONFLICT (agent_id) DO UPDATE SET accepting = excluded.accepting")?.execute(params![agent_id, accepting],
            )?;
            Ok(())
        })
    }
}

#[cfg(test)]
mod plans;
