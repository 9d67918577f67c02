//! The database's schema: every version of it as the SQL that brings the previous one up
//! to date, and the step that applies the versions a database has not seen yet.

use rusqlite::Connection;

use crate::db::DbResult;

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
    // 10: what agents keep: a full-text index of the events' words (a message's text, a
    // file's name) kept by triggers, keyed by the event's seq; tags on threads; canned
    // responses with their shortcuts (a JSON array).
    "CREATE VIRTUAL TABLE events_text USING fts5(
        words, content='', contentless_delete=1, tokenize='unicode61 remove_diacritics 2'
    );
    INSERT INTO events_text (rowid, words)
        SELECT seq, coalesce(json_extract(body, '$.text'), json_extract(body, '$.name')) FROM events
        WHERE coalesce(json_extract(body, '$.text'), json_extract(body, '$.name')) IS NOT NULL;
    CREATE TRIGGER events_text_added AFTER INSERT ON events
    WHEN coalesce(json_extract(new.body, '$.text'), json_extract(new.body, '$.name')) IS NOT NULL BEGIN
        INSERT INTO events_text (rowid, words)
            VALUES (new.seq, coalesce(json_extract(new.body, '$.text'), json_extract(new.body, '$.name')));
    END;
    CREATE TRIGGER events_text_changed AFTER UPDATE OF body ON events BEGIN
        DELETE FROM events_text WHERE rowid = old.seq;
        INSERT INTO events_text (rowid, words)
            SELECT new.seq, coalesce(json_extract(new.body, '$.text'), json_extract(new.body, '$.name'))
            WHERE coalesce(json_extract(new.body, '$.text'), json_extract(new.body, '$.name')) IS NOT NULL;
    END;
    CREATE TRIGGER events_text_removed AFTER DELETE ON events BEGIN
        DELETE FROM events_text WHERE rowid = old.seq;
    END;
    CREATE TABLE thread_tags (
        thread_id TEXT NOT NULL REFERENCES threads(id),
        tag TEXT NOT NULL,
        PRIMARY KEY (thread_id, tag)
    );
    CREATE INDEX thread_tags_by_tag ON thread_tags(tag);
    CREATE TABLE canned_responses (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        license_id INTEGER NOT NULL,
        text TEXT NOT NULL,
        tags TEXT NOT NULL,
        created_by TEXT NOT NULL,
        modified_at TEXT NOT NULL
    );
    CREATE INDEX canned_responses_by_license ON canned_responses(license_id);",
    // 11: the pages each customer visited, newest kept (the agent's visitor panel).
    "CREATE TABLE customer_pages (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        customer_id TEXT NOT NULL REFERENCES customers(id),
        url TEXT NOT NULL,
        title TEXT,
        opened_at TEXT NOT NULL
    );
    CREATE INDEX customer_pages_by_customer ON customer_pages(customer_id, seq);",
    // 12: files an agent uploaded for a chat: kept and served like the visitor's, but not
    // theirs to count against their quota or to send as their own.
    "ALTER TABLE uploads ADD COLUMN by_agent INTEGER NOT NULL DEFAULT 0;",
    // 13: agents' accounts (role, password hash), the browser sessions they signed in with
    // and the API tokens programs sign in with; secrets only as digests.
    "CREATE TABLE accounts (
        agent_id TEXT PRIMARY KEY,
        license_id INTEGER NOT NULL,
        role TEXT NOT NULL,
        password_hash TEXT,
        created_at TEXT NOT NULL
    );
    CREATE TABLE agent_sessions (
        token_hash TEXT PRIMARY KEY,
        agent_id TEXT NOT NULL REFERENCES accounts(agent_id),
        created_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL
    );
    CREATE INDEX agent_sessions_by_agent ON agent_sessions(agent_id);
    CREATE INDEX agent_sessions_by_expiry ON agent_sessions(expires_at);
    CREATE TABLE api_tokens (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        token_hash TEXT NOT NULL UNIQUE,
        license_id INTEGER NOT NULL,
        agent_id TEXT NOT NULL,
        name TEXT NOT NULL,
        created_by TEXT NOT NULL,
        created_at TEXT NOT NULL,
        expires_at INTEGER,
        revoked_at TEXT,
        last_used_at TEXT
    );
    CREATE INDEX api_tokens_by_license ON api_tokens(license_id, id);",
    // 14: reports: threads by when they started, and each stay in the routing queue (a
    // queue row is deleted when the chat leaves it, so its times are kept here).
    "CREATE INDEX threads_by_time ON threads(created_at);
    CREATE TABLE queue_waits (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        thread_id TEXT NOT NULL REFERENCES threads(id),
        license_id INTEGER NOT NULL,
        queued_at TEXT NOT NULL,
        left_at TEXT NOT NULL
    );
    CREATE INDEX queue_waits_by_time ON queue_waits(license_id, queued_at);",
    // 15: each license's settings as administrators keep them (JSON), and the digest of
    // the configuration file's version they were last seeded from.
    "CREATE TABLE license_settings (
        license_id INTEGER PRIMARY KEY,
        settings TEXT NOT NULL,
        seed_digest TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );",
    // 16: the name nodes on this database share on the bus, chosen by the first one.
    "CREATE TABLE cluster_name (one INTEGER PRIMARY KEY CHECK (one = 1), name TEXT NOT NULL);",
];

/// Applies, each in a transaction of its own, the migrations the database has not run.
pub(super) fn migrate(connection: &mut Connection) -> DbResult<()> {
    let applied: usize = connection.pragma_query_value(None, "user_version", |row| row.get(0))?;
    for (version, sql) in MIGRATIONS.iter().enumerate().skip(applied) {
        let tx = connection.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", version + 1)?;
        tx.commit()?;
    }
    Ok(())
}
