//! The customer actions beyond chatting, and the pushes they cause.

use std::time::Duration;

use serde_json::{json, Value};
use server::config::Timings;

use crate::support::*;

async fn chat_with_agent(server: &TestServer) -> (Client, Client, Value, String) {
    let mut agent = server.agent().await;
    let mut customer = server.customer().await;
    let started = customer
        .request("start_chat", json!({ "chat": { "thread": { "events": [{ "type": "message", "text": "hi" }] } } }))
        .await;
    let chat_id = ok(&started)["chat_id"].clone();
    let thread_id = ok(&started)["thread_id"].as_str().unwrap().to_owned();
    customer.push("incoming_chat").await;
    agent.push("incoming_chat").await;
    (customer, agent, chat_id, thread_id)
}

#[tokio::test]
async fn update_customer_reaches_every_tab_and_the_agents() {
    let server = TestServer::start().await;
    let mut agent = server.agent().await;
    let (mut customer, token) = server.customer_with_token().await;
    let mut tab = server.tab(&token).await;
    let response = customer
        .request("update_customer", json!({ "name": "Thomas", "email": "t@example.com", "session_fields": [{ "plan": "gold" }] }))
        .await;
    ok(&response);
    // A side effect, not the request's result: nobody's copy carries the request id.
    assert_eq!(customer.push("customer_updated").await.get("request_id"), None);
    let pushed = tab.push("customer_updated").await;
    assert_eq!(pushed["payload"]["customer"]["name"], "Thomas");
    assert_eq!(agent.push("customer_updated").await["payload"]["customer"]["email"], "t@example.com");

    let me = customer.request("get_customer", json!({})).await;
    let me = ok(&me);
    assert_eq!((me["name"].as_str(), me["email"].as_str()), (Some("Thomas"), Some("t@example.com")));
    assert_eq!(me["session_fields"], json!([{ "plan": "gold" }]));
    assert_eq!(me["statistics"]["visits_count"], 2, "two tabs logged in");

    assert_eq!(error_type(&customer.request("update_customer", json!({})).await), "validation");
    assert_eq!(error_type(&customer.request("update_customer", json!({ "email": "nope" })).await), "validation");
}

#[tokio::test]
async fn session_fields_are_replaced_and_capped_at_100() {
    let server = TestServer::start().await;
    let mut customer = server.customer().await;
    ok(&customer.request("update_customer", json!({ "session_fields": [{ "a": "1" }, { "b": "2" }] })).await);
    ok(&customer.request("set_customer_session_fields", json!({ "session_fields": [{ "c": "3" }] })).await);
    let me = customer.request("get_customer", json!({})).await;
    assert_eq!(ok(&me)["session_fields"], json!([{ "c": "3" }]));
    let many: Vec<Value> = (0..101).map(|n| json!({ format!("k{n}"): "v" })).collect();
    let response = customer.request("set_customer_session_fields", json!({ "session_fields": many })).await;
    assert_eq!(error_type(&response), "customer_session_fields_limit_reached");
}

#[tokio::test]
async fn the_page_a_customer_moves_to_is_shown_to_agents() {
    let server = TestServer::start().await;
    let mut agent = server.agent().await;
    let mut customer = server.customer().await;
    ok(&customer.request("update_customer_page", json!({ "url": "https://shop.example/tents", "title": "Tents" })).await);
    let pushed = agent.push("customer_page_updated").await;
    assert_eq!(pushed["payload"]["url"], "https://shop.example/tents");
    assert!(pushed["payload"]["timestamp"].as_u64().unwrap() > 1_700_000_000);
    assert_eq!(error_type(&customer.request("update_customer_page", json!({ "title": "no url" })).await), "validation");
    let me = customer.request("get_customer", json!({})).await;
    assert_eq!(ok(&me)["statistics"]["page_views_count"], 1);
}

#[tokio::test]
async fn read_receipts_move_forward_only_and_drive_unread_flags() {
    let server = TestServer::start().await;
    let (mut customer, mut agent, chat_id, _) = chat_with_agent(&server).await;
    let reply = agent.request("send_event", json!({ "chat_id": chat_id, "event": { "type": "message", "text": "hello!" } })).await;
    let reply_id = ok(&reply)["event_id"].clone();
    let incoming = customer.event("message").await;
    let at = incoming["payload"]["event"]["created_at"].as_str().unwrap().to_owned();

    // Before the customer reads it, a new tab's login says the chat has unread events.
    let token = customer_token(server.addr, json!({ "license_id": 1 })).await;
    let _ = token;
    let chat = agent.request("get_chat", json!({ "chat_id": chat_id })).await;
    let agent_user = ok(&chat)["users"].as_array().unwrap().iter().find(|user| user["type"] == "agent").unwrap().clone();
    assert_eq!(agent_user["events_seen_up_to"], json!(at), "sending marks everything seen for the sender");
    let _ = reply_id;

    ok(&customer.request("mark_events_as_seen", json!({ "chat_id": chat_id, "seen_up_to": at })).await);
    let seen = agent.push("events_marked_as_seen").await;
    assert_eq!(seen["payload"]["seen_up_to"], json!(at));
    ok(&customer.request("mark_events_as_seen", json!({ "chat_id": chat_id, "seen_up_to": "2000-01-01T00:00:00.000000Z" })).await);
    let seen = agent.push("events_marked_as_seen").await;
    assert_eq!(seen["payload"]["seen_up_to"], json!(at), "the marker never moves back");
    assert_eq!(
        error_type(&customer.request("mark_events_as_seen", json!({ "chat_id": chat_id, "seen_up_to": "yesterday" })).await),
        "validation"
    );
}

#[tokio::test]
async fn unread_events_are_reported_at_login() {
    let server = TestServer::start().await;
    let mut agent = server.agent().await;
    let (mut customer, token) = server.customer_with_token().await;
    let chat_id = ok(&customer.request("start_chat", json!({})).await)["chat_id"].clone();
    agent.push("incoming_chat").await;
    ok(&agent.request("send_event", json!({ "chat_id": chat_id, "event": { "type": "message", "text": "are you there?" } })).await);
    let mut tab = Client::connect(server.addr, "/v3.2/customer/rtm/ws?license_id=1").await;
    let login = tab.login(&token["access_token"]).await;
    assert_eq!(ok(&login)["chats"][0]["has_unread_events"], true);
}

#[tokio::test]
async fn properties_update_delete_and_push_only_what_changed() {
    let server = TestServer::start().await;
    let (mut customer, mut agent, chat_id, thread_id) = chat_with_agent(&server).await;
    ok(&customer.request("update_chat_properties", json!({ "id": chat_id, "properties": { "shop": { "cart": "3 items" } } })).await);
    let pushed = agent.push("chat_properties_updated").await;
    assert_eq!(pushed["payload"]["properties"], json!({ "shop": { "cart": "3 items" } }));
    ok(&customer.request("update_chat_properties", json!({ "chat_id": chat_id, "properties": { "shop": { "total": 42 } } })).await);
    let chat = customer.request("get_chat", json!({ "chat_id": chat_id })).await;
    assert_eq!(ok(&chat)["properties"], json!({ "shop": { "cart": "3 items", "total": 42 } }));
    ok(&customer.request("delete_chat_properties", json!({ "chat_id": chat_id, "properties": { "shop": ["cart"] } })).await);
    assert_eq!(agent.push("chat_properties_deleted").await["payload"]["properties"], json!({ "shop": ["cart"] }));

    let event_id = format!("{thread_id}_1");
    ok(&agent
        .request("update_event_properties", json!({ "chat_id": chat_id, "thread_id": thread_id, "event_id": event_id,
                                                     "properties": { "flags": { "important": true } } }))
        .await);
    assert_eq!(customer.push("event_properties_updated").await["payload"]["event_id"], json!(event_id));
    let chat = customer.request("get_chat", json!({ "chat_id": chat_id })).await;
    assert_eq!(ok(&chat)["thread"]["events"][0]["properties"], json!({ "flags": { "important": true } }));
    ok(&agent
        .request("delete_event_properties", json!({ "chat_id": chat_id, "thread_id": thread_id, "event_id": event_id,
                                                     "properties": { "flags": ["important"] } }))
        .await);
    customer.push("event_properties_deleted").await;

    let response = customer
        .request("update_event_properties", json!({ "chat_id": chat_id, "thread_id": thread_id, "event_id": "NOPE_1", "properties": {} }))
        .await;
    assert_eq!(error_type(&response), "not_found");
}

#[tokio::test]
async fn rating_the_chat_sets_thread_properties_and_leaves_a_note_in_the_transcript() {
    let server = TestServer::start().await;
    let (mut customer, mut agent, chat_id, thread_id) = chat_with_agent(&server).await;
    let rating = json!({ "rating": { "score": 1, "comment": "Quick and kind" } });
    ok(&customer.request("update_thread_properties", json!({ "chat_id": chat_id, "thread_id": thread_id, "properties": rating })).await);
    let pushed = agent.push("thread_properties_updated").await;
    assert_eq!(pushed["payload"]["properties"]["rating"]["score"], 1);
    let note = agent
        .push_where("incoming_event", |frame| frame["payload"]["event"]["system_message_type"] == "rating.chat_rated")
        .await;
    assert_eq!(note["payload"]["event"]["text"], "The visitor rated the chat as good: Quick and kind");
    let chat = agent.request("get_chat", json!({ "chat_id": chat_id })).await;
    assert_eq!(ok(&chat)["thread"]["properties"]["rating"]["comment"], "Quick and kind");

    ok(&customer
        .request("delete_thread_properties", json!({ "chat_id": chat_id, "thread_id": thread_id, "properties": { "rating": ["score", "comment"] } }))
        .await);
    agent.push("thread_properties_deleted").await;
    agent
        .push_where("incoming_event", |frame| {
            frame["payload"]["event"]["system_message_type"] == "rating.chat_rating_canceled"
        })
        .await;

    let bad = json!({ "rating": { "score": 5 } });
    let response = customer.request("update_thread_properties", json!({ "chat_id": chat_id, "thread_id": thread_id, "properties": bad })).await;
    assert_eq!(error_type(&response), "validation");
}

#[tokio::test]
async fn rich_message_buttons_toggle_by_postback_id() {
    let server = TestServer::start().await;
    let (mut customer, mut agent, chat_id, thread_id) = chat_with_agent(&server).await;
    let card = json!({ "type": "rich_message", "template_id": "quick_replies", "elements": [
        { "title": "Pick one", "buttons": [
            { "text": "Yes", "type": "message", "value": "yes", "postback_id": "yes", "user_ids": [] },
            { "text": "No", "type": "message", "value": "no", "postback_id": "no", "user_ids": [] } ] } ] });
    let sent = agent.request("send_event", json!({ "chat_id": chat_id, "event": card })).await;
    let event_id = ok(&sent)["event_id"].clone();
    customer.event("rich_message").await;

    let press = json!({ "chat_id": chat_id, "thread_id": thread_id, "event_id": event_id, "postback": { "id": "yes", "toggled": true } });
    ok(&customer.request("send_rich_message_postback", press).await);
    let postback = agent.push("incoming_rich_message_postback").await;
    assert_eq!(postback["payload"]["postback"], json!({ "id": "yes", "toggled": true }));
    let updated = agent.push("event_updated").await;
    let me = postback["payload"]["user_id"].clone();
    assert_eq!(updated["payload"]["event"]["elements"][0]["buttons"][0]["user_ids"], json!([me]));
    assert_eq!(updated["payload"]["event"]["elements"][0]["buttons"][1]["user_ids"], json!([]));

    let missing = json!({ "chat_id": chat_id, "thread_id": thread_id, "event_id": event_id, "postback": { "id": "maybe", "toggled": true } });
    assert_eq!(error_type(&customer.request("send_rich_message_postback", missing).await), "not_found");
}

#[tokio::test]
async fn sneak_peeks_go_to_agents_and_typing_indicators_to_the_customer() {
    let server = TestServer::start().await;
    let (mut customer, mut agent, chat_id, _) = chat_with_agent(&server).await;
    ok(&customer.request("send_sneak_peek", json!({ "chat_id": chat_id, "sneak_peek_text": "I would like to ret" })).await);
    let peek = agent.push("incoming_sneak_peek").await;
    assert_eq!(peek["payload"]["sneak_peek"]["text"], "I would like to ret");
    customer.no_push("incoming_sneak_peek", Duration::from_millis(200)).await;

    ok(&agent.request("send_typing_indicator", json!({ "chat_id": chat_id, "is_typing": true })).await);
    let typing = customer.push("incoming_typing_indicator").await;
    assert_eq!(typing["payload"]["typing_indicator"]["is_typing"], true);
    assert_eq!(typing["payload"]["typing_indicator"]["author_id"], "anna@acme.example");
}

#[tokio::test]
async fn group_statuses_follow_agent_presence_and_load() {
    let server = TestServer::start_configured(|config| config.agents[0].max_chats = 1).await;
    let mut customer = server.customer().await;
    let statuses = customer.request("list_group_statuses", json!({ "all": true })).await;
    assert_eq!(ok(&statuses)["groups_status"], json!({ "0": "offline" }));
    assert_eq!(error_type(&customer.request("get_predicted_agent", json!({})).await), "group_offline");

    let mut agent = server.agent().await;
    let announced = customer.push("groups_status_updated").await;
    assert_eq!(announced["payload"]["groups"], json!([{ "id": 0, "status": "online" }]));
    let predicted = customer.request("get_predicted_agent", json!({ "group_id": 0 })).await;
    assert_eq!(ok(&predicted)["name"], "Anna", "3.2 gives the agent's fields flat");
    assert_eq!(ok(&predicted).get("agent"), None);
    let predicted = customer.request_in("3.3", "get_predicted_agent", json!({ "group_id": 0 })).await;
    assert_eq!(ok(&predicted)["agent"]["name"], "Anna", "3.3 nests them");
    assert_eq!(ok(&predicted)["queue"], false);
    assert_eq!(ok(&predicted).get("name"), None);

    // One active chat fills Anna's single slot: new chats would queue.
    let chat_id = ok(&customer.request("start_chat", json!({})).await)["chat_id"].clone();
    ok(&agent.request("send_event", json!({ "chat_id": chat_id, "event": { "type": "message", "text": "hi" } })).await);
    let statuses = customer.request("list_group_statuses", json!({ "group_ids": [0, 7] })).await;
    assert_eq!(ok(&statuses)["groups_status"], json!({ "0": "online_for_queue" }));

    ok(&agent.request("set_routing_status", json!({ "status": "not_accepting_chats" })).await);
    let statuses = customer.request("list_group_statuses", json!({ "all": true })).await;
    assert_eq!(ok(&statuses)["groups_status"], json!({ "0": "offline" }));
    assert_eq!(error_type(&customer.request("get_predicted_agent", json!({})).await), "group_unavailable");
    assert_eq!(error_type(&customer.request("get_predicted_agent", json!({ "group_id": 9 })).await), "group_not_found");
    assert_eq!(error_type(&customer.request("list_group_statuses", json!({})).await), "validation");
}

#[tokio::test]
async fn forms_come_from_the_groups_configuration() {
    let server = TestServer::start_configured(|config| {
        config.groups[0].forms.prechat = Some(serde_json::from_value(json!({ "id": "pre", "fields": [
            { "id": "h", "type": "header", "label": "Welcome" },
            { "id": "n", "type": "name", "label": "Your name", "required": true },
            { "id": "g", "type": "group_chooser", "label": "Department", "required": true,
              "options": [{ "id": "0", "label": "General", "group_id": 0 }] } ] })).unwrap());
    })
    .await;
    let mut customer = server.customer().await;
    let form = customer.request("get_form", json!({ "group_id": 0, "type": "prechat" })).await;
    assert_eq!(ok(&form)["enabled"], true);
    assert_eq!(ok(&form)["form"]["fields"][1]["required"], true);
    assert_eq!(ok(&form)["form"]["fields"][2]["options"][0]["group_id"], 0);
    let off = customer.request("get_form", json!({ "group_id": 0, "type": "postchat" })).await;
    assert_eq!(ok(&off), &json!({ "enabled": false }));
    assert_eq!(error_type(&customer.request("get_form", json!({ "group_id": 3, "type": "prechat" })).await), "group_not_found");
    assert_eq!(error_type(&customer.request("get_form", json!({ "group_id": 0 })).await), "validation");
}

#[tokio::test]
async fn greetings_are_shown_accepted_or_cancelled_once() {
    let server = TestServer::start().await;
    let mut agent = server.agent().await;
    let (mut customer, token) = server.customer_with_token().await;
    let customer_id = token["entity_id"].clone();
    let sent = agent.request("send_greeting", json!({ "customer_id": customer_id, "text": "Need help with sizes?" })).await;
    let unique_id = ok(&sent)["unique_id"].clone();
    let greeting = customer.push("incoming_greeting").await;
    assert_eq!(greeting["payload"]["unique_id"], unique_id);
    assert_eq!(greeting["payload"]["event"]["text"], "Need help with sizes?");
    assert_eq!(greeting["payload"]["agent"]["name"], "Anna");

    // A second greeting replaces the first.
    let second = agent.request("send_greeting", json!({ "customer_id": customer_id, "text": "Still there?" })).await;
    assert_eq!(customer.push("greeting_canceled").await["payload"]["unique_id"], unique_id);
    let second_id = ok(&second)["unique_id"].clone();
    customer.push("incoming_greeting").await;

    let accept = json!({ "greeting_id": 0, "unique_id": second_id });
    ok(&customer.request("accept_greeting", accept.clone()).await);
    assert_eq!(agent.push("greeting_accepted").await["payload"]["unique_id"], second_id);
    // Accepting starts a chat whose first message is the greeting, with its agent in it.
    let started = customer.push("incoming_chat").await;
    assert_eq!(started["payload"]["chat"]["thread"]["events"][0]["text"], "Still there?");
    assert_eq!(started["payload"]["chat"]["thread"]["events"][0]["author_id"], "anna@acme.example");
    let joined = customer.push("user_added_to_chat").await;
    assert_eq!(joined["payload"]["user"]["id"], "anna@acme.example");
    assert_eq!(error_type(&customer.request("accept_greeting", accept).await), "greeting_not_found");
    assert_eq!(error_type(&customer.request("cancel_greeting", json!({ "unique_id": unique_id })).await), "greeting_not_found");
    let me = customer.request("get_customer", json!({})).await;
    assert_eq!(ok(&me)["statistics"]["greetings_shown_count"], 2);
    assert_eq!(ok(&me)["statistics"]["greetings_accepted_count"], 1);
}

#[tokio::test]
async fn a_triggered_greeting_fires_after_its_delay_on_a_matching_page() {
    let server = TestServer::start_configured(|config| {
        config.greetings.push(server::config::Greeting {
            id: 5,
            license_id: 1,
            group_id: 0,
            agent_id: "anna@acme.example".to_owned(),
            text: "Looking for a tent?".to_owned(),
            trigger: Some(server::config::GreetingTrigger { url: Some("*/tents*".to_owned()), after_seconds: 0 }),
        })
    })
    .await;
    let mut customer = server.customer().await;
    ok(&customer.request("update_customer_page", json!({ "url": "https://shop.example/packs" })).await);
    customer.no_push("incoming_greeting", Duration::from_millis(300)).await;
    ok(&customer.request("update_customer_page", json!({ "url": "https://shop.example/tents/dome" })).await);
    let greeting = customer.push("incoming_greeting").await;
    assert_eq!(greeting["payload"]["id"], 5);
}

#[tokio::test]
async fn a_banned_customer_is_disconnected_and_cannot_log_in() {
    let server = TestServer::start().await;
    let mut agent = server.agent().await;
    let (mut customer, token) = server.customer_with_token().await;
    ok(&agent.request("ban_customer", json!({ "id": token["entity_id"] })).await);
    assert_eq!(customer.push("customer_disconnected").await["payload"]["reason"], "customer_banned");
    let mut again = Client::connect(server.addr, "/v3.2/customer/rtm/ws?license_id=1").await;
    let token = format!("Bearer {}", token["access_token"].as_str().unwrap());
    assert_eq!(error_type(&again.request("login", json!({ "token": token })).await), "customer_banned");
}

#[tokio::test]
async fn connection_and_customer_limits() {
    let server = TestServer::start_configured(|config| {
        config.limits.connections_per_customer = 1;
        config.limits.customers_per_license = 1;
    })
    .await;
    let (_first, token) = server.customer_with_token().await;
    let mut second_tab = Client::connect(server.addr, "/v3.2/customer/rtm/ws?license_id=1").await;
    let bearer = format!("Bearer {}", token["access_token"].as_str().unwrap());
    let _ = second_tab.request("login", json!({ "token": bearer })).await;
    assert_eq!(second_tab.push("customer_disconnected").await["payload"]["reason"], "too_many_connections");

    let other = customer_token(server.addr, json!({ "license_id": 1 })).await;
    let mut someone_else = Client::connect(server.addr, "/v3.2/customer/rtm/ws?license_id=1").await;
    let bearer = format!("Bearer {}", other["access_token"].as_str().unwrap());
    assert_eq!(error_type(&someone_else.request("login", json!({ "token": bearer })).await), "users_limit_reached");
}

#[tokio::test]
async fn thirty_minutes_without_activity_ends_the_connection() {
    let timings = Timings { inactivity_timeout: Duration::from_millis(400), ..Timings::default() };
    let server = TestServer::start_with(timings).await;
    let mut customer = server.customer().await;
    // Pings keep the socket alive but are not activity.
    ok(&customer.request("ping", json!({})).await);
    let pushed = customer.push("customer_disconnected").await;
    assert_eq!(pushed["payload"]["reason"], "inactivity_timeout");
}

#[tokio::test]
async fn chats_wait_in_the_queue_with_positions_until_an_agent_has_room() {
    let server = TestServer::start_configured(|config| config.agents[0].max_chats = 1).await;
    let mut agent = server.agent().await;
    let mut first = server.customer().await;
    let first_chat = ok(&first.request("start_chat", json!({})).await)["chat_id"].clone();
    assert_eq!(first.push("user_added_to_chat").await["payload"]["user"]["name"], "Anna");

    let mut second = server.customer().await;
    let second_chat = ok(&second.request("start_chat", json!({})).await)["chat_id"].clone();
    let queued = second.push("queue_position_updated").await;
    assert_eq!(queued["payload"]["queue"]["position"], 1);
    assert!(queued["payload"]["queue"]["wait_time"].as_u64().unwrap() > 0);
    let mut third = server.customer().await;
    ok(&third.request("start_chat", json!({})).await);
    assert_eq!(third.push_where("queue_position_updated", |f| f["payload"]["queue"]["position"] == 2).await["payload"]["queue"]["position"], 2);
    let chat = second.request("get_chat", json!({ "chat_id": second_chat })).await;
    assert_eq!(ok(&chat)["thread"]["queue"]["position"], 1);

    // Ending the first chat frees Anna: the second chat is hers, the third moves up.
    ok(&agent.request("deactivate_chat", json!({ "chat_id": first_chat })).await);
    assert_eq!(second.push("user_added_to_chat").await["payload"]["user"]["name"], "Anna");
    let moved = third.push_where("queue_position_updated", |f| f["payload"]["queue"]["position"] == 1).await;
    assert_eq!(moved["payload"]["queue"]["position"], 1);
}

#[tokio::test]
async fn a_full_queue_refuses_new_chats() {
    let server = TestServer::start_configured(|config| config.limits.queue_length = 1).await;
    let mut first = server.customer().await;
    ok(&first.request("start_chat", json!({})).await);
    let mut second = server.customer().await;
    let refused = second.request("start_chat", json!({})).await;
    assert_eq!(error_type(&refused), "limit_reached");
}

#[tokio::test]
async fn without_agents_a_group_that_takes_no_messages_refuses_new_chats() {
    let server = TestServer::start_configured(|config| config.groups[0].offline_messages = false).await;
    let mut customer = server.customer().await;
    assert_eq!(error_type(&customer.request("start_chat", json!({})).await), "groups_offline");
    assert_eq!(
        error_type(&customer.request("start_chat", json!({ "chat": { "access": { "group_ids": [4] } } })).await),
        "group_not_found"
    );
    ok(&customer.request("start_chat", json!({ "continuous": true })).await);
}

#[tokio::test]
async fn transfers_move_the_chat_to_another_agent_or_group() {
    let server = TestServer::start_configured(|config| {
        config.groups.push(server::config::Group {
            id: 1,
            license_id: 1,
            name: "Sales".to_owned(),
            offline_messages: true,
            forms: Default::default(),
        });
        config.agents.push(server::config::Agent {
            id: "sam@acme.example".to_owned(),
            license_id: 1,
            name: "Sam".to_owned(),
            job_title: "Sales".to_owned(),
            avatar: None,
            token: "sam-token".to_owned(),
            role: server::config::Role::Agent,
            groups: vec![1],
            max_chats: 3,
        });
    })
    .await;
    let (mut customer, mut anna, chat_id, _) = chat_with_agent(&server).await;
    let mut sam = Client::connect(server.addr, "/v3.2/agent/rtm/ws").await;
    sam.login(&json!("sam-token")).await;

    ok(&anna.request("transfer_chat", json!({ "id": chat_id, "target": { "type": "group", "ids": [1] } })).await);
    let removed = customer.push("user_removed_from_chat").await;
    assert_eq!(removed["payload"]["user_id"], "anna@acme.example");
    let added = customer.push_where("user_added_to_chat", |f| f["payload"]["user"]["name"] == "Sam").await;
    assert_eq!(added["payload"]["user"]["id"], "sam@acme.example");
    let moved = customer.push("chat_transferred").await;
    assert_eq!(moved["payload"]["transferred_to"]["group_ids"], json!([1]));

    ok(&sam.request("transfer_chat", json!({ "id": chat_id, "target": { "type": "agent", "ids": ["anna@acme.example"] } })).await);
    let moved = customer.push_where("chat_transferred", |f| f["payload"]["transferred_to"]["agent_ids"].is_array()).await;
    assert_eq!(moved["payload"]["requester_id"], "sam@acme.example");
    let chat = customer.request("get_chat", json!({ "chat_id": chat_id })).await;
    let agents: Vec<&str> =
        ok(&chat)["users"].as_array().unwrap().iter().filter(|u| u["type"] == "agent").map(|u| u["id"].as_str().unwrap()).collect();
    assert_eq!(agents, ["anna@acme.example"]);
    let bad = anna.request("transfer_chat", json!({ "id": chat_id, "target": { "type": "agent", "ids": ["nobody"] } })).await;
    assert_eq!(error_type(&bad), "not_found");
}
