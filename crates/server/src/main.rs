//! The server binary: reads flags, opens the database, serves until Ctrl-C.
//!
//! ```text
//! server [--host 127.0.0.1] [--port 8080] [--db data/livechat.db] [--dist dist] [--config FILE] [--agent-token TOKEN]
//! ```
//! `PORT` and `HOST` in the environment work too. Without `--config` the server runs the
//! built-in demo configuration; with it, licenses, groups, forms, agents and greetings come
//! from that TOML file (`config/demo.toml` is the example), and a broken file stops the server
//! before it opens anything. Without `--agent-token` the demo agent's token is read from (or
//! created in) `agent-token` next to the database. A configuration file's first agent gets
//! that token too when the file leaves it to the command line (the `from-command-line`
//! placeholder) or when `--agent-token` is given; otherwise it keeps the file's token.

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
    config: Option<PathBuf>,
    public_url: Option<String>,
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
        config: None,
        public_url: std::env::var("PUBLIC_URL").ok().filter(|url| !url.is_empty()),
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
            "--config" => flags.config = Some(value()?.into()),
            "--public-url" => flags.public_url = Some(value()?),
            "--help" | "-h" => {
                println!(
                    "server [--host H] [--port P] [--db FILE] [--dist DIR] [--config FILE] [--agent-token TOKEN] [--public-url URL]"
                );
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
        anyhow::ensure!(
            token.chars().count() >= server::config::MIN_AGENT_TOKEN_CHARS,
            "--agent-token must be at least {} characters: it is the agent's password",
            server::config::MIN_AGENT_TOKEN_CHARS
        );
        return Ok(token.clone());
    }
    let path = flags.database.with_file_name("agent-token");
    if let Ok(token) = std::fs::read_to_string(&path) {
        if !token.trim().is_empty() {
            // A file an earlier version wrote readable by everyone is closed up.
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))
                    .with_context(|| format!("cannot restrict {}", path.display()))?;
            }
            return Ok(token.trim().to_owned());
        }
    }
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).context("no randomness")?;
    let token: String = bytes.iter().map(|byte| format!("{byte:02x}")).collect();
    // Only the server's own user may read it.
    let mut file = std::fs::OpenOptions::new();
    file.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut file, 0o600);
    std::io::Write::write_all(&mut file.open(&path).with_context(|| format!("cannot create {}", path.display()))?, token.as_bytes())
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(token)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .init();
    let flags = parse_flags()?;
    // A configuration file is read first, so a mistake in it is reported before the server
    // creates directories, opens the database or takes the port.
    let file_config = match &flags.config {
        Some(path) => Some(server::config::load(path, flags.database.clone(), flags.dist.clone())?),
        None => None,
    };
    if let Some(parent) = flags.database.parent().filter(|parent| !parent.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).with_context(|| format!("cannot create {}", parent.display()))?;
    }
    if !flags.dist.join("index.html").exists() {
        tracing::warn!(dist = %flags.dist.display(), "the widget is not built here; run `trunk build --release` first");
    }
    let config = match file_config {
        None => Config::demo(flags.database.clone(), flags.dist.clone(), agent_token(&flags)?),
        Some(mut config) => {
            if let Some(first) = config.agents.first_mut()
                && (flags.agent_token.is_some() || first.token == server::config::AGENT_TOKEN_PLACEHOLDER)
            {
                first.token = agent_token(&flags)?;
            }
            config
        }
    };
    let mut config = config;
    if let Some(url) = &flags.public_url {
        config.public_url = Some(server::config::check_public_url(url).map_err(anyhow::Error::msg)?);
    }
    let address: SocketAddr = format!("{}:{}", flags.host, flags.port)
        .parse()
        .with_context(|| format!("{}:{} is not an address", flags.host, flags.port))?;
    // The link carries the agent's token only for a server on this machine alone; anywhere
    // else the token stays out of the output (and logs), in the file or flag it came from.
    let console_link = match config.agents.first() {
        Some(agent) if address.ip().is_loopback() => format!("/agent/#token={}", agent.token),
        _ => "/agent/".to_owned(),
    };
    if config.public_url.is_none() && !address.ip().is_loopback() {
        tracing::warn!("set --public-url (or public_url in the configuration) to the address visitors use: links to uploaded files are built from it");
    }
    let app = App::new(config)?;
    let listener =
        tokio::net::TcpListener::bind(address).await.with_context(|| format!("cannot listen on {address}"))?;
    let base = app.config.public_url.clone().unwrap_or_else(|| format!("http://{}", listener.local_addr().expect("bound")));
    println!("Live chat is running on {base}");
    println!("  demo site with the widget: {base}/");
    println!("  agent app:                 {base}{console_link}");
    println!("  database:                  {}", flags.database.display());
    println!("Press Ctrl-C to stop.");
    server::run(listener, app, async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await
}
