//! The connection task: the only code that opens a socket.
//!
//! It fetches a customer token (keeping the identity secret in the iframe's storage),
//! opens the websocket, feeds frames to the sans-IO [`Session`](crate::session::Session),
//! sends what it returns, pings every 15 seconds, and reconnects with exponential backoff
//! and jitter, following each disconnection reason's documented reaction.
//!
//! Only [`retry_delay`] is platform-independent; the rest runs in the browser.

use std::time::Duration;

/// First retry delay.
const BASE_DELAY: Duration = Duration::from_millis(300);
/// Longest retry delay.
const MAX_DELAY: Duration = Duration::from_secs(30);

/// How long to wait before reconnect attempt `attempt` (1-based). `jitter` is a uniform
/// random number in [0, 1); it spreads the delay by ±30% so that many widgets dropped by
/// one server restart do not come back all at once.
pub fn retry_delay(attempt: u32, jitter: f64) -> Duration {
    let exponent = attempt.saturating_sub(1).min(16);
    let delay = BASE_DELAY.saturating_mul(1 << exponent).min(MAX_DELAY);
    delay.mul_f64(0.7 + 0.6 * jitter.clamp(0.0, 1.0))
}

#[cfg(target_arch = "wasm32")]
pub use browser::spawn;

#[cfg(target_arch = "wasm32")]
mod browser {
    use futures::channel::mpsc::UnboundedReceiver;
    use futures::{FutureExt, SinkExt, StreamExt};
    use gloo_net::websocket::{futures::WebSocket, Message};
    use gloo_timers::future::{IntervalStream, TimeoutFuture};
    use leptos::prelude::*;
    use protocol::{DisconnectReason, Push, ReconnectPolicy, RequestFrame, ServerFrame};
    use serde::Deserialize;

    use super::retry_delay;
    use crate::chat::Command;
    use crate::config::WidgetConfig;
    use crate::session::Session;
    use crate::store::{ChatState, ConnectionStatus};

    /// Protocol keep-alive interval.
    const PING_MS: u32 = 15_000;

    /// How one connection ended.
    enum End {
        /// The widget is being removed.
        Shutdown,
        /// Network or server trouble; retry.
        Lost,
        /// The token was refused; get a new one and retry.
        TokenRefused,
        /// The server said why it closed.
        Disconnected(DisconnectReason),
    }

    #[derive(Deserialize)]
    struct TokenResponse {
        access_token: String,
        identity: String,
    }

    /// Starts the connection task. It connects at once when `config.connect_now`, otherwise
    /// when the visitor first shows intent (`Command::Connect`).
    pub fn spawn(state: RwSignal<ChatState>, commands: UnboundedReceiver<Command>, config: WidgetConfig) {
        leptos::task::spawn_local(run(state, commands, config));
    }

    async fn run(state: RwSignal<ChatState>, mut commands: UnboundedReceiver<Command>, config: WidgetConfig) {
        if !config.connect_now && !wait_for_intent(&mut commands).await {
            return;
        }
        let mut attempt: u32 = 0;
        let mut token: Option<String> = None;
        loop {
            state.update(|chat_state| {
                chat_state.set_connection(if attempt == 0 {
                    ConnectionStatus::Connecting
                } else {
                    ConnectionStatus::Reconnecting { attempt }
                })
            });
            let end = connect_once(state, &mut commands, &config, &mut token, &mut attempt).await;
            match end {
                End::Shutdown => return,
                End::Lost => {}
                End::TokenRefused => token = None,
                End::Disconnected(reason) => match reason.policy() {
                    ReconnectPolicy::Reconnect => {
                        if reason == DisconnectReason::AccessTokenExpired {
                            token = None;
                        }
                    }
                    ReconnectPolicy::WaitForUser => {
                        state.update(|chat_state| {
                            chat_state.set_connection(ConnectionStatus::Paused { reason: reason.to_string() })
                        });
                        if !wait_for_intent(&mut commands).await {
                            return;
                        }
                        attempt = 0;
                        continue;
                    }
                    ReconnectPolicy::Destroy => {
                        state.update(|chat_state| {
                            chat_state.set_connection(ConnectionStatus::Stopped { reason: reason.to_string() })
                        });
                        return;
                    }
                },
            }
            attempt += 1;
            state.update(|chat_state| chat_state.set_connection(ConnectionStatus::Reconnecting { attempt }));
            let delay = retry_delay(attempt, js_sys::Math::random());
            let mut sleep = TimeoutFuture::new(delay.as_millis() as u32).fuse();
            loop {
                futures::select! {
                    () = sleep => break,
                    command = commands.next() => match command {
                        Some(Command::Shutdown) | None => return,
                        // The outbox is in the state; it is sent after reconnecting.
                        Some(_) => {}
                    },
                }
            }
        }
    }

    /// Waits for a command that means "connect"; false when told to shut down instead.
    async fn wait_for_intent(commands: &mut UnboundedReceiver<Command>) -> bool {
        loop {
            match commands.next().await {
                Some(Command::Connect | Command::Flush) => return true,
                Some(Command::Shutdown) | None => return false,
            }
        }
    }

    async fn connect_once(
        state: RwSignal<ChatState>,
        commands: &mut UnboundedReceiver<Command>,
        config: &WidgetConfig,
        token: &mut Option<String>,
        attempt: &mut u32,
    ) -> End {
        let access_token = match token.clone() {
            Some(access_token) => access_token,
            None => match fetch_token(config).await {
                Ok(access_token) => {
                    *token = Some(access_token.clone());
                    access_token
                }
                Err(err) => {
                    leptos::logging::warn!("chat: cannot get a token: {err}");
                    return End::Lost;
                }
            },
        };
        let socket = match WebSocket::open(&config.socket_url()) {
            Ok(socket) => socket,
            Err(err) => {
                leptos::logging::warn!("chat: cannot open the socket: {err}");
                return End::Lost;
            }
        };
        let (mut write, read) = socket.split();
        let mut read = read.fuse();
        let mut pings = IntervalStream::new(PING_MS).fuse();
        let mut watchdog = IntervalStream::new(1_000).fuse();
        let mut session = Session::new();
        let login = session.login(&access_token, config.page.clone());
        if write.send(Message::Text(login.encode())).await.is_err() {
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
                                return End::Disconnected(disconnected.reason.clone());
                            }
                        }
                        let was_logged_in = session.is_logged_in();
                        let outgoing = state.try_update(|chat_state| session.on_frame(&frame, chat_state)).unwrap_or_default();
                        if session.login_error.take().is_some() {
                            return End::TokenRefused;
                        }
                        if !was_logged_in && session.is_logged_in() {
                            *attempt = 0;
                            state.update(|chat_state| chat_state.set_connection(ConnectionStatus::Online));
                        }
                        outgoing
                    }
                    Some(Ok(Message::Bytes(_))) => continue,
                    Some(Err(_)) | None => return End::Lost,
                },
                command = commands.next() => match command {
                    Some(Command::Flush) => state.with_untracked(|chat_state| session.flush(chat_state)),
                    Some(Command::Connect) => continue,
                    Some(Command::Shutdown) | None => {
                        let _ = write.close().await;
                        return End::Shutdown;
                    }
                },
                _ = pings.next() => {
                    if !session.is_logged_in() {
                        continue;
                    }
                    vec![session.ping()]
                }
                _ = watchdog.next() => {
                    // A request (a ping at the latest) unanswered for 15 s: the link is dead
                    // even if the socket has not noticed yet.
                    if session.overdue(js_sys::Date::now()) {
                        leptos::logging::warn!("chat: the server stopped answering; reconnecting");
                        return End::Lost;
                    }
                    continue;
                }
            };
            for request in outgoing {
                if write.send(Message::Text(request.encode())).await.is_err() {
                    return End::Lost;
                }
            }
            session.sent(js_sys::Date::now());
        }
    }

    /// A fresh access token; the identity secret is kept so the visitor stays the same
    /// customer on their next visit.
    async fn fetch_token(config: &WidgetConfig) -> Result<String, String> {
        let storage_key = config.identity_key();
        let storage = web_sys::window().and_then(|window| window.local_storage().ok().flatten());
        let identity = storage.as_ref().and_then(|storage| storage.get_item(&storage_key).ok().flatten());
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
        let token: TokenResponse = response.json().await.map_err(|err| err.to_string())?;
        if let Some(storage) = storage {
            // Storage may be full or blocked; the visitor then stays anonymous per page load.
            let _ = storage.set_item(&storage_key, &token.identity);
        }
        Ok(token.access_token)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_from_300_ms_to_a_30_s_ceiling_with_30_percent_jitter() {
        let middle: Vec<u128> = (1..=9).map(|attempt| retry_delay(attempt, 0.5).as_millis()).collect();
        assert_eq!(middle, [300, 600, 1200, 2400, 4800, 9600, 19200, 30000, 30000]);
        assert_eq!(retry_delay(1, 0.0).as_millis(), 210);
        assert_eq!(retry_delay(1, 1.0).as_millis(), 390);
        assert_eq!(retry_delay(u32::MAX, 0.99).as_millis(), 38_820);
        assert_eq!(retry_delay(0, 0.5).as_millis(), 300, "attempt 0 is treated as the first");
    }
}
