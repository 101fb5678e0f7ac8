//! The exports' SQL, shared by both backends (see `mod.rs`).

macro_rules! exports_impl {
    ($store:ident, $row:ident) => {
        mod exports {
            use async_trait::async_trait;
            use sqlx::Row;
            use time::OffsetDateTime;
            use uuid::Uuid;

            use super::{$row, $store};
            use crate::{Export, ExportStore, StoreResult, utc};

            const COLUMNS: &str = "id, user_id, status, file, size_bytes, created_at, ready_at, expires_at, downloaded_at";

            fn export_from_row(r: &$row) -> StoreResult<Export> {
                Ok(Export {
                    id: r.try_get("id")?,
                    user_id: r.try_get("user_id")?,
                    status: r.try_get("status")?,
                    file: r.try_get("file")?,
                    size_bytes: r.try_get("size_bytes")?,
                    created_at: r.try_get("created_at")?,
                    ready_at: r.try_get("ready_at")?,
                    expires_at: r.try_get("expires_at")?,
                    downloaded_at: r.try_get("downloaded_at")?,
                })
            }

            #[async_trait]
            impl ExportStore for $store {
                async fn create_export(&self, id: Uuid, user_id: Uuid, now: OffsetDateTime) -> StoreResult<Export> {
                    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
                        "INSERT INTO exports (id, user_id, status, created_at) VALUES ($1, $2, 'pending', $3) RETURNING {COLUMNS}"
                    )))
                    .bind(id)
                    .bind(user_id)
                    .bind(utc(now))
                    .fetch_one(&self.pool)
                    .await?;
                    export_from_row(&row)
                }

                async fn get_export(&self, user_id: Uuid, id: Uuid) -> StoreResult<Option<Export>> {
                    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
                        "SELECT {COLUMNS} FROM exports WHERE id = $1 AND user_id = $2"
                    )))
                    .bind(id)
                    .bind(user_id)
                    .fetch_optional(&self.pool)
                    .await?;
                    row.as_ref().map(export_from_row).transpose()
                }

                async fn finish_export(
                    &self,
                    id: Uuid,
                    result: Option<(&str, i64)>,
                    now: OffsetDateTime,
                    expires_at: OffsetDateTime,
                ) -> StoreResult<bool> {
                    let (status, file, size) = match result {
                        Some((f, s)) => ("ready", Some(f), Some(s)),
                        None => ("failed", None, None),
                    };
                    let done = sqlx::query(
                        "UPDATE exports SET status = $2, file = $3, size_bytes = $4, ready_at = $5, expires_at = $6 \
                         WHERE id = $1 AND status = 'pending'",
                    )
                    .bind(id)
                    .bind(status)
                    .bind(file)
                    .bind(size)
                    .bind(utc(now))
                    .bind(utc(expires_at))
                    .execute(&self.pool)
                    .await?;
                    Ok(done.rows_affected() == 1)
                }

                async fn expire_exports(&self, now: OffsetDateTime) -> StoreResult<Vec<Export>> {
                    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
                        "UPDATE exports SET status = 'expired' WHERE status = 'ready' AND expires_at <= $1 RETURNING {COLUMNS}"
                    )))
                    .bind(utc(now))
                    .fetch_all(&self.pool)
                    .await?;
                    rows.iter().map(export_from_row).collect()
                }

                async fn claim_download(&self, user_id: Uuid, id: Uuid, now: OffsetDateTime) -> StoreResult<Option<Export>> {
                    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
                        "UPDATE exports SET status = 'downloaded', downloaded_at = $3 \
                         WHERE id = $1 AND user_id = $2 AND status = 'ready' AND expires_at > $3 RETURNING {COLUMNS}"
                    )))
                    .bind(id)
                    .bind(user_id)
                    .bind(utc(now))
                    .fetch_optional(&self.pool)
                    .await?;
                    row.as_ref().map(export_from_row).transpose()
                }
            }
        }
    };
}

pub(crate) use exports_impl;
