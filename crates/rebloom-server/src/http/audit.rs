//! `/api/me/audit`: the person's own audit trail (`rebloom_core::audit`).

use axum::extract::{Query, State};
use rebloom_store::AuditEntry;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use time::OffsetDateTime;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::app::AppState;
use crate::http::error::{ApiResult, Problem};
use crate::http::extract::{ApiJson, AuthUser};
use rebloom_core::audit::Audit;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(my_audit))
}

/// Who did what with the caller's account and data, newest first.
#[utoipa::path(get, path = "/api/me/audit", tag = "me", security(("bearer" = [])), params(AuditQuery),
    responses((status = 200, body = AuditPage), (status = 401, body = Problem, content_type = "application/problem+json")))]
#[tracing::instrument(skip_all, fields(user_id = %user.id))]
pub async fn my_audit(
    State(audit): State<Audit>,
    user: AuthUser,
    Query(q): Query<AuditQuery>,
) -> ApiResult<ApiJson<AuditPage>> {
    let limit = crate::http::extract::page_limit(q.limit)?;
    let entries = audit.entries(user.id, q.before, limit).await?;
    let next = crate::http::extract::next_cursor(&entries, limit, |e| e.seq);
    Ok(ApiJson(AuditPage {
        entries: entries.into_iter().map(|e| view(user.id, e)).collect(),
        next,
    }))
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AuditView {
    pub seq: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    /// Who acted: `user` (the person themselves), `clinician`, `admin` or `system`.
    pub actor_role: String,
    /// Whether the person themselves did it.
    pub by_you: bool,
    pub action: String,
    #[schema(value_type = Object)]
    pub detail: Value,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AuditPage {
    pub entries: Vec<AuditView>,
    /// Pass as `before` for older entries; null at the end.
    pub next: Option<i64>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Cursor: entries before this one (`next` of the previous page).
    pub before: Option<i64>,
    /// Default 50.
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u32>,
}

fn view(user: Uuid, e: AuditEntry) -> AuditView {
    AuditView {
        seq: e.seq,
        at: e.at,
        actor_role: e.actor_role,
        by_you: e.actor_id == Some(user),
        action: e.action,
        detail: serde_json::from_str(&e.detail).unwrap_or(Value::Null),
    }
}
