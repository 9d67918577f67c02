//! Rate limits and admission counts keyed by client address or customer.
//!
//! [`Bucket`] is a token bucket; [`Limiter`] keeps one per key (a client address, a
//! customer) for the HTTP entries; [`Admission`] counts a key's open, not yet logged-in
//! sockets. IPv6 clients are keyed by their /64, the block one subscriber usually gets, so
//! stepping through addresses of one's own network gains nothing.

use std::collections::HashMap;
use std::hash::Hash;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::time::Instant;

/// A client address as limits see it: IPv4 addresses whole, IPv6 addresses by /64 (an
/// IPv4-mapped IPv6 address counts as its IPv4 address).
pub fn address_key(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V4(_) => address,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let mut segments = v6.segments();
                segments[4..].fill(0);
                IpAddr::V6(segments.into())
            }
        },
    }
}

/// A token bucket: `capacity` at once, refilled at `per_second`.
#[derive(Debug, Clone)]
pub struct Bucket {
    tokens: f64,
    capacity: f64,
    per_second: f64,
    updated: Instant,
}

impl Bucket {
    /// A full bucket for `per_minute` events, with bursts of a quarter of that (at least 10).
    pub fn per_minute(per_minute: usize) -> Bucket {
        let capacity = (per_minute as f64 / 4.0).max(10.0);
        Bucket { tokens: capacity, capacity, per_second: per_minute as f64 / 60.0, updated: Instant::now() }
    }

    /// A full bucket of `capacity`, refilled at `per_second`.
    pub fn new(capacity: f64, per_second: f64) -> Bucket {
        Bucket { tokens: capacity, capacity, per_second, updated: Instant::now() }
    }

    /// Takes `amount` even when the bucket holds less (it goes below zero); says how long
    /// until it is back at zero, if it is below.
    pub fn spend(&mut self, amount: f64, now: Instant) -> Option<Duration> {
        self.refill(now);
        self.tokens -= amount;
        (self.tokens < 0.0).then(|| Duration::from_secs_f64(-self.tokens / self.per_second.max(f64::MIN_POSITIVE)))
    }

    fn refill(&mut self, now: Instant) {
        let elapsed = now.saturating_duration_since(self.updated).as_secs_f64();
        self.tokens = (self.tokens + elapsed * self.per_second).min(self.capacity);
        self.updated = now;
    }

    /// Takes one token, or says how long until one is there.
    pub fn take(&mut self, now: Instant) -> Result<(), Duration> {
        self.refill(now);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            return Ok(());
        }
        Err(Duration::from_secs_f64((1.0 - self.tokens) / self.per_second.max(f64::MIN_POSITIVE)))
    }

    /// How long until the bucket holds one token (`None`: it does now).
    pub fn wait_for_one(&mut self, now: Instant) -> Option<Duration> {
        self.refill(now);
        (self.tokens < 1.0).then(|| Duration::from_secs_f64((1.0 - self.tokens) / self.per_second.max(f64::MIN_POSITIVE)))
    }

    /// Whether at least half the bucket has refilled.
    pub fn half_full(&mut self, now: Instant) -> bool {
        self.refill(now);
        self.tokens * 2.0 >= self.capacity
    }

    fn is_full(&mut self, now: Instant) -> bool {
        self.refill(now);
        self.tokens >= self.capacity
    }
}

/// Past this many keys, a limiter forgets the ones whose bucket has filled up again.
const PRUNE_AT: usize = 10_000;

/// One token bucket per key.
pub struct Limiter<K> {
    per_minute: usize,
    buckets: Mutex<HashMap<K, Bucket>>,
}

impl<K: Eq + Hash + Clone> Limiter<K> {
    /// `per_minute` events per key, in bursts of a quarter of that.
    pub fn new(per_minute: usize) -> Self {
        Limiter { per_minute, buckets: Mutex::new(HashMap::new()) }
    }

    /// Takes one event for `key`, or says how long to wait.
    pub fn check(&self, key: &K) -> Result<(), Duration> {
        self.check_at(key, Instant::now())
    }

    fn check_at(&self, key: &K, now: Instant) -> Result<(), Duration> {
        let mut buckets = self.buckets.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if buckets.len() >= PRUNE_AT && !buckets.contains_key(key) {
            buckets.retain(|_, bucket| !bucket.is_full(now));
        }
        buckets.entry(key.clone()).or_insert_with(|| Bucket::per_minute(self.per_minute)).take(now)
    }
}

/// Open sockets per key that have not logged in yet.
#[derive(Default)]
pub struct Admission {
    counts: Arc<Mutex<HashMap<IpAddr, usize>>>,
}

/// One admitted socket; dropping it (at login or when the socket ends) frees its place.
pub struct Admitted {
    counts: Arc<Mutex<HashMap<IpAddr, usize>>>,
    key: IpAddr,
}

impl Admission {
    /// A place for one more socket from `address`, if it has fewer than `max` waiting.
    pub fn admit(&self, address: IpAddr, max: usize) -> Option<Admitted> {
        let key = address_key(address);
        let mut counts = self.counts.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let count = counts.entry(key).or_default();
        if *count >= max {
            return None;
        }
        *count += 1;
        Some(Admitted { counts: self.counts.clone(), key })
    }
}

impl Drop for Admitted {
    fn drop(&mut self) {
        let mut counts = self.counts.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(count) = counts.get_mut(&self.key) {
            *count -= 1;
            if *count == 0 {
                counts.remove(&self.key);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv6_clients_count_by_their_64_and_mapped_ones_as_ipv4() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:bbbb::9".parse().unwrap();
        assert_eq!(address_key(a), address_key(b));
        assert_ne!(address_key(a), address_key("2001:db8:1:3::1".parse().unwrap()));
        assert_eq!(address_key("::ffff:192.0.2.7".parse().unwrap()), "192.0.2.7".parse::<IpAddr>().unwrap());
    }

    #[test]
    fn a_bucket_allows_its_burst_then_says_how_long_to_wait() {
        let limiter = Limiter::new(60);
        let start = Instant::now();
        for _ in 0..15 {
            limiter.check_at(&1, start).unwrap();
        }
        let wait = limiter.check_at(&1, start).unwrap_err();
        assert!(wait <= Duration::from_secs(1) && wait > Duration::ZERO, "{wait:?}");
        limiter.check_at(&2, start).unwrap();
        limiter.check_at(&1, start + Duration::from_secs(1)).unwrap();
    }

    #[test]
    fn spending_past_the_bottom_says_how_long_until_it_is_paid_back() {
        let start = Instant::now();
        let mut bytes = Bucket::new(100.0, 10.0);
        assert_eq!(bytes.spend(60.0, start), None);
        let wait = bytes.spend(60.0, start).unwrap();
        assert!((wait.as_secs_f64() - 2.0).abs() < 0.01, "{wait:?}");
        assert_eq!(bytes.spend(0.0, start + Duration::from_secs(2)), None);
    }

    #[test]
    fn admission_counts_waiting_sockets_and_frees_places() {
        let admission = Admission::default();
        let address: IpAddr = "192.0.2.1".parse().unwrap();
        let first = admission.admit(address, 2).unwrap();
        let _second = admission.admit(address, 2).unwrap();
        assert!(admission.admit(address, 2).is_none());
        assert!(admission.admit("192.0.2.2".parse().unwrap(), 2).is_some());
        drop(first);
        assert!(admission.admit(address, 2).is_some());
    }
}
