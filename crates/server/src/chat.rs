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

use crate::actor::{agents_only, hide_notes, Actor};
use crate::db::{Appended, ChatRow, NewThread, ThreadRow};
use crate::errors::{not_found, validation, ApiResult};
use crate::hub::Peer;
use crate::paging::{Cursor, PageSize};
use crate::routing::Route;
use crate::{ids, App};

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

    fn thread_view(&self, chat: &ChatRow, row: &ThreadRow, neighbours: (Option<&ThreadRow>, Option<&ThreadRow>)) -> ApiResult<Thread> {
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
            access: Some(access(chat)),
            queue: if row.active { self.queue_of(chat.license_id, &row.chat_id)? } else { None },
            previous_thread_id: neighbours.0.map(|thread| thread.id.clone()),
            next_thread_id: neighbours.1.map(|thread| thread.id.clone()),
        })
    }

    /// A chat with one thread as `viewer` may see it: customers do not see agents' internal
    /// notes (events for `agents` only).
    pub(crate) fn chat_view_for(&self, viewer: &Peer, row: &ChatRow, thread_id: Option<&str>) -> ApiResult<protocol::Chat> {
        let mut chat = self.chat_view(row, thread_id)?;
        if let Some(thread) = &mut chat.thread {
            hide_notes(viewer, thread);
        }
        Ok(chat)
    }

    /// A chat with one thread (the latest by default), as agents see it.
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
                row,
                &threads[index],
                (index.checked_sub(1).map(|before| &threads[before]), threads.get(index + 1)),
            )?),
            None => None,
        };
        Ok(protocol::Chat {
            id: row.id.clone(),
            users: self.chat_users(row)?,
            thread,
            access: Some(access(row)),
            properties: Some(self.db.properties(crate::db::PropertyTarget::Chat(&row.id))?),
            transferred_from: None,
        })
    }

    /// A chat's summary for `list_chats`; agents' internal notes count only `with_notes`.
    pub(crate) fn chat_summary(&self, row: &ChatRow, with_notes: bool) -> ApiResult<ChatSummary> {
        let threads = self.db.threads(&row.id)?;
        let last = threads.last();
        let created: std::collections::HashMap<&str, &str> =
            threads.iter().map(|thread| (thread.id.as_str(), thread.created_at.as_str())).collect();
        let mut last_event_per_type = std::collections::BTreeMap::new();
        for (thread_id, event) in self.db.last_event_per_type(&row.id, with_notes)? {
            let kind = serde_json::to_value(&event.body)
                .ok()
                .and_then(|body| body.get("type").and_then(|kind| kind.as_str()).map(str::to_owned))
                .unwrap_or_default();
            let thread_created_at = created.get(thread_id.as_str()).map(|at| (*at).to_owned());
            last_event_per_type.insert(kind, LastEvent { thread_id, thread_created_at, event });
        }
        Ok(ChatSummary {
            id: row.id.clone(),
            active: last.is_some_and(|thread| thread.active),
            users: self.chat_users(row)?,
            last_thread_id: last.map(|thread| thread.id.clone()),
            last_thread_created_at: last.map(|thread| thread.created_at.clone()),
            last_event_per_type,
            access: Some(access(row)),
            properties: Some(self.db.properties(crate::db::PropertyTarget::Chat(&row.id))?),
        })
    }

    /// `list_threads`: newest first by default, paged with opaque page ids. A page holds
    /// `limit` threads (3 by default), or with `min_events_count` as many threads as it takes
    /// to hold that many events.
    pub(crate) fn list_threads(&self, actor: &Actor<'_>, request: protocol::ListThreads) -> ApiResult<ListThreadsResponse> {
        if request.limit.is_some() && request.min_events_count.is_some() {
            return Err(validation("limit and min_events_count cannot be used together"));
        }
        if request.page_id.is_some() && (request.limit.is_some() || request.min_events_count.is_some() || request.sort_order.is_some()) {
            return Err(validation("a page_id carries the sort_order, limit and min_events_count of the first request; send it alone"));
        }
        let cursor = Cursor::start(request.page_id.as_deref(), request.sort_order.as_deref(), || {
            Ok(match request.min_events_count {
                Some(count) => PageSize::MinEvents(count.clamp(1, 100) as usize),
                None => PageSize::Limit(request.limit.unwrap_or(3).clamp(1, 100) as usize),
            })
        })?;
        let row = self.accessible_chat(actor, &request.chat_id)?;
        let threads = self.db.threads(&row.id)?;
        let mut order: Vec<usize> = (0..threads.len()).collect();
        if !cursor.ascending {
            order.reverse();
        }
        let view = |index: usize| {
            let neighbours = (index.checked_sub(1).map(|before| &threads[before]), threads.get(index + 1));
            self.thread_view(&row, &threads[index], neighbours)
        };
        let mut page = Vec::new();
        let mut n_events = 0;
        for &index in order.iter().skip(cursor.offset) {
            let full = match cursor.size {
                PageSize::MinEvents(wanted) => n_events >= wanted,
                PageSize::Limit(limit) => page.len() >= limit,
            };
            if full {
                break;
            }
            let mut thread = view(index)?;
            hide_notes(actor.peer, &mut thread);
            n_events += thread.events.len();
            page.push(thread);
        }
        let end = cursor.offset + page.len();
        // The previous page ends where this one starts; walk back to where it begins.
        let previous = match cursor.size {
            _ if cursor.offset == 0 => None,
            PageSize::Limit(limit) => Some(cursor.offset.saturating_sub(limit)),
            PageSize::MinEvents(wanted) => {
                let mut start = cursor.offset.min(order.len());
                let mut n_events = 0;
                while start > 0 && n_events < wanted {
                    start -= 1;
                    n_events += self.db.events(&threads[order[start]].id)?.len();
                }
                Some(start)
            }
        };
        Ok(ListThreadsResponse {
            threads: page,
            found_threads: threads.len() as u64,
            next_page_id: (end < order.len()).then(|| cursor.at(end).encode()),
            previous_page_id: previous.map(|start| cursor.at(start).encode()),
        })
    }

    /// Fills in the server-owned fields of an event a user sends.
    fn stamp(&self, actor: &Actor<'_>, mut event: Event) -> ApiResult<Event> {
        // A customer may only share a file they uploaded here, and the server describes it:
        // what the client says about its name, type or size is replaced.
        if let (EventBody::File { url, .. }, Peer::Customer(customer_id)) = (&event.body, actor.peer) {
            event.body = self.customer_file(actor.license_id, customer_id, url)?;
        }
        check_event(&event, actor.peer)?;
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
                "the customer already has a chat; use resume_chat (activate_chat before 3.3) to continue it",
            ));
        }
        let initial = request.chat.unwrap_or_default();
        let (route, thread) = self.new_thread(actor, &initial, request.continuous, request.active)?;
        let properties = checked_properties(initial.properties)?;
        let row = ChatRow {
            id: ids::short_id(),
            license_id: actor.license_id,
            customer_id: customer_id.clone(),
            group_id: route.group_id,
        };
        let (thread_id, active) = (thread.id.clone(), thread.active);
        let stored = self.db.start_chat(&row, &properties, thread)?;
        self.opened(actor, &row, &thread_id, active, &route)?;
        Ok(StartChatResponse { chat_id: row.id, thread_id, event_ids: event_ids(stored) })
    }

    /// `resume_chat` (`activate_chat` before 3.3): opens a new thread in an inactive chat.
    pub(crate) fn activate_chat(&self, actor: &Actor<'_>, request: protocol::ActivateChat) -> ApiResult<ActivateChatResponse> {
        let chat_id = request.chat.id.clone().ok_or_else(|| validation("chat.id is required"))?;
        let mut row = self.accessible_chat(actor, &chat_id)?;
        if self.db.threads(&row.id)?.last().is_some_and(|thread| thread.active) {
            return Err(ErrorPayload::new(ErrorType::ChatAlreadyActive, "the chat is already active"));
        }
        let (route, thread) = self.new_thread(actor, &request.chat, request.continuous, request.active)?;
        if let Some(properties) = request.chat.properties {
            let mut stored = self.db.properties(crate::db::PropertyTarget::Chat(&row.id))?;
            crate::properties::merge(&mut stored, &properties)?;
            crate::properties::check_size(Some(&stored))?;
            self.db.set_properties(crate::db::PropertyTarget::Chat(&row.id), &stored)?;
        }
        let (thread_id, active) = (thread.id.clone(), thread.active);
        let stored = self.db.activate_chat(&row.id, route.group_id, thread)?;
        row.group_id = route.group_id;
        // A new thread starts without the previous thread's agents; routing picks again.
        for agent_id in self.db.chat_agents(&row.id)? {
            self.db.remove_chat_agent(&row.id, &agent_id)?;
        }
        self.opened(actor, &row, &thread_id, active, &route)?;
        Ok(ActivateChatResponse { thread_id, event_ids: event_ids(stored) })
    }

    /// Where a thread a customer opens goes, and the thread itself: checked access, stamped
    /// initial events, initial properties, open unless `active: false` asks otherwise.
    fn new_thread(
        &self,
        actor: &Actor<'_>,
        initial: &protocol::InitialChat,
        continuous: Option<bool>,
        active: Option<bool>,
    ) -> ApiResult<(Route, NewThread)> {
        let route = self.requested_route(actor.license_id, initial.access.as_ref())?;
        let active = active.unwrap_or(true);
        if active {
            self.check_can_open(actor.license_id, &route, continuous == Some(true))?;
        }
        let thread = initial.thread.clone().unwrap_or_default();
        let events = thread.events.into_iter().map(|event| self.stamp(actor, event)).collect::<ApiResult<Vec<_>>>()?;
        let properties = checked_properties(thread.properties)?;
        let thread = NewThread { id: ids::short_id(), created_at: self.clock.timestamp(), active, events, properties };
        Ok((route, thread))
    }

    /// After a thread opened: the requester sees it as `incoming_chat`, everyone else as a
    /// new chat, and an open thread goes to an agent (or the queue). Opening a chat counts
    /// as having seen everything in it (3.3).
    fn opened(&self, actor: &Actor<'_>, row: &ChatRow, thread_id: &str, active: bool, route: &Route) -> ApiResult<()> {
        self.db.mark_seen(&row.id, actor.user_id(), &self.clock.timestamp())?;
        self.announce_chat(actor, row)?;
        if active {
            self.route(row, thread_id, route)?;
        }
        Ok(())
    }

    fn announce_chat(&self, actor: &Actor<'_>, row: &ChatRow) -> ApiResult<()> {
        let chat = self.chat_view(row, None)?;
        let push = Push::IncomingChat(IncomingChat { requester_id: Some(actor.user_id().to_owned()), chat });
        self.hub.push_result(row.license_id, &row.customer_id, &push, actor.origin());
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
            self.join_agent(&row, &thread.id, agent_id)?;
        }
        match self.db.append_event(&row.id, &thread.id, event)? {
            Appended::Stored(event) => {
                let event_id = event.id.clone().unwrap_or_default();
                // Sending counts as having seen everything in the chat so far.
                if let Some(created_at) = &event.created_at {
                    self.db.mark_seen(&row.id, actor.user_id(), created_at)?;
                }
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

    fn join_agent(&self, row: &ChatRow, thread_id: &str, agent_id: &str) -> ApiResult<()> {
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
            self.hub.push_to_chat(row.license_id, &row.customer_id, &push);
        }
        Ok(())
    }

    /// `deactivate_chat` as either API sends it: the chat named `chat_id` or, from 3.3, `id`.
    pub(crate) fn deactivate(&self, actor: &Actor<'_>, request: &protocol::DeactivateChat) -> ApiResult<()> {
        let chat_id = request.chat_id().ok_or_else(|| validation("chat_id is required"))?;
        self.deactivate_chat(actor, chat_id)
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
        let push = Push::IncomingEvent(IncomingEvent { chat_id: row.id.clone(), thread_id: thread.id.clone(), event });
        self.hub.push_to_chat(row.license_id, &row.customer_id, &push);
        let push = Push::ChatDeactivated(ChatDeactivated {
            chat_id: row.id.clone(),
            thread_id: thread.id.clone(),
            user_id: Some(actor.user_id().to_owned()),
        });
        self.hub.push_to_chat(row.license_id, &row.customer_id, &push);
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

/// A chat's `access`: the group it was routed or transferred to.
fn access(row: &ChatRow) -> protocol::Access {
    protocol::Access { group_ids: vec![row.group_id], ..Default::default() }
}

/// The ids of the initial events a request stored, when it stored any.
fn event_ids(stored: Vec<Event>) -> Option<Vec<String>> {
    (!stored.is_empty()).then(|| stored.into_iter().filter_map(|event| event.id).collect())
}

/// Initial chat or thread properties: `{namespace: {name: value}}`, checked like an update.
fn checked_properties(properties: Option<protocol::Object>) -> ApiResult<protocol::Object> {
    let mut checked = protocol::Object::new();
    if let Some(properties) = properties {
        crate::properties::merge(&mut checked, &properties)?;
    }
    crate::properties::check_size(Some(&checked))?;
    Ok(checked)
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
