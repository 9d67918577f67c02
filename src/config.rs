//! Widget options, as the host page passes them to `livechat.embed.init`, validated.
//!
//! Pure: parsing and URL building only, tested natively.

use protocol::Page;
use serde_json::{json, Value};

/// Which account the widget belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tenant {
    /// A numeric `license_id` (Customer Chat API v3.2).
    License(u64),
    /// An `organization_id` (API v3.5).
    Organization(String),
}

/// A bad option: names the option and what is accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// `account` is missing.
    #[error("livechat: the `account` option is required (a license number or an organization id)")]
    MissingAccount,
    /// An option has the wrong type or value.
    #[error("livechat: option `{option}` must be {expected}")]
    Invalid {
        /// The option.
        option: &'static str,
        /// What it accepts.
        expected: &'static str,
    },
}

/// Validated widget options.
#[derive(Debug, Clone, PartialEq)]
pub struct WidgetConfig {
    /// The account.
    pub account: Tenant,
    /// Base URL of the chat server, e.g. `https://chat.example.com`.
    pub server: String,
    /// The host page the visitor is on.
    pub page: Option<Page>,
    /// Title of the chat window.
    pub title: String,
    /// Connect at once (a returning visitor) instead of on first intent.
    pub connect_now: bool,
}

impl WidgetConfig {
    /// Reads options sent by the loader (or built from the URL in standalone mode).
    pub fn from_options(options: &Value, server: &str) -> Result<WidgetConfig, ConfigError> {
        let account = match options.get("account") {
            None | Some(Value::Null) => return Err(ConfigError::MissingAccount),
            Some(Value::Number(number)) => {
                Tenant::License(number.as_u64().ok_or(ConfigError::Invalid {
                    option: "account",
                    expected: "a positive license number or an organization id string",
                })?)
            }
            Some(Value::String(text)) if text.trim().is_empty() => return Err(ConfigError::MissingAccount),
            Some(Value::String(text)) => match text.trim().parse::<u64>() {
                Ok(license) => Tenant::License(license),
                Err(_) => Tenant::Organization(text.trim().to_owned()),
            },
            Some(_) => {
                return Err(ConfigError::Invalid {
                    option: "account",
                    expected: "a positive license number or an organization id string",
                });
            }
        };
        let title = match options.get("title") {
            None | Some(Value::Null) => "Chat with us".to_owned(),
            Some(Value::String(title)) if !title.trim().is_empty() => title.trim().to_owned(),
            Some(_) => return Err(ConfigError::Invalid { option: "title", expected: "a non-empty string" }),
        };
        let page = options.get("page_info").and_then(|page| serde_json::from_value::<Page>(page.clone()).ok());
        Ok(WidgetConfig { account, server: server.trim_end_matches('/').to_owned(), page, title, connect_now: false })
    }

    /// The customer websocket URL for this account.
    pub fn socket_url(&self) -> String {
        let base = if let Some(rest) = self.server.strip_prefix("https://") {
            format!("wss://{rest}")
        } else if let Some(rest) = self.server.strip_prefix("http://") {
            format!("ws://{rest}")
        } else {
            self.server.clone()
        };
        match &self.account {
            Tenant::License(license) => format!("{base}/v3.2/customer/rtm/ws?license_id={license}"),
            Tenant::Organization(organization) => {
                format!("{base}/v3.5/customer/rtm/ws?organization_id={}", encode_component(organization))
            }
        }
    }

    /// The customer token endpoint.
    pub fn token_url(&self) -> String {
        format!("{}/customer/token", self.server)
    }

    /// The tenant part of a token request.
    pub fn tenant_json(&self) -> Value {
        match &self.account {
            Tenant::License(license) => json!({ "license_id": license }),
            Tenant::Organization(organization) => json!({ "organization_id": organization }),
        }
    }

    /// Storage key of this account's customer identity.
    pub fn identity_key(&self) -> String {
        match &self.account {
            Tenant::License(license) => format!("livechat.identity.{license}"),
            Tenant::Organization(organization) => format!("livechat.identity.{organization}"),
        }
    }
}

/// Percent-encodes everything but unreserved characters.
fn encode_component(text: &str) -> String {
    text.bytes()
        .map(|byte| match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (byte as char).to_string(),
            _ => format!("%{byte:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accounts_pick_the_api_version() {
        let config = WidgetConfig::from_options(&json!({ "account": "1" }), "http://127.0.0.1:8080/").unwrap();
        assert_eq!(config.socket_url(), "ws://127.0.0.1:8080/v3.2/customer/rtm/ws?license_id=1");
        assert_eq!(config.token_url(), "http://127.0.0.1:8080/customer/token");
        assert_eq!(config.tenant_json(), json!({ "license_id": 1 }));
        let config = WidgetConfig::from_options(&json!({ "account": "org a/b" }), "https://chat.example").unwrap();
        assert_eq!(config.socket_url(), "wss://chat.example/v3.5/customer/rtm/ws?organization_id=org%20a%2Fb");
        let config = WidgetConfig::from_options(&json!({ "account": 7 }), "https://chat.example").unwrap();
        assert_eq!(config.account, Tenant::License(7));
    }

    #[test]
    fn bad_options_name_the_option() {
        assert_eq!(WidgetConfig::from_options(&json!({}), "http://x"), Err(ConfigError::MissingAccount));
        assert_eq!(WidgetConfig::from_options(&json!({ "account": " " }), "http://x"), Err(ConfigError::MissingAccount));
        let err = WidgetConfig::from_options(&json!({ "account": [1] }), "http://x").unwrap_err();
        assert!(err.to_string().contains("`account`"), "{err}");
        let err = WidgetConfig::from_options(&json!({ "account": 1, "title": 5 }), "http://x").unwrap_err();
        assert!(err.to_string().contains("`title`"), "{err}");
    }
}
