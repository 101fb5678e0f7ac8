//! Registration, login, token refresh and logout.

use axum::extract::State;
use axum::http::StatusCode;
use rebloom_core::accounts::{
    LoginRequest, LogoutRequest, RefreshRequest, RegisterRequest, TokenResponse,
};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::app::AppState;
use crate::http::error::{ApiResult, Problem};
use crate::http::extract::{ApiJson, AuthUser, OptionalJson};
use rebloom_core::accounts::Accounts;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(register))
        .routes(routes!(login))
        .routes(routes!(refresh))
        .routes(routes!(logout))
        .routes(routes!(logout_all))
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
    State(accounts): State<Accounts>,
    ApiJson(body): ApiJson<RegisterRequest>,
) -> ApiResult<(StatusCode, ApiJson<TokenResponse>)> {
    let tokens = accounts.register(body).await?;
    Ok((StatusCode::CREATED, ApiJson(tokens)))
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
    State(accounts): State<Accounts>,
    ApiJson(body): ApiJson<LoginRequest>,
) -> ApiResult<ApiJson<TokenResponse>> {
    Ok(ApiJson(accounts.login(body).await?))
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
    State(accounts): State<Accounts>,
    ApiJson(body): ApiJson<RefreshRequest>,
) -> ApiResult<ApiJson<TokenResponse>> {
    Ok(ApiJson(accounts.refresh(&body.refresh_token).await?))
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
    State(accounts): State<Accounts>,
    user: AuthUser,
    OptionalJson(body): OptionalJson<LogoutRequest>,
) -> ApiResult<StatusCode> {
    let body = body.unwrap_or_default();
    accounts
        .logout(&user.claims, body.refresh_token.as_deref())
        .await?;
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
pub async fn logout_all(State(accounts): State<Accounts>, user: AuthUser) -> ApiResult<StatusCode> {
    accounts.logout_all(user.id).await?;
    Ok(StatusCode::NO_CONTENT)
}
