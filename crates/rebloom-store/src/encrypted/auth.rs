//! The encryption layer for refresh tokens and the login throttle: nothing
//! is sealed (tokens are stored as hashes), every call is forwarded.

use async_trait::async_trait;
use time::OffsetDateTime;
use uuid::Uuid;

use super::EncryptedStore;
use crate::{AuthStore, LoginThrottle, RefreshToken, Replacement, Rotation, StoreResult};

#[async_trait]
impl AuthStore for EncryptedStore {
    async fn insert_refresh_token(&self, token: &RefreshToken) -> StoreResult<()> {
        self.inner.insert_refresh_token(token).await
    }

    async fn rotate_refresh_token(
        &self,
        presented_hash: &[u8],
        replacement: &Replacement,
        now: OffsetDateTime,
    ) -> StoreResult<Rotation> {
        self.inner
            .rotate_refresh_token(presented_hash, replacement, now)
            .await
    }

    async fn refresh_token_family(
        &self,
        presented_hash: &[u8],
    ) -> StoreResult<Option<(Uuid, Uuid)>> {
        self.inner.refresh_token_family(presented_hash).await
    }

    async fn revoke_refresh_family(&self, family_id: Uuid, now: OffsetDateTime) -> StoreResult<()> {
        self.inner.revoke_refresh_family(family_id, now).await
    }

    async fn revoke_user_sessions(&self, user_id: Uuid, now: OffsetDateTime) -> StoreResult<()> {
        self.inner.revoke_user_sessions(user_id, now).await
    }

    async fn refresh_family_active(
        &self,
        user_id: Uuid,
        family_id: Uuid,
        now: OffsetDateTime,
    ) -> StoreResult<bool> {
        self.inner
            .refresh_family_active(user_id, family_id, now)
            .await
    }

    async fn login_throttle(&self, key_hash: &str) -> StoreResult<Option<LoginThrottle>> {
        self.inner.login_throttle(key_hash).await
    }

    async fn record_login_failure(&self, key_hash: &str, now: OffsetDateTime) -> StoreResult<i64> {
        self.inner.record_login_failure(key_hash, now).await
    }

    async fn lock_login(&self, key_hash: &str, until: OffsetDateTime) -> StoreResult<()> {
        self.inner.lock_login(key_hash, until).await
    }

    async fn clear_login_failures(&self, key_hash: &str) -> StoreResult<()> {
        self.inner.clear_login_failures(key_hash).await
    }
}
