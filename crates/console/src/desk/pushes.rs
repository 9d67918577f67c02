//! The pushes agents receive, each as a transition of the desk. A push about a chat the
//! desk has not seen asks for it ([`Need`]).

use chat_client::Merged;
use protocol::{EventBody, Push, UserType};
use serde_json::Value;

use super::{Alert, ChatEntry, Desk, Section, ALERT_CHARS};

/// Something the desk lacks after a push, for the session to fetch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Need {
    /// A chat it does not know (or whose new thread it missed).
    Chat(String),
    /// The team's statuses and load changed.
    Agents,
}

/// The most pages kept of a visitor's visit.
const MAX_PAGES: usize = 20;

impl Desk {
    /// Applies a push; returns what to fetch because of it.
    pub fn push(&mut self, push: &Push) -> Vec<Need> {
        match push {
            Push::IncomingChat(incoming) => {
                let known_thread = self.chats.get(&incoming.chat.id).and_then(|chat| chat.thread_id.clone());
                self.chat_arrived(&incoming.chat);
                let is_new = known_thread != incoming.chat.thread.as_ref().map(|thread| thread.id.clone());
                if is_new {
                    // What the visitor wrote to start the chat is unread until the agent looks.
                    let on_screen = self.selected.as_deref() == Some(incoming.chat.id.as_str()) && !self.page_hidden;
                    if let Some(chat) = self.chats.get_mut(&incoming.chat.id)
                        && !on_screen
                    {
                        let customer = chat.customer_id().map(str::to_owned);
                        let written = chat.events.iter().filter(|event| event.author_id.is_some() && event.author_id == customer).count();
                        chat.unread += written as u32;
                    }
                    if let Some(chat) = self.chats.get(&incoming.chat.id)
                        && chat.active
                        && matches!(self.section_of(chat), Some(Section::Queue | Section::Mine))
                    {
                        self.alert_new_chat(&incoming.chat.id);
                    }
                }
                vec![Need::Agents]
            }
            Push::IncomingEvent(incoming) | Push::EventUpdated(incoming) => {
                let Some(chat) = self.chats.get_mut(&incoming.chat_id) else { return vec![Need::Chat(incoming.chat_id.clone())] };
                if chat.thread_id.as_deref() != Some(incoming.thread_id.as_str()) {
                    return vec![Need::Chat(incoming.chat_id.clone())];
                }
                let from_customer = incoming.event.author_id.is_some() && incoming.event.author_id.as_deref() == chat.customer_id();
                let merged = chat.merge(incoming.event.clone());
                if merged == Merged::Added && from_customer {
                    self.customer_wrote(&incoming.chat_id, &incoming.event);
                }
                Vec::new()
            }
            Push::ChatDeactivated(closed) => {
                if let Some(chat) = self.chats.get_mut(&closed.chat_id)
                    && chat.thread_id.as_deref() == Some(closed.thread_id.as_str())
                {
                    chat.active = false;
                    chat.queue = None;
                    chat.sneak_peek = None;
                }
                vec![Need::Agents]
            }
            Push::UserAddedToChat(added) => {
                let Some(chat) = self.chats.get_mut(&added.chat_id) else { return vec![Need::Chat(added.chat_id.clone())] };
                if added.user.kind == UserType::Customer {
                    chat.customer = Some(added.user.clone());
                } else if !chat.agent_ids.contains(&added.user.id) {
                    chat.agent_ids.push(added.user.id.clone());
                    chat.queue = None;
                    // Routing (or a colleague) gave the agent this chat: it is theirs to answer.
                    let me = self.me.as_deref();
                    if me == Some(added.user.id.as_str()) && added.requester_id.as_deref() != me && chat.active {
                        self.alert_new_chat(&added.chat_id);
                    }
                }
                vec![Need::Agents]
            }
            Push::UserRemovedFromChat(removed) => {
                if let Some(chat) = self.chats.get_mut(&removed.chat_id) {
                    chat.agent_ids.retain(|id| *id != removed.user_id);
                }
                vec![Need::Agents]
            }
            Push::QueuePositionUpdated(moved) => {
                if let Some(chat) = self.chats.get_mut(&moved.chat_id) {
                    chat.queue = Some(moved.queue.clone());
                }
                // The server announces a chat before it queues it: waiting is news.
                if self.chats.get(&moved.chat_id).is_some_and(|chat| chat.active && self.section_of(chat) == Some(Section::Queue)) {
                    self.alert_new_chat(&moved.chat_id);
                }
                Vec::new()
            }
            Push::ChatTransferred(transferred) => {
                if let Some(chat) = self.chats.get_mut(&transferred.chat_id) {
                    if let Some(group) = transferred.transferred_to.group_ids.as_ref().and_then(|groups| groups.first()) {
                        chat.group_id = *group;
                    }
                    if transferred.queue.is_some() {
                        chat.queue = transferred.queue.clone();
                    }
                }
                vec![Need::Agents]
            }
            Push::IncomingSneakPeek(peek) => {
                if let Some(chat) = self.chats.get_mut(&peek.chat_id) {
                    let text = peek.sneak_peek.text.trim();
                    chat.sneak_peek = (!text.is_empty()).then(|| text.to_owned());
                }
                Vec::new()
            }
            Push::ThreadPropertiesUpdated(changed) => {
                if let Some(chat) = self.chats.get_mut(&changed.chat_id)
                    && changed.thread_id.as_deref() == chat.thread_id.as_deref()
                {
                    for (namespace, values) in &changed.properties {
                        match (chat.properties.get_mut(namespace), values) {
                            (Some(Value::Object(known)), Value::Object(values)) => known.extend(values.clone()),
                            _ => {
                                chat.properties.insert(namespace.clone(), values.clone());
                            }
                        }
                    }
                }
                Vec::new()
            }
            Push::ThreadTagged(tagged) | Push::ThreadUntagged(tagged) => {
                if let Some(chat) = self.chats.get_mut(&tagged.chat_id)
                    && chat.thread_id.as_deref() == Some(tagged.thread_id.as_str())
                {
                    chat.tags.retain(|tag| *tag != tagged.tag);
                    if matches!(push, Push::ThreadTagged(_)) {
                        chat.tags.push(tagged.tag.clone());
                    }
                }
                Vec::new()
            }
            Push::CannedResponseCreated(reply) | Push::CannedResponseUpdated(reply) => {
                self.canned.retain(|known| known.id != reply.id);
                self.canned.push(reply.clone());
                self.sort_canned();
                Vec::new()
            }
            Push::CannedResponseDeleted(deleted) => {
                self.canned.retain(|known| known.id != deleted.id);
                Vec::new()
            }
            // Groups and agents may have changed: the team is listed again.
            Push::LicenseSettingsUpdated(_) => vec![Need::Agents],
            Push::RoutingStatusSet(status) => {
                if self.me.as_deref() == Some(status.agent_id.as_str()) {
                    self.accepting = status.status == "accepting_chats";
                }
                if let Some(agent) = self.agents.iter_mut().find(|agent| agent.id == status.agent_id) {
                    agent.routing_status = status.status.clone();
                }
                Vec::new()
            }
            Push::CustomerUpdated(updated) => {
                self.customer_updated(&updated.customer);
                Vec::new()
            }
            Push::CustomerPageUpdated(page) => {
                for chat in self.chats.values_mut().filter(|chat| chat.customer_id().is_some() && chat.customer_id() == page.customer_id.as_deref()) {
                    chat.page = Some((page.url.clone(), page.title.clone()));
                    if let Some(visitor) = chat.visitor.as_mut() {
                        let pages = &mut visitor.last_visit.last_pages;
                        if pages.last().and_then(|last| last.url.as_deref()) != Some(page.url.as_str()) {
                            pages.push(protocol::VisitedPage { url: Some(page.url.clone()), title: page.title.clone(), opened_at: page.opened_at.clone() });
                        }
                        // As many as the server keeps, give or take: a page-hopping visitor
                        // cannot grow an agent's tab without end.
                        let excess = pages.len().saturating_sub(MAX_PAGES);
                        pages.drain(..excess);
                    }
                }
                Vec::new()
            }
            Push::EventsMarkedAsSeen(seen) => {
                if let Some(chat) = self.chats.get_mut(&seen.chat_id)
                    && chat.customer_id() == Some(seen.user_id.as_str())
                {
                    chat.customer_seen_up_to = Some(seen.seen_up_to.clone());
                }
                Vec::new()
            }
            _ => Vec::new(),
        }
    }

    /// Alerts a new chat once per thread.
    fn alert_new_chat(&mut self, chat_id: &str) {
        let Some(chat) = self.chats.get_mut(chat_id) else { return };
        if chat.thread_id.is_none() || chat.alerted_thread == chat.thread_id {
            return;
        }
        chat.alerted_thread = chat.thread_id.clone();
        let alert = Alert::NewChat { chat_id: chat.id.clone(), from: chat.visitor_name() };
        self.alerts.push(alert);
    }

    /// A visitor's new message: unread unless on screen, and an alert when the chat is the
    /// agent's or waits.
    fn customer_wrote(&mut self, chat_id: &str, event: &protocol::Event) {
        let on_screen = self.selected.as_deref() == Some(chat_id) && !self.page_hidden;
        let Some(chat) = self.chats.get(chat_id) else { return };
        let counted = matches!(self.section_of(chat), Some(Section::Mine | Section::Queue));
        let from = chat.visitor_name();
        let text = match &event.body {
            EventBody::File { name, .. } => name.clone().unwrap_or_else(|| "a file".to_owned()),
            _ => event.text().unwrap_or_default().to_owned(),
        };
        if counted {
            let text: String = text.chars().take(ALERT_CHARS).collect();
            self.alerts.push(Alert::NewMessage { chat_id: chat_id.to_owned(), from, text });
        }
        if !on_screen && let Some(chat) = self.chats.get_mut(chat_id) {
            chat.unread += 1;
        }
    }

    /// `customer_updated`: the changed fields of a customer, in every chat of theirs.
    fn customer_updated(&mut self, changed: &Value) {
        let Some(id) = changed.get("id").and_then(Value::as_str) else { return };
        let text = |key: &str| changed.get(key).and_then(Value::as_str).map(str::to_owned);
        let session_fields = changed.get("session_fields").and_then(|fields| serde_json::from_value::<Vec<std::collections::BTreeMap<String, String>>>(fields.clone()).ok());
        for chat in self.chats.values_mut().filter(|chat: &&mut ChatEntry| chat.customer_id() == Some(id)) {
            if let Some(customer) = chat.customer.as_mut() {
                if let Some(name) = text("name") {
                    customer.name = Some(name);
                }
                if let Some(email) = text("email") {
                    customer.email = Some(email);
                }
            }
            if let Some(verification) = changed.get("verification").and_then(|value| serde_json::from_value(value.clone()).ok()) {
                chat.verification = Some(verification);
            }
            if let Some(visitor) = chat.visitor.as_mut() {
                if let Some(name) = text("name") {
                    visitor.customer.name = Some(name);
                }
                if let Some(email) = text("email") {
                    visitor.customer.email = Some(email);
                }
                if let Some(fields) = &session_fields {
                    visitor.customer.session_fields = fields.clone();
                }
            }
        }
    }
}
