//! Version 3.0, the experimental API before 3.1, in today's model's terms.
//!
//! 3.0 differs in most shapes: events and threads carry an `order` and a unix `timestamp`
//! instead of `created_at`; property values are wrapped (`{"score": {"value": 1}}`);
//! customers have a `fields` map instead of `session_fields`; chats list `threads`; and
//! several actions and pushes have older names (`get_chats_summary`, `close_thread`,
//! `incoming_chat_thread`, `thread_closed`, `chat_user_added`...). This module converts
//! between the two without IO: 3.0 requests into today's payloads, today's answers and
//! pushes into 3.0's. Which 3.0 action runs which of today's operations is the server's
//! business; the shapes are here.

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};

pub use crate::time::{rfc3339, unix_micros};
use crate::{Chat, Customer, Event, LoginResponse, Object, Thread, User};

/// The 3.0 name of a push and its payload, or `None` for pushes 3.0 does not have.
pub fn push(action: &str, mut payload: Value) -> Option<(String, Value)> {
    let renamed = match action {
        "incoming_chat" => {
            let chat = payload.get("chat").cloned().unwrap_or(Value::Null);
            return Some(("incoming_chat_thread".to_owned(), json!({ "chat": chat_with_thread(&chat) })));
        }
        "incoming_event" => {
            if let Some(event) = payload.get_mut("event") {
                *event = event_value(event);
            }
            "incoming_event"
        }
        "chat_deactivated" => "thread_closed",
        "user_added_to_chat" => {
            let user = payload.get("user").map(user_value).unwrap_or(Value::Null);
            let user_type = user.get("type").cloned().unwrap_or(Value::Null);
            let chat_id = payload.get("chat_id").cloned().unwrap_or(Value::Null);
            return Some(("chat_user_added".to_owned(), json!({ "chat_id": chat_id, "user": user, "user_type": user_type })));
        }
        "user_removed_from_chat" => {
            let chat_id = payload.get("chat_id").cloned().unwrap_or(Value::Null);
            let user_id = payload.get("user_id").cloned().unwrap_or(Value::Null);
            return Some(("chat_user_removed".to_owned(), json!({ "chat_id": chat_id, "user_id": user_id, "user_type": "agent" })));
        }
        "chat_properties_updated" => {
            wrap_in(&mut payload, "properties");
            "chat_properties_updated"
        }
        "thread_properties_updated" => {
            wrap_in(&mut payload, "properties");
            "chat_thread_properties_updated"
        }
        "events_marked_as_seen" => {
            let seen = payload.get("seen_up_to").and_then(Value::as_str).and_then(unix_micros).map(|micros| micros / 1_000_000);
            let mut fields = payload.as_object().cloned().unwrap_or_default();
            fields.remove("seen_up_to");
            fields.insert("timestamp".to_owned(), json!(seen));
            return Some(("last_seen_timestamp_updated".to_owned(), Value::Object(fields)));
        }
        "customer_updated" => {
            let customer = payload.get("customer").cloned().unwrap_or(payload);
            return Some(("customer_updated".to_owned(), json!({ "customer": customer_value(&customer) })));
        }
        "customer_page_updated" => {
            if let Value::Object(fields) = &mut payload {
                fields.remove("opened_at");
                fields.remove("customer_id");
            }
            "customer_page_updated"
        }
        "incoming_rich_message_postback" | "incoming_multicast" | "incoming_typing_indicator" | "customer_disconnected" => {
            if let Value::Object(fields) = &mut payload {
                fields.remove("thread_id");
            }
            action
        }
        _ => return None,
    };
    Some((renamed.to_owned(), payload))
}

/// A chat of today's model with its one thread, as 3.0's `incoming_chat_thread` and
/// `start_chat` show it (`scopes` is 3.0's `access`).
pub fn chat_with_thread(chat: &Value) -> Value {
    let mut out = Map::new();
    out.insert("id".to_owned(), chat.get("id").cloned().unwrap_or(Value::Null));
    out.insert("users".to_owned(), Value::Array(chat.get("users").and_then(Value::as_array).into_iter().flatten().map(user_value).collect()));
    out.insert("properties".to_owned(), wrapped(chat.get("properties")));
    out.insert("scopes".to_owned(), chat.get("access").cloned().unwrap_or_else(|| json!({})));
    if let Some(thread) = chat.get("thread").filter(|thread| !thread.is_null()) {
        out.insert("thread".to_owned(), thread_value(thread));
    }
    Value::Object(out)
}

/// A chat with several threads, as `get_chat_threads` answers it.
pub fn chat_with_threads(chat: &Chat, threads: &[Thread]) -> Value {
    let chat = serde_json::to_value(chat).unwrap_or_default();
    let threads: Vec<Value> = threads.iter().map(|thread| thread_value(&serde_json::to_value(thread).unwrap_or_default())).collect();
    json!({
        "id": chat["id"],
        "users": chat["users"].as_array().into_iter().flatten().map(user_value).collect::<Vec<_>>(),
        "properties": wrapped(chat.get("properties")),
        "access": chat.get("access").cloned().unwrap_or_else(|| json!({})),
        "threads": threads,
    })
}

/// A thread: `order` (its creation time in microseconds) instead of `created_at`, events
/// and properties in 3.0's shapes.
pub fn thread_value(thread: &Value) -> Value {
    let mut out = Map::new();
    for key in ["id", "active", "user_ids", "access"] {
        if let Some(value) = thread.get(key) {
            out.insert(key.to_owned(), value.clone());
        }
    }
    out.insert("order".to_owned(), json!(order_of(thread)));
    let events = thread.get("events").and_then(Value::as_array).into_iter().flatten().map(event_value).collect();
    out.insert("events".to_owned(), Value::Array(events));
    out.insert("properties".to_owned(), wrapped(thread.get("properties")));
    Value::Object(out)
}

/// An event: `order` (microseconds) and `timestamp` (seconds) instead of `created_at`,
/// properties wrapped.
pub fn event_value(event: &Value) -> Value {
    let mut out = event.as_object().cloned().unwrap_or_default();
    let micros = out.remove("created_at").as_ref().and_then(Value::as_str).and_then(unix_micros);
    if let Some(micros) = micros {
        out.insert("order".to_owned(), json!(micros));
        out.insert("timestamp".to_owned(), json!(micros / 1_000_000));
    }
    out.remove("recipients");
    if let Some(properties) = out.remove("properties") {
        out.insert("properties".to_owned(), wrapped(Some(&properties)));
    }
    Value::Object(out)
}

/// A user: customers with a `fields` map, everyone with `last_seen_timestamp` (seconds)
/// instead of `events_seen_up_to`.
pub fn user_value(user: &Value) -> Value {
    let mut out = user.as_object().cloned().unwrap_or_default();
    let seen = out.remove("events_seen_up_to").as_ref().and_then(Value::as_str).and_then(unix_micros).map(|micros| micros / 1_000_000);
    out.insert("last_seen_timestamp".to_owned(), json!(seen));
    if out.get("type").and_then(Value::as_str) == Some("customer") {
        return customer_value(&Value::Object(out));
    }
    Value::Object(out)
}

/// A customer with `fields` (a map) instead of `session_fields` (one-key objects).
pub fn customer_value(customer: &Value) -> Value {
    let mut out = customer.as_object().cloned().unwrap_or_default();
    let fields = out.remove("session_fields").map(|fields| fields_map(&fields)).unwrap_or_default();
    out.remove("statistics");
    out.insert("fields".to_owned(), Value::Object(fields));
    Value::Object(out)
}

fn fields_map(session_fields: &Value) -> Object {
    let mut map = Object::new();
    for field in session_fields.as_array().into_iter().flatten().filter_map(Value::as_object) {
        for (key, value) in field {
            map.insert(key.clone(), value.clone());
        }
    }
    map
}

/// 3.0's `fields` map as today's `session_fields`. Values that are not strings are written
/// as JSON.
pub fn session_fields(fields: &Value) -> Vec<BTreeMap<String, String>> {
    let mut out = Vec::new();
    for (key, value) in fields.as_object().into_iter().flatten() {
        let text = value.as_str().map(str::to_owned).unwrap_or_else(|| value.to_string());
        out.push(BTreeMap::from([(key.clone(), text)]));
    }
    out
}

/// Properties as 3.0 sends them: every value wrapped as `{"value": ...}`.
pub fn wrapped(properties: Option<&Value>) -> Value {
    let mut out = Map::new();
    for (namespace, values) in properties.and_then(Value::as_object).into_iter().flatten() {
        let inner: Map<String, Value> =
            values.as_object().into_iter().flatten().map(|(name, value)| (name.clone(), json!({ "value": value }))).collect();
        out.insert(namespace.clone(), Value::Object(inner));
    }
    Value::Object(out)
}

fn wrap_in(payload: &mut Value, key: &str) {
    if let Some(properties) = payload.get(key).cloned() {
        payload[key] = wrapped(Some(&properties));
    }
}

/// Properties a 3.0 client sent: its definition wraps values as `{"value": ...}`, its own
/// examples do not; both are read.
pub fn unwrapped(properties: &Value) -> Object {
    let mut out = Object::new();
    for (namespace, values) in properties.as_object().into_iter().flatten() {
        let inner: Map<String, Value> = values
            .as_object()
            .into_iter()
            .flatten()
            .map(|(name, value)| {
                let value = match value.as_object() {
                    Some(wrapper) if wrapper.len() == 1 && wrapper.contains_key("value") => wrapper["value"].clone(),
                    _ => value.clone(),
                };
                (name.clone(), value)
            })
            .collect();
        out.insert(namespace.clone(), Value::Object(inner));
    }
    out
}

/// An event a 3.0 client sent, as today's model reads it: properties unwrapped, the
/// server-owned `order` and `timestamp` dropped.
pub fn incoming_event(event: &Value) -> Result<Event, serde_json::Error> {
    let mut event = event.clone();
    if let Value::Object(fields) = &mut event {
        fields.remove("order");
        fields.remove("timestamp");
        if let Some(properties) = fields.remove("properties") {
            fields.insert("properties".to_owned(), Value::Object(unwrapped(&properties)));
        }
    }
    serde_json::from_value(event)
}

/// The 3.0 login answer: the customer's id, and the customer's data, the online groups, the
/// predicted agent and the greeting on screen in `__priv_dynamic_config`.
pub fn login_response(login: &LoginResponse, group_id: u32, predicted_agent: Option<&User>) -> Value {
    let Customer { id, name, session_fields, statistics, .. } = &login.customer;
    let mut config = json!({
        "customer_data": {
            "name": name,
            "page_views_count": statistics.page_views_count,
            "visits_count": statistics.visits_count,
            "chats_count": statistics.chats_count,
            "invitations_shown_count": statistics.greetings_shown_count,
            "invitations_accepted_count": statistics.greetings_accepted_count,
            "fields": fields_map(&serde_json::to_value(session_fields).unwrap_or_default()),
            "group_id": group_id,
        },
        "online_groups_ids": login.dynamic_config.online_groups_ids,
    });
    if let Some(agent) = predicted_agent {
        config["predicted_agent"] = serde_json::to_value(agent).unwrap_or_default();
    }
    if let Some(greeting) = &login.greeting {
        config["greeting"] = json!({
            "id": greeting.id,
            "unique_id": greeting.unique_id,
            "text": greeting.event.text(),
            "agent": greeting.agent,
            "displayed_first_time": greeting.displayed_first_time,
        });
    }
    json!({ "customer_id": id, "__priv_dynamic_config": config })
}

fn order_of(thread: &Value) -> i64 {
    thread.get("created_at").and_then(Value::as_str).and_then(unix_micros).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_carry_order_and_timestamp_and_wrapped_properties() {
        let event = json!({ "id": "T_1", "type": "message", "text": "hi", "created_at": "2019-12-09T12:01:18.909000Z",
                            "recipients": "all", "properties": { "flags": { "pinned": true } } });
        let old = event_value(&event);
        assert_eq!(old["order"], 1_575_892_878_909_000i64);
        assert_eq!(old["timestamp"], 1_575_892_878);
        assert_eq!(old["properties"], json!({ "flags": { "pinned": { "value": true } } }));
        assert!(old.get("created_at").is_none() && old.get("recipients").is_none());
        let back = incoming_event(&json!({ "type": "message", "text": "hi", "order": 5, "properties": { "a": { "b": { "value": 1 } } } })).unwrap();
        assert_eq!(back.properties, Some(serde_json::from_value(json!({ "a": { "b": 1 } })).unwrap()));
    }

    #[test]
    fn pushes_take_their_3_0_names_or_are_left_out() {
        let (name, payload) = push("incoming_chat", json!({ "requester_id": "c", "chat": { "id": "C", "users": [{ "id": "c", "type": "customer", "session_fields": [{ "k": "v" }] }],
            "thread": { "id": "T", "active": true, "created_at": "1970-01-01T00:00:01.000000Z", "events": [] }, "access": { "group_ids": [0] } } })).unwrap();
        assert_eq!(name, "incoming_chat_thread");
        assert_eq!(payload["chat"]["thread"]["order"], 1_000_000);
        assert_eq!(payload["chat"]["scopes"], json!({ "group_ids": [0] }));
        assert_eq!(payload["chat"]["users"][0]["fields"], json!({ "k": "v" }));
        assert_eq!(push("chat_deactivated", json!({ "chat_id": "C", "thread_id": "T" })).unwrap().0, "thread_closed");
        let (name, payload) = push("user_added_to_chat", json!({ "chat_id": "C", "user": { "id": "a", "type": "agent" }, "reason": "manual" })).unwrap();
        assert_eq!((name.as_str(), &payload["user_type"]), ("chat_user_added", &json!("agent")));
        let (name, payload) = push("events_marked_as_seen", json!({ "user_id": "u", "chat_id": "C", "seen_up_to": "1970-01-01T00:01:00.000000Z" })).unwrap();
        assert_eq!((name.as_str(), &payload["timestamp"]), ("last_seen_timestamp_updated", &json!(60)));
        let (name, payload) = push("thread_properties_updated", json!({ "chat_id": "C", "thread_id": "T", "properties": { "rating": { "score": 1 } } })).unwrap();
        assert_eq!(name, "chat_thread_properties_updated");
        assert_eq!(payload["properties"], json!({ "rating": { "score": { "value": 1 } } }));
        assert_eq!(push("customer_updated", json!({ "id": "c", "session_fields": [{ "a": "1" }] })).unwrap().1, json!({ "customer": { "id": "c", "fields": { "a": "1" } } }));
        for missing in ["queue_position_updated", "groups_status_updated", "incoming_greeting", "event_properties_updated", "chat_transferred"] {
            assert_eq!(push(missing, json!({})), None, "{missing}");
        }
    }

    #[test]
    fn fields_maps_and_session_fields_convert() {
        assert_eq!(session_fields(&json!({ "plan": "gold", "seats": 3 })), vec![BTreeMap::from([("plan".to_owned(), "gold".to_owned())]), BTreeMap::from([("seats".to_owned(), "3".to_owned())])]);
        assert_eq!(unwrapped(&json!({ "rating": { "score": { "value": 1 }, "comment": "plain" } })), serde_json::from_value::<Object>(json!({ "rating": { "score": 1, "comment": "plain" } })).unwrap());
    }
}
