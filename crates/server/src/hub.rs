//! Live connections and fan-out.
//!
//! The hub knows which sockets belong to which customer or agent and delivers frames to
//! them, each in the API version that socket speaks (and only the pushes it subscribed
//! to). Only the push a request creates as its result (`incoming_chat` for `start_chat` /
//! `resume_chat`, `incoming_event` for `send_event`) carries that request's `request_id`,
//! and only on the copy sent to the requesting socket: clients take a tagged push as the
//! answer to their request. Side effects (system messages, property and customer updates,
//! `chat_deactivated`...) always go out untagged, so the hub gives them no way to be tagged.
//!
//! Architecture invariant: hub methods are synchronous and never hold the lock across
//! an `.await`; delivery is a non-blocking channel send to each socket's writer.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use protocol::{Api, Push, PushFrame, PushVersions, Version};

use crate::outbox::Outbox;

/// Identifies one websocket connection.
pub type ConnId = u64;

/// The connection id of Web API requests. Real sockets are numbered from 1, so no socket
/// takes the requester's tagged copy of a push and every recipient gets it untagged.
pub(crate) const NO_SOCKET: ConnId = 0;

/// What a logged-in agent socket signed in with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credential {
    /// The token of the agent in the configuration.
    Configured,
    /// A browser session, by its token's digest.
    Session(String),
    /// An API token, by id.
    ApiToken(u64),
}

/// Who is on the other end of a connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Peer {
    /// A customer (one per browser tab).
    Customer(String),
    /// An agent.
    Agent(String),
}

/// How a logged-in connection wants its pushes.
#[derive(Debug, Clone)]
pub struct Wire {
    /// The API it speaks.
    pub api: Api,
    /// Which pushes, in which versions.
    pub pushes: PushVersions,
    /// The group a customer logged in to (`login.group_id`, 0 by default): their
    /// `groups_status_updated` names it first.
    pub group_id: u32,
}

impl Wire {
    /// Every push of `api` in `version`, for group 0.
    pub fn new(api: Api, version: Version) -> Wire {
        Wire { api, pushes: PushVersions::new(version), group_id: 0 }
    }
}

struct Conn {
    license_id: u64,
    peer: Peer,
    /// Agents only: what the socket signed in with.
    credential: Option<Credential>,
    /// Agents only: whether they take new chats (`set_routing_status`).
    accepting: bool,
    wire: Wire,
    outbox: Outbox,
}

/// The request that caused a push: its socket gets the tagged copy.
#[derive(Debug, Clone, Copy)]
pub struct Origin<'a> {
    /// The requesting connection.
    pub conn: ConnId,
    /// Its request id.
    pub request_id: Option<&'a str>,
}

/// One push, encoded at most once per version (and once more for the requester's tagged
/// copy), however many sockets it goes to.
struct Encoded<'a> {
    push: &'a Push,
    untagged: HashMap<(Api, Version), Option<String>>,
}

impl<'a> Encoded<'a> {
    fn new(push: &'a Push) -> Self {
        Encoded { push, untagged: HashMap::new() }
    }

    fn for_conn(&mut self, conn: &Conn) -> Option<String> {
        let (api, version) = (conn.wire.api, conn.wire.pushes.of(self.push.action())?);
        let push = self.push;
        self.untagged
            .entry((api, version))
            .or_insert_with(|| PushFrame { request_id: None, push: push.clone() }.encode_in(api, version))
            .clone()
    }

    fn tagged(&self, conn: &Conn, request_id: &str) -> Option<String> {
        let version = conn.wire.pushes.of(self.push.action())?;
        PushFrame { request_id: Some(request_id.to_owned()), push: self.push.clone() }.encode_in(conn.wire.api, version)
    }
}

/// All live, logged-in connections.
pub struct Hub {
    next_id: AtomicU64,
    conns: Mutex<HashMap<ConnId, Conn>>,
    /// How long each push takes to reach its sockets' queues.
    fanout: prometheus_client::metrics::histogram::Histogram,
}

impl Hub {
    /// A fresh connection id.
    pub fn next_conn_id(&self) -> ConnId {
        self.next_id.fetch_add(1, Ordering::Relaxed) + 1
    }

    /// Registers a logged-in connection.
    /// `accepting` is the agent's routing status (ignored for customers).
    /// `credential` is what an agent's socket signed in with (`None` for customers).
    pub fn register(&self, id: ConnId, license_id: u64, peer: Peer, credential: Option<Credential>, accepting: bool, wire: Wire, outbox: Outbox) {
        let accepting = accepting && matches!(peer, Peer::Agent(_));
        self.lock().insert(id, Conn { license_id, peer, credential, accepting, wire, outbox });
    }

    /// Forgets a connection.
    pub fn unregister(&self, id: ConnId) {
        self.lock().remove(&id);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<ConnId, Conn>> {
        self.conns.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Whether a customer has a live connection.
    pub fn is_online(&self, license_id: u64, peer: &Peer) -> bool {
        self.lock().values().any(|conn| conn.license_id == license_id && &conn.peer == peer)
    }

    /// Sets whether an agent takes new chats, on all of their connections.
    pub fn set_accepting(&self, license_id: u64, agent_id: &str, accepting: bool) {
        for conn in self.lock().values_mut() {
            if conn.license_id == license_id && matches!(&conn.peer, Peer::Agent(id) if id == agent_id) {
                conn.accepting = accepting;
            }
        }
    }

    /// Connected agents of a license, with whether each takes new chats.
    pub fn agents(&self, license_id: u64) -> HashMap<String, bool> {
        let mut agents = HashMap::new();
        for conn in self.lock().values().filter(|conn| conn.license_id == license_id) {
            if let Peer::Agent(id) = &conn.peer {
                *agents.entry(id.clone()).or_insert(false) |= conn.accepting;
            }
        }
        agents
    }

    /// Number of open connections of a customer.
    pub fn n_customer_connections(&self, license_id: u64, customer_id: &str) -> usize {
        self.lock()
            .values()
            .filter(|conn| conn.license_id == license_id && matches!(&conn.peer, Peer::Customer(id) if id == customer_id))
            .count()
    }

    /// Number of distinct customers connected to a license.
    pub fn n_customers(&self, license_id: u64) -> usize {
        let conns = self.lock();
        let customers: std::collections::HashSet<&str> = conns
            .values()
            .filter(|conn| conn.license_id == license_id)
            .filter_map(|conn| match &conn.peer {
                Peer::Customer(id) => Some(id.as_str()),
                Peer::Agent(_) => None,
            })
            .collect();
        customers.len()
    }

    /// Sends a push to every connection of the chat's customer and to the license's agents.
    pub fn push_to_chat(&self, license_id: u64, customer_id: &str, push: &Push) {
        self.deliver(push, None, |conn| in_chat(conn, license_id, customer_id));
    }

    /// Sends the push a request created as its result (`incoming_chat` for `start_chat` or
    /// `resume_chat`, `incoming_event` for `send_event`) to the chat, tagging the requesting
    /// socket's copy with the request's id.
    pub fn push_result(&self, license_id: u64, customer_id: &str, push: &Push, origin: Origin<'_>) {
        debug_assert!(matches!(push, Push::IncomingChat(_) | Push::IncomingEvent(_)), "{} is no request's result", push.action());
        self.deliver(push, Some(origin), |conn| in_chat(conn, license_id, customer_id));
    }

    /// Sends the result push of an agent's internal note: to the license's agents only,
    /// the requester's copy tagged.
    pub fn push_result_to_agents(&self, license_id: u64, push: &Push, origin: Origin<'_>) {
        self.deliver(push, Some(origin), |conn| conn.license_id == license_id && matches!(conn.peer, Peer::Agent(_)));
    }

    /// Sends a request's result push again, to the requesting connection only (the answer
    /// to a retried `send_event`).
    pub fn push_result_to_origin(&self, push: &Push, origin: Origin<'_>) {
        self.deliver(push, Some(origin), |_| false);
    }

    /// Sends a push to a customer's connections only (not to agents).
    pub fn push_to_customer_only(&self, license_id: u64, customer_id: &str, push: &Push) {
        self.deliver(push, None, |conn| {
            conn.license_id == license_id && matches!(&conn.peer, Peer::Customer(id) if id == customer_id)
        });
    }

    /// Sends a push to the license's agents only.
    pub fn push_to_agents(&self, license_id: u64, push: &Push) {
        self.deliver(push, None, |conn| conn.license_id == license_id && matches!(conn.peer, Peer::Agent(_)));
    }

    /// Tells every customer of a license which groups take chats (`groups_status_updated`),
    /// each customer's own group first: clients read the first entry as their availability.
    pub fn push_groups_status(&self, license_id: u64, statuses: &[protocol::GroupStatusEntry]) {
        let conns = self.lock();
        let customers: Vec<&Conn> =
            conns.values().filter(|conn| conn.license_id == license_id && matches!(conn.peer, Peer::Customer(_))).collect();
        let pushes: HashMap<u32, Push> =
            customers.iter().map(|conn| (conn.wire.group_id, groups_status(statuses, conn.wire.group_id))).collect();
        let mut encoded: HashMap<u32, Encoded<'_>> = HashMap::new();
        for conn in customers {
            let push = &pushes[&conn.wire.group_id];
            if let Some(text) = encoded.entry(conn.wire.group_id).or_insert_with(|| Encoded::new(push)).for_conn(conn) {
                conn.outbox.text(text);
            }
        }
    }

    /// Closes every connection of a customer with a reason (e.g. a ban).
    pub fn disconnect_customer(&self, license_id: u64, customer_id: &str, reason: protocol::DisconnectReason) {
        let push = Push::CustomerDisconnected(protocol::CustomerDisconnected { reason: reason.clone(), data: None });
        let mut encoded = Encoded::new(&push);
        for conn in self.lock().values() {
            if conn.license_id == license_id && matches!(&conn.peer, Peer::Customer(id) if id == customer_id) {
                if let Some(text) = encoded.for_conn(conn) {
                    conn.outbox.text(text);
                }
                conn.outbox.close(1000, reason.as_str().to_owned());
            }
        }
    }

    /// Closes, with `agent_disconnected` and a reason, the license's agent sockets that
    /// `which` picks by credential and agent.
    pub fn disconnect_agents(&self, license_id: u64, reason: protocol::DisconnectReason, which: impl Fn(&Credential, &str) -> bool) {
        let push = Push::AgentDisconnected(protocol::AgentDisconnected { reason: reason.clone() });
        let mut encoded = Encoded::new(&push);
        for conn in self.lock().values() {
            let picked = match (&conn.credential, &conn.peer) {
                (Some(credential), Peer::Agent(agent_id)) => which(credential, agent_id),
                _ => false,
            };
            if conn.license_id == license_id && picked {
                if let Some(text) = encoded.for_conn(conn) {
                    conn.outbox.text(text);
                }
                conn.outbox.close(1000, reason.as_str().to_owned());
            }
        }
    }

    /// Tells every connection why it is closed (`customer_disconnected` or
    /// `agent_disconnected`), then closes it.
    pub fn disconnect_all(&self, reason: protocol::DisconnectReason) {
        let customer = Push::CustomerDisconnected(protocol::CustomerDisconnected { reason: reason.clone(), data: None });
        let agent = Push::AgentDisconnected(protocol::AgentDisconnected { reason: reason.clone() });
        let (mut customer, mut agent) = (Encoded::new(&customer), Encoded::new(&agent));
        for conn in self.lock().values() {
            let text = match conn.peer {
                Peer::Customer(_) => customer.for_conn(conn),
                Peer::Agent(_) => agent.for_conn(conn),
            };
            if let Some(text) = text {
                conn.outbox.text(text);
            }
            conn.outbox.close(1001, reason.as_str().to_owned());
        }
    }

    /// Number of logged-in connections.
    pub fn n_connections(&self) -> usize {
        self.lock().len()
    }

    /// A hub with no connections, timing its pushes into `fanout`.
    pub fn new(fanout: prometheus_client::metrics::histogram::Histogram) -> Hub {
        Hub { next_id: AtomicU64::default(), conns: Mutex::default(), fanout }
    }

    /// Connections by API: (customers, agents).
    pub fn n_by_api(&self) -> (usize, usize) {
        let conns = self.lock();
        let customers = conns.values().filter(|conn| matches!(conn.peer, Peer::Customer(_))).count();
        (customers, conns.len() - customers)
    }

    fn deliver(&self, push: &Push, origin: Option<Origin<'_>>, wanted: impl Fn(&Conn) -> bool) {
        let started = std::time::Instant::now();
        self.deliver_now(push, origin, wanted);
        self.fanout.observe(started.elapsed().as_secs_f64());
    }

    fn deliver_now(&self, push: &Push, origin: Option<Origin<'_>>, wanted: impl Fn(&Conn) -> bool) {
        let mut encoded = Encoded::new(push);
        let conns = self.lock();
        for (id, conn) in conns.iter() {
            let text = match origin {
                Some(Origin { conn: requester, request_id: Some(request_id) }) if requester == *id => {
                    encoded.tagged(conn, request_id)
                }
                Some(origin) if origin.conn == *id => encoded.for_conn(conn),
                _ if wanted(conn) => encoded.for_conn(conn),
                _ => continue,
            };
            // A closed writer means the socket is going away; it unregisters itself.
            if let Some(text) = text {
                conn.outbox.text(text);
            }
        }
    }
}

fn in_chat(conn: &Conn, license_id: u64, customer_id: &str) -> bool {
    conn.license_id == license_id
        && match &conn.peer {
            Peer::Customer(id) => id == customer_id,
            Peer::Agent(_) => true,
        }
}

/// `groups_status_updated` with `first` (a customer's own group) leading.
fn groups_status(statuses: &[protocol::GroupStatusEntry], first: u32) -> Push {
    let ordered = statuses.iter().filter(|group| group.id == first).chain(statuses.iter().filter(|group| group.id != first));
    Push::GroupsStatusUpdated(protocol::GroupsStatusUpdated { groups: ordered.cloned().collect() })
}
