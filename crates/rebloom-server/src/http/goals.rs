//! `/api/me/goals`: the person's goals (`trackUserGoal`) with category,
//! target date and status, progress updates with their history
//! (`updateGoalProgress`), and small next steps suggested for where they are.
//! The checks and rules are `rebloom_core::wellbeing::goals`; here are the
//! request and response shapes.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use rebloom_core::wellbeing::goals::{GoalChange, GoalStatus, NewGoal, ProgressUpdate};
use rebloom_store::{Goal, GoalProgress};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::app::AppState;
use crate::http::error::{ApiResult, Problem};
use crate::http::extract::{ApiJson, AuthUser};
use rebloom_core::wellbeing::Wellbeing;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_goals, create_goal))
        .routes(routes!(get_goal, edit_goal, delete_goal))
        .routes(routes!(record_progress))
}

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
            rebloom_core::wellbeing::next_steps::next_steps(
                g.category.as_deref(),
                g.progress_percentage,
            )
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

/// The caller's goals, newest first.
#[utoipa::path(get, path = "/api/me/goals", tag = "wellbeing", security(("bearer" = [])),
    params(GoalQuery),
    responses((status = 200, body = GoalList), (status = 422, body = Problem, content_type = "application/problem+json")))]
#[tracing::instrument(skip_all, fields(user_id = %user.id))]
pub async fn list_goals(
    State(wellbeing): State<Wellbeing>,
    user: AuthUser,
    Query(q): Query<GoalQuery>,
) -> ApiResult<ApiJson<GoalList>> {
    let goals = wellbeing.list_goals(user.id, q.status.as_deref()).await?;
    Ok(ApiJson(GoalList {
        goals: goals
            .into_iter()
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
    State(wellbeing): State<Wellbeing>,
    user: AuthUser,
    ApiJson(req): ApiJson<NewGoal>,
) -> ApiResult<(StatusCode, ApiJson<GoalView>)> {
    let goal = wellbeing.create_goal(user.id, req).await?;
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
    State(wellbeing): State<Wellbeing>,
    user: AuthUser,
    Path(id): Path<Uuid>,
) -> ApiResult<ApiJson<GoalView>> {
    let (goal, history) = wellbeing.goal(user.id, id).await?;
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
    State(wellbeing): State<Wellbeing>,
    user: AuthUser,
    Path(id): Path<Uuid>,
    ApiJson(req): ApiJson<GoalChange>,
) -> ApiResult<ApiJson<GoalView>> {
    let (goal, history) = wellbeing.edit_goal(user.id, id, req).await?;
    Ok(ApiJson(GoalView::new(goal, history)))
}

/// Deletes a goal and its history.
#[utoipa::path(delete, path = "/api/me/goals/{id}", tag = "wellbeing", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses((status = 204, description = "Deleted"), (status = 404, body = Problem, content_type = "application/problem+json")))]
#[tracing::instrument(skip_all, fields(user_id = %user.id))]
pub async fn delete_goal(
    State(wellbeing): State<Wellbeing>,
    user: AuthUser,
    Path(id): Path<Uuid>,
) -> ApiResult<StatusCode> {
    wellbeing.delete_goal(user.id, id).await?;
    Ok(StatusCode::NO_CONTENT)
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
    State(wellbeing): State<Wellbeing>,
    user: AuthUser,
    Path(id): Path<Uuid>,
    ApiJson(req): ApiJson<ProgressUpdate>,
) -> ApiResult<ApiJson<GoalView>> {
    let (goal, history) = wellbeing.record_progress(user.id, id, req).await?;
    Ok(ApiJson(GoalView::new(goal, history)))
}
