//! `/api/me/notifications` (the inbox) and `/api/me/reminders`; the rules
//! are `rebloom_core::notifications`.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use rebloom_core::notifications::reminders::{RemindersChange, RemindersView};
use rebloom_store::Notification;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::app::AppState;
use crate::http::error::{ApiResult, Problem};
use crate::http::extract::{ApiJson, AuthUser, next_cursor, page_limit};
use rebloom_core::notifications::Notifications;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(read_one))
        .routes(routes!(read_all))
        .routes(routes!(get_reminders, put_reminders))
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NotificationView {
    pub id: Uuid,
    /// `reminder`, `insight`, …
    pub kind: String,
    pub title: String,
    pub body: String,
    pub link: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub read_at: Option<OffsetDateTime>,
}

impl From<Notification> for NotificationView {
    fn from(n: Notification) -> NotificationView {
        NotificationView {
            id: n.id,
            kind: n.kind,
            title: n.title,
            body: n.body,
            link: n.link,
            created_at: n.created_at,
            read_at: n.read_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Inbox {
    pub unread: i64,
    /// Newest first.
    pub notifications: Vec<NotificationView>,
    /// Pass as `before` for the next page; absent on the last page.
    pub next_cursor: Option<Uuid>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct InboxParams {
    pub before: Option<Uuid>,
    /// Default 50.
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u32>,
}

/// The caller's inbox.
#[utoipa::path(get, path = "/api/me/notifications", tag = "me", security(("bearer" = [])),
    params(InboxParams),
    responses((status = 200, body = Inbox), (status = 422, body = Problem, content_type = "application/problem+json")))]
#[tracing::instrument(skip_all, fields(user_id = %user.id))]
pub async fn list(
    State(notifications): State<Notifications>,
    user: AuthUser,
    Query(q): Query<InboxParams>,
) -> ApiResult<ApiJson<Inbox>> {
    let limit = page_limit(q.limit)?;
    let (items, unread) = notifications.inbox(user.id, q.before, limit).await?;
    let next_cursor = next_cursor(&items, limit, |n| n.id);
    Ok(ApiJson(Inbox {
        unread,
        notifications: items.into_iter().map(NotificationView::from).collect(),
        next_cursor,
    }))
}

/// Marks one notification as read.
#[utoipa::path(post, path = "/api/me/notifications/{id}/read", tag = "me", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses((status = 204, description = "Read"), (status = 404, body = Problem, content_type = "application/problem+json")))]
#[tracing::instrument(skip_all, fields(user_id = %user.id))]
pub async fn read_one(
    State(notifications): State<Notifications>,
    user: AuthUser,
    Path(id): Path<Uuid>,
) -> ApiResult<StatusCode> {
    notifications.mark_read(user.id, Some(id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Marks every notification as read.
#[utoipa::path(post, path = "/api/me/notifications/read-all", tag = "me", security(("bearer" = [])),
    responses((status = 204, description = "All read")))]
#[tracing::instrument(skip_all, fields(user_id = %user.id))]
pub async fn read_all(
    State(notifications): State<Notifications>,
    user: AuthUser,
) -> ApiResult<StatusCode> {
    notifications.mark_read(user.id, None).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The caller's check-in reminder.
#[utoipa::path(get, path = "/api/me/reminders", tag = "me", security(("bearer" = [])),
    responses((status = 200, body = RemindersView)))]
#[tracing::instrument(skip_all, fields(user_id = %user.id))]
pub async fn get_reminders(
    State(notifications): State<Notifications>,
    user: AuthUser,
) -> ApiResult<ApiJson<RemindersView>> {
    Ok(ApiJson(notifications.reminders(user.id).await?))
}

/// Sets the caller's check-in reminder; the next one is computed in their time zone.
#[utoipa::path(put, path = "/api/me/reminders", tag = "me", security(("bearer" = [])),
    request_body = RemindersChange,
    responses((status = 200, body = RemindersView), (status = 422, body = Problem, content_type = "application/problem+json")))]
#[tracing::instrument(skip_all, fields(user_id = %user.id))]
pub async fn put_reminders(
    State(notifications): State<Notifications>,
    user: AuthUser,
    ApiJson(req): ApiJson<RemindersChange>,
) -> ApiResult<ApiJson<RemindersView>> {
    Ok(ApiJson(notifications.set_reminders(user.id, req).await?))
}
