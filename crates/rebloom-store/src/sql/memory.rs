//! Memories' and memory settings' SQL, shared by both backends (see `mod.rs`).

macro_rules! memory_impl {
    ($store:ident, $row:ident) => {
        mod memory {
            use async_trait::async_trait;
            use sqlx::Row;
            use sqlx::types::Json;
            use time::OffsetDateTime;
            use uuid::Uuid;

            use super::{$row, $store};
            use crate::{Memory, MemorySettings, MemorySource, MemoryStore, StoreResult, utc};

            const COLUMNS: &str = "id, user_id, kind, content, sources, mention_count, origin, created_at, updated_at, last_seen_at";

            fn memory_from_row(r: &$row) -> StoreResult<Memory> {
                Ok(Memory {
                    id: r.try_get("id")?,
                    user_id: r.try_get("user_id")?,
                    kind: r.try_get("kind")?,
                    content: r.try_get("content")?,
                    sources: r.try_get::<Json<Vec<MemorySource>>, _>("sources")?.0,
                    mention_count: r.try_get("mention_count")?,
                    origin: r.try_get("origin")?,
                    created_at: r.try_get("created_at")?,
                    updated_at: r.try_get("updated_at")?,
                    last_seen_at: r.try_get("last_seen_at")?,
                })
            }

            #[async_trait]
            impl MemoryStore for $store {
                #[tracing::instrument(skip_all, fields(user_id = %m.user_id))]
                async fn insert_memory(&self, m: &Memory) -> StoreResult<()> {
                    sqlx::query(sqlx::AssertSqlSafe(format!(
                        "INSERT INTO memories ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
                    )))
                    .bind(m.id)
                    .bind(m.user_id)
                    .bind(&m.kind)
                    .bind(&m.content)
                    .bind(Json(&m.sources))
                    .bind(m.mention_count)
                    .bind(&m.origin)
                    .bind(utc(m.created_at))
                    .bind(utc(m.updated_at))
                    .bind(utc(m.last_seen_at))
                    .execute(&self.pool)
                    .await?;
                    Ok(())
                }

                #[tracing::instrument(skip_all, fields(user_id = %user_id))]
                async fn list_memories(&self, user_id: Uuid) -> StoreResult<Vec<Memory>> {
                    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
                        "SELECT {COLUMNS} FROM memories WHERE user_id = $1 ORDER BY last_seen_at DESC, id DESC"
                    )))
                    .bind(user_id)
                    .fetch_all(&self.read)
                    .await?;
                    rows.iter().map(memory_from_row).collect()
                }

                async fn find_memory(&self, user_id: Uuid, id: Uuid) -> StoreResult<Option<Memory>> {
                    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
                        "SELECT {COLUMNS} FROM memories WHERE id = $1 AND user_id = $2"
                    )))
                    .bind(id)
                    .bind(user_id)
                    .fetch_optional(&self.pool)
                    .await?;
                    row.as_ref().map(memory_from_row).transpose()
                }

                #[tracing::instrument(skip_all, fields(user_id = %m.user_id))]
                async fn update_memory(&self, m: &Memory) -> StoreResult<bool> {
                    let done = sqlx::query(
                        "UPDATE memories SET kind = $3, content = $4, sources = $5, mention_count = $6, origin = $7, \
                         updated_at = $8, last_seen_at = $9 WHERE id = $1 AND user_id = $2",
                    )
                    .bind(m.id)
                    .bind(m.user_id)
                    .bind(&m.kind)
                    .bind(&m.content)
                    .bind(Json(&m.sources))
                    .bind(m.mention_count)
                    .bind(&m.origin)
                    .bind(utc(m.updated_at))
                    .bind(utc(m.last_seen_at))
                    .execute(&self.pool)
                    .await?;
                    Ok(done.rows_affected() == 1)
                }

                #[tracing::instrument(skip_all, fields(user_id = %user_id))]
                async fn delete_memory(&self, user_id: Uuid, id: Uuid) -> StoreResult<bool> {
                    // The vector goes with it (ON DELETE CASCADE).
                    let done = sqlx::query("DELETE FROM memories WHERE id = $1 AND user_id = $2")
                        .bind(id)
                        .bind(user_id)
                        .execute(&self.pool)
                        .await?;
                    Ok(done.rows_affected() == 1)
                }

                #[tracing::instrument(skip_all, fields(user_id = %user_id))]
                async fn delete_memories(&self, user_id: Uuid) -> StoreResult<u64> {
                    let mut tx = self.pool.begin().await?;
                    sqlx::query("DELETE FROM memory_vectors WHERE user_id = $1")
                        .bind(user_id)
                        .execute(&mut *tx)
                        .await?;
                    let done = sqlx::query("DELETE FROM memories WHERE user_id = $1")
                        .bind(user_id)
                        .execute(&mut *tx)
                        .await?;
                    tx.commit().await?;
                    Ok(done.rows_affected())
                }

                async fn get_memory_settings(&self, user_id: Uuid) -> StoreResult<Option<MemorySettings>> {
                    let row = sqlx::query("SELECT paused, never_remember FROM memory_settings WHERE user_id = $1")
                        .bind(user_id)
                        .fetch_optional(&self.pool)
                        .await?;
                    row.map(|r| -> StoreResult<MemorySettings> {
                        Ok(MemorySettings {
                            paused: r.try_get("paused")?,
                            never_remember: r.try_get::<Json<Vec<String>>, _>("never_remember")?.0,
                        })
                    })
                    .transpose()
                }

                async fn save_memory_settings(
                    &self,
                    user_id: Uuid,
                    s: &MemorySettings,
                    now: OffsetDateTime,
                ) -> StoreResult<()> {
                    sqlx::query(
                        "INSERT INTO memory_settings (user_id, paused, never_remember, updated_at) VALUES ($1, $2, $3, $4) \
                         ON CONFLICT (user_id) DO UPDATE SET paused = $2, never_remember = $3, updated_at = $4",
                    )
                    .bind(user_id)
                    .bind(s.paused)
                    .bind(Json(&s.never_remember))
                    .bind(utc(now))
                    .execute(&self.pool)
                    .await?;
                    Ok(())
                }
            }
        }
    };
}

pub(crate) use memory_impl;
