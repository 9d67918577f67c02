//! The smallest clients the benchmarks need: the token endpoint over plain HTTP/1.1, and
//! websocket sockets speaking the request/response envelope.

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::Result;

/// `host:port` of an `http://host:port[/path]` address.
fn authority(server: &str) -> &str {
    let rest = server.trim_start_matches("http://").trim_start_matches("ws://");
    rest.split('/').next().unwrap_or(rest)
}

/// A TCP connection to `server` from the local address `source` (any loopback address
/// works as a source on Linux), or from the default address.
pub async fn connect_tcp(server: &str, source: Option<std::net::IpAddr>) -> Result<TcpStream> {
    let authority = authority(server);
    let stream = match source {
        None => TcpStream::connect(authority).await?,
        Some(source) => {
            let address = tokio::net::lookup_host(authority).await?.next().ok_or("no address")?;
            let socket = tokio::net::TcpSocket::new_v4()?;
            socket.bind(std::net::SocketAddr::new(source, 0))?;
            socket.connect(address).await?
        }
    };
    stream.set_nodelay(true)?;
    Ok(stream)
}

/// A new customer's access token (`POST /customer/token`).
pub async fn customer_token(server: &str, license: u64) -> Result<Value> {
    customer_token_from(server, license, None).await
}

/// Like [`customer_token`], from the local address `source`.
pub async fn customer_token_from(server: &str, license: u64, source: Option<std::net::IpAddr>) -> Result<Value> {
    let authority = authority(server);
    let body = json!({ "license_id": license }).to_string();
    let mut stream = connect_tcp(server, source).await?;
    let request = format!(
        "POST /customer/token HTTP/1.1\r\nHost: {authority}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await?;
    let mut response = String::new();
    stream.read_to_string(&mut response).await?;
    let (head, body) = response.split_once("\r\n\r\n").ok_or("no HTTP response")?;
    if !head.starts_with("HTTP/1.1 200") {
        return Err(format!(
            "token endpoint: {}",
            head.lines().next().unwrap_or_default()
        )
        .into());
    }
    Ok(serde_json::from_str(body)?)
}

/// One websocket with numbered requests.
pub struct Socket {
    pub ws: WebSocketStream<MaybeTlsStream<TcpStream>>,
    next_id: u64,
}

impl Socket {
    /// Connects to `http://…/path` as `ws://…/path`, with small buffers so thousands of
    /// sockets fit in one process.
    pub async fn connect(url: &str) -> Result<Socket> {
        Socket::connect_from(url, None).await
    }

    /// Like [`Socket::connect`], from the local address `source`.
    pub async fn connect_from(url: &str, source: Option<std::net::IpAddr>) -> Result<Socket> {
        let stream = connect_tcp(url, source).await?;
        let url = url.replacen("http://", "ws://", 1);
        let config = WebSocketConfig::default()
            .read_buffer_size(4096)
            .write_buffer_size(0)
            .max_message_size(Some(64 << 20))
            .max_frame_size(Some(64 << 20));
        let (ws, _) = tokio_tungstenite::client_async_with_config(url, MaybeTlsStream::Plain(stream), Some(config)).await?;
        Ok(Socket { ws, next_id: 0 })
    }

    /// Sends a request and waits for its response, skipping pushes.
    pub async fn request(&mut self, action: &str, payload: Value) -> Result<Value> {
        self.next_id += 1;
        let request_id = format!("r{}", self.next_id);
        let frame = json!({ "request_id": request_id, "action": action, "payload": payload });
        self.ws
            .send(Message::Text(frame.to_string().into()))
            .await?;
        loop {
            let message = tokio::time::timeout(std::time::Duration::from_secs(30), self.ws.next())
                .await
                .map_err(|_| format!("no answer to {action} within 30 s"))?;
            match message {
                // Only the answer is parsed; pushes in between are skipped unread.
                Some(Ok(Message::Text(text))) if text.contains(&format!(r#""request_id":"{request_id}""#)) => {
                    let frame: Value = serde_json::from_str(&text)?;
                    if frame["type"] == "response" && frame["request_id"] == request_id {
                        return Ok(frame);
                    }
                }
                Some(Ok(Message::Close(_))) | None => {
                    return Err(format!("closed while waiting for {action}").into());
                }
                Some(Err(error)) => return Err(error.into()),
                Some(Ok(_)) => {}
            }
        }
    }
}

/// A logged-in customer connection.
pub struct Customer {
    pub socket: Socket,
}

impl Customer {
    pub async fn login(server: &str, license: u64, token: &Value) -> Result<Customer> {
        Customer::login_from(server, license, token, None).await
    }

    /// Like [`Customer::login`], from the local address `source`.
    pub async fn login_from(server: &str, license: u64, token: &Value, source: Option<std::net::IpAddr>) -> Result<Customer> {
        let mut socket = Socket::connect_from(&format!("{server}/v3.2/customer/rtm/ws?license_id={license}"), source).await?;
        let access = token["access_token"]
            .as_str()
            .ok_or("token without access_token")?;
        let response = socket
            .request("login", json!({ "token": format!("Bearer {access}") }))
            .await?;
        if response["success"] != true {
            return Err(format!("login refused: {}", response["payload"]).into());
        }
        Ok(Customer { socket })
    }
}
