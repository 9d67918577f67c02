//! The agent API's client without IO. One [`Session`] outlives the sockets of a page
//! ([`Session::begin`] starts each connection): it logs in, loads the chats, the team and
//! the canned responses, turns the agent's [`Intent`]s into requests, and the server's
//! frames into the desk's transitions. The agent's messages wait in an outbox until the
//! server has them; each carries a `custom_id`, so one resent after a reconnect is stored
//! once.

use std::collections::HashSet;

use chat_client::InFlight;
use protocol::{
    AddUserToChat, AgentGetCustomer, AgentListChats, AgentRequest, AgentResponse, ApiTokenId, BanCustomer, CannedResponseId,
    CreateCannedResponse, DeactivateChat, ErrorPayload, Event, EventBody, GetChat, ListArchives, ListThreads, Login,
    MarkEventsAsSeen, RemoveUserFromChat, RequestFrame, SendEvent, SendGreeting, SendTypingIndicator, ServerFrame, SetRoutingStatus,
    ThreadTag, TransferChat, UpdateCannedResponse, UpdateLicenseSettings,
};

use crate::desk::{Desk, Need};
pub use crate::intent::Intent;

/// A request the session sends.
pub type Frame = RequestFrame<AgentRequest>;

/// Chats listed per page after login, and the most pages followed.
const CHATS_PAGE: u32 = 100;
const MAX_CHAT_PAGES: u32 = 10;
/// Earlier threads fetched per page of a chat's history.
const HISTORY_PAGE: u32 = 5;
/// Archive results per page.
const ARCHIVE_PAGE: u32 = 25;

/// What a request in flight was for.
#[derive(Debug)]
enum Purpose {
    Login,
    Ping,
    /// Typing indicators and read receipts: nothing waits for their answer.
    Quiet,
    ListChats(u32),
    GetChat(String),
    GetThread(String),
    GetCustomer(String),
    ListThreads(String),
    ListAgents,
    ListCanned,
    ListApiTokens,
    CreateApiToken,
    RevokeApiToken(u64),
    Report,
    Settings,
    SaveSettings,
    Archive { more: bool },
    Send { chat_id: String, custom_id: String },
    RoutingStatus(bool),
    /// An action whose success shows through pushes; a refusal is told to the agent.
    Act(&'static str),
}

/// The agent API's protocol state.
#[derive(Debug)]
pub struct Session {
    requests: InFlight<Purpose>,
    logged_in: bool,
    /// The agent's messages the server has not confirmed: (chat id, event).
    outbox: Vec<(String, Event)>,
    /// Prefix of this page's `custom_id`s (random, from the shell) and the last number.
    instance: String,
    next_custom: u64,
    /// Chats being fetched, so one push storm asks once.
    fetching: HashSet<String>,
    agents_requested: bool,
    /// Why login failed, when it did.
    pub login_error: Option<ErrorPayload>,
}

impl Session {
    /// A session whose `custom_id`s start with `instance` (random per page).
    pub fn new(instance: &str) -> Session {
        Session {
            requests: InFlight::new("c"),
            logged_in: false,
            outbox: Vec::new(),
            instance: instance.to_owned(),
            next_custom: 0,
            fetching: HashSet::new(),
            agents_requested: false,
            login_error: None,
        }
    }

    /// A new connection: what was in flight on the old one is gone (the outbox stays and is
    /// sent again after login).
    pub fn begin(&mut self) {
        self.requests.drain();
        self.logged_in = false;
        self.fetching.clear();
        self.agents_requested = false;
        self.login_error = None;
    }

    /// The connection ended: nothing more goes out until the next login (the outbox stays).
    pub fn end(&mut self, desk: &mut Desk) {
        self.logged_in = false;
        self.requests.drain();
        desk.connection_lost();
    }

    /// Whether the server accepted the login on this connection.
    pub fn is_logged_in(&self) -> bool {
        self.logged_in
    }

    /// Messages still waiting for the server.
    pub fn unsent(&self) -> usize {
        self.outbox.len()
    }

    /// The first frame on a new socket.
    pub fn login(&mut self, token: &str) -> Frame {
        self.request(Purpose::Login, AgentRequest::Login(Login { token: format!("Bearer {token}"), ..Login::default() }))
    }

    /// The protocol's keep-alive; none while logged out or with every slot taken.
    pub fn ping(&mut self) -> Option<Frame> {
        (self.logged_in && !self.requests.is_full()).then(|| self.request(Purpose::Ping, AgentRequest::Ping))
    }

    /// Everything returned so far went out at `now_ms`.
    pub fn sent(&mut self, now_ms: f64) {
        self.requests.sent(now_ms);
    }

    /// Whether a request went unanswered for 15 seconds (the connection is then lost).
    pub fn overdue(&self, now_ms: f64) -> bool {
        self.requests.overdue(now_ms)
    }

    fn request(&mut self, purpose: Purpose, request: AgentRequest) -> Frame {
        RequestFrame::new(self.requests.open(purpose), request)
    }

    /// Applies a frame from the server; returns the requests to send next.
    pub fn receive(&mut self, frame: ServerFrame<AgentResponse>, desk: &mut Desk) -> Vec<Frame> {
        match frame {
            ServerFrame::Push(push) => {
                let needs = desk.push(&push.push);
                self.fetch(needs)
            }
            ServerFrame::Response(response) => {
                let Some(purpose) = response.request_id.as_deref().and_then(|id| self.requests.answer(id)) else { return Vec::new() };
                match response.result {
                    Ok(answer) => self.answered(purpose, answer, desk),
                    Err(error) => self.failed(purpose, error, desk),
                }
            }
        }
    }

    fn answered(&mut self, purpose: Purpose, answer: AgentResponse, desk: &mut Desk) -> Vec<Frame> {
        match (purpose, answer) {
            (Purpose::Login, AgentResponse::Login(login)) => {
                self.logged_in = true;
                desk.logged_in(&login);
                self.after_login(desk)
            }
            (Purpose::ListChats(page), AgentResponse::ListChats(listed)) => {
                desk.chats_listed(&listed);
                match listed.next_page_id {
                    Some(page_id) if page + 1 < MAX_CHAT_PAGES => {
                        let request = AgentListChats { page_id: Some(page_id), ..AgentListChats::default() };
                        vec![self.request(Purpose::ListChats(page + 1), AgentRequest::ListChats(request))]
                    }
                    _ => Vec::new(),
                }
            }
            (Purpose::GetChat(chat_id), AgentResponse::GetChat(chat)) => {
                self.fetching.remove(&chat_id);
                desk.chat_loaded(&chat);
                Vec::new()
            }
            (Purpose::GetThread(chat_id), AgentResponse::GetChat(chat)) => {
                if let Some(thread) = chat.thread {
                    desk.thread_found(&chat_id, thread);
                }
                Vec::new()
            }
            (Purpose::GetCustomer(chat_id), AgentResponse::GetCustomer(customer)) => {
                desk.customer_loaded(&chat_id, customer);
                Vec::new()
            }
            (Purpose::ListThreads(chat_id), AgentResponse::ListThreads(listed)) => {
                desk.threads_loaded(&chat_id, &listed);
                Vec::new()
            }
            (Purpose::ListAgents, AgentResponse::ListAgents(listed)) => {
                self.agents_requested = false;
                desk.agents_listed(&listed);
                Vec::new()
            }
            (Purpose::ListCanned, AgentResponse::ListCannedResponses(listed)) => {
                desk.canned_listed(listed.canned_responses);
                Vec::new()
            }
            (Purpose::ListApiTokens, AgentResponse::ListApiTokens(listed)) => {
                desk.api_tokens_listed(listed.api_tokens);
                Vec::new()
            }
            (Purpose::CreateApiToken, AgentResponse::CreateApiToken(created)) => {
                desk.api_token_created(created);
                Vec::new()
            }
            (Purpose::RevokeApiToken(id), AgentResponse::RevokeApiToken) => {
                desk.api_token_revoked(id);
                Vec::new()
            }
            (Purpose::Report, AgentResponse::GetReport(report)) => {
                desk.report_loaded(Some(report));
                Vec::new()
            }
            (Purpose::Settings, AgentResponse::GetLicenseSettings(answer)) => {
                desk.settings_loaded(answer.settings);
                Vec::new()
            }
            (Purpose::SaveSettings, AgentResponse::UpdateLicenseSettings(updated)) => {
                desk.settings_saved(updated);
                // Groups and agents may have changed: the lists follow.
                if self.agents_requested {
                    return Vec::new();
                }
                self.agents_requested = true;
                vec![self.request(Purpose::ListAgents, AgentRequest::ListAgents)]
            }
            (Purpose::Archive { more }, AgentResponse::ListArchives(page)) => {
                desk.archive_found(page, more);
                Vec::new()
            }
            (Purpose::Send { custom_id, .. }, AgentResponse::SendEvent(_)) => {
                // The event itself arrives as a push, which confirms it in the desk.
                self.outbox.retain(|(_, event)| event.custom_id.as_deref() != Some(custom_id.as_str()));
                Vec::new()
            }
            (Purpose::RoutingStatus(accepting), AgentResponse::SetRoutingStatus) => {
                desk.set_accepting(accepting);
                Vec::new()
            }
            _ => Vec::new(),
        }
    }

    fn failed(&mut self, purpose: Purpose, error: ErrorPayload, desk: &mut Desk) -> Vec<Frame> {
        match purpose {
            Purpose::Login => self.login_error = Some(error),
            Purpose::Send { chat_id, custom_id } => {
                self.outbox.retain(|(_, event)| event.custom_id.as_deref() != Some(custom_id.as_str()));
                desk.refused(Some(&chat_id), Some(&custom_id), format!("The message was not sent: {}", error.message));
            }
            Purpose::GetChat(chat_id) => {
                self.fetching.remove(&chat_id);
            }
            Purpose::ListAgents => self.agents_requested = false,
            Purpose::Archive { .. } => desk.refused(None, None, format!("The search failed: {}", error.message)),
            Purpose::Act(what) => desk.refused(None, None, format!("Could not {what}: {}", error.message)),
            Purpose::RoutingStatus(_) => desk.refused(None, None, format!("Could not change your status: {}", error.message)),
            Purpose::ListApiTokens => desk.refused(None, None, format!("Could not list the API tokens: {}", error.message)),
            Purpose::CreateApiToken => desk.refused(None, None, format!("Could not make the token: {}", error.message)),
            Purpose::RevokeApiToken(_) => desk.refused(None, None, format!("Could not revoke the token: {}", error.message)),
            Purpose::Settings => desk.refused(None, None, format!("Could not read the settings: {}", error.message)),
            Purpose::SaveSettings => desk.settings_refused(error.message),
            Purpose::Report => {
                desk.report_loaded(None);
                desk.refused(None, None, format!("Could not make the report: {}", error.message));
            }
            Purpose::Ping | Purpose::Quiet | Purpose::ListChats(_) | Purpose::GetThread(_) | Purpose::GetCustomer(_) | Purpose::ListThreads(_) | Purpose::ListCanned => {}
        }
        Vec::new()
    }

    /// After login: the chats, the team, the canned responses, the chat on screen again,
    /// and whatever the agent sent that the server has not confirmed.
    fn after_login(&mut self, desk: &Desk) -> Vec<Frame> {
        let chats = AgentListChats { limit: Some(CHATS_PAGE), ..AgentListChats::default() };
        let mut out = vec![
            self.request(Purpose::ListChats(0), AgentRequest::ListChats(chats)),
            self.request(Purpose::ListCanned, AgentRequest::ListCannedResponses),
        ];
        self.agents_requested = true;
        out.push(self.request(Purpose::ListAgents, AgentRequest::ListAgents));
        if let Some(chat_id) = desk.selected.clone() {
            out.extend(self.fetch(vec![Need::Chat(chat_id)]));
        }
        for (chat_id, event) in self.outbox.clone() {
            out.push(self.send_frame(chat_id, event));
        }
        out
    }

    /// Requests for what the desk lacks.
    fn fetch(&mut self, needs: Vec<Need>) -> Vec<Frame> {
        let mut out = Vec::new();
        if !self.logged_in {
            return out;
        }
        for need in needs {
            match need {
                Need::Chat(chat_id) if self.fetching.insert(chat_id.clone()) => {
                    let request = GetChat { chat_id: chat_id.clone(), thread_id: None };
                    out.push(self.request(Purpose::GetChat(chat_id), AgentRequest::GetChat(request)));
                }
                Need::Agents if !self.agents_requested => {
                    self.agents_requested = true;
                    out.push(self.request(Purpose::ListAgents, AgentRequest::ListAgents));
                }
                _ => {}
            }
        }
        out
    }

    fn send_frame(&mut self, chat_id: String, event: Event) -> Frame {
        let custom_id = event.custom_id.clone().unwrap_or_default();
        let request = SendEvent { chat_id: chat_id.clone(), event, attach_to_last_thread: None };
        self.request(Purpose::Send { chat_id, custom_id }, AgentRequest::SendEvent(request))
    }

    /// Shows the agent's event at once and keeps it in the outbox until the server has it.
    fn queue_event(&mut self, chat_id: String, mut event: Event, desk: &mut Desk) -> Vec<Frame> {
        self.next_custom += 1;
        event.custom_id = Some(format!("{}-{}", self.instance, self.next_custom));
        event.author_id = desk.me.clone();
        desk.sending(&chat_id, event.clone());
        self.outbox.push((chat_id.clone(), event.clone()));
        if !self.logged_in {
            return Vec::new();
        }
        vec![self.send_frame(chat_id, event)]
    }

    fn act(&mut self, what: &'static str, request: AgentRequest) -> Vec<Frame> {
        self.ask(Purpose::Act(what), request)
    }

    /// A request for `purpose`, once logged in.
    fn ask(&mut self, purpose: Purpose, request: AgentRequest) -> Vec<Frame> {
        if !self.logged_in {
            return Vec::new();
        }
        vec![self.request(purpose, request)]
    }

    /// Turns what the agent asked for into requests (and the desk's own transitions).
    pub fn intent(&mut self, intent: Intent, desk: &mut Desk) -> Vec<Frame> {
        match intent {
            Intent::Open(chat_id) => {
                desk.select(&chat_id);
                let mut out = self.fetch(vec![Need::Chat(chat_id.clone())]);
                if self.logged_in && desk.ask_history(&chat_id) {
                    let request = ListThreads { chat_id: chat_id.clone(), limit: Some(HISTORY_PAGE), ..ListThreads::default() };
                    out.push(self.request(Purpose::ListThreads(chat_id.clone()), AgentRequest::ListThreads(request)));
                }
                let customer = desk.chats.get(&chat_id).and_then(|chat| chat.customer.as_ref()).map(|customer| customer.id.clone());
                if let Some(customer_id) = customer.filter(|_| self.logged_in) {
                    let request = AgentGetCustomer { customer_id };
                    out.push(self.request(Purpose::GetCustomer(chat_id.clone()), AgentRequest::GetCustomer(request)));
                }
                out.extend(self.intent(Intent::Seen(chat_id), desk));
                out
            }
            Intent::OpenThread { chat_id, thread_id } => {
                let mut out = self.intent(Intent::Open(chat_id.clone()), desk);
                let known = desk.chats.get(&chat_id).is_some_and(|chat| {
                    chat.thread_id.as_deref() == Some(thread_id.as_str()) || chat.earlier.iter().any(|thread| thread.id == thread_id)
                });
                if !known && self.logged_in {
                    let request = GetChat { chat_id: chat_id.clone(), thread_id: Some(thread_id) };
                    out.push(self.request(Purpose::GetThread(chat_id), AgentRequest::GetChat(request)));
                }
                out
            }
            Intent::LoadEarlier(chat_id) => {
                let Some(page_id) = desk.chats.get(&chat_id).and_then(|chat| chat.earlier_page.clone()) else { return Vec::new() };
                if !self.logged_in {
                    return Vec::new();
                }
                let request = ListThreads { chat_id: chat_id.clone(), page_id: Some(page_id), ..ListThreads::default() };
                vec![self.request(Purpose::ListThreads(chat_id), AgentRequest::ListThreads(request))]
            }
            Intent::Send { chat_id, text, note } => {
                let text = text.trim().to_owned();
                if text.is_empty() {
                    return Vec::new();
                }
                let mut event = Event::new(EventBody::Message { text, postback: None });
                event.recipients = Some(if note { "agents" } else { "all" }.to_owned());
                self.queue_event(chat_id, event, desk)
            }
            Intent::SendEvent { chat_id, mut event } => {
                event.recipients.get_or_insert_with(|| "all".to_owned());
                self.queue_event(chat_id, event, desk)
            }
            Intent::Invite { chat_id, text } => {
                let Some(customer) = desk.chats.get(&chat_id).and_then(|chat| chat.customer.clone()) else { return Vec::new() };
                let text = Some(text.trim().to_owned()).filter(|text| !text.is_empty());
                let request = SendGreeting { customer_id: customer.id, greeting_id: None, text };
                self.act("invite the visitor", AgentRequest::SendGreeting(request))
            }
            Intent::Typing { chat_id, typing } => {
                let active = desk.chats.get(&chat_id).is_some_and(|chat| chat.active);
                if !active || !self.logged_in || self.requests.free(2) == 0 {
                    return Vec::new();
                }
                vec![self.request(Purpose::Quiet, AgentRequest::SendTypingIndicator(SendTypingIndicator { chat_id, is_typing: typing }))]
            }
            Intent::Seen(chat_id) => {
                let seen_up_to = desk.chats.get(&chat_id).and_then(|chat| chat.events.last()).and_then(|event| event.created_at.clone());
                match seen_up_to {
                    Some(seen_up_to) if self.logged_in => {
                        let request = MarkEventsAsSeen { chat_id, seen_up_to };
                        vec![self.request(Purpose::Quiet, AgentRequest::MarkEventsAsSeen(request))]
                    }
                    _ => Vec::new(),
                }
            }
            Intent::End(chat_id) => {
                self.act("end the chat", AgentRequest::DeactivateChat(DeactivateChat { id: Some(chat_id), ..DeactivateChat::default() }))
            }
            Intent::Join(chat_id) => {
                let Some(me) = desk.me.clone() else { return Vec::new() };
                let request = AddUserToChat { chat_id, user_id: me, user_type: "agent".to_owned(), visibility: Some("all".to_owned()), ignore_requester_presence: None };
                self.act("join the chat", AgentRequest::AddUserToChat(request))
            }
            Intent::Leave(chat_id) => {
                let Some(me) = desk.me.clone() else { return Vec::new() };
                let request = RemoveUserFromChat { chat_id, user_id: me, user_type: "agent".to_owned(), ignore_requester_presence: None };
                self.act("leave the chat", AgentRequest::RemoveUserFromChat(request))
            }
            Intent::Transfer { chat_id, to } => {
                let request = TransferChat { id: chat_id, target: Some(to), ignore_agents_availability: false, ignore_requester_presence: true };
                self.act("transfer the chat", AgentRequest::TransferChat(request))
            }
            Intent::Tag { chat_id, tag, add } => {
                let Some(thread_id) = desk.chats.get(&chat_id).and_then(|chat| chat.thread_id.clone()) else { return Vec::new() };
                let tag = ThreadTag { chat_id, thread_id, tag };
                if add { self.act("tag the chat", AgentRequest::TagThread(tag)) } else { self.act("remove the tag", AgentRequest::UntagThread(tag)) }
            }
            Intent::Ban(chat_id) => {
                let Some(customer) = desk.chats.get(&chat_id).and_then(|chat| chat.customer.clone()) else { return Vec::new() };
                self.act("ban the visitor", AgentRequest::BanCustomer(BanCustomer { id: customer.id }))
            }
            Intent::Accepting(accepting) => {
                if !self.logged_in {
                    return Vec::new();
                }
                let status = if accepting { "accepting_chats" } else { "not_accepting_chats" }.to_owned();
                vec![self.request(Purpose::RoutingStatus(accepting), AgentRequest::SetRoutingStatus(SetRoutingStatus { status, agent_id: None }))]
            }
            Intent::Search { query, mut filters } => {
                if !self.logged_in {
                    return Vec::new();
                }
                desk.archive_searching(&query);
                filters.query = Some(query).filter(|query| !query.trim().is_empty());
                let request = ListArchives { filters: Some(filters), limit: Some(ARCHIVE_PAGE), ..ListArchives::default() };
                vec![self.request(Purpose::Archive { more: false }, AgentRequest::ListArchives(request))]
            }
            Intent::SearchMore => {
                let Some(page_id) = desk.archive.next_page.clone() else { return Vec::new() };
                if !self.logged_in {
                    return Vec::new();
                }
                desk.archive.searching = true;
                let request = ListArchives { page_id: Some(page_id), ..ListArchives::default() };
                vec![self.request(Purpose::Archive { more: true }, AgentRequest::ListArchives(request))]
            }
            Intent::CreateCanned { text, tags } => {
                self.act("save the canned response", AgentRequest::CreateCannedResponse(CreateCannedResponse { text, tags }))
            }
            Intent::UpdateCanned { id, text, tags } => {
                self.act("change the canned response", AgentRequest::UpdateCannedResponse(UpdateCannedResponse { id, text, tags }))
            }
            Intent::DeleteCanned(id) => self.act("delete the canned response", AgentRequest::DeleteCannedResponse(CannedResponseId { id })),
            Intent::ListApiTokens => self.ask(Purpose::ListApiTokens, AgentRequest::ListApiTokens),
            Intent::CreateApiToken(request) => self.ask(Purpose::CreateApiToken, AgentRequest::CreateApiToken(request)),
            Intent::RevokeApiToken(id) => self.ask(Purpose::RevokeApiToken(id), AgentRequest::RevokeApiToken(ApiTokenId { id })),
            Intent::LoadSettings => self.ask(Purpose::Settings, AgentRequest::GetLicenseSettings),
            Intent::SaveSettings(settings) => {
                let frames = self.ask(Purpose::SaveSettings, AgentRequest::UpdateLicenseSettings(UpdateLicenseSettings { settings }));
                if !frames.is_empty() {
                    desk.settings_saving();
                }
                frames
            }
            Intent::Report(request) => {
                let frames = self.ask(Purpose::Report, AgentRequest::GetReport(request));
                if !frames.is_empty() {
                    desk.report_asked();
                }
                frames
            }
        }
    }
}
