//! What the hub tells the other nodes of a cluster, and what it learns from them.
//!
//! Every push the hub delivers to its own sockets is also handed, in the order delivered,
//! to the relay (when the node is in a cluster, see `crate::cluster`), which publishes it;
//! the other nodes deliver it to their sockets of the same target. Only the requesting
//! socket's copy of a push is tagged with the request's id, and that socket is on the node
//! that answered, so relayed copies are never tagged. Agents' presence travels the same
//! way: each node announces its connected agents when they change and every
//! [`PRESENCE_EVERY`], and forgets another node's agents once [`PRESENCE_TTL`] passes
//! without a word from it (the node died or lost the bus). Each announcement also says how
//! many customers of each license the node has connected, so the limit on customers per
//! license counts every node's (as of their last announcement).

use std::collections::HashMap;
use std::time::{Duration, Instant};

use protocol::DisconnectReason;
use serde::{Deserialize, Serialize};

/// A node's link to its relay: where deliveries go, and how many of them are on the bus.
pub(super) struct RelayLink {
    sender: tokio::sync::mpsc::UnboundedSender<Relayed>,
    written: tokio::sync::watch::Receiver<u64>,
}

thread_local! {
    /// The number of the last delivery handed to the relay from this thread. A request's
    /// work runs on one thread until its answer, so this tells what that request handed
    /// over, whatever other threads handed meanwhile.
    static HANDED_HERE: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

/// The hub's side of the relay: handing deliveries over, and knowing which are on the bus.
impl super::Hub {
    /// Hands what `relayed` makes to the relay, when the node is in a cluster.
    pub(super) fn relay(&self, relayed: impl FnOnce() -> Relayed) {
        if let Some(link) = self.relay.get() {
            let relayed = relayed();
            let mut handed = self.handed.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            *handed += 1;
            HANDED_HERE.set(*handed);
            // The relay's task ends only with the process.
            let _ = link.sender.send(relayed);
        }
    }

    /// Joins a cluster: from now on every delivery and presence change also goes to
    /// `relay`, in order; `written` counts those the relay has written to the bus.
    pub fn relay_to(&self, relay: tokio::sync::mpsc::UnboundedSender<Relayed>, written: tokio::sync::watch::Receiver<u64>) {
        let _ = self.relay.set(RelayLink { sender: relay, written });
        self.announce_presence();
    }

    /// The number of the last delivery this thread handed to the relay (0 for a node
    /// alone): taken before a request's work and after it, it says whether the work relayed
    /// anything, and what to wait for.
    pub fn relay_mark(&self) -> u64 {
        HANDED_HERE.get()
    }

    /// Resolves once the relay has written to the bus every delivery handed to it up to
    /// `mark`, or after `patience`: an answer that waits on it tells its asker only what the
    /// other nodes will hear too, even if this node dies at once. None when there is nothing
    /// to wait for.
    pub fn relayed(&self, mark: u64, patience: Duration) -> Option<impl std::future::Future<Output = ()> + Send + 'static> {
        let mut written = self.relay.get()?.written.clone();
        if *written.borrow() >= mark {
            return None;
        }
        Some(async move {
            let _ = tokio::time::timeout(patience, written.wait_for(|written| *written >= mark)).await;
        })
    }
}

/// How often a node announces its agents even when nothing changed.
pub const PRESENCE_EVERY: Duration = Duration::from_secs(2);

/// How long another node's agents count as connected after its last announcement.
pub const PRESENCE_TTL: Duration = Duration::from_secs(6);

/// Whose sockets a relayed push goes to (the hub's targets, owned).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RemoteTarget {
    /// A chat: its customer's sockets and the license's agents.
    Chat { license_id: u64, customer_id: String },
    /// A customer's sockets only.
    Customer { license_id: u64, customer_id: String },
    /// The license's agents only.
    Agents { license_id: u64 },
}

impl RemoteTarget {
    /// The license whose sockets it names.
    pub fn license_id(&self) -> u64 {
        match self {
            RemoteTarget::Chat { license_id, .. } | RemoteTarget::Customer { license_id, .. } | RemoteTarget::Agents { license_id } => *license_id,
        }
    }
}

/// Which of a license's agent sockets to close.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AgentSockets {
    /// Every socket of this agent.
    Agent(String),
    /// Sockets signed in with these browser sessions (digests of their tokens).
    Sessions(Vec<String>),
    /// Sockets signed in with this API token.
    ApiToken(u64),
}

/// One agent connected to a node: license, agent, whether they take new chats.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PresentAgent {
    pub license_id: u64,
    pub agent_id: String,
    pub accepting: bool,
}

/// What one node tells the others.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Relayed {
    /// A push, as its action and payload (the same in every API version).
    Push { target: RemoteTarget, action: String, payload: serde_json::Value },
    /// Close a customer's sockets (a ban).
    DisconnectCustomer { license_id: u64, customer_id: String, reason: DisconnectReason },
    /// Close some of a license's agent sockets.
    DisconnectAgents { license_id: u64, reason: DisconnectReason, which: AgentSockets },
    /// Every agent connected to the sending node now, and how many customers of each
    /// license (license, customers).
    Presence {
        agents: Vec<PresentAgent>,
        #[serde(default)]
        customers: Vec<(u64, usize)>,
    },
    /// A license's settings changed in the database: read them again.
    SettingsChanged { license_id: u64 },
}

/// What a relayed message leaves for the node to do beyond its sockets.
#[derive(Debug, PartialEq, Eq)]
pub enum Applied {
    /// Nothing.
    Done,
    /// Another node's agents changed: these licenses' availability may have.
    Presence(Vec<u64>),
    /// This license's settings changed.
    Settings(u64),
}

/// The agents each other node last announced, and when.
#[derive(Default)]
pub(super) struct RemotePresence {
    nodes: HashMap<String, Heard>,
}

/// What a node last said, and when.
struct Heard {
    at: Instant,
    agents: Vec<PresentAgent>,
    customers: Vec<(u64, usize)>,
}

impl RemotePresence {
    /// Takes a node's announcement; whether its agents changed.
    pub(super) fn update(&mut self, node: &str, agents: Vec<PresentAgent>, customers: Vec<(u64, usize)>, now: Instant) -> bool {
        let changed = self.nodes.get(node).is_none_or(|heard| heard.agents != agents || now.duration_since(heard.at) > PRESENCE_TTL);
        self.nodes.insert(node.to_owned(), Heard { at: now, agents, customers });
        changed
    }

    /// Forgets the nodes silent for longer than [`PRESENCE_TTL`]; the licenses whose
    /// agents went with them.
    pub(super) fn expire(&mut self, now: Instant) -> Vec<u64> {
        let mut licenses = Vec::new();
        self.nodes.retain(|_, heard| {
            let alive = now.duration_since(heard.at) <= PRESENCE_TTL;
            if !alive {
                licenses.extend(heard.agents.iter().map(|agent| agent.license_id));
            }
            alive
        });
        licenses.sort_unstable();
        licenses.dedup();
        licenses
    }

    /// What `node` last announced.
    pub(super) fn agents_of(&self, node: &str) -> impl Iterator<Item = &PresentAgent> {
        self.nodes.get(node).into_iter().flat_map(|heard| &heard.agents)
    }

    /// Customers of a license connected to the other nodes still heard from.
    pub(super) fn customers(&self, license_id: u64, now: Instant) -> usize {
        self.fresh(now).flat_map(|heard| &heard.customers).filter(|(license, _)| *license == license_id).map(|(_, count)| count).sum()
    }

    fn fresh(&self, now: Instant) -> impl Iterator<Item = &Heard> {
        self.nodes.values().filter(move |heard| now.duration_since(heard.at) <= PRESENCE_TTL)
    }

    /// Agents of a license connected to other nodes that are still heard from.
    pub(super) fn agents(&self, license_id: u64, now: Instant) -> impl Iterator<Item = &PresentAgent> {
        self.fresh(now).flat_map(|heard| &heard.agents).filter(move |agent| agent.license_id == license_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn agent(license_id: u64, agent_id: &str, accepting: bool) -> PresentAgent {
        PresentAgent { license_id, agent_id: agent_id.to_owned(), accepting }
    }

    #[test]
    fn another_nodes_agents_count_until_it_falls_silent() {
        let mut presence = RemotePresence::default();
        let start = Instant::now();
        assert!(presence.update("b", vec![agent(1, "x", true), agent(2, "y", false)], vec![(1, 10)], start));
        assert!(!presence.update("b", vec![agent(1, "x", true), agent(2, "y", false)], vec![(1, 12)], start + PRESENCE_EVERY), "no agent changed");
        assert!(presence.update("c", vec![agent(1, "z", false)], vec![(1, 5), (2, 7)], start));
        assert_eq!((presence.customers(1, start + PRESENCE_EVERY), presence.customers(2, start), presence.customers(3, start)), (17, 7, 0));
        let names = |presence: &RemotePresence, at| presence.agents(1, at).map(|agent| agent.agent_id.clone()).collect::<Vec<_>>();
        let mut seen = names(&presence, start + PRESENCE_EVERY);
        seen.sort();
        assert_eq!(seen, ["x", "z"]);
        // c says nothing more; b keeps announcing.
        let later = start + PRESENCE_TTL + Duration::from_millis(1);
        presence.update("b", vec![agent(1, "x", true), agent(2, "y", false)], vec![(1, 12)], later);
        assert_eq!(names(&presence, later), ["x"], "c's agents no longer count");
        assert_eq!(presence.customers(1, later), 12, "nor its customers");
        assert_eq!(presence.expire(later), [1]);
        assert_eq!(presence.expire(later), Vec::<u64>::new());
    }

    #[test]
    fn relayed_messages_survive_the_wire() {
        let push = protocol::Push::IncomingEvent(protocol::IncomingEvent {
            chat_id: "C".to_owned(),
            thread_id: "T".to_owned(),
            event: protocol::Event::message("m", "hello"),
        });
        let relayed = Relayed::Push {
            target: RemoteTarget::Chat { license_id: 1, customer_id: "ann".to_owned() },
            action: push.action().to_owned(),
            payload: push.payload(),
        };
        let back: Relayed = serde_json::from_str(&serde_json::to_string(&relayed).unwrap()).unwrap();
        assert_eq!(back, relayed);
        let Relayed::Push { action, payload, .. } = back else { unreachable!() };
        assert_eq!(protocol::Push::from_parts(&action, payload).unwrap(), push);
    }

    #[tokio::test]
    async fn an_answer_waits_until_the_bus_has_what_it_relayed() {
        use futures_util::FutureExt;
        use std::time::Duration;

        let hub = super::super::Hub::new(prometheus_client::metrics::histogram::Histogram::new([0.001].into_iter()));
        assert!(hub.relayed(0, Duration::from_secs(1)).is_none(), "a node alone has nothing to wait for");
        let (relay, mut relayed) = tokio::sync::mpsc::unbounded_channel();
        let (written, written_so_far) = tokio::sync::watch::channel(0u64);
        hub.relay_to(relay, written_so_far);
        let before = hub.relay_mark();
        hub.relay_settings_changed(7);
        let mark = hub.relay_mark();
        assert!(mark > before);
        while relayed.try_recv().is_ok() {}

        let mut waiting = Box::pin(hub.relayed(mark, Duration::from_secs(30)).expect("something to wait for"));
        assert!(waiting.as_mut().now_or_never().is_none(), "nothing is on the bus yet");
        written.send_replace(mark - 1);
        assert!(waiting.as_mut().now_or_never().is_none(), "not all of it is on the bus");
        written.send_replace(mark);
        tokio::time::timeout(Duration::from_secs(1), waiting).await.expect("released once all of it is written");
        assert!(hub.relayed(mark, Duration::from_secs(1)).is_none(), "nothing left to wait for");

        // A bus that never answers holds an answer back no longer than the patience.
        hub.relay_settings_changed(7);
        let late = hub.relayed(hub.relay_mark(), Duration::from_millis(50)).expect("something to wait for");
        tokio::time::timeout(Duration::from_secs(1), late).await.expect("gave up after its patience");
    }
}
