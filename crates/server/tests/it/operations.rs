//! What operators ask: `/healthz`, `/readyz`, `/metrics` (and who may read it), and a
//! SIGTERM that drains the server, telling its clients to come back.

use serde_json::json;

use crate::support::*;

/// The value of the metric line that starts with `name` (labels included).
fn metric(text: &str, name: &str) -> Option<f64> {
    text.lines().find(|line| line.starts_with(name) && line[name.len()..].starts_with(' ')).and_then(|line| line.rsplit(' ').next()?.parse().ok())
}

#[tokio::test]
async fn health_readiness_and_metrics_answer_with_what_happened() {
    let server = TestServer::start().await;
    let healthz = http_request(server.addr, "GET", "/healthz", &[], Vec::new()).await;
    assert_eq!((healthz.status, healthz.body.as_slice()), (200, b"ok".as_slice()));
    let readyz = http_request(server.addr, "GET", "/readyz", &[], Vec::new()).await;
    assert_eq!((readyz.status, readyz.body.as_slice()), (200, b"ready".as_slice()));

    let mut customer = server.customer().await;
    let _agent = server.agent().await;
    ok(&customer.request("start_chat", json!({})).await);
    assert_eq!(error_type(&customer.request("get_chat", json!({ "chat_id": "nope" })).await), "not_found");
    for made_up in ["make_coffee", "x1", "x2"] {
        customer.request(made_up, json!({})).await;
    }

    let response = http_request(server.addr, "GET", "/metrics", &[], Vec::new()).await;
    assert_eq!(response.status, 200);
    assert!(response.header("content-type").unwrap().starts_with("application/openmetrics-text"));
    let text = String::from_utf8(response.body).unwrap();
    assert_eq!(metric(&text, r#"chat_connections{api="customer"}"#), Some(1.0), "{text}");
    assert_eq!(metric(&text, r#"chat_connections{api="agent"}"#), Some(1.0));
    assert_eq!(metric(&text, r#"chat_requests_total{api="customer",action="start_chat",outcome="ok"}"#), Some(1.0), "{text}");
    assert_eq!(metric(&text, r#"chat_requests_total{api="customer",action="get_chat",outcome="not_found"}"#), Some(1.0));
    assert_eq!(metric(&text, r#"chat_requests_total{api="agent",action="login",outcome="ok"}"#), Some(1.0));
    assert_eq!(metric(&text, r#"chat_queue_length{license="1"}"#), Some(0.0));
    assert!(metric(&text, r#"chat_storage_seconds_count{kind="write"}"#).unwrap() >= 1.0);
    assert!(metric(&text, r#"chat_storage_seconds_count{kind="read"}"#).unwrap() >= 1.0);
    assert!(metric(&text, "chat_push_fanout_seconds_count").unwrap() >= 1.0, "the new chat's pushes");
    assert!(text.trim_end().ends_with("# EOF"));
    // Made-up actions are counted under one name, not one series each.
    assert!(!text.contains("make_coffee"), "{text}");
    assert_eq!(metric(&text, r#"chat_requests_total{api="customer",action="other",outcome="validation"}"#), Some(3.0), "{text}");
}

#[tokio::test]
async fn metrics_are_for_loopback_and_the_listed_networks_only() {
    let server = TestServer::start_configured(|config| {
        config.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()];
        config.metrics_from = vec!["198.51.100.0/24".parse().unwrap()];
    })
    .await;
    let from = |address: &'static str| {
        let addr = server.addr;
        async move { http_request(addr, "GET", "/metrics", &[("X-Forwarded-For", address)], Vec::new()).await.status }
    };
    assert_eq!(from("203.0.113.9").await, 403);
    assert_eq!(from("198.51.100.7").await, 200);
}

#[tokio::test]
async fn sigterm_drains_the_server_and_tells_clients_to_come_back() {
    let dir = tempfile::tempdir().unwrap();
    let (mut child, addr) = spawn_server_process(dir.path(), None).await;
    let token = customer_token(addr, json!({ "license_id": 1 })).await;
    let mut customer = Client::connect(addr, "/v3.2/customer/rtm/ws?license_id=1").await;
    customer.login(&token["access_token"]).await;

    let pid = child.id().unwrap().to_string();
    assert!(std::process::Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    let told = customer.push("customer_disconnected").await;
    assert_eq!(told["payload"]["reason"], "service_temporarily_unavailable");
    let status = tokio::time::timeout(std::time::Duration::from_secs(10), child.wait()).await.expect("the server stops").unwrap();
    assert!(status.success(), "{status}");
}
