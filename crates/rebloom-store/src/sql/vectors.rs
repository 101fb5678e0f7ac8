//! Memory vectors' SQL, shared by both backends (see `mod.rs`).

macro_rules! vectors_impl {
    ($store:ident, $row:ident) => {
        mod vectors {
            use async_trait::async_trait;
            use sqlx::Row;
            use uuid::Uuid;

            use super::{$row, $store};
            use crate::{StoreError, StoreResult, StoredVector, VectorOf, VectorStore, utc};

            fn vector_from_row(r: &$row) -> StoreResult<StoredVector> {
                let memory_id: Option<Uuid> = r.try_get("memory_id")?;
                let message_id: Option<Uuid> = r.try_get("message_id")?;
                let session_id: Option<Uuid> = r.try_get("session_id")?;
                let of = match (memory_id, message_id, session_id) {
                    (Some(id), None, _) => VectorOf::Memory(id),
                    (None, Some(message_id), Some(session_id)) => VectorOf::Message { message_id, session_id },
                    _ => return Err(StoreError::Backend("a vector of nothing".into())),
                };
                Ok(StoredVector {
                    id: r.try_get("id")?,
                    user_id: r.try_get("user_id")?,
                    of,
                    model: r.try_get("model")?,
                    bytes: r.try_get("vector")?,
                    created_at: r.try_get("created_at")?,
                })
            }

            #[async_trait]
            impl VectorStore for $store {
                #[tracing::instrument(skip_all, fields(user_id = %v.user_id))]
                async fn upsert_vector(&self, v: &StoredVector) -> StoreResult<()> {
                    let (memory_id, message_id, session_id) = match v.of {
                        VectorOf::Memory(id) => (Some(id), None, None),
                        VectorOf::Message { message_id, session_id } => (None, Some(message_id), Some(session_id)),
                    };
                    let mut tx = self.pool.begin().await?;
                    sqlx::query(
                        "DELETE FROM memory_vectors WHERE user_id = $1 AND (memory_id = $2 OR message_id = $3)",
                    )
                    .bind(v.user_id)
                    .bind(memory_id)
                    .bind(message_id)
                    .execute(&mut *tx)
                    .await?;
                    sqlx::query(
                        "INSERT INTO memory_vectors (id, user_id, memory_id, message_id, session_id, model, vector, created_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                    )
                    .bind(v.id)
                    .bind(v.user_id)
                    .bind(memory_id)
                    .bind(message_id)
                    .bind(session_id)
                    .bind(&v.model)
                    .bind(&v.bytes)
                    .bind(utc(v.created_at))
                    .execute(&mut *tx)
                    .await?;
                    tx.commit().await?;
                    Ok(())
                }

                #[tracing::instrument(skip_all, fields(user_id = %user_id))]
                async fn user_vectors(&self, user_id: Uuid, model: &str) -> StoreResult<Vec<StoredVector>> {
                    let rows = sqlx::query(
                        "SELECT id, user_id, memory_id, message_id, session_id, model, vector, created_at \
                         FROM memory_vectors WHERE user_id = $1 AND model = $2",
                    )
                    .bind(user_id)
                    .bind(model)
                    .fetch_all(&self.read)
                    .await?;
                    rows.iter().map(vector_from_row).collect()
                }
            }
        }
    };
}

pub(crate) use vectors_impl;
