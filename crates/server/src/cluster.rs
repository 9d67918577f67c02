//! Several nodes serving as one: NATS (core publish/subscribe) carries what each node's
//! hub delivers to the others, and each node's agents' presence.
//!
//! A node that joins publishes everything its hub hands to the relay (`hub::Relayed`), in
//! the order the hub delivered it, on `livechat.<cluster>.<license>.<kind>` (or
//! `livechat.<cluster>.presence`), and delivers what the other nodes publish to its own
//! sockets. `<cluster>` is a name kept in the database, chosen by the first node to join:
//! nodes on one database hear each other, and other deployments on the same NATS server
//! are not heard. Pushes are published after
//! the writes behind them committed, by one task over one connection, so the other nodes see
//! one node's pushes in the order it made them; pushes for one chat made on two nodes at once
//! may arrive in either order (their events carry their own ids and times). Every
//! [`PRESENCE_EVERY`] a node announces its agents again and forgets those of nodes that fell
//! silent, then tells its own customers what that changed. A node alone needs none of this.

use std::sync::Arc;

use futures_util::StreamExt;
use serde::{Deserialize, Serialize};

use crate::hub::{Applied, Relayed, PRESENCE_EVERY};
use crate::App;

/// A node's membership of the cluster.
pub struct Cluster {
    /// This node's name on the bus (random, new at every start).
    pub node: String,
    client: async_nats::Client,
}

impl Cluster {
    /// Whether the bus is connected now.
    pub fn connected(&self) -> bool {
        self.client.connection_state() == async_nats::connection::State::Connected
    }
}

/// What goes on the bus: a relayed delivery and the node it comes from.
#[derive(Serialize, Deserialize)]
struct Envelope {
    node: String,
    relayed: Relayed,
}

/// The subject under `prefix` (`livechat.<cluster>`) that `relayed` goes on.
fn subject(prefix: &str, relayed: &Relayed) -> String {
    match relayed {
        Relayed::Push { target, .. } => format!("{prefix}.{}.push", target.license_id()),
        Relayed::DisconnectCustomer { license_id, .. } | Relayed::DisconnectAgents { license_id, .. } => format!("{prefix}.{license_id}.disconnect"),
        Relayed::Presence { .. } => format!("{prefix}.presence"),
        Relayed::SettingsChanged { license_id } => format!("{prefix}.{license_id}.settings"),
    }
}

/// Connects to NATS at `url` and starts relaying; fails if the bus cannot be reached.
pub async fn join(app: &App, url: &str) -> anyhow::Result<Arc<Cluster>> {
    let node = crate::ids::short_id();
    let prefix = format!("livechat.{}", app.db.cluster_name(&node)?);
    let shown = crate::redact_password(url);
    let mut options = async_nats::ConnectOptions::new().name(format!("livechat-server {node}")).connection_timeout(std::time::Duration::from_secs(5));
    // A user in the URL signs in (the client takes credentials only from its options).
    let mut address = url::Url::parse(url).map_err(|err| anyhow::anyhow!("the NATS URL {shown} does not parse: {err}"))?;
    if !address.username().is_empty() {
        options = options.user_and_password(address.username().to_owned(), address.password().unwrap_or_default().to_owned());
        let _ = address.set_username("");
        let _ = address.set_password(None);
    }
    let client = options.connect(address.as_str()).await.map_err(|err| anyhow::anyhow!("cannot reach NATS at {shown}: {err}"))?;
    let mut incoming = client.subscribe(format!("{prefix}.>")).await.map_err(|err| anyhow::anyhow!("cannot subscribe on NATS: {err}"))?;
    // Subscribed before the first publish: this node hears every node that hears it.
    client.flush().await.map_err(|err| anyhow::anyhow!("NATS does not answer: {err}"))?;
    let cluster = Arc::new(Cluster { node: node.clone(), client: client.clone() });

    let (relay, mut outgoing) = tokio::sync::mpsc::unbounded_channel::<Relayed>();
    // How many deliveries are written to the bus: answers that made some wait for theirs
    // (see `Hub::relayed`).
    let (written, written_so_far) = tokio::sync::watch::channel(0u64);
    let publisher = client.clone();
    let me = node.clone();
    tokio::spawn(async move {
        let mut count = 0u64;
        while let Some(relayed) = outgoing.recv().await {
            count += 1;
            let subject = subject(&prefix, &relayed);
            let envelope = Envelope { node: me.clone(), relayed };
            match serde_json::to_vec(&envelope) {
                // While the bus is away the client keeps what is published and sends it on
                // reconnecting; an error means even that buffer is full.
                Ok(bytes) => {
                    if let Err(error) = publisher.publish(subject, bytes.into()).await {
                        tracing::warn!(%error, "a relayed delivery was not published");
                    }
                }
                Err(error) => tracing::warn!(%error, "a relayed delivery does not encode"),
            }
            // Once the queue is empty (or every 64 under a steady stream), what was published
            // goes out on the socket at once, a burst in one write.
            if outgoing.is_empty() || count % 64 == 0 {
                if let Err(error) = publisher.flush().await {
                    tracing::warn!(%error, "relayed deliveries were not flushed to the bus");
                }
                written.send_replace(count);
            }
        }
    });

    let receiver = app.clone();
    tokio::spawn(async move {
        while let Some(message) = incoming.next().await {
            let envelope: Envelope = match serde_json::from_slice(&message.payload) {
                Ok(envelope) => envelope,
                Err(error) => {
                    tracing::warn!(%error, subject = %message.subject, "a message on the bus does not decode");
                    continue;
                }
            };
            if envelope.node == node {
                continue;
            }
            match receiver.hub.apply(&envelope.node, envelope.relayed) {
                Applied::Done => {}
                Applied::Presence(licenses) => {
                    for license_id in licenses {
                        receiver.availability_changed_elsewhere(license_id);
                    }
                }
                // Read before the next message, which may be the pushes that follow the save;
                // the groups may have changed, so this node's customers hear which take chats.
                Applied::Settings(license_id) => match receiver.reload_license_settings(license_id) {
                    Ok(()) => receiver.availability_changed_elsewhere(license_id),
                    Err(error) => tracing::warn!(%error, license_id, "could not read another node's settings"),
                },
            }
        }
        tracing::warn!("the subscription to the bus ended");
    });

    let beating = app.clone();
    tokio::spawn(async move {
        let mut every = tokio::time::interval(PRESENCE_EVERY);
        loop {
            every.tick().await;
            beating.hub.announce_presence();
            for license_id in beating.hub.expire_remote() {
                beating.availability_changed_elsewhere(license_id);
            }
        }
    });

    app.hub.relay_to(relay, written_so_far);
    tracing::info!(node = %cluster.node, "joined the cluster");
    Ok(cluster)
}

/// The longest an answer waits for its deliveries to reach the bus (see `Hub::relayed`);
/// while the bus is away the client keeps them, and the answer goes out after this.
const RELAY_PATIENCE: std::time::Duration = std::time::Duration::from_secs(2);

impl App {
    /// What a request must wait for before its answer, when its work went to the other
    /// nodes (this thread relayed something since `mark`, a [`crate::hub::Hub::relay_mark`]
    /// taken before the work): that it is written to the bus, so the asker never hears
    /// "done" of something the others will not hear. None for a node alone, while the bus
    /// is away, or when there is nothing left to wait for.
    pub(crate) fn relayed_since(&self, mark: u64) -> Option<impl std::future::Future<Output = ()> + Send + 'static> {
        let handed = self.hub.relay_mark();
        if handed <= mark || !self.cluster.get().is_some_and(|cluster| cluster.connected()) {
            return None;
        }
        self.hub.relayed(handed, RELAY_PATIENCE)
    }

    /// Another node's agents or settings changed: this node's customers hear which groups
    /// take chats now. (The other node told its own customers, and gave waiting chats to
    /// its agents who came online.)
    fn availability_changed_elsewhere(&self, license_id: u64) {
        if let Err(error) = self.announce_availability(license_id) {
            tracing::warn!(%error, license_id, "could not follow another node's agents");
        }
    }
}
