//! Administration: accounts, roles, disabling, and the jobs that failed for
//! good (the dead-letter view). Admins only.

use axum::extract::{Path, Query, State};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::app::AppState;
use crate::http::error::{ApiResult, Problem};
use crate::http::extract::{Admin, ApiJson, RequireRole, next_cursor, page_limit};
use rebloom_core::accounts::{Accounts, UserUpdate};
use rebloom_core::audit::Audit;
use rebloom_core::jobs::Queue;
use rebloom_core::profile::UserView;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_users))
        .routes(routes!(update_user))
        .routes(routes!(failed_jobs))
        .routes(routes!(retry_job))
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FailedJobView {
    pub id: Uuid,
    /// What kind of work, e.g. `crisis.email`, `insights.weekly`.
    pub queue: String,
    pub user_id: Option<Uuid>,
    pub attempts: i32,
    /// The last error (never message content: payloads hold ids only).
    pub last_error: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: time::OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub failed_at: time::OffsetDateTime,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FailedJobPage {
    pub jobs: Vec<FailedJobView>,
    /// Pass as `before` for the next page; absent on the last page.
    pub next_cursor: Option<Uuid>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FailedParams {
    /// Cursor: the last id of the previous page.
    pub before: Option<Uuid>,
    /// Default 50.
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u32>,
}

/// Jobs that used up their attempts (retries with back-off), latest first.
#[utoipa::path(get, path = "/api/admin/jobs/failed", tag = "admin", security(("bearer" = [])),
    params(FailedParams),
    responses((status = 200, body = FailedJobPage), (status = 403, body = Problem, content_type = "application/problem+json")))]
#[tracing::instrument(skip_all)]
pub async fn failed_jobs(
    State(queue): State<Queue>,
    RequireRole(_admin, _): RequireRole<Admin>,
    Query(q): Query<FailedParams>,
) -> ApiResult<ApiJson<FailedJobPage>> {
    let limit = page_limit(q.limit)?;
    let jobs = queue.failed(q.before, limit).await?;
    let next_cursor = next_cursor(&jobs, limit, |j| j.id);
    Ok(ApiJson(FailedJobPage {
        jobs: jobs
            .into_iter()
            .map(|j| FailedJobView {
                id: j.id,
                queue: j.queue,
                user_id: j.user_id,
                attempts: j.attempts,
                last_error: j.last_error,
                created_at: j.created_at,
                failed_at: j.failed_at,
            })
            .collect(),
        next_cursor,
    }))
}

/// Puts a failed job back in the queue with fresh attempts (audited).
#[utoipa::path(post, path = "/api/admin/jobs/{id}/retry", tag = "admin", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses(
        (status = 204, description = "Queued again"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No failed job with this id", body = Problem, content_type = "application/problem+json"),
    ))]
#[tracing::instrument(skip_all, fields(job = %id))]
pub async fn retry_job(
    State(audit): State<Audit>,
    State(queue): State<Queue>,
    RequireRole(admin, _): RequireRole<Admin>,
    Path(id): Path<Uuid>,
) -> ApiResult<axum::http::StatusCode> {
    queue.retry_failed(&audit, admin.actor(), id).await?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// Cursor: the last id of the previous page.
    pub after: Option<Uuid>,
    /// Default 50.
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u32>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UserPage {
    pub users: Vec<AdminUserView>,
    /// Pass as `after` for the next page; absent on the last page.
    pub next_cursor: Option<Uuid>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AdminUserView {
    #[serde(flatten)]
    pub user: UserView,
    pub disabled: bool,
}

/// List accounts, by id.
#[utoipa::path(get, path = "/api/admin/users", tag = "admin", security(("bearer" = [])),
    params(ListParams),
    responses(
        (status = 200, body = UserPage),
        (status = 403, body = Problem, content_type = "application/problem+json"),
    ))]
#[tracing::instrument(skip_all)]
pub async fn list_users(
    State(accounts): State<Accounts>,
    RequireRole(_admin, _): RequireRole<Admin>,
    Query(params): Query<ListParams>,
) -> ApiResult<ApiJson<UserPage>> {
    let limit = page_limit(params.limit)?;
    let users = accounts.list_users(params.after, limit).await?;
    let next_cursor = next_cursor(&users, limit, |u| u.id);
    Ok(ApiJson(UserPage {
        users: users
            .iter()
            .map(|u| AdminUserView {
                user: UserView::from(u),
                disabled: u.disabled_at.is_some(),
            })
            .collect(),
        next_cursor,
    }))
}

/// Change an account's role or disable it.
#[utoipa::path(patch, path = "/api/admin/users/{id}", tag = "admin", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    request_body = UserUpdate,
    responses(
        (status = 200, body = AdminUserView),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ))]
#[tracing::instrument(skip_all, fields(target = %id))]
pub async fn update_user(
    State(accounts): State<Accounts>,
    RequireRole(admin, _): RequireRole<Admin>,
    Path(id): Path<Uuid>,
    ApiJson(update): ApiJson<UserUpdate>,
) -> ApiResult<ApiJson<AdminUserView>> {
    let user = accounts.update_user(admin.actor(), id, &update).await?;
    tracing::info!(admin_id = %admin.id, target = %id, "admin updated user");
    Ok(ApiJson(AdminUserView {
        disabled: user.disabled_at.is_some(),
        user: UserView::from(&user),
    }))
}
