//! What operators watch, in the Prometheus text format at `/metrics`: connections by API,
//! requests by API, action and outcome, how long a push takes to reach its sockets, the
//! routing queue's length per license, and how long storage calls take.
//!
//! Counters and histograms are kept as things happen; the gauges (connections, queue
//! lengths) are read when the metrics are asked for. `/metrics` answers loopback clients
//! and the networks `metrics_from` lists, no one else.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;

/// `api`, `action` (one the API has, else `other`), `outcome` (`ok` or the error's type).
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RequestLabels {
    /// `customer` or `agent`.
    pub api: String,
    /// The action.
    pub action: String,
    /// `ok`, or the error type.
    pub outcome: String,
}

/// A storage call's kind (`read`, `write`).
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct KindLabel {
    /// The kind.
    pub kind: String,
}

/// An API (`customer`, `agent`).
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ApiLabel {
    /// The API.
    pub api: String,
}

/// A license's label.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct LicenseLabel {
    /// The license id.
    pub license: String,
}

/// Storage call durations by kind (`read`, `write`).
pub type StorageTimes = Family<KindLabel, Histogram, fn() -> Histogram>;

fn latency() -> Histogram {
    // 50 µs to about 1.6 s.
    Histogram::new(exponential_buckets(0.000_05, 2.0, 16))
}

/// The server's metrics.
pub struct Metrics {
    registry: Registry,
    /// Requests answered.
    pub requests: Family<RequestLabels, Counter>,
    /// Seconds from a push's encoding to its last socket's queue.
    pub fanout: Histogram,
    /// Storage call durations.
    pub storage: StorageTimes,
    connections: Family<ApiLabel, Gauge>,
    queue: Family<LicenseLabel, Gauge>,
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("chat");
        let requests = Family::<RequestLabels, Counter>::default();
        registry.register("requests", "Requests answered, by API, action and outcome", requests.clone());
        let fanout = latency();
        registry.register("push_fanout_seconds", "Time to queue a push for every socket it goes to", fanout.clone());
        let storage: StorageTimes = Family::new_with_constructor(latency);
        registry.register("storage_seconds", "Time a storage call takes, waiting for its connection included", storage.clone());
        let connections = Family::<ApiLabel, Gauge>::default();
        registry.register("connections", "Logged-in sockets, by API", connections.clone());
        let queue = Family::<LicenseLabel, Gauge>::default();
        registry.register("queue_length", "Chats waiting for an agent, by license", queue.clone());
        Metrics { registry, requests, fanout, storage, connections, queue }
    }
}

impl Metrics {
    /// The metrics as text, with the gauges set to `connections` (api, count) and `queues`
    /// (license, length) first.
    pub fn render(&self, connections: &[(&str, usize)], queues: &[(u64, usize)]) -> String {
        for (api, count) in connections {
            self.connections.get_or_create(&ApiLabel { api: (*api).to_owned() }).set(*count as i64);
        }
        for (license, length) in queues {
            self.queue.get_or_create(&LicenseLabel { license: license.to_string() }).set(*length as i64);
        }
        let mut text = String::new();
        // Writing to a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut text, &self.registry);
        text
    }
}
