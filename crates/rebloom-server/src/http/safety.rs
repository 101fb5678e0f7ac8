//! The Stanley-Brown safety plan, crisis resources by country, and the person's
//! own crisis history.

use std::sync::Arc;

use axum::extract::{Query, State};
use rebloom_safety::Safety;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::app::AppState;
use crate::http::error::{ApiResult, Problem};
use crate::http::extract::{ApiJson, AuthUser};
use rebloom_core::conversation::Conversations;
use rebloom_core::conversation::crisis::CrisisStateView;
use rebloom_core::safety_plan::{SafetyPlan, SafetyPlanView, SafetyPlans};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_safety_plan, put_safety_plan))
        .routes(routes!(resources))
        .routes(routes!(crisis_state))
}

/// A crisis line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CrisisLine {
    pub name: String,
    pub contact: String,
    pub hours: String,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ResourcesView {
    /// The country the lines are for, or null for international guidance.
    pub country: Option<String>,
    pub emergency_number: Option<String>,
    pub lines: Vec<CrisisLine>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ResourcesQuery {
    /// ISO 3166-1 alpha-2 country code.
    pub country: Option<String>,
}

fn lines_for(safety: &Safety, country: Option<&str>) -> (Vec<CrisisLine>, Option<String>, bool) {
    let (r, known) = safety.directory.for_country(country);
    let lines = r
        .crisis_lines()
        .map(|l| CrisisLine {
            name: l.name.clone(),
            contact: l.contact.clone(),
            hours: l.hours.clone(),
        })
        .collect();
    (lines, known.then(|| r.emergency.clone()), known)
}

/// The caller's safety plan; crisis lines are pre-filled for their country.
#[utoipa::path(get, path = "/api/me/safety-plan", tag = "safety", security(("bearer" = [])),
    responses((status = 200, body = SafetyPlanView), (status = 401, body = Problem, content_type = "application/problem+json")))]
#[tracing::instrument(skip_all, fields(user_id = %user.id))]
pub async fn get_safety_plan(
    State(safety_plans): State<SafetyPlans>,
    user: AuthUser,
) -> ApiResult<ApiJson<SafetyPlanView>> {
    Ok(ApiJson(safety_plans.plan(user.id).await?))
}

/// Replace the caller's safety plan.
#[utoipa::path(put, path = "/api/me/safety-plan", tag = "safety", security(("bearer" = [])),
    request_body = SafetyPlan,
    responses(
        (status = 200, body = SafetyPlanView),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ))]
#[tracing::instrument(skip_all, fields(user_id = %user.id))]
pub async fn put_safety_plan(
    State(safety_plans): State<SafetyPlans>,
    user: AuthUser,
    ApiJson(plan): ApiJson<SafetyPlan>,
) -> ApiResult<ApiJson<SafetyPlanView>> {
    Ok(ApiJson(safety_plans.save(user.id, &plan).await?))
}

/// The caller's crisis state: whether help is kept within reach on every
/// screen (from a message or questionnaire answer that ran the crisis
/// protocol, until a clear safety answer or a quiet period), with the lines of
/// their country now. Every device and tab reads the same.
#[utoipa::path(get, path = "/api/me/crisis", tag = "safety", security(("bearer" = [])),
    responses((status = 200, body = CrisisStateView), (status = 401, body = Problem, content_type = "application/problem+json")))]
#[tracing::instrument(skip_all, fields(user_id = %user.id))]
pub async fn crisis_state(
    State(conversations): State<Conversations>,
    user: AuthUser,
) -> ApiResult<ApiJson<CrisisStateView>> {
    Ok(ApiJson(
        rebloom_core::conversation::crisis::current(&conversations, user.id).await?,
    ))
}

/// Crisis lines and the emergency number for a country (international guidance
/// when the country is unknown). Needs no account: anyone may need it.
#[utoipa::path(get, path = "/api/safety/resources", tag = "safety", params(ResourcesQuery),
    responses((status = 200, body = ResourcesView)))]
pub async fn resources(
    State(safety): State<Arc<Safety>>,
    Query(q): Query<ResourcesQuery>,
) -> ApiJson<ResourcesView> {
    let country = q.country.map(|c| c.trim().to_ascii_uppercase());
    let (lines, emergency, known) = lines_for(&safety, country.as_deref());
    ApiJson(ResourcesView {
        country: country.filter(|_| known),
        emergency_number: emergency,
        lines,
    })
}
