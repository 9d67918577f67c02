//! Hostile content rather than hostile traffic: what a visitor may send, see and ask for
//! (notes meant for agents, system messages, malformed events, other sites' widget pages,
//! unbounded requests, mutated frames), each with the control visitor still chatting.

use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::attacks::{one_at_a_time, Control};
use crate::support::*;

/// 5. An agent's internal note (`recipients: "agents"`) reaches agents only: no push to
///    the visitor, and not in anything the visitor can read back.
#[tokio::test]
async fn internal_notes_never_reach_the_visitor() {
    let _serial = one_at_a_time();
    let server = TestServer::start().await;
    let mut control = Control::start(server.addr).await;
    let chat_id = control.chat_id.clone();
    let note = json!({ "chat_id": chat_id, "event": { "type": "message", "text": "VIP, be nice", "recipients": "agents" } });
    let sent = control.agent.request("send_event", note).await;
    ok(&sent);
    let frames = control.customer.drain(Duration::from_millis(300)).await;
    assert!(!frames.iter().any(|frame| frame.to_string().contains("VIP")), "the visitor got the note");

    let chat = control.customer.request("get_chat", json!({ "chat_id": chat_id })).await;
    assert!(!ok(&chat).to_string().contains("VIP"), "get_chat shows the note: {chat}");
    let threads = control.customer.request("list_threads", json!({ "chat_id": chat_id })).await;
    assert!(!ok(&threads).to_string().contains("VIP"), "list_threads shows the note");
    let chats = control.customer.request("list_chats", json!({})).await;
    assert!(!ok(&chats).to_string().contains("VIP"), "list_chats shows the note as the last event");
    // The agent still sees it.
    let chat = control.agent.request("get_chat", json!({ "chat_id": chat_id })).await;
    assert!(ok(&chat).to_string().contains("VIP"));
    // A visitor cannot send one.
    let note = json!({ "chat_id": chat_id, "event": { "type": "message", "text": "psst", "recipients": "agents" } });
    assert_eq!(error_type(&control.customer.request("send_event", note).await), "validation");
    control.check().await;
}

/// 6 and 10. Visitors cannot write system messages or events that only look valid.
#[tokio::test]
async fn visitors_cannot_send_system_messages_or_malformed_events() {
    let _serial = one_at_a_time();
    let server = TestServer::start().await;
    let mut control = Control::start(server.addr).await;
    let chat_id = control.chat_id.clone();
    let refused = [
        json!({ "type": "system_message", "text": "Chat transferred to supervisor", "system_message_type": "manual" }),
        json!({ "type": 1, "text": "one" }),
        json!({ "type": "message", "text": "\u{0}" }),
        json!({ "type": "message", "text": "\u{0}\u{1}\u{7f}" }),
        json!({ "type": "message", "text": "hi", "recipients": "nobody" }),
        json!({ "type": "message", "text": "hi", "postback": 1 }),
        json!({ "type": "rich_message", "template_id": "cards", "elements": [] }),
    ];
    for event in refused {
        let answer = control.customer.request("send_event", json!({ "chat_id": chat_id, "event": event })).await;
        assert_eq!(error_type(&answer), "validation", "{event} was accepted: {answer}");
    }
    let frames = control.agent.drain(Duration::from_millis(200)).await;
    let sent_by_the_test = |event: &Value| {
        event["type"] == "rich_message" || ["Chat transferred to supervisor", "one", "hi", "\u{0}"].iter().any(|text| event["text"] == *text)
    };
    let reached = frames.iter().filter(|frame| frame["action"] == "incoming_event" && sent_by_the_test(&frame["payload"]["event"])).count();
    assert_eq!(reached, 0, "refused events reached the agent");
    control.check().await;
}

/// 7. `login` runs the same checks on the customer's data as `update_customer`, and the
///    token endpoint takes only a whole-number license.
#[tokio::test]
async fn login_checks_the_customers_data() {
    let _serial = one_at_a_time();
    let server = TestServer::start().await;
    let mut control = Control::start(server.addr).await;
    let many_fields: Vec<Value> = (0..3000).map(|n| json!({ format!("k{n}"): "v" })).collect();
    let cases = [
        ("customer", json!({ "name": "n".repeat(10_000) })),
        ("customer", json!({ "email": "not an address" })),
        ("customer", json!({ "avatar": "javascript:alert(1)" })),
        ("customer", json!({ "session_fields": many_fields })),
        ("customer_page", json!({ "url": format!("https://shop.example/{}", "p".repeat(5000)) })),
    ];
    for (n, (key, value)) in cases.into_iter().enumerate() {
        let token = customer_token(server.addr, json!({ "license_id": 1 })).await;
        let mut client = Client::connect(server.addr, "/v3.5/customer/rtm/ws?license_id=1").await;
        let login = json!({ "token": format!("Bearer {}", token["access_token"].as_str().unwrap()), key: value });
        let answer = client.request("login", login).await;
        let expected = if n == 3 { "customer_session_fields_limit_reached" } else { "validation" };
        assert_eq!(error_type(&answer), expected, "case {n} ({key}) was not refused as it should be");
    }
    for license_id in [json!(1e0), json!(1.5), json!(-1), json!("1e0"), json!([1])] {
        let (status, body) = http_post(server.addr, "/customer/token", &json!({ "license_id": license_id }).to_string()).await;
        assert_eq!(status, 400, "license_id {license_id}: {body}");
    }
    control.check().await;
}

/// 8. The widget's page, opened for a license that lists its sites, refuses other sites
///    and lets only the listed ones frame it.
#[tokio::test]
async fn the_widget_page_opens_only_for_the_licenses_sites() {
    let _serial = one_at_a_time();
    let server = TestServer::start().await;
    let evil = http_request(server.addr, "GET", "/widget/?account=2&host=https%3A%2F%2Fevil.example", &[], Vec::new()).await;
    assert_eq!(evil.status, 403);
    let own = http_request(server.addr, "GET", "/widget/?account=2&host=https%3A%2F%2Fshop.example", &[], Vec::new()).await;
    assert_ne!(own.status, 403);
    let policy = own.header("content-security-policy").unwrap();
    assert!(policy.contains("frame-ancestors https://shop.example;"), "{policy}");
    // A license that lists no sites may be embedded anywhere.
    let open = http_request(server.addr, "GET", "/widget/?account=1&host=https%3A%2F%2Fany.example", &[], Vec::new()).await;
    assert_ne!(open.status, 403);
}

/// 8b. A license that lists its sites gives tokens and sockets only to pages of those
///     sites or of the server itself (the widget's frame); other sites' pages get 403.
///     Programs, which send no `Origin`, are not affected.
#[tokio::test]
async fn tokens_and_sockets_serve_only_the_licenses_sites() {
    let _serial = one_at_a_time();
    let server = TestServer::start().await;
    let own = format!("http://{}", server.addr);
    let body = json!({ "license_id": 2 }).to_string().into_bytes();
    let token_from = |origin: Option<&'static str>| {
        let own = own.clone();
        let body = body.clone();
        async move {
            let origin = origin.map(str::to_owned).unwrap_or(own);
            let headers = [("Origin", origin.as_str()), ("Content-Type", "application/json")];
            http_request(server.addr, "POST", "/customer/token", &headers, body).await
        }
    };
    let refused = token_from(Some("https://evil.example")).await;
    assert_eq!(refused.status, 403);
    assert_eq!(refused.json()["error"]["type"], "origin_not_allowed");
    assert_eq!(token_from(Some("https://shop.example")).await.status, 200);
    assert_eq!(token_from(None).await.status, 200, "the widget's frame on the server's own origin");
    let bare = http_request(server.addr, "POST", "/customer/token", &[("Content-Type", "application/json")], body.clone()).await;
    assert_eq!(bare.status, 200, "no Origin: not a browser");
    // A license that lists no sites serves every site.
    let open = json!({ "license_id": 1 }).to_string().into_bytes();
    let anywhere = http_request(server.addr, "POST", "/customer/token", &[("Origin", "https://evil.example"), ("Content-Type", "application/json")], open).await;
    assert_eq!(anywhere.status, 200);

    let upgrade = |origin: &str| {
        format!("GET /v3.5/customer/rtm/ws?license_id=2 HTTP/1.1\r\nHost: {}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nOrigin: {origin}\r\n\r\n", server.addr)
    };
    for (origin, status) in [("https://evil.example", "403"), ("https://shop.example", "101")] {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let mut stream = tokio::net::TcpStream::connect(server.addr).await.unwrap();
        stream.write_all(upgrade(origin).as_bytes()).await.unwrap();
        let mut head = [0u8; 12];
        stream.read_exact(&mut head).await.unwrap();
        assert_eq!(&String::from_utf8_lossy(&head)[9..12], status, "{origin}");
    }
    let mut control = Control::start(server.addr).await;
    control.check().await;
}

/// 3. Requests whose work grows with their input are capped.
#[tokio::test]
async fn requests_that_ask_for_unbounded_work_are_capped() {
    let _serial = one_at_a_time();
    let server = TestServer::start_configured(|config| {
        config.limits.requests_per_minute = 100_000;
        config.limits.read_bytes_per_second = 1 << 30;
    })
    .await;
    let mut control = Control::start(server.addr).await;
    let mut attacker = server.customer().await;
    let ids: Vec<u32> = vec![0; 30_000];
    let started = Instant::now();
    let answer = attacker.request("list_group_statuses", json!({ "group_ids": ids })).await;
    assert_eq!(error_type(&answer), "validation");
    assert!(started.elapsed() < Duration::from_secs(1));
    let answer = attacker.request("list_group_statuses", json!({ "group_ids": vec![0; 200] })).await;
    assert_eq!(ok(&answer)["groups_status"].as_object().unwrap().len(), 1, "each group once");

    // Properties have a size limit.
    let started = attacker.request("start_chat", json!({ "chat": {} })).await;
    let chat_id = ok(&started)["chat_id"].as_str().unwrap().to_owned();
    let big = json!({ "chat_id": chat_id, "properties": { "ns": { "blob": "b".repeat(20_000) } } });
    assert_eq!(error_type(&attacker.request("update_chat_properties", big).await), "limit_reached");

    // A thread holds a bounded number of bytes: past it, sending fails and nothing is lost
    // silently.
    let text = "t".repeat(16 * 1024 - 64);
    let mut refused_at = None;
    for n in 0..200 {
        let answer = attacker
            .request("send_event", json!({ "chat_id": chat_id, "event": { "type": "message", "text": text } }))
            .await;
        if answer["success"] == false {
            assert_eq!(error_type(&answer), "limit_reached", "{answer}");
            refused_at = Some(n);
            break;
        }
        // The agent in the chat reads along, as a console would.
        if n % 10 == 0 {
            control.check().await;
        }
    }
    let refused_at = refused_at.expect("a thread of 200 × 16 KB was accepted");
    assert!((100..=130).contains(&refused_at), "refused after {refused_at} messages");
    let chat = attacker.request("get_chat", json!({ "chat_id": chat_id })).await;
    assert!(chat.to_string().len() <= 2 * 1024 * 1024 + 64 * 1024);
    control.check().await;
}

/// Random and mutated frames, built from valid requests, sent to a live session: every
/// frame gets an answer or is ignored, and the session keeps working.
#[tokio::test]
async fn mutated_frames_never_break_a_session() {
    let _serial = one_at_a_time();
    let server = TestServer::start_configured(|config| config.limits.requests_per_minute = 100_000).await;
    let mut control = Control::start(server.addr).await;
    let mut attacker = server.customer().await;
    let started = attacker.request("start_chat", json!({ "chat": {} })).await;
    let chat_id = ok(&started)["chat_id"].as_str().unwrap().to_owned();
    let seeds = seed_frames(&chat_id);
    let mut random = Random(0x9e37_79b9_7f4a_7c15);
    for n in 0..400 {
        let seed = &seeds[random.below(seeds.len())];
        let text = random.mutate(seed);
        attacker.send_raw(&text).await;
        // After each frame, a ping with a known id must be answered: the session is alive.
        let id = format!("alive-{n}");
        attacker.send_raw(&json!({ "request_id": id, "action": "ping" }).to_string()).await;
        let answer = attacker.response(&id).await;
        assert_eq!(answer["success"], true, "after {text:?}: {answer}");
        if n % 50 == 0 {
            control.check().await;
        }
    }
    control.check().await;
}

/// Valid frames of most customer actions: the seeds mutations start from.
pub fn seed_frames(chat_id: &str) -> Vec<String> {
    let frames = [
        json!({ "action": "send_event", "payload": { "chat_id": chat_id, "event": { "type": "message", "text": "hello" } } }),
        json!({ "action": "send_event", "payload": { "chat_id": chat_id, "event": { "type": "file", "url": "https://x/y" } } }),
        json!({ "action": "send_event", "payload": { "chat_id": chat_id, "event": { "type": "filled_form", "fields": [{ "type": "name", "id": "1", "label": "Name", "answer": "Jo" }] } } }),
        json!({ "action": "send_rich_message_postback", "payload": { "chat_id": chat_id, "thread_id": "T", "event_id": "E", "postback": { "id": "yes", "toggled": true } } }),
        json!({ "action": "update_customer", "payload": { "name": "Jo", "email": "jo@example.com", "session_fields": [{ "a": "b" }] } }),
        json!({ "action": "update_customer_page", "payload": { "url": "https://shop.example/", "title": "Shop" } }),
        json!({ "action": "set_customer_session_fields", "payload": { "session_fields": [{ "k": "v" }] } }),
        json!({ "action": "update_chat_properties", "payload": { "chat_id": chat_id, "properties": { "ns": { "k": 1 } } } }),
        json!({ "action": "list_threads", "payload": { "chat_id": chat_id, "limit": 2 } }),
        json!({ "action": "get_chat", "payload": { "chat_id": chat_id } }),
        json!({ "action": "list_chats", "payload": { "limit": 5 } }),
        json!({ "action": "list_group_statuses", "payload": { "group_ids": [0, 1] } }),
        json!({ "action": "get_form", "payload": { "group_id": 0, "type": "prechat" } }),
        json!({ "action": "mark_events_as_seen", "payload": { "chat_id": chat_id, "seen_up_to": "2026-01-01T00:00:00.000000Z" } }),
        json!({ "action": "send_sneak_peek", "payload": { "chat_id": chat_id, "sneak_peek_text": "typ" } }),
        json!({ "action": "get_customer", "payload": {} }),
        json!({ "action": "check_goals", "payload": { "session_fields": [], "page_url": "https://x" } }),
        json!({ "action": "deactivate_chat", "payload": { "chat_id": "not-this-one" } }),
    ];
    frames.iter().map(Value::to_string).collect()
}

/// A small deterministic generator (xorshift64*), so a failure repeats.
pub struct Random(pub u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// `seed` changed in one of several ways: bytes flipped, cut short, a value swapped
    /// for one of another type, or pieces of JSON syntax spliced in.
    pub fn mutate(&mut self, seed: &str) -> String {
        let mut bytes = seed.as_bytes().to_vec();
        match self.below(5) {
            0 => {
                for _ in 0..=self.below(4) {
                    let at = self.below(bytes.len());
                    bytes[at] = (self.next() & 0xff) as u8;
                }
            }
            1 => bytes.truncate(self.below(bytes.len())),
            2 => {
                let mut value: Value = serde_json::from_str(seed).unwrap();
                let replacement = [json!(null), json!(1e308), json!(-1), json!(""), json!([]), json!({}), json!("\u{0}"), json!(true)]
                    [self.below(8)]
                .clone();
                swap_a_value(&mut value, self.below(12), replacement);
                return value.to_string();
            }
            3 => {
                let pieces = ["{", "}", "[", "]", ",", ":", "\"", "\\u0000", "null", "\\", "1e99999"];
                let at = self.below(bytes.len());
                let piece = pieces[self.below(pieces.len())];
                bytes.splice(at..at, piece.bytes());
            }
            _ => {
                let at = self.below(bytes.len());
                let copy = bytes[..at].to_vec();
                bytes.extend_from_slice(&copy);
            }
        }
        String::from_utf8_lossy(&bytes).into_owned()
    }
}

/// Replaces the `n`-th value met walking `value` depth first (or the last one).
fn swap_a_value(value: &mut Value, n: usize, replacement: Value) {
    fn walk(value: &mut Value, left: &mut usize, replacement: &Value) -> bool {
        if *left == 0 {
            *value = replacement.clone();
            return true;
        }
        *left -= 1;
        match value {
            Value::Object(map) => map.values_mut().any(|child| walk(child, left, replacement)),
            Value::Array(items) => items.iter_mut().any(|child| walk(child, left, replacement)),
            _ => false,
        }
    }
    let mut left = n + 1;
    walk(value, &mut left, &replacement);
}
