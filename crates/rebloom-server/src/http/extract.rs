//! Extractors: JSON bodies with our error format, the authenticated user, roles,
//! and the client address.

use std::marker::PhantomData;
use std::net::{IpAddr, SocketAddr};

use axum::body::Bytes;
use axum::extract::{ConnectInfo, FromRef, FromRequest, FromRequestParts, Request};
use axum::http::header::{AUTHORIZATION, CONTENT_TYPE};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use rebloom_core::audit::Actor;
use rebloom_store::{Role, User};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::http::error::{ApiError, FieldError};
use rebloom_core::accounts::Accounts;
use rebloom_core::accounts::tokens::Claims;

/// A JSON body. Another content type is a 415 `unsupported_media_type`;
/// malformed JSON is a 400 `invalid_json`; a well-formed body of the wrong
/// shape is a 422 with the path of the offending field.
pub struct ApiJson<T>(pub T);

/// A JSON body with its bytes (idempotency records hash them).
pub struct JsonWithBytes<T>(pub T, pub Bytes);

/// An optional JSON body: none at all (or `null`) is `None`.
pub struct OptionalJson<T>(pub Option<T>);

fn is_json(req: &Request) -> bool {
    req.headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|m| {
            let m = m.trim();
            m.eq_ignore_ascii_case("application/json") || m.ends_with("+json")
        })
        .unwrap_or(false)
}

fn unsupported_media_type() -> ApiError {
    ApiError::UnsupportedMediaType("Send the body as application/json.")
}

async fn body_bytes<S: Send + Sync>(req: Request, state: &S) -> Result<Bytes, ApiError> {
    Bytes::from_request(req, state).await.map_err(|rejection| {
        if rejection.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
            // The same answer as a declared Content-Length over the limit gets.
            ApiError::PayloadTooLarge
        } else {
            ApiError::BadRequest {
                code: "invalid_body",
                detail: "The body could not be read.".into(),
            }
        }
    })
}

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        JsonWithBytes::from_request(req, state)
            .await
            .map(|JsonWithBytes(value, _)| ApiJson(value))
    }
}

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for JsonWithBytes<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        if !is_json(&req) {
            return Err(unsupported_media_type());
        }
        let bytes = body_bytes(req, state).await?;
        Ok(JsonWithBytes(parse_json(&bytes)?, bytes))
    }
}

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for OptionalJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let json = is_json(&req);
        let bytes = body_bytes(req, state).await?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(OptionalJson(None));
        }
        if !json {
            return Err(unsupported_media_type());
        }
        parse_json::<Option<T>>(&bytes).map(OptionalJson)
    }
}

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

/// Parses JSON with the path of the failing field in the error.
/// Every request body is a JSON object; serde would otherwise also accept a
/// struct written as an array of its fields.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let invalid_json = |e: serde_json::Error| ApiError::BadRequest {
        code: "invalid_json",
        detail: format!("The body is not valid JSON: {e}"),
    };
    let field_of = |path: &serde_path_to_error::Path| {
        let path = path.to_string();
        if path == "." { String::new() } else { path }
    };
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    let Strict(mut value) = serde_path_to_error::deserialize(&mut *de).map_err(|e| {
        let field = field_of(e.path());
        let inner = e.into_inner();
        if inner.is_data() {
            ApiError::Validation(vec![FieldError::new(field, "invalid", inner.to_string())])
        } else {
            invalid_json(inner)
        }
    })?;
    // Only whitespace may follow the value (`{} trailing` is not JSON).
    de.end().map_err(invalid_json)?;
    if value.is_array() {
        return Err(ApiError::Validation(vec![FieldError::new(
            "",
            "invalid",
            "Send a JSON object.",
        )]));
    }
    integral_numbers(&mut value);
    serde_path_to_error::deserialize(value).map_err(|e| {
        let field = field_of(e.path());
        ApiError::Validation(vec![FieldError::new(
            field,
            "invalid",
            e.into_inner().to_string(),
        )])
    })
}

/// Any JSON value, refusing an object that repeats a key (`serde_json::Value`
/// would keep the last one; which one counts must not be a guess).
struct Strict(serde_json::Value);

impl<'de> Deserialize<'de> for Strict {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::{Error, MapAccess, SeqAccess, Visitor};
        use serde_json::Value;
        struct Any;
        impl<'de> Visitor<'de> for Any {
            type Value = Value;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a JSON value")
            }
            fn visit_bool<E: Error>(self, v: bool) -> Result<Value, E> {
                Ok(Value::Bool(v))
            }
            fn visit_i64<E: Error>(self, v: i64) -> Result<Value, E> {
                Ok(Value::from(v))
            }
            fn visit_u64<E: Error>(self, v: u64) -> Result<Value, E> {
                Ok(Value::from(v))
            }
            fn visit_f64<E: Error>(self, v: f64) -> Result<Value, E> {
                serde_json::Number::from_f64(v)
                    .map(Value::Number)
                    .ok_or_else(|| E::custom("not a finite number"))
            }
            fn visit_str<E: Error>(self, v: &str) -> Result<Value, E> {
                Ok(Value::String(v.to_owned()))
            }
            fn visit_string<E: Error>(self, v: String) -> Result<Value, E> {
                Ok(Value::String(v))
            }
            fn visit_unit<E: Error>(self) -> Result<Value, E> {
                Ok(Value::Null)
            }
            fn visit_none<E: Error>(self) -> Result<Value, E> {
                Ok(Value::Null)
            }
            fn visit_some<D: serde::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
                Strict::deserialize(d).map(|Strict(v)| v)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
                let mut items = Vec::new();
                while let Some(Strict(v)) = seq.next_element()? {
                    items.push(v);
                }
                Ok(Value::Array(items))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
                let mut fields = serde_json::Map::new();
                while let Some(key) = map.next_key::<String>()? {
                    if fields.contains_key(&key) {
                        return Err(A::Error::custom(format!("duplicate field `{key}`")));
                    }
                    let Strict(v) = map.next_value()?;
                    fields.insert(key, v);
                }
                Ok(Value::Object(fields))
            }
        }
        d.deserialize_any(Any).map(Strict)
    }
}

/// `88.0` is the integer 88 (JSON Schema's `integer` is any number without a
/// fraction, however written); serde would refuse it for an integer field.
fn integral_numbers(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::Number(n) => {
            if let Some(f) = n.as_f64().filter(|_| n.is_f64())
                && f.fract() == 0.0
                && f.abs() < 9.0e15
            {
                // Exact: integers this small are exact in an f64.
                *n = serde_json::Number::from(f as i64);
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(integral_numbers),
        serde_json::Value::Object(map) => map.values_mut().for_each(integral_numbers),
        _ => {}
    }
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

impl AuthUser {
    /// The person as the audit log names them.
    pub fn actor(&self) -> Actor {
        Actor::Person {
            id: self.id,
            role: self.role,
        }
    }
}

impl<S> FromRequestParts<S> for AuthUser
where
    Accounts: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let accounts = Accounts::from_ref(state);
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
        authenticate(&accounts, token).await
    }
}

/// Checks an access token and the session behind it
/// (`rebloom_core::accounts::Accounts::authenticate`). Shared by HTTP
/// requests and real-time connections.
pub async fn authenticate(accounts: &Accounts, token: &str) -> Result<AuthUser, ApiError> {
    let (user, claims) = accounts.authenticate(token).await?;
    Ok(AuthUser {
        id: user.id,
        // The role is read from the account, so a changed role applies at once.
        role: user.role,
        claims,
        account: user,
    })
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
    Accounts: FromRef<S>,
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
