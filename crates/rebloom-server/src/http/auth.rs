//! Registration, login, token refresh and logout.

use axum::extract::State;
use axum::http::StatusCode;
use rebloom_store::{NewUser, Profile, RefreshToken, Replacement, Role, Rotation, User};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use time::{Duration, OffsetDateTime};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;
use zeroize::Zeroizing;

use crate::app::AppState;
use crate::auth::tokens::{ACCESS_TTL, REFRESH_TTL, new_refresh_token, refresh_hash};
use crate::http::error::{ApiError, ApiResult, FieldError, Problem};
use crate::http::extract::{ApiJson, AuthUser, OptionalJson};
use rebloom_core::email::normalize_email;
use rebloom_core::profile::{ProfilePatch, UserView, validate_profile_patch};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(register))
        .routes(routes!(login))
        .routes(routes!(refresh))
        .routes(routes!(logout))
        .routes(routes!(logout_all))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RegisterRequest {
    #[schema(example = "sam@example.org", format = "email", max_length = 254)]
    pub email: String,
    /// 8 to 256 characters, not among the 10,000 most common passwords and
    /// not the e-mail address itself.
    #[schema(
        example = "a long and unusual passphrase",
        min_length = 8,
        max_length = 256
    )]
    pub password: String,
    /// Optional profile fields to set at once.
    #[serde(default, deserialize_with = "rebloom_core::json::optional_object")]
    pub profile: Option<ProfilePatch>,
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LoginRequest {
    pub email: String,
    pub password: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RefreshRequest {
    pub refresh_token: String,
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LogoutRequest {
    /// Also accepted: the refresh token of the session to end.
    #[serde(default)]
    pub refresh_token: Option<String>,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TokenResponse {
    pub access_token: String,
    pub refresh_token: String,
    #[schema(example = "Bearer")]
    pub token_type: &'static str,
    /// Seconds until the access token expires.
    pub expires_in: i64,
    pub refresh_expires_in: i64,
    pub user: UserView,
}

/// Starts a new session (refresh-token family) for the user and returns both tokens.
async fn issue_session(
    state: &AppState,
    user: &User,
    now: OffsetDateTime,
) -> ApiResult<TokenResponse> {
    let family_id = Uuid::now_v7();
    let (refresh, hash) = new_refresh_token()?;
    state
        .store
        .insert_refresh_token(&RefreshToken {
            id: Uuid::now_v7(),
            family_id,
            user_id: user.id,
            token_hash: hash,
            issued_at: now,
            expires_at: now + REFRESH_TTL,
        })
        .await?;
    token_response(state, user, family_id, refresh, now)
}

fn token_response(
    state: &AppState,
    user: &User,
    family_id: Uuid,
    refresh: String,
    now: OffsetDateTime,
) -> ApiResult<TokenResponse> {
    let (access, _) = state
        .keys
        .issue(user.id, user.role, family_id, user.token_version, now)?;
    Ok(TokenResponse {
        access_token: access,
        refresh_token: refresh,
        token_type: "Bearer",
        expires_in: ACCESS_TTL.whole_seconds(),
        refresh_expires_in: REFRESH_TTL.whole_seconds(),
        user: UserView::from(user),
    })
}

/// Create an account and start a session.
#[utoipa::path(post, path = "/api/auth/register", tag = "auth",
    request_body = RegisterRequest,
    responses(
        (status = 201, description = "Account created, session started", body = TokenResponse),
        (status = 409, description = "E-mail already registered (`email_taken`)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many requests", body = Problem, content_type = "application/problem+json"),
    ))]
#[tracing::instrument(skip_all)]
pub async fn register(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<RegisterRequest>,
) -> ApiResult<(StatusCode, ApiJson<TokenResponse>)> {
    let password = Zeroizing::new(body.password);
    let mut errors: Vec<FieldError> = Vec::new();
    let email = normalize_email(&body.email);
    if email.is_none() {
        errors.push(FieldError::new(
            "email",
            "invalid_email",
            "Enter a valid e-mail address.",
        ));
    }
    if let Some(e) = state
        .policy
        .check("password", &password, email.as_deref().unwrap_or_default())
    {
        errors.push(e);
    }
    let now = state.clock.now();
    let mut profile = Profile::empty(Uuid::nil(), now);
    if let Some(patch) = &body.profile {
        errors.extend(validate_profile_patch(patch, &mut profile));
    }
    let Some(email) = email.filter(|_| errors.is_empty()) else {
        return Err(ApiError::Validation(errors));
    };
    let password_hash = state.hasher.hash(password).await?;
    let user = state
        .store
        .create_user(&NewUser {
            id: Uuid::now_v7(),
            email,
            password_hash,
            role: Role::User,
            now,
        })
        .await?;
    if body.profile.is_some() {
        profile.user_id = user.id;
        state.store.save_profile(&profile).await?;
    }
    metrics::counter!("auth_registrations_total").increment(1);
    state.events.publish(rebloom_core::events::Event {
        name: rebloom_core::events::USER_REGISTERED,
        user_id: user.id,
        session_id: None,
        message_id: None,
        detail: serde_json::json!({}),
    });
    let tokens = issue_session(&state, &user, now).await?;
    Ok((StatusCode::CREATED, ApiJson(tokens)))
}

/// Failed logins before the account key is locked, and the first lock's length.
const FREE_FAILURES: i64 = 5;
const FIRST_LOCK: Duration = Duration::seconds(30);
const MAX_LOCK: Duration = Duration::hours(1);

/// How long to lock after `failures` consecutive failures: 30 s after the 5th,
/// doubling with each further failure, at most an hour.
pub fn lock_duration(failures: i64) -> Option<Duration> {
    if failures < FREE_FAILURES {
        return None;
    }
    let doublings = (failures - FREE_FAILURES).min(16) as u32;
    Some((FIRST_LOCK * 2_i32.pow(doublings)).min(MAX_LOCK))
}

/// The throttle key of an e-mail address: per account, whatever the client's address.
pub(crate) fn login_key(email: &str) -> String {
    hex::encode(Sha256::digest(format!("login:{email}").as_bytes()))
}

/// Log in with e-mail and password.
///
/// Unknown e-mail and wrong password get the same answer in the same time.
/// After 5 failures the account is locked for 30 s, doubling per further failure.
#[utoipa::path(post, path = "/api/auth/login", tag = "auth",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Session started", body = TokenResponse),
        (status = 401, description = "`invalid_credentials`", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`account_disabled`", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "`account_locked` or `rate_limited`, with Retry-After", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "`rate_limiter_unavailable`: login fails closed", body = Problem, content_type = "application/problem+json"),
    ))]
#[tracing::instrument(skip_all)]
pub async fn login(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<LoginRequest>,
) -> ApiResult<ApiJson<TokenResponse>> {
    let password = Zeroizing::new(body.password);
    let email = normalize_email(&body.email).unwrap_or_else(|| body.email.trim().to_lowercase());
    let key = login_key(&email);
    let now = state.clock.now();
    if let Some(t) = state.store.login_throttle(&key).await?
        && let Some(until) = t.locked_until
        && until > now
    {
        metrics::counter!("auth_logins_total", "result" => "locked").increment(1);
        return Err(ApiError::TooManyRequests {
            code: "account_locked",
            retry_after_secs: (until - now).whole_seconds().max(1) as u64,
        });
    }
    let user = if password.chars().count() > crate::auth::password::MAX_LEN {
        None
    } else {
        state.store.find_user_by_email(&email).await?
    };
    let ok = state
        .hasher
        .verify(password, user.as_ref().map(|u| u.password_hash.clone()))
        .await?;
    let user = match user {
        Some(u) if ok => u,
        _ => {
            let failures = state.store.record_login_failure(&key, now).await?;
            if let Some(lock) = lock_duration(failures) {
                state.store.lock_login(&key, now + lock).await?;
            }
            metrics::counter!("auth_logins_total", "result" => "failure").increment(1);
            return Err(ApiError::Unauthorized("invalid_credentials"));
        }
    };
    state.store.clear_login_failures(&key).await?;
    if user.disabled_at.is_some() {
        metrics::counter!("auth_logins_total", "result" => "disabled").increment(1);
        return Err(ApiError::Forbidden("account_disabled"));
    }
    metrics::counter!("auth_logins_total", "result" => "success").increment(1);
    Ok(ApiJson(issue_session(&state, &user, now).await?))
}

/// Exchange a refresh token for a new pair. Each refresh token works once;
/// presenting a used one ends the whole session (`refresh_token_reused`).
#[utoipa::path(post, path = "/api/auth/refresh", tag = "auth",
    request_body = RefreshRequest,
    responses(
        (status = 200, description = "New token pair", body = TokenResponse),
        (status = 401, description = "`refresh_token_invalid` or `refresh_token_reused`", body = Problem, content_type = "application/problem+json"),
    ))]
#[tracing::instrument(skip_all)]
pub async fn refresh(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<RefreshRequest>,
) -> ApiResult<ApiJson<TokenResponse>> {
    let now = state.clock.now();
    let (token, hash) = new_refresh_token()?;
    let replacement = Replacement {
        id: Uuid::now_v7(),
        token_hash: hash,
        expires_at: now + REFRESH_TTL,
    };
    match state
        .store
        .rotate_refresh_token(&refresh_hash(body.refresh_token.trim()), &replacement, now)
        .await?
    {
        Rotation::Rotated { user_id, family_id } => {
            let user = state
                .store
                .find_user(user_id)
                .await?
                .filter(|u| u.disabled_at.is_none())
                .ok_or(ApiError::Unauthorized("refresh_token_invalid"))?;
            metrics::counter!("auth_refresh_total", "result" => "rotated").increment(1);
            Ok(ApiJson(token_response(
                &state, &user, family_id, token, now,
            )?))
        }
        Rotation::Reused { user_id, family_id } => {
            metrics::counter!("auth_refresh_total", "result" => "reused").increment(1);
            tracing::warn!(%user_id, %family_id, "refresh token re-used; session revoked");
            Err(ApiError::Unauthorized("refresh_token_reused"))
        }
        Rotation::Invalid => {
            metrics::counter!("auth_refresh_total", "result" => "invalid").increment(1);
            Err(ApiError::Unauthorized("refresh_token_invalid"))
        }
    }
}

/// End this session (the access token's, and the given refresh token's if it is the caller's).
#[utoipa::path(post, path = "/api/auth/logout", tag = "auth",
    request_body(content = Option<LogoutRequest>, description = "Optional"),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Session ended"),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
    ))]
#[tracing::instrument(skip_all, fields(user_id = %user.id))]
pub async fn logout(
    State(state): State<AppState>,
    user: AuthUser,
    OptionalJson(body): OptionalJson<LogoutRequest>,
) -> ApiResult<StatusCode> {
    let body = body.unwrap_or_default();
    let now = state.clock.now();
    state
        .store
        .revoke_refresh_family(user.claims.sid, now)
        .await?;
    if let Some(t) = body.refresh_token
        && let Some((owner, family)) = state
            .store
            .refresh_token_family(&refresh_hash(t.trim()))
            .await?
        && owner == user.id
    {
        state.store.revoke_refresh_family(family, now).await?;
    }
    Ok(StatusCode::NO_CONTENT)
}

/// End every session of the caller on every device.
#[utoipa::path(post, path = "/api/auth/logout-all", tag = "auth",
    security(("bearer" = [])),
    responses(
        (status = 204, description = "All sessions ended"),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
    ))]
#[tracing::instrument(skip_all, fields(user_id = %user.id))]
pub async fn logout_all(State(state): State<AppState>, user: AuthUser) -> ApiResult<StatusCode> {
    state
        .store
        .revoke_user_sessions(user.id, state.clock.now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lock_grows_and_is_capped() {
        assert_eq!(lock_duration(4), None);
        assert_eq!(lock_duration(5), Some(Duration::seconds(30)));
        assert_eq!(lock_duration(6), Some(Duration::seconds(60)));
        assert_eq!(lock_duration(8), Some(Duration::seconds(240)));
        assert_eq!(lock_duration(20), Some(Duration::hours(1)));
        assert_eq!(lock_duration(10_000), Some(Duration::hours(1)));
    }
}
