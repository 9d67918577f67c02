//! Load generator for the chat server, over real loopback websockets.
//!
//! ```text
//! loadgen idle    --server http://127.0.0.1:8080 --connections 9000 [--concurrency 64] [--server-pid PID] [--hold 5]
//! loadgen latency --server URL[,URL…] --agent-token TOKEN --rate 1000 [--seconds 5] [--customers 50] [--warmup 1]
//!                 [--agent-server URL]   (customers spread over the servers; the agent on the first, or here)
//!                 [--attackers 1000 --attack-license 2 --attack-kinds slow,flood,oversized,idle] [--server-pid PID]
//! loadgen seed    --server URL --messages 10000 [--license 1]   (threads of at most 990)
//! loadgen attack  --server URL --attackers 1000 --seconds 20 [--attack-license 2] [--attack-kinds slow,flood,oversized,idle]
//! ```
//!
//! Each command prints one JSON object on stdout (progress goes to stderr), so the
//! benchmark script can read the figures without parsing prose.

mod attack;
mod client;

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use client::{Customer, Socket, customer_token};
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::sync::Semaphore;
use tokio_tungstenite::tungstenite::Message;

type Result<T> = std::result::Result<T, Box<dyn std::error::Error + Send + Sync>>;

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let command = args.next().unwrap_or_default();
    let options = Options::parse(args);
    let outcome = match command.as_str() {
        "idle" => idle(&options).await,
        "latency" => latency(&options).await,
        "seed" => seed(&options).await,
        "attack" => run_attack(&options).await,
        _ => {
            eprintln!(
                "usage: loadgen idle|latency|seed --server http://HOST:PORT [options] (see the source's header)"
            );
            std::process::exit(2);
        }
    };
    match outcome {
        Ok(report) => println!("{report}"),
        Err(error) => {
            eprintln!("loadgen {command}: {error}");
            std::process::exit(1);
        }
    }
}

/// `--name value` pairs.
struct Options(HashMap<String, String>);

impl Options {
    fn parse(mut args: impl Iterator<Item = String>) -> Options {
        let mut map = HashMap::new();
        while let Some(name) = args.next() {
            let name = name.trim_start_matches("--").to_owned();
            map.insert(name, args.next().unwrap_or_default());
        }
        Options(map)
    }

    fn text(&self, name: &str, default: &str) -> String {
        self.0
            .get(name)
            .cloned()
            .unwrap_or_else(|| default.to_owned())
    }

    fn number(&self, name: &str, default: f64) -> f64 {
        self.0
            .get(name)
            .and_then(|value| value.parse().ok())
            .unwrap_or(default)
    }

    fn server(&self) -> String {
        self.servers().swap_remove(0)
    }

    /// `--server`, a comma-separated list of the nodes of one cluster.
    fn servers(&self) -> Vec<String> {
        self.text("server", "http://127.0.0.1:8080").split(',').map(|url| url.trim_end_matches('/').to_owned()).collect()
    }
}

/// Resident set size of a process in KiB, from /proc (Linux only).
fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
}

/// Hostile sockets only (see `attack`), for `--seconds`; the benchmark runs this in a
/// process of its own at the lowest scheduling priority, standing in for attackers on
/// other machines, while `latency` measures.
async fn run_attack(options: &Options) -> Result<Value> {
    let kinds: Vec<String> = options.text("attack-kinds", "slow,flood,oversized,idle").split(',').map(str::to_owned).collect();
    let license = options.number("attack-license", 2.0) as u64;
    let attack = attack::Attack::start(&options.server(), license, options.number("attackers", 1000.0) as usize, &kinds);
    tokio::time::sleep(Duration::from_secs_f64(options.number("seconds", 20.0))).await;
    let started = Instant::now();
    let mut report = attack.finish().await;
    report["cpu_seconds"] = json!(cpu_seconds("self"));
    report["stopped_in_ms"] = json!(started.elapsed().as_millis() as u64);
    Ok(report)
}

/// CPU time (user + system) a process has used, in seconds (`self` for this one).
fn cpu_seconds(pid: &str) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The fields after the command name, which is in parentheses and may hold spaces.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks: f64 = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    Some(ticks / 100.0)
}

/// Many customers that log in and then stay silent (answering only control pings).
/// Reports the token rate, the connect+login rate and the server's memory per connection.
async fn idle(options: &Options) -> Result<Value> {
    let server = options.server();
    let count = options.number("connections", 1000.0) as usize;
    let concurrency = options.number("concurrency", 64.0) as usize;
    let pid = options.number("server-pid", 0.0) as u32;
    let hold = Duration::from_secs_f64(options.number("hold", 5.0));
    let license = options.number("license", 1.0) as u64;

    // Phase 1: one access token per customer (each is a new visitor).
    let started = Instant::now();
    let limit = Arc::new(Semaphore::new(concurrency));
    let mut tasks = Vec::with_capacity(count);
    for _ in 0..count {
        let permit = limit.clone().acquire_owned().await?;
        let server = server.clone();
        tasks.push(tokio::spawn(async move {
            let token = customer_token(&server, license).await;
            drop(permit);
            token
        }));
    }
    let mut tokens = Vec::with_capacity(count);
    for task in tasks {
        tokens.push(task.await??);
    }
    let token_seconds = started.elapsed().as_secs_f64();
    eprintln!("idle: {count} tokens in {token_seconds:.1} s");

    tokio::time::sleep(Duration::from_millis(500)).await;
    let rss_before = if pid > 0 { rss_kib(pid) } else { None };

    // Phase 2: connect and log in, `concurrency` at a time; each socket is then held open
    // by a task that only reads (tungstenite answers the server's pings while reading).
    let connected = Arc::new(AtomicUsize::new(0));
    let settled = Arc::new(AtomicUsize::new(0));
    let closed = Arc::new(AtomicUsize::new(0));
    let (stop_tx, _) = tokio::sync::broadcast::channel::<()>(1);
    let started = Instant::now();
    let mut tasks = Vec::with_capacity(count);
    for token in tokens {
        let permit = limit.clone().acquire_owned().await?;
        let server = server.clone();
        let connected = connected.clone();
        let settled = settled.clone();
        let closed = closed.clone();
        let mut stop = stop_tx.subscribe();
        tasks.push(tokio::spawn(async move {
            let mut socket = match Customer::login(&server, license, &token).await {
                Ok(customer) => customer.socket,
                Err(error) => {
                    settled.fetch_add(1, Ordering::Relaxed);
                    drop(permit);
                    return Err(error);
                }
            };
            connected.fetch_add(1, Ordering::Relaxed);
            settled.fetch_add(1, Ordering::Relaxed);
            drop(permit);
            loop {
                tokio::select! {
                    _ = stop.recv() => break,
                    frame = socket.ws.next() => match frame {
                        Some(Ok(_)) => continue,
                        _ => {
                            closed.fetch_add(1, Ordering::Relaxed);
                            break;
                        }
                    },
                }
            }
            let _ = socket.ws.close(None).await;
            Ok::<(), Box<dyn std::error::Error + Send + Sync>>(())
        }));
    }
    // Wait until every socket has logged in or failed.
    let mut failures = 0;
    loop {
        if settled.load(Ordering::Relaxed) >= count || started.elapsed() > Duration::from_secs(600)
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let connect_seconds = started.elapsed().as_secs_f64();
    let logged_in = connected.load(Ordering::Relaxed);
    eprintln!(
        "idle: {logged_in} of {count} logged in after {connect_seconds:.1} s; holding {hold:?}"
    );
    tokio::time::sleep(hold).await;
    let rss_after = if pid > 0 { rss_kib(pid) } else { None };
    let still_open = logged_in - closed.load(Ordering::Relaxed);
    let _ = stop_tx.send(());
    let mut errors = Vec::new();
    for task in tasks {
        match task.await {
            Ok(Ok(())) => {}
            Ok(Err(error)) => {
                failures += 1;
                if errors.len() < 3 {
                    errors.push(error.to_string());
                }
            }
            Err(error) => {
                failures += 1;
                errors.push(error.to_string());
            }
        }
    }
    let per_connection = match (rss_before, rss_after) {
        (Some(before), Some(after)) if still_open > 0 => {
            Some((after as f64 - before as f64) / still_open as f64)
        }
        _ => None,
    };
    Ok(json!({
        "connections": count,
        "logged_in": logged_in,
        "open_after_hold": still_open,
        "failed": failures,
        "errors": errors,
        "token_per_second": count as f64 / token_seconds,
        "connect_login_seconds": connect_seconds,
        "connect_login_per_second": logged_in as f64 / connect_seconds,
        "rss_before_kib": rss_before,
        "rss_after_kib": rss_after,
        "rss_per_connection_kib": per_connection,
    }))
}

/// Customers send messages at a fixed total rate; one agent connection receives them.
/// Reports the delay from just before each send to the agent's receipt of its push.
async fn latency(options: &Options) -> Result<Value> {
    let servers = options.servers();
    let server = options.text("agent-server", &servers[0]).trim_end_matches('/').to_owned();
    let rate = options.number("rate", 100.0);
    let seconds = options.number("seconds", 5.0);
    let warmup = options.number("warmup", 1.0);
    let customers = (options.number("customers", 50.0) as usize).max(1);
    let license = options.number("license", 1.0) as u64;
    let agent_token = options.text("agent-token", "");

    // The agent first, so every chat and event is pushed to it.
    let mut agent = Socket::connect(&format!("{server}/v3.2/agent/rtm/ws")).await?;
    let response = agent
        .request("login", json!({ "token": format!("Bearer {agent_token}") }))
        .await?;
    if response["success"] != true {
        return Err(format!("agent login failed: {response}").into());
    }

    let mut chats = Vec::with_capacity(customers);
    for n in 0..customers {
        // Spread over the nodes: in a cluster, most messages cross from one node to another.
        let node = &servers[n % servers.len()];
        let token = customer_token(node, license).await?;
        let mut customer = Customer::login(node, license, &token).await?;
        let started = customer.socket.request("start_chat", json!({})).await?;
        let chat_id = started["payload"]["chat_id"]
            .as_str()
            .ok_or_else(|| format!("start_chat failed: {started}"))?
            .to_owned();
        chats.push((customer, chat_id));
    }

    // Hostile sockets (see `attack`), given a few seconds to get going before measuring.
    let attackers = options.number("attackers", 0.0) as usize;
    let kinds: Vec<String> = options.text("attack-kinds", "slow,flood,oversized,idle").split(',').map(str::to_owned).collect();
    let attack = (attackers > 0).then(|| attack::Attack::start(&server, options.number("attack-license", 2.0) as u64, attackers, &kinds));
    if attack.is_some() {
        tokio::time::sleep(Duration::from_secs(5)).await;
    }

    let server_pid = options.text("server-pid", "");
    let cpu_at_start = (cpu_seconds(&server_pid), cpu_seconds("self"), Instant::now());

    let total = ((warmup + seconds) * rate).ceil() as usize;
    let sent_at: Arc<Vec<AtomicU64>> = Arc::new((0..total).map(|_| AtomicU64::new(0)).collect());
    let origin = Instant::now();
    let next_seq = Arc::new(AtomicUsize::new(0));
    let errors = Arc::new(AtomicUsize::new(0));

    // The agent's reader: one delay per message, indexed by sequence number.
    let reader_sent_at = sent_at.clone();
    let agent_reader = tokio::spawn(async move {
        let mut delays = vec![None::<u64>; total];
        let mut received = 0;
        let deadline =
            tokio::time::Instant::now() + Duration::from_secs_f64(warmup + seconds + 10.0);
        while received < total {
            let frame = match tokio::time::timeout_at(deadline, agent.ws.next()).await {
                Ok(Some(Ok(Message::Text(text)))) => text,
                Ok(Some(Ok(_))) => continue,
                _ => break,
            };
            let now = origin.elapsed().as_nanos() as u64;
            let Ok(frame) = serde_json::from_str::<Value>(&frame) else {
                continue;
            };
            if frame["action"] != "incoming_event" {
                continue;
            }
            let Some(seq) = frame["payload"]["event"]["text"]
                .as_str()
                .and_then(|text| text.strip_prefix("lat "))
                .and_then(|n| n.split(' ').next()?.parse::<usize>().ok())
            else {
                continue;
            };
            if seq < total && delays[seq].is_none() {
                delays[seq] = Some(now.saturating_sub(reader_sent_at[seq].load(Ordering::Acquire)));
                received += 1;
            }
        }
        delays
    });

    // Each customer sends its share of the rate, phase-shifted so the total is even.
    let per_customer = rate / customers as f64;
    let mut senders = Vec::with_capacity(customers);
    for (index, (customer, chat_id)) in chats.into_iter().enumerate() {
        let sent_at = sent_at.clone();
        let next_seq = next_seq.clone();
        let errors = errors.clone();
        let period = Duration::from_secs_f64(1.0 / per_customer);
        let offset = period.mul_f64(index as f64 / customers as f64);
        senders.push(tokio::spawn(async move {
            let (mut sink, mut stream) = customer.socket.ws.split();
            let drain = tokio::spawn(async move {
                let mut failures = 0usize;
                while let Some(Ok(message)) = stream.next().await {
                    if let Message::Text(text) = message {
                        if text.contains("\"success\":false") {
                            failures += 1;
                        }
                    }
                }
                failures
            });
            let start = tokio::time::Instant::now() + offset;
            let mut ticks = tokio::time::interval_at(start, period);
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
            let mut request = 0u64;
            loop {
                ticks.tick().await;
                let seq = next_seq.fetch_add(1, Ordering::Relaxed);
                if seq >= total {
                    break;
                }
                request += 1;
                let frame = json!({
                    "request_id": format!("s{request}"),
                    "action": "send_event",
                    "payload": { "chat_id": chat_id, "event": {
                        "type": "message", "custom_id": format!("lat-{seq}"), "text": format!("lat {seq} from the load generator")
                    } },
                });
                sent_at[seq].store(origin.elapsed().as_nanos() as u64, Ordering::Release);
                if sink.send(Message::Text(frame.to_string().into())).await.is_err() {
                    errors.fetch_add(1, Ordering::Relaxed);
                    break;
                }
            }
            // Keep the socket open until the agent has everything.
            tokio::time::sleep(Duration::from_secs(2)).await;
            let _ = sink.close().await;
            errors.fetch_add(drain.await.unwrap_or(0), Ordering::Relaxed);
        }));
    }
    for sender in senders {
        sender.await?;
    }
    let delays = agent_reader.await?;
    let used = |now: Option<f64>, then: Option<f64>| now.zip(then).map(|(now, then)| now - then);
    let server_cpu = used(cpu_seconds(&server_pid), cpu_at_start.0);
    let own_cpu = used(cpu_seconds("self"), cpu_at_start.1);
    let measured_for = cpu_at_start.2.elapsed().as_secs_f64();
    let attack = match attack {
        Some(attack) => attack.finish().await,
        None => Value::Null,
    };
    let stamps: Vec<u64> = sent_at
        .iter()
        .map(|at| at.load(Ordering::Acquire))
        .filter(|&at| at > 0)
        .collect();
    let span = (stamps.iter().max().copied().unwrap_or(0)
        - stamps.iter().min().copied().unwrap_or(0)) as f64
        / 1e9;
    let achieved_rate = if span > 0.0 {
        (stamps.len() - 1) as f64 / span
    } else {
        0.0
    };

    // Drop the warm-up messages, then summarise.
    let skip = (warmup * rate) as usize;
    let mut measured: Vec<f64> = delays
        .iter()
        .skip(skip)
        .filter_map(|delay| delay.map(|ns| ns as f64 / 1e6))
        .collect();
    let lost = delays
        .iter()
        .skip(skip)
        .filter(|delay| delay.is_none())
        .count();
    measured.sort_by(f64::total_cmp);
    let pick = |q: f64| -> Option<f64> {
        if measured.is_empty() {
            None
        } else {
            Some(measured[((measured.len() - 1) as f64 * q).round() as usize])
        }
    };
    Ok(json!({
        "rate": rate,
        "achieved_rate": achieved_rate,
        "customers": customers,
        "measured": measured.len(),
        "lost": lost,
        "errors": errors.load(Ordering::Relaxed),
        "p50_ms": pick(0.5),
        "p99_ms": pick(0.99),
        "max_ms": pick(1.0),
        "attack": attack,
        "seconds_measured": measured_for,
        "server_cpu_seconds": server_cpu,
        "loadgen_cpu_seconds": own_cpu,
    }))
}

/// A customer with one chat of `messages` messages, sent through the customer API.
/// Prints the identity secret so a browser can become this customer.
/// Messages per thread when seeding: the server keeps at most 1,000 events in a thread.
const PER_THREAD: usize = 990;

async fn seed(options: &Options) -> Result<Value> {
    let server = options.server();
    let messages = options.number("messages", 10000.0) as usize;
    let license = options.number("license", 1.0) as u64;
    let window = 8usize; // requests in flight; the server allows 10 per connection

    let token = customer_token(&server, license).await?;
    let mut customer = Customer::login(&server, license, &token).await?;
    let started_chat = customer.socket.request("start_chat", json!({})).await?;
    let chat_id = started_chat["payload"]["chat_id"]
        .as_str()
        .ok_or_else(|| format!("start_chat failed: {started_chat}"))?
        .to_owned();

    let started = Instant::now();
    let (mut sink, mut stream) = customer.socket.ws.split();
    let mut in_flight = 0usize;
    let mut sent = 0usize;
    let mut answered = 0usize;
    let mut failed = 0usize;
    let mut first_error = None;
    let mut threads = 1usize;
    while answered < messages {
        // A thread holds at most 1,000 events: past a thread's share, close it and go on in
        // a new one, as a long-running conversation does.
        // The first thread takes the remainder, so the latest one, which a client loads
        // first, is full.
        let first_thread = messages - (messages.div_ceil(PER_THREAD).max(1) - 1) * PER_THREAD;
        let thread_end = (first_thread + (threads - 1) * PER_THREAD).min(messages);
        while in_flight < window && sent < thread_end {
            sent += 1;
            // Lengths vary like a real conversation: short replies and some longer paragraphs.
            let filler =
                "Lorem ipsum dolor sit amet, consectetur adipiscing elit. ".repeat(sent % 5);
            let frame = json!({
                "request_id": format!("seed-{sent}"),
                "action": "send_event",
                "payload": { "chat_id": chat_id, "event": {
                    "type": "message", "custom_id": format!("seed-{sent}"), "text": format!("Message {sent} of {messages}. {filler}")
                } },
            });
            sink.send(Message::Text(frame.to_string().into())).await?;
            in_flight += 1;
        }
        if in_flight == 0 && answered == thread_end && answered < messages {
            for (id, action, payload) in [
                ("seed-close", "deactivate_chat", json!({ "id": chat_id })),
                ("seed-reopen", "activate_chat", json!({ "chat": { "id": chat_id } })),
            ] {
                let frame = json!({ "request_id": id, "action": action, "payload": payload });
                sink.send(Message::Text(frame.to_string().into())).await?;
                loop {
                    let answer = match tokio::time::timeout(Duration::from_secs(30), stream.next()).await {
                        Ok(Some(Ok(Message::Text(text)))) => serde_json::from_str::<Value>(&text)?,
                        Ok(Some(Ok(_))) => continue,
                        _ => return Err(format!("the connection ended waiting for {action}").into()),
                    };
                    if answer["type"] == "response" && answer["request_id"] == id {
                        if answer["success"] != true {
                            return Err(format!("{action} failed: {answer}").into());
                        }
                        break;
                    }
                }
            }
            threads += 1;
            continue;
        }
        let frame = match tokio::time::timeout(Duration::from_secs(30), stream.next()).await {
            Ok(Some(Ok(Message::Text(text)))) => serde_json::from_str::<Value>(&text)?,
            Ok(Some(Ok(_))) => continue,
            _ => return Err(format!("the connection ended after {answered} answers").into()),
        };
        if frame["type"] == "response" && frame["action"] == "send_event" {
            in_flight -= 1;
            answered += 1;
            if frame["success"] != true {
                failed += 1;
                first_error.get_or_insert_with(|| frame["payload"].to_string());
            }
            if answered % 2000 == 0 {
                eprintln!("seed: {answered} of {messages}");
            }
        }
    }
    let _ = sink.close().await;
    Ok(json!({
        "identity": token["identity"],
        "customer_id": token["entity_id"],
        "chat_id": chat_id,
        "messages": messages,
        "threads": threads,
        "failed": failed,
        "first_error": first_error,
        "seconds": started.elapsed().as_secs_f64(),
    }))
}
