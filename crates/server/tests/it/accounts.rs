//! Agents' accounts over real HTTP and websockets: password sign-in into an HttpOnly,
//! SameSite=Strict session cookie, the agent socket taking that session only from the
//! server's own pages, sign-out (here and everywhere), password changes, limits on failed
//! sign-ins, roles, and API tokens made, used and revoked.

use std::net::SocketAddr;

use serde_json::{json, Value};
use server::config::Role;

use crate::support::*;

const ANNA: &str = "anna@acme.example";
const ANNA_PASSWORD: &str = "anna-password-1";
const BEN: &str = "ben@acme.example";
const BEN_PASSWORD: &str = "ben-password-22";

/// The test configuration with Ben, an agent without a token, beside Anna, the owner.
fn with_ben(config: &mut server::Config) {
    let mut ben = config.agents[0].clone();
    (ben.id, ben.name, ben.token, ben.role) = (BEN.to_owned(), "Ben".to_owned(), String::new(), Role::Agent);
    config.agents.push(ben);
}

async fn server() -> TestServer {
    TestServer::start_prepared(with_ben, |app| {
        app.set_password(ANNA, ANNA_PASSWORD, None, None).unwrap();
        app.set_password(BEN, BEN_PASSWORD, None, None).unwrap();
    })
    .await
}

fn origin(addr: SocketAddr) -> String {
    format!("http://{addr}")
}

async fn post(addr: SocketAddr, path: &str, cookie: Option<&str>, origin: &str, body: Value) -> HttpResponse {
    let mut headers = vec![("Origin", origin), ("Content-Type", "application/json")];
    if let Some(cookie) = cookie {
        headers.push(("Cookie", cookie));
    }
    http_request(addr, "POST", path, &headers, body.to_string().into_bytes()).await
}

/// Signs in from the server's own page; returns the response and the cookie to send back.
async fn sign_in(addr: SocketAddr, email: &str, password: &str) -> (HttpResponse, Option<String>) {
    let response = post(addr, "/account/sign_in", None, &origin(addr), json!({ "email": email, "password": password })).await;
    let cookie = response.header("set-cookie").map(|cookie| cookie.split(';').next().unwrap().to_owned());
    (response, cookie)
}

/// An agent socket opened from `from` with the cookie, logged in with an empty token.
async fn session_socket(addr: SocketAddr, cookie: &str, from: &str) -> (Client, Value) {
    let mut agent = Client::connect_with(addr, "/v3.5/agent/rtm/ws", &[("Cookie", cookie), ("Origin", from)]).await;
    let login = agent.request("login", json!({ "token": "" })).await;
    (agent, login)
}

async fn me(addr: SocketAddr, cookie: &str) -> HttpResponse {
    http_request(addr, "GET", "/account/me", &[("Cookie", cookie)], Vec::new()).await
}

#[tokio::test]
async fn an_agent_signs_in_with_a_password_into_an_http_only_strict_cookie() {
    let server = server().await;
    let (wrong, cookie) = sign_in(server.addr, ANNA, "not-her-password").await;
    assert_eq!(wrong.status, 401);
    assert_eq!(wrong.json()["error"]["message"], "wrong e-mail or password");
    assert!(cookie.is_none());
    let (unknown, _) = sign_in(server.addr, "nobody@acme.example", ANNA_PASSWORD).await;
    assert_eq!((unknown.status, unknown.json()), (401, wrong.json()), "an unknown e-mail reads the same");

    let (right, cookie) = sign_in(server.addr, "Anna@Acme.example", ANNA_PASSWORD).await;
    assert_eq!(right.status, 200);
    assert_eq!(right.json(), json!({ "agent_id": ANNA, "name": "Anna", "permission": "owner" }));
    let set_cookie = right.header("set-cookie").unwrap();
    for part in ["HttpOnly", "SameSite=Strict", "Path=/", "Max-Age=1209600"] {
        assert!(set_cookie.contains(part), "{set_cookie}");
    }
    assert!(!set_cookie.contains("Secure"), "plain http on loopback: {set_cookie}");
    let cookie = cookie.unwrap();
    assert_eq!(me(server.addr, &cookie).await.json()["agent_id"], ANNA);

    // The agent socket takes the session from the server's own page.
    let (mut agent, login) = session_socket(server.addr, &cookie, &origin(server.addr)).await;
    assert_eq!(ok(&login)["my_profile"]["id"], ANNA);
    assert_eq!(ok(&login)["my_profile"]["permission"], "owner");
    assert!(ok(&agent.request("list_chats", json!({})).await).is_object());

    // Another site's page gets nothing from the cookie, nor does a socket without it.
    let (_, refused) = session_socket(server.addr, &cookie, "https://evil.example").await;
    assert_eq!(error_type(&refused), "authentication");
    let mut bare = Client::connect(server.addr, "/v3.5/agent/rtm/ws").await;
    assert_eq!(error_type(&bare.request("login", json!({ "token": "" })).await), "authentication");
    let forged = post(server.addr, "/account/sign_in", None, "https://evil.example", json!({ "email": ANNA, "password": ANNA_PASSWORD })).await;
    assert_eq!(forged.status, 403);
    let forged = post(server.addr, "/account/sign_out_everywhere", Some(&cookie), "https://evil.example", json!({})).await;
    assert_eq!(forged.status, 403);
    assert_eq!(me(server.addr, &cookie).await.status, 200, "the forged sign-out did nothing");
}

#[tokio::test]
async fn signing_out_ends_the_session_and_closes_its_sockets() {
    let server = server().await;
    let (_, here) = sign_in(server.addr, ANNA, ANNA_PASSWORD).await;
    let (_, there) = sign_in(server.addr, ANNA, ANNA_PASSWORD).await;
    let (here, there) = (here.unwrap(), there.unwrap());
    let (mut here_socket, _) = session_socket(server.addr, &here, &origin(server.addr)).await;
    let (mut there_socket, _) = session_socket(server.addr, &there, &origin(server.addr)).await;
    let mut token_socket = server.agent().await;

    let out = post(server.addr, "/account/sign_out", Some(&here), &origin(server.addr), json!({})).await;
    assert_eq!(out.status, 204);
    assert!(out.header("set-cookie").unwrap().contains("Max-Age=0"), "the cookie is cleared");
    assert_eq!(here_socket.push("agent_disconnected").await["payload"]["reason"], "logged_out_remotely");
    assert!(here_socket.next_frame().await.is_none(), "and the socket closed");
    assert_eq!(me(server.addr, &here).await.status, 204);
    assert_eq!(me(server.addr, &there).await.status, 200, "the other sign-in stays");

    let everywhere = post(server.addr, "/account/sign_out_everywhere", Some(&there), &origin(server.addr), json!({})).await;
    assert_eq!(everywhere.status, 204);
    assert_eq!(there_socket.push("agent_disconnected").await["payload"]["reason"], "logged_out_remotely");
    assert_eq!(me(server.addr, &there).await.status, 204);
    // A program's token socket is not a browser sign-in.
    assert!(ok(&token_socket.request("ping", json!({})).await).is_object());
}

#[tokio::test]
async fn a_password_change_needs_the_current_one_and_ends_the_other_sessions() {
    let server = server().await;
    let (_, this) = sign_in(server.addr, BEN, BEN_PASSWORD).await;
    let (_, other) = sign_in(server.addr, BEN, BEN_PASSWORD).await;
    let (this, other) = (this.unwrap(), other.unwrap());
    let (mut other_socket, _) = session_socket(server.addr, &other, &origin(server.addr)).await;
    let change = |current: &str, new: &str| json!({ "current_password": current, "new_password": new });

    let wrong = post(server.addr, "/account/password", Some(&this), &origin(server.addr), change("guess-guess-1", "new-password-99")).await;
    assert_eq!(wrong.status, 403);
    assert_eq!(wrong.json()["error"]["message"], "the current password is not right");
    let short = post(server.addr, "/account/password", Some(&this), &origin(server.addr), change(BEN_PASSWORD, "short")).await;
    assert_eq!(short.status, 400);
    assert!(short.json()["error"]["message"].as_str().unwrap().contains("at least 10 characters"));

    let changed = post(server.addr, "/account/password", Some(&this), &origin(server.addr), change(BEN_PASSWORD, "new-password-99")).await;
    assert_eq!(changed.status, 204);
    assert_eq!(other_socket.push("agent_disconnected").await["payload"]["reason"], "logged_out_remotely");
    assert_eq!(me(server.addr, &other).await.status, 204);
    assert_eq!(me(server.addr, &this).await.status, 200, "the session that changed it stays");
    assert_eq!(sign_in(server.addr, BEN, BEN_PASSWORD).await.0.status, 401);
    assert_eq!(sign_in(server.addr, BEN, "new-password-99").await.0.status, 200);
}

#[tokio::test]
async fn failed_sign_ins_are_limited_per_account_and_per_address() {
    let server = server().await;
    for _ in 0..5 {
        assert_eq!(sign_in(server.addr, ANNA, "wrong-wrong-wrong").await.0.status, 401);
    }
    let (blocked, cookie) = sign_in(server.addr, ANNA, ANNA_PASSWORD).await;
    assert_eq!(blocked.status, 429, "even the right password waits");
    assert!(cookie.is_none());
    let wait: u64 = blocked.header("retry-after").unwrap().parse().unwrap();
    assert!((800..=900).contains(&wait), "{wait}");
    assert!(blocked.json()["error"]["message"].as_str().unwrap().contains("try again in 15 minutes"));
    assert_eq!(sign_in(server.addr, BEN, BEN_PASSWORD).await.0.status, 200, "other accounts are not locked");

    // Guessing across many e-mails from one address stops too.
    for n in 0..14 {
        assert_eq!(sign_in(server.addr, &format!("guess{n}@acme.example"), "wrong-wrong-wrong").await.0.status, 401);
    }
    assert_eq!(sign_in(server.addr, BEN, "wrong-wrong-wrong").await.0.status, 401);
    assert_eq!(sign_in(server.addr, BEN, BEN_PASSWORD).await.0.status, 429, "the address used up its failures");
    let elsewhere = post_from(loopback(7), server.addr, json!({ "email": BEN, "password": BEN_PASSWORD })).await;
    assert_eq!(elsewhere.status, 200, "another address is not");
}

async fn post_from(source: std::net::IpAddr, addr: SocketAddr, body: Value) -> HttpResponse {
    let from = origin(addr);
    let headers = [("Origin", from.as_str()), ("Content-Type", "application/json")];
    http_request_from(source, addr, "POST", "/account/sign_in", &headers, body.to_string().into_bytes()).await
}

#[tokio::test]
async fn owners_make_api_tokens_that_sign_in_until_revoked_and_agents_cannot() {
    let server = server().await;
    let (_, ben_cookie) = sign_in(server.addr, BEN, BEN_PASSWORD).await;
    let (mut ben, login) = session_socket(server.addr, &ben_cookie.unwrap(), &origin(server.addr)).await;
    assert_eq!(ok(&login)["my_profile"]["permission"], "normal");
    for (action, payload) in [
        ("create_api_token", json!({ "name": "bot" })),
        ("list_api_tokens", json!({})),
        ("revoke_api_token", json!({ "id": 1 })),
    ] {
        let refused = ben.request(action, payload).await;
        assert_eq!(error_type(&refused), "authorization", "{action}: {refused}");
    }

    let mut anna = server.agent().await;
    let invalid = anna.request("create_api_token", json!({ "name": " " })).await;
    assert_eq!(error_type(&invalid), "validation");
    let invalid = anna.request("create_api_token", json!({ "name": "bot", "expires_in_days": 0 })).await;
    assert_eq!(error_type(&invalid), "validation");
    let invalid = anna.request("create_api_token", json!({ "name": "bot", "agent_id": "bob@other.example" })).await;
    assert_eq!(error_type(&invalid), "not_found", "another license's agent");

    let created = anna.request("create_api_token", json!({ "name": "Ben's bot", "agent_id": BEN, "expires_in_days": 30 })).await;
    let created = ok(&created).clone();
    let secret = created["token"].as_str().unwrap().to_owned();
    assert_eq!(secret.len(), 64);
    assert_eq!((created["name"].as_str(), created["agent_id"].as_str(), created["created_by"].as_str()), (Some("Ben's bot"), Some(BEN), Some(ANNA)));
    assert!(created["expires_at"].as_str().is_some());

    let mut bot = Client::connect(server.addr, "/v3.5/agent/rtm/ws").await;
    let bot_login = bot.request("login", json!({ "token": format!("Bearer {secret}") })).await;
    assert_eq!(ok(&bot_login)["my_profile"]["id"], BEN);

    let listed = anna.request("list_api_tokens", json!({})).await;
    let tokens = ok(&listed)["api_tokens"].as_array().unwrap().clone();
    assert_eq!(tokens.len(), 1);
    assert_eq!(tokens[0]["id"], created["id"]);
    assert!(tokens[0].get("token").is_none(), "the secret is shown once: {}", tokens[0]);
    assert!(tokens[0]["last_used_at"].as_str().is_some(), "the bot's login is recorded");

    let revoked = anna.request("revoke_api_token", json!({ "id": created["id"] })).await;
    ok(&revoked);
    assert_eq!(bot.push("agent_disconnected").await["payload"]["reason"], "access_token_revoked");
    assert!(bot.next_frame().await.is_none());
    let mut again = Client::connect(server.addr, "/v3.5/agent/rtm/ws").await;
    assert_eq!(error_type(&again.request("login", json!({ "token": secret })).await), "authentication");
    assert_eq!(ok(&anna.request("list_api_tokens", json!({})).await)["api_tokens"], json!([]));
    assert_eq!(error_type(&anna.request("revoke_api_token", json!({ "id": created["id"] })).await), "not_found");
}

#[tokio::test]
async fn the_password_command_may_give_a_role_too() {
    let server = TestServer::start_prepared(with_ben, |app| {
        app.set_password(BEN, BEN_PASSWORD, Some(Role::Admin), None).unwrap();
    })
    .await;
    let (signed_in, _) = sign_in(server.addr, BEN, BEN_PASSWORD).await;
    assert_eq!(signed_in.json()["permission"], "administrator");
}
