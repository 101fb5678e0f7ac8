//! `/api/me/insights` and the architecture's `/api/users/{userId}/insights`.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use rebloom_store::Insight;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use time::OffsetDateTime;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::app::AppState;
use crate::http::error::{ApiError, ApiResult, Problem};
use crate::http::extract::{ApiJson, AuthUser};
use rebloom_core::insights::Insights;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(my_insights))
        .routes(routes!(user_insights))
        .routes(routes!(generate_weekly))
        .routes(routes!(acknowledge))
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct InsightView {
    pub id: Uuid,
    /// `weekly`.
    pub insight_type: String,
    pub title: String,
    /// The report: every figure with the ids of the entries behind it.
    #[schema(value_type = Object)]
    pub content: Value,
    pub confidence_score: Option<f64>,
    /// First local day of the week (YYYY-MM-DD).
    pub period_start: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub generated_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub acknowledged_at: Option<OffsetDateTime>,
}

impl From<Insight> for InsightView {
    fn from(i: Insight) -> InsightView {
        InsightView {
            id: i.id,
            insight_type: i.insight_type,
            title: i.title,
            content: i.content,
            confidence_score: i.confidence_score,
            period_start: i.period_start.map(|d| d.to_string()),
            generated_at: i.generated_at,
            acknowledged_at: i.acknowledged_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct InsightList {
    /// Newest week first.
    pub insights: Vec<InsightView>,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct WeekChoice {
    /// The Monday of a finished week (in the caller's time zone); default the last one.
    #[schema(format = Date)]
    pub week_start: Option<String>,
}

async fn list(insights: &Insights, user_id: Uuid) -> ApiResult<InsightList> {
    let insights = insights.list(user_id).await?;
    Ok(InsightList {
        insights: insights.into_iter().map(InsightView::from).collect(),
    })
}

/// The caller's insights.
#[utoipa::path(get, path = "/api/me/insights", tag = "wellbeing", security(("bearer" = [])),
    responses((status = 200, body = InsightList)))]
#[tracing::instrument(skip_all, fields(user_id = %user.id))]
pub async fn my_insights(
    State(insights): State<Insights>,
    user: AuthUser,
) -> ApiResult<ApiJson<InsightList>> {
    Ok(ApiJson(list(&insights, user.id).await?))
}

/// The same, at the architecture's path: only for the caller themself.
#[utoipa::path(get, path = "/api/users/{userId}/insights", tag = "wellbeing", security(("bearer" = [])),
    params(("userId" = Uuid, Path)),
    responses((status = 200, body = InsightList), (status = 404, body = Problem, content_type = "application/problem+json")))]
#[tracing::instrument(skip_all, fields(user_id = %user.id))]
pub async fn user_insights(
    State(insights): State<Insights>,
    user: AuthUser,
    Path(user_id): Path<Uuid>,
) -> ApiResult<ApiJson<InsightList>> {
    if user_id != user.id {
        return Err(ApiError::NotFound);
    }
    Ok(ApiJson(list(&insights, user.id).await?))
}

/// Writes the insight of a finished week now (the scheduler does this on
/// Mondays); the existing one when it was written already.
#[utoipa::path(post, path = "/api/me/insights/weekly", tag = "wellbeing", security(("bearer" = [])),
    request_body = WeekChoice,
    responses(
        (status = 200, body = InsightView),
        (status = 422, description = "`validation_failed`: not a Monday of a finished week", body = Problem, content_type = "application/problem+json"),
    ))]
#[tracing::instrument(skip_all, fields(user_id = %user.id))]
pub async fn generate_weekly(
    State(insights): State<Insights>,
    user: AuthUser,
    ApiJson(req): ApiJson<WeekChoice>,
) -> ApiResult<ApiJson<InsightView>> {
    let insight = insights.weekly(user.id, req.week_start.as_deref()).await?;
    Ok(ApiJson(insight.into()))
}

/// Marks an insight as read.
#[utoipa::path(post, path = "/api/me/insights/{id}/acknowledge", tag = "wellbeing", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses((status = 204, description = "Acknowledged"), (status = 404, body = Problem, content_type = "application/problem+json")))]
#[tracing::instrument(skip_all, fields(user_id = %user.id))]
pub async fn acknowledge(
    State(insights): State<Insights>,
    user: AuthUser,
    Path(id): Path<Uuid>,
) -> ApiResult<StatusCode> {
    insights.acknowledge(user.id, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
