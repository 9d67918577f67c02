//! The reducer, driven by wire frames.

use protocol::ServerFrame;
use serde_json::{json, Value};

use super::*;

fn push(action: &str, payload: Value) -> ServerFrame {
    ServerFrame::decode(&json!({ "action": action, "type": "push", "payload": payload }).to_string()).unwrap()
}

fn response(action: &str, payload: Value) -> ServerFrame {
    let frame = json!({ "request_id": "r", "action": action, "type": "response", "success": true, "payload": payload });
    ServerFrame::decode(&frame.to_string()).unwrap()
}

fn event(id: &str, author: &str, text: &str, at: &str) -> Value {
    json!({ "id": id, "type": "message", "author_id": author, "text": text, "created_at": at })
}

fn logged_in() -> ChatState {
    let mut state = ChatState::default();
    state.apply(&response(
        "login",
        json!({ "customer": { "id": "me", "statistics": {} }, "has_active_thread": true,
                "chats": [{ "chat_id": "C1" }], "__priv_dynamic_config": { "online_groups_ids": [0] } }),
    ));
    state
}

fn texts(state: &ChatState) -> Vec<(&str, &str)> {
    state.messages.iter().map(|message| (message.author.as_str(), message.text.as_str())).collect()
}

#[test]
fn login_sets_customer_chat_and_availability() {
    let state = logged_in();
    assert_eq!(state.customer_id.as_deref(), Some("me"));
    assert_eq!(state.chat_id.as_deref(), Some("C1"));
    assert!(state.chat_active);
    assert!(state.agents_online);
}

#[test]
fn an_optimistic_message_is_confirmed_by_its_custom_id_not_duplicated() {
    let mut state = logged_in();
    state.queue_message("c-1".into(), "hello".into());
    assert_eq!(state.outbox().count(), 1);
    let mut own = event("T_1", "me", "hello", "2026-01-01T10:00:00.000001Z");
    own["custom_id"] = json!("c-1");
    let frame = push("incoming_event", json!({ "chat_id": "C1", "thread_id": "T", "event": own }));
    state.apply(&frame);
    state.apply(&frame);
    assert_eq!(state.messages.len(), 1);
    assert_eq!(state.messages[0].delivery, Delivery::Sent);
    assert_eq!(state.messages[0].key, "c-1", "the row keeps its key, so it is not re-rendered as new");
    assert_eq!(state.outbox().count(), 0);
}

#[test]
fn history_and_live_events_merge_into_one_ordered_transcript() {
    let mut state = logged_in();
    state.apply(&push(
        "incoming_event",
        json!({ "chat_id": "C1", "thread_id": "T", "event": event("T_3", "agent", "third", "2026-01-01T10:00:03.000000Z") }),
    ));
    state.apply(&response(
        "get_chat",
        json!({ "id": "C1", "users": [{ "id": "agent", "type": "agent", "name": "Anna" }],
                "thread": { "id": "T", "active": true, "events": [
                    event("T_1", "me", "first", "2026-01-01T10:00:01.000000Z"),
                    event("T_2", "agent", "second", "2026-01-01T10:00:02.000000Z"),
                    event("T_3", "agent", "third", "2026-01-01T10:00:03.000000Z") ] } }),
    ));
    assert_eq!(texts(&state), [("visitor", "first"), ("agent", "second"), ("agent", "third")]);
    assert_eq!(state.agent_name("agent"), Some("Anna"));
}

#[test]
fn unsent_messages_stay_last_in_typing_order() {
    let mut state = logged_in();
    state.queue_message("a".into(), "one".into());
    state.queue_message("b".into(), "two".into());
    state.apply(&push(
        "incoming_event",
        json!({ "chat_id": "C1", "thread_id": "T", "event": event("T_1", "agent", "reply", "2026-01-01T10:00:00.000000Z") }),
    ));
    assert_eq!(texts(&state), [("agent", "reply"), ("visitor", "one"), ("visitor", "two")]);
}

#[test]
fn live_agent_messages_count_as_unread_only_while_closed() {
    let mut state = logged_in();
    let live = |id: &str, at: &str| {
        push("incoming_event", json!({ "chat_id": "C1", "thread_id": "T", "event": event(id, "agent", "hi", at) }))
    };
    state.apply(&live("T_1", "2026-01-01T10:00:01.000000Z"));
    state.apply(&live("T_2", "2026-01-01T10:00:02.000000Z"));
    assert_eq!(state.unread, 2);
    state.set_open(true);
    assert_eq!(state.unread, 0);
    state.apply(&live("T_3", "2026-01-01T10:00:03.000000Z"));
    assert_eq!(state.unread, 0);
    // Fetched history is not news.
    let mut reloaded = logged_in();
    reloaded.apply(&response(
        "get_chat",
        json!({ "id": "C1", "thread": { "id": "T", "active": true, "events": [event("T_1", "agent", "old", "2026-01-01T10:00:01.000000Z")] } }),
    ));
    assert_eq!(reloaded.unread, 0);
}

#[test]
fn frames_of_other_chats_are_ignored() {
    let mut state = logged_in();
    state.apply(&push(
        "incoming_event",
        json!({ "chat_id": "OTHER", "thread_id": "T", "event": event("X_1", "agent", "not for you", "2026-01-01T10:00:00.000000Z") }),
    ));
    assert!(state.messages.is_empty());
}

#[test]
fn deactivation_typing_and_system_messages() {
    let mut state = logged_in();
    state.apply(&push(
        "incoming_typing_indicator",
        json!({ "chat_id": "C1", "thread_id": "T", "typing_indicator": { "author_id": "agent", "is_typing": true } }),
    ));
    assert_eq!(state.agent_typing.as_deref(), Some("agent"));
    state.apply(&push(
        "incoming_event",
        json!({ "chat_id": "C1", "thread_id": "T", "event": { "id": "T_9", "type": "system_message",
                "text": "Chat closed by Anna", "system_message_type": "manual_archived_agent",
                "created_at": "2026-01-01T10:00:00.000000Z" } }),
    ));
    state.apply(&push("chat_deactivated", json!({ "chat_id": "C1", "thread_id": "T" })));
    assert!(!state.chat_active);
    assert_eq!(state.agent_typing, None);
    assert_eq!(texts(&state), [("system", "Chat closed by Anna")]);
}

#[test]
fn a_failed_message_can_be_retried() {
    let mut state = logged_in();
    state.queue_message("x".into(), "too long".into());
    state.message_failed("x", "message text is too long".into());
    assert_eq!(state.outbox().count(), 0);
    assert_eq!(state.messages[0].delivery.as_str(), "failed");
    state.retry_message("x");
    assert_eq!(state.outbox().count(), 1);
}

#[test]
fn an_agent_joining_shows_that_someone_is_there() {
    let mut state = ChatState::default();
    state.chat_id = Some("C1".into());
    assert!(!state.agents_online);
    state.apply(&push(
        "user_added_to_chat",
        json!({ "chat_id": "C1", "thread_id": "T", "reason": "manual",
                "user": { "id": "agent", "type": "agent", "name": "Anna", "present": true } }),
    ));
    assert!(state.agents_online);
    assert_eq!(state.agent_name("agent"), Some("Anna"));
}
