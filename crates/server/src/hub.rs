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
//!
//! In a cluster, each delivery is also handed to the relay for the other nodes, and the
//! agents connected to other nodes count as connected here (`relay`). Which groups take
//! chats is not relayed: each node works it out from every node's agents and tells its
//! own customers.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use protocol::{Api, Push, PushFrame, PushVersions, Version};

use crate::outbox::Outbox;

mod conns;
mod relay;
use conns::Conns;
use relay::{RelayLink, RemotePresence};
pub use relay::{AgentSockets, Applied, PresentAgent, Relayed, RemoteTarget, PRESENCE_EVERY};

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
    conns: Mutex<Conns>,
    /// How long each push takes to reach its sockets' queues.
    fanout: prometheus_client::metrics::histogram::Histogram,
    /// Where deliveries go for the other nodes, once the node joined a cluster.
    relay: std::sync::OnceLock<RelayLink>,
    /// How many deliveries were handed to the relay (counted and sent under one lock, so
    /// the count follows the relay's order; see [`Hub::relayed`]).
    handed: Mutex<u64>,
    /// The agents connected to the other nodes.
    remote: Mutex<RemotePresence>,
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
        let agent = matches!(peer, Peer::Agent(_));
        self.lock().insert(id, Conn { license_id, peer, credential, accepting: accepting && agent, wire, outbox });
        if agent {
            self.announce_presence();
        }
    }

    /// Forgets a connection.
    pub fn unregister(&self, id: ConnId) {
        if self.lock().remove(id) {
            self.announce_presence();
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Conns> {
        self.conns.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Whether a customer has a live connection.
    pub fn is_online(&self, license_id: u64, peer: &Peer) -> bool {
        let conns = self.lock();
        match peer {
            Peer::Customer(customer_id) => !conns.customer(license_id, customer_id).is_empty(),
            Peer::Agent(agent_id) => {
                conns.pick(conns.agents(license_id)).any(|(_, conn)| &conn.peer == peer)
                    || self.remote().agents(license_id, std::time::Instant::now()).any(|agent| &agent.agent_id == agent_id)
            }
        }
    }

    /// Sets whether an agent takes new chats, on all of their connections.
    pub fn set_accepting(&self, license_id: u64, agent_id: &str, accepting: bool) {
        self.lock().set_accepting(license_id, agent_id, accepting);
        self.announce_presence();
    }

    /// Connected agents of a license (on any node), with whether each takes new chats.
    pub fn agents(&self, license_id: u64) -> HashMap<String, bool> {
        let mut agents = HashMap::new();
        let conns = self.lock();
        for (_, conn) in conns.pick(conns.agents(license_id)) {
            if let Peer::Agent(id) = &conn.peer {
                *agents.entry(id.clone()).or_insert(false) |= conn.accepting;
            }
        }
        drop(conns);
        for agent in self.remote().agents(license_id, std::time::Instant::now()) {
            *agents.entry(agent.agent_id.clone()).or_insert(false) |= agent.accepting;
        }
        agents
    }

    fn remote(&self) -> std::sync::MutexGuard<'_, RemotePresence> {
        self.remote.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Number of open connections of a customer.
    pub fn n_customer_connections(&self, license_id: u64, customer_id: &str) -> usize {
        self.lock().customer(license_id, customer_id).len()
    }

    /// Number of distinct customers connected to a license: here, and on the other nodes
    /// as of their last announcement.
    pub fn n_customers(&self, license_id: u64) -> usize {
        let here = self.lock().n_customers(license_id);
        here + self.remote().customers(license_id, std::time::Instant::now())
    }

    /// Sends a push to every connection of the chat's customer and to the license's agents.
    pub fn push_to_chat(&self, license_id: u64, customer_id: &str, push: &Push) {
        self.deliver(push, None, Target::Chat(license_id, customer_id));
    }

    /// Sends the push a request created as its result (`incoming_chat` for `start_chat` or
    /// `resume_chat`, `incoming_event` for `send_event`) to the chat, tagging the requesting
    /// socket's copy with the request's id.
    pub fn push_result(&self, license_id: u64, customer_id: &str, push: &Push, origin: Origin<'_>) {
        debug_assert!(matches!(push, Push::IncomingChat(_) | Push::IncomingEvent(_)), "{} is no request's result", push.action());
        self.deliver(push, Some(origin), Target::Chat(license_id, customer_id));
    }

    /// Sends the result push of an agent's internal note: to the license's agents only,
    /// the requester's copy tagged.
    pub fn push_result_to_agents(&self, license_id: u64, push: &Push, origin: Origin<'_>) {
        self.deliver(push, Some(origin), Target::Agents(license_id));
    }

    /// Sends a request's result push again, to the requesting connection only (the answer
    /// to a retried `send_event`).
    pub fn push_result_to_origin(&self, push: &Push, origin: Origin<'_>) {
        self.deliver(push, Some(origin), Target::Nobody);
    }

    /// Sends a push to a customer's connections only (not to agents).
    pub fn push_to_customer_only(&self, license_id: u64, customer_id: &str, push: &Push) {
        self.deliver(push, None, Target::Customer(license_id, customer_id));
    }

    /// Sends a push to the license's agents only.
    pub fn push_to_agents(&self, license_id: u64, push: &Push) {
        self.deliver(push, None, Target::Agents(license_id));
    }

    /// Tells this node's customers of a license which groups take chats
    /// (`groups_status_updated`), each customer's own group first: clients read the first
    /// entry as their availability.
    pub fn push_groups_status(&self, license_id: u64, statuses: &[protocol::GroupStatusEntry]) {
        let conns = self.lock();
        let customers: Vec<&Conn> = conns.pick(conns.customers(license_id)).map(|(_, conn)| conn).collect();
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
        self.relay(|| Relayed::DisconnectCustomer { license_id, customer_id: customer_id.to_owned(), reason: reason.clone() });
        self.disconnect_customer_here(license_id, customer_id, reason);
    }

    fn disconnect_customer_here(&self, license_id: u64, customer_id: &str, reason: protocol::DisconnectReason) {
        let push = Push::CustomerDisconnected(protocol::CustomerDisconnected { reason: reason.clone(), data: None });
        let mut encoded = Encoded::new(&push);
        let conns = self.lock();
        for (_, conn) in conns.pick(conns.customer(license_id, customer_id)) {
            if let Some(text) = encoded.for_conn(conn) {
                conn.outbox.text(text);
            }
            conn.outbox.close(1000, reason.as_str().to_owned());
        }
    }

    /// Closes, with `agent_disconnected` and a reason, the license's agent sockets that
    /// `which` names, on every node.
    pub fn disconnect_agents(&self, license_id: u64, reason: protocol::DisconnectReason, which: AgentSockets) {
        self.relay(|| Relayed::DisconnectAgents { license_id, reason: reason.clone(), which: which.clone() });
        self.disconnect_agents_here(license_id, reason, &which);
    }

    fn disconnect_agents_here(&self, license_id: u64, reason: protocol::DisconnectReason, which: &AgentSockets) {
        let push = Push::AgentDisconnected(protocol::AgentDisconnected { reason: reason.clone() });
        let mut encoded = Encoded::new(&push);
        let conns = self.lock();
        for (_, conn) in conns.pick(conns.agents(license_id)) {
            let picked = match (&conn.credential, &conn.peer, which) {
                (Some(_), Peer::Agent(agent_id), AgentSockets::Agent(wanted)) => agent_id == wanted,
                (Some(Credential::Session(hash)), _, AgentSockets::Sessions(hashes)) => hashes.contains(hash),
                (Some(Credential::ApiToken(id)), _, AgentSockets::ApiToken(wanted)) => id == wanted,
                _ => false,
            };
            if picked {
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
        for conn in self.lock().iter() {
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
        Hub { next_id: AtomicU64::default(), conns: Mutex::default(), fanout, relay: std::sync::OnceLock::new(), handed: Mutex::default(), remote: Mutex::default() }
    }

    /// Connections by API: (customers, agents).
    pub fn n_by_api(&self) -> (usize, usize) {
        let conns = self.lock();
        let customers = conns.iter().filter(|conn| matches!(conn.peer, Peer::Customer(_))).count();
        (customers, conns.len() - customers)
    }

    fn deliver(&self, push: &Push, origin: Option<Origin<'_>>, target: Target<'_>) {
        self.deliver_here(push, origin, target);
        if let Some(target) = target.remote() {
            self.relay(|| Relayed::Push { target, action: push.action().to_owned(), payload: push.payload() });
        }
    }

    /// Tells the other nodes which agents are connected here.
    pub fn announce_presence(&self) {
        if self.relay.get().is_some() {
            self.relay(|| self.presence());
        }
    }

    /// The agents connected to this node, and its customers per license.
    fn presence(&self) -> Relayed {
        let conns = self.lock();
        let mut agents: Vec<PresentAgent> = conns
            .iter()
            .filter_map(|conn| match &conn.peer {
                Peer::Agent(agent_id) => Some(PresentAgent { license_id: conn.license_id, agent_id: agent_id.clone(), accepting: conn.accepting }),
                Peer::Customer(_) => None,
            })
            .collect();
        agents.sort_by(|a, b| (a.license_id, &a.agent_id, !a.accepting).cmp(&(b.license_id, &b.agent_id, !b.accepting)));
        agents.dedup_by(|later, earlier| later.license_id == earlier.license_id && later.agent_id == earlier.agent_id);
        Relayed::Presence { agents, customers: conns.customer_counts() }
    }

    /// Tells the other nodes that a license's settings changed.
    pub fn relay_settings_changed(&self, license_id: u64) {
        self.relay(|| Relayed::SettingsChanged { license_id });
    }

    /// Does here what another node (`node`) relayed, and says what is left to do.
    pub fn apply(&self, node: &str, relayed: Relayed) -> Applied {
        match relayed {
            Relayed::Push { target, action, payload } => match Push::from_parts(&action, payload) {
                Ok(push) => self.deliver_here(&push, None, Target::from_remote(&target)),
                Err(error) => tracing::warn!(%error, action, "a relayed push does not decode"),
            },
            Relayed::DisconnectCustomer { license_id, customer_id, reason } => self.disconnect_customer_here(license_id, &customer_id, reason),
            Relayed::DisconnectAgents { license_id, reason, which } => self.disconnect_agents_here(license_id, reason, &which),
            Relayed::Presence { agents, customers } => {
                let mut licenses: Vec<u64> = agents.iter().map(|agent| agent.license_id).collect();
                let now = std::time::Instant::now();
                let mut remote = self.remote();
                licenses.extend(remote.agents_of(node).map(|agent| agent.license_id));
                if !remote.update(node, agents, customers, now) {
                    return Applied::Done;
                }
                licenses.sort_unstable();
                licenses.dedup();
                return Applied::Presence(licenses);
            }
            Relayed::SettingsChanged { license_id } => return Applied::Settings(license_id),
        }
        Applied::Done
    }

    /// Forgets the agents of nodes that fell silent; the licenses they belonged to.
    pub fn expire_remote(&self) -> Vec<u64> {
        self.remote().expire(std::time::Instant::now())
    }

    /// Delivers to this node's sockets of `target`, timing it into `fanout`.
    fn deliver_here(&self, push: &Push, origin: Option<Origin<'_>>, target: Target<'_>) {
        let started = std::time::Instant::now();
        self.deliver_now(push, origin, target);
        self.fanout.observe(started.elapsed().as_secs_f64());
    }

    fn deliver_now(&self, push: &Push, origin: Option<Origin<'_>>, target: Target<'_>) {
        let mut encoded = Encoded::new(push);
        let conns = self.lock();
        let (customer, agents): (&[ConnId], &[ConnId]) = match target {
            Target::Chat(license_id, customer_id) => (conns.customer(license_id, customer_id), conns.agents(license_id)),
            Target::Customer(license_id, customer_id) => (conns.customer(license_id, customer_id), &[]),
            Target::Agents(license_id) => (&[], conns.agents(license_id)),
            Target::Nobody => (&[], &[]),
        };
        // The requester gets its copy even when the target does not include it (a retried
        // `send_event` answered again), and only once.
        let requester = origin.map(|origin| origin.conn).filter(|id| !customer.contains(id) && !agents.contains(id));
        let ids = customer.iter().chain(agents).chain(requester.as_ref());
        for (id, conn) in conns.pick(ids) {
            let text = match origin {
                Some(Origin { conn: requester, request_id: Some(request_id) }) if requester == id => encoded.tagged(conn, request_id),
                _ => encoded.for_conn(conn),
            };
            // A closed writer means the socket is going away; it unregisters itself.
            if let Some(text) = text {
                conn.outbox.text(text);
            }
        }
    }
}

/// Whose sockets a push goes to.
#[derive(Clone, Copy)]
enum Target<'a> {
    /// A chat: its customer's sockets and the license's agents.
    Chat(u64, &'a str),
    /// A customer's sockets only.
    Customer(u64, &'a str),
    /// The license's agents only.
    Agents(u64),
    /// No one but the requester.
    Nobody,
}

impl Target<'_> {
    /// The target as relayed to other nodes; `None` for the requester alone.
    fn remote(self) -> Option<RemoteTarget> {
        match self {
            Target::Chat(license_id, customer_id) => Some(RemoteTarget::Chat { license_id, customer_id: customer_id.to_owned() }),
            Target::Customer(license_id, customer_id) => Some(RemoteTarget::Customer { license_id, customer_id: customer_id.to_owned() }),
            Target::Agents(license_id) => Some(RemoteTarget::Agents { license_id }),
            Target::Nobody => None,
        }
    }

    fn from_remote(target: &RemoteTarget) -> Target<'_> {
        match target {
            RemoteTarget::Chat { license_id, customer_id } => Target::Chat(*license_id, customer_id),
            RemoteTarget::Customer { license_id, customer_id } => Target::Customer(*license_id, customer_id),
            RemoteTarget::Agents { license_id } => Target::Agents(*license_id),
        }
    }
}

/// `groups_status_updated` with `first` (a customer's own group) leading.
fn groups_status(statuses: &[protocol::GroupStatusEntry], first: u32) -> Push {
    let ordered = statuses.iter().filter(|group| group.id == first).chain(statuses.iter().filter(|group| group.id != first));
    Push::GroupsStatusUpdated(protocol::GroupsStatusUpdated { groups: ordered.cloned().collect() })
}

#[cfg(test)]
mod tests {
    use protocol::{Event, IncomingEvent};

    use super::*;
    use crate::outbox::Queue;

    fn hub() -> Hub {
        Hub::new(prometheus_client::metrics::histogram::Histogram::new([0.001].into_iter()))
    }

    /// Registers a socket and returns what it would be sent.
    fn connect(hub: &Hub, license_id: u64, peer: Peer) -> (ConnId, Queue) {
        let (outbox, queue) = crate::outbox::outbox(1 << 20);
        let id = hub.next_conn_id();
        let api = if matches!(peer, Peer::Agent(_)) { Api::Agent } else { Api::Customer };
        hub.register(id, license_id, peer, None, true, Wire::new(api, Version::V3_5), outbox);
        (id, queue)
    }

    fn customer(id: &str) -> Peer {
        Peer::Customer(id.to_owned())
    }

    fn received(queue: &mut Queue) -> Vec<String> {
        std::iter::from_fn(|| queue.try_text()).collect()
    }

    fn event(text: &str) -> Push {
        Push::IncomingEvent(IncomingEvent { chat_id: "C".to_owned(), thread_id: "T".to_owned(), event: Event::message("m", text) })
    }

    #[test]
    fn counts_follow_sockets_as_they_come_and_go() {
        let hub = hub();
        let (tab1, _q1) = connect(&hub, 1, customer("ann"));
        let (tab2, _q2) = connect(&hub, 1, customer("ann"));
        let (_, _q3) = connect(&hub, 1, customer("bob"));
        let (_, _q4) = connect(&hub, 1, Peer::Agent("x@shop".to_owned()));
        let (_, _q5) = connect(&hub, 2, customer("cid"));
        assert_eq!((hub.n_customers(1), hub.n_customers(2), hub.n_customers(3)), (2, 1, 0));
        assert_eq!(hub.n_customer_connections(1, "ann"), 2);
        assert_eq!(hub.n_customer_connections(2, "ann"), 0, "another license's customer of the same id");
        assert!(hub.is_online(1, &Peer::Agent("x@shop".to_owned())));
        assert!(!hub.is_online(2, &Peer::Agent("x@shop".to_owned())));
        assert_eq!(hub.agents(1), HashMap::from([("x@shop".to_owned(), true)]));
        hub.set_accepting(1, "x@shop", false);
        assert_eq!(hub.agents(1), HashMap::from([("x@shop".to_owned(), false)]));

        hub.unregister(tab1);
        assert_eq!((hub.n_customer_connections(1, "ann"), hub.n_customers(1)), (1, 2));
        hub.unregister(tab2);
        assert_eq!((hub.n_customer_connections(1, "ann"), hub.n_customers(1)), (0, 1));
        assert!(!hub.is_online(1, &customer("ann")));
        assert_eq!(hub.n_connections(), 3);
        assert_eq!(hub.n_by_api(), (2, 1));
    }

    #[test]
    fn a_push_reaches_exactly_its_chat_and_only_the_requester_is_tagged() {
        let hub = hub();
        let (ann, mut ann_tab) = connect(&hub, 1, customer("ann"));
        let (_, mut ann_other_tab) = connect(&hub, 1, customer("ann"));
        let (_, mut bob) = connect(&hub, 1, customer("bob"));
        let (_, mut agent) = connect(&hub, 1, Peer::Agent("x@shop".to_owned()));
        let (_, mut elsewhere) = connect(&hub, 2, customer("ann"));

        hub.push_result(1, "ann", &event("hello"), Origin { conn: ann, request_id: Some("r1") });
        let tagged = received(&mut ann_tab);
        assert!(tagged.len() == 1 && tagged[0].contains("\"request_id\":\"r1\""), "{tagged:?}");
        for queue in [&mut ann_other_tab, &mut agent] {
            let untagged = received(queue);
            assert!(untagged.len() == 1 && !untagged[0].contains("r1") && untagged[0].contains("hello"), "{untagged:?}");
        }
        assert!(received(&mut bob).is_empty() && received(&mut elsewhere).is_empty());

        hub.push_to_customer_only(1, "ann", &event("just you"));
        assert_eq!((received(&mut ann_tab).len(), received(&mut ann_other_tab).len(), received(&mut agent).len()), (1, 1, 0));

        hub.push_to_agents(1, &event("agents"));
        assert_eq!((received(&mut ann_tab).len(), received(&mut agent).len(), received(&mut elsewhere).len()), (0, 1, 0));

        // A retried send is answered to the requester alone.
        hub.push_result_to_origin(&event("again"), Origin { conn: ann, request_id: Some("r2") });
        let again = received(&mut ann_tab);
        assert!(again.len() == 1 && again[0].contains("\"request_id\":\"r2\""), "{again:?}");
        assert!(received(&mut ann_other_tab).is_empty() && received(&mut agent).is_empty());
    }
}
