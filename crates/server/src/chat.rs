//! Chat operations shared by the customer and agent APIs: start, activate, deactivate,
//! send events, and the read views (chat, summaries, threads).
//!
//! Each operation checks access, commits to storage, then fans out pushes through the hub.
//! Nothing is pushed before it is stored.
//!
//! The operations live by concern: [`lifecycle`] starts, resumes and closes chats,
//! [`send`] stores and pushes what users send, and [`views`] builds what readers see. This
//! module answers the questions all of them ask: may the actor see the chat, and who is in it.

use protocol::{User, UserType};

use crate::actor::Actor;
use crate::db::ChatRow;
use crate::errors::{not_found, ApiResult};
use crate::hub::Peer;
use crate::App;

mod lifecycle;
mod send;
mod views;

/// Raw text of a message may not exceed 16 KB of UTF-8.
pub const MAX_TEXT_BYTES: usize = 16 * 1024;

impl App {
    /// A chat the actor may see. Other customers' chats and other licenses' chats are
    /// reported as not found, so ids cannot be probed.
    pub(crate) fn accessible_chat(&self, actor: &Actor<'_>, chat_id: &str) -> ApiResult<ChatRow> {
        let row = self.db.chat(chat_id)?.ok_or_else(|| not_found("chat"))?;
        let allowed = row.license_id == actor.license_id
            && match actor.peer {
                Peer::Customer(id) => *id == row.customer_id,
                Peer::Agent(_) => true,
            };
        if allowed { Ok(row) } else { Err(not_found("chat")) }
    }

    /// The users of a chat: its customer, then its agents.
    pub(crate) fn chat_users(&self, row: &ChatRow) -> ApiResult<Vec<User>> {
        let mut users = Vec::new();
        if let Some(customer) = self.db.customer(&row.customer_id)? {
            let peer = Peer::Customer(customer.id.clone());
            let events_seen_up_to = self.db.seen_up_to(&row.id, &customer.id)?;
            users.push(User {
                id: customer.id,
                kind: UserType::Customer,
                name: customer.name,
                email: customer.email,
                avatar: customer.avatar,
                job_title: None,
                is_bot: None,
                present: Some(self.hub.is_online(row.license_id, &peer)),
                events_seen_up_to,
            });
        }
        for agent_id in self.db.chat_agents(&row.id)? {
            let mut agent = self.agent_user(row.license_id, &agent_id);
            agent.events_seen_up_to = self.db.seen_up_to(&row.id, &agent_id)?;
            users.push(agent);
        }
        Ok(users)
    }

    pub(crate) fn agent_user(&self, license_id: u64, agent_id: &str) -> User {
        let directory = self.directory();
        let agent = directory.agent(agent_id);
        User {
            id: agent_id.to_owned(),
            kind: UserType::Agent,
            name: agent.map(|agent| agent.name.clone()),
            email: None,
            avatar: agent.and_then(|agent| agent.avatar.clone()),
            job_title: agent.map(|agent| agent.job_title.clone()),
            is_bot: Some(false),
            present: Some(self.hub.is_online(license_id, &Peer::Agent(agent_id.to_owned()))),
            events_seen_up_to: None,
        }
    }
}
