//! Starting chats, sending events and who receives which push.

use std::time::Duration;

use serde_json::{json, Value};

use crate::support::*;

fn message(custom_id: &str, text: &str) -> Value {
    json!({ "type": "message", "custom_id": custom_id, "text": text, "recipients": "all" })
}

#[tokio::test]
async fn a_customer_starts_a_chat_and_an_agent_replies() {
    let server = TestServer::start().await;
    let mut agent = server.agent().await;
    let mut customer = server.customer().await;

    let started = customer
        .request("start_chat", json!({ "chat": { "thread": { "events": [message("c1", "hello")] } } }))
        .await;
    let payload = ok(&started).clone();
    let chat_id = payload["chat_id"].as_str().unwrap().to_owned();
    assert_eq!(payload["event_ids"].as_array().unwrap().len(), 1);

    // The requester's copy of the push carries the request id; the agent's does not.
    let own = customer.push("incoming_chat").await;
    assert_eq!(own["request_id"], started["request_id"]);
    let theirs = agent.push("incoming_chat").await;
    assert!(theirs.get("request_id").is_none(), "{theirs}");
    let events = &theirs["payload"]["chat"]["thread"]["events"];
    assert_eq!(events[0]["text"], "hello");
    assert_eq!(events[0]["custom_id"], "c1");
    assert!(events[0]["created_at"].as_str().unwrap().ends_with('Z'));

    let reply = agent.request("send_event", json!({ "chat_id": chat_id, "event": message("a1", "hi, how can I help?") })).await;
    let event_id = ok(&reply)["event_id"].clone();
    // The agent was online, so the router assigned the chat to her at once.
    let joined = customer.push("user_added_to_chat").await;
    assert_eq!(joined["payload"]["user"]["name"], "Anna");
    let note = customer.event("system_message").await;
    assert_eq!(note["payload"]["event"]["system_message_type"], "routing.assigned");
    let incoming = customer.event("message").await;
    assert_eq!(incoming["payload"]["event"]["id"], event_id);
    assert_eq!(incoming["payload"]["event"]["author_id"], "anna@acme.example");

    let chat = customer.request("get_chat", json!({ "chat_id": chat_id })).await;
    let thread = &ok(&chat)["thread"];
    assert_eq!(thread["active"], true);
    let texts: Vec<&str> = thread["events"].as_array().unwrap().iter().map(|e| e["text"].as_str().unwrap()).collect();
    assert_eq!(texts, ["hello", "Anna joined the chat", "hi, how can I help?"]);
    assert_eq!(ok(&chat)["users"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn login_reports_agents_online_and_the_customers_chats() {
    let server = TestServer::start().await;
    let _agent = server.agent().await;
    let token = customer_token(server.addr, json!({ "license_id": 1 })).await;
    let mut customer = Client::connect(server.addr, "/v3.2/customer/rtm/ws?license_id=1").await;
    let login = customer.login(&token["access_token"]).await;
    assert_eq!(ok(&login)["__priv_dynamic_config"]["online_groups_ids"], json!([0]));
    ok(&customer.request("start_chat", json!({})).await);

    let mut tab = Client::connect(server.addr, "/v3.2/customer/rtm/ws?license_id=1").await;
    let login = tab.login(&token["access_token"]).await;
    assert_eq!(ok(&login)["has_active_thread"], true);
    assert_eq!(ok(&login)["chats"].as_array().unwrap().len(), 1);
    assert_eq!(ok(&login)["customer"]["statistics"]["chats_count"], 1);
}

#[tokio::test]
async fn a_retried_custom_id_is_stored_once_and_answered_again() {
    let server = TestServer::start().await;
    let mut agent = server.agent().await;
    let mut customer = server.customer().await;
    let chat_id = ok(&customer.request("start_chat", json!({})).await)["chat_id"].clone();
    agent.push("incoming_chat").await;

    let first = customer.request("send_event", json!({ "chat_id": chat_id, "event": message("same", "once") })).await;
    let again = customer.request("send_event", json!({ "chat_id": chat_id, "event": message("same", "once") })).await;
    assert_eq!(ok(&first)["event_id"], ok(&again)["event_id"]);
    // The requester hears about it each time (it may have missed the first push)...
    assert_eq!(customer.event("message").await["request_id"], first["request_id"]);
    assert_eq!(customer.event("message").await["request_id"], again["request_id"]);
    // ...but the agent sees the event once.
    agent.event("system_message").await;
    agent.event("message").await;
    agent.no_push("incoming_event", Duration::from_millis(300)).await;
    let chat = customer.request("get_chat", json!({ "chat_id": chat_id })).await;
    let messages = ok(&chat)["thread"]["events"].as_array().unwrap().iter().filter(|event| event["type"] == "message").count();
    assert_eq!(messages, 1);
}

#[tokio::test]
async fn every_tab_of_a_customer_gets_the_push_and_only_the_sender_gets_the_request_id() {
    let server = TestServer::start().await;
    let token = customer_token(server.addr, json!({ "license_id": 1 })).await;
    let mut first = Client::connect(server.addr, "/v3.2/customer/rtm/ws?license_id=1").await;
    first.login(&token["access_token"]).await;
    let mut second = Client::connect(server.addr, "/v3.2/customer/rtm/ws?license_id=1").await;
    second.login(&token["access_token"]).await;

    let started = first.request("start_chat", json!({})).await;
    let chat_id = ok(&started)["chat_id"].clone();
    let sent = first.request("send_event", json!({ "chat_id": chat_id, "event": message("t1", "from tab one") })).await;
    assert_eq!(first.push("incoming_event").await["request_id"], sent["request_id"]);
    let other = second.push("incoming_event").await;
    assert!(other.get("request_id").is_none(), "{other}");
    assert_eq!(other["payload"]["event"]["text"], "from tab one");
}

#[tokio::test]
async fn one_chat_per_customer_then_deactivate_and_activate() {
    let server = TestServer::start().await;
    let mut agent = server.agent().await;
    let mut customer = server.customer().await;
    let chat_id = ok(&customer.request("start_chat", json!({})).await)["chat_id"].clone();
    customer.push("incoming_chat").await;
    assert_eq!(error_type(&customer.request("start_chat", json!({})).await), "chat_limit_reached");
    assert_eq!(
        error_type(&customer.request("activate_chat", json!({ "chat": { "id": chat_id } })).await),
        "chat_already_active"
    );

    ok(&agent.request("deactivate_chat", json!({ "chat_id": chat_id })).await);
    let closed = customer.push("chat_deactivated").await;
    assert_eq!(closed["payload"]["user_id"], "anna@acme.example");
    let note = customer.push("incoming_event").await;
    assert_eq!(note["payload"]["event"]["type"], "system_message");

    let refused = customer.request("send_event", json!({ "chat_id": chat_id, "event": message("x", "late") })).await;
    assert_eq!(error_type(&refused), "chat_inactive");

    let activated = customer
        .request("activate_chat", json!({ "chat": { "id": chat_id, "thread": { "events": [message("x", "back again")] } } }))
        .await;
    assert!(ok(&activated)["thread_id"].is_string());
    let chat = customer.push("incoming_chat").await;
    assert_eq!(chat["payload"]["chat"]["thread"]["events"][0]["text"], "back again");

    let threads = customer.request("list_threads", json!({ "chat_id": chat_id })).await;
    let threads = ok(&threads)["threads"].as_array().unwrap().clone();
    assert_eq!(threads.len(), 2);
    assert_eq!(threads[0]["active"], true, "newest first");
    assert_eq!(threads[1]["active"], false);
    assert_eq!(threads[0]["previous_thread_id"], threads[1]["id"]);
}

#[tokio::test]
async fn list_threads_pages_newest_first() {
    let server = TestServer::start().await;
    let mut customer = server.customer().await;
    let chat_id = ok(&customer.request("start_chat", json!({})).await)["chat_id"].clone();
    for n in 0..4 {
        ok(&customer.request("deactivate_chat", json!({ "id": chat_id })).await);
        ok(&customer.request("activate_chat", json!({ "chat": { "id": chat_id, "thread": { "events": [message(&format!("m{n}"), &format!("thread {n}"))] } } })).await);
    }
    let page = customer.request("list_threads", json!({ "chat_id": chat_id, "limit": 2 })).await;
    let page = ok(&page).clone();
    assert_eq!(page["found_threads"], 5);
    assert_eq!(page["threads"][0]["events"][0]["text"], "thread 3");
    let next = customer.request("list_threads", json!({ "chat_id": chat_id, "page_id": page["next_page_id"] })).await;
    assert_eq!(ok(&next)["threads"][0]["events"][0]["text"], "thread 1");
    assert_eq!(ok(&next)["threads"].as_array().unwrap().len(), 2, "the page id keeps the first request's limit");
    let back = customer.request("list_threads", json!({ "chat_id": chat_id, "page_id": ok(&next)["previous_page_id"] })).await;
    assert_eq!(ok(&back)["threads"][0]["events"][0]["text"], "thread 3");
    let repeated = customer
        .request("list_threads", json!({ "chat_id": chat_id, "limit": 2, "page_id": page["next_page_id"] }))
        .await;
    assert_eq!(error_type(&repeated), "validation", "a page id comes alone");
    // The newest thread has one event (still open), the one before two (message and
    // closing note): two threads hold the three events asked for.
    let by_events = customer.request("list_threads", json!({ "chat_id": chat_id, "min_events_count": 3 })).await;
    assert_eq!(ok(&by_events)["threads"].as_array().unwrap().len(), 2);
    let both = customer.request("list_threads", json!({ "chat_id": chat_id, "limit": 1, "min_events_count": 1 })).await;
    assert_eq!(error_type(&both), "validation");
}

#[tokio::test]
async fn oversized_and_empty_messages_are_refused_with_a_reason() {
    let server = TestServer::start().await;
    let mut customer = server.customer().await;
    let chat_id = ok(&customer.request("start_chat", json!({})).await)["chat_id"].clone();
    let long = "ä".repeat(8 * 1024 + 1);
    let response = customer.request("send_event", json!({ "chat_id": chat_id, "event": message("big", &long) })).await;
    assert_eq!(error_type(&response), "validation");
    assert!(response["payload"]["error"]["message"].as_str().unwrap().contains("16 KB"));
    let response = customer.request("send_event", json!({ "chat_id": chat_id, "event": message("empty", "  ") })).await;
    assert_eq!(error_type(&response), "validation");
    let exactly = "a".repeat(16 * 1024);
    ok(&customer.request("send_event", json!({ "chat_id": chat_id, "event": message("max", &exactly) })).await);
}
