//! The hub's connections, indexed by who they belong to: a push to one chat, a login's
//! limits and a customer's ban look at that chat's, customer's or license's sockets only,
//! never at every socket the node holds.

use std::collections::HashMap;

use super::{Conn, ConnId, Peer};

/// Every logged-in connection, with indexes by license, customer and agent.
#[derive(Default)]
pub(super) struct Conns {
    all: HashMap<ConnId, Conn>,
    licenses: HashMap<u64, LicenseConns>,
}

/// One license's connections.
#[derive(Default)]
struct LicenseConns {
    /// Each connected customer's sockets (one per tab).
    customers: HashMap<String, Vec<ConnId>>,
    /// Every agent socket.
    agents: Vec<ConnId>,
}

impl Conns {
    pub(super) fn insert(&mut self, id: ConnId, conn: Conn) {
        let license = self.licenses.entry(conn.license_id).or_default();
        match &conn.peer {
            Peer::Customer(customer_id) => license.customers.entry(customer_id.clone()).or_default().push(id),
            Peer::Agent(_) => license.agents.push(id),
        }
        if let Some(replaced) = self.all.insert(id, conn) {
            // Ids are never reused; a second registration replaces the first everywhere.
            self.forget(id, &replaced);
        }
    }

    /// Forgets a connection; whether it was an agent's.
    pub(super) fn remove(&mut self, id: ConnId) -> bool {
        let Some(conn) = self.all.remove(&id) else { return false };
        self.forget(id, &conn);
        matches!(conn.peer, Peer::Agent(_))
    }

    fn forget(&mut self, id: ConnId, conn: &Conn) {
        let Some(license) = self.licenses.get_mut(&conn.license_id) else { return };
        match &conn.peer {
            Peer::Customer(customer_id) => {
                if let Some(tabs) = license.customers.get_mut(customer_id) {
                    tabs.retain(|tab| *tab != id);
                    if tabs.is_empty() {
                        license.customers.remove(customer_id);
                    }
                }
            }
            Peer::Agent(_) => license.agents.retain(|agent| *agent != id),
        }
        if license.customers.is_empty() && license.agents.is_empty() {
            self.licenses.remove(&conn.license_id);
        }
    }

    pub(super) fn len(&self) -> usize {
        self.all.len()
    }

    /// Every connection.
    pub(super) fn iter(&self) -> impl Iterator<Item = &Conn> {
        self.all.values()
    }

    /// A customer's sockets.
    pub(super) fn customer(&self, license_id: u64, customer_id: &str) -> &[ConnId] {
        self.licenses.get(&license_id).and_then(|license| license.customers.get(customer_id)).map_or(&[], Vec::as_slice)
    }

    /// A license's agent sockets.
    pub(super) fn agents(&self, license_id: u64) -> &[ConnId] {
        self.licenses.get(&license_id).map_or(&[], |license| license.agents.as_slice())
    }

    /// A license's customer sockets.
    pub(super) fn customers(&self, license_id: u64) -> impl Iterator<Item = &ConnId> {
        self.licenses.get(&license_id).into_iter().flat_map(|license| license.customers.values().flatten())
    }

    /// How many customers of a license have a socket.
    pub(super) fn n_customers(&self, license_id: u64) -> usize {
        self.licenses.get(&license_id).map_or(0, |license| license.customers.len())
    }

    /// Each license with customers connected, and how many.
    pub(super) fn customer_counts(&self) -> Vec<(u64, usize)> {
        let mut counts: Vec<(u64, usize)> =
            self.licenses.iter().filter(|(_, license)| !license.customers.is_empty()).map(|(id, license)| (*id, license.customers.len())).collect();
        counts.sort_unstable();
        counts
    }

    /// The connections behind `ids` (all of them live: the indexes follow `all`).
    pub(super) fn pick<'a>(&'a self, ids: impl IntoIterator<Item = &'a ConnId> + 'a) -> impl Iterator<Item = (ConnId, &'a Conn)> + 'a {
        ids.into_iter().filter_map(|id| self.all.get(id).map(|conn| (*id, conn)))
    }

    /// Sets whether an agent takes new chats, on each of their sockets.
    pub(super) fn set_accepting(&mut self, license_id: u64, agent_id: &str, accepting: bool) {
        for id in self.agents(license_id).to_vec() {
            if let Some(conn) = self.all.get_mut(&id)
                && matches!(&conn.peer, Peer::Agent(id) if id == agent_id)
            {
                conn.accepting = accepting;
            }
        }
    }
}
