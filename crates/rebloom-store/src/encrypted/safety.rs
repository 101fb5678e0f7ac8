//! The encryption layer for safety records: the safety plan and the trusted
//! contact's name and address are sealed, and must be (plaintext there could
//! only have been planted); crisis events hold no content and are forwarded.

use async_trait::async_trait;
use serde_json::Value;
use time::OffsetDateTime;
use uuid::Uuid;

use super::{EncryptedStore, row_aad};
use crate::{CrisisEvent, SafetyStore, StoreResult, TrustedContact};

#[async_trait]
impl SafetyStore for EncryptedStore {
    async fn record_crisis_event(&self, event: &CrisisEvent) -> StoreResult<()> {
        self.inner.record_crisis_event(event).await
    }

    async fn list_crisis_events(&self, user_id: Uuid, limit: u32) -> StoreResult<Vec<CrisisEvent>> {
        self.inner.list_crisis_events(user_id, limit).await
    }

    async fn get_safety_plan(&self, user_id: Uuid) -> StoreResult<Option<(Value, OffsetDateTime)>> {
        match self.inner.get_safety_plan(user_id).await? {
            Some((plan, at)) => {
                let aad = row_aad("safety_plans", "plan", user_id, user_id);
                Ok(Some((
                    self.open_sealed_json(user_id, &aad, plan).await?,
                    at,
                )))
            }
            None => Ok(None),
        }
    }

    async fn save_safety_plan(
        &self,
        user_id: Uuid,
        plan: &Value,
        now: OffsetDateTime,
    ) -> StoreResult<()> {
        let aad = row_aad("safety_plans", "plan", user_id, user_id);
        let sealed = self.seal_json(user_id, &aad, plan).await?;
        self.inner.save_safety_plan(user_id, &sealed, now).await
    }

    async fn get_trusted_contact(&self, user_id: Uuid) -> StoreResult<Option<TrustedContact>> {
        let Some(mut c) = self.inner.get_trusted_contact(user_id).await? else {
            return Ok(None);
        };
        c.name = self
            .open_sealed_text(
                user_id,
                &row_aad("trusted_contacts", "name", user_id, user_id),
                c.name,
            )
            .await?;
        c.email = self
            .open_sealed_text(
                user_id,
                &row_aad("trusted_contacts", "email", user_id, user_id),
                c.email,
            )
            .await?;
        Ok(Some(c))
    }

    async fn save_trusted_contact(&self, contact: &TrustedContact) -> StoreResult<()> {
        let id = contact.user_id;
        let mut c = contact.clone();
        c.name = self
            .seal_text(
                id,
                &row_aad("trusted_contacts", "name", id, id),
                &contact.name,
            )
            .await?;
        c.email = self
            .seal_text(
                id,
                &row_aad("trusted_contacts", "email", id, id),
                &contact.email,
            )
            .await?;
        self.inner.save_trusted_contact(&c).await
    }

    async fn delete_trusted_contact(&self, user_id: Uuid) -> StoreResult<bool> {
        self.inner.delete_trusted_contact(user_id).await
    }

    async fn mark_contact_notified(
        &self,
        user_id: Uuid,
        now: OffsetDateTime,
        not_since: OffsetDateTime,
    ) -> StoreResult<bool> {
        self.inner
            .mark_contact_notified(user_id, now, not_since)
            .await
    }
}
