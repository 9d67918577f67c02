//! The reducer, driven by wire frames.

use protocol::{Event, EventBody, ServerFrame};
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
fn a_sent_file_takes_the_servers_description_of_it() {
    let mut state = logged_in();
    let file = Event::new(EventBody::File {
        url: "/uploads/u1".into(),
        name: Some("tent.png".into()),
        content_type: None,
        size: None,
        width: None,
        height: None,
        thumbnail_url: None,
        thumbnail2x_url: None,
    });
    state.queue("c-2".into(), Item::Event { event: file, opening: Opening::default() });
    let own = json!({ "id": "T_2", "type": "file", "author_id": "me", "custom_id": "c-2",
        "created_at": "2026-01-01T10:00:00.000001Z", "url": "/uploads/u1", "name": "tent.png",
        "content_type": "image/png", "size": 70, "width": 1, "height": 1, "thumbnail_url": "/uploads/u1" });
    state.apply(&push("incoming_event", json!({ "chat_id": "C1", "thread_id": "T", "event": own })));
    assert_eq!(state.messages.len(), 1);
    let MessageBody::File { content_type, thumbnail_url, size, .. } = &state.messages[0].body else {
        panic!("a file row, got {:?}", state.messages[0].body);
    };
    assert_eq!((content_type.as_str(), thumbnail_url.as_deref(), *size), ("image/png", Some("/uploads/u1"), Some(70)));
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
    state.refused("x", "message text is too long".into());
    assert_eq!(state.outbox().count(), 0);
    assert_eq!(state.messages[0].delivery.as_str(), "failed");
    state.retry_message("x");
    assert_eq!(state.outbox().count(), 1);
}

#[test]
fn an_agent_joining_shows_that_someone_is_there() {
    let mut state = ChatState::default();
    state.fixture().chat_id = Some("C1".into());
    assert!(!state.agents_online);
    state.apply(&push(
        "user_added_to_chat",
        json!({ "chat_id": "C1", "thread_id": "T", "reason": "manual",
                "user": { "id": "agent", "type": "agent", "name": "Anna", "present": true } }),
    ));
    assert!(state.agents_online);
    assert_eq!(state.agent_name("agent"), Some("Anna"));
}

// Every push of the protocol, as the state change the views and the host page see.

fn chat_with_agent() -> ChatState {
    let mut state = logged_in();
    state.apply(&response(
        "get_chat",
        json!({ "id": "C1", "users": [
                    { "id": "me", "type": "customer", "events_seen_up_to": "2026-01-01T09:00:00.000000Z" },
                    { "id": "agent", "type": "agent", "name": "Anna", "present": true,
                      "events_seen_up_to": "2026-01-01T09:30:00.000000Z" } ],
                "thread": { "id": "T", "active": true, "events": [
                    event("T_1", "me", "question", "2026-01-01T10:00:01.000000Z"),
                    event("T_2", "agent", "answer", "2026-01-01T10:00:02.000000Z") ] } }),
    ));
    state
}

#[test]
fn event_updated_changes_the_text_in_place() {
    let mut state = chat_with_agent();
    state.apply(&push("event_updated", json!({ "chat_id": "C1", "thread_id": "T",
        "event": event("T_2", "agent", "answer (edited)", "2026-01-01T10:00:02.000000Z") })));
    assert_eq!(texts(&state), [("visitor", "question"), ("agent", "answer (edited)")]);
}

#[test]
fn user_removed_marks_the_agent_absent_and_stops_their_typing() {
    let mut state = chat_with_agent();
    assert!(state.users["agent"].present);
    state.apply(&push("incoming_typing_indicator",
        json!({ "chat_id": "C1", "thread_id": "T", "typing_indicator": { "author_id": "agent", "is_typing": true } })));
    state.apply(&push("user_removed_from_chat", json!({ "chat_id": "C1", "thread_id": "T", "user_id": "agent", "reason": "manual" })));
    assert!(!state.users["agent"].present);
    assert_eq!(state.agent_typing, None);
}

#[test]
fn queue_position_updates_until_an_agent_joins() {
    let mut state = logged_in();
    state.apply(&push("incoming_chat", json!({ "chat": { "id": "C1", "thread": { "id": "T", "active": true, "events": [],
        "queue": { "position": 3, "wait_time": 120, "queued_at": "2026-01-01T10:00:00.000000Z" } } } })));
    assert_eq!(state.queue.as_ref().map(|queue| queue.position), Some(3));
    state.apply(&push("queue_position_updated", json!({ "chat_id": "C1", "thread_id": "T", "queue": { "position": 1, "wait_time": 30 } })));
    assert_eq!(state.queue.as_ref().map(|queue| (queue.position, queue.wait_time)), Some((1, 30)));
    state.apply(&push("user_added_to_chat", json!({ "chat_id": "C1", "thread_id": "T", "reason": "other",
        "user": { "id": "agent", "type": "agent", "name": "Anna", "present": true } })));
    assert_eq!(state.queue, None);
}

#[test]
fn read_receipts_move_forward_per_user() {
    let mut state = chat_with_agent();
    assert_eq!(state.agents_seen_up_to(), Some("2026-01-01T09:30:00.000000Z"));
    assert!(!state.is_seen_by_agent(&state.messages[0]));
    state.apply(&push("events_marked_as_seen",
        json!({ "user_id": "agent", "chat_id": "C1", "seen_up_to": "2026-01-01T10:00:01.000000Z" })));
    assert!(state.is_seen_by_agent(&state.messages[0]), "the visitor's question was read");
    // An older receipt arriving late does not move the mark back.
    state.apply(&push("events_marked_as_seen",
        json!({ "user_id": "agent", "chat_id": "C1", "seen_up_to": "2026-01-01T09:00:00.000000Z" })));
    assert_eq!(state.agents_seen_up_to(), Some("2026-01-01T10:00:01.000000Z"));
    // The visitor's own receipts are tracked apart and decide whether one is due.
    state.set_open(true);
    assert_eq!(state.receipt_due(), Some(("C1".into(), "2026-01-01T10:00:02.000000Z".into())));
    state.apply(&push("events_marked_as_seen",
        json!({ "user_id": "me", "chat_id": "C1", "seen_up_to": "2026-01-01T10:00:02.000000Z" })));
    assert_eq!(state.receipt_due(), None);
}

#[test]
fn greetings_show_until_accepted_or_cancelled() {
    let mut state = logged_in();
    let greeting = json!({ "id": 7, "unique_id": "g1", "displayed_first_time": true,
        "event": { "type": "message", "text": "Need help?" }, "agent": { "id": "agent", "name": "Anna" } });
    state.apply(&push("incoming_greeting", greeting.clone()));
    let shown = state.greeting.clone().unwrap();
    assert_eq!((shown.id, shown.unique_id.as_str(), shown.text.as_str(), shown.accepted), (7, "g1", "Need help?", false));
    assert_eq!(state.agent_name("agent"), Some("Anna"));
    state.apply(&push("greeting_accepted", json!({ "unique_id": "g1" })));
    assert!(state.greeting.as_ref().unwrap().accepted);
    state.apply(&push("greeting_canceled", json!({ "unique_id": "other" })));
    assert!(state.greeting.is_some(), "another greeting's cancel changes nothing");
    state.apply(&push("greeting_canceled", json!({ "unique_id": "g1" })));
    assert_eq!(state.greeting, None);
}

#[test]
fn customer_updated_merges_changed_fields() {
    let mut state = logged_in();
    state.apply(&push("customer_updated", json!({ "customer": { "id": "me", "name": "Ada", "session_fields": [{ "plan": "pro" }] } })));
    state.apply(&push("customer_updated", json!({ "customer": { "id": "me", "email": "ada@example.com" } })));
    let customer = state.customer.clone().unwrap();
    assert_eq!(customer.name.as_deref(), Some("Ada"));
    assert_eq!(customer.email.as_deref(), Some("ada@example.com"));
    assert_eq!(customer.session_fields, [std::collections::BTreeMap::from([("plan".to_owned(), "pro".to_owned())])]);
    state.apply(&push("customer_side_storage_updated", json!({ "customer_side_storage": { "k": "v" } })));
    assert_eq!(state.customer_side_storage.get("k"), Some(&json!("v")));
}

#[test]
fn thread_property_pushes_update_and_delete_by_namespace() {
    let mut state = chat_with_agent();
    state.apply(&push("thread_properties_updated", json!({ "chat_id": "C1", "thread_id": "T",
        "properties": { "rating": { "score": 1, "comment": "great" } } })));
    assert_eq!(state.rating(), Some(1));
    state.apply(&push("thread_properties_deleted", json!({ "chat_id": "C1", "thread_id": "T", "properties": { "rating": ["score"] } })));
    assert_eq!(state.rating(), None);
    assert_eq!(state.thread_properties["T"]["rating"], json!({ "comment": "great" }));
}

#[test]
fn rich_message_postbacks_toggle_per_user() {
    let mut state = chat_with_agent();
    let postback = |user: &str, toggled: bool| {
        push("incoming_rich_message_postback", json!({ "user_id": user, "chat_id": "C1", "thread_id": "T", "event_id": "T_2",
            "postback": { "id": "yes", "toggled": toggled } }))
    };
    state.apply(&postback("me", true));
    state.apply(&postback("agent", true));
    state.apply(&postback("agent", false));
    assert_eq!(state.postback_users("T_2", "yes"), ["me"]);
    assert!(state.postback_users("T_2", "no").is_empty());
}

#[test]
fn availability_follows_group_statuses() {
    let mut state = logged_in();
    assert!(state.agents_online);
    state.apply(&push("groups_status_updated", json!({ "groups": [{ "id": 0, "status": "offline" }] })));
    assert!(!state.agents_online);
    assert_eq!(state.group_statuses["0"], "offline");
    state.apply(&response("list_group_statuses", json!({ "groups_status": { "0": "online_for_queue" } })));
    assert!(state.agents_online);
}

#[test]
fn a_transfer_requeues_the_chat_and_pushes_the_visitor_does_not_see_change_nothing() {
    let mut state = chat_with_agent();
    state.apply(&push("incoming_typing_indicator", json!({ "chat_id": "C1", "thread_id": "T",
        "typing_indicator": { "author_id": "agent", "is_typing": true } })));
    state.apply(&push("chat_transferred", json!({ "chat_id": "C1", "thread_id": "T", "requester_id": "agent",
        "transferred_to": { "group_ids": [2] }, "queue": { "position": 2, "wait_time": 60 } })));
    assert_eq!(state.queue.as_ref().map(|queue| queue.position), Some(2));
    assert_eq!(state.agent_typing, None);
    let before = state.clone();
    for ignored in [
        push("incoming_multicast", json!({ "content": { "n": 1 } })),
        push("customer_disconnected", json!({ "reason": "inactivity_timeout" })),
        push("customer_page_updated", json!({ "url": "https://shop.example/cart", "title": "Cart", "timestamp": 1 })),
        push("chat_properties_updated", json!({ "chat_id": "C1", "properties": { "source": { "page": "pricing" } } })),
        push("event_properties_updated", json!({ "chat_id": "C1", "thread_id": "T", "event_id": "T_2",
            "properties": { "reactions": { "like": true } } })),
    ] {
        state.apply(&ignored);
    }
    assert_eq!(state, before);
}

#[test]
fn chat_deactivated_closes_the_chat_and_the_queue() {
    let mut state = chat_with_agent();
    state.fixture().queue = Some(protocol::Queue { position: 1, wait_time: 5, queued_at: None });
    state.apply(&push("chat_deactivated", json!({ "chat_id": "C1", "thread_id": "T", "user_id": "agent" })));
    assert!(!state.chat_active);
    assert_eq!(state.queue, None);
}

#[test]
fn a_login_greeting_is_shown() {
    let mut state = ChatState::default();
    state.apply(&response("login", json!({ "customer": { "id": "me", "statistics": { "visits_count": 3 } }, "chats": [],
        "greeting": { "id": 5, "unique_id": "g9", "event": { "type": "message", "text": "Hello!" }, "agent": { "id": "a" } },
        "__priv_dynamic_config": { "online_groups_ids": [] } })));
    assert_eq!(state.greeting.as_ref().map(|greeting| greeting.text.as_str()), Some("Hello!"));
    assert_eq!(state.customer.as_ref().map(|customer| customer.statistics.visits_count), Some(3));
}

#[test]
fn older_threads_merge_before_the_current_one_without_duplicates() {
    let mut state = chat_with_agent();
    let older: Vec<protocol::Thread> = serde_json::from_value(json!([
        { "id": "S", "active": false, "created_at": "2025-12-01T10:00:00.000000Z", "events": [
            event("S_1", "me", "last month", "2025-12-01T10:00:01.000000Z"),
            event("S_2", "agent", "reply last month", "2025-12-01T10:00:02.000000Z") ] },
        // Overlap with what is shown already.
        { "id": "T", "active": true, "created_at": "2026-01-01T10:00:00.000000Z", "events": [
            event("T_1", "me", "question", "2026-01-01T10:00:01.000000Z") ] }
    ]))
    .unwrap();
    state.merge_history("C1", &older);
    state.merge_history("C1", &older);
    assert_eq!(texts(&state), [
        ("visitor", "last month"),
        ("agent", "reply last month"),
        ("visitor", "question"),
        ("agent", "answer"),
    ]);
    assert_eq!(state.unread, 0, "history is not news");
    assert!(state.chat_active, "an old thread does not close the current one");
    state.merge_history("OTHER", &older);
    assert_eq!(state.messages.len(), 4);
}

#[test]
fn a_visitor_message_confirmed_through_history_keeps_its_row() {
    let mut state = logged_in();
    state.queue_message("c-1".into(), "typed offline".into());
    let mut own = event("T_5", "me", "typed offline", "2026-01-01T10:00:05.000000Z");
    own["custom_id"] = json!("c-1");
    let threads: Vec<protocol::Thread> =
        serde_json::from_value(json!([{ "id": "T", "active": true, "events": [own] }])).unwrap();
    state.merge_history("C1", &threads);
    assert_eq!(state.messages.len(), 1);
    assert_eq!((state.messages[0].key.as_str(), &state.messages[0].delivery), ("c-1", &Delivery::Sent));
}

#[test]
fn only_frames_that_change_something_are_writes_and_the_transcript_is_replaced_only_when_it_changes() {
    let mut state = logged_in();
    state.apply(&push("incoming_event", json!({ "chat_id": "C1", "thread_id": "T", "event": event("T_1", "agent", "hi", "2026-01-01T10:00:00.000001Z") })));
    let transcript = state.messages.clone();

    // A ping's answer, a push for another chat, a typing stop for someone not typing: nothing.
    for frame in [
        response("ping", json!({})),
        push("incoming_event", json!({ "chat_id": "C9", "thread_id": "T9", "event": event("T9_1", "agent", "elsewhere", "2026-01-01T10:00:01.000001Z") })),
        push("incoming_typing_indicator", json!({ "chat_id": "C1", "thread_id": "T", "typing_indicator": { "author_id": "agent", "is_typing": false } })),
    ] {
        let (wrote, ()) = state.tracked(|state| state.apply(&frame));
        assert!(!wrote, "{frame:?} wrote");
    }

    // Typing writes, but leaves the transcript the same shared list.
    let typing = push("incoming_typing_indicator", json!({ "chat_id": "C1", "thread_id": "T", "typing_indicator": { "author_id": "agent", "is_typing": true } }));
    let (wrote, ()) = state.tracked(|state| state.apply(&typing));
    assert!(wrote);
    assert_eq!(state.agent_typing.as_deref(), Some("agent"));
    assert!(Arc::ptr_eq(&transcript, &state.messages), "typing replaced the transcript");

    // A message writes a new transcript; the one a reader kept is left as it was.
    let (wrote, ()) = state.tracked(|state| {
        state.apply(&push("incoming_event", json!({ "chat_id": "C1", "thread_id": "T", "event": event("T_2", "agent", "there?", "2026-01-01T10:00:02.000001Z") })))
    });
    assert!(wrote);
    assert!(!Arc::ptr_eq(&transcript, &state.messages));
    assert_eq!((transcript.len(), state.messages.len()), (1, 2));
}

#[test]
fn a_fetched_thread_of_the_visitors_own_messages_joins_once_in_order_and_settles_what_was_pending() {
    let mut state = logged_in();
    // One message still on its way when the page reloaded; the server has it.
    state.queue_message("c-7".into(), "seven".into());
    let events: Vec<Value> = (0..20)
        .map(|n| {
            let author = if n % 2 == 0 { "agent" } else { "me" };
            let mut event = event(&format!("T_{n}"), author, &format!("m{n}"), &format!("2026-01-01T10:00:{n:02}.000000Z"));
            if author == "me" {
                event["custom_id"] = json!(format!("c-{n}"));
            }
            event
        })
        .rev()
        .collect();
    let frame = response("get_chat", json!({ "id": "C1", "thread": { "id": "T", "active": true, "events": events } }));
    state.apply(&frame);
    state.apply(&frame);
    let texts: Vec<&str> = state.messages.iter().map(|message| message.text.as_str()).collect();
    let expected: Vec<String> = (0..20).map(|n| format!("m{n}")).collect();
    assert_eq!(texts, expected.iter().map(String::as_str).collect::<Vec<_>>(), "each once, in time order");
    let pending = state.messages.iter().find(|message| message.custom_id.as_deref() == Some("c-7")).unwrap();
    assert_eq!((pending.key.as_str(), pending.id.as_deref(), &pending.delivery), ("c-7", Some("T_7"), &Delivery::Sent));
    assert_eq!(state.outbox().count(), 0, "the server's copy settled the outbox");
}
