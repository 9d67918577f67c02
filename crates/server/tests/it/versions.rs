//! What differs between API versions on the wire, and the rules real clients hold the server
//! to: which push may carry a request id, push subscriptions, the login's dynamic
//! configuration and greeting, chat access after routing and transfers, paging, and the
//! Agent Chat API's shapes on the agent side.

use std::time::Duration;

use serde_json::{json, Value};

use crate::support::*;

const V35: &str = "/v3.5/customer/rtm/ws?organization_id=2f1c6d4e-8a4b-4a51-9a7e-0c9d3b1e5f01";
const V32: &str = "/v3.2/customer/rtm/ws?license_id=1";
const QUIET: Duration = Duration::from_millis(400);

fn message(text: &str) -> Value {
    json!({ "type": "message", "text": text })
}

/// Every push a request of the customer's causes, on every socket that sees it: only the
/// push a request creates as its result carries the request's id, only to that request's
/// socket.
#[tokio::test]
async fn only_a_requests_own_result_push_carries_its_request_id() {
    let server = TestServer::start().await;
    let mut agent = server.agent().await;
    let (mut customer, token) = server.customer_with_token().await;
    let mut tab = server.tab(&token).await;
    let mut results = Vec::new();

    let started = customer.request("start_chat", json!({ "chat": { "thread": { "events": [message("hi")] } } })).await;
    results.push(("incoming_chat", started["request_id"].clone()));
    let chat_id = ok(&started)["chat_id"].clone();
    let thread_id = ok(&started)["thread_id"].clone();
    let sent = customer.request("send_event", json!({ "chat_id": chat_id, "event": message("second") })).await;
    results.push(("incoming_event", sent["request_id"].clone()));
    let event_id = ok(&sent)["event_id"].clone();
    let card = json!({ "type": "rich_message", "template_id": "quick_replies", "elements": [{ "title": "Pick", "buttons": [{ "type": "message", "text": "Yes", "postback_id": "yes" }] }] });
    let card = agent.request("send_event", json!({ "chat_id": chat_id, "event": card })).await;
    let (card_id, card_request) = (ok(&card)["event_id"].clone(), card["request_id"].clone());
    for (action, payload) in [
        ("update_customer", json!({ "name": "Ada", "session_fields": [{ "plan": "gold" }] })),
        ("set_customer_session_fields", json!({ "session_fields": [{ "plan": "silver" }] })),
        ("update_customer_page", json!({ "url": "https://shop.example/tents", "title": "Tents" })),
        ("update_chat_properties", json!({ "id": chat_id, "properties": { "source": { "channel": "web" } } })),
        ("delete_chat_properties", json!({ "id": chat_id, "properties": { "source": ["channel"] } })),
        ("update_thread_properties", json!({ "chat_id": chat_id, "thread_id": thread_id, "properties": { "rating": { "score": 1 } } })),
        ("delete_thread_properties", json!({ "chat_id": chat_id, "thread_id": thread_id, "properties": { "rating": ["score"] } })),
        ("update_event_properties", json!({ "chat_id": chat_id, "thread_id": thread_id, "event_id": event_id, "properties": { "flags": { "pinned": true } } })),
        ("delete_event_properties", json!({ "chat_id": chat_id, "thread_id": thread_id, "event_id": event_id, "properties": { "flags": ["pinned"] } })),
        ("mark_events_as_seen", json!({ "chat_id": chat_id, "seen_up_to": "2099-01-01T00:00:00.000000Z" })),
        ("send_rich_message_postback", json!({ "chat_id": chat_id, "thread_id": thread_id, "event_id": card_id, "postback": { "id": "yes", "toggled": true } })),
        ("send_sneak_peek", json!({ "chat_id": chat_id, "sneak_peek_text": "typing" })),
        ("deactivate_chat", json!({ "id": chat_id })),
    ] {
        ok(&customer.request(action, payload).await);
    }
    let resumed = customer.request("resume_chat", json!({ "chat": { "id": chat_id } })).await;
    results.push(("incoming_chat", resumed["request_id"].clone()));
    ok(&resumed);

    let own = customer.drain(QUIET).await;
    let tagged: Vec<(&str, &Value)> = own
        .iter()
        .filter(|frame| frame["type"] == "push" && frame.get("request_id").is_some())
        .map(|frame| (frame["action"].as_str().unwrap(), &frame["request_id"]))
        .collect();
    let expected: Vec<(&str, &Value)> = results.iter().map(|(action, id)| (*action, id)).collect();
    assert_eq!(tagged, expected, "the requester's tagged pushes");
    let kinds: std::collections::BTreeSet<&str> =
        own.iter().filter(|frame| frame["type"] == "push").filter_map(|frame| frame["action"].as_str()).collect();
    for kind in ["customer_updated", "chat_properties_updated", "chat_properties_deleted", "thread_properties_updated",
        "thread_properties_deleted", "event_properties_updated", "event_properties_deleted", "events_marked_as_seen",
        "incoming_rich_message_postback", "event_updated", "chat_deactivated", "user_added_to_chat"]
    {
        assert!(kinds.contains(kind), "the requester saw no {kind}: {kinds:?}");
    }
    let tagged = |frames: &[Value]| -> Vec<(String, Value)> {
        frames
            .iter()
            .filter(|frame| frame["type"] == "push" && frame.get("request_id").is_some())
            .map(|frame| (frame["action"].as_str().unwrap_or_default().to_owned(), frame["request_id"].clone()))
            .collect()
    };
    assert_eq!(tagged(&tab.drain(QUIET).await), [], "another tab of the customer");
    // The agent's own send_event is the one tagged push the agent gets.
    assert_eq!(tagged(&agent.drain(QUIET).await), [("incoming_event".to_owned(), card_request)]);
}

#[tokio::test]
async fn customer_updated_is_nested_up_to_3_2_and_flat_from_3_3() {
    let server = TestServer::start().await;
    let (mut old, _) = server.customer_at(V32, json!({})).await;
    ok(&old.request("update_customer", json!({ "name": "Old" })).await);
    let pushed = old.push("customer_updated").await;
    assert_eq!(pushed["payload"]["customer"]["name"], "Old");
    assert_eq!(pushed.get("version"), None, "3.2 frames carry no version");

    let (mut new, login) = server.customer_at(V35, json!({})).await;
    let id = ok(&login)["customer"]["id"].clone();
    ok(&new.request("update_customer", json!({ "email": "new@example.com" })).await);
    let pushed = new.push("customer_updated").await;
    assert_eq!(pushed["payload"], json!({ "id": id, "email": "new@example.com" }));
    assert_eq!(pushed["version"], "3.5");
}

#[tokio::test]
async fn resume_chat_is_the_3_3_name_of_activate_chat_and_answers_under_the_name_sent() {
    let server = TestServer::start().await;
    for path in [V35, V32] {
        let (mut customer, _) = server.customer_at(path, json!({})).await;
        let chat_id = ok(&customer.request("start_chat", json!({})).await)["chat_id"].clone();
        for action in ["resume_chat", "activate_chat"] {
            ok(&customer.request("deactivate_chat", json!({ "chat_id": chat_id })).await);
            let resumed = customer.request(action, json!({ "chat": { "id": chat_id, "thread": { "events": [message(action)] } } })).await;
            assert_eq!(resumed["action"], action, "{path}");
            assert!(ok(&resumed)["thread_id"].is_string());
            let incoming = customer.push_where("incoming_chat", |frame| frame["request_id"] == resumed["request_id"]).await;
            assert_eq!(incoming["payload"]["chat"]["thread"]["events"][0]["text"], action);
        }
        assert_eq!(error_type(&customer.request("resume_chat", json!({ "chat": { "id": chat_id } })).await), "chat_already_active");
    }
}

#[tokio::test]
async fn a_request_may_name_a_later_version_never_an_earlier_or_unknown_one() {
    let server = TestServer::start().await;
    let (mut customer, _) = server.customer_at(V35, json!({})).await;
    for named in ["3.2", "3.3", "9.9"] {
        let refused = customer.request_in(named, "list_group_statuses", json!({ "all": true })).await;
        assert_eq!(error_type(&refused), "unsupported_version", "{named}");
    }
    ok(&customer.request_in("3.6", "list_group_statuses", json!({ "all": true })).await);
    // A 3.2 connection whose login names 3.5 speaks 3.5 from then on.
    let _agent = server.agent().await;
    let token = customer_token(server.addr, json!({ "license_id": 1 })).await;
    let mut upgraded = Client::connect(server.addr, V32).await;
    let bearer = format!("Bearer {}", token["access_token"].as_str().unwrap());
    ok(&upgraded.request_in("3.5", "login", json!({ "token": bearer })).await);
    let predicted = upgraded.request("get_predicted_agent", json!({})).await;
    assert_eq!(ok(&predicted)["agent"]["name"], "Anna", "answered in 3.5's shape");
}

#[tokio::test]
async fn login_pushes_subscribe_to_some_pushes_in_another_version() {
    let server = TestServer::start().await;
    let (mut customer, login) = server.customer_at(V32, json!({ "pushes": { "3.5": ["incoming_chat", "customer_updated"] } })).await;
    ok(&login);
    ok(&customer.request("update_customer", json!({ "name": "Sub" })).await);
    let pushed = customer.push("customer_updated").await;
    assert_eq!((pushed["version"].as_str(), &pushed["payload"]["name"]), (Some("3.5"), &json!("Sub")));
    let chat_id = ok(&customer.request("start_chat", json!({})).await)["chat_id"].clone();
    assert_eq!(customer.push("incoming_chat").await["version"], "3.5");
    ok(&customer.request("update_chat_properties", json!({ "chat_id": chat_id, "properties": { "a": { "b": 1 } } })).await);
    let frames = customer.drain(QUIET).await;
    assert!(frames.iter().all(|frame| frame["action"] != "chat_properties_updated" && frame["action"] != "customer_side_storage_updated"), "not subscribed: {frames:?}");
}

#[tokio::test]
async fn login_names_the_monitored_group_and_refuses_unknown_groups() {
    let server = TestServer::start().await;
    let (_customer, login) = server.customer_at(V35, json!({})).await;
    let config = &ok(&login)["__priv_dynamic_config"];
    assert_eq!(config["customer_groups"]["monitoring"]["id"], 0);
    assert_eq!(config["online_groups_ids"], json!([]));
    let _agent = server.agent().await;
    let (_customer, login) = server.customer_at(V35, json!({ "group_id": 0 })).await;
    assert_eq!(ok(&login)["__priv_dynamic_config"]["online_groups_ids"], json!([0]));
    let (_customer, refused) = server.customer_at(V35, json!({ "group_id": 7 })).await;
    assert_eq!(error_type(&refused), "group_not_found");
}

#[tokio::test]
async fn a_greeting_still_on_screen_comes_back_with_the_next_login() {
    let server = TestServer::start().await;
    let mut agent = server.agent().await;
    let token = customer_token(server.addr, json!({ "license_id": 1 })).await;
    let mut customer = server.tab(&token).await;
    let customer_id = token["entity_id"].clone();
    let sent = agent.request("send_greeting", json!({ "customer_id": customer_id, "text": "Need a hand?" })).await;
    let unique_id = ok(&sent)["unique_id"].clone();
    customer.push("incoming_greeting").await;
    let mut reloaded = Client::connect(server.addr, V32).await;
    let login = reloaded.login(&token["access_token"]).await;
    let greeting = &ok(&login)["greeting"];
    assert_eq!(greeting["unique_id"], unique_id);
    assert_eq!(greeting["accepted"], false);
    assert_eq!(greeting["displayed_first_time"], false);
    assert_eq!(greeting["event"]["text"], "Need a hand?");
    ok(&reloaded.request("cancel_greeting", json!({ "unique_id": unique_id })).await);
    let mut again = Client::connect(server.addr, V32).await;
    assert_eq!(ok(&again.login(&token["access_token"]).await).get("greeting"), None);
}

#[tokio::test]
async fn chats_keep_their_properties_and_may_start_inactive() {
    let server = TestServer::start().await;
    let (mut customer, _) = server.customer_at(V35, json!({})).await;
    let started = customer
        .request("start_chat", json!({ "active": false, "chat": { "properties": { "source": { "channel": "sdk" } }, "thread": { "properties": { "topic": { "name": "tents" } }, "events": [message("later")] } } }))
        .await;
    let chat_id = ok(&started)["chat_id"].clone();
    let chat = customer.request("get_chat", json!({ "chat_id": chat_id })).await;
    let chat = ok(&chat);
    assert_eq!(chat["properties"], json!({ "source": { "channel": "sdk" } }));
    assert_eq!(chat["thread"]["properties"], json!({ "topic": { "name": "tents" } }));
    assert_eq!(chat["thread"]["active"], false, "active: false opens no conversation");
    assert_eq!(chat["access"], json!({ "group_ids": [0] }));
    let bad = customer.request("resume_chat", json!({ "chat": { "id": chat_id, "properties": { "source": "flat" } } })).await;
    assert_eq!(error_type(&bad), "validation");
}

#[tokio::test]
async fn the_newest_event_of_each_type_is_found_in_older_threads_too() {
    let server = TestServer::start().await;
    let (mut customer, _) = server.customer_at(V35, json!({})).await;
    let chat_id = ok(&customer.request("start_chat", json!({ "chat": { "thread": { "events": [message("old words")] } } })).await)["chat_id"].clone();
    ok(&customer.request("deactivate_chat", json!({ "id": chat_id })).await);
    ok(&customer.request("resume_chat", json!({ "chat": { "id": chat_id } })).await);
    ok(&customer.request("deactivate_chat", json!({ "id": chat_id })).await);
    let list = customer.request("list_chats", json!({})).await;
    let summary = &ok(&list)["chats_summary"][0];
    assert_eq!(summary["last_event_per_type"]["message"]["event"]["text"], "old words");
    assert_ne!(summary["last_event_per_type"]["message"]["thread_id"], summary["last_thread_id"]);
    assert!(summary["last_event_per_type"]["system_message"]["thread_created_at"].is_string());
}

#[tokio::test]
async fn paging_by_event_count_goes_back_to_where_it_came_from() {
    let server = TestServer::start().await;
    let (mut customer, _) = server.customer_at(V35, json!({})).await;
    let chat_id = ok(&customer.request("start_chat", json!({ "chat": { "thread": { "events": [message("t0")] } } })).await)["chat_id"].clone();
    for n in 1..6 {
        ok(&customer.request("deactivate_chat", json!({ "id": chat_id })).await);
        let events: Vec<Value> = (0..n).map(|i| message(&format!("t{n}.{i}"))).collect();
        ok(&customer.request("resume_chat", json!({ "chat": { "id": chat_id, "thread": { "events": events } } })).await);
    }
    let first = customer.request("list_threads", json!({ "chat_id": chat_id, "min_events_count": 6 })).await;
    let first = ok(&first).clone();
    let texts = |page: &Value| -> Vec<String> {
        page["threads"].as_array().unwrap().iter().map(|thread| thread["events"][0]["text"].as_str().unwrap().to_owned()).collect()
    };
    assert_eq!(texts(&first), ["t5.0", "t4.0"]);
    let second = customer.request("list_threads", json!({ "chat_id": chat_id, "page_id": first["next_page_id"] })).await;
    let second = ok(&second).clone();
    assert_eq!(texts(&second), ["t3.0", "t2.0"]);
    let back = customer.request("list_threads", json!({ "chat_id": chat_id, "page_id": second["previous_page_id"] })).await;
    assert_eq!(texts(ok(&back)), ["t5.0", "t4.0"]);
    assert_eq!(ok(&back).get("previous_page_id"), None);
}

#[tokio::test]
async fn banned_customers_get_no_token_and_are_told_why_at_login() {
    let server = TestServer::start().await;
    let mut agent = server.agent().await;
    let token = customer_token(server.addr, json!({ "license_id": 1 })).await;
    let customer_id = token["entity_id"].clone();
    ok(&agent.request("ban_customer", json!({ "id": customer_id })).await);
    let (status, body) = http_post(server.addr, "/customer/token", &json!({ "license_id": 1, "identity": token["identity"] }).to_string()).await;
    assert_eq!(status, 403);
    assert!(body.contains("customer_banned"), "{body}");
    let mut customer = Client::connect(server.addr, V35).await;
    let refused = customer.request("login", json!({ "token": format!("Bearer {}", token["access_token"].as_str().unwrap()) })).await;
    assert_eq!(error_type(&refused), "customer_banned");
    assert_eq!(customer.push("customer_disconnected").await["payload"]["reason"], "customer_banned");
}

#[tokio::test]
async fn the_web_api_answers_its_get_methods_and_check_goals() {
    let server = TestServer::start().await;
    let addr = server.addr;
    let get = move |path: String| async move { http_request(addr, "GET", &path, &[], Vec::new()).await };
    let dynamic = get("/v3.5/customer/action/get_dynamic_configuration?organization_id=2f1c6d4e-8a4b-4a51-9a7e-0c9d3b1e5f01".to_owned()).await;
    assert_eq!(dynamic.status, 200, "{dynamic:?}");
    let body = dynamic.json();
    assert_eq!(body["group_id"], 0);
    assert_eq!(body["organization_id"], "2f1c6d4e-8a4b-4a51-9a7e-0c9d3b1e5f01");
    assert_eq!(body.get("online_group_ids"), None, "nobody is online");
    let latest = get("/v3.6/customer/action/get_dynamic_configuration?license_id=1&group_id=0".to_owned()).await.json();
    assert_eq!(latest["livechat"]["group_id"], 0);
    assert_eq!(latest["livechat_active"], true);
    let version = body["config_version"].as_str().unwrap().to_owned();
    let configuration = get(format!("/v3.5/customer/action/get_configuration?license_id=1&group_id=0&version={version}")).await;
    assert_eq!(configuration.status, 200);
    assert!(configuration.json()["buttons"].is_array());
    assert_eq!(get("/v3.5/customer/action/get_configuration?license_id=1&group_id=9&version=x".to_owned()).await.json()["error"]["type"], "group_not_found");
    assert_eq!(get("/v3.2/customer/action/get_dynamic_configuration?license_id=1".to_owned()).await.status, 400, "not in 3.2");
    assert_eq!(get("/v3.2/customer/action/list_license_properties?license_id=1".to_owned()).await.json(), json!({}));
    assert_eq!(get("/v3.5/customer/action/list_group_properties?license_id=1&id=0".to_owned()).await.json(), json!({}));

    let token = customer_token(server.addr, json!({ "license_id": 1 })).await;
    let bearer = format!("Bearer {}", token["access_token"].as_str().unwrap());
    let goals = json!({ "session_fields": [{ "cart": "3 items" }], "group_id": 0, "page_url": "https://shop.example/checkout" });
    let checked = http_request(server.addr, "POST", "/v3.5/customer/action/check_goals?license_id=1", &[("authorization", &bearer), ("content-type", "application/json")], goals.to_string().into_bytes()).await;
    assert_eq!(checked.status, 200, "{checked:?}");
    let mut agent = server.agent().await;
    let customer = agent.request("get_customer", json!({ "customer_id": token["entity_id"] })).await;
    assert_eq!(ok(&customer)["session_fields"], json!([{ "cart": "3 items" }]));
    assert_eq!(ok(&customer)["last_visit"]["last_pages"][0]["url"], "https://shop.example/checkout");
    let preflight = http_request(server.addr, "OPTIONS", "/v3.5/customer/action/upload_file?license_id=1", &[("origin", "https://shop.example"), ("access-control-request-method", "POST"), ("access-control-request-headers", "authorization")], Vec::new()).await;
    assert_eq!(preflight.header("access-control-allow-origin"), Some("*"), "{preflight:?}");
}

#[tokio::test]
async fn agents_get_the_agent_chat_apis_shapes() {
    let server = TestServer::start().await;
    let (mut customer, _) = server.customer_at(V35, json!({})).await;
    let mut agent = Client::connect(server.addr, "/v3.5/agent/rtm/ws").await;
    let login = agent.login(&json!(AGENT_TOKEN)).await;
    let login = ok(&login);
    assert_eq!(login["license"]["id"], 1);
    assert_eq!(login["my_profile"]["routing_status"], "accepting_chats");
    assert_eq!(login["chats_summary"], json!([]));
    let started = customer.request("start_chat", json!({ "chat": { "thread": { "events": [message("hello")] } } })).await;
    let chat_id = ok(&started)["chat_id"].clone();
    let incoming = agent.push("incoming_chat").await;
    assert_eq!(incoming["payload"]["chat"]["thread"]["events"][0]["visibility"], "all", "3.4 renamed recipients");
    assert_eq!(incoming["payload"]["chat"]["thread"]["events"][0].get("recipients"), None);

    let list = agent.request("list_chats", json!({ "filters": { "include_active": true }, "limit": 5 })).await;
    let list = ok(&list);
    assert_eq!(list["found_chats"], 1);
    let summary = &list["chats_summary"][0];
    assert_eq!(summary["id"], chat_id);
    assert_eq!(summary["last_thread_summary"]["active"], true);
    assert_eq!(summary["last_thread_summary"]["id"], ok(&started)["thread_id"]);
    assert_eq!(summary["is_followed"], false);
    assert_eq!(summary["last_event_per_type"]["message"]["event"]["visibility"], "all");
    let closed_only = agent.request("list_chats", json!({ "filters": { "active": false } })).await;
    assert_eq!(ok(&closed_only)["found_chats"], 0);

    ok(&agent.request("set_routing_status", json!({ "status": "not_accepting_chats" })).await);
    assert_eq!(agent.push("routing_status_set").await["payload"], json!({ "agent_id": "anna@acme.example", "status": "not_accepting_chats" }));
    let elsewhere = agent.request("set_routing_status", json!({ "status": "accepting_chats", "agent_id": "bob@other.example" })).await;
    assert_eq!(error_type(&elsewhere), "authorization");

    // Nobody accepts chats: a transfer fails unless it may wait in the queue.
    let refused = agent.request("transfer_chat", json!({ "id": chat_id, "target": { "type": "group", "ids": [0] } })).await;
    assert_eq!(error_type(&refused), "group_unavailable");
    let refused = agent.request("transfer_chat", json!({ "id": chat_id, "target": { "type": "agent", "ids": ["anna@acme.example"] } })).await;
    assert_eq!(error_type(&refused), "agent_offline");
    ok(&agent.request("transfer_chat", json!({ "id": chat_id, "target": { "type": "group", "ids": [0] }, "ignore_agents_availability": true })).await);
    let moved = customer.push("chat_transferred").await;
    assert_eq!(moved["payload"]["reason"], "manual");
    let incoming = agent.push_where("incoming_chat", |frame| frame["payload"]["chat"].get("transferred_from").is_some()).await;
    assert_eq!(incoming["payload"]["chat"]["transferred_from"]["group_ids"], json!([0]));
    let note = json!({ "type": "message", "text": "internal", "visibility": "agents" });
    let sent = agent.request("send_event", json!({ "chat_id": chat_id, "event": note })).await;
    ok(&sent);
    let seen = agent.push_where("incoming_event", |frame| frame["payload"]["event"]["text"] == "internal").await;
    assert_eq!(seen["payload"]["event"]["visibility"], "agents");
    ok(&agent.request("deactivate_chat", json!({ "id": chat_id })).await);
}

#[tokio::test]
async fn transfers_move_the_chats_access_to_the_new_group() {
    let server = TestServer::start_configured(|config| {
        config.groups.push(server::config::Group { id: 1, license_id: 1, name: "Sales".to_owned(), offline_messages: true, forms: Default::default() });
        config.agents[0].groups = vec![0, 1];
    })
    .await;
    let mut agent = server.agent().await;
    let (mut customer, _) = server.customer_at(V35, json!({})).await;
    let chat_id = ok(&customer.request("start_chat", json!({ "chat": { "access": { "group_ids": [1] } } })).await)["chat_id"].clone();
    let chat = customer.request("get_chat", json!({ "chat_id": chat_id })).await;
    assert_eq!(ok(&chat)["access"], json!({ "group_ids": [1] }));
    ok(&agent.request("transfer_chat", json!({ "id": chat_id, "target": { "type": "group", "ids": [0] } })).await);
    let chat = customer.request("get_chat", json!({ "chat_id": chat_id })).await;
    assert_eq!(ok(&chat)["access"], json!({ "group_ids": [0] }));
    assert_eq!(ok(&chat)["thread"]["access"], json!({ "group_ids": [0] }));
}

/// A client of the experimental 3.0 API: older names, `order` and unix timestamps,
/// wrapped properties, `fields` maps, and events that reopen a closed chat.
#[tokio::test]
async fn api_3_0_clients_chat_in_3_0s_shapes() {
    let server = TestServer::start().await;
    let mut agent = server.agent().await;
    let token = customer_token(server.addr, json!({ "license_id": 1 })).await;
    let bearer = format!("Bearer {}", token["access_token"].as_str().unwrap());
    let mut old = Client::connect(server.addr, "/v3.0/customer/rtm/ws?license_id=1").await;
    let login = old
        .request("login", json!({ "token": bearer, "customer": { "name": "Grace", "fields": { "plan": "gold" }, "monitoring": { "page": { "url": "https://shop.example/" } } } }))
        .await;
    let login = ok(&login);
    assert_eq!(login["customer_id"], token["entity_id"]);
    assert_eq!(login["__priv_dynamic_config"]["customer_data"]["fields"], json!({ "plan": "gold" }));
    assert_eq!(login["__priv_dynamic_config"]["customer_data"]["name"], "Grace");
    assert_eq!(login["__priv_dynamic_config"]["online_groups_ids"], json!([0]));
    assert_eq!(login["__priv_dynamic_config"]["predicted_agent"]["name"], "Anna");
    assert_eq!(ok(&old.request("get_groups_status", json!({ "groups": [0] })).await)["groups_status"], json!({ "0": "online" }));
    assert_eq!(ok(&old.request("get_predicted_agent", json!({})).await)["agent"]["name"], "Anna");

    let started = old.request("start_chat", json!({ "chat": { "properties": { "source": { "type": { "value": "facebook" } } }, "thread": { "events": [{ "type": "message", "custom_id": "1", "text": "hello there" }] } } })).await;
    let chat = &ok(&started)["chat"];
    let chat_id = chat["id"].clone();
    assert!(chat["thread"]["order"].as_i64().unwrap() > 0);
    assert_eq!(chat["thread"]["events"][0]["text"], "hello there");
    assert!(chat["thread"]["events"][0]["timestamp"].as_i64().unwrap() > 1_700_000_000);
    assert_eq!(chat["properties"], json!({ "source": { "type": { "value": "facebook" } } }));
    let pushed = old.push("incoming_chat_thread").await;
    assert_eq!(pushed["request_id"], started["request_id"]);
    agent.push("incoming_chat").await;

    ok(&agent.request("send_event", json!({ "chat_id": chat_id, "event": { "type": "message", "text": "Hi Grace" } })).await);
    let reply = old.push_where("incoming_event", |frame| frame["payload"]["event"]["text"] == "Hi Grace").await;
    assert!(reply["payload"]["event"]["order"].is_i64());
    assert_eq!(reply["payload"]["event"].get("created_at"), None);
    let added = old.push("chat_user_added").await;
    assert_eq!(added["payload"]["user_type"], "agent");

    let summary = old.request("get_chats_summary", json!({ "offset": 0, "limit": 25 })).await;
    let summary = ok(&summary);
    assert_eq!(summary["total_chats"], 1);
    assert_eq!(summary["chats_summary"][0]["last_event_per_type"]["message"]["event"]["text"], "Hi Grace");
    assert!(summary["chats_summary"][0]["order"].is_i64());

    ok(&old.request("update_chat_thread_properties", json!({ "chat_id": chat_id, "thread_id": chat["thread"]["id"], "properties": { "rating": { "score": 1 } } })).await);
    let rated = old.push("chat_thread_properties_updated").await;
    assert_eq!(rated["payload"]["properties"], json!({ "rating": { "score": { "value": 1 } } }));
    let seen = old.request("update_last_seen_timestamp", json!({ "chat_id": chat_id, "timestamp": 2_000_000_000 })).await;
    assert_eq!(ok(&seen)["timestamp"], 2_000_000_000i64);
    assert_eq!(old.push("last_seen_timestamp_updated").await["payload"]["timestamp"], 2_000_000_000i64);

    ok(&old.request("close_thread", json!({ "chat_id": chat_id })).await);
    assert_eq!(old.push("thread_closed").await["payload"]["chat_id"], chat_id);
    // An event for a closed chat opens a new thread.
    let sent = old.request("send_event", json!({ "chat_id": chat_id, "event": { "type": "message", "text": "one more thing" } })).await;
    let new_thread = ok(&sent)["thread_id"].clone();
    assert_ne!(new_thread, chat["thread"]["id"]);
    assert_eq!(ok(&sent)["event"]["text"], "one more thing");
    let reopened = old.push_where("incoming_chat_thread", |frame| frame["payload"]["chat"]["thread"]["id"] == new_thread).await;
    assert_eq!(reopened["payload"]["chat"]["thread"]["active"], true);

    let threads = old.request("get_chat_threads_summary", json!({ "chat_id": chat_id })).await;
    assert_eq!(ok(&threads)["total_threads"], 2);
    let ids = ok(&threads)["threads_summary"].as_array().unwrap().iter().map(|thread| thread["id"].clone()).collect::<Vec<_>>();
    let both = old.request("get_chat_threads", json!({ "chat_id": chat_id, "thread_ids": ids })).await;
    assert_eq!(ok(&both)["chat"]["threads"].as_array().unwrap().len(), 2);

    let updated = old.request("update_customer", json!({ "email": "grace@example.com", "fields": { "team": "navy" } })).await;
    assert_eq!(ok(&updated)["customer"]["fields"], json!({ "plan": "gold", "team": "navy" }));
    assert_eq!(old.push("customer_updated").await["payload"]["customer"]["email"], "grace@example.com");

    // The Web API of 3.0 takes its payloads wrapped.
    let body = json!({ "payload": { "offset": 0 } }).to_string().into_bytes();
    let answered = http_request(server.addr, "POST", "/v3.0/customer/action/get_chats_summary?license_id=1", &[("authorization", &bearer), ("content-type", "application/json")], body).await;
    assert_eq!(answered.status, 200, "{answered:?}");
    assert_eq!(answered.json()["total_chats"], 1);

    // The other pushes 3.0 has.
    ok(&old.request("update_chat_properties", json!({ "chat_id": chat_id, "properties": { "source": { "type": { "value": "web" } } } })).await);
    assert_eq!(old.push("chat_properties_updated").await["payload"]["properties"], json!({ "source": { "type": { "value": "web" } } }));
    let card = json!({ "type": "rich_message", "template_id": "cards", "elements": [{ "title": "T", "buttons": [{ "type": "message", "text": "Go", "postback_id": "go" }] }] });
    let card_id = ok(&agent.request("send_event", json!({ "chat_id": chat_id, "event": card })).await)["event_id"].clone();
    ok(&old.request("send_rich_message_postback", json!({ "chat_id": chat_id, "thread_id": new_thread, "event_id": card_id, "postback": { "id": "go", "toggled": true } })).await);
    assert_eq!(old.push("incoming_rich_message_postback").await["payload"]["postback"], json!({ "id": "go", "toggled": true }));
    ok(&agent.request("send_typing_indicator", json!({ "chat_id": chat_id, "is_typing": true })).await);
    assert_eq!(old.push("incoming_typing_indicator").await["payload"]["typing_indicator"]["is_typing"], true);
    ok(&agent.request("multicast", json!({ "recipients": { "customers": [token["entity_id"]] }, "content": { "hi": 1 } })).await);
    assert_eq!(old.push("incoming_multicast").await["payload"]["content"], json!({ "hi": 1 }));
    ok(&agent.request("transfer_chat", json!({ "id": chat_id, "target": { "type": "group", "ids": [0] }, "ignore_agents_availability": true })).await);
    assert_eq!(old.push("chat_user_removed").await["payload"]["user_type"], "agent");
    ok(&agent.request("ban_customer", json!({ "id": token["entity_id"] })).await);
    assert_eq!(old.push("customer_disconnected").await["payload"]["reason"], "customer_banned");
    let frames = old.drain(QUIET).await;
    for frame in frames.iter().filter(|frame| frame["type"] == "push") {
        assert!(!["chat_transferred", "queue_position_updated", "groups_status_updated", "event_updated"].contains(&frame["action"].as_str().unwrap()), "3.0 has no {frame}");
    }
}

/// The conformance table's proof for 3.2 to 3.6: on each version's path, every customer
/// action is answered under the name sent, and every push arrives, tagged with the version
/// from 3.3 on and in that version's shape.
#[tokio::test]
async fn every_customer_action_and_push_on_every_version() {
    for version in ["3.2", "3.3", "3.4", "3.5", "3.6"] {
        let server = TestServer::start().await;
        let mut agent = Client::connect(server.addr, "/v3.5/agent/rtm/ws").await;
        agent.login(&json!(AGENT_TOKEN)).await;
        let tenant = if version < "3.4" { "license_id=1".to_owned() } else { "organization_id=2f1c6d4e-8a4b-4a51-9a7e-0c9d3b1e5f01".to_owned() };
        let (mut customer, login) = server.customer_at(&format!("/v{version}/customer/rtm/ws?{tenant}"), json!({})).await;
        let customer_id = ok(&login)["customer"]["id"].clone();
        let resume = if version < "3.3" { "activate_chat" } else { "resume_chat" };
        let check = async |client: &mut Client, action: &str, payload: Value| -> Value {
            let response = client.request(action, payload).await;
            assert_eq!(response["action"], action, "{version}: {response}");
            ok(&response).clone()
        };

        check(&mut customer, "ping", json!({})).await;
        for (action, payload) in [
            ("list_group_statuses", json!({ "all": true })),
            ("get_form", json!({ "group_id": 0, "type": "prechat" })),
            ("get_predicted_agent", json!({})),
            ("list_agents", json!({})),
            ("get_customer", json!({})),
            ("update_customer", json!({ "name": "V" })),
            ("set_customer_session_fields", json!({ "session_fields": [{ "v": version }] })),
            ("update_customer_page", json!({ "url": "https://shop.example/", "title": "Shop" })),
        ] {
            check(&mut customer, action, payload).await;
        }
        let greeting = ok(&agent.request("send_greeting", json!({ "customer_id": customer_id, "text": "Hello?" })).await)["unique_id"].clone();
        check(&mut customer, "accept_greeting", json!({ "greeting_id": 0, "unique_id": greeting })).await;
        let chat_id = ok(&customer.request("list_chats", json!({})).await)["chats_summary"][0]["id"].clone();
        check(&mut customer, "deactivate_chat", json!({ "id": chat_id, "chat_id": chat_id })).await;
        let greeting = ok(&agent.request("send_greeting", json!({ "customer_id": customer_id, "text": "Again?" })).await)["unique_id"].clone();
        check(&mut customer, "cancel_greeting", json!({ "unique_id": greeting })).await;
        let resumed = check(&mut customer, resume, json!({ "chat": { "id": chat_id, "thread": { "events": [message("back")] } } })).await;
        let thread_id = resumed["thread_id"].clone();
        let sent = check(&mut customer, "send_event", json!({ "chat_id": chat_id, "event": message("more") })).await;
        let card = json!({ "type": "rich_message", "template_id": "cards", "elements": [{ "title": "T", "buttons": [{ "type": "message", "text": "Go", "postback_id": "go" }] }] });
        let card_id = ok(&agent.request("send_event", json!({ "chat_id": chat_id, "event": card })).await)["event_id"].clone();
        ok(&agent.request("send_typing_indicator", json!({ "chat_id": chat_id, "is_typing": true })).await);
        ok(&agent.request("multicast", json!({ "recipients": { "customers": [customer_id] }, "content": { "hello": version } })).await);
        for (action, payload) in [
            ("send_rich_message_postback", json!({ "chat_id": chat_id, "thread_id": thread_id, "event_id": card_id, "postback": { "id": "go", "toggled": true } })),
            ("send_sneak_peek", json!({ "chat_id": chat_id, "sneak_peek_text": "..." })),
            ("get_chat", json!({ "chat_id": chat_id })),
            ("list_chats", json!({})),
            ("list_threads", json!({ "chat_id": chat_id })),
            ("mark_events_as_seen", json!({ "chat_id": chat_id, "seen_up_to": "2099-01-01T00:00:00.000000Z" })),
            ("update_chat_properties", json!({ "id": chat_id, "chat_id": chat_id, "properties": { "a": { "b": 1 } } })),
            ("delete_chat_properties", json!({ "id": chat_id, "chat_id": chat_id, "properties": { "a": ["b"] } })),
            ("update_thread_properties", json!({ "chat_id": chat_id, "thread_id": thread_id, "properties": { "rating": { "score": 0 } } })),
            ("delete_thread_properties", json!({ "chat_id": chat_id, "thread_id": thread_id, "properties": { "rating": ["score"] } })),
            ("update_event_properties", json!({ "chat_id": chat_id, "thread_id": thread_id, "event_id": sent["event_id"], "properties": { "c": { "d": 1 } } })),
            ("delete_event_properties", json!({ "chat_id": chat_id, "thread_id": thread_id, "event_id": sent["event_id"], "properties": { "c": ["d"] } })),
        ] {
            check(&mut customer, action, payload).await;
        }
        let refused = customer.request("get_url_info", json!({ "url": "http://127.0.0.1:1/" })).await;
        assert_eq!((refused["action"].as_str(), error_type(&refused)), (Some("get_url_info"), "not_allowed"), "{version}: private addresses");
        assert_eq!(error_type(&customer.request("verify_identity", json!({ "value": "x" })).await), "not_allowed");
        // Queue, transfer and group statuses: Anna stops accepting, the chat is moved to her
        // group and waits.
        ok(&agent.request("set_routing_status", json!({ "status": "not_accepting_chats" })).await);
        ok(&agent.request("transfer_chat", json!({ "id": chat_id, "target": { "type": "group", "ids": [0] }, "ignore_agents_availability": true })).await);
        ok(&agent.request("ban_customer", json!({ "id": customer_id })).await);

        let frames = customer.drain(QUIET).await;
        let pushes: Vec<&Value> = frames.iter().filter(|frame| frame["type"] == "push").collect();
        for push in &pushes {
            let expected = if version >= "3.3" { json!(version) } else { Value::Null };
            assert_eq!(push.get("version").cloned().unwrap_or(Value::Null), expected, "{version}: {push}");
        }
        let kinds: std::collections::BTreeSet<&str> = pushes.iter().filter_map(|push| push["action"].as_str()).collect();
        for kind in [
            "incoming_chat", "incoming_event", "event_updated", "incoming_rich_message_postback", "incoming_typing_indicator",
            "incoming_greeting", "greeting_accepted", "greeting_canceled", "chat_deactivated", "chat_transferred",
            "user_added_to_chat", "user_removed_from_chat", "queue_position_updated", "events_marked_as_seen", "customer_updated",
            "chat_properties_updated", "chat_properties_deleted", "thread_properties_updated", "thread_properties_deleted",
            "event_properties_updated", "event_properties_deleted", "groups_status_updated", "incoming_multicast", "customer_disconnected",
        ] {
            assert!(kinds.contains(kind), "{version}: no {kind} among {kinds:?}");
        }
        assert!(!kinds.contains("customer_page_updated"), "{version}: customers are not told their own page");
        let updated = pushes.iter().find(|push| push["action"] == "customer_updated").unwrap();
        let name = if version >= "3.3" { &updated["payload"]["name"] } else { &updated["payload"]["customer"]["name"] };
        assert_eq!(name, "V", "{version}: {updated}");
    }
}
