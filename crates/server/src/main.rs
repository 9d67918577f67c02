//! The server binary: reads flags, opens the database, serves until Ctrl-C.
//!
//! ```text
//! server [--host 127.0.0.1] [--port 8080] [--db data/livechat.db] [--dist dist] [--agent-token TOKEN]
//! ```
//! `PORT` and `HOST` in the environment work too. Without `--agent-token` the demo agent's
//! token is read from (or created in) `agent-token` next to the database.

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::{bail, Context};
use server::{App, Config};

struct Flags {
    host: String,
    port: u16,
    database: PathBuf,
    dist: PathBuf,
    agent_token: Option<String>,
}

fn parse_flags() -> anyhow::Result<Flags> {
    let mut flags = Flags {
        host: std::env::var("HOST").unwrap_or_else(|_| "127.0.0.1".to_owned()),
        port: match std::env::var("PORT") {
            Ok(port) => port.parse().with_context(|| format!("PORT={port} is not a port number"))?,
            Err(_) => 8080,
        },
        database: PathBuf::from("data/livechat.db"),
        dist: PathBuf::from("dist"),
        agent_token: None,
    };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let mut value = || args.next().with_context(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--host" => flags.host = value()?,
            "--port" => {
                let port = value()?;
                flags.port = port.parse().with_context(|| format!("--port {port} is not a port number"))?;
            }
            "--db" => flags.database = value()?.into(),
            "--dist" => flags.dist = value()?.into(),
            "--agent-token" => flags.agent_token = Some(value()?),
            "--help" | "-h" => {
                println!("server [--host H] [--port P] [--db FILE] [--dist DIR] [--agent-token TOKEN]");
                std::process::exit(0);
            }
            other => bail!("unknown flag {other}; try --help"),
        }
    }
    Ok(flags)
}

/// The demo agent's token: given, or kept in a file beside the database.
fn agent_token(flags: &Flags) -> anyhow::Result<String> {
    if let Some(token) = &flags.agent_token {
        return Ok(token.clone());
    }
    let path = flags.database.with_file_name("agent-token");
    if let Ok(token) = std::fs::read_to_string(&path) {
        if !token.trim().is_empty() {
            return Ok(token.trim().to_owned());
        }
    }
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).context("no randomness")?;
    let token: String = bytes.iter().map(|byte| format!("{byte:02x}")).collect();
    std::fs::write(&path, &token).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(token)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .init();
    let flags = parse_flags()?;
    if let Some(parent) = flags.database.parent().filter(|parent| !parent.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).with_context(|| format!("cannot create {}", parent.display()))?;
    }
    if !flags.dist.join("index.html").exists() {
        tracing::warn!(dist = %flags.dist.display(), "the widget is not built here; run `trunk build --release` first");
    }
    let token = agent_token(&flags)?;
    let config = Config::demo(flags.database.clone(), flags.dist.clone(), token.clone());
    let app = App::new(config)?;
    let address: SocketAddr = format!("{}:{}", flags.host, flags.port)
        .parse()
        .with_context(|| format!("{}:{} is not an address", flags.host, flags.port))?;
    let listener =
        tokio::net::TcpListener::bind(address).await.with_context(|| format!("cannot listen on {address}"))?;
    let base = format!("http://{}", listener.local_addr()?);
    println!("Live chat is running on {base}");
    println!("  demo site with the widget: {base}/");
    println!("  agent console:             {base}/agent/#token={token}");
    println!("  database:                  {}", flags.database.display());
    println!("Press Ctrl-C to stop.");
    server::run(listener, app, async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await
}
