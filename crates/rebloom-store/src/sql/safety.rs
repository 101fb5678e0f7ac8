//! Crisis events', safety plans' and trusted contacts' SQL, shared by both
//! backends (see `mod.rs`).

macro_rules! safety_impl {
    ($store:ident, $row:ident) => {
        mod safety {
            use async_trait::async_trait;
            use sqlx::Row;
            use sqlx::types::Json;
            use time::OffsetDateTime;
            use uuid::Uuid;

            use super::$store;
            use crate::{CrisisEvent, SafetyStore, StoreResult, TrustedContact, utc};

            #[async_trait]
            impl SafetyStore for $store {
                #[tracing::instrument(skip_all, fields(user_id = %e.user_id))]
                async fn record_crisis_event(&self, e: &CrisisEvent) -> StoreResult<()> {
                    sqlx::query(
                        "INSERT INTO crisis_events (id, user_id, session_id, message_id, risk_level, categories, \
                         intervention_type, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                    )
                    .bind(e.id)
                    .bind(e.user_id)
                    .bind(e.session_id)
                    .bind(e.message_id)
                    .bind(&e.risk_level)
                    .bind(Json(&e.categories))
                    .bind(&e.intervention_type)
                    .bind(utc(e.created_at))
                    .execute(&self.pool)
                    .await?;
                    Ok(())
                }

                #[tracing::instrument(skip_all, fields(user_id = %user_id))]
                async fn list_crisis_events(&self, user_id: Uuid, limit: u32) -> StoreResult<Vec<CrisisEvent>> {
                    let rows = sqlx::query(
                        "SELECT id, user_id, session_id, message_id, risk_level, categories, intervention_type, created_at \
                         FROM crisis_events WHERE user_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2",
                    )
                    .bind(user_id)
                    .bind(i64::from(limit))
                    .fetch_all(&self.pool)
                    .await?;
                    rows.iter()
                        .map(|r| {
                            Ok(CrisisEvent {
                                id: r.try_get("id")?,
                                user_id: r.try_get("user_id")?,
                                session_id: r.try_get("session_id")?,
                                message_id: r.try_get("message_id")?,
                                risk_level: r.try_get("risk_level")?,
                                categories: r.try_get::<Json<serde_json::Value>, _>("categories")?.0,
                                intervention_type: r.try_get("intervention_type")?,
                                created_at: r.try_get("created_at")?,
                            })
                        })
                        .collect()
                }

                #[tracing::instrument(skip_all, fields(user_id = %user_id))]
                async fn get_safety_plan(&self, user_id: Uuid) -> StoreResult<Option<(serde_json::Value, OffsetDateTime)>> {
                    let row = sqlx::query("SELECT plan, updated_at FROM safety_plans WHERE user_id = $1")
                        .bind(user_id)
                        .fetch_optional(&self.pool)
                        .await?;
                    row.map(|r| Ok((r.try_get::<Json<serde_json::Value>, _>("plan")?.0, r.try_get("updated_at")?)))
                        .transpose()
                }

                #[tracing::instrument(skip_all, fields(user_id = %user_id))]
                async fn save_safety_plan(&self, user_id: Uuid, plan: &serde_json::Value, now: OffsetDateTime) -> StoreResult<()> {
                    sqlx::query(
                        "INSERT INTO safety_plans (user_id, plan, updated_at) VALUES ($1, $2, $3) \
                         ON CONFLICT (user_id) DO UPDATE SET plan = $2, updated_at = $3",
                    )
                    .bind(user_id)
                    .bind(Json(plan))
                    .bind(utc(now))
                    .execute(&self.pool)
                    .await?;
                    Ok(())
                }

                #[tracing::instrument(skip_all, fields(user_id = %user_id))]
                async fn get_trusted_contact(&self, user_id: Uuid) -> StoreResult<Option<TrustedContact>> {
                    let row = sqlx::query(
                        "SELECT user_id, name, email, consented_at, updated_at, last_notified_at \
                         FROM trusted_contacts WHERE user_id = $1",
                    )
                    .bind(user_id)
                    .fetch_optional(&self.pool)
                    .await?;
                    row.map(|r| {
                        Ok(TrustedContact {
                            user_id: r.try_get("user_id")?,
                            name: r.try_get("name")?,
                            email: r.try_get("email")?,
                            consented_at: r.try_get("consented_at")?,
                            updated_at: r.try_get("updated_at")?,
                            last_notified_at: r.try_get("last_notified_at")?,
                        })
                    })
                    .transpose()
                }

                #[tracing::instrument(skip_all, fields(user_id = %c.user_id))]
                async fn save_trusted_contact(&self, c: &TrustedContact) -> StoreResult<()> {
                    sqlx::query(
                        "INSERT INTO trusted_contacts (user_id, name, email, consented_at, updated_at) \
                         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (user_id) DO UPDATE \
                         SET name = $2, email = $3, consented_at = $4, updated_at = $5",
                    )
                    .bind(c.user_id)
                    .bind(&c.name)
                    .bind(&c.email)
                    .bind(utc(c.consented_at))
                    .bind(utc(c.updated_at))
                    .execute(&self.pool)
                    .await?;
                    Ok(())
                }

                #[tracing::instrument(skip_all, fields(user_id = %user_id))]
                async fn delete_trusted_contact(&self, user_id: Uuid) -> StoreResult<bool> {
                    let done = sqlx::query("DELETE FROM trusted_contacts WHERE user_id = $1")
                        .bind(user_id)
                        .execute(&self.pool)
                        .await?;
                    Ok(done.rows_affected() == 1)
                }

                #[tracing::instrument(skip_all, fields(user_id = %user_id))]
                async fn mark_contact_notified(&self, user_id: Uuid, now: OffsetDateTime, not_since: OffsetDateTime) -> StoreResult<bool> {
                    let done = sqlx::query(
                        "UPDATE trusted_contacts SET last_notified_at = $2 \
                         WHERE user_id = $1 AND (last_notified_at IS NULL OR last_notified_at <= $3)",
                    )
                    .bind(user_id)
                    .bind(utc(now))
                    .bind(utc(not_since))
                    .execute(&self.pool)
                    .await?;
                    Ok(done.rows_affected() == 1)
                }
            }
        }
    };
}

pub(crate) use safety_impl;
