//! The customer Web API: actions over `POST /{version}/customer/action/{action}`, their
//! pushes to open websockets, and the HTTP statuses of its errors.

use std::net::SocketAddr;

use serde_json::{json, Value};

use crate::support::*;

/// Runs an action over the Web API with a bearer token (`None` sends no Authorization).
async fn action(addr: SocketAddr, path: &str, token: Option<&str>, body: Value) -> HttpResponse {
    let authorization = token.map(|token| format!("Bearer {token}"));
    let mut headers = vec![("Content-Type", "application/json")];
    if let Some(authorization) = &authorization {
        headers.push(("Authorization", authorization.as_str()));
    }
    http_request(addr, "POST", path, &headers, body.to_string().into_bytes()).await
}

fn access_token(token: &Value) -> &str {
    token["access_token"].as_str().unwrap()
}

#[track_caller]
fn error_of(response: &HttpResponse) -> String {
    response.json()["error"]["type"].as_str().unwrap_or_else(|| panic!("no error in {response:?}")).to_owned()
}

#[tokio::test]
async fn a_chat_started_over_http_reaches_the_customers_socket_and_the_agent() {
    let server = TestServer::start().await;
    let mut agent = server.agent().await;
    let (mut tab, token) = server.customer_with_token().await;

    let started = action(
        server.addr,
        "/v3.2/customer/action/start_chat?license_id=1",
        Some(access_token(&token)),
        json!({ "chat": { "thread": { "events": [{ "type": "message", "custom_id": "w1", "text": "from http" }] } } }),
    )
    .await;
    assert_eq!(started.status, 200, "{started:?}");
    assert_eq!(started.header("cache-control"), Some("no-store"));
    let chat_id = started.json()["chat_id"].as_str().unwrap().to_owned();
    assert_eq!(started.json()["event_ids"].as_array().unwrap().len(), 1);

    // No socket made the request, so every copy of the push is untagged.
    let on_tab = tab.push("incoming_chat").await;
    assert!(on_tab.get("request_id").is_none(), "{on_tab}");
    assert_eq!(on_tab["payload"]["chat"]["id"], chat_id.as_str());
    let on_agent = agent.push("incoming_chat").await;
    assert_eq!(on_agent["payload"]["chat"]["thread"]["events"][0]["text"], "from http");

    let sent = action(
        server.addr,
        "/v3.2/customer/action/send_event?license_id=1",
        Some(access_token(&token)),
        json!({ "chat_id": chat_id, "event": { "type": "message", "custom_id": "w2", "text": "second, also over http" } }),
    )
    .await;
    assert_eq!(sent.status, 200, "{sent:?}");
    let event_id = sent.json()["event_id"].as_str().unwrap().to_owned();
    let on_tab = tab.push_where("incoming_event", |frame| frame["payload"]["event"]["id"] == event_id.as_str()).await;
    assert!(on_tab.get("request_id").is_none(), "{on_tab}");
    assert_eq!(on_tab["payload"]["event"]["author_id"], token["entity_id"]);
    let on_agent = agent.push_where("incoming_event", |frame| frame["payload"]["event"]["id"] == event_id.as_str()).await;
    assert_eq!(on_agent["payload"]["event"]["text"], "second, also over http");
}

#[tokio::test]
async fn list_chats_and_the_v3_0_payload_envelope() {
    let server = TestServer::start().await;
    let token = customer_token(server.addr, json!({ "license_id": 1 })).await;
    let token = access_token(&token);

    // The v3.0 form wraps the payload; the v3.5 path names the organization instead.
    let started = action(
        server.addr,
        "/v3.5/customer/action/start_chat?organization_id=2f1c6d4e-8a4b-4a51-9a7e-0c9d3b1e5f01",
        Some(token),
        json!({ "payload": { "chat": { "thread": { "events": [{ "type": "message", "text": "wrapped" }] } } } }),
    )
    .await;
    assert_eq!(started.status, 200, "{started:?}");
    let chat_id = started.json()["chat_id"].clone();

    let listed = action(server.addr, "/v3.2/customer/action/list_chats?license_id=1", Some(token), json!({})).await;
    assert_eq!(listed.status, 200, "{listed:?}");
    let listed = listed.json();
    assert_eq!(listed["total_chats"], 1);
    assert_eq!(listed["chats_summary"][0]["id"], chat_id);
    assert_eq!(listed["chats_summary"][0]["active"], true);

    let wrapped = action(
        server.addr,
        "/v3.2/customer/action/get_chat?license_id=1",
        Some(token),
        json!({ "payload": { "chat_id": chat_id } }),
    )
    .await;
    assert_eq!(wrapped.status, 200, "{wrapped:?}");
    assert_eq!(wrapped.json()["thread"]["events"][0]["text"], "wrapped");

    // Starting a second chat clashes with the one the customer has.
    let again = action(server.addr, "/v3.2/customer/action/start_chat?license_id=1", Some(token), json!({})).await;
    assert_eq!((again.status, error_of(&again).as_str()), (409, "chat_limit_reached"));
}

#[tokio::test]
async fn missing_or_invalid_tokens_are_401() {
    let server = TestServer::start().await;
    let path = "/v3.2/customer/action/list_chats?license_id=1";
    let missing = action(server.addr, path, None, json!({})).await;
    assert_eq!((missing.status, error_of(&missing).as_str()), (401, "authentication"));
    assert_eq!(missing.header("www-authenticate"), Some("Bearer"));
    let invalid = action(server.addr, path, Some("not-a-token"), json!({})).await;
    assert_eq!((invalid.status, error_of(&invalid).as_str()), (401, "authentication"));

    // A token of license 1 is no good for license 2.
    let token = customer_token(server.addr, json!({ "license_id": 1 })).await;
    let elsewhere = action(server.addr, "/v3.2/customer/action/list_chats?license_id=2", Some(access_token(&token)), json!({})).await;
    assert_eq!(elsewhere.status, 401);
}

#[tokio::test]
async fn unknown_and_socket_only_actions_and_bad_bodies_are_400() {
    let server = TestServer::start().await;
    let token = customer_token(server.addr, json!({ "license_id": 1 })).await;
    let token = access_token(&token);
    for name in ["no_such_action", "login", "ping"] {
        let refused = action(server.addr, &format!("/v3.2/customer/action/{name}?license_id=1"), Some(token), json!({})).await;
        assert_eq!((refused.status, error_of(&refused).as_str()), (400, "validation"), "{name}");
    }
    let malformed = http_request(
        server.addr,
        "POST",
        "/v3.2/customer/action/list_chats?license_id=1",
        &[("Authorization", &format!("Bearer {token}"))],
        b"{not json".to_vec(),
    )
    .await;
    assert_eq!((malformed.status, error_of(&malformed).as_str()), (400, "validation"));
    let wrong_shape =
        action(server.addr, "/v3.2/customer/action/send_event?license_id=1", Some(token), json!({ "chat_id": 5 })).await;
    assert_eq!((wrong_shape.status, error_of(&wrong_shape).as_str()), (400, "validation"));

    let old_version = action(server.addr, "/v2.0/customer/action/list_chats?license_id=1", Some(token), json!({})).await;
    assert_eq!((old_version.status, error_of(&old_version).as_str()), (404, "unsupported_version"));
    let no_license = action(server.addr, "/v3.2/customer/action/list_chats?license_id=99", Some(token), json!({})).await;
    assert_eq!((no_license.status, error_of(&no_license).as_str()), (404, "license_not_found"));
}

#[tokio::test]
async fn another_customers_chat_is_404() {
    let server = TestServer::start().await;
    let owner = customer_token(server.addr, json!({ "license_id": 1 })).await;
    let started = action(server.addr, "/v3.2/customer/action/start_chat?license_id=1", Some(access_token(&owner)), json!({})).await;
    let chat_id = started.json()["chat_id"].clone();

    let stranger = customer_token(server.addr, json!({ "license_id": 1 })).await;
    let peek = action(
        server.addr,
        "/v3.2/customer/action/get_chat?license_id=1",
        Some(access_token(&stranger)),
        json!({ "chat_id": chat_id }),
    )
    .await;
    assert_eq!((peek.status, error_of(&peek).as_str()), (404, "not_found"));
    let write = action(
        server.addr,
        "/v3.2/customer/action/send_event?license_id=1",
        Some(access_token(&stranger)),
        json!({ "chat_id": chat_id, "event": { "type": "message", "text": "intruding" } }),
    )
    .await;
    assert_eq!(write.status, 404);
}

#[tokio::test]
async fn a_banned_customer_is_403() {
    let server = TestServer::start().await;
    let mut agent = server.agent().await;
    let token = customer_token(server.addr, json!({ "license_id": 1 })).await;
    let before = action(server.addr, "/v3.2/customer/action/list_chats?license_id=1", Some(access_token(&token)), json!({})).await;
    assert_eq!(before.status, 200);

    ok(&agent.request("ban_customer", json!({ "id": token["entity_id"] })).await);
    let after = action(server.addr, "/v3.2/customer/action/list_chats?license_id=1", Some(access_token(&token)), json!({})).await;
    assert_eq!((after.status, error_of(&after).as_str()), (403, "customer_banned"));
}

#[tokio::test]
async fn link_previews_run_over_http_too_under_the_same_policy() {
    let server = TestServer::start().await;
    let token = customer_token(server.addr, json!({ "license_id": 1 })).await;
    // The default policy refuses loopback addresses, so this is answered without a fetch.
    let preview = action(
        server.addr,
        "/v3.2/customer/action/get_url_info?license_id=1",
        Some(access_token(&token)),
        json!({ "url": format!("http://{}/", server.addr) }),
    )
    .await;
    assert_eq!((preview.status, error_of(&preview).as_str()), (403, "not_allowed"));
    let still_up = action(server.addr, "/v3.2/customer/action/list_chats?license_id=1", Some(access_token(&token)), json!({})).await;
    assert_eq!(still_up.status, 200);
}
