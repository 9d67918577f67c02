//! The agent API: the LiveChat Agent Chat API names for what an agent needs to answer
//! chats. Agents see every chat of their license and receive its pushes.
//!
//! Beyond the customer actions they share (`list_chats`, `get_chat`, `list_threads`,
//! `send_event`, `deactivate_chat`, properties, `mark_events_as_seen`, postbacks), agents
//! have: `set_routing_status` (kept across reconnects and restarts), `list_routing_statuses`,
//! `transfer_chat`, `send_typing_indicator`, `send_greeting`, `get_customer` (by id),
//! `ban_customer` and `multicast`. Sending the first event in a chat joins the
//! agent to it (and takes it out of the queue). The customer in an agent's `get_customer`,
//! `list_chats` and `get_chat` carries `verification` (what the site said about them) once
//! the site was asked; customers never see it.

use protocol::{
    DisconnectReason, ErrorPayload, ErrorType, IncomingMulticast, IncomingTypingIndicator, Push,
    Request, Response, TypingIndicator,
};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::actor::Actor;
use crate::errors::{not_found, validation, ApiResult};
use crate::hub::Peer;
use crate::{ids, App};

/// Answers one request from a logged-in agent.
pub fn dispatch(app: &App, actor: &Actor<'_>, request: Request) -> ApiResult<Response> {
    match request {
        Request::ListChats(_) => unreachable!("list_chats has the agent's own shape, decoded by agent_only"),
        Request::GetChat(request) => {
            let row = app.accessible_chat(actor, &request.chat_id)?;
            let mut payload = to_json(app.chat_view(&row, request.thread_id.as_deref())?);
            payload["is_followed"] = json!(false);
            app.add_verification(&mut payload["users"])?;
            Ok(Response::Other { action: "get_chat".to_owned(), payload })
        }
        Request::ListThreads(request) => app.list_threads(actor, request).map(Response::ListThreads),
        Request::SendEvent(request) => app.send_event(actor, request).map(Response::SendEvent),
        Request::DeactivateChat(request) => {
            let chat_id = request.chat_id().ok_or_else(|| validation("chat_id is required"))?.to_owned();
            app.deactivate_chat(actor, &chat_id).map(|()| Response::DeactivateChat)
        }
        Request::StartChat(_) | Request::ActivateChat(_) => Err(validation("agents cannot start chats")),
        Request::SendSneakPeek(_) | Request::UpdateCustomer(_) | Request::UpdateCustomerPage(_)
        | Request::SetCustomerSessionFields(_) | Request::AcceptGreeting(_) | Request::CancelGreeting(_)
        | Request::VerifyIdentity(_) => {
            Err(ErrorPayload::new(ErrorType::NotAllowed, "this is a customer action"))
        }
        Request::GetCustomer(request) => {
            let customer_id = request.customer_id.ok_or_else(|| validation("get_customer: customer_id is required"))?;
            get_customer(app, actor, &customer_id)
        }
        Request::Login(_) | Request::Ping => unreachable!("handled by the session"),
        Request::Other { action, payload } => agent_only(app, actor, &action, payload),
        request => crate::customer::shared(app, actor, request),
    }
}

/// Whether a request takes the agent API's own payload where the customer API has
/// another of the same name (`list_chats`), so the session hands it over undecoded.
pub fn own_shape(action: &str) -> bool {
    action == "list_chats"
}

impl App {
    /// A chat as the agent API lists it: its latest thread summarised, the newest event of
    /// each type, and what the site said about the customer.
    fn agent_chat_summary(&self, row: &crate::db::ChatRow) -> ApiResult<Value> {
        let summary = self.chat_summary(row, true)?;
        let last_thread_summary = match self.chat_view(row, None)?.thread {
            Some(thread) => Some(protocol::ThreadSummary {
                id: thread.id,
                created_at: thread.created_at.unwrap_or_default(),
                user_ids: thread.user_ids,
                properties: thread.properties.unwrap_or_default(),
                active: thread.active,
                access: thread.access.unwrap_or_default(),
                queue: thread.queue,
            }),
            None => None,
        };
        let mut summary = to_json(protocol::AgentChatSummary {
            id: summary.id,
            users: summary.users,
            last_event_per_type: summary.last_event_per_type,
            last_thread_summary,
            properties: summary.properties.unwrap_or_default(),
            access: summary.access.unwrap_or_default(),
            is_followed: false,
        });
        self.add_verification(&mut summary["users"])?;
        Ok(summary)
    }

    /// `list_chats` (agents): every chat of the license, newest thread first, filtered by
    /// state and group, in pages of `limit` (10 by default, at most 100).
    fn agent_list_chats(&self, actor: &Actor<'_>, request: protocol::AgentListChats) -> ApiResult<Value> {
        use crate::paging::{Cursor, PageSize};
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
        let mut payload = json!({ "chats_summary": page, "found_chats": rows.len() });
        if end < rows.len() {
            payload["next_page_id"] = json!(cursor.at(end).encode());
        }
        if cursor.offset > 0 {
            payload["previous_page_id"] = json!(cursor.at(cursor.offset.saturating_sub(limit)).encode());
        }
        Ok(payload)
    }

    /// The agent `login` answer: the license, the agent with their routing status, and the
    /// first page of chats.
    pub(crate) fn agent_login(&self, license: &crate::config::License, agent_id: &str, accepting: bool) -> ApiResult<Response> {
        let chats = self.db.chats_of_license(license.id)?;
        let chats_summary = chats.iter().take(10).map(|row| self.agent_chat_summary(row)).collect::<ApiResult<Vec<_>>>()?;
        let mut user = self.agent_user(license.id, agent_id);
        user.email = Some(agent_id.to_owned()).filter(|id| id.contains('@'));
        let profile = protocol::MyProfile {
            user,
            routing_status: if accepting { "accepting_chats" } else { "not_accepting_chats" }.to_owned(),
            permission: Some("normal".to_owned()),
        };
        let license = protocol::AgentLicense { id: license.id, organization_id: license.organization_id.clone(), name: Some(license.name.clone()) };
        let mut payload = to_json(protocol::AgentLoginResponse { license, my_profile: profile, chats_summary: Vec::new() });
        payload["chats_summary"] = json!(chats_summary);
        Ok(Response::Other { action: "login".to_owned(), payload })
    }
}

/// A response payload as JSON, so agents' views can carry what customers' do not
/// (`verification`).
fn to_json(payload: impl serde::Serialize) -> Value {
    serde_json::to_value(payload).unwrap_or_default()
}

fn payload<T: for<'de> Deserialize<'de>>(action: &str, payload: Value) -> ApiResult<T> {
    serde_json::from_value(payload).map_err(|err| validation(format!("{action}: malformed payload: {err}")))
}

fn agent_only(app: &App, actor: &Actor<'_>, action: &str, body: Value) -> ApiResult<Response> {
    let Peer::Agent(agent_id) = actor.peer else { unreachable!("agent sessions only") };
    let ok = || Response::Other { action: action.to_owned(), payload: json!({}) };
    match action {
        "list_chats" => Ok(Response::Other { action: action.to_owned(), payload: app.agent_list_chats(actor, payload(action, body)?)? }),
        "set_routing_status" => {
            let body: protocol::SetRoutingStatus = payload(action, body)?;
            // Agents set their own status; setting others' needs a role this server does
            // not have yet.
            if body.agent_id.as_ref().is_some_and(|named| named != agent_id) {
                return Err(ErrorPayload::new(ErrorType::Authorization, "agents can only set their own routing status"));
            }
            let accepting = match body.status.as_str() {
                "accepting_chats" => true,
                "not_accepting_chats" | "offline" => false,
                other => return Err(validation(format!("status must be accepting_chats or not_accepting_chats, not {other:?}"))),
            };
            app.db.set_agent_accepting(agent_id, accepting)?;
            app.hub.set_accepting(actor.license_id, agent_id, accepting);
            let status = if accepting { "accepting_chats" } else { "not_accepting_chats" };
            let push = Push::RoutingStatusSet(protocol::RoutingStatusSet { agent_id: agent_id.clone(), status: status.to_owned() });
            app.hub.push_to_agents(actor.license_id, &push);
            app.drain_queue(actor.license_id)?;
            app.announce_availability(actor.license_id)?;
            Ok(ok())
        }
        "list_routing_statuses" => {
            // Every agent of the license: the status they chose, `offline` when not connected.
            let online = app.hub.agents(actor.license_id);
            let statuses = app
                .config
                .agents
                .iter()
                .filter(|agent| agent.license_id == actor.license_id)
                .map(|agent| {
                    let status = match online.get(&agent.id) {
                        Some(true) => "accepting_chats",
                        Some(false) => "not_accepting_chats",
                        None => "offline",
                    };
                    json!({ "agent_id": agent.id, "status": status })
                })
                .collect::<Vec<_>>();
            Ok(Response::Other { action: action.to_owned(), payload: Value::Array(statuses) })
        }
        "multicast" => {
            #[derive(Deserialize)]
            struct Agents {
                #[serde(default)]
                all: bool,
            }
            #[derive(Deserialize, Default)]
            struct Recipients {
                #[serde(default)]
                customers: Vec<String>,
                #[serde(default)]
                agents: Option<Agents>,
            }
            #[derive(Deserialize)]
            struct Body {
                recipients: Recipients,
                content: Value,
            }
            let body: Body = payload(action, body)?;
            let to_agents = body.recipients.agents.is_some_and(|agents| agents.all);
            if body.recipients.customers.is_empty() && !to_agents {
                return Err(validation("recipients must name customers or agents: {all: true}"));
            }
            if body.content.is_null() {
                return Err(validation("content is required"));
            }
            let push = Push::IncomingMulticast(IncomingMulticast { author_id: Some(agent_id.clone()), content: body.content });
            for customer_id in &body.recipients.customers {
                // Unknown ids and other licenses' customers are skipped, like offline ones.
                app.hub.push_to_customer_only(actor.license_id, customer_id, &push);
            }
            if to_agents {
                app.hub.push_to_agents(actor.license_id, &push);
            }
            Ok(ok())
        }
        "transfer_chat" => {
            let body: protocol::TransferChat = payload(action, body)?;
            let row = app.accessible_chat(actor, &body.id)?;
            let (to_group, to_agent) = match &body.target {
                // No target: another agent of the chat's own group.
                None => (Some(row.group_id), None),
                Some(target) => {
                    let first = target.ids.first().ok_or_else(|| validation("target.ids must name one agent or group"))?;
                    match target.kind.as_str() {
                        "agent" => (None, Some(first.as_str().ok_or_else(|| validation("agent ids are strings"))?.to_owned())),
                        "group" => (Some(first.as_u64().ok_or_else(|| validation("group ids are numbers"))? as u32), None),
                        other => return Err(validation(format!("target.type must be agent or group, not {other:?}"))),
                    }
                }
            };
            if !body.ignore_agents_availability {
                app.check_transfer_target(actor.license_id, to_group, to_agent.as_deref())?;
            }
            app.transfer(actor, &body.id, to_group, to_agent.as_deref())?;
            Ok(ok())
        }
        "send_typing_indicator" => {
            #[derive(Deserialize)]
            struct Body {
                chat_id: String,
                is_typing: bool,
            }
            let body: Body = payload(action, body)?;
            let row = app.accessible_chat(actor, &body.chat_id)?;
            let thread = app.db.threads(&row.id)?.into_iter().last().filter(|thread| thread.active);
            let thread = thread.ok_or_else(|| ErrorPayload::new(ErrorType::ChatInactive, "the chat is not active"))?;
            let push = Push::IncomingTypingIndicator(IncomingTypingIndicator {
                chat_id: row.id.clone(),
                thread_id: thread.id,
                typing_indicator: TypingIndicator {
                    author_id: agent_id.clone(),
                    recipients: Some("all".to_owned()),
                    timestamp: Some(ids::unix_now().max(0) as u64),
                    is_typing: body.is_typing,
                },
            });
            app.hub.push_to_customer_only(row.license_id, &row.customer_id, &push);
            Ok(ok())
        }
        "send_greeting" => {
            #[derive(Deserialize)]
            struct Body {
                customer_id: String,
                #[serde(default)]
                greeting_id: Option<u64>,
                #[serde(default)]
                text: Option<String>,
            }
            let body: Body = payload(action, body)?;
            let customer = app.db.customer(&body.customer_id)?.filter(|customer| customer.license_id == actor.license_id);
            customer.ok_or_else(|| not_found("customer"))?;
            let (greeting_id, text) = match (body.greeting_id, body.text) {
                (Some(id), text) => {
                    let template = app
                        .config
                        .greetings
                        .iter()
                        .find(|greeting| greeting.license_id == actor.license_id && greeting.id == id)
                        .ok_or_else(|| ErrorPayload::new(ErrorType::GreetingNotFound, "greeting not found"))?;
                    (id, text.unwrap_or_else(|| template.text.clone()))
                }
                (None, Some(text)) if !text.trim().is_empty() => (0, text),
                _ => return Err(validation("give greeting_id or a non-empty text")),
            };
            let unique_id = app.send_greeting(actor.license_id, &body.customer_id, greeting_id, agent_id, &text)?;
            Ok(Response::Other { action: action.to_owned(), payload: json!({ "unique_id": unique_id }) })
        }
        "ban_customer" => {
            #[derive(Deserialize)]
            struct Body {
                #[serde(alias = "customer_id")]
                id: String,
            }
            let body: Body = payload(action, body)?;
            let row = app.db.customer(&body.id)?.filter(|customer| customer.license_id == actor.license_id);
            row.ok_or_else(|| not_found("customer"))?;
            app.db.set_banned(&body.id, true)?;
            app.hub.disconnect_customer(actor.license_id, &body.id, DisconnectReason::CustomerBanned);
            Ok(ok())
        }
        _ => Err(validation(format!("unknown action {action:?}"))),
    }
}

/// `get_customer` (agents): a customer of the license with their page, ban, presence and
/// what the site said about them (`verification`, once checked).
fn get_customer(app: &App, actor: &Actor<'_>, customer_id: &str) -> ApiResult<Response> {
    let row = app.db.customer(customer_id)?.filter(|customer| customer.license_id == actor.license_id);
    let row = row.ok_or_else(|| not_found("customer"))?;
    let mut customer = serde_json::to_value(app.customer_view(&row.id)?).unwrap_or_default();
    customer["last_visit"] = json!({ "last_pages": [{ "url": row.page_url, "title": row.page_title }] });
    customer["banned"] = json!(row.banned);
    customer["present"] = json!(app.hub.is_online(actor.license_id, &Peer::Customer(row.id.clone())));
    if let Some(verification) = app.db.verification(&row.id)? {
        customer["verification"] = json!(verification);
    }
    Ok(Response::Other { action: "get_customer".to_owned(), payload: customer })
}
