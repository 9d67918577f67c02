//! The PostgreSQL schema: the same tables as SQLite's (`sqlite/schema.rs`), with integers
//! as `bigint`, flags as `boolean`, JSON kept as text like SQLite keeps it, and the
//! archive's words in a `tsvector` column that PostgreSQL fills from each event's body
//! (split at punctuation as well as spaces, lowercased, accents folded,
//! as SQLite's tokenizer does).
//! Versions apply in order, each in a transaction of its own, under an advisory lock so
//! that nodes starting together migrate once.

use tokio_postgres::Client;

use crate::db::DbResult;

/// Schema versions, applied in order; `schema_version` records how many ran.
const MIGRATIONS: &[&str] = &[
    // 1: everything SQLite's fifteen versions built. The archive's words go through a
    // text-search configuration that lowercases and folds accents (`unaccent`, a trusted
    // extension that ships with PostgreSQL), as SQLite's tokenizer does.
    "CREATE EXTENSION IF NOT EXISTS unaccent;
    CREATE TEXT SEARCH CONFIGURATION chat_words (COPY = simple);
    ALTER TEXT SEARCH CONFIGURATION chat_words
        ALTER MAPPING FOR word, numword, hword, numhword, hword_part, hword_numpart WITH unaccent, simple;
    CREATE TABLE customers (
        id TEXT PRIMARY KEY,
        license_id BIGINT NOT NULL,
        secret_hash TEXT NOT NULL,
        name TEXT,
        email TEXT,
        avatar TEXT,
        visits BIGINT NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL,
        session_fields TEXT NOT NULL DEFAULT '[]',
        page_url TEXT,
        page_title TEXT,
        page_views BIGINT NOT NULL DEFAULT 0,
        banned BOOLEAN NOT NULL DEFAULT FALSE,
        verification TEXT
    );
    CREATE TABLE access_tokens (
        token_hash TEXT PRIMARY KEY,
        customer_id TEXT NOT NULL REFERENCES customers(id),
        license_id BIGINT NOT NULL,
        expires_at BIGINT NOT NULL
    );
    CREATE INDEX access_tokens_by_expiry ON access_tokens(expires_at);
    CREATE INDEX access_tokens_by_customer ON access_tokens(customer_id);
    CREATE TABLE chats (
        id TEXT PRIMARY KEY,
        license_id BIGINT NOT NULL,
        customer_id TEXT NOT NULL REFERENCES customers(id),
        created_at TEXT NOT NULL,
        properties TEXT NOT NULL DEFAULT '{}',
        group_id BIGINT NOT NULL DEFAULT 0
    );
    CREATE INDEX chats_by_customer ON chats(customer_id);
    CREATE INDEX chats_by_license ON chats(license_id);
    CREATE TABLE chat_agents (
        seq BIGSERIAL UNIQUE,
        chat_id TEXT NOT NULL REFERENCES chats(id),
        agent_id TEXT NOT NULL,
        PRIMARY KEY (chat_id, agent_id)
    );
    CREATE TABLE threads (
        seq BIGSERIAL PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        chat_id TEXT NOT NULL REFERENCES chats(id),
        active BOOLEAN NOT NULL,
        created_at TEXT NOT NULL,
        properties TEXT NOT NULL DEFAULT '{}',
        event_count BIGINT NOT NULL DEFAULT 0,
        event_bytes BIGINT NOT NULL DEFAULT 0
    );
    CREATE INDEX threads_by_chat ON threads(chat_id, seq);
    CREATE INDEX threads_by_time ON threads(created_at);
    CREATE TABLE events (
        seq BIGSERIAL PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        chat_id TEXT NOT NULL REFERENCES chats(id),
        thread_id TEXT NOT NULL REFERENCES threads(id),
        author_id TEXT,
        custom_id TEXT,
        created_at TEXT NOT NULL,
        body TEXT NOT NULL,
        words TSVECTOR GENERATED ALWAYS AS
            (to_tsvector('chat_words', regexp_replace(coalesce(body::jsonb ->> 'text', body::jsonb ->> 'name', ''), '[[:punct:]]+', ' ', 'g')))
            STORED
    );
    CREATE INDEX events_by_thread ON events(thread_id, seq);
    CREATE UNIQUE INDEX events_by_custom_id ON events(chat_id, author_id, custom_id) WHERE custom_id IS NOT NULL;
    CREATE INDEX events_by_chat ON events(chat_id, seq);
    CREATE INDEX events_by_chat_time ON events(chat_id, created_at);
    CREATE INDEX events_words ON events USING gin(words);
    CREATE TABLE seen (
        chat_id TEXT NOT NULL REFERENCES chats(id),
        user_id TEXT NOT NULL,
        seen_up_to TEXT NOT NULL,
        PRIMARY KEY (chat_id, user_id)
    );
    CREATE TABLE greetings (
        seq BIGSERIAL UNIQUE,
        unique_id TEXT PRIMARY KEY,
        license_id BIGINT NOT NULL,
        customer_id TEXT NOT NULL REFERENCES customers(id),
        greeting_id BIGINT NOT NULL,
        agent_id TEXT NOT NULL,
        text TEXT NOT NULL,
        state TEXT NOT NULL,
        created_at TEXT NOT NULL
    );
    CREATE INDEX greetings_by_customer ON greetings(customer_id);
    CREATE TABLE uploads (
        id TEXT PRIMARY KEY,
        license_id BIGINT NOT NULL,
        customer_id TEXT NOT NULL REFERENCES customers(id),
        name TEXT NOT NULL,
        content_type TEXT NOT NULL,
        size BIGINT NOT NULL,
        width BIGINT,
        height BIGINT,
        url TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        used BOOLEAN NOT NULL DEFAULT FALSE,
        by_agent BOOLEAN NOT NULL DEFAULT FALSE
    );
    CREATE INDEX uploads_unused_by_age ON uploads(created_at) WHERE NOT used;
    CREATE INDEX uploads_by_customer ON uploads(customer_id);
    CREATE TABLE queue (
        seq BIGSERIAL PRIMARY KEY,
        chat_id TEXT NOT NULL UNIQUE REFERENCES chats(id),
        license_id BIGINT NOT NULL,
        group_id BIGINT NOT NULL,
        thread_id TEXT NOT NULL,
        customer_id TEXT NOT NULL,
        queued_at TEXT NOT NULL,
        agent_ids TEXT NOT NULL DEFAULT '[]'
    );
    CREATE INDEX queue_by_license ON queue(license_id, seq);
    CREATE TABLE agent_status (
        agent_id TEXT PRIMARY KEY,
        accepting BOOLEAN NOT NULL
    );
    CREATE TABLE thread_tags (
        seq BIGSERIAL UNIQUE,
        thread_id TEXT NOT NULL REFERENCES threads(id),
        tag TEXT NOT NULL,
        PRIMARY KEY (thread_id, tag)
    );
    CREATE INDEX thread_tags_by_tag ON thread_tags(tag);
    CREATE TABLE canned_responses (
        id BIGSERIAL PRIMARY KEY,
        license_id BIGINT NOT NULL,
        text TEXT NOT NULL,
        tags TEXT NOT NULL,
        created_by TEXT NOT NULL,
        modified_at TEXT NOT NULL
    );
    CREATE INDEX canned_responses_by_license ON canned_responses(license_id);
    CREATE TABLE customer_pages (
        seq BIGSERIAL PRIMARY KEY,
        customer_id TEXT NOT NULL REFERENCES customers(id),
        url TEXT NOT NULL,
        title TEXT,
        opened_at TEXT NOT NULL
    );
    CREATE INDEX customer_pages_by_customer ON customer_pages(customer_id, seq);
    CREATE TABLE accounts (
        agent_id TEXT PRIMARY KEY,
        license_id BIGINT NOT NULL,
        role TEXT NOT NULL,
        password_hash TEXT,
        created_at TEXT NOT NULL
    );
    CREATE TABLE agent_sessions (
        token_hash TEXT PRIMARY KEY,
        agent_id TEXT NOT NULL REFERENCES accounts(agent_id),
        created_at BIGINT NOT NULL,
        expires_at BIGINT NOT NULL
    );
    CREATE INDEX agent_sessions_by_agent ON agent_sessions(agent_id);
    CREATE INDEX agent_sessions_by_expiry ON agent_sessions(expires_at);
    CREATE TABLE api_tokens (
        id BIGSERIAL PRIMARY KEY,
        token_hash TEXT NOT NULL UNIQUE,
        license_id BIGINT NOT NULL,
        agent_id TEXT NOT NULL,
        name TEXT NOT NULL,
        created_by TEXT NOT NULL,
        created_at TEXT NOT NULL,
        expires_at BIGINT,
        revoked_at TEXT,
        last_used_at TEXT
    );
    CREATE INDEX api_tokens_by_license ON api_tokens(license_id, id);
    CREATE TABLE queue_waits (
        seq BIGSERIAL PRIMARY KEY,
        thread_id TEXT NOT NULL REFERENCES threads(id),
        license_id BIGINT NOT NULL,
        queued_at TEXT NOT NULL,
        left_at TEXT NOT NULL
    );
    CREATE INDEX queue_waits_by_time ON queue_waits(license_id, queued_at);
    CREATE TABLE license_settings (
        license_id BIGINT PRIMARY KEY,
        settings TEXT NOT NULL,
        seed_digest TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    CREATE TABLE cluster_name (one BIGINT PRIMARY KEY CHECK (one = 1), name TEXT NOT NULL);",
];

/// Any number the nodes agree on names the lock that migrations take.
const MIGRATION_LOCK: i64 = 0x6c69_7665_6368_6174;

/// Applies, each in a transaction of its own, the versions the database has not run.
pub(super) async fn migrate(client: &mut Client) -> DbResult<()> {
    for (version, sql) in MIGRATIONS.iter().enumerate() {
        let tx = client.transaction().await?;
        // Held until this transaction ends: a second node waits here, then sees the version.
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK]).await?;
        tx.batch_execute("CREATE TABLE IF NOT EXISTS schema_version (version BIGINT NOT NULL)").await?;
        let applied: i64 = tx.query_one("SELECT coalesce(max(version), 0) FROM schema_version", &[]).await?.get(0);
        if applied > version as i64 {
            continue;
        }
        tx.batch_execute(sql).await?;
        tx.execute("INSERT INTO schema_version (version) VALUES ($1)", &[&(version as i64 + 1)]).await?;
        tx.commit().await?;
    }
    Ok(())
}
