//! Safety records: crisis events, the safety plan and the trusted contact,
//! behind [`SafetyStore`].

use async_trait::async_trait;
use serde_json::Value;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::StoreResult;

/// A high or critical assessment and what was done about it.
#[derive(Debug, Clone, PartialEq)]
pub struct CrisisEvent {
    pub id: Uuid,
    pub user_id: Uuid,
    pub session_id: Option<Uuid>,
    pub message_id: Option<Uuid>,
    /// `high` or `critical`.
    pub risk_level: String,
    pub categories: Value,
    /// `crisis_resources` or `emergency_services`.
    pub intervention_type: String,
    pub created_at: OffsetDateTime,
}

/// Someone the person trusts, named with their explicit consent.
#[derive(Debug, Clone, PartialEq)]
pub struct TrustedContact {
    pub user_id: Uuid,
    pub name: String,
    pub email: String,
    pub consented_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    pub last_notified_at: Option<OffsetDateTime>,
}

/// Safety records: crisis events, safety plans and the trusted contact.
#[async_trait]
pub trait SafetyStore: Send + Sync + 'static {
    async fn record_crisis_event(&self, event: &CrisisEvent) -> StoreResult<()>;
    /// Newest first.
    async fn list_crisis_events(&self, user_id: Uuid, limit: u32) -> StoreResult<Vec<CrisisEvent>>;
    async fn get_safety_plan(
        &self,
        user_id: Uuid,
    ) -> StoreResult<Option<(serde_json::Value, OffsetDateTime)>>;
    async fn save_safety_plan(
        &self,
        user_id: Uuid,
        plan: &serde_json::Value,
        now: OffsetDateTime,
    ) -> StoreResult<()>;
    async fn get_trusted_contact(&self, user_id: Uuid) -> StoreResult<Option<TrustedContact>>;
    /// Creates or replaces the contact; `last_notified_at` is kept.
    async fn save_trusted_contact(&self, contact: &TrustedContact) -> StoreResult<()>;
    async fn delete_trusted_contact(&self, user_id: Uuid) -> StoreResult<bool>;
    /// Marks the contact notified at `now` unless they were already notified
    /// after `not_since`; false when there is no contact or it is too soon.
    async fn mark_contact_notified(
        &self,
        user_id: Uuid,
        now: OffsetDateTime,
        not_since: OffsetDateTime,
    ) -> StoreResult<bool>;
}
