//! What agents keep beside the chats: the archive's search and filters, tags on threads
//! (agents only), and the license's canned responses with their shortcuts.

use serde_json::{json, Value};

use crate::support::*;

fn message(custom_id: &str, text: &str) -> Value {
    json!({ "type": "message", "custom_id": custom_id, "text": text, "recipients": "all" })
}

/// A customer's chat with one exchange and the agent's `extra` events, ended by the agent;
/// returns (chat id, thread id).
async fn ended_chat(server: &TestServer, agent: &mut Client, question: &str, answer: &str, extra: &[Value]) -> (String, String) {
    let mut customer = server.customer().await;
    let started = customer.request("start_chat", json!({ "chat": { "thread": { "events": [message("q", question)] } } })).await;
    let chat_id = ok(&started)["chat_id"].as_str().unwrap().to_owned();
    let thread_id = ok(&started)["thread_id"].as_str().unwrap().to_owned();
    ok(&agent.request("send_event", json!({ "chat_id": chat_id, "event": message("a", answer) })).await);
    for event in extra {
        ok(&agent.request("send_event", json!({ "chat_id": chat_id, "event": event })).await);
    }
    ok(&agent.request("deactivate_chat", json!({ "id": chat_id })).await);
    (chat_id, thread_id)
}

/// The thread ids `filters` finds, in the order listed.
async fn found(agent: &mut Client, filters: Value) -> Vec<String> {
    let answer = agent.request("list_archives", json!({ "filters": filters, "limit": 100 })).await;
    let answer = ok(&answer);
    let threads: Vec<String> = answer["chats"].as_array().unwrap().iter().map(|chat| chat["thread"]["id"].as_str().unwrap().to_owned()).collect();
    assert_eq!(answer["found_chats"], threads.len(), "{answer}");
    threads
}

#[tokio::test]
async fn the_archive_finds_ended_chats_by_words_agent_group_date_rating_and_tag() {
    let server = TestServer::start().await;
    let mut agent = server.agent().await;
    let (tent_chat, tent) = ended_chat(&server, &mut agent, "Do you sell a two-person tent?", "Yes: the Ridge 2, in stock.", &[]).await;
    let note = json!({ "type": "message", "text": "Refund approved by Björn", "recipients": "agents" });
    let (boots_chat, boots) = ended_chat(&server, &mut agent, "Where is my order of boots?", "Let me check.", &[note]).await;
    // A chat still going on is not in the archive.
    let mut chatting = server.customer().await;
    ok(&chatting.request("start_chat", json!({ "chat": { "thread": { "events": [message("q", "Another tent question")] } } })).await);

    ok(&agent.request("update_thread_properties", json!({ "chat_id": tent_chat, "thread_id": tent, "properties": { "rating": { "score": 1 } } })).await);
    ok(&agent.request("tag_thread", json!({ "chat_id": boots_chat, "thread_id": boots, "tag": "refund" })).await);

    // Newest first; words by prefix, any case, accents folded; notes are searched too.
    assert_eq!(found(&mut agent, json!({})).await, [boots.clone(), tent.clone()]);
    assert_eq!(found(&mut agent, json!({ "query": "TENT" })).await, [tent.clone()]);
    assert_eq!(found(&mut agent, json!({ "query": "ridg stock" })).await, [tent.clone()]);
    assert_eq!(found(&mut agent, json!({ "query": "bjorn" })).await, [boots.clone()]);
    assert_eq!(found(&mut agent, json!({ "query": "tent boots" })).await, Vec::<String>::new(), "all words, in one event");
    // Query syntax in what an agent types is only words.
    assert_eq!(found(&mut agent, json!({ "query": "\"tent\" OR NEAR(boots* AND" })).await, Vec::<String>::new());
    assert_eq!(found(&mut agent, json!({ "query": "tent\" OR \"boots" })).await, Vec::<String>::new());

    assert_eq!(found(&mut agent, json!({ "tags": { "values": ["refund"] } })).await, [boots.clone()]);
    assert_eq!(found(&mut agent, json!({ "tags": { "exists": false } })).await, [tent.clone()]);
    assert_eq!(found(&mut agent, json!({ "properties": { "rating": { "score": { "values": [1] } } } })).await, [tent.clone()]);
    assert_eq!(found(&mut agent, json!({ "properties": { "rating": { "score": { "exists": false } } } })).await, [boots.clone()]);
    assert_eq!(found(&mut agent, json!({ "agents": { "values": ["anna@acme.example"] } })).await.len(), 2);
    assert_eq!(found(&mut agent, json!({ "agents": { "values": ["someone@else.example"] } })).await.len(), 0);
    assert_eq!(found(&mut agent, json!({ "group_ids": [0] })).await.len(), 2);
    assert_eq!(found(&mut agent, json!({ "group_ids": [1] })).await.len(), 0);
    assert_eq!(found(&mut agent, json!({ "from": "2000-01-01", "to": "2999-12-31" })).await.len(), 2);
    assert_eq!(found(&mut agent, json!({ "from": "2999-01-01" })).await.len(), 0);
    assert_eq!(found(&mut agent, json!({ "to": "2000-01-01T00:00:00Z" })).await.len(), 0);
    assert_eq!(found(&mut agent, json!({ "thread_ids": [tent] })).await, [tent.clone()]);

    // Each chat comes with the thread found, notes and tags included.
    let listed = agent.request("list_archives", json!({ "filters": { "query": "boots" } })).await;
    let thread = &ok(&listed)["chats"][0]["thread"];
    assert_eq!(thread["tags"], json!(["refund"]));
    assert!(thread["events"].as_array().unwrap().iter().any(|event| event["recipients"] == "agents"));

    // Pages carry the filters; a page id comes alone.
    let first = agent.request("list_archives", json!({ "filters": { "query": "t" }, "limit": 1 })).await;
    let first = ok(&first).clone();
    assert_eq!((first["found_chats"].as_u64(), first["chats"].as_array().unwrap().len()), (Some(2), 1));
    let next = agent.request("list_archives", json!({ "page_id": first["next_page_id"] })).await;
    let next = ok(&next);
    assert_eq!(next["chats"][0]["thread"]["id"], tent);
    assert!(next.get("next_page_id").is_none());
    let back = agent.request("list_archives", json!({ "page_id": next["previous_page_id"] })).await;
    assert_eq!(ok(&back)["chats"][0]["thread"]["id"], boots);
    let mixed = agent.request("list_archives", json!({ "page_id": first["next_page_id"], "limit": 5 })).await;
    assert_eq!(error_type(&mixed), "validation");
    assert_eq!(error_type(&agent.request("list_archives", json!({ "page_id": "nonsense" })).await), "validation");
    let far = agent.request("list_archives", json!({ "page_id": "dl10.18446744073709551615|{}" })).await;
    assert_eq!(error_type(&far), "validation", "a page far past the end is refused, not wrapped around");

    // Bad filters are refused one by one.
    for filters in [
        json!({ "from": "yesterday" }),
        json!({ "properties": { "rating": { "score'); DROP TABLE events; --": { "exists": true } } } }),
        json!({ "properties": { "rating": { "score": { "values": [[1]] } } } }),
        json!({ "query": "a b c d e f g h i j k" }),
        json!({ "from": "9999999999-01-01" }),
        json!({ "to": "2026-1-1" }),
        json!({ "properties": { "p": (0..11).map(|n| (format!("n{n}"), json!({ "exists": true }))).collect::<serde_json::Map<String, Value>>() } }),
    ] {
        assert_eq!(error_type(&agent.request("list_archives", json!({ "filters": filters })).await), "validation", "{filters}");
    }

    // Another license's agent finds nothing; customers have no archive.
    let mut bob = Client::connect(server.addr, "/v3.2/agent/rtm/ws?license_id=2").await;
    bob.login(&json!(OTHER_AGENT_TOKEN)).await;
    assert_eq!(found(&mut bob, json!({ "query": "tent" })).await.len(), 0);
    assert!(chatting.request("list_archives", json!({})).await["success"] == false);
}

#[tokio::test]
async fn tags_on_threads_reach_agents_and_never_customers() {
    let server = TestServer::start().await;
    let mut agent = server.agent().await;
    let mut colleague = server.agent().await;
    let mut customer = server.customer().await;
    let started = customer.request("start_chat", json!({ "chat": { "thread": { "events": [message("q", "hello")] } } })).await;
    let chat_id = ok(&started)["chat_id"].clone();
    let thread_id = ok(&started)["thread_id"].clone();
    let tag = |tag: &str| json!({ "chat_id": chat_id, "thread_id": thread_id, "tag": tag });

    ok(&agent.request("tag_thread", tag(" billing ")).await);
    let pushed = colleague.push("thread_tagged").await;
    assert_eq!(pushed["payload"], tag("billing"));
    ok(&agent.request("tag_thread", tag("vip")).await);
    let chat = agent.request("get_chat", json!({ "chat_id": chat_id })).await;
    assert_eq!(ok(&chat)["thread"]["tags"], json!(["billing", "vip"]));
    let listed = agent.request("list_chats", json!({})).await;
    assert_eq!(ok(&listed)["chats_summary"][0]["last_thread_summary"]["tags"], json!(["billing", "vip"]));
    let threads = agent.request("list_threads", json!({ "chat_id": chat_id })).await;
    assert_eq!(ok(&threads)["threads"][0]["tags"], json!(["billing", "vip"]));

    // The customer sees no tag anywhere, and hears of none.
    let theirs = customer.request("get_chat", json!({ "chat_id": chat_id })).await;
    assert!(ok(&theirs)["thread"].get("tags").is_none(), "{theirs}");
    let theirs = customer.request("list_threads", json!({ "chat_id": chat_id })).await;
    assert!(ok(&theirs)["threads"][0].get("tags").is_none(), "{theirs}");
    customer.no_push("thread_tagged", std::time::Duration::from_millis(300)).await;

    ok(&agent.request("untag_thread", tag("billing")).await);
    assert_eq!(colleague.push("thread_untagged").await["payload"], tag("billing"));
    assert_eq!(error_type(&agent.request("untag_thread", tag("billing")).await), "not_found");
    assert_eq!(error_type(&agent.request("tag_thread", tag("vip")).await), "validation");
    assert_eq!(error_type(&agent.request("tag_thread", tag("")).await), "validation");
    assert_eq!(error_type(&agent.request("tag_thread", tag(&"x".repeat(51))).await), "validation");
    assert_eq!(error_type(&agent.request("tag_thread", tag("new\nline")).await), "validation");
    let elsewhere = json!({ "chat_id": chat_id, "thread_id": "no-such-thread", "tag": "x" });
    assert_eq!(error_type(&agent.request("tag_thread", elsewhere).await), "not_found");
    // Customers cannot tag.
    assert!(customer.request("tag_thread", tag("mine")).await["success"] == false);
}

#[tokio::test]
async fn canned_responses_are_kept_per_license_with_shortcuts_that_name_one_reply() {
    let server = TestServer::start().await;
    let mut agent = server.agent().await;
    let mut colleague = server.agent().await;
    assert_eq!(ok(&agent.request("list_canned_responses", json!({})).await)["canned_responses"], json!([]));

    let created = agent.request("create_canned_response", json!({ "text": " Hello! How can I help? ", "tags": ["#hello", "hi", "HI"] })).await;
    let created = ok(&created).clone();
    assert_eq!(created["text"], "Hello! How can I help?");
    assert_eq!(created["tags"], json!(["hello", "hi"]));
    assert_eq!(created["created_by"], "anna@acme.example");
    assert_eq!(colleague.push("canned_response_created").await["payload"], created);
    let id = created["id"].clone();

    let other = agent.request("create_canned_response", json!({ "text": "Thanks, bye!", "tags": ["bye"] })).await;
    let other_id = ok(&other)["id"].clone();
    let listed = agent.request("list_canned_responses", json!({})).await;
    let tags: Vec<&Value> = ok(&listed)["canned_responses"].as_array().unwrap().iter().map(|reply| &reply["tags"][0]).collect();
    assert_eq!(tags, [&json!("bye"), &json!("hello")], "by first shortcut");

    // A shortcut names one reply of the license.
    let clash = agent.request("create_canned_response", json!({ "text": "Hey", "tags": ["Hello"] })).await;
    assert_eq!(error_type(&clash), "validation");
    let clash = agent.request("update_canned_response", json!({ "id": other_id, "tags": ["hi"] })).await;
    assert_eq!(error_type(&clash), "validation");

    let updated = agent.request("update_canned_response", json!({ "id": id, "text": "Hi there!" })).await;
    assert_eq!(ok(&updated)["tags"], json!(["hello", "hi"]));
    assert_eq!(colleague.push("canned_response_updated").await["payload"]["text"], "Hi there!");

    for bad in [
        json!({ "text": "", "tags": ["x"] }),
        json!({ "text": "x".repeat(2001), "tags": ["x"] }),
        json!({ "text": "no shortcut", "tags": [] }),
        json!({ "text": "spaces", "tags": ["two words"] }),
    ] {
        assert_eq!(error_type(&agent.request("create_canned_response", bad.clone()).await), "validation", "{bad}");
    }

    // Another license neither sees nor changes them.
    let mut bob = Client::connect(server.addr, "/v3.2/agent/rtm/ws?license_id=2").await;
    bob.login(&json!(OTHER_AGENT_TOKEN)).await;
    assert_eq!(ok(&bob.request("list_canned_responses", json!({})).await)["canned_responses"], json!([]));
    assert_eq!(error_type(&bob.request("delete_canned_response", json!({ "id": id })).await), "not_found");
    ok(&bob.request("create_canned_response", json!({ "text": "Hello from Other Co", "tags": ["hello"] })).await);

    ok(&agent.request("delete_canned_response", json!({ "id": id })).await);
    assert_eq!(colleague.push("canned_response_deleted").await["payload"], json!({ "id": id }));
    assert_eq!(error_type(&agent.request("delete_canned_response", json!({ "id": id })).await), "not_found");
    assert_eq!(ok(&agent.request("list_canned_responses", json!({})).await)["canned_responses"].as_array().unwrap().len(), 1);
}

const CARL_TOKEN: &str = "agent-secret-carl";

/// The test server with a second agent in license 1, Carl, who supervises.
async fn with_carl() -> TestServer {
    TestServer::start_configured(|config| {
        config.agents.push(server::config::Agent {
            id: "carl@acme.example".to_owned(),
            license_id: 1,
            name: "Carl".to_owned(),
            job_title: "Team lead".to_owned(),
            avatar: None,
            token: CARL_TOKEN.to_owned(),
            role: server::config::Role::Agent,
            groups: vec![0],
            max_chats: 3,
        });
    })
    .await
}

#[tokio::test]
async fn a_supervisor_reads_and_advises_unseen_then_joins_and_leaves_in_view() {
    let server = with_carl().await;
    let mut anna = server.agent().await;
    let mut customer = server.customer().await;
    let started = customer.request("start_chat", json!({ "chat": { "thread": { "events": [message("q", "hello")] } } })).await;
    let chat_id = ok(&started)["chat_id"].as_str().unwrap().to_owned();
    ok(&anna.request("send_event", json!({ "chat_id": chat_id, "event": message("a", "Hi, Anna here") })).await);
    customer.push_where("user_added_to_chat", |frame| frame["payload"]["user"]["id"] == "anna@acme.example").await;
    let mut carl = Client::connect(server.addr, "/v3.5/agent/rtm/ws?organization_id=2f1c6d4e-8a4b-4a51-9a7e-0c9d3b1e5f01").await;
    carl.login(&json!(CARL_TOKEN)).await;

    // Load per agent, for agents only.
    let agents = carl.request("list_agents", json!({})).await;
    let anna_info = ok(&agents)["agents"].as_array().unwrap().iter().find(|agent| agent["id"] == "anna@acme.example").unwrap().clone();
    assert_eq!((anna_info["active_chats"].as_u64(), anna_info["max_chats"].as_u64()), (Some(1), Some(6)));
    let theirs = customer.request("list_agents", json!({})).await;
    assert!(ok(&theirs)["agents"][0].get("active_chats").is_none(), "customers do not see agents' load");

    // A note from Carl reaches Anna, not the visitor, and does not make him a participant.
    let note = json!({ "type": "message", "text": "Offer the discount", "visibility": "agents" });
    ok(&carl.request("send_event", json!({ "chat_id": chat_id, "event": note })).await);
    anna.push_where("incoming_event", |frame| frame["payload"]["event"]["text"] == "Offer the discount").await;
    customer.no_push("user_added_to_chat", std::time::Duration::from_millis(300)).await;
    let chat = anna.request("get_chat", json!({ "chat_id": chat_id })).await;
    let ids: Vec<&Value> = ok(&chat)["users"].as_array().unwrap().iter().map(|user| &user["id"]).collect();
    assert!(!ids.contains(&&json!("carl@acme.example")), "{ids:?}");
    // Nor does the visitor learn of him from the thread's users.
    let theirs = customer.request("get_chat", json!({ "chat_id": chat_id })).await;
    assert!(!ok(&theirs).to_string().contains("carl@acme.example"), "{theirs}");

    // Joining is seen by everyone; joining again changes nothing; leaving is seen too.
    let join = json!({ "chat_id": chat_id, "user_id": "carl@acme.example", "user_type": "agent", "visibility": "all" });
    ok(&carl.request("add_user_to_chat", join.clone()).await);
    let joined = customer.push_where("user_added_to_chat", |frame| frame["payload"]["user"]["id"] == "carl@acme.example").await;
    assert_eq!(joined["payload"]["requester_id"], "carl@acme.example");
    ok(&carl.request("add_user_to_chat", join).await);
    customer.no_push("user_added_to_chat", std::time::Duration::from_millis(300)).await;
    let leave = json!({ "chat_id": chat_id, "user_id": "carl@acme.example", "user_type": "agent" });
    ok(&carl.request("remove_user_from_chat", leave.clone()).await);
    let left = customer.push("user_removed_from_chat").await;
    assert_eq!(left["payload"]["user_id"], "carl@acme.example");
    assert_eq!(error_type(&carl.request("remove_user_from_chat", leave).await), "not_found");

    for (bad, kind) in [
        (json!({ "chat_id": chat_id, "user_id": "carl@acme.example", "user_type": "agent", "visibility": "agents" }), "validation"),
        (json!({ "chat_id": chat_id, "user_id": "carl@acme.example", "user_type": "customer" }), "validation"),
        (json!({ "chat_id": chat_id, "user_id": "bob@other.example", "user_type": "agent" }), "not_found"),
        (json!({ "chat_id": "no-such-chat", "user_id": "carl@acme.example", "user_type": "agent" }), "not_found"),
    ] {
        assert_eq!(error_type(&carl.request("add_user_to_chat", bad.clone()).await), kind, "{bad}");
    }
    ok(&anna.request("deactivate_chat", json!({ "id": chat_id })).await);
    let join = json!({ "chat_id": chat_id, "user_id": "carl@acme.example", "user_type": "agent" });
    assert_eq!(error_type(&carl.request("add_user_to_chat", join).await), "chat_inactive");
}

#[tokio::test]
async fn agents_see_the_pages_a_visitor_moved_through() {
    let server = TestServer::start().await;
    let (mut customer, token) = server.customer_with_token().await;
    let mut agent = server.agent().await;
    for (url, title) in [("https://shop.example/", "Home"), ("https://shop.example/tents", "Tents"), ("https://shop.example/tents", "Tents, reloaded")] {
        ok(&customer.request("update_customer_page", json!({ "url": url, "title": title })).await);
    }
    for n in 0..25 {
        ok(&customer.request("update_customer_page", json!({ "url": format!("https://shop.example/p/{n}") })).await);
    }
    let found = agent.request("get_customer", json!({ "customer_id": token["entity_id"] })).await;
    let pages = ok(&found)["last_visit"]["last_pages"].as_array().unwrap().clone();
    assert_eq!(pages.len(), 20, "the newest 20 pages are kept");
    assert_eq!(pages[19]["url"], "https://shop.example/p/24");
    assert_eq!(pages[0]["url"], "https://shop.example/p/5");
    assert!(pages.windows(2).all(|pair| pair[0]["opened_at"].as_str() < pair[1]["opened_at"].as_str()), "oldest first");

    // A reload is not a new page.
    let (mut other, other_token) = server.customer_with_token().await;
    ok(&other.request("update_customer_page", json!({ "url": "https://shop.example/", "title": "Home" })).await);
    ok(&other.request("update_customer_page", json!({ "url": "https://shop.example/tents", "title": "Tents" })).await);
    ok(&other.request("update_customer_page", json!({ "url": "https://shop.example/tents", "title": "Tents (2)" })).await);
    let found = agent.request("get_customer", json!({ "customer_id": other_token["entity_id"] })).await;
    let pages = ok(&found)["last_visit"]["last_pages"].clone();
    let seen: Vec<(&str, &str)> = pages.as_array().unwrap().iter().map(|page| (page["url"].as_str().unwrap(), page["title"].as_str().unwrap())).collect();
    assert_eq!(seen, [("https://shop.example/", "Home"), ("https://shop.example/tents", "Tents (2)")]);
}
