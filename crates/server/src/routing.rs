//! Who can take a chat: group statuses, the predicted agent, agent presence and forms.
//!
//! An agent is available for a group when they are connected, accepting chats, belong to
//! the group, and have fewer active chats than their `max_chats`. A group is `online` when
//! one of its agents is available, `online_for_queue` when agents are connected and
//! accepting but all are full, and `offline` otherwise.

use std::collections::BTreeMap;

use protocol::{ErrorPayload, ErrorType, FormKind, GetFormResponse, PredictedAgent};

use crate::chat::ApiResult;
use crate::config::Agent;
use crate::App;

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

impl App {
    fn group_agents(&self, license_id: u64, group_id: u32) -> impl Iterator<Item = &Agent> {
        self.config
            .agents
            .iter()
            .filter(move |agent| agent.license_id == license_id && agent.groups.contains(&group_id))
    }

    /// The status of one group.
    pub(crate) fn group_status(&self, license_id: u64, group_id: u32) -> ApiResult<GroupStatus> {
        Ok(match self.best_agent(license_id, group_id)? {
            Some((_, false)) => GroupStatus::Online,
            Some((_, true)) => GroupStatus::OnlineForQueue,
            None => GroupStatus::Offline,
        })
    }

    /// The agent a new chat in the group would go to, and whether it would wait in the queue
    /// (everyone accepting is at their limit). None when nobody in the group accepts chats.
    pub(crate) fn best_agent(&self, license_id: u64, group_id: u32) -> ApiResult<Option<(&Agent, bool)>> {
        let connected = self.hub.agents(license_id);
        let load = self.db.active_chats_per_agent(license_id)?;
        let mut accepting: Vec<(&Agent, u32)> = self
            .group_agents(license_id, group_id)
            .filter(|agent| connected.get(&agent.id).copied().unwrap_or(false))
            .map(|agent| (agent, load.get(&agent.id).copied().unwrap_or(0)))
            .collect();
        // The least busy agent first; ties go to the one listed first in the configuration.
        accepting.sort_by_key(|(agent, chats)| (*chats as f64 / agent.max_chats.max(1) as f64 * 1000.0) as u64);
        Ok(accepting.first().map(|(agent, chats)| (*agent, *chats >= agent.max_chats)))
    }

    /// `list_group_statuses`: `all`, or the listed groups (unknown ids are left out).
    pub(crate) fn group_statuses(&self, license_id: u64, all: bool, group_ids: Option<Vec<u32>>) -> ApiResult<BTreeMap<String, String>> {
        let ids: Vec<u32> = match (all, group_ids) {
            (true, _) => self.config.groups_of(license_id).map(|group| group.id).collect(),
            (false, Some(ids)) => ids.into_iter().filter(|id| self.config.group(license_id, *id).is_some()).collect(),
            (false, None) => return Err(crate::chat::validation("give all: true or group_ids")),
        };
        ids.into_iter()
            .map(|id| Ok((id.to_string(), self.group_status(license_id, id)?.as_str().to_owned())))
            .collect()
    }

    /// `get_predicted_agent`.
    pub(crate) fn predicted_agent(&self, license_id: u64, group_id: u32) -> ApiResult<PredictedAgent> {
        self.config.group(license_id, group_id).ok_or_else(group_not_found)?;
        let connected = self.hub.agents(license_id);
        let Some((agent, queued)) = self.best_agent(license_id, group_id)? else {
            let anyone_there = self.group_agents(license_id, group_id).any(|agent| connected.contains_key(&agent.id));
            return Err(if anyone_there {
                ErrorPayload::new(ErrorType::GroupUnavailable, "no agent of the group accepts chats now")
            } else {
                ErrorPayload::new(ErrorType::GroupOffline, "the group is offline")
            });
        };
        let user = self.agent_user(license_id, &agent.id);
        Ok(PredictedAgent { flat: user.clone(), agent: Some(user), queue: Some(queued) })
    }

    /// `get_form`: `enabled: false` without a form when the group has none of that kind.
    pub(crate) fn form(&self, license_id: u64, group_id: u32, kind: &FormKind) -> ApiResult<GetFormResponse> {
        let group = self.config.group(license_id, group_id).ok_or_else(group_not_found)?;
        let form = group.forms.get(kind).cloned();
        Ok(GetFormResponse { enabled: form.is_some(), form })
    }
}

pub(crate) fn group_not_found() -> ErrorPayload {
    ErrorPayload::new(ErrorType::GroupNotFound, "group not found")
}
