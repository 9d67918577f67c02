//! Calls (the SDK's requests): answers matched by request id, slots, timeouts, and what a
//! dropped or destroyed connection does to them.

use futures::channel::oneshot;

use super::*;
use crate::session::{Call, CallResult, RequestError};

fn call(request: Request) -> (Call, oneshot::Receiver<CallResult>) {
    let (reply, answer) = oneshot::channel();
    (Call { request, reply }, answer)
}

fn answer(receiver: &mut oneshot::Receiver<CallResult>) -> Option<CallResult> {
    receiver.try_recv().expect("the call is still known")
}

#[test]
fn each_answer_resolves_the_call_with_its_request_id_whatever_the_order() {
    let (mut session, mut state) = fresh();
    let (first, mut first_answer) = call(Request::GetCustomer(Default::default()));
    let (second, mut second_answer) = call(Request::GetUrlInfo(protocol::GetUrlInfo { url: "https://example.com".into() }));
    session.call(first, 0.0);
    session.call(second, 0.0);
    let sent = session.flush(&state);
    assert_eq!(actions(&sent), ["get_customer", "get_url_info"]);
    assert_ne!(sent[0].request_id, sent[1].request_id);

    // Answers come back in the other order; each goes to its own caller.
    session.on_frame(&reply(&sent[1], json!({ "url": "https://example.com", "title": "Example" })), &mut state);
    assert_eq!(answer(&mut first_answer), None);
    let Some(Ok(Response::GetUrlInfo(info))) = answer(&mut second_answer) else { panic!() };
    assert_eq!(info.title.as_deref(), Some("Example"));
    session.on_frame(&reply(&sent[0], json!({ "id": "me", "type": "customer", "name": "Ada", "statistics": { "chats_count": 2 } })), &mut state);
    let Some(Ok(Response::GetCustomer(customer))) = answer(&mut first_answer) else { panic!() };
    assert_eq!(customer.statistics.chats_count, 2);
    assert_eq!(state.customer.as_ref().and_then(|customer| customer.name.as_deref()), Some("Ada"), "the store learns too");
}

#[test]
fn a_refusal_carries_the_wire_error_type() {
    let (mut session, mut state) = fresh();
    let (start, mut answer_rx) = call(Request::StartChat(StartChat::default()));
    session.call(start, 0.0);
    let sent = session.flush(&state);
    session.on_frame(&fail(&sent[0], "groups_offline"), &mut state);
    let Some(Err(error)) = answer(&mut answer_rx) else { panic!() };
    assert_eq!(error.kind(), Some(&ErrorType::GroupsOffline));
    assert_eq!(error.code(), "GROUPS_OFFLINE");
    assert!(matches!(error, RequestError::Server { ref message, .. } if message == "groups_offline"));
}

#[test]
fn calls_beyond_ten_wait_in_order_for_a_free_slot() {
    let (mut session, mut state) = fresh();
    let mut answers = Vec::new();
    for n in 0..14 {
        let (request, answer) = call(Request::GetUrlInfo(protocol::GetUrlInfo { url: format!("https://x/{n}") }));
        session.call(request, 0.0);
        answers.push(answer);
    }
    let sent = session.flush(&state);
    assert_eq!(sent.len(), MAX_IN_FLIGHT - 1);
    assert_eq!(session.n_queued(), 5);
    let url_of = |frame: &RequestFrame| match &frame.request {
        Request::GetUrlInfo(info) => info.url.clone(),
        _ => panic!(),
    };
    let next = session.on_frame(&reply(&sent[3], json!({ "url": "https://x/3" })), &mut state);
    assert_eq!(next.iter().map(url_of).collect::<Vec<_>>(), ["https://x/9"]);
    assert!(matches!(answer(&mut answers[3]), Some(Ok(_))));
    assert_eq!(session.n_pending(), MAX_IN_FLIGHT - 1);
}

#[test]
fn a_call_unanswered_for_15_seconds_times_out_and_a_late_answer_is_ignored() {
    let (mut session, mut state) = fresh();
    let (request, mut answer_rx) = call(Request::GetCustomer(Default::default()));
    session.call(request, 0.0);
    let sent = session.flush(&state);
    session.sent(1_000.0);
    assert!(session.expire(15_999.0, &state).is_empty());
    assert_eq!(answer(&mut answer_rx), None);
    session.expire(16_001.0, &state);
    assert_eq!(answer(&mut answer_rx), Some(Err(RequestError::Timeout)));
    assert_eq!(session.n_pending(), 0, "the slot is free again");
    // The answer that finally comes has no caller left; it is only applied to the store.
    session.on_frame(&reply(&sent[0], json!({ "id": "me", "type": "customer", "statistics": {} })), &mut state);
}

#[test]
fn calls_made_while_disconnected_wait_for_the_login_or_time_out() {
    let mut session = Session::new();
    let mut state = ChatState::default();
    let (early, mut early_answer) = call(Request::GetCustomer(Default::default()));
    let (late, mut late_answer) = call(Request::ListChats(ListChats::default()));
    session.call(early, 0.0);
    session.call(late, 10_000.0);
    assert!(session.flush(&state).is_empty(), "nothing goes out before login");
    session.expire(15_500.0, &state);
    assert_eq!(answer(&mut early_answer), Some(Err(RequestError::Timeout)));
    let login = session.login("t", None);
    let next = session.on_frame(&reply(&login, login_payload(json!([]), false)), &mut state);
    assert_eq!(actions(&next), ["list_chats"]);
    assert_eq!(answer(&mut late_answer), None);
}

#[test]
fn a_dropped_connection_fails_calls_in_flight_but_keeps_queued_ones() {
    let (mut session, mut state) = fresh();
    let mut answers = Vec::new();
    for _ in 0..11 {
        let (request, answer) = call(Request::GetCustomer(Default::default()));
        session.call(request, 0.0);
        answers.push(answer);
    }
    assert_eq!(session.flush(&state).len(), MAX_IN_FLIGHT - 1);
    session.begin();
    for answer_rx in &mut answers[..9] {
        assert_eq!(answer(answer_rx), Some(Err(RequestError::ConnectionLost)));
    }
    assert_eq!(answer(&mut answers[9]), None);
    let login = session.login("t", None);
    let next = session.on_frame(&reply(&login, login_payload(json!([]), false)), &mut state);
    assert_eq!(actions(&next), ["get_customer", "get_customer"], "queued calls go out on the new connection");
}

#[test]
fn destroy_fails_everything_now_and_later() {
    let (mut session, state) = fresh();
    let (sent, mut sent_answer) = call(Request::GetCustomer(Default::default()));
    session.call(sent, 0.0);
    session.flush(&state);
    let (queued, mut queued_answer) = call(Request::GetCustomer(Default::default()));
    session.call(queued, 0.0);
    session.destroy();
    assert_eq!(answer(&mut sent_answer), Some(Err(RequestError::Destroyed)));
    assert_eq!(answer(&mut queued_answer), Some(Err(RequestError::Destroyed)));
    let (after, mut after_answer) = call(Request::GetCustomer(Default::default()));
    session.call(after, 0.0);
    assert_eq!(answer(&mut after_answer), Some(Err(RequestError::Destroyed)));
}

#[test]
fn a_call_whose_caller_gave_up_is_not_sent() {
    let (mut session, state) = fresh();
    let (request, answer_rx) = call(Request::GetCustomer(Default::default()));
    session.call(request, 0.0);
    drop(answer_rx);
    assert!(session.flush(&state).is_empty());
}
