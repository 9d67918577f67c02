//! Round trips against the JSON examples of the API reference (`tests/fixtures/`, copied
//! verbatim from the reference, `//` comments and all).

use serde_json::{json, Value};

use crate::*;

/// Loads a fixture, dropping the reference's `//` comments so it parses as JSON.
fn fixture(name: &str) -> Value {
    let path = format!("{}/tests/fixtures/{name}.json", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|err| panic!("{path}: {err}"));
    let json: String = text
        .lines()
        .map(|line| match line.find(" //").or_else(|| line.trim_start().starts_with("//").then_some(0)) {
            Some(at) => &line[..at],
            None => line,
        })
        .collect::<Vec<_>>()
        .join("\n");
    serde_json::from_str(&json).unwrap_or_else(|err| panic!("{name}: {err}"))
}

#[track_caller]
fn check_request(name: &str, expected_action: &str) -> RequestFrame {
    let original = fixture(name);
    let frame = RequestFrame::decode(&original.to_string()).expect("decodes");
    assert_eq!(frame.request.action(), expected_action);
    assert!(!matches!(frame.request, Request::Other { .. }), "{name} decoded to Other");
    let encoded: Value = serde_json::from_str(&frame.encode()).unwrap();
    assert_eq!(encoded, original, "{name} does not round-trip");
    frame
}

#[track_caller]
fn check_response(name: &str) -> Response {
    let original = fixture(name);
    let frame = ServerFrame::decode(&original.to_string()).expect("decodes");
    let ServerFrame::Response(response) = &frame else { panic!("{name} is not a response") };
    let result = response.result.clone().expect("success");
    assert!(!matches!(result, Response::Other { .. }), "{name} decoded to Other");
    assert_eq!(ServerFrame::decode(&frame.encode()).unwrap(), frame, "{name} does not round-trip");
    result
}

#[track_caller]
fn check_push(name: &str, action: &str) -> Push {
    let text = json!({ "action": action, "type": "push", "payload": fixture(name) }).to_string();
    let frame = ServerFrame::decode(&text).expect("decodes");
    let ServerFrame::Push(push) = &frame else { panic!("{name} is not a push") };
    assert_eq!(push.push.action(), action);
    assert!(!matches!(push.push, Push::Other { .. }), "{name} decoded to Other");
    assert_eq!(ServerFrame::decode(&frame.encode()).unwrap(), frame, "{name} does not round-trip");
    push.push.clone()
}

#[test]
fn requests_round_trip() {
    check_request("request_ping", "ping");
    check_request("request_list_chats", "list_chats");
    check_request("request_list_threads", "list_threads");
    check_request("request_get_chat", "get_chat");
    check_request("request_start_chat", "start_chat");
    check_request("request_activate_chat", "activate_chat");
    check_request("request_deactivate_chat", "deactivate_chat");
    let login = check_request("request_login", "login");
    let Request::Login(login) = login.request else { unreachable!() };
    assert_eq!(login.token, "Bearer dal:test_1fgTbfXmgthj4cZSA");
    let send = check_request("request_send_event", "send_event");
    let Request::SendEvent(send) = send.request else { unreachable!() };
    assert_eq!(send.event.text(), Some("hello world"));
}

#[test]
fn responses_round_trip() {
    let Response::Login(login) = check_response("response_login") else { panic!() };
    assert_eq!(login.customer.statistics.page_views_count, 40);
    assert_eq!(login.customer.session_fields.len(), 2);
    assert_eq!(login.dynamic_config.online_groups_ids, vec![1, 3]);
    assert_eq!(login.chats[0].chat_id, "PJ0MRSHTDG");
    let Response::ListChats(list) = check_response("response_list_chats") else { panic!() };
    assert!(list.chats_summary[0].active);
    assert_eq!(list.chats_summary[0].last_event_per_type["message"].event.text(), Some("hello world"));
    let Response::GetChat(chat) = check_response("response_get_chat") else { panic!() };
    assert_eq!(chat.thread.unwrap().events[0].text(), Some("Hello"));
    let Response::StartChat(start) = check_response("response_start_chat") else { panic!() };
    assert_eq!(start.thread_id, "PGDGHT5G");
    check_response("response_activate_chat");
    check_response("response_deactivate_chat");
    let Response::SendEvent(sent) = check_response("response_send_event") else { panic!() };
    assert_eq!(sent.event_id, "K600PKZON8");
}

// The reference labels the list_threads response with action `get_chat`; it must still decode
// into a frame (as a chat-shaped payload it fails, so the frame keeps its action for the error).
#[test]
fn list_threads_example_with_wrong_action_is_a_clear_error() {
    let text = fixture("response_list_threads").to_string();
    let err = ServerFrame::decode(&text).unwrap_err();
    assert_eq!(err.action.as_deref(), Some("get_chat"));
    let threads: ListThreadsResponse =
        serde_json::from_value(fixture("response_list_threads")["payload"].clone()).unwrap();
    assert_eq!(threads.found_threads, 42);
    assert_eq!(threads.next_page_id.as_deref(), Some("MTUxNzM5ODEzMTQ5Ng=="));
}

#[test]
fn pushes_round_trip() {
    let Push::IncomingEvent(incoming) = check_push("push_incoming_event", "incoming_event") else { panic!() };
    assert_eq!(incoming.event.id.as_deref(), Some("Q20163UAHO_2"));
    let Push::ChatDeactivated(closed) = check_push("push_chat_deactivated", "chat_deactivated") else { panic!() };
    assert_eq!(closed.user_id.as_deref(), Some("b7eff798-f8df-4364-8059-649c35c9ed0c"));
    check_push("push_user_removed_from_chat", "user_removed_from_chat");
    let Push::IncomingTypingIndicator(typing) =
        check_push("push_incoming_typing_indicator", "incoming_typing_indicator")
    else {
        panic!()
    };
    assert!(typing.typing_indicator.is_typing);
    let Push::CustomerDisconnected(gone) = check_push("push_customer_disconnected", "customer_disconnected") else {
        panic!()
    };
    assert_eq!(gone.reason, DisconnectReason::MisdirectedConnection);
    assert_eq!(gone.reason.policy(), ReconnectPolicy::Reconnect);
}

#[test]
fn events_of_every_documented_type_decode() {
    for (name, kind) in [
        ("event_message", "message"),
        ("event_system_message", "system_message"),
        ("event_file", "file"),
        ("event_rich_message", "rich_message"),
        ("event_custom", "custom"),
    ] {
        let original = fixture(name);
        let event: Event = serde_json::from_value(original.clone()).unwrap_or_else(|err| panic!("{name}: {err}"));
        assert_ne!(event.body, EventBody::Unknown, "{name}");
        let encoded = serde_json::to_value(&event).unwrap();
        assert_eq!(encoded["type"], kind);
        assert_eq!(encoded, original, "{name} does not round-trip");
    }
}

#[test]
fn chat_with_misspelled_properties_decodes() {
    // The reference misspells a thread's `properties` as `properites`; unknown keys are ignored.
    let chat: Chat = serde_json::from_value(fixture("chat_with_threads")).unwrap();
    assert_eq!(chat.users.len(), 2);
    assert_eq!(chat.users[1].kind, UserType::Agent);
}

#[test]
fn error_frames_decode_with_type_and_data() {
    let text = json!({
        "request_id": "r7", "action": "start_chat", "type": "response", "success": false,
        "payload": fixture("error_payload"),
    })
    .to_string();
    let ServerFrame::Response(frame) = ServerFrame::decode(&text).unwrap() else { panic!() };
    assert_eq!(frame.request_id.as_deref(), Some("r7"));
    assert_eq!(frame.action, "start_chat");
    let error = frame.result.unwrap_err();
    assert_eq!(error.kind, ErrorType::MisdirectedRequest);
    assert_eq!(error.data, Some(json!({ "region": "dal" })));
    let again = ServerFrame::decode(&ServerFrame::Response(ResponseFrame::error(
        Some("r7".into()),
        "start_chat",
        error.clone(),
    ))
    .encode())
    .unwrap();
    let ServerFrame::Response(again) = again else { panic!() };
    assert_eq!(again.result, Err(error));
}

#[test]
fn unknown_actions_and_fields_are_kept_not_rejected() {
    let frame = RequestFrame::decode(r#"{"request_id":"1","action":"teleport","payload":{"to":"mars"}}"#).unwrap();
    assert_eq!(frame.request, Request::Other { action: "teleport".into(), payload: json!({ "to": "mars" }) });
    let frame = RequestFrame::decode(r#"{"action":"ping","payload":{},"extra":1}"#).unwrap();
    assert_eq!(frame.request, Request::Ping);
    let frame = RequestFrame::decode(r#"{"action":"ping"}"#).unwrap();
    assert_eq!(frame.request, Request::Ping);
    let push = ServerFrame::decode(r#"{"action":"incoming_multicast","type":"push","payload":{"content":1}}"#).unwrap();
    assert!(matches!(push, ServerFrame::Push(PushFrame { push: Push::Other { .. }, .. })));
    let event: Event = serde_json::from_value(json!({ "id": "e1", "type": "hologram", "beam": true })).unwrap();
    assert_eq!(event.body, EventBody::Unknown);
    assert_eq!(ErrorType::parse("brand_new"), ErrorType::Other("brand_new".into()));
}

#[test]
fn malformed_frames_are_errors_that_keep_what_was_readable() {
    let err = RequestFrame::decode("{not json").unwrap_err();
    assert_eq!((err.request_id, err.action), (None, None));
    assert!(err.message.starts_with("malformed JSON"), "{}", err.message);

    let err = RequestFrame::decode(r#"{"request_id":"9","payload":{}}"#).unwrap_err();
    assert_eq!(err.request_id.as_deref(), Some("9"));

    let err = RequestFrame::decode(r#"{"request_id":"8","action":"send_event","payload":{"chat_id":5}}"#).unwrap_err();
    assert_eq!(err.request_id.as_deref(), Some("8"));
    assert_eq!(err.action.as_deref(), Some("send_event"));
    assert_eq!(err.to_error_payload().kind, ErrorType::Validation);
}

#[test]
fn deactivate_chat_accepts_both_namings() {
    for payload in [json!({ "chat_id": "C1" }), json!({ "id": "C1" })] {
        let Request::DeactivateChat(request) = Request::from_parts("deactivate_chat", payload).unwrap() else {
            panic!()
        };
        assert_eq!(request.chat_id(), Some("C1"));
    }
}

#[test]
fn disconnect_reasons_map_to_the_documented_reactions() {
    use ReconnectPolicy::*;
    for (reason, policy) in [
        ("access_token_expired", Reconnect),
        ("internal_error", Reconnect),
        ("too_many_unauthorized_connections", Reconnect),
        ("inactivity_timeout", WaitForUser),
        ("customer_banned", Destroy),
        ("license_not_found", Destroy),
        ("too_many_connections", Destroy),
        ("unsupported_version", Destroy),
    ] {
        assert_eq!(DisconnectReason::parse(reason).policy(), policy, "{reason}");
    }
}
