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

pub const AGENT_TOKEN: &str = "agent-secret-0001";
pub const OTHER_AGENT_TOKEN: &str = "agent-secret-0002";

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
    let database_url = crate::postgres::database_url(&database);
    let mut config = Config::demo(database, PathBuf::from("no-dist"), AGENT_TOKEN.to_owned());
    config.database_url = database_url;
    config.licenses.push(License {
        id: 2,
        organization_id: "org-two".to_owned(),
        name: "Other Co".to_owned(),
        manual_assignment: false,
        verification_url: None,
        verification_timeout: Duration::from_secs(5),
        allowed_origins: vec!["https://shop.example".to_owned()],
        business_hours: None,
    });
    config.agents.push(Agent {
        id: "bob@other.example".to_owned(),
        license_id: 2,
        name: "Bob".to_owned(),
        job_title: "Support".to_owned(),
        avatar: None,
        token: OTHER_AGENT_TOKEN.to_owned(),
        role: server::config::Role::Agent,
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
    /// Stops the server the way Ctrl-C does.
    pub fn stop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
    }

    /// The PostgreSQL database this server runs on, when the tests run on PostgreSQL.
    pub fn database_url(&self) -> Option<String> {
        crate::postgres::database_url(&self.database())
    }

    /// Runs `sql` (written for both engines) in the server's database.
    pub fn execute_sql(&self, sql: &str) {
        match self.database_url() {
            Some(url) => crate::postgres::Postgres::shared().execute(&url, sql),
            None => {
                rusqlite::Connection::open(self.database()).unwrap().execute_batch(sql).unwrap();
            }
        }
    }

    /// Everything the server's database holds on disk (SQLite's file and its log), or a
    /// dump of the PostgreSQL database.
    pub fn stored_bytes(&self) -> Vec<u8> {
        match self.database_url() {
            Some(url) => crate::postgres::Postgres::shared().dump(&url),
            None => ["chat.db", "chat.db-wal"].iter().flat_map(|file| std::fs::read(self._dir.path().join(file)).unwrap_or_default()).collect(),
        }
    }

    /// The database file.
    pub fn database(&self) -> std::path::PathBuf {
        self._dir.path().join("chat.db")
    }

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
        TestServer::serve(dir, App::new(config).unwrap()).await
    }

    /// Serves `app`, whose database lives in `dir`, on a free loopback port.
    async fn serve(dir: tempfile::TempDir, app: App) -> TestServer {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (shutdown, stop) = oneshot::channel::<()>();
        tokio::spawn(server::run(listener, app, async {
            let _ = stop.await;
        }));
        TestServer { addr, _dir: dir, shutdown: Some(shutdown) }
    }

    /// A server with the test configuration as `adjust` changes it, whose `App` `prepare`
    /// may use first (to set passwords, say).
    pub async fn start_prepared(adjust: impl FnOnce(&mut Config), prepare: impl FnOnce(&App)) -> TestServer {
        let dir = tempfile::tempdir().unwrap();
        let mut config = config(dir.path().join("chat.db"), Timings::default());
        adjust(&mut config);
        let app = App::new(config).unwrap();
        prepare(&app);
        TestServer::serve(dir, app).await
    }

    /// Stops the server and hands back its directory (the database and all), to start
    /// another server on it.
    pub fn into_dir(mut self) -> tempfile::TempDir {
        self.stop();
        std::mem::replace(&mut self._dir, tempfile::tempdir().unwrap())
    }

    /// A server on the database in `dir`, with the test configuration as `adjust` changes it.
    pub async fn start_in(dir: tempfile::TempDir, adjust: impl FnOnce(&mut Config)) -> TestServer {
        let mut config = config(dir.path().join("chat.db"), Timings::default());
        adjust(&mut config);
        let app = App::new(config).unwrap();
        TestServer::serve(dir, app).await
    }

    /// A server with the test configuration whose link previews follow `policy`.
    pub async fn start_with_policy(policy: server::outbound::UrlPolicy) -> TestServer {
        let dir = tempfile::tempdir().unwrap();
        let app = App::with_url_policy(config(dir.path().join("chat.db"), Timings::default()), policy).unwrap();
        TestServer::serve(dir, app).await
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

    /// A customer on `path` (e.g. `/v3.5/customer/rtm/ws?organization_id=...`) whose
    /// login carries `extra` beside the token; returns the client and the login response.
    pub async fn customer_at(&self, path: &str, extra: Value) -> (Client, Value) {
        let token = customer_token(self.addr, json!({ "license_id": 1 })).await;
        let mut client = Client::connect(self.addr, path).await;
        let mut login = json!({ "token": format!("Bearer {}", token["access_token"].as_str().unwrap()) });
        for (key, value) in extra.as_object().into_iter().flatten() {
            login[key] = value.clone();
        }
        let response = client.request("login", login).await;
        (client, response)
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

/// A TCP connection to `addr` from the loopback address `source` (any of 127.0.0.0/8), so
/// a test can be several clients as the server's per-address limits see them.
pub async fn connect_from(source: std::net::IpAddr, addr: SocketAddr) -> TcpStream {
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind(SocketAddr::new(source, 0)).unwrap();
    socket.connect(addr).await.unwrap()
}

/// The loopback address `127.0.0.<n>`.
pub fn loopback(n: u8) -> std::net::IpAddr {
    std::net::IpAddr::from([127, 0, 0, n])
}

pub async fn http_post(addr: SocketAddr, path: &str, body: &str) -> (u16, String) {
    http_post_from(loopback(1), addr, path, body).await
}

/// Like [`http_post`], from the loopback address `source`.
pub async fn http_post_from(source: std::net::IpAddr, addr: SocketAddr, path: &str, body: &str) -> (u16, String) {
    let mut stream = connect_from(source, addr).await;
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
        Client::connect_from(loopback(1), addr, path).await
    }

    /// A client connected from the loopback address `source`.
    pub async fn connect_from(source: std::net::IpAddr, addr: SocketAddr, path: &str) -> Client {
        let stream = connect_from(source, addr).await;
        let (ws, _) = tokio_tungstenite::client_async(format!("ws://{addr}{path}"), MaybeTlsStream::Plain(stream)).await.unwrap();
        Client { ws, next_id: 0, pending: VecDeque::new() }
    }

    /// A client whose upgrade request carries these extra headers (`Cookie`, `Origin`).
    pub async fn connect_with(addr: SocketAddr, path: &str, headers: &[(&str, &str)]) -> Client {
        use tokio_tungstenite::tungstenite::client::IntoClientRequest;
        let mut request = format!("ws://{addr}{path}").into_client_request().unwrap();
        for (name, value) in headers {
            request.headers_mut().insert(
                tokio_tungstenite::tungstenite::http::HeaderName::from_bytes(name.as_bytes()).unwrap(),
                value.parse().unwrap(),
            );
        }
        let stream = connect_from(loopback(1), addr).await;
        let (ws, _) = tokio_tungstenite::client_async(request, MaybeTlsStream::Plain(stream)).await.unwrap();
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
        self.send(json!({ "action": action, "payload": payload })).await
    }

    /// Sends a request that names its own API version (3.3 on).
    pub async fn request_in(&mut self, version: &str, action: &str, payload: Value) -> Value {
        self.send(json!({ "version": version, "action": action, "payload": payload })).await
    }

    async fn send(&mut self, mut frame: Value) -> Value {
        self.next_id += 1;
        let request_id = format!("req-{}", self.next_id);
        frame["request_id"] = json!(request_id);
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
        if let Some(at) = self.pending.iter().position(&matches) {
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

    /// Every frame that arrived and arrives within `within`, in order.
    pub async fn drain(&mut self, within: Duration) -> Vec<Value> {
        let mut frames: Vec<Value> = self.pending.drain(..).collect();
        let deadline = tokio::time::Instant::now() + within;
        while let Ok(Some(Ok(message))) = tokio::time::timeout_at(deadline, self.ws.next()).await {
            if let Message::Text(text) = message {
                frames.push(serde_json::from_str(&text).unwrap());
            }
        }
        frames
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
        if response["payload"].get("customer").is_some() {
            // A customer's login is followed by the side storage to keep; tests that care
            // about it log in by hand.
            let storage = self.push("customer_side_storage_updated").await;
            assert!(storage["payload"]["customer_side_storage"]["visit_id"].is_string(), "{storage}");
        }
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

impl TestServer {
    /// The server's temporary directory: `chat.db` and the `uploads` directory live here.
    pub fn dir(&self) -> &std::path::Path {
        self._dir.path()
    }
}

/// An HTTP response as read off the wire.
#[derive(Debug)]
pub struct HttpResponse {
    pub status: u16,
    /// Header names in lower case, in the order received.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl HttpResponse {
    /// The first header with this (lower-case) name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(key, _)| key == name).map(|(_, value)| value.as_str())
    }

    #[track_caller]
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|err| panic!("not JSON ({err}): {}", String::from_utf8_lossy(&self.body)))
    }
}

/// Sends one HTTP/1.1 request with these extra headers and body, and reads the response.
///
/// The body is written by a task of its own while the response is read, so a server that
/// answers before reading everything (as it does for oversized uploads) is heard rather
/// than deadlocking the test; write errors after such an answer are expected and ignored.
pub async fn http_request(addr: SocketAddr, method: &str, path: &str, headers: &[(&str, &str)], body: Vec<u8>) -> HttpResponse {
    http_request_from(loopback(1), addr, method, path, headers, body).await
}

/// Like [`http_request`], from the loopback address `source`.
pub async fn http_request_from(
    source: std::net::IpAddr,
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Vec<u8>,
) -> HttpResponse {
    let stream = connect_from(source, addr).await;
    let (mut reader, mut writer) = stream.into_split();
    let mut head = format!("{method} {path} HTTP/1.1\r\nConnection: close\r\n");
    if !headers.iter().any(|(name, _)| name.eq_ignore_ascii_case("host")) {
        head.push_str(&format!("Host: {addr}\r\n"));
    }
    if !body.is_empty() || method == "POST" {
        head.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    let writing = tokio::spawn(async move {
        if writer.write_all(head.as_bytes()).await.is_ok() {
            for piece in body.chunks(64 * 1024) {
                if writer.write_all(piece).await.is_err() {
                    break;
                }
            }
        }
        writer
    });
    let mut raw = Vec::new();
    let mut buffer = vec![0u8; 64 * 1024];
    loop {
        match tokio::time::timeout(Duration::from_secs(30), reader.read(&mut buffer)).await.expect("no response within 30 s") {
            Ok(0) | Err(_) => break,
            Ok(n) => raw.extend_from_slice(&buffer[..n]),
        }
    }
    drop(writing);
    parse_http_response(&raw)
}

fn parse_http_response(raw: &[u8]) -> HttpResponse {
    let end = raw.windows(4).position(|window| window == b"\r\n\r\n").expect("a complete response head");
    let head = String::from_utf8_lossy(&raw[..end]).into_owned();
    let mut lines = head.split("\r\n");
    let status = lines.next().unwrap()[9..12].parse().unwrap();
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.trim().to_ascii_lowercase(), value.trim().to_owned()))
        .collect();
    let mut rest = &raw[end + 4..];
    let chunked = headers.iter().any(|(name, value)| name == "transfer-encoding" && value.contains("chunked"));
    let body = if chunked {
        let mut body = Vec::new();
        loop {
            let line_end = rest.windows(2).position(|window| window == b"\r\n").expect("a chunk size line");
            let size = usize::from_str_radix(String::from_utf8_lossy(&rest[..line_end]).split(';').next().unwrap().trim(), 16).unwrap();
            rest = &rest[line_end + 2..];
            if size == 0 {
                break;
            }
            body.extend_from_slice(&rest[..size]);
            rest = &rest[size + 2..];
        }
        body
    } else {
        match headers.iter().find(|(name, _)| name == "content-length") {
            Some((_, length)) => rest[..length.parse::<usize>().unwrap().min(rest.len())].to_vec(),
            None => rest.to_vec(),
        }
    };
    HttpResponse { status, headers, body }
}

/// A `multipart/form-data` body with one file part, and the content type that goes with it.
pub fn multipart_file(part_name: &str, file_name: &str, claimed_type: &str, bytes: &[u8]) -> (String, Vec<u8>) {
    let boundary = "----it-boundary-7d3f9a";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"{part_name}\"; filename=\"{file_name}\"\r\nContent-Type: {claimed_type}\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// Starts the server binary on a free port with its database in `dir` (and `config`, a
/// configuration file, when given); returns the process and its address.
pub async fn spawn_server_process(dir: &std::path::Path, config: Option<&std::path::Path>) -> (tokio::process::Child, SocketAddr) {
    use tokio::io::AsyncBufReadExt;
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_server"));
    command.args(["--port", "0", "--agent-token", AGENT_TOKEN, "--dist", "no-dist"]).arg("--db").arg(dir.join("chat.db"));
    if let Some(url) = crate::postgres::database_url(&dir.join("chat.db")) {
        command.arg("--data").arg(dir).arg("--db").arg(url);
    }
    if let Some(config) = config {
        command.arg("--config").arg(config);
    }
    let mut child = command
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = tokio::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let addr = loop {
        let line = tokio::time::timeout(WAIT, lines.next_line()).await.unwrap().unwrap().expect("server exited");
        if let Some(url) = line.strip_prefix("Live chat is running on http://") {
            break url.trim().parse().unwrap();
        }
    };
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    (child, addr)
}
