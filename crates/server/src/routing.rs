//! Who can take a chat: group statuses, the predicted agent, agent presence and forms.
//!
//! An agent is available for a group when they are connected, accepting chats, belong to
//! the group, and have fewer active chats than their `max_chats`. A group is `online` when
//! one of its agents is available, `online_for_queue` when agents are connected and
//! accepting but all are full, and `offline` otherwise.

use std::collections::BTreeMap;

use protocol::{
    ChatTransferred, ErrorPayload, ErrorType, Event, EventBody, FormKind, GetFormResponse, IncomingEvent, PredictedAgent,
    Push, Queue, QueuePositionUpdated, TransferTarget, UserAddedToChat, UserRemovedFromChat,
};

use crate::actor::Actor;
use crate::errors::{group_not_found, not_found, validation, ApiResult};
use crate::config::Agent;
use crate::db::ChatRow;
use crate::db::Queued;
use crate::App;

/// The most ids a request may list (`list_group_statuses`).
pub(crate) const MAX_LISTED_IDS: usize = 200;

/// Estimated handling time of one chat, for queue wait estimates.
const SECONDS_PER_QUEUED_CHAT: u32 = 120;

/// A group's availability.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupStatus {
    /// Someone can take a chat now.
    Online,
    /// Agents are there, but a new chat would wait.
    OnlineForQueue,
    /// Nobody takes chats.
    Offline,
}

impl GroupStatus {
    /// The wire spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            GroupStatus::Online => "online",
            GroupStatus::OnlineForQueue => "online_for_queue",
            GroupStatus::Offline => "offline",
        }
    }
}

/// Where a thread goes: a group, and optionally only some of its agents (the site's
/// `operators`, or the agent a visitor picked; `access.agent_ids` on the wire).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Route {
    /// The group.
    pub group_id: u32,
    /// The agents who may take it; empty for any agent of the group.
    pub agents: Vec<String>,
}

/// Where an agent transfers a chat.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Destination {
    /// To this agent, into one of their groups unless they are in the chat's.
    Agent(String),
    /// To the next available agent of this group.
    Group(u32),
}

impl Route {
    /// Any agent of the group.
    pub(crate) fn group(group_id: u32) -> Route {
        Route { group_id, agents: Vec::new() }
    }

    fn allows(&self, agent: &Agent) -> bool {
        self.agents.is_empty() || self.agents.iter().any(|id| id == &agent.id)
    }
}

impl App {
    /// Whether the license is within its business hours now (always, without hours).
    pub(crate) fn open_now(&self, license_id: u64) -> bool {
        let directory = self.directory();
        let hours = directory.license_by_id(license_id).and_then(|license| license.business_hours.as_ref());
        hours.is_none_or(|hours| hours.open_at(crate::ids::unix_now()))
    }

    /// The agents in force who take the group's chats, in the order they are listed.
    fn group_agents(&self, license_id: u64, group_id: u32) -> Vec<Agent> {
        let directory = self.directory();
        directory.agents.iter().filter(|agent| agent.license_id == license_id && agent.groups.contains(&group_id)).cloned().collect()
    }

    /// The status of one group.
    pub(crate) fn group_status(&self, license_id: u64, group_id: u32) -> ApiResult<GroupStatus> {
        self.route_status(license_id, &Route::group(group_id))
    }

    /// The status of a route: as a group's, counting only the agents the route allows.
    pub(crate) fn route_status(&self, license_id: u64, route: &Route) -> ApiResult<GroupStatus> {
        Ok(match self.best_agent(license_id, route)? {
            Some((_, false)) => GroupStatus::Online,
            Some((_, true)) => GroupStatus::OnlineForQueue,
            None => GroupStatus::Offline,
        })
    }

    /// The agent a new chat on the route would go to, and whether it would wait in the
    /// queue (everyone accepting is at their limit). None when nobody there accepts chats.
    pub(crate) fn best_agent(&self, license_id: u64, route: &Route) -> ApiResult<Option<(Agent, bool)>> {
        // Outside business hours nobody takes chats, whoever is signed in.
        if !self.open_now(license_id) {
            return Ok(None);
        }
        let connected = self.hub.agents(license_id);
        let load = self.db.active_chats_per_agent(license_id)?;
        let mut accepting: Vec<(Agent, u32)> = self
            .group_agents(license_id, route.group_id)
            .into_iter()
            .filter(|agent| route.allows(agent))
            .filter(|agent| connected.get(&agent.id).copied().unwrap_or(false))
            .map(|agent| {
                let chats = load.get(&agent.id).copied().unwrap_or(0);
                (agent, chats)
            })
            .collect();
        // The least busy agent first; ties go to the one listed first in the configuration.
        accepting.sort_by_key(|(agent, chats)| (*chats as f64 / agent.max_chats.max(1) as f64 * 1000.0) as u64);
        Ok(accepting.into_iter().next().map(|(agent, chats)| {
            let full = chats >= agent.max_chats;
            (agent, full)
        }))
    }

    /// `list_group_statuses`: `all`, or the listed groups (unknown ids are left out, each
    /// group is answered once, and at most [`MAX_LISTED_IDS`] may be listed).
    pub(crate) fn group_statuses(&self, license_id: u64, all: bool, group_ids: Option<Vec<u32>>) -> ApiResult<BTreeMap<String, String>> {
        let mut ids: Vec<u32> = match (all, group_ids) {
            (true, _) => self.directory().groups_of(license_id).map(|group| group.id).collect(),
            (false, Some(ids)) if ids.len() > MAX_LISTED_IDS => {
                return Err(validation(format!("list at most {MAX_LISTED_IDS} group_ids")));
            }
            (false, Some(ids)) => ids.into_iter().filter(|id| self.directory().group(license_id, *id).is_some()).collect(),
            (false, None) => return Err(validation("give all: true or group_ids")),
        };
        ids.sort_unstable();
        ids.dedup();
        ids.into_iter()
            .map(|id| Ok((id.to_string(), self.group_status(license_id, id)?.as_str().to_owned())))
            .collect()
    }

    /// `get_predicted_agent`.
    pub(crate) fn predicted_agent(&self, license_id: u64, group_id: u32) -> ApiResult<PredictedAgent> {
        self.directory().group(license_id, group_id).ok_or_else(group_not_found)?;
        let connected = self.hub.agents(license_id);
        let Some((agent, queued)) = self.best_agent(license_id, &Route::group(group_id))? else {
            let anyone_there = self.group_agents(license_id, group_id).iter().any(|agent| connected.contains_key(&agent.id));
            return Err(if anyone_there {
                ErrorPayload::new(ErrorType::GroupUnavailable, "no agent of the group accepts chats now")
            } else {
                ErrorPayload::new(ErrorType::GroupOffline, "the group is offline")
            });
        };
        let user = self.agent_user(license_id, &agent.id);
        Ok(PredictedAgent { flat: user.clone(), agent: Some(user), queue: Some(queued) })
    }

    /// `list_agents` (extension): the license's groups and agents with their routing
    /// status, for visitors who pick their agent.
    /// `list_agents`: the license's groups and agents with their routing status, and for
    /// agents (`with_load`) how many chats each is in and may take.
    pub(crate) fn list_agents(&self, license_id: u64, with_load: bool) -> ApiResult<protocol::ListAgentsResponse> {
        let load = if with_load { Some(self.db.active_chats_per_agent(license_id)?) } else { None };
        let connected = self.hub.agents(license_id);
        let directory = self.directory();
        let groups = directory.groups_of(license_id);
        let groups = groups.map(|group| protocol::GroupInfo { id: group.id, name: group.name.clone() }).collect();
        let agents = directory.agents.iter().filter(|agent| agent.license_id == license_id);
        let agents = agents
            .map(|agent| protocol::AgentInfo {
                id: agent.id.clone(),
                name: agent.name.clone(),
                avatar: agent.avatar.clone(),
                job_title: Some(agent.job_title.clone()).filter(|title| !title.is_empty()),
                group_ids: agent.groups.clone(),
                routing_status: match connected.get(&agent.id) {
                    Some(true) => "accepting_chats",
                    Some(false) => "not_accepting_chats",
                    None => "offline",
                }
                .to_owned(),
                active_chats: load.as_ref().map(|load| load.get(&agent.id).copied().unwrap_or(0)),
                max_chats: load.as_ref().map(|_| agent.max_chats),
            })
            .collect();
        Ok(protocol::ListAgentsResponse { groups, agents })
    }

    /// `get_form`: `enabled: false` without a form when the group has none of that kind.
    pub(crate) fn form(&self, license_id: u64, group_id: u32, kind: &FormKind) -> ApiResult<GetFormResponse> {
        let directory = self.directory();
        let group = directory.group(license_id, group_id).ok_or_else(group_not_found)?;
        let form = group.forms.get(kind).cloned();
        Ok(GetFormResponse { enabled: form.is_some(), form })
    }
}

impl App {
    /// Refuses to open a thread when nobody can take it and the group takes no offline
    /// messages (`groups_offline`). Continuous chats need no online group.
    pub(crate) fn check_can_open(&self, license_id: u64, route: &Route, continuous: bool) -> ApiResult<()> {
        let directory = self.directory();
        let group = directory.group(license_id, route.group_id).ok_or_else(group_not_found)?;
        let status = self.route_status(license_id, route)?;
        if status != GroupStatus::Online {
            let n_waiting = self.db.waiting(license_id)?.iter().filter(|waiting| waiting.group_id == route.group_id).count();
            if n_waiting >= self.config.limits.queue_length {
                return Err(ErrorPayload::new(ErrorType::LimitReached, "the queue is full; please try again later"));
            }
        }
        if continuous || group.offline_messages || status != GroupStatus::Offline {
            return Ok(());
        }
        Err(ErrorPayload::new(ErrorType::GroupsOffline, "no agent is available and the group takes no messages now"))
    }

    /// Routes a thread that just opened: to the least busy available agent the route
    /// allows, or into the queue when they are all busy or away.
    pub(crate) fn route(&self, row: &ChatRow, thread_id: &str, route: &Route) -> ApiResult<()> {
        match self.best_agent(row.license_id, route)? {
            Some((agent, false)) => {
                let agent_id = agent.id.clone();
                self.assign(row, thread_id, &agent_id, None)
            }
            _ => {
                self.db.enqueue(&Queued {
                    license_id: row.license_id,
                    group_id: route.group_id,
                    agent_ids: route.agents.clone(),
                    chat_id: row.id.clone(),
                    thread_id: thread_id.to_owned(),
                    customer_id: row.customer_id.clone(),
                    queued_at: self.clock.timestamp(),
                })?;
                self.announce_queue(row.license_id)
            }
        }
    }

    /// Adds an agent to a chat with a system message; `requester` is the agent who asked
    /// (a transfer), none when the router did.
    pub(crate) fn assign(&self, row: &ChatRow, thread_id: &str, agent_id: &str, requester: Option<&str>) -> ApiResult<()> {
        self.db.dequeue(&row.id, &self.clock.timestamp())?;
        if !self.db.add_chat_agent(&row.id, agent_id)? {
            return Ok(());
        }
        let push = Push::UserAddedToChat(UserAddedToChat {
            chat_id: row.id.clone(),
            thread_id: Some(thread_id.to_owned()),
            user: self.agent_user(row.license_id, agent_id),
            reason: if requester.is_some() { "manual" } else { "other" }.to_owned(),
            requester_id: requester.map(str::to_owned),
        });
        self.hub.push_to_chat(row.license_id, &row.customer_id, &push);
        let name = self.directory().agent(agent_id).map(|agent| agent.name.clone()).unwrap_or_else(|| agent_id.to_owned());
        self.system_message(row, thread_id, format!("{name} joined the chat"), "routing.assigned")
    }

    /// A system message event, stamped now.
    pub(crate) fn system_event(&self, text: String, kind: &str) -> Event {
        let body = EventBody::SystemMessage { text: Some(text), system_message_type: kind.to_owned(), text_vars: None };
        Event { created_at: Some(self.clock.timestamp()), ..Event::new(body) }
    }

    /// Appends a system message to a thread and pushes it, untagged: it is a side effect,
    /// never the result a request waits for.
    pub(crate) fn system_message(&self, row: &ChatRow, thread_id: &str, text: String, kind: &str) -> ApiResult<()> {
        let event = match self.db.append_event(&row.id, thread_id, self.system_event(text, kind))? {
            crate::db::Appended::Stored(event) | crate::db::Appended::Duplicate(event) => event,
            // Authorless events are never refused.
            crate::db::Appended::Full => return Ok(()),
        };
        let push = Push::IncomingEvent(IncomingEvent { chat_id: row.id.clone(), thread_id: thread_id.to_owned(), event });
        self.hub.push_to_chat(row.license_id, &row.customer_id, &push);
        Ok(())
    }

    /// Gives waiting chats to agents who have room, oldest first, then tells the rest their
    /// new positions.
    pub(crate) fn drain_queue(&self, license_id: u64) -> ApiResult<()> {
        for waiting in self.db.waiting(license_id)? {
            let route = Route { group_id: waiting.group_id, agents: waiting.agent_ids.clone() };
            if let Some((agent, false)) = self.best_agent(license_id, &route)? {
                let agent_id = agent.id.clone();
                // Taken out of the queue first: of two drains at once (two agents coming
                // online, on one node or two), only the one that took the chat gives it.
                if let Some(row) = self.db.chat(&waiting.chat_id)?
                    && self.db.dequeue(&row.id, &self.clock.timestamp())?
                {
                    self.assign(&row, &waiting.thread_id, &agent_id, None)?;
                }
            }
        }
        self.announce_queue(license_id)
    }

    /// The queue state of a waiting chat.
    pub(crate) fn queue_of(&self, license_id: u64, chat_id: &str) -> ApiResult<Option<Queue>> {
        let waiting = self.db.waiting(license_id)?;
        let Some(entry) = waiting.iter().find(|waiting| waiting.chat_id == chat_id) else { return Ok(None) };
        let ahead = waiting.iter().take_while(|waiting| waiting.chat_id != chat_id);
        let position = ahead.filter(|waiting| waiting.group_id == entry.group_id).count() as u32 + 1;
        Ok(Some(Queue {
            position,
            wait_time: position * SECONDS_PER_QUEUED_CHAT,
            queued_at: Some(entry.queued_at.clone()),
        }))
    }

    /// Tells every waiting customer (and the agents) where their chat is in the queue.
    pub(crate) fn announce_queue(&self, license_id: u64) -> ApiResult<()> {
        let waiting = self.db.waiting(license_id)?;
        let mut position_in_group = std::collections::HashMap::new();
        for waiting in waiting {
            let position = position_in_group.entry(waiting.group_id).or_insert(0u32);
            *position += 1;
            let queue = Queue { position: *position, wait_time: *position * SECONDS_PER_QUEUED_CHAT, queued_at: None };
            let push = Push::QueuePositionUpdated(QueuePositionUpdated {
                chat_id: waiting.chat_id.clone(),
                thread_id: waiting.thread_id.clone(),
                queue,
            });
            self.hub.push_to_chat(license_id, &waiting.customer_id, &push);
        }
        Ok(())
    }

    /// Whether a transfer can be taken at once: the named agent accepts chats and has room,
    /// or one of the group's agents does. A transfer that would wait in the queue fails
    /// unless its request says `ignore_agents_availability`.
    pub(crate) fn check_transfer_target(&self, license_id: u64, destination: &Destination) -> ApiResult<()> {
        match destination {
            Destination::Agent(agent_id) => {
                let directory = self.directory();
                let agent = directory.agent(agent_id).filter(|agent| agent.license_id == license_id).ok_or_else(|| not_found("agent"))?;
                let route = Route { group_id: agent.groups.first().copied().unwrap_or(0), agents: vec![agent.id.clone()] };
                if self.route_status(license_id, &route)? != GroupStatus::Online {
                    return Err(ErrorPayload::new(
                        ErrorType::Other("agent_offline".to_owned()),
                        format!("{agent_id} cannot take a chat now; send ignore_agents_availability: true to let the chat wait for them"),
                    ));
                }
            }
            &Destination::Group(group_id) => {
                self.directory().group(license_id, group_id).ok_or_else(group_not_found)?;
                if self.group_status(license_id, group_id)? != GroupStatus::Online {
                    return Err(ErrorPayload::new(
                        ErrorType::GroupUnavailable,
                        "no agent of the group can take the chat now; send ignore_agents_availability: true to queue it",
                    ));
                }
            }
        }
        Ok(())
    }

    /// `transfer_chat` (agents): to a named agent, or to a group's next available agent.
    pub(crate) fn transfer(&self, actor: &Actor<'_>, chat_id: &str, destination: &Destination) -> ApiResult<()> {
        let row = self.accessible_chat(actor, chat_id)?;
        let thread = self.db.threads(&row.id)?.into_iter().last().filter(|thread| thread.active);
        let thread = thread.ok_or_else(|| ErrorPayload::new(ErrorType::ChatInactive, "only active chats can be transferred"))?;
        let directory = self.directory();
        let to_agent = match destination {
            Destination::Agent(agent_id) => Some(
                directory.agent(agent_id).filter(|agent| agent.license_id == row.license_id).ok_or_else(|| not_found("agent"))?,
            ),
            &Destination::Group(group_id) => {
                self.directory().group(row.license_id, group_id).ok_or_else(group_not_found)?;
                None
            }
        };
        let previous_agents = self.db.chat_agents(&row.id)?;
        for agent_id in previous_agents.clone() {
            if to_agent.is_some_and(|agent| agent.id == agent_id) {
                continue;
            }
            self.db.remove_chat_agent(&row.id, &agent_id)?;
            let push = Push::UserRemovedFromChat(UserRemovedFromChat {
                chat_id: row.id.clone(),
                thread_id: Some(thread.id.clone()),
                user_id: agent_id,
                reason: "manual".to_owned(),
                requester_id: Some(actor.user_id().to_owned()),
            });
            self.hub.push_to_chat(row.license_id, &row.customer_id, &push);
        }
        let requester = actor.user_id().to_owned();
        let from = TransferTarget { group_ids: Some(vec![row.group_id]), agent_ids: Some(previous_agents) };
        // The chat joins the group it goes to; an agent takes it into one of theirs.
        let group_id = match (to_agent, destination) {
            (_, &Destination::Group(group_id)) => group_id,
            (Some(agent), _) if !agent.groups.contains(&row.group_id) => agent.groups.first().copied().unwrap_or(0),
            _ => row.group_id,
        };
        if group_id != row.group_id {
            self.db.set_chat_group(&row.id, group_id)?;
        }
        let row = ChatRow { group_id, ..row };
        let (transferred_to, queue) = match destination {
            Destination::Agent(agent_id) => {
                self.db.dequeue(&row.id, &self.clock.timestamp())?;
                self.assign(&row, &thread.id, agent_id, Some(&requester))?;
                (TransferTarget { group_ids: None, agent_ids: Some(vec![agent_id.clone()]) }, None)
            }
            &Destination::Group(group_id) => {
                self.db.dequeue(&row.id, &self.clock.timestamp())?;
                self.route(&row, &thread.id, &Route::group(group_id))?;
                (TransferTarget { group_ids: Some(vec![group_id]), agent_ids: None }, self.queue_of(row.license_id, &row.id)?)
            }
        };
        // Agents learn about the chat as it now is, and where it came from.
        let chat = protocol::Chat { transferred_from: Some(from), ..self.chat_view(&row, None)? };
        let push = Push::IncomingChat(protocol::IncomingChat { requester_id: Some(requester.clone()), chat });
        self.hub.push_to_agents(row.license_id, &push);
        let push = Push::ChatTransferred(ChatTransferred {
            chat_id: row.id.clone(),
            thread_id: Some(thread.id.clone()),
            requester_id: Some(requester),
            reason: Some("manual".to_owned()),
            transferred_to,
            queue,
        });
        self.hub.push_to_chat(row.license_id, &row.customer_id, &push);
        Ok(())
    }
}

impl App {
    /// Tells the license's customers on this node which groups can take chats now
    /// (`groups_status_updated`). In a cluster every node does so for its own customers
    /// when any node's agents or the settings change.
    pub(crate) fn announce_availability(&self, license_id: u64) -> ApiResult<()> {
        let directory = self.directory();
        let groups = directory
            .groups_of(license_id)
            .map(|group| {
                let status = self.group_status(license_id, group.id)?.as_str().to_owned();
                Ok(protocol::GroupStatusEntry { id: group.id, status })
            })
            .collect::<ApiResult<Vec<_>>>()?;
        self.hub.push_groups_status(license_id, &groups);
        Ok(())
    }
}
