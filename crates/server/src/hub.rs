//! Live connections and fan-out.
//!
//! The hub knows which sockets belong to which customer or agent and delivers frames to
//! them. A push caused by a request carries that request's `request_id` only on the copy
//! sent to the requesting socket; every other socket gets it untagged.
//!
//! Architecture invariant: hub methods are synchronous and never hold the lock across
//! an `.await`; delivery is a non-blocking channel send to each socket's writer.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use protocol::{Push, PushFrame};
use tokio::sync::mpsc::UnboundedSender;

/// Identifies one websocket connection.
pub type ConnId = u64;

/// Who is on the other end of a connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Peer {
    /// A customer (one per browser tab).
    Customer(String),
    /// An agent.
    Agent(String),
}

/// Something for a connection's writer to do.
#[derive(Debug)]
pub enum Outbound {
    /// Send a text frame.
    Text(String),
    /// Send a close frame with this code and reason, then stop.
    Close(u16, String),
}

struct Conn {
    license_id: u64,
    peer: Peer,
    /// Agents only: whether they take new chats (`set_routing_status`).
    accepting: bool,
    sender: UnboundedSender<Outbound>,
}

/// The request that caused a push: its socket gets the tagged copy.
#[derive(Debug, Clone, Copy)]
pub struct Origin<'a> {
    /// The requesting connection.
    pub conn: ConnId,
    /// Its request id.
    pub request_id: Option<&'a str>,
}

/// All live, logged-in connections.
#[derive(Default)]
pub struct Hub {
    next_id: AtomicU64,
    conns: Mutex<HashMap<ConnId, Conn>>,
}

impl Hub {
    /// A fresh connection id.
    pub fn next_conn_id(&self) -> ConnId {
        self.next_id.fetch_add(1, Ordering::Relaxed) + 1
    }

    /// Registers a logged-in connection.
    /// `accepting` is the agent's routing status (ignored for customers).
    pub fn register(&self, id: ConnId, license_id: u64, peer: Peer, accepting: bool, sender: UnboundedSender<Outbound>) {
        let accepting = accepting && matches!(peer, Peer::Agent(_));
        self.lock().insert(id, Conn { license_id, peer, accepting, sender });
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

    /// Sends a push to every connection of a customer and to the license's agents.
    pub fn push_to_customer(&self, license_id: u64, customer_id: &str, push: &Push, origin: Option<Origin<'_>>) {
        self.push_to_chat(license_id, customer_id, push, origin);
    }

    /// Sends a push to a customer's connections only (not to agents).
    pub fn push_to_customer_only(&self, license_id: u64, customer_id: &str, push: &Push, origin: Option<Origin<'_>>) {
        self.deliver(push, origin, |conn| {
            conn.license_id == license_id && matches!(&conn.peer, Peer::Customer(id) if id == customer_id)
        });
    }

    /// Sends a push to every customer connection of a license.
    pub fn push_to_customers(&self, license_id: u64, push: &Push) {
        self.deliver(push, None, |conn| conn.license_id == license_id && matches!(conn.peer, Peer::Customer(_)));
    }

    /// Sends a push to the license's agents only.
    pub fn push_to_agents(&self, license_id: u64, push: &Push) {
        self.deliver(push, None, |conn| conn.license_id == license_id && matches!(conn.peer, Peer::Agent(_)));
    }

    /// Closes every connection of a customer with a reason (e.g. a ban).
    pub fn disconnect_customer(&self, license_id: u64, customer_id: &str, push: &Push, reason: &str) {
        let text = PushFrame { request_id: None, push: push.clone() }.encode();
        for conn in self.lock().values() {
            if conn.license_id == license_id && matches!(&conn.peer, Peer::Customer(id) if id == customer_id) {
                let _ = conn.sender.send(Outbound::Text(text.clone()));
                let _ = conn.sender.send(Outbound::Close(1000, reason.to_owned()));
            }
        }
    }

    /// Tells every connection why it is closed (`customer_disconnected` or
    /// `agent_disconnected`), then closes it.
    pub fn disconnect_all(&self, reason: protocol::DisconnectReason) {
        let customer = Push::CustomerDisconnected(protocol::CustomerDisconnected { reason: reason.clone(), data: None });
        let agent = Push::Other {
            action: "agent_disconnected".to_owned(),
            payload: serde_json::json!({ "reason": reason.as_str() }),
        };
        let customer = PushFrame { request_id: None, push: customer }.encode();
        let agent = PushFrame { request_id: None, push: agent }.encode();
        for conn in self.lock().values() {
            let text = match conn.peer {
                Peer::Customer(_) => customer.clone(),
                Peer::Agent(_) => agent.clone(),
            };
            let _ = conn.sender.send(Outbound::Text(text));
            let _ = conn.sender.send(Outbound::Close(1001, reason.as_str().to_owned()));
        }
    }

    /// Number of logged-in connections.
    pub fn n_connections(&self) -> usize {
        self.lock().len()
    }

    /// Sends a push to every connection of the chat's customer and to the license's agents.
    pub fn push_to_chat(&self, license_id: u64, customer_id: &str, push: &Push, origin: Option<Origin<'_>>) {
        self.deliver(push, origin, |conn| {
            conn.license_id == license_id
                && match &conn.peer {
                    Peer::Customer(id) => id == customer_id,
                    Peer::Agent(_) => true,
                }
        });
    }

    /// Sends a push to the requesting connection only.
    pub fn push_to_origin(&self, push: &Push, origin: Origin<'_>) {
        self.deliver(push, Some(origin), |_| false);
    }

    fn deliver(&self, push: &Push, origin: Option<Origin<'_>>, wanted: impl Fn(&Conn) -> bool) {
        let untagged = PushFrame { request_id: None, push: push.clone() }.encode();
        let conns = self.lock();
        for (id, conn) in conns.iter() {
            let text = match origin {
                Some(origin) if origin.conn == *id => match origin.request_id {
                    Some(request_id) => {
                        PushFrame { request_id: Some(request_id.to_owned()), push: push.clone() }.encode()
                    }
                    None => untagged.clone(),
                },
                _ if wanted(conn) => untagged.clone(),
                _ => continue,
            };
            // A closed writer means the socket is going away; it unregisters itself.
            let _ = conn.sender.send(Outbound::Text(text));
        }
    }
}
