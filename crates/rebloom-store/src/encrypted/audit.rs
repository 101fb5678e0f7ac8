//! The encryption layer for the audit log: nothing is sealed (entries never
//! hold health content, and must stay verifiable), every call is forwarded.

use async_trait::async_trait;
use uuid::Uuid;

use super::EncryptedStore;
use crate::{AuditEntry, AuditStore, AuditVerdict, NewAudit, StoreResult};

#[async_trait]
impl AuditStore for EncryptedStore {
    async fn append_audit(&self, entry: &NewAudit) -> StoreResult<AuditEntry> {
        self.inner.append_audit(entry).await
    }

    async fn list_audit(
        &self,
        subject_id: Uuid,
        before_seq: Option<i64>,
        limit: u32,
    ) -> StoreResult<Vec<AuditEntry>> {
        self.inner.list_audit(subject_id, before_seq, limit).await
    }

    async fn verify_audit(&self) -> StoreResult<AuditVerdict> {
        self.inner.verify_audit().await
    }
}
