//! The desk and the session together, driven by frames as the server sends them.

use protocol::{ServerFrame, TransferTo};
use serde_json::{json, Value};

use super::{Alert, Desk, Section};
use crate::session::{Frame, Intent, Session};

const ME: &str = "anna@acme.example";

fn push(action: &str, payload: Value) -> ServerFrame<protocol::AgentResponse> {
    let text = json!({ "action": action, "type": "push", "payload": payload }).to_string();
    ServerFrame::decode_agent(&text).unwrap()
}

fn answer(frame: &Frame, payload: Value) -> ServerFrame<protocol::AgentResponse> {
    let text = json!({ "request_id": frame.request_id, "action": frame.request.action(), "type": "response", "success": true, "payload": payload });
    ServerFrame::decode_agent(&text.to_string()).unwrap()
}

fn refusal(frame: &Frame, message: &str) -> ServerFrame<protocol::AgentResponse> {
    let text = json!({ "request_id": frame.request_id, "action": frame.request.action(), "type": "response", "success": false,
        "payload": { "error": { "type": "validation", "message": message } } });
    ServerFrame::decode_agent(&text.to_string()).unwrap()
}

fn actions(frames: &[Frame]) -> Vec<String> {
    frames.iter().map(|frame| protocol::Action::action(&frame.request).to_owned()).collect()
}

fn customer(id: &str, name: &str) -> Value {
    json!({ "id": id, "type": "customer", "name": name })
}

fn message(id: &str, author: &str, at: &str, text: &str) -> Value {
    json!({ "id": id, "type": "message", "author_id": author, "created_at": at, "text": text, "recipients": "all" })
}

fn summary(chat_id: &str, users: Value, active: bool, queue: Option<Value>, last: Value) -> Value {
    let mut thread = json!({ "id": format!("{chat_id}-t1"), "created_at": "2026-12-01T10:00:00.000000Z", "active": active, "user_ids": [] });
    if let Some(queue) = queue {
        thread["queue"] = queue;
    }
    json!({
        "id": chat_id, "users": users, "access": { "group_ids": [0] }, "properties": {},
        "last_thread_summary": thread,
        "last_event_per_type": { "message": { "thread_id": format!("{chat_id}-t1"), "event": last } },
    })
}

/// A session logged in as Anna with three chats: one of hers, one waiting, one Bob's.
fn signed_in() -> (Session, Desk) {
    let mut session = Session::new("tab1");
    let mut desk = Desk::default();
    session.begin();
    let login = session.login("secret");
    let login_answer = json!({
        "license": { "id": 1, "organization_id": "org", "name": "Acme" },
        "my_profile": { "id": ME, "type": "agent", "name": "Anna", "routing_status": "accepting_chats" },
        "chats_summary": [
            summary("mine", json!([customer("c1", "Dana"), { "id": ME, "type": "agent", "name": "Anna" }]), true, None, message("e1", "c1", "2026-12-01T10:00:01.000000Z", "Hello")),
            summary("waiting", json!([customer("c2", "Eli")]), true, Some(json!({ "position": 1, "wait_time": 30, "queued_at": "2026-12-01T10:01:00.000000Z" })), message("e2", "c2", "2026-12-01T10:01:00.000000Z", "Anyone?")),
            summary("bobs", json!([customer("c3", "Fay"), { "id": "bob@acme.example", "type": "agent", "name": "Bob" }]), true, None, message("e3", "c3", "2026-12-01T10:02:00.000000Z", "Thanks Bob")),
            summary("ended", json!([customer("c4", "Gus")]), false, None, message("e4", "c4", "2026-12-01T09:00:00.000000Z", "Bye")),
        ],
    });
    let next = session.receive(answer(&login, login_answer), &mut desk);
    assert_eq!(actions(&next), ["list_chats", "list_canned_responses", "list_agents"]);
    (session, desk)
}

fn ids(chats: Vec<&super::ChatEntry>) -> Vec<String> {
    chats.into_iter().map(|chat| chat.id.clone()).collect()
}

#[test]
fn the_inbox_lists_my_chats_the_queue_and_others_chats() {
    let (_, desk) = signed_in();
    assert_eq!(desk.me.as_deref(), Some(ME));
    assert!(desk.accepting);
    assert_eq!(ids(desk.section(Section::Mine)), ["mine"]);
    assert_eq!(ids(desk.section(Section::Queue)), ["waiting"]);
    assert_eq!(ids(desk.section(Section::Others)), ["bobs"]);
    assert_eq!(desk.chats["waiting"].queue.as_ref().map(|queue| queue.position), Some(1));
    assert_eq!(desk.chats["mine"].preview().and_then(|event| event.text()), Some("Hello"));
    assert_eq!(desk.chats["mine"].visitor_name(), "Dana");
}

#[test]
fn a_new_chat_and_a_visitors_message_alert_the_agent_and_count_as_unread_once() {
    let (mut session, mut desk) = signed_in();
    let incoming = json!({ "chat": {
        "id": "new", "users": [customer("c9", "Hal")], "access": { "group_ids": [0] },
        "thread": { "id": "new-t1", "active": true, "created_at": "2026-12-01T11:00:00.000000Z", "user_ids": ["c9"],
            "events": [message("n1", "c9", "2026-12-01T11:00:00.000000Z", "Is the tent waterproof?")],
            "queue": { "position": 2, "wait_time": 60, "queued_at": "2026-12-01T11:00:00.000000Z" } } } });
    let next = session.receive(push("incoming_chat", incoming), &mut desk);
    assert_eq!(actions(&next), Vec::<String>::new(), "the team's list is already on its way");
    assert_eq!(ids(desk.section(Section::Queue)), ["waiting", "new"]);
    assert_eq!(desk.take_alerts(), [Alert::NewChat { chat_id: "new".to_owned(), from: "Hal".to_owned() }]);

    let event = json!({ "chat_id": "new", "thread_id": "new-t1", "event": message("n2", "c9", "2026-12-01T11:00:05.000000Z", "Hello?") });
    assert_eq!(desk.chats["new"].unread, 1, "the message that started the chat is unread");
    session.receive(push("incoming_event", event.clone()), &mut desk);
    session.receive(push("incoming_event", event), &mut desk);
    assert_eq!(desk.chats["new"].unread, 2, "the same event twice counts once");
    assert_eq!(desk.take_alerts(), [Alert::NewMessage { chat_id: "new".to_owned(), from: "Hal".to_owned(), text: "Hello?".to_owned() }]);
    assert_eq!(desk.unread(), 2);

    // A message in another agent's chat is not the agent's to answer: no alert, not counted.
    let theirs = json!({ "chat_id": "bobs", "thread_id": "bobs-t1", "event": message("b2", "c3", "2026-12-01T11:01:00.000000Z", "One more thing") });
    session.receive(push("incoming_event", theirs), &mut desk);
    assert!(desk.take_alerts().is_empty());
    assert_eq!(desk.unread(), 2);

    // Opening the chat reads it, fetches it whole with its earlier threads, and says so.
    let opened = session.intent(Intent::Open("new".to_owned()), &mut desk);
    assert_eq!(actions(&opened), ["get_chat", "list_threads", "get_customer", "mark_events_as_seen"]);
    assert_eq!(desk.chats["new"].unread, 0);

    // With the tab in the background, even the chat on screen collects unread messages.
    desk.set_page_hidden(true);
    let later = json!({ "chat_id": "new", "thread_id": "new-t1", "event": message("n3", "c9", "2026-12-01T11:00:09.000000Z", "Still there?") });
    session.receive(push("incoming_event", later), &mut desk);
    assert_eq!(desk.chats["new"].unread, 1);
    desk.set_page_hidden(false);
    assert_eq!(desk.chats["new"].unread, 0, "coming back reads it");
    assert_eq!(desk.take_alerts().len(), 1, "a message in the background is news");

    // Anna takes it: it moves to her chats.
    let added = json!({ "chat_id": "new", "thread_id": "new-t1", "user": { "id": ME, "type": "agent", "name": "Anna" }, "reason": "manual", "requester_id": ME });
    session.receive(push("user_added_to_chat", added), &mut desk);
    assert_eq!(ids(desk.section(Section::Mine)), ["new", "mine"]);
    assert!(desk.take_alerts().is_empty(), "taking a chat oneself is no news");

    // Routing gives Anna the waiting chat: that is news.
    let routed = json!({ "chat_id": "waiting", "thread_id": "waiting-t1", "user": { "id": ME, "type": "agent", "name": "Anna" }, "reason": "manual", "requester_id": "system" });
    session.receive(push("user_added_to_chat", routed), &mut desk);
    assert_eq!(desk.take_alerts(), [Alert::NewChat { chat_id: "waiting".to_owned(), from: "Eli".to_owned() }]);
}

#[test]
fn an_event_of_an_unknown_chat_fetches_it_once() {
    let (mut session, mut desk) = signed_in();
    let event = |id: &str| json!({ "chat_id": "elsewhere", "thread_id": "x-t1", "event": message(id, "c7", "2026-12-01T12:00:00.000000Z", "hi") });
    let first = session.receive(push("incoming_event", event("x1")), &mut desk);
    let second = session.receive(push("incoming_event", event("x2")), &mut desk);
    assert_eq!(actions(&first), ["get_chat"]);
    assert!(second.is_empty(), "already on its way");
}

#[test]
fn the_agents_message_shows_at_once_and_survives_a_dropped_connection() {
    let (mut session, mut desk) = signed_in();
    let sent = session.intent(Intent::Send { chat_id: "mine".to_owned(), text: "  Sure, one moment  ".to_owned(), note: false }, &mut desk);
    assert_eq!(actions(&sent), ["send_event"]);
    let pending = &desk.chats["mine"].pending;
    assert_eq!((pending.len(), pending[0].text()), (1, Some("Sure, one moment")));
    let custom_id = pending[0].custom_id.clone().unwrap();
    assert!(custom_id.starts_with("tab1-"));

    // The socket drops before the answer; after the next login the message goes again,
    // with the same custom_id, so the server stores it once.
    session.begin();
    let login = session.login("secret");
    let again = session.receive(answer(&login, json!({
        "license": { "id": 1, "organization_id": "org" }, "my_profile": { "id": ME, "type": "agent", "routing_status": "accepting_chats" }, "chats_summary": [] })), &mut desk);
    let resent: Vec<&Frame> = again.iter().filter(|frame| protocol::Action::action(&frame.request) == "send_event").collect();
    assert_eq!(resent.len(), 1);
    let protocol::AgentRequest::SendEvent(request) = &resent[0].request else { unreachable!() };
    assert_eq!(request.event.custom_id.as_deref(), Some(custom_id.as_str()));
    assert_eq!(session.unsent(), 1);

    // The server's copy arrives as a push: the message is no longer "sending".
    let mut stored = message("s1", ME, "2026-12-01T12:00:00.000000Z", "Sure, one moment");
    stored["custom_id"] = json!(custom_id);
    session.receive(push("incoming_event", json!({ "chat_id": "mine", "thread_id": "mine-t1", "event": stored })), &mut desk);
    assert!(desk.chats["mine"].pending.is_empty());
    assert_eq!(desk.chats["mine"].events.iter().filter(|event| event.text() == Some("Sure, one moment")).count(), 1);
    session.receive(answer(resent[0], json!({ "event_id": "s1" })), &mut desk);
    assert_eq!(session.unsent(), 0);
    assert!(desk.take_alerts().is_empty(), "the agent's own message alerts nobody");
}

#[test]
fn a_refused_action_is_told_and_a_refused_message_stops_sending() {
    let (mut session, mut desk) = signed_in();
    let sent = session.intent(Intent::Send { chat_id: "mine".to_owned(), text: "note to self".to_owned(), note: true }, &mut desk);
    let protocol::AgentRequest::SendEvent(request) = &sent[0].request else { unreachable!() };
    assert_eq!(request.event.recipients.as_deref(), Some("agents"), "a note goes to agents only");
    session.receive(refusal(&sent[0], "the chat is not active"), &mut desk);
    assert!(desk.chats["mine"].pending.is_empty());
    assert_eq!(desk.notice.as_deref(), Some("The message was not sent: the chat is not active"));
    assert_eq!(session.unsent(), 0);

    let transfer = session.intent(Intent::Transfer { chat_id: "mine".to_owned(), to: TransferTo::Group(vec![1]) }, &mut desk);
    session.receive(refusal(&transfer[0], "nobody in Sales is taking chats"), &mut desk);
    assert_eq!(desk.notice.as_deref(), Some("Could not transfer the chat: nobody in Sales is taking chats"));
    desk.dismiss_notice();
    assert_eq!(desk.notice, None);
    assert!(session.intent(Intent::Send { chat_id: "mine".to_owned(), text: "   ".to_owned(), note: false }, &mut desk).is_empty());
}

#[test]
fn tags_canned_responses_and_the_archive_follow_the_server() {
    let (mut session, mut desk) = signed_in();
    session.receive(push("thread_tagged", json!({ "chat_id": "mine", "thread_id": "mine-t1", "tag": "vip" })), &mut desk);
    session.receive(push("thread_tagged", json!({ "chat_id": "mine", "thread_id": "mine-t1", "tag": "refund" })), &mut desk);
    session.receive(push("thread_untagged", json!({ "chat_id": "mine", "thread_id": "mine-t1", "tag": "vip" })), &mut desk);
    assert_eq!(desk.chats["mine"].tags, ["refund"]);

    let reply = |id: u64, text: &str, tags: &[&str]| json!({ "id": id, "text": text, "tags": tags, "created_by": ME, "modified_at": "2026-12-01T10:00:00.000000Z" });
    session.receive(push("canned_response_created", reply(2, "Hello!", &["hello"])), &mut desk);
    session.receive(push("canned_response_created", reply(1, "Bye!", &["bye"])), &mut desk);
    session.receive(push("canned_response_updated", reply(2, "Hello there!", &["hello", "hi"])), &mut desk);
    let shortcuts: Vec<&str> = desk.canned.iter().map(|reply| reply.tags[0].as_str()).collect();
    assert_eq!(shortcuts, ["bye", "hello"]);
    assert_eq!(desk.canned_matching("H").iter().map(|reply| reply.text.as_str()).collect::<Vec<_>>(), ["Hello there!"]);
    session.receive(push("canned_response_deleted", json!({ "id": 1 })), &mut desk);
    assert_eq!(desk.canned.len(), 1);

    let search = session.intent(Intent::Search { query: "tent".to_owned(), filters: Default::default() }, &mut desk);
    let protocol::AgentRequest::ListArchives(request) = &search[0].request else { unreachable!() };
    assert_eq!(request.filters.as_ref().and_then(|filters| filters.query.as_deref()), Some("tent"));
    assert!(desk.archive.searching);
    let found = |thread: &str| json!({ "id": format!("chat-{thread}"), "users": [], "thread": { "id": thread, "active": false, "events": [] }, "access": {}, "properties": {}, "is_followed": false });
    session.receive(answer(&search[0], json!({ "chats": [found("t9"), found("t8")], "found_chats": 3, "next_page_id": "p2" })), &mut desk);
    assert_eq!((desk.archive.found.len(), desk.archive.total, desk.archive.searching), (2, 3, false));
    let more = session.intent(Intent::SearchMore, &mut desk);
    assert_eq!(actions(&more), ["list_archives"]);
    session.receive(answer(&more[0], json!({ "chats": [found("t8"), found("t7")], "found_chats": 3 })), &mut desk);
    assert_eq!(desk.archive.found.len(), 3, "a thread found twice is listed once");
    assert!(session.intent(Intent::SearchMore, &mut desk).is_empty(), "no page after the last");
}

#[test]
fn the_visitors_typing_their_page_and_the_chats_end_reach_the_desk() {
    let (mut session, mut desk) = signed_in();
    let peek = json!({ "chat_id": "mine", "thread_id": "mine-t1", "sneak_peek": { "author_id": "c1", "recipients": "agents", "text": "I would like", "timestamp": 1 } });
    session.receive(push("incoming_sneak_peek", peek), &mut desk);
    assert_eq!(desk.chats["mine"].sneak_peek.as_deref(), Some("I would like"));
    let sent = json!({ "chat_id": "mine", "thread_id": "mine-t1", "event": message("e9", "c1", "2026-12-01T10:05:00.000000Z", "I would like a refund") });
    session.receive(push("incoming_event", sent), &mut desk);
    assert_eq!(desk.chats["mine"].sneak_peek, None, "the message replaces what was typed");
    session.receive(push("customer_page_updated", json!({ "customer_id": "c1", "url": "https://shop.example/returns", "title": "Returns" })), &mut desk);
    assert_eq!(desk.chats["mine"].page.as_ref().map(|page| page.0.as_str()), Some("https://shop.example/returns"));
    // The visitor in full, then live changes to it.
    let opened = session.intent(Intent::Open("mine".to_owned()), &mut desk);
    let get_customer = opened.iter().find(|frame| protocol::Action::action(&frame.request) == "get_customer").unwrap();
    let visitor = json!({ "id": "c1", "type": "customer", "name": "Dana", "session_fields": [{ "plan": "pro" }],
        "statistics": { "chats_count": 1, "threads_count": 2, "visits_count": 3, "page_views_count": 4 },
        "last_visit": { "last_pages": [{ "url": "https://shop.example/returns", "title": "Returns" }] }, "banned": false, "present": true });
    session.receive(answer(get_customer, visitor), &mut desk);
    session.receive(push("customer_updated", json!({ "id": "c1", "name": "Dana K.", "session_fields": [{ "plan": "team" }] })), &mut desk);
    assert_eq!(desk.chats["mine"].visitor_name(), "Dana K.");
    let full = desk.chats["mine"].visitor.as_ref().unwrap();
    assert_eq!(full.customer.session_fields[0]["plan"], "team");
    session.receive(push("customer_page_updated", json!({ "customer_id": "c1", "url": "https://shop.example/checkout" })), &mut desk);
    let pages: Vec<_> = desk.chats["mine"].visitor.as_ref().unwrap().last_visit.last_pages.iter().map(|page| page.url.clone().unwrap()).collect();
    assert_eq!(pages, ["https://shop.example/returns", "https://shop.example/checkout"]);
    session.receive(push("chat_deactivated", json!({ "chat_id": "mine", "thread_id": "mine-t1", "user_id": ME })), &mut desk);
    assert!(desk.section(Section::Mine).is_empty());
    assert!(!desk.chats["mine"].active);
}

#[test]
fn a_chat_queued_after_it_was_announced_alerts_once() {
    let (mut session, mut desk) = signed_in();
    let incoming = json!({ "chat": { "id": "late", "users": [customer("c8", "Ivy")], "access": { "group_ids": [0] },
        "thread": { "id": "late-t1", "active": true, "created_at": "2026-12-01T12:00:00.000000Z", "user_ids": ["c8"],
            "events": [message("l1", "c8", "2026-12-01T12:00:00.000000Z", "Hello?")] } } });
    session.receive(push("incoming_chat", incoming), &mut desk);
    assert!(desk.take_alerts().is_empty(), "neither waiting nor the agent's yet");
    let queued = |position: u32| json!({ "chat_id": "late", "thread_id": "late-t1", "queue": { "position": position, "wait_time": 0, "queued_at": "2026-12-01T12:00:00.000000Z" } });
    session.receive(push("queue_position_updated", queued(2)), &mut desk);
    assert_eq!(desk.take_alerts(), [Alert::NewChat { chat_id: "late".to_owned(), from: "Ivy".to_owned() }]);
    session.receive(push("queue_position_updated", queued(1)), &mut desk);
    assert!(desk.take_alerts().is_empty(), "moving up the queue is not news");
}

#[test]
fn what_a_visitor_wrote_while_the_agent_was_offline_counts_after_the_reconnect() {
    let (mut session, mut desk) = signed_in();
    session.begin();
    let login = session.login("secret");
    let again = json!({
        "license": { "id": 1, "organization_id": "org" },
        "my_profile": { "id": ME, "type": "agent", "routing_status": "accepting_chats" },
        "chats_summary": [summary("mine", json!([customer("c1", "Dana"), { "id": ME, "type": "agent" }]), true, None,
            message("e5", "c1", "2026-12-01T10:30:00.000000Z", "Are you still there?"))],
    });
    session.receive(answer(&login, again), &mut desk);
    assert_eq!(desk.chats["mine"].unread, 1);
    assert_eq!(desk.take_alerts().len(), 1);
    // A search cut off by a dropped connection does not stay "searching".
    let search = session.intent(Intent::Search { query: "x".to_owned(), filters: Default::default() }, &mut desk);
    assert_eq!(search.len(), 1);
    session.end(&mut desk);
    assert!(!desk.archive.searching);
}

#[test]
fn an_archive_result_brings_its_thread_into_the_transcript() {
    let (mut session, mut desk) = signed_in();
    let opened = session.intent(Intent::OpenThread { chat_id: "ended".to_owned(), thread_id: "old-thread".to_owned() }, &mut desk);
    let get_thread = opened.iter().find(|frame| matches!(&frame.request, protocol::AgentRequest::GetChat(request) if request.thread_id.is_some())).unwrap();
    let found = json!({ "id": "ended", "users": [customer("c4", "Gus")], "access": {}, "properties": {}, "is_followed": false,
        "thread": { "id": "old-thread", "active": false, "created_at": "2026-10-01T09:00:00.000000Z", "events": [message("o1", "c4", "2026-10-01T09:00:00.000000Z", "My old question")] } });
    session.receive(answer(get_thread, found), &mut desk);
    let chat = &desk.chats["ended"];
    assert_eq!(chat.thread_id.as_deref(), Some("ended-t1"), "the current thread stays current");
    assert_eq!(chat.earlier.iter().map(|thread| thread.id.as_str()).collect::<Vec<_>>(), ["old-thread"]);
}

#[test]
fn an_owner_lists_makes_and_revokes_api_tokens_and_sees_a_secret_once() {
    let mut session = Session::new("tab1");
    let mut desk = Desk::default();
    session.begin();
    let login = session.login("");
    assert_eq!(login.request.action(), "login");
    let answer_json = json!({
        "license": { "id": 1, "organization_id": "org", "name": "Acme" },
        "my_profile": { "id": ME, "type": "agent", "name": "Anna", "routing_status": "accepting_chats", "permission": "owner" },
    });
    session.receive(answer(&login, answer_json), &mut desk);
    assert!(desk.manages());

    let listing = session.intent(Intent::ListApiTokens, &mut desk);
    assert_eq!(actions(&listing), ["list_api_tokens"]);
    let old = json!({ "id": 1, "name": "CRM", "agent_id": ME, "created_by": ME, "created_at": "2026-12-01T10:00:00.000000Z" });
    session.receive(answer(&listing[0], json!({ "api_tokens": [old] })), &mut desk);
    assert_eq!(desk.api_tokens.len(), 1);

    let request = protocol::CreateApiToken { name: "Bot".to_owned(), agent_id: None, expires_in_days: Some(30) };
    let making = session.intent(Intent::CreateApiToken(request), &mut desk);
    assert_eq!(actions(&making), ["create_api_token"]);
    let created = json!({ "id": 2, "name": "Bot", "agent_id": ME, "created_by": ME, "created_at": "2026-12-02T10:00:00.000000Z",
        "expires_at": "2027-01-01T10:00:00.000000Z", "token": "s".repeat(64) });
    session.receive(answer(&making[0], created), &mut desk);
    assert_eq!(desk.api_tokens.iter().map(|token| token.id).collect::<Vec<_>>(), [2, 1], "newest first");
    assert_eq!(desk.new_api_token.as_ref().map(|created| created.token.len()), Some(64));
    desk.forget_new_api_token();
    assert!(desk.new_api_token.is_none(), "the secret is not kept once dismissed");

    let revoking = session.intent(Intent::RevokeApiToken(1), &mut desk);
    session.receive(answer(&revoking[0], json!({})), &mut desk);
    assert_eq!(desk.api_tokens.iter().map(|token| token.id).collect::<Vec<_>>(), [2]);

    let refused = session.intent(Intent::RevokeApiToken(9), &mut desk);
    session.receive(refusal(&refused[0], "API token not found"), &mut desk);
    assert_eq!(desk.notice.as_deref(), Some("Could not revoke the token: API token not found"));
}

#[test]
fn an_agent_does_not_manage_the_license() {
    let (_, desk) = signed_in();
    assert!(!desk.manages(), "no permission in the login answer");
}

#[test]
fn a_report_is_asked_for_shown_and_a_refusal_explained() {
    let (mut session, mut desk) = signed_in();
    let request = protocol::GetReport { from: "2026-03-02".to_owned(), to: "2026-03-03".to_owned(), ..protocol::GetReport::default() };
    let asking = session.intent(Intent::Report(request.clone()), &mut desk);
    assert_eq!(actions(&asking), ["get_report"]);
    assert!(desk.report_pending);
    let figures = json!({ "from": "2026-03-02", "to": "2026-03-03", "chats": 4, "answered": 3, "missed": 1,
        "first_response": { "count": 3, "median_seconds": 70.0, "p90_seconds": 120.0 }, "duration": { "count": 0 },
        "queue_wait": { "count": 0 }, "queue_abandoned": 0, "rated_good": 1, "rated_bad": 1, "comments": [],
        "per_day": [], "per_hour": [] });
    session.receive(answer(&asking[0], figures), &mut desk);
    assert!(!desk.report_pending);
    assert_eq!(desk.report.as_ref().map(|report| (report.chats, report.first_response.median_seconds)), Some((4, Some(70.0))));

    let again = session.intent(Intent::Report(request), &mut desk);
    session.receive(refusal(&again[0], "a report covers at most 366 days"), &mut desk);
    assert!(!desk.report_pending);
    assert_eq!(desk.report.as_ref().map(|report| report.chats), Some(4), "the last report stays");
    assert_eq!(desk.notice.as_deref(), Some("Could not make the report: a report covers at most 366 days"));
}

#[test]
fn changed_settings_list_the_team_again() {
    let mut session = Session::new("tab1");
    let mut desk = Desk::default();
    session.begin();
    let login = session.login("");
    let profile = json!({ "license": { "id": 1, "organization_id": "org" }, "my_profile": { "id": ME, "type": "agent", "name": "Anna", "routing_status": "accepting_chats" } });
    let after = session.receive(answer(&login, profile), &mut desk);
    let listing = after.iter().find(|frame| frame.request.action() == "list_agents").unwrap();
    session.receive(answer(listing, json!({ "groups": [], "agents": [] })), &mut desk);
    let frames = session.receive(push("license_settings_updated", json!({ "license_id": 1, "updated_by": ME })), &mut desk);
    assert_eq!(actions(&frames), ["list_agents"]);
}
