//! Hostile sockets for the delivery benchmark under attack. Each attacker comes from a
//! loopback address of its own (127.0.1.1 and up), as a botnet would, so per-address limits
//! do not simply turn them all away, and each one is one of:
//!
//! - a slow reader: logs in to the attacked license, fills a chat with twelve 16 KB
//!   messages, then asks for that chat (about 200 KB an answer) as fast as the socket
//!   takes the requests, never reading an answer;
//! - a request flood: logs in and sends `get_customer` requests without pause, reading the
//!   answers (most of them `too_many_requests`);
//! - an oversized frame: connects and starts a frame that says it holds 5 MB (the header
//!   and the first 64 KB of it), again and again;
//! - an idle socket: connects and never logs in.
//!
//! Whenever the server drops one, it comes back after a second, until the run ends.

use std::net::IpAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

use crate::Result;
use crate::client::{Customer, Socket, customer_token_from};

/// What the attackers did, for the report.
#[derive(Default)]
pub struct Tally {
    /// Sockets opened (including reconnections).
    pub connected: AtomicUsize,
    /// Times the server dropped or closed an attacker.
    pub dropped: AtomicUsize,
    /// Attempts the server refused outright (429, refused logins).
    pub refused: AtomicUsize,
}

/// The attack: `count` attackers against `server` until `stop` is set.
pub struct Attack {
    pub stop: Arc<AtomicBool>,
    pub tally: Arc<Tally>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Attack {
    /// `kinds`: which of the four kinds to use, in turn (`slow`, `flood`, `oversized`,
    /// `idle`).
    pub fn start(server: &str, license: u64, count: usize, kinds: &[String]) -> Attack {
        let stop = Arc::new(AtomicBool::new(false));
        let tally = Arc::new(Tally::default());
        let tasks = (0..count)
            .map(|index| {
                let (server, stop, tally) = (server.to_owned(), stop.clone(), tally.clone());
                let kind = kinds[index % kinds.len()].clone();
                let source = IpAddr::from([127, 0, 1 + (index / 250) as u8, 1 + (index % 250) as u8]);
                tokio::spawn(async move {
                    while !stop.load(Ordering::Relaxed) {
                        let outcome = match kind.as_str() {
                            "slow" => slow_reader(&server, license, source, &stop, &tally).await,
                            "flood" => flood(&server, license, source, &stop, &tally).await,
                            "oversized" => oversized(&server, license, source, &tally).await,
                            _ => idle(&server, license, source, &stop, &tally).await,
                        };
                        if outcome.is_err() {
                            tally.refused.fetch_add(1, Ordering::Relaxed);
                        }
                        tokio::time::sleep(Duration::from_secs(1)).await;
                    }
                })
            })
            .collect();
        Attack { stop, tally, tasks }
    }

    pub async fn finish(self) -> Value {
        self.stop.store(true, Ordering::Relaxed);
        for task in self.tasks {
            task.abort();
        }
        json!({
            "connected": self.tally.connected.load(Ordering::Relaxed),
            "dropped": self.tally.dropped.load(Ordering::Relaxed),
            "refused": self.tally.refused.load(Ordering::Relaxed),
        })
    }
}

fn socket_url(server: &str, license: u64) -> String {
    format!("{server}/v3.2/customer/rtm/ws?license_id={license}")
}

async fn login(server: &str, license: u64, source: IpAddr, tally: &Tally) -> Result<Customer> {
    let token = customer_token_from(server, license, Some(source)).await?;
    let customer = Customer::login_from(server, license, &token, Some(source)).await?;
    tally.connected.fetch_add(1, Ordering::Relaxed);
    Ok(customer)
}

async fn slow_reader(server: &str, license: u64, source: IpAddr, stop: &AtomicBool, tally: &Tally) -> Result<()> {
    let mut customer = login(server, license, source, tally).await?;
    // An inactive chat waits in no queue, so every attacker gets one.
    let started = customer.socket.request("start_chat", json!({ "active": false })).await?;
    let chat_id = started["payload"]["chat_id"].as_str().ok_or("no chat")?.to_owned();
    let text = "x".repeat(16 * 1024 - 100);
    for _ in 0..12 {
        let event = json!({ "chat_id": chat_id, "attach_to_last_thread": true, "event": { "type": "message", "text": text } });
        customer.socket.request("send_event", event).await?;
    }
    let mut n = 0u64;
    while !stop.load(Ordering::Relaxed) {
        n += 1;
        let frame = json!({ "request_id": n.to_string(), "action": "get_chat", "payload": { "chat_id": chat_id } });
        // Never reads: the server's answers pile up on its side until it drops the socket.
        let sent = tokio::time::timeout(Duration::from_secs(5), customer.socket.ws.send(Message::Text(frame.to_string().into()))).await;
        if !matches!(sent, Ok(Ok(()))) {
            tally.dropped.fetch_add(1, Ordering::Relaxed);
            return Ok(());
        }
    }
    Ok(())
}

async fn flood(server: &str, license: u64, source: IpAddr, stop: &AtomicBool, tally: &Tally) -> Result<()> {
    use futures_util::FutureExt;
    let mut customer = login(server, license, source, tally).await?;
    let mut n = 0u64;
    'flooding: while !stop.load(Ordering::Relaxed) {
        n += 1;
        let frame = format!(r#"{{"request_id":"{n}","action":"get_customer","payload":{{}}}}"#);
        if customer.socket.ws.send(Message::Text(frame.into())).await.is_err() {
            break;
        }
        // Whatever answers are there are read (and thrown away) without waiting for more.
        while let Some(next) = customer.socket.ws.next().now_or_never() {
            if !matches!(next, Some(Ok(_))) {
                break 'flooding;
            }
        }
    }
    tally.dropped.fetch_add(1, Ordering::Relaxed);
    Ok(())
}

async fn oversized(server: &str, license: u64, source: IpAddr, tally: &Tally) -> Result<()> {
    use tokio::io::AsyncWriteExt;
    let mut socket = Socket::connect_from(&socket_url(server, license), Some(source)).await?;
    tally.connected.fetch_add(1, Ordering::Relaxed);
    // A masked text frame's header announcing 5 MB, then the start of its payload: the
    // server judges the frame by its header, and writing 5 MB for real would only cost the
    // load generator (on the same machine) time.
    let mut frame = vec![0x81, 0xff];
    frame.extend_from_slice(&(5u64 << 20).to_be_bytes());
    frame.extend_from_slice(&[1, 2, 3, 4]);
    frame.resize(frame.len() + 64 * 1024, b'x');
    if let tokio_tungstenite::MaybeTlsStream::Plain(stream) = socket.ws.get_mut() {
        let _ = tokio::time::timeout(Duration::from_secs(5), stream.write_all(&frame)).await;
    }
    let _ = tokio::time::timeout(Duration::from_secs(5), socket.ws.next()).await;
    tally.dropped.fetch_add(1, Ordering::Relaxed);
    Ok(())
}

async fn idle(server: &str, license: u64, source: IpAddr, stop: &AtomicBool, tally: &Tally) -> Result<()> {
    let mut socket = Socket::connect_from(&socket_url(server, license), Some(source)).await?;
    tally.connected.fetch_add(1, Ordering::Relaxed);
    while !stop.load(Ordering::Relaxed) {
        match tokio::time::timeout(Duration::from_secs(1), socket.ws.next()).await {
            Ok(Some(Ok(_))) | Err(_) => {}
            Ok(_) => break,
        }
    }
    tally.dropped.fetch_add(1, Ordering::Relaxed);
    Ok(())
}
