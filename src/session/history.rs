//! Paging through a chat's older threads, newest first.

use protocol::{ListThreads, ListThreadsResponse, Thread};

/// Where `get_chat_history` is in a chat's threads: newest first, one page at a time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryCursor {
    chat_id: String,
    page_id: Option<String>,
    started: bool,
    done: bool,
}

/// Threads per history page.
pub const HISTORY_PAGE_THREADS: u32 = 3;

impl HistoryCursor {
    /// A cursor at the newest thread of `chat_id`.
    pub fn new(chat_id: impl Into<String>) -> HistoryCursor {
        HistoryCursor { chat_id: chat_id.into(), page_id: None, started: false, done: false }
    }

    /// The chat it pages through.
    pub fn chat_id(&self) -> &str {
        &self.chat_id
    }

    /// Whether every thread has been returned.
    pub fn is_done(&self) -> bool {
        self.done
    }

    /// The request for the next (older) page, or None when done.
    pub fn request(&self) -> Option<ListThreads> {
        (!self.done).then(|| ListThreads {
            chat_id: self.chat_id.clone(),
            sort_order: Some("desc".to_owned()),
            limit: Some(HISTORY_PAGE_THREADS),
            page_id: self.page_id.clone(),
            min_events_count: None,
        })
    }

    /// Moves past a page; returns its threads oldest first, as they are shown.
    pub fn advance(&mut self, page: ListThreadsResponse) -> Vec<Thread> {
        self.started = true;
        self.page_id = page.next_page_id;
        self.done = self.page_id.is_none() || page.threads.is_empty();
        let mut threads = page.threads;
        threads.sort_by(|a, b| a.created_at.cmp(&b.created_at));
        threads
    }
}
