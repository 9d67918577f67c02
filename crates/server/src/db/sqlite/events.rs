//! Events and read markers: storing an event under the next id of its thread (once per
//! `custom_id`, within the thread's limits), reading and rewriting stored events, the
//! newest event of each type, and how far each user has read.

use protocol::Event;
use rusqlite::{params, Connection, OptionalExtension};

use crate::db::{Appended, DbResult, MAX_THREAD_BYTES, MAX_THREAD_EVENTS};

/// The newest time any event was stamped with.
pub(super) fn latest_timestamp(connection: &Connection) -> DbResult<Option<String>> {
    Ok(connection.prepare_cached("SELECT max(created_at) FROM events")?.query_row([], |row| row.get(0))?)
}

/// Stores an event with the next id of its thread (`<thread_id>_<n>`).
pub(super) fn insert_event(tx: &Connection, chat_id: &str, thread_id: &str, mut event: Event) -> DbResult<Event> {
    // Numbered in its thread from 1; the id is part of the body, so the counter moves first
    // and the size is added once the body is known.
    let number: i64 = tx
        .prepare_cached("UPDATE threads SET event_count = event_count + 1 WHERE id = ?1 RETURNING event_count")?
        .query_row(params![thread_id], |row| row.get(0))?;
    event.id = Some(format!("{thread_id}_{number}"));
    let created_at = event.created_at.clone().unwrap_or_default();
    let body = serde_json::to_string(&event)?;
    tx.prepare_cached("UPDATE threads SET event_bytes = event_bytes + ?2 WHERE id = ?1")?.execute(params![thread_id, body.len() as i64])?;
    tx.prepare_cached(
        "INSERT INTO events (id, chat_id, thread_id, author_id, custom_id, created_at, body)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![event.id, chat_id, thread_id, event.author_id, event.custom_id, created_at, body])?;
    Ok(event)
}

/// Stores an event unless its author already stored one with its `custom_id` in this chat,
/// or (for events with an author) the thread is full.
pub(super) fn append_event(tx: &Connection, chat_id: &str, thread_id: &str, event: Event) -> DbResult<Appended> {
    if let (Some(custom_id), Some(author_id)) = (&event.custom_id, &event.author_id) {
        let existing: Option<String> = tx
            .prepare_cached("SELECT body FROM events WHERE chat_id = ?1 AND author_id = ?2 AND custom_id = ?3")?
            .query_row(params![chat_id, author_id, custom_id], |row| row.get(0))
            .optional()?;
        if let Some(body) = existing {
            return Ok(Appended::Duplicate(serde_json::from_str(&body)?));
        }
    }
    if event.author_id.is_some() {
        let (n_events, n_bytes): (i64, i64) = tx
            .prepare_cached("SELECT event_count, event_bytes FROM threads WHERE id = ?1")?
            .query_row(params![thread_id], |row| Ok((row.get(0)?, row.get(1)?)))
            .optional()?
            .unwrap_or_default();
        let size = serde_json::to_string(&event)?.len() as i64;
        if n_events >= MAX_THREAD_EVENTS as i64 || n_bytes + size > MAX_THREAD_BYTES as i64 {
            return Ok(Appended::Full);
        }
    }
    let stored = insert_event(tx, chat_id, thread_id, event)?;
    // Writing counts as having seen everything in the chat so far: the author's read
    // marker moves in the same transaction.
    if let (Some(author_id), Some(created_at)) = (&stored.author_id, &stored.created_at) {
        mark_seen(tx, chat_id, author_id, created_at)?;
    }
    Ok(Appended::Stored(stored))
}

pub(super) fn events(connection: &Connection, thread_id: &str) -> DbResult<Vec<Event>> {
    let mut statement = connection.prepare_cached("SELECT body FROM events WHERE thread_id = ?1 ORDER BY seq")?;
    let bodies = statement.query_map(params![thread_id], |row| row.get::<_, String>(0))?;
    bodies.map(|body| Ok(serde_json::from_str(&body?)?)).collect()
}

pub(super) fn event(connection: &Connection, id: &str) -> DbResult<Option<(String, String, Event)>> {
    let row: Option<(String, String, String)> = connection
        .prepare_cached("SELECT chat_id, thread_id, body FROM events WHERE id = ?1")?
        .query_row(params![id], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))
        .optional()?;
    row.map(|(chat_id, thread_id, body)| Ok((chat_id, thread_id, serde_json::from_str(&body)?))).transpose()
}

pub(super) fn replace_event(tx: &Connection, event: &Event) -> DbResult<()> {
    let id = event.id.clone().unwrap_or_default();
    tx.prepare_cached("UPDATE events SET body = ?2 WHERE id = ?1")?.execute(params![id, serde_json::to_string(event)?])?;
    Ok(())
}

pub(super) fn last_event_per_type(connection: &Connection, chat_id: &str, with_notes: bool) -> DbResult<Vec<(String, Event)>> {
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
}

/// Moves a read marker forward (never back) and returns the one now stored.
pub(super) fn mark_seen(tx: &Connection, chat_id: &str, user_id: &str, seen_up_to: &str) -> DbResult<String> {
    tx.prepare_cached(
        "INSERT INTO seen (chat_id, user_id, seen_up_to) VALUES (?1, ?2, ?3)
                 ON CONFLICT (chat_id, user_id) DO UPDATE SET seen_up_to = max(seen_up_to, excluded.seen_up_to)",
    )?
    .execute(params![chat_id, user_id, seen_up_to])?;
    Ok(tx
        .prepare_cached("SELECT seen_up_to FROM seen WHERE chat_id = ?1 AND user_id = ?2")?
        .query_row(params![chat_id, user_id], |row| row.get(0))?)
}

pub(super) fn seen_up_to(connection: &Connection, chat_id: &str, user_id: &str) -> DbResult<Option<String>> {
    Ok(connection
        .prepare_cached("SELECT seen_up_to FROM seen WHERE chat_id = ?1 AND user_id = ?2")?
        .query_row(params![chat_id, user_id], |row| row.get(0))
        .optional()?)
}

pub(super) fn has_unread(connection: &Connection, chat_id: &str, user_id: &str) -> DbResult<bool> {
    Ok(connection
        .prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM events WHERE chat_id = ?1 AND coalesce(author_id, '') != ?2
                 AND coalesce(json_extract(body, '$.recipients'), 'all') != 'agents'
                 AND created_at > coalesce((SELECT seen_up_to FROM seen WHERE chat_id = ?1 AND user_id = ?2), ''))",
        )?
        .query_row(params![chat_id, user_id], |row| row.get(0))?)
}
