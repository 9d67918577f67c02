//! The transcript's merging: whole chats, history pages, single events and their edits
//! become rows, each exactly once, in time order (see the module above).

use std::collections::{BTreeMap, HashSet};

use protocol::{Chat, Event, EventBody, Thread, User, UserType};
use serde_json::Value;

use super::{body_of, display_text, merge_properties, Author, ChatMessage, ChatState, Delivery, Participant};

impl ChatState {
    /// Merges a whole chat (from `get_chat` or `incoming_chat`): users, then its thread's events.
    pub(super) fn merge_chat(&mut self, chat: &Chat, live: bool) {
        if !self.is_this_chat(&chat.id) {
            return;
        }
        self.edit().chat_id = Some(chat.id.clone());
        for user in &chat.users {
            self.add_user(user);
        }
        if let Some(thread) = &chat.thread {
            // An older thread fetched by id does not say whether the chat is active.
            if self.data.thread_id.as_deref().is_none_or(|latest| thread.next_thread_id.is_none() || latest == thread.id) {
                self.edit().chat_active = thread.active;
                self.edit().thread_id = Some(thread.id.clone());
                if !thread.active {
                    self.edit().queue = None;
                }
            }
            if let Some(properties) = &thread.properties {
                merge_properties(self.edit().thread_properties.entry(thread.id.clone()).or_default(), properties);
            }
            if live {
                for event in &thread.events {
                    self.merge_event(event, live);
                }
            } else {
                self.merge_events(&thread.events);
            }
        }
    }

    /// Merges older threads (a page of `get_chat_history`) into the one ordered transcript.
    /// Overlap with what is already shown is expected and harmless.
    pub fn merge_history(&mut self, chat_id: &str, threads: &[Thread]) {
        if !self.is_this_chat(chat_id) {
            return;
        }
        for thread in threads {
            if let Some(properties) = &thread.properties {
                merge_properties(self.edit().thread_properties.entry(thread.id.clone()).or_default(), properties);
            }
            self.merge_events(&thread.events);
        }
    }

    /// Merges fetched (not live) events in one pass: known ones fill in what was missing,
    /// new ones are appended, and the transcript is sorted once at the end.
    pub(super) fn merge_events(&mut self, events: &[Event]) {
        // What a fetched event may already be: a row by its id, or the visitor's own row or
        // outbox item by its custom_id. Everything else is new, appended without a search.
        let known: HashSet<String> = self.data.messages.iter().filter_map(|message| message.id.clone()).collect();
        let known_custom: HashSet<String> = self
            .data
            .messages
            .iter()
            .filter_map(|message| message.custom_id.clone())
            .chain(self.outgoing.iter().map(|outgoing| outgoing.custom_id.clone()))
            .collect();
        let mut added = false;
        for event in events {
            let Some(id) = event.id.as_deref() else { continue };
            let own_custom_id = event.custom_id.as_ref().is_some_and(|custom_id| known_custom.contains(custom_id))
                && event.author_id.is_some()
                && event.author_id == self.data.customer_id;
            if known.contains(id) || own_custom_id {
                self.merge_event(event, false);
                continue;
            }
            if let Some(message) = self.message_of(event) {
                self.messages_mut().push(message);
                added = true;
            }
        }
        if added {
            self.sort();
        }
    }

    pub(super) fn add_user(&mut self, user: &User) {
        if let Some(seen) = &user.events_seen_up_to {
            self.mark_seen(&user.id, seen);
        }
        if user.kind == UserType::Customer {
            if self.data.customer_id.is_none() {
                self.edit().customer_id = Some(user.id.clone());
            }
            return;
        }
        self.edit().users.insert(
            user.id.clone(),
            Participant {
                name: user.name.clone(),
                avatar: user.avatar.clone(),
                job_title: user.job_title.clone(),
                present: user.present != Some(false),
            },
        );
    }

    /// Records a read receipt; times only move forward.
    pub(super) fn mark_seen(&mut self, user_id: &str, seen_up_to: &str) {
        let entry = self.edit().seen_up_to.entry(user_id.to_owned()).or_default();
        if seen_up_to > entry.as_str() {
            *entry = seen_up_to.to_owned();
        }
    }

    /// Who wrote an event, from this visitor's point of view.
    pub(super) fn author_of(&self, event: &Event) -> Author {
        match (&event.body, event.author_id.as_deref()) {
            (EventBody::SystemMessage { .. }, _) | (_, None) => Author::System,
            (_, Some(author)) if Some(author) == self.data.customer_id.as_deref() => Author::Visitor,
            (_, Some(author)) => Author::Agent(author.to_owned()),
        }
    }

    /// A new transcript row for an event, or None for events the transcript does not show.
    pub(super) fn message_of(&self, event: &Event) -> Option<ChatMessage> {
        let id = event.id.clone()?;
        let author = self.author_of(event);
        let text = display_text(event)?;
        let key = match &event.custom_id {
            Some(custom_id) if author == Author::Visitor => custom_id.clone(),
            _ => id.clone(),
        };
        Some(ChatMessage {
            key,
            id: Some(id),
            custom_id: event.custom_id.clone(),
            author,
            text,
            created_at: event.created_at.clone(),
            delivery: Delivery::Sent,
            body: body_of(event),
        })
    }


    /// Merges one server event. `live` events from agents count as unread while closed;
    /// history fetched after a reconnect or reload does not.
    pub fn merge_event(&mut self, event: &Event, live: bool) {
        let Some(id) = event.id.clone() else { return };
        let author = self.author_of(event);
        // Known already: by id, or (the visitor's own) by custom_id. Fill in what was missing.
        let custom_id = event.custom_id.as_deref().filter(|_| author == Author::Visitor);
        if let Some(custom_id) = custom_id {
            // The server's copy of something in the outbox: it arrived.
            self.outbox_mut().retain(|outgoing| outgoing.custom_id != custom_id);
        }
        if let Some(message) = self.messages_mut().iter_mut().find(|message| {
            message.id.as_deref() == Some(id.as_str()) || (custom_id.is_some() && message.custom_id.as_deref() == custom_id)
        }) {
            message.id = Some(id);
            message.delivery = Delivery::Sent;
            // The server's copy wins: it adds what only the server knows (a file's type,
            // size and thumbnail).
            if let Some(text) = display_text(event) {
                message.text = text;
                message.body = body_of(event);
            }
            if message.created_at.is_none() && event.created_at.is_some() {
                message.created_at = event.created_at.clone();
                self.sort();
            }
            return;
        }
        let Some(message) = self.message_of(event) else { return };
        if live && matches!(author, Author::Agent(_)) {
            if !self.data.open && !self.data.unread_ids.contains(&id) {
                self.edit().unread_ids.push(id.clone());
                self.edit().unread = self.data.unread_ids.len() as u32;
            }
            if !self.data.quiet {
                self.edit().chime = self.data.chime.wrapping_add(1);
            }
            if self.data.agent_typing.as_deref() == event.author_id.as_deref() {
                self.edit().agent_typing = None;
            }
        }
        self.messages_mut().push(message);
        self.sort();
    }

    /// An edited event (`event_updated`): the row shows the new text in place.
    pub(super) fn update_event(&mut self, event: &Event) {
        let Some(id) = event.id.as_deref() else { return };
        match (self.messages_mut().iter_mut().find(|message| message.id.as_deref() == Some(id)), display_text(event)) {
            (Some(message), Some(text)) => {
                message.text = text;
                message.body = body_of(event);
            }
            (None, Some(_)) => self.merge_event(event, false),
            _ => {}
        }
    }

    /// Merges the changed fields of `customer_updated` into the known customer.
    pub(super) fn update_customer(&mut self, changed: &Value) {
        let Some(customer) = self.edit().customer.as_mut() else { return };
        if changed.get("id").and_then(Value::as_str).is_some_and(|id| id != customer.id) {
            return;
        }
        let text = |key: &str| changed.get(key).and_then(Value::as_str).map(str::to_owned);
        if let Some(name) = text("name") {
            customer.name = Some(name);
        }
        if let Some(email) = text("email") {
            customer.email = Some(email);
        }
        if let Some(avatar) = text("avatar") {
            customer.avatar = Some(avatar);
        }
        // Session fields arrive as `session_fields` (array of one-key objects) or `fields` (map).
        let fields = changed.get("session_fields").or_else(|| changed.get("fields"));
        match fields {
            Some(Value::Array(_)) => {
                if let Ok(fields) = serde_json::from_value(fields.cloned().unwrap_or_default()) {
                    customer.session_fields = fields;
                }
            }
            Some(Value::Object(map)) => {
                customer.session_fields = map
                    .iter()
                    .map(|(key, value)| {
                        let value = value.as_str().map(str::to_owned).unwrap_or_else(|| value.to_string());
                        BTreeMap::from([(key.clone(), value)])
                    })
                    .collect();
            }
            _ => {}
        }
    }

    /// Server-stamped messages in time order; messages still on their way stay at the end
    /// in the order they were typed.
    pub(super) fn sort(&mut self) {
        self.messages_mut().sort_by(|a, b| match (&a.created_at, &b.created_at) {
            (Some(a), Some(b)) => a.cmp(b),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => std::cmp::Ordering::Equal,
        });
    }
}
