//! Properties of chats, threads and events: the first two in a column of their own, an
//! event's inside its stored JSON.

use super::conn::Db;

use crate::db::{DbResult, Object, PropertyTarget};

pub(super) async fn properties(client: &Db<'_>, target: PropertyTarget<'_>) -> DbResult<Object> {
    let (sql, id) = match target {
        PropertyTarget::Chat(id) => ("SELECT properties FROM chats WHERE id = $1", id),
        PropertyTarget::Thread(id) => ("SELECT properties FROM threads WHERE id = $1", id),
        PropertyTarget::Event(id) => {
            let row = client.query_opt("SELECT body FROM events WHERE id = $1", &[&id]).await?;
            let body: Option<&str> = row.as_ref().map(|row| row.try_get(0)).transpose()?;
            let event: Option<protocol::Event> = body.map(serde_json::from_str).transpose()?;
            return Ok(event.and_then(|event| event.properties).unwrap_or_default());
        }
    };
    let row = client.query_opt(sql, &[&id]).await?;
    let text: Option<&str> = row.as_ref().map(|row| row.try_get(0)).transpose()?;
    Ok(text.map(serde_json::from_str).transpose()?.unwrap_or_default())
}

/// Replaces the properties; `text` is `properties` as stored in a chat's or thread's column.
/// An event's body is read under a row lock, so a concurrent change to it is not lost.
pub(super) async fn set_properties(client: &Db<'_>, target: PropertyTarget<'_>, properties: &Object, text: &str) -> DbResult<()> {
    match target {
        PropertyTarget::Chat(id) => client.execute("UPDATE chats SET properties = $2 WHERE id = $1", &[&id, &text]).await?,
        PropertyTarget::Thread(id) => client.execute("UPDATE threads SET properties = $2 WHERE id = $1", &[&id, &text]).await?,
        PropertyTarget::Event(id) => {
            let row = client.query_one("SELECT body FROM events WHERE id = $1 FOR UPDATE", &[&id]).await?;
            let mut event: protocol::Event = serde_json::from_str(row.try_get(0)?)?;
            event.properties = (!properties.is_empty()).then(|| properties.clone());
            client.execute("UPDATE events SET body = $2 WHERE id = $1", &[&id, &serde_json::to_string(&event)?]).await?
        }
    };
    Ok(())
}
