//! The connection task: the only code of the agent app that opens a socket. It logs in with
//! the agent's token, feeds frames to the [`Session`], sends what it returns, pings every
//! 15 seconds, treats a request unanswered for 15 seconds as a dead link, and reconnects
//! with the shared backoff; the browser's `online` event ends the wait at once.

use futures::channel::mpsc::{self, UnboundedReceiver};
use futures::{FutureExt, SinkExt, StreamExt};
use gloo_net::websocket::{futures::WebSocket, Message};
use gloo_timers::future::{IntervalStream, TimeoutFuture};
use leptos::prelude::*;
use protocol::{AgentResponse, Push, ServerFrame, Version};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;

use super::{Handle, Link};
use crate::session::{Intent, Session};

/// Protocol keep-alive interval.
const PING_MS: u32 = 15_000;
/// How often the request timeouts are checked.
const TICK_MS: u32 = 1_000;
/// The agent API version the app speaks: events carry `recipients`, as the desk reads them.
const VERSION: Version = Version::V3_2;

/// What the task is told besides the agent's intents.
enum Nudge {
    Online,
    Offline,
}

/// How one connection ended.
enum End {
    Lost,
    SignedOut(String),
}

/// Starts the connection task.
pub fn spawn(handle: Handle, intents: UnboundedReceiver<Intent>, token: String) {
    let (nudge, nudges) = mpsc::unbounded();
    if let Some(window) = web_sys::window() {
        for (event, online) in [("online", true), ("offline", false)] {
            let nudge = nudge.clone();
            let listener = Closure::<dyn FnMut()>::new(move || {
                let _ = nudge.unbounded_send(if online { Nudge::Online } else { Nudge::Offline });
            });
            let _ = window.add_event_listener_with_callback(event, listener.as_ref().unchecked_ref());
            // Listens for the page's whole life.
            listener.forget();
        }
    }
    leptos::task::spawn_local(run(handle, intents, nudges, token));
}

fn socket_url() -> Option<String> {
    let location = web_sys::window()?.location();
    let scheme = if location.protocol().ok()? == "https:" { "wss" } else { "ws" };
    Some(format!("{scheme}://{}/v{}/agent/rtm/ws", location.host().ok()?, VERSION.as_str()))
}

/// A random prefix for this page's `custom_id`s.
fn instance() -> String {
    format!("{:08x}", (js_sys::Math::random() * f64::from(u32::MAX)) as u32)
}

async fn run(handle: Handle, mut intents: UnboundedReceiver<Intent>, mut nudges: UnboundedReceiver<Nudge>, token: String) {
    let mut session = Session::new(&instance());
    let mut attempt: u32 = 0;
    loop {
        let end = connect_once(handle, &mut session, &mut intents, &mut nudges, &token, &mut attempt).await;
        handle.desk.update(|desk| session.end(desk));
        match end {
            End::SignedOut(why) => {
                handle.link.set(Link::SignedOut(why));
                return;
            }
            End::Lost => {}
        }
        attempt += 1;
        handle.link.set(Link::Reconnecting(attempt));
        let delay = chat_client::retry_delay(attempt, js_sys::Math::random());
        let mut sleep = TimeoutFuture::new(delay.as_millis() as u32).fuse();
        loop {
            futures::select! {
                () = sleep => break,
                nudge = nudges.next() => if matches!(nudge, Some(Nudge::Online)) { break },
                // Intents while offline: messages wait in the outbox; the rest is moot.
                intent = intents.next() => match intent {
                    Some(intent) => { handle.desk.try_update(|desk| session.intent(intent, desk)); }
                    None => return,
                },
            }
        }
    }
}

async fn connect_once(
    handle: Handle,
    session: &mut Session,
    intents: &mut UnboundedReceiver<Intent>,
    nudges: &mut UnboundedReceiver<Nudge>,
    token: &str,
    attempt: &mut u32,
) -> End {
    if *attempt == 0 {
        handle.link.set(Link::Connecting);
    }
    let Some(url) = socket_url() else { return End::Lost };
    let socket = match WebSocket::open(&url) {
        Ok(socket) => socket,
        Err(err) => {
            leptos::logging::warn!("console: cannot open the socket: {err}");
            return End::Lost;
        }
    };
    let (mut write, read) = socket.split();
    let mut read = read.fuse();
    let mut pings = IntervalStream::new(PING_MS).fuse();
    let mut ticks = IntervalStream::new(TICK_MS).fuse();
    session.begin();
    let login = session.login(token);
    if write.send(Message::Text(login.encode_for(VERSION))).await.is_err() {
        return End::Lost;
    }
    session.sent(js_sys::Date::now());
    loop {
        let outgoing = futures::select! {
            message = read.next() => match message {
                Some(Ok(Message::Text(text))) => {
                    let frame = match ServerFrame::<AgentResponse>::decode_agent(&text) {
                        Ok(frame) => frame,
                        Err(err) => {
                            leptos::logging::warn!("console: ignoring a frame: {err}");
                            continue;
                        }
                    };
                    if let ServerFrame::Push(push) = &frame
                        && let Push::AgentDisconnected(disconnected) = &push.push
                    {
                        return match chat_client::reaction(&disconnected.reason) {
                            chat_client::Reaction::Stop => End::SignedOut(format!("Signed out by the server ({}).", disconnected.reason.as_str())),
                            _ => End::Lost,
                        };
                    }
                    let was_logged_in = session.is_logged_in();
                    let outgoing = handle.desk.try_update(|desk| session.receive(frame, desk)).unwrap_or_default();
                    if let Some(error) = session.login_error.take() {
                        return match chat_client::refused(&error.kind) {
                            chat_client::Refused::Retry => End::Lost,
                            _ => End::SignedOut(format!("Sign-in refused: {}", error.message)),
                        };
                    }
                    if !was_logged_in && session.is_logged_in() {
                        *attempt = 0;
                        handle.link.set(Link::Online);
                        mark_ready();
                    }
                    outgoing
                }
                Some(Ok(Message::Bytes(_))) => continue,
                Some(Err(_)) | None => return End::Lost,
            },
            intent = intents.next() => match intent {
                Some(intent) => handle.desk.try_update(|desk| session.intent(intent, desk)).unwrap_or_default(),
                None => {
                    let _ = write.close().await;
                    return End::Lost;
                }
            },
            nudge = nudges.next() => match nudge {
                Some(Nudge::Offline) => return End::Lost,
                _ => continue,
            },
            _ = pings.next() => match session.ping() {
                Some(ping) => vec![ping],
                None => continue,
            },
            _ = ticks.next() => {
                if session.overdue(js_sys::Date::now()) {
                    leptos::logging::warn!("console: the server stopped answering; reconnecting");
                    return End::Lost;
                }
                continue;
            }
        };
        for request in outgoing {
            if write.send(Message::Text(request.encode_for(VERSION))).await.is_err() {
                return End::Lost;
            }
        }
        session.sent(js_sys::Date::now());
    }
}

/// Tells tests (and anyone watching) that the app is signed in and listening.
fn mark_ready() {
    if let Some(body) = web_sys::window().and_then(|window| window.document()).and_then(|document| document.body()) {
        let _ = body.set_attribute("data-ready", "1");
    }
}
