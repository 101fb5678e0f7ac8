//! `/api/me/moods`: mood check-ins, their checks and their trends; the
//! views and the trends themselves are `wellbeing::moods`.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use rebloom_store::MoodEntry;
use serde::Deserialize;
use time::OffsetDateTime;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::app::AppState;
use crate::http::error::{ApiError, ApiResult, FieldError, Problem};
use crate::http::extract::{ApiJson, AuthUser};
use rebloom_core::wellbeing::calendar::RangeParams;
use rebloom_core::wellbeing::moods::{MoodList, MoodView, TrendParams};
use rebloom_core::wellbeing::trends::Trends;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_moods, record_mood))
        .routes(routes!(mood_trends))
        .routes(routes!(get_mood, edit_mood, delete_mood))
}

const MAX_NOTES: usize = 2000;
const MAX_TRIGGERS: usize = 20;
const MAX_TRIGGER: usize = 50;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NewMood {
    #[schema(minimum = 1, maximum = 10, example = 6)]
    pub mood_score: i32,
    #[schema(minimum = 1, maximum = 10)]
    pub anxiety_level: Option<i32>,
    #[schema(minimum = 1, maximum = 10)]
    pub stress_level: Option<i32>,
    #[schema(minimum = 1, maximum = 10)]
    pub energy_level: Option<i32>,
    /// Up to 2000 characters.
    #[schema(max_length = 2000)]
    pub notes: Option<String>,
    /// Tags such as `work` or `sleep`: up to 20.
    #[schema(value_type = Option<Vec<crate::schemas::Trigger>>, max_items = 20)]
    pub triggers: Option<Vec<String>>,
    /// One of the caller's sessions.
    pub session_id: Option<Uuid>,
    /// When it was felt (default now); not in the future, at most a year ago.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub recorded_at: Option<OffsetDateTime>,
}

/// A change to an entry: absent fields stay; `null` clears an optional one.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MoodChange {
    #[schema(minimum = 1, maximum = 10)]
    pub mood_score: Option<i32>,
    #[serde(default, deserialize_with = "rebloom_core::preferences::double_option")]
    #[schema(value_type = Option<i32>, minimum = 1, maximum = 10)]
    pub anxiety_level: Option<Option<i32>>,
    #[serde(default, deserialize_with = "rebloom_core::preferences::double_option")]
    #[schema(value_type = Option<i32>, minimum = 1, maximum = 10)]
    pub stress_level: Option<Option<i32>>,
    #[serde(default, deserialize_with = "rebloom_core::preferences::double_option")]
    #[schema(value_type = Option<i32>, minimum = 1, maximum = 10)]
    pub energy_level: Option<Option<i32>>,
    /// Up to 2000 characters.
    #[serde(default, deserialize_with = "rebloom_core::preferences::double_option")]
    #[schema(value_type = Option<String>, max_length = 2000)]
    pub notes: Option<Option<String>>,
    /// Replaces the tags: up to 20.
    #[schema(value_type = Option<Vec<crate::schemas::Trigger>>, max_items = 20)]
    pub triggers: Option<Vec<String>>,
    /// One of the caller's sessions.
    #[serde(default, deserialize_with = "rebloom_core::preferences::double_option")]
    #[schema(value_type = Option<Uuid>)]
    pub session_id: Option<Option<Uuid>>,
    /// Not in the future, at most a year ago.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub recorded_at: Option<OffsetDateTime>,
}

fn check_level(field: &str, v: Option<i32>, errors: &mut Vec<FieldError>) {
    if let Some(v) = v
        && !(1..=10).contains(&v)
    {
        errors.push(FieldError::new(field, "out_of_range", "Use 1 to 10."));
    }
}

/// Trimmed, without repeats (ignoring case; the first spelling stays);
/// checked for number and length.
fn check_triggers(list: Vec<String>, errors: &mut Vec<FieldError>) -> Vec<String> {
    // As sent, repeats included (the document's `maxItems`).
    let sent = list.len();
    let mut out: Vec<String> = Vec::new();
    for t in list {
        let t = t.trim().to_owned();
        if t.is_empty() || t.chars().count() > MAX_TRIGGER || t.chars().any(char::is_control) {
            errors.push(FieldError::new(
                "triggers",
                "invalid_trigger",
                format!("Each trigger is 1 to {MAX_TRIGGER} characters."),
            ));
            return out;
        }
        if !out.iter().any(|o| o.to_lowercase() == t.to_lowercase()) {
            out.push(t);
        }
    }
    if sent > MAX_TRIGGERS {
        errors.push(FieldError::new(
            "triggers",
            "too_many",
            format!("At most {MAX_TRIGGERS} triggers."),
        ));
    }
    out
}

/// To the microsecond, as stored.
fn micros(at: OffsetDateTime) -> OffsetDateTime {
    at.replace_nanosecond(at.nanosecond() / 1_000 * 1_000)
        .unwrap_or(at)
}

fn check_time(at: OffsetDateTime, now: OffsetDateTime, errors: &mut Vec<FieldError>) {
    if at > now + time::Duration::minutes(5) || at < now - time::Duration::days(366) {
        errors.push(FieldError::new(
            "recordedAt",
            "out_of_range",
            "Not in the future and at most a year ago.",
        ));
    }
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
    let notes = rebloom_core::wellbeing::optional_text("notes", req.notes, MAX_NOTES, &mut errors);
    let triggers = check_triggers(req.triggers.unwrap_or_default(), &mut errors);
    let recorded_at = micros(req.recorded_at.unwrap_or(now));
    check_time(recorded_at, now, &mut errors);
    state
        .wellbeing
        .check_session(user.id, req.session_id, &mut errors)
        .await?;
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
    let calendar = state.wellbeing.calendar(user.id).await?;
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
    Ok(ApiJson(state.wellbeing.moods_in_range(user.id, &q).await?))
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
    Ok(ApiJson(state.wellbeing.trends_in(user.id, q).await?))
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
    let calendar = state.wellbeing.calendar(user.id).await?;
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
        entry.notes = rebloom_core::wellbeing::optional_text("notes", v, MAX_NOTES, &mut errors);
    }
    if let Some(v) = req.triggers {
        entry.triggers = check_triggers(v, &mut errors);
    }
    if let Some(v) = req.session_id {
        state
            .wellbeing
            .check_session(user.id, v, &mut errors)
            .await?;
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
    let calendar = state.wellbeing.calendar(user.id).await?;
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
