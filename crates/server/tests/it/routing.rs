//! Chats limited to some agents (`access.agent_ids`: a site's `operators`, or the agent a
//! visitor picked) and the agent list visitors pick from (`list_agents`).

use serde_json::json;

use crate::support::{error_type, ok, Client, TestServer};

const CARL_TOKEN: &str = "carl-token-000001";

/// The test license with a second agent, Carl, in the general group.
async fn two_agents() -> TestServer {
    TestServer::start_configured(|config| {
        config.licenses[0].manual_assignment = true;
        let mut carl = config.agents[0].clone();
        carl.id = "carl@acme.example".to_owned();
        carl.name = "Carl".to_owned();
        carl.job_title = String::new();
        carl.token = CARL_TOKEN.to_owned();
        config.agents.push(carl);
    })
    .await
}

async fn carl(server: &TestServer) -> Client {
    let mut client = Client::connect(server.addr, "/v3.2/agent/rtm/ws").await;
    client.login(&json!(CARL_TOKEN)).await;
    client
}

#[tokio::test]
async fn visitors_list_departments_and_agents_with_their_status() {
    let server = two_agents().await;
    let mut anna = server.agent().await;
    let mut customer = server.customer().await;
    let login = customer.request("list_agents", json!({})).await;
    let list = ok(&login);
    assert_eq!(list["groups"], json!([{ "id": 0, "name": "General" }]));
    let statuses: Vec<_> = list["agents"].as_array().unwrap().iter().map(|agent| (agent["id"].clone(), agent["routing_status"].clone())).collect();
    assert_eq!(statuses, [(json!("anna@acme.example"), json!("accepting_chats")), (json!("carl@acme.example"), json!("offline"))]);
    assert_eq!(list["agents"][0]["group_ids"], json!([0]));
    assert!(list["agents"][1].get("job_title").is_none(), "an empty job title is left out");

    ok(&anna.request("set_routing_status", json!({ "status": "not_accepting_chats" })).await);
    let list = customer.request("list_agents", json!({})).await;
    assert_eq!(ok(&list)["agents"][0]["routing_status"], "not_accepting_chats");

    // The login tells the widget that visitors pick their agent here.
    let (_tab, token) = server.customer_with_token().await;
    let mut again = Client::connect(server.addr, "/v3.2/customer/rtm/ws?license_id=1").await;
    let login = again.login(&token["access_token"]).await;
    assert_eq!(login["payload"]["__priv_dynamic_config"]["manual_assignment"], true);
}

#[tokio::test]
async fn a_chat_for_one_agent_waits_for_them_while_others_are_free() {
    let server = two_agents().await;
    let _anna = server.agent().await;
    let mut customer = server.customer().await;
    // Only Carl may take it, and he is signed out: the chat waits though Anna is free.
    let access = json!({ "group_ids": [0], "agent_ids": ["carl@acme.example"] });
    let started = customer.request("start_chat", json!({ "chat": { "access": access }, "continuous": true })).await;
    ok(&started);
    let queued = customer.push("queue_position_updated").await;
    assert_eq!(queued["payload"]["queue"]["position"], 1);
    customer.no_push("user_added_to_chat", std::time::Duration::from_millis(300)).await;

    // Carl signs in: the waiting chat is his.
    let _carl = carl(&server).await;
    let added = customer.push("user_added_to_chat").await;
    assert_eq!(added["payload"]["user"]["id"], "carl@acme.example");
}

#[tokio::test]
async fn a_chat_for_agents_the_license_does_not_have_is_refused() {
    let server = two_agents().await;
    let _anna = server.agent().await;
    let mut customer = server.customer().await;
    let access = json!({ "agent_ids": ["bob@other.example", "nobody@acme.example"] });
    let refused = customer.request("start_chat", json!({ "chat": { "access": access } })).await;
    assert_eq!(error_type(&refused), "validation");
    assert!(refused["payload"]["error"]["message"].as_str().unwrap().contains("names no agent of this license"));

    // Unknown ids next to a real one are left out; the real one takes the chat.
    let access = json!({ "agent_ids": ["nobody@acme.example", "anna@acme.example"] });
    ok(&customer.request("start_chat", json!({ "chat": { "access": access } })).await);
    let added = customer.push("user_added_to_chat").await;
    assert_eq!(added["payload"]["user"]["id"], "anna@acme.example");
}
