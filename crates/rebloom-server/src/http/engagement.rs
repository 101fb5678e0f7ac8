//! `/api/me/engagement`: the handler; the figures are `wellbeing::engagement`.

use axum::extract::{Query, State};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::app::AppState;
use crate::http::error::{ApiResult, Problem};
use crate::http::extract::{ApiJson, AuthUser};
use rebloom_core::wellbeing::Wellbeing;
use rebloom_core::wellbeing::calendar::RangeParams;
use rebloom_core::wellbeing::engagement::Engagement;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(engagement))
}

/// Engagement over the caller's days (default the last 30).
#[utoipa::path(get, path = "/api/me/engagement", tag = "wellbeing", security(("bearer" = [])),
    params(RangeParams),
    responses((status = 200, body = Engagement), (status = 422, body = Problem, content_type = "application/problem+json")))]
#[tracing::instrument(skip_all, fields(user_id = %user.id))]
pub async fn engagement(
    State(wellbeing): State<Wellbeing>,
    user: AuthUser,
    Query(q): Query<RangeParams>,
) -> ApiResult<ApiJson<Engagement>> {
    Ok(ApiJson(wellbeing.engagement_in(user.id, &q).await?))
}
