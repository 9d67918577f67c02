//! One websocket connection: login deadline, liveness, request dispatch, outbound frames.
//!
//! The loop owns the socket. It reads frames, answers requests in order, forwards frames
//! that other connections' requests push to it (through the hub), sends a websocket ping
//! every `ping_interval`, and closes the connection when the login deadline passes, when
//! nothing at all (no frame, no pong) arrived for `idle_timeout`, or when the customer's
//! access token expires.

use std::future::Future;
use std::net::IpAddr;
use std::time::Duration;

use axum::extract::ws::{Message, WebSocket};
use futures_util::StreamExt;
pub use protocol::Api;
use protocol::{
    AgentDisconnected, CustomerDisconnected, DecodeError, DisconnectReason, ErrorPayload, ErrorType, Push, PushFrame,
    RequestFrame, Version,
};
use tokio::time::{sleep_until, Instant};

use crate::accounts::BrowserSession;
use crate::actor::{Actor, Answer};
use crate::config::License;
use crate::errors::{validation, ApiResult};
use crate::hub::{ConnId, Peer, Wire};
use crate::limits::{Admitted, Bucket};
use crate::outbox::Outbox;
use crate::App;

mod frames;

use frames::{encode, Incoming, Reply, Requests};

/// Why a socket refuses service before any request is read.
#[derive(Debug, Clone)]
pub enum Refusal {
    /// The URL names an API version this server does not speak.
    UnsupportedVersion,
    /// The URL names no known license or organization.
    LicenseNotFound,
}

struct Session {
    api: Api,
    conn: ConnId,
    /// The version the URL named: the default of every request, and the version pushes go
    /// out in unless `login` subscribed to others.
    version: Version,
    /// How pushes reach this connection once it is logged in.
    wire: Wire,
    license: Option<License>,
    /// Set once login succeeded.
    peer: Option<Peer>,
    /// When what the connection logged in with stops being valid (a customer's access
    /// token, an agent's browser session or expiring API token).
    token_expires: Option<Instant>,
    /// Set once a close is queued, so deadlines stop firing.
    closing: bool,
    /// Why a failed login ends the connection, when the protocol has a reason for it.
    refusal: Option<DisconnectReason>,
    /// Last chat activity or page change (customers): 30 minutes without either ends the
    /// connection with `inactivity_timeout`.
    last_activity: Instant,
    outbox: Outbox,
    /// Requests answered in their own task (`get_url_info`, `verify_identity`) and not
    /// finished yet.
    pending: std::sync::Arc<std::sync::atomic::AtomicUsize>,
    /// Rate limit: a token bucket refilled at `requests_per_minute`.
    budget: Bucket,
    /// Bytes of frames the client may send: `read_bytes_per_second`, in bursts of eight
    /// times that.
    bytes: Bucket,
    /// Set while the client is over its request or byte rate: the socket is not read until
    /// then, so the kernel makes the client wait and flooding costs the server nothing.
    throttled_until: Option<Instant>,
    /// Set when a request was refused with `too_many_requests`, until half the budget is
    /// back: meanwhile each frame is read only once there is a token for it, so the client
    /// is told once and then simply slowed down.
    over_rate: bool,
    /// Side storage to push once the login answer is sent.
    side_storage: Option<protocol::Object>,
    /// This socket's place among its address's sockets that have not logged in yet.
    admitted: Option<Admitted>,
    /// Agents: the browser session the upgrade request's cookie named, for a `login`
    /// with an empty token.
    browser: Option<BrowserSession>,
    /// Where answered requests are counted.
    requests: Requests,
}


/// The largest websocket frame (and message) a client may send; a larger one closes the
/// socket with 1009.
pub(crate) const MAX_FRAME_BYTES: usize = 64 * 1024;

/// At most this many requests of one connection wait for an answer at once.
const MAX_PENDING: usize = 10;

/// Every this many bytes of an answer cost one more request of the connection's rate.
const ANSWER_BYTES_PER_REQUEST: usize = 4 * 1024;

/// How long a closing connection waits for the peer's closing frame.
const CLOSE_LINGER: Duration = Duration::from_secs(2);

/// Serves one websocket until it closes. `client` is the address it comes from, which may
/// hold only so many sockets open before they log in.
/// `browser` is the agent's signed-in browser session, when the upgrade carried one.
pub async fn serve(
    app: App,
    socket: WebSocket,
    api: Api,
    version: Version,
    license: Result<License, Refusal>,
    client: IpAddr,
    browser: Option<BrowserSession>,
) {
    let (sink, mut stream) = socket.split();
    let (outbox, queue) = crate::outbox::outbox(app.config.limits.outbound_queue_bytes);
    let timings = app.config.timings.clone();
    let mut writer = tokio::spawn(crate::outbox::write(sink, queue, timings.ping_interval, timings.write_timeout));
    let conn = app.hub.next_conn_id();
    let mut session = Session {
        api,
        conn,
        version,
        wire: Wire::new(api, version),
        license: None,
        peer: None,
        token_expires: None,
        closing: false,
        refusal: None,
        last_activity: Instant::now(),
        outbox,
        pending: Default::default(),
        budget: Bucket::per_minute(app.config.limits.requests_per_minute),
        bytes: {
            let per_second = app.config.limits.read_bytes_per_second as f64;
            Bucket::new(per_second * 8.0, per_second)
        },
        throttled_until: None,
        over_rate: false,
        side_storage: None,
        admitted: None,
        browser,
        requests: app.metrics.requests.clone(),
    };

    match license {
        Ok(license) => session.license = Some(license),
        Err(refusal) => {
            let reason = match refusal {
                Refusal::UnsupportedVersion => DisconnectReason::UnsupportedVersion,
                Refusal::LicenseNotFound => DisconnectReason::LicenseNotFound,
            };
            session.disconnect(reason);
        }
    }
    if !session.closing {
        session.admitted = app.admission.admit(client, app.config.limits.unauthenticated_per_address);
        if session.admitted.is_none() {
            session.disconnect(DisconnectReason::TooManyUnauthorizedConnections);
        }
    }

    let connected_at = Instant::now();
    let login_deadline = connected_at + timings.login_timeout;
    let mut last_heard = connected_at;
    // Set once the writer sent a closing frame: the peer's answer is awaited until then.
    let mut linger: Option<Instant> = None;
    // Cleared after an oversized frame: what follows it cannot be read as frames.
    let mut reading = true;

    loop {
        if session.over_rate && session.throttled_until.is_none() {
            let now = Instant::now();
            if session.budget.half_full(now) {
                session.over_rate = false;
            } else if let Some(wait) = session.budget.wait_for_one(now) {
                session.throttle(now + wait);
            }
        }
        let throttled = session.throttled_until.is_some();
        // While more than half its queue is unread, a client's further requests wait: a
        // client that does not read is not served more answers.
        let backlogged = session.outbox.backlogged();
        let (deadline, reason) = match linger {
            Some(until) => (until, None),
            None => {
                let (deadline, reason) = session.next_deadline(&timings, last_heard, login_deadline);
                (deadline, Some(reason))
            }
        };
        tokio::select! {
            () = sleep_until(session.throttled_until.unwrap_or(connected_at)), if throttled => {
                session.throttled_until = None;
                // Time spent not reading is not the client's silence.
                last_heard = Instant::now();
            }
            () = session.outbox.caught_up(), if backlogged && !throttled => {}
            incoming = stream.next(), if reading && !throttled && !backlogged => {
                let message = match incoming {
                    Some(Ok(message)) => message,
                    Some(Err(error)) if is_too_large(&error) && !session.closing => {
                        // The frame is not read and the connection cannot go on, but it is
                        // told why.
                        session.closing = true;
                        reading = false;
                        session.outbox.close(1009, format!("a frame may be at most {} bytes", MAX_FRAME_BYTES));
                        continue;
                    }
                    _ => break,
                };
                last_heard = Instant::now();
                let size = match &message {
                    Message::Text(text) => text.len(),
                    Message::Binary(bytes) | Message::Ping(bytes) | Message::Pong(bytes) => bytes.len(),
                    Message::Close(_) => 0,
                };
                if let Some(wait) = session.bytes.spend(size as f64, last_heard) {
                    session.throttle(last_heard + wait);
                }
                match message {
                    Message::Close(_) => break,
                    _ if session.closing => {}
                    Message::Text(text) => session.handle_text(&app, text.as_str()),
                    Message::Binary(_) => session.reply_error(None, "unknown", validation("binary frames are not supported; send JSON text")),
                    // Pings are answered by the websocket layer; pongs only prove liveness.
                    Message::Ping(_) | Message::Pong(_) => {}
                }
            }
            ended = &mut writer, if linger.is_none() => match ended {
                Ok(crate::outbox::Ended::Closed) => linger = Some(Instant::now() + CLOSE_LINGER),
                _ => break,
            },
            _ = sleep_until(deadline), if linger.is_some() || !session.closing => match reason {
                None => break,
                Some(reason) => {
                    tracing::debug!(conn, %reason, "closing connection");
                    session.disconnect(reason);
                }
            },
        }
    }
    writer.abort();
    app.hub.unregister(conn);
    if let (Some(Peer::Agent(_)), Some(license)) = (&session.peer, &session.license)
        && let Err(error) = app.announce_availability(license.id)
    {
        tracing::warn!(%error, "could not announce availability");
    }
}

/// Whether a read failed because a frame or message was over the size limit.
fn is_too_large(error: &axum::Error) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(error) = source {
        if let Some(tungstenite::Error::Capacity(_)) = error.downcast_ref::<tungstenite::Error>() {
            return true;
        }
        source = error.source();
    }
    false
}

impl Session {
    fn send(&self, text: String) {
        self.outbox.text(text);
    }

    /// Stops reading the socket until `until` (or later, if already stopped longer).
    fn throttle(&mut self, until: Instant) {
        self.throttled_until = Some(self.throttled_until.map_or(until, |already| already.max(until)));
    }

    /// The deadline that comes first, and why the connection ends then.
    fn next_deadline(&self, timings: &crate::config::Timings, last_heard: Instant, login_deadline: Instant) -> (Instant, DisconnectReason) {
        let mut deadlines = vec![(last_heard + timings.idle_timeout, DisconnectReason::ConnectionTimeout)];
        match (&self.peer, self.api) {
            (None, _) => deadlines.push((login_deadline, DisconnectReason::ConnectionTimeout)),
            (Some(_), Api::Customer) => {
                deadlines.push((self.last_activity + timings.inactivity_timeout, DisconnectReason::InactivityTimeout));
                if let Some(expires) = self.token_expires {
                    deadlines.push((expires, DisconnectReason::AccessTokenExpired));
                }
            }
            (Some(_), Api::Agent) => {
                // A browser session or an API token with an expiry ends the socket with it.
                if let Some(expires) = self.token_expires {
                    deadlines.push((expires, DisconnectReason::AccessTokenExpired));
                }
            }
        }
        deadlines.into_iter().min_by_key(|(deadline, _)| *deadline).expect("never empty")
    }

    fn reply(&self, request_id: Option<String>, result: ApiResult<Reply>, action: &str, version: Version) -> usize {
        let text = encode(self.api, version, request_id, action, result, &self.requests);
        let size = text.len();
        self.send(text);
        size
    }

    fn reply_error(&self, request_id: Option<String>, action: &str, error: ErrorPayload) {
        self.reply(request_id, Err(error), action, self.version);
    }

    /// Answers a request with what `work` produces, from a task of its own, so the
    /// connection keeps serving meanwhile. At most [`MAX_PENDING`] such requests wait at
    /// once; the task is dropped with the connection.
    fn answer_later(
        &self,
        request_id: Option<String>,
        action: String,
        version: Version,
        work: impl Future<Output = ApiResult<Reply>> + Send + 'static,
    ) {
        use std::sync::atomic::Ordering::SeqCst;
        if self.pending.fetch_add(1, SeqCst) >= MAX_PENDING {
            self.pending.fetch_sub(1, SeqCst);
            let error = ErrorPayload::new(
                ErrorType::PendingRequestsLimitReached,
                format!("at most {MAX_PENDING} requests may wait for an answer at once"),
            );
            return self.reply_error(request_id, &action, error);
        }
        let (outbox, pending, api, requests) = (self.outbox.clone(), self.pending.clone(), self.api, self.requests.clone());
        tokio::spawn(async move {
            let result = tokio::select! {
                result = work => Some(result),
                () = outbox.closed() => None,
            };
            pending.fetch_sub(1, SeqCst);
            let Some(result) = result else { return };
            outbox.text(encode(api, version, request_id, &action, result, &requests));
        });
    }

    /// Tells the client why, then closes.
    fn disconnect(&mut self, reason: DisconnectReason) {
        self.closing = true;
        let push = match self.api {
            Api::Customer => Push::CustomerDisconnected(CustomerDisconnected { reason: reason.clone(), data: None }),
            Api::Agent => Push::AgentDisconnected(AgentDisconnected { reason: reason.clone() }),
        };
        // The connection's own version, whatever `login` subscribed to: this push may come
        // before any login.
        if let Some(text) = (PushFrame { request_id: None, push }).encode_in(self.api, self.version) {
            self.send(text);
        }
        self.outbox.close(1000, reason.as_str());
    }

    /// Reads a frame in the shapes of the connection's API and version.
    fn decode(&self, text: &str) -> Result<RequestFrame<Incoming>, DecodeError> {
        fn frame<R>(frame: RequestFrame<R>, incoming: fn(R) -> Incoming) -> RequestFrame<Incoming> {
            RequestFrame { request_id: frame.request_id, request: incoming(frame.request), version: frame.version }
        }
        Ok(match self.api {
            // 3.0 frames keep their own shapes until `legacy` runs them.
            Api::Customer if self.version == Version::V3_0 => frame(crate::legacy::decode(text)?, Incoming::Legacy),
            Api::Customer => frame(RequestFrame::decode(text)?, Incoming::Customer),
            Api::Agent => frame(RequestFrame::decode_agent(text)?, Incoming::Agent),
        })
    }

    fn handle_text(&mut self, app: &App, text: &str) {
        // A connection whose queue overflowed is being closed: its requests are not worth
        // answering.
        if self.outbox.overflowed() {
            return;
        }
        let frame = match self.decode(text) {
            Ok(frame) => frame,
            Err(err) => {
                // Frames that cannot be read count against the rate too.
                if let Err(wait) = self.budget.take(Instant::now()) {
                    self.throttle(Instant::now() + wait);
                    self.over_rate = true;
                }
                let action = err.action.clone().unwrap_or_else(|| "unknown".to_owned());
                self.reply_error(err.request_id.clone(), &action, err.to_error_payload());
                return;
            }
        };
        let RequestFrame { request_id, request, version } = frame;
        let action = request.action().to_owned();
        // From 3.3 a request may name a version, never one below the connection's.
        let version = match version {
            Some(named) if named < self.version || !named.is_versioned() => {
                let error = ErrorPayload::new(
                    ErrorType::UnsupportedVersion,
                    format!("this connection speaks {}; a request may name that version or a later one, not {named}", self.version),
                );
                return self.reply_error(request_id, &action, error);
            }
            Some(named) => named,
            None => self.version,
        };
        if let Err(wait) = self.budget.take(Instant::now()) {
            self.throttle(Instant::now() + wait);
            self.over_rate = true;
            let error = ErrorPayload::new(ErrorType::TooManyRequests, "too many requests; slow down and try again");
            return self.reply_error(request_id, &action, error);
        }
        // Chatting or moving to another page counts as activity (3.0 actions included).
        if matches!(
            request.action(),
            "start_chat" | "activate_chat" | "resume_chat" | "send_event" | "update_customer_page" | "send_rich_message_postback"
        ) {
            self.last_activity = Instant::now();
        }
        if request.is_ping() {
            // Before login a ping is a no-op for liveness, but answering it does no harm.
            self.reply(request_id, Ok(Reply::ping(self.api)), &action, version);
            return;
        }
        let Some(license) = self.license.clone() else { return };
        let relay_mark = app.hub.relay_mark();
        let answer = match (&self.peer, request) {
            (None, request) => match request.into_login() {
                Some(login) => Answer::Now(self.login(app, &license, login, version)),
                None => Answer::Now(Err(ErrorPayload::new(ErrorType::Authentication, "log in first"))),
            },
            (Some(peer), request) => {
                let actor = Actor { license_id: license.id, peer, conn: self.conn, request_id: request_id.as_deref() };
                match request {
                    Incoming::Customer(request) => crate::customer::dispatch(app, &actor, request).map(Reply::Customer),
                    Incoming::Legacy(request) => Answer::Now(crate::legacy::dispatch(app, &actor, request).map(Reply::Customer)),
                    Incoming::Agent(request) => crate::agent::dispatch(app, &actor, request).map(Reply::Agent),
                }
            }
        };
        // Link previews and identity checks call other sites, which can take seconds. They
        // run in tasks of their own so the connection keeps answering.
        let result = match answer {
            Answer::Later(work) => return self.answer_later(request_id, action, version, work),
            Answer::Now(result) => result,
        };
        // In a cluster, what this request delivered to the other nodes is on the bus before
        // the asker hears it was done: a node that dies right after answering has not
        // answered for a message the other nodes' agents never hear. A login relays only
        // its agent's presence, and what follows its answer below must follow it at once.
        if action != "login"
            && let Some(relayed) = app.relayed_since(relay_mark)
        {
            return self.answer_later(request_id, action, version, async move {
                relayed.await;
                result
            });
        }
        let failed_login = match &result {
            Err(error) if action == "login" && self.peer.is_none() => Some(error.kind.clone()),
            _ => None,
        };
        let size = self.reply(request_id, result, &action, version);
        match failed_login {
            None => {
                // A large answer costs more of the rate than a small one: one request more
                // per 4 KB, so asking for big answers in a loop is slowed down in
                // proportion to the work it makes.
                let extra = (size / ANSWER_BYTES_PER_REQUEST) as f64;
                if extra > 0.0
                    && let Some(wait) = self.budget.spend(extra, Instant::now())
                {
                    self.throttle(Instant::now() + wait);
                }
                self.push_side_storage();
            }
            Some(error_kind) => {
                // A socket that cannot log in is closed rather than left open, with the
                // reason when the protocol has one. `users_limit_reached` gets none:
                // clients wait for the visitor after that login error, and a
                // `customer_disconnected` would send them reconnecting instead.
                let refusal = match self.refusal.take() {
                    None if error_kind == ErrorType::Internal => Some(DisconnectReason::InternalError),
                    None if error_kind == ErrorType::CustomerBanned => Some(DisconnectReason::CustomerBanned),
                    refusal => refusal,
                };
                match refusal {
                    Some(reason) => self.disconnect(reason),
                    None => {
                        self.closing = true;
                        self.outbox.close(1008, "login failed");
                    }
                }
            }
        }
    }

    /// Logs the connection in. A login that names a later version than the URL's makes
    /// the whole connection speak it: clients such as the Customer SDK name their version
    /// on `login` only, and then expect its shapes in every answer and push.
    fn login(&mut self, app: &App, license: &License, login: protocol::Login, version: Version) -> ApiResult<Reply> {
        let token = login.token.strip_prefix("Bearer ").unwrap_or(&login.token).trim();
        // `accepting`: the agent's stored routing status (customers take no chats).
        let (peer, reply, accepting, credential) = match self.api {
            Api::Customer => {
                let (customer_id, expires_in) = app.customer_for_token(license, token)?;
                let limits = &app.config.limits;
                let n_tabs = app.hub.n_customer_connections(license.id, &customer_id);
                if n_tabs == 0 && app.hub.n_customers(license.id) >= limits.customers_per_license {
                    return Err(ErrorPayload::new(ErrorType::UsersLimitReached, "too many customers are connected"));
                }
                if n_tabs >= limits.connections_per_customer {
                    self.refusal = Some(DisconnectReason::TooManyConnections);
                    return Err(ErrorPayload::new(ErrorType::LimitReached, "too many connections for this customer"));
                }
                let (mut response, side_storage) = app.customer_login(license, &customer_id, &login)?;
                if self.version == Version::V3_0 {
                    response = crate::legacy::login_answer(app, license.id, login.group_id.unwrap_or(0), response);
                }
                self.side_storage = Some(side_storage);
                self.token_expires = Some(Instant::now() + expires_in);
                if let Some(url) = login.customer_page.as_ref().and_then(|page| page.url.as_deref()) {
                    app.arm_greetings(license.id, &customer_id, url);
                }
                (Peer::Customer(customer_id), Reply::Customer(response), false, None)
            }
            Api::Agent => {
                let (agent, credential, expires_in) = app.agent_credential(license, token, self.browser.as_ref())?;
                let accepting = app.db.agent_accepting(&agent.id)?.unwrap_or(true);
                let response = app.agent_login(license, &agent.id, accepting)?;
                self.token_expires = expires_in.map(|expires_in| Instant::now() + expires_in);
                (Peer::Agent(agent.id.clone()), Reply::Agent(response), accepting, Some(credential))
            }
        };
        self.version = version;
        self.wire.pushes.default = version;
        if let Some(pushes) = &login.pushes {
            self.wire.pushes.subscribe(pushes);
        }
        self.wire.group_id = login.group_id.unwrap_or(0);
        app.hub.register(self.conn, license.id, peer.clone(), credential, accepting, self.wire.clone(), self.outbox.clone());
        self.admitted = None;
        if let Peer::Agent(_) = peer {
            app.drain_queue(license.id)?;
            app.announce_availability(license.id)?;
        }
        self.peer = Some(peer);
        self.last_activity = Instant::now();
        Ok(reply)
    }

    /// After a customer's login answer: what their client should keep for the next login.
    fn push_side_storage(&mut self) {
        if let Some(customer_side_storage) = self.side_storage.take() {
            let push = Push::CustomerSideStorageUpdated(protocol::CustomerSideStorageUpdated { customer_side_storage });
            let text = self.wire.pushes.of(push.action()).and_then(|version| PushFrame { request_id: None, push }.encode_in(self.api, version));
            if let Some(text) = text {
                self.send(text);
            }
        }
    }
}
