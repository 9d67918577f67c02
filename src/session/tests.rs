//! The protocol client, driven with frames instead of a socket.

use protocol::{Request, RequestFrame, ServerFrame};
use serde_json::{json, Value};

use super::*;
use crate::store::{ChatState, Delivery};

fn reply(request: &RequestFrame, payload: Value) -> ServerFrame {
    let frame = json!({ "request_id": request.request_id, "action": request.request.action(),
                        "type": "response", "success": true, "payload": payload });
    ServerFrame::decode(&frame.to_string()).unwrap()
}

fn fail(request: &RequestFrame, kind: &str) -> ServerFrame {
    let frame = json!({ "request_id": request.request_id, "action": request.request.action(), "type": "response",
                        "success": false, "payload": { "error": { "type": kind, "message": kind } } });
    ServerFrame::decode(&frame.to_string()).unwrap()
}

fn login_payload(chats: Value, active: bool) -> Value {
    json!({ "customer": { "id": "me", "statistics": {} }, "has_active_thread": active, "chats": chats,
            "__priv_dynamic_config": { "online_groups_ids": [] } })
}

fn actions(requests: &[RequestFrame]) -> Vec<&str> {
    requests.iter().map(|request| request.request.action()).collect()
}

/// A logged-in session of a customer without a chat.
fn fresh() -> (Session, ChatState) {
    let mut session = Session::new();
    let mut state = ChatState::default();
    let login = session.login("t0k", None);
    let Request::Login(payload) = &login.request else { panic!() };
    assert_eq!(payload.token, "Bearer t0k");
    let next = session.on_frame(&reply(&login, login_payload(json!([]), false)), &mut state);
    assert!(next.is_empty());
    assert!(session.is_logged_in());
    (session, state)
}

#[test]
fn the_first_message_starts_the_chat_and_later_ones_wait_for_it() {
    let (mut session, mut state) = fresh();
    state.queue_message("a".into(), "hello".into());
    let sent = session.flush(&state);
    assert_eq!(actions(&sent), ["start_chat"]);
    state.queue_message("b".into(), "anyone?".into());
    assert!(session.flush(&state).is_empty(), "a second start_chat would hit chat_limit_reached");

    let next = session.on_frame(&reply(&sent[0], json!({ "chat_id": "C1", "thread_id": "T1", "event_ids": ["T1_1"] })), &mut state);
    assert_eq!(actions(&next), ["send_event"]);
    let Request::SendEvent(event) = &next[0].request else { panic!() };
    assert_eq!((event.chat_id.as_str(), event.event.custom_id.as_deref()), ("C1", Some("b")));
}

#[test]
fn a_closed_chat_is_activated_with_the_waiting_messages() {
    let mut session = Session::new();
    let mut state = ChatState::default();
    let login = session.login("t", None);
    let next = session.on_frame(&reply(&login, login_payload(json!([{ "chat_id": "C1" }]), false)), &mut state);
    assert_eq!(actions(&next), ["get_chat"], "resync before sending anything");
    state.queue_message("a".into(), "back again".into());
    assert!(session.flush(&state).is_empty(), "nothing is sent before the resync");
    let next = session.on_frame(&reply(&next[0], json!({ "id": "C1", "thread": { "id": "T1", "active": false, "events": [] } })), &mut state);
    assert_eq!(actions(&next), ["activate_chat"]);
    let Request::ActivateChat(activate) = &next[0].request else { panic!() };
    assert_eq!(activate.chat.id.as_deref(), Some("C1"));
    assert_eq!(activate.chat.thread.as_ref().unwrap().events.len(), 1);
}

#[test]
fn after_a_reconnect_the_outbox_is_sent_again_unless_the_resync_shows_it_arrived() {
    let (mut session, mut state) = fresh();
    state.chat_id = Some("C1".into());
    state.chat_active = true;
    state.queue_message("a".into(), "made it".into());
    state.queue_message("b".into(), "lost".into());
    assert_eq!(actions(&session.flush(&state)), ["send_event", "send_event"]);

    // The socket dropped before any answer. A new connection resyncs first: "a" was stored.
    let mut session = Session::new();
    let login = session.login("t", None);
    let next = session.on_frame(&reply(&login, login_payload(json!([{ "chat_id": "C1" }]), true)), &mut state);
    let stored = json!({ "id": "T1_1", "custom_id": "a", "type": "message", "text": "made it", "author_id": "me",
                         "created_at": "2026-01-01T10:00:00.000000Z" });
    let next = session.on_frame(&reply(&next[0], json!({ "id": "C1", "thread": { "id": "T1", "active": true, "events": [stored] } })), &mut state);
    assert_eq!(actions(&next), ["send_event"]);
    let Request::SendEvent(event) = &next[0].request else { panic!() };
    assert_eq!(event.event.custom_id.as_deref(), Some("b"));
    assert_eq!(state.messages.iter().filter(|message| message.delivery == Delivery::Sent).count(), 1);
}

#[test]
fn a_chat_closed_meanwhile_is_reactivated() {
    let (mut session, mut state) = fresh();
    state.chat_id = Some("C1".into());
    state.chat_active = true;
    state.queue_message("a".into(), "hi".into());
    let sent = session.flush(&state);
    let next = session.on_frame(&fail(&sent[0], "chat_inactive"), &mut state);
    assert_eq!(actions(&next), ["activate_chat"]);
}

#[test]
fn another_tab_starting_the_chat_first_is_recovered() {
    let (mut session, mut state) = fresh();
    state.queue_message("a".into(), "hi".into());
    let sent = session.flush(&state);
    let next = session.on_frame(&fail(&sent[0], "chat_limit_reached"), &mut state);
    assert_eq!(actions(&next), ["list_chats"]);
    let next = session.on_frame(&reply(&next[0], json!({ "chats_summary": [{ "id": "C9", "active": true }], "total_chats": 1 })), &mut state);
    assert_eq!(actions(&next), ["get_chat"]);
    let next = session.on_frame(&reply(&next[0], json!({ "id": "C9", "thread": { "id": "T", "active": true, "events": [] } })), &mut state);
    assert_eq!(actions(&next), ["send_event"]);
}

#[test]
fn a_refused_message_is_marked_failed_and_not_resent() {
    let (mut session, mut state) = fresh();
    state.chat_id = Some("C1".into());
    state.chat_active = true;
    state.queue_message("a".into(), "x".into());
    let sent = session.flush(&state);
    assert!(session.on_frame(&fail(&sent[0], "validation"), &mut state).is_empty());
    assert_eq!(state.messages[0].delivery.as_str(), "failed");
    assert!(session.flush(&state).is_empty());
}

#[test]
fn a_failed_login_is_reported() {
    let mut session = Session::new();
    let mut state = ChatState::default();
    let login = session.login("expired", None);
    assert!(session.on_frame(&fail(&login, "authentication"), &mut state).is_empty());
    assert_eq!(session.login_error.as_ref().map(|error| error.kind.as_str()), Some("authentication"));
    assert!(!session.is_logged_in());
}

#[test]
fn a_stored_reply_before_its_push_is_not_sent_twice() {
    let (mut session, mut state) = fresh();
    state.chat_id = Some("C1".into());
    state.chat_active = true;
    state.queue_message("a".into(), "hi".into());
    let sent = session.flush(&state);
    assert!(session.on_frame(&reply(&sent[0], json!({ "event_id": "T1_1" })), &mut state).is_empty());
    assert_eq!(state.messages[0].delivery, Delivery::Sent);
    assert!(session.flush(&state).is_empty());
    // The push that follows fills in the server time without adding a row.
    let push = json!({ "action": "incoming_event", "type": "push", "payload": { "chat_id": "C1", "thread_id": "T1",
        "event": { "id": "T1_1", "custom_id": "a", "type": "message", "text": "hi", "author_id": "me",
                   "created_at": "2026-01-01T10:00:00.000000Z" } } });
    session.on_frame(&ServerFrame::decode(&push.to_string()).unwrap(), &mut state);
    assert_eq!(state.messages.len(), 1);
    assert!(state.messages[0].created_at.is_some());
}

#[test]
fn at_most_ten_requests_are_in_flight_and_the_rest_follow_as_answers_come() {
    let (mut session, mut state) = fresh();
    state.chat_id = Some("C1".into());
    state.chat_active = true;
    for n in 0..13 {
        state.queue_message(format!("m{n}"), format!("message {n}"));
    }
    let sent = session.flush(&state);
    assert_eq!(sent.len(), MAX_IN_FLIGHT);
    assert!(session.flush(&state).is_empty());
    let next = session.on_frame(&reply(&sent[0], json!({ "event_id": "T_1" })), &mut state);
    assert_eq!(actions(&next), ["send_event"], "one answer frees one slot");
    let Request::SendEvent(event) = &next[0].request else { panic!() };
    assert_eq!(event.event.custom_id.as_deref(), Some("m10"), "order is kept");
}

#[test]
fn a_request_unanswered_for_15_seconds_marks_the_connection_broken() {
    let (mut session, mut state) = fresh();
    state.chat_id = Some("C1".into());
    state.chat_active = true;
    state.queue_message("a".into(), "hi".into());
    let sent = session.flush(&state);
    session.sent(1_000.0);
    assert!(!session.overdue(15_999.0));
    assert!(session.overdue(16_001.0));
    session.on_frame(&reply(&sent[0], json!({ "event_id": "T_1" })), &mut state);
    assert!(!session.overdue(60_000.0), "answered requests no longer count");
}
