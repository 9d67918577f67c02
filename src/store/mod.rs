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
use std::sync::Arc;

use protocol::{Customer, Object, Push, Queue, Response, ServerFrame, UserType};
use serde_json::Value;

mod message;
mod outbox;
#[cfg(test)]
mod tests;
mod transcript;

pub use message::{Author, ChatMessage, Delivery, MessageBody};
use message::{body_of, display_text};
pub use outbox::{Item, Opening, Outgoing};

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
        /// Who stopped it, and why.
        reason: Halt,
    },
    /// Stopped for good (banned, unknown license...).
    Stopped {
        /// Who stopped it, and why.
        reason: Halt,
    },
}

/// Why the connection stopped or waits for the visitor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Halt {
    /// The host page or the visitor asked for it (`disconnect`); nothing to report.
    Manual,
    /// The widget was destroyed.
    Destroyed,
    /// The server disconnected the visitor, for this reason.
    Server(protocol::DisconnectReason),
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


/// A chat participant as the UI shows them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Participant {
    /// Display name.
    pub name: Option<String>,
    /// Avatar URL.
    pub avatar: Option<String>,
    /// Agent job title.
    pub job_title: Option<String>,
    /// Still in the chat (false once removed, or when they wrote without joining).
    pub present: bool,
}

/// A greeting (an agent's invitation to chat) being shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Greeting {
    /// The greeting template's id.
    pub id: u64,
    /// This showing of it; accept and cancel name it.
    pub unique_id: String,
    /// The invitation's text.
    pub text: String,
    /// The inviting agent's id.
    pub agent_id: String,
    /// Whether it is shown for the first time.
    pub displayed_first_time: bool,
    /// Accepted (the chat it leads to has started).
    pub accepted: bool,
}


/// What the widget knows about the chat, readable by every layer (through `ChatState`'s
/// `Deref`) and written only by `ChatState`'s transitions: the reducer (`apply`) and the
/// named methods below it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ChatData {
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
    /// Visitors pick their agent (the server's `manual_assignment`, from login).
    pub manual_assignment: bool,
    /// The transcript, in order. Shared, so a reader that keeps it (the message list) holds
    /// it without copying, and sees a new one only when a transition changed it.
    pub messages: Arc<Vec<ChatMessage>>,
    /// Users seen in the chat, by id.
    pub users: BTreeMap<String, Participant>,
    /// Whether the chat window is open.
    pub open: bool,
    /// Agent messages that arrived while the window was closed.
    pub unread: u32,
    /// The agent currently typing, if any.
    pub agent_typing: Option<String>,
    /// The ids behind `unread`, so several tabs can merge their counts without double
    /// counting (see `tabs`). Few, so a plain list.
    pub unread_ids: Vec<String>,
    /// The chat's latest thread.
    pub thread_id: Option<String>,
    /// The logged-in customer as the server describes them (login, `get_customer`,
    /// `customer_updated`).
    pub customer: Option<Customer>,
    /// Data the server asked the client to keep and send back at login.
    pub customer_side_storage: Object,
    /// Read receipts: everything up to this time (RFC 3339) was seen by the user, by id.
    pub seen_up_to: BTreeMap<String, String>,
    /// Position in the queue while the chat waits for an agent.
    pub queue: Option<Queue>,
    /// A greeting (invitation) being shown.
    pub greeting: Option<Greeting>,
    /// Thread properties by thread id; the rating lives here.
    pub thread_properties: BTreeMap<String, Object>,
    /// Rich-message buttons pressed: (event id, postback id) → users who toggled it on.
    pub postbacks: BTreeMap<(String, String), Vec<String>>,
    /// Group availability by group id (`online`, `offline`, `online_for_queue`).
    pub group_statuses: BTreeMap<String, String>,
    /// The link dropped and did not come back within seconds, or pings go unanswered.
    pub unstable: bool,
    /// The page is hidden (another browser tab in front, window minimised).
    pub page_hidden: bool,
    /// Another tab of this visitor plays the new-message sound.
    pub quiet: bool,
    /// Who new chats should go to: the site's departments and operators, or the agent the
    /// visitor picked. Empty for the account's own routing.
    pub route: protocol::Access,
    /// Bumped each time this tab should play the new-message sound.
    pub chime: u32,
    /// Every older thread has been loaded (`get_chat_history` is done).
    pub history_complete: bool,
}

/// The chat state: its data, and what must still reach the server. Everything outside this
/// module reads it as `ChatData` and changes it only through the methods here, each a named
/// transition, so no other layer can put it in a state the reducer does not know.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ChatState {
    data: ChatData,
    /// What must still reach the server, in order (see `outbox`).
    outgoing: Vec<Outgoing>,
    /// Counts the transitions that may have written, so the signal around the state
    /// notifies its readers only when one did (a ping's answer changes nothing).
    revision: Revision,
}

/// How many times the state was opened for writing. Bookkeeping, not data: two states
/// with the same data are equal whatever their revisions.
#[derive(Debug, Clone, Copy, Default)]
struct Revision(u64);

impl PartialEq for Revision {
    fn eq(&self, _: &Revision) -> bool {
        true
    }
}

impl std::ops::Deref for ChatState {
    type Target = ChatData;

    fn deref(&self) -> &ChatData {
        &self.data
    }
}

impl ChatState {
    /// Changes with every transition that may have written the data or the outbox; equal
    /// before and after one that only read them.
    pub fn revision(&self) -> u64 {
        self.revision.0
    }

    /// Runs `change` and says whether it wrote, for the signal around the state to notify
    /// its readers only then (`try_maybe_update`).
    pub fn tracked<U>(&mut self, change: impl FnOnce(&mut ChatState) -> U) -> (bool, U) {
        let before = self.revision.0;
        let result = change(self);
        (self.revision.0 != before, result)
    }

    /// The data, for writing: every write goes through here or the two below.
    fn edit(&mut self) -> &mut ChatData {
        self.revision.0 += 1;
        &mut self.data
    }

    /// The transcript, for writing: copied first only if a reader still holds it.
    fn messages_mut(&mut self) -> &mut Vec<ChatMessage> {
        Arc::make_mut(&mut self.edit().messages)
    }

    /// The outbox, for writing.
    fn outbox_mut(&mut self) -> &mut Vec<Outgoing> {
        self.revision.0 += 1;
        &mut self.outgoing
    }

    /// Where a new chat or thread should go (`access` of `start_chat` / `activate_chat`):
    /// None for the account's own routing.
    pub fn access(&self) -> Option<protocol::Access> {
        (self.data.route != protocol::Access::default()).then(|| self.data.route.clone())
    }

    /// Applies one decoded server frame. Frames for other chats and unknown pushes are ignored.
    pub fn apply(&mut self, frame: &ServerFrame) {
        match frame {
            ServerFrame::Response(response) => {
                if let Ok(response) = &response.result {
                    self.apply_response(response);
                }
            }
            ServerFrame::Push(push) => self.apply_push(&push.push),
        }
    }

    /// What a successful response teaches about the chat. (`list_threads` answers do not
    /// name their chat: `get_chat_history` merges them through `merge_history`.)
    pub fn apply_response(&mut self, response: &Response) {
        match response {
            Response::Login(login) => {
                self.edit().customer_id = Some(login.customer.id.clone());
                self.edit().customer = Some(login.customer.clone());
                self.edit().agents_online = !login.dynamic_config.online_groups_ids.is_empty();
                self.edit().manual_assignment = login.dynamic_config.manual_assignment;
                if self.data.chat_id.is_none() {
                    self.edit().chat_id = login.chats.first().map(|chat| chat.chat_id.clone());
                }
                if self.data.chat_id.is_some() {
                    self.edit().chat_active = login.has_active_thread;
                }
                if let Some(greeting) = &login.greeting {
                    self.edit().greeting = Some(greeting_of(greeting));
                    self.add_user(&greeting.agent);
                }
            }
            Response::GetChat(chat) => self.merge_chat(chat, false),
            Response::StartChat(started) => {
                self.edit().chat_id = Some(started.chat_id.clone());
                self.edit().thread_id = Some(started.thread_id.clone());
                self.edit().chat_active = true;
            }
            Response::ActivateChat(activated) | Response::ResumeChat(activated) => {
                self.edit().thread_id = Some(activated.thread_id.clone());
                self.edit().chat_active = true;
            }
            Response::ListChats(list) => {
                if let Some(summary) = list.chats_summary.first().filter(|summary| self.is_this_chat(&summary.id)) {
                    self.edit().chat_id = Some(summary.id.clone());
                    self.edit().chat_active = summary.active;
                    if summary.last_thread_id.is_some() {
                        self.edit().thread_id = summary.last_thread_id.clone();
                    }
                }
            }
            Response::GetCustomer(customer) => {
                self.edit().customer_id.get_or_insert_with(|| customer.id.clone());
                self.edit().customer = Some(customer.clone());
            }
            Response::ListGroupStatuses(statuses) => {
                self.edit().group_statuses.extend(statuses.groups_status.clone());
                self.edit().agents_online = self.any_group_online();
            }
            _ => {}
        }
    }

    /// What a push changes: every push of the protocol lands here.
    pub fn apply_push(&mut self, push: &Push) {
        match push {
            Push::IncomingChat(incoming) => {
                if self.is_this_chat(&incoming.chat.id) {
                    self.edit().queue = incoming.chat.thread.as_ref().and_then(|thread| thread.queue.clone());
                }
                self.merge_chat(&incoming.chat, true)
            }
            Push::IncomingEvent(incoming) if self.is_this_chat(&incoming.chat_id) => {
                self.edit().chat_id = Some(incoming.chat_id.clone());
                self.edit().thread_id = Some(incoming.thread_id.clone());
                self.merge_event(&incoming.event, true);
            }
            Push::EventUpdated(updated) if self.is_this_chat(&updated.chat_id) => self.update_event(&updated.event),
            Push::ChatDeactivated(closed) if self.is_this_chat(&closed.chat_id) => {
                self.edit().chat_active = false;
                self.edit().agent_typing = None;
                self.edit().queue = None;
            }
            Push::UserAddedToChat(added) if self.is_this_chat(&added.chat_id) => {
                // An agent joining is the surest sign that someone is there to answer.
                if added.user.kind == UserType::Agent && added.user.present != Some(false) {
                    self.edit().agents_online = true;
                    self.edit().queue = None;
                }
                self.add_user(&added.user);
            }
            Push::UserRemovedFromChat(removed) if self.is_this_chat(&removed.chat_id) => {
                if let Some(participant) = self.edit().users.get_mut(&removed.user_id) {
                    participant.present = false;
                }
                if self.data.agent_typing.as_deref() == Some(removed.user_id.as_str()) {
                    self.edit().agent_typing = None;
                }
            }
            Push::IncomingTypingIndicator(typing) if self.is_this_chat(&typing.chat_id) => {
                let indicator = &typing.typing_indicator;
                if indicator.is_typing {
                    self.edit().agent_typing = Some(indicator.author_id.clone());
                } else if self.data.agent_typing.as_deref() == Some(indicator.author_id.as_str()) {
                    self.edit().agent_typing = None;
                }
            }
            Push::QueuePositionUpdated(update) if self.is_this_chat(&update.chat_id) => {
                self.edit().queue = Some(update.queue.clone());
            }
            Push::ChatTransferred(transfer) if self.is_this_chat(&transfer.chat_id) => {
                self.edit().queue = transfer.queue.clone();
                self.edit().agent_typing = None;
            }
            Push::EventsMarkedAsSeen(seen) if self.is_this_chat(&seen.chat_id) => {
                self.mark_seen(&seen.user_id, &seen.seen_up_to);
            }
            Push::ThreadPropertiesUpdated(changed) if self.is_this_chat(&changed.chat_id) => {
                if let Some(thread_id) = &changed.thread_id {
                    merge_properties(self.edit().thread_properties.entry(thread_id.clone()).or_default(), &changed.properties);
                }
            }
            Push::ThreadPropertiesDeleted(changed) if self.is_this_chat(&changed.chat_id) => {
                if let Some(properties) = changed.thread_id.as_ref().and_then(|id| self.edit().thread_properties.get_mut(id)) {
                    delete_properties(properties, &changed.properties);
                }
            }
            Push::IncomingRichMessagePostback(postback) if self.is_this_chat(&postback.chat_id) => {
                let users = self.edit().postbacks.entry((postback.event_id.clone(), postback.postback.id.clone())).or_default();
                users.retain(|user| *user != postback.user_id);
                if postback.postback.toggled {
                    users.push(postback.user_id.clone());
                }
            }
            Push::CustomerUpdated(updated) => self.update_customer(&updated.customer),
            Push::CustomerSideStorageUpdated(storage) => {
                self.edit().customer_side_storage.extend(storage.customer_side_storage.clone());
            }
            Push::IncomingGreeting(greeting) => {
                self.edit().greeting = Some(greeting_of(greeting));
                self.add_user(&greeting.agent);
            }
            Push::GreetingAccepted(accepted) => {
                if let Some(greeting) = self.edit().greeting.as_mut().filter(|greeting| greeting.unique_id == accepted.unique_id) {
                    greeting.accepted = true;
                }
            }
            Push::GreetingCanceled(canceled)
                if self.data.greeting.as_ref().is_some_and(|greeting| greeting.unique_id == canceled.unique_id) =>
            {
                self.edit().greeting = None;
            }
            // Our server's availability push (the protocol has none): `{groups: [{id, status}]}`.
            Push::GroupsStatusUpdated(updated) => {
                for group in &updated.groups {
                    self.edit().group_statuses.insert(group.id.to_string(), group.status.clone());
                }
                self.edit().agents_online = self.any_group_online();
            }
            // Nothing the visitor sees: chat and event properties (a rating is a thread
            // property), the page the server recorded, multicasts, transfers' details, and the
            // server's reason for a disconnect (the connection reacts to that one itself).
            _ => {}
        }
    }

    pub(super) fn any_group_online(&self) -> bool {
        self.data.group_statuses.values().any(|status| status == "online" || status == "online_for_queue")
    }

    pub(super) fn is_this_chat(&self, chat_id: &str) -> bool {
        self.data.chat_id.as_deref().is_none_or(|known| known == chat_id)
    }

    /// The chat turned out to be closed (another tab or the agent ended it).
    pub fn chat_went_inactive(&mut self) {
        self.edit().chat_active = false;
    }

    /// Opens or closes the window; opening clears the unread count.
    pub fn set_open(&mut self, open: bool) {
        self.edit().open = open;
        if open {
            self.edit().unread = 0;
            self.edit().unread_ids.clear();
        }
    }

    /// Adds unread messages another tab counted (ignored while this window is open).
    pub fn merge_unread(&mut self, ids: impl IntoIterator<Item = String>) {
        if self.data.open {
            return;
        }
        for id in ids {
            if !self.data.unread_ids.contains(&id) {
                self.edit().unread_ids.push(id);
            }
        }
        self.edit().unread = self.data.unread_ids.len() as u32;
    }

    /// Records the connection status.
    pub fn set_connection(&mut self, status: ConnectionStatus) {
        self.edit().connection = status;
    }

    /// Whether the link is shaky (dropped and not back within seconds, or pings unanswered).
    pub fn set_unstable(&mut self, unstable: bool) {
        self.edit().unstable = unstable;
    }

    /// Whether the page is hidden (another browser tab in front, the window minimised).
    pub fn set_page_hidden(&mut self, hidden: bool) {
        self.edit().page_hidden = hidden;
    }

    /// Whether another tab of this visitor plays the new-message sound instead of this one.
    pub fn set_quiet(&mut self, quiet: bool) {
        self.edit().quiet = quiet;
    }

    /// Where new chats go: the site's departments and operators, or the agent the visitor
    /// picked; the default for the account's own routing.
    pub fn set_route(&mut self, route: protocol::Access) {
        self.edit().route = route;
    }

    /// What the server asked to keep and be given back at login, as read back from storage.
    pub fn restore_customer_side_storage(&mut self, stored: Object) {
        self.edit().customer_side_storage = stored;
    }

    /// Whether every older thread has been loaded.
    pub fn set_history_complete(&mut self, complete: bool) {
        self.edit().history_complete = complete;
    }

    /// The chat is gone (or was never this visitor's): the next message starts a new one.
    pub fn forget_chat(&mut self) {
        self.edit().chat_id = None;
        self.edit().thread_id = None;
        self.edit().chat_active = false;
    }

    /// Test set-up: the data, writable, to build a state no frame sequence needs to reach.
    #[cfg(test)]
    pub fn fixture(&mut self) -> &mut ChatData {
        self.edit()
    }

    /// The display name of an agent.
    pub fn agent_name(&self, agent_id: &str) -> Option<&str> {
        self.data.users.get(agent_id).and_then(|participant| participant.name.as_deref())
    }

    /// The newest agent message the visitor has not yet reported as seen, if the visitor can
    /// see it now (window open, page visible): the `seen_up_to` to send in a read receipt.
    pub fn receipt_due(&self) -> Option<(String, String)> {
        if !self.data.open || self.data.page_hidden {
            return None;
        }
        let chat_id = self.data.chat_id.clone()?;
        let newest = self
            .messages
            .iter()
            .rev()
            .filter(|message| matches!(message.author, Author::Agent(_) | Author::System))
            .find_map(|message| message.created_at.clone())?;
        let seen = self.data.customer_id.as_ref().and_then(|customer_id| self.data.seen_up_to.get(customer_id));
        (seen.is_none_or(|seen| newest.as_str() > seen.as_str())).then_some((chat_id, newest))
    }

    /// Up to when an agent has read the visitor's messages (the latest receipt of any agent).
    pub fn agents_seen_up_to(&self) -> Option<&str> {
        self.data.seen_up_to
            .iter()
            .filter(|(user_id, _)| Some(user_id.as_str()) != self.data.customer_id.as_deref())
            .map(|(_, seen)| seen.as_str())
            .max()
    }

    /// Whether an agent has read this message (for "seen" ticks on the visitor's messages).
    pub fn is_seen_by_agent(&self, message: &ChatMessage) -> bool {
        match (&message.created_at, self.agents_seen_up_to()) {
            (Some(created_at), Some(seen)) => created_at.as_str() <= seen,
            _ => false,
        }
    }

    /// Users who have a rich-message button toggled on.
    pub fn postback_users(&self, event_id: &str, postback_id: &str) -> &[String] {
        self.data.postbacks.get(&(event_id.to_owned(), postback_id.to_owned())).map_or(&[], Vec::as_slice)
    }

    /// The rating of the latest thread (`rating.score`: 0 bad, 1 good), if any.
    pub fn rating(&self) -> Option<u8> {
        let properties = self.data.thread_properties.get(self.data.thread_id.as_ref()?)?;
        properties.get("rating")?.get("score")?.as_u64().map(|score| score as u8)
    }
}

/// Applies `{namespace: {name: value}}` on top of `target`.
pub(super) fn merge_properties(target: &mut Object, changed: &Object) {
    for (namespace, values) in changed {
        let Some(values) = values.as_object() else { continue };
        let entry = target.entry(namespace.clone()).or_insert_with(|| Value::Object(Object::new()));
        if let Some(entry) = entry.as_object_mut() {
            entry.extend(values.clone());
        }
    }
}

/// Removes `{namespace: [name, ...]}` from `target`. The maps are rebuilt with `insert`
/// rather than edited with `remove` or collected: both would add sizeable generic code to
/// the WebAssembly for this one rare push.
fn delete_properties(target: &mut Object, deleted: &Object) {
    for (namespace, names) in deleted {
        let Some(values) = target.get_mut(namespace).and_then(Value::as_object_mut) else { continue };
        let names: Vec<&str> = names.as_array().into_iter().flatten().filter_map(Value::as_str).collect();
        let mut kept = Object::new();
        for (name, value) in std::mem::take(values) {
            if !names.contains(&name.as_str()) {
                kept.insert(name, value);
            }
        }
        *values = kept;
    }
    let mut kept = Object::new();
    for (namespace, values) in std::mem::take(target) {
        if values.as_object().is_none_or(|values| !values.is_empty()) {
            kept.insert(namespace, values);
        }
    }
    *target = kept;
}

/// A greeting as `incoming_greeting` and the login response carry it.
fn greeting_of(greeting: &protocol::IncomingGreeting) -> Greeting {
    Greeting {
        id: greeting.id,
        unique_id: greeting.unique_id.clone(),
        text: greeting.event.text().map(str::to_owned).unwrap_or_default(),
        agent_id: greeting.agent.id.clone(),
        displayed_first_time: greeting.displayed_first_time,
        accepted: greeting.accepted.unwrap_or(false),
    }
}
