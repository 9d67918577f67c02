//! Sending the outbox (see `store::outbox`): the right request for each item and the
//! chat's state, in order, and what each answer means for it.

use protocol::{
    ActivateChat, ErrorPayload, Event, InitialChat, InitialThread, Postback, Request, RequestFrame,
    SendEvent, SendRichMessagePostback, StartChat, ThreadProperties,
};

use super::{Delivered, Pending, RequestError, Session};
use crate::store::{ChatState, Item, Opening, Outgoing};

impl Session {
    /// Someone waits for the outbox item `custom_id`: `reply` hears when the server has it
    /// or refused it for good. Items outlive connections, and so do their waiters.
    pub fn track(&mut self, custom_id: String, reply: Delivered) {
        if self.destroyed {
            let _ = reply.send(Err(RequestError::Destroyed));
            return;
        }
        self.waiters.entry(custom_id).or_default().push(reply);
    }

    /// The server took the item.
    pub(super) fn delivered(&mut self, state: &mut ChatState, custom_id: &str, event_id: Option<&str>) {
        self.in_flight.remove(custom_id);
        self.held.retain(|(held, ..)| held != custom_id);
        state.delivered(custom_id, event_id);
        for waiter in self.waiters.remove(custom_id).unwrap_or_default() {
            let _ = waiter.send(Ok(()));
        }
    }

    /// The server refused the item: later when it said "not now", else for good.
    pub(super) fn not_delivered(&mut self, state: &mut ChatState, custom_id: &str, error: &ErrorPayload) {
        if self.hold(custom_id, &error.kind) {
            return;
        }
        state.refused(custom_id, error.message.clone());
        for waiter in self.waiters.remove(custom_id).unwrap_or_default() {
            let _ = waiter.send(Err(RequestError::from(error.clone())));
        }
    }

    /// The requests for what the outbox holds now. Order is kept: nothing overtakes an item
    /// that has to wait. Events need the chat open: while it has no open thread they all go
    /// in the one `start_chat` or `activate_chat` that opens it.
    pub(super) fn flush_outbox(&mut self, state: &ChatState) -> Vec<RequestFrame> {
        if !self.synced || self.opening_chat || self.pending.is_full() {
            return Vec::new();
        }
        let clock = self.clock;
        let held = &self.held;
        let in_flight = &self.in_flight;
        let waiting: Vec<Outgoing> = state
            .outbox()
            .filter(|outgoing| !in_flight.contains(&outgoing.custom_id))
            .take_while(|outgoing| held.iter().all(|(held, _, until)| *held != outgoing.custom_id || *until <= clock))
            .cloned()
            .collect();
        if waiting.is_empty() {
            return Vec::new();
        }
        let (events, others): (Vec<Outgoing>, Vec<Outgoing>) =
            waiting.into_iter().partition(|outgoing| matches!(outgoing.item, Item::Event { .. }));
        let mut out = Vec::new();
        if !events.is_empty() {
            out.extend(self.send_events(state, events));
        }
        for outgoing in others {
            if self.opening_chat || self.free_slots() == 0 {
                break;
            }
            if let Some(request) = item_request(state, &outgoing.item) {
                self.in_flight.insert(outgoing.custom_id.clone());
                let pending = match outgoing.item {
                    Item::AfterChat { .. } => Pending::SendEvent(outgoing.custom_id),
                    _ => Pending::Item(outgoing.custom_id),
                };
                out.push(self.request(pending, request));
            }
        }
        out
    }

    fn send_events(&mut self, state: &ChatState, events: Vec<Outgoing>) -> Vec<RequestFrame> {
        let opening = match &events[0].item {
            Item::Event { opening, .. } => opening.clone(),
            _ => Opening::default(),
        };
        let custom_ids: Vec<String> = events.iter().map(|outgoing| outgoing.custom_id.clone()).collect();
        let events: Vec<Event> = events.into_iter().filter_map(|outgoing| outgoing.item.event().cloned()).collect();
        let access = opening.access.clone().or_else(|| state.access());
        let thread = Some(InitialThread { events: events.clone(), properties: None });
        match (&state.chat_id, state.chat_active) {
            (None, _) => {
                self.opening_chat = true;
                self.in_flight.extend(custom_ids.iter().cloned());
                let chat = InitialChat { thread, access, ..InitialChat::default() };
                let continuous = opening.continuous.then_some(true);
                let request = Request::StartChat(StartChat { chat: Some(chat), continuous, ..StartChat::default() });
                vec![self.request(Pending::StartChat(custom_ids), request)]
            }
            (Some(chat_id), false) => {
                self.opening_chat = true;
                self.in_flight.extend(custom_ids.iter().cloned());
                let chat = InitialChat { id: Some(chat_id.clone()), thread, access, ..InitialChat::default() };
                let continuous = opening.continuous.then_some(true);
                let request = Request::ActivateChat(ActivateChat { chat, continuous, ..ActivateChat::default() });
                vec![self.request(Pending::ActivateChat(custom_ids), request)]
            }
            (Some(chat_id), true) => custom_ids
                .into_iter()
                .zip(events)
                .take(self.free_slots())
                .map(|(custom_id, event)| {
                    self.in_flight.insert(custom_id.clone());
                    let request = Request::SendEvent(SendEvent { chat_id: chat_id.clone(), event, attach_to_last_thread: None });
                    self.request(Pending::SendEvent(custom_id), request)
                })
                .collect(),
        }
    }
}

/// The request that sends an item other than a chat-opening event; `None` while it cannot
/// go yet (an after-chat event before there is a chat).
fn item_request(state: &ChatState, item: &Item) -> Option<Request> {
    Some(match item.clone() {
        Item::Event { .. } => return None,
        Item::AfterChat { event } => {
            let chat_id = state.chat_id.clone()?;
            Request::SendEvent(SendEvent { chat_id, event, attach_to_last_thread: Some(true) })
        }
        Item::Postback { chat_id, thread_id, event_id, postback_id, toggled } => {
            let postback = Postback { id: postback_id, toggled };
            Request::SendRichMessagePostback(SendRichMessagePostback { chat_id, thread_id, event_id, postback })
        }
        Item::ThreadProperties { chat_id, thread_id, properties, delete } => {
            let request = ThreadProperties { chat_id, thread_id, properties };
            if delete { Request::DeleteThreadProperties(request) } else { Request::UpdateThreadProperties(request) }
        }
    })
}
