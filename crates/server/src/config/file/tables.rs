//! The configuration file as TOML lays it out, table by table, for the parser to fill in.
//! These shapes mirror the file rather than [`Config`](crate::config::Config), which is flat
//! and keyed by license; every table rejects keys it does not know, and the defaults of
//! optional keys are here too.

use std::path::PathBuf;

use serde::Deserialize;

pub(super) use protocol::{
    AgentSettings as AgentFile, FormSettings as FormFile, LicenseSettings as LicenseFile,
    OptionSettings as OptionFile,
};

/// The whole file.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RootFile {
    #[serde(default)]
    pub(super) timings: TimingsFile,
    #[serde(default)]
    pub(super) limits: LimitsFile,
    pub(super) upload_dir: Option<PathBuf>,
    pub(super) public_url: Option<String>,
    #[serde(default)]
    pub(super) trusted_proxies: Vec<String>,
    #[serde(default)]
    pub(super) metrics_from: Vec<String>,
    #[serde(default)]
    pub(super) licenses: Vec<LicenseFile>,
}

/// `[timings]`: each key is optional and falls back to
/// [`Timings::default`](crate::config::Timings::default).
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct TimingsFile {
    pub(super) login_timeout_seconds: Option<u64>,
    pub(super) ping_interval_seconds: Option<u64>,
    pub(super) idle_timeout_seconds: Option<u64>,
    pub(super) token_ttl_seconds: Option<u64>,
    pub(super) inactivity_timeout_seconds: Option<u64>,
    pub(super) write_timeout_seconds: Option<u64>,
    pub(super) header_read_timeout_seconds: Option<u64>,
}

/// `[limits]`: each key is optional and falls back to
/// [`Limits::default`](crate::config::Limits::default).
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct LimitsFile {
    pub(super) connections_per_customer: Option<usize>,
    pub(super) customers_per_license: Option<usize>,
    pub(super) queue_length: Option<usize>,
    pub(super) upload_megabytes: Option<usize>,
    pub(super) requests_per_minute: Option<usize>,
    pub(super) http_requests_per_minute: Option<usize>,
    pub(super) unauthenticated_per_address: Option<usize>,
    pub(super) outbound_queue_kilobytes: Option<usize>,
    pub(super) upload_quota_megabytes: Option<usize>,
    pub(super) read_kilobytes_per_second: Option<usize>,
}

