//! The encryption layer for memories: their content and the person's "never
//! remember" list are sealed with the person's data key; the kind, counts,
//! times and the ids of the messages they came from are not.
//! Sealed values are required: plaintext here could only have been planted.

use async_trait::async_trait;
use time::OffsetDateTime;
use uuid::Uuid;

use super::{EncryptedStore, crypto_err, row_aad};
use crate::crypto::CryptoError;
use crate::{Memory, MemorySettings, MemoryStore, StoreError, StoreResult};

fn content_aad(m: &Memory) -> String {
    row_aad("memories", "content", m.id, m.user_id)
}

fn settings_aad(user_id: Uuid) -> String {
    row_aad("memory_settings", "never_remember", user_id, user_id)
}

impl EncryptedStore {
    async fn seal_memory(&self, m: &Memory) -> StoreResult<Memory> {
        let mut sealed = m.clone();
        sealed.content = self
            .seal_text(m.user_id, &content_aad(m), &m.content)
            .await?;
        Ok(sealed)
    }

    async fn open_memory(&self, mut m: Memory) -> StoreResult<Memory> {
        let aad = content_aad(&m);
        m.content = self
            .open_sealed_text(m.user_id, &aad, std::mem::take(&mut m.content))
            .await?;
        Ok(m)
    }
}

#[async_trait]
impl MemoryStore for EncryptedStore {
    async fn insert_memory(&self, memory: &Memory) -> StoreResult<()> {
        let sealed = self.seal_memory(memory).await?;
        self.inner.insert_memory(&sealed).await
    }

    async fn list_memories(&self, user_id: Uuid) -> StoreResult<Vec<Memory>> {
        let stored = self.inner.list_memories(user_id).await?;
        let mut out = Vec::with_capacity(stored.len());
        for m in stored {
            out.push(self.open_memory(m).await?);
        }
        Ok(out)
    }

    async fn find_memory(&self, user_id: Uuid, id: Uuid) -> StoreResult<Option<Memory>> {
        match self.inner.find_memory(user_id, id).await? {
            Some(m) => Ok(Some(self.open_memory(m).await?)),
            None => Ok(None),
        }
    }

    async fn update_memory(&self, memory: &Memory) -> StoreResult<bool> {
        let sealed = self.seal_memory(memory).await?;
        self.inner.update_memory(&sealed).await
    }

    async fn delete_memory(&self, user_id: Uuid, id: Uuid) -> StoreResult<bool> {
        self.inner.delete_memory(user_id, id).await
    }

    async fn delete_memories(&self, user_id: Uuid) -> StoreResult<u64> {
        self.inner.delete_memories(user_id).await
    }

    async fn get_memory_settings(&self, user_id: Uuid) -> StoreResult<Option<MemorySettings>> {
        let Some(mut s) = self.inner.get_memory_settings(user_id).await? else {
            return Ok(None);
        };
        // Sealed as one value: `[sealed JSON list]`.
        let [sealed] = <[String; 1]>::try_from(std::mem::take(&mut s.never_remember))
            .map_err(|_| crypto_err(CryptoError::Format))?;
        let text = self
            .open_sealed_text(user_id, &settings_aad(user_id), sealed)
            .await?;
        s.never_remember =
            serde_json::from_str(&text).map_err(|e| StoreError::Backend(e.to_string()))?;
        Ok(Some(s))
    }

    async fn save_memory_settings(
        &self,
        user_id: Uuid,
        settings: &MemorySettings,
        now: OffsetDateTime,
    ) -> StoreResult<()> {
        let text = serde_json::to_string(&settings.never_remember)
            .map_err(|e| StoreError::Backend(e.to_string()))?;
        let sealed = self
            .seal_text(user_id, &settings_aad(user_id), &text)
            .await?;
        let stored = MemorySettings {
            paused: settings.paused,
            never_remember: vec![sealed],
        };
        self.inner.save_memory_settings(user_id, &stored, now).await
    }
}
