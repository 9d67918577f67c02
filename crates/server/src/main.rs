//! The server binary: reads flags, opens the database, serves until Ctrl-C.
//!
//! ```text
//! server [--host 127.0.0.1] [--port 8080] [--db data/livechat.db | --db postgres://…] [--data data] [--dist dist]
//!        [--nats nats://…] [--config FILE] [--agent-token TOKEN]
//! server password --email ADDRESS [--role owner|admin|agent] [--db FILE | URL] [--config FILE]
//! ```
//! `--db` takes a SQLite file (the default) or a PostgreSQL URL (also read from
//! `DATABASE_URL`), which several servers can share. The files kept beside the database
//! (agent token, passwords, uploads) go beside the SQLite file, or in `--data` with
//! PostgreSQL. `--nats` (or `NATS_URL`) joins the other nodes on the same PostgreSQL
//! database through a NATS server, so any node can serve any client.
//! `PORT` and `HOST` in the environment work too. Without `--config` the server runs the
//! built-in demo configuration; with it, licenses, groups, forms, agents and greetings come
//! from that TOML file (`config/demo.toml` is the example), and a broken file stops the server
//! before it opens anything. Without `--agent-token` the demo agent's token is read from (or
//! created in) `agent-token` next to the database. A configuration file's first agent gets
//! that token too when the file leaves it to the command line (the `from-command-line`
//! placeholder) or when `--agent-token` is given; otherwise it keeps the file's token.
//!
//! On a loopback address, agents without a password get one at start-up, kept in
//! `agent-passwords` beside the database and printed with the agent app's address.
//! `server password` sets a new password for an agent of the configuration (and, with
//! `--role`, their role: how a real installation gets its first owner, or gets back in) and
//! prints it.

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::{bail, Context};
use server::{App, Config};

struct Flags {
    /// `server password`: the agent whose password to set, and their new role.
    password_for: Option<(String, Option<server::config::Role>)>,
    host: String,
    port: u16,
    database: PathBuf,
    /// `--db postgres://…` (or `DATABASE_URL`): PostgreSQL instead of the SQLite file.
    database_url: Option<String>,
    /// `--nats nats://…` (or `NATS_URL`): the bus to the other nodes.
    nats_url: Option<String>,
    dist: PathBuf,
    agent_token: Option<String>,
    config: Option<PathBuf>,
    public_url: Option<String>,
}

fn parse_flags() -> anyhow::Result<Flags> {
    let mut flags = Flags {
        password_for: None,
        host: std::env::var("HOST").unwrap_or_else(|_| "127.0.0.1".to_owned()),
        port: match std::env::var("PORT") {
            Ok(port) => port.parse().with_context(|| format!("PORT={port} is not a port number"))?,
            Err(_) => 8080,
        },
        database: PathBuf::from("data/livechat.db"),
        database_url: std::env::var("DATABASE_URL").ok().filter(|url| !url.is_empty()),
        nats_url: std::env::var("NATS_URL").ok().filter(|url| !url.is_empty()),
        dist: PathBuf::from("dist"),
        agent_token: None,
        config: None,
        public_url: std::env::var("PUBLIC_URL").ok().filter(|url| !url.is_empty()),
    };
    let mut args = std::env::args().skip(1).peekable();
    let setting_password = args.next_if_eq("password").is_some();
    let (mut email, mut role) = (None, None);
    while let Some(flag) = args.next() {
        let mut value = || args.next().with_context(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--host" => flags.host = value()?,
            "--port" => {
                let port = value()?;
                flags.port = port.parse().with_context(|| format!("--port {port} is not a port number"))?;
            }
            "--db" => {
                let db = value()?;
                if db.starts_with("postgres://") || db.starts_with("postgresql://") {
                    flags.database_url = Some(db);
                } else {
                    flags.database = db.into();
                }
            }
            "--nats" => flags.nats_url = Some(value()?),
            "--data" => flags.database = PathBuf::from(value()?).join("livechat.db"),
            "--dist" => flags.dist = value()?.into(),
            "--agent-token" => flags.agent_token = Some(value()?),
            "--config" => flags.config = Some(value()?.into()),
            "--public-url" => flags.public_url = Some(value()?),
            "--email" if setting_password => email = Some(value()?),
            "--role" if setting_password => {
                let name = value()?;
                role = Some(server::config::Role::parse(&name).with_context(|| format!("--role {name}: owner, admin or agent"))?);
            }
            "--help" | "-h" => {
                println!(
                    "server [--host H] [--port P] [--db FILE|postgres://URL] [--data DIR] [--nats nats://URL] [--dist DIR] [--config FILE] [--agent-token TOKEN] [--public-url URL]\n\
                     server password --email ADDRESS [--role owner|admin|agent] [--db FILE|URL] [--config FILE]"
                );
                std::process::exit(0);
            }
            other => bail!("unknown flag {other}; try --help"),
        }
    }
    if setting_password {
        flags.password_for = Some((email.context("server password needs --email ADDRESS")?, role));
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
    write_private(&path, &token, false)?;
    Ok(token)
}

/// Writes a file only the server's own user may read: a new one, or (with `replace`) over
/// the one there.
fn write_private(path: &std::path::Path, text: &str, replace: bool) -> anyhow::Result<()> {
    let mut file = std::fs::OpenOptions::new();
    file.write(true);
    if replace {
        file.create(true).truncate(true);
    } else {
        file.create_new(true);
    }
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut file, 0o600);
    std::io::Write::write_all(&mut file.open(path).with_context(|| format!("cannot create {}", path.display()))?, text.as_bytes())
        .with_context(|| format!("cannot write {}", path.display()))
}

/// Passwords for agents who have none, made now and kept (readable by the server's user
/// only) in `agent-passwords` beside the database; returns each kept password still valid.
fn first_passwords(app: &App, database: &std::path::Path) -> anyhow::Result<Vec<(String, String)>> {
    let path = database.with_file_name("agent-passwords");
    let mut kept: Vec<(String, String)> = std::fs::read_to_string(&path)
        .unwrap_or_default()
        .lines()
        .filter_map(|line| line.split_once(' ').map(|(agent, password)| (agent.to_owned(), password.trim().to_owned())))
        .collect();
    let mut changed = false;
    // Passwords set now are known to work; only the kept ones are checked below.
    let mut set_now = Vec::new();
    for agent in &app.agents() {
        if app.has_password(&agent.id)? {
            continue;
        }
        // A kept password whose database was deleted is set again rather than replaced.
        let password = match kept.iter().find(|(id, _)| id == &agent.id) {
            Some((_, password)) => password.clone(),
            None => {
                let password = server::generate_password();
                kept.push((agent.id.clone(), password.clone()));
                changed = true;
                password
            }
        };
        app.set_password(&agent.id, &password, None, None)?;
        set_now.push(agent.id.clone());
    }
    if changed {
        let text: String = kept.iter().map(|(agent, password)| format!("{agent} {password}\n")).collect();
        write_private(&path, &text, true)?;
    }
    Ok(kept.into_iter().filter(|(agent, password)| set_now.contains(agent) || app.password_is(agent, password)).collect())
}

/// `server password`: a new password for an agent of the configuration, printed once.
fn set_password(config: Config, email: &str, role: Option<server::config::Role>) -> anyhow::Result<()> {
    let agent = config
        .agents
        .iter()
        .find(|agent| agent.id.eq_ignore_ascii_case(email))
        .with_context(|| format!("no agent {email} in the configuration: add them to its agents first"))?
        .id
        .clone();
    let app = App::new(config)?;
    let password = server::generate_password();
    app.set_password(&agent, &password, role, None)?;
    let role = role.map(|role| format!(" and role {}", role.as_str())).unwrap_or_default();
    println!("{agent} now has the password {password}{role}; they can change it in the agent app.");
    Ok(())
}

/// Ctrl-C, or SIGTERM (what service managers and orchestrators send): the server stops
/// taking connections and tells its clients to come back (to another node).
async fn stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut terminate) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = terminate.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
    tracing::info!("stopping: clients are told to reconnect");
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    // `LOG_FORMAT=json`: one JSON object per line, for log collectors.
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into());
    if std::env::var("LOG_FORMAT").is_ok_and(|format| format == "json") {
        tracing_subscriber::fmt().json().with_env_filter(filter).init();
    } else {
        tracing_subscriber::fmt().with_env_filter(filter).init();
    }
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
    config.database_url = flags.database_url.clone();
    if flags.nats_url.is_some() && flags.database_url.is_none() {
        bail!("--nats joins nodes that share a PostgreSQL database: give --db postgres://… too");
    }
    config.nats_url = flags.nats_url.clone();
    if let Some(url) = &flags.public_url {
        config.public_url = Some(server::config::check_public_url(url).map_err(anyhow::Error::msg)?);
    }
    let address: SocketAddr = format!("{}:{}", flags.host, flags.port)
        .parse()
        .with_context(|| format!("{}:{} is not an address", flags.host, flags.port))?;
    if let Some((email, role)) = &flags.password_for {
        return set_password(config, email, *role);
    }
    if config.public_url.is_none() && !address.ip().is_loopback() {
        tracing::warn!("set --public-url (or public_url in the configuration) to the address visitors use: links to uploaded files are built from it");
    }
    let app = App::new(config)?;
    // Passwords are printed only for a server on this machine alone; anywhere else they
    // stay out of the output (and logs).
    let sign_ins = if address.ip().is_loopback() { first_passwords(&app, &flags.database)? } else { Vec::new() };
    let listener =
        tokio::net::TcpListener::bind(address).await.with_context(|| format!("cannot listen on {address}"))?;
    let base = app.config.public_url.clone().unwrap_or_else(|| format!("http://{}", listener.local_addr().expect("bound")));
    println!("Live chat is running on {base}");
    println!("  demo site with the widget: {base}/");
    println!("  agent app:                 {base}/agent/");
    for (agent, password) in sign_ins {
        println!("    sign in as {agent} with {password}");
    }
    println!("  database:                  {}", flags.database.display());
    println!("Press Ctrl-C to stop.");
    server::run(listener, app, stop_signal()).await
}
