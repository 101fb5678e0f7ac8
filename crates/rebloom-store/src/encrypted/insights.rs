//! The encryption layer for insights: title and content are sealed (and
//! must be); the type, period and times are forwarded, as is the scheduler's
//! view of who is due one.

use async_trait::async_trait;
use time::OffsetDateTime;
use uuid::Uuid;

use super::{EncryptedStore, row_aad};
use crate::{Insight, InsightDue, InsightStore, StoreResult};

#[async_trait]
impl InsightStore for EncryptedStore {
    async fn save_insight(&self, insight: &Insight) -> StoreResult<bool> {
        let mut sealed = insight.clone();
        sealed.title = self
            .seal_text(
                insight.user_id,
                &row_aad("user_insights", "title", insight.id, insight.user_id),
                &insight.title,
            )
            .await?;
        sealed.content = serde_json::Value::String(
            self.seal_text(
                insight.user_id,
                &row_aad("user_insights", "content", insight.id, insight.user_id),
                &insight.content.to_string(),
            )
            .await?,
        );
        self.inner.save_insight(&sealed).await
    }

    async fn list_insights(
        &self,
        user_id: Uuid,
        period_start: Option<time::Date>,
        limit: i64,
    ) -> StoreResult<Vec<Insight>> {
        let stored = self
            .inner
            .list_insights(user_id, period_start, limit)
            .await?;
        let mut out = Vec::with_capacity(stored.len());
        for mut i in stored {
            let title_aad = row_aad("user_insights", "title", i.id, i.user_id);
            i.title = self
                .open_sealed_text(i.user_id, &title_aad, std::mem::take(&mut i.title))
                .await?;
            let content_aad = row_aad("user_insights", "content", i.id, i.user_id);
            i.content = self
                .open_sealed_json(i.user_id, &content_aad, std::mem::take(&mut i.content))
                .await?;
            out.push(i);
        }
        Ok(out)
    }

    async fn acknowledge_insight(
        &self,
        user_id: Uuid,
        id: Uuid,
        at: OffsetDateTime,
    ) -> StoreResult<bool> {
        self.inner.acknowledge_insight(user_id, id, at).await
    }

    async fn insights_due(&self, after: Option<Uuid>, limit: i64) -> StoreResult<Vec<InsightDue>> {
        self.inner.insights_due(after, limit).await
    }
}
