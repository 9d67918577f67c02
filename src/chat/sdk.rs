//! The Customer SDK surface: every method of the LiveChat Customer SDK as an async method of
//! [`ChatHandle`], with typed results and typed errors. The small state machines behind
//! some of them (sneak-peek throttling, connection stability, history paging, upload
//! checks) are the session's, since they run without IO.
//!
//! A method sends one wire request through the connection task and resolves when the
//! response with its `request_id` arrives. The [`Session`](crate::session::Session) keeps at
//! most ten requests in flight and queues the rest; a request unanswered for 15 seconds
//! fails with [`RequestError::Timeout`], and requests in flight when the socket drops fail
//! with [`RequestError::ConnectionLost`] (the SDK's `CONNECTION_LOST`). Successful responses
//! and every push also update the store, so views follow without extra code.
//!
//! What the window itself sends (messages, files, forms, button presses, ratings) goes
//! through the outbox instead ([`ChatHandle::send_text`], [`ChatHandle::send_outgoing`]):
//! kept across reloads and retried until the server has it, once.
//!
//! # SDK methods
//!
//! | SDK method | Here | Wire |
//! |---|---|---|
//! | `acceptGreeting` | `accept_greeting(greeting_id, unique_id)` | `accept_greeting` |
//! | `activateChat` / `resumeChat` (v4) | `activate_chat(ActivateChat)` / `resume_chat` → `ActivateChatResponse` | `activate_chat` (`resume_chat` from 3.3) |
//! | `cancelGreeting` | `cancel_greeting(unique_id)` | `cancel_greeting` |
//! | `cancelRate` | `cancel_rate(chat_id, &["score", "comment"])`, latest thread | `delete_thread_properties` |
//! | `connect` | `connect()` (sync) | opens the socket, `login` |
//! | `deactivateChat` | `deactivate_chat(chat_id)` | `deactivate_chat` |
//! | `deleteChatProperties` | `delete_chat_properties(chat_id, {ns: [names]})` | `delete_chat_properties` |
//! | `deleteThreadProperties` | `delete_thread_properties(chat_id, thread_id, ...)` | `delete_thread_properties` |
//! | `deleteEventProperties` | `delete_event_properties(chat_id, thread_id, event_id, ...)` | `delete_event_properties` |
//! | `destroy` | `destroy()` (sync); later calls fail with `Destroyed` | close |
//! | `disconnect` | `disconnect()` (sync); `connect()` resumes | close |
//! | `getChat` | `get_chat(chat_id, thread_id)` → `Chat` | `get_chat` |
//! | `getChatHistory` | `get_chat_history(chat_id)` → [`ChatHistory`]; `next().await` → older threads, merged into the store | `list_threads` (desc, paged) |
//! | `getCustomer` | `get_customer()` → `Customer` | `get_customer` |
//! | `getForm` | `get_form(group_id, FormKind)` → `GetFormResponse` | `get_form` |
//! | `getPredictedAgent` | `get_predicted_agent(group_id)` → `PredictedAgent` | `get_predicted_agent` |
//! | `getUrlInfo` | `get_url_info(url)` → `UrlInfo` | `get_url_info` |
//! | `listChats` | `list_chats(ListChats)` → `ListChatsResponse` | `list_chats` |
//! | `listGroupStatuses` | `list_group_statuses(Option<group_ids>)` → `{id: status}` | `list_group_statuses` |
//! | `listThreads` | `list_threads(ListThreads)` → `ListThreadsResponse` | `list_threads` |
//! | `markEventsAsSeen` | `mark_events_as_seen(chat_id, seen_up_to)`; also sent by the session when agent messages are on screen | `mark_events_as_seen` |
//! | `rateChat` | `rate_chat(chat_id, 0 or 1, comment)`, latest thread | `update_thread_properties` |
//! | `sendEvent` | `send_event(chat_id, Event, attach_to_last_thread)` → event id | `send_event` |
//! | `sendRichMessagePostback` | `send_rich_message_postback(chat_id, thread_id, event_id, postback_id, toggled)` | `send_rich_message_postback` |
//! | `sendTicketForm` (SDK 2; removed in 4.0.1, no wire action in the documents) | `send_ticket_form(group_id, form_id, fields)` → chat id: a `filled_form` event through the outbox that starts or reopens the chat for the group | `send_event`, `activate_chat` or `start_chat` |
//! | `setCustomerSessionFields` | `set_customer_session_fields(map)` | `set_customer_session_fields` |
//! | `setSneakPeek` | `set_sneak_peek(chat_id, text)` (sync; one a second, last text kept; active chat only) | `send_sneak_peek` |
//! | `startChat` | `start_chat(StartChat)` → `StartChatResponse` | `start_chat` |
//! | `updateChatProperties` | `update_chat_properties(chat_id, properties)` | `update_chat_properties` |
//! | `updateCustomer` | `update_customer(UpdateCustomer)` | `update_customer` |
//! | `updateCustomerPage` | `update_customer_page(url, title)` | `update_customer_page` |
//! | `updateEventProperties` | `update_event_properties(chat_id, thread_id, event_id, properties)` | `update_event_properties` |
//! | `updateThreadProperties` | `update_thread_properties(chat_id, thread_id, properties)` | `update_thread_properties` |
//! | `uploadFile` | `upload_file(blob, name, on_progress)` (sync, in `upload`) → `Upload { cancel(), url().await }`; over 10 MB refused before sending | Web API `POST /v3.x/customer/action/upload_file` |
//! | `on` / `once` / `off` | views subscribe to the store (next table) | — |
//!
//! Errors: `RequestError::Server { kind: ErrorType, .. }` for every wire error;
//! `Timeout` (`REQUEST_TIMEOUT`), `ConnectionLost` (`CONNECTION_LOST`), `Destroyed`,
//! `MissingChatThread` (`MISSING_CHAT_THREAD`), `Invalid` (refused before sending).
//!
//! # SDK events
//!
//! | SDK event / push | What the store keeps (`ChatData`) |
//! |---|---|
//! | `connected` (login) | `connection = Online`, `customer` (with statistics), `customer_id`, `agents_online`, `manual_assignment`, `greeting` |
//! | `customer_id` | `customer_id` |
//! | `connection_unstable` / `connection_recovered` | `unstable = true / false` |
//! | `disconnected` (`customer_disconnected`, socket loss) | `connection = Reconnecting`, `Paused` or `Stopped` with a `Halt` per the reason's `ReconnectPolicy` |
//! | `availability_updated` (our `groups_status_updated`, `list_group_statuses`) | `group_statuses`, `agents_online` |
//! | `incoming_chat` | chat merged: users, thread, events, `queue` |
//! | `incoming_event` | `messages` (merged by id / `custom_id`), `unread` + `unread_ids` while closed, `chime` |
//! | `event_updated` | the row's text replaced in place |
//! | `chat_deactivated` | `chat_active = false`, typing and queue cleared |
//! | `chat_transferred` | `queue`; typing cleared |
//! | `incoming_typing_indicator` | `agent_typing` |
//! | `user_added_to_chat` / `user_removed_from_chat` | `users[id]` (with `present`), `agents_online`, queue cleared when an agent joins |
//! | `queue_position_updated` | `queue` |
//! | `events_marked_as_seen` | `seen_up_to[user]` (forward only); `agents_seen_up_to()`, `is_seen_by_agent(message)` |
//! | `incoming_greeting` / `greeting_accepted` / `greeting_canceled` | `greeting` shown / `accepted` / removed |
//! | `customer_updated` | `customer` fields |
//! | `customer_side_storage_updated` | `customer_side_storage`, sent back at the next login |
//! | `thread_properties_updated` / `_deleted` | `thread_properties[thread]`; `rating()` |
//! | `incoming_rich_message_postback` | `postbacks[(event, button)]` |
//! | `customer_page_updated`, `chat_properties_*`, `event_properties_*`, `incoming_multicast` | nothing: the window shows none of them (an SDK call fetches them when needed) |

use std::collections::BTreeMap;

use futures::channel::oneshot;
use leptos::prelude::{Update, WithUntracked};
use protocol::{
    AcceptGreeting, Access, ActivateChat, ActivateChatResponse, CancelGreeting, Chat, ChatProperties, Customer,
    DeactivateChat, Event, EventBody, EventProperties, FormKind, GetChat, GetForm,
    GetFormResponse, GetPredictedAgent, GetUrlInfo, ListChats, ListChatsResponse, ListGroupStatuses, ListThreads,
    ListThreadsResponse, MarkEventsAsSeen, Object, Page, Postback, PredictedAgent, Request, Response, SendEvent,
    SendRichMessagePostback, SetCustomerSessionFields, StartChat, StartChatResponse, Thread, ThreadProperties,
    UpdateCustomer, UrlInfo,
};
use serde_json::Value;

use crate::chat::ChatHandle;
use crate::config::RatingMode;
use crate::rating::Rating;
use crate::store::{Item, Opening};
use crate::session::{Call, CallResult, Command, HistoryCursor, RequestError};

#[cfg(test)]
mod tests;

/// Event types a customer may send with `send_event` (the SDK's list).
fn sendable(body: &EventBody) -> bool {
    matches!(
        body,
        EventBody::Message { .. }
            | EventBody::File { .. }
            | EventBody::FilledForm { .. }
            | EventBody::SystemMessage { .. }
            | EventBody::Custom { .. }
    )
}

/// `get_chat_history`: older threads on demand, each page merged into the transcript.
/// Calls are sequential by construction (`next` takes `&mut self`).
pub struct ChatHistory {
    chat: ChatHandle,
    cursor: HistoryCursor,
}

impl ChatHistory {
    /// The next page of older threads (oldest first), or `None` when there is no more.
    pub async fn next(&mut self) -> Result<Option<Vec<Thread>>, RequestError> {
        let Some(request) = self.cursor.request() else { return Ok(None) };
        let page = self.chat.list_threads(request).await?;
        let threads = self.cursor.advance(page);
        let chat_id = self.cursor.chat_id().to_owned();
        let done = self.cursor.is_done();
        self.chat.state.update(|chat_state| {
            chat_state.merge_history(&chat_id, &threads);
            if chat_state.chat_id.as_deref() == Some(chat_id.as_str()) {
                chat_state.set_history_complete(done);
            }
        });
        Ok(Some(threads))
    }

    /// Whether every thread has been returned.
    pub fn is_done(&self) -> bool {
        self.cursor.is_done()
    }
}

/// Unpacks the expected response variant or reports what came instead.
macro_rules! expect_response {
    ($result:expr, $variant:ident($binding:ident) => $value:expr) => {
        match $result? {
            Response::$variant($binding) => Ok($value),
            other => Err(RequestError::Unexpected(other.action().to_owned())),
        }
    };
    ($result:expr, $variant:ident) => {
        match $result? {
            Response::$variant => Ok(()),
            other => Err(RequestError::Unexpected(other.action().to_owned())),
        }
    };
}

impl ChatHandle {
    /// Sends one wire request and waits for its answer.
    pub async fn call(&self, request: Request) -> CallResult {
        let (reply, answer) = oneshot::channel();
        if !self.send_command(Command::Call(Box::new(Call { request, reply }))) {
            return Err(RequestError::Destroyed);
        }
        answer.await.unwrap_or(Err(RequestError::Destroyed))
    }

    /// `acceptGreeting`: the visitor took up an invitation.
    pub async fn accept_greeting(&self, greeting_id: u64, unique_id: &str) -> Result<(), RequestError> {
        let request = AcceptGreeting { greeting_id, unique_id: unique_id.to_owned() };
        expect_response!(self.call(Request::AcceptGreeting(request)).await, AcceptGreeting)
    }

    /// `cancelGreeting`: the visitor dismissed an invitation.
    pub async fn cancel_greeting(&self, unique_id: &str) -> Result<(), RequestError> {
        let request = CancelGreeting { unique_id: unique_id.to_owned() };
        expect_response!(self.call(Request::CancelGreeting(request)).await, CancelGreeting)
    }

    /// `activateChat` (v4 `resumeChat`): opens a new thread in a closed chat.
    pub async fn activate_chat(&self, request: ActivateChat) -> Result<ActivateChatResponse, RequestError> {
        // Sent as `resume_chat` from 3.3 on; the answer comes under the name sent.
        match self.call(Request::ActivateChat(request)).await? {
            Response::ActivateChat(activated) | Response::ResumeChat(activated) => Ok(activated),
            other => Err(RequestError::Unexpected(other.action().to_owned())),
        }
    }

    /// `resumeChat` (v4 name of `activateChat`, with `active`).
    pub async fn resume_chat(&self, request: ActivateChat) -> Result<ActivateChatResponse, RequestError> {
        self.activate_chat(request).await
    }

    /// `startChat`.
    pub async fn start_chat(&self, request: StartChat) -> Result<StartChatResponse, RequestError> {
        expect_response!(self.call(Request::StartChat(request)).await, StartChat(started) => started)
    }

    /// `deactivateChat`: closes the chat's open thread.
    pub async fn deactivate_chat(&self, chat_id: &str) -> Result<(), RequestError> {
        let request = DeactivateChat { chat_id: Some(chat_id.to_owned()), id: None };
        expect_response!(self.call(Request::DeactivateChat(request)).await, DeactivateChat)
    }

    /// `getChat`: a chat with one thread (the latest when `thread_id` is None).
    pub async fn get_chat(&self, chat_id: &str, thread_id: Option<&str>) -> Result<Chat, RequestError> {
        let request = GetChat { chat_id: chat_id.to_owned(), thread_id: thread_id.map(str::to_owned) };
        expect_response!(self.call(Request::GetChat(request)).await, GetChat(chat) => chat)
    }

    /// `getChatHistory`: pages of older threads, newest first; each page is merged into the
    /// transcript as it arrives.
    pub fn get_chat_history(&self, chat_id: &str) -> ChatHistory {
        ChatHistory { chat: *self, cursor: HistoryCursor::new(chat_id) }
    }

    /// `getCustomer`.
    pub async fn get_customer(&self) -> Result<Customer, RequestError> {
        expect_response!(self.call(Request::GetCustomer(Default::default())).await, GetCustomer(customer) => customer)
    }

    /// `getForm`: a group's pre-chat, post-chat or ticket form.
    pub async fn get_form(&self, group_id: u32, kind: FormKind) -> Result<GetFormResponse, RequestError> {
        expect_response!(self.call(Request::GetForm(GetForm { group_id, kind })).await, GetForm(form) => form)
    }

    /// `getPredictedAgent`: who would answer a chat started now.
    pub async fn get_predicted_agent(&self, group_id: Option<u32>) -> Result<PredictedAgent, RequestError> {
        let request = GetPredictedAgent { group_id };
        expect_response!(self.call(Request::GetPredictedAgent(request)).await, GetPredictedAgent(agent) => agent)
    }

    /// `getUrlInfo`: a link preview.
    pub async fn get_url_info(&self, url: &str) -> Result<UrlInfo, RequestError> {
        let request = GetUrlInfo { url: url.to_owned() };
        expect_response!(self.call(Request::GetUrlInfo(request)).await, GetUrlInfo(info) => info)
    }

    /// Extension: the account's departments and agents with their status (for the agent
    /// picker and the `operators` option).
    pub async fn list_agents(&self) -> Result<protocol::ListAgentsResponse, RequestError> {
        expect_response!(self.call(Request::ListAgents).await, ListAgents(list) => list)
    }

    /// Extension: hands the site's token for the visitor (`custom`) to the server, which
    /// checks it with the site and shows the answer to agents.
    pub async fn verify_identity(&self, value: &str) -> Result<(), RequestError> {
        let request = protocol::VerifyIdentity { value: value.to_owned() };
        expect_response!(self.call(Request::VerifyIdentity(request)).await, VerifyIdentity)
    }

    /// `listChats`.
    pub async fn list_chats(&self, request: ListChats) -> Result<ListChatsResponse, RequestError> {
        expect_response!(self.call(Request::ListChats(request)).await, ListChats(list) => list)
    }

    /// `listGroupStatuses`: every group when `group_ids` is None.
    pub async fn list_group_statuses(&self, group_ids: Option<Vec<u32>>) -> Result<BTreeMap<String, String>, RequestError> {
        let request = match group_ids {
            Some(group_ids) => ListGroupStatuses { all: None, group_ids: Some(group_ids) },
            None => ListGroupStatuses { all: Some(true), group_ids: None },
        };
        expect_response!(self.call(Request::ListGroupStatuses(request)).await, ListGroupStatuses(list) => list.groups_status)
    }

    /// `listThreads`.
    pub async fn list_threads(&self, request: ListThreads) -> Result<ListThreadsResponse, RequestError> {
        expect_response!(self.call(Request::ListThreads(request)).await, ListThreads(list) => list)
    }

    /// `markEventsAsSeen`: everything up to `seen_up_to` (an event's `created_at`) was read.
    pub async fn mark_events_as_seen(&self, chat_id: &str, seen_up_to: &str) -> Result<(), RequestError> {
        let request = MarkEventsAsSeen { chat_id: chat_id.to_owned(), seen_up_to: seen_up_to.to_owned() };
        expect_response!(self.call(Request::MarkEventsAsSeen(request)).await, MarkEventsAsSeen)
    }

    /// The latest thread of a chat: known for the visitor's chat, fetched otherwise.
    async fn latest_thread(&self, chat_id: &str) -> Result<String, RequestError> {
        let known = self.state.with_untracked(|chat_state| {
            chat_state.thread_id.clone().filter(|_| chat_state.chat_id.as_deref() == Some(chat_id))
        });
        if let Some(thread_id) = known {
            return Ok(thread_id);
        }
        let chat = self.get_chat(chat_id, None).await?;
        chat.thread.map(|thread| thread.id).ok_or(RequestError::MissingChatThread)
    }

    /// `rateChat`: `score` 0 (bad) or 1 (good), on the latest thread.
    pub async fn rate_chat(&self, chat_id: &str, score: u8, comment: Option<&str>) -> Result<(), RequestError> {
        if score > 1 {
            return Err(RequestError::Invalid("a rating score is 0 (bad) or 1 (good)".to_owned()));
        }
        let thread_id = self.latest_thread(chat_id).await?;
        let rating = Rating::given(RatingMode::Thumbs, score, comment.map(str::to_owned));
        self.update_thread_properties(chat_id, &thread_id, rating.properties()).await
    }

    /// `cancelRate`: removes `score` and/or `comment` from the latest thread's rating.
    pub async fn cancel_rate(&self, chat_id: &str, properties: &[&str]) -> Result<(), RequestError> {
        let thread_id = self.latest_thread(chat_id).await?;
        self.delete_thread_properties(chat_id, &thread_id, crate::rating::removal(RatingMode::Thumbs, properties)).await
    }

    /// `sendEvent`: any customer event (`message`, `file`, `filled_form`, `system_message`,
    /// `custom`). Returns the stored event's id. For plain messages typed in the window,
    /// [`ChatHandle::send_text`] adds the offline outbox on top.
    pub async fn send_event(&self, chat_id: &str, event: Event, attach_to_last_thread: bool) -> Result<String, RequestError> {
        if !sendable(&event.body) {
            return Err(RequestError::Invalid("customers may send message, file, filled_form, system_message and custom events".to_owned()));
        }
        let request = SendEvent { chat_id: chat_id.to_owned(), event, attach_to_last_thread: attach_to_last_thread.then_some(true) };
        expect_response!(self.call(Request::SendEvent(request)).await, SendEvent(sent) => sent.event_id)
    }

    /// `sendRichMessagePostback`: a rich-message button was pressed (or released).
    pub async fn send_rich_message_postback(
        &self,
        chat_id: &str,
        thread_id: &str,
        event_id: &str,
        postback_id: &str,
        toggled: bool,
    ) -> Result<(), RequestError> {
        let request = SendRichMessagePostback {
            chat_id: chat_id.to_owned(),
            thread_id: thread_id.to_owned(),
            event_id: event_id.to_owned(),
            postback: Postback { id: postback_id.to_owned(), toggled },
        };
        expect_response!(self.call(Request::SendRichMessagePostback(request)).await, SendRichMessagePostback)
    }

    /// `sendTicketForm` (SDK 2; the seeds give no wire action): a filled ticket form,
    /// delivered as a `filled_form` event that opens (or reopens) the visitor's chat for
    /// `group_id`, so it reaches agents as an offline message. Returns the chat id.
    pub async fn send_ticket_form(&self, group_id: Option<u32>, form_id: &str, fields: Vec<Value>) -> Result<String, RequestError> {
        let event = Event::new(EventBody::FilledForm { form_id: form_id.to_owned(), fields });
        let access = group_id.map(|group_id| Access { group_ids: vec![group_id], ..Default::default() });
        // Through the outbox, so a form sent while the link is down goes once it is back.
        self.send_outgoing(Item::Event { event, opening: Opening { access, continuous: false } }).await?;
        self.state.with_untracked(|chat_state| chat_state.chat_id.clone()).ok_or(RequestError::MissingChatThread)
    }

    /// `setCustomerSessionFields`: replaces the session fields (at most 100).
    pub async fn set_customer_session_fields(&self, fields: BTreeMap<String, String>) -> Result<(), RequestError> {
        if fields.len() > 100 {
            return Err(RequestError::Invalid("at most 100 session fields".to_owned()));
        }
        let request = SetCustomerSessionFields { session_fields: one_key_objects(fields) };
        expect_response!(self.call(Request::SetCustomerSessionFields(request)).await, SetCustomerSessionFields)
    }

    /// `setSneakPeek`: what the visitor is typing. Fire and forget; throttled to one per
    /// second (the last text always goes out) and only sent while the chat is active.
    pub fn set_sneak_peek(&self, chat_id: &str, text: &str) {
        self.send_command(Command::SneakPeek { chat_id: chat_id.to_owned(), text: text.to_owned() });
    }

    /// `updateChatProperties`.
    pub async fn update_chat_properties(&self, chat_id: &str, properties: Object) -> Result<(), RequestError> {
        let request = ChatProperties { chat_id: Some(chat_id.to_owned()), id: None, properties };
        expect_response!(self.call(Request::UpdateChatProperties(request)).await, UpdateChatProperties)
    }

    /// `deleteChatProperties`: `properties` is `{namespace: [name, ...]}`.
    pub async fn delete_chat_properties(&self, chat_id: &str, properties: Object) -> Result<(), RequestError> {
        let request = ChatProperties { chat_id: Some(chat_id.to_owned()), id: None, properties };
        expect_response!(self.call(Request::DeleteChatProperties(request)).await, DeleteChatProperties)
    }

    /// `updateThreadProperties`.
    pub async fn update_thread_properties(&self, chat_id: &str, thread_id: &str, properties: Object) -> Result<(), RequestError> {
        let request = ThreadProperties { chat_id: chat_id.to_owned(), thread_id: thread_id.to_owned(), properties };
        expect_response!(self.call(Request::UpdateThreadProperties(request)).await, UpdateThreadProperties)
    }

    /// `deleteThreadProperties`.
    pub async fn delete_thread_properties(&self, chat_id: &str, thread_id: &str, properties: Object) -> Result<(), RequestError> {
        let request = ThreadProperties { chat_id: chat_id.to_owned(), thread_id: thread_id.to_owned(), properties };
        expect_response!(self.call(Request::DeleteThreadProperties(request)).await, DeleteThreadProperties)
    }

    /// `updateEventProperties`.
    pub async fn update_event_properties(
        &self,
        chat_id: &str,
        thread_id: &str,
        event_id: &str,
        properties: Object,
    ) -> Result<(), RequestError> {
        let request = event_properties(chat_id, thread_id, event_id, properties);
        expect_response!(self.call(Request::UpdateEventProperties(request)).await, UpdateEventProperties)
    }

    /// `deleteEventProperties`.
    pub async fn delete_event_properties(
        &self,
        chat_id: &str,
        thread_id: &str,
        event_id: &str,
        properties: Object,
    ) -> Result<(), RequestError> {
        let request = event_properties(chat_id, thread_id, event_id, properties);
        expect_response!(self.call(Request::DeleteEventProperties(request)).await, DeleteEventProperties)
    }

    /// `updateCustomer`: name, e-mail, avatar and/or session fields.
    pub async fn update_customer(&self, update: UpdateCustomer) -> Result<(), RequestError> {
        if update.name.is_none() && update.email.is_none() && update.avatar.is_none() && update.session_fields.is_none() {
            return Err(RequestError::Invalid("update_customer needs at least one field".to_owned()));
        }
        expect_response!(self.call(Request::UpdateCustomer(update)).await, UpdateCustomer)
    }

    /// `updateCustomerPage`: the visitor moved to another page of the host site.
    pub async fn update_customer_page(&self, url: &str, title: Option<&str>) -> Result<(), RequestError> {
        let page = Page { url: Some(url.to_owned()), title: title.map(str::to_owned) };
        expect_response!(self.call(Request::UpdateCustomerPage(page)).await, UpdateCustomerPage)
    }

    /// `connect`: connect now (also after an inactivity pause or `disconnect`).
    pub fn connect(&self) {
        self.send_command(Command::Connect);
    }

    /// `disconnect`: closes the connection until [`connect`](Self::connect) is called.
    pub fn disconnect(&self) {
        self.send_command(Command::Disconnect);
    }

    /// `destroy`: closes the connection for good; every pending and later call fails with
    /// [`RequestError::Destroyed`].
    pub fn destroy(&self) {
        self.send_command(Command::Destroy);
    }
}

/// The wire's session-field shape: an array of one-key objects.
fn one_key_objects(fields: BTreeMap<String, String>) -> Vec<BTreeMap<String, String>> {
    fields.into_iter().map(|(key, value)| BTreeMap::from([(key, value)])).collect()
}

/// The payload of `updateEventProperties` and `deleteEventProperties`.
fn event_properties(chat_id: &str, thread_id: &str, event_id: &str, properties: Object) -> EventProperties {
    EventProperties { chat_id: chat_id.to_owned(), thread_id: thread_id.to_owned(), event_id: event_id.to_owned(), properties }
}
