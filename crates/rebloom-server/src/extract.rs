//! Extractors: JSON bodies with our error format, the authenticated user, roles,
//! and the client address.

use std::marker::PhantomData;
use std::net::{IpAddr, SocketAddr};

use axum::body::Bytes;
use axum::extract::{ConnectInfo, FromRef, FromRequest, FromRequestParts, Request};
use axum::http::header::{AUTHORIZATION, CONTENT_TYPE};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use rebloom_store::{Role, User};
use serde::Serialize;
use serde::de::DeserializeOwned;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use crate::app::AppState;
use crate::auth::tokens::Claims;
use crate::error::{ApiError, FieldError};

/// A JSON body. Malformed JSON is a 400 `invalid_json`; a well-formed body of the
/// wrong shape is a 422 with the path of the offending field.
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let is_json = req
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .map(|m| {
                let m = m.trim();
                m.eq_ignore_ascii_case("application/json") || m.ends_with("+json")
            })
            .unwrap_or(false);
        if !is_json {
            return Err(ApiError::BadRequest {
                code: "unsupported_media_type",
                detail: "Send the body as application/json.".into(),
            });
        }
        let bytes = Bytes::from_request(req, state).await.map_err(|rejection| {
            if rejection.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                // The same answer as a declared Content-Length over the limit gets.
                ApiError::PayloadTooLarge
            } else {
                ApiError::BadRequest {
                    code: "invalid_body",
                    detail: "The body could not be read.".into(),
                }
            }
        })?;
        parse_json(&bytes).map(ApiJson)
    }
}

/// Parses JSON with the path of the failing field in the error.
/// Every request body is a JSON object; serde would otherwise also accept a
/// struct written as an array of its fields.
/// A page size from `?limit=`: 1 to 100, default 50.
pub fn page_limit(limit: Option<u32>) -> Result<u32, ApiError> {
    let limit = limit.unwrap_or(50);
    if (1..=100).contains(&limit) {
        Ok(limit)
    } else {
        Err(ApiError::field("limit", "out_of_range", "Use 1 to 100."))
    }
}

/// The cursor for the page after a full one: the last item's key.
pub fn next_cursor<T, C>(page: &[T], limit: u32, key: impl Fn(&T) -> C) -> Option<C> {
    (page.len() == limit as usize)
        .then(|| page.last().map(key))
        .flatten()
}

pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    if bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'[') {
        return Err(ApiError::Validation(vec![FieldError::new(
            "",
            "invalid",
            "Send a JSON object.",
        )]));
    }
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut *de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        match inner.classify() {
            serde_json::error::Category::Data => {
                let field = if path == "." { String::new() } else { path };
                ApiError::Validation(vec![FieldError::new(field, "invalid", inner.to_string())])
            }
            _ => ApiError::BadRequest {
                code: "invalid_json",
                detail: format!("The body is not valid JSON: {inner}"),
            },
        }
    })?;
    // Only whitespace may follow the value (`{} trailing` is not JSON).
    de.end().map_err(|e| ApiError::BadRequest {
        code: "invalid_json",
        detail: format!("The body is not valid JSON: {e}"),
    })?;
    Ok(value)
}

impl<T: Serialize> IntoResponse for ApiJson<T> {
    fn into_response(self) -> Response {
        axum::Json(self.0).into_response()
    }
}

/// The authenticated caller: a valid access token whose session and token
/// version are still current, for an account that is not disabled.
#[derive(Debug, Clone)]
pub struct AuthUser {
    pub id: Uuid,
    pub role: Role,
    pub claims: Claims,
    /// The account as read while authenticating (handlers need not read it again).
    pub account: User,
}

/// `last_active` is written at most this often per user.
const LAST_ACTIVE_RESOLUTION: Duration = Duration::seconds(60);

impl<S> FromRequestParts<S> for AuthUser
where
    AppState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let state = AppState::from_ref(state);
        let header = parts
            .headers
            .get(AUTHORIZATION)
            .ok_or(ApiError::Unauthorized("token_missing"))?;
        let token = header
            .to_str()
            .ok()
            .and_then(|h| {
                h.strip_prefix("Bearer ")
                    .or_else(|| h.strip_prefix("bearer "))
            })
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or(ApiError::Unauthorized("token_invalid"))?;
        authenticate(&state, token).await
    }
}

/// Checks an access token and the session behind it: signature, expiry, that
/// the session (refresh family) is still active, the token version current and
/// the account enabled. Shared by HTTP requests and real-time connections.
pub async fn authenticate(state: &AppState, token: &str) -> Result<AuthUser, ApiError> {
    let now = state.clock.now();
    let claims = state.keys.verify(token, now)?;
    let user = current_account(state, &claims, now).await?;
    if user
        .last_active
        .is_none_or(|t| now - t >= LAST_ACTIVE_RESOLUTION)
    {
        state.store.touch_last_active(user.id, now).await?;
    }
    Ok(AuthUser {
        id: user.id,
        // The role is read from the account, so a changed role applies at once.
        role: user.role,
        claims,
        account: user,
    })
}

/// The account behind verified claims, if their session still holds: the
/// account exists and is enabled, the token version is current (no logout-all,
/// password change or disabling since) and the refresh family is not revoked.
pub async fn current_account(
    state: &AppState,
    claims: &Claims,
    now: OffsetDateTime,
) -> Result<User, ApiError> {
    let user = state
        .store
        .find_user(claims.sub)
        .await?
        .ok_or(ApiError::Unauthorized("token_invalid"))?;
    if user.disabled_at.is_some() || user.token_version != claims.ver {
        return Err(ApiError::Unauthorized("session_ended"));
    }
    if !state.store.refresh_family_active(claims.sid, now).await? {
        return Err(ApiError::Unauthorized("session_ended"));
    }
    Ok(user)
}

/// A role requirement, as a type: `RequireRole<Admin>`.
pub trait RoleMarker: Send + Sync + 'static {
    const ROLE: Role;
}

pub struct Admin;
impl RoleMarker for Admin {
    const ROLE: Role = Role::Admin;
}

pub struct Clinician;
impl RoleMarker for Clinician {
    const ROLE: Role = Role::Clinician;
}

/// The authenticated caller, who must have role `R` (403 otherwise).
pub struct RequireRole<R: RoleMarker>(pub AuthUser, pub PhantomData<R>);

impl<S, R: RoleMarker> FromRequestParts<S> for RequireRole<R>
where
    AppState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let user = AuthUser::from_request_parts(parts, state).await?;
        if user.role != R::ROLE {
            return Err(ApiError::Forbidden("forbidden"));
        }
        Ok(RequireRole(user, PhantomData))
    }
}

/// The client's address: the socket peer, or, behind a trusted proxy, the last
/// `X-Forwarded-For` entry (the one that proxy appended; entries to its left
/// come from the client and can be forged).
pub fn client_ip(
    parts_headers: &axum::http::HeaderMap,
    peer: Option<SocketAddr>,
    trust_proxy: bool,
) -> String {
    if trust_proxy
        && let Some(ip) = parts_headers
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.rsplit(',').next())
            .and_then(|v| v.trim().parse::<IpAddr>().ok())
    {
        return ip.to_string();
    }
    peer.map(|p| p.ip().to_string())
        .unwrap_or_else(|| "unknown".into())
}

/// The peer address from axum's connect info, when served with it.
pub fn peer_addr(extensions: &axum::http::Extensions) -> Option<SocketAddr> {
    extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0)
}
