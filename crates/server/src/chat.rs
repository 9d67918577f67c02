//! Chat operations shared by the customer and agent APIs: start, activate, deactivate,
//! send events, and the read views (chat, summaries, threads).
//!
//! Each operation checks access, commits to storage, then fans out pushes through the hub.
//! Nothing is pushed before it is stored.

use protocol::{
    ActivateChatResponse, ChatDeactivated, ChatSummary, ErrorPayload, ErrorType, Event, EventBody, IncomingChat,
    IncomingEvent, LastEvent, ListThreadsResponse, Push, SendEventResponse, StartChatResponse, Thread, User,
    UserAddedToChat, UserType,
};

use crate::db::{Appended, ChatRow, DbError, ThreadRow};
use crate::hub::{ConnId, Origin, Peer};
use crate::routing::Route;
use crate::{ids, App};

/// Raw text of a message may not exceed 16 KB of UTF-8.
pub const MAX_TEXT_BYTES: usize = 16 * 1024;

/// The user making a request, and the request that carries it.
#[derive(Debug, Clone, Copy)]
pub struct Actor<'a> {
    /// Tenant.
    pub license_id: u64,
    /// Customer or agent, with id.
    pub peer: &'a Peer,
    /// The requesting connection.
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

    pub(crate) fn origin(&self) -> Origin<'_> {
        Origin { conn: self.conn, request_id: self.request_id }
    }
}

/// An API error as sent on the wire.
pub type ApiResult<T> = Result<T, ErrorPayload>;

impl From<DbError> for ErrorPayload {
    fn from(err: DbError) -> Self {
        tracing::error!(%err, "storage failed");
        ErrorPayload::new(ErrorType::Internal, "internal server error")
    }
}

pub(crate) fn not_found(what: &str) -> ErrorPayload {
    ErrorPayload::new(ErrorType::NotFound, format!("{what} not found"))
}

pub(crate) fn validation(message: impl Into<String>) -> ErrorPayload {
    ErrorPayload::new(ErrorType::Validation, message)
}

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
        let agent = self.config.agent(agent_id);
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

    fn thread_view(&self, license_id: u64, row: &ThreadRow, neighbours: (Option<&ThreadRow>, Option<&ThreadRow>)) -> ApiResult<Thread> {
        let events = self.db.events(&row.id)?;
        let mut user_ids: Vec<String> = Vec::new();
        for author in events.iter().filter_map(|event| event.author_id.clone()) {
            if !user_ids.contains(&author) {
                user_ids.push(author);
            }
        }
        Ok(Thread {
            id: row.id.clone(),
            active: row.active,
            created_at: Some(row.created_at.clone()),
            user_ids,
            events,
            properties: Some(self.db.properties(crate::db::PropertyTarget::Thread(&row.id))?),
            access: Some(protocol::Access { group_ids: vec![0], ..Default::default() }),
            queue: if row.active { self.queue_of(license_id, &row.chat_id)? } else { None },
            previous_thread_id: neighbours.0.map(|thread| thread.id.clone()),
            next_thread_id: neighbours.1.map(|thread| thread.id.clone()),
        })
    }

    /// A chat with one thread (the latest by default).
    pub(crate) fn chat_view(&self, row: &ChatRow, thread_id: Option<&str>) -> ApiResult<protocol::Chat> {
        let threads = self.db.threads(&row.id)?;
        let index = match thread_id {
            Some(thread_id) => {
                Some(threads.iter().position(|thread| thread.id == thread_id).ok_or_else(|| not_found("thread"))?)
            }
            None => threads.len().checked_sub(1),
        };
        let thread = match index {
            Some(index) => Some(self.thread_view(
                row.license_id,
                &threads[index],
                (index.checked_sub(1).map(|before| &threads[before]), threads.get(index + 1)),
            )?),
            None => None,
        };
        Ok(protocol::Chat {
            id: row.id.clone(),
            users: self.chat_users(row)?,
            thread,
            access: Some(protocol::Access { group_ids: vec![0], ..Default::default() }),
            properties: Some(self.db.properties(crate::db::PropertyTarget::Chat(&row.id))?),
        })
    }

    /// A chat's summary for `list_chats`.
    pub(crate) fn chat_summary(&self, row: &ChatRow) -> ApiResult<ChatSummary> {
        let threads = self.db.threads(&row.id)?;
        let last = threads.last();
        let mut last_event_per_type = std::collections::BTreeMap::new();
        // The newest event of each type, looking back through threads until all are found.
        for thread in threads.iter().rev() {
            for event in self.db.events(&thread.id)?.into_iter().rev() {
                let kind = serde_json::to_value(&event.body)
                    .ok()
                    .and_then(|body| body.get("type").and_then(|kind| kind.as_str()).map(str::to_owned))
                    .unwrap_or_default();
                last_event_per_type.entry(kind).or_insert_with(|| LastEvent {
                    thread_id: thread.id.clone(),
                    thread_created_at: Some(thread.created_at.clone()),
                    event,
                });
            }
            if !last_event_per_type.is_empty() {
                break;
            }
        }
        Ok(ChatSummary {
            id: row.id.clone(),
            active: last.is_some_and(|thread| thread.active),
            users: self.chat_users(row)?,
            last_thread_id: last.map(|thread| thread.id.clone()),
            last_thread_created_at: last.map(|thread| thread.created_at.clone()),
            last_event_per_type,
            access: Some(protocol::Access { group_ids: vec![0], ..Default::default() }),
            properties: Some(self.db.properties(crate::db::PropertyTarget::Chat(&row.id))?),
        })
    }

    /// `list_threads`: newest first by default, paged with opaque page ids.
    pub(crate) fn list_threads(&self, actor: &Actor<'_>, request: protocol::ListThreads) -> ApiResult<ListThreadsResponse> {
        if request.limit.is_some() && request.min_events_count.is_some() {
            return Err(validation("limit and min_events_count cannot be used together"));
        }
        let row = self.accessible_chat(actor, &request.chat_id)?;
        let threads = self.db.threads(&row.id)?;
        let found_threads = threads.len() as u64;
        let ascending = match request.sort_order.as_deref() {
            None | Some("desc") => false,
            Some("asc") => true,
            Some(other) => return Err(validation(format!("sort_order must be asc or desc, not {other:?}"))),
        };
        let neighbours: Vec<(Option<ThreadRow>, Option<ThreadRow>)> = (0..threads.len())
            .map(|index| {
                (index.checked_sub(1).map(|before| threads[before].clone()), threads.get(index + 1).cloned())
            })
            .collect();
        let mut order: Vec<usize> = (0..threads.len()).collect();
        if !ascending {
            order.reverse();
        }
        let start = match &request.page_id {
            Some(page_id) => decode_page_id(page_id).ok_or_else(|| validation("page_id is not valid"))?,
            None => 0,
        };
        let limit = request.limit.unwrap_or(3).clamp(1, 100) as usize;
        let min_events = request.min_events_count.map(|count| count.clamp(1, 100) as usize);
        let mut page = Vec::new();
        let mut n_events = 0;
        for &index in order.iter().skip(start) {
            let done = match min_events {
                Some(min_events) => n_events >= min_events,
                None => page.len() >= limit,
            };
            if done {
                break;
            }
            let thread = self.thread_view(
                row.license_id,
                &threads[index],
                (neighbours[index].0.as_ref(), neighbours[index].1.as_ref()),
            )?;
            n_events += thread.events.len();
            page.push(thread);
        }
        let end = start + page.len();
        Ok(ListThreadsResponse {
            threads: page,
            found_threads,
            next_page_id: (end < order.len()).then(|| encode_page_id(end)),
            previous_page_id: (start > 0).then(|| encode_page_id(start.saturating_sub(limit))),
        })
    }

    /// Fills in the server-owned fields of an event a user sends.
    fn stamp(&self, actor: &Actor<'_>, mut event: Event) -> ApiResult<Event> {
        // A customer may only share a file they uploaded here, and the server describes it:
        // what the client says about its name, type or size is replaced.
        if let (EventBody::File { url, .. }, Peer::Customer(customer_id)) = (&event.body, actor.peer) {
            event.body = self.customer_file(actor.license_id, customer_id, url)?;
        }
        let allowed = match (&event.body, actor.peer) {
            (EventBody::Message { text, .. }, _) => {
                if text.trim().is_empty() {
                    return Err(validation("message text must not be empty"));
                }
                if text.len() > MAX_TEXT_BYTES {
                    return Err(validation(format!("message text is {} bytes; the limit is 16 KB", text.len())));
                }
                true
            }
            (EventBody::SystemMessage { .. } | EventBody::Custom { .. } | EventBody::FilledForm { .. }, _) => true,
            (EventBody::RichMessage { .. } | EventBody::File { .. }, Peer::Agent(_)) => true,
            (EventBody::File { .. }, Peer::Customer(_)) => true,
            _ => false,
        };
        if !allowed {
            return Err(validation("this event type cannot be sent here"));
        }
        event.id = None;
        event.author_id = Some(actor.user_id().to_owned());
        event.created_at = Some(self.clock.timestamp());
        event.recipients.get_or_insert_with(|| "all".to_owned());
        Ok(event)
    }

    /// `start_chat`: one chat per customer; later conversations reactivate it.
    pub(crate) fn start_chat(&self, actor: &Actor<'_>, request: protocol::StartChat) -> ApiResult<StartChatResponse> {
        let Peer::Customer(customer_id) = actor.peer else {
            return Err(ErrorPayload::new(ErrorType::NotAllowed, "only customers start chats"));
        };
        if !self.db.chats_of_customer(customer_id)?.is_empty() {
            return Err(ErrorPayload::new(
                ErrorType::ChatLimitReached,
                "the customer already has a chat; use activate_chat to continue it",
            ));
        }
        let initial = request.chat.unwrap_or_default();
        let route = self.requested_route(actor.license_id, initial.access.as_ref())?;
        self.check_can_open(actor.license_id, &route, request.continuous == Some(true))?;
        let now = self.clock.timestamp();
        let events = initial.thread.map(|thread| thread.events).unwrap_or_default();
        let events = events.into_iter().map(|event| self.stamp(actor, event)).collect::<ApiResult<Vec<_>>>()?;
        let row = ChatRow { id: ids::short_id(), license_id: actor.license_id, customer_id: customer_id.clone() };
        let thread_id = ids::short_id();
        let stored = self.db.start_chat(&row, &thread_id, &now, events)?;
        self.announce_chat(actor, &row)?;
        self.route(&row, &thread_id, &route)?;
        Ok(StartChatResponse {
            chat_id: row.id,
            thread_id,
            event_ids: (!stored.is_empty()).then(|| stored.into_iter().filter_map(|event| event.id).collect()),
        })
    }

    /// `activate_chat`: opens a new thread in an inactive chat.
    pub(crate) fn activate_chat(&self, actor: &Actor<'_>, request: protocol::ActivateChat) -> ApiResult<ActivateChatResponse> {
        let chat_id = request.chat.id.clone().ok_or_else(|| validation("chat.id is required"))?;
        let row = self.accessible_chat(actor, &chat_id)?;
        if self.db.threads(&row.id)?.last().is_some_and(|thread| thread.active) {
            return Err(ErrorPayload::new(ErrorType::ChatAlreadyActive, "the chat is already active"));
        }
        let route = self.requested_route(actor.license_id, request.chat.access.as_ref())?;
        self.check_can_open(actor.license_id, &route, request.continuous == Some(true))?;
        let now = self.clock.timestamp();
        let events = request.chat.thread.map(|thread| thread.events).unwrap_or_default();
        let events = events.into_iter().map(|event| self.stamp(actor, event)).collect::<ApiResult<Vec<_>>>()?;
        let thread_id = ids::short_id();
        let stored = self.db.activate_chat(&row.id, &thread_id, &now, events)?;
        // A new thread starts without the previous thread's agents; routing picks again.
        for agent_id in self.db.chat_agents(&row.id)? {
            self.db.remove_chat_agent(&row.id, &agent_id)?;
        }
        self.announce_chat(actor, &row)?;
        self.route(&row, &thread_id, &route)?;
        Ok(ActivateChatResponse {
            thread_id,
            event_ids: (!stored.is_empty()).then(|| stored.into_iter().filter_map(|event| event.id).collect()),
        })
    }

    fn announce_chat(&self, actor: &Actor<'_>, row: &ChatRow) -> ApiResult<()> {
        let chat = self.chat_view(row, None)?;
        let push = Push::IncomingChat(IncomingChat { requester_id: Some(actor.user_id().to_owned()), chat });
        self.hub.push_to_chat(row.license_id, &row.customer_id, &push, Some(actor.origin()));
        Ok(())
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
        if let Peer::Agent(agent_id) = actor.peer {
            self.join_agent(actor, &row, &thread.id, agent_id)?;
        }
        match self.db.append_event(&row.id, &thread.id, event)? {
            Appended::Stored(event) => {
                let event_id = event.id.clone().unwrap_or_default();
                // Sending counts as having seen everything in the chat so far.
                if let Some(created_at) = &event.created_at {
                    self.db.mark_seen(&row.id, actor.user_id(), created_at)?;
                }
                let push = Push::IncomingEvent(IncomingEvent { chat_id: row.id.clone(), thread_id: thread.id.clone(), event });
                self.hub.push_to_chat(row.license_id, &row.customer_id, &push, Some(actor.origin()));
                Ok(SendEventResponse { event_id })
            }
            Appended::Duplicate(event) => self.answer_duplicate(actor, &row, event),
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
        self.hub.push_to_origin(&push, actor.origin());
        Ok(SendEventResponse { event_id })
    }

    fn join_agent(&self, actor: &Actor<'_>, row: &ChatRow, thread_id: &str, agent_id: &str) -> ApiResult<()> {
        if self.db.dequeue(&row.id)? {
            self.announce_queue(row.license_id)?;
        }
        if self.db.add_chat_agent(&row.id, agent_id)? {
            let push = Push::UserAddedToChat(UserAddedToChat {
                chat_id: row.id.clone(),
                thread_id: Some(thread_id.to_owned()),
                user: self.agent_user(row.license_id, agent_id),
                reason: "manual".to_owned(),
                requester_id: Some(agent_id.to_owned()),
            });
            self.hub.push_to_chat(row.license_id, &row.customer_id, &push, Some(actor.origin()));
        }
        Ok(())
    }

    /// `deactivate_chat`: closes the open thread with a system message.
    pub(crate) fn deactivate_chat(&self, actor: &Actor<'_>, chat_id: &str) -> ApiResult<()> {
        let row = self.accessible_chat(actor, chat_id)?;
        let threads = self.db.threads(&row.id)?;
        let thread = threads
            .last()
            .filter(|thread| thread.active)
            .ok_or_else(|| ErrorPayload::new(ErrorType::ChatInactive, "the chat is not active"))?;
        let who = match actor.peer {
            Peer::Customer(_) => "the visitor".to_owned(),
            Peer::Agent(agent_id) => self.config.agent(agent_id).map(|agent| agent.name.clone()).unwrap_or_default(),
        };
        let kind = match actor.peer {
            Peer::Customer(_) => "manual_archived_customer",
            Peer::Agent(_) => "manual_archived_agent",
        };
        let event = self.system_event(format!("Chat closed by {who}"), kind);
        let event = self.db.close_thread(&row.id, &thread.id, event)?;
        let origin = Some(actor.origin());
        let push = Push::IncomingEvent(IncomingEvent { chat_id: row.id.clone(), thread_id: thread.id.clone(), event });
        self.hub.push_to_chat(row.license_id, &row.customer_id, &push, origin);
        let push = Push::ChatDeactivated(ChatDeactivated {
            chat_id: row.id.clone(),
            thread_id: thread.id.clone(),
            user_id: Some(actor.user_id().to_owned()),
        });
        self.hub.push_to_chat(row.license_id, &row.customer_id, &push, origin);
        // A closed chat leaves the queue, or frees its agent's slot for a waiting one.
        self.db.dequeue(&row.id)?;
        self.drain_queue(row.license_id)?;
        Ok(())
    }
}

impl App {
    /// Where a new thread asks to go (`chat.access`): of the groups it lists (a site's
    /// departments), the first where one of the agents it lists (a site's operators, or
    /// the agent a visitor picked; any agent when none) is free, else the first where one
    /// can queue, else the first; group 0 when none is listed. Listed agents the license
    /// does not have are left out; listing only such agents is an error.
    fn requested_route(&self, license_id: u64, access: Option<&protocol::Access>) -> ApiResult<Route> {
        let listed = access.map(|access| access.group_ids.as_slice()).unwrap_or_default();
        let wanted_agents = access.map(|access| access.agent_ids.as_slice()).unwrap_or_default();
        let agents: Vec<String> = wanted_agents
            .iter()
            .filter(|id| self.config.agent(id).is_some_and(|agent| agent.license_id == license_id))
            .cloned()
            .collect();
        if agents.is_empty() && !wanted_agents.is_empty() {
            return Err(validation(format!("access.agent_ids names no agent of this license: {}", wanted_agents.join(", "))));
        }
        let Some(&first) = listed.first() else { return Ok(Route { group_id: 0, agents }) };
        for wanted in [crate::routing::GroupStatus::Online, crate::routing::GroupStatus::OnlineForQueue] {
            for &group_id in listed.iter().filter(|group| self.config.group(license_id, **group).is_some()) {
                let route = Route { group_id, agents: agents.clone() };
                if self.route_status(license_id, &route)? == wanted {
                    return Ok(route);
                }
            }
        }
        Ok(Route { group_id: first, agents })
    }
}

fn encode_page_id(offset: usize) -> String {
    format!("o{offset}")
}

fn decode_page_id(page_id: &str) -> Option<usize> {
    page_id.strip_prefix('o')?.parse().ok()
}

impl App {
    /// `send_rich_message_postback`: toggles the pressing user on every button sharing the
    /// postback id (in any element), stores the message, and tells the chat.
    pub(crate) fn postback(&self, actor: &Actor<'_>, request: protocol::SendRichMessagePostback) -> ApiResult<()> {
        let row = self.accessible_chat(actor, &request.chat_id)?;
        let (chat_id, thread_id, mut event) = self.db.event(&request.event_id)?.ok_or_else(|| not_found("event"))?;
        if chat_id != row.id || thread_id != request.thread_id {
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
        let origin = Some(actor.origin());
        let push = Push::IncomingRichMessagePostback(protocol::IncomingRichMessagePostback {
            user_id,
            chat_id: row.id.clone(),
            thread_id: thread_id.clone(),
            event_id: request.event_id.clone(),
            postback: request.postback,
        });
        self.hub.push_to_chat(row.license_id, &row.customer_id, &push, origin);
        let push = Push::EventUpdated(IncomingEvent { chat_id: row.id.clone(), thread_id, event });
        self.hub.push_to_chat(row.license_id, &row.customer_id, &push, origin);
        Ok(())
    }
}
