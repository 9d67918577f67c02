//! The agent API: the LiveChat Agent Chat API names for what an agent needs to answer
//! chats. Agents see every chat of their license and receive its pushes.
//!
//! Beyond the customer actions they share (`get_chat`, `list_threads`, `send_event`,
//! `deactivate_chat`, properties, `mark_events_as_seen`, postbacks), agents have their own
//! `list_chats` and `get_customer` (by id), and `set_routing_status` (kept across
//! reconnects and restarts), `list_routing_statuses`, `transfer_chat`,
//! `send_typing_indicator`, `send_greeting`, `ban_customer` and `multicast`. Sending the
//! first event in a chat joins the agent to it (and takes it out of the queue). The
//! customer in an agent's `get_customer`, `list_chats` and `get_chat` carries
//! `verification` (what the site said about them) once the site was asked; customers never
//! see it. Every request and answer is a type of `protocol::agent`.

use protocol::{
    AgentChat, AgentChatSummary, AgentCustomer, AgentLicense, AgentListChats, AgentListChatsResponse,
    AgentLoginResponse, AgentRequest, AgentResponse, BanCustomer, DisconnectReason, ErrorPayload, ErrorType, GetChat,
    GetUrlInfo, IncomingMulticast, IncomingTypingIndicator, LastVisit, ListCannedResponsesResponse, ListGroupStatusesResponse,
    Multicast, MyProfile,
    Push, Request, RoutingStatus, RoutingStatusSet, SendGreeting, SendGreetingResponse, SendTypingIndicator,
    SetRoutingStatus, ThreadSummary, TransferChat, TransferTo, TypingIndicator, VisitedPage,
};

use crate::actor::{Actor, Answer};
use crate::config::License;
use crate::db::ChatRow;
use crate::errors::{not_found, validation, ApiResult};
use crate::hub::Peer;
use crate::paging::{Cursor, PageSize};
use crate::properties::Change::{Delete, Update};
use crate::routing::Destination;
use crate::{ids, App};

/// Answers one request from a logged-in agent. Every request has an answer here; the
/// session answers `ping` and `login` before a connection has logged in, and calls this
/// only after.
pub fn dispatch(app: &App, actor: &Actor<'_>, request: AgentRequest) -> Answer<AgentResponse> {
    let Peer::Agent(agent_id) = actor.peer else {
        return Err(ErrorPayload::new(ErrorType::NotAllowed, "the agent API serves agents only")).into();
    };
    match request {
        AgentRequest::Login(_) => Err(validation("already logged in")).into(),
        AgentRequest::Ping => Ok(AgentResponse::Ping).into(),
        AgentRequest::ListChats(request) => app.agent_list_chats(actor, request).map(AgentResponse::ListChats).into(),
        AgentRequest::GetChat(request) => app.agent_chat(actor, &request).map(AgentResponse::GetChat).into(),
        AgentRequest::ListThreads(request) => app.list_threads(actor, request).map(AgentResponse::ListThreads).into(),
        AgentRequest::SendEvent(request) => app.send_event(actor, request).map(AgentResponse::SendEvent).into(),
        AgentRequest::DeactivateChat(request) => {
            app.deactivate(actor, &request).map(|()| AgentResponse::DeactivateChat).into()
        }
        AgentRequest::SendRichMessagePostback(request) => {
            app.postback(actor, request).map(|()| AgentResponse::SendRichMessagePostback).into()
        }
        AgentRequest::UpdateChatProperties(request) => {
            app.chat_properties(actor, Update, &request).map(|()| AgentResponse::UpdateChatProperties).into()
        }
        AgentRequest::DeleteChatProperties(request) => {
            app.chat_properties(actor, Delete, &request).map(|()| AgentResponse::DeleteChatProperties).into()
        }
        AgentRequest::UpdateThreadProperties(request) => {
            app.thread_properties(actor, Update, &request).map(|()| AgentResponse::UpdateThreadProperties).into()
        }
        AgentRequest::DeleteThreadProperties(request) => {
            app.thread_properties(actor, Delete, &request).map(|()| AgentResponse::DeleteThreadProperties).into()
        }
        AgentRequest::UpdateEventProperties(request) => {
            app.event_properties(actor, Update, &request).map(|()| AgentResponse::UpdateEventProperties).into()
        }
        AgentRequest::DeleteEventProperties(request) => {
            app.event_properties(actor, Delete, &request).map(|()| AgentResponse::DeleteEventProperties).into()
        }
        AgentRequest::MarkEventsAsSeen(request) => {
            app.mark_seen(actor, &request.chat_id, &request.seen_up_to).map(|()| AgentResponse::MarkEventsAsSeen).into()
        }
        AgentRequest::ListGroupStatuses(request) => app
            .group_statuses(actor.license_id, request.all == Some(true), request.group_ids)
            .map(|groups_status| AgentResponse::ListGroupStatuses(ListGroupStatusesResponse { groups_status }))
            .into(),
        AgentRequest::GetForm(request) => {
            app.form(actor.license_id, request.group_id, &request.kind).map(AgentResponse::GetForm).into()
        }
        AgentRequest::GetPredictedAgent(request) => {
            app.predicted_agent(actor.license_id, request.group_id.unwrap_or(0)).map(AgentResponse::GetPredictedAgent).into()
        }
        AgentRequest::GetUrlInfo(GetUrlInfo { url }) => {
            let app = app.clone();
            Answer::later(async move { crate::outbound::fetch(&url, &app.url_policy).await.map(AgentResponse::GetUrlInfo) })
        }
        AgentRequest::ListAgents => app.list_agents(actor.license_id, true).map(AgentResponse::ListAgents).into(),
        AgentRequest::GetCustomer(request) => get_customer(app, actor, &request.customer_id).map(AgentResponse::GetCustomer).into(),
        AgentRequest::SetRoutingStatus(request) => {
            set_routing_status(app, actor, agent_id, request).map(|()| AgentResponse::SetRoutingStatus).into()
        }
        AgentRequest::ListRoutingStatuses => Ok(AgentResponse::ListRoutingStatuses(routing_statuses(app, actor))).into(),
        AgentRequest::TransferChat(request) => transfer(app, actor, request).map(|()| AgentResponse::TransferChat).into(),
        AgentRequest::SendTypingIndicator(request) => {
            typing(app, actor, agent_id, request).map(|()| AgentResponse::SendTypingIndicator).into()
        }
        AgentRequest::SendGreeting(request) => greet(app, actor, agent_id, request).map(AgentResponse::SendGreeting).into(),
        AgentRequest::BanCustomer(request) => ban(app, actor, request).map(|()| AgentResponse::BanCustomer).into(),
        AgentRequest::Multicast(request) => multicast(app, actor, agent_id, request).map(|()| AgentResponse::Multicast).into(),
        AgentRequest::ListArchives(request) => app.list_archives(actor, request).map(AgentResponse::ListArchives).into(),
        AgentRequest::TagThread(request) => app.tag_thread(actor, request, true).map(|()| AgentResponse::TagThread).into(),
        AgentRequest::UntagThread(request) => app.tag_thread(actor, request, false).map(|()| AgentResponse::UntagThread).into(),
        AgentRequest::AddUserToChat(request) => app.add_agent_to_chat(actor, request).map(|()| AgentResponse::AddUserToChat).into(),
        AgentRequest::RemoveUserFromChat(request) => {
            app.remove_agent_from_chat(actor, request).map(|()| AgentResponse::RemoveUserFromChat).into()
        }
        AgentRequest::ListCannedResponses => app
            .canned_responses(actor)
            .map(|canned_responses| AgentResponse::ListCannedResponses(ListCannedResponsesResponse { canned_responses }))
            .into(),
        AgentRequest::CreateCannedResponse(request) => {
            app.create_canned_response(actor, agent_id, request).map(AgentResponse::CreateCannedResponse).into()
        }
        AgentRequest::UpdateCannedResponse(request) => {
            app.update_canned_response(actor, request).map(AgentResponse::UpdateCannedResponse).into()
        }
        AgentRequest::DeleteCannedResponse(request) => {
            app.delete_canned_response(actor, request).map(|()| AgentResponse::DeleteCannedResponse).into()
        }
        AgentRequest::CreateApiToken(request) => app.create_api_token(actor, request).map(AgentResponse::CreateApiToken).into(),
        AgentRequest::ListApiTokens => app
            .list_api_tokens(actor)
            .map(|api_tokens| AgentResponse::ListApiTokens(protocol::ListApiTokensResponse { api_tokens }))
            .into(),
        AgentRequest::RevokeApiToken(request) => {
            app.revoke_api_token(actor, request.id).map(|()| AgentResponse::RevokeApiToken).into()
        }
        AgentRequest::GetReport(request) => app.report(actor, request).map(AgentResponse::GetReport).into(),
        AgentRequest::GetLicenseSettings => app
            .license_settings(actor)
            .map(|settings| AgentResponse::GetLicenseSettings(protocol::LicenseSettingsResponse { settings }))
            .into(),
        AgentRequest::UpdateLicenseSettings(request) => {
            app.update_license_settings(actor, request.settings).map(AgentResponse::UpdateLicenseSettings).into()
        }
        AgentRequest::Other { action, .. } => Err(refusal(&action)).into(),
    }
}

/// Why an action the agent API does not have is refused. The customer API's actions are
/// named as such, so a client that mixed the two APIs up learns which it reached.
fn refusal(action: &str) -> ErrorPayload {
    match action {
        "start_chat" | "activate_chat" | "resume_chat" => validation("agents cannot start chats"),
        // A method of the Web API, for pages whose customer is not connected.
        "check_goals" => validation("check_goals is not available here"),
        action if Request::ACTIONS.contains(&action) => ErrorPayload::new(ErrorType::NotAllowed, "this is a customer action"),
        action => validation(format!("unknown action {action:?}")),
    }
}

impl App {
    /// `get_chat` (agents): the chat with one thread, internal notes included, and what the
    /// site said about the customer.
    fn agent_chat(&self, actor: &Actor<'_>, request: &GetChat) -> ApiResult<AgentChat> {
        let row = self.accessible_chat(actor, &request.chat_id)?;
        let mut chat = self.chat_view(&row, request.thread_id.as_deref())?;
        self.with_tags(chat.thread.as_mut())?;
        Ok(AgentChat {
            id: chat.id,
            users: self.with_verification(chat.users)?,
            thread: chat.thread,
            access: chat.access.unwrap_or_default(),
            properties: chat.properties.unwrap_or_default(),
            is_followed: false,
        })
    }

    /// A chat as the agent API lists it: its latest thread summarised, the newest event of
    /// each type, and what the site said about the customer.
    fn agent_chat_summary(&self, row: &ChatRow) -> ApiResult<AgentChatSummary> {
        let summary = self.chat_summary(row, true)?;
        let mut thread = self.chat_view(row, None)?.thread;
        self.with_tags(thread.as_mut())?;
        let last_thread_summary = thread.map(|thread| ThreadSummary {
            tags: thread.tags,
            id: thread.id,
            created_at: thread.created_at.unwrap_or_default(),
            user_ids: thread.user_ids,
            properties: thread.properties.unwrap_or_default(),
            active: thread.active,
            access: thread.access.unwrap_or_default(),
            queue: thread.queue,
        });
        Ok(AgentChatSummary {
            id: summary.id,
            users: self.with_verification(summary.users)?,
            last_event_per_type: summary.last_event_per_type,
            last_thread_summary,
            properties: summary.properties.unwrap_or_default(),
            access: summary.access.unwrap_or_default(),
            is_followed: false,
        })
    }

    /// `list_chats` (agents): every chat of the license, newest thread first, filtered by
    /// state and group, in pages of `limit` (10 by default, at most 100).
    fn agent_list_chats(&self, actor: &Actor<'_>, request: AgentListChats) -> ApiResult<AgentListChatsResponse> {
        if request.page_id.is_some() && (request.limit.is_some() || request.sort_order.is_some() || request.filters.is_some()) {
            return Err(validation("a page_id carries the filters, sort_order and limit of the first request; send it alone"));
        }
        let cursor = Cursor::start(request.page_id.as_deref(), request.sort_order.as_deref(), || {
            Ok(PageSize::Limit(request.limit.unwrap_or(10).clamp(1, 100) as usize))
        })?;
        let PageSize::Limit(limit) = cursor.size else { return Err(validation("page_id is not valid")) };
        // A page id is taken alone, so it carries no filters: only the first page filters.
        let filters = request.filters.unwrap_or_default();
        let mut rows = Vec::new();
        for row in self.db.chats_of_license(actor.license_id)? {
            if filters.group_ids.as_ref().is_some_and(|groups| !groups.contains(&row.group_id)) {
                continue;
            }
            if filters.include_active.is_some() || filters.active.is_some() {
                let active = self.db.threads(&row.id)?.last().is_some_and(|thread| thread.active);
                let wanted = match (filters.active, filters.include_active) {
                    (Some(only), _) => active == only,
                    (None, Some(include_active)) => include_active || !active,
                    (None, None) => true,
                };
                if !wanted {
                    continue;
                }
            }
            rows.push(row);
        }
        if cursor.ascending {
            rows.reverse();
        }
        let page = rows.iter().skip(cursor.offset).take(limit).map(|row| self.agent_chat_summary(row)).collect::<ApiResult<Vec<_>>>()?;
        let end = cursor.offset + page.len();
        Ok(AgentListChatsResponse {
            chats_summary: page,
            found_chats: rows.len() as u64,
            next_page_id: (end < rows.len()).then(|| cursor.at(end).encode()),
            previous_page_id: (cursor.offset > 0).then(|| cursor.at(cursor.offset.saturating_sub(limit)).encode()),
        })
    }

    /// The agent `login` answer: the license, the agent with their routing status, and the
    /// first page of chats.
    pub(crate) fn agent_login(&self, license: &License, agent_id: &str, accepting: bool) -> ApiResult<AgentResponse> {
        let chats = self.db.chats_of_license(license.id)?;
        let chats_summary = chats.iter().take(10).map(|row| self.agent_chat_summary(row)).collect::<ApiResult<Vec<_>>>()?;
        let mut user = self.agent_user(license.id, agent_id);
        user.email = Some(agent_id.to_owned()).filter(|id| id.contains('@'));
        let my_profile = MyProfile {
            user,
            routing_status: if accepting { "accepting_chats" } else { "not_accepting_chats" }.to_owned(),
            permission: Some(self.role_of(agent_id)?.permission().to_owned()),
        };
        let license = AgentLicense { id: license.id, organization_id: license.organization_id.clone(), name: Some(license.name.clone()) };
        Ok(AgentResponse::Login(AgentLoginResponse { license, my_profile, chats_summary }))
    }
}

/// `get_customer` (agents): a customer of the license with their page, ban, presence and
/// what the site said about them (`verification`, once checked).
fn get_customer(app: &App, actor: &Actor<'_>, customer_id: &str) -> ApiResult<AgentCustomer> {
    let row = app.db.customer(customer_id)?.filter(|customer| customer.license_id == actor.license_id);
    let row = row.ok_or_else(|| not_found("customer"))?;
    Ok(AgentCustomer {
        customer: app.customer_view(&row.id)?,
        last_visit: LastVisit { last_pages: visited_pages(app, &row)? },
        banned: row.banned,
        present: app.hub.is_online(actor.license_id, &Peer::Customer(row.id.clone())),
        verification: app.db.verification(&row.id)?,
    })
}

/// The pages a customer visited, oldest first; a customer from before pages were kept has
/// their latest page only (or a page of nulls, before they named one).
fn visited_pages(app: &App, row: &crate::db::CustomerRow) -> ApiResult<Vec<VisitedPage>> {
    let pages = app.db.customer_pages(&row.id)?;
    if pages.is_empty() {
        return Ok(vec![VisitedPage { url: row.page_url.clone(), title: row.page_title.clone(), opened_at: None }]);
    }
    Ok(pages.into_iter().map(|(url, title, opened_at)| VisitedPage { url: Some(url), title, opened_at: Some(opened_at) }).collect())
}

/// `set_routing_status`: stored, so it holds across reconnects and restarts; the license's
/// agents are told, and the queue and group statuses follow.
fn set_routing_status(app: &App, actor: &Actor<'_>, agent_id: &str, request: SetRoutingStatus) -> ApiResult<()> {
    // Agents set their own status; setting others' needs a role this server does not have
    // yet.
    if request.agent_id.as_ref().is_some_and(|named| named != agent_id) {
        return Err(ErrorPayload::new(ErrorType::Authorization, "agents can only set their own routing status"));
    }
    let accepting = match request.status.as_str() {
        "accepting_chats" => true,
        "not_accepting_chats" | "offline" => false,
        other => return Err(validation(format!("status must be accepting_chats or not_accepting_chats, not {other:?}"))),
    };
    app.db.set_agent_accepting(agent_id, accepting)?;
    app.hub.set_accepting(actor.license_id, agent_id, accepting);
    let status = if accepting { "accepting_chats" } else { "not_accepting_chats" };
    let push = Push::RoutingStatusSet(RoutingStatusSet { agent_id: agent_id.to_owned(), status: status.to_owned() });
    app.hub.push_to_agents(actor.license_id, &push);
    app.drain_queue(actor.license_id)?;
    app.announce_availability(actor.license_id)
}

/// `list_routing_statuses`: every agent of the license, with the status they chose, or
/// `offline` when not connected.
fn routing_statuses(app: &App, actor: &Actor<'_>) -> Vec<RoutingStatus> {
    let online = app.hub.agents(actor.license_id);
    let directory = app.directory();
    let agents = directory.agents.iter().filter(|agent| agent.license_id == actor.license_id);
    agents
        .map(|agent| {
            let status = match online.get(&agent.id) {
                Some(true) => "accepting_chats",
                Some(false) => "not_accepting_chats",
                None => "offline",
            };
            RoutingStatus { agent_id: agent.id.clone(), status: status.to_owned() }
        })
        .collect()
}

/// `transfer_chat`: to the first agent or group the target names, or without a target to
/// another agent of the chat's own group.
fn transfer(app: &App, actor: &Actor<'_>, request: TransferChat) -> ApiResult<()> {
    let row = app.accessible_chat(actor, &request.id)?;
    let nobody = || validation("target.ids must name one agent or group");
    let destination = match request.target {
        None => Destination::Group(row.group_id),
        Some(TransferTo::Agent(ids)) => Destination::Agent(ids.into_iter().next().ok_or_else(nobody)?),
        Some(TransferTo::Group(ids)) => Destination::Group(ids.into_iter().next().ok_or_else(nobody)?),
    };
    if !request.ignore_agents_availability {
        app.check_transfer_target(actor.license_id, &destination)?;
    }
    app.transfer(actor, &request.id, &destination)
}

/// `send_typing_indicator`: to the chat's customer only.
fn typing(app: &App, actor: &Actor<'_>, agent_id: &str, request: SendTypingIndicator) -> ApiResult<()> {
    let row = app.accessible_chat(actor, &request.chat_id)?;
    let thread = app.db.threads(&row.id)?.into_iter().last().filter(|thread| thread.active);
    let thread = thread.ok_or_else(|| ErrorPayload::new(ErrorType::ChatInactive, "the chat is not active"))?;
    let push = Push::IncomingTypingIndicator(IncomingTypingIndicator {
        chat_id: row.id.clone(),
        thread_id: thread.id,
        typing_indicator: TypingIndicator {
            author_id: agent_id.to_owned(),
            recipients: Some("all".to_owned()),
            timestamp: Some(ids::unix_now().max(0) as u64),
            is_typing: request.is_typing,
        },
    });
    app.hub.push_to_customer_only(row.license_id, &row.customer_id, &push);
    Ok(())
}

/// `send_greeting`: a configured greeting (its own text unless one is given) or the
/// agent's own text.
fn greet(app: &App, actor: &Actor<'_>, agent_id: &str, request: SendGreeting) -> ApiResult<SendGreetingResponse> {
    let customer = app.db.customer(&request.customer_id)?.filter(|customer| customer.license_id == actor.license_id);
    customer.ok_or_else(|| not_found("customer"))?;
    let (greeting_id, text) = match (request.greeting_id, request.text) {
        (Some(id), text) => {
            let directory = app.directory();
            let template = directory
                .greetings
                .iter()
                .find(|greeting| greeting.license_id == actor.license_id && greeting.id == id)
                .ok_or_else(|| ErrorPayload::new(ErrorType::GreetingNotFound, "greeting not found"))?;
            (id, text.unwrap_or_else(|| template.text.clone()))
        }
        (None, Some(text)) if !text.trim().is_empty() => (0, text),
        _ => return Err(validation("give greeting_id or a non-empty text")),
    };
    let unique_id = app.send_greeting(actor.license_id, &request.customer_id, greeting_id, agent_id, &text)?;
    Ok(SendGreetingResponse { unique_id })
}

/// `ban_customer`: every tab of the customer is closed, and their logins are refused.
fn ban(app: &App, actor: &Actor<'_>, request: BanCustomer) -> ApiResult<()> {
    let row = app.db.customer(&request.id)?.filter(|customer| customer.license_id == actor.license_id);
    row.ok_or_else(|| not_found("customer"))?;
    app.db.set_banned(&request.id, true)?;
    app.hub.disconnect_customer(actor.license_id, &request.id, DisconnectReason::CustomerBanned);
    Ok(())
}

/// `multicast`: to the named customers of the license and, with `agents: {all: true}`, to
/// its agents.
fn multicast(app: &App, actor: &Actor<'_>, agent_id: &str, request: Multicast) -> ApiResult<()> {
    let to_agents = request.recipients.agents.is_some_and(|agents| agents.all);
    if request.recipients.customers.is_empty() && !to_agents {
        return Err(validation("recipients must name customers or agents: {all: true}"));
    }
    if request.content.is_null() {
        return Err(validation("content is required"));
    }
    let push = Push::IncomingMulticast(IncomingMulticast { author_id: Some(agent_id.to_owned()), content: request.content });
    for customer_id in &request.recipients.customers {
        // Unknown ids and other licenses' customers are skipped, like offline ones.
        app.hub.push_to_customer_only(actor.license_id, customer_id, &push);
    }
    if to_agents {
        app.hub.push_to_agents(actor.license_id, &push);
    }
    Ok(())
}
