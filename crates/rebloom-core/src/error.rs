//! What can go wrong in a service, said once: the transports (HTTP, Socket.IO,
//! GraphQL, the CLI) each map a [`CoreError`] to their own form in one place.

use rebloom_store::StoreError;
use serde::Serialize;
use utoipa::ToSchema;

/// One invalid field: where, a stable code, and words for a person.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq)]
pub struct FieldError {
    /// JSON path of the field, e.g. `displayName` or `goals[2]`.
    pub field: String,
    pub code: &'static str,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, code: &'static str, message: impl Into<String>) -> Self {
        FieldError {
            field: field.into(),
            code,
            message: message.into(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum CoreError {
    /// The request names something wrong, field by field.
    #[error("invalid")]
    Invalid(Vec<FieldError>),
    /// Absent, or not the caller's (the two are not told apart).
    #[error("not found")]
    NotFound,
    /// The state forbids it now, with a stable code (`session_ended`,
    /// `reply_in_progress`, `email_taken`).
    #[error("conflict: {0}")]
    Conflict(&'static str),
    /// Not signed in, or a credential that does not hold, with a stable code
    /// (`invalid_credentials`, `token_expired`, `session_ended`).
    #[error("unauthorized: {0}")]
    Unauthorized(&'static str),
    /// Signed in but not allowed, with a stable code (`account_disabled`,
    /// `reauthentication_failed`).
    #[error("forbidden: {0}")]
    Forbidden(&'static str),
    /// Too many attempts (`account_locked`): try again after `retry_after_secs`.
    #[error("too many requests: {code}")]
    TooManyRequests {
        code: &'static str,
        retry_after_secs: u64,
    },
    /// It was there and is no more (downloaded once, expired), with a stable code.
    #[error("gone: {0}")]
    Gone(&'static str),
    /// A part it needs is down or busy, with a stable code; a retry may work.
    #[error("unavailable: {0}")]
    Unavailable(&'static str),
    /// A fault; the detail is logged, never shown.
    #[error("internal error: {0}")]
    Internal(#[from] anyhow::Error),
}

impl CoreError {
    pub fn field(field: &str, code: &'static str, message: impl Into<String>) -> CoreError {
        CoreError::Invalid(vec![FieldError::new(field, code, message)])
    }

    /// The field errors gathered by a check, as one error when there are any.
    pub fn invalid_if_any(errors: Vec<FieldError>) -> CoreResult<()> {
        if errors.is_empty() {
            Ok(())
        } else {
            Err(CoreError::Invalid(errors))
        }
    }
}

impl From<StoreError> for CoreError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict("email") => CoreError::Conflict("email_taken"),
            StoreError::Conflict(_) => CoreError::Conflict("conflict"),
            StoreError::Unavailable(msg) => {
                tracing::warn!(error = %msg, "store unavailable");
                CoreError::Unavailable("store_unavailable")
            }
            StoreError::Full(msg) => {
                tracing::error!(error = %msg, "storage is full: writes are refused until space is freed");
                CoreError::Unavailable("storage_full")
            }
            other => CoreError::Internal(other.into()),
        }
    }
}

pub type CoreResult<T> = Result<T, CoreError>;
