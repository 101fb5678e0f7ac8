//! People's data keys as the encryption layer uses them: created on first
//! seal, unwrapped and cached in memory, destroyed on erasure (crypto-shredding),
//! and re-wrapped when the master key rotates. The wrapped keys live in the key
//! store ([`crate::KeyStore`]), apart from the data.

use std::sync::Arc;

use time::OffsetDateTime;
use uuid::Uuid;

use super::{EncryptedStore, crypto_err};
use crate::crypto::{self, Key};
use crate::{StoreError, StoreResult};

/// Unwrapped data keys kept in memory (zeroized when evicted).
const CACHE_MAX: usize = 10_000;

impl EncryptedStore {
    /// The person's data key, created on first use (only ever when sealing).
    pub async fn data_key(&self, user_id: Uuid) -> StoreResult<Arc<Key>> {
        self.key(user_id, true).await
    }

    /// The key to open with: never created, so a missing key row (lost,
    /// restored without it, shredded) is an error, not a fresh key that would
    /// leave the old content unreadable for good.
    pub async fn existing_key(&self, user_id: Uuid) -> StoreResult<Arc<Key>> {
        self.key(user_id, false).await
    }

    async fn key(&self, user_id: Uuid, create: bool) -> StoreResult<Arc<Key>> {
        if let Some(k) = self.cached(user_id) {
            return Ok(k);
        }
        let stored = match self.keys.get_user_key(user_id).await? {
            Some(k) => k,
            None if !create => {
                return Err(StoreError::Backend(
                    "encryption: no data key for sealed content".into(),
                ));
            }
            None => {
                let fresh = crypto::random_key().map_err(crypto_err)?;
                let wrapped = self.ring.wrap(user_id, &fresh).map_err(crypto_err)?;
                self.keys
                    .insert_user_key(&wrapped, OffsetDateTime::now_utc())
                    .await?
            }
        };
        let key = Arc::new(self.ring.unwrap(&stored).map_err(crypto_err)?);
        let mut cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        if cache.len() >= CACHE_MAX {
            cache.clear();
        }
        cache.insert(user_id, key.clone());
        Ok(key)
    }

    fn cached(&self, user_id: Uuid) -> Option<Arc<Key>> {
        self.cache
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&user_id)
            .cloned()
    }

    /// The id of the master key that wraps new data keys.
    pub fn master_key_id(&self) -> &str {
        self.ring.current_id()
    }

    /// Destroys the person's data key (erasure, crypto-shredding): in the key
    /// store and in memory. Their content, here and in every backup of the
    /// data, can no longer be read.
    pub async fn destroy_key(&self, user_id: Uuid) -> StoreResult<bool> {
        self.cache
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&user_id);
        self.keys.delete_user_key(user_id).await
    }

    /// How many data keys are still wrapped by another master key (at most `limit`).
    pub async fn keys_left_to_rotate(&self, limit: u32) -> StoreResult<usize> {
        Ok(self
            .keys
            .keys_not_wrapped_by(self.ring.current_id(), limit)
            .await?
            .len())
    }

    /// Re-wraps up to `batch` data keys that another master key wrapped;
    /// returns how many were re-wrapped (0 when none is left).
    pub async fn rotate(&self, batch: u32) -> StoreResult<usize> {
        let old = self
            .keys
            .keys_not_wrapped_by(self.ring.current_id(), batch)
            .await?;
        let mut done = 0;
        for stored in old {
            let key = self.ring.unwrap(&stored).map_err(crypto_err)?;
            let fresh = self.ring.wrap(stored.user_id, &key).map_err(crypto_err)?;
            if self
                .keys
                .rewrap_user_key(&stored.master_key_id, &fresh, OffsetDateTime::now_utc())
                .await?
            {
                done += 1;
            }
        }
        Ok(done)
    }
}
