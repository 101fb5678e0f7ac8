//! Idempotency keys' SQL, shared by both backends (see `mod.rs`).

macro_rules! idempotency_impl {
    ($store:ident, $row:ident) => {
        mod idempotency {
            use async_trait::async_trait;
            use sqlx::Row;
            use sqlx::types::Json;
            use time::OffsetDateTime;
            use uuid::Uuid;

            use super::$store;
            use crate::{Idempotency, IdempotencyStore, StoreResult, utc};

            #[async_trait]
            impl IdempotencyStore for $store {
                #[tracing::instrument(skip_all, fields(user_id = %user_id))]
                async fn begin_idempotent(
                    &self,
                    user_id: Uuid,
                    key: &str,
                    request_hash: &[u8],
                    now: OffsetDateTime,
                    stale_before: OffsetDateTime,
                ) -> StoreResult<Idempotency> {
                    let claimed = sqlx::query(
                        "INSERT INTO idempotency_keys (user_id, key, request_hash, created_at) VALUES ($1, $2, $3, $4) \
                         ON CONFLICT (user_id, key) DO NOTHING",
                    )
                    .bind(user_id)
                    .bind(key)
                    .bind(request_hash)
                    .bind(utc(now))
                    .execute(&self.pool)
                    .await?;
                    if claimed.rows_affected() == 1 {
                        return Ok(Idempotency::Started);
                    }
                    let row = sqlx::query("SELECT request_hash, response FROM idempotency_keys WHERE user_id = $1 AND key = $2")
                        .bind(user_id)
                        .bind(key)
                        .fetch_optional(&self.pool)
                        .await?;
                    let Some(row) = row else {
                        // Released between our insert and select: try once more.
                        return Ok(Idempotency::InProgress);
                    };
                    let hash: Vec<u8> = row.try_get("request_hash")?;
                    if hash != request_hash {
                        return Ok(Idempotency::Mismatch);
                    }
                    if let Some(Json(response)) = row.try_get::<Option<Json<serde_json::Value>>, _>("response")? {
                        return Ok(Idempotency::Replay(response));
                    }
                    let taken = sqlx::query(
                        "UPDATE idempotency_keys SET created_at = $3 \
                         WHERE user_id = $1 AND key = $2 AND response IS NULL AND created_at < $4",
                    )
                    .bind(user_id)
                    .bind(key)
                    .bind(utc(now))
                    .bind(utc(stale_before))
                    .execute(&self.pool)
                    .await?;
                    Ok(if taken.rows_affected() == 1 {
                        Idempotency::Started
                    } else {
                        Idempotency::InProgress
                    })
                }

                #[tracing::instrument(skip_all, fields(user_id = %user_id))]
                async fn finish_idempotent(&self, user_id: Uuid, key: &str, response: &serde_json::Value) -> StoreResult<()> {
                    sqlx::query("UPDATE idempotency_keys SET response = $3 WHERE user_id = $1 AND key = $2")
                        .bind(user_id)
                        .bind(key)
                        .bind(Json(response))
                        .execute(&self.pool)
                        .await?;
                    Ok(())
                }

                #[tracing::instrument(skip_all)]
                async fn purge_idempotency(&self, before: OffsetDateTime) -> StoreResult<u64> {
                    let done = sqlx::query("DELETE FROM idempotency_keys WHERE created_at < $1")
                        .bind(utc(before))
                        .execute(&self.pool)
                        .await?;
                    Ok(done.rows_affected())
                }

                #[tracing::instrument(skip_all, fields(user_id = %user_id))]
                async fn abandon_idempotent(&self, user_id: Uuid, key: &str) -> StoreResult<()> {
                    sqlx::query("DELETE FROM idempotency_keys WHERE user_id = $1 AND key = $2 AND response IS NULL")
                        .bind(user_id)
                        .bind(key)
                        .execute(&self.pool)
                        .await?;
                    Ok(())
                }
            }
        }
    };
}

pub(crate) use idempotency_impl;
