//! The error vocabulary every layer answers with: [`ApiResult`], whose error is the wire's
//! `ErrorPayload`, and constructors for the errors many actions share.
//!
//! It sits below every module that answers requests, so none of them has to import a
//! feature module (and with it, everything that module imports) to say `not_found`.

use protocol::{ErrorPayload, ErrorType};

use crate::db::DbError;

/// An API error as sent on the wire.
pub type ApiResult<T> = Result<T, ErrorPayload>;

/// Storage failures are logged here, and the client learns only that something failed: what
/// went wrong inside is no business of theirs.
impl From<DbError> for ErrorPayload {
    fn from(err: DbError) -> Self {
        tracing::error!(%err, "storage failed");
        ErrorPayload::new(ErrorType::Internal, "internal server error")
    }
}

/// `not_found`: `what` does not exist, or the caller may not know that it does.
pub(crate) fn not_found(what: &str) -> ErrorPayload {
    ErrorPayload::new(ErrorType::NotFound, format!("{what} not found"))
}

/// `validation`: the request is malformed or asks for something out of bounds.
pub(crate) fn validation(message: impl Into<String>) -> ErrorPayload {
    ErrorPayload::new(ErrorType::Validation, message)
}

/// `group_not_found`: the license has no such group.
pub(crate) fn group_not_found() -> ErrorPayload {
    ErrorPayload::new(ErrorType::GroupNotFound, "group not found")
}
