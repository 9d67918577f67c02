//! The protocol client, driven with frames instead of a socket.

use protocol::{Request, RequestFrame, ServerFrame, StartChat};
use serde_json::{json, Value};

use super::*;
use crate::store::{ChatState, Delivery};

mod calls;

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
fn a_site_limited_to_departments_asks_for_them_when_starting_the_chat() {
    let (mut session, mut state) = fresh();
    state.fixture().route = protocol::Access { group_ids: vec![2, 5], agent_ids: vec!["anna@x".into()] };
    state.queue_message("a".into(), "hello".into());
    let sent = session.flush(&state);
    let Request::StartChat(start) = &sent[0].request else { panic!() };
    let access = start.chat.as_ref().and_then(|chat| chat.access.as_ref()).expect("access");
    assert_eq!(access.group_ids, [2, 5]);
    assert_eq!(access.agent_ids, ["anna@x"]);
}

#[test]
fn without_a_route_the_chat_starts_with_the_accounts_own_routing() {
    let (mut session, mut state) = fresh();
    state.queue_message("a".into(), "hello".into());
    let sent = session.flush(&state);
    let Request::StartChat(start) = &sent[0].request else { panic!() };
    assert_eq!(start.chat.as_ref().and_then(|chat| chat.access.as_ref()), None);
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
    state.fixture().chat_id = Some("C1".into());
    state.fixture().chat_active = true;
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
    state.fixture().chat_id = Some("C1".into());
    state.fixture().chat_active = true;
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
    state.fixture().chat_id = Some("C1".into());
    state.fixture().chat_active = true;
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
fn a_login_answered_for_another_customer_is_an_identity_mismatch() {
    let (mut session, mut state) = fresh();
    session.end();
    session.begin();
    let login = session.login("other", None);
    let mut payload = login_payload(json!([]), false);
    payload["customer"]["id"] = json!("someone-else");
    assert!(session.on_frame(&reply(&login, payload), &mut state).is_empty());
    assert!(session.identity_mismatch, "the state belongs to another customer");
    assert!(!session.is_logged_in());
    assert_eq!(state.customer_id.as_deref(), Some("me"), "nothing of the other customer is applied");
}

#[test]
fn a_stored_reply_before_its_push_is_not_sent_twice() {
    let (mut session, mut state) = fresh();
    state.fixture().chat_id = Some("C1".into());
    state.fixture().chat_active = true;
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
    state.fixture().chat_id = Some("C1".into());
    state.fixture().chat_active = true;
    for n in 0..13 {
        state.queue_message(format!("m{n}"), format!("message {n}"));
    }
    let sent = session.flush(&state);
    // One slot stays free for the session's own chain (resync, start or activate).
    assert_eq!(sent.len(), MAX_IN_FLIGHT - 1);
    assert!(session.flush(&state).is_empty());
    assert!(session.ping().is_some(), "the spare slot may carry a ping");
    assert_eq!(session.n_pending(), MAX_IN_FLIGHT);
    assert!(session.ping().is_none(), "never an eleventh request");
    let next = session.on_frame(&reply(&sent[0], json!({ "event_id": "T_1" })), &mut state);
    assert!(next.is_empty(), "the freed slot is the spare one");
    let next = session.on_frame(&reply(&sent[1], json!({ "event_id": "T_2" })), &mut state);
    assert_eq!(actions(&next), ["send_event"], "one answer frees one slot");
    let Request::SendEvent(event) = &next[0].request else { panic!() };
    assert_eq!(event.event.custom_id.as_deref(), Some("m9"), "order is kept");
    assert!(session.n_pending() <= MAX_IN_FLIGHT);
}

#[test]
fn a_request_unanswered_for_15_seconds_marks_the_connection_broken() {
    let (mut session, mut state) = fresh();
    state.fixture().chat_id = Some("C1".into());
    state.fixture().chat_active = true;
    state.queue_message("a".into(), "hi".into());
    let sent = session.flush(&state);
    session.sent(1_000.0);
    assert!(!session.overdue(15_999.0));
    assert!(session.overdue(16_001.0));
    session.on_frame(&reply(&sent[0], json!({ "event_id": "T_1" })), &mut state);
    assert!(!session.overdue(60_000.0), "answered requests no longer count");
}

// SDK calls: correlation, limits, timeouts and typed errors, with the clock driven by hand.

#[test]
fn sneak_peeks_are_throttled_to_the_latest_text_and_only_for_an_active_chat() {
    let (mut session, mut state) = fresh();
    state.fixture().chat_id = Some("C1".into());
    assert!(session.sneak_peek("C1".into(), "h".into(), 0.0, &state).is_empty(), "no active chat");
    state.fixture().chat_active = true;
    let texts = |frames: &[RequestFrame]| -> Vec<String> {
        frames
            .iter()
            .map(|frame| match &frame.request {
                Request::SendSneakPeek(peek) => peek.sneak_peek_text.clone(),
                other => panic!("{other:?}"),
            })
            .collect()
    };
    assert_eq!(texts(&session.sneak_peek("C1".into(), "he".into(), 100.0, &state)), ["he"]);
    assert!(session.sneak_peek("C1".into(), "hel".into(), 300.0, &state).is_empty());
    assert!(session.sneak_peek("C1".into(), "hello".into(), 600.0, &state).is_empty());
    assert!(session.expire(900.0, &state).is_empty());
    assert_eq!(texts(&session.expire(1_100.0, &state)), ["hello"], "the trailing text goes out");
    assert!(session.expire(5_000.0, &state).is_empty());
}

#[test]
fn a_read_receipt_goes_out_when_an_agent_message_is_on_screen() {
    let (mut session, mut state) = fresh();
    state.fixture().chat_id = Some("C1".into());
    state.fixture().chat_active = true;
    let agent_event = |id: &str, at: &str| {
        let push = json!({ "action": "incoming_event", "type": "push", "payload": { "chat_id": "C1", "thread_id": "T1",
            "event": { "id": id, "type": "message", "text": "hi", "author_id": "agent", "created_at": at } } });
        ServerFrame::decode(&push.to_string()).unwrap()
    };
    // Closed window: nothing is seen.
    assert!(session.on_frame(&agent_event("T1_1", "2026-01-01T10:00:01.000000Z"), &mut state).is_empty());
    state.set_open(true);
    state.fixture().page_hidden = true;
    assert!(session.flush(&state).is_empty(), "a hidden page shows nothing");
    state.fixture().page_hidden = false;
    let sent = session.flush(&state);
    assert_eq!(actions(&sent), ["mark_events_as_seen"]);
    let Request::MarkEventsAsSeen(seen) = &sent[0].request else { panic!() };
    assert_eq!(seen.seen_up_to, "2026-01-01T10:00:01.000000Z");
    assert!(session.flush(&state).is_empty(), "sent once");
    // The next agent message is seen at once, the window being open.
    let next = session.on_frame(&agent_event("T1_2", "2026-01-01T10:00:02.000000Z"), &mut state);
    assert_eq!(actions(&next), ["mark_events_as_seen"]);
    // The server's push confirms; nothing more is due.
    let push = json!({ "action": "events_marked_as_seen", "type": "push",
                       "payload": { "user_id": "me", "chat_id": "C1", "seen_up_to": "2026-01-01T10:00:02.000000Z" } });
    assert!(session.on_frame(&ServerFrame::decode(&push.to_string()).unwrap(), &mut state).is_empty());
    assert_eq!(state.receipt_due(), None);
}

#[test]
fn the_login_sends_back_the_storage_the_server_asked_to_keep() {
    let mut session = Session::new();
    let mut storage = protocol::Object::new();
    storage.insert("k".into(), json!("v"));
    let login = session.login_with("t", None, storage.clone());
    let Request::Login(payload) = &login.request else { panic!() };
    assert_eq!(payload.customer_side_storage.as_ref(), Some(&storage));
}

#[test]
fn a_resync_that_finds_newer_threads_fetches_back_to_the_one_known_before_the_drop() {
    let (mut session, mut state) = fresh();
    state.fixture().chat_id = Some("C1".into());
    state.fixture().thread_id = Some("T1".into());
    state.fixture().chat_active = true;
    // Reconnect: meanwhile the agent wrote in T1 and closed it, and another tab opened T2
    // and T3.
    session.begin();
    let login = session.login("t", None);
    let next = session.on_frame(&reply(&login, login_payload(json!([{ "chat_id": "C1" }]), false)), &mut state);
    let thread = |id: &str, previous: Option<&str>, text: &str, at: &str| {
        // Servers need not say `next_thread_id`; the session knows these are older threads.
        json!({ "id": "C1", "thread": { "id": id, "active": id == "T3", "previous_thread_id": previous,
            "events": [{ "id": format!("{id}_1"), "type": "message", "author_id": "agent", "text": text, "created_at": at }] } })
    };
    let next = session.on_frame(&reply(&next[0], thread("T3", Some("T2"), "three", "2026-01-03T00:00:00.000000Z")), &mut state);
    let thread_ids = |frames: &[RequestFrame]| -> Vec<Option<String>> {
        frames
            .iter()
            .filter_map(|frame| match &frame.request {
                Request::GetChat(get) => Some(get.thread_id.clone()),
                _ => None,
            })
            .collect()
    };
    assert_eq!(thread_ids(&next), [Some("T2".to_owned())]);
    let next = session.on_frame(&reply(&next[0], thread("T2", Some("T1"), "two", "2026-01-02T00:00:00.000000Z")), &mut state);
    assert_eq!(thread_ids(&next), [Some("T1".to_owned())], "the known thread may have grown too");
    let next = session.on_frame(&reply(&next[0], thread("T1", None, "one", "2026-01-01T00:00:00.000000Z")), &mut state);
    assert!(thread_ids(&next).is_empty(), "back at the known thread");
    let texts: Vec<&str> = state.messages.iter().map(|message| message.text.as_str()).collect();
    assert_eq!(texts, ["one", "two", "three"]);
    assert_eq!(state.thread_id.as_deref(), Some("T3"));
    assert!(state.chat_active, "older threads do not change the chat's state");
}

#[test]
fn a_resync_of_the_known_thread_fetches_nothing_more() {
    let (mut session, mut state) = fresh();
    state.fixture().chat_id = Some("C1".into());
    state.fixture().thread_id = Some("T1".into());
    session.begin();
    let login = session.login("t", None);
    let next = session.on_frame(&reply(&login, login_payload(json!([{ "chat_id": "C1" }]), true)), &mut state);
    let next = session.on_frame(
        &reply(&next[0], json!({ "id": "C1", "thread": { "id": "T1", "active": true, "previous_thread_id": "T0", "events": [] } })),
        &mut state,
    );
    assert!(next.is_empty());
}

#[test]
fn a_not_now_refusal_keeps_the_message_and_retries_after_a_pause_before_failing_it() {
    let (mut session, mut state) = fresh();
    state.fixture().chat_id = Some("C1".into());
    state.fixture().chat_active = true;
    state.queue_message("a".into(), "hi".into());
    state.queue_message("b".into(), "there".into());
    session.sent(0.0);
    let sent = session.flush(&state);
    assert_eq!(actions(&sent), ["send_event", "send_event"]);
    // "a" hits the rate limit: it waits, and "b" (answered) is not overtaken.
    assert!(session.on_frame(&fail(&sent[0], "too_many_requests"), &mut state).is_empty());
    session.on_frame(&reply(&sent[1], json!({ "event_id": "T_2" })), &mut state);
    assert_eq!(state.messages[0].delivery, Delivery::Sending);
    assert!(session.expire(1_000.0, &state).is_empty(), "still pausing");
    let mut retry = session.expire(2_001.0, &state);
    assert_eq!(actions(&retry), ["send_event"]);
    // Each refusal makes the pause longer; after four the message is shown as failed.
    for attempt in 2..=4u32 {
        session.sent(0.0);
        assert!(session.on_frame(&fail(&retry[0], "internal"), &mut state).is_empty());
        let clock = 2_001.0 + 10_000.0 * f64::from(attempt);
        retry = session.expire(clock, &state);
        assert_eq!(actions(&retry), ["send_event"], "attempt {attempt}");
    }
    session.on_frame(&fail(&retry[0], "service_unavailable"), &mut state);
    assert_eq!(state.messages[0].delivery.as_str(), "failed");
    // A "never" refusal fails at once.
    state.queue_message("c".into(), "x".into());
    let sent = session.flush(&state);
    session.on_frame(&fail(&sent[0], "validation"), &mut state);
    assert_eq!(state.messages.iter().find(|message| message.key == "c").unwrap().delivery.as_str(), "failed");
}

fn file(url: &str) -> protocol::Event {
    protocol::Event::new(protocol::EventBody::File {
        url: url.into(),
        name: Some("plan.pdf".into()),
        content_type: None,
        size: None,
        width: None,
        height: None,
        thumbnail_url: None,
        thumbnail2x_url: None,
    })
}

fn form(form_id: &str) -> protocol::Event {
    let fields = vec![json!({ "type": "name", "id": "1", "label": "Name", "answer": "Ada" })];
    protocol::Event::new(protocol::EventBody::FilledForm { form_id: form_id.into(), fields })
}

#[test]
fn files_and_forms_open_the_chat_together_with_the_routing_of_the_first() {
    let (mut session, mut state) = fresh();
    let access = protocol::Access { group_ids: vec![3], agent_ids: vec![] };
    let opening = crate::store::Opening { access: Some(access), continuous: true };
    state.queue("f".into(), crate::store::Item::Event { event: form("pre"), opening });
    state.queue("u".into(), crate::store::Item::Event { event: file("https://x/uploads/1/plan.pdf"), opening: Default::default() });
    assert_eq!(state.messages.len(), 2, "both show at once, as sending");
    let sent = session.flush(&state);
    let Request::StartChat(start) = &sent[0].request else { panic!("{sent:?}") };
    let chat = start.chat.as_ref().unwrap();
    assert_eq!(chat.access.as_ref().unwrap().group_ids, [3]);
    assert_eq!(start.continuous, Some(true), "a ticket keeps the chat open for later answers");
    let custom_ids: Vec<_> = chat.thread.as_ref().unwrap().events.iter().map(|event| event.custom_id.clone()).collect();
    assert_eq!(custom_ids, [Some("f".to_owned()), Some("u".to_owned())]);
    session.on_frame(&reply(&sent[0], json!({ "chat_id": "C1", "thread_id": "T1", "event_ids": ["T1_1", "T1_2"] })), &mut state);
    assert_eq!(state.outbox().count(), 0);
    assert!(state.messages.iter().all(|message| message.delivery == Delivery::Sent));
}

#[test]
fn presses_ratings_and_after_chat_answers_survive_a_dropped_connection_and_tell_their_waiters() {
    use crate::store::Item;
    let (mut session, mut state) = fresh();
    state.fixture().chat_id = Some("C1".into());
    state.fixture().chat_active = false;
    state.fixture().thread_id = Some("T1".into());
    let press = Item::Postback { chat_id: "C1".into(), thread_id: "T1".into(), event_id: "T1_3".into(), postback_id: "yes".into(), toggled: true };
    let mut rating = protocol::Object::new();
    rating.insert("rating".into(), json!({ "score": 1 }));
    state.queue("p".into(), press);
    state.queue("r".into(), Item::ThreadProperties { chat_id: "C1".into(), thread_id: "T1".into(), properties: rating, delete: false });
    state.queue("a".into(), Item::AfterChat { event: form("post") });
    let (waiter, mut told) = futures::channel::oneshot::channel();
    session.track("r".into(), waiter);

    let sent = session.flush(&state);
    assert_eq!(actions(&sent), ["send_rich_message_postback", "update_thread_properties", "send_event"]);
    let Request::SendEvent(after) = &sent[2].request else { panic!() };
    assert_eq!(after.attach_to_last_thread, Some(true), "the post-chat answers go to the ended thread");
    assert!(session.flush(&state).is_empty(), "nothing twice while in flight");

    // The socket drops before any answer: everything goes again on the next connection.
    session.begin();
    let login = session.login("t0k", None);
    let next = session.on_frame(&reply(&login, login_payload(json!([{ "chat_id": "C1" }]), false)), &mut state);
    let resynced = session.on_frame(&reply(&next[0], json!({ "id": "C1", "thread": { "id": "T1", "active": false, "events": [] } })), &mut state);
    assert_eq!(actions(&resynced), ["send_rich_message_postback", "update_thread_properties", "send_event"]);
    assert!(told.try_recv().unwrap().is_none(), "the waiter still waits");

    session.on_frame(&reply(&resynced[0], json!({})), &mut state);
    session.on_frame(&reply(&resynced[1], json!({})), &mut state);
    session.on_frame(&reply(&resynced[2], json!({ "event_id": "T1_9" })), &mut state);
    assert_eq!(told.try_recv().unwrap(), Some(Ok(())));
    assert_eq!(state.outbox().count(), 0);
}

#[test]
fn a_not_now_error_holds_an_item_and_a_refusal_reaches_its_waiter() {
    use crate::store::Item;
    let (mut session, mut state) = fresh();
    state.fixture().chat_id = Some("C1".into());
    state.fixture().chat_active = true;
    let mut rating = protocol::Object::new();
    rating.insert("rating".into(), json!({ "score": 0 }));
    state.queue("r".into(), Item::ThreadProperties { chat_id: "C1".into(), thread_id: "T1".into(), properties: rating, delete: false });
    let (waiter, mut told) = futures::channel::oneshot::channel();
    session.track("r".into(), waiter);
    let sent = session.flush(&state);
    session.on_frame(&fail(&sent[0], "too_many_requests"), &mut state);
    assert_eq!(state.outbox().count(), 1, "held, not dropped");
    assert!(session.flush(&state).is_empty(), "it waits its turn");
    let later = session.expire(10_000.0, &state);
    assert_eq!(actions(&later), ["update_thread_properties"]);
    session.on_frame(&fail(&later[0], "not_found"), &mut state);
    assert!(matches!(told.try_recv().unwrap(), Some(Err(RequestError::Server { .. }))));
    assert_eq!(state.outbox().count(), 0, "a refused rating leaves the outbox; its sender shows why");
}
