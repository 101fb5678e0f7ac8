//! `/api/me/audit`: the person's own audit trail; recording is `crate::audit`.

use axum::extract::{Query, State};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::app::AppState;
use crate::audit::*;
use crate::http::error::{ApiResult, Problem};
use crate::http::extract::{ApiJson, AuthUser};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(my_audit))
}

/// Who did what with the caller's account and data, newest first.
#[utoipa::path(get, path = "/api/me/audit", tag = "me", security(("bearer" = [])), params(AuditQuery),
    responses((status = 200, body = AuditPage), (status = 401, body = Problem, content_type = "application/problem+json")))]
#[tracing::instrument(skip_all, fields(user_id = %user.id))]
pub async fn my_audit(
    State(state): State<AppState>,
    user: AuthUser,
    Query(q): Query<AuditQuery>,
) -> ApiResult<ApiJson<AuditPage>> {
    let limit = crate::http::extract::page_limit(q.limit)?;
    let entries = state.store.list_audit(user.id, q.before, limit).await?;
    let next = crate::http::extract::next_cursor(&entries, limit, |e| e.seq);
    Ok(ApiJson(AuditPage {
        entries: entries.into_iter().map(|e| view(user.id, e)).collect(),
        next,
    }))
}
