//! Moods', goals' and questionnaires' SQL, shared by both backends like `sql.rs`.

macro_rules! wellbeing_impl {
    ($store:ident, $row:ident) => {
        mod wellbeing {
            use async_trait::async_trait;
            use sqlx::Row;
            use sqlx::types::Json;
            use time::OffsetDateTime;
            use uuid::Uuid;

            use super::{$row, $store};
            use crate::{
                Goal, GoalProgress, Insight, InsightDue, MoodEntry, QuestionnaireResponse, StoreResult, WellbeingStore,
                utc,
            };

            const MOOD_COLUMNS: &str = "id, user_id, session_id, mood_score, anxiety_level, stress_level, energy_level, notes, triggers, recorded_at, updated_at";
            const GOAL_COLUMNS: &str = "id, user_id, title, description, category, target_date, status, progress_percentage, created_at, updated_at, completed_at";
            const PROGRESS_COLUMNS: &str = "id, goal_id, user_id, progress_percentage, note, recorded_at";
            const INSIGHT_COLUMNS: &str = "id, user_id, insight_type, title, content, confidence_score, period_start, generated_at, acknowledged_at";
            const QUESTIONNAIRE_COLUMNS: &str = "id, user_id, instrument, answers, total_score, severity, session_id, completed_at";

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

            fn questionnaire_from_row(r: &$row) -> StoreResult<QuestionnaireResponse> {
                Ok(QuestionnaireResponse {
                    id: r.try_get("id")?,
                    user_id: r.try_get("user_id")?,
                    instrument: r.try_get("instrument")?,
                    answers: r.try_get::<Json<Vec<i32>>, _>("answers")?.0,
                    total_score: r.try_get("total_score")?,
                    severity: r.try_get("severity")?,
                    session_id: r.try_get("session_id")?,
                    completed_at: r.try_get("completed_at")?,
                })
            }

            fn insight_from_row(r: &$row) -> StoreResult<Insight> {
                // Sealed by the encryption layer: a JSON string there, a value once opened.
                let content: String = r.try_get("content")?;
                Ok(Insight {
                    id: r.try_get("id")?,
                    user_id: r.try_get("user_id")?,
                    insight_type: r.try_get("insight_type")?,
                    title: r.try_get("title")?,
                    content: serde_json::from_str(&content).unwrap_or(serde_json::Value::String(content)),
                    confidence_score: r.try_get("confidence_score")?,
                    period_start: r.try_get("period_start")?,
                    generated_at: r.try_get("generated_at")?,
                    acknowledged_at: r.try_get("acknowledged_at")?,
                })
            }

            #[async_trait]
            impl WellbeingStore for $store {
                #[tracing::instrument(skip_all, fields(user_id = %i.user_id))]
                async fn save_insight(&self, i: &Insight) -> StoreResult<bool> {
                    let done = sqlx::query(sqlx::AssertSqlSafe(format!(
                        "INSERT INTO user_insights ({INSIGHT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
                         ON CONFLICT (user_id, insight_type, period_start) DO NOTHING"
                    )))
                    .bind(i.id)
                    .bind(i.user_id)
                    .bind(&i.insight_type)
                    .bind(&i.title)
                    .bind(i.content.to_string())
                    .bind(i.confidence_score)
                    .bind(i.period_start)
                    .bind(utc(i.generated_at))
                    .bind(i.acknowledged_at.map(utc))
                    .execute(&self.pool)
                    .await?;
                    Ok(done.rows_affected() > 0)
                }

                #[tracing::instrument(skip_all, fields(user_id = %user_id))]
                async fn list_insights(
                    &self,
                    user_id: Uuid,
                    period_start: Option<time::Date>,
                    limit: i64,
                ) -> StoreResult<Vec<Insight>> {
                    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
                        "SELECT {INSIGHT_COLUMNS} FROM user_insights WHERE user_id = $1 AND ($2 IS NULL OR period_start = $2) \
                         ORDER BY period_start DESC, generated_at DESC, id DESC LIMIT $3"
                    )))
                    .bind(user_id)
                    .bind(period_start)
                    .bind(limit)
                    .fetch_all(&self.pool)
                    .await?;
                    rows.iter().map(insight_from_row).collect()
                }

                #[tracing::instrument(skip_all, fields(user_id = %user_id))]
                async fn acknowledge_insight(&self, user_id: Uuid, id: Uuid, at: OffsetDateTime) -> StoreResult<bool> {
                    let done = sqlx::query(
                        "UPDATE user_insights SET acknowledged_at = COALESCE(acknowledged_at, $3) WHERE user_id = $1 AND id = $2",
                    )
                    .bind(user_id)
                    .bind(id)
                    .bind(utc(at))
                    .execute(&self.pool)
                    .await?;
                    Ok(done.rows_affected() > 0)
                }

                #[tracing::instrument(skip_all)]
                async fn insights_due(&self, after: Option<Uuid>, limit: i64) -> StoreResult<Vec<InsightDue>> {
                    let rows = sqlx::query(
                        "SELECT u.id, p.timezone, \
                         (SELECT MAX(i.period_start) FROM user_insights i WHERE i.user_id = u.id AND i.insight_type = 'weekly') AS last_weekly \
                         FROM users u LEFT JOIN user_profiles p ON p.user_id = u.id \
                         WHERE u.disabled_at IS NULL AND u.role = 'user' AND ($1 IS NULL OR u.id > $1) \
                         ORDER BY u.id LIMIT $2",
                    )
                    .bind(after)
                    .bind(limit)
                    .fetch_all(&self.pool)
                    .await?;
                    rows.iter()
                        .map(|r| {
                            Ok(InsightDue {
                                user_id: r.try_get("id")?,
                                timezone: r.try_get("timezone")?,
                                last_weekly: r.try_get("last_weekly")?,
                            })
                        })
                        .collect()
                }

                #[tracing::instrument(skip_all, fields(user_id = %m.user_id))]
                async fn insert_mood(&self, m: &MoodEntry) -> StoreResult<()> {
                    sqlx::query(sqlx::AssertSqlSafe(format!(
                        "INSERT INTO mood_entries ({MOOD_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
                    )))
                    .bind(m.id)
                    .bind(m.user_id)
                    .bind(m.session_id)
                    .bind(m.mood_score)
                    .bind(m.anxiety_level)
                    .bind(m.stress_level)
                    .bind(m.energy_level)
                    .bind(&m.notes)
                    .bind(Json(&m.triggers))
                    .bind(utc(m.recorded_at))
                    .bind(m.updated_at.map(utc))
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
                    let done = sqlx::query(
                        "UPDATE mood_entries SET session_id = $3, mood_score = $4, anxiety_level = $5, stress_level = $6, energy_level = $7, notes = $8, triggers = $9, recorded_at = $10, updated_at = $11 WHERE user_id = $1 AND id = $2",
                    )
                    .bind(m.user_id)
                    .bind(m.id)
                    .bind(m.session_id)
                    .bind(m.mood_score)
                    .bind(m.anxiety_level)
                    .bind(m.stress_level)
                    .bind(m.energy_level)
                    .bind(&m.notes)
                    .bind(Json(&m.triggers))
                    .bind(utc(m.recorded_at))
                    .bind(m.updated_at.map(utc))
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

                #[tracing::instrument(skip_all, fields(user_id = %q.user_id))]
                async fn insert_questionnaire(&self, q: &QuestionnaireResponse) -> StoreResult<()> {
                    sqlx::query(sqlx::AssertSqlSafe(format!(
                        "INSERT INTO questionnaire_responses ({QUESTIONNAIRE_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
                    )))
                    .bind(q.id)
                    .bind(q.user_id)
                    .bind(&q.instrument)
                    .bind(Json(&q.answers))
                    .bind(q.total_score)
                    .bind(&q.severity)
                    .bind(q.session_id)
                    .bind(utc(q.completed_at))
                    .execute(&self.pool)
                    .await?;
                    Ok(())
                }

                #[tracing::instrument(skip_all, fields(user_id = %user_id))]
                async fn list_questionnaires(
                    &self,
                    user_id: Uuid,
                    instrument: Option<&str>,
                    limit: i64,
                ) -> StoreResult<Vec<QuestionnaireResponse>> {
                    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
                        "SELECT {QUESTIONNAIRE_COLUMNS} FROM questionnaire_responses WHERE user_id = $1 AND ($2 IS NULL OR instrument = $2) ORDER BY completed_at DESC, id DESC LIMIT $3"
                    )))
                    .bind(user_id)
                    .bind(instrument)
                    .bind(limit)
                    .fetch_all(&self.pool)
                    .await?;
                    rows.iter().map(questionnaire_from_row).collect()
                }
            }
        }
    };
}

pub(crate) use wellbeing_impl;
