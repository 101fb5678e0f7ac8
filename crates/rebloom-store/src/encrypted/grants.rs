//! The encryption layer for clinician grants: nothing is sealed (scopes,
//! session ids and times), every call is forwarded.

use async_trait::async_trait;
use time::OffsetDateTime;
use uuid::Uuid;

use super::EncryptedStore;
use crate::{Grant, GrantStore, StoreResult};

#[async_trait]
impl GrantStore for EncryptedStore {
    async fn create_grant(&self, grant: &Grant) -> StoreResult<()> {
        self.inner.create_grant(grant).await
    }

    async fn grants_of_user(&self, user_id: Uuid) -> StoreResult<Vec<Grant>> {
        self.inner.grants_of_user(user_id).await
    }

    async fn active_grants_to(
        &self,
        clinician_id: Uuid,
        user_id: Option<Uuid>,
        now: OffsetDateTime,
    ) -> StoreResult<Vec<Grant>> {
        self.inner
            .active_grants_to(clinician_id, user_id, now)
            .await
    }

    async fn active_grants_of(
        &self,
        user_id: Uuid,
        now: OffsetDateTime,
    ) -> StoreResult<Vec<Grant>> {
        self.inner.active_grants_of(user_id, now).await
    }

    async fn revoke_grant(
        &self,
        user_id: Uuid,
        id: Uuid,
        now: OffsetDateTime,
    ) -> StoreResult<bool> {
        self.inner.revoke_grant(user_id, id, now).await
    }
}
