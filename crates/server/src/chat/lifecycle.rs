//! A chat's life: starting it, opening a new thread in it (where the thread is routed,
//! what it starts with), telling everyone it opened, and closing it again.

use protocol::{
    ActivateChatResponse, ChatDeactivated, ErrorPayload, ErrorType, Event, IncomingChat, IncomingEvent, Push, StartChatResponse,
};

use crate::actor::Actor;
use crate::db::{ChatRow, NewThread};
use crate::errors::{validation, ApiResult};
use crate::hub::Peer;
use crate::routing::Route;
use crate::{ids, App};

impl App {
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
            Peer::Agent(agent_id) => self.directory().agent(agent_id).map(|agent| agent.name.clone()).unwrap_or_default(),
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
        self.db.dequeue(&row.id, &self.clock.timestamp())?;
        self.drain_queue(row.license_id)?;
        Ok(())
    }

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
            .filter(|id| self.directory().agent(id).is_some_and(|agent| agent.license_id == license_id))
            .cloned()
            .collect();
        if agents.is_empty() && !wanted_agents.is_empty() {
            return Err(validation(format!("access.agent_ids names no agent of this license: {}", wanted_agents.join(", "))));
        }
        let Some(&first) = listed.first() else { return Ok(Route { group_id: 0, agents }) };
        for wanted in [crate::routing::GroupStatus::Online, crate::routing::GroupStatus::OnlineForQueue] {
            for &group_id in listed.iter().filter(|group| self.directory().group(license_id, **group).is_some()) {
                let route = Route { group_id, agents: agents.clone() };
                if self.route_status(license_id, &route)? == wanted {
                    return Ok(route);
                }
            }
        }
        Ok(Route { group_id: first, agents })
    }
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
