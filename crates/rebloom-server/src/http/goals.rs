//! `/api/me/goals`: the person's goals (`trackUserGoal`) with category,
//! target date and status, progress updates with their history
//! (`updateGoalProgress`), and small next steps suggested for where they are.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use rebloom_store::{Goal, GoalProgress};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::app::AppState;
use crate::http::error::{ApiError, ApiResult, FieldError, Problem};
use crate::http::extract::{ApiJson, AuthUser};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_goals, create_goal))
        .routes(routes!(get_goal, edit_goal, delete_goal))
        .routes(routes!(record_progress))
}

pub const CATEGORIES: &[&str] = &[
    "mood",
    "anxiety",
    "stress",
    "sleep",
    "relationships",
    "self_care",
    "activity",
    "work_study",
    "mindfulness",
    "other",
];
pub const STATUSES: &[&str] = &["active", "completed", "paused", "archived"];
const MAX_TITLE: usize = 200;
const MAX_DESCRIPTION: usize = 2000;
const MAX_NOTE: usize = 1000;
const MAX_GOALS: usize = 100;

#[derive(Debug, Serialize, ToSchema, async_graphql::SimpleObject)]
#[serde(rename_all = "camelCase")]
#[graphql(name = "GoalProgress")]
pub struct ProgressView {
    pub id: Uuid,
    pub progress_percentage: i32,
    pub note: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub recorded_at: OffsetDateTime,
}

impl From<GoalProgress> for ProgressView {
    fn from(p: GoalProgress) -> ProgressView {
        ProgressView {
            id: p.id,
            progress_percentage: p.progress_percentage,
            note: p.note,
            recorded_at: p.recorded_at,
        }
    }
}

// Also the GraphQL `Goal`.
#[derive(Debug, Serialize, ToSchema, async_graphql::SimpleObject)]
#[serde(rename_all = "camelCase")]
#[graphql(name = "Goal")]
pub struct GoalView {
    pub id: Uuid,
    pub title: String,
    pub description: Option<String>,
    pub category: Option<String>,
    /// YYYY-MM-DD.
    pub target_date: Option<String>,
    /// `active`, `completed`, `paused` or `archived`.
    pub status: String,
    pub progress_percentage: i32,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub completed_at: Option<OffsetDateTime>,
    /// Small next steps for where the goal is (only while it is active).
    pub next_steps: Vec<String>,
    /// Progress updates, oldest first (on a single goal; empty in lists).
    pub history: Vec<ProgressView>,
}

impl GoalView {
    pub fn new(g: Goal, history: Vec<GoalProgress>) -> GoalView {
        let next_steps = if g.status == "active" {
            crate::wellbeing::next_steps::next_steps(g.category.as_deref(), g.progress_percentage)
        } else {
            Vec::new()
        };
        GoalView {
            id: g.id,
            title: g.title,
            description: g.description,
            category: g.category,
            target_date: g.target_date.map(|d| d.to_string()),
            status: g.status,
            progress_percentage: g.progress_percentage,
            created_at: g.created_at,
            updated_at: g.updated_at,
            completed_at: g.completed_at,
            next_steps,
            history: history.into_iter().map(ProgressView::from).collect(),
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NewGoal {
    #[schema(value_type = crate::schemas::GoalText, example = "Sleep better")]
    pub title: String,
    /// Up to 2000 characters.
    #[schema(max_length = 2000)]
    pub description: Option<String>,
    #[schema(value_type = Option<GoalCategory>)]
    pub category: Option<String>,
    /// Today (the person's) or later.
    #[schema(format = Date)]
    pub target_date: Option<String>,
}

/// What a goal is about.
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
#[allow(
    dead_code,
    reason = "only describes the accepted values in the OpenAPI document"
)]
pub enum GoalCategory {
    Mood,
    Anxiety,
    Stress,
    Sleep,
    Relationships,
    SelfCare,
    Activity,
    WorkStudy,
    Mindfulness,
    Other,
}

/// Where a goal stands.
#[derive(ToSchema)]
#[schema(rename_all = "lowercase")]
#[allow(
    dead_code,
    reason = "only describes the accepted values in the OpenAPI document"
)]
pub enum GoalStatus {
    Active,
    Completed,
    Paused,
    Archived,
}

/// A change to a goal: absent fields stay; `null` clears an optional one.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct GoalChange {
    #[schema(value_type = Option<crate::schemas::GoalText>)]
    pub title: Option<String>,
    /// Up to 2000 characters.
    #[serde(default, deserialize_with = "rebloom_core::preferences::double_option")]
    #[schema(value_type = Option<String>, max_length = 2000)]
    pub description: Option<Option<String>>,
    #[serde(default, deserialize_with = "rebloom_core::preferences::double_option")]
    #[schema(value_type = Option<GoalCategory>)]
    pub category: Option<Option<String>>,
    /// Today (the person's) or later.
    #[serde(default, deserialize_with = "rebloom_core::preferences::double_option")]
    #[schema(value_type = Option<String>, format = Date)]
    pub target_date: Option<Option<String>>,
    #[schema(value_type = Option<GoalStatus>)]
    pub status: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ProgressUpdate {
    /// 0 to 100; 100 completes the goal.
    #[schema(minimum = 0, maximum = 100)]
    pub progress_percentage: i32,
    /// Up to 1000 characters.
    #[schema(max_length = 1000)]
    pub note: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct GoalQuery {
    /// Only goals with this status.
    #[param(value_type = Option<GoalStatus>)]
    pub status: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct GoalList {
    pub goals: Vec<GoalView>,
}

fn check_title(title: &str, errors: &mut Vec<FieldError>) -> String {
    let t = title.trim();
    if t.is_empty() || t.chars().count() > MAX_TITLE || t.chars().any(char::is_control) {
        errors.push(FieldError::new(
            "title",
            "invalid_title",
            format!("1 to {MAX_TITLE} characters."),
        ));
    }
    t.to_owned()
}

fn check_category(c: Option<String>, errors: &mut Vec<FieldError>) -> Option<String> {
    let c = c?;
    if !CATEGORIES.contains(&c.as_str()) {
        errors.push(FieldError::new(
            "category",
            "invalid_category",
            format!("One of {}.", CATEGORIES.join(", ")),
        ));
    }
    Some(c)
}

fn check_date(
    v: Option<String>,
    today: time::Date,
    errors: &mut Vec<FieldError>,
) -> Option<time::Date> {
    let v = v?;
    let format = time::macros::format_description!("[year]-[month]-[day]");
    match time::Date::parse(&v, &format) {
        Ok(d) if d >= today => Some(d),
        Ok(_) => {
            errors.push(FieldError::new(
                "targetDate",
                "in_the_past",
                "Choose today or a later day.",
            ));
            None
        }
        Err(_) => {
            errors.push(FieldError::new(
                "targetDate",
                "invalid_date",
                "Use a date such as 2026-12-31.",
            ));
            None
        }
    }
}

async fn today(state: &AppState, user_id: Uuid) -> ApiResult<time::Date> {
    let calendar = crate::wellbeing::calendar::Calendar::of(state, user_id).await?;
    crate::wellbeing::calendar::to_time_date(calendar.date_of(state.clock.now()))
}

/// Sets a goal's status, and its completion time when it becomes completed.
fn set_status(goal: &mut Goal, status: &str, now: OffsetDateTime) {
    if status == "completed" && goal.status != "completed" {
        goal.completed_at = Some(now);
    } else if status != "completed" {
        goal.completed_at = None;
    }
    goal.status = status.to_owned();
}

/// The caller's goals, newest first.
#[utoipa::path(get, path = "/api/me/goals", tag = "wellbeing", security(("bearer" = [])),
    params(GoalQuery),
    responses((status = 200, body = GoalList), (status = 422, body = Problem, content_type = "application/problem+json")))]
#[tracing::instrument(skip_all, fields(user_id = %user.id))]
pub async fn list_goals(
    State(state): State<AppState>,
    user: AuthUser,
    Query(q): Query<GoalQuery>,
) -> ApiResult<ApiJson<GoalList>> {
    if let Some(s) = &q.status
        && !STATUSES.contains(&s.as_str())
    {
        return Err(ApiError::field(
            "status",
            "invalid_status",
            format!("One of {}.", STATUSES.join(", ")),
        ));
    }
    let goals = state.store.list_goals(user.id).await?;
    Ok(ApiJson(GoalList {
        goals: goals
            .into_iter()
            .filter(|g| q.status.as_ref().is_none_or(|s| *s == g.status))
            .map(|g| GoalView::new(g, Vec::new()))
            .collect(),
    }))
}

/// Sets a new goal (`trackUserGoal`).
#[utoipa::path(post, path = "/api/me/goals", tag = "wellbeing", security(("bearer" = [])),
    request_body = NewGoal,
    responses(
        (status = 201, body = GoalView),
        (status = 409, description = "`too_many_goals`", body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ))]
#[tracing::instrument(skip_all, fields(user_id = %user.id))]
pub async fn create_goal(
    State(state): State<AppState>,
    user: AuthUser,
    ApiJson(req): ApiJson<NewGoal>,
) -> ApiResult<(StatusCode, ApiJson<GoalView>)> {
    let mut errors = Vec::new();
    let title = check_title(&req.title, &mut errors);
    let description = crate::wellbeing::optional_text(
        "description",
        req.description,
        MAX_DESCRIPTION,
        &mut errors,
    );
    let category = check_category(req.category, &mut errors);
    let target_date = check_date(req.target_date, today(&state, user.id).await?, &mut errors);
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    if state.store.list_goals(user.id).await?.len() >= MAX_GOALS {
        return Err(ApiError::Conflict("too_many_goals"));
    }
    let now = state.clock.now();
    let goal = Goal {
        id: Uuid::now_v7(),
        user_id: user.id,
        title,
        description,
        category,
        target_date,
        status: "active".to_owned(),
        progress_percentage: 0,
        created_at: now,
        updated_at: now,
        completed_at: None,
    };
    state.store.insert_goal(&goal).await?;
    Ok((
        StatusCode::CREATED,
        ApiJson(GoalView::new(goal, Vec::new())),
    ))
}

/// One goal with its progress history.
#[utoipa::path(get, path = "/api/me/goals/{id}", tag = "wellbeing", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses((status = 200, body = GoalView), (status = 404, body = Problem, content_type = "application/problem+json")))]
#[tracing::instrument(skip_all, fields(user_id = %user.id))]
pub async fn get_goal(
    State(state): State<AppState>,
    user: AuthUser,
    Path(id): Path<Uuid>,
) -> ApiResult<ApiJson<GoalView>> {
    let goal = state
        .store
        .find_goal(user.id, id)
        .await?
        .ok_or(ApiError::NotFound)?;
    let history = state.store.goal_progress(user.id, Some(id)).await?;
    Ok(ApiJson(GoalView::new(goal, history)))
}

/// Changes a goal's title, description, category, target date or status.
#[utoipa::path(patch, path = "/api/me/goals/{id}", tag = "wellbeing", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    request_body = GoalChange,
    responses(
        (status = 200, body = GoalView),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ))]
#[tracing::instrument(skip_all, fields(user_id = %user.id))]
pub async fn edit_goal(
    State(state): State<AppState>,
    user: AuthUser,
    Path(id): Path<Uuid>,
    ApiJson(req): ApiJson<GoalChange>,
) -> ApiResult<ApiJson<GoalView>> {
    let mut goal = state
        .store
        .find_goal(user.id, id)
        .await?
        .ok_or(ApiError::NotFound)?;
    let now = state.clock.now();
    let mut errors = Vec::new();
    if let Some(t) = &req.title {
        goal.title = check_title(t, &mut errors);
    }
    if let Some(d) = req.description {
        goal.description =
            crate::wellbeing::optional_text("description", d, MAX_DESCRIPTION, &mut errors);
    }
    if let Some(c) = req.category {
        goal.category = check_category(c, &mut errors);
    }
    if let Some(d) = req.target_date {
        goal.target_date = check_date(d, today(&state, user.id).await?, &mut errors);
    }
    if let Some(s) = &req.status {
        if STATUSES.contains(&s.as_str()) {
            set_status(&mut goal, s, now);
        } else {
            errors.push(FieldError::new(
                "status",
                "invalid_status",
                format!("One of {}.", STATUSES.join(", ")),
            ));
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    goal.updated_at = now;
    if !state.store.update_goal(&goal).await? {
        return Err(ApiError::NotFound);
    }
    let history = state.store.goal_progress(user.id, Some(id)).await?;
    Ok(ApiJson(GoalView::new(goal, history)))
}

/// Deletes a goal and its history.
#[utoipa::path(delete, path = "/api/me/goals/{id}", tag = "wellbeing", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses((status = 204, description = "Deleted"), (status = 404, body = Problem, content_type = "application/problem+json")))]
#[tracing::instrument(skip_all, fields(user_id = %user.id))]
pub async fn delete_goal(
    State(state): State<AppState>,
    user: AuthUser,
    Path(id): Path<Uuid>,
) -> ApiResult<StatusCode> {
    if state.store.delete_goal(user.id, id).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::NotFound)
    }
}

/// Records progress (`updateGoalProgress`): kept in the goal's history; 100
/// completes the goal, less reopens a completed one.
#[utoipa::path(post, path = "/api/me/goals/{id}/progress", tag = "wellbeing", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    request_body = ProgressUpdate,
    responses(
        (status = 200, body = GoalView),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`goal_archived`: restore it first", body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ))]
#[tracing::instrument(skip_all, fields(user_id = %user.id))]
pub async fn record_progress(
    State(state): State<AppState>,
    user: AuthUser,
    Path(id): Path<Uuid>,
    ApiJson(req): ApiJson<ProgressUpdate>,
) -> ApiResult<ApiJson<GoalView>> {
    let mut errors = Vec::new();
    if !(0..=100).contains(&req.progress_percentage) {
        errors.push(FieldError::new(
            "progressPercentage",
            "out_of_range",
            "Use 0 to 100.",
        ));
    }
    let note = crate::wellbeing::optional_text("note", req.note, MAX_NOTE, &mut errors);
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let mut goal = state
        .store
        .find_goal(user.id, id)
        .await?
        .ok_or(ApiError::NotFound)?;
    if goal.status == "archived" {
        return Err(ApiError::Conflict("goal_archived"));
    }
    let now = state.clock.now();
    goal.progress_percentage = req.progress_percentage;
    if req.progress_percentage == 100 {
        set_status(&mut goal, "completed", now);
    } else if goal.status == "completed" {
        set_status(&mut goal, "active", now);
    }
    goal.updated_at = now;
    let step = GoalProgress {
        id: Uuid::now_v7(),
        goal_id: goal.id,
        user_id: user.id,
        progress_percentage: req.progress_percentage,
        note,
        recorded_at: now,
    };
    if !state.store.record_goal_progress(&goal, &step).await? {
        return Err(ApiError::NotFound);
    }
    metrics::counter!("goal_progress_updates_total").increment(1);
    let history = state.store.goal_progress(user.id, Some(id)).await?;
    Ok(ApiJson(GoalView::new(goal, history)))
}
