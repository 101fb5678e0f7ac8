//! Clinician grants' SQL, shared by both backends (see `mod.rs`).

macro_rules! grants_impl {
    ($store:ident, $row:ident) => {
        mod grants {
            use async_trait::async_trait;
            use sqlx::Row;
            use sqlx::types::Json;
            use time::OffsetDateTime;
            use uuid::Uuid;

            use super::{$row, $store};
            use crate::{Grant, GrantStore, StoreResult, utc};

            const COLUMNS: &str = "id, user_id, clinician_id, scope, session_ids, created_at, expires_at, revoked_at";

            fn grant_from_row(r: &$row) -> StoreResult<Grant> {
                Ok(Grant {
                    id: r.try_get("id")?,
                    user_id: r.try_get("user_id")?,
                    clinician_id: r.try_get("clinician_id")?,
                    scope: r.try_get("scope")?,
                    session_ids: r.try_get::<Json<Vec<Uuid>>, _>("session_ids")?.0,
                    created_at: r.try_get("created_at")?,
                    expires_at: r.try_get("expires_at")?,
                    revoked_at: r.try_get("revoked_at")?,
                })
            }

            #[async_trait]
            impl GrantStore for $store {
                async fn create_grant(&self, g: &Grant) -> StoreResult<()> {
                    sqlx::query(
                        "INSERT INTO clinician_grants (id, user_id, clinician_id, scope, session_ids, created_at, expires_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7)",
                    )
                    .bind(g.id)
                    .bind(g.user_id)
                    .bind(g.clinician_id)
                    .bind(&g.scope)
                    .bind(Json(&g.session_ids))
                    .bind(utc(g.created_at))
                    .bind(utc(g.expires_at))
                    .execute(&self.pool)
                    .await?;
                    Ok(())
                }

                async fn grants_of_user(&self, user_id: Uuid) -> StoreResult<Vec<Grant>> {
                    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
                        "SELECT {COLUMNS} FROM clinician_grants WHERE user_id = $1 ORDER BY created_at DESC, id DESC"
                    )))
                    .bind(user_id)
                    .fetch_all(&self.pool)
                    .await?;
                    rows.iter().map(grant_from_row).collect()
                }

                async fn active_grants_to(&self, clinician_id: Uuid, user_id: Option<Uuid>, now: OffsetDateTime) -> StoreResult<Vec<Grant>> {
                    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
                        "SELECT {COLUMNS} FROM clinician_grants WHERE clinician_id = $1 AND ($2 IS NULL OR user_id = $2) \
                         AND revoked_at IS NULL AND expires_at > $3 ORDER BY created_at DESC, id DESC"
                    )))
                    .bind(clinician_id)
                    .bind(user_id)
                    .bind(utc(now))
                    .fetch_all(&self.pool)
                    .await?;
                    rows.iter().map(grant_from_row).collect()
                }

                async fn active_grants_of(&self, user_id: Uuid, now: OffsetDateTime) -> StoreResult<Vec<Grant>> {
                    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
                        "SELECT {COLUMNS} FROM clinician_grants WHERE user_id = $1 AND revoked_at IS NULL AND expires_at > $2"
                    )))
                    .bind(user_id)
                    .bind(utc(now))
                    .fetch_all(&self.pool)
                    .await?;
                    rows.iter().map(grant_from_row).collect()
                }

                async fn revoke_grant(&self, user_id: Uuid, id: Uuid, now: OffsetDateTime) -> StoreResult<bool> {
                    let done = sqlx::query(
                        "UPDATE clinician_grants SET revoked_at = $3 WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL",
                    )
                    .bind(id)
                    .bind(user_id)
                    .bind(utc(now))
                    .execute(&self.pool)
                    .await?;
                    Ok(done.rows_affected() == 1)
                }
            }
        }
    };
}

pub(crate) use grants_impl;
