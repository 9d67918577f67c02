//! Chat, thread and event properties, and the rating that lives in thread properties.
//!
//! Updates merge `{namespace: {name: value}}` into what is stored; deletes take
//! `{namespace: [name, ...]}`. Pushes carry only what changed. Setting or removing the
//! thread's `rating` also adds a system message, so both sides see it in the transcript.

use protocol::{ChatProperties, ErrorPayload, ErrorType, EventProperties, PropertiesChanged, Push, ThreadProperties};
use serde_json::Value;

use crate::actor::{agents_only, Actor};
use crate::errors::{not_found, validation, ApiResult};
use crate::hub::Peer;
use crate::db::{ChatRow, Object, PropertyTarget};
use crate::App;

/// Whether a request sets or deletes properties.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// Merge values in.
    Update,
    /// Remove names.
    Delete,
}

impl App {
    /// `update_chat_properties` / `delete_chat_properties`, the chat named `chat_id` or, from
    /// 3.3, `id`.
    pub(crate) fn chat_properties(&self, actor: &Actor<'_>, change: Change, request: &ChatProperties) -> ApiResult<()> {
        let chat_id = request.chat_id().ok_or_else(|| validation("chat_id is required"))?;
        self.change_properties(actor, change, chat_id, None, None, &request.properties)
    }

    /// `update_thread_properties` / `delete_thread_properties`.
    pub(crate) fn thread_properties(&self, actor: &Actor<'_>, change: Change, request: &ThreadProperties) -> ApiResult<()> {
        self.change_properties(actor, change, &request.chat_id, Some(&request.thread_id), None, &request.properties)
    }

    /// `update_event_properties` / `delete_event_properties`.
    pub(crate) fn event_properties(&self, actor: &Actor<'_>, change: Change, request: &EventProperties) -> ApiResult<()> {
        let (chat_id, thread_id, event_id) = (&request.chat_id, Some(request.thread_id.as_str()), Some(request.event_id.as_str()));
        self.change_properties(actor, change, chat_id, thread_id, event_id, &request.properties)
    }

    /// Applies a property change to a chat (`thread_id`, `event_id` absent), a thread or an
    /// event, then pushes it to everyone in the chat.
    pub(crate) fn change_properties(
        &self,
        actor: &Actor<'_>,
        change: Change,
        chat_id: &str,
        thread_id: Option<&str>,
        event_id: Option<&str>,
        properties: &Object,
    ) -> ApiResult<()> {
        let row = self.accessible_chat(actor, chat_id)?;
        let threads = self.db.threads(&row.id)?;
        if let Some(thread_id) = thread_id {
            if !threads.iter().any(|thread| thread.id == thread_id) {
                return Err(not_found("thread"));
            }
        }
        // Properties of an agents' internal note stay with the agents.
        let mut note = false;
        let target = match (thread_id, event_id) {
            (_, Some(event_id)) => {
                let (event_chat, event_thread, event) = self.db.event(event_id)?.ok_or_else(|| not_found("event"))?;
                note = agents_only(&event);
                if event_chat != row.id || thread_id.is_some_and(|thread_id| thread_id != event_thread) || (note && !matches!(actor.peer, Peer::Agent(_))) {
                    return Err(not_found("event"));
                }
                PropertyTarget::Event(event_id)
            }
            (Some(thread_id), None) => PropertyTarget::Thread(thread_id),
            (None, None) => PropertyTarget::Chat(&row.id),
        };
        let mut stored = self.db.properties(target)?;
        match change {
            Change::Update => merge(&mut stored, properties)?,
            Change::Delete => remove(&mut stored, properties)?,
        }
        check_size(Some(&stored))?;
        self.db.set_properties(target, &stored)?;

        let payload = PropertiesChanged {
            chat_id: row.id.clone(),
            thread_id: thread_id.map(str::to_owned),
            event_id: event_id.map(str::to_owned),
            properties: properties.clone(),
        };
        let push = match (target, change) {
            (PropertyTarget::Chat(_), Change::Update) => Push::ChatPropertiesUpdated(payload),
            (PropertyTarget::Chat(_), Change::Delete) => Push::ChatPropertiesDeleted(payload),
            (PropertyTarget::Thread(_), Change::Update) => Push::ThreadPropertiesUpdated(payload),
            (PropertyTarget::Thread(_), Change::Delete) => Push::ThreadPropertiesDeleted(payload),
            (PropertyTarget::Event(_), Change::Update) => Push::EventPropertiesUpdated(payload),
            (PropertyTarget::Event(_), Change::Delete) => Push::EventPropertiesDeleted(payload),
        };
        if note {
            self.hub.push_to_agents(row.license_id, &push);
        } else {
            self.hub.push_to_chat(row.license_id, &row.customer_id, &push);
        }

        if let (PropertyTarget::Thread(thread_id), Some(rating)) = (target, properties.get("rating")) {
            self.announce_rating(&row, thread_id, change, rating)?;
        }
        Ok(())
    }

    fn announce_rating(
        &self,
        row: &ChatRow,
        thread_id: &str,
        change: Change,
        rating: &Value,
    ) -> ApiResult<()> {
        let (text, kind) = match change {
            Change::Delete => ("The visitor cancelled their rating".to_owned(), "rating.chat_rating_canceled"),
            Change::Update => {
                let Some(score) = rating.get("score").and_then(Value::as_i64) else { return Ok(()) };
                let verdict = if score >= 1 { "good" } else { "bad" };
                let comment = rating.get("comment").and_then(Value::as_str).filter(|comment| !comment.trim().is_empty());
                let text = match comment {
                    Some(comment) => format!("The visitor rated the chat as {verdict}: {comment}"),
                    None => format!("The visitor rated the chat as {verdict}"),
                };
                (text, "rating.chat_rated")
            }
        };
        self.system_message(row, thread_id, text, kind)
    }
}

/// Checks the `rating` namespace: `score` 0 (bad) or 1 (good), `comment` a string.
fn check_rating(rating: &Value) -> ApiResult<()> {
    let Some(rating) = rating.as_object() else {
        return Err(validation("properties.rating must be an object"));
    };
    if let Some(score) = rating.get("score") {
        if !matches!(score.as_i64(), Some(0 | 1)) {
            return Err(validation("properties.rating.score must be 0 (bad) or 1 (good)"));
        }
    }
    if rating.get("comment").is_some_and(|comment| !comment.is_string()) {
        return Err(validation("properties.rating.comment must be a string"));
    }
    Ok(())
}

/// The most bytes of JSON one chat's, thread's or event's properties may take.
pub(crate) const MAX_PROPERTIES_BYTES: usize = 16 * 1024;

/// Properties must stay under [`MAX_PROPERTIES_BYTES`] as stored.
pub(crate) fn check_size(properties: Option<&Object>) -> ApiResult<()> {
    let size = properties.map_or(0, |properties| Value::Object(properties.clone()).to_string().len());
    if size > MAX_PROPERTIES_BYTES {
        return Err(ErrorPayload::new(
            ErrorType::LimitReached,
            format!("properties may take {} KB at most; these would take {} bytes", MAX_PROPERTIES_BYTES / 1024, size),
        ));
    }
    Ok(())
}

/// Merges `{namespace: {name: value}}` into `stored`, checking the rating namespace.
pub(crate) fn merge(stored: &mut Object, update: &Object) -> ApiResult<()> {
    for (namespace, values) in update {
        let Some(values) = values.as_object() else {
            return Err(validation(format!("properties.{namespace} must be an object of name: value")));
        };
        if namespace == "rating" {
            check_rating(&Value::Object(values.clone()))?;
        }
        let entry = stored.entry(namespace.clone()).or_insert_with(|| Value::Object(Object::new()));
        if let Some(existing) = entry.as_object_mut() {
            for (name, value) in values {
                existing.insert(name.clone(), value.clone());
            }
        }
    }
    Ok(())
}

fn remove(stored: &mut Object, names: &Object) -> ApiResult<()> {
    for (namespace, list) in names {
        let Some(list) = list.as_array() else {
            return Err(validation(format!("properties.{namespace} must be a list of names to delete")));
        };
        let Some(existing) = stored.get_mut(namespace).and_then(Value::as_object_mut) else {
            return Err(ErrorPayload::new(ErrorType::NotFound, format!("no properties in namespace {namespace}")));
        };
        for name in list.iter().filter_map(Value::as_str) {
            existing.remove(name);
        }
        if existing.is_empty() {
            stored.remove(namespace);
        }
    }
    Ok(())
}
