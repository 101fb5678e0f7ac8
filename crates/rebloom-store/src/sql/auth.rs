//! Refresh tokens' and the login throttle's SQL, shared by both backends (see
//! `mod.rs`).

macro_rules! auth_impl {
    ($store:ident, $row:ident) => {
        mod auth {
            use async_trait::async_trait;
            use sqlx::Row;
            use time::OffsetDateTime;
            use uuid::Uuid;

            use super::$store;
            use crate::{AuthStore, LoginThrottle, RefreshToken, Replacement, Rotation, StoreResult, utc};

            #[async_trait]
            impl AuthStore for $store {
                #[tracing::instrument(skip_all, fields(user_id = %token.user_id))]
                async fn insert_refresh_token(&self, token: &RefreshToken) -> StoreResult<()> {
                    sqlx::query(
                        "INSERT INTO refresh_tokens (id, family_id, user_id, token_hash, issued_at, expires_at) \
                         VALUES ($1, $2, $3, $4, $5, $6)",
                    )
                    .bind(token.id)
                    .bind(token.family_id)
                    .bind(token.user_id)
                    .bind(&token.token_hash)
                    .bind(utc(token.issued_at))
                    .bind(utc(token.expires_at))
                    .execute(&self.pool)
                    .await?;
                    Ok(())
                }

                #[tracing::instrument(skip_all)]
                async fn rotate_refresh_token(
                    &self,
                    presented_hash: &[u8],
                    replacement: &Replacement,
                    now: OffsetDateTime,
                ) -> StoreResult<Rotation> {
                    let now = utc(now);
                    let mut tx = self.pool.begin().await?;
                    let current = sqlx::query(
                        "UPDATE refresh_tokens SET used_at = $2 \
                         WHERE token_hash = $1 AND used_at IS NULL AND revoked_at IS NULL AND expires_at > $2 \
                         RETURNING user_id, family_id",
                    )
                    .bind(presented_hash)
                    .bind(now)
                    .fetch_optional(&mut *tx)
                    .await?;
                    if let Some(row) = current {
                        let user_id: Uuid = row.try_get("user_id")?;
                        let family_id: Uuid = row.try_get("family_id")?;
                        sqlx::query(
                            "INSERT INTO refresh_tokens (id, family_id, user_id, token_hash, issued_at, expires_at) \
                             VALUES ($1, $2, $3, $4, $5, $6)",
                        )
                        .bind(replacement.id)
                        .bind(family_id)
                        .bind(user_id)
                        .bind(&replacement.token_hash)
                        .bind(now)
                        .bind(utc(replacement.expires_at))
                        .execute(&mut *tx)
                        .await?;
                        tx.commit().await?;
                        return Ok(Rotation::Rotated { user_id, family_id });
                    }
                    let used = sqlx::query("SELECT user_id, family_id FROM refresh_tokens WHERE token_hash = $1 AND used_at IS NOT NULL")
                        .bind(presented_hash)
                        .fetch_optional(&mut *tx)
                        .await?;
                    let Some(row) = used else {
                        tx.rollback().await?;
                        return Ok(Rotation::Invalid);
                    };
                    let user_id: Uuid = row.try_get("user_id")?;
                    let family_id: Uuid = row.try_get("family_id")?;
                    sqlx::query("UPDATE refresh_tokens SET revoked_at = $2 WHERE family_id = $1 AND revoked_at IS NULL")
                        .bind(family_id)
                        .bind(now)
                        .execute(&mut *tx)
                        .await?;
                    tx.commit().await?;
                    Ok(Rotation::Reused { user_id, family_id })
                }

                #[tracing::instrument(skip_all)]
                async fn refresh_token_family(&self, presented_hash: &[u8]) -> StoreResult<Option<(Uuid, Uuid)>> {
                    let row = sqlx::query("SELECT user_id, family_id FROM refresh_tokens WHERE token_hash = $1")
                        .bind(presented_hash)
                        .fetch_optional(&self.pool)
                        .await?;
                    row.map(|r| Ok((r.try_get("user_id")?, r.try_get("family_id")?))).transpose()
                }

                #[tracing::instrument(skip_all, fields(family_id = %family_id))]
                async fn revoke_refresh_family(&self, family_id: Uuid, now: OffsetDateTime) -> StoreResult<()> {
                    sqlx::query("UPDATE refresh_tokens SET revoked_at = $2 WHERE family_id = $1 AND revoked_at IS NULL")
                        .bind(family_id)
                        .bind(utc(now))
                        .execute(&self.pool)
                        .await?;
                    Ok(())
                }

                #[tracing::instrument(skip_all, fields(user_id = %user_id))]
                async fn revoke_user_sessions(&self, user_id: Uuid, now: OffsetDateTime) -> StoreResult<()> {
                    let now = utc(now);
                    let mut tx = self.pool.begin().await?;
                    sqlx::query("UPDATE users SET token_version = token_version + 1, updated_at = $2 WHERE id = $1")
                        .bind(user_id)
                        .bind(now)
                        .execute(&mut *tx)
                        .await?;
                    sqlx::query("UPDATE refresh_tokens SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL")
                        .bind(user_id)
                        .bind(now)
                        .execute(&mut *tx)
                        .await?;
                    tx.commit().await?;
                    Ok(())
                }

                #[tracing::instrument(skip_all, fields(family_id = %family_id))]
                async fn refresh_family_active(&self, user_id: Uuid, family_id: Uuid, now: OffsetDateTime) -> StoreResult<bool> {
                    let row = sqlx::query(
                        "SELECT 1 FROM refresh_tokens WHERE family_id = $1 AND user_id = $2 AND revoked_at IS NULL AND expires_at > $3 LIMIT 1",
                    )
                    .bind(family_id)
                    .bind(user_id)
                    .bind(utc(now))
                    .fetch_optional(&self.pool)
                    .await?;
                    Ok(row.is_some())
                }

                #[tracing::instrument(skip_all)]
                async fn login_throttle(&self, key_hash: &str) -> StoreResult<Option<LoginThrottle>> {
                    let row = sqlx::query("SELECT failures, last_failure_at, locked_until FROM login_attempts WHERE key_hash = $1")
                        .bind(key_hash)
                        .fetch_optional(&self.pool)
                        .await?;
                    row.map(|r| {
                        Ok(LoginThrottle {
                            failures: r.try_get("failures")?,
                            last_failure_at: r.try_get("last_failure_at")?,
                            locked_until: r.try_get("locked_until")?,
                        })
                    })
                    .transpose()
                }

                #[tracing::instrument(skip_all)]
                async fn record_login_failure(&self, key_hash: &str, now: OffsetDateTime) -> StoreResult<i64> {
                    let n: i64 = sqlx::query_scalar(
                        "INSERT INTO login_attempts (key_hash, failures, last_failure_at) VALUES ($1, 1, $2) \
                         ON CONFLICT (key_hash) DO UPDATE SET failures = login_attempts.failures + 1, last_failure_at = $2 \
                         RETURNING failures",
                    )
                    .bind(key_hash)
                    .bind(utc(now))
                    .fetch_one(&self.pool)
                    .await?;
                    Ok(n)
                }

                #[tracing::instrument(skip_all)]
                async fn lock_login(&self, key_hash: &str, until: OffsetDateTime) -> StoreResult<()> {
                    sqlx::query("UPDATE login_attempts SET locked_until = $2 WHERE key_hash = $1")
                        .bind(key_hash)
                        .bind(utc(until))
                        .execute(&self.pool)
                        .await?;
                    Ok(())
                }

                #[tracing::instrument(skip_all)]
                async fn clear_login_failures(&self, key_hash: &str) -> StoreResult<()> {
                    sqlx::query("DELETE FROM login_attempts WHERE key_hash = $1")
                        .bind(key_hash)
                        .execute(&self.pool)
                        .await?;
                    Ok(())
                }
            }
        }
    };
}

pub(crate) use auth_impl;
