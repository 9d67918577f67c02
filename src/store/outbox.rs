//! The outbox: everything the visitor did that must reach the server, kept in order until
//! it has. Messages, files and filled forms (events, each with the `custom_id` the server
//! deduplicates by), rich-message button presses and ratings alike: each is persisted with
//! the state, sent when the connection allows, held and retried after "not now" errors,
//! and survives reconnects and reloads.

use protocol::{Access, Event, Object};
use serde::{Deserialize, Serialize};

use super::{Author, ChatMessage, ChatState, Delivery, MessageBody};

/// One thing on its way to the server.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Outgoing {
    /// Names it in the outbox; for events, also the event's `custom_id`.
    pub custom_id: String,
    /// What to send.
    pub item: Item,
    /// Refused for good, with the server's reason: it waits for the visitor to retry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failed: Option<String>,
}

/// What an [`Outgoing`] sends.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Item {
    /// An event for the visitor's chat (`send_event`), starting or reopening the chat when
    /// it has no open thread (`start_chat` / `activate_chat`, as `opening` says).
    Event {
        /// The event, with its `custom_id`.
        event: Event,
        /// How the chat opens if this event opens it.
        #[serde(default, skip_serializing_if = "Opening::is_default")]
        opening: Opening,
    },
    /// An event for the chat's latest thread even when it has ended (the post-chat form's
    /// answers): `send_event` with `attach_to_last_thread`.
    AfterChat {
        /// The event, with its `custom_id`.
        event: Event,
    },
    /// A rich-message button pressed or released (`send_rich_message_postback`).
    Postback {
        /// The chat.
        chat_id: String,
        /// The thread of the message.
        thread_id: String,
        /// The message.
        event_id: String,
        /// The button.
        postback_id: String,
        /// Pressed (true) or released.
        toggled: bool,
    },
    /// Thread properties set (`update_thread_properties`) or removed
    /// (`delete_thread_properties`): the rating.
    ThreadProperties {
        /// The chat.
        chat_id: String,
        /// The thread.
        thread_id: String,
        /// `{namespace: {name: value}}` to set, or `{namespace: [name]}` to remove.
        properties: Object,
        /// Remove instead of set.
        #[serde(default)]
        delete: bool,
    },
}

/// How a chat opened by an outgoing event is routed.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Opening {
    /// Where the chat goes; `None` for the state's own route.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access: Option<Access>,
    /// A ticket (offline message): the chat stays open for agents to answer later.
    #[serde(default)]
    pub continuous: bool,
}

impl Opening {
    fn is_default(&self) -> bool {
        *self == Opening::default()
    }
}

impl Item {
    /// The event it sends, for items that send one.
    pub fn event(&self) -> Option<&Event> {
        match self {
            Item::Event { event, .. } | Item::AfterChat { event } => Some(event),
            _ => None,
        }
    }
}

impl ChatState {
    /// Queues something for the server. Events show in the transcript at once, as
    /// "sending", and become the server's copy when it arrives.
    pub fn queue(&mut self, custom_id: String, mut item: Item) {
        if let Item::Event { event, .. } | Item::AfterChat { event } = &mut item {
            event.custom_id = Some(custom_id.clone());
            let text = super::display_text(event).unwrap_or_default();
            self.messages_mut().push(ChatMessage {
                key: custom_id.clone(),
                id: None,
                custom_id: Some(custom_id.clone()),
                author: Author::Visitor,
                text,
                created_at: None,
                delivery: Delivery::Sending,
                body: super::body_of(event),
            });
        }
        self.outbox_mut().push(Outgoing { custom_id, item, failed: None });
    }

    /// Adds a message the visitor just typed, before the server has it.
    pub fn queue_message(&mut self, custom_id: String, text: String) {
        let event = Event::message(custom_id.clone(), text);
        self.queue(custom_id, Item::Event { event, opening: Opening::default() });
    }

    /// What is still to go out, oldest first (refused items wait for a retry).
    pub fn outbox(&self) -> impl Iterator<Item = &Outgoing> {
        self.outgoing.iter().filter(|outgoing| outgoing.failed.is_none())
    }

    /// Everything in the outbox, refused items included (what is kept across reloads).
    pub fn outgoing(&self) -> &[Outgoing] {
        &self.outgoing
    }

    /// The server took an item; for events, `event_id` is the stored event's id (its
    /// pushed copy, with the time, may follow).
    pub fn delivered(&mut self, custom_id: &str, event_id: Option<&str>) {
        self.outbox_mut().retain(|outgoing| outgoing.custom_id != custom_id);
        if let Some(message) = self.messages_mut().iter_mut().find(|message| message.custom_id.as_deref() == Some(custom_id)) {
            if let Some(event_id) = event_id {
                message.id.get_or_insert_with(|| event_id.to_owned());
            }
            message.delivery = Delivery::Sent;
        }
    }

    /// The server refused an item for good. A message stays, marked failed, for the visitor
    /// to retry; anything else leaves the outbox (its sender reports the reason).
    pub fn refused(&mut self, custom_id: &str, reason: String) {
        let is_message = self.outgoing.iter().any(|outgoing| {
            outgoing.custom_id == custom_id
                && matches!(&outgoing.item, Item::Event { event, .. } if matches!(event.body, protocol::EventBody::Message { .. }))
        });
        if is_message {
            if let Some(outgoing) = self.outbox_mut().iter_mut().find(|outgoing| outgoing.custom_id == custom_id) {
                outgoing.failed = Some(reason.clone());
            }
        } else {
            self.outbox_mut().retain(|outgoing| outgoing.custom_id != custom_id);
        }
        if let Some(message) = self.messages_mut().iter_mut().find(|message| message.custom_id.as_deref() == Some(custom_id)) {
            if message.delivery == Delivery::Sending {
                message.delivery = Delivery::Failed(reason);
            }
        }
        if !is_message {
            self.messages_mut().retain(|message| message.custom_id.as_deref() != Some(custom_id) || message.body == MessageBody::Text);
        }
    }

    /// The visitor asked to send a refused message again.
    pub fn retry_message(&mut self, custom_id: &str) {
        if let Some(outgoing) = self.outbox_mut().iter_mut().find(|outgoing| outgoing.custom_id == custom_id) {
            outgoing.failed = None;
        }
        if let Some(message) = self.messages_mut().iter_mut().find(|message| message.custom_id.as_deref() == Some(custom_id)) {
            if let Delivery::Failed(_) = message.delivery {
                message.delivery = Delivery::Sending;
            }
        }
    }

    /// Puts items kept from an earlier page load back, in order, unless already known.
    pub fn restore_outbox(&mut self, kept: Vec<Outgoing>) {
        for outgoing in kept {
            if self.outgoing.iter().any(|known| known.custom_id == outgoing.custom_id) {
                continue;
            }
            let failed = outgoing.failed.clone();
            self.queue(outgoing.custom_id.clone(), outgoing.item);
            if let Some(reason) = failed {
                self.refused(&outgoing.custom_id, reason);
            }
        }
    }
}
