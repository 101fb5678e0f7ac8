//! `/api/me/moods`: the handlers for mood check-ins and their trends; the
//! checks, views and trends are `wellbeing::moods`.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use rebloom_store::MoodEntry;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::app::AppState;
use crate::http::error::{ApiError, ApiResult, Problem};
use crate::http::extract::{ApiJson, AuthUser};
use crate::wellbeing::calendar::{Calendar, RangeParams};
use crate::wellbeing::moods::*;
use crate::wellbeing::trends::Trends;

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
    State(state): State<AppState>,
    user: AuthUser,
    ApiJson(req): ApiJson<NewMood>,
) -> ApiResult<(StatusCode, ApiJson<MoodView>)> {
    let now = state.clock.now();
    let mut errors = Vec::new();
    check_level("moodScore", Some(req.mood_score), &mut errors);
    check_level("anxietyLevel", req.anxiety_level, &mut errors);
    check_level("stressLevel", req.stress_level, &mut errors);
    check_level("energyLevel", req.energy_level, &mut errors);
    let notes = crate::wellbeing::optional_text("notes", req.notes, MAX_NOTES, &mut errors);
    let triggers = check_triggers(req.triggers.unwrap_or_default(), &mut errors);
    let recorded_at = micros(req.recorded_at.unwrap_or(now));
    check_time(recorded_at, now, &mut errors);
    check_session(&state, user.id, req.session_id, &mut errors).await?;
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let entry = MoodEntry {
        id: Uuid::now_v7(),
        user_id: user.id,
        session_id: req.session_id,
        mood_score: req.mood_score,
        anxiety_level: req.anxiety_level,
        stress_level: req.stress_level,
        energy_level: req.energy_level,
        notes,
        triggers,
        recorded_at,
        updated_at: None,
    };
    state.store.insert_mood(&entry).await?;
    metrics::counter!("mood_entries_total").increment(1);
    let calendar = Calendar::of(&state, user.id).await?;
    Ok((
        StatusCode::CREATED,
        ApiJson(MoodView::new(entry, &calendar)),
    ))
}

/// The caller's check-ins in a range of their own days (default the last 30), newest first.
#[utoipa::path(get, path = "/api/me/moods", tag = "wellbeing", security(("bearer" = [])),
    params(RangeParams),
    responses((status = 200, body = MoodList), (status = 422, body = Problem, content_type = "application/problem+json")))]
#[tracing::instrument(skip_all, fields(user_id = %user.id))]
pub async fn list_moods(
    State(state): State<AppState>,
    user: AuthUser,
    Query(q): Query<RangeParams>,
) -> ApiResult<ApiJson<MoodList>> {
    Ok(ApiJson(moods_in_range(&state, user.id, &q).await?))
}

/// Mood trends per day, week or month of the caller's calendar: averages,
/// minimum and maximum, counts, a moving average, and chart-ready series.
#[utoipa::path(get, path = "/api/me/moods/trends", tag = "wellbeing", security(("bearer" = [])),
    params(TrendParams),
    responses((status = 200, body = Trends), (status = 422, body = Problem, content_type = "application/problem+json")))]
#[tracing::instrument(skip_all, fields(user_id = %user.id))]
pub async fn mood_trends(
    State(state): State<AppState>,
    user: AuthUser,
    Query(q): Query<TrendParams>,
) -> ApiResult<ApiJson<Trends>> {
    Ok(ApiJson(trends_in(&state, user.id, q).await?))
}

/// One check-in.
#[utoipa::path(get, path = "/api/me/moods/{id}", tag = "wellbeing", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses((status = 200, body = MoodView), (status = 404, body = Problem, content_type = "application/problem+json")))]
#[tracing::instrument(skip_all, fields(user_id = %user.id))]
pub async fn get_mood(
    State(state): State<AppState>,
    user: AuthUser,
    Path(id): Path<Uuid>,
) -> ApiResult<ApiJson<MoodView>> {
    let entry = state
        .store
        .find_mood(user.id, id)
        .await?
        .ok_or(ApiError::NotFound)?;
    let calendar = Calendar::of(&state, user.id).await?;
    Ok(ApiJson(MoodView::new(entry, &calendar)))
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
    State(state): State<AppState>,
    user: AuthUser,
    Path(id): Path<Uuid>,
    ApiJson(req): ApiJson<MoodChange>,
) -> ApiResult<ApiJson<MoodView>> {
    let now = state.clock.now();
    let mut entry = state
        .store
        .find_mood(user.id, id)
        .await?
        .ok_or(ApiError::NotFound)?;
    let mut errors = Vec::new();
    if let Some(v) = req.mood_score {
        check_level("moodScore", Some(v), &mut errors);
        entry.mood_score = v;
    }
    if let Some(v) = req.anxiety_level {
        check_level("anxietyLevel", v, &mut errors);
        entry.anxiety_level = v;
    }
    if let Some(v) = req.stress_level {
        check_level("stressLevel", v, &mut errors);
        entry.stress_level = v;
    }
    if let Some(v) = req.energy_level {
        check_level("energyLevel", v, &mut errors);
        entry.energy_level = v;
    }
    if let Some(v) = req.notes {
        entry.notes = crate::wellbeing::optional_text("notes", v, MAX_NOTES, &mut errors);
    }
    if let Some(v) = req.triggers {
        entry.triggers = check_triggers(v, &mut errors);
    }
    if let Some(v) = req.session_id {
        check_session(&state, user.id, v, &mut errors).await?;
        entry.session_id = v;
    }
    if let Some(at) = req.recorded_at {
        check_time(at, now, &mut errors);
        entry.recorded_at = micros(at);
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    entry.updated_at = Some(now);
    if !state.store.update_mood(&entry).await? {
        return Err(ApiError::NotFound);
    }
    let calendar = Calendar::of(&state, user.id).await?;
    Ok(ApiJson(MoodView::new(entry, &calendar)))
}

/// Deletes a check-in.
#[utoipa::path(delete, path = "/api/me/moods/{id}", tag = "wellbeing", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses((status = 204, description = "Deleted"), (status = 404, body = Problem, content_type = "application/problem+json")))]
#[tracing::instrument(skip_all, fields(user_id = %user.id))]
pub async fn delete_mood(
    State(state): State<AppState>,
    user: AuthUser,
    Path(id): Path<Uuid>,
) -> ApiResult<StatusCode> {
    if state.store.delete_mood(user.id, id).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::NotFound)
    }
}
