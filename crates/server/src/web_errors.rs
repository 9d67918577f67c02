//! How the Web API answers an error over HTTP: a status chosen from the wire error type,
//! and the `{"error": {"type", "message"}}` body. The Web API's actions, its `GET` methods
//! and uploads all answer this way.

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use protocol::{ErrorPayload, ErrorType};
use serde_json::json;

/// The HTTP status that goes with a wire error type.
///
/// States that forbid the action right now (an active chat, an inactive chat, the one-chat
/// limit, a resource limit) are answered with 409 Conflict rather than 422: the request is
/// well formed, it just clashes with the chat's current state. A version or license the URL
/// names but this server does not have is 404, since that URL serves nothing. Types with no
/// better match are 500.
pub(crate) fn status_for(kind: &ErrorType) -> StatusCode {
    match kind {
        ErrorType::Authentication => StatusCode::UNAUTHORIZED,
        ErrorType::Authorization
        | ErrorType::NotAllowed
        | ErrorType::CustomerBanned
        | ErrorType::LicenseExpired
        | ErrorType::WrongProductVersion => StatusCode::FORBIDDEN,
        ErrorType::NotFound | ErrorType::GroupNotFound | ErrorType::GreetingNotFound | ErrorType::UnsupportedVersion => {
            StatusCode::NOT_FOUND
        }
        ErrorType::Validation => StatusCode::BAD_REQUEST,
        ErrorType::ChatLimitReached | ErrorType::ChatInactive | ErrorType::ChatAlreadyActive | ErrorType::LimitReached => {
            StatusCode::CONFLICT
        }
        ErrorType::TooManyRequests | ErrorType::PendingRequestsLimitReached | ErrorType::UsersLimitReached => {
            StatusCode::TOO_MANY_REQUESTS
        }
        ErrorType::RequestTimeout => StatusCode::GATEWAY_TIMEOUT,
        ErrorType::GroupsOffline | ErrorType::GroupOffline | ErrorType::GroupUnavailable | ErrorType::ServiceUnavailable => {
            StatusCode::SERVICE_UNAVAILABLE
        }
        ErrorType::MisdirectedRequest => StatusCode::MISDIRECTED_REQUEST,
        ErrorType::Other(other) if other == "license_not_found" => StatusCode::NOT_FOUND,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// An error as the Web API answers it: `{"error": {"type", "message"}}` with its status.
pub(crate) fn error_response(error: &ErrorPayload) -> Response {
    error_response_with(status_for(&error.kind), error)
}

/// An error body with an explicit status (e.g. 413 for a `validation` error about size).
pub(crate) fn error_response_with(status: StatusCode, error: &ErrorPayload) -> Response {
    let mut response = (status, [(header::CACHE_CONTROL, "no-store")], Json(json!({ "error": error }))).into_response();
    if status == StatusCode::UNAUTHORIZED {
        response.headers_mut().insert(header::WWW_AUTHENTICATE, header::HeaderValue::from_static("Bearer"));
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_types_map_to_http_statuses() {
        assert_eq!(status_for(&ErrorType::Authentication), StatusCode::UNAUTHORIZED);
        assert_eq!(status_for(&ErrorType::CustomerBanned), StatusCode::FORBIDDEN);
        assert_eq!(status_for(&ErrorType::GroupNotFound), StatusCode::NOT_FOUND);
        assert_eq!(status_for(&ErrorType::Validation), StatusCode::BAD_REQUEST);
        assert_eq!(status_for(&ErrorType::ChatAlreadyActive), StatusCode::CONFLICT);
        assert_eq!(status_for(&ErrorType::PendingRequestsLimitReached), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(status_for(&ErrorType::RequestTimeout), StatusCode::GATEWAY_TIMEOUT);
        assert_eq!(status_for(&ErrorType::GroupsOffline), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(status_for(&ErrorType::Internal), StatusCode::INTERNAL_SERVER_ERROR);
    }
}
