//! Small clocks the connection shell runs without IO: sneak-peek throttling and connection
//! stability.

/// Throttles sneak peeks: at most one per `interval_ms`, always ending with the latest text
/// (a trailing send), so the agent sees what the visitor typed last.
#[derive(Debug, Default)]
pub struct Throttle {
    last_sent: Option<f64>,
    waiting: Option<(String, String)>,
}

/// Shortest gap between two sneak peeks.
pub const SNEAK_PEEK_INTERVAL_MS: f64 = 1_000.0;

impl Throttle {
    /// Offers a `(chat_id, text)`; returns it when it may go now, else keeps it for later.
    pub fn offer(&mut self, now_ms: f64, chat_id: String, text: String) -> Option<(String, String)> {
        if self.last_sent.is_some_and(|last| now_ms - last < SNEAK_PEEK_INTERVAL_MS) {
            self.waiting = Some((chat_id, text));
            return None;
        }
        self.waiting = None;
        self.last_sent = Some(now_ms);
        Some((chat_id, text))
    }

    /// The kept text, once its turn has come.
    pub fn due(&mut self, now_ms: f64) -> Option<(String, String)> {
        if self.last_sent.is_some_and(|last| now_ms - last < SNEAK_PEEK_INTERVAL_MS) {
            return None;
        }
        let waiting = self.waiting.take()?;
        self.last_sent = Some(now_ms);
        Some(waiting)
    }
}

/// A drop not recovered within this long makes the connection "unstable".
pub const UNSTABLE_AFTER_MS: f64 = 3_000.0;

/// The SDK's `connection_unstable` / `connection_recovered`: a connection that was up
/// becomes unstable when it stays down for [`UNSTABLE_AFTER_MS`] or when pings go
/// unanswered, and recovers once logged in again with pings answered.
#[derive(Debug, Default)]
pub struct Stability {
    was_up: bool,
    down_since: Option<f64>,
    unstable: bool,
}

impl Stability {
    /// Feeds the current link state; returns the new `unstable` value when it changes.
    /// `up` = logged in; `ping_late` = a ping has waited for its answer for too long.
    pub fn update(&mut self, now_ms: f64, up: bool, ping_late: bool) -> Option<bool> {
        if up {
            self.was_up = true;
            self.down_since = None;
        } else if self.was_up {
            self.down_since.get_or_insert(now_ms);
        }
        let down_long = self.down_since.is_some_and(|since| now_ms - since >= UNSTABLE_AFTER_MS);
        let unstable = self.was_up && (down_long || (up && ping_late));
        (unstable != self.unstable).then(|| {
            self.unstable = unstable;
            unstable
        })
    }
}
