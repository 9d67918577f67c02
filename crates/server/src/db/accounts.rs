//! Agents' accounts, the [`AccountStore`] part of the store: each agent's role and password
//! hash, the browser sessions they signed in with, and the API tokens programs sign in
//! with. Secrets are stored only as digests (sessions, tokens) or argon2id hashes
//! (passwords).

use crate::db::DbResult;

/// An agent's account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountRow {
    /// The agent (their e-mail).
    pub agent_id: String,
    /// `owner`, `admin` or `agent`.
    pub role: String,
    /// The argon2id hash (PHC string) of their password; `None` until one is set.
    pub password_hash: Option<String>,
}

/// An API token as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiTokenRow {
    /// Id.
    pub id: u64,
    /// License.
    pub license_id: u64,
    /// The agent it signs in as.
    pub agent_id: String,
    /// What it is for.
    pub name: String,
    /// Who made it.
    pub created_by: String,
    /// When (RFC 3339).
    pub created_at: String,
    /// When it stops working (unix seconds).
    pub expires_at: Option<i64>,
    /// When it last signed in (RFC 3339).
    pub last_used_at: Option<String>,
}

/// Storage of accounts, sessions and API tokens.
pub trait AccountStore {
    /// Creates an agent's account with `role` unless they have one already.
    fn seed_account(&self, agent_id: &str, license_id: u64, role: &str, now: &str) -> DbResult<()>;
    /// An agent's account.
    fn account(&self, agent_id: &str) -> DbResult<Option<AccountRow>>;
    /// Sets an agent's password hash and, when given, role.
    fn set_credentials(&self, agent_id: &str, password_hash: &str, role: Option<&str>) -> DbResult<()>;
    /// Sets an agent's role.
    fn set_role(&self, agent_id: &str, role: &str) -> DbResult<()>;
    /// Stores a signed-in session by its token's digest.
    fn create_session(&self, token_hash: &str, agent_id: &str, now: i64, expires_at: i64) -> DbResult<()>;
    /// The agent and expiry of a live session.
    fn session(&self, token_hash: &str, now: i64) -> DbResult<Option<(String, i64)>>;
    /// Ends one session; false when there was none.
    fn delete_session(&self, token_hash: &str) -> DbResult<bool>;
    /// Ends every session of an agent but `keep`, and says which ended.
    fn delete_sessions_of(&self, agent_id: &str, keep: Option<&str>) -> DbResult<Vec<String>>;
    /// Stores a new API token by its digest and gives its id.
    fn create_api_token(&self, token_hash: &str, token: &ApiTokenRow) -> DbResult<u64>;
    /// The license's tokens that are neither revoked nor expired, newest first.
    fn api_tokens(&self, license_id: u64, now: i64) -> DbResult<Vec<ApiTokenRow>>;
    /// The live token with this digest, marked as used now.
    fn use_api_token(&self, token_hash: &str, now: i64, now_text: &str) -> DbResult<Option<ApiTokenRow>>;
    /// Revokes a token of the license; false when it has no such live token.
    fn revoke_api_token(&self, license_id: u64, id: u64, now_text: &str) -> DbResult<bool>;
}
