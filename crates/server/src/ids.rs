//! Ids, secrets and timestamps.
//!
//! Chat and thread ids look like the reference's (`PJ0MRSHTDG`), event ids are
//! `<thread_id>_<n>`, customer ids are random UUIDs. Timestamps are RFC 3339 in UTC with
//! microseconds, strictly increasing within one process so they sort and never tie.

use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

use sha2::{Digest, Sha256};
use time::{macros::format_description, OffsetDateTime};

const ID_ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

pub(crate) fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).expect("the operating system provides randomness");
    bytes
}

/// A 10-character upper-case id for chats and threads.
pub fn short_id() -> String {
    random_bytes::<10>().iter().map(|byte| ID_ALPHABET[*byte as usize % ID_ALPHABET.len()] as char).collect()
}

/// A random UUID (version 4) for customers.
pub fn uuid() -> String {
    let mut bytes = random_bytes::<16>();
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex = hex(&bytes);
    format!("{}-{}-{}-{}-{}", &hex[0..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..32])
}

/// 256 bits of randomness, hex-encoded: tokens and identity secrets.
pub fn secret() -> String {
    hex(&random_bytes::<32>())
}

/// SHA-256 of a secret, hex-encoded; only hashes of secrets are stored.
pub fn hash_secret(secret: &str) -> String {
    hex(&Sha256::digest(secret.as_bytes()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// Seconds since the Unix epoch.
pub fn unix_now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|elapsed| elapsed.as_secs() as i64).unwrap_or(0)
}

/// Hands out strictly increasing event timestamps.
#[derive(Default)]
pub struct Clock {
    last_micros: Mutex<i128>,
}

impl Clock {
    /// Now, as an RFC 3339 string with microseconds, later than any earlier call's.
    pub fn timestamp(&self) -> String {
        let now_micros = OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000;
        let micros = {
            let mut last = self.last_micros.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            *last = (*last + 1).max(now_micros);
            *last
        };
        format_micros(micros)
    }

    /// Moves the clock past a timestamp read back from storage, so a restarted server never
    /// hands out an older time than one it already stored.
    pub fn observe(&self, stored: &str) {
        if let Some(micros) = parse_micros(stored) {
            let mut last = self.last_micros.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            *last = (*last).max(micros);
        }
    }
}

pub(crate) fn format_micros(micros: i128) -> String {
    let format = format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]Z");
    OffsetDateTime::from_unix_timestamp_nanos(micros * 1_000)
        .ok()
        .and_then(|moment| moment.format(&format).ok())
        .unwrap_or_else(|| "1970-01-01T00:00:00.000000Z".to_owned())
}

pub(crate) fn parse_micros(text: &str) -> Option<i128> {
    let format = format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]Z");
    let moment = time::PrimitiveDateTime::parse(text, &format).ok()?.assume_utc();
    Some(moment.unix_timestamp_nanos() / 1_000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_strictly_increase_and_survive_a_round_trip() {
        let clock = Clock::default();
        let first = clock.timestamp();
        let second = clock.timestamp();
        assert!(second > first, "{second} <= {first}");
        assert_eq!(first.len(), "2019-12-17T07:57:41.512000Z".len());
        let restarted = Clock::default();
        restarted.observe("2999-01-01T00:00:00.000001Z");
        assert_eq!(restarted.timestamp(), "2999-01-01T00:00:00.000002Z");
    }

    #[test]
    fn ids_have_the_documented_shapes() {
        assert_eq!(short_id().len(), 10);
        let id = uuid();
        assert_eq!(id.len(), 36);
        assert_eq!(&id[14..15], "4");
        assert_ne!(secret(), secret());
    }
}
