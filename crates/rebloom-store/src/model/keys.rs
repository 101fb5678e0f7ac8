//! People's wrapped data keys, behind [`KeyStore`]; kept in a key store of
//! their own ([`crate::keydb`]), not in the [`crate::Store`].

use async_trait::async_trait;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::StoreResult;
use crate::crypto;

/// People's data keys, wrapped by a master key (see [`crypto`]), kept in a
/// key store apart from the data ([`keydb`](crate::keydb)).
#[async_trait]
pub trait KeyStore: Send + Sync + 'static {
    async fn get_user_key(&self, user_id: Uuid) -> StoreResult<Option<crypto::WrappedKey>>;
    /// Stores the key unless the person has one already; returns the one stored.
    async fn insert_user_key(
        &self,
        key: &crypto::WrappedKey,
        now: OffsetDateTime,
    ) -> StoreResult<crypto::WrappedKey>;
    /// Keys wrapped by another master key than `master_key_id` (to rotate).
    async fn keys_not_wrapped_by(
        &self,
        master_key_id: &str,
        limit: u32,
    ) -> StoreResult<Vec<crypto::WrappedKey>>;
    /// Destroys the person's data key (erasure): their content can no longer
    /// be read anywhere, backups of the data included.
    async fn delete_user_key(&self, user_id: Uuid) -> StoreResult<bool>;
    /// Replaces a wrap, if it is still the one made by `previous_master_id`.
    async fn rewrap_user_key(
        &self,
        previous_master_id: &str,
        key: &crypto::WrappedKey,
        now: OffsetDateTime,
    ) -> StoreResult<bool>;
}
