//! A connection's outbound side: a byte-budgeted queue and the task that writes it.
//!
//! Everything a connection is sent (answers, pushes from other connections' requests,
//! pings, the closing frame) goes through its [`Outbox`], and one writer task per socket
//! drains it. Putting a frame in never waits, so neither the hub nor a request handler is
//! ever held up by a client that reads slowly or not at all. Instead:
//!
//! - the queue holds at most `limit` bytes of text. A frame that does not fit is dropped and
//!   the connection is closed with code 1013 and reason `outbound_queue_full`: the client
//!   reconnects and loads the chat again rather than silently missing a frame. A frame
//!   bigger than the limit still goes when the queue is empty, so one large answer never
//!   closes a connection by itself;
//! - every write has a deadline; a peer that takes longer than that to accept one frame is
//!   dropped (there is no point in a closing frame it would not read either).

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::extract::ws::{CloseFrame, Message, WebSocket};
use futures_util::stream::SplitSink;
use futures_util::SinkExt;
use tokio::sync::{mpsc, Notify};
use tokio::time::{interval_at, timeout, Instant, MissedTickBehavior};

/// The close code and reason for a client that does not read its frames fast enough
/// (1013, "try again later").
pub const QUEUE_FULL: (u16, &str) = (1013, "outbound_queue_full");

/// Something for a connection's writer to do.
#[derive(Debug)]
enum Outbound {
    Text(String),
    Close(u16, String),
}

struct Shared {
    /// Bytes of text queued and not written yet.
    queued: AtomicUsize,
    limit: usize,
    /// Set once a frame was dropped; the writer then closes the connection.
    overflowed: AtomicBool,
    overflow: Notify,
    /// Woken when the queue drops to half its limit or below.
    drained: Notify,
}

/// The sending end of a connection's outbound queue; cheap to clone.
#[derive(Clone)]
pub struct Outbox {
    shared: Arc<Shared>,
    sender: mpsc::UnboundedSender<Outbound>,
}

/// The receiving end, owned by the writer task.
pub struct Queue {
    shared: Arc<Shared>,
    receiver: mpsc::UnboundedReceiver<Outbound>,
}

/// What the writer should do next.
enum Next {
    Text(String),
    Close(u16, String),
    Overflow,
}

/// A new queue holding at most `limit` bytes of text.
pub fn outbox(limit: usize) -> (Outbox, Queue) {
    let shared =
        Arc::new(Shared {
            queued: AtomicUsize::new(0),
            limit,
            overflowed: AtomicBool::new(false),
            overflow: Notify::new(),
            drained: Notify::new(),
        });
    let (sender, receiver) = mpsc::unbounded_channel();
    (Outbox { shared: shared.clone(), sender }, Queue { shared, receiver })
}

impl Outbox {
    /// Queues a text frame. When the queue is full the frame is dropped and the writer
    /// closes the connection; the caller never waits.
    pub fn text(&self, text: String) {
        let shared = &self.shared;
        if shared.overflowed.load(Ordering::Relaxed) {
            return;
        }
        let bytes = text.len();
        let before = shared.queued.fetch_add(bytes, Ordering::AcqRel);
        if before > 0 && before + bytes > shared.limit {
            shared.queued.fetch_sub(bytes, Ordering::AcqRel);
            if !shared.overflowed.swap(true, Ordering::AcqRel) {
                shared.overflow.notify_one();
            }
            return;
        }
        if self.sender.send(Outbound::Text(text)).is_err() {
            shared.queued.fetch_sub(bytes, Ordering::AcqRel);
        }
    }

    /// Queues a closing frame; the writer sends it after what is queued before it, then
    /// stops.
    pub fn close(&self, code: u16, reason: impl Into<String>) {
        let _ = self.sender.send(Outbound::Close(code, reason.into()));
    }

    /// Whether a frame was dropped because the queue was full (the connection is closing).
    pub fn overflowed(&self) -> bool {
        self.shared.overflowed.load(Ordering::Acquire)
    }

    /// Resolves once the writer is gone (the connection ended).
    pub async fn closed(&self) {
        self.sender.closed().await;
    }

    /// Bytes queued and not written yet.
    #[cfg(test)]
    fn queued(&self) -> usize {
        self.shared.queued.load(Ordering::Acquire)
    }

    /// Whether more than half the limit is queued: the client is behind on reading.
    pub fn backlogged(&self) -> bool {
        self.shared.queued.load(Ordering::Acquire) > self.shared.limit / 2
    }

    /// Resolves once no more than half the limit is queued.
    pub async fn caught_up(&self) {
        let notified = self.shared.drained.notified();
        let mut notified = std::pin::pin!(notified);
        notified.as_mut().enable();
        if !self.backlogged() {
            return;
        }
        notified.await;
    }
}

impl Queue {
    /// The next text queued, if any (for tests that read what a socket would be sent).
    #[cfg(test)]
    pub(crate) fn try_text(&mut self) -> Option<String> {
        match self.receiver.try_recv().ok()? {
            Outbound::Text(text) => Some(text),
            Outbound::Close(..) => None,
        }
    }

    async fn next(&mut self) -> Option<Next> {
        let shared = self.shared.clone();
        if shared.overflowed.load(Ordering::Acquire) {
            return Some(Next::Overflow);
        }
        tokio::select! {
            biased;
            () = shared.overflow.notified() => Some(Next::Overflow),
            next = self.receiver.recv() => next.map(|out| match out {
                Outbound::Text(text) => Next::Text(text),
                Outbound::Close(code, reason) => Next::Close(code, reason),
            }),
        }
    }

    fn written(&self, bytes: usize) {
        let shared = &self.shared;
        let before = shared.queued.fetch_sub(bytes, Ordering::AcqRel);
        let half = shared.limit / 2;
        if before > half && before - bytes <= half {
            shared.drained.notify_waiters();
        }
    }
}

/// How the writer stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ended {
    /// It sent a closing frame: the reader should wait briefly for the peer's.
    Closed,
    /// A write failed or missed its deadline, or every sender is gone.
    Gone,
}

/// Writes the queue to the socket until a close, a failed or late write, or the end of
/// the queue; sends a websocket ping every `ping_every`.
pub async fn write(mut sink: SplitSink<WebSocket, Message>, mut queue: Queue, ping_every: Duration, deadline: Duration) -> Ended {
    let mut pings = interval_at(Instant::now() + ping_every, ping_every);
    pings.set_missed_tick_behavior(MissedTickBehavior::Delay);
    loop {
        let (message, then_stop) = tokio::select! {
            next = queue.next() => match next {
                None => return Ended::Gone,
                Some(Next::Text(text)) => {
                    let bytes = text.len();
                    let sent = timeout(deadline, sink.send(Message::Text(text.into()))).await;
                    queue.written(bytes);
                    if !matches!(sent, Ok(Ok(()))) {
                        return Ended::Gone;
                    }
                    continue;
                }
                Some(Next::Close(code, reason)) => (close_frame(code, reason), true),
                Some(Next::Overflow) => {
                    tracing::info!("closing a connection that does not read its frames");
                    (close_frame(QUEUE_FULL.0, QUEUE_FULL.1.to_owned()), true)
                }
            },
            _ = pings.tick() => (Message::Ping(Default::default()), false),
        };
        match timeout(deadline, sink.send(message)).await {
            Ok(Ok(())) if then_stop => return Ended::Closed,
            Ok(Ok(())) => {}
            _ => return Ended::Gone,
        }
    }
}

fn close_frame(code: u16, reason: String) -> Message {
    Message::Close(Some(CloseFrame { code, reason: reason.into() }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_full_queue_drops_the_frame_and_asks_for_a_close() {
        let (outbox, mut queue) = outbox(10);
        outbox.text("12345678".to_owned());
        outbox.text("123".to_owned());
        assert_eq!(outbox.queued(), 8);
        assert!(matches!(queue.next().await, Some(Next::Overflow)));
        // Later frames are dropped too.
        outbox.text("1".to_owned());
        assert_eq!(outbox.queued(), 8);
    }

    #[tokio::test]
    async fn a_large_frame_goes_when_the_queue_is_empty() {
        let (outbox, mut queue) = outbox(10);
        outbox.text("x".repeat(100));
        let Some(Next::Text(text)) = queue.next().await else { panic!("expected the frame") };
        queue.written(text.len());
        assert_eq!(outbox.queued(), 0);
        outbox.close(1000, "bye");
        assert!(matches!(queue.next().await, Some(Next::Close(1000, _))));
    }
}
