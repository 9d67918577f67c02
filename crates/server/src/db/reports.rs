//! What reports read, the [`ReportStore`] part of the store: one row of figures per thread
//! started in a range, and the stays in the routing queue that began in it.

use crate::db::DbResult;

/// Which threads a report covers.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ReportQuery {
    /// The license.
    pub license_id: u64,
    /// Threads started at or after (RFC 3339 as stored).
    pub from: String,
    /// And before.
    pub until: String,
    /// Only chats of this group.
    pub group_id: Option<u32>,
    /// Only threads this agent wrote in.
    pub agent_id: Option<String>,
}

/// One thread's figures, as stored.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ThreadFigures {
    /// The chat.
    pub chat_id: String,
    /// The thread.
    pub thread_id: String,
    /// When it started.
    pub started_at: String,
    /// Still open.
    pub active: bool,
    /// The visitor's first message.
    pub first_visitor_message: Option<String>,
    /// The first answer an agent wrote to the visitor (internal notes do not count).
    pub first_agent_message: Option<String>,
    /// The thread's last event (for an ended thread, its end).
    pub last_event: Option<String>,
    /// `rating.score` (1 good, 0 bad).
    pub rating: Option<i64>,
    /// `rating.comment`.
    pub comment: Option<String>,
}

/// A stay in the routing queue: when it began and ended, and whether an agent ever
/// answered the thread.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct QueueStay {
    /// Joined the queue.
    pub queued_at: String,
    /// Left it (an agent took the chat, or it ended).
    pub left_at: String,
    /// An agent answered the thread.
    pub answered: bool,
}

/// Storage reads for reports.
pub trait ReportStore {
    /// Figures of every thread the query covers, oldest first.
    fn report_threads(&self, query: &ReportQuery) -> DbResult<Vec<ThreadFigures>>;
    /// The queue stays that began in the query's range, of the threads it covers.
    fn report_queue_stays(&self, query: &ReportQuery) -> DbResult<Vec<QueueStay>>;
}
