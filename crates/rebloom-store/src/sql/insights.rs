//! Insights' SQL, shared by both backends (see `mod.rs`).

macro_rules! insights_impl {
    ($store:ident, $row:ident) => {
        mod insights {
            use async_trait::async_trait;
            use sqlx::Row;
            use time::OffsetDateTime;
            use uuid::Uuid;

            use super::{$row, $store};
            use crate::{Insight, InsightDue, InsightStore, StoreResult, utc};

            const INSIGHT_COLUMNS: &str = "id, user_id, insight_type, title, content, confidence_score, period_start, generated_at, acknowledged_at";

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
            impl InsightStore for $store {
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
            }
        }
    };
}

pub(crate) use insights_impl;
