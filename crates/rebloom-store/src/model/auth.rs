//! Sign-in state: refresh tokens in rotating families, and the failed-login
//! throttle, behind [`AuthStore`].

use async_trait::async_trait;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::StoreResult;

/// One issued refresh token. Only its SHA-256 is stored.
#[derive(Debug, Clone)]
pub struct RefreshToken {
    pub id: Uuid,
    pub family_id: Uuid,
    pub user_id: Uuid,
    pub token_hash: Vec<u8>,
    pub issued_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
}

/// What happened when a refresh token was presented for rotation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rotation {
    /// The token was current: it is now used, and the replacement was stored in its family.
    Rotated { user_id: Uuid, family_id: Uuid },
    /// The token had already been rotated: someone replayed it. The whole family is now revoked.
    Reused { user_id: Uuid, family_id: Uuid },
    /// Unknown, expired or revoked.
    Invalid,
}

/// A replacement refresh token, stored in the family of the one it replaces.
#[derive(Debug, Clone)]
pub struct Replacement {
    pub id: Uuid,
    pub token_hash: Vec<u8>,
    pub expires_at: OffsetDateTime,
}

/// Failed-login bookkeeping for one account key.
#[derive(Debug, Clone, PartialEq)]
pub struct LoginThrottle {
    pub failures: i64,
    pub last_failure_at: OffsetDateTime,
    pub locked_until: Option<OffsetDateTime>,
}

/// Refresh tokens (rotated in families, revoked on replay) and login throttling.
#[async_trait]
pub trait AuthStore: Send + Sync + 'static {
    async fn insert_refresh_token(&self, token: &RefreshToken) -> StoreResult<()>;
    /// Atomically marks the presented token used and stores `replacement` in its
    /// family; on replay of a used token, revokes the family.
    async fn rotate_refresh_token(
        &self,
        presented_hash: &[u8],
        replacement: &Replacement,
        now: OffsetDateTime,
    ) -> StoreResult<Rotation>;
    /// The family of the presented token, if the token is known (for logout).
    async fn refresh_token_family(
        &self,
        presented_hash: &[u8],
    ) -> StoreResult<Option<(Uuid, Uuid)>>;
    async fn revoke_refresh_family(&self, family_id: Uuid, now: OffsetDateTime) -> StoreResult<()>;
    /// Revokes every family of the user and bumps their token version, which ends
    /// every access token already issued.
    async fn revoke_user_sessions(&self, user_id: Uuid, now: OffsetDateTime) -> StoreResult<()>;
    /// Whether the family is `user_id`'s and still has an unrevoked, unexpired token.
    async fn refresh_family_active(
        &self,
        user_id: Uuid,
        family_id: Uuid,
        now: OffsetDateTime,
    ) -> StoreResult<bool>;

    // Login throttling
    async fn login_throttle(&self, key_hash: &str) -> StoreResult<Option<LoginThrottle>>;
    /// Counts one more failure and returns the new count.
    async fn record_login_failure(&self, key_hash: &str, now: OffsetDateTime) -> StoreResult<i64>;
    async fn lock_login(&self, key_hash: &str, until: OffsetDateTime) -> StoreResult<()>;
    async fn clear_login_failures(&self, key_hash: &str) -> StoreResult<()>;
}
