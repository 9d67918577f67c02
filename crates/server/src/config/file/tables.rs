//! The configuration file as TOML lays it out, table by table, for the parser to fill in.
//! These shapes mirror the file rather than [`Config`](crate::config::Config), which is flat
//! and keyed by license; every table rejects keys it does not know, and the defaults of
//! optional keys are here too.

use std::path::PathBuf;

use serde::Deserialize;

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

/// `[[licenses]]`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct LicenseFile {
    pub(super) id: u64,
    pub(super) organization_id: String,
    pub(super) name: String,
    #[serde(default)]
    pub(super) manual_assignment: bool,
    pub(super) verification_url: Option<String>,
    #[serde(default)]
    pub(super) allowed_origins: Vec<String>,
    #[serde(default)]
    pub(super) groups: Vec<GroupFile>,
    #[serde(default)]
    pub(super) agents: Vec<AgentFile>,
    #[serde(default)]
    pub(super) greetings: Vec<GreetingFile>,
}

/// `[[licenses.groups]]`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct GroupFile {
    pub(super) id: u32,
    pub(super) name: String,
    #[serde(default = "offline_messages_default")]
    pub(super) offline_messages: bool,
    #[serde(default)]
    pub(super) forms: FormsFile,
}

/// Groups take offline messages unless the file says otherwise.
fn offline_messages_default() -> bool {
    true
}

/// `[licenses.groups.forms]`: a missing form is a disabled one.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct FormsFile {
    pub(super) prechat: Option<FormFile>,
    pub(super) postchat: Option<FormFile>,
    pub(super) ticket: Option<FormFile>,
}

/// One form.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct FormFile {
    pub(super) id: String,
    #[serde(default)]
    pub(super) fields: Vec<FieldFile>,
}

/// One field of a form.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct FieldFile {
    pub(super) id: String,
    #[serde(rename = "type")]
    pub(super) kind: String,
    #[serde(default)]
    pub(super) label: String,
    pub(super) required: Option<bool>,
    pub(super) options: Option<Vec<OptionFile>>,
}

/// One choice of a radio, select, checkbox or group_chooser field.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct OptionFile {
    pub(super) id: String,
    pub(super) label: String,
    pub(super) group_id: Option<u32>,
}

/// `[[licenses.agents]]`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct AgentFile {
    pub(super) id: String,
    pub(super) name: String,
    #[serde(default)]
    pub(super) job_title: String,
    pub(super) avatar: Option<String>,
    #[serde(default)]
    pub(super) token: Option<String>,
    #[serde(default)]
    pub(super) role: Option<String>,
    pub(super) groups: Vec<u32>,
    #[serde(default = "max_chats_default")]
    pub(super) max_chats: u32,
}

/// The chats an agent takes at once unless the file says otherwise, as in
/// [`Config::demo`](crate::config::Config::demo).
fn max_chats_default() -> u32 {
    6
}

/// `[[licenses.greetings]]`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct GreetingFile {
    pub(super) id: u64,
    pub(super) group_id: u32,
    pub(super) agent: String,
    pub(super) text: String,
    pub(super) trigger: Option<TriggerFile>,
}

/// A greeting's `trigger`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct TriggerFile {
    pub(super) url: Option<String>,
    #[serde(default)]
    pub(super) after_seconds: u32,
}
