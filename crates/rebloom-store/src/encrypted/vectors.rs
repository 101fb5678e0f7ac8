//! The encryption layer for memory vectors: the vector itself is sealed with
//! the person's data key (an embedding can leak its text); what it belongs to,
//! its model and time are not.

use async_trait::async_trait;
use uuid::Uuid;

use super::{EncryptedStore, crypto_err, row_aad};
use crate::crypto;
use crate::{StoreResult, StoredVector, VectorStore};

fn vector_aad(v: &StoredVector) -> String {
    row_aad("memory_vectors", "vector", v.id, v.user_id)
}

#[async_trait]
impl VectorStore for EncryptedStore {
    async fn upsert_vector(&self, vector: &StoredVector) -> StoreResult<()> {
        let key = self.data_key(vector.user_id).await?;
        let mut sealed = vector.clone();
        sealed.bytes =
            crypto::seal_file(&key, &vector_aad(vector), &vector.bytes).map_err(crypto_err)?;
        self.inner.upsert_vector(&sealed).await
    }

    async fn user_vectors(&self, user_id: Uuid, model: &str) -> StoreResult<Vec<StoredVector>> {
        let stored = self.inner.user_vectors(user_id, model).await?;
        if stored.is_empty() {
            return Ok(stored);
        }
        let key = self.existing_key(user_id).await?;
        stored
            .into_iter()
            .map(|mut v| {
                let aad = vector_aad(&v);
                v.bytes = crypto::open_file(&key, &aad, &v.bytes)
                    .map_err(crypto_err)?
                    .to_vec();
                Ok(v)
            })
            .collect()
    }
}
