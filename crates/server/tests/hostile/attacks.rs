//! One test per attack on the server, each over real sockets while a
//! control visitor keeps chatting with an agent. The control's message must reach the
//! agent within a second during and after the attack, and where the attack is about
//! resources, the server (a process of its own) must stay within a memory bound read from
//! `/proc/<pid>/status`.
//!
//! Attackers connect from other loopback addresses (127.0.0.66 and up) than the control
//! (127.0.0.1), so per-address limits see them as the separate clients they would be.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::Message;

use crate::support::*;

/// The longest a control message may take to reach the agent.
const ROUND_TRIP: Duration = Duration::from_secs(1);

/// Held by each test for its whole run: the attacks and their timing run one at a time.
static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

pub(crate) fn one_at_a_time() -> std::sync::MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The attackers' address.
fn attacker() -> std::net::IpAddr {
    loopback(66)
}

/// A visitor in a chat with an agent: the service works while its messages get through.
pub(crate) struct Control {
    pub(crate) customer: Client,
    pub(crate) agent: Client,
    pub(crate) chat_id: String,
    sent: usize,
    slowest: Duration,
}

impl Control {
    pub(crate) async fn start(addr: SocketAddr) -> Control {
        let mut agent = Client::connect(addr, "/v3.5/agent/rtm/ws").await;
        agent.login(&json!(AGENT_TOKEN)).await;
        let token = customer_token(addr, json!({ "license_id": 1 })).await;
        let mut customer = Client::connect(addr, "/v3.5/customer/rtm/ws?license_id=1").await;
        customer.login(&token["access_token"]).await;
        let started = customer.request("start_chat", json!({ "chat": {} })).await;
        let chat_id = ok(&started)["chat_id"].as_str().unwrap().to_owned();
        agent.push_where("incoming_chat", |frame| frame["payload"]["chat"]["id"] == chat_id.as_str()).await;
        let mut control = Control { customer, agent, chat_id, sent: 0, slowest: Duration::ZERO };
        control.check().await;
        control
    }

    /// Sends a message and waits until the agent has it; fails past [`ROUND_TRIP`].
    pub(crate) async fn check(&mut self) {
        self.sent += 1;
        let text = format!("control {}", self.sent);
        let started = Instant::now();
        let sent = self
            .customer
            .request("send_event", json!({ "chat_id": self.chat_id, "event": { "type": "message", "text": text } }))
            .await;
        ok(&sent);
        let this_message = |frame: &Value| frame["payload"]["event"]["text"] == text.as_str();
        self.agent.push_where("incoming_event", this_message).await;
        // The visitor's own copy, so it does not pile up unread.
        self.customer.push_where("incoming_event", this_message).await;
        let took = started.elapsed();
        self.slowest = self.slowest.max(took);
        assert!(took <= ROUND_TRIP, "a control message took {took:?} to reach the agent");
    }

    /// Keeps checking every 100 ms until `attack` ends; returns what it returned.
    pub(crate) async fn during<T>(&mut self, attack: impl std::future::Future<Output = T>) -> T {
        let mut attack = std::pin::pin!(attack);
        loop {
            tokio::select! {
                result = &mut attack => return result,
                () = tokio::time::sleep(Duration::from_millis(100)) => self.check().await,
            }
        }
    }
}

/// A server process of its own, with limits small enough to reach in a test.
struct Process {
    child: tokio::process::Child,
    addr: SocketAddr,
    _dir: tempfile::TempDir,
}

impl Process {
    async fn start(limits: &str) -> Process {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("hostile.toml");
        let text = format!(
            "[timings]\nping_interval_seconds = 1\nidle_timeout_seconds = 3\nwrite_timeout_seconds = 1\n\
             header_read_timeout_seconds = 2\nlogin_timeout_seconds = 5\n\n[limits]\n{limits}\n\n{LICENSES}"
        );
        std::fs::write(&config, text).unwrap();
        let (child, addr) = spawn_server_process(dir.path(), Some(&config)).await;
        Process { child, addr, _dir: dir }
    }

    /// (resident, peak resident) memory of the server process, in KiB.
    fn memory(&self) -> (u64, u64) {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id().unwrap())).unwrap();
        let field = |name: &str| {
            let line = status.lines().find(|line| line.starts_with(name)).unwrap();
            line.split_whitespace().nth(1).unwrap().parse::<u64>().unwrap()
        };
        (field("VmRSS:"), field("VmHWM:"))
    }

    /// Fails when the server grew by more than `limit_mib` over `before`.
    fn assert_memory_within(&self, before: (u64, u64), limit_mib: u64, attack: &str) {
        let (now, peak) = self.memory();
        let grown = peak.saturating_sub(before.0) / 1024;
        eprintln!("{attack}: resident {} MiB before, {} MiB after, peak {} MiB", before.0 / 1024, now / 1024, peak / 1024);
        assert!(grown <= limit_mib, "{attack}: the server grew by {grown} MiB (limit {limit_mib} MiB)");
    }
}

const LICENSES: &str = r#"
[[licenses]]
id = 1
organization_id = "org-one"
name = "Control"

  [[licenses.groups]]
  id = 0
  name = "General"

  [[licenses.agents]]
  id = "anna@acme.example"
  name = "Anna"
  token = "from-command-line"
  groups = [0]
  max_chats = 100

[[licenses]]
id = 2
organization_id = "org-two"
name = "Attacked"

  [[licenses.groups]]
  id = 0
  name = "General"

  [[licenses.agents]]
  id = "bob@other.example"
  name = "Bob"
  token = "bob-is-never-online-01"
  groups = [0]
"#;

/// A logged-in customer of `license` connected from `source`, with its raw socket.
async fn raw_customer(addr: SocketAddr, source: std::net::IpAddr, license: u64) -> Client {
    let (status, body) = http_post_from(source, addr, "/customer/token", &json!({ "license_id": license }).to_string()).await;
    assert_eq!(status, 200, "{body}");
    let token: Value = serde_json::from_str(&body).unwrap();
    let mut client = Client::connect_from(source, addr, &format!("/v3.5/customer/rtm/ws?license_id={license}")).await;
    client.login(&token["access_token"]).await;
    client
}

/// 2. Clients that ask for large answers and never read them: each fills its chat with a
///    few long messages (within its byte rate), then asks for the chat a hundred times
///    without reading. The answers pile up in the kernel, then in a queue of bounded size;
///    the server drops each attacker once a write misses its deadline or the queue is full,
///    so their sessions (and their places among the license's customers) come free instead
///    of being held forever.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_readers_lose_their_sockets_and_places() {
    let _serial = one_at_a_time();
    const ATTACKERS: usize = 20;
    let server = Process::start("outbound_queue_kilobytes = 64\ncustomers_per_license = 25").await;
    let mut control = Control::start(server.addr).await;
    let before = server.memory();

    let text = "x".repeat(16 * 1024 - 100);
    let mut attackers = Vec::new();
    for n in 0..ATTACKERS {
        let mut client = raw_customer(server.addr, loopback(66 + n as u8), 2).await;
        let started = client.request("start_chat", json!({ "chat": {} })).await;
        let chat_id = ok(&started)["chat_id"].as_str().unwrap().to_owned();
        for _ in 0..12 {
            let sent = client.request("send_event", json!({ "chat_id": chat_id, "event": { "type": "message", "text": text } })).await;
            ok(&sent);
        }
        attackers.push((client, chat_id));
        control.check().await;
    }
    // From now on the attackers only write: each request is answered with about 200 KB.
    let flood = async {
        for round in 0..100 {
            for (client, chat_id) in &mut attackers {
                let frame = json!({ "request_id": format!("{round}"), "action": "get_chat", "payload": { "chat_id": chat_id } });
                // A dropped socket refuses further frames; that is the point.
                let _ = client.ws.send(Message::Text(frame.to_string().into())).await;
            }
            tokio::task::yield_now().await;
        }
    };
    control.during(flood).await;

    // Every attacker is gone within the write deadline (or the idle one), so 20 new
    // customers fit under the limit of 25.
    control.during(tokio::time::sleep(Duration::from_secs(6))).await;
    let mut newcomers = Vec::new();
    for n in 0..ATTACKERS {
        newcomers.push(raw_customer(server.addr, loopback(120 + n as u8), 2).await);
    }
    control.check().await;
    server.assert_memory_within(before, 64, "slow readers");
    // What the attackers would have read: frames up to the end, with no closing frame when
    // the server dropped them for not reading, or 1013 when their queue overflowed first.
    let mut codes = Vec::new();
    for (client, _) in &mut attackers {
        let code = loop {
            match tokio::time::timeout(WAIT, client.ws.next()).await {
                Ok(Some(Ok(Message::Close(frame)))) => break frame.map(|frame| u16::from(frame.code)),
                Ok(Some(Ok(_))) => continue,
                _ => break None,
            }
        };
        codes.push(code);
    }
    eprintln!("attackers' closing codes: {codes:?}");
    assert!(codes.iter().all(|code| matches!(code, None | Some(1013))), "{codes:?}");
}

/// 2. Clients that send faster than a person could type are not read for a while: the
///    kernel makes them wait, at no cost to the server, and they are never dropped for it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn floods_are_slowed_down_by_not_reading_them() {
    let _serial = one_at_a_time();
    let server = Process::start("read_kilobytes_per_second = 16").await;
    let mut control = Control::start(server.addr).await;
    let mut attacker = raw_customer(server.addr, attacker(), 2).await;
    let started = attacker.request("start_chat", json!({ "chat": {} })).await;
    let chat_id = ok(&started)["chat_id"].as_str().unwrap().to_owned();
    // 128 KB of burst, then 16 KB a second: 40 messages of 8 KB take about 12 s to be read.
    let text = "y".repeat(8 * 1024);
    let started_at = Instant::now();
    let flood = async {
        for n in 0..40 {
            let frame = json!({ "request_id": format!("f{n}"), "action": "send_event",
                "payload": { "chat_id": chat_id, "event": { "type": "message", "text": text } } });
            attacker.ws.send(Message::Text(frame.to_string().into())).await.unwrap();
        }
        for n in 0..40 {
            let frame = tokio::time::timeout(Duration::from_secs(30), attacker.response(&format!("f{n}"))).await.unwrap();
            assert_eq!(frame["success"], true, "{n}");
        }
    };
    control.during(flood).await;
    let took = started_at.elapsed();
    assert!(took >= Duration::from_secs(8), "40 × 8 KB were read in {took:?}");
    control.check().await;
}

/// 2. A 5 MB frame: the socket is closed with 1009 and a closing frame that says so.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_oversized_frame_is_refused_with_a_closing_frame() {
    let _serial = one_at_a_time();
    let server = TestServer::start().await;
    let mut control = Control::start(server.addr).await;
    let mut attacker = Client::connect_from(attacker(), server.addr, "/v3.5/customer/rtm/ws?license_id=1").await;
    let huge = format!(r#"{{"action":"ping","payload":{{"junk":"{}"}}}}"#, "x".repeat(5 * 1024 * 1024));
    let _ = attacker.ws.send(Message::Text(huge.into())).await;
    let close = tokio::time::timeout(WAIT, async {
        loop {
            match attacker.ws.next().await {
                Some(Ok(Message::Close(frame))) => return frame,
                Some(Ok(_)) => continue,
                other => panic!("the socket ended without a closing frame: {other:?}"),
            }
        }
    })
    .await
    .expect("a closing frame");
    let close = close.expect("a close code");
    assert_eq!(close.code, CloseCode::Size);
    assert!(close.reason.contains("at most"), "{}", close.reason);
    control.check().await;
}

/// 2. Echoed fields are capped: a 60 KB `action` or a long `request_id` is refused without
///    being sent back.
#[tokio::test]
async fn long_actions_and_request_ids_are_never_echoed() {
    let _serial = one_at_a_time();
    let server = TestServer::start().await;
    let mut control = Control::start(server.addr).await;
    let mut attacker = server.customer().await;
    attacker.send_raw(&json!({ "request_id": "a1", "action": "x".repeat(60_000), "payload": {} }).to_string()).await;
    let answer = attacker.next_frame().await.unwrap();
    assert_eq!(answer["request_id"], "a1");
    assert_eq!(answer["action"], "unknown");
    assert!(answer.to_string().len() < 1024, "{} bytes", answer.to_string().len());
    attacker.send_raw(&json!({ "request_id": "r".repeat(10_000), "action": "ping" }).to_string()).await;
    let answer = attacker.next_frame().await.unwrap();
    assert_eq!(answer.get("request_id"), None);
    assert_eq!(error_type(&answer), "validation");
    assert!(answer.to_string().len() < 1024);
    control.check().await;
}

/// 2. Sockets that never log in: one address holds at most a few; the rest are told
///    `too_many_unauthorized_connections` and closed, while other addresses are not affected.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unauthenticated_sockets_are_limited_per_address() {
    let _serial = one_at_a_time();
    let server = Process::start("unauthenticated_per_address = 8").await;
    let mut control = Control::start(server.addr).await;
    let mut waiting = Vec::new();
    for _ in 0..8 {
        waiting.push(Client::connect_from(attacker(), server.addr, "/v3.5/customer/rtm/ws?license_id=1").await);
    }
    let mut refused = Client::connect_from(attacker(), server.addr, "/v3.5/customer/rtm/ws?license_id=1").await;
    let push = refused.push("customer_disconnected").await;
    assert_eq!(push["payload"]["reason"], "too_many_unauthorized_connections");
    assert!(refused.next_frame().await.is_none(), "then the socket closes");
    control.check().await;
    // Another visitor (another address) logs in as usual.
    let _other = raw_customer(server.addr, loopback(67), 1).await;
    // Once the waiting sockets go, the address may connect again.
    for socket in &mut waiting {
        socket.ws.close(None).await.unwrap();
    }
    drop(waiting);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let _again = raw_customer(server.addr, attacker(), 1).await;
    control.check().await;
}

/// 3. Floods over HTTP: the token endpoint and the Web API answer 429 with `Retry-After`
///    past the per-address and per-customer rates, and other clients carry on.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_floods_get_429_with_retry_after() {
    let _serial = one_at_a_time();
    let server = Process::start("http_requests_per_minute = 120\nrequests_per_minute = 120").await;
    let mut control = Control::start(server.addr).await;
    let before = server.memory();
    let body = json!({ "license_id": 1 }).to_string();
    let flood = async {
        let mut statuses = Vec::new();
        for _ in 0..200 {
            let response = http_request_from(
                attacker(),
                server.addr,
                "POST",
                "/customer/token",
                &[("Content-Type", "application/json")],
                body.clone().into_bytes(),
            )
            .await;
            if response.status == 429 {
                let wait: u64 = response.header("retry-after").expect("Retry-After").parse().unwrap();
                assert!((1..=60).contains(&wait), "Retry-After {wait}");
                assert_eq!(response.json()["error"]["type"], "too_many_requests");
            }
            statuses.push(response.status);
        }
        statuses
    };
    let statuses = control.during(flood).await;
    let refused = statuses.iter().filter(|status| **status == 429).count();
    assert!(statuses[..30].iter().all(|status| *status == 200), "a burst of a quarter of the rate is fine: {statuses:?}");
    assert!(refused >= 150, "only {refused} of 200 were refused");

    // One customer flooding the Web API from many addresses meets the per-customer rate.
    let (status, token) = http_post_from(loopback(70), server.addr, "/customer/token", &body).await;
    assert_eq!(status, 200);
    let token: Value = serde_json::from_str(&token).unwrap();
    let authorization = format!("Bearer {}", token["access_token"].as_str().unwrap());
    let flood = async {
        let mut refused = 0;
        for n in 0..100u8 {
            let response = http_request_from(
                loopback(71 + n),
                server.addr,
                "POST",
                "/v3.5/customer/action/list_chats?license_id=1",
                &[("Authorization", &authorization), ("Content-Type", "application/json")],
                b"{}".to_vec(),
            )
            .await;
            if response.status == 429 {
                assert!(response.header("retry-after").is_some());
                refused += 1;
            } else {
                assert_eq!(response.status, 200, "{response:?}");
            }
        }
        refused
    };
    let refused = control.during(flood).await;
    assert!(refused >= 50, "only {refused} of 100 were refused");
    control.check().await;
    server.assert_memory_within(before, 32, "HTTP floods");
}

/// 9. Connections that trickle a request's headers are closed after the header deadline
///    (2 s here), so they cannot pile up.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_that_trickle_headers_are_closed() {
    let _serial = one_at_a_time();
    const CONNECTIONS: usize = 200;
    let server = Process::start("").await;
    let mut control = Control::start(server.addr).await;
    let before = server.memory();
    let addr = server.addr;
    let started = Instant::now();
    let trickles = (0..CONNECTIONS).map(|n| async move {
        let mut stream = connect_from(loopback(66 + (n % 50) as u8), addr).await;
        let _ = stream.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n").await;
        for line in 0.. {
            tokio::time::sleep(Duration::from_millis(500)).await;
            if stream.write_all(format!("X-Slow-{line}: 1\r\n").as_bytes()).await.is_err() {
                break;
            }
            // The server closes the connection (with or without a 408 first).
            let mut buffer = [0u8; 512];
            match tokio::time::timeout(Duration::from_millis(1), stream.read(&mut buffer)).await {
                Ok(Ok(0)) | Ok(Err(_)) => break,
                Ok(Ok(_)) => {}
                Err(_) => {}
            }
            if line > 40 {
                panic!("still open after 20 s");
            }
        }
        started.elapsed()
    });
    let closed_after = control.during(futures_util::future::join_all(trickles)).await;
    let latest = closed_after.iter().max().unwrap();
    assert!(*latest < Duration::from_secs(6), "the last trickling connection was closed after {latest:?}");
    control.check().await;
    server.assert_memory_within(before, 32, "trickled headers");
}

/// 1. Link previews of pages built to be slow to parse (a megabyte of `<`), many at once:
///    parsing runs off the async workers with a byte cap, so chatting goes on.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn preview_bombs_do_not_stall_the_server() {
    let _serial = one_at_a_time();
    let site = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let site_addr = site.local_addr().unwrap();
    tokio::spawn(async move {
        let bomb = "<".repeat(1024 * 1024);
        loop {
            let Ok((mut stream, _)) = site.accept().await else { return };
            let bomb = bomb.clone();
            tokio::spawn(async move {
                let mut request = [0u8; 2048];
                let _ = stream.read(&mut request).await;
                let head = format!("HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: {}\r\n\r\n<html><head>", bomb.len() + 12);
                let _ = stream.write_all(head.as_bytes()).await;
                let _ = stream.write_all(bomb.as_bytes()).await;
            });
        }
    });
    let policy = server::outbound::UrlPolicy { allow_private: true, timeout: Duration::from_secs(3), ..Default::default() };
    let server = TestServer::start_with_policy(policy).await;
    let mut control = Control::start(server.addr).await;
    let mut attackers = Vec::new();
    for _ in 0..5 {
        attackers.push(server.customer().await);
    }
    let url = format!("http://{site_addr}/bomb");
    let bombs = async {
        for attacker in &mut attackers {
            for n in 0..10 {
                let frame = json!({ "request_id": format!("b{n}"), "action": "get_url_info", "payload": { "url": url } });
                attacker.send_raw(&frame.to_string()).await;
            }
        }
        for attacker in &mut attackers {
            for n in 0..10 {
                // Each is answered within the preview deadline: a preview without a title,
                // `request_timeout` for one still waiting for its turn, or
                // `service_unavailable` past the 32 fetched at once. None hangs.
                let answer = attacker.response(&format!("b{n}")).await;
                assert_eq!(answer["action"], "get_url_info");
                let fine = answer["success"] == true || ["request_timeout", "service_unavailable"].contains(&error_type(&answer));
                assert!(fine, "{answer}");
            }
        }
    };
    control.during(bombs).await;
    control.check().await;
}

/// 4. An upload's link is built from the server's public address, whatever `Host` the
///    uploader sends (see `uploads::a_png_is_stored_and_served_inline_with_safe_headers`),
///    and a customer's files are limited by a quota.
#[tokio::test]
async fn uploads_are_limited_by_a_quota_per_customer() {
    let _serial = one_at_a_time();
    let server = TestServer::start_configured(|config| config.limits.upload_quota_bytes = 3 * 1024 * 1024).await;
    let mut control = Control::start(server.addr).await;
    let token = customer_token(server.addr, json!({ "license_id": 1 })).await;
    let authorization = format!("Bearer {}", token["access_token"].as_str().unwrap());
    let file = vec![b'a'; 1024 * 1024];
    let mut statuses = Vec::new();
    for n in 0..5 {
        let (content_type, body) = multipart_file("file", &format!("{n}.txt"), "text/plain", &file);
        let headers = [("Authorization", authorization.as_str()), ("Content-Type", content_type.as_str())];
        let response = http_request(server.addr, "POST", "/v3.5/customer/action/upload_file?license_id=1", &headers, body).await;
        if response.status != 200 {
            assert_eq!(response.status, 409, "{response:?}");
            assert_eq!(response.json()["error"]["type"], "limit_reached");
            assert!(response.json()["error"]["message"].as_str().unwrap().contains("quota of 3 MB"));
        }
        statuses.push(response.status);
    }
    assert_eq!(statuses, [200, 200, 200, 409, 409]);
    // The refused files were not kept.
    let stored = std::fs::read_dir(server.dir().join("uploads")).unwrap().count();
    assert_eq!(stored, 3);
    control.check().await;
}
