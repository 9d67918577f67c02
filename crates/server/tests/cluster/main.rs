//! Several server processes as one cluster: one PostgreSQL database and one NATS server
//! (both started by the tests, from the distribution's packages), each node on a port of
//! its own. Clients of one chat sit on different nodes; nodes are killed with SIGKILL.

#[allow(dead_code)]
#[path = "../common/nats.rs"]
mod nats;
#[allow(dead_code)]
#[path = "../common/postgres.rs"]
mod postgres;
#[allow(dead_code)]
#[path = "../it/support.rs"]
mod support;

mod nodes;

use std::time::Duration;

use serde_json::{json, Value};

use nodes::{Cluster, ANNA, CARL};
use support::{ok, Client};

fn message(custom_id: &str, text: &str) -> Value {
    json!({ "type": "message", "custom_id": custom_id, "text": text, "recipients": "all" })
}

/// The texts of a thread's messages, in order.
fn texts(thread: &Value) -> Vec<String> {
    thread["events"].as_array().unwrap().iter().filter(|event| event["type"] == "message").map(|event| event["text"].as_str().unwrap().to_owned()).collect()
}

#[tokio::test]
async fn a_customer_on_one_node_and_an_agent_on_another_chat_both_ways_and_a_tab_on_a_third_sees_it_all() {
    let cluster = Cluster::new().await;
    let (a, b, c) = (cluster.node().await, cluster.node().await, cluster.node().await);
    let mut anna = b.agent(ANNA).await;
    let (mut customer, token) = a.customer().await;
    a.until_agent_is(&mut customer, ANNA, "accepting_chats").await;

    let started = customer.request("start_chat", json!({ "chat": { "thread": { "events": [message("c1", "Hello from A")] } } })).await;
    let chat_id = ok(&started)["chat_id"].as_str().unwrap().to_owned();
    // Routed on A to the agent on B, who is told of it there.
    let incoming = anna.push("incoming_chat").await;
    assert_eq!(incoming["payload"]["chat"]["id"], chat_id.as_str());
    assert_eq!(incoming["payload"]["chat"]["thread"]["events"][0]["text"], "Hello from A");
    let joined = customer.push("user_added_to_chat").await;
    assert_eq!(joined["payload"]["user"]["id"], "anna@acme.example");

    let reply = anna.request("send_event", json!({ "chat_id": chat_id, "event": message("a1", "Hi from B") })).await;
    let reply_id = ok(&reply)["event_id"].clone();
    let heard = customer.push_where("incoming_event", |frame| frame["payload"]["event"]["text"] == "Hi from B").await;
    assert_eq!(heard["payload"]["event"]["id"], reply_id);
    assert!(heard.get("request_id").is_none(), "another node's copy is never tagged: {heard}");

    // The same customer in a tab on C.
    let mut tab = Client::connect(c.addr, "/v3.2/customer/rtm/ws?license_id=1").await;
    tab.login(&token["access_token"]).await;
    ok(&customer.request("send_event", json!({ "chat_id": chat_id, "event": message("c2", "Again from A") })).await);
    for client in [&mut tab, &mut anna] {
        client.push_where("incoming_event", |frame| frame["payload"]["event"]["text"] == "Again from A").await;
    }
    ok(&tab.request("send_event", json!({ "chat_id": chat_id, "event": message("c3", "From the tab on C") })).await);
    for client in [&mut customer, &mut anna] {
        client.push_where("incoming_event", |frame| frame["payload"]["event"]["text"] == "From the tab on C").await;
    }
    ok(&anna.request("send_event", json!({ "chat_id": chat_id, "event": message("a2", "Bye from B") })).await);
    for client in [&mut customer, &mut tab] {
        client.push_where("incoming_event", |frame| frame["payload"]["event"]["text"] == "Bye from B").await;
    }

    // Every node reads the same chat.
    for node in [&a, &b, &c] {
        let mut agent = node.agent(ANNA).await;
        let chat = agent.request("get_chat", json!({ "chat_id": chat_id })).await;
        assert_eq!(texts(&ok(&chat)["thread"]), ["Hello from A", "Hi from B", "Again from A", "From the tab on C", "Bye from B"]);
    }
}

#[tokio::test]
async fn a_node_killed_mid_chat_loses_and_repeats_nothing_that_was_acknowledged() {
    let cluster = Cluster::new().await;
    let (mut a, b) = (cluster.node().await, cluster.node().await);
    let mut anna = b.agent(ANNA).await;
    let (mut customer, token) = a.customer().await;
    a.until_agent_is(&mut customer, ANNA, "accepting_chats").await;
    let started = customer.request("start_chat", json!({ "chat": { "thread": { "events": [message("m0", "message 0")] } } })).await;
    let chat_id = ok(&started)["chat_id"].as_str().unwrap().to_owned();
    let mut sent = vec!["message 0".to_owned()];
    for n in 1..20 {
        let text = format!("message {n}");
        ok(&customer.request("send_event", json!({ "chat_id": chat_id, "event": message(&format!("m{n}"), &text) })).await);
        sent.push(text);
    }
    // The last one is sent and A dies before the customer reads the answer: the customer
    // cannot know whether it was stored, so it sends it again to another node.
    customer.send_raw(&json!({ "action": "send_event", "request_id": "lost", "payload": { "chat_id": chat_id, "event": message("m20", "message 20") } }).to_string()).await;
    a.kill().await;
    sent.push("message 20".to_owned());

    let mut again = Client::connect(b.addr, "/v3.2/customer/rtm/ws?license_id=1").await;
    again.login(&token["access_token"]).await;
    ok(&again.request("send_event", json!({ "chat_id": chat_id, "event": message("m20", "message 20") })).await);
    let chat = again.request("get_chat", json!({ "chat_id": chat_id })).await;
    assert_eq!(texts(&ok(&chat)["thread"]), sent, "each message once, in order");
    // The agent on B heard every message, each once.
    let mut heard = Vec::new();
    for frame in anna.drain(Duration::from_millis(500)).await {
        if frame["action"] == "incoming_event" && frame["payload"]["event"]["type"] == "message" {
            heard.push(frame["payload"]["event"]["text"].as_str().unwrap().to_owned());
        }
    }
    assert_eq!(heard, sent[1..], "every message after the first (which came in incoming_chat), once");
}

#[tokio::test]
async fn two_nodes_taking_the_same_waiting_chat_at_once_give_it_to_exactly_one_agent() {
    let cluster = Cluster::new().await;
    let (a, b) = (cluster.node().await, cluster.node().await);
    for round in 0..5 {
        // Nobody is signed in: the chat waits.
        let (mut customer, _) = a.customer().await;
        let started = customer.request("start_chat", json!({ "chat": { "thread": { "events": [message("q", "waiting")] } } })).await;
        let chat_id = ok(&started)["chat_id"].as_str().unwrap().to_owned();
        customer.push("queue_position_updated").await;
        // Anna signs in on A and Carl on B at the same moment: each node drains the queue.
        let (anna, carl) = tokio::join!(a.agent(ANNA), b.agent(CARL));
        let added = customer.push("user_added_to_chat").await;
        customer.no_push("user_added_to_chat", Duration::from_millis(500)).await;
        let chat = customer.request("get_chat", json!({ "chat_id": chat_id })).await;
        let agents: Vec<&Value> = ok(&chat)["users"].as_array().unwrap().iter().filter(|user| user["type"] == "agent").collect();
        assert_eq!(agents.len(), 1, "round {round}: {chat}");
        assert_eq!(agents[0]["id"], added["payload"]["user"]["id"]);
        drop((anna, carl));
        ok(&customer.request("deactivate_chat", json!({ "id": chat_id })).await);
        // Both agents are gone before the next round's chat opens.
        a.until_agent_is(&mut customer, ANNA, "offline").await;
        a.until_agent_is(&mut customer, CARL, "offline").await;
    }
}

#[tokio::test]
async fn an_agent_whose_node_died_is_offline_everywhere_soon_after() {
    let cluster = Cluster::new().await;
    let (a, mut b) = (cluster.node().await, cluster.node().await);
    let _anna = b.agent(ANNA).await;
    let (mut customer, _) = a.customer().await;
    a.until_agent_is(&mut customer, ANNA, "accepting_chats").await;
    b.kill().await;
    // Not told by B, which is gone: A stops hearing from it (within 6 s of its last word,
    // which came at most 2 s before) and tells its customers.
    a.until_agent_is(&mut customer, ANNA, "offline").await;
    let status = customer.push_where("groups_status_updated", |frame| frame["payload"]["groups"][0]["status"] == "offline").await;
    assert_eq!(status["payload"]["groups"][0]["id"], 0);
}

#[tokio::test]
async fn settings_saved_on_one_node_are_in_force_on_the_others() {
    let cluster = Cluster::new().await;
    let (a, b) = (cluster.node().await, cluster.node().await);
    let mut anna = a.agent(ANNA).await;
    let mut carl = b.agent(CARL).await;
    let (mut customer, _) = b.customer().await;
    let answer = anna.request("get_license_settings", json!({})).await;
    let mut settings = ok(&answer)["settings"].clone();
    settings["groups"][0]["name"] = json!("Sales");
    ok(&anna.request("update_license_settings", json!({ "settings": settings })).await);
    // Carl's app on B hears of it, and by then B goes by the new settings.
    carl.push("license_settings_updated").await;
    let list = customer.request("list_agents", json!({})).await;
    assert_eq!(ok(&list)["groups"], json!([{ "id": 0, "name": "Sales" }]));
}

#[tokio::test]
async fn the_limit_on_customers_per_license_counts_every_nodes_customers() {
    let cluster = Cluster::with_limits("[limits]\ncustomers_per_license = 2").await;
    let (a, b, c) = (cluster.node().await, cluster.node().await, cluster.node().await);
    let _first = a.customer().await;
    let _second = b.customer().await;
    // C has no customer of its own; it hears of A's and B's with their next
    // announcements (every 2 s), and then refuses a third.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let token = support::customer_token(c.addr, json!({ "license_id": 1 })).await;
    let mut third = Client::connect(c.addr, "/v3.2/customer/rtm/ws?license_id=1").await;
    let bearer = format!("Bearer {}", token["access_token"].as_str().unwrap());
    let login = third.request("login", json!({ "token": bearer })).await;
    assert_eq!(support::error_type(&login), "users_limit_reached", "{login}");
}

#[tokio::test]
async fn nodes_sign_in_to_a_bus_that_wants_a_user_and_never_print_its_password() {
    let mut cluster = Cluster::new().await;
    let bus = crate::nats::url_with_user();
    cluster.nats_url = bus.replacen("nats://", "nats://chat:nats-secret@", 1);
    let (a, b) = (cluster.node().await, cluster.node().await);
    let mut anna = b.agent(ANNA).await;
    let (mut customer, _) = a.customer().await;
    a.until_agent_is(&mut customer, ANNA, "accepting_chats").await;
    ok(&customer.request("start_chat", json!({ "chat": { "thread": { "events": [message("c1", "Over a guarded bus")] } } })).await);
    let incoming = anna.push("incoming_chat").await;
    assert_eq!(incoming["payload"]["chat"]["thread"]["events"][0]["text"], "Over a guarded bus");

    // A wrong password stops the node at start, and says so without the password.
    cluster.nats_url = bus.replacen("nats://", "nats://chat:wrong-secret@", 1);
    let data = tempfile::tempdir().unwrap();
    let output = cluster.command(&["--data", data.path().to_str().unwrap()]).output().await.unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(stderr.contains("cannot reach NATS at nats://chat:***@"), "{stderr}");
    assert!(!stderr.contains("wrong-secret"), "the password was printed: {stderr}");
}
