//! Wire errors (`payload.error` of a failed response) and disconnection reasons.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::string_enum;

string_enum! {
    /// The `type` of a wire error.
    pub enum ErrorType {
        /// Bad or expired token.
        Authentication = "authentication",
        /// Action not allowed for this user.
        Authorization = "authorization",
        /// The action needs an active thread.
        ChatInactive = "chat_inactive",
        /// The chat is already active.
        ChatAlreadyActive = "chat_already_active",
        /// One active chat per customer.
        ChatLimitReached = "chat_limit_reached",
        /// The customer is banned.
        CustomerBanned = "customer_banned",
        /// No such greeting.
        GreetingNotFound = "greeting_not_found",
        /// No such group.
        GroupNotFound = "group_not_found",
        /// The group is offline.
        GroupOffline = "group_offline",
        /// No agent of the group is free.
        GroupUnavailable = "group_unavailable",
        /// No group can take the chat.
        GroupsOffline = "groups_offline",
        /// Unexpected server failure.
        Internal = "internal",
        /// The license expired.
        LicenseExpired = "license_expired",
        /// A resource limit was reached.
        LimitReached = "limit_reached",
        /// Not allowed.
        NotAllowed = "not_allowed",
        /// Not found.
        NotFound = "not_found",
        /// More than 10 requests pending on one connection.
        PendingRequestsLimitReached = "pending_requests_limit_reached",
        /// The request took longer than 15 s.
        RequestTimeout = "request_timeout",
        /// The server does not accept new requests now.
        ServiceUnavailable = "service_unavailable",
        /// Rate limited.
        TooManyRequests = "too_many_requests",
        /// Old API version.
        UnsupportedVersion = "unsupported_version",
        /// The license's concurrent customer limit.
        UsersLimitReached = "users_limit_reached",
        /// The request is malformed.
        Validation = "validation",
        /// The license is not on this product version.
        WrongProductVersion = "wrong_product_version",
        /// Wrong region.
        MisdirectedRequest = "misdirected_request",
    }
}

/// The error object of a failed response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorPayload {
    /// Machine-readable type.
    #[serde(rename = "type")]
    pub kind: ErrorType,
    /// Human-readable message.
    #[serde(default)]
    pub message: String,
    /// Extra data, e.g. the region of a misdirected request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<Value>,
}

impl ErrorPayload {
    /// An error of `kind` with `message`.
    pub fn new(kind: ErrorType, message: impl Into<String>) -> Self {
        ErrorPayload { kind, message: message.into(), data: None }
    }
}

impl std::fmt::Display for ErrorPayload {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.kind, self.message)
    }
}

string_enum! {
    /// Why the server closed a customer connection (`customer_disconnected.reason`).
    pub enum DisconnectReason {
        /// The token expired; get a new one and reconnect.
        AccessTokenExpired = "access_token_expired",
        /// No ping, or login took too long.
        ConnectionTimeout = "connection_timeout",
        /// The customer is banned.
        CustomerBanned = "customer_banned",
        /// Reconnected too often.
        CustomerTemporarilyBlocked = "customer_temporarily_blocked",
        /// 30 minutes without chatting or changing page.
        InactivityTimeout = "inactivity_timeout",
        /// Unexpected server failure.
        InternalError = "internal_error",
        /// The license expired.
        LicenseExpired = "license_expired",
        /// No such license.
        LicenseNotFound = "license_not_found",
        /// Wrong region.
        MisdirectedConnection = "misdirected_connection",
        /// The product version changed.
        ProductVersionChanged = "product_version_changed",
        /// The service is briefly unavailable.
        ServiceTemporarilyUnavailable = "service_temporarily_unavailable",
        /// Too many sockets for this customer.
        TooManyConnections = "too_many_connections",
        /// Too many sockets that never logged in.
        TooManyUnauthorizedConnections = "too_many_unauthorized_connections",
        /// Old API version.
        UnsupportedVersion = "unsupported_version",
        /// The license's concurrent customer limit.
        UsersLimitReached = "users_limit_reached",
        /// The customer was logged out by the server (3.5 on).
        LoggedOutRemotely = "logged_out_remotely",
        /// No ping for too long (the 3.0 name of `connection_timeout`).
        PingTimeout = "ping_timeout",
        /// The access token was revoked; get a new one.
        AccessTokenRevoked = "access_token_revoked",
        /// The server let go of the connection; reconnect.
        ConnectionEvicted = "connection_evicted",
        /// Client side: the identity changed between reconnects (the SDK's
        /// `identity_mismatch`); never sent by a server.
        IdentityMismatch = "identity_mismatch",
    }
}

/// What a client should do after a disconnection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReconnectPolicy {
    /// Reconnect by itself, with backoff.
    Reconnect,
    /// Stay disconnected until the visitor acts.
    WaitForUser,
    /// Stop for good.
    Destroy,
}

impl DisconnectReason {
    /// The client reaction the Customer SDK documents for this reason.
    pub fn policy(&self) -> ReconnectPolicy {
        match self {
            Self::InactivityTimeout | Self::UsersLimitReached => ReconnectPolicy::WaitForUser,
            Self::CustomerBanned
            | Self::CustomerTemporarilyBlocked
            | Self::LicenseNotFound
            | Self::LicenseExpired
            | Self::TooManyConnections
            | Self::UnsupportedVersion
            | Self::LoggedOutRemotely
            | Self::ProductVersionChanged
            | Self::IdentityMismatch => ReconnectPolicy::Destroy,
            _ => ReconnectPolicy::Reconnect,
        }
    }
}
