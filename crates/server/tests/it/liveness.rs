//! Keeping connections alive: websocket pings, the protocol ping, and closing silent peers.

use std::time::Duration;

use futures_util::StreamExt;
use serde_json::json;
use server::config::Timings;

use crate::support::*;

fn quick() -> Timings {
    Timings {
        login_timeout: Duration::from_secs(5),
        ping_interval: Duration::from_millis(100),
        idle_timeout: Duration::from_millis(500),
        token_ttl: Duration::from_secs(3600),
        inactivity_timeout: Duration::from_secs(3600),
        ..Timings::default()
    }
}

#[tokio::test]
async fn a_client_that_answers_control_pings_stays_connected_without_protocol_pings() {
    let server = TestServer::start_with(quick()).await;
    let mut customer = server.customer().await;
    // Reading lets the websocket layer answer the server's pings with pongs; the client
    // itself never sends a protocol ping.
    let until = tokio::time::Instant::now() + Duration::from_millis(1500);
    while let Ok(frame) = tokio::time::timeout_at(until, customer.ws.next()).await {
        assert!(matches!(frame, Some(Ok(_))), "connection dropped: {frame:?}");
    }
    let response = customer.request("list_chats", json!({})).await;
    ok(&response);
}

#[tokio::test]
async fn a_silent_client_is_closed_with_connection_timeout() {
    let server = TestServer::start_with(quick()).await;
    let mut customer = server.customer().await;
    // Not reading means never answering pings.
    tokio::time::sleep(Duration::from_millis(1200)).await;
    let push = customer.push("customer_disconnected").await;
    assert_eq!(push["payload"]["reason"], "connection_timeout");
    assert_eq!(customer.next_frame().await, None);
}

#[tokio::test]
async fn the_protocol_ping_is_answered() {
    let server = TestServer::start().await;
    let mut customer = server.customer().await;
    let response = customer.request("ping", json!({})).await;
    assert_eq!(response["action"], "ping");
    ok(&response);
}

#[tokio::test]
async fn an_expired_token_is_refused_at_login() {
    let timings = Timings { token_ttl: Duration::from_secs(0), ..Timings::default() };
    let server = TestServer::start_with(timings).await;
    let token = customer_token(server.addr, json!({ "license_id": 1 })).await;
    let mut client = Client::connect(server.addr, "/v3.2/customer/rtm/ws?license_id=1").await;
    let token = format!("Bearer {}", token["access_token"].as_str().unwrap());
    let response = client.request("login", json!({ "token": token })).await;
    assert_eq!(error_type(&response), "authentication");
    assert!(response["payload"]["error"]["message"].as_str().unwrap().contains("expired"));
}

#[tokio::test]
async fn malformed_and_unknown_frames_get_validation_errors_and_the_connection_lives_on() {
    let server = TestServer::start().await;
    let mut customer = server.customer().await;
    let mut other = server.customer().await;
    customer.send_raw("{this is not json").await;
    let frame = customer.next_frame().await.unwrap();
    assert_eq!(frame["type"], "response");
    assert_eq!(error_type(&frame), "validation");

    let response = customer.request("teleport", json!({})).await;
    assert_eq!(error_type(&response), "validation");
    let response = customer.request("send_event", json!({ "chat_id": 7 })).await;
    assert_eq!(error_type(&response), "validation");

    ok(&customer.request("list_chats", json!({})).await);
    ok(&other.request("list_chats", json!({})).await);
}

#[tokio::test]
async fn a_token_that_expires_while_connected_ends_the_connection_with_the_reason() {
    let timings = Timings { token_ttl: Duration::from_secs(2), ..Timings::default() };
    let server = TestServer::start_with(timings).await;
    let mut customer = server.customer().await;
    let push = customer.push("customer_disconnected").await;
    assert_eq!(push["payload"]["reason"], "access_token_expired");
    assert!(customer.next_frame().await.is_none(), "then the socket closes");
}

#[tokio::test]
async fn a_stopping_server_tells_every_client_to_come_back_later() {
    let mut server = TestServer::start().await;
    let mut customer = server.customer().await;
    let mut agent = server.agent().await;
    server.stop();
    let push = customer.push("customer_disconnected").await;
    assert_eq!(push["payload"]["reason"], "service_temporarily_unavailable");
    assert_eq!(agent.push("agent_disconnected").await["payload"]["reason"], "service_temporarily_unavailable");
    // Then the socket closes (a frame that never came would fail after 5 s).
    while let Some(frame) = customer.next_frame().await {
        assert_ne!(frame["action"], "customer_disconnected", "told twice: {frame}");
    }
}

#[tokio::test]
async fn a_storage_failure_at_login_is_an_internal_error_and_the_client_is_told() {
    let server = TestServer::start().await;
    let token = customer_token(server.addr, json!({ "license_id": 1 })).await;
    // Another process holds the database's write lock (on PostgreSQL, every lock on the
    // customers) past the server's busy timeout.
    let blocker = Blocker::hold(&server);
    let mut client = Client::connect(server.addr, "/v3.2/customer/rtm/ws?license_id=1").await;
    let bearer = format!("Bearer {}", token["access_token"].as_str().unwrap());
    let response = client.request("login", json!({ "token": bearer })).await;
    assert_eq!(error_type(&response), "internal");
    assert_eq!(client.push("customer_disconnected").await["payload"]["reason"], "internal_error");
    drop(blocker);
}

/// Another process's hold on the database, given up when dropped.
enum Blocker {
    Sqlite(rusqlite::Connection),
    Postgres(std::process::Child),
}

impl Blocker {
    fn hold(server: &TestServer) -> Blocker {
        match server.database_url() {
            Some(url) => Blocker::Postgres(crate::postgres::Postgres::shared().lock(&url, "customers")),
            None => {
                let blocker = rusqlite::Connection::open(server.database()).unwrap();
                blocker.execute_batch("BEGIN EXCLUSIVE").unwrap();
                Blocker::Sqlite(blocker)
            }
        }
    }
}

impl Drop for Blocker {
    fn drop(&mut self) {
        match self {
            Blocker::Sqlite(connection) => connection.execute_batch("ROLLBACK").unwrap(),
            Blocker::Postgres(session) => {
                let _ = session.kill();
                let _ = session.wait();
            }
        }
    }
}
