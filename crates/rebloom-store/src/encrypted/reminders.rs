//! The encryption layer for reminder settings: nothing is sealed (times and
//! days), every call is forwarded.

use async_trait::async_trait;
use time::OffsetDateTime;
use uuid::Uuid;

use super::EncryptedStore;
use crate::{ReminderSettings, ReminderStore, StoreResult};

#[async_trait]
impl ReminderStore for EncryptedStore {
    async fn get_reminders(&self, user_id: Uuid) -> StoreResult<Option<ReminderSettings>> {
        self.inner.get_reminders(user_id).await
    }

    async fn save_reminders(&self, settings: &ReminderSettings) -> StoreResult<()> {
        self.inner.save_reminders(settings).await
    }

    async fn due_reminders(
        &self,
        now: OffsetDateTime,
        limit: i64,
    ) -> StoreResult<Vec<ReminderSettings>> {
        self.inner.due_reminders(now, limit).await
    }

    async fn advance_reminder(
        &self,
        user_id: Uuid,
        due: OffsetDateTime,
        next: Option<OffsetDateTime>,
        now: OffsetDateTime,
    ) -> StoreResult<bool> {
        self.inner.advance_reminder(user_id, due, next, now).await
    }
}
