//! Users' and profiles' SQL, shared by both backends (see `mod.rs`).

macro_rules! users_impl {
    ($store:ident, $row:ident) => {
        mod users {
            use async_trait::async_trait;
            use sqlx::Row;
            use sqlx::types::Json;
            use time::OffsetDateTime;
            use uuid::Uuid;

            use super::{$row, $store};
            use crate::{NewUser, Profile, Role, StoreError, StoreResult, User, UserStore, utc};

            const USER_COLUMNS: &str = "id, email, password_hash, role, token_version, created_at, \
                 updated_at, last_active, subscription_tier, onboarding_completed, disabled_at";

            const PROFILE_COLUMNS: &str = "user_id, display_name, age_range, timezone, language, \
                 country, goals, mental_health_history, therapeutic_preferences, communication_preferences, \
                 privacy_settings, onboarding, created_at, updated_at";

            fn user_from_row(row: &$row) -> StoreResult<User> {
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

            fn profile_from_row(row: &$row) -> StoreResult<Profile> {
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
            impl UserStore for $store {
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
            }
        }
    };
}

pub(crate) use users_impl;
