//! A license's settings changed in the agent app: read and written by owners and
//! administrators only, checked by the configuration file's rules (errors name the key),
//! in force at once for visitors, kept across restarts, and replaced by the configuration
//! when the configuration itself changes. Agents added get a first password; agents
//! removed are signed out; a license keeps an owner.

use serde_json::{json, Value};

use crate::support::*;

async fn settings(agent: &mut Client) -> Value {
    let answer = agent.request("get_license_settings", json!({})).await;
    ok(&answer)["settings"].clone()
}

async fn prechat(server: &TestServer) -> Value {
    let mut customer = server.customer().await;
    let answer = customer.request("get_form", json!({ "group_id": 0, "type": "prechat" })).await;
    ok(&answer).clone()
}

fn with_question(mut settings: Value, label: &str) -> Value {
    settings["groups"][0]["forms"]["prechat"] = json!({
        "id": "p1",
        "fields": [
            { "id": "n", "type": "name", "label": "Your name", "required": true },
            { "id": "q", "type": "question", "label": label },
        ],
    });
    settings
}

#[tokio::test]
async fn an_owner_changes_the_prechat_form_and_visitors_get_it_at_once_and_after_a_restart() {
    let server = TestServer::start().await;
    let mut anna = server.agent().await;
    assert_eq!(prechat(&server).await["enabled"], false);
    let before = settings(&mut anna).await;
    assert_eq!(before["name"], "Acme Outdoor");
    assert_eq!(before["agents"][0]["role"], "owner");
    assert!(before["agents"][0].get("token").is_none(), "tokens are never sent: {before}");

    let updated = anna.request("update_license_settings", json!({ "settings": with_question(before.clone(), "Order number?") })).await;
    assert_eq!(ok(&updated)["settings"]["groups"][0]["forms"]["prechat"]["fields"][1]["label"], "Order number?");
    let told = anna.push("license_settings_updated").await;
    assert_eq!(told["payload"], json!({ "license_id": 1, "updated_by": "anna@acme.example" }), "agents' apps are told");
    let form = prechat(&server).await;
    assert_eq!(form["enabled"], true);
    assert_eq!(form["form"]["fields"][1]["label"], "Order number?");

    // A broken form is refused with the key at fault, and nothing changes.
    let mut broken = with_question(before.clone(), "Other");
    broken["groups"][0]["forms"]["prechat"]["fields"][1]["type"] = json!("hologram");
    let refused = anna.request("update_license_settings", json!({ "settings": broken })).await;
    assert_eq!(error_type(&refused), "validation");
    let message = refused["payload"]["error"]["message"].as_str().unwrap();
    assert!(message.starts_with("groups[0].forms.prechat.fields[1].type: unknown field type \"hologram\""), "{message}");
    assert_eq!(prechat(&server).await["form"]["fields"][1]["label"], "Order number?");
    let mut moved = before.clone();
    moved["id"] = json!(2);
    assert_eq!(error_type(&anna.request("update_license_settings", json!({ "settings": moved })).await), "validation");

    // Kept across a restart on the same configuration...
    drop(anna);
    let server = TestServer::start_in(server.into_dir(), |_| {}).await;
    assert_eq!(prechat(&server).await["form"]["fields"][1]["label"], "Order number?");
    // ...and replaced when the configuration itself changes (configuration as code).
    let server = TestServer::start_in(server.into_dir(), |config| config.groups[0].name = "Front desk".to_owned()).await;
    assert_eq!(prechat(&server).await["enabled"], false);
    let mut anna = server.agent().await;
    assert_eq!(settings(&mut anna).await["groups"][0]["name"], "Front desk");
}

#[tokio::test]
async fn agents_added_get_a_first_password_and_agents_removed_are_signed_out() {
    let server = TestServer::start().await;
    let mut anna = server.agent().await;
    let mut current = settings(&mut anna).await;
    current["agents"].as_array_mut().unwrap().push(json!({
        "id": "cleo@acme.example", "name": "Cleo", "job_title": "Support", "role": "admin", "groups": [0], "max_chats": 3,
    }));
    let updated = anna.request("update_license_settings", json!({ "settings": current.clone() })).await;
    let passwords = ok(&updated)["new_passwords"].as_array().unwrap().clone();
    assert_eq!(passwords.len(), 1);
    assert_eq!(passwords[0]["agent_id"], "cleo@acme.example");
    let password = passwords[0]["password"].as_str().unwrap().to_owned();
    let origin = format!("http://{}", server.addr);
    let body = json!({ "email": "cleo@acme.example", "password": password }).to_string().into_bytes();
    let signed_in = http_request(server.addr, "POST", "/account/sign_in", &[("Origin", &origin), ("Content-Type", "application/json")], body).await;
    assert_eq!(signed_in.status, 200);
    assert_eq!(signed_in.json()["permission"], "administrator");
    let cookie = signed_in.header("set-cookie").unwrap().split(';').next().unwrap().to_owned();
    let mut cleo = Client::connect_with(server.addr, "/v3.5/agent/rtm/ws", &[("Cookie", &cookie), ("Origin", &origin)]).await;
    ok(&cleo.request("login", json!({ "token": "" })).await);
    let listed = anna.request("list_agents", json!({})).await;
    assert!(ok(&listed)["agents"].as_array().unwrap().iter().any(|agent| agent["id"] == "cleo@acme.example"));

    // An administrator may not make owners, nor may anyone leave the license without one.
    let mut promoted = current.clone();
    promoted["agents"][1]["role"] = json!("owner");
    assert_eq!(error_type(&cleo.request("update_license_settings", json!({ "settings": promoted })).await), "authorization");
    let mut ownerless = current.clone();
    ownerless["agents"][0]["role"] = json!("agent");
    let refused = anna.request("update_license_settings", json!({ "settings": ownerless })).await;
    assert!(refused["payload"]["error"]["message"].as_str().unwrap().contains("needs an owner"), "{refused}");

    // Removed: Cleo's socket is closed and her session ended.
    current["agents"].as_array_mut().unwrap().pop();
    ok(&anna.request("update_license_settings", json!({ "settings": current })).await);
    assert_eq!(cleo.push("agent_disconnected").await["payload"]["reason"], "logged_out_remotely");
    let me = http_request(server.addr, "GET", "/account/me", &[("Cookie", &cookie)], Vec::new()).await;
    assert_eq!(me.status, 204);
}

#[tokio::test]
async fn agents_may_not_read_or_change_settings() {
    let server = TestServer::start_configured(|config| config.agents[0].role = server::config::Role::Agent).await;
    let mut anna = server.agent().await;
    assert_eq!(error_type(&anna.request("get_license_settings", json!({})).await), "authorization");
    let refused = anna.request("update_license_settings", json!({ "settings": { "id": 1, "organization_id": "x", "name": "x" } })).await;
    assert_eq!(error_type(&refused), "authorization");
}

#[tokio::test]
async fn a_disabled_agent_is_signed_out_and_kept_out_until_enabled() {
    let server = TestServer::start_configured(|config| {
        let mut ben = config.agents[0].clone();
        (ben.id, ben.name, ben.token, ben.role) = ("ben@acme.example".to_owned(), "Ben".to_owned(), "ben-token-0123456789".to_owned(), server::config::Role::Agent);
        config.agents.push(ben);
    })
    .await;
    let mut anna = server.agent().await;
    let mut ben = Client::connect(server.addr, "/v3.5/agent/rtm/ws").await;
    ok(&ben.request("login", json!({ "token": "ben-token-0123456789" })).await);
    let mut current = settings(&mut anna).await;
    current["agents"][1]["disabled"] = json!(true);
    let updated = anna.request("update_license_settings", json!({ "settings": current.clone() })).await;
    assert_eq!(ok(&updated)["settings"]["agents"][1]["disabled"], true, "kept, switched off");
    assert_eq!(ben.push("agent_disconnected").await["payload"]["reason"], "logged_out_remotely");
    let mut again = Client::connect(server.addr, "/v3.5/agent/rtm/ws").await;
    assert_eq!(error_type(&again.request("login", json!({ "token": "ben-token-0123456789" })).await), "authentication");
    let listed = anna.request("list_agents", json!({})).await;
    assert!(!ok(&listed)["agents"].as_array().unwrap().iter().any(|agent| agent["id"] == "ben@acme.example"));

    current["agents"][1]["disabled"] = json!(false);
    ok(&anna.request("update_license_settings", json!({ "settings": current })).await);
    let mut back = Client::connect(server.addr, "/v3.5/agent/rtm/ws").await;
    ok(&back.request("login", json!({ "token": "ben-token-0123456789" })).await);
}

#[tokio::test]
async fn an_agent_added_in_the_app_is_routed_chats_at_once() {
    let server = TestServer::start().await;
    let mut anna = server.agent().await;
    ok(&anna.request("set_routing_status", json!({ "status": "not_accepting_chats" })).await);
    let mut current = settings(&mut anna).await;
    current["agents"].as_array_mut().unwrap().push(json!({ "id": "dev@acme.example", "name": "Dev", "groups": [0] }));
    ok(&anna.request("update_license_settings", json!({ "settings": current })).await);
    let token = anna.request("create_api_token", json!({ "name": "Dev's bot", "agent_id": "dev@acme.example" })).await;
    let mut dev = Client::connect(server.addr, "/v3.5/agent/rtm/ws").await;
    ok(&dev.request("login", json!({ "token": ok(&token)["token"] })).await);

    let mut customer = server.customer().await;
    let started = customer.request("start_chat", json!({})).await;
    let chat_id = ok(&started)["chat_id"].clone();
    let added = dev.push_where("user_added_to_chat", |frame| frame["payload"]["chat_id"] == chat_id).await;
    assert_eq!(added["payload"]["user"]["id"], "dev@acme.example", "routed to Dev: {added}");
}

#[tokio::test]
async fn outside_business_hours_every_group_is_offline() {
    let server = TestServer::start().await;
    let mut anna = server.agent().await;
    let mut customer = server.customer().await;
    let statuses = |answer: &Value| ok(answer)["groups_status"]["0"].clone();
    assert_eq!(statuses(&customer.request("list_group_statuses", json!({ "all": true })).await), "online");

    // Open on no day at all: offline, though Anna is signed in and accepting.
    let mut current = settings(&mut anna).await;
    current["business_hours"] = json!({ "utc_offset_minutes": 0, "days": [] });
    ok(&anna.request("update_license_settings", json!({ "settings": current.clone() })).await);
    assert_eq!(statuses(&customer.request("list_group_statuses", json!({ "all": true })).await), "offline");

    // Open all week, all day: online again.
    let every_day: Vec<Value> = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
        .iter()
        .map(|day| json!({ "day": day, "open": "00:00", "close": "24:00" }))
        .collect();
    current["business_hours"] = json!({ "utc_offset_minutes": 60, "days": every_day });
    ok(&anna.request("update_license_settings", json!({ "settings": current.clone() })).await);
    assert_eq!(statuses(&customer.request("list_group_statuses", json!({ "all": true })).await), "online");

    current["business_hours"] = json!({ "days": [{ "day": "mon", "open": "17:00", "close": "09:00" }] });
    let refused = anna.request("update_license_settings", json!({ "settings": current })).await;
    assert_eq!(refused["payload"]["error"]["message"], "business_hours.days[0].close: must be after the opening time");
}

#[tokio::test]
async fn an_administrator_cannot_reach_an_owners_powers() {
    let server = TestServer::start_configured(|config| {
        let mut cleo = config.agents[0].clone();
        (cleo.id, cleo.name, cleo.token, cleo.role) =
            ("cleo@acme.example".to_owned(), "Cleo".to_owned(), "cleo-token-0123456789".to_owned(), server::config::Role::Admin);
        config.agents.push(cleo);
    })
    .await;
    let mut cleo = Client::connect(server.addr, "/v3.5/agent/rtm/ws").await;
    ok(&cleo.request("login", json!({ "token": "cleo-token-0123456789" })).await);
    // No token that signs in as the owner...
    let minted = cleo.request("create_api_token", json!({ "name": "back door", "agent_id": "anna@acme.example" })).await;
    assert_eq!(error_type(&minted), "authorization");
    ok(&cleo.request("create_api_token", json!({ "name": "own bot" })).await);
    // ...and no removing or disabling the owner.
    let current = settings(&mut cleo).await;
    let mut removed = current.clone();
    removed["agents"].as_array_mut().unwrap().remove(0);
    assert_eq!(error_type(&cleo.request("update_license_settings", json!({ "settings": removed })).await), "authorization");
    let mut disabled = current.clone();
    disabled["agents"][0]["disabled"] = json!(true);
    assert_eq!(error_type(&cleo.request("update_license_settings", json!({ "settings": disabled })).await), "authorization");
    // The owner may not leave the license without an enabled owner either.
    let mut anna = server.agent().await;
    let mut alone = settings(&mut anna).await;
    alone["agents"][0]["disabled"] = json!(true);
    let refused = anna.request("update_license_settings", json!({ "settings": alone })).await;
    assert!(refused["payload"]["error"]["message"].as_str().unwrap().contains("needs an owner"), "{refused}");
}
