//! The chat server: the Customer Chat API (RTM and Web, versions 3.0 and 3.2 to 3.6), a
//! customer token endpoint, the agent API and agent console, the demo host page, and the
//! widget's files, on an embedded SQLite database.
//!
//! Code map, in reading order: [`config`] (what runs), `session` (one websocket), `customer`
//! and `agent` (what each action does), `chat` (chat operations shared by both), `hub`
//! (live connections and fan-out), `db` (storage), `ids` (ids, secrets, timestamps); `outbound`
//! (the outbound HTTP client, its address checks, and link previews) and `verify` (identity checks) call other sites.

pub mod config;
pub mod outbound;

mod account_http;
mod accounts;
mod actor;
mod agent;
mod chat;
mod client;
mod cluster;
mod customer;
mod db;
mod desk;
mod directory;
mod errors;
mod greetings;
mod http;
mod hub;
mod ids;
mod legacy;
mod limits;
mod metrics;
mod operations;
mod outbox;
mod paging;
mod people;
mod properties;
mod reports;
mod routing;
mod session;
mod tenant;
mod uploads;
mod verify;
mod web_api;
mod web_config;
mod web_errors;

use std::net::SocketAddr;
use std::ops::Deref;
use std::sync::Arc;

pub use accounts::{check_new_password, generate_password, MIN_PASSWORD_CHARS};
pub use config::Config;
pub use http::router;

/// Shared server state: configuration, storage, live connections and the event clock.
#[derive(Clone)]
pub struct App(Arc<AppInner>);

/// What [`App`] holds.
pub struct AppInner {
    /// Configuration as the server started with it: timings, limits, paths. Its licenses,
    /// groups, agents and greetings are empty: they seeded the directory
    /// (`App::directory`), which is what the server goes by.
    pub config: Config,
    /// The configuration with the licenses, groups, agents and greetings as administrators
    /// keep them now (see `directory`).
    live: std::sync::RwLock<Arc<Config>>,
    /// Held while settings are saved, so two saves at once cannot undo each other.
    saving_settings: std::sync::Mutex<()>,
    /// What link previews (`get_url_info`) may fetch.
    pub url_policy: outbound::UrlPolicy,
    db: Box<dyn db::Store>,
    hub: hub::Hub,
    /// The node's membership of a cluster (`nats_url`), once joined.
    cluster: std::sync::OnceLock<Arc<cluster::Cluster>>,
    /// What `/metrics` reports.
    metrics: metrics::Metrics,
    clock: ids::Clock,
    /// HTTP requests per client address.
    per_address: limits::Limiter<std::net::IpAddr>,
    /// Web API requests per customer.
    per_customer: limits::Limiter<String>,
    /// Sockets per client address that have not logged in.
    admission: limits::Admission,
    /// `public_url`, or the address [`run`] listens on.
    public_url: std::sync::OnceLock<String>,
    /// Each customer's pending greeting timer, by (license, customer), with the number that
    /// tells one arming from the next.
    greeting_timers: std::sync::Mutex<std::collections::HashMap<(u64, String), (u64, tokio::task::AbortHandle)>>,
    next_timer: std::sync::atomic::AtomicU64,
    /// Failed agent sign-ins per account and per address.
    sign_in_failures: accounts::Failures,
}

impl Deref for App {
    type Target = AppInner;

    fn deref(&self) -> &AppInner {
        &self.0
    }
}

impl App {
    /// Opens the database and prepares the state.
    pub fn new(config: Config) -> anyhow::Result<App> {
        App::with_url_policy(config, outbound::UrlPolicy::default())
    }

    /// Like [`App::new`], with a link preview policy other than the default (tests use it
    /// to let previews reach their loopback servers).
    pub fn with_url_policy(config: Config, url_policy: outbound::UrlPolicy) -> anyhow::Result<App> {
        let metrics = metrics::Metrics::default();
        let db: Box<dyn db::Store> = match &config.database_url {
            Some(url) => Box::new(
                db::PgStore::open(url)
                    .map_err(|err| anyhow::anyhow!("cannot open database {}: {err}", redact_password(url)))?
                    .timed(metrics.storage.clone()),
            ),
            None => Box::new(
                db::SqliteStore::open(&config.database)
                    .map_err(|err| anyhow::anyhow!("cannot open database {}: {err}", config.database.display()))?
                    .timed(metrics.storage.clone()),
            ),
        };
        let clock = ids::Clock::default();
        if let Some(latest) = db.latest_timestamp()? {
            clock.observe(&latest);
        }
        let per_address = limits::Limiter::new(config.limits.http_requests_per_minute);
        let per_customer = limits::Limiter::new(config.limits.requests_per_minute);
        let public_url = std::sync::OnceLock::new();
        if let Some(url) = &config.public_url {
            let _ = public_url.set(url.clone());
        }
        let live = directory::load(db.as_ref(), &config, &clock.timestamp())?;
        // The licenses, groups, agents and greetings now live in the directory only, so no
        // code can read a stale copy of them.
        let config = Config { licenses: Vec::new(), groups: Vec::new(), agents: Vec::new(), disabled_agents: Vec::new(), greetings: Vec::new(), ..config };
        let app = App(Arc::new(AppInner {
            live: std::sync::RwLock::new(Arc::new(live)),
            saving_settings: std::sync::Mutex::new(()),
            config,
            url_policy,
            db,
            hub: hub::Hub::new(metrics.fanout.clone()),
            cluster: std::sync::OnceLock::new(),
            metrics,
            clock,
            per_address,
            per_customer,
            admission: limits::Admission::default(),
            public_url,
            greeting_timers: Default::default(),
            next_timer: Default::default(),
            sign_in_failures: Default::default(),
        }));
        app.seed_accounts()?;
        Ok(app)
    }

    /// Where visitors and agents reach this server (no trailing slash): the configured
    /// `public_url`, else the address the server listens on.
    pub fn public_url(&self) -> &str {
        self.public_url.get().map_or("http://localhost", String::as_str)
    }
}

/// A database or NATS URL fit for messages: its password, if any, replaced by `***`.
pub fn redact_password(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("***"));
            parsed.to_string()
        }
        Ok(parsed) => parsed.to_string(),
        Err(_) => "(a URL that does not parse)".to_owned(),
    }
}

/// The base URL of a server listening on `address` when no `public_url` is configured: an
/// unspecified address (listening on every interface) is written as `localhost`.
fn listening_url(address: SocketAddr) -> String {
    let host = match address.ip() {
        ip if ip.is_unspecified() => "localhost".to_owned(),
        std::net::IpAddr::V6(v6) => format!("[{v6}]"),
        ip => ip.to_string(),
    };
    format!("http://{host}:{}", address.port())
}

/// The kernel's send buffer for each connection (Linux doubles it for its bookkeeping).
const SEND_BUFFER_BYTES: usize = 64 * 1024;

/// Serves on `listener` until `shutdown` resolves.
///
/// Each connection is HTTP/1.1 with a deadline for a request's headers (which also ends
/// idle keep-alive connections), so clients that trickle bytes cannot hold sockets open.
/// Websocket upgrades leave the HTTP connection and live until their session ends.
pub async fn run(
    listener: tokio::net::TcpListener,
    app: App,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    use hyper_util::rt::{TokioIo, TokioTimer};
    use tower::Service;

    if app.config.public_url.is_none() {
        let _ = app.public_url.set(listening_url(listener.local_addr()?));
    }
    if let Some(url) = &app.config.nats_url
        && app.cluster.get().is_none()
    {
        let _ = app.cluster.set(cluster::join(&app, url).await?);
    }
    let router = router(app.clone());
    let hours = tokio::spawn(directory::watch_hours(app.clone()));
    let header_timeout = app.config.timings.header_read_timeout;
    // Each connection task holds a receiver: `stop` tells them to finish their current
    // request, and `stop.closed()` resolves once all of them have.
    let (stop, stopping) = tokio::sync::watch::channel(false);
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // Out of file descriptors and the like: wait rather than spin.
                    tracing::warn!(%error, "accepting a connection failed");
                    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        // A small, fixed send buffer: a client that stops reading holds little kernel
        // memory, and its connection notices (and stops being served) sooner.
        let _ = socket2::SockRef::from(&stream).set_send_buffer_size(SEND_BUFFER_BYTES);
        let router = router.clone();
        let service = hyper::service::service_fn(move |mut request: hyper::Request<hyper::body::Incoming>| {
            request.extensions_mut().insert(axum::extract::ConnectInfo(peer));
            router.clone().call(request)
        });
        let connection = hyper::server::conn::http1::Builder::new()
            .timer(TokioTimer::new())
            .header_read_timeout(header_timeout)
            .serve_connection(TokioIo::new(stream), service)
            .with_upgrades();
        let mut stopping = stopping.clone();
        tokio::spawn(async move {
            let mut connection = std::pin::pin!(connection);
            let result = tokio::select! {
                result = connection.as_mut() => result,
                _ = stopping.changed() => {
                    connection.as_mut().graceful_shutdown();
                    connection.await
                }
            };
            if let Err(error) = result {
                tracing::debug!(%error, "HTTP connection ended with an error");
            }
        });
    }
    drop((listener, stopping));
    hours.abort();
    // Websockets outlive the HTTP connections' graceful shutdown, so each one is told to
    // come back later, then given a moment to say so before the process ends.
    app.hub.disconnect_all(protocol::DisconnectReason::ServiceTemporarilyUnavailable);
    let _ = stop.send(true);
    let _ = tokio::time::timeout(std::time::Duration::from_secs(3), stop.closed()).await;
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(3);
    while app.hub.n_connections() > 0 && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    Ok(())
}
