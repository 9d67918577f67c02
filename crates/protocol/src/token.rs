//! The customer token endpoint, `POST /customer/token`: what a client sends and what it gets
//! back. LiveChat issues customer tokens from its accounts service; this server issues them
//! itself, in the same answer shape, so the official SDK (whose token request is pointed
//! here) and the widget read one definition.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The body of a token request.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TokenRequest {
    /// The license, as a JSON number or a string of digits (the server checks which).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub license_id: Option<Value>,
    /// Or the organization (API 3.4 on).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization_id: Option<String>,
    /// `<customer_id>:<secret>` from an earlier answer: the same customer again. A new
    /// customer when absent or unknown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity: Option<String>,
}

/// A customer access token, and the identity to send next time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CustomerToken {
    /// The token for `login` and the Web API (`Authorization: Bearer ...`).
    pub access_token: String,
    /// Always `Bearer`.
    #[serde(default = "bearer")]
    pub token_type: String,
    /// Seconds until the token expires.
    #[serde(default)]
    pub expires_in: i64,
    /// The customer's id.
    #[serde(default)]
    pub entity_id: String,
    /// What the client keeps to stay this customer (`<customer_id>:<secret>`).
    #[serde(default)]
    pub identity: String,
    /// The license the token is for.
    #[serde(default)]
    pub license_id: u64,
    /// The license's organization.
    #[serde(default)]
    pub organization_id: String,
}

fn bearer() -> String {
    "Bearer".to_owned()
}
