//! The encryption layer for mood check-ins: notes and triggers are sealed,
//! bound to their table, column and row; scores and levels are not (they are
//! aggregated). Sealed values are required: plaintext here could only have
//! been planted.

use async_trait::async_trait;
use time::OffsetDateTime;
use uuid::Uuid;

use super::{EncryptedStore, crypto_err, row_aad};
use crate::crypto::CryptoError;
use crate::{MoodEntry, MoodStore, StoreError, StoreResult};

impl EncryptedStore {
    async fn seal_mood(&self, m: &MoodEntry) -> StoreResult<MoodEntry> {
        let mut sealed = m.clone();
        sealed.notes = self
            .seal_opt(
                m.user_id,
                &row_aad("mood_entries", "notes", m.id, m.user_id),
                &m.notes,
            )
            .await?;
        // The list as one sealed value (an empty list says nothing).
        if !m.triggers.is_empty() {
            let text = serde_json::to_string(&m.triggers)
                .map_err(|e| StoreError::Backend(e.to_string()))?;
            sealed.triggers = vec![
                self.seal_text(
                    m.user_id,
                    &row_aad("mood_entries", "triggers", m.id, m.user_id),
                    &text,
                )
                .await?,
            ];
        }
        Ok(sealed)
    }

    async fn open_mood(&self, mut m: MoodEntry) -> StoreResult<MoodEntry> {
        let notes_aad = row_aad("mood_entries", "notes", m.id, m.user_id);
        m.notes = self.open_opt(m.user_id, &notes_aad, m.notes.take()).await?;
        if !m.triggers.is_empty() {
            let [sealed] = <[String; 1]>::try_from(std::mem::take(&mut m.triggers))
                .map_err(|_| crypto_err(CryptoError::Format))?;
            let text = self
                .open_sealed_text(
                    m.user_id,
                    &row_aad("mood_entries", "triggers", m.id, m.user_id),
                    sealed,
                )
                .await?;
            m.triggers =
                serde_json::from_str(&text).map_err(|e| StoreError::Backend(e.to_string()))?;
        }
        Ok(m)
    }
}

#[async_trait]
impl MoodStore for EncryptedStore {
    async fn insert_mood(&self, entry: &MoodEntry) -> StoreResult<()> {
        let sealed = self.seal_mood(entry).await?;
        self.inner.insert_mood(&sealed).await
    }

    async fn list_moods(
        &self,
        user_id: Uuid,
        from: OffsetDateTime,
        to: OffsetDateTime,
        limit: i64,
    ) -> StoreResult<Vec<MoodEntry>> {
        let stored = self.inner.list_moods(user_id, from, to, limit).await?;
        let mut out = Vec::with_capacity(stored.len());
        for m in stored {
            out.push(self.open_mood(m).await?);
        }
        Ok(out)
    }

    async fn find_mood(&self, user_id: Uuid, id: Uuid) -> StoreResult<Option<MoodEntry>> {
        match self.inner.find_mood(user_id, id).await? {
            Some(m) => Ok(Some(self.open_mood(m).await?)),
            None => Ok(None),
        }
    }

    async fn update_mood(&self, entry: &MoodEntry) -> StoreResult<bool> {
        let sealed = self.seal_mood(entry).await?;
        self.inner.update_mood(&sealed).await
    }

    async fn delete_mood(&self, user_id: Uuid, id: Uuid) -> StoreResult<bool> {
        self.inner.delete_mood(user_id, id).await
    }
}
