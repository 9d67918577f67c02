//! Agent accounts beside the chats (extensions of the agent API): API tokens for bots and
//! integrations, which an owner or administrator creates, lists and revokes, and the
//! agent's own sign-in answers the agent app reads over HTTP.

use serde::{Deserialize, Serialize};

/// `create_api_token`: a token that signs in as an agent of the license.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreateApiToken {
    /// What the token is for, as the list shows it.
    pub name: String,
    /// The agent the token signs in as; the creator when left out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_id: Option<String>,
    /// Days until it stops working; never when left out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_in_days: Option<u32>,
}

/// An API token as the list shows it: never the secret itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiToken {
    /// Id, unique in the server.
    pub id: u64,
    /// What it is for.
    pub name: String,
    /// The agent it signs in as.
    pub agent_id: String,
    /// Who created it.
    pub created_by: String,
    /// When (RFC 3339).
    pub created_at: String,
    /// When it stops working (RFC 3339); never when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<String>,
    /// When it last signed in (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_used_at: Option<String>,
}

/// Answer to `create_api_token`: the token's secret, shown this once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatedApiToken {
    /// The token as listed from now on.
    #[serde(flatten)]
    pub info: ApiToken,
    /// The secret: `login` with it as the token. The server keeps only its digest.
    pub token: String,
}

/// Answer to `list_api_tokens`: the license's live tokens, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListApiTokensResponse {
    /// The tokens.
    pub api_tokens: Vec<ApiToken>,
}

/// `revoke_api_token`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiTokenId {
    /// Which token.
    pub id: u64,
}

/// `POST /account/sign_in`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignIn {
    /// The agent's e-mail (their id).
    pub email: String,
    /// Their password.
    pub password: String,
}

/// `POST /account/password`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangePassword {
    /// The password now.
    pub current_password: String,
    /// The one to use from now on.
    pub new_password: String,
}

/// Who is signed in: the answer to `sign_in` and `GET /account/me`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedIn {
    /// The agent's id (e-mail).
    pub agent_id: String,
    /// Their display name.
    pub name: String,
    /// `owner`, `administrator` or `normal`, as the agent API's `permission`.
    pub permission: String,
}
