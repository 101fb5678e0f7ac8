//! The encryption layer for questionnaires: nothing is sealed (answers and
//! scores are numbers, aggregated and trended), every call is forwarded.

use async_trait::async_trait;
use uuid::Uuid;

use super::EncryptedStore;
use crate::{QuestionnaireResponse, QuestionnaireStore, StoreResult};

#[async_trait]
impl QuestionnaireStore for EncryptedStore {
    async fn insert_questionnaire(&self, response: &QuestionnaireResponse) -> StoreResult<()> {
        self.inner.insert_questionnaire(response).await
    }

    async fn list_questionnaires(
        &self,
        user_id: Uuid,
        instrument: Option<&str>,
        limit: i64,
    ) -> StoreResult<Vec<QuestionnaireResponse>> {
        self.inner
            .list_questionnaires(user_id, instrument, limit)
            .await
    }
}
