//! Questionnaire responses' SQL, shared by both backends (see `mod.rs`).

macro_rules! questionnaires_impl {
    ($store:ident, $row:ident) => {
        mod questionnaires {
            use async_trait::async_trait;
            use sqlx::Row;
            use sqlx::types::Json;
            use uuid::Uuid;

            use super::{$row, $store};
            use crate::{QuestionnaireResponse, QuestionnaireStore, StoreResult, utc};

            const QUESTIONNAIRE_COLUMNS: &str = "id, user_id, instrument, answers, total_score, severity, session_id, completed_at";

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

            #[async_trait]
            impl QuestionnaireStore for $store {
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

pub(crate) use questionnaires_impl;
