//! Who makes a request ([`Actor`]), and what they may see of a chat: customers never see
//! agents' internal notes.

use protocol::{Event, Thread};

use crate::hub::{ConnId, Origin, Peer};

/// The user making a request, and the request that carries it.
#[derive(Debug, Clone, Copy)]
pub struct Actor<'a> {
    /// Tenant.
    pub license_id: u64,
    /// Customer or agent, with id.
    pub peer: &'a Peer,
    /// The requesting connection ([`crate::hub::NO_SOCKET`] for the Web API).
    pub conn: ConnId,
    /// The request's id.
    pub request_id: Option<&'a str>,
}

impl Actor<'_> {
    pub(crate) fn user_id(&self) -> &str {
        match self.peer {
            Peer::Customer(id) | Peer::Agent(id) => id,
        }
    }

    /// Where the push a request creates as its result goes tagged.
    pub(crate) fn origin(&self) -> Origin<'_> {
        Origin { conn: self.conn, request_id: self.request_id }
    }
}

/// Whether only agents may see an event (an internal note).
pub(crate) fn agents_only(event: &Event) -> bool {
    event.recipients.as_deref() == Some("agents")
}

/// Leaves agents' internal notes out of a thread a customer looks at.
pub(crate) fn hide_notes(viewer: &Peer, thread: &mut Thread) {
    if matches!(viewer, Peer::Customer(_)) {
        thread.events.retain(|event| !agents_only(event));
    }
}
