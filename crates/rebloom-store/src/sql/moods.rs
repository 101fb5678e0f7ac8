//! Mood check-ins' SQL, shared by both backends (see `mod.rs`).

macro_rules! moods_impl {
    ($store:ident, $row:ident) => {
        mod moods {
            use async_trait::async_trait;
            use sqlx::Row;
            use sqlx::types::Json;
            use time::OffsetDateTime;
            use uuid::Uuid;

            use super::{$row, $store};
            use crate::{MoodEntry, MoodStore, StoreResult, utc};

            const MOOD_COLUMNS: &str = "id, user_id, session_id, mood_score, anxiety_level, stress_level, energy_level, notes, triggers, recorded_at, updated_at";

            type Db = <$row as sqlx::Row>::Database;
            type Query<'q> = sqlx::query::Query<'q, Db, <Db as sqlx::Database>::Arguments>;

            /// Binds `$3` to `$11`, the columns after the two keys (insert and
            /// update save every field alike).
            fn bind_mood_fields<'q>(query: Query<'q>, m: &'q MoodEntry) -> Query<'q> {
                query
                    .bind(m.session_id)
                    .bind(m.mood_score)
                    .bind(m.anxiety_level)
                    .bind(m.stress_level)
                    .bind(m.energy_level)
                    .bind(&m.notes)
                    .bind(Json(&m.triggers))
                    .bind(utc(m.recorded_at))
                    .bind(m.updated_at.map(utc))
            }

            fn mood_from_row(r: &$row) -> StoreResult<MoodEntry> {
                Ok(MoodEntry {
                    id: r.try_get("id")?,
                    user_id: r.try_get("user_id")?,
                    session_id: r.try_get("session_id")?,
                    mood_score: r.try_get("mood_score")?,
                    anxiety_level: r.try_get("anxiety_level")?,
                    stress_level: r.try_get("stress_level")?,
                    energy_level: r.try_get("energy_level")?,
                    notes: r.try_get("notes")?,
                    triggers: r.try_get::<Json<Vec<String>>, _>("triggers")?.0,
                    recorded_at: r.try_get("recorded_at")?,
                    updated_at: r.try_get("updated_at")?,
                })
            }

            #[async_trait]
            impl MoodStore for $store {
                #[tracing::instrument(skip_all, fields(user_id = %m.user_id))]
                async fn insert_mood(&self, m: &MoodEntry) -> StoreResult<()> {
                    let query = sqlx::query(sqlx::AssertSqlSafe(format!(
                        "INSERT INTO mood_entries ({MOOD_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
                    )))
                    .bind(m.id)
                    .bind(m.user_id);
                    bind_mood_fields(query, m)
                    .execute(&self.pool)
                    .await?;
                    Ok(())
                }

                #[tracing::instrument(skip_all, fields(user_id = %user_id))]
                async fn list_moods(
                    &self,
                    user_id: Uuid,
                    from: OffsetDateTime,
                    to: OffsetDateTime,
                    limit: i64,
                ) -> StoreResult<Vec<MoodEntry>> {
                    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
                        "SELECT {MOOD_COLUMNS} FROM mood_entries WHERE user_id = $1 AND recorded_at >= $2 AND recorded_at < $3 ORDER BY recorded_at, id LIMIT $4"
                    )))
                    .bind(user_id)
                    .bind(utc(from))
                    .bind(utc(to))
                    .bind(limit)
                    .fetch_all(&self.pool)
                    .await?;
                    rows.iter().map(mood_from_row).collect()
                }

                #[tracing::instrument(skip_all, fields(user_id = %user_id))]
                async fn find_mood(&self, user_id: Uuid, id: Uuid) -> StoreResult<Option<MoodEntry>> {
                    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
                        "SELECT {MOOD_COLUMNS} FROM mood_entries WHERE user_id = $1 AND id = $2"
                    )))
                    .bind(user_id)
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await?;
                    row.as_ref().map(mood_from_row).transpose()
                }

                #[tracing::instrument(skip_all, fields(user_id = %m.user_id))]
                async fn update_mood(&self, m: &MoodEntry) -> StoreResult<bool> {
                    let query = sqlx::query(
                        "UPDATE mood_entries SET session_id = $3, mood_score = $4, anxiety_level = $5, stress_level = $6, energy_level = $7, notes = $8, triggers = $9, recorded_at = $10, updated_at = $11 WHERE user_id = $1 AND id = $2",
                    )
                    .bind(m.user_id)
                    .bind(m.id);
                    let done = bind_mood_fields(query, m)
                    .execute(&self.pool)
                    .await?;
                    Ok(done.rows_affected() > 0)
                }

                #[tracing::instrument(skip_all, fields(user_id = %user_id))]
                async fn delete_mood(&self, user_id: Uuid, id: Uuid) -> StoreResult<bool> {
                    let done = sqlx::query("DELETE FROM mood_entries WHERE user_id = $1 AND id = $2")
                        .bind(user_id)
                        .bind(id)
                        .execute(&self.pool)
                        .await?;
                    Ok(done.rows_affected() > 0)
                }
            }
        }
    };
}

pub(crate) use moods_impl;
