//! Events and read markers on PostgreSQL (see `sqlite/events.rs`). Appending takes the
//! thread's row lock first, so events of one thread are numbered, counted and checked for
//! duplicates one at a time however many nodes write to it.

use protocol::Event;
use super::conn::Db;

use crate::db::{Appended, DbResult, MAX_THREAD_BYTES, MAX_THREAD_EVENTS};

/// The newest time any event was stamped with.
pub(super) async fn latest_timestamp(client: &Db<'_>) -> DbResult<Option<String>> {
    Ok(client.query_one("SELECT max(created_at) FROM events", &[]).await?.get(0))
}

/// Stores an event with the next id of its thread (`<thread_id>_<n>`).
pub(super) async fn insert_event(tx: &Db<'_>, chat_id: &str, thread_id: &str, mut event: Event) -> DbResult<Event> {
    // Numbered in its thread from 1; the id is part of the body, so the counter moves first
    // and the size is added once the body is known.
    let number: i64 =
        tx.query_one("UPDATE threads SET event_count = event_count + 1 WHERE id = $1 RETURNING event_count", &[&thread_id]).await?.get(0);
    event.id = Some(format!("{thread_id}_{number}"));
    let created_at = event.created_at.clone().unwrap_or_default();
    let body = serde_json::to_string(&event)?;
    tx.execute("UPDATE threads SET event_bytes = event_bytes + $2 WHERE id = $1", &[&thread_id, &(body.len() as i64)]).await?;
    tx.execute(
        "INSERT INTO events (id, chat_id, thread_id, author_id, custom_id, created_at, body) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        &[&event.id, &chat_id, &thread_id, &event.author_id, &event.custom_id, &created_at, &body],
    )
    .await?;
    Ok(event)
}

/// Stores an event unless its author already stored one with its `custom_id` in this chat,
/// or (for events with an author) the thread is full.
pub(super) async fn append_event(tx: &Db<'_>, chat_id: &str, thread_id: &str, event: Event) -> DbResult<Appended> {
    // The thread's row, locked until the commit: the check for a duplicate and the insert
    // cannot interleave with another node's append to this thread.
    let counts = tx.query_opt("SELECT event_count, event_bytes FROM threads WHERE id = $1 FOR UPDATE", &[&thread_id]).await?;
    if let (Some(custom_id), Some(author_id)) = (&event.custom_id, &event.author_id) {
        let existing =
            tx.query_opt("SELECT body FROM events WHERE chat_id = $1 AND author_id = $2 AND custom_id = $3", &[&chat_id, author_id, custom_id]).await?;
        if let Some(row) = existing {
            return Ok(Appended::Duplicate(serde_json::from_str(row.get(0))?));
        }
    }
    if event.author_id.is_some() {
        let (n_events, n_bytes): (i64, i64) = counts.map(|row| (row.get(0), row.get(1))).unwrap_or_default();
        let size = serde_json::to_string(&event)?.len() as i64;
        if n_events >= MAX_THREAD_EVENTS as i64 || n_bytes + size > MAX_THREAD_BYTES as i64 {
            return Ok(Appended::Full);
        }
    }
    let stored = insert_event(tx, chat_id, thread_id, event).await?;
    // Writing counts as having seen everything in the chat so far.
    if let (Some(author_id), Some(created_at)) = (&stored.author_id, &stored.created_at) {
        mark_seen(tx, chat_id, author_id, created_at).await?;
    }
    Ok(Appended::Stored(stored))
}

pub(super) async fn events(client: &Db<'_>, thread_id: &str) -> DbResult<Vec<Event>> {
    let rows = client.query("SELECT body FROM events WHERE thread_id = $1 ORDER BY seq", &[&thread_id]).await?;
    rows.iter().map(|row| Ok(serde_json::from_str(row.get(0))?)).collect()
}

pub(super) async fn event(client: &Db<'_>, id: &str) -> DbResult<Option<(String, String, Event)>> {
    let row = client.query_opt("SELECT chat_id, thread_id, body FROM events WHERE id = $1", &[&id]).await?;
    row.map(|row| Ok((row.get(0), row.get(1), serde_json::from_str(row.get(2))?))).transpose()
}

pub(super) async fn replace_event(tx: &Db<'_>, event: &Event) -> DbResult<()> {
    let id = event.id.clone().unwrap_or_default();
    tx.execute("UPDATE events SET body = $2 WHERE id = $1", &[&id, &serde_json::to_string(event)?]).await?;
    Ok(())
}

pub(super) async fn last_event_per_type(client: &Db<'_>, chat_id: &str, with_notes: bool) -> DbResult<Vec<(String, Event)>> {
    let rows = client
        .query(
            "SELECT thread_id, body FROM events WHERE seq IN
               (SELECT max(seq) FROM events WHERE chat_id = $1
                  AND ($2 OR coalesce(body::jsonb ->> 'recipients', 'all') != 'agents')
                GROUP BY body::jsonb ->> 'type')
             ORDER BY seq",
            &[&chat_id, &with_notes],
        )
        .await?;
    rows.iter().map(|row| Ok((row.get(0), serde_json::from_str(row.get(1))?))).collect()
}

/// Moves a read marker forward (never back) and returns the one now stored.
pub(super) async fn mark_seen(tx: &Db<'_>, chat_id: &str, user_id: &str, seen_up_to: &str) -> DbResult<String> {
    let row = tx
        .query_one(
            "INSERT INTO seen (chat_id, user_id, seen_up_to) VALUES ($1, $2, $3)
             ON CONFLICT (chat_id, user_id) DO UPDATE SET seen_up_to = GREATEST(seen.seen_up_to, excluded.seen_up_to)
             RETURNING seen_up_to",
            &[&chat_id, &user_id, &seen_up_to],
        )
        .await?;
    Ok(row.get(0))
}

pub(super) async fn seen_up_to(client: &Db<'_>, chat_id: &str, user_id: &str) -> DbResult<Option<String>> {
    let row = client.query_opt("SELECT seen_up_to FROM seen WHERE chat_id = $1 AND user_id = $2", &[&chat_id, &user_id]).await?;
    Ok(row.map(|row| row.get(0)))
}

pub(super) async fn has_unread(client: &Db<'_>, chat_id: &str, user_id: &str) -> DbResult<bool> {
    let row = client
        .query_one(
            "SELECT EXISTS (SELECT 1 FROM events WHERE chat_id = $1 AND coalesce(author_id, '') != $2
                 AND coalesce(body::jsonb ->> 'recipients', 'all') != 'agents'
                 AND created_at > coalesce((SELECT seen_up_to FROM seen WHERE chat_id = $1 AND user_id = $2), ''))",
            &[&chat_id, &user_id],
        )
        .await?;
    Ok(row.get(0))
}
