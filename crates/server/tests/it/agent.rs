//! Agent-only actions: reading a customer, routing statuses that outlive a reconnect,
//! multicasts, and what customers learn when agents come and go.

use serde_json::json;

use crate::support::*;

#[tokio::test]
async fn agents_read_a_customer_by_id_with_their_page_and_presence() {
    let server = TestServer::start().await;
    let (mut customer, token) = server.customer_with_token().await;
    ok(&customer.request("update_customer", json!({ "name": "Dana", "email": "dana@example.com" })).await);
    ok(&customer.request("update_customer_page", json!({ "url": "https://shop.example/tents", "title": "Tents" })).await);
    let mut agent = server.agent().await;

    let found = agent.request("get_customer", json!({ "customer_id": token["entity_id"] })).await;
    let found = ok(&found);
    assert_eq!(found["id"], token["entity_id"]);
    assert_eq!(found["name"], "Dana");
    assert_eq!(found["email"], "dana@example.com");
    assert_eq!(found["last_visit"]["last_pages"][0]["url"], "https://shop.example/tents");
    assert_eq!(found["present"], true);
    assert_eq!(found["banned"], false);

    assert_eq!(error_type(&agent.request("get_customer", json!({ "customer_id": "nobody" })).await), "not_found");
    assert_eq!(error_type(&agent.request("get_customer", json!({})).await), "validation");
    // The customer's own get_customer still takes no payload and answers for themselves.
    assert_eq!(ok(&customer.request("get_customer", json!({})).await)["id"], token["entity_id"]);
}

#[tokio::test]
async fn a_routing_status_is_kept_across_reconnects_and_listed() {
    let server = TestServer::start().await;
    let mut anna = server.agent().await;
    let statuses = anna.request("list_routing_statuses", json!({})).await;
    assert_eq!(ok(&statuses), &json!([{ "agent_id": "anna@acme.example", "status": "accepting_chats" }]));

    ok(&anna.request("set_routing_status", json!({ "status": "not_accepting_chats" })).await);
    assert_eq!(error_type(&anna.request("set_routing_status", json!({ "status": "busy" })).await), "validation");
    drop(anna);

    let mut customer = server.customer().await;
    let mut anna = Client::connect(server.addr, "/v3.2/agent/rtm/ws").await;
    let login = anna.login(&json!(AGENT_TOKEN)).await;
    assert_eq!(ok(&login)["my_profile"]["routing_status"], "not_accepting_chats");
    // Still away after reconnecting: a new chat waits instead of going to Anna.
    let chat_id = ok(&customer.request("start_chat", json!({})).await)["chat_id"].clone();
    let queued = customer.push("queue_position_updated").await;
    assert_eq!(queued["payload"]["chat_id"], chat_id);
    let statuses = anna.request("list_routing_statuses", json!({})).await;
    assert_eq!(ok(&statuses)[0]["status"], "not_accepting_chats");

    ok(&anna.request("set_routing_status", json!({ "status": "accepting_chats" })).await);
    let added = customer.push("user_added_to_chat").await;
    assert_eq!(added["payload"]["user"]["id"], "anna@acme.example");
}

#[tokio::test]
async fn customers_hear_when_the_last_agent_leaves() {
    let server = TestServer::start().await;
    let mut customer = server.customer().await;
    let agent = server.agent().await;
    let online = customer.push("groups_status_updated").await;
    assert_eq!(online["payload"]["groups"], json!([{ "id": 0, "status": "online" }]));
    drop(agent);
    let offline = customer.push("groups_status_updated").await;
    assert_eq!(offline["payload"]["groups"], json!([{ "id": 0, "status": "offline" }]));
    let statuses = customer.request("list_group_statuses", json!({ "all": true })).await;
    assert_eq!(ok(&statuses)["groups_status"], json!({ "0": "offline" }));
}

#[tokio::test]
async fn a_multicast_reaches_the_named_customers_and_the_agents() {
    let server = TestServer::start().await;
    let mut dana = server.customer().await;
    let (mut eli_tab, eli_token) = server.customer_with_token().await;
    let mut eli_other_tab = server.tab(&eli_token).await;
    let mut anna = server.agent().await;
    let _ = dana.push("groups_status_updated").await;

    let content = json!({ "notice": { "text": "Store closes at 18:00" } });
    let sent = anna
        .request("multicast", json!({ "recipients": { "customers": [eli_token["entity_id"]], "agents": { "all": true } }, "content": content }))
        .await;
    ok(&sent);
    for tab in [&mut eli_tab, &mut eli_other_tab] {
        let push = tab.push("incoming_multicast").await;
        assert_eq!(push["payload"], json!({ "author_id": "anna@acme.example", "content": content }));
    }
    assert_eq!(anna.push("incoming_multicast").await["payload"]["content"], content);
    dana.no_push("incoming_multicast", std::time::Duration::from_millis(300)).await;

    let none = anna.request("multicast", json!({ "recipients": {}, "content": 1 })).await;
    assert_eq!(error_type(&none), "validation");
    let empty = anna.request("multicast", json!({ "recipients": { "customers": ["x"] } })).await;
    assert_eq!(error_type(&empty), "validation");
}

#[tokio::test]
async fn a_connection_over_its_request_rate_is_slowed_down_not_dropped() {
    let server = TestServer::start_configured(|config| config.limits.requests_per_minute = 40).await;
    let mut customer = server.customer().await;
    // The login was one request; ten more fit the burst (a quarter of a minute's budget).
    for _ in 0..9 {
        ok(&customer.request("get_customer", json!({})).await);
    }
    let limited = customer.request("get_customer", json!({})).await;
    assert_eq!(error_type(&limited), "too_many_requests");
    // The bucket refills at 40 a minute: one request every 1.5 s.
    tokio::time::sleep(std::time::Duration::from_millis(1600)).await;
    ok(&customer.request("get_customer", json!({})).await);
}

#[tokio::test]
async fn a_chat_limited_to_departments_goes_to_the_first_one_with_an_agent() {
    let server = TestServer::start_configured(|config| {
        for id in [1, 2] {
            config.groups.push(server::config::Group {
                id,
                license_id: 1,
                name: format!("Team {id}"),
                offline_messages: true,
                forms: Default::default(),
            });
        }
        // Anna only works in group 2.
        config.agents[0].groups = vec![2];
    })
    .await;
    let _anna = server.agent().await;
    let mut customer = server.customer().await;
    let started = customer.request("start_chat", json!({ "chat": { "access": { "group_ids": [1, 2] } } })).await;
    ok(&started);
    let added = customer.push("user_added_to_chat").await;
    assert_eq!(added["payload"]["user"]["id"], "anna@acme.example", "group 1 has nobody; group 2 has Anna");
}
