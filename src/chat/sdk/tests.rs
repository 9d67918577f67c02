//! The SDK methods, driven natively: each call goes through the real command channel and a
//! real [`Session`]; the test plays the server by answering the frames it sends.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use futures::channel::mpsc;
use leptos::prelude::*;
use protocol::{Request, RequestFrame, ServerFrame};
use serde_json::{json, Value};

use super::*;
use crate::chat::ChatHandle;
use crate::config::WidgetConfig;
use crate::session::*;
use protocol::{ErrorPayload, ErrorType};
use crate::session::Session;
use crate::store::ChatState;

/// A handle wired to a logged-in session, with the test standing in for the socket.
struct Rig {
    chat: ChatHandle,
    commands: mpsc::UnboundedReceiver<Command>,
    session: Session,
    now: f64,
}

impl Rig {
    fn new() -> Rig {
        let (sender, commands) = mpsc::unbounded();
        let chat = ChatHandle::new(RwSignal::new(ChatState::default()), sender, "t".to_owned());
        let mut session = Session::new();
        let mut state = ChatState::default();
        let login = session.login("token", None);
        let payload = json!({ "customer": { "id": "me", "statistics": {} }, "has_active_thread": true,
                              "chats": [{ "chat_id": "C1" }], "__priv_dynamic_config": { "online_groups_ids": [1] } });
        let resync = session.on_frame(&answer_ok(&login, payload), &mut state);
        let thread = json!({ "id": "C1", "thread": { "id": "T2", "active": true, "previous_thread_id": "T1", "events": [] } });
        session.on_frame(&answer_ok(&resync[0], thread), &mut state);
        chat.state.set(state);
        Rig { chat, commands, session, now: 0.0 }
    }

    /// What the connection task would send now for the commands waiting in the channel.
    fn sent(&mut self) -> Vec<RequestFrame> {
        let mut out = Vec::new();
        let state = self.chat.state;
        while let Ok(command) = self.commands.try_recv() {
            match command {
                Command::Call(call) => self.session.call(*call, self.now),
                Command::Track { custom_id, reply } => self.session.track(custom_id, reply.0),
                Command::Connect | Command::Flush => {}
                Command::SneakPeek { chat_id, text } => {
                    out.extend(state.with_untracked(|state| self.session.sneak_peek(chat_id, text, self.now, state)))
                }
                other => panic!("unexpected {other:?}"),
            }
        }
        out.extend(state.with_untracked(|state| self.session.flush(state)));
        self.session.sent(self.now);
        out
    }

    fn answer(&mut self, frame: ServerFrame) {
        self.chat.state.update(|state| {
            self.session.receive(frame, state);
        });
    }
}

fn answer_ok(request: &RequestFrame, payload: Value) -> ServerFrame {
    let frame = json!({ "request_id": request.request_id, "action": request.request.action(),
                        "type": "response", "success": true, "payload": payload });
    ServerFrame::decode(&frame.to_string()).unwrap()
}

fn answer_error(request: &RequestFrame, kind: &str) -> ServerFrame {
    let frame = json!({ "request_id": request.request_id, "action": request.request.action(), "type": "response",
                        "success": false, "payload": { "error": { "type": kind, "message": "no" } } });
    ServerFrame::decode(&frame.to_string()).unwrap()
}

/// Polls a future once; the session answers synchronously, so no executor is needed.
fn poll<F: Future + Unpin>(future: &mut F) -> Poll<F::Output> {
    Pin::new(future).poll(&mut Context::from_waker(Waker::noop()))
}

fn ready<F: Future + Unpin>(future: &mut F) -> F::Output {
    match poll(future) {
        Poll::Ready(output) => output,
        Poll::Pending => panic!("the call has not resolved"),
    }
}

/// Runs a call that needs one answer: checks the wire request, answers, returns the result.
fn one_round<T>(
    rig: &mut Rig,
    future: impl Future<Output = T>,
    check: impl FnOnce(&Request),
    payload: Value,
) -> T {
    let mut future = Box::pin(future);
    assert!(poll(&mut future).is_pending());
    let sent = rig.sent();
    assert_eq!(sent.len(), 1, "{sent:?}");
    check(&sent[0].request);
    rig.answer(answer_ok(&sent[0], payload));
    ready(&mut future)
}

#[test]
fn every_sdk_method_sends_its_wire_action_and_resolves_with_a_typed_result() {
    let mut rig = Rig::new();
    let chat = rig.chat;
    let obj = |value: Value| value.as_object().cloned().unwrap();

    one_round(&mut rig, chat.accept_greeting(7, "g1"), |request| {
        assert_eq!(request, &Request::AcceptGreeting(AcceptGreeting { greeting_id: 7, unique_id: "g1".into() }))
    }, json!({})).unwrap();
    one_round(&mut rig, chat.cancel_greeting("g1"), |request| assert_eq!(request.action(), "cancel_greeting"), json!({})).unwrap();
    let activated = one_round(&mut rig, chat.activate_chat(ActivateChat::default()), |request| {
        assert_eq!(request.action(), "activate_chat")
    }, json!({ "thread_id": "T3" })).unwrap();
    assert_eq!(activated.thread_id, "T3");
    let started = one_round(&mut rig, chat.start_chat(StartChat::default()), |request| assert_eq!(request.action(), "start_chat"),
        json!({ "chat_id": "C1", "thread_id": "T4" })).unwrap();
    assert_eq!(started.thread_id, "T4");
    one_round(&mut rig, chat.deactivate_chat("C1"), |request| {
        assert_eq!(request.payload(), json!({ "chat_id": "C1" }))
    }, json!({})).unwrap();
    let fetched = one_round(&mut rig, chat.get_chat("C1", Some("T1")), |request| {
        assert_eq!(request.payload(), json!({ "chat_id": "C1", "thread_id": "T1" }))
    }, json!({ "id": "C1", "thread": { "id": "T1", "active": false, "next_thread_id": "T2", "events": [] } })).unwrap();
    assert_eq!(fetched.thread.unwrap().id, "T1");
    let customer = one_round(&mut rig, chat.get_customer(), |request| assert_eq!(request.action(), "get_customer"),
        json!({ "id": "me", "type": "customer", "statistics": { "visits_count": 4 } })).unwrap();
    assert_eq!(customer.statistics.visits_count, 4);
    let form = one_round(&mut rig, chat.get_form(0, FormKind::Prechat), |request| {
        assert_eq!(request.payload(), json!({ "group_id": 0, "type": "prechat" }))
    }, json!({ "enabled": false })).unwrap();
    assert!(!form.enabled);
    let agent = one_round(&mut rig, chat.get_predicted_agent(Some(2)), |request| {
        assert_eq!(request.payload(), json!({ "group_id": 2 }))
    }, json!({ "id": "a1", "type": "agent", "name": "Anna", "agent": { "id": "a1", "name": "Anna" }, "queue": false })).unwrap();
    assert_eq!(agent.flat.name.as_deref(), Some("Anna"));
    let info = one_round(&mut rig, chat.get_url_info("https://example.com"), |request| assert_eq!(request.action(), "get_url_info"),
        json!({ "url": "https://example.com", "title": "Example" })).unwrap();
    assert_eq!(info.title.as_deref(), Some("Example"));
    let chats = one_round(&mut rig, chat.list_chats(ListChats { limit: Some(5), ..ListChats::default() }), |request| {
        assert_eq!(request.payload(), json!({ "limit": 5 }))
    }, json!({ "chats_summary": [{ "id": "C1", "active": true }], "total_chats": 1 })).unwrap();
    assert_eq!(chats.total_chats, 1);
    let statuses = one_round(&mut rig, chat.list_group_statuses(None), |request| {
        assert_eq!(request.payload(), json!({ "all": true }))
    }, json!({ "groups_status": { "0": "online" } })).unwrap();
    assert_eq!(statuses["0"], "online");
    let some = one_round(&mut rig, chat.list_group_statuses(Some(vec![3])), |request| {
        assert_eq!(request.payload(), json!({ "group_ids": [3] }))
    }, json!({ "groups_status": {} })).unwrap();
    assert!(some.is_empty());
    let threads = one_round(&mut rig, chat.list_threads(ListThreads { chat_id: "C1".into(), ..ListThreads::default() }), |request| {
        assert_eq!(request.action(), "list_threads")
    }, json!({ "threads": [], "found_threads": 0 })).unwrap();
    assert_eq!(threads.found_threads, 0);
    one_round(&mut rig, chat.mark_events_as_seen("C1", "2026-01-01T10:00:00.000000Z"), |request| {
        assert_eq!(request.payload(), json!({ "chat_id": "C1", "seen_up_to": "2026-01-01T10:00:00.000000Z" }))
    }, json!({})).unwrap();
    let event_id = one_round(&mut rig, chat.send_event("C1", Event::message("x-1", "hi"), false), |request| {
        let Request::SendEvent(send) = request else { panic!() };
        assert_eq!((send.event.custom_id.as_deref(), send.attach_to_last_thread), (Some("x-1"), None));
    }, json!({ "event_id": "T2_9" })).unwrap();
    assert_eq!(event_id, "T2_9");
    one_round(&mut rig, chat.send_rich_message_postback("C1", "T2", "T2_1", "yes", true), |request| {
        assert_eq!(request.payload()["postback"], json!({ "id": "yes", "toggled": true }))
    }, json!({})).unwrap();
    one_round(&mut rig, chat.set_customer_session_fields(BTreeMap::from([("plan".into(), "pro".into())])), |request| {
        assert_eq!(request.payload(), json!({ "session_fields": [{ "plan": "pro" }] }))
    }, json!({})).unwrap();
    for (future, action) in [
        (Box::pin(chat.update_chat_properties("C1", obj(json!({ "a": { "b": 1 } })))) as Pin<Box<dyn Future<Output = _>>>, "update_chat_properties"),
        (Box::pin(chat.delete_chat_properties("C1", obj(json!({ "a": ["b"] })))), "delete_chat_properties"),
        (Box::pin(chat.update_thread_properties("C1", "T2", obj(json!({ "a": { "b": 1 } })))), "update_thread_properties"),
        (Box::pin(chat.delete_thread_properties("C1", "T2", obj(json!({ "a": ["b"] })))), "delete_thread_properties"),
        (Box::pin(chat.update_event_properties("C1", "T2", "T2_1", obj(json!({ "a": { "b": 1 } })))), "update_event_properties"),
        (Box::pin(chat.delete_event_properties("C1", "T2", "T2_1", obj(json!({ "a": ["b"] })))), "delete_event_properties"),
        (Box::pin(chat.update_customer(UpdateCustomer { name: Some("Ada".into()), ..UpdateCustomer::default() })), "update_customer"),
        (Box::pin(chat.update_customer_page("https://shop.example/", Some("Shop"))), "update_customer_page"),
    ] {
        one_round(&mut rig, future, |request| assert_eq!(request.action(), action), json!({})).unwrap();
    }
}

#[test]
fn rating_goes_to_the_latest_thread_and_cancelling_removes_it() {
    let mut rig = Rig::new();
    let chat = rig.chat;
    one_round(&mut rig, chat.rate_chat("C1", 1, Some("thanks")), |request| {
        assert_eq!(request.payload(), json!({ "chat_id": "C1", "thread_id": "T2",
            "properties": { "rating": { "score": 1, "comment": "thanks" } } }))
    }, json!({})).unwrap();
    one_round(&mut rig, chat.cancel_rate("C1", &[]), |request| {
        assert_eq!(request.action(), "delete_thread_properties");
        assert_eq!(request.payload()["properties"], json!({ "rating": ["score", "comment"] }));
    }, json!({})).unwrap();
    assert!(matches!(ready(&mut Box::pin(chat.rate_chat("C1", 5, None))), Err(RequestError::Invalid(_))));

    // Another chat's latest thread is looked up first; a chat without one is an error.
    let mut rating = Box::pin(chat.rate_chat("C9", 0, None));
    assert!(poll(&mut rating).is_pending());
    let sent = rig.sent();
    assert_eq!(sent[0].request.action(), "get_chat");
    rig.answer(answer_ok(&sent[0], json!({ "id": "C9", "thread": null })));
    assert_eq!(ready(&mut rating), Err(RequestError::MissingChatThread));
}

#[test]
fn a_ticket_form_reopens_the_chat_for_the_group_or_starts_one() {
    let mut rig = Rig::new();
    let chat = rig.chat;
    let fields = vec![json!({ "type": "email", "id": "1", "label": "E-mail", "answer": "ada@example.com" })];
    // The chat is active: the form is one more event.
    let chat_id = one_round(&mut rig, chat.send_ticket_form(Some(2), "ticket", fields.clone()), |request| {
        let Request::SendEvent(send) = request else { panic!("{request:?}") };
        assert!(matches!(&send.event.body, EventBody::FilledForm { form_id, .. } if form_id == "ticket"));
        assert!(send.event.custom_id.is_some(), "a retry is recognised");
    }, json!({ "event_id": "T2_5" })).unwrap();
    assert_eq!(chat_id, "C1");
    // Closed: it reopens the chat, routed to the group.
    rig.chat.state.update(|state| state.fixture().chat_active = false);
    one_round(&mut rig, chat.send_ticket_form(Some(2), "ticket", fields.clone()), |request| {
        let Request::ActivateChat(activate) = request else { panic!("{request:?}") };
        assert_eq!(activate.chat.access.as_ref().map(|access| access.group_ids.clone()), Some(vec![2]));
        assert_eq!(activate.chat.thread.as_ref().unwrap().events.len(), 1);
    }, json!({ "thread_id": "T3" })).unwrap();
    // No chat yet: it starts one.
    rig.chat.state.update(|state| state.fixture().chat_id = None);
    let chat_id = one_round(&mut rig, chat.send_ticket_form(None, "ticket", fields), |request| {
        assert_eq!(request.action(), "start_chat")
    }, json!({ "chat_id": "C7", "thread_id": "T1" })).unwrap();
    assert_eq!(chat_id, "C7");
}

#[test]
fn arguments_breaking_protocol_rules_are_refused_before_sending() {
    let mut rig = Rig::new();
    let chat = rig.chat;
    let mut rich = Event::message("x", "y");
    rich.body = EventBody::RichMessage { template_id: "cards".into(), elements: vec![] };
    assert!(matches!(ready(&mut Box::pin(chat.send_event("C1", rich, false))), Err(RequestError::Invalid(_))));
    assert!(matches!(ready(&mut Box::pin(chat.update_customer(UpdateCustomer::default()))), Err(RequestError::Invalid(_))));
    let many: BTreeMap<String, String> = (0..101).map(|n| (format!("k{n}"), "v".to_owned())).collect();
    assert!(matches!(ready(&mut Box::pin(chat.set_customer_session_fields(many))), Err(RequestError::Invalid(_))));
    assert!(rig.sent().is_empty());
}

#[test]
fn a_wire_error_reaches_the_caller_typed() {
    let mut rig = Rig::new();
    let chat = rig.chat;
    let mut greeting = Box::pin(chat.accept_greeting(1, "gone"));
    assert!(poll(&mut greeting).is_pending());
    let sent = rig.sent();
    rig.answer(answer_error(&sent[0], "greeting_not_found"));
    let error = ready(&mut greeting).unwrap_err();
    assert_eq!(error.kind(), Some(&ErrorType::GreetingNotFound));
    assert_eq!(error.code(), "GREETING_NOT_FOUND");
}

#[test]
fn a_call_after_the_connection_task_stopped_fails_as_destroyed() {
    let rig = Rig::new();
    let chat = rig.chat;
    drop(rig);
    assert_eq!(ready(&mut Box::pin(chat.get_customer())), Err(RequestError::Destroyed));
}

#[test]
fn history_pages_through_older_threads_and_merges_them() {
    let mut rig = Rig::new();
    let chat = rig.chat;
    let mut history = chat.get_chat_history("C1");
    let thread = |id: &str, at: &str, text: &str| {
        json!({ "id": id, "active": false, "created_at": at,
                "events": [{ "id": format!("{id}_1"), "type": "message", "author_id": "agent", "text": text, "created_at": at }] })
    };

    let mut page = Box::pin(history.next());
    assert!(poll(&mut page).is_pending());
    let sent = rig.sent();
    assert_eq!(sent[0].request.payload(), json!({ "chat_id": "C1", "sort_order": "desc", "limit": 3 }));
    rig.answer(answer_ok(&sent[0], json!({ "threads": [
        thread("T2", "2026-01-03T00:00:00.000000Z", "newest"), thread("T1", "2026-01-02T00:00:00.000000Z", "middle") ],
        "found_threads": 3, "next_page_id": "p2" })));
    let threads = ready(&mut page).unwrap().unwrap();
    assert_eq!(threads.iter().map(|thread| thread.id.as_str()).collect::<Vec<_>>(), ["T1", "T2"], "oldest first");
    drop(page);

    let mut page = Box::pin(history.next());
    assert!(poll(&mut page).is_pending());
    let sent = rig.sent();
    assert_eq!(sent[0].request.payload()["page_id"], "p2");
    rig.answer(answer_ok(&sent[0], json!({ "threads": [thread("T0", "2026-01-01T00:00:00.000000Z", "oldest")], "found_threads": 3 })));
    ready(&mut page).unwrap().unwrap();
    drop(page);
    assert!(history.is_done());
    assert_eq!(ready(&mut Box::pin(history.next())), Ok(None));
    assert!(rig.sent().is_empty(), "nothing more is asked");

    let texts: Vec<String> = rig.chat.state.with_untracked(|state| state.messages.iter().map(|message| message.text.clone()).collect());
    assert_eq!(texts, ["oldest", "middle", "newest"]);
    assert!(rig.chat.state.with_untracked(|state| state.history_complete));
}

#[test]
fn sneak_peeks_go_through_the_session_throttle() {
    let mut rig = Rig::new();
    rig.chat.set_sneak_peek("C1", "hel");
    rig.chat.set_sneak_peek("C1", "hello");
    let sent = rig.sent();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].request, Request::SendSneakPeek(protocol::SendSneakPeek { chat_id: "C1".into(), sneak_peek_text: "hel".into() }));
    let later = rig.chat.state.with_untracked(|state| rig.session.expire(SNEAK_PEEK_INTERVAL_MS + 1.0, state));
    assert_eq!(later[0].request.payload()["sneak_peek_text"], "hello");
}

#[test]
fn uploads_are_capped_at_10_mb_and_read_the_web_api_answer() {
    assert!(check_upload_size(MAX_UPLOAD_BYTES).is_ok());
    let error = check_upload_size(MAX_UPLOAD_BYTES + 1.0).unwrap_err();
    assert_eq!(error.code(), "VALIDATION");
    assert!(error.to_string().contains("10 MB"), "{error}");

    assert_eq!(upload_result(200, r#"{"url":"https://chat.example/uploads/a/b.png"}"#), Ok("https://chat.example/uploads/a/b.png".into()));
    let refused = upload_result(413, r#"{"error":{"type":"validation","message":"too large"}}"#).unwrap_err();
    assert_eq!(refused.kind(), Some(&ErrorType::Validation));
    assert_eq!(upload_result(401, r#"{"error":{"type":"authentication","message":"x"}}"#).unwrap_err().code(), "AUTHENTICATION");
    assert_eq!(upload_result(0, ""), Err(RequestError::ConnectionLost));
    assert!(matches!(upload_result(502, "<html>"), Err(RequestError::Unexpected(_))));

    let config = WidgetConfig::from_options(&json!({ "account": 7 }), "https://chat.example").unwrap();
    assert_eq!(upload_url(&config), "https://chat.example/v3.2/customer/action/upload_file?license_id=7");
    let config = WidgetConfig::from_options(&json!({ "account": "org/1" }), "https://chat.example").unwrap();
    assert_eq!(upload_url(&config), "https://chat.example/v3.5/customer/action/upload_file?organization_id=org%2F1");
}

#[test]
fn a_drop_becomes_unstable_after_three_seconds_and_recovers_with_the_login() {
    let mut stability = Stability::default();
    assert_eq!(stability.update(0.0, false, false), None, "not connected yet is not unstable");
    assert_eq!(stability.update(100.0, true, false), None);
    assert_eq!(stability.update(1_000.0, false, false), None, "a drop");
    assert_eq!(stability.update(3_500.0, false, false), None, "still within the grace period");
    assert_eq!(stability.update(4_001.0, false, false), Some(true));
    assert_eq!(stability.update(5_000.0, false, false), None, "reported once");
    assert_eq!(stability.update(6_000.0, true, false), Some(false), "recovered");
    // A short blip is not reported at all.
    assert_eq!(stability.update(7_000.0, false, false), None);
    assert_eq!(stability.update(8_000.0, true, false), None);
    // A late ping on a live socket is.
    assert_eq!(stability.update(9_000.0, true, true), Some(true));
    assert_eq!(stability.update(9_500.0, true, false), Some(false));
}

#[test]
fn error_codes_follow_the_sdk() {
    assert_eq!(RequestError::Timeout.code(), "REQUEST_TIMEOUT");
    assert_eq!(RequestError::ConnectionLost.code(), "CONNECTION_LOST");
    assert_eq!(RequestError::MissingChatThread.code(), "MISSING_CHAT_THREAD");
    let error: RequestError = ErrorPayload::new(ErrorType::PendingRequestsLimitReached, "slow down").into();
    assert_eq!(error.code(), "PENDING_REQUESTS_LIMIT_REACHED");
    assert_eq!(error.to_string(), "pending_requests_limit_reached: slow down");
}
