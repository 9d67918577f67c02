//! A server restart (a real process, killed and started again) loses nothing.

use serde_json::json;
use tokio::process::Child;

use crate::support::*;

/// Starts the server binary on a free port; returns it and its address.
async fn spawn_server(dir: &std::path::Path) -> (Child, std::net::SocketAddr) {
    spawn_server_process(dir, None).await
}

#[tokio::test]
async fn history_tokens_and_identities_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let (mut first, addr) = spawn_server(dir.path()).await;
    let token = customer_token(addr, json!({ "license_id": 1 })).await;
    let mut customer = Client::connect(addr, "/v3.2/customer/rtm/ws?license_id=1").await;
    customer.login(&token["access_token"]).await;
    let started = customer
        .request("start_chat", json!({ "chat": { "thread": { "events": [{ "type": "message", "custom_id": "a", "text": "before" }] } } }))
        .await;
    let chat_id = ok(&started)["chat_id"].clone();
    let mut agent = Client::connect(addr, "/v3.2/agent/rtm/ws").await;
    agent.login(&json!(AGENT_TOKEN)).await;
    ok(&agent.request("send_event", json!({ "chat_id": chat_id, "event": { "type": "message", "text": "answer" } })).await);

    first.kill().await.unwrap();
    while customer.next_frame().await.is_some() {}

    let (_second, addr) = spawn_server(dir.path()).await;
    let mut customer = Client::connect(addr, "/v3.2/customer/rtm/ws?license_id=1").await;
    let login = customer.login(&token["access_token"]).await;
    assert_eq!(ok(&login)["chats"][0]["chat_id"], chat_id);
    let again = customer_token(addr, json!({ "license_id": 1, "identity": token["identity"] })).await;
    assert_eq!(again["entity_id"], token["entity_id"]);

    // A retry of an event acknowledged before the restart is still recognised.
    let retry = customer
        .request("send_event", json!({ "chat_id": chat_id, "event": { "type": "message", "custom_id": "a", "text": "before" } }))
        .await;
    assert_eq!(ok(&retry)["event_id"], ok(&started)["event_ids"][0]);
    ok(&customer.request("send_event", json!({ "chat_id": chat_id, "event": { "type": "message", "custom_id": "b", "text": "after" } })).await);

    let chat = customer.request("get_chat", json!({ "chat_id": chat_id })).await;
    let events = ok(&chat)["thread"]["events"].as_array().unwrap().clone();
    let texts: Vec<&str> = events.iter().map(|event| event["text"].as_str().unwrap()).collect();
    // The chat waited for an agent; Anna's login took it from the queue.
    assert_eq!(texts, ["before", "Anna joined the chat", "answer", "after"]);
    let times: Vec<&str> = events.iter().map(|event| event["created_at"].as_str().unwrap()).collect();
    assert!(times.windows(2).all(|pair| pair[0] < pair[1]), "timestamps go back after a restart: {times:?}");
}

#[tokio::test]
async fn the_queue_and_agents_routing_statuses_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let (mut first, addr) = spawn_server(dir.path()).await;
    let mut agent = Client::connect(addr, "/v3.2/agent/rtm/ws").await;
    agent.login(&json!(AGENT_TOKEN)).await;
    ok(&agent.request("set_routing_status", json!({ "status": "not_accepting_chats" })).await);
    let token = customer_token(addr, json!({ "license_id": 1 })).await;
    let mut customer = Client::connect(addr, "/v3.2/customer/rtm/ws?license_id=1").await;
    customer.login(&token["access_token"]).await;
    let chat_id = ok(&customer.request("start_chat", json!({})).await)["chat_id"].clone();
    assert_eq!(customer.push("queue_position_updated").await["payload"]["queue"]["position"], 1);

    first.kill().await.unwrap();
    while customer.next_frame().await.is_some() {}

    let (_second, addr) = spawn_server(dir.path()).await;
    let mut customer = Client::connect(addr, "/v3.2/customer/rtm/ws?license_id=1").await;
    customer.login(&token["access_token"]).await;
    let chat = customer.request("get_chat", json!({ "chat_id": chat_id })).await;
    assert_eq!(ok(&chat)["thread"]["queue"]["position"], 1, "still waiting after the restart: {chat}");

    let mut agent = Client::connect(addr, "/v3.2/agent/rtm/ws").await;
    let login = agent.login(&json!(AGENT_TOKEN)).await;
    assert_eq!(ok(&login)["my_profile"]["routing_status"], "not_accepting_chats");
    ok(&agent.request("set_routing_status", json!({ "status": "accepting_chats" })).await);
    let added = customer.push("user_added_to_chat").await;
    assert_eq!(added["payload"]["chat_id"], chat_id);
    let chat = customer.request("get_chat", json!({ "chat_id": chat_id })).await;
    assert!(ok(&chat)["thread"].get("queue").is_none_or(|queue| queue.is_null()), "left the queue: {chat}");
}
