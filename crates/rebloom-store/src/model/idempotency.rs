//! Idempotent requests: a key claimed per person, then the reply recorded
//! for replays, behind [`IdempotencyStore`].

use async_trait::async_trait;
use serde_json::Value;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::StoreResult;

/// Where a request with an idempotency key stands.
#[derive(Debug, Clone, PartialEq)]
pub enum Idempotency {
    /// First time: go ahead, then record the response.
    Started,
    /// Done before: answer this again.
    Replay(Value),
    /// The first request with this key is still being processed.
    InProgress,
    /// The key was used for a different request.
    Mismatch,
}

/// Idempotency keys: a request claimed once, its reply replayed to retries.
#[async_trait]
pub trait IdempotencyStore: Send + Sync + 'static {
    /// Claims `key` for a request with this hash. A claim older than `stale_before`
    /// without a response (its request died) may be taken over.
    async fn begin_idempotent(
        &self,
        user_id: Uuid,
        key: &str,
        request_hash: &[u8],
        now: OffsetDateTime,
        stale_before: OffsetDateTime,
    ) -> StoreResult<Idempotency>;
    async fn finish_idempotent(
        &self,
        user_id: Uuid,
        key: &str,
        response: &serde_json::Value,
    ) -> StoreResult<()>;
    /// Forgets idempotency records older than `before` (they hold replies).
    async fn purge_idempotency(&self, before: OffsetDateTime) -> StoreResult<u64>;
    /// Releases a claim whose request failed, so that a retry can run.
    async fn abandon_idempotent(&self, user_id: Uuid, key: &str) -> StoreResult<()>;
}
