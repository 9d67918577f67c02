//! The browser half of the connection task: the socket, the token request, the timers and
//! the page's `online`, `offline` and visibility events.

use futures::channel::mpsc::{self, UnboundedReceiver};
use futures::stream::Select;
use futures::future::LocalBoxFuture;
use futures::{FutureExt, SinkExt, StreamExt};
use gloo_net::websocket::{futures::WebSocket, Message};
use gloo_timers::future::{IntervalStream, TimeoutFuture};
use leptos::prelude::*;
use protocol::{DisconnectReason, Push, RequestFrame, ServerFrame};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;

use super::{retry_delay, Reaction, TokenSource};
use crate::session::Command;
use crate::config::WidgetConfig;
use crate::session::{upload_url, Stability};
use crate::session::Session;
use crate::store::{ChatState, ConnectionStatus, Halt};

/// Protocol keep-alive interval.
const PING_MS: u32 = 15_000;
/// How often timeouts, throttles and stability are checked.
const TICK_MS: u32 = 500;

/// The visitor's commands merged with the page's own nudges (visibility changes).
type Commands = Select<UnboundedReceiver<Command>, UnboundedReceiver<Command>>;

/// How one connection ended.
enum End {
    /// The widget is being removed.
    Shutdown,
    /// `destroy()`.
    Destroy,
    /// `disconnect()`: wait for `connect()`.
    Paused,
    /// Network or server trouble; retry.
    Lost,
    /// The token was refused; get a new one and retry.
    TokenRefused,
    /// The server said why it closed.
    Disconnected(DisconnectReason),
}

/// What a command means while no socket is open.
enum Offline {
    /// Nothing to do now.
    Stay,
    /// The network is back: a pending retry may go now.
    Online,
    /// Connect (the visitor acted, or a call waits).
    Connect,
    /// Stop here.
    End(End),
}

/// What outlives a socket.
struct Client {
    config: WidgetConfig,
    session: Session,
    token: Option<String>,
    stability: Stability,
    /// The site's own sign-in, when it gives the tokens.
    tokens: Option<TokenSource>,
    /// A token request sent before the app was built (see [`EarlyToken`]); the first
    /// attempt takes its answer.
    early: Option<EarlyToken>,
}

/// A token request already on its way. A returning visitor connects at once, so the widget
/// sends it before it builds its views rather than after: the answer travels while they
/// mount.
pub struct EarlyToken(LocalBoxFuture<'static, Result<String, String>>);

impl EarlyToken {
    /// Sends the request now (a fetch starts when its future is first polled; its answer is
    /// kept until the connection asks for it, whatever waker that first poll had).
    pub fn send(config: &WidgetConfig) -> EarlyToken {
        let config = config.clone();
        let mut request: LocalBoxFuture<'static, Result<String, String>> = Box::pin(async move { fetch_token(&config, None).await });
        let mut context = std::task::Context::from_waker(futures::task::noop_waker_ref());
        match request.poll_unpin(&mut context) {
            std::task::Poll::Ready(answer) => EarlyToken(Box::pin(futures::future::ready(answer))),
            std::task::Poll::Pending => EarlyToken(request),
        }
    }
}

impl Client {
    /// Handles a command while disconnected.
    fn offline(&mut self, command: Option<Command>) -> Offline {
        match command {
            None | Some(Command::Shutdown) => Offline::End(End::Shutdown),
            Some(Command::Destroy) => Offline::End(End::Destroy),
            Some(Command::Disconnect) => Offline::End(End::Paused),
            Some(Command::Connect) => Offline::Connect,
            Some(Command::Call(call)) => {
                self.session.call(*call, js_sys::Date::now());
                Offline::Connect
            }
            Some(Command::UploadTarget(reply)) => {
                let _ = reply.0.send(self.token.clone().map(|token| (upload_url(&self.config), token)));
                Offline::Stay
            }
            // The item waits in the outbox, which goes out after reconnecting.
            Some(Command::Track { custom_id, reply }) => {
                self.session.track(custom_id, reply.0);
                Offline::Connect
            }
            // The outbox lives in the state and goes out after reconnecting; sneak peeks
            // are moot without a connection.
            Some(Command::Flush | Command::SneakPeek { .. } | Command::Network { online: false }) => Offline::Stay,
            Some(Command::Network { online: true }) => Offline::Online,
        }
    }

    /// Time passes while disconnected: calls time out, the link may turn unstable.
    fn tick_offline(&mut self, state: RwSignal<ChatState>) {
        let now = js_sys::Date::now();
        state.with_untracked(|chat_state| self.session.expire(now, chat_state));
        if let Some(unstable) = self.stability.update(now, false, false) {
            state.update(|chat_state| chat_state.set_unstable(unstable));
        }
    }
}

/// Starts the connection task. It connects at once when
/// `config.connect_now`, otherwise when the visitor first shows intent (`Command::Connect`
/// or an SDK call).
pub fn spawn(
    state: RwSignal<ChatState>,
    commands: UnboundedReceiver<Command>,
    config: WidgetConfig,
    tokens: Option<TokenSource>,
    early: Option<EarlyToken>,
) {
    let (nudge, nudges) = mpsc::unbounded();
    watch_visibility(state, nudge);
    keep_side_storage(state, &config);
    let commands = futures::stream::select(commands, nudges);
    leptos::task::spawn_local(run(state, commands, config, tokens, early));
}

/// Restores the customer-side storage the server asked to keep (it goes back with every
/// login) and stores each change.
fn keep_side_storage(state: RwSignal<ChatState>, config: &WidgetConfig) {
    let key = format!("{}.side_storage", config.identity_key());
    let stored = crate::persist::decode_side_storage(&crate::persist::read(&key).unwrap_or_default());
    if !stored.is_empty() {
        state.update(|chat_state| chat_state.restore_customer_side_storage(stored));
    }
    let storage = Memo::new(move |_| state.with(|chat_state| crate::persist::encode_side_storage(&chat_state.customer_side_storage)));
    Effect::new(move |first: Option<()>| {
        let encoded = storage.get();
        if first.is_some() {
            crate::persist::write(&key, &encoded);
        }
    });
}

/// Keeps `page_hidden` current (a page coming into view may owe read receipts) and
/// passes on the browser's offline and online events.
fn watch_visibility(state: RwSignal<ChatState>, nudge: mpsc::UnboundedSender<Command>) {
    let nudge_network = nudge.clone();
    let Some(document) = web_sys::window().and_then(|window| window.document()) else { return };
    let hidden = |document: &web_sys::Document| document.visibility_state() == web_sys::VisibilityState::Hidden;
    state.update(|chat_state| chat_state.set_page_hidden(hidden(&document)));
    let watched = document.clone();
    let on_change = Closure::<dyn FnMut()>::new(move || {
        let now_hidden = hidden(&watched);
        state.update(|chat_state| chat_state.set_page_hidden(now_hidden));
        let _ = nudge.unbounded_send(Command::Flush);
    });
    let _ = document.add_event_listener_with_callback("visibilitychange", on_change.as_ref().unchecked_ref());
    // The listeners live as long as the frame.
    on_change.forget();
    let Some(window) = web_sys::window() else { return };
    for (event, online) in [("offline", false), ("online", true)] {
        let nudge = nudge_network.clone();
        let on_network = Closure::<dyn FnMut()>::new(move || {
            let _ = nudge.unbounded_send(Command::Network { online });
        });
        let _ = window.add_event_listener_with_callback(event, on_network.as_ref().unchecked_ref());
        on_network.forget();
    }
}

async fn run(state: RwSignal<ChatState>, mut commands: Commands, config: WidgetConfig, tokens: Option<TokenSource>, early: Option<EarlyToken>) {
    let session = Session::new();
    let mut client = Client { config, session, token: None, stability: Stability::default(), tokens, early };
    if !client.config.connect_now && !wait_for_intent(state, &mut commands, &mut client).await {
        return;
    }
    let mut attempt: u32 = 0;
    loop {
        state.update(|chat_state| {
            chat_state.set_connection(if attempt == 0 {
                ConnectionStatus::Connecting
            } else {
                ConnectionStatus::Reconnecting { attempt }
            })
        });
        let end = connect_once(state, &mut commands, &mut client, &mut attempt).await;
        client.session.end();
        // After the visitor's go-ahead the next attempt starts at once, without backoff.
        let mut immediate = false;
        let mut end = Some(end);
        while let Some(ended) = end.take() {
            match ended {
                End::Shutdown => return,
                End::Destroy => {
                    client.session.destroy();
                    state.update(|chat_state| {
                        chat_state.set_connection(ConnectionStatus::Stopped { reason: Halt::Destroyed })
                    });
                    return;
                }
                End::Paused => {
                    state.update(|chat_state| {
                        chat_state.set_connection(ConnectionStatus::Paused { reason: Halt::Manual })
                    });
                    if !wait_for_intent(state, &mut commands, &mut client).await {
                        return;
                    }
                    attempt = 0;
                    immediate = true;
                }
                End::Lost => {}
                End::TokenRefused => client.token = None,
                End::Disconnected(reason) => {
                    match super::reaction(&reason) {
                        Reaction::Reconnect { new_token } => {
                            if new_token {
                                client.token = None;
                            }
                        }
                        Reaction::WaitForUser => {
                            state.update(|chat_state| {
                                chat_state.set_connection(ConnectionStatus::Paused { reason: Halt::Server(reason.clone()) })
                            });
                            if !wait_for_intent(state, &mut commands, &mut client).await {
                                return;
                            }
                            attempt = 0;
                            immediate = true;
                        }
                        Reaction::Stop => {
                            client.session.destroy();
                            state.update(|chat_state| {
                                chat_state.set_connection(ConnectionStatus::Stopped { reason: Halt::Server(reason.clone()) })
                            });
                            return;
                        }
                    }
                }
            }
        }
        if immediate {
            continue;
        }
        attempt += 1;
        state.update(|chat_state| chat_state.set_connection(ConnectionStatus::Reconnecting { attempt }));
        let delay = retry_delay(attempt, js_sys::Math::random());
        let mut sleep = TimeoutFuture::new(delay.as_millis() as u32).fuse();
        let mut ticks = IntervalStream::new(TICK_MS).fuse();
        loop {
            futures::select! {
                () = sleep => break,
                _ = ticks.next() => client.tick_offline(state),
                command = commands.next() => match client.offline(command) {
                    Offline::Stay | Offline::Connect => {}
                    Offline::Online => break,
                    Offline::End(End::Destroy) => {
                        client.session.destroy();
                        state.update(|chat_state| {
                            chat_state.set_connection(ConnectionStatus::Stopped { reason: Halt::Destroyed })
                        });
                        return;
                    }
                    Offline::End(End::Paused) => {
                        state.update(|chat_state| {
                            chat_state.set_connection(ConnectionStatus::Paused { reason: Halt::Manual })
                        });
                        if !wait_for_intent(state, &mut commands, &mut client).await {
                            return;
                        }
                        attempt = 0;
                        break;
                    }
                    Offline::End(_) => return,
                },
            }
        }
    }
}

/// Waits for a command that means "connect"; false when told to stop instead.
async fn wait_for_intent(state: RwSignal<ChatState>, commands: &mut Commands, client: &mut Client) -> bool {
    let mut ticks = IntervalStream::new(TICK_MS).fuse();
    loop {
        futures::select! {
            _ = ticks.next() => client.tick_offline(state),
            command = commands.next() => match client.offline(command) {
                Offline::Stay | Offline::Online => {}
                Offline::Connect => return true,
                Offline::End(End::Paused) => {}
                Offline::End(End::Destroy) => {
                    client.session.destroy();
                    state.update(|chat_state| {
                        chat_state.set_connection(ConnectionStatus::Stopped { reason: Halt::Destroyed })
                    });
                    return false;
                }
                Offline::End(_) => return false,
            },
        }
    }
}

async fn connect_once(
    state: RwSignal<ChatState>,
    commands: &mut Commands,
    client: &mut Client,
    attempt: &mut u32,
) -> End {
    let access_token = match client.token.clone() {
        Some(access_token) => access_token,
        None => {
            let answer = match client.early.take() {
                Some(EarlyToken(early)) => early.await,
                None => fetch_token(&client.config, client.tokens.as_ref()).await,
            };
            match answer {
                Ok(access_token) => {
                    client.token = Some(access_token.clone());
                    access_token
                }
                Err(err) => {
                    leptos::logging::warn!("chat: cannot get a token: {err}");
                    return End::Lost;
                }
            }
        }
    };
    let socket = match WebSocket::open(&client.config.socket_url()) {
        Ok(socket) => socket,
        Err(err) => {
            leptos::logging::warn!("chat: cannot open the socket: {err}");
            return End::Lost;
        }
    };
    let (mut write, read) = socket.split();
    let mut read = read.fuse();
    let mut pings = IntervalStream::new(PING_MS).fuse();
    let mut ticks = IntervalStream::new(TICK_MS).fuse();
    let session = &mut client.session;
    session.begin();
    let side_storage = state.with_untracked(|chat_state| chat_state.customer_side_storage.clone());
    let login = session.login_with(&access_token, client.config.page.clone(), side_storage);
    let version = client.config.api_version();
    if write.send(Message::Text(login.encode_for(version))).await.is_err() {
        return End::Lost;
    }
    session.sent(js_sys::Date::now());
    loop {
        let outgoing: Vec<RequestFrame> = futures::select! {
            message = read.next() => match message {
                Some(Ok(Message::Text(text))) => {
                    let frame = match ServerFrame::decode(&text) {
                        Ok(frame) => frame,
                        Err(err) => {
                            leptos::logging::warn!("chat: ignoring a frame: {err}");
                            continue;
                        }
                    };
                    if let ServerFrame::Push(push) = &frame {
                        if let Push::CustomerDisconnected(disconnected) = &push.push {
                            // A misdirected connection names the region to use: the
                            // reconnect goes there, with a token from there.
                            let region = disconnected.data.as_ref().and_then(|data| data.get("region")).and_then(|region| region.as_str());
                            if let Some(server) = region.and_then(|region| super::region_server(&client.config.server, region)) {
                                client.config.server = server;
                                client.token = None;
                            }
                            return End::Disconnected(disconnected.reason.clone());
                        }
                    }
                    let was_logged_in = session.is_logged_in();
                    let outgoing = state.try_maybe_update(|chat_state| chat_state.tracked(|chat_state| session.receive(frame, chat_state))).unwrap_or_default();
                    if let Some(error) = session.login_error.take() {
                        return match super::refused(&error.kind) {
                            super::Refused::NewToken => End::TokenRefused,
                            super::Refused::As(reason) => End::Disconnected(reason),
                            super::Refused::Retry => End::Lost,
                        };
                    }
                    if std::mem::take(&mut session.identity_mismatch) {
                        return End::Disconnected(DisconnectReason::IdentityMismatch);
                    }
                    if !was_logged_in && session.is_logged_in() {
                        *attempt = 0;
                        let recovered = client.stability.update(js_sys::Date::now(), true, false);
                        state.update(|chat_state| {
                            chat_state.set_connection(ConnectionStatus::Online);
                            if let Some(unstable) = recovered {
                                chat_state.set_unstable(unstable);
                            }
                        });
                    }
                    outgoing
                }
                Some(Ok(Message::Bytes(_))) => continue,
                Some(Err(_)) | None => return End::Lost,
            },
            command = commands.next() => {
                let now = js_sys::Date::now();
                match command {
                    Some(Command::Flush) => state.with_untracked(|chat_state| session.flush(chat_state)),
                    Some(Command::Connect | Command::Network { online: true }) => continue,
                    Some(Command::Network { online: false }) => return End::Lost,
                    Some(Command::Call(call)) => {
                        session.call(*call, now);
                        state.with_untracked(|chat_state| session.flush(chat_state))
                    }
                    Some(Command::Track { custom_id, reply }) => {
                        session.track(custom_id, reply.0);
                        continue;
                    }
                    Some(Command::SneakPeek { chat_id, text }) => {
                        state.with_untracked(|chat_state| session.sneak_peek(chat_id, text, now, chat_state))
                    }
                    Some(Command::UploadTarget(reply)) => {
                        let _ = reply.0.send(Some((upload_url(&client.config), access_token.clone())));
                        continue;
                    }
                    Some(Command::Disconnect) => {
                        let _ = write.close().await;
                        return End::Paused;
                    }
                    Some(Command::Destroy) => {
                        let _ = write.close().await;
                        return End::Destroy;
                    }
                    Some(Command::Shutdown) | None => {
                        let _ = write.close().await;
                        return End::Shutdown;
                    }
                }
            },
            _ = pings.next() => match session.ping() {
                Some(ping) => vec![ping],
                None => continue,
            },
            _ = ticks.next() => {
                let now = js_sys::Date::now();
                let outgoing = state.with_untracked(|chat_state| session.expire(now, chat_state));
                let up = session.is_logged_in();
                if let Some(unstable) = client.stability.update(now, up, session.ping_late(now)) {
                    state.update(|chat_state| chat_state.set_unstable(unstable));
                }
                // A request (a ping at the latest) unanswered for 15 s: the link is dead
                // even if the socket has not noticed yet.
                if session.overdue(now) {
                    leptos::logging::warn!("chat: the server stopped answering; reconnecting");
                    return End::Lost;
                }
                outgoing
            }
        };
        for request in outgoing {
            if write.send(Message::Text(request.encode_for(version))).await.is_err() {
                return End::Lost;
            }
        }
        session.sent(js_sys::Date::now());
    }
}

/// A fresh access token; the identity secret is kept so the visitor stays the same
/// customer on their next visit.
async fn fetch_token(config: &WidgetConfig, tokens: Option<&TokenSource>) -> Result<String, String> {
    if let Some(tokens) = tokens {
        return tokens().await;
    }
    let storage_key = config.identity_key();
    let identity = crate::persist::read(&storage_key);
    let mut body = config.tenant_json();
    if let Some(identity) = identity {
        body["identity"] = serde_json::Value::String(identity);
    }
    let response = gloo_net::http::Request::post(&config.token_url())
        .json(&body)
        .map_err(|err| err.to_string())?
        .send()
        .await
        .map_err(|err| err.to_string())?;
    if !response.ok() {
        return Err(format!("token endpoint answered {}", response.status()));
    }
    let token: protocol::CustomerToken = response.json().await.map_err(|err| err.to_string())?;
    // Storage may be full or blocked; the visitor then stays anonymous per page load.
    crate::persist::write(&storage_key, &token.identity);
    Ok(token.access_token)
}
