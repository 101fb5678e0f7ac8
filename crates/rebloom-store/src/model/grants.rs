//! Clinician grants, behind [`GrantStore`].

use async_trait::async_trait;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::StoreResult;

/// A person's consent for one clinician to see part of their data for a time.
#[derive(Debug, Clone, PartialEq)]
pub struct Grant {
    pub id: Uuid,
    pub user_id: Uuid,
    pub clinician_id: Uuid,
    /// `mood`, `summaries`, `conversations` (the chosen sessions) or `everything`.
    pub scope: String,
    /// With `conversations`: the sessions shared.
    pub session_ids: Vec<Uuid>,
    pub created_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
    pub revoked_at: Option<OffsetDateTime>,
}

/// Clinician grants (consented, scoped, time-limited access).
#[async_trait]
pub trait GrantStore: Send + Sync + 'static {
    async fn create_grant(&self, grant: &Grant) -> StoreResult<()>;
    /// All of a person's grants, newest first.
    async fn grants_of_user(&self, user_id: Uuid) -> StoreResult<Vec<Grant>>;
    /// Grants in force to a clinician, for one person or all.
    async fn active_grants_to(
        &self,
        clinician_id: Uuid,
        user_id: Option<Uuid>,
        now: OffsetDateTime,
    ) -> StoreResult<Vec<Grant>>;
    /// A person's grants in force (their linked clinicians).
    async fn active_grants_of(&self, user_id: Uuid, now: OffsetDateTime)
    -> StoreResult<Vec<Grant>>;
    async fn revoke_grant(&self, user_id: Uuid, id: Uuid, now: OffsetDateTime)
    -> StoreResult<bool>;
}
