//! `ChatHandle`: the only way views and the host bridge change anything.
//!
//! It is `Copy`, provided through context, and holds the store plus the sender of commands
//! to the connection task. Views read the store and call these methods; they never see the
//! socket. The Customer SDK's methods are methods of the handle too (`sdk`), and so is
//! `upload_file` (`upload`).

use futures::channel::mpsc::UnboundedSender;
use leptos::prelude::*;

use futures::channel::oneshot;

pub use crate::session::Command;
use crate::session::{RequestError, TrackReply};
use crate::store::{ChatState, Item};

mod sdk;
#[cfg(target_arch = "wasm32")]
mod upload;

pub use sdk::ChatHistory;
#[cfg(target_arch = "wasm32")]
pub use upload::Upload;

/// Largest message the protocol accepts, in bytes of UTF-8.
pub const MAX_MESSAGE_BYTES: usize = 16 * 1024;

/// Why a message could not be queued.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendError {
    /// Nothing but whitespace.
    Empty,
    /// Over the protocol's 16 KB limit.
    TooLong {
        /// Its size in bytes.
        bytes: usize,
    },
}

/// Everything a view may do to the chat. Cheap to copy; provided by the mount.
#[derive(Clone, Copy)]
pub struct ChatHandle {
    /// The chat state; views subscribe to what they render.
    pub state: RwSignal<ChatState>,
    commands: StoredValue<UnboundedSender<Command>>,
    /// Prefix of this page load's `custom_id`s; unique across loads and tabs.
    id_prefix: StoredValue<String>,
    next_id: StoredValue<u64>,
}

impl ChatHandle {
    /// A handle over `state` that sends commands to `commands`.
    pub fn new(state: RwSignal<ChatState>, commands: UnboundedSender<Command>, id_prefix: String) -> ChatHandle {
        ChatHandle {
            state,
            commands: StoredValue::new(commands),
            id_prefix: StoredValue::new(id_prefix),
            next_id: StoredValue::new(0),
        }
    }

    /// The handle provided by the mount.
    #[track_caller]
    pub fn expect() -> ChatHandle {
        expect_context()
    }

    /// A `custom_id` unique across page loads and tabs, so a retried event is stored once.
    pub(crate) fn new_custom_id(&self) -> String {
        let n = self.next_id.get_value() + 1;
        self.next_id.set_value(n);
        format!("{}-{n}", self.id_prefix.get_value())
    }

    /// Hands a command to the connection task; false when it has stopped for good.
    pub(crate) fn send_command(&self, command: Command) -> bool {
        self.commands.try_with_value(|commands| commands.unbounded_send(command).is_ok()).unwrap_or(false)
    }

    fn command(&self, command: Command) {
        // A closed channel means the widget is shutting down; the command is moot.
        self.send_command(command);
    }

    /// Queues a message typed by the visitor and asks for it to be sent. It shows at once
    /// (as "sending") and survives disconnects until the server confirms it.
    pub fn send_text(&self, text: &str) -> Result<(), SendError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(SendError::Empty);
        }
        if text.len() > MAX_MESSAGE_BYTES {
            return Err(SendError::TooLong { bytes: text.len() });
        }
        let custom_id = self.new_custom_id();
        self.state.update(|chat_state| chat_state.queue_message(custom_id, text.to_owned()));
        self.command(Command::Connect);
        self.command(Command::Flush);
        Ok(())
    }

    /// Queues `item` in the outbox and resolves once the server has it, or refused it for
    /// good. The item itself survives reconnects and reloads (it goes out when it can); the
    /// waiting does not survive a reload.
    pub async fn send_outgoing(&self, item: Item) -> Result<(), RequestError> {
        let custom_id = self.new_custom_id();
        let (reply, outcome) = oneshot::channel();
        self.state.update(|chat_state| chat_state.queue(custom_id.clone(), item));
        if !self.send_command(Command::Track { custom_id, reply: TrackReply(reply) }) {
            return Err(RequestError::Destroyed);
        }
        self.command(Command::Connect);
        self.command(Command::Flush);
        outcome.await.unwrap_or(Err(RequestError::Destroyed))
    }

    /// Sends a failed message again.
    pub fn retry(&self, custom_id: &str) {
        self.state.update(|chat_state| chat_state.retry_message(custom_id));
        self.command(Command::Flush);
    }

    /// Opens or minimises the chat window. Opening is intent: it connects if needed.
    pub fn set_open(&self, open: bool) {
        if self.state.with_untracked(|chat_state| chat_state.open) != open {
            self.state.update(|chat_state| chat_state.set_open(open));
        }
        if open {
            self.command(Command::Connect);
            // Messages now on screen may be due a read receipt.
            self.command(Command::Flush);
        }
    }

    /// Stops the connection (the widget is being removed).
    pub fn shutdown(&self) {
        self.command(Command::Shutdown);
    }
}
