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

/// How visitors rate a chat.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RatingMode {
    /// Good / bad, the protocol's own rating.
    #[default]
    Thumbs,
    /// One to five stars; stored next to the protocol's score (4 and 5 count as good).
    Stars,
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
    /// Title of the chat window; empty for the language's default.
    pub title: String,
    /// Connect at once (a returning visitor) instead of on first intent.
    pub connect_now: bool,
    /// Language tag (`lang`); `None` follows the browser.
    pub lang: Option<String>,
    /// Colour scheme (`theme`).
    pub theme: Theme,
    /// Thumbs or stars (`rating`).
    pub rating: RatingMode,
    /// Privacy policy (`url_privacy`): when set, the visitor agrees to it before chatting.
    pub url_privacy: Option<String>,
    /// Contact page (`url_contact`).
    pub url_contact: Option<String>,
    /// FAQ page (`url_faq`).
    pub url_faq: Option<String>,
    /// Extra CSS applied inside the widget (`css_text`).
    pub css_text: Option<String>,
    /// A stylesheet of the site's applied inside the widget (`css_file`, `https` only).
    pub css_file: Option<String>,
    /// Sound on new agent messages while the window is not focused (`sound`, default on).
    pub sound: bool,
    /// The visitor's name as the site knows it (`c_name`), sent once connected.
    pub customer_name: Option<String>,
    /// The visitor's e-mail as the site knows it (`c_email`), sent once connected.
    pub customer_email: Option<String>,
    /// The visitor's phone (`c_phone`), a session field for agents.
    pub customer_phone: Option<String>,
    /// A name only agents see (`c_name_byop`), a session field for agents.
    pub customer_name_for_agents: Option<String>,
    /// Session variables (`session_variables`): string values the agents see.
    pub session_variables: std::collections::BTreeMap<String, String>,
    /// This page is one of the site's goal pages (`target`, matched by the loader).
    pub goal: bool,
    /// Groups (departments) chats may go to (`departments`: `"2,5"` or `[2, 5]`), in order
    /// of preference; empty for all.
    pub departments: Vec<u32>,
    /// Agents chats may go to (`operators`: `"anna@x.com,2"` or an array of agent ids);
    /// empty for all.
    pub operators: Vec<String>,
    /// Agents also listed under other departments in the agent picker (`clone_operators`:
    /// `{"Anna": ["Tech support", 2]}`), by agent name.
    pub clone_operators: Vec<(String, Vec<crate::roster::DepartmentRef>)>,
    /// The site's own token for the signed-in visitor (`custom`), checked by the server
    /// with the site; agents see the answer.
    pub custom: Option<String>,
    /// The host page signs visitors in itself (`identity_provider`): access tokens come
    /// from its function, over the loader's port, instead of this server's token endpoint.
    pub external_identity: bool,
    /// With `session_per_host`, the host page's host name: the visitor is a separate
    /// customer on each host of the site instead of one customer across them.
    pub session_host: Option<String>,
}

/// Light, dark, or following the visitor's system setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Theme {
    /// Follows `prefers-color-scheme`.
    #[default]
    Auto,
    /// Light.
    Light,
    /// Dark.
    Dark,
}

impl Theme {
    /// For the `data-theme` attribute.
    pub fn as_str(self) -> &'static str {
        match self {
            Theme::Auto => "auto",
            Theme::Light => "light",
            Theme::Dark => "dark",
        }
    }
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
            // Empty: the chosen language's own title.
            None | Some(Value::Null) => String::new(),
            Some(Value::String(title)) if !title.trim().is_empty() => title.trim().to_owned(),
            Some(_) => return Err(ConfigError::Invalid { option: "title", expected: "a non-empty string" }),
        };
        let page = options.get("page_info").and_then(|page| serde_json::from_value::<Page>(page.clone()).ok());
        let lang = string_option(options, "lang", "a language tag such as \"de\" or \"pt-BR\"")?;
        let theme = match string_option(options, "theme", "\"light\", \"dark\" or \"auto\"")?.as_deref() {
            None | Some("auto") => Theme::Auto,
            Some("light") => Theme::Light,
            Some("dark") => Theme::Dark,
            Some(_) => return Err(ConfigError::Invalid { option: "theme", expected: "\"light\", \"dark\" or \"auto\"" }),
        };
        let rating = match string_option(options, "rating", "\"thumbs\" or \"stars\"")?.as_deref() {
            None | Some("thumbs") => RatingMode::Thumbs,
            Some("stars") => RatingMode::Stars,
            Some(_) => return Err(ConfigError::Invalid { option: "rating", expected: "\"thumbs\" or \"stars\"" }),
        };
        let link = |option: &'static str| -> Result<Option<String>, ConfigError> {
            let expected = "an http(s) address";
            match string_option(options, option, expected)? {
                None => Ok(None),
                Some(url) => crate::rich::web_address(&url).map(Some).ok_or(ConfigError::Invalid { option, expected }),
            }
        };
        let sound = match options.get("sound") {
            None | Some(Value::Null) => true,
            Some(Value::Bool(sound)) => *sound,
            Some(_) => return Err(ConfigError::Invalid { option: "sound", expected: "true or false" }),
        };
        let session_host = match options.get("session_per_host") {
            None | Some(Value::Null) | Some(Value::Bool(false)) => None,
            Some(Value::Bool(true)) => page.as_ref().and_then(|page| page.url.as_deref()).and_then(host_name),
            Some(_) => return Err(ConfigError::Invalid { option: "session_per_host", expected: "true or false" }),
        };
        Ok(WidgetConfig {
            account,
            server: server.trim_end_matches('/').to_owned(),
            page,
            title,
            connect_now: false,
            lang,
            theme,
            rating,
            url_privacy: link("url_privacy")?,
            url_contact: link("url_contact")?,
            url_faq: link("url_faq")?,
            css_text: string_option(options, "css_text", "a string of CSS")?,
            // The frame's policy loads `https` sheets only; an `http` one is refused there
            // (the browser says why) and the widget runs unstyled by it.
            css_file: match string_option(options, "css_file", "an https address of a stylesheet")? {
                Some(url) => Some(
                    crate::rich::web_address(&url)
                        .ok_or(ConfigError::Invalid { option: "css_file", expected: "an https address of a stylesheet" })?,
                ),
                None => None,
            },
            sound,
            customer_name: string_option(options, "c_name", "a string")?,
            customer_email: string_option(options, "c_email", "an e-mail address")?
                .map(|email| if crate::forms::is_email(&email) { Ok(email) } else { Err(ConfigError::Invalid { option: "c_email", expected: "an e-mail address" }) })
                .transpose()?,
            customer_phone: string_option(options, "c_phone", "a string")?,
            customer_name_for_agents: string_option(options, "c_name_byop", "a string")?,
            goal: options.get("goal").and_then(Value::as_bool).unwrap_or(false),
            departments: departments(options.get("departments"))?,
            operators: operators(options.get("operators"))?,
            clone_operators: clone_operators(options.get("clone_operators"))?,
            custom: string_option(options, "custom", "a string")?,
            external_identity: options.get("identity_provider").and_then(Value::as_bool).unwrap_or(false),
            session_host,
            session_variables: match options.get("session_variables") {
                None | Some(Value::Null) => Default::default(),
                Some(Value::Object(map)) => map
                    .iter()
                    .map(|(key, value)| match value {
                        Value::String(text) => Ok((key.clone(), text.clone())),
                        Value::Number(number) => Ok((key.clone(), number.to_string())),
                        Value::Bool(flag) => Ok((key.clone(), flag.to_string())),
                        _ => Err(ConfigError::Invalid { option: "session_variables", expected: "an object of string values" }),
                    })
                    .collect::<Result<_, _>>()?,
                Some(_) => return Err(ConfigError::Invalid { option: "session_variables", expected: "an object of string values" }),
            },
        })
    }

    /// Where new chats go unless the visitor picks an agent: the site's departments and
    /// operators (empty for the account's own routing).
    pub fn route(&self) -> protocol::Access {
        protocol::Access { group_ids: self.departments.clone(), agent_ids: self.operators.clone() }
    }

    /// The site's limits on the agent picker and on who counts as available.
    pub fn limits(&self) -> crate::roster::Limits<'_> {
        crate::roster::Limits { departments: &self.departments, operators: &self.operators, clones: &self.clone_operators }
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
        format!("{base}/{}/customer/rtm/ws?{}", self.api_version().path(), self.tenant_query())
    }

    /// The API version the widget speaks with this account: 3.2 with a license number,
    /// 3.5 with an organization id (which exists from 3.4).
    pub fn api_version(&self) -> protocol::Version {
        match self.account {
            Tenant::License(_) => protocol::Version::V3_2,
            Tenant::Organization(_) => protocol::Version::V3_5,
        }
    }

    /// `license_id=N` or `organization_id=...` for URLs.
    pub fn tenant_query(&self) -> String {
        match &self.account {
            Tenant::License(license) => format!("license_id={license}"),
            Tenant::Organization(organization) => format!("organization_id={}", encode_component(organization)),
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

    /// Storage key of this account's customer identity (per host with `session_per_host`).
    /// The outbox, side storage and tab channel hang off it, so they follow.
    pub fn identity_key(&self) -> String {
        let account = match &self.account {
            Tenant::License(license) => format!("livechat.identity.{license}"),
            Tenant::Organization(organization) => format!("livechat.identity.{organization}"),
        };
        match &self.session_host {
            Some(host) => format!("{account}@{host}"),
            None => account,
        }
    }
}

/// The host name of an absolute URL, lower-cased.
fn host_name(url: &str) -> Option<String> {
    let rest = url.split_once("://")?.1;
    let authority = rest.split(['/', '?', '#']).next()?;
    let host = authority.rsplit_once('@').map_or(authority, |(_, host)| host);
    let host = if host.starts_with('[') { host.split_inclusive(']').next()? } else { host.split(':').next()? };
    (!host.is_empty()).then(|| host.to_ascii_lowercase())
}

/// `departments`: a comma-separated string of group ids, or an array of them.
pub(crate) fn departments(value: Option<&Value>) -> Result<Vec<u32>, ConfigError> {
    let invalid = ConfigError::Invalid { option: "departments", expected: "group ids such as \"2,5\" or [2, 5]" };
    let id = |text: &str| text.trim().parse::<u32>().map_err(|_| invalid.clone());
    match value {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::String(text)) => text.split(',').filter(|part| !part.trim().is_empty()).map(id).collect(),
        Some(Value::Array(items)) => items
            .iter()
            .map(|item| match item {
                Value::Number(number) => number.as_u64().and_then(|id| u32::try_from(id).ok()).ok_or(invalid.clone()),
                Value::String(text) => id(text),
                _ => Err(invalid.clone()),
            })
            .collect(),
        Some(_) => Err(invalid),
    }
}

/// `operators`: a comma-separated string of agent ids, or an array of them (numbers count
/// as ids too, as in other widgets' numeric operator ids).
pub(crate) fn operators(value: Option<&Value>) -> Result<Vec<String>, ConfigError> {
    let invalid = ConfigError::Invalid { option: "operators", expected: "agent ids such as \"anna@example.com,bob@example.com\"" };
    let id = |item: &Value| match item {
        Value::String(text) if !text.trim().is_empty() => Ok(text.trim().to_owned()),
        Value::Number(number) => Ok(number.to_string()),
        _ => Err(invalid.clone()),
    };
    match value {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::String(text)) => Ok(text.split(',').map(str::trim).filter(|part| !part.is_empty()).map(str::to_owned).collect()),
        Some(Value::Array(items)) => items.iter().map(id).collect(),
        Some(_) => Err(invalid),
    }
}

/// `clone_operators`: `{agent name: [department name or id, ...]}`.
fn clone_operators(value: Option<&Value>) -> Result<Vec<(String, Vec<crate::roster::DepartmentRef>)>, ConfigError> {
    use crate::roster::DepartmentRef;
    let invalid = ConfigError::Invalid {
        option: "clone_operators",
        expected: "an object of agent names to department names or ids, such as {\"Anna\": [\"Tech support\", 2]}",
    };
    let department = |item: &Value| match item {
        Value::String(name) if !name.trim().is_empty() => Ok(DepartmentRef::Name(name.trim().to_owned())),
        Value::Number(number) => number.as_u64().and_then(|id| u32::try_from(id).ok()).map(DepartmentRef::Id).ok_or(invalid.clone()),
        _ => Err(invalid.clone()),
    };
    match value {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Object(map)) => map
            .iter()
            .map(|(name, departments)| match departments {
                Value::Array(items) => Ok((name.clone(), items.iter().map(department).collect::<Result<_, _>>()?)),
                _ => Err(invalid.clone()),
            })
            .collect(),
        Some(_) => Err(invalid),
    }
}

/// A string option: absent, null or blank is `None`; any other type is an error.
fn string_option(options: &Value, option: &'static str, expected: &'static str) -> Result<Option<String>, ConfigError> {
    match options.get(option) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) if text.trim().is_empty() => Ok(None),
        Some(Value::String(text)) => Ok(Some(text.trim().to_owned())),
        Some(_) => Err(ConfigError::Invalid { option, expected }),
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
        for (option, value) in [("theme", json!("pink")), ("rating", json!(5)), ("url_privacy", json!("javascript:x")),
                                ("lang", json!(["de"])), ("sound", json!("loud"))] {
            let err = WidgetConfig::from_options(&json!({ "account": 1, option: value }), "http://x").unwrap_err();
            assert!(err.to_string().contains(&format!("`{option}`")), "{err}");
        }
    }

    #[test]
    fn look_and_feel_options() {
        let options = json!({ "account": 1, "lang": "de-AT", "theme": "dark", "rating": "stars",
                              "url_privacy": "https://shop.example/privacy", "css_text": ".cw-root { --cw-accent: #c00 }",
                              "sound": false });
        let config = WidgetConfig::from_options(&options, "http://x").unwrap();
        assert_eq!(config.lang.as_deref(), Some("de-AT"));
        assert_eq!(config.theme, Theme::Dark);
        assert_eq!(config.rating, RatingMode::Stars);
        assert_eq!(config.url_privacy.as_deref(), Some("https://shop.example/privacy"));
        assert!(!config.sound);
        let options = json!({ "account": 1, "c_name": "Ada", "c_email": "ada@example.com", "session_variables": { "plan": "pro", "seats": 3 } });
        let config = WidgetConfig::from_options(&options, "http://x").unwrap();
        assert_eq!((config.customer_name.as_deref(), config.customer_email.as_deref()), (Some("Ada"), Some("ada@example.com")));
        assert_eq!(config.session_variables.get("seats").map(String::as_str), Some("3"));
        for bad in [json!({ "account": 1, "c_email": "nope" }), json!({ "account": 1, "session_variables": ["x"] })] {
            assert!(WidgetConfig::from_options(&bad, "http://x").is_err(), "{bad}");
        }
        let config = WidgetConfig::from_options(&json!({ "account": 1, "departments": "2, 5" }), "http://x").unwrap();
        assert_eq!(config.departments, [2, 5]);
        let config = WidgetConfig::from_options(&json!({ "account": 1, "departments": [1, "3"] }), "http://x").unwrap();
        assert_eq!(config.departments, [1, 3]);
        assert!(WidgetConfig::from_options(&json!({ "account": 1, "departments": "sales" }), "http://x").is_err());
    }

    #[test]
    fn operators_are_agent_ids_and_clones_name_departments() {
        use crate::roster::DepartmentRef;
        let options = json!({
            "account": 1,
            "operators": " anna@x.com, 8 ,",
            "clone_operators": { "Anna": ["Tech support", 2] },
            "custom": "PHPSESSID=abc",
        });
        let config = WidgetConfig::from_options(&options, "http://x").unwrap();
        assert_eq!(config.operators, ["anna@x.com", "8"]);
        assert_eq!(config.clone_operators, [("Anna".to_owned(), vec![DepartmentRef::Name("Tech support".into()), DepartmentRef::Id(2)])]);
        assert_eq!(config.custom.as_deref(), Some("PHPSESSID=abc"));
        let config = WidgetConfig::from_options(&json!({ "account": 1, "operators": ["bob@x.com", 3] }), "http://x").unwrap();
        assert_eq!(config.operators, ["bob@x.com", "3"]);
        assert!(WidgetConfig::from_options(&json!({ "account": 1, "operators": [true] }), "http://x").is_err());
        assert!(WidgetConfig::from_options(&json!({ "account": 1, "clone_operators": { "Anna": "Sales" } }), "http://x").is_err());
        let page = json!({ "url": "https://Shop.Example:8443/tents?x=1", "title": "Tents" });
        let shared = WidgetConfig::from_options(&json!({ "account": 1, "page_info": page }), "http://x").unwrap();
        let per_host = WidgetConfig::from_options(&json!({ "account": 1, "page_info": page, "session_per_host": true }), "http://x").unwrap();
        assert_eq!(shared.identity_key(), "livechat.identity.1");
        assert_eq!(per_host.identity_key(), "livechat.identity.1@shop.example");
        assert!(WidgetConfig::from_options(&json!({ "account": 1, "identity_provider": true }), "http://x").unwrap().external_identity);
        assert!(!shared.external_identity);
        let defaults = WidgetConfig::from_options(&json!({ "account": 1 }), "http://x").unwrap();
        assert_eq!((defaults.theme, defaults.rating, defaults.sound), (Theme::Auto, RatingMode::Thumbs, true));
    }
}
