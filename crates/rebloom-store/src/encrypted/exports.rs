//! The encryption layer for exports: nothing is sealed here (the export file
//! is sealed by whoever writes it), every call is forwarded.

use async_trait::async_trait;
use time::OffsetDateTime;
use uuid::Uuid;

use super::EncryptedStore;
use crate::{Export, ExportStore, StoreResult};

#[async_trait]
impl ExportStore for EncryptedStore {
    async fn create_export(
        &self,
        id: Uuid,
        user_id: Uuid,
        now: OffsetDateTime,
    ) -> StoreResult<Export> {
        self.inner.create_export(id, user_id, now).await
    }

    async fn get_export(&self, user_id: Uuid, id: Uuid) -> StoreResult<Option<Export>> {
        self.inner.get_export(user_id, id).await
    }

    async fn finish_export(
        &self,
        id: Uuid,
        result: Option<(&str, i64)>,
        now: OffsetDateTime,
        expires_at: OffsetDateTime,
    ) -> StoreResult<bool> {
        self.inner.finish_export(id, result, now, expires_at).await
    }

    async fn expire_exports(&self, now: OffsetDateTime) -> StoreResult<Vec<Export>> {
        self.inner.expire_exports(now).await
    }

    async fn claim_download(
        &self,
        user_id: Uuid,
        id: Uuid,
        now: OffsetDateTime,
    ) -> StoreResult<Option<Export>> {
        self.inner.claim_download(user_id, id, now).await
    }
}
