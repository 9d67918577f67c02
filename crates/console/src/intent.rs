//! What the agent asks for: the views' one way to act. The session turns each [`Intent`]
//! into requests (and the desk's own transitions).

use protocol::{ArchiveFilters, CreateApiToken, Event, GetReport, LicenseSettings, TransferTo};

/// What the agent asks for, from the views.
#[derive(Debug, Clone, PartialEq)]
pub enum Intent {
    /// Open a chat: on screen, its whole thread and its earlier threads fetched, read.
    Open(String),
    /// Open a chat on one of its threads (an archive result): the chat as `Open` does, and
    /// that thread among its earlier ones if it is not there yet.
    OpenThread {
        /// The chat.
        chat_id: String,
        /// The thread found.
        thread_id: String,
    },
    /// The next page of a chat's earlier threads.
    LoadEarlier(String),
    /// Send a message (`note`: to agents only).
    Send {
        /// The chat.
        chat_id: String,
        /// What to say.
        text: String,
        /// An internal note.
        note: bool,
    },
    /// Send a prepared event (a card: see [`crate::card`]).
    SendEvent {
        /// The chat.
        chat_id: String,
        /// The event; the session adds its `custom_id` and author.
        event: Event,
    },
    /// Invite the chat's visitor back with a greeting (an ended chat's visitor still on
    /// the site).
    Invite {
        /// The chat whose visitor to greet.
        chat_id: String,
        /// What the greeting says.
        text: String,
    },
    /// The agent started or stopped typing.
    Typing {
        /// The chat.
        chat_id: String,
        /// On or off.
        typing: bool,
    },
    /// Everything in the chat was seen.
    Seen(String),
    /// End the chat.
    End(String),
    /// Join a chat (another agent's, or a waiting one).
    Join(String),
    /// Leave a chat.
    Leave(String),
    /// Hand a chat to an agent or a group.
    Transfer {
        /// The chat.
        chat_id: String,
        /// Where to.
        to: TransferTo,
    },
    /// Tag (or untag) the chat's current thread.
    Tag {
        /// The chat.
        chat_id: String,
        /// The tag.
        tag: String,
        /// Add (true) or remove.
        add: bool,
    },
    /// Ban the chat's visitor.
    Ban(String),
    /// Take new chats or not.
    Accepting(bool),
    /// Search the archive (`filters` beyond the words, if any).
    Search {
        /// The words.
        query: String,
        /// Other filters.
        filters: ArchiveFilters,
    },
    /// The next page of the archive's results.
    SearchMore,
    /// Add a canned response.
    CreateCanned {
        /// Its text.
        text: String,
        /// Its shortcuts.
        tags: Vec<String>,
    },
    /// Change a canned response.
    UpdateCanned {
        /// Which.
        id: u64,
        /// The new text.
        text: Option<String>,
        /// The new shortcuts.
        tags: Option<Vec<String>>,
    },
    /// Remove a canned response.
    DeleteCanned(u64),
    /// List the license's API tokens (owners and administrators).
    ListApiTokens,
    /// Make an API token.
    CreateApiToken(CreateApiToken),
    /// Revoke an API token.
    RevokeApiToken(u64),
    /// Ask for a report.
    Report(GetReport),
    /// Read the license's settings.
    LoadSettings,
    /// Save the license's settings.
    SaveSettings(LicenseSettings),
}

