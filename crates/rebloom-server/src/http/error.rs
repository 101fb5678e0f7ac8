//! One error type for the HTTP API, rendered as RFC 9457 problem+json with a
//! stable `code`. Internal details are logged, never sent.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use rebloom_core::CoreError;
pub use rebloom_core::FieldError;
use rebloom_store::StoreError;
use serde::Serialize;
use utoipa::ToSchema;

pub const PROBLEM_JSON: &str = "application/problem+json";

/// The problem+json body.
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    /// Stable, machine-readable error code.
    pub code: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("validation failed")]
    Validation(Vec<FieldError>),
    #[error("bad request: {code}")]
    BadRequest { code: &'static str, detail: String },
    #[error("unauthorized: {0}")]
    Unauthorized(&'static str),
    #[error("forbidden: {0}")]
    Forbidden(&'static str),
    #[error("not found")]
    NotFound,
    #[error("payload too large")]
    PayloadTooLarge,
    #[error("unsupported audio")]
    UnsupportedAudio,
    #[error("unsupported media type")]
    UnsupportedMediaType(&'static str),
    #[error("conflict: {0}")]
    Conflict(&'static str),
    #[error("gone: {0}")]
    Gone(&'static str),
    #[error("too many requests: {code}")]
    TooManyRequests {
        code: &'static str,
        retry_after_secs: u64,
    },
    #[error("unavailable: {0}")]
    Unavailable(&'static str),
    #[error("internal error: {0}")]
    Internal(#[from] anyhow::Error),
}

impl ApiError {
    pub fn field(field: &str, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError::Validation(vec![FieldError::new(field, code, message)])
    }

    /// The stable code clients see (also used by the real-time API).
    pub fn code(&self) -> &'static str {
        self.parts().1
    }

    fn parts(&self) -> (StatusCode, &'static str, Option<String>) {
        match self {
            ApiError::Validation(_) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation_failed",
                Some("Some fields are not valid; see errors.".into()),
            ),
            ApiError::BadRequest { code, detail } => {
                (StatusCode::BAD_REQUEST, code, Some(detail.clone()))
            }
            ApiError::Unauthorized(code) => (StatusCode::UNAUTHORIZED, code, None),
            ApiError::Forbidden(code) => (StatusCode::FORBIDDEN, code, None),
            ApiError::NotFound => (StatusCode::NOT_FOUND, "not_found", None),
            ApiError::PayloadTooLarge => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                Some("The body is larger than allowed.".into()),
            ),
            ApiError::UnsupportedAudio => (
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_audio",
                Some("Send WAV, WebM or Ogg audio.".into()),
            ),
            ApiError::UnsupportedMediaType(detail) => (
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                Some((*detail).to_owned()),
            ),
            ApiError::Conflict(code) => (StatusCode::CONFLICT, code, None),
            ApiError::Gone(code) => (StatusCode::GONE, code, None),
            ApiError::TooManyRequests { code, .. } => (StatusCode::TOO_MANY_REQUESTS, code, None),
            ApiError::Unavailable(code) => (StatusCode::SERVICE_UNAVAILABLE, code, None),
            ApiError::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal_error", None),
        }
    }
}

/// A problem response for `status` with `code`; used for errors raised outside handlers too.
pub fn problem_response(
    status: StatusCode,
    code: &str,
    detail: Option<String>,
    errors: Vec<FieldError>,
) -> Response {
    let body = Problem {
        kind: format!("https://rebloom.app/problems/{}", code.replace('_', "-")),
        title: status.canonical_reason().unwrap_or("Error").to_owned(),
        status: status.as_u16(),
        code: code.to_owned(),
        detail,
        errors,
    };
    let json = serde_json::to_vec(&body).unwrap_or_default();
    let mut resp = (status, json).into_response();
    resp.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
    resp
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code, detail) = self.parts();
        if let ApiError::Internal(e) = &self {
            // The span carries the request id; the error never reaches the client.
            tracing::error!(error = %e, "internal error");
        }
        let retry_after = match &self {
            ApiError::TooManyRequests {
                retry_after_secs, ..
            } => Some(*retry_after_secs),
            _ => None,
        };
        let errors = match self {
            ApiError::Validation(errors) => errors,
            _ => Vec::new(),
        };
        let mut resp = problem_response(status, code, detail, errors);
        if let Some(secs) = retry_after
            && let Ok(v) = HeaderValue::from_str(&secs.max(1).to_string())
        {
            resp.headers_mut().insert(header::RETRY_AFTER, v);
        }
        if status == StatusCode::UNAUTHORIZED {
            resp.headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        resp
    }
}

impl From<CoreError> for ApiError {
    fn from(e: CoreError) -> Self {
        match e {
            CoreError::Invalid(errors) => ApiError::Validation(errors),
            CoreError::NotFound => ApiError::NotFound,
            CoreError::Conflict(code) => ApiError::Conflict(code),
            CoreError::Gone(code) => ApiError::Gone(code),
            CoreError::Unauthorized(code) => ApiError::Unauthorized(code),
            CoreError::Forbidden(code) => ApiError::Forbidden(code),
            CoreError::TooManyRequests {
                code,
                retry_after_secs,
            } => ApiError::TooManyRequests {
                code,
                retry_after_secs,
            },
            CoreError::Unavailable(code) => ApiError::Unavailable(code),
            CoreError::Internal(e) => ApiError::Internal(e),
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        CoreError::from(e).into()
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
