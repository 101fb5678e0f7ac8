//! The store implementation shared by both backends. The SQL is written once,
//! in the dialect both SQLite and PostgreSQL accept (`$n` parameters, `RETURNING`,
//! `ON CONFLICT`), and stamped out for each backend's pool and row types, so the
//! two backends cannot drift apart. Backend-specific code (connecting, pool
//! options, migrations) stays in `sqlite.rs` and `postgres.rs`.

/// Implements [`crate::Store`] for `$store`, which must have `pool` (primary) and
/// `read` (read-only queries) fields of the backend's pool type.
pub(crate) const USER_COLUMNS: &str = "id, email, password_hash, role, token_version, created_at, \
     updated_at, last_active, subscription_tier, onboarding_completed, disabled_at";

pub(crate) const PROFILE_COLUMNS: &str = "user_id, display_name, age_range, timezone, language, \
     country, goals, mental_health_history, therapeutic_preferences, communication_preferences, \
     privacy_settings, onboarding, created_at, updated_at";

macro_rules! store_impl {
    ($store:ty, $row:ty, $name:literal) => {
        use async_trait::async_trait;
        use sqlx::Row;
        use sqlx::types::Json;
        use time::OffsetDateTime;
        use uuid::Uuid;

        use crate::sql::{PROFILE_COLUMNS, USER_COLUMNS};
        use crate::{
            LoginThrottle, NewUser, Profile, RefreshToken, Replacement, Role, Rotation, Store,
            User, utc,
        };

        pub(crate) fn user_from_row(row: &$row) -> StoreResult<User> {
            let role: String = row.try_get("role")?;
            Ok(User {
                id: row.try_get("id")?,
                email: row.try_get("email")?,
                password_hash: row.try_get("password_hash")?,
                role: Role::parse(&role).ok_or_else(|| StoreError::Backend(format!("bad role {role}")))?,
                token_version: row.try_get("token_version")?,
                created_at: row.try_get("created_at")?,
                updated_at: row.try_get("updated_at")?,
                last_active: row.try_get("last_active")?,
                subscription_tier: row.try_get("subscription_tier")?,
                onboarding_completed: row.try_get("onboarding_completed")?,
                disabled_at: row.try_get("disabled_at")?,
            })
        }

        pub(crate) fn profile_from_row(row: &$row) -> StoreResult<Profile> {
            let history: Option<Json<serde_json::Value>> = row.try_get("mental_health_history")?;
            Ok(Profile {
                user_id: row.try_get("user_id")?,
                display_name: row.try_get("display_name")?,
                age_range: row.try_get("age_range")?,
                timezone: row.try_get("timezone")?,
                language: row.try_get("language")?,
                country: row.try_get("country")?,
                goals: row.try_get::<Json<serde_json::Value>, _>("goals")?.0,
                mental_health_history: history.map(|j| j.0),
                therapeutic_preferences: row.try_get::<Json<serde_json::Value>, _>("therapeutic_preferences")?.0,
                communication_preferences: row
                    .try_get::<Json<serde_json::Value>, _>("communication_preferences")?
                    .0,
                privacy_settings: row.try_get::<Json<serde_json::Value>, _>("privacy_settings")?.0,
                onboarding: row.try_get::<Json<serde_json::Value>, _>("onboarding")?.0,
                created_at: row.try_get("created_at")?,
                updated_at: row.try_get("updated_at")?,
            })
        }

        #[async_trait]
        impl Store for $store {
            fn backend(&self) -> &'static str {
                $name
            }

            #[tracing::instrument(skip_all)]
            async fn ping(&self) -> StoreResult<()> {
                sqlx::query("SELECT 1").execute(&self.pool).await?;
                Ok(())
            }

            #[tracing::instrument(skip_all, fields(user_id = %user.id))]
            async fn create_user(&self, user: &NewUser) -> StoreResult<User> {
                let now = utc(user.now);
                let mut tx = self.pool.begin().await?;
                let row = sqlx::query(sqlx::AssertSqlSafe(format!(
                    "INSERT INTO users (id, email, password_hash, role, created_at, updated_at) \
                     VALUES ($1, $2, $3, $4, $5, $5) RETURNING {USER_COLUMNS}"
                )))
                .bind(user.id)
                .bind(&user.email)
                .bind(&user.password_hash)
                .bind(user.role.as_str())
                .bind(now)
                .fetch_one(&mut *tx)
                .await?;
                sqlx::query("INSERT INTO user_profiles (user_id, created_at, updated_at) VALUES ($1, $2, $2)")
                    .bind(user.id)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                user_from_row(&row)
            }

            #[tracing::instrument(skip_all, fields(user_id = %id))]
            async fn find_user(&self, id: Uuid) -> StoreResult<Option<User>> {
                let row = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1 AND deleted_at IS NULL")))
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await?;
                row.as_ref().map(user_from_row).transpose()
            }

            #[tracing::instrument(skip_all)]
            async fn find_user_by_email(&self, email: &str) -> StoreResult<Option<User>> {
                let row = sqlx::query(sqlx::AssertSqlSafe(format!(
                    "SELECT {USER_COLUMNS} FROM users WHERE email = $1 AND deleted_at IS NULL"
                )))
                .bind(email)
                .fetch_optional(&self.pool)
                .await?;
                row.as_ref().map(user_from_row).transpose()
            }

            #[tracing::instrument(skip_all)]
            async fn list_users(&self, after: Option<Uuid>, limit: u32) -> StoreResult<Vec<User>> {
                let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
                    "SELECT {USER_COLUMNS} FROM users WHERE deleted_at IS NULL AND ($1 IS NULL OR id > $1) \
                     ORDER BY id LIMIT $2"
                )))
                .bind(after)
                .bind(i64::from(limit))
                .fetch_all(&self.read)
                .await?;
                rows.iter().map(user_from_row).collect()
            }

            #[tracing::instrument(skip_all, fields(user_id = %id))]
            async fn set_user_role(&self, id: Uuid, role: Role, now: OffsetDateTime) -> StoreResult<bool> {
                let done = sqlx::query("UPDATE users SET role = $2, updated_at = $3 WHERE id = $1 AND deleted_at IS NULL")
                    .bind(id)
                    .bind(role.as_str())
                    .bind(utc(now))
                    .execute(&self.pool)
                    .await?;
                Ok(done.rows_affected() == 1)
            }

            #[tracing::instrument(skip_all, fields(user_id = %id))]
            async fn set_user_disabled(
                &self,
                id: Uuid,
                disabled_at: Option<OffsetDateTime>,
                now: OffsetDateTime,
            ) -> StoreResult<bool> {
                let done = sqlx::query(
                    "UPDATE users SET disabled_at = $2, updated_at = $3 WHERE id = $1 AND deleted_at IS NULL",
                )
                .bind(id)
                .bind(disabled_at.map(utc))
                .bind(utc(now))
                .execute(&self.pool)
                .await?;
                Ok(done.rows_affected() == 1)
            }

            #[tracing::instrument(skip_all, fields(user_id = %id))]
            async fn set_onboarding_completed(
                &self,
                id: Uuid,
                completed: bool,
                now: OffsetDateTime,
            ) -> StoreResult<bool> {
                let done = sqlx::query(
                    "UPDATE users SET onboarding_completed = $2, updated_at = $3 WHERE id = $1 AND deleted_at IS NULL",
                )
                .bind(id)
                .bind(completed)
                .bind(utc(now))
                .execute(&self.pool)
                .await?;
                Ok(done.rows_affected() == 1)
            }

            #[tracing::instrument(skip_all, fields(user_id = %id))]
            async fn touch_last_active(&self, id: Uuid, now: OffsetDateTime) -> StoreResult<()> {
                sqlx::query("UPDATE users SET last_active = $2 WHERE id = $1")
                    .bind(id)
                    .bind(utc(now))
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            #[tracing::instrument(skip_all)]
            async fn count_active_users(&self, since: OffsetDateTime) -> StoreResult<i64> {
                let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE last_active >= $1 AND deleted_at IS NULL")
                    .bind(utc(since))
                    .fetch_one(&self.read)
                    .await?;
                Ok(n)
            }

            #[tracing::instrument(skip_all, fields(user_id = %user_id))]
            async fn get_profile(&self, user_id: Uuid) -> StoreResult<Option<Profile>> {
                let row = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {PROFILE_COLUMNS} FROM user_profiles WHERE user_id = $1")))
                    .bind(user_id)
                    .fetch_optional(&self.read)
                    .await?;
                row.as_ref().map(profile_from_row).transpose()
            }

            #[tracing::instrument(skip_all, fields(user_id = %profile.user_id))]
            async fn save_profile(&self, profile: &Profile) -> StoreResult<bool> {
                let done = sqlx::query(
                    "UPDATE user_profiles SET display_name = $2, age_range = $3, timezone = $4, language = $5, \
                     country = $6, goals = $7, mental_health_history = $8, therapeutic_preferences = $9, \
                     communication_preferences = $10, privacy_settings = $11, onboarding = $12, updated_at = $13 \
                     WHERE user_id = $1",
                )
                .bind(profile.user_id)
                .bind(&profile.display_name)
                .bind(&profile.age_range)
                .bind(&profile.timezone)
                .bind(&profile.language)
                .bind(&profile.country)
                .bind(Json(&profile.goals))
                .bind(profile.mental_health_history.as_ref().map(Json))
                .bind(Json(&profile.therapeutic_preferences))
                .bind(Json(&profile.communication_preferences))
                .bind(Json(&profile.privacy_settings))
                .bind(Json(&profile.onboarding))
                .bind(utc(profile.updated_at))
                .execute(&self.pool)
                .await?;
                Ok(done.rows_affected() == 1)
            }

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
            async fn refresh_family_active(&self, family_id: Uuid, now: OffsetDateTime) -> StoreResult<bool> {
                let row = sqlx::query(
                    "SELECT 1 FROM refresh_tokens WHERE family_id = $1 AND revoked_at IS NULL AND expires_at > $2 LIMIT 1",
                )
                .bind(family_id)
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
    };
}

pub(crate) use store_impl;
