//! The inbox's SQL, shared by both backends (see `mod.rs`).

macro_rules! inbox_impl {
    ($store:ident, $row:ident) => {
        mod inbox {
            use async_trait::async_trait;
            use sqlx::Row;
            use time::OffsetDateTime;
            use uuid::Uuid;

            use super::{$row, $store};
            use crate::{InboxStore, Notification, StoreResult, utc};

            const COLUMNS: &str = "id, user_id, kind, title, body, link, created_at, read_at";

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

            #[async_trait]
            impl InboxStore for $store {
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
            }
        }
    };
}

pub(crate) use inbox_impl;
