//! Reports (an extension of the agent API, for owners and administrators): how the chat
//! did over a range of days, per group or agent. The server computes every figure from the
//! stored chats; the agent app draws them and exports them as CSV.

use serde::{Deserialize, Serialize};

/// `get_report`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct GetReport {
    /// First day, `YYYY-MM-DD`, in the asker's time zone.
    pub from: String,
    /// Last day, included.
    pub to: String,
    /// Only chats of this group.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_id: Option<u32>,
    /// Only chats this agent wrote in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_id: Option<String>,
    /// The asker's offset from UTC in minutes (`+60` for UTC+1), so days and hours are theirs.
    #[serde(default)]
    pub utc_offset_minutes: i32,
}

/// A spread of durations, in seconds (nearest-rank percentiles).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Spread {
    /// How many were measured.
    pub count: u64,
    /// The median.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub median_seconds: Option<f64>,
    /// The 90th percentile.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub p90_seconds: Option<f64>,
}

/// One day of the range.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportDay {
    /// `YYYY-MM-DD`.
    pub day: String,
    /// Chats started.
    pub chats: u64,
    /// Of those, missed.
    pub missed: u64,
}

/// A rating with a comment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RatingComment {
    /// The chat.
    pub chat_id: String,
    /// The thread rated.
    pub thread_id: String,
    /// 1 good, 0 bad.
    pub score: u8,
    /// What the visitor wrote.
    pub comment: String,
    /// When the thread started (RFC 3339).
    pub started_at: String,
}

/// Answer to `get_report`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Report {
    /// The range as asked.
    pub from: String,
    /// Its last day.
    pub to: String,
    /// Chats started (threads: a chat resumed later counts again).
    pub chats: u64,
    /// Chats an agent answered.
    pub answered: u64,
    /// Ended chats nobody answered.
    pub missed: u64,
    /// From the visitor's first message to the first agent's answer.
    pub first_response: Spread,
    /// From start to end, of ended chats.
    pub duration: Spread,
    /// Times in the queue, of chats that waited for a free agent.
    pub queue_wait: Spread,
    /// Chats that left the queue without an agent's answer.
    pub queue_abandoned: u64,
    /// Ratings: good.
    pub rated_good: u64,
    /// Ratings: bad.
    pub rated_bad: u64,
    /// Ratings that came with a comment, newest first (at most 100).
    pub comments: Vec<RatingComment>,
    /// Chats per day of the range.
    pub per_day: Vec<ReportDay>,
    /// Chats started in each hour of the day (24 numbers, from midnight).
    pub per_hour: Vec<u64>,
}
