//! The rules of the configuration that TOML cannot express (ids that must exist, be unique
//! or be positive, URLs, origins, tokens, form fields), checked on the parsed tables while
//! they are turned into a [`Config`]. The first broken rule is the error, with its key path.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::time::Duration;

use super::tables::{AgentFile, FormFile, LicenseFile, LimitsFile, OptionFile, RootFile, TimingsFile};
use super::{ConfigFileError, AGENT_TOKEN_PLACEHOLDER, MIN_AGENT_TOKEN_CHARS};
use crate::config::{Agent, Config, Forms, Greeting, GreetingTrigger, Group, License, Limits, Role, Timings};

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

/// Checks the parsed file and builds the [`Config`]. `file` names the text in error
/// messages; `database` and `widget_dist` are passed through.
pub(super) fn config(file: &str, root: RootFile, database: PathBuf, widget_dist: PathBuf) -> Result<Config, ConfigFileError> {
    Builder { file }.config(root, database, widget_dist)
}

/// `base` with its licenses, groups, agents and greetings replaced by `licenses`, checked
/// by the same rules as a file's; `source` names them in error messages.
pub(crate) fn with_licenses(source: &str, base: &Config, licenses: Vec<LicenseFile>) -> Result<Config, ConfigFileError> {
    let builder = Builder { file: source };
    let mut config = Config {
        licenses: Vec::new(),
        groups: Vec::new(),
        agents: Vec::new(),
        disabled_agents: Vec::new(),
        greetings: Vec::new(),
        ..base.clone()
    };
    if licenses.is_empty() {
        return Err(builder.invalid("licenses", "at least one license is needed"));
    }
    let mut seen = Seen::default();
    for (index, license) in licenses.into_iter().enumerate() {
        builder.license(&format!("licenses[{index}]"), license, &mut seen, &mut config)?;
    }
    // How long a site has to answer a verification is the running configuration's.
    for license in &mut config.licenses {
        if let Some(before) = base.license_by_id(license.id) {
            license.verification_timeout = before.verification_timeout;
        }
    }
    Ok(config)
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
            .map(|(index, text)| self.network("trusted_proxies", index, text))
            .collect::<Result<Vec<_>, _>>()?;
        let metrics_from = root
            .metrics_from
            .iter()
            .enumerate()
            .map(|(index, text)| self.network("metrics_from", index, text))
            .collect::<Result<Vec<_>, _>>()?;
        let mut config = Config {
            database,
            database_url: None,
            nats_url: None,
            widget_dist,
            licenses: Vec::new(),
            groups: Vec::new(),
            agents: Vec::new(),
            disabled_agents: Vec::new(),
            greetings: Vec::new(),
            timings,
            limits,
            upload_dir,
            public_url,
            trusted_proxies,
            metrics_from,
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

    /// Checks one entry of a list of networks (`trusted_proxies`, `metrics_from`): an
    /// address or a CIDR block.
    fn network(&self, key: &str, index: usize, text: &str) -> Result<ipnet::IpNet, ConfigFileError> {
        let text = text.trim();
        text.parse::<ipnet::IpNet>()
            .or_else(|_| text.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
            .map_err(|_| self.invalid(format!("{key}[{index}]"), format!("{text:?} is not an address or a CIDR block")))
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
            business_hours: file
                .business_hours
                .as_ref()
                .map(|hours| {
                    crate::config::Hours::check(hours).map_err(|(key, why)| self.invalid(format!("{at}.business_hours{key}"), why))
                })
                .transpose()?,
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
            let disabled = agent.disabled;
            let agent = self.agent(&agent_at, agent, &groups, seen, config.agents.is_empty())?;
            if disabled {
                config.disabled_agents.push(agent);
                continue;
            }
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
        let token = file.token.unwrap_or_default();
        if let Some(token) = Some(&token).filter(|token| !token.is_empty()) {
            if token.trim().is_empty() {
                return Err(self.invalid(format!("{at}.token"), "must not be blank; leave the key out for no token"));
            }
            if token != AGENT_TOKEN_PLACEHOLDER && token.chars().count() < MIN_AGENT_TOKEN_CHARS {
                return Err(self.invalid(
                    format!("{at}.token"),
                    format!("must be at least {MIN_AGENT_TOKEN_CHARS} characters: it signs in as the agent"),
                ));
            }
            if token == AGENT_TOKEN_PLACEHOLDER && !first {
                return Err(self.invalid(
                    format!("{at}.token"),
                    format!("only the first agent of the file may use the placeholder {AGENT_TOKEN_PLACEHOLDER:?}"),
                ));
            }
            if let Some(other) = seen.tokens.get(token) {
                return Err(self.invalid(format!("{at}.token"), format!("is the same as {other}")));
            }
            seen.tokens.insert(token.clone(), format!("{at}.token"));
        }
        let role = match file.role.as_deref() {
            None => Role::Agent,
            Some(name) => Role::parse(name)
                .ok_or_else(|| self.invalid(format!("{at}.role"), format!("must be \"owner\", \"admin\" or \"agent\", not {name:?}")))?,
        };
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
            token,
            role,
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
