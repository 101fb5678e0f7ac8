//! Reminder settings' SQL, shared by both backends (see `mod.rs`).

macro_rules! reminders_impl {
    ($store:ident, $row:ident) => {
        mod reminders {
            use async_trait::async_trait;
            use sqlx::Row;
            use sqlx::types::Json;
            use time::OffsetDateTime;
            use uuid::Uuid;

            use super::{$row, $store};
            use crate::{ReminderSettings, ReminderStore, StoreResult, utc};

            const REMINDER_COLUMNS: &str = "user_id, enabled, local_time, days, email, quiet_start, quiet_end, next_due_at, last_sent_at, updated_at";

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
            impl ReminderStore for $store {
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

pub(crate) use reminders_impl;
