//! The Customer Chat API: what each customer action does.

use protocol::{
    Customer, DynamicConfig, ErrorPayload, ErrorType, ListChats, ListChatsResponse, LoginChat, LoginResponse, Request,
    Response, Statistics, UserType,
};

use crate::chat::{not_found, validation, Actor, ApiResult};
use crate::config::License;
use crate::hub::Peer;
use crate::App;

/// Answers one request from a logged-in customer.
pub fn dispatch(app: &App, actor: &Actor<'_>, request: Request) -> ApiResult<Response> {
    match request {
        Request::StartChat(request) => app.start_chat(actor, request).map(Response::StartChat),
        Request::ActivateChat(request) => app.activate_chat(actor, request).map(Response::ActivateChat),
        Request::DeactivateChat(request) => {
            let chat_id = request.chat_id().ok_or_else(|| validation("chat_id is required"))?.to_owned();
            app.deactivate_chat(actor, &chat_id).map(|()| Response::DeactivateChat)
        }
        Request::SendEvent(request) => app.send_event(actor, request).map(Response::SendEvent),
        Request::GetChat(request) => {
            let row = app.accessible_chat(actor, &request.chat_id)?;
            app.chat_view(&row, request.thread_id.as_deref()).map(Response::GetChat)
        }
        Request::ListChats(request) => list_chats(app, actor, request).map(Response::ListChats),
        Request::ListThreads(request) => app.list_threads(actor, request).map(Response::ListThreads),
        Request::Login(_) | Request::Ping => unreachable!("handled by the session"),
        Request::Other { action, .. } => Err(validation(format!("unknown action {action:?}"))),
    }
}

/// `list_chats` for either API: the customer's own chats, or all of an agent's license.
pub fn list_chats(app: &App, actor: &Actor<'_>, request: ListChats) -> ApiResult<ListChatsResponse> {
    let mut rows = match actor.peer {
        Peer::Customer(id) => app.db.chats_of_customer(id)?,
        Peer::Agent(_) => app.db.chats_of_license(actor.license_id)?,
    };
    match request.sort_order.as_deref() {
        None | Some("desc") => {}
        Some("asc") => rows.reverse(),
        Some(other) => return Err(validation(format!("sort_order must be asc or desc, not {other:?}"))),
    }
    let total_chats = rows.len() as u64;
    let limit = request.limit.unwrap_or(10).clamp(1, 25) as usize;
    let start = match &request.page_id {
        Some(page_id) => page_id
            .strip_prefix('o')
            .and_then(|offset| offset.parse::<usize>().ok())
            .ok_or_else(|| validation("page_id is not valid"))?,
        None => 0,
    };
    let page = rows.iter().skip(start).take(limit).map(|row| app.chat_summary(row)).collect::<ApiResult<Vec<_>>>()?;
    let end = start + page.len();
    Ok(ListChatsResponse {
        chats_summary: page,
        total_chats,
        next_page_id: (end < rows.len()).then(|| format!("o{end}")),
        previous_page_id: (start > 0).then(|| format!("o{}", start.saturating_sub(limit))),
    })
}

impl App {
    /// The login response: the customer with statistics, their chats, and which groups are
    /// online (the only availability signal the protocol gives at login).
    pub(crate) fn customer_login(&self, license: &License, customer_id: &str, login: &protocol::Login) -> ApiResult<Response> {
        let data = login.customer.clone().unwrap_or_default();
        self.db.record_login(customer_id, data.name.as_deref(), data.email.as_deref(), data.avatar.as_deref())?;
        let row = self.db.customer(customer_id)?.ok_or_else(|| not_found("customer"))?;
        if row.license_id != license.id {
            return Err(ErrorPayload::new(ErrorType::Authentication, "the token belongs to another license"));
        }
        let (chats_count, threads_count) = self.db.customer_counts(customer_id)?;
        let mut has_active_thread = false;
        let mut chats = Vec::new();
        for chat in self.db.chats_of_customer(customer_id)? {
            has_active_thread |= self.db.threads(&chat.id)?.last().is_some_and(|thread| thread.active);
            chats.push(LoginChat { chat_id: chat.id, has_unread_events: false });
        }
        let online_groups_ids = if self.hub.agents_online(license.id) { vec![0] } else { Vec::new() };
        Ok(Response::Login(LoginResponse {
            customer: Customer {
                id: row.id,
                kind: UserType::Customer,
                name: row.name,
                email: row.email,
                avatar: row.avatar,
                session_fields: data.session_fields.unwrap_or_default(),
                statistics: Statistics {
                    chats_count,
                    threads_count,
                    visits_count: row.visits,
                    page_views_count: row.visits,
                    greetings_shown_count: 0,
                    greetings_accepted_count: 0,
                },
            },
            has_active_thread,
            chats,
            greeting: None,
            dynamic_config: DynamicConfig { online_groups_ids, rest: Default::default() },
        }))
    }
}
