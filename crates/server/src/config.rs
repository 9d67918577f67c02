//! Server configuration: licenses, agents, timings and paths.
//!
//! The run command starts with [`Config::demo`]: one license, one group, one agent. Timings
//! are part of the configuration so tests can shrink them instead of sleeping for minutes.

use std::path::PathBuf;
use std::time::Duration;

mod file;
mod hours;
pub mod settings;

pub use hours::Hours;
pub use file::{check_public_url, load, parse, ConfigFileError, AGENT_TOKEN_PLACEHOLDER, MIN_AGENT_TOKEN_CHARS};

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
    /// Visitors pick their agent from a list (`list_agents`) instead of being routed.
    pub manual_assignment: bool,
    /// Where `verify_identity` asks the site who a visitor is (`verification_url`, http or
    /// https); `None` turns the action off.
    pub verification_url: Option<String>,
    /// How long the site has to answer a verification. Always 5 s from a configuration
    /// file; tests shorten it.
    pub verification_timeout: Duration,
    /// The sites (origins) that may embed the widget or open it in a popup; empty means
    /// any site.
    pub allowed_origins: Vec<String>,
    /// When the license may show online; always when `None`.
    pub business_hours: Option<Hours>,
}

/// A group (department) of agents. Group 0 of each license is the general group.
#[derive(Debug, Clone)]
pub struct Group {
    /// Group id, unique within the license.
    pub id: u32,
    /// License the group belongs to.
    pub license_id: u64,
    /// Display name.
    pub name: String,
    /// Whether visitors may leave messages (start chats) while nobody is online.
    pub offline_messages: bool,
    /// The group's forms.
    pub forms: Forms,
}

/// The forms of a group; `None` means the form is disabled.
#[derive(Debug, Clone, Default)]
pub struct Forms {
    /// Asked before a chat.
    pub prechat: Option<protocol::Form>,
    /// Asked after a chat.
    pub postchat: Option<protocol::Form>,
    /// Asked instead of a chat when nobody is online.
    pub ticket: Option<protocol::Form>,
}

impl Forms {
    /// The form of a kind.
    pub fn get(&self, kind: &protocol::FormKind) -> Option<&protocol::Form> {
        match kind {
            protocol::FormKind::Prechat => self.prechat.as_ref(),
            protocol::FormKind::Postchat => self.postchat.as_ref(),
            protocol::FormKind::Ticket => self.ticket.as_ref(),
            _ => None,
        }
    }
}

/// A greeting (invitation) agents or triggers send to visitors.
#[derive(Debug, Clone)]
pub struct Greeting {
    /// Template id (a number on the wire).
    pub id: u64,
    /// License.
    pub license_id: u64,
    /// Group whose agent greets.
    pub group_id: u32,
    /// The agent shown as the author.
    pub agent_id: String,
    /// The greeting text.
    pub text: String,
    /// When it is sent by itself; `None` means only agents send it.
    pub trigger: Option<GreetingTrigger>,
}

/// When a greeting fires.
#[derive(Debug, Clone)]
pub struct GreetingTrigger {
    /// Page URL pattern; `*` matches any run of characters. `None` matches every page.
    pub url: Option<String>,
    /// Seconds the visitor has been on the page.
    pub after_seconds: u32,
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
    /// A token the agent (or a program acting for them) may log in with, from the
    /// configuration; empty for none. Agents sign in with their password; tokens for
    /// programs are made in the agent app.
    pub token: String,
    /// What the agent may do beyond answering chats. It seeds the agent's account the first
    /// time the server sees them; afterwards the account in the database decides.
    pub role: Role,
    /// Groups the agent takes chats for.
    pub groups: Vec<u32>,
    /// Chats the agent takes at once; further chats wait in the queue.
    pub max_chats: u32,
}

/// What an agent may do beyond answering chats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Everything an administrator may, and the installation is theirs.
    Owner,
    /// Manages the license: API tokens, and later agents, forms and settings.
    Admin,
    /// Answers chats.
    Agent,
}

impl Role {
    /// The name in configuration files, the database and the `server owner` command.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Admin => "admin",
            Role::Agent => "agent",
        }
    }

    /// The role a stored or configured name means.
    pub fn parse(name: &str) -> Option<Role> {
        match name {
            "owner" => Some(Role::Owner),
            "admin" => Some(Role::Admin),
            "agent" => Some(Role::Agent),
            _ => None,
        }
    }

    /// The agent API's name for it (`my_profile.permission`).
    pub fn permission(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Admin => "administrator",
            Role::Agent => "normal",
        }
    }

    /// Whether the role manages the license.
    pub fn manages(self) -> bool {
        matches!(self, Role::Owner | Role::Admin)
    }
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
    /// A customer connection with no chat activity and no page change for this long is
    /// closed with `inactivity_timeout`.
    pub inactivity_timeout: Duration,
    /// A socket that has not taken one frame within this time is dropped.
    pub write_timeout: Duration,
    /// An HTTP client must send a request's headers within this time (and an idle
    /// keep-alive connection is closed after it).
    pub header_read_timeout: Duration,
}

impl Default for Timings {
    fn default() -> Self {
        Timings {
            login_timeout: Duration::from_secs(30),
            ping_interval: Duration::from_secs(15),
            idle_timeout: Duration::from_secs(40),
            token_ttl: Duration::from_secs(8 * 60 * 60),
            inactivity_timeout: Duration::from_secs(30 * 60),
            write_timeout: Duration::from_secs(10),
            header_read_timeout: Duration::from_secs(10),
        }
    }
}

impl Config {
    /// The trunk build of the agent app, served at `/agent/`: `dist-console` beside the
    /// widget's build (trunk empties the widget's folder on every build, so the app has its
    /// own).
    pub fn console_dist(&self) -> PathBuf {
        self.widget_dist.with_file_name("dist-console")
    }
}

/// Everything the server needs to run.
#[derive(Debug, Clone)]
pub struct Config {
    /// SQLite database file; with `database_url`, only where the files kept beside the
    /// database go (the agent token, passwords, uploads).
    pub database: PathBuf,
    /// A PostgreSQL database (`postgres://…`) that takes the place of the SQLite file, so
    /// that several servers can share it.
    pub database_url: Option<String>,
    /// The NATS server (`nats://…`) through which nodes sharing `database_url` reach each
    /// other's sockets; none for a node alone.
    pub nats_url: Option<String>,
    /// The trunk build of the widget (`dist/`), served at `/widget/` and `/embed.js`.
    pub widget_dist: PathBuf,
    /// Licenses.
    pub licenses: Vec<License>,
    /// Groups.
    pub groups: Vec<Group>,
    /// Agents.
    pub agents: Vec<Agent>,
    /// Agents switched off by an administrator: kept for their settings, used for nothing.
    pub disabled_agents: Vec<Agent>,
    /// Greetings.
    pub greetings: Vec<Greeting>,
    /// Protocol timings.
    pub timings: Timings,
    /// Limits.
    pub limits: Limits,
    /// Where uploaded files are kept.
    pub upload_dir: PathBuf,
    /// The address visitors and agents reach this server at (`https://chat.example.com`),
    /// used for the links the server builds, such as uploaded files' URLs. `None`: the
    /// address the server listens on.
    pub public_url: Option<String>,
    /// Reverse proxies in front of the server: only requests from these addresses may name
    /// the client's address (`X-Forwarded-For`).
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// Networks besides loopback whose clients may read `/metrics`.
    pub metrics_from: Vec<ipnet::IpNet>,
}

/// Resource limits.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Open sockets per customer (browser tabs); more get `too_many_connections`.
    pub connections_per_customer: usize,
    /// Customers connected at once per license; more get `users_limit_reached`.
    pub customers_per_license: usize,
    /// Chats waiting for a free agent per group; past this, starting a chat fails.
    pub queue_length: usize,
    /// Largest upload, in bytes.
    pub upload_bytes: usize,
    /// Requests one connection may send per minute (bursts of a quarter of that are
    /// fine); past it, requests get `too_many_requests` until the rate drops.
    pub requests_per_minute: usize,
    /// HTTP requests (token endpoint, Web API, uploads) one client address may send per
    /// minute, in bursts of a quarter of that; past it, `429` with `Retry-After`.
    pub http_requests_per_minute: usize,
    /// Sockets one client address may hold open before logging in; more get
    /// `too_many_unauthorized_connections`.
    pub unauthenticated_per_address: usize,
    /// Bytes queued for one socket and not read by its client yet; past this, the socket is
    /// closed (1013, `outbound_queue_full`) and its client reconnects.
    pub outbound_queue_bytes: usize,
    /// Bytes of uploaded files one customer may keep.
    pub upload_quota_bytes: u64,
    /// Bytes of frames one socket may send per second, in bursts of eight times that; past
    /// it, the server stops reading the socket for a while.
    pub read_bytes_per_second: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            connections_per_customer: 20,
            customers_per_license: 10_000,
            queue_length: 100,
            upload_bytes: 10 * 1024 * 1024,
            requests_per_minute: 600,
            http_requests_per_minute: 300,
            unauthenticated_per_address: 32,
            outbound_queue_bytes: 256 * 1024,
            upload_quota_bytes: 100 * 1024 * 1024,
            read_bytes_per_second: 32 * 1024,
        }
    }
}

impl Config {
    /// The built-in configuration: license 1 ("Acme Outdoor"), its general group, and its
    /// owner (Anna, who answers chats too, with the command line's token).
    pub fn demo(database: PathBuf, widget_dist: PathBuf, agent_token: String) -> Config {
        let upload_dir = database.with_file_name("uploads");
        Config {
            database,
            database_url: None,
            nats_url: None,
            widget_dist,
            upload_dir,
            licenses: vec![License {
                id: 1,
                organization_id: "2f1c6d4e-8a4b-4a51-9a7e-0c9d3b1e5f01".to_owned(),
                name: "Acme Outdoor".to_owned(),
                manual_assignment: false,
                verification_url: None,
                verification_timeout: Duration::from_secs(5),
                allowed_origins: Vec::new(),
                business_hours: None,
            }],
            agents: vec![Agent {
                id: "anna@acme.example".to_owned(),
                license_id: 1,
                name: "Anna".to_owned(),
                job_title: "Support Agent".to_owned(),
                avatar: None,
                token: agent_token,
                role: Role::Owner,
                groups: vec![0],
                max_chats: 6,
            }],
            groups: vec![Group {
                id: 0,
                license_id: 1,
                name: "General".to_owned(),
                offline_messages: true,
                forms: Forms::default(),
            }],
            disabled_agents: Vec::new(),
            greetings: Vec::new(),
            timings: Timings::default(),
            limits: Limits::default(),
            public_url: None,
            trusted_proxies: Vec::new(),
            metrics_from: Vec::new(),
        }
    }

    /// A group of a license.
    pub fn group(&self, license_id: u64, group_id: u32) -> Option<&Group> {
        self.groups.iter().find(|group| group.license_id == license_id && group.id == group_id)
    }

    /// The groups of a license.
    pub fn groups_of(&self, license_id: u64) -> impl Iterator<Item = &Group> {
        self.groups.iter().filter(move |group| group.license_id == license_id)
    }

    /// The license a v3.2 client names.
    pub fn license_by_id(&self, id: u64) -> Option<&License> {
        self.licenses.iter().find(|license| license.id == id)
    }

    /// The license a v3.5 client names.
    pub fn license_by_organization(&self, organization_id: &str) -> Option<&License> {
        self.licenses.iter().find(|license| license.organization_id == organization_id)
    }

    /// The agent owning a token. Tokens are compared through their SHA-256 digests without
    /// stopping at the first differing byte, so the time taken says nothing about how much
    /// of a guessed token was right.
    pub fn agent_by_token(&self, token: &str) -> Option<&Agent> {
        use sha2::{Digest, Sha256};
        let wanted = Sha256::digest(token.as_bytes());
        let same = |agent: &&Agent| {
            let digest = Sha256::digest(agent.token.as_bytes());
            let difference = digest.iter().zip(wanted.iter()).fold(0u8, |acc, (a, b)| acc | (a ^ b));
            !agent.token.is_empty() && difference == 0
        };
        self.agents.iter().find(same)
    }

    /// An agent by id.
    pub fn agent(&self, id: &str) -> Option<&Agent> {
        self.agents.iter().find(|agent| agent.id == id)
    }
}
