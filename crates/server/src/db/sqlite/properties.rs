//! Properties of chats, threads and events: the first two in a column of their own, an
//! event's inside its stored JSON.

use rusqlite::{params, Connection, OptionalExtension};

use crate::db::{DbResult, Object, PropertyTarget};

pub(super) fn properties(connection: &Connection, target: PropertyTarget<'_>) -> DbResult<Object> {
    let text: Option<String> = match target {
        PropertyTarget::Chat(id) => {
            connection.prepare_cached("SELECT properties FROM chats WHERE id = ?1")?.query_row(params![id], |row| row.get(0)).optional()?
        }
        PropertyTarget::Thread(id) => {
            connection.prepare_cached("SELECT properties FROM threads WHERE id = ?1")?.query_row(params![id], |row| row.get(0)).optional()?
        }
        PropertyTarget::Event(id) => {
            let body: Option<String> =
                connection.prepare_cached("SELECT body FROM events WHERE id = ?1")?.query_row(params![id], |row| row.get(0)).optional()?;
            let event: Option<protocol::Event> = body.map(|body| serde_json::from_str(&body)).transpose()?;
            return Ok(event.and_then(|event| event.properties).unwrap_or_default());
        }
    };
    Ok(text.map(|text| serde_json::from_str(&text)).transpose()?.unwrap_or_default())
}

/// Replaces the properties; `text` is `properties` as stored in a chat's or thread's column.
pub(super) fn set_properties(tx: &Connection, target: PropertyTarget<'_>, properties: &Object, text: &str) -> DbResult<()> {
    match target {
        PropertyTarget::Chat(id) => tx.prepare_cached("UPDATE chats SET properties = ?2 WHERE id = ?1")?.execute(params![id, text])?,
        PropertyTarget::Thread(id) => tx.prepare_cached("UPDATE threads SET properties = ?2 WHERE id = ?1")?.execute(params![id, text])?,
        PropertyTarget::Event(id) => {
            let body: String = tx.prepare_cached("SELECT body FROM events WHERE id = ?1")?.query_row(params![id], |row| row.get(0))?;
            let mut event: protocol::Event = serde_json::from_str(&body)?;
            event.properties = (!properties.is_empty()).then(|| properties.clone());
            tx.prepare_cached("UPDATE events SET body = ?2 WHERE id = ?1")?.execute(params![id, serde_json::to_string(&event)?])?
        }
    };
    Ok(())
}
