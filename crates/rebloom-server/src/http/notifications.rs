//! `/api/me/notifications` (the inbox) and `/api/me/reminders`.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use rebloom_store::{Notification, ReminderSettings};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::app::AppState;
use crate::http::error::{ApiError, ApiResult, FieldError, Problem};
use crate::http::extract::{ApiJson, AuthUser, next_cursor, page_limit};
use rebloom_core::notifications::{next_due, parse_time};
use rebloom_core::wellbeing::calendar::Calendar;

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
    State(state): State<AppState>,
    user: AuthUser,
    Query(q): Query<InboxParams>,
) -> ApiResult<ApiJson<Inbox>> {
    let limit = page_limit(q.limit)?;
    let items = state
        .store
        .list_notifications(user.id, q.before, i64::from(limit))
        .await?;
    let next_cursor = next_cursor(&items, limit, |n| n.id);
    Ok(ApiJson(Inbox {
        unread: state.store.count_unread(user.id).await?,
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
    State(state): State<AppState>,
    user: AuthUser,
    Path(id): Path<Uuid>,
) -> ApiResult<StatusCode> {
    if state.store.find_notification(user.id, id).await?.is_none() {
        return Err(ApiError::NotFound);
    }
    state
        .store
        .mark_read(user.id, Some(id), state.clock.now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Marks every notification as read.
#[utoipa::path(post, path = "/api/me/notifications/read-all", tag = "me", security(("bearer" = [])),
    responses((status = 204, description = "All read")))]
#[tracing::instrument(skip_all, fields(user_id = %user.id))]
pub async fn read_all(State(state): State<AppState>, user: AuthUser) -> ApiResult<StatusCode> {
    state
        .store
        .mark_read(user.id, None, state.clock.now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RemindersView {
    pub enabled: bool,
    /// Local time, `HH:MM`.
    pub local_time: String,
    /// ISO weekdays, 1 = Monday … 7 = Sunday.
    pub days: Vec<u8>,
    pub email: bool,
    pub quiet_start: Option<String>,
    pub quiet_end: Option<String>,
    /// The time zone the times are in (the profile's).
    pub timezone: String,
    #[serde(with = "time::serde::rfc3339::option")]
    pub next_due_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_sent_at: Option<OffsetDateTime>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RemindersChange {
    pub enabled: bool,
    /// Local time, `HH:MM` (24 h).
    #[schema(example = "20:30", pattern = r"^([01][0-9]|2[0-3]):[0-5][0-9]$")]
    pub local_time: String,
    /// ISO weekdays (1 = Monday … 7 = Sunday); default every day.
    #[schema(value_type = Option<Vec<Weekday>>)]
    pub days: Option<Vec<u8>>,
    /// Also by e-mail: only where the server can send e-mail (else 422 `email_unavailable`).
    #[serde(default)]
    pub email: bool,
    /// Quiet hours, `HH:MM` to `HH:MM` (both or neither; may wrap past midnight).
    #[schema(pattern = r"^([01][0-9]|2[0-3]):[0-5][0-9]$")]
    pub quiet_start: Option<String>,
    /// With `quietStart`.
    #[schema(pattern = r"^([01][0-9]|2[0-3]):[0-5][0-9]$")]
    pub quiet_end: Option<String>,
}

/// An ISO weekday: 1 = Monday … 7 = Sunday.
#[derive(ToSchema)]
#[schema(value_type = u8, minimum = 1, maximum = 7)]
#[allow(
    dead_code,
    reason = "only describes the accepted values in the OpenAPI document"
)]
pub struct Weekday(u8);

fn view(s: &ReminderSettings, calendar: &Calendar) -> RemindersView {
    RemindersView {
        enabled: s.enabled,
        local_time: s.local_time.clone(),
        days: s.days.clone(),
        email: s.email,
        quiet_start: s.quiet_start.clone(),
        quiet_end: s.quiet_end.clone(),
        timezone: calendar.name().to_owned(),
        next_due_at: s.next_due_at,
        last_sent_at: s.last_sent_at,
    }
}

/// The caller's check-in reminder.
#[utoipa::path(get, path = "/api/me/reminders", tag = "me", security(("bearer" = [])),
    responses((status = 200, body = RemindersView)))]
#[tracing::instrument(skip_all, fields(user_id = %user.id))]
pub async fn get_reminders(
    State(state): State<AppState>,
    user: AuthUser,
) -> ApiResult<ApiJson<RemindersView>> {
    let calendar = state.wellbeing.calendar(user.id).await?;
    let s = state
        .store
        .get_reminders(user.id)
        .await?
        .unwrap_or(ReminderSettings {
            user_id: user.id,
            enabled: false,
            local_time: "20:00".to_owned(),
            days: (1..=7).collect(),
            email: false,
            quiet_start: None,
            quiet_end: None,
            next_due_at: None,
            last_sent_at: None,
            updated_at: state.clock.now(),
        });
    Ok(ApiJson(view(&s, &calendar)))
}

/// Sets the caller's check-in reminder; the next one is computed in their time zone.
#[utoipa::path(put, path = "/api/me/reminders", tag = "me", security(("bearer" = [])),
    request_body = RemindersChange,
    responses((status = 200, body = RemindersView), (status = 422, body = Problem, content_type = "application/problem+json")))]
#[tracing::instrument(skip_all, fields(user_id = %user.id))]
pub async fn put_reminders(
    State(state): State<AppState>,
    user: AuthUser,
    ApiJson(req): ApiJson<RemindersChange>,
) -> ApiResult<ApiJson<RemindersView>> {
    let mut errors = Vec::new();
    if parse_time(&req.local_time).is_none() {
        errors.push(FieldError::new(
            "localTime",
            "invalid_time",
            "A time such as 20:30.",
        ));
    }
    let mut days = req.days.unwrap_or_else(|| (1..=7).collect());
    days.sort_unstable();
    days.dedup();
    if days.iter().any(|d| !(1..=7).contains(d)) {
        errors.push(FieldError::new(
            "days",
            "invalid_days",
            "Weekdays 1 (Monday) to 7 (Sunday).",
        ));
    }
    match (&req.quiet_start, &req.quiet_end) {
        (None, None) => {}
        (Some(a), Some(b)) if parse_time(a).is_some() && parse_time(b).is_some() => {}
        _ => errors.push(FieldError::new(
            "quietStart",
            "invalid_quiet_hours",
            "Both quietStart and quietEnd, as times such as 22:00 and 07:00.",
        )),
    }
    if req.email && !state.notifications.can_email() {
        errors.push(FieldError::new(
            "email",
            "email_unavailable",
            "This server cannot send e-mail.",
        ));
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let calendar = state.wellbeing.calendar(user.id).await?;
    let now = state.clock.now();
    let last_sent_at = state
        .store
        .get_reminders(user.id)
        .await?
        .and_then(|s| s.last_sent_at);
    let mut settings = ReminderSettings {
        user_id: user.id,
        enabled: req.enabled,
        local_time: req.local_time,
        days,
        email: req.email,
        quiet_start: req.quiet_start,
        quiet_end: req.quiet_end,
        next_due_at: None,
        last_sent_at,
        updated_at: now,
    };
    settings.next_due_at = next_due(&settings, &calendar, now);
    state.store.save_reminders(&settings).await?;
    Ok(ApiJson(view(&settings, &calendar)))
}
