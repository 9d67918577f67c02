//! Tokens, login and who may see what.

use std::time::Duration;

use serde_json::{json, Value};
use server::config::Timings;

use crate::support::*;

#[tokio::test]
async fn login_returns_the_customer_with_statistics_chats_and_dynamic_config() {
    let server = TestServer::start().await;
    let token = customer_token(server.addr, json!({ "license_id": 1 })).await;
    assert_eq!(token["token_type"], "Bearer");
    let mut customer = Client::connect(server.addr, "/v3.2/customer/rtm/ws?license_id=1").await;
    let login = customer.login(&token["access_token"]).await;
    let payload = ok(&login);
    assert_eq!(payload["customer"]["id"], token["entity_id"]);
    assert_eq!(payload["customer"]["statistics"]["visits_count"], 1);
    assert_eq!(payload["chats"], json!([]));
    assert_eq!(payload["has_active_thread"], false);
    assert_eq!(payload["__priv_dynamic_config"]["online_groups_ids"], json!([]));
}

#[tokio::test]
async fn the_identity_secret_brings_back_the_same_customer() {
    let server = TestServer::start().await;
    let first = customer_token(server.addr, json!({ "license_id": 1 })).await;
    let again = customer_token(server.addr, json!({ "license_id": "1", "identity": first["identity"] })).await;
    assert_eq!(again["entity_id"], first["entity_id"]);
    assert_ne!(again["access_token"], first["access_token"]);
    // A forged secret for a real customer id gets a brand-new customer instead.
    let customer_id = first["entity_id"].as_str().unwrap();
    let forged = customer_token(server.addr, json!({ "license_id": 1, "identity": format!("{customer_id}:00") })).await;
    assert_ne!(forged["entity_id"], first["entity_id"]);
}

#[tokio::test]
async fn the_token_endpoint_rejects_unknown_licenses_and_bad_bodies() {
    let server = TestServer::start().await;
    let (status, body) = http_post(server.addr, "/customer/token", r#"{"license_id": 99}"#).await;
    assert_eq!(status, 404);
    assert!(body.contains("license_not_found"), "{body}");
    let (status, _) = http_post(server.addr, "/customer/token", "not json").await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn a_bad_token_is_refused_and_the_socket_closed() {
    let server = TestServer::start().await;
    let mut client = Client::connect(server.addr, "/v3.2/customer/rtm/ws?license_id=1").await;
    let response = client.request("login", json!({ "token": "Bearer nope" })).await;
    assert_eq!(error_type(&response), "authentication");
    assert_eq!(client.next_frame().await, None, "socket stayed open");
}

#[tokio::test]
async fn requests_before_login_are_refused() {
    let server = TestServer::start().await;
    let mut client = Client::connect(server.addr, "/v3.2/customer/rtm/ws?license_id=1").await;
    let response = client.request("list_chats", json!({})).await;
    assert_eq!(error_type(&response), "authentication");
}

#[tokio::test]
async fn a_socket_that_never_logs_in_is_closed_after_the_login_window() {
    let timings = Timings { login_timeout: Duration::from_millis(300), ..Timings::default() };
    let server = TestServer::start_with(timings).await;
    let mut client = Client::connect(server.addr, "/v3.2/customer/rtm/ws?license_id=1").await;
    let push = client.push("customer_disconnected").await;
    assert_eq!(push["payload"]["reason"], "connection_timeout");
    assert_eq!(client.next_frame().await, None);
}

#[tokio::test]
async fn v35_paths_take_the_organization_id() {
    let server = TestServer::start().await;
    let token = customer_token(server.addr, json!({ "organization_id": "org-two" })).await;
    assert_eq!(token["license_id"], 2);
    let mut client = Client::connect(server.addr, "/v3.5/customer/rtm/ws?organization_id=org-two").await;
    client.login(&token["access_token"]).await;
}

#[tokio::test]
async fn unknown_versions_and_licenses_are_told_why_and_closed() {
    let server = TestServer::start().await;
    let mut client = Client::connect(server.addr, "/v2.0/customer/rtm/ws?license_id=1").await;
    assert_eq!(client.push("customer_disconnected").await["payload"]["reason"], "unsupported_version");
    assert_eq!(client.next_frame().await, None);
    let mut client = Client::connect(server.addr, "/v3.2/customer/rtm/ws?license_id=404").await;
    assert_eq!(client.push("customer_disconnected").await["payload"]["reason"], "license_not_found");
}

#[tokio::test]
async fn a_token_of_one_license_does_not_open_another() {
    let server = TestServer::start().await;
    let token = customer_token(server.addr, json!({ "license_id": 1 })).await;
    let mut client = Client::connect(server.addr, "/v3.2/customer/rtm/ws?license_id=2").await;
    let token = format!("Bearer {}", token["access_token"].as_str().unwrap());
    let response = client.request("login", json!({ "token": token })).await;
    assert_eq!(error_type(&response), "authentication");
}

#[tokio::test]
async fn customers_never_reach_another_customers_chat_and_agents_stay_in_their_license() {
    let server = TestServer::start().await;
    let mut alice = server.customer().await;
    let started = alice
        .request("start_chat", json!({ "chat": { "thread": { "events": [{ "type": "message", "text": "private" }] } } }))
        .await;
    let chat_id = ok(&started)["chat_id"].clone();

    let mut mallory = server.customer().await;
    for (action, payload) in [
        ("get_chat", json!({ "chat_id": chat_id })),
        ("list_threads", json!({ "chat_id": chat_id })),
        ("send_event", json!({ "chat_id": chat_id, "event": { "type": "message", "text": "hi" } })),
        ("deactivate_chat", json!({ "chat_id": chat_id })),
    ] {
        assert_eq!(error_type(&mallory.request(action, payload).await), "not_found", "{action}");
    }
    assert_eq!(ok(&mallory.request("list_chats", json!({})).await)["chats_summary"], json!([]));

    let mut bob = Client::connect(server.addr, "/v3.2/agent/rtm/ws?license_id=2").await;
    bob.login(&json!(OTHER_AGENT_TOKEN)).await;
    assert_eq!(error_type(&bob.request("get_chat", json!({ "chat_id": chat_id })).await), "not_found");
    assert_eq!(ok(&bob.request("list_chats", json!({})).await)["found_chats"], 0);
}

#[tokio::test]
async fn side_storage_carries_the_visit_across_tabs_and_reloads() {
    let server = TestServer::start().await;
    let token = customer_token(server.addr, json!({ "license_id": 1 })).await;
    let bearer = format!("Bearer {}", token["access_token"].as_str().unwrap());
    let login = |storage: Value| json!({ "token": bearer, "customer_side_storage": storage });

    let mut first = Client::connect(server.addr, "/v3.2/customer/rtm/ws?license_id=1").await;
    let answer = first.request("login", login(json!({}))).await;
    assert_eq!(ok(&answer)["customer"]["statistics"]["visits_count"], 1);
    let storage = first.push("customer_side_storage_updated").await["payload"]["customer_side_storage"].clone();
    let visit_id = storage["visit_id"].as_str().expect("a visit id").to_owned();
    assert!(storage["visit_expires"].as_i64().unwrap() > 0);

    // Another tab of the same visit hands the storage back: the visit goes on.
    let mut second = Client::connect(server.addr, "/v3.2/customer/rtm/ws?license_id=1").await;
    let answer = second.request("login", login(storage.clone())).await;
    assert_eq!(ok(&answer)["customer"]["statistics"]["visits_count"], 1);
    assert_eq!(second.push("customer_side_storage_updated").await["payload"]["customer_side_storage"]["visit_id"], visit_id);

    // An expired visit starts a new one.
    let mut later = Client::connect(server.addr, "/v3.2/customer/rtm/ws?license_id=1").await;
    let answer = later.request("login", login(json!({ "visit_id": visit_id, "visit_expires": 1 }))).await;
    assert_eq!(ok(&answer)["customer"]["statistics"]["visits_count"], 2);
    let renewed = later.push("customer_side_storage_updated").await;
    assert_ne!(renewed["payload"]["customer_side_storage"]["visit_id"], visit_id);
}
