//! Goals' and their progress history's SQL, shared by both backends (see `mod.rs`).

macro_rules! goals_impl {
    ($store:ident, $row:ident) => {
        mod goals {
            use async_trait::async_trait;
            use sqlx::Row;
            use uuid::Uuid;

            use super::{$row, $store};
            use crate::{Goal, GoalProgress, GoalStore, StoreResult, utc};

            const GOAL_COLUMNS: &str = "id, user_id, title, description, category, target_date, status, progress_percentage, created_at, updated_at, completed_at";

            const PROGRESS_COLUMNS: &str = "id, goal_id, user_id, progress_percentage, note, recorded_at";

            fn goal_from_row(r: &$row) -> StoreResult<Goal> {
                Ok(Goal {
                    id: r.try_get("id")?,
                    user_id: r.try_get("user_id")?,
                    title: r.try_get("title")?,
                    description: r.try_get("description")?,
                    category: r.try_get("category")?,
                    target_date: r.try_get("target_date")?,
                    status: r.try_get("status")?,
                    progress_percentage: r.try_get("progress_percentage")?,
                    created_at: r.try_get("created_at")?,
                    updated_at: r.try_get("updated_at")?,
                    completed_at: r.try_get("completed_at")?,
                })
            }

            fn progress_from_row(r: &$row) -> StoreResult<GoalProgress> {
                Ok(GoalProgress {
                    id: r.try_get("id")?,
                    goal_id: r.try_get("goal_id")?,
                    user_id: r.try_get("user_id")?,
                    progress_percentage: r.try_get("progress_percentage")?,
                    note: r.try_get("note")?,
                    recorded_at: r.try_get("recorded_at")?,
                })
            }

            #[async_trait]
            impl GoalStore for $store {
                #[tracing::instrument(skip_all, fields(user_id = %g.user_id))]
                async fn insert_goal(&self, g: &Goal) -> StoreResult<()> {
                    sqlx::query(sqlx::AssertSqlSafe(format!(
                        "INSERT INTO user_goals ({GOAL_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
                    )))
                    .bind(g.id)
                    .bind(g.user_id)
                    .bind(&g.title)
                    .bind(&g.description)
                    .bind(&g.category)
                    .bind(g.target_date)
                    .bind(&g.status)
                    .bind(g.progress_percentage)
                    .bind(utc(g.created_at))
                    .bind(utc(g.updated_at))
                    .bind(g.completed_at.map(utc))
                    .execute(&self.pool)
                    .await?;
                    Ok(())
                }

                #[tracing::instrument(skip_all, fields(user_id = %user_id))]
                async fn list_goals(&self, user_id: Uuid) -> StoreResult<Vec<Goal>> {
                    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
                        "SELECT {GOAL_COLUMNS} FROM user_goals WHERE user_id = $1 ORDER BY created_at DESC, id DESC"
                    )))
                    .bind(user_id)
                    .fetch_all(&self.pool)
                    .await?;
                    rows.iter().map(goal_from_row).collect()
                }

                #[tracing::instrument(skip_all, fields(user_id = %user_id))]
                async fn find_goal(&self, user_id: Uuid, id: Uuid) -> StoreResult<Option<Goal>> {
                    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
                        "SELECT {GOAL_COLUMNS} FROM user_goals WHERE user_id = $1 AND id = $2"
                    )))
                    .bind(user_id)
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await?;
                    row.as_ref().map(goal_from_row).transpose()
                }

                #[tracing::instrument(skip_all, fields(user_id = %g.user_id))]
                async fn update_goal(&self, g: &Goal) -> StoreResult<bool> {
                    let done = sqlx::query(
                        "UPDATE user_goals SET title = $3, description = $4, category = $5, target_date = $6, status = $7, progress_percentage = $8, updated_at = $9, completed_at = $10 WHERE user_id = $1 AND id = $2",
                    )
                    .bind(g.user_id)
                    .bind(g.id)
                    .bind(&g.title)
                    .bind(&g.description)
                    .bind(&g.category)
                    .bind(g.target_date)
                    .bind(&g.status)
                    .bind(g.progress_percentage)
                    .bind(utc(g.updated_at))
                    .bind(g.completed_at.map(utc))
                    .execute(&self.pool)
                    .await?;
                    Ok(done.rows_affected() > 0)
                }

                #[tracing::instrument(skip_all, fields(user_id = %user_id))]
                async fn delete_goal(&self, user_id: Uuid, id: Uuid) -> StoreResult<bool> {
                    let done = sqlx::query("DELETE FROM user_goals WHERE user_id = $1 AND id = $2")
                        .bind(user_id)
                        .bind(id)
                        .execute(&self.pool)
                        .await?;
                    Ok(done.rows_affected() > 0)
                }

                #[tracing::instrument(skip_all, fields(user_id = %g.user_id))]
                async fn record_goal_progress(&self, g: &Goal, step: &GoalProgress) -> StoreResult<bool> {
                    let mut tx = self.pool.begin().await?;
                    let done = sqlx::query(
                        "UPDATE user_goals SET status = $3, progress_percentage = $4, updated_at = $5, completed_at = $6 WHERE user_id = $1 AND id = $2",
                    )
                    .bind(g.user_id)
                    .bind(g.id)
                    .bind(&g.status)
                    .bind(g.progress_percentage)
                    .bind(utc(g.updated_at))
                    .bind(g.completed_at.map(utc))
                    .execute(&mut *tx)
                    .await?;
                    if done.rows_affected() == 0 {
                        return Ok(false);
                    }
                    sqlx::query(sqlx::AssertSqlSafe(format!(
                        "INSERT INTO goal_progress ({PROGRESS_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6)"
                    )))
                    .bind(step.id)
                    .bind(step.goal_id)
                    .bind(step.user_id)
                    .bind(step.progress_percentage)
                    .bind(&step.note)
                    .bind(utc(step.recorded_at))
                    .execute(&mut *tx)
                    .await?;
                    tx.commit().await?;
                    Ok(true)
                }

                #[tracing::instrument(skip_all, fields(user_id = %user_id))]
                async fn goal_progress(&self, user_id: Uuid, goal_id: Option<Uuid>) -> StoreResult<Vec<GoalProgress>> {
                    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
                        "SELECT {PROGRESS_COLUMNS} FROM goal_progress WHERE user_id = $1 AND ($2 IS NULL OR goal_id = $2) ORDER BY recorded_at, id"
                    )))
                    .bind(user_id)
                    .bind(goal_id)
                    .fetch_all(&self.pool)
                    .await?;
                    rows.iter().map(progress_from_row).collect()
                }
            }
        }
    };
}

pub(crate) use goals_impl;
