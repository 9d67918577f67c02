//! Chats and their threads on PostgreSQL (see `sqlite/chats.rs`).

use std::collections::HashMap;

use protocol::Event;
use tokio_postgres::Row;

use super::conn::Db;

use super::events::insert_event;
use crate::db::{ChatRow, DbResult, NewThread, Object, ThreadRow};

pub(super) async fn start_chat(tx: &Db<'_>, chat: &ChatRow, properties: &Object, thread: NewThread) -> DbResult<Vec<Event>> {
    tx.execute(
        "INSERT INTO chats (id, license_id, customer_id, created_at, group_id, properties) VALUES ($1, $2, $3, $4, $5, $6)",
        &[&chat.id, &(chat.license_id as i64), &chat.customer_id, &thread.created_at, &i64::from(chat.group_id), &serde_json::to_string(properties)?],
    )
    .await?;
    insert_thread(tx, &chat.id, thread).await
}

pub(super) async fn activate_chat(tx: &Db<'_>, chat_id: &str, group_id: u32, thread: NewThread) -> DbResult<Vec<Event>> {
    set_chat_group(tx, chat_id, group_id).await?;
    insert_thread(tx, chat_id, thread).await
}

pub(super) async fn set_chat_group(tx: &Db<'_>, chat_id: &str, group_id: u32) -> DbResult<()> {
    tx.execute("UPDATE chats SET group_id = $2 WHERE id = $1", &[&chat_id, &i64::from(group_id)]).await?;
    Ok(())
}

/// Closes the chat's open thread and adds `thread` with its events.
async fn insert_thread(tx: &Db<'_>, chat_id: &str, thread: NewThread) -> DbResult<Vec<Event>> {
    tx.execute("UPDATE threads SET active = FALSE WHERE chat_id = $1 AND active", &[&chat_id]).await?;
    tx.execute(
        "INSERT INTO threads (id, chat_id, active, created_at, properties) VALUES ($1, $2, $3, $4, $5)",
        &[&thread.id, &chat_id, &thread.active, &thread.created_at, &serde_json::to_string(&thread.properties)?],
    )
    .await?;
    let mut stored = Vec::with_capacity(thread.events.len());
    for event in thread.events {
        stored.push(insert_event(tx, chat_id, &thread.id, event).await?);
    }
    Ok(stored)
}

/// Closes a thread and stores the event that says so.
pub(super) async fn close_thread(tx: &Db<'_>, chat_id: &str, thread_id: &str, event: Event) -> DbResult<Event> {
    tx.execute("UPDATE threads SET active = FALSE WHERE id = $1", &[&thread_id]).await?;
    insert_event(tx, chat_id, thread_id, event).await
}

pub(super) async fn chat(client: &Db<'_>, chat_id: &str) -> DbResult<Option<ChatRow>> {
    let row = client.query_opt("SELECT id, license_id, customer_id, group_id FROM chats WHERE id = $1", &[&chat_id]).await?;
    Ok(row.as_ref().map(chat_row))
}

/// The chats with any thread, and those without, newest thread first (as on SQLite, where
/// a chat with no thread sorts last).
const CHATS: &str = "SELECT chats.id, chats.license_id, chats.customer_id, chats.group_id FROM chats
    LEFT JOIN threads ON threads.chat_id = chats.id";
const NEWEST_FIRST: &str = "GROUP BY chats.id ORDER BY max(threads.seq) DESC NULLS LAST";

pub(super) async fn chats_of_customer(client: &Db<'_>, customer_id: &str) -> DbResult<Vec<ChatRow>> {
    let rows = client.query(&format!("{CHATS} WHERE chats.customer_id = $1 {NEWEST_FIRST}"), &[&customer_id]).await?;
    Ok(rows.iter().map(chat_row).collect())
}

pub(super) async fn chats_of_license(client: &Db<'_>, license_id: u64) -> DbResult<Vec<ChatRow>> {
    let rows = client.query(&format!("{CHATS} WHERE chats.license_id = $1 {NEWEST_FIRST}"), &[&(license_id as i64)]).await?;
    Ok(rows.iter().map(chat_row).collect())
}

fn chat_row(row: &Row) -> ChatRow {
    ChatRow { id: row.get(0), license_id: row.get::<_, i64>(1) as u64, customer_id: row.get(2), group_id: row.get::<_, i64>(3) as u32 }
}

pub(super) async fn threads(client: &Db<'_>, chat_id: &str) -> DbResult<Vec<ThreadRow>> {
    let rows = client.query("SELECT id, chat_id, active, created_at FROM threads WHERE chat_id = $1 ORDER BY seq", &[&chat_id]).await?;
    Ok(rows.iter().map(|row| ThreadRow { id: row.get(0), chat_id: row.get(1), active: row.get(2), created_at: row.get(3) }).collect())
}

pub(super) async fn chat_agents(client: &Db<'_>, chat_id: &str) -> DbResult<Vec<String>> {
    let rows = client.query("SELECT agent_id FROM chat_agents WHERE chat_id = $1 ORDER BY seq", &[&chat_id]).await?;
    Ok(rows.iter().map(|row| row.get(0)).collect())
}

pub(super) async fn remove_chat_agent(tx: &Db<'_>, chat_id: &str, agent_id: &str) -> DbResult<bool> {
    Ok(tx.execute("DELETE FROM chat_agents WHERE chat_id = $1 AND agent_id = $2", &[&chat_id, &agent_id]).await? > 0)
}

pub(super) async fn add_chat_agent(tx: &Db<'_>, chat_id: &str, agent_id: &str) -> DbResult<bool> {
    let added = tx.execute("INSERT INTO chat_agents (chat_id, agent_id) VALUES ($1, $2) ON CONFLICT DO NOTHING", &[&chat_id, &agent_id]).await?;
    Ok(added > 0)
}

pub(super) async fn active_chats_per_agent(client: &Db<'_>, license_id: u64) -> DbResult<HashMap<String, u32>> {
    let rows = client
        .query(
            "SELECT chat_agents.agent_id, count(*) FROM chat_agents
             JOIN chats ON chats.id = chat_agents.chat_id
             JOIN threads ON threads.chat_id = chats.id AND threads.active
             WHERE chats.license_id = $1 GROUP BY chat_agents.agent_id",
            &[&(license_id as i64)],
        )
        .await?;
    Ok(rows.iter().map(|row| (row.get(0), row.get::<_, i64>(1) as u32)).collect())
}
