//! The configuration file: a TOML description of licenses, their groups and forms, agents,
//! greetings, timings and limits, turned into a [`Config`] and checked before the server
//! starts.
//!
//! `config/demo.toml` is a complete, commented example of the format. Every table rejects
//! keys it does not know, so a misspelt key fails with its line instead of being ignored.
//! Rules TOML cannot express (ids that must exist, be unique or be positive) are checked
//! afterwards, and a failure names the key path, such as `licenses[0].agents[1].groups`.
//! Array indices in those paths count from 0 in the order the tables appear in the file.
//!
//! This module reads the text and reports errors; [`tables`] holds the shapes the TOML is
//! parsed into and [`checks`] the rules that turn them into a [`Config`].

use std::fmt;
use std::path::{Path, PathBuf};

use super::Config;

mod checks;
mod tables;

pub use checks::check_public_url;
pub(crate) use checks::with_licenses;

/// The token a configuration file gives its first agent when the run command supplies the
/// real one (`--agent-token`, or the `agent-token` file beside the database). Any other
/// agent with this token is an error, so a published file never holds a usable secret.
pub const AGENT_TOKEN_PLACEHOLDER: &str = "from-command-line";

/// The shortest agent token accepted: a token is all an agent signs in with.
pub const MIN_AGENT_TOKEN_CHARS: usize = 16;

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
    let root: tables::RootFile = toml::from_str(text).map_err(|error| syntax_error(text, source, &error))?;
    checks::config(source, root, database, widget_dist)
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
