//! Client-side chat state and the reducer that applies server frames to it.
//!
//! Architecture invariant: nothing here performs IO, reads the clock or touches the DOM;
//! every method is deterministic, so the whole chat logic is tested natively.
//!
//! Messages are kept in one ordered list and merged by event id and, for the visitor's own
//! messages, by `custom_id`: the optimistic row added when the visitor presses send becomes
//! the confirmed row when the server's copy arrives, so each message appears exactly once
//! however many times it is pushed, fetched or retried.

use std::collections::BTreeMap;

use protocol::{Chat, Event, EventBody, Push, Response, ServerFrame, User, UserType};

#[cfg(test)]
mod tests;

/// The state of the link to the server, as the UI shows it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum ConnectionStatus {
    /// Not connected yet, and not trying (waiting for the visitor to open the chat).
    #[default]
    Idle,
    /// First connection in progress.
    Connecting,
    /// Logged in.
    Online,
    /// Lost; retrying. `attempt` counts from 1.
    Reconnecting {
        /// Retry number.
        attempt: u32,
    },
    /// Stopped until the visitor acts (e.g. after 30 minutes of inactivity).
    Paused {
        /// The server's reason.
        reason: String,
    },
    /// Stopped for good (banned, unknown license...).
    Stopped {
        /// The server's reason.
        reason: String,
    },
}

impl ConnectionStatus {
    /// For `data-connection` attributes.
    pub fn as_str(&self) -> &'static str {
        match self {
            ConnectionStatus::Idle => "idle",
            ConnectionStatus::Connecting => "connecting",
            ConnectionStatus::Online => "online",
            ConnectionStatus::Reconnecting { .. } => "reconnecting",
            ConnectionStatus::Paused { .. } => "paused",
            ConnectionStatus::Stopped { .. } => "stopped",
        }
    }
}

/// Who wrote a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Author {
    /// This visitor.
    Visitor,
    /// An agent, by user id.
    Agent(String),
    /// The system (routing, chat closed...).
    System,
}

impl Author {
    /// For `data-author` attributes.
    pub fn as_str(&self) -> &'static str {
        match self {
            Author::Visitor => "visitor",
            Author::Agent(_) => "agent",
            Author::System => "system",
        }
    }
}

/// Where a visitor's message is on its way to the server.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Delivery {
    /// Waiting to be sent or acknowledged.
    Sending,
    /// Stored by the server.
    Sent,
    /// Refused by the server; the visitor may retry.
    Failed(String),
}

impl Delivery {
    /// For `data-delivery` attributes.
    pub fn as_str(&self) -> &'static str {
        match self {
            Delivery::Sending => "sending",
            Delivery::Sent => "sent",
            Delivery::Failed(_) => "failed",
        }
    }
}

/// One row of the transcript.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChatMessage {
    /// Stable key for rendering: the `custom_id` of the visitor's messages, else the event id.
    pub key: String,
    /// Server event id, once known.
    pub id: Option<String>,
    /// Client id of the visitor's messages.
    pub custom_id: Option<String>,
    /// Author.
    pub author: Author,
    /// What to show.
    pub text: String,
    /// Server time (RFC 3339), once known.
    pub created_at: Option<String>,
    /// Delivery state (always `Sent` for others' messages).
    pub delivery: Delivery,
}

/// A chat participant as the UI shows them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Participant {
    /// Display name.
    pub name: Option<String>,
    /// Avatar URL.
    pub avatar: Option<String>,
    /// Agent job title.
    pub job_title: Option<String>,
}

/// Everything the widget knows about the chat.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChatState {
    /// Link to the server.
    pub connection: ConnectionStatus,
    /// The logged-in customer.
    pub customer_id: Option<String>,
    /// The customer's chat, once there is one.
    pub chat_id: Option<String>,
    /// Whether the chat has an open thread.
    pub chat_active: bool,
    /// Whether an agent is available (from login).
    pub agents_online: bool,
    /// The transcript, in order.
    pub messages: Vec<ChatMessage>,
    /// Users seen in the chat, by id.
    pub users: BTreeMap<String, Participant>,
    /// Whether the chat window is open.
    pub open: bool,
    /// Agent messages that arrived while the window was closed.
    pub unread: u32,
    /// The agent currently typing, if any.
    pub agent_typing: Option<String>,
}

impl ChatState {
    /// Applies one decoded server frame. Frames for other chats and unknown pushes are ignored.
    pub fn apply(&mut self, frame: &ServerFrame) {
        match frame {
            ServerFrame::Response(response) => match &response.result {
                Ok(Response::Login(login)) => {
                    self.customer_id = Some(login.customer.id.clone());
                    self.agents_online = !login.dynamic_config.online_groups_ids.is_empty();
                    if self.chat_id.is_none() {
                        self.chat_id = login.chats.first().map(|chat| chat.chat_id.clone());
                    }
                    if self.chat_id.is_some() {
                        self.chat_active = login.has_active_thread;
                    }
                }
                Ok(Response::GetChat(chat)) => self.merge_chat(chat, false),
                Ok(Response::StartChat(started)) => {
                    self.chat_id = Some(started.chat_id.clone());
                    self.chat_active = true;
                }
                Ok(Response::ActivateChat(_)) => self.chat_active = true,
                Ok(Response::ListChats(list)) => {
                    if let Some(summary) = list.chats_summary.first() {
                        self.chat_id = Some(summary.id.clone());
                        self.chat_active = summary.active;
                    }
                }
                _ => {}
            },
            ServerFrame::Push(push) => match &push.push {
                Push::IncomingChat(incoming) => self.merge_chat(&incoming.chat, true),
                Push::IncomingEvent(incoming) if self.is_this_chat(&incoming.chat_id) => {
                    self.chat_id = Some(incoming.chat_id.clone());
                    self.merge_event(&incoming.event, true);
                }
                Push::ChatDeactivated(closed) if self.is_this_chat(&closed.chat_id) => {
                    self.chat_active = false;
                    self.agent_typing = None;
                }
                Push::UserAddedToChat(added) if self.is_this_chat(&added.chat_id) => {
                    // An agent joining is the surest sign that someone is there to answer.
                    if added.user.kind == UserType::Agent && added.user.present != Some(false) {
                        self.agents_online = true;
                    }
                    self.add_user(&added.user);
                }
                Push::IncomingTypingIndicator(typing) if self.is_this_chat(&typing.chat_id) => {
                    let indicator = &typing.typing_indicator;
                    if indicator.is_typing {
                        self.agent_typing = Some(indicator.author_id.clone());
                    } else if self.agent_typing.as_deref() == Some(indicator.author_id.as_str()) {
                        self.agent_typing = None;
                    }
                }
                _ => {}
            },
        }
    }

    fn is_this_chat(&self, chat_id: &str) -> bool {
        self.chat_id.as_deref().is_none_or(|known| known == chat_id)
    }

    /// Merges a whole chat (from `get_chat` or `incoming_chat`): users, then its thread's events.
    fn merge_chat(&mut self, chat: &Chat, live: bool) {
        if !self.is_this_chat(&chat.id) {
            return;
        }
        self.chat_id = Some(chat.id.clone());
        for user in &chat.users {
            self.add_user(user);
        }
        if let Some(thread) = &chat.thread {
            self.chat_active = thread.active;
            for event in &thread.events {
                self.merge_event(event, live);
            }
        }
    }

    fn add_user(&mut self, user: &User) {
        if user.kind == UserType::Customer {
            if self.customer_id.is_none() {
                self.customer_id = Some(user.id.clone());
            }
            return;
        }
        self.users.insert(
            user.id.clone(),
            Participant { name: user.name.clone(), avatar: user.avatar.clone(), job_title: user.job_title.clone() },
        );
    }

    /// Merges one server event. `live` events from agents count as unread while closed;
    /// history fetched after a reconnect or reload does not.
    pub fn merge_event(&mut self, event: &Event, live: bool) {
        let Some(id) = event.id.clone() else { return };
        let author = match (&event.body, event.author_id.as_deref()) {
            (EventBody::SystemMessage { .. }, _) | (_, None) => Author::System,
            (_, Some(author)) if Some(author) == self.customer_id.as_deref() => Author::Visitor,
            (_, Some(author)) => Author::Agent(author.to_owned()),
        };
        // Known already: by id, or (the visitor's own) by custom_id. Fill in what was missing.
        let custom_id = event.custom_id.as_deref().filter(|_| author == Author::Visitor);
        if let Some(message) = self.messages.iter_mut().find(|message| {
            message.id.as_deref() == Some(id.as_str()) || (custom_id.is_some() && message.custom_id.as_deref() == custom_id)
        }) {
            message.id = Some(id);
            message.delivery = Delivery::Sent;
            if message.created_at.is_none() && event.created_at.is_some() {
                message.created_at = event.created_at.clone();
                self.sort();
            }
            return;
        }
        let Some(text) = display_text(event) else { return };
        if live && matches!(author, Author::Agent(_)) {
            if !self.open {
                self.unread += 1;
            }
            if self.agent_typing.as_deref() == event.author_id.as_deref() {
                self.agent_typing = None;
            }
        }
        let key = match &event.custom_id {
            Some(custom_id) if author == Author::Visitor => custom_id.clone(),
            _ => id.clone(),
        };
        self.messages.push(ChatMessage {
            key,
            id: Some(id),
            custom_id: event.custom_id.clone(),
            author,
            text,
            created_at: event.created_at.clone(),
            delivery: Delivery::Sent,
        });
        self.sort();
    }

    /// Server-stamped messages in time order; messages still on their way stay at the end
    /// in the order they were typed.
    fn sort(&mut self) {
        self.messages.sort_by(|a, b| match (&a.created_at, &b.created_at) {
            (Some(a), Some(b)) => a.cmp(b),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => std::cmp::Ordering::Equal,
        });
    }

    /// Adds a message the visitor just typed, before the server has it.
    pub fn queue_message(&mut self, custom_id: String, text: String) {
        self.messages.push(ChatMessage {
            key: custom_id.clone(),
            id: None,
            custom_id: Some(custom_id),
            author: Author::Visitor,
            text,
            created_at: None,
            delivery: Delivery::Sending,
        });
    }

    /// The visitor's messages the server has not confirmed, oldest first: the outbox.
    pub fn outbox(&self) -> impl Iterator<Item = &ChatMessage> {
        self.messages.iter().filter(|message| message.author == Author::Visitor && message.delivery == Delivery::Sending)
    }

    /// The server stored a message; its pushed copy (with the time) may follow.
    pub fn message_sent(&mut self, custom_id: &str, event_id: &str) {
        if let Some(message) = self.messages.iter_mut().find(|message| message.custom_id.as_deref() == Some(custom_id)) {
            message.id.get_or_insert_with(|| event_id.to_owned());
            message.delivery = Delivery::Sent;
        }
    }

    /// The server refused a message for good (e.g. too long).
    pub fn message_failed(&mut self, custom_id: &str, reason: String) {
        if let Some(message) = self.messages.iter_mut().find(|message| message.custom_id.as_deref() == Some(custom_id)) {
            if message.delivery == Delivery::Sending {
                message.delivery = Delivery::Failed(reason);
            }
        }
    }

    /// The visitor asked to send a failed message again.
    pub fn retry_message(&mut self, custom_id: &str) {
        if let Some(message) = self.messages.iter_mut().find(|message| message.custom_id.as_deref() == Some(custom_id)) {
            if let Delivery::Failed(_) = message.delivery {
                message.delivery = Delivery::Sending;
            }
        }
    }

    /// The chat turned out to be closed (another tab or the agent ended it).
    pub fn chat_went_inactive(&mut self) {
        self.chat_active = false;
    }

    /// Opens or closes the window; opening clears the unread count.
    pub fn set_open(&mut self, open: bool) {
        self.open = open;
        if open {
            self.unread = 0;
        }
    }

    /// Records the connection status.
    pub fn set_connection(&mut self, status: ConnectionStatus) {
        self.connection = status;
    }

    /// The display name of an agent.
    pub fn agent_name(&self, agent_id: &str) -> Option<&str> {
        self.users.get(agent_id).and_then(|participant| participant.name.as_deref())
    }
}

/// The text a transcript row shows for an event, or None for events it does not show.
fn display_text(event: &Event) -> Option<String> {
    match &event.body {
        EventBody::Message { text, .. } => Some(text.clone()),
        EventBody::SystemMessage { text, .. } => text.clone(),
        EventBody::File { name, url, .. } => Some(name.clone().unwrap_or_else(|| url.clone())),
        EventBody::RichMessage { elements, .. } => elements
            .iter()
            .filter_map(|element| element.get("title").and_then(|title| title.as_str()))
            .next()
            .map(str::to_owned),
        EventBody::FilledForm { .. } | EventBody::Custom { .. } | EventBody::Unknown => None,
    }
}
