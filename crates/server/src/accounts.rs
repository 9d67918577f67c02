//! Agents' accounts: passwords (argon2id), the browser sessions agents sign in with (an
//! HttpOnly, SameSite=Strict cookie), roles, and the API tokens programs sign in with.
//!
//! A socket of the agent API logs in with one of three credentials: the session cookie its
//! upgrade request carried (from this server's own pages only), an API token made in the
//! app, or the token the configuration gives an agent. Each live socket remembers which,
//! so signing out, changing a password or revoking a token closes exactly the sockets that
//! credential opened.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use protocol::{ApiToken, CreateApiToken, CreatedApiToken, DisconnectReason, ErrorPayload, ErrorType};

use crate::actor::Actor;
use crate::config::{Agent, License, Role};
use crate::db::accounts::ApiTokenRow;
use crate::errors::{not_found, validation, ApiResult};
pub(crate) use crate::hub::Credential;
use crate::limits::address_key;
use crate::{ids, App};

/// The session cookie's name.
pub(crate) const SESSION_COOKIE: &str = "lc_agent_session";
/// How long a sign-in lasts.
pub(crate) const SESSION_TTL: Duration = Duration::from_secs(14 * 24 * 60 * 60);
/// The shortest password accepted, in characters.
pub const MIN_PASSWORD_CHARS: usize = 10;
/// The longest, in bytes (hashing cost grows with it).
const MAX_PASSWORD_BYTES: usize = 256;
/// Failed sign-ins allowed per account, and per client address, in one window.
const FAILURES_PER_ACCOUNT: u32 = 5;
const FAILURES_PER_ADDRESS: u32 = 20;
const FAILURE_WINDOW: Duration = Duration::from_secs(15 * 60);
/// The longest API token name, in characters, and the furthest expiry.
const MAX_TOKEN_NAME_CHARS: usize = 80;
const MAX_TOKEN_DAYS: u32 = 3650;

/// A browser session an agent socket's upgrade request carried.
#[derive(Debug, Clone)]
pub struct BrowserSession {
    /// The agent.
    pub agent_id: String,
    /// The session token's digest.
    pub token_hash: String,
    /// When it ends (unix seconds).
    pub expires_at: i64,
}

/// Failed sign-ins per key in fixed windows.
#[derive(Default)]
pub struct Failures {
    counts: Mutex<HashMap<String, (u32, Instant)>>,
}

impl Failures {
    /// How long `key` must wait, when it has used up `limit` failures in this window.
    fn blocked(&self, key: &str, limit: u32, now: Instant) -> Option<Duration> {
        let counts = self.counts.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let &(count, since) = counts.get(key)?;
        let ends = since + FAILURE_WINDOW;
        (count >= limit && ends > now).then(|| ends - now)
    }

    fn fail(&self, key: &str, now: Instant) {
        let mut counts = self.counts.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if counts.len() >= 10_000 {
            counts.retain(|_, (_, since)| *since + FAILURE_WINDOW > now);
        }
        let entry = counts.entry(key.to_owned()).or_insert((0, now));
        if entry.1 + FAILURE_WINDOW <= now {
            *entry = (0, now);
        }
        entry.0 += 1;
    }

    fn clear(&self, key: &str) {
        self.counts.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).remove(key);
    }
}

/// Why a sign-in was refused.
#[derive(Debug)]
pub enum SignInRefusal {
    /// Wrong e-mail or password (which one is not said).
    Wrong,
    /// Too many failures lately; try again after this long.
    TooMany(Duration),
    /// Storage failed.
    Internal,
}

/// The argon2id hash (PHC string) of a password, with a fresh salt. Slow on purpose: call
/// it off the async workers.
pub fn hash_password(password: &str) -> String {
    let salt = SaltString::encode_b64(&ids::random_bytes::<16>()).expect("16 bytes make a valid salt");
    Argon2::default().hash_password(password.as_bytes(), &salt).expect("argon2id hashes any password").to_string()
}

/// Whether `password` matches a stored hash.
fn password_matches(hash: &str, password: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|hash| Argon2::default().verify_password(password.as_bytes(), &hash).is_ok())
}

/// Checks a new password's length.
pub fn check_new_password(password: &str) -> Result<(), String> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(format!("the password must be at least {MIN_PASSWORD_CHARS} characters"));
    }
    if password.len() > MAX_PASSWORD_BYTES {
        return Err(format!("the password must be at most {MAX_PASSWORD_BYTES} bytes"));
    }
    Ok(())
}

/// A password for a new account: 16 letters and digits, easy to copy.
pub fn generate_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    ids::random_bytes::<16>().iter().map(|byte| ALPHABET[*byte as usize % ALPHABET.len()] as char).collect()
}

impl App {
    /// Gives every configured agent an account with the configuration's role, unless they
    /// have one already (then the database's role stands).
    pub(crate) fn seed_accounts(&self) -> crate::db::DbResult<()> {
        let now = self.clock.timestamp();
        for agent in &self.directory().agents {
            self.db.seed_account(&agent.id, agent.license_id, agent.role.as_str(), &now)?;
        }
        Ok(())
    }

    /// An agent's role: their account's, else the configuration's.
    pub(crate) fn role_of(&self, agent_id: &str) -> ApiResult<Role> {
        let stored = self.db.account(agent_id)?.and_then(|account| Role::parse(&account.role));
        Ok(stored.or_else(|| self.directory().agent(agent_id).map(|agent| agent.role)).unwrap_or(Role::Agent))
    }

    /// Refuses agents who do not manage the license.
    pub(crate) fn require_manager(&self, agent_id: &str) -> ApiResult<()> {
        match self.role_of(agent_id)?.manages() {
            true => Ok(()),
            false => Err(ErrorPayload::new(ErrorType::Authorization, "only owners and administrators may do this")),
        }
    }

    /// Sets an agent's password (and role, when given), ending all their browser sessions
    /// but `keep` and closing the sockets those sessions opened.
    pub fn set_password(&self, agent_id: &str, password: &str, role: Option<Role>, keep: Option<&str>) -> anyhow::Result<()> {
        let directory = self.directory();
        let agent = directory.agent(agent_id).ok_or_else(|| anyhow::anyhow!("no agent {agent_id:?} in the configuration"))?;
        self.db.seed_account(&agent.id, agent.license_id, agent.role.as_str(), &self.clock.timestamp())?;
        self.db.set_credentials(agent_id, &hash_password(password), role.map(Role::as_str))?;
        let ended = self.db.delete_sessions_of(agent_id, keep)?;
        self.close_sessions(agent.license_id, &ended, DisconnectReason::LoggedOutRemotely);
        Ok(())
    }

    /// Whether an agent has a password yet.
    pub fn has_password(&self, agent_id: &str) -> crate::db::DbResult<bool> {
        Ok(self.db.account(agent_id)?.is_some_and(|account| account.password_hash.is_some()))
    }

    /// Whether `password` is an agent's password now.
    pub fn password_is(&self, agent_id: &str, password: &str) -> bool {
        let stored = self.db.account(agent_id).ok().flatten().and_then(|account| account.password_hash);
        stored.is_some_and(|hash| password_matches(&hash, password))
    }

    /// Signs an agent in: a new session's token and the agent, or why not. Failures count
    /// against the account and the address; past either limit, no password is even checked.
    pub(crate) fn sign_in(&self, email: &str, password: &str, client: IpAddr) -> Result<(String, Agent), SignInRefusal> {
        let now = Instant::now();
        let account_key = format!("account:{}", email.to_lowercase());
        let address_key = format!("address:{}", address_key(client));
        let blocked = [(account_key.as_str(), FAILURES_PER_ACCOUNT), (address_key.as_str(), FAILURES_PER_ADDRESS)]
            .into_iter()
            .filter_map(|(key, limit)| self.sign_in_failures.blocked(key, limit, now))
            .max();
        if let Some(wait) = blocked {
            return Err(SignInRefusal::TooMany(wait));
        }
        let agent = self.directory().agents.iter().find(|agent| agent.id.eq_ignore_ascii_case(email)).cloned();
        let stored = match &agent {
            Some(agent) => self.db.account(&agent.id).map_err(|_| SignInRefusal::Internal)?.and_then(|account| account.password_hash),
            None => None,
        };
        // An unknown e-mail still costs one hash, so timing does not tell which agents exist.
        let matches = match &stored {
            Some(hash) => password_matches(hash, password),
            None => {
                let _ = password_matches(DUMMY_HASH.get_or_init(|| hash_password("not a password")), password);
                false
            }
        };
        let (Some(agent), true) = (agent, matches) else {
            self.sign_in_failures.fail(&account_key, now);
            self.sign_in_failures.fail(&address_key, now);
            return Err(SignInRefusal::Wrong);
        };
        self.sign_in_failures.clear(&account_key);
        let token = ids::secret();
        let now = ids::unix_now();
        self.db
            .create_session(&ids::hash_secret(&token), &agent.id, now, now + SESSION_TTL.as_secs() as i64)
            .map_err(|_| SignInRefusal::Internal)?;
        Ok((token, agent))
    }

    /// The live session a cookie's token names.
    pub(crate) fn browser_session(&self, token: &str) -> Option<BrowserSession> {
        let token_hash = ids::hash_secret(token);
        let (agent_id, expires_at) = self.db.session(&token_hash, ids::unix_now()).ok().flatten()?;
        Some(BrowserSession { agent_id, token_hash, expires_at })
    }

    /// Ends a browser session and closes its sockets.
    pub(crate) fn sign_out(&self, session: &BrowserSession) -> crate::db::DbResult<()> {
        self.db.delete_session(&session.token_hash)?;
        if let Some(agent) = self.directory().agent(&session.agent_id) {
            self.close_sessions(agent.license_id, std::slice::from_ref(&session.token_hash), DisconnectReason::LoggedOutRemotely);
        }
        Ok(())
    }

    /// Ends every browser session of an agent and closes their sockets.
    pub(crate) fn sign_out_everywhere(&self, agent_id: &str) -> crate::db::DbResult<()> {
        let ended = self.db.delete_sessions_of(agent_id, None)?;
        if let Some(agent) = self.directory().agent(agent_id) {
            self.close_sessions(agent.license_id, &ended, DisconnectReason::LoggedOutRemotely);
        }
        Ok(())
    }

    fn close_sessions(&self, license_id: u64, token_hashes: &[String], reason: DisconnectReason) {
        self.hub.disconnect_agents(license_id, reason, crate::hub::AgentSockets::Sessions(token_hashes.to_vec()));
    }

    /// The agent a socket's `login` signs in as, what it signed in with, and how long that
    /// stays valid. An empty token means the browser session of the socket's upgrade.
    pub(crate) fn agent_credential(
        &self,
        license: &License,
        token: &str,
        browser: Option<&BrowserSession>,
    ) -> ApiResult<(Agent, Credential, Option<Duration>)> {
        let refused = || ErrorPayload::new(ErrorType::Authentication, "invalid agent token");
        let remaining = |expires_at: i64| Duration::from_secs((expires_at - ids::unix_now()).max(0) as u64);
        if token.is_empty() {
            let session = browser.ok_or_else(|| ErrorPayload::new(ErrorType::Authentication, "sign in first"))?;
            let agent = self.directory().agent(&session.agent_id).filter(|agent| agent.license_id == license.id).cloned();
            let agent = agent.ok_or_else(refused)?;
            return Ok((agent, Credential::Session(session.token_hash.clone()), Some(remaining(session.expires_at))));
        }
        let (agent, credential, expires_at) = self.token_agent(token)?.filter(|(agent, ..)| agent.license_id == license.id).ok_or_else(refused)?;
        Ok((agent, credential, expires_at.map(remaining)))
    }

    /// The agent a token signs in as: the configuration's token, or a live API token (then
    /// marked as used), with what it is and when it expires (unix seconds).
    pub(crate) fn token_agent(&self, token: &str) -> ApiResult<Option<(Agent, Credential, Option<i64>)>> {
        let directory = self.directory();
        if let Some(agent) = directory.agent_by_token(token) {
            return Ok(Some((agent.clone(), Credential::Configured, None)));
        }
        let row = self.db.use_api_token(&ids::hash_secret(token), ids::unix_now(), &self.clock.timestamp())?;
        // A token signs in only as an agent of its own license.
        let agent = row.as_ref().and_then(|row| directory.agent(&row.agent_id).filter(|agent| agent.license_id == row.license_id));
        Ok(row.zip(agent.cloned()).map(|(row, agent)| (agent, Credential::ApiToken(row.id), row.expires_at)))
    }

    /// `create_api_token` (owners and administrators).
    pub(crate) fn create_api_token(&self, actor: &Actor<'_>, request: CreateApiToken) -> ApiResult<CreatedApiToken> {
        let creator = actor.user_id();
        self.require_manager(creator)?;
        let name = request.name.trim();
        if name.is_empty() || name.chars().count() > MAX_TOKEN_NAME_CHARS || name.chars().any(char::is_control) {
            return Err(validation(format!("name must be 1 to {MAX_TOKEN_NAME_CHARS} characters on one line")));
        }
        let agent_id = request.agent_id.as_deref().unwrap_or(creator);
        if !self.directory().agent(agent_id).is_some_and(|agent| agent.license_id == actor.license_id) {
            return Err(not_found("agent"));
        }
        // A token signs in with its agent's role: only an owner may mint an owner's.
        if self.role_of(agent_id)? == Role::Owner && self.role_of(creator)? != Role::Owner {
            return Err(ErrorPayload::new(ErrorType::Authorization, "only an owner may make a token that signs in as an owner"));
        }
        let expires_at = match request.expires_in_days {
            Some(days) if days == 0 || days > MAX_TOKEN_DAYS => {
                return Err(validation(format!("expires_in_days must be 1 to {MAX_TOKEN_DAYS}")));
            }
            Some(days) => Some(ids::unix_now() + i64::from(days) * 24 * 60 * 60),
            None => None,
        };
        let token = ids::secret();
        let mut row = ApiTokenRow {
            id: 0,
            license_id: actor.license_id,
            agent_id: agent_id.to_owned(),
            name: name.to_owned(),
            created_by: creator.to_owned(),
            created_at: self.clock.timestamp(),
            expires_at,
            last_used_at: None,
        };
        row.id = self.db.create_api_token(&ids::hash_secret(&token), &row)?;
        Ok(CreatedApiToken { info: api_token(row), token })
    }

    /// `list_api_tokens` (owners and administrators).
    pub(crate) fn list_api_tokens(&self, actor: &Actor<'_>) -> ApiResult<Vec<ApiToken>> {
        self.require_manager(actor.user_id())?;
        Ok(self.db.api_tokens(actor.license_id, ids::unix_now())?.into_iter().map(api_token).collect())
    }

    /// `revoke_api_token` (owners and administrators): the token stops working, and the
    /// sockets it opened are closed.
    pub(crate) fn revoke_api_token(&self, actor: &Actor<'_>, id: u64) -> ApiResult<()> {
        self.require_manager(actor.user_id())?;
        if !self.db.revoke_api_token(actor.license_id, id, &self.clock.timestamp())? {
            return Err(not_found("API token"));
        }
        self.hub.disconnect_agents(actor.license_id, DisconnectReason::AccessTokenRevoked, crate::hub::AgentSockets::ApiToken(id));
        Ok(())
    }
}

/// A hash no password matches, checked when the e-mail names no account.
static DUMMY_HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();

fn api_token(row: ApiTokenRow) -> ApiToken {
    ApiToken {
        id: row.id,
        name: row.name,
        agent_id: row.agent_id,
        created_by: row.created_by,
        created_at: row.created_at,
        expires_at: row.expires_at.map(|at| ids::format_micros(i128::from(at) * 1_000_000)),
        last_used_at: row.last_used_at,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_matches_its_own_hash_only() {
        let hash = hash_password("correct horse battery");
        assert!(hash.starts_with("$argon2id$"), "{hash}");
        assert!(password_matches(&hash, "correct horse battery"));
        assert!(!password_matches(&hash, "correct horse batterY"));
        assert!(!password_matches("not a hash", "correct horse battery"));
        assert_ne!(hash, hash_password("correct horse battery"), "each hash has its own salt");
    }

    #[test]
    fn failures_block_a_key_for_the_rest_of_its_window() {
        let failures = Failures::default();
        let start = Instant::now();
        for _ in 0..3 {
            assert_eq!(failures.blocked("k", 3, start), None);
            failures.fail("k", start);
        }
        let wait = failures.blocked("k", 3, start + Duration::from_secs(60)).unwrap();
        assert_eq!(wait, FAILURE_WINDOW - Duration::from_secs(60));
        assert_eq!(failures.blocked("other", 3, start), None);
        assert_eq!(failures.blocked("k", 3, start + FAILURE_WINDOW), None, "the window ends");
        failures.fail("k", start + FAILURE_WINDOW);
        assert_eq!(failures.blocked("k", 3, start + FAILURE_WINDOW), None, "a new window counts from one");
        failures.clear("k");
        assert_eq!(failures.blocked("k", 1, start), None);
    }

    #[test]
    fn new_passwords_have_a_length() {
        assert!(check_new_password("short").is_err());
        assert!(check_new_password(&"x".repeat(300)).is_err());
        assert!(check_new_password("long enough now").is_ok());
        assert_eq!(generate_password().chars().count(), 16);
    }
}
