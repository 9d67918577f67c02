//! The protocol client without IO: which requests to send, and what replies mean.
//!
//! One `Session` lives as long as one websocket. It logs in, resynchronises the chat after
//! every (re)connect, then drains the outbox (the visitor's unconfirmed messages kept in
//! [`ChatState`]) with the right request for the chat's state: `start_chat` when there is no
//! chat, `activate_chat` when it is closed, `send_event` when it is open. Every message
//! carries its `custom_id`, so a retry after a lost reply is stored once by the server.
//!
//! Architecture invariant: no IO, no clock, no DOM. The connection shell feeds it frames and
//! sends what it returns; tests do the same with plain values.

use std::collections::{HashMap, HashSet};

use protocol::{
    ActivateChat, ErrorPayload, ErrorType, Event, GetChat, InitialChat, InitialThread, ListChats, Login, Page,
    Request, RequestFrame, Response, SendEvent, ServerFrame, StartChat,
};

use crate::store::ChatState;

#[cfg(test)]
mod tests;

/// What a request in flight was for.
#[derive(Debug, Clone, PartialEq)]
enum Pending {
    Login,
    GetChat,
    ListChats,
    StartChat(Vec<String>),
    ActivateChat(Vec<String>),
    SendEvent(String),
    Other,
}

/// Requests a connection may have unanswered at once (the protocol's limit).
pub const MAX_IN_FLIGHT: usize = 10;
/// How long a request may go unanswered before the connection counts as broken.
pub const REQUEST_TIMEOUT_MS: f64 = 15_000.0;

/// Protocol state of one connection.
#[derive(Debug, Default)]
pub struct Session {
    next_request: u64,
    pending: HashMap<String, Pending>,
    /// When each pending request went out (milliseconds, from the shell's clock).
    sent_at: HashMap<String, f64>,
    logged_in: bool,
    /// The chat was fetched after login (or there is none), so the outbox can be sent.
    synced: bool,
    /// `custom_id`s sent on this connection and not yet answered.
    in_flight: HashSet<String>,
    /// A `start_chat` or `activate_chat` is on its way; other messages wait for it.
    opening_chat: bool,
    /// Why login failed, when it did.
    pub login_error: Option<ErrorPayload>,
}

impl Session {
    /// A session for a fresh connection.
    pub fn new() -> Session {
        Session::default()
    }

    /// Whether login succeeded.
    pub fn is_logged_in(&self) -> bool {
        self.logged_in
    }

    /// Number of requests waiting for an answer.
    pub fn n_pending(&self) -> usize {
        self.pending.len()
    }

    /// Records that everything returned so far has been sent at `now_ms`.
    pub fn sent(&mut self, now_ms: f64) {
        for request_id in self.pending.keys() {
            self.sent_at.entry(request_id.clone()).or_insert(now_ms);
        }
    }

    /// Whether a request has waited longer than the protocol's 15 seconds: the connection
    /// is then treated as lost (the outbox is resent after reconnecting).
    pub fn overdue(&self, now_ms: f64) -> bool {
        self.sent_at.values().any(|sent_at| now_ms - sent_at > REQUEST_TIMEOUT_MS)
    }

    fn request(&mut self, pending: Pending, request: Request) -> RequestFrame {
        self.next_request += 1;
        let request_id = format!("w{}", self.next_request);
        self.pending.insert(request_id.clone(), pending);
        RequestFrame::new(request_id, request)
    }

    /// The first frame on a new socket.
    pub fn login(&mut self, token: &str, page: Option<Page>) -> RequestFrame {
        let login = Login {
            token: format!("Bearer {token}"),
            customer_page: page,
            application: Some(protocol::Application {
                name: Some("chat-widget".to_owned()),
                version: Some(env!("CARGO_PKG_VERSION").to_owned()),
                channel_type: None,
            }),
            ..Login::default()
        };
        self.request(Pending::Login, Request::Login(login))
    }

    /// The keep-alive the protocol asks for every 15 seconds.
    pub fn ping(&mut self) -> RequestFrame {
        self.request(Pending::Other, Request::Ping)
    }

    /// Applies a frame to `state` and returns the requests to send next.
    pub fn on_frame(&mut self, frame: &ServerFrame, state: &mut ChatState) -> Vec<RequestFrame> {
        let ServerFrame::Response(response) = frame else {
            state.apply(frame);
            return self.flush(state);
        };
        let pending = response.request_id.as_ref().and_then(|request_id| {
            self.sent_at.remove(request_id);
            self.pending.remove(request_id)
        });
        match (pending, &response.result) {
            (Some(Pending::Login), Ok(_)) => {
                state.apply(frame);
                self.logged_in = true;
                match state.chat_id.clone() {
                    Some(chat_id) => vec![self.get_chat(chat_id)],
                    None => {
                        self.synced = true;
                        self.flush(state)
                    }
                }
            }
            (Some(Pending::Login), Err(error)) => {
                self.login_error = Some(error.clone());
                Vec::new()
            }
            (Some(Pending::GetChat), result) => {
                match result {
                    Ok(_) => state.apply(frame),
                    // The chat is gone (or never was ours): start afresh.
                    Err(_) => state.chat_id = None,
                }
                self.synced = true;
                self.flush(state)
            }
            (Some(Pending::ListChats), _) => {
                state.apply(frame);
                self.synced = true;
                match state.chat_id.clone() {
                    Some(chat_id) => vec![self.get_chat(chat_id)],
                    None => self.flush(state),
                }
            }
            (Some(Pending::StartChat(custom_ids) | Pending::ActivateChat(custom_ids)), result) => {
                self.opening_chat = false;
                if result.is_err() {
                    for custom_id in &custom_ids {
                        self.in_flight.remove(custom_id);
                    }
                }
                match result {
                    Ok(response) => {
                        state.apply(frame);
                        let event_ids = match response {
                            Response::StartChat(started) => started.event_ids.clone(),
                            Response::ActivateChat(activated) => activated.event_ids.clone(),
                            _ => None,
                        };
                        for (custom_id, event_id) in custom_ids.iter().zip(event_ids.unwrap_or_default()) {
                            state.message_sent(custom_id, &event_id);
                        }
                    }
                    // Another tab started the chat first: find it and send there.
                    Err(error) if error.kind == ErrorType::ChatLimitReached => {
                        self.synced = false;
                        return vec![self.request(Pending::ListChats, Request::ListChats(ListChats::default()))];
                    }
                    Err(error) if error.kind == ErrorType::ChatAlreadyActive => {
                        self.synced = false;
                        let chat_id = state.chat_id.clone().unwrap_or_default();
                        return vec![self.get_chat(chat_id)];
                    }
                    Err(error) => {
                        for custom_id in &custom_ids {
                            state.message_failed(custom_id, error.message.clone());
                        }
                    }
                }
                self.flush(state)
            }
            (Some(Pending::SendEvent(custom_id)), result) => {
                match result {
                    Ok(Response::SendEvent(sent)) => state.message_sent(&custom_id, &sent.event_id),
                    Ok(_) => {}
                    Err(error) if error.kind == ErrorType::ChatInactive => {
                        self.in_flight.remove(&custom_id);
                        state.chat_went_inactive();
                    }
                    Err(error) => {
                        self.in_flight.remove(&custom_id);
                        state.message_failed(&custom_id, error.message.clone());
                    }
                }
                self.flush(state)
            }
            (Some(Pending::Other) | None, _) => {
                state.apply(frame);
                Vec::new()
            }
        }
    }

    fn get_chat(&mut self, chat_id: String) -> RequestFrame {
        self.request(Pending::GetChat, Request::GetChat(GetChat { chat_id, thread_id: None }))
    }

    /// Requests for the outbox messages not yet on their way on this connection.
    pub fn flush(&mut self, state: &ChatState) -> Vec<RequestFrame> {
        if !self.logged_in || !self.synced || self.opening_chat {
            return Vec::new();
        }
        let waiting: Vec<(String, String)> = state
            .outbox()
            .filter_map(|message| message.custom_id.clone().map(|custom_id| (custom_id, message.text.clone())))
            .filter(|(custom_id, _)| !self.in_flight.contains(custom_id))
            .collect();
        if waiting.is_empty() {
            return Vec::new();
        }
        let custom_ids: Vec<String> = waiting.iter().map(|(custom_id, _)| custom_id.clone()).collect();
        let events = || waiting.iter().map(|(custom_id, text)| Event::message(custom_id.clone(), text.clone())).collect();
        match (&state.chat_id, state.chat_active) {
            (None, _) => {
                self.opening_chat = true;
                self.in_flight.extend(custom_ids.iter().cloned());
                let chat = InitialChat { thread: Some(InitialThread { events: events(), properties: None }), ..InitialChat::default() };
                let request = Request::StartChat(StartChat { chat: Some(chat), ..StartChat::default() });
                vec![self.request(Pending::StartChat(custom_ids), request)]
            }
            (Some(chat_id), false) => {
                self.opening_chat = true;
                self.in_flight.extend(custom_ids.iter().cloned());
                let chat = InitialChat {
                    id: Some(chat_id.clone()),
                    thread: Some(InitialThread { events: events(), properties: None }),
                    ..InitialChat::default()
                };
                let request = Request::ActivateChat(ActivateChat { chat, ..ActivateChat::default() });
                vec![self.request(Pending::ActivateChat(custom_ids), request)]
            }
            (Some(chat_id), true) => waiting
                .into_iter()
                .take(MAX_IN_FLIGHT.saturating_sub(self.pending.len()))
                .map(|(custom_id, text)| {
                    self.in_flight.insert(custom_id.clone());
                    let request = Request::SendEvent(SendEvent {
                        chat_id: chat_id.clone(),
                        event: Event::message(custom_id.clone(), text),
                        attach_to_last_thread: None,
                    });
                    self.request(Pending::SendEvent(custom_id), request)
                })
                .collect(),
        }
    }
}
