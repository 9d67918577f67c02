//! The Customer Chat API: what each customer action does.

use protocol::{
    DynamicConfig, ErrorPayload, ErrorType, GetUrlInfo, ListChats, ListChatsResponse, ListGroupStatusesResponse,
    LoginChat, LoginResponse, Request, Response, VerifyIdentity,
};
use serde_json::json;

use crate::actor::{Actor, Answer};
use crate::config::License;
use crate::errors::{group_not_found, not_found, validation, ApiResult};
use crate::hub::NO_SOCKET;
use crate::paging::{Cursor, PageSize};
use crate::properties::Change::{Delete, Update};
use crate::App;

/// How long a visit lasts after the last login that continued it.
const VISIT_SECS: i64 = 30 * 60;

/// Answers one request from a logged-in customer. Every request has an answer here; the
/// session answers `ping` and `login` before a connection has logged in, and calls this
/// only after.
pub fn dispatch(app: &App, actor: &Actor<'_>, request: Request) -> Answer<Response> {
    match request {
        Request::Login(_) => Err(validation("already logged in")).into(),
        Request::Ping => Ok(Response::Ping).into(),
        Request::StartChat(request) => app.start_chat(actor, request).map(Response::StartChat).into(),
        Request::ActivateChat(request) => app.activate_chat(actor, request).map(Response::ActivateChat).into(),
        Request::ResumeChat(request) => app.activate_chat(actor, request).map(Response::ResumeChat).into(),
        Request::DeactivateChat(request) => app.deactivate(actor, &request).map(|()| Response::DeactivateChat).into(),
        Request::SendEvent(request) => app.send_event(actor, request).map(Response::SendEvent).into(),
        Request::GetChat(request) => app
            .accessible_chat(actor, &request.chat_id)
            .and_then(|row| app.chat_view_for(actor.peer, &row, request.thread_id.as_deref()))
            .map(Response::GetChat)
            .into(),
        Request::ListChats(request) => list_chats(app, actor, request).map(Response::ListChats).into(),
        Request::ListThreads(request) => app.list_threads(actor, request).map(Response::ListThreads).into(),
        Request::CheckGoals(request) if actor.conn == NO_SOCKET => {
            app.check_goals(actor, request).map(|()| Response::CheckGoals).into()
        }
        Request::CheckGoals(_) => {
            Err(validation("check_goals is a Web API method; a connected customer's page goes with update_customer_page")).into()
        }
        Request::SendRichMessagePostback(request) => {
            app.postback(actor, request).map(|()| Response::SendRichMessagePostback).into()
        }
        Request::SendSneakPeek(request) => {
            app.sneak_peek(actor, &request.chat_id, &request.sneak_peek_text).map(|()| Response::SendSneakPeek).into()
        }
        Request::UpdateChatProperties(request) => {
            app.chat_properties(actor, Update, &request).map(|()| Response::UpdateChatProperties).into()
        }
        Request::DeleteChatProperties(request) => {
            app.chat_properties(actor, Delete, &request).map(|()| Response::DeleteChatProperties).into()
        }
        Request::UpdateThreadProperties(request) => {
            app.thread_properties(actor, Update, &request).map(|()| Response::UpdateThreadProperties).into()
        }
        Request::DeleteThreadProperties(request) => {
            app.thread_properties(actor, Delete, &request).map(|()| Response::DeleteThreadProperties).into()
        }
        Request::UpdateEventProperties(request) => {
            app.event_properties(actor, Update, &request).map(|()| Response::UpdateEventProperties).into()
        }
        Request::DeleteEventProperties(request) => {
            app.event_properties(actor, Delete, &request).map(|()| Response::DeleteEventProperties).into()
        }
        Request::GetCustomer(_) => actor.customer_id().and_then(|id| app.customer_view(id)).map(Response::GetCustomer).into(),
        Request::UpdateCustomer(request) => app.update_customer(actor, request).map(|()| Response::UpdateCustomer).into(),
        Request::UpdateCustomerPage(page) => app.update_customer_page(actor, page).map(|()| Response::UpdateCustomerPage).into(),
        Request::SetCustomerSessionFields(request) => {
            app.set_session_fields(actor, request.session_fields).map(|()| Response::SetCustomerSessionFields).into()
        }
        Request::ListGroupStatuses(request) => app
            .group_statuses(actor.license_id, request.all == Some(true), request.group_ids)
            .map(|groups_status| Response::ListGroupStatuses(ListGroupStatusesResponse { groups_status }))
            .into(),
        Request::GetForm(request) => app.form(actor.license_id, request.group_id, &request.kind).map(Response::GetForm).into(),
        Request::GetPredictedAgent(request) => {
            app.predicted_agent(actor.license_id, request.group_id.unwrap_or(0)).map(Response::GetPredictedAgent).into()
        }
        Request::GetUrlInfo(GetUrlInfo { url }) => {
            let app = app.clone();
            Answer::later(async move { crate::outbound::fetch(&url, &app.url_policy).await.map(Response::GetUrlInfo) })
        }
        Request::VerifyIdentity(request) => verify_identity(app, actor, request),
        Request::ListAgents => app.list_agents(actor.license_id, false).map(Response::ListAgents).into(),
        Request::MarkEventsAsSeen(request) => {
            app.mark_seen(actor, &request.chat_id, &request.seen_up_to).map(|()| Response::MarkEventsAsSeen).into()
        }
        Request::AcceptGreeting(request) => app
            .answer_greeting(actor, Some(request.greeting_id), &request.unique_id, true)
            .map(|()| Response::AcceptGreeting)
            .into(),
        Request::CancelGreeting(request) => {
            app.answer_greeting(actor, None, &request.unique_id, false).map(|()| Response::CancelGreeting).into()
        }
        Request::Other { action, .. } => Err(validation(format!("unknown action {action:?}"))).into(),
    }
}

/// `verify_identity`: asks the site who the visitor is, from a task of the session's own,
/// unless the same value was checked a moment ago. The Web API has no such task to run the
/// call in, so it refuses.
fn verify_identity(app: &App, actor: &Actor<'_>, request: VerifyIdentity) -> Answer<Response> {
    if actor.conn == NO_SOCKET {
        return Err(ErrorPayload::new(ErrorType::NotAllowed, "verify_identity works over the RTM websocket only")).into();
    }
    let customer_id = match actor.customer_id() {
        Ok(customer_id) => customer_id,
        Err(error) => return Err(error).into(),
    };
    let directory = app.directory();
    let Some(license) = directory.license_by_id(actor.license_id) else {
        return Err(not_found("license")).into();
    };
    match app.prepare_verification(license, customer_id, &request.value) {
        Ok(Some(check)) => {
            let app = app.clone();
            Answer::later(async move { app.verify_identity(check).await.map(|()| Response::VerifyIdentity) })
        }
        Ok(None) => Ok(Response::VerifyIdentity).into(),
        Err(error) => Err(error).into(),
    }
}

/// `list_chats`: the customer's own chats, newest first by default.
fn list_chats(app: &App, actor: &Actor<'_>, request: ListChats) -> ApiResult<ListChatsResponse> {
    let mut rows = app.db.chats_of_customer(actor.customer_id()?)?;
    if request.page_id.is_some() && (request.limit.is_some() || request.sort_order.is_some()) {
        return Err(validation("a page_id carries the sort_order and limit of the first request; send it alone"));
    }
    let cursor = Cursor::start(request.page_id.as_deref(), request.sort_order.as_deref(), || {
        Ok(PageSize::Limit(request.limit.unwrap_or(10).clamp(1, 25) as usize))
    })?;
    let PageSize::Limit(limit) = cursor.size else { return Err(validation("page_id is not valid")) };
    if cursor.ascending {
        rows.reverse();
    }
    let page = rows.iter().skip(cursor.offset).take(limit).map(|row| app.chat_summary(row, false)).collect::<ApiResult<Vec<_>>>()?;
    let end = cursor.offset + page.len();
    Ok(ListChatsResponse {
        chats_summary: page,
        total_chats: rows.len() as u64,
        next_page_id: (end < rows.len()).then(|| cursor.at(end).encode()),
        previous_page_id: (cursor.offset > 0).then(|| cursor.at(cursor.offset.saturating_sub(limit)).encode()),
    })
}

impl App {
    /// The login response: the customer with statistics, their chats, and which groups are
    /// online (the only availability signal the protocol gives at login).
    /// Answers a customer's `login`, with the side storage the client should keep from now
    /// on (pushed as `customer_side_storage_updated` once the socket is registered).
    ///
    /// The side storage carries the visit: `visit_id` and `visit_expires` (unix seconds).
    /// A login that brings back an unexpired visit (another tab, a reload, a reconnect)
    /// continues it; otherwise a new visit starts and `statistics.visits_count` grows. Each
    /// login moves the expiry to 30 minutes ahead.
    pub(crate) fn customer_login(
        &self,
        license: &License,
        customer_id: &str,
        login: &protocol::Login,
    ) -> ApiResult<(Response, protocol::Object)> {
        let data = login.customer.clone().unwrap_or_default();
        if let Some(group_id) = login.group_id
            && self.directory().group(license.id, group_id).is_none()
        {
            return Err(group_not_found());
        }
        let row = self.db.customer(customer_id)?.ok_or_else(|| not_found("customer"))?;
        if row.license_id != license.id {
            return Err(ErrorPayload::new(ErrorType::Authentication, "the token belongs to another license"));
        }
        if row.banned {
            return Err(ErrorPayload::new(ErrorType::CustomerBanned, "the customer is banned"));
        }
        let now = crate::ids::unix_now();
        let kept = login.customer_side_storage.as_ref();
        let visit_id = kept
            .filter(|storage| storage.get("visit_expires").and_then(serde_json::Value::as_i64).is_some_and(|expires| expires > now))
            .and_then(|storage| storage.get("visit_id")?.as_str())
            .filter(|id| !id.is_empty() && id.len() <= 64)
            .map(str::to_owned);
        let new_visit = visit_id.is_none();
        let mut side_storage = protocol::Object::new();
        side_storage.insert("visit_id".to_owned(), json!(visit_id.unwrap_or_else(crate::ids::short_id)));
        side_storage.insert("visit_expires".to_owned(), json!(now + VISIT_SECS));
        // What the client says at login is checked like the same data in `update_customer`.
        crate::people::check_customer(data.name.as_deref(), data.email.as_deref(), data.avatar.as_deref())?;
        if let Some(page) = login.customer_page.as_ref().filter(|page| page.url.is_some()) {
            crate::people::check_page(page)?;
        }
        let fields = match &data.session_fields {
            Some(fields) => Some(crate::people::session_fields(Vec::new(), fields)?),
            None => None,
        };
        // The visit, the session fields and the page are one write.
        let page = login.customer_page.as_ref().and_then(|page| Some((page.url.clone()?, page.title.clone())));
        let record = crate::db::LoginRecord {
            new_visit,
            name: data.name.clone(),
            email: data.email.clone(),
            avatar: data.avatar.clone(),
            session_fields: fields,
            page,
            now: self.clock.timestamp(),
        };
        self.db.record_login(customer_id, record)?;
        let mut has_active_thread = false;
        let mut chats = Vec::new();
        for chat in self.db.chats_of_customer(customer_id)? {
            has_active_thread |= self.db.threads(&chat.id)?.last().is_some_and(|thread| thread.active);
            let has_unread_events = self.db.has_unread(&chat.id, customer_id)?;
            chats.push(LoginChat { chat_id: chat.id, has_unread_events });
        }
        let directory = self.directory();
        let online_groups_ids = directory
            .groups_of(license.id)
            .map(|group| Ok((group.id, self.group_status(license.id, group.id)?)))
            .collect::<ApiResult<Vec<_>>>()?
            .into_iter()
            .filter(|(_, status)| *status != crate::routing::GroupStatus::Offline)
            .map(|(id, _)| id)
            .collect();
        // The greeting still on screen comes back, so a reload shows it again.
        let greeting = self.db.shown_greetings(customer_id)?.last().map(|shown| protocol::IncomingGreeting {
            accepted: Some(false),
            ..self.greeting_view(license.id, shown, false)
        });
        let monitoring = protocol::MonitoringGroup { id: login.group_id.unwrap_or(0), ..Default::default() };
        let response = Response::Login(LoginResponse {
            customer: self.customer_view(customer_id)?,
            has_active_thread,
            chats,
            greeting,
            dynamic_config: DynamicConfig {
                online_groups_ids,
                customer_groups: Some(protocol::CustomerGroups { monitoring }),
                manual_assignment: license.manual_assignment,
                rest: Default::default(),
            },
        });
        Ok((response, side_storage))
    }
}
