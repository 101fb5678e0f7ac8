//! Standardised questionnaires (PHQ-9, GAD-7), behind [`QuestionnaireStore`].

use async_trait::async_trait;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::StoreResult;

/// A completed standardised questionnaire (PHQ-9, GAD-7). Like mood levels,
/// its numbers are not sealed (so they can be aggregated and trended).
#[derive(Debug, Clone, PartialEq)]
pub struct QuestionnaireResponse {
    pub id: Uuid,
    pub user_id: Uuid,
    /// `phq9` or `gad7`.
    pub instrument: String,
    /// Each item's answer, 0 to 3, in the instrument's order.
    pub answers: Vec<i32>,
    pub total_score: i32,
    pub severity: String,
    pub session_id: Option<Uuid>,
    pub completed_at: OffsetDateTime,
}

/// Completed questionnaires.
#[async_trait]
pub trait QuestionnaireStore: Send + Sync + 'static {
    async fn insert_questionnaire(&self, response: &QuestionnaireResponse) -> StoreResult<()>;
    /// The person's responses (of one instrument, or all), newest first.
    async fn list_questionnaires(
        &self,
        user_id: Uuid,
        instrument: Option<&str>,
        limit: i64,
    ) -> StoreResult<Vec<QuestionnaireResponse>>;
}
