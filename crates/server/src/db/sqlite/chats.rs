//! Chats and their threads: opening a chat or a new thread in it, closing a thread, the
//! group a chat belongs to, the agents who took part, and the listings of chats.

use std::collections::HashMap;

use protocol::Event;
use rusqlite::{params, Connection, OptionalExtension};

use super::events::insert_event;
use crate::db::{ChatRow, DbResult, NewThread, Object, ThreadRow};

pub(super) fn start_chat(tx: &Connection, chat: &ChatRow, properties: &Object, thread: NewThread) -> DbResult<Vec<Event>> {
    tx.prepare_cached(
        "INSERT INTO chats (id, license_id, customer_id, created_at, group_id, properties) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![
        chat.id,
        chat.license_id as i64,
        chat.customer_id,
        thread.created_at,
        chat.group_id,
        serde_json::to_string(properties)?
    ])?;
    insert_thread(tx, &chat.id, thread)
}

pub(super) fn activate_chat(tx: &Connection, chat_id: &str, group_id: u32, thread: NewThread) -> DbResult<Vec<Event>> {
    set_chat_group(tx, chat_id, group_id)?;
    insert_thread(tx, chat_id, thread)
}

pub(super) fn set_chat_group(tx: &Connection, chat_id: &str, group_id: u32) -> DbResult<()> {
    tx.prepare_cached("UPDATE chats SET group_id = ?2 WHERE id = ?1")?.execute(params![chat_id, group_id])?;
    Ok(())
}

/// Closes the chat's open thread and adds `thread` with its events.
fn insert_thread(tx: &Connection, chat_id: &str, thread: NewThread) -> DbResult<Vec<Event>> {
    tx.prepare_cached("UPDATE threads SET active = 0 WHERE chat_id = ?1")?.execute(params![chat_id])?;
    tx.prepare_cached("INSERT INTO threads (id, chat_id, active, created_at, properties) VALUES (?1, ?2, ?3, ?4, ?5)")?
        .execute(params![thread.id, chat_id, thread.active, thread.created_at, serde_json::to_string(&thread.properties)?])?;
    thread.events.into_iter().map(|event| insert_event(tx, chat_id, &thread.id, event)).collect()
}

/// Closes a thread and stores the event that says so.
pub(super) fn close_thread(tx: &Connection, chat_id: &str, thread_id: &str, event: Event) -> DbResult<Event> {
    tx.prepare_cached("UPDATE threads SET active = 0 WHERE id = ?1")?.execute(params![thread_id])?;
    insert_event(tx, chat_id, thread_id, event)
}

pub(super) fn chat(connection: &Connection, chat_id: &str) -> DbResult<Option<ChatRow>> {
    Ok(connection
        .prepare_cached("SELECT id, license_id, customer_id, group_id FROM chats WHERE id = ?1")?
        .query_row(params![chat_id], chat_row)
        .optional()?)
}

/// The chats that meet `condition` (on `chats`, with `?1` bound to `value`), newest
/// thread first.
pub(super) fn chats_where(connection: &Connection, condition: &str, value: String) -> DbResult<Vec<ChatRow>> {
    let sql = format!(
        "SELECT chats.id, chats.license_id, chats.customer_id, chats.group_id FROM chats
                 LEFT JOIN threads ON threads.chat_id = chats.id
                 WHERE {condition} GROUP BY chats.id ORDER BY max(threads.seq) DESC"
    );
    let mut statement = connection.prepare_cached(&sql)?;
    let rows = statement.query_map(params![value], chat_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

fn chat_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<ChatRow> {
    Ok(ChatRow { id: row.get(0)?, license_id: row.get::<_, i64>(1)? as u64, customer_id: row.get(2)?, group_id: row.get(3)? })
}

pub(super) fn threads(connection: &Connection, chat_id: &str) -> DbResult<Vec<ThreadRow>> {
    let mut statement =
        connection.prepare_cached("SELECT id, chat_id, active, created_at FROM threads WHERE chat_id = ?1 ORDER BY seq")?;
    let rows = statement.query_map(params![chat_id], |row| {
        Ok(ThreadRow { id: row.get(0)?, chat_id: row.get(1)?, active: row.get(2)?, created_at: row.get(3)? })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub(super) fn chat_agents(connection: &Connection, chat_id: &str) -> DbResult<Vec<String>> {
    let mut statement = connection.prepare_cached("SELECT agent_id FROM chat_agents WHERE chat_id = ?1 ORDER BY rowid")?;
    let rows = statement.query_map(params![chat_id], |row| row.get(0))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub(super) fn remove_chat_agent(tx: &Connection, chat_id: &str, agent_id: &str) -> DbResult<bool> {
    let removed =
        tx.prepare_cached("DELETE FROM chat_agents WHERE chat_id = ?1 AND agent_id = ?2")?.execute(params![chat_id, agent_id])?;
    Ok(removed > 0)
}

pub(super) fn add_chat_agent(tx: &Connection, chat_id: &str, agent_id: &str) -> DbResult<bool> {
    let added = tx
        .prepare_cached("INSERT OR IGNORE INTO chat_agents (chat_id, agent_id) VALUES (?1, ?2)")?
        .execute(params![chat_id, agent_id])?;
    Ok(added > 0)
}

pub(super) fn active_chats_per_agent(connection: &Connection, license_id: u64) -> DbResult<HashMap<String, u32>> {
    let mut statement = connection.prepare_cached(
        "SELECT chat_agents.agent_id, count(*) FROM chat_agents
                 JOIN chats ON chats.id = chat_agents.chat_id
                 JOIN threads ON threads.chat_id = chats.id AND threads.active = 1
                 WHERE chats.license_id = ?1 GROUP BY chat_agents.agent_id",
    )?;
    let rows = statement.query_map(params![license_id as i64], |row| Ok((row.get(0)?, row.get::<_, i64>(1)? as u32)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}
