//! `/api/me/moods`: mood check-ins and their trends; the checks, the views
//! and the trends themselves are `rebloom_core::wellbeing::moods`.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::app::AppState;
use crate::http::error::{ApiResult, Problem};
use crate::http::extract::{ApiJson, AuthUser};
use rebloom_core::wellbeing::Wellbeing;
use rebloom_core::wellbeing::calendar::RangeParams;
use rebloom_core::wellbeing::moods::{MoodChange, MoodList, MoodView, NewMood, TrendParams};
use rebloom_core::wellbeing::trends::Trends;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_moods, record_mood))
        .routes(routes!(mood_trends))
        .routes(routes!(get_mood, edit_mood, delete_mood))
}

/// Records a mood check-in.
#[utoipa::path(post, path = "/api/me/moods", tag = "wellbeing", security(("bearer" = [])),
    request_body = NewMood,
    responses(
        (status = 201, body = MoodView),
        (status = 422, description = "`validation_failed`", body = Problem, content_type = "application/problem+json"),
    ))]
#[tracing::instrument(skip_all, fields(user_id = %user.id))]
pub async fn record_mood(
    State(wellbeing): State<Wellbeing>,
    user: AuthUser,
    ApiJson(req): ApiJson<NewMood>,
) -> ApiResult<(StatusCode, ApiJson<MoodView>)> {
    let view = wellbeing.record_mood(user.id, req).await?;
    Ok((StatusCode::CREATED, ApiJson(view)))
}

/// The caller's check-ins in a range of their own days (default the last 30), newest first.
#[utoipa::path(get, path = "/api/me/moods", tag = "wellbeing", security(("bearer" = [])),
    params(RangeParams),
    responses((status = 200, body = MoodList), (status = 422, body = Problem, content_type = "application/problem+json")))]
#[tracing::instrument(skip_all, fields(user_id = %user.id))]
pub async fn list_moods(
    State(wellbeing): State<Wellbeing>,
    user: AuthUser,
    Query(q): Query<RangeParams>,
) -> ApiResult<ApiJson<MoodList>> {
    Ok(ApiJson(wellbeing.moods_in_range(user.id, &q).await?))
}

/// Mood trends per day, week or month of the caller's calendar: averages,
/// minimum and maximum, counts, a moving average, and chart-ready series.
#[utoipa::path(get, path = "/api/me/moods/trends", tag = "wellbeing", security(("bearer" = [])),
    params(TrendParams),
    responses((status = 200, body = Trends), (status = 422, body = Problem, content_type = "application/problem+json")))]
#[tracing::instrument(skip_all, fields(user_id = %user.id))]
pub async fn mood_trends(
    State(wellbeing): State<Wellbeing>,
    user: AuthUser,
    Query(q): Query<TrendParams>,
) -> ApiResult<ApiJson<Trends>> {
    Ok(ApiJson(wellbeing.trends_in(user.id, q).await?))
}

/// One check-in.
#[utoipa::path(get, path = "/api/me/moods/{id}", tag = "wellbeing", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses((status = 200, body = MoodView), (status = 404, body = Problem, content_type = "application/problem+json")))]
#[tracing::instrument(skip_all, fields(user_id = %user.id))]
pub async fn get_mood(
    State(wellbeing): State<Wellbeing>,
    user: AuthUser,
    Path(id): Path<Uuid>,
) -> ApiResult<ApiJson<MoodView>> {
    Ok(ApiJson(wellbeing.mood(user.id, id).await?))
}

/// Corrects a check-in.
#[utoipa::path(patch, path = "/api/me/moods/{id}", tag = "wellbeing", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    request_body = MoodChange,
    responses(
        (status = 200, body = MoodView),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ))]
#[tracing::instrument(skip_all, fields(user_id = %user.id))]
pub async fn edit_mood(
    State(wellbeing): State<Wellbeing>,
    user: AuthUser,
    Path(id): Path<Uuid>,
    ApiJson(req): ApiJson<MoodChange>,
) -> ApiResult<ApiJson<MoodView>> {
    Ok(ApiJson(wellbeing.edit_mood(user.id, id, req).await?))
}

/// Deletes a check-in.
#[utoipa::path(delete, path = "/api/me/moods/{id}", tag = "wellbeing", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses((status = 204, description = "Deleted"), (status = 404, body = Problem, content_type = "application/problem+json")))]
#[tracing::instrument(skip_all, fields(user_id = %user.id))]
pub async fn delete_mood(
    State(wellbeing): State<Wellbeing>,
    user: AuthUser,
    Path(id): Path<Uuid>,
) -> ApiResult<StatusCode> {
    wellbeing.delete_mood(user.id, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
