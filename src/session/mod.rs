//! The protocol client without IO: which requests to send, and what replies mean.
//!
//! One `Session` outlives the sockets of a page (`begin` starts each connection). It logs
//! in, resynchronises the chat after every (re)connect, then drains the outbox (everything
//! the visitor sent that the server has not confirmed, kept in [`ChatState`]): events with
//! the right request for the chat's state (`start_chat` when there is no chat,
//! `activate_chat` when it is closed, `send_event` when it is open), button presses and
//! ratings with theirs. Every event carries its `custom_id`, so a retry after a lost reply
//! is stored once by the server. It also carries the SDK's calls (`call`), and keeps the
//! small clocks of sneak peeks and link stability (`pacing`).
//!
//! Architecture invariant: no IO, no clock, no DOM. The connection shell feeds it frames and
//! sends what it returns; tests do the same with plain values.

use std::collections::{HashMap, HashSet, VecDeque};

use chat_client::InFlight;
pub use chat_client::{MAX_IN_FLIGHT, REQUEST_TIMEOUT_MS};

use protocol::{
    ErrorPayload, ErrorType, GetChat, ListChats, Login, MarkEventsAsSeen, Object, Page, Request, RequestFrame, Response,
    SendSneakPeek, ServerFrame,
};

use crate::store::ChatState;

mod call;
mod command;
mod history;
mod outbox;
mod pacing;
#[cfg(test)]
mod tests;
mod upload;

pub use call::{Call, CallResult, Delivered, Reply, RequestError};
pub use command::{Command, TrackReply, UploadTargetReply};
pub use history::{HistoryCursor, HISTORY_PAGE_THREADS};
pub use pacing::{Stability, Throttle, SNEAK_PEEK_INTERVAL_MS, UNSTABLE_AFTER_MS};
pub use upload::{check_upload_size, upload_result, upload_url, MAX_UPLOAD_BYTES};

/// What a request in flight was for.
#[derive(Debug)]
enum Pending {
    Login,
    GetChat,
    ListChats,
    StartChat(Vec<String>),
    ActivateChat(Vec<String>),
    SendEvent(String),
    /// An outbox item sent by a request of its own (a button press, a rating).
    Item(String),
    MarkSeen,
    /// An older thread fetched after a resync found newer ones: (the thread known before
    /// the drop, threads still allowed).
    Backfill(String, u8),
    Ping,
    /// A request made through the SDK methods; its caller waits on `Reply`.
    Api(Reply),
    /// Fire-and-forget (sneak peeks).
    Other,
}

/// An SDK call waiting for a free slot (or for the connection).
#[derive(Debug)]
struct Queued {
    call: Call,
    /// When it was made (milliseconds, from the shell's clock).
    made_at: f64,
}

/// How often a message refused with a "not now" error is tried again before it fails.
const MAX_HOLDS: u8 = 4;
/// The pause before such a retry, times the attempt number.
const HOLD_MS: f64 = 2_000.0;
/// Most older threads fetched after one resync (the rest is history, loaded on demand).
const MAX_BACKFILL: u8 = 5;
/// A ping unanswered for this long makes the connection look unstable.
pub const PING_LATE_MS: f64 = 5_000.0;

/// Protocol state of the client. It outlives sockets: [`Session::begin`] starts each new
/// connection, failing what was in flight on the old one and keeping queued calls.
#[derive(Debug)]
pub struct Session {
    /// Requests waiting for their answer, and what each was for.
    pending: InFlight<Pending>,
    logged_in: bool,
    /// The chat was fetched after login (or there is none), so the outbox can be sent.
    synced: bool,
    /// `custom_id`s sent on this connection and not yet answered.
    in_flight: HashSet<String>,
    /// A `start_chat` or `activate_chat` is on its way; other messages wait for it.
    opening_chat: bool,
    /// SDK calls waiting for a slot, oldest first.
    queued: VecDeque<Queued>,
    /// The `seen_up_to` of the read receipt sent on this connection, if any.
    receipt_sent: Option<String>,
    /// Sneak peeks, at most one a second.
    sneak_peeks: Throttle,
    /// The newest thread the store knew when this connection logged in.
    known_thread: Option<String>,
    /// Messages the server asked to send later ("not now" errors): attempts so far and
    /// the time before which they wait.
    /// A plain list: it holds a message or two, rarely more.
    held: Vec<(String, u8, f64)>,
    /// The latest time the shell gave (milliseconds).
    clock: f64,
    /// The client was destroyed: calls fail at once.
    destroyed: bool,
    /// Why login failed, when it did.
    pub login_error: Option<ErrorPayload>,
    /// The login answered for another customer than the one this state belongs to.
    pub identity_mismatch: bool,
    /// Callers waiting for an outbox item to reach the server, by its `custom_id`.
    waiters: HashMap<String, Vec<Delivered>>,
}

impl Default for Session {
    fn default() -> Session {
        Session {
            pending: InFlight::new("w"),
            logged_in: false,
            synced: false,
            in_flight: HashSet::new(),
            opening_chat: false,
            queued: VecDeque::new(),
            receipt_sent: None,
            sneak_peeks: Throttle::default(),
            known_thread: None,
            held: Vec::new(),
            clock: 0.0,
            destroyed: false,
            login_error: None,
            identity_mismatch: false,
            waiters: HashMap::new(),
        }
    }
}

impl Session {
    /// A session before its first connection.
    pub fn new() -> Session {
        Session::default()
    }

    /// Starts a new connection: requests still in flight on the previous one fail with
    /// [`RequestError::ConnectionLost`] (the outbox is resent after the resync); queued
    /// calls wait for the new login.
    pub fn begin(&mut self) {
        self.fail_in_flight(RequestError::ConnectionLost);
        self.logged_in = false;
        self.synced = false;
        self.opening_chat = false;
        self.in_flight.clear();
        self.receipt_sent = None;
        self.login_error = None;
    }

    /// The connection ended (without a new one yet): in-flight calls fail now, not later.
    pub fn end(&mut self) {
        self.begin();
    }

    /// Fails every call, in flight or queued, and refuses later ones (`destroy`).
    pub fn destroy(&mut self) {
        self.fail_in_flight(RequestError::Destroyed);
        for queued in self.queued.drain(..) {
            let _ = queued.call.reply.send(Err(RequestError::Destroyed));
        }
        for (_, waiters) in self.waiters.drain() {
            for waiter in waiters {
                let _ = waiter.send(Err(RequestError::Destroyed));
            }
        }
        self.logged_in = false;
        self.destroyed = true;
    }

    fn fail_in_flight(&mut self, error: RequestError) {
        for pending in self.pending.drain() {
            if let Pending::Api(reply) = pending {
                let _ = reply.send(Err(error.clone()));
            }
        }
    }

    /// Whether login succeeded.
    pub fn is_logged_in(&self) -> bool {
        self.logged_in
    }

    /// Number of requests waiting for an answer.
    pub fn n_pending(&self) -> usize {
        self.pending.len()
    }

    /// Number of SDK calls waiting for a slot.
    pub fn n_queued(&self) -> usize {
        self.queued.len()
    }

    /// Records that everything returned so far has been sent at `now_ms`.
    pub fn sent(&mut self, now_ms: f64) {
        self.clock = self.clock.max(now_ms);
        self.pending.sent(now_ms);
    }

    /// Whether a request has waited longer than the protocol's 15 seconds: the connection
    /// is then treated as lost (the outbox is resent after reconnecting).
    pub fn overdue(&self, now_ms: f64) -> bool {
        self.pending.overdue(now_ms)
    }

    /// Whether a ping has waited for its answer longer than [`PING_LATE_MS`].
    pub fn ping_late(&self, now_ms: f64) -> bool {
        self.pending.late(now_ms, PING_LATE_MS, |pending| matches!(pending, Pending::Ping))
    }

    /// Fails SDK calls that waited 15 seconds: in flight since they were sent, queued since
    /// they were made. Returns the requests that may go out now (a sneak peek whose turn came).
    pub fn expire(&mut self, now_ms: f64, state: &ChatState) -> Vec<RequestFrame> {
        self.clock = self.clock.max(now_ms);
        for expired in self.pending.expire(now_ms, |pending| matches!(pending, Pending::Api(_))) {
            if let Pending::Api(reply) = expired {
                let _ = reply.send(Err(RequestError::Timeout));
            }
        }
        let (late, waiting): (VecDeque<Queued>, VecDeque<Queued>) =
            self.queued.drain(..).partition(|queued| now_ms - queued.made_at > REQUEST_TIMEOUT_MS);
        self.queued = waiting;
        for queued in late {
            let _ = queued.call.reply.send(Err(RequestError::Timeout));
        }
        if let Some((chat_id, text)) = self.sneak_peeks.due(now_ms) {
            self.sneak_peek_now(chat_id, text, state);
        }
        self.flush(state)
    }

    fn request(&mut self, pending: Pending, request: Request) -> RequestFrame {
        RequestFrame::new(self.pending.open(pending), request)
    }

    /// The first frame on a new socket. `side_storage` is what the server asked to keep.
    pub fn login(&mut self, token: &str, page: Option<Page>) -> RequestFrame {
        self.login_with(token, page, Object::new())
    }

    /// [`Session::login`] with the customer-side storage the server asked the client to keep.
    pub fn login_with(&mut self, token: &str, page: Option<Page>, side_storage: Object) -> RequestFrame {
        let login = Login {
            token: format!("Bearer {token}"),
            customer_page: page,
            customer_side_storage: (!side_storage.is_empty()).then_some(side_storage),
            application: Some(protocol::Application {
                name: Some("chat-widget".to_owned()),
                version: Some(env!("CARGO_PKG_VERSION").to_owned()),
                channel_type: None,
            }),
            ..Login::default()
        };
        self.request(Pending::Login, Request::Login(login))
    }

    /// The keep-alive the protocol asks for every 15 seconds; None while logged out or when
    /// the ten slots are taken (the answers on their way prove the link anyway).
    pub fn ping(&mut self) -> Option<RequestFrame> {
        (self.logged_in && !self.pending.is_full()).then(|| self.request(Pending::Ping, Request::Ping))
    }

    /// Queues an SDK call; it goes out with the next [`Session::flush`] that has a free slot.
    pub fn call(&mut self, call: Call, now_ms: f64) {
        if self.destroyed {
            let _ = call.reply.send(Err(RequestError::Destroyed));
            return;
        }
        self.queued.push_back(Queued { call, made_at: now_ms });
    }

    /// `setSneakPeek`: throttled, and dropped unless the chat is active.
    pub fn sneak_peek(&mut self, chat_id: String, text: String, now_ms: f64, state: &ChatState) -> Vec<RequestFrame> {
        if !state.chat_active || state.chat_id.as_deref() != Some(chat_id.as_str()) {
            return Vec::new();
        }
        if let Some((chat_id, text)) = self.sneak_peeks.offer(now_ms, chat_id, text) {
            self.sneak_peek_now(chat_id, text, state);
        }
        self.flush(state)
    }

    fn sneak_peek_now(&mut self, chat_id: String, text: String, state: &ChatState) {
        if !state.chat_active || state.chat_id.as_deref() != Some(chat_id.as_str()) || self.destroyed {
            return;
        }
        let (reply, _) = futures::channel::oneshot::channel();
        let request = Request::SendSneakPeek(SendSneakPeek { chat_id, sneak_peek_text: text });
        // A newer peek replaces one still waiting for a slot.
        self.queued.retain(|queued| !matches!(queued.call.request, Request::SendSneakPeek(_)));
        self.queued.push_back(Queued { call: Call { request, reply }, made_at: f64::MAX / 2.0 });
    }

    /// Applies a frame to `state` and returns the requests to send next.
    pub fn on_frame(&mut self, frame: &ServerFrame, state: &mut ChatState) -> Vec<RequestFrame> {
        self.receive(frame.clone(), state)
    }

    /// [`Session::on_frame`] for an owned frame: an SDK call's answer is handed to its
    /// caller without a copy.
    pub fn receive(&mut self, frame: ServerFrame, state: &mut ChatState) -> Vec<RequestFrame> {
        let ServerFrame::Response(response) = frame else {
            state.apply(&frame);
            return self.flush(state);
        };
        let pending = response.request_id.as_ref().and_then(|request_id| self.pending.answer(request_id));
        if let Some(Pending::Api(reply)) = pending {
            if let Ok(answer) = &response.result {
                state.apply_response(answer);
            }
            let _ = reply.send(response.result.map_err(RequestError::from));
            return self.flush(state);
        }
        let frame = ServerFrame::Response(response);
        let ServerFrame::Response(response) = &frame else { unreachable!() };
        let mut next = Vec::new();
        match (pending, &response.result) {
            (Some(Pending::Login), Ok(Response::Login(login)))
                if state.customer_id.as_ref().is_some_and(|known| *known != login.customer.id) =>
            {
                // Another customer than before (the visitor's stored identity changed under
                // the tab): their chats must not mix with this state's.
                self.identity_mismatch = true;
                return Vec::new();
            }
            (Some(Pending::Login), Ok(_)) => {
                self.known_thread = state.thread_id.clone();
                state.apply(&frame);
                self.logged_in = true;
                match state.chat_id.clone() {
                    Some(chat_id) => next.push(self.get_chat(chat_id)),
                    None => self.synced = true,
                }
            }
            (Some(Pending::Login), Err(error)) => {
                self.login_error = Some(error.clone());
                return Vec::new();
            }
            (Some(Pending::GetChat), result) => {
                match result {
                    Ok(response) => {
                        state.apply(&frame);
                        if let Some(known) = self.known_thread.take() {
                            next.extend(self.backfill(response, known, MAX_BACKFILL));
                        }
                    }
                    // The chat is gone (or never was ours): start afresh.
                    Err(_) => state.forget_chat(),
                }
                self.synced = true;
            }
            (Some(Pending::Backfill(known, left)), result) => {
                if let Ok(response @ Response::GetChat(chat)) = result {
                    // An older thread: merged as history, never taken for the current one.
                    state.merge_history(&chat.id, chat.thread.as_slice());
                    next.extend(self.backfill(response, known, left));
                }
            }
            (Some(Pending::ListChats), _) => {
                state.apply(&frame);
                self.synced = true;
                if let Some(chat_id) = state.chat_id.clone() {
                    self.synced = false;
                    next.push(self.get_chat(chat_id));
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
                        state.apply(&frame);
                        let event_ids = match response {
                            Response::StartChat(started) => started.event_ids.clone(),
                            Response::ActivateChat(activated) | Response::ResumeChat(activated) => activated.event_ids.clone(),
                            _ => None,
                        }
                        .unwrap_or_default();
                        for (at, custom_id) in custom_ids.iter().enumerate() {
                            self.delivered(state, custom_id, event_ids.get(at).map(String::as_str));
                        }
                    }
                    // Another tab started the chat first: find it and send there.
                    Err(error) if error.kind == ErrorType::ChatLimitReached => {
                        self.synced = false;
                        next.push(self.request(Pending::ListChats, Request::ListChats(ListChats::default())));
                    }
                    Err(error) if error.kind == ErrorType::ChatAlreadyActive => {
                        self.synced = false;
                        let chat_id = state.chat_id.clone().unwrap_or_default();
                        next.push(self.get_chat(chat_id));
                    }
                    Err(error) => {
                        for custom_id in &custom_ids {
                            self.not_delivered(state, custom_id, error);
                        }
                    }
                }
            }
            (Some(Pending::SendEvent(custom_id)), result) => match result {
                Ok(Response::SendEvent(sent)) => self.delivered(state, &custom_id, Some(&sent.event_id)),
                Ok(_) => self.delivered(state, &custom_id, None),
                Err(error) if error.kind == ErrorType::ChatInactive => {
                    // It goes again, reopening the chat.
                    self.in_flight.remove(&custom_id);
                    state.chat_went_inactive();
                }
                Err(error) => {
                    self.in_flight.remove(&custom_id);
                    self.not_delivered(state, &custom_id, error);
                }
            },
            (Some(Pending::Item(custom_id)), result) => {
                self.in_flight.remove(&custom_id);
                match result {
                    Ok(_) => {
                        state.apply(&frame);
                        self.delivered(state, &custom_id, None);
                    }
                    Err(error) => self.not_delivered(state, &custom_id, error),
                }
            }
            (Some(Pending::MarkSeen), result) => {
                if result.is_err() {
                    // Try again with the next change.
                    self.receipt_sent = None;
                }
            }
            (Some(Pending::Ping | Pending::Other | Pending::Api(_)) | None, _) => state.apply(&frame),
        }
        next.extend(self.flush(state));
        next
    }

    /// A "not now" refusal (rate limits, timeouts, a busy or failing server): the message
    /// stays in the outbox and is sent again after a growing pause, a few times, before it
    /// is shown as failed. False when the message should fail now.
    fn hold(&mut self, custom_id: &str, kind: &ErrorType) -> bool {
        let transient = matches!(
            kind,
            ErrorType::RequestTimeout
                | ErrorType::PendingRequestsLimitReached
                | ErrorType::TooManyRequests
                | ErrorType::ServiceUnavailable
                | ErrorType::Internal
        );
        let attempts = self.held.iter().find(|(held, ..)| held == custom_id).map_or(0, |(_, attempts, _)| *attempts) + 1;
        self.held.retain(|(held, ..)| held != custom_id);
        if !transient || attempts > MAX_HOLDS {
            return false;
        }
        self.held.push((custom_id.to_owned(), attempts, self.clock + HOLD_MS * f64::from(attempts)));
        true
    }

    /// After a resync: when the thread fetched is newer than the one known before the drop,
    /// the threads in between (and the known one, which may have grown meanwhile) are
    /// fetched too, newest first, so nothing said while the visitor was away is missing.
    fn backfill(&mut self, fetched: &Response, known: String, left: u8) -> Option<RequestFrame> {
        let Response::GetChat(chat) = fetched else { return None };
        let thread = chat.thread.as_ref()?;
        if thread.id == known || left == 0 || self.free_slots() == 0 {
            return None;
        }
        let previous = thread.previous_thread_id.clone()?;
        let request = GetChat { chat_id: chat.id.clone(), thread_id: Some(previous) };
        Some(self.request(Pending::Backfill(known, left - 1), Request::GetChat(request)))
    }

    fn get_chat(&mut self, chat_id: String) -> RequestFrame {
        self.request(Pending::GetChat, Request::GetChat(GetChat { chat_id, thread_id: None }))
    }

    /// Free slots for requests the client starts itself. One is always kept back for the
    /// session's own chain (`get_chat`, `start_chat`...), so the ten-request limit holds.
    fn free_slots(&self) -> usize {
        self.pending.free(1)
    }

    /// What may go out now: the outbox (in order), a read receipt, then queued SDK calls,
    /// within the ten-request limit.
    pub fn flush(&mut self, state: &ChatState) -> Vec<RequestFrame> {
        if !self.logged_in {
            return Vec::new();
        }
        let mut out = self.flush_outbox(state);
        if let Some(receipt) = self.receipt(state) {
            out.push(receipt);
        }
        while self.free_slots() > 0 {
            let Some(queued) = self.queued.pop_front() else { break };
            if queued.call.reply.is_canceled() && !matches!(queued.call.request, Request::SendSneakPeek(_)) {
                continue;
            }
            let pending = match queued.call.request {
                Request::SendSneakPeek(_) => Pending::Other,
                _ => Pending::Api(queued.call.reply),
            };
            out.push(self.request(pending, queued.call.request));
        }
        out
    }

    /// A read receipt when an agent's message is on screen and not yet reported.
    fn receipt(&mut self, state: &ChatState) -> Option<RequestFrame> {
        if !self.synced || self.free_slots() == 0 {
            return None;
        }
        let (chat_id, seen_up_to) = state.receipt_due()?;
        if self.receipt_sent.as_deref().is_some_and(|sent| sent >= seen_up_to.as_str()) {
            return None;
        }
        self.receipt_sent = Some(seen_up_to.clone());
        Some(self.request(Pending::MarkSeen, Request::MarkEventsAsSeen(MarkEventsAsSeen { chat_id, seen_up_to })))
    }

}
