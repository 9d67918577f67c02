//! Requests waiting for their answer: each has an id of this connection's own, what it was
//! for, and when it went out.

use std::collections::HashMap;

/// Requests a connection may have unanswered at once (the protocol's limit).
pub const MAX_IN_FLIGHT: usize = 10;
/// How long a request may go unanswered before the connection counts as broken.
pub const REQUEST_TIMEOUT_MS: f64 = 15_000.0;

/// A request in flight: what it was for, and when it was sent (milliseconds), once it was.
#[derive(Debug)]
struct Entry<P> {
    purpose: P,
    sent_at: Option<f64>,
}

/// The requests a client has sent (or is about to send) and not had answered, by request
/// id. `P` says what each was for, so its answer finds its way.
#[derive(Debug)]
pub struct InFlight<P> {
    prefix: &'static str,
    next: u64,
    entries: HashMap<String, Entry<P>>,
}

impl<P> InFlight<P> {
    /// No request yet; ids will be `prefix` and a number.
    pub fn new(prefix: &'static str) -> InFlight<P> {
        InFlight { prefix, next: 0, entries: HashMap::new() }
    }

    /// Registers a request made for `purpose`; returns its new id.
    pub fn open(&mut self, purpose: P) -> String {
        self.next += 1;
        let request_id = format!("{}{}", self.prefix, self.next);
        self.entries.insert(request_id.clone(), Entry { purpose, sent_at: None });
        request_id
    }

    /// The answer to `request_id` came: what the request was for, if it was ours.
    pub fn answer(&mut self, request_id: &str) -> Option<P> {
        self.entries.remove(request_id).map(|entry| entry.purpose)
    }

    /// Everything opened so far went out at `now_ms` (those sent earlier keep their time).
    pub fn sent(&mut self, now_ms: f64) {
        for entry in self.entries.values_mut() {
            entry.sent_at.get_or_insert(now_ms);
        }
    }

    /// How many requests wait for an answer.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether none does.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Whether the protocol's limit of requests in flight is reached.
    pub fn is_full(&self) -> bool {
        self.entries.len() >= MAX_IN_FLIGHT
    }

    /// Free slots, keeping `reserve` of them for the client's own requests.
    pub fn free(&self, reserve: usize) -> usize {
        MAX_IN_FLIGHT.saturating_sub(reserve).saturating_sub(self.entries.len())
    }

    /// Whether a request has waited longer than the protocol's 15 seconds: the connection
    /// is then treated as lost.
    pub fn overdue(&self, now_ms: f64) -> bool {
        self.entries.values().any(|entry| entry.sent_at.is_some_and(|sent_at| now_ms - sent_at > REQUEST_TIMEOUT_MS))
    }

    /// Whether a request that `matches` has waited longer than `limit_ms`.
    pub fn late(&self, now_ms: f64, limit_ms: f64, matches: impl Fn(&P) -> bool) -> bool {
        self.entries.values().any(|entry| matches(&entry.purpose) && entry.sent_at.is_some_and(|sent_at| now_ms - sent_at > limit_ms))
    }

    /// Takes out the requests that `matches` and waited longer than 15 seconds.
    pub fn expire(&mut self, now_ms: f64, matches: impl Fn(&P) -> bool) -> Vec<P> {
        let expired: Vec<String> = self
            .entries
            .iter()
            .filter(|(_, entry)| matches(&entry.purpose) && entry.sent_at.is_some_and(|sent_at| now_ms - sent_at > REQUEST_TIMEOUT_MS))
            .map(|(request_id, _)| request_id.clone())
            .collect();
        expired.into_iter().filter_map(|request_id| self.answer(&request_id)).collect()
    }

    /// Takes out every request (the connection is gone): what each was for.
    pub fn drain(&mut self) -> Vec<P> {
        self.entries.drain().map(|(_, entry)| entry.purpose).collect()
    }
}

impl<P> Default for InFlight<P> {
    fn default() -> InFlight<P> {
        InFlight::new("r")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_find_what_their_request_was_for_once() {
        let mut requests = InFlight::new("w");
        let login = requests.open("login");
        let ping = requests.open("ping");
        assert_eq!((login.as_str(), ping.as_str()), ("w1", "w2"));
        assert_eq!(requests.answer(&ping), Some("ping"));
        assert_eq!(requests.answer(&ping), None, "an answer counts once");
        assert_eq!(requests.answer("someone-elses"), None);
        assert_eq!(requests.len(), 1);
    }

    #[test]
    fn requests_time_out_from_when_they_went_out() {
        let mut requests = InFlight::new("a");
        let slow = requests.open("api");
        assert!(!requests.overdue(1e9), "not sent yet, so not late");
        requests.sent(1_000.0);
        let quick = requests.open("ping");
        requests.sent(10_000.0);
        assert!(!requests.overdue(16_000.0));
        assert!(requests.overdue(16_001.0));
        assert!(requests.late(16_001.0, 5_000.0, |purpose| *purpose == "ping"));
        assert!(!requests.late(14_000.0, 5_000.0, |purpose| *purpose == "ping"));
        assert_eq!(requests.expire(16_001.0, |purpose| *purpose == "api"), ["api"]);
        assert_eq!(requests.answer(&slow), None);
        assert_eq!(requests.drain(), ["ping"]);
        assert_eq!(requests.answer(&quick), None);
    }

    #[test]
    fn ten_requests_fill_the_connection() {
        let mut requests = InFlight::new("a");
        for _ in 0..9 {
            requests.open(());
        }
        assert!(!requests.is_full());
        assert_eq!(requests.free(1), 0, "one slot kept back");
        assert_eq!(requests.free(0), 1);
        requests.open(());
        assert!(requests.is_full());
    }
}
