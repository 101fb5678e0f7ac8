//! Notifications' and reminders' SQL, shared by both backends like `sql.rs`.

macro_rules! notifications_impl {
    ($store:ident, $row:ident) => {
        mod notifications {
            use async_trait::async_trait;
            use sqlx::Row;
            use sqlx::types::Json;
            use time::OffsetDateTime;
            use uuid::Uuid;

            use super::{$row, $store};
            use crate::{Notification, NotificationStore, ReminderSettings, StoreResult, utc};

            const COLUMNS: &str = "id, user_id, kind, title, body, link, created_at, read_at";
            const REMINDER_COLUMNS: &str = "user_id, enabled, local_time, days, email, quiet_start, quiet_end, next_due_at, last_sent_at, updated_at";

            fn notification_from_row(r: &$row) -> StoreResult<Notification> {
                Ok(Notification {
                    id: r.try_get("id")?,
                    user_id: r.try_get("user_id")?,
                    kind: r.try_get("kind")?,
                    title: r.try_get("title")?,
                    body: r.try_get("body")?,
                    link: r.try_get("link")?,
                    created_at: r.try_get("created_at")?,
                    read_at: r.try_get("read_at")?,
                })
            }

            fn reminders_from_row(r: &$row) -> StoreResult<ReminderSettings> {
                Ok(ReminderSettings {
                    user_id: r.try_get("user_id")?,
                    enabled: r.try_get("enabled")?,
                    local_time: r.try_get("local_time")?,
                    days: r.try_get::<Json<Vec<u8>>, _>("days")?.0,
                    email: r.try_get("email")?,
                    quiet_start: r.try_get("quiet_start")?,
                    quiet_end: r.try_get("quiet_end")?,
                    next_due_at: r.try_get("next_due_at")?,
                    last_sent_at: r.try_get("last_sent_at")?,
                    updated_at: r.try_get("updated_at")?,
                })
            }

            #[async_trait]
            impl NotificationStore for $store {
                #[tracing::instrument(skip_all, fields(user_id = %n.user_id))]
                async fn insert_notification(&self, n: &Notification) -> StoreResult<()> {
                    sqlx::query(sqlx::AssertSqlSafe(format!(
                        "INSERT INTO notifications ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
                    )))
                    .bind(n.id)
                    .bind(n.user_id)
                    .bind(&n.kind)
                    .bind(&n.title)
                    .bind(&n.body)
                    .bind(&n.link)
                    .bind(utc(n.created_at))
                    .bind(n.read_at.map(utc))
                    .execute(&self.pool)
                    .await?;
                    Ok(())
                }

                #[tracing::instrument(skip_all, fields(user_id = %user_id))]
                async fn list_notifications(
                    &self,
                    user_id: Uuid,
                    before: Option<Uuid>,
                    limit: i64,
                ) -> StoreResult<Vec<Notification>> {
                    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
                        "SELECT {COLUMNS} FROM notifications WHERE user_id = $1 AND ($2 IS NULL OR id < $2) ORDER BY id DESC LIMIT $3"
                    )))
                    .bind(user_id)
                    .bind(before)
                    .bind(limit)
                    .fetch_all(&self.pool)
                    .await?;
                    rows.iter().map(notification_from_row).collect()
                }

                #[tracing::instrument(skip_all, fields(user_id = %user_id))]
                async fn find_notification(&self, user_id: Uuid, id: Uuid) -> StoreResult<Option<Notification>> {
                    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
                        "SELECT {COLUMNS} FROM notifications WHERE user_id = $1 AND id = $2"
                    )))
                    .bind(user_id)
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await?;
                    row.as_ref().map(notification_from_row).transpose()
                }

                #[tracing::instrument(skip_all, fields(user_id = %user_id))]
                async fn count_unread(&self, user_id: Uuid) -> StoreResult<i64> {
                    let row = sqlx::query("SELECT COUNT(*) AS n FROM notifications WHERE user_id = $1 AND read_at IS NULL")
                        .bind(user_id)
                        .fetch_one(&self.pool)
                        .await?;
                    Ok(row.try_get("n")?)
                }

                #[tracing::instrument(skip_all, fields(user_id = %user_id))]
                async fn mark_read(&self, user_id: Uuid, id: Option<Uuid>, at: OffsetDateTime) -> StoreResult<u64> {
                    let done = sqlx::query(
                        "UPDATE notifications SET read_at = $3 WHERE user_id = $1 AND ($2 IS NULL OR id = $2) AND read_at IS NULL",
                    )
                    .bind(user_id)
                    .bind(id)
                    .bind(utc(at))
                    .execute(&self.pool)
                    .await?;
                    Ok(done.rows_affected())
                }

                #[tracing::instrument(skip_all, fields(user_id = %user_id))]
                async fn get_reminders(&self, user_id: Uuid) -> StoreResult<Option<ReminderSettings>> {
                    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
                        "SELECT {REMINDER_COLUMNS} FROM reminder_settings WHERE user_id = $1"
                    )))
                    .bind(user_id)
                    .fetch_optional(&self.pool)
                    .await?;
                    row.as_ref().map(reminders_from_row).transpose()
                }

                #[tracing::instrument(skip_all, fields(user_id = %s.user_id))]
                async fn save_reminders(&self, s: &ReminderSettings) -> StoreResult<()> {
                    sqlx::query(sqlx::AssertSqlSafe(format!(
                        "INSERT INTO reminder_settings ({REMINDER_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
                         ON CONFLICT (user_id) DO UPDATE SET enabled = $2, local_time = $3, days = $4, email = $5, \
                         quiet_start = $6, quiet_end = $7, next_due_at = $8, last_sent_at = $9, updated_at = $10"
                    )))
                    .bind(s.user_id)
                    .bind(s.enabled)
                    .bind(&s.local_time)
                    .bind(Json(&s.days))
                    .bind(s.email)
                    .bind(&s.quiet_start)
                    .bind(&s.quiet_end)
                    .bind(s.next_due_at.map(utc))
                    .bind(s.last_sent_at.map(utc))
                    .bind(utc(s.updated_at))
                    .execute(&self.pool)
                    .await?;
                    Ok(())
                }

                #[tracing::instrument(skip_all)]
                async fn due_reminders(&self, now: OffsetDateTime, limit: i64) -> StoreResult<Vec<ReminderSettings>> {
                    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
                        "SELECT {REMINDER_COLUMNS} FROM reminder_settings WHERE enabled AND next_due_at <= $1 ORDER BY next_due_at LIMIT $2"
                    )))
                    .bind(utc(now))
                    .bind(limit)
                    .fetch_all(&self.pool)
                    .await?;
                    rows.iter().map(reminders_from_row).collect()
                }

                #[tracing::instrument(skip_all, fields(user_id = %user_id))]
                async fn advance_reminder(
                    &self,
                    user_id: Uuid,
                    due: OffsetDateTime,
                    next: Option<OffsetDateTime>,
                    now: OffsetDateTime,
                ) -> StoreResult<bool> {
                    let done = sqlx::query(
                        "UPDATE reminder_settings SET next_due_at = $3, last_sent_at = $4 WHERE user_id = $1 AND next_due_at = $2",
                    )
                    .bind(user_id)
                    .bind(utc(due))
                    .bind(next.map(utc))
                    .bind(utc(now))
                    .execute(&self.pool)
                    .await?;
                    Ok(done.rows_affected() == 1)
                }
            }
        }
    };
}

pub(crate) use notifications_impl;
