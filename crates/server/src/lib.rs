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

mod agent;
mod chat;
mod customer;
mod db;
mod greetings;
mod http;
mod hub;
mod ids;
mod legacy;
mod paging;
mod people;
mod properties;
mod routing;
mod session;
mod uploads;
mod verify;
mod web_api;
mod web_config;

use std::net::SocketAddr;
use std::ops::Deref;
use std::sync::Arc;

pub use config::Config;
pub use http::router;

/// Shared server state: configuration, storage, live connections and the event clock.
#[derive(Clone)]
pub struct App(Arc<AppInner>);

/// What [`App`] holds.
pub struct AppInner {
    /// Configuration.
    pub config: Config,
    /// What link previews (`get_url_info`) may fetch.
    pub url_policy: outbound::UrlPolicy,
    db: Box<dyn db::Store>,
    hub: hub::Hub,
    clock: ids::Clock,
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
        let db: Box<dyn db::Store> = Box::new(db::SqliteStore::open(&config.database)
            .map_err(|err| anyhow::anyhow!("cannot open database {}: {err}", config.database.display()))?);
        let clock = ids::Clock::default();
        if let Some(latest) = db.latest_timestamp()? {
            clock.observe(&latest);
        }
        Ok(App(Arc::new(AppInner { config, url_policy, db, hub: hub::Hub::default(), clock })))
    }
}

/// Serves on `listener` until `shutdown` resolves.
pub async fn run(
    listener: tokio::net::TcpListener,
    app: App,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let service = router(app.clone()).into_make_service_with_connect_info::<SocketAddr>();
    let stopping = app.clone();
    let shutdown = async move {
        shutdown.await;
        // Websockets outlive the HTTP server's graceful shutdown, so each one is told
        // to come back later, then given a moment to say so before the process ends.
        stopping.hub.disconnect_all(protocol::DisconnectReason::ServiceTemporarilyUnavailable);
    };
    axum::serve(listener, service).with_graceful_shutdown(shutdown).await?;
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(3);
    while app.hub.n_connections() > 0 && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    Ok(())
}
