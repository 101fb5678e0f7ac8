//! The caller's account, profile, preferences and onboarding state; the
//! rules are `rebloom_core::profile`.

use axum::extract::State;
use rebloom_core::preferences::ProfileView;
use rebloom_core::profile::{PreferencesPatch, ProfilePatch, Profiles, UserView};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::app::AppState;
use crate::http::error::{ApiResult, Problem};
use crate::http::extract::{ApiJson, AuthUser};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(me))
        .routes(routes!(get_profile, patch_profile))
        .routes(routes!(patch_preferences))
}

/// The caller's account.
#[utoipa::path(get, path = "/api/me", tag = "me", security(("bearer" = [])),
    responses(
        (status = 200, body = UserView),
        (status = 401, body = Problem, content_type = "application/problem+json"),
    ))]
#[tracing::instrument(skip_all, fields(user_id = %user.id))]
pub async fn me(user: AuthUser) -> ApiResult<ApiJson<UserView>> {
    Ok(ApiJson(UserView::from(&user.account)))
}

/// The caller's profile and preferences.
#[utoipa::path(get, path = "/api/me/profile", tag = "me", security(("bearer" = [])),
    responses(
        (status = 200, body = ProfileView),
        (status = 401, body = Problem, content_type = "application/problem+json"),
    ))]
#[tracing::instrument(skip_all, fields(user_id = %user.id))]
pub async fn get_profile(
    State(profiles): State<Profiles>,
    user: AuthUser,
) -> ApiResult<ApiJson<ProfileView>> {
    Ok(ApiJson(profiles.profile(&user.account).await?))
}

/// Change the profile: absent fields stay, `null` clears, preference objects merge.
#[utoipa::path(patch, path = "/api/me/profile", tag = "me", security(("bearer" = [])),
    request_body = ProfilePatch,
    responses(
        (status = 200, body = ProfileView),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields, each named", body = Problem, content_type = "application/problem+json"),
    ))]
#[tracing::instrument(skip_all, fields(user_id = %user.id))]
pub async fn patch_profile(
    State(profiles): State<Profiles>,
    user: AuthUser,
    ApiJson(patch): ApiJson<ProfilePatch>,
) -> ApiResult<ApiJson<ProfileView>> {
    let profile = profiles.patch_profile(&user.account, &patch).await?;
    Ok(ApiJson(profile))
}

/// Change therapeutic, communication and privacy preferences (merged key by key).
#[utoipa::path(patch, path = "/api/me/preferences", tag = "me", security(("bearer" = [])),
    request_body = PreferencesPatch,
    responses(
        (status = 200, body = ProfileView),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ))]
#[tracing::instrument(skip_all, fields(user_id = %user.id))]
pub async fn patch_preferences(
    State(profiles): State<Profiles>,
    user: AuthUser,
    ApiJson(patch): ApiJson<PreferencesPatch>,
) -> ApiResult<ApiJson<ProfileView>> {
    let profile = profiles.patch_preferences(&user.account, &patch).await?;
    Ok(ApiJson(profile))
}
