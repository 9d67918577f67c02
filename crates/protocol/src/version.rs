//! API versions, and everything that differs between them on the wire.
//!
//! The version comes from the URL path (`/v3.5/customer/rtm/ws`); from 3.3 on a request may
//! name its own (`"version": "3.5"`), and `login` may subscribe to pushes of other versions
//! (`"pushes": {"3.5": ["incoming_chat", ...]}`). The typed frames of this crate are the
//! version-neutral model; this module knows how each version spells them:
//!
//! | change | since |
//! |---|---|
//! | `activate_chat` renamed `resume_chat`; `deactivate_chat` and chat property actions name the chat `id` | 3.3 |
//! | `customer_updated` carries the changed fields flat instead of under `customer` | 3.3 |
//! | `get_predicted_agent` answers `{agent, queue}` instead of the agent's fields | 3.3 |
//! | frames carry `version`; requests may name one; `login` takes `pushes` | 3.3 |
//! | the tenant is `organization_id` instead of `license_id` | 3.4 |
//! | `groups_status_updated` push, `logged_out_remotely` reason | 3.5 |
//!
//! Version 3.0 (the experimental API before 3.1) differs in most shapes: see [`crate::v30`].
//! Where the documents leave a shape open, `PROTOCOL-NOTES.md` says what was settled and why.

use serde_json::{Map, Value};

use crate::DisconnectReason;

/// Which API a connection speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Api {
    /// The Customer Chat API (visitors).
    Customer,
    /// The agent API, in the Agent Chat API's names and shapes.
    Agent,
}

/// A Customer Chat API version this crate can speak.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Version {
    /// The experimental 3.0 API (`get_chats_summary`, `close_thread`, `incoming_chat_thread`).
    V3_0,
    /// 3.2, the version the Customer Chat RTM reference in the seeds describes.
    V3_2,
    /// 3.3: `resume_chat`, flat `customer_updated`, versioned frames.
    V3_3,
    /// 3.4: `organization_id`.
    V3_4,
    /// 3.5: `groups_status_updated`; what the Customer SDK 4 speaks.
    V3_5,
    /// 3.6, the current stable version.
    V3_6,
}

impl Version {
    /// Every version, oldest first.
    pub const ALL: [Version; 6] = [Version::V3_0, Version::V3_2, Version::V3_3, Version::V3_4, Version::V3_5, Version::V3_6];

    /// The newest version.
    pub const LATEST: Version = Version::V3_6;

    /// The version a path segment (`v3.5`) or a frame's `version` field (`3.5`) names.
    pub fn parse(text: &str) -> Option<Version> {
        let number = text.strip_prefix('v').unwrap_or(text);
        Version::ALL.into_iter().find(|version| version.as_str() == number)
    }

    /// The number, as frames spell it (`3.5`).
    pub fn as_str(self) -> &'static str {
        match self {
            Version::V3_0 => "3.0",
            Version::V3_2 => "3.2",
            Version::V3_3 => "3.3",
            Version::V3_4 => "3.4",
            Version::V3_5 => "3.5",
            Version::V3_6 => "3.6",
        }
    }

    /// The path segment (`v3.5`).
    pub fn path(self) -> String {
        format!("v{}", self.as_str())
    }

    /// The query parameter that names the tenant in URLs of this version.
    pub fn tenant_param(self) -> &'static str {
        if self >= Version::V3_4 { "organization_id" } else { "license_id" }
    }

    /// Whether frames carry a `version` field, requests may name theirs and `login` takes
    /// `pushes` (3.3 on).
    pub fn is_versioned(self) -> bool {
        self >= Version::V3_3
    }

    /// Whether `activate_chat` is called `resume_chat`.
    pub fn resumes_chats(self) -> bool {
        self >= Version::V3_3
    }

    /// Whether `deactivate_chat`, `update_chat_properties` and `delete_chat_properties`
    /// name the chat `id` rather than `chat_id`.
    pub fn names_chat_id(self) -> bool {
        self >= Version::V3_3
    }

    /// How this version spells a disconnection reason: 3.0 called `connection_timeout`
    /// `ping_timeout`.
    pub fn disconnect_reason(self, reason: &DisconnectReason) -> DisconnectReason {
        match reason {
            DisconnectReason::ConnectionTimeout if self == Version::V3_0 => DisconnectReason::PingTimeout,
            other => other.clone(),
        }
    }

    /// The form a push takes in this version of `api`: its wire name and payload, or `None`
    /// when the version has no such push.
    pub fn push_wire(self, api: Api, action: &str, mut payload: Value) -> Option<(String, Value)> {
        if self == Version::V3_0 {
            let payload = match action {
                "customer_disconnected" => self.reasons_for(payload),
                _ => payload,
            };
            return crate::v30::push(action, payload);
        }
        if api == Api::Agent {
            self.agent_shapes(&mut payload);
        }
        match action {
            "customer_updated" if self.is_versioned() => {
                // 3.3 dropped the `customer` wrapper: the changed fields come flat.
                if let Some(Value::Object(customer)) = payload.as_object_mut().and_then(|payload| payload.remove("customer")) {
                    payload = Value::Object(customer);
                }
            }
            "customer_page_updated" => {
                // A unix time up to 3.2, an RFC 3339 `opened_at` from 3.3; servers fill in
                // both.
                let drop = if self.is_versioned() { "timestamp" } else { "opened_at" };
                if let Value::Object(fields) = &mut payload {
                    fields.remove(drop);
                }
            }
            "customer_disconnected" => payload = self.reasons_for(payload),
            _ => {}
        }
        Some((action.to_owned(), payload))
    }

    /// A `customer_disconnected` payload with its reason as this version names it.
    fn reasons_for(self, mut payload: Value) -> Value {
        if let Some(reason) = payload.get("reason").and_then(Value::as_str) {
            let reason = self.disconnect_reason(&DisconnectReason::parse(reason));
            payload["reason"] = Value::String(reason.as_str().to_owned());
        }
        payload
    }

    /// The form a request takes in this version: `activate_chat` and `resume_chat` under
    /// this version's name, and the chat of `deactivate_chat` and the chat property actions
    /// as `id` (3.3 on) or `chat_id`.
    pub fn request_wire(self, action: &str, mut payload: Value) -> (String, Value) {
        let action = match action {
            "activate_chat" | "resume_chat" if self.resumes_chats() => "resume_chat",
            "activate_chat" | "resume_chat" => "activate_chat",
            other => other,
        };
        if matches!(action, "deactivate_chat" | "update_chat_properties" | "delete_chat_properties")
            && let Value::Object(fields) = &mut payload
        {
            let (from, to) = if self.names_chat_id() { ("chat_id", "id") } else { ("id", "chat_id") };
            if let Some(chat_id) = fields.remove(from) {
                fields.entry(to).or_insert(chat_id);
            }
        }
        (action.to_owned(), payload)
    }

    /// The form a successful response takes in this version of `api`.
    pub fn response_wire(self, api: Api, action: &str, mut payload: Value) -> Value {
        // 3.0 answers are built in 3.0's shapes (see `v30`).
        if self == Version::V3_0 {
            return payload;
        }
        if api == Api::Agent {
            self.agent_shapes(&mut payload);
        }
        if action == "get_predicted_agent"
            && let Value::Object(fields) = &mut payload
        {
            // Servers fill in both forms; each version keeps its own.
            let agent = fields.remove("agent");
            let queue = fields.remove("queue");
            if self.is_versioned() {
                let mut nested = Map::new();
                nested.insert("agent".to_owned(), agent.unwrap_or_else(|| Value::Object(std::mem::take(fields))));
                nested.insert("queue".to_owned(), queue.unwrap_or(Value::Bool(false)));
                payload = Value::Object(nested);
            }
        }
        payload
    }
}

impl Version {
    /// The Agent Chat API calls an event's and a typing indicator's `recipients`
    /// `visibility` from 3.4.
    fn agent_shapes(self, payload: &mut Value) {
        if self < Version::V3_4 {
            return;
        }
        fn rename(object: &mut Value) {
            if let Some(fields) = object.as_object_mut()
                && let Some(recipients) = fields.remove("recipients")
            {
                fields.insert("visibility".to_owned(), recipients);
            }
        }
        fn thread(thread: &mut Value) {
            for event in thread.get_mut("events").and_then(Value::as_array_mut).into_iter().flatten() {
                rename(event);
            }
        }
        for key in ["event", "typing_indicator"] {
            if let Some(inner) = payload.get_mut(key) {
                rename(inner);
            }
        }
        if let Some(chat) = payload.get_mut("chat") {
            chat.get_mut("thread").map(thread);
        }
        if let Some(inner) = payload.get_mut("thread") {
            thread(inner);
        }
        for inner in payload.get_mut("threads").and_then(Value::as_array_mut).into_iter().flatten() {
            thread(inner);
        }
        for summary in payload.get_mut("chats_summary").and_then(Value::as_array_mut).into_iter().flatten() {
            for last in summary.get_mut("last_event_per_type").and_then(Value::as_object_mut).into_iter().flat_map(|map| map.values_mut()) {
                last.get_mut("event").map(rename);
            }
        }
    }
}

impl std::fmt::Display for Version {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which pushes one connection receives, and in which version: by default every push in
/// the connection's version; a 3.3+ `login` that names `pushes` (`{"3.5": ["incoming_chat",
/// ...]}` or `{"3.5": ["all"]}`) receives only those, each in the version it is listed under.
/// `customer_disconnected` can come before `login`, so it always goes out in the
/// connection's version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushVersions {
    /// The connection's version.
    pub default: Version,
    /// The pushes `login` subscribed to, by wire name (`all` for every push); `None` when
    /// it named none.
    pub chosen: Option<Vec<(String, Version)>>,
}

impl PushVersions {
    /// Every push in `version`.
    pub fn new(version: Version) -> PushVersions {
        PushVersions { default: version, chosen: None }
    }

    /// Takes a `login` request's `pushes`. Keys are version numbers (`"3.5"`, or `"v3.5"` as
    /// early documents wrote them); versions before 3.3 have no subscriptions and unknown
    /// versions are skipped. Names this server never sends are kept and harmless.
    pub fn subscribe(&mut self, pushes: &Map<String, Value>) {
        let mut chosen = Vec::new();
        for (version, names) in pushes {
            let Some(version) = Version::parse(version).filter(|version| version.is_versioned()) else { continue };
            for name in names.as_array().into_iter().flatten().filter_map(Value::as_str) {
                chosen.retain(|(known, _): &(String, Version)| known != name);
                chosen.push((name.to_owned(), version));
            }
        }
        if !chosen.is_empty() {
            self.chosen = Some(chosen);
        }
    }

    /// The version `action` goes out in, or `None` when the connection did not subscribe
    /// to it.
    pub fn of(&self, action: &str) -> Option<Version> {
        let Some(chosen) = &self.chosen else { return Some(self.default) };
        if action == "customer_disconnected" {
            return Some(self.default);
        }
        let named = chosen.iter().find(|(name, _)| name == action);
        named.or_else(|| chosen.iter().find(|(name, _)| name == "all")).map(|(_, version)| *version)
    }
}
