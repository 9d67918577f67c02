//! Server configuration: licenses, agents, timings and paths.
//!
//! The run command starts with [`Config::demo`]: one license, one group, one agent. Timings
//! are part of the configuration so tests can shrink them instead of sleeping for minutes.

use std::path::PathBuf;
use std::time::Duration;

/// One customer account (tenant). v3.2 clients name it by `license_id`, v3.5 clients by
/// `organization_id`.
#[derive(Debug, Clone)]
pub struct License {
    /// Numeric id (`license_id`).
    pub id: u64,
    /// Organization id (`organization_id`).
    pub organization_id: String,
    /// Display name of the business.
    pub name: String,
}

/// An agent who answers chats.
#[derive(Debug, Clone)]
pub struct Agent {
    /// Agent id (an e-mail, as in LiveChat).
    pub id: String,
    /// License the agent works for.
    pub license_id: u64,
    /// Display name shown to visitors.
    pub name: String,
    /// Job title shown to visitors.
    pub job_title: String,
    /// Avatar URL.
    pub avatar: Option<String>,
    /// Secret token the agent logs in with.
    pub token: String,
}

/// Protocol timings.
#[derive(Debug, Clone)]
pub struct Timings {
    /// A connection must log in within this time.
    pub login_timeout: Duration,
    /// How often the server sends websocket ping frames.
    pub ping_interval: Duration,
    /// A connection that sends nothing (no frame, no pong) for this long is closed.
    pub idle_timeout: Duration,
    /// Lifetime of a customer access token.
    pub token_ttl: Duration,
}

impl Default for Timings {
    fn default() -> Self {
        Timings {
            login_timeout: Duration::from_secs(30),
            ping_interval: Duration::from_secs(15),
            idle_timeout: Duration::from_secs(40),
            token_ttl: Duration::from_secs(8 * 60 * 60),
        }
    }
}

/// Everything the server needs to run.
#[derive(Debug, Clone)]
pub struct Config {
    /// SQLite database file.
    pub database: PathBuf,
    /// The trunk build of the widget (`dist/`), served at `/widget/` and `/embed.js`.
    pub widget_dist: PathBuf,
    /// Licenses.
    pub licenses: Vec<License>,
    /// Agents.
    pub agents: Vec<Agent>,
    /// Protocol timings.
    pub timings: Timings,
}

impl Config {
    /// The demo configuration: license 1 ("Acme Outdoor"), one agent.
    pub fn demo(database: PathBuf, widget_dist: PathBuf, agent_token: String) -> Config {
        Config {
            database,
            widget_dist,
            licenses: vec![License {
                id: 1,
                organization_id: "2f1c6d4e-8a4b-4a51-9a7e-0c9d3b1e5f01".to_owned(),
                name: "Acme Outdoor".to_owned(),
            }],
            agents: vec![Agent {
                id: "anna@acme.example".to_owned(),
                license_id: 1,
                name: "Anna".to_owned(),
                job_title: "Support Agent".to_owned(),
                avatar: None,
                token: agent_token,
            }],
            timings: Timings::default(),
        }
    }

    /// The license a v3.2 client names.
    pub fn license_by_id(&self, id: u64) -> Option<&License> {
        self.licenses.iter().find(|license| license.id == id)
    }

    /// The license a v3.5 client names.
    pub fn license_by_organization(&self, organization_id: &str) -> Option<&License> {
        self.licenses.iter().find(|license| license.organization_id == organization_id)
    }

    /// The agent owning a token.
    pub fn agent_by_token(&self, token: &str) -> Option<&Agent> {
        self.agents.iter().find(|agent| !agent.token.is_empty() && agent.token == token)
    }

    /// An agent by id.
    pub fn agent(&self, id: &str) -> Option<&Agent> {
        self.agents.iter().find(|agent| agent.id == id)
    }
}
