//! The encryption layer for idempotency records: the recorded reply is
//! sealed (it holds the companion's words); claims and purges are forwarded.

use async_trait::async_trait;
use serde_json::Value;
use time::OffsetDateTime;
use uuid::Uuid;

use super::EncryptedStore;
use crate::crypto;
use crate::{Idempotency, IdempotencyStore, StoreResult};

#[async_trait]
impl IdempotencyStore for EncryptedStore {
    async fn begin_idempotent(
        &self,
        user_id: Uuid,
        key: &str,
        request_hash: &[u8],
        now: OffsetDateTime,
        stale_before: OffsetDateTime,
    ) -> StoreResult<Idempotency> {
        match self
            .inner
            .begin_idempotent(user_id, key, request_hash, now, stale_before)
            .await?
        {
            Idempotency::Replay(v) => {
                let aad = crypto::aad("idempotency_keys", "response", key, user_id);
                Ok(Idempotency::Replay(self.open_json(user_id, &aad, v).await?))
            }
            other => Ok(other),
        }
    }

    async fn finish_idempotent(
        &self,
        user_id: Uuid,
        key: &str,
        response: &Value,
    ) -> StoreResult<()> {
        let aad = crypto::aad("idempotency_keys", "response", key, user_id);
        let sealed = self.seal_json(user_id, &aad, response).await?;
        self.inner.finish_idempotent(user_id, key, &sealed).await
    }

    async fn purge_idempotency(&self, before: OffsetDateTime) -> StoreResult<u64> {
        self.inner.purge_idempotency(before).await
    }

    async fn abandon_idempotent(&self, user_id: Uuid, key: &str) -> StoreResult<()> {
        self.inner.abandon_idempotent(user_id, key).await
    }
}
