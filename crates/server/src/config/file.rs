//! The configuration file: a TOML description of licenses, their groups and forms, agents,
//! greetings, timings and limits, turned into a [`Config`] and checked before the server
//! starts.
//!
//! `config/demo.toml` is a complete, commented example of the format. Every table rejects
//! keys it does not know, so a misspelt key fails with its line instead of being ignored.
//! Rules TOML cannot express (ids that must exist, be unique or be positive) are checked
//! afterwards, and a failure names the key path, such as `licenses[0].agents[1].groups`.
//! Array indices in those paths count from 0 in the order the tables appear in the file.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use super::{Agent, Config, Forms, Greeting, GreetingTrigger, Group, License, Limits, Timings};

/// The token a configuration file gives its first agent when the run command supplies the
/// real one (`--agent-token`, or the `agent-token` file beside the database). Any other
/// agent with this token is an error, so a published file never holds a usable secret.
pub const AGENT_TOKEN_PLACEHOLDER: &str = "from-command-line";

/// The shortest agent token accepted: a token is all an agent signs in with.
pub const MIN_AGENT_TOKEN_CHARS: usize = 16;

/// Checks a public base URL (`public_url`, `--public-url`): an absolute http(s) URL with a
/// host and no query, fragment or credentials. It comes back without a trailing slash.
pub fn check_public_url(text: &str) -> Result<String, String> {
    let invalid = |why: &str| format!("{text:?} {why}");
    let url = url::Url::parse(text).map_err(|_| invalid("is not an absolute URL"))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(invalid("must be an http or https URL with a host"));
    }
    if url.query().is_some() || url.fragment().is_some() || !url.username().is_empty() || url.password().is_some() {
        return Err(invalid("must not have a query, a fragment or credentials"));
    }
    Ok(url.as_str().trim_end_matches('/').to_owned())
}

/// Checks a site origin (`https://shop.example`, `http://localhost:3000`): a scheme, a host
/// and maybe a port, nothing else. It comes back in the form browsers write origins in.
pub fn check_origin(text: &str) -> Result<String, String> {
    let url = url::Url::parse(text).map_err(|_| format!("{text:?} is not an origin such as https://shop.example"))?;
    let bare = url.path() == "/" && url.query().is_none() && url.fragment().is_none() && url.username().is_empty();
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() || !bare {
        return Err(format!("{text:?} is not an origin such as https://shop.example (a scheme, a host and maybe a port)"));
    }
    Ok(url.origin().ascii_serialization())
}

/// The form field types the widget knows how to show.
const FIELD_TYPES: &[&str] = &[
    "header",
    "name",
    "email",
    "phone",
    "question",
    "textarea",
    "subject",
    "radio",
    "select",
    "checkbox",
    "group_chooser",
];

/// The field types whose answer is one or more of a fixed list of options.
const CHOICE_TYPES: &[&str] = &["radio", "select", "checkbox", "group_chooser"];

/// The unit of `limits.upload_megabytes`.
const MEGABYTE: usize = 1024 * 1024;

/// Why a configuration file was not accepted.
#[derive(Debug)]
pub enum ConfigFileError {
    /// The file could not be read at all.
    Read {
        /// The file.
        path: PathBuf,
        /// What the operating system said.
        error: std::io::Error,
    },
    /// The text is not TOML, has a key the format does not know, lacks a required key, or
    /// holds a value of the wrong type. The message is the TOML parser's.
    Syntax {
        /// The file, as the caller named it.
        file: String,
        /// Line of the offending text, counting from 1, when the parser knows it.
        line: Option<usize>,
        /// Column (in characters) of the offending text, counting from 1.
        column: Option<usize>,
        /// The parser's description of the problem.
        message: String,
    },
    /// The file is well-formed but breaks a rule of the configuration.
    Invalid {
        /// The file, as the caller named it.
        file: String,
        /// Path of the offending key, e.g. `licenses[0].agents[1].groups`.
        key: String,
        /// What is wrong with it.
        message: String,
    },
}

impl ConfigFileError {
    /// The key path of a rule violation; `None` for read and syntax errors.
    pub fn key(&self) -> Option<&str> {
        match self {
            ConfigFileError::Invalid { key, .. } => Some(key),
            _ => None,
        }
    }

    /// The line of a syntax error, counting from 1.
    pub fn line(&self) -> Option<usize> {
        match self {
            ConfigFileError::Syntax { line, .. } => *line,
            _ => None,
        }
    }
}

impl fmt::Display for ConfigFileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigFileError::Read { path, error } => write!(f, "cannot read {}: {error}", path.display()),
            ConfigFileError::Syntax { file, line: Some(line), column: Some(column), message } => {
                write!(f, "{file}:{line}:{column}: {message}")
            }
            ConfigFileError::Syntax { file, line: Some(line), column: None, message } => {
                write!(f, "{file}:{line}: {message}")
            }
            ConfigFileError::Syntax { file, message, .. } => write!(f, "{file}: {message}"),
            ConfigFileError::Invalid { file, key, message } => write!(f, "{file}: {key}: {message}"),
        }
    }
}

// The operating system's reason is already part of the message, so the error reports no
// separate source; a chain printer would otherwise show it twice.
impl std::error::Error for ConfigFileError {}

/// Reads the configuration file at `path`. `database` and `widget_dist` come from the
/// command line; uploads go beside the database unless the file says otherwise.
pub fn load(path: &Path, database: PathBuf, widget_dist: PathBuf) -> Result<Config, ConfigFileError> {
    let text = std::fs::read_to_string(path).map_err(|error| ConfigFileError::Read { path: path.to_owned(), error })?;
    parse(&text, &path.display().to_string(), database, widget_dist)
}

/// Parses and checks configuration text. `source` names the text in error messages (the
/// file path, for [`load`]); nothing is read from disk or the environment.
pub fn parse(text: &str, source: &str, database: PathBuf, widget_dist: PathBuf) -> Result<Config, ConfigFileError> {
    let root: RootFile = toml::from_str(text).map_err(|error| syntax_error(text, source, &error))?;
    Builder { file: source }.config(root, database, widget_dist)
}

/// Turns the parser's error into a [`ConfigFileError::Syntax`] with a line and column.
fn syntax_error(text: &str, file: &str, error: &toml::de::Error) -> ConfigFileError {
    let position = error.span().and_then(|span| text.get(..span.start)).map(|before| {
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |newline| newline + 1);
        (line, before[line_start..].chars().count() + 1)
    });
    // The parser sometimes spreads a message over several lines; one line reads better
    // after a `file:line:column:` prefix.
    let message = error.message().trim().lines().map(str::trim).filter(|line| !line.is_empty()).collect::<Vec<_>>();
    ConfigFileError::Syntax {
        file: file.to_owned(),
        line: position.map(|(line, _)| line),
        column: position.map(|(_, column)| column),
        message: message.join("; "),
    }
}

// What the file holds, table by table. These mirror the TOML layout rather than `Config`,
// which is flat and keyed by license; `Builder` converts one into the other.

/// The whole file.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RootFile {
    #[serde(default)]
    timings: TimingsFile,
    #[serde(default)]
    limits: LimitsFile,
    upload_dir: Option<PathBuf>,
    public_url: Option<String>,
    #[serde(default)]
    trusted_proxies: Vec<String>,
    #[serde(default)]
    licenses: Vec<LicenseFile>,
}

/// `[timings]`: each key is optional and falls back to [`Timings::default`].
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct TimingsFile {
    login_timeout_seconds: Option<u64>,
    ping_interval_seconds: Option<u64>,
    idle_timeout_seconds: Option<u64>,
    token_ttl_seconds: Option<u64>,
    inactivity_timeout_seconds: Option<u64>,
    write_timeout_seconds: Option<u64>,
    header_read_timeout_seconds: Option<u64>,
}

/// `[limits]`: each key is optional and falls back to [`Limits::default`].
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct LimitsFile {
    connections_per_customer: Option<usize>,
    customers_per_license: Option<usize>,
    queue_length: Option<usize>,
    upload_megabytes: Option<usize>,
    requests_per_minute: Option<usize>,
    http_requests_per_minute: Option<usize>,
    unauthenticated_per_address: Option<usize>,
    outbound_queue_kilobytes: Option<usize>,
    upload_quota_megabytes: Option<usize>,
    read_kilobytes_per_second: Option<usize>,
}

/// `[[licenses]]`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LicenseFile {
    id: u64,
    organization_id: String,
    name: String,
    #[serde(default)]
    manual_assignment: bool,
    verification_url: Option<String>,
    #[serde(default)]
    allowed_origins: Vec<String>,
    #[serde(default)]
    groups: Vec<GroupFile>,
    #[serde(default)]
    agents: Vec<AgentFile>,
    #[serde(default)]
    greetings: Vec<GreetingFile>,
}

/// `[[licenses.groups]]`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct GroupFile {
    id: u32,
    name: String,
    #[serde(default = "offline_messages_default")]
    offline_messages: bool,
    #[serde(default)]
    forms: FormsFile,
}

/// Groups take offline messages unless the file says otherwise.
fn offline_messages_default() -> bool {
    true
}

/// `[licenses.groups.forms]`: a missing form is a disabled one.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct FormsFile {
    prechat: Option<FormFile>,
    postchat: Option<FormFile>,
    ticket: Option<FormFile>,
}

/// One form.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FormFile {
    id: String,
    #[serde(default)]
    fields: Vec<FieldFile>,
}

/// One field of a form.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FieldFile {
    id: String,
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    label: String,
    required: Option<bool>,
    options: Option<Vec<OptionFile>>,
}

/// One choice of a radio, select, checkbox or group_chooser field.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OptionFile {
    id: String,
    label: String,
    group_id: Option<u32>,
}

/// `[[licenses.agents]]`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AgentFile {
    id: String,
    name: String,
    #[serde(default)]
    job_title: String,
    avatar: Option<String>,
    token: String,
    groups: Vec<u32>,
    #[serde(default = "max_chats_default")]
    max_chats: u32,
}

/// The chats an agent takes at once unless the file says otherwise, as in [`Config::demo`].
fn max_chats_default() -> u32 {
    6
}

/// `[[licenses.greetings]]`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct GreetingFile {
    id: u64,
    group_id: u32,
    agent: String,
    text: String,
    trigger: Option<TriggerFile>,
}

/// A greeting's `trigger`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TriggerFile {
    url: Option<String>,
    #[serde(default)]
    after_seconds: u32,
}

/// Checks the parsed file and builds the [`Config`]; the first broken rule is the error.
struct Builder<'a> {
    /// Name of the text, for error messages.
    file: &'a str,
}

/// What the checks of one license need to know about the ones before it.
#[derive(Default)]
struct Seen {
    license_ids: HashSet<u64>,
    organization_ids: HashSet<String>,
    agent_ids: HashSet<String>,
    /// Each token with the key path of the agent that has it, so a clash can point at the
    /// other agent without printing the secret.
    tokens: HashMap<String, String>,
}

impl Builder<'_> {
    /// A rule violation at `key`.
    fn invalid(&self, key: impl Into<String>, message: impl Into<String>) -> ConfigFileError {
        ConfigFileError::Invalid { file: self.file.to_owned(), key: key.into(), message: message.into() }
    }

    /// Checks the whole file; `database` and `widget_dist` are passed through.
    fn config(&self, root: RootFile, database: PathBuf, widget_dist: PathBuf) -> Result<Config, ConfigFileError> {
        let timings = self.timings(&root.timings)?;
        let limits = self.limits(&root.limits)?;
        if root.licenses.is_empty() {
            return Err(self.invalid("licenses", "at least one license is needed"));
        }
        let upload_dir = root.upload_dir.unwrap_or_else(|| database.with_file_name("uploads"));
        let public_url = root.public_url.as_deref().map(|url| self.public_url(url)).transpose()?;
        let trusted_proxies = root
            .trusted_proxies
            .iter()
            .enumerate()
            .map(|(index, text)| self.proxy(index, text))
            .collect::<Result<Vec<_>, _>>()?;
        let mut config = Config {
            database,
            widget_dist,
            licenses: Vec::new(),
            groups: Vec::new(),
            agents: Vec::new(),
            greetings: Vec::new(),
            timings,
            limits,
            upload_dir,
            public_url,
            trusted_proxies,
        };
        let mut seen = Seen::default();
        for (index, license) in root.licenses.into_iter().enumerate() {
            self.license(&format!("licenses[{index}]"), license, &mut seen, &mut config)?;
        }
        Ok(config)
    }

    /// Reads `[timings]`: every duration is at least a second, and a customer token lives at
    /// least a minute.
    fn timings(&self, file: &TimingsFile) -> Result<Timings, ConfigFileError> {
        let defaults = Timings::default();
        let seconds = |key: &str, value: Option<u64>, default: Duration, minimum: u64| match value {
            None => Ok(default),
            Some(value) if value >= minimum => Ok(Duration::from_secs(value)),
            Some(value) => {
                let unit = if minimum == 1 { "second" } else { "seconds" };
                Err(self.invalid(format!("timings.{key}"), format!("must be at least {minimum} {unit}, not {value}")))
            }
        };
        Ok(Timings {
            login_timeout: seconds("login_timeout_seconds", file.login_timeout_seconds, defaults.login_timeout, 1)?,
            ping_interval: seconds("ping_interval_seconds", file.ping_interval_seconds, defaults.ping_interval, 1)?,
            idle_timeout: seconds("idle_timeout_seconds", file.idle_timeout_seconds, defaults.idle_timeout, 1)?,
            token_ttl: seconds("token_ttl_seconds", file.token_ttl_seconds, defaults.token_ttl, 60)?,
            inactivity_timeout: seconds(
                "inactivity_timeout_seconds",
                file.inactivity_timeout_seconds,
                defaults.inactivity_timeout,
                1,
            )?,
            write_timeout: seconds("write_timeout_seconds", file.write_timeout_seconds, defaults.write_timeout, 1)?,
            header_read_timeout: seconds(
                "header_read_timeout_seconds",
                file.header_read_timeout_seconds,
                defaults.header_read_timeout,
                1,
            )?,
        })
    }

    /// Reads `[limits]`: every limit is at least 1.
    fn limits(&self, file: &LimitsFile) -> Result<Limits, ConfigFileError> {
        let defaults = Limits::default();
        let count = |key: &str, value: Option<usize>, default: usize| match value {
            None => Ok(default),
            Some(0) => Err(self.invalid(format!("limits.{key}"), "must be at least 1, not 0")),
            Some(value) => Ok(value),
        };
        // The default is kept in bytes and used as it is; only a value from the file is
        // converted.
        let upload_bytes = match file.upload_megabytes {
            None => defaults.upload_bytes,
            Some(megabytes) => {
                count("upload_megabytes", Some(megabytes), 0)?.checked_mul(MEGABYTE).ok_or_else(|| {
                    self.invalid("limits.upload_megabytes", format!("{megabytes} megabytes is too large"))
                })?
            }
        };
        Ok(Limits {
            connections_per_customer: count(
                "connections_per_customer",
                file.connections_per_customer,
                defaults.connections_per_customer,
            )?,
            customers_per_license: count(
                "customers_per_license",
                file.customers_per_license,
                defaults.customers_per_license,
            )?,
            queue_length: count("queue_length", file.queue_length, defaults.queue_length)?,
            upload_bytes,
            requests_per_minute: count("requests_per_minute", file.requests_per_minute, defaults.requests_per_minute)?,
            http_requests_per_minute: count(
                "http_requests_per_minute",
                file.http_requests_per_minute,
                defaults.http_requests_per_minute,
            )?,
            unauthenticated_per_address: count(
                "unauthenticated_per_address",
                file.unauthenticated_per_address,
                defaults.unauthenticated_per_address,
            )?,
            outbound_queue_bytes: match file.outbound_queue_kilobytes {
                None => defaults.outbound_queue_bytes,
                Some(kilobytes) => count("outbound_queue_kilobytes", Some(kilobytes), 0)?.saturating_mul(1024),
            },
            read_bytes_per_second: match file.read_kilobytes_per_second {
                None => defaults.read_bytes_per_second,
                Some(kilobytes) => count("read_kilobytes_per_second", Some(kilobytes), 0)?.saturating_mul(1024),
            },
            upload_quota_bytes: match file.upload_quota_megabytes {
                None => defaults.upload_quota_bytes,
                Some(megabytes) => (count("upload_quota_megabytes", Some(megabytes), 0)? as u64).saturating_mul(MEGABYTE as u64),
            },
        })
    }

    /// Checks `public_url` (see [`check_public_url`]).
    fn public_url(&self, text: &str) -> Result<String, ConfigFileError> {
        check_public_url(text).map_err(|why| self.invalid("public_url", why))
    }

    /// Checks one `trusted_proxies` entry: an address or a CIDR block.
    fn proxy(&self, index: usize, text: &str) -> Result<ipnet::IpNet, ConfigFileError> {
        let text = text.trim();
        text.parse::<ipnet::IpNet>()
            .or_else(|_| text.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
            .map_err(|_| self.invalid(format!("trusted_proxies[{index}]"), format!("{text:?} is not an address or a CIDR block")))
    }

    /// Checks one license and adds it, its groups, agents and greetings to `config`.
    fn license(
        &self,
        at: &str,
        file: LicenseFile,
        seen: &mut Seen,
        config: &mut Config,
    ) -> Result<(), ConfigFileError> {
        let license_id = file.id;
        if license_id == 0 {
            return Err(self.invalid(format!("{at}.id"), "license ids start at 1"));
        }
        if !seen.license_ids.insert(license_id) {
            return Err(self.invalid(format!("{at}.id"), format!("license {license_id} is defined twice")));
        }
        if file.organization_id.trim().is_empty() {
            return Err(self.invalid(format!("{at}.organization_id"), "must not be empty"));
        }
        if !seen.organization_ids.insert(file.organization_id.clone()) {
            return Err(self.invalid(
                format!("{at}.organization_id"),
                format!("organization id {:?} is used by another license", file.organization_id),
            ));
        }
        if let Some(url) = &file.verification_url {
            self.verification_url(&format!("{at}.verification_url"), url)?;
        }
        let allowed_origins = file
            .allowed_origins
            .iter()
            .enumerate()
            .map(|(index, origin)| {
                check_origin(origin).map_err(|why| self.invalid(format!("{at}.allowed_origins[{index}]"), why))
            })
            .collect::<Result<Vec<_>, _>>()?;
        config.licenses.push(License {
            id: license_id,
            organization_id: file.organization_id,
            name: file.name,
            manual_assignment: file.manual_assignment,
            verification_url: file.verification_url,
            verification_timeout: Duration::from_secs(5),
            allowed_origins,
        });

        // Group ids come first: forms, agents and greetings all refer to them.
        let mut group_ids = HashSet::new();
        for (index, group) in file.groups.iter().enumerate() {
            if !group_ids.insert(group.id) {
                return Err(self.invalid(
                    format!("{at}.groups[{index}].id"),
                    format!("group {} is defined twice in license {license_id}", group.id),
                ));
            }
        }
        if !group_ids.contains(&0) {
            return Err(self
                .invalid(format!("{at}.groups"), format!("license {license_id} needs a group 0, its general group")));
        }
        let groups = Groups { license_id, ids: &group_ids };
        for (index, group) in file.groups.into_iter().enumerate() {
            let forms_at = format!("{at}.groups[{index}].forms");
            let forms = Forms {
                prechat: self.form(&format!("{forms_at}.prechat"), group.forms.prechat, &groups)?,
                postchat: self.form(&format!("{forms_at}.postchat"), group.forms.postchat, &groups)?,
                ticket: self.form(&format!("{forms_at}.ticket"), group.forms.ticket, &groups)?,
            };
            config.groups.push(Group {
                id: group.id,
                license_id,
                name: group.name,
                offline_messages: group.offline_messages,
                forms,
            });
        }

        let mut license_agents = HashSet::new();
        for (index, agent) in file.agents.into_iter().enumerate() {
            let agent_at = format!("{at}.agents[{index}]");
            let agent = self.agent(&agent_at, agent, &groups, seen, config.agents.is_empty())?;
            license_agents.insert(agent.id.clone());
            config.agents.push(agent);
        }

        let mut greeting_ids = HashSet::new();
        for (index, greeting) in file.greetings.into_iter().enumerate() {
            let greeting_at = format!("{at}.greetings[{index}]");
            if !greeting_ids.insert(greeting.id) {
                return Err(self.invalid(
                    format!("{greeting_at}.id"),
                    format!("greeting {} is defined twice in license {license_id}", greeting.id),
                ));
            }
            groups.check(self, &format!("{greeting_at}.group_id"), greeting.group_id)?;
            if !license_agents.contains(&greeting.agent) {
                return Err(self.invalid(
                    format!("{greeting_at}.agent"),
                    format!("{:?} is not an agent of license {license_id}", greeting.agent),
                ));
            }
            if greeting.text.trim().is_empty() {
                return Err(self.invalid(format!("{greeting_at}.text"), "must not be empty"));
            }
            config.greetings.push(Greeting {
                id: greeting.id,
                license_id,
                group_id: greeting.group_id,
                agent_id: greeting.agent,
                text: greeting.text,
                trigger: greeting
                    .trigger
                    .map(|trigger| GreetingTrigger { url: trigger.url, after_seconds: trigger.after_seconds }),
            });
        }
        Ok(())
    }

    /// Checks a license's `verification_url`: an absolute http or https URL. Private and
    /// loopback hosts are fine; the site owner chooses the address.
    fn verification_url(&self, at: &str, url: &str) -> Result<(), ConfigFileError> {
        let scheme = url.trim().split_once("://").map(|(scheme, _)| scheme.to_ascii_lowercase());
        if !matches!(scheme.as_deref(), Some("http" | "https")) {
            return Err(self.invalid(at, format!("must be an http or https URL, not {url:?}")));
        }
        crate::outbound::check_url(url).map_err(|problem| self.invalid(at, format!("{url:?}: {problem}")))
    }

    /// Checks one agent. `first` says whether it is the first agent of the file, the only
    /// one allowed to leave its token to the command line.
    fn agent(
        &self,
        at: &str,
        file: AgentFile,
        groups: &Groups<'_>,
        seen: &mut Seen,
        first: bool,
    ) -> Result<Agent, ConfigFileError> {
        if file.id.trim().is_empty() {
            return Err(self.invalid(format!("{at}.id"), "must not be empty"));
        }
        if !seen.agent_ids.insert(file.id.clone()) {
            return Err(self.invalid(format!("{at}.id"), format!("agent {:?} is defined twice", file.id)));
        }
        if file.token.trim().is_empty() {
            return Err(self.invalid(format!("{at}.token"), "must not be empty"));
        }
        if file.token != AGENT_TOKEN_PLACEHOLDER && file.token.chars().count() < MIN_AGENT_TOKEN_CHARS {
            return Err(self.invalid(
                format!("{at}.token"),
                format!("must be at least {MIN_AGENT_TOKEN_CHARS} characters: it is the agent's password"),
            ));
        }
        if file.token == AGENT_TOKEN_PLACEHOLDER && !first {
            return Err(self.invalid(
                format!("{at}.token"),
                format!("only the first agent of the file may use the placeholder {AGENT_TOKEN_PLACEHOLDER:?}"),
            ));
        }
        if let Some(other) = seen.tokens.get(&file.token) {
            return Err(self.invalid(format!("{at}.token"), format!("is the same as {other}")));
        }
        seen.tokens.insert(file.token.clone(), format!("{at}.token"));
        if file.groups.is_empty() {
            return Err(self.invalid(format!("{at}.groups"), "must name at least one group"));
        }
        for &group_id in &file.groups {
            groups.check(self, &format!("{at}.groups"), group_id)?;
        }
        if file.max_chats == 0 {
            return Err(self.invalid(format!("{at}.max_chats"), "must be at least 1, not 0"));
        }
        Ok(Agent {
            id: file.id,
            license_id: groups.license_id,
            name: file.name,
            job_title: file.job_title,
            avatar: file.avatar,
            token: file.token,
            groups: file.groups,
            max_chats: file.max_chats,
        })
    }

    /// Checks one form; `None` (a disabled form) passes through.
    fn form(
        &self,
        at: &str,
        file: Option<FormFile>,
        groups: &Groups<'_>,
    ) -> Result<Option<protocol::Form>, ConfigFileError> {
        let Some(file) = file else {
            return Ok(None);
        };
        if file.id.trim().is_empty() {
            return Err(self.invalid(format!("{at}.id"), "must not be empty"));
        }
        let mut field_ids = HashSet::new();
        let mut fields = Vec::with_capacity(file.fields.len());
        for (index, field) in file.fields.into_iter().enumerate() {
            let field_at = format!("{at}.fields[{index}]");
            if field.id.trim().is_empty() {
                return Err(self.invalid(format!("{field_at}.id"), "must not be empty"));
            }
            if !field_ids.insert(field.id.clone()) {
                return Err(self
                    .invalid(format!("{field_at}.id"), format!("field {:?} is defined twice in this form", field.id)));
            }
            if !FIELD_TYPES.contains(&field.kind.as_str()) {
                return Err(self.invalid(
                    format!("{field_at}.type"),
                    format!("unknown field type {:?}; expected one of {}", field.kind, FIELD_TYPES.join(", ")),
                ));
            }
            let options = self.options(&field_at, &field.kind, field.options, groups)?;
            fields.push(protocol::FormField {
                id: field.id,
                kind: field.kind,
                label: field.label,
                required: field.required,
                options,
            });
        }
        Ok(Some(protocol::Form { id: file.id, fields }))
    }

    /// Checks the options of a field of type `kind`: choice fields need some, others have
    /// none, and only group_chooser options route to a group (which must exist).
    fn options(
        &self,
        at: &str,
        kind: &str,
        options: Option<Vec<OptionFile>>,
        groups: &Groups<'_>,
    ) -> Result<Option<Vec<protocol::FormOption>>, ConfigFileError> {
        let options = match (CHOICE_TYPES.contains(&kind), options) {
            (false, None) => return Ok(None),
            (false, Some(_)) => {
                return Err(self.invalid(
                    format!("{at}.options"),
                    format!("a {kind} field has no options; only {} fields do", CHOICE_TYPES.join(", ")),
                ));
            }
            (true, Some(options)) if !options.is_empty() => options,
            (true, _) => {
                return Err(self.invalid(format!("{at}.options"), format!("a {kind} field needs at least one option")));
            }
        };
        let mut option_ids = HashSet::new();
        let mut checked = Vec::with_capacity(options.len());
        for (index, option) in options.into_iter().enumerate() {
            let option_at = format!("{at}.options[{index}]");
            if !option_ids.insert(option.id.clone()) {
                return Err(self.invalid(
                    format!("{option_at}.id"),
                    format!("option {:?} is defined twice in this field", option.id),
                ));
            }
            match (kind == "group_chooser", option.group_id) {
                (true, None) => {
                    return Err(
                        self.invalid(format!("{option_at}.group_id"), "a group_chooser option needs a group_id")
                    );
                }
                (true, Some(group_id)) => groups.check(self, &format!("{option_at}.group_id"), group_id)?,
                (false, Some(_)) => {
                    return Err(
                        self.invalid(format!("{option_at}.group_id"), "only group_chooser options route to a group")
                    );
                }
                (false, None) => {}
            }
            checked.push(protocol::FormOption { id: option.id, label: option.label, group_id: option.group_id });
        }
        Ok(Some(checked))
    }
}

/// The group ids of the license being checked.
struct Groups<'a> {
    license_id: u64,
    ids: &'a HashSet<u32>,
}

impl Groups<'_> {
    /// Fails at `key` unless `group_id` is a group of this license.
    fn check(&self, builder: &Builder<'_>, key: &str, group_id: u32) -> Result<(), ConfigFileError> {
        if self.ids.contains(&group_id) {
            Ok(())
        } else {
            Err(builder.invalid(key, format!("group {group_id} is not defined in license {}", self.license_id)))
        }
    }
}
