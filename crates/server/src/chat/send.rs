//! Sending events: what a user may send, the fields the server fills in, storing an event
//! once per `custom_id` and pushing it to the chat, an agent joining the chat by writing
//! in it, and the presses of a rich message's buttons.

use protocol::{ErrorPayload, ErrorType, Event, EventBody, IncomingEvent, Push, SendEventResponse, UserAddedToChat};

use super::MAX_TEXT_BYTES;
use crate::actor::{agents_only, Actor};
use crate::db::{Appended, ChatRow};
use crate::errors::{not_found, validation, ApiResult};
use crate::hub::Peer;
use crate::App;

impl App {
    /// Fills in the server-owned fields of an event a user sends.
    pub(super) fn stamp(&self, actor: &Actor<'_>, mut event: Event) -> ApiResult<Event> {
        // A customer may only share a file they uploaded here, and the server describes it:
        // what the client says about its name, type or size is replaced.
        match (&event.body, actor.peer) {
            (EventBody::File { url, .. }, Peer::Customer(customer_id)) => event.body = self.customer_file(actor.license_id, customer_id, url)?,
            (EventBody::File { .. }, Peer::Agent(_)) => event.body = self.agent_file(actor.license_id, event.body.clone())?,
            _ => {}
        }
        check_event(&event, actor.peer)?;
        event.id = None;
        event.author_id = Some(actor.user_id().to_owned());
        event.created_at = Some(self.clock.timestamp());
        event.recipients.get_or_insert_with(|| "all".to_owned());
        Ok(event)
    }

    /// `send_event`. A retry carrying a `custom_id` the author already used in this chat is
    /// answered with the stored event and re-pushed to the requester only.
    pub(crate) fn send_event(&self, actor: &Actor<'_>, request: protocol::SendEvent) -> ApiResult<SendEventResponse> {
        let row = self.accessible_chat(actor, &request.chat_id)?;
        let event = self.stamp(actor, request.event)?;
        let threads = self.db.threads(&row.id)?;
        let thread = threads.last().ok_or_else(|| ErrorPayload::new(ErrorType::ChatInactive, "the chat has no thread"))?;
        if !thread.active && request.attach_to_last_thread != Some(true) {
            // A retry of an event that made it before the chat closed is still a success.
            if let Some(duplicate) = self.find_duplicate(&row, &event)? {
                return self.answer_duplicate(actor, &row, duplicate);
            }
            return Err(ErrorPayload::new(ErrorType::ChatInactive, "the chat is not active; activate it first"));
        }
        // An internal note does not join its author: a supervisor can advise the agent in
        // charge without the visitor seeing anyone new.
        if let Peer::Agent(agent_id) = actor.peer
            && !agents_only(&event)
        {
            self.join_agent(&row, &thread.id, agent_id)?;
        }
        match self.db.append_event(&row.id, &thread.id, event)? {
            Appended::Stored(event) => {
                // The store moved the sender's read marker to it: sending counts as having
                // seen everything in the chat so far.
                let event_id = event.id.clone().unwrap_or_default();
                let note = agents_only(&event);
                let push = Push::IncomingEvent(IncomingEvent { chat_id: row.id.clone(), thread_id: thread.id.clone(), event });
                if note {
                    self.hub.push_result_to_agents(row.license_id, &push, actor.origin());
                } else {
                    self.hub.push_result(row.license_id, &row.customer_id, &push, actor.origin());
                }
                Ok(SendEventResponse { event_id })
            }
            Appended::Duplicate(event) => self.answer_duplicate(actor, &row, event),
            Appended::Full => Err(ErrorPayload::new(
                ErrorType::LimitReached,
                format!(
                    "this thread holds its most events ({} or {} MB); deactivate the chat and start a new thread",
                    crate::db::MAX_THREAD_EVENTS,
                    crate::db::MAX_THREAD_BYTES / (1024 * 1024)
                ),
            )),
        }
    }

    fn find_duplicate(&self, row: &ChatRow, event: &Event) -> ApiResult<Option<Event>> {
        let Some(custom_id) = &event.custom_id else { return Ok(None) };
        for thread in self.db.threads(&row.id)?.iter().rev() {
            if let Some(found) = self
                .db
                .events(&thread.id)?
                .into_iter()
                .find(|stored| stored.custom_id.as_ref() == Some(custom_id) && stored.author_id == event.author_id)
            {
                return Ok(Some(found));
            }
        }
        Ok(None)
    }

    fn answer_duplicate(&self, actor: &Actor<'_>, row: &ChatRow, event: Event) -> ApiResult<SendEventResponse> {
        let event_id = event.id.clone().unwrap_or_default();
        let thread_id = event_id.rsplit_once('_').map(|(thread, _)| thread.to_owned()).unwrap_or_default();
        let push = Push::IncomingEvent(IncomingEvent { chat_id: row.id.clone(), thread_id, event });
        self.hub.push_result_to_origin(&push, actor.origin());
        Ok(SendEventResponse { event_id })
    }

    /// Adds an agent to a chat (taking it out of the queue); everyone in it hears of a new
    /// member. `requester` asked for it.
    pub(crate) fn join_agent(&self, row: &ChatRow, thread_id: &str, agent_id: &str) -> ApiResult<()> {
        self.join_agent_by(row, thread_id, agent_id, agent_id)
    }

    pub(crate) fn join_agent_by(&self, row: &ChatRow, thread_id: &str, agent_id: &str, requester: &str) -> ApiResult<()> {
        if self.db.dequeue(&row.id, &self.clock.timestamp())? {
            self.announce_queue(row.license_id)?;
        }
        if self.db.add_chat_agent(&row.id, agent_id)? {
            let push = Push::UserAddedToChat(UserAddedToChat {
                chat_id: row.id.clone(),
                thread_id: Some(thread_id.to_owned()),
                user: self.agent_user(row.license_id, agent_id),
                reason: "manual".to_owned(),
                requester_id: Some(requester.to_owned()),
            });
            self.hub.push_to_chat(row.license_id, &row.customer_id, &push);
        }
        Ok(())
    }
}

/// The most bytes of a `custom` event's content or a filled form's answers.
const MAX_CONTENT_BYTES: usize = 16 * 1024;
/// The longest `custom_id`.
const MAX_CUSTOM_ID_BYTES: usize = 256;

/// What a user may send: text that says something (not only spaces or control characters,
/// no NUL) of at most 16 KB; `recipients` `all`, or `agents` from agents (an internal note);
/// system messages and rich messages from agents only (a visitor could otherwise write
/// lines agents read as the system's); postbacks that name the button they answer; bounded
/// custom content, forms and ids.
fn check_event(event: &Event, peer: &Peer) -> ApiResult<()> {
    let agent = matches!(peer, Peer::Agent(_));
    match event.recipients.as_deref() {
        None | Some("all") => {}
        Some("agents") if agent => {}
        Some("agents") => return Err(validation("only agents send events for agents only")),
        Some(other) => return Err(validation(format!("recipients must be all or agents, not {other:?}"))),
    }
    if event.custom_id.as_ref().is_some_and(|id| id.len() > MAX_CUSTOM_ID_BYTES) {
        return Err(validation(format!("custom_id is longer than {MAX_CUSTOM_ID_BYTES} bytes")));
    }
    crate::properties::check_size(event.properties.as_ref())?;
    let size = |value: &serde_json::Value| value.to_string().len();
    match &event.body {
        EventBody::Message { text, postback } => {
            if text.contains('\0') || text.chars().all(|c| c.is_whitespace() || c.is_control()) {
                return Err(validation("message text must say something (and contain no NUL characters)"));
            }
            if text.len() > MAX_TEXT_BYTES {
                return Err(validation(format!("message text is {} bytes; the limit is 16 KB", text.len())));
            }
            if let Some(postback) = postback {
                let answers = ["id", "thread_id", "event_id"].iter().all(|key| postback.get(key).is_some_and(|value| value.is_string()));
                if !answers || size(postback) > MAX_CUSTOM_ID_BYTES * 4 {
                    return Err(validation("a postback is an object naming the button's id, thread_id and event_id"));
                }
            }
            Ok(())
        }
        EventBody::SystemMessage { .. } | EventBody::RichMessage { .. } if !agent => {
            Err(validation("system and rich messages come from agents, not customers"))
        }
        EventBody::SystemMessage { .. } | EventBody::RichMessage { .. } | EventBody::File { .. } => Ok(()),
        EventBody::Custom { content } if size(content) > MAX_CONTENT_BYTES => {
            Err(validation(format!("custom content is larger than {} KB", MAX_CONTENT_BYTES / 1024)))
        }
        EventBody::FilledForm { fields, .. } if fields.len() > 100 || fields.iter().map(size).sum::<usize>() > MAX_CONTENT_BYTES => {
            Err(validation("a filled form has at most 100 fields and 16 KB of answers"))
        }
        EventBody::Custom { .. } | EventBody::FilledForm { .. } => Ok(()),
        EventBody::Unknown => Err(validation("this event type cannot be sent")),
    }
}

impl App {
    /// `send_rich_message_postback`: toggles the pressing user on every button sharing the
    /// postback id (in any element), stores the message, and tells the chat.
    pub(crate) fn postback(&self, actor: &Actor<'_>, request: protocol::SendRichMessagePostback) -> ApiResult<()> {
        let row = self.accessible_chat(actor, &request.chat_id)?;
        let (chat_id, thread_id, mut event) = self.db.event(&request.event_id)?.ok_or_else(|| not_found("event"))?;
        if chat_id != row.id || thread_id != request.thread_id || (agents_only(&event) && matches!(actor.peer, Peer::Customer(_))) {
            return Err(not_found("event"));
        }
        if !self.db.threads(&row.id)?.iter().any(|thread| thread.id == thread_id && thread.active) {
            return Err(ErrorPayload::new(ErrorType::ChatInactive, "postbacks need an active thread"));
        }
        let EventBody::RichMessage { elements, .. } = &mut event.body else {
            return Err(validation("the event is not a rich message"));
        };
        let user_id = actor.user_id().to_owned();
        let mut found = false;
        for button in elements
            .iter_mut()
            .filter_map(|element| element.get_mut("buttons").and_then(|buttons| buttons.as_array_mut()))
            .flatten()
            .filter(|button| button.get("postback_id").and_then(|id| id.as_str()) == Some(request.postback.id.as_str()))
        {
            found = true;
            let users = button
                .as_object_mut()
                .map(|button| button.entry("user_ids").or_insert_with(|| serde_json::json!([])))
                .and_then(|users| users.as_array_mut());
            if let Some(users) = users {
                users.retain(|user| user.as_str() != Some(user_id.as_str()));
                if request.postback.toggled {
                    users.push(serde_json::Value::String(user_id.clone()));
                }
            }
        }
        if !found {
            return Err(not_found("button with this postback id"));
        }
        self.db.replace_event(&event)?;
        let push = Push::IncomingRichMessagePostback(protocol::IncomingRichMessagePostback {
            user_id,
            chat_id: row.id.clone(),
            thread_id: thread_id.clone(),
            event_id: request.event_id.clone(),
            postback: request.postback,
        });
        self.hub.push_to_chat(row.license_id, &row.customer_id, &push);
        let push = Push::EventUpdated(IncomingEvent { chat_id: row.id.clone(), thread_id, event });
        self.hub.push_to_chat(row.license_id, &row.customer_id, &push);
        Ok(())
    }
}
