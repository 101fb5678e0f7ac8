//! The key store's SQL, shared by both backends like the rest of `sql/`, and
//! stamped for the key store's own pools by `keydb.rs`.

macro_rules! keys_impl {
    ($store:ident, $row:ident) => {
        mod keys {
            use async_trait::async_trait;
            use sqlx::Row;
            use time::OffsetDateTime;
            use uuid::Uuid;

            use super::{$row, $store};
            use crate::crypto::WrappedKey;
            use crate::{KeyStore, StoreResult, utc};

            fn key_from_row(r: &$row) -> StoreResult<WrappedKey> {
                Ok(WrappedKey {
                    user_id: r.try_get("user_id")?,
                    master_key_id: r.try_get("master_key_id")?,
                    wrapped: r.try_get("wrapped")?,
                })
            }

            #[async_trait]
            impl KeyStore for $store {
                #[tracing::instrument(skip_all, fields(user_id = %user_id))]
                async fn get_user_key(&self, user_id: Uuid) -> StoreResult<Option<WrappedKey>> {
                    let row = sqlx::query("SELECT user_id, master_key_id, wrapped FROM user_keys WHERE user_id = $1")
                        .bind(user_id)
                        .fetch_optional(&self.pool)
                        .await?;
                    row.as_ref().map(key_from_row).transpose()
                }

                #[tracing::instrument(skip_all, fields(user_id = %key.user_id))]
                async fn insert_user_key(&self, key: &WrappedKey, now: OffsetDateTime) -> StoreResult<WrappedKey> {
                    // Two first writes at once: one key wins, both use it.
                    sqlx::query(
                        "INSERT INTO user_keys (user_id, master_key_id, wrapped, created_at, updated_at) \
                         VALUES ($1, $2, $3, $4, $4) ON CONFLICT (user_id) DO NOTHING",
                    )
                    .bind(key.user_id)
                    .bind(&key.master_key_id)
                    .bind(&key.wrapped)
                    .bind(utc(now))
                    .execute(&self.pool)
                    .await?;
                    let row = sqlx::query("SELECT user_id, master_key_id, wrapped FROM user_keys WHERE user_id = $1")
                        .bind(key.user_id)
                        .fetch_one(&self.pool)
                        .await?;
                    key_from_row(&row)
                }

                #[tracing::instrument(skip_all, fields(user_id = %user_id))]
                async fn delete_user_key(&self, user_id: Uuid) -> StoreResult<bool> {
                    let done = sqlx::query("DELETE FROM user_keys WHERE user_id = $1")
                        .bind(user_id)
                        .execute(&self.pool)
                        .await?;
                    Ok(done.rows_affected() == 1)
                }

                #[tracing::instrument(skip_all)]
                async fn keys_not_wrapped_by(&self, master_key_id: &str, limit: u32) -> StoreResult<Vec<WrappedKey>> {
                    let rows = sqlx::query(
                        "SELECT user_id, master_key_id, wrapped FROM user_keys WHERE master_key_id <> $1 \
                         ORDER BY user_id LIMIT $2",
                    )
                    .bind(master_key_id)
                    .bind(i64::from(limit))
                    .fetch_all(&self.pool)
                    .await?;
                    rows.iter().map(key_from_row).collect()
                }

                #[tracing::instrument(skip_all, fields(user_id = %key.user_id))]
                async fn rewrap_user_key(&self, previous_master_id: &str, key: &WrappedKey, now: OffsetDateTime) -> StoreResult<bool> {
                    let done = sqlx::query(
                        "UPDATE user_keys SET master_key_id = $2, wrapped = $3, updated_at = $4 \
                         WHERE user_id = $1 AND master_key_id = $5",
                    )
                    .bind(key.user_id)
                    .bind(&key.master_key_id)
                    .bind(&key.wrapped)
                    .bind(utc(now))
                    .bind(previous_master_id)
                    .execute(&self.pool)
                    .await?;
                    Ok(done.rows_affected() == 1)
                }
            }
        }
    };
}

pub(crate) use keys_impl;
