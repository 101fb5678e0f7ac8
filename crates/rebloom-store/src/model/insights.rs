//! Generated insights (the weekly report) and who is due one, behind
//! [`InsightStore`].

use async_trait::async_trait;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::StoreResult;

/// A generated insight (the weekly report). Title and content are sealed.
#[derive(Debug, Clone, PartialEq)]
pub struct Insight {
    pub id: Uuid,
    pub user_id: Uuid,
    /// `weekly`.
    pub insight_type: String,
    pub title: String,
    pub content: serde_json::Value,
    pub confidence_score: Option<f64>,
    /// The first local day of the period it covers.
    pub period_start: Option<time::Date>,
    pub generated_at: OffsetDateTime,
    pub acknowledged_at: Option<OffsetDateTime>,
}

/// Who may be due an insight: a person's id, time zone and latest weekly period.
#[derive(Debug, Clone, PartialEq)]
pub struct InsightDue {
    pub user_id: Uuid,
    pub timezone: Option<String>,
    pub last_weekly: Option<time::Date>,
}

/// Generated insights, and the scheduler's view of who is due one.
#[async_trait]
pub trait InsightStore: Send + Sync + 'static {
    /// Stores an insight unless one of its type and period exists (then false).
    async fn save_insight(&self, insight: &Insight) -> StoreResult<bool>;
    /// The person's insights, newest period first; only those of one period when given.
    async fn list_insights(
        &self,
        user_id: Uuid,
        period_start: Option<time::Date>,
        limit: i64,
    ) -> StoreResult<Vec<Insight>>;
    async fn acknowledge_insight(
        &self,
        user_id: Uuid,
        id: Uuid,
        at: OffsetDateTime,
    ) -> StoreResult<bool>;
    /// Enabled people (role `user`) after `after` by id, with their time zone
    /// and latest weekly insight period, for the scheduler.
    async fn insights_due(&self, after: Option<Uuid>, limit: i64) -> StoreResult<Vec<InsightDue>>;
}
