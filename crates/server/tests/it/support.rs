//! Starting servers and talking to them like a client would.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use server::config::{Agent, License, Timings};

use server::{App, Config};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::oneshot;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

pub const AGENT_TOKEN: &str = "agent-secret-1";
pub const OTHER_AGENT_TOKEN: &str = "agent-secret-2";

/// A server on 127.0.0.1:<random> with its own database file.
pub struct TestServer {
    pub addr: SocketAddr,
    _dir: tempfile::TempDir,
    shutdown: Option<oneshot::Sender<()>>,
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
    }
}

/// Two licenses, one agent each.
pub fn config(database: PathBuf, timings: Timings) -> Config {
    let mut config = Config::demo(database, PathBuf::from("no-dist"), AGENT_TOKEN.to_owned());
    config.licenses.push(License { id: 2, organization_id: "org-two".to_owned(), name: "Other Co".to_owned() });
    config.agents.push(Agent {
        id: "bob@other.example".to_owned(),
        license_id: 2,
        name: "Bob".to_owned(),
        job_title: "Support".to_owned(),
        avatar: None,
        token: OTHER_AGENT_TOKEN.to_owned(),
        groups: vec![0],
        max_chats: 6,
    });
    config.groups.push(server::config::Group {
        id: 0,
        license_id: 2,
        name: "General".to_owned(),
        offline_messages: true,
        forms: Default::default(),
    });
    config.timings = timings;
    config
}

impl TestServer {
    pub async fn start() -> TestServer {
        TestServer::start_with(Timings::default()).await
    }

    pub async fn start_with(timings: Timings) -> TestServer {
        TestServer::start_configured(move |config| config.timings = timings).await
    }

    /// A server whose test configuration `adjust` may change first.
    pub async fn start_configured(adjust: impl FnOnce(&mut Config)) -> TestServer {
        let dir = tempfile::tempdir().unwrap();
        let mut config = config(dir.path().join("chat.db"), Timings::default());
        adjust(&mut config);
        let app = App::new(config).unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (shutdown, stop) = oneshot::channel::<()>();
        tokio::spawn(server::run(listener, app, async {
            let _ = stop.await;
        }));
        TestServer { addr, _dir: dir, shutdown: Some(shutdown) }
    }

    pub async fn customer(&self) -> Client {
        let token = customer_token(self.addr, json!({ "license_id": 1 })).await;
        let mut client = Client::connect(self.addr, "/v3.2/customer/rtm/ws?license_id=1").await;
        client.login(&token["access_token"]).await;
        client
    }

    pub async fn agent(&self) -> Client {
        let mut client = Client::connect(self.addr, "/v3.2/agent/rtm/ws").await;
        client.login(&json!(AGENT_TOKEN)).await;
        client
    }

    /// A customer logged in on a new socket, with their token (to open more tabs).
    pub async fn customer_with_token(&self) -> (Client, Value) {
        let token = customer_token(self.addr, json!({ "license_id": 1 })).await;
        (self.tab(&token).await, token)
    }

    /// Another tab of the customer holding `token`.
    pub async fn tab(&self, token: &Value) -> Client {
        let mut client = Client::connect(self.addr, "/v3.2/customer/rtm/ws?license_id=1").await;
        client.login(&token["access_token"]).await;
        client
    }
}

/// `POST /customer/token` over a plain HTTP/1.1 connection; returns the JSON body.
pub async fn customer_token(addr: SocketAddr, body: Value) -> Value {
    let (status, body) = http_post(addr, "/customer/token", &body.to_string()).await;
    assert_eq!(status, 200, "token endpoint said {body}");
    serde_json::from_str(&body).unwrap()
}

pub async fn http_post(addr: SocketAddr, path: &str, body: &str) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let request = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    let status = response[9..12].parse().unwrap();
    let body = response.split_once("\r\n\r\n").map(|(_, body)| body.to_owned()).unwrap_or_default();
    (status, body)
}

/// A websocket client that keeps frames it was not waiting for.
pub struct Client {
    pub ws: WebSocketStream<MaybeTlsStream<TcpStream>>,
    next_id: u64,
    pending: VecDeque<Value>,
}

pub const WAIT: Duration = Duration::from_secs(5);

impl Client {
    pub async fn connect(addr: SocketAddr, path: &str) -> Client {
        let (ws, _) = tokio_tungstenite::connect_async(format!("ws://{addr}{path}")).await.unwrap();
        Client { ws, next_id: 0, pending: VecDeque::new() }
    }

    pub async fn send_raw(&mut self, text: &str) {
        self.ws.send(Message::Text(text.into())).await.unwrap();
    }

    /// The next JSON frame, or None when the server closed the connection.
    pub async fn next_frame(&mut self) -> Option<Value> {
        if let Some(frame) = self.pending.pop_front() {
            return Some(frame);
        }
        self.read_frame().await
    }

    async fn read_frame(&mut self) -> Option<Value> {
        loop {
            let message = tokio::time::timeout(WAIT, self.ws.next()).await.expect("no frame within 5 s");
            match message {
                Some(Ok(Message::Text(text))) => return Some(serde_json::from_str(&text).unwrap()),
                Some(Ok(Message::Close(_))) | None => return None,
                Some(Err(err)) => {
                    eprintln!("websocket error: {err}");
                    return None;
                }
                Some(Ok(_)) => continue,
            }
        }
    }

    /// Sends a request and returns its response, keeping other frames for later.
    pub async fn request(&mut self, action: &str, payload: Value) -> Value {
        self.next_id += 1;
        let request_id = format!("req-{}", self.next_id);
        let frame = json!({ "request_id": request_id, "action": action, "payload": payload });
        self.send_raw(&frame.to_string()).await;
        self.response(&request_id).await
    }

    pub async fn response(&mut self, request_id: &str) -> Value {
        if let Some(at) = self.pending.iter().position(|frame| frame["type"] == "response" && frame["request_id"] == request_id) {
            return self.pending.remove(at).unwrap();
        }
        loop {
            let frame = self.read_frame().await.unwrap_or_else(|| panic!("closed while waiting for {request_id}"));
            if frame["type"] == "response" && frame["request_id"] == request_id {
                return frame;
            }
            self.pending.push_back(frame);
        }
    }

    /// Waits for a push with this action, keeping other frames for later.
    pub async fn push(&mut self, action: &str) -> Value {
        self.push_where(action, |_| true).await
    }

    /// Waits for a push with this action that `wanted` accepts, keeping other frames.
    pub async fn push_where(&mut self, action: &str, wanted: impl Fn(&Value) -> bool) -> Value {
        let matches = |frame: &Value| frame["type"] == "push" && frame["action"] == action && wanted(frame);
        if let Some(at) = self.pending.iter().position(|frame| matches(frame)) {
            return self.pending.remove(at).unwrap();
        }
        loop {
            let frame = self.read_frame().await.unwrap_or_else(|| panic!("closed while waiting for {action}"));
            if matches(&frame) {
                return frame;
            }
            self.pending.push_back(frame);
        }
    }

    /// Waits for the next `incoming_event` carrying an event of this type.
    pub async fn event(&mut self, kind: &str) -> Value {
        self.push_where("incoming_event", |frame| frame["payload"]["event"]["type"] == kind).await
    }

    /// Asserts that no push with this action arrives within `within`.
    pub async fn no_push(&mut self, action: &str, within: Duration) {
        assert!(!self.pending.iter().any(|frame| frame["action"] == action), "unexpected {action}");
        let deadline = tokio::time::Instant::now() + within;
        while let Ok(message) = tokio::time::timeout_at(deadline, self.ws.next()).await {
            if let Some(Ok(Message::Text(text))) = message {
                let frame: Value = serde_json::from_str(&text).unwrap();
                assert_ne!(frame["action"], action, "unexpected {frame}");
                self.pending.push_back(frame);
            }
        }
    }

    pub async fn login(&mut self, token: &Value) -> Value {
        let token = format!("Bearer {}", token.as_str().unwrap());
        let response = self.request("login", json!({ "token": token })).await;
        assert_eq!(response["success"], true, "login failed: {response}");
        response
    }
}

/// The payload of a successful response, or a panic naming the error.
#[track_caller]
pub fn ok(response: &Value) -> &Value {
    assert_eq!(response["success"], true, "request failed: {response}");
    &response["payload"]
}

/// The error type of a failed response.
#[track_caller]
pub fn error_type(response: &Value) -> &str {
    assert_eq!(response["success"], false, "request succeeded: {response}");
    response["payload"]["error"]["type"].as_str().unwrap()
}
