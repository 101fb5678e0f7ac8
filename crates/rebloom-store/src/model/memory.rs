//! What the companion remembers about a person, and their memory settings,
//! behind [`MemoryStore`].

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::StoreResult;

/// Something the companion remembers about a person, and where it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Memory {
    pub id: Uuid,
    pub user_id: Uuid,
    /// `person`, `goal`, `stressor`, `coping` or `note`.
    pub kind: String,
    pub content: String,
    /// The messages it was learnt from (ids only), oldest first.
    pub sources: Vec<MemorySource>,
    /// How often it came up.
    pub mention_count: i32,
    /// `conversation` (learnt) or `person` (written or edited by them).
    pub origin: String,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    pub last_seen_at: OffsetDateTime,
}

/// A message a memory was learnt from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MemorySource {
    pub message_id: Uuid,
    pub session_id: Uuid,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
}

/// A person's memory settings.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct MemorySettings {
    /// Nothing new is learnt while paused; what is kept is still used.
    pub paused: bool,
    /// Topics never to remember (words or short phrases).
    pub never_remember: Vec<String>,
}

/// What the companion remembers, and the person's memory settings.
#[async_trait]
pub trait MemoryStore: Send + Sync + 'static {
    async fn insert_memory(&self, memory: &Memory) -> StoreResult<()>;
    /// The person's memories, most recently seen first.
    async fn list_memories(&self, user_id: Uuid) -> StoreResult<Vec<Memory>>;
    async fn find_memory(&self, user_id: Uuid, id: Uuid) -> StoreResult<Option<Memory>>;
    /// Saves kind, content, sources, count, origin and times of an existing memory.
    async fn update_memory(&self, memory: &Memory) -> StoreResult<bool>;
    /// Deletes the memory and its vector.
    async fn delete_memory(&self, user_id: Uuid, id: Uuid) -> StoreResult<bool>;
    /// Deletes every memory and every vector of the person; returns the memories deleted.
    async fn delete_memories(&self, user_id: Uuid) -> StoreResult<u64>;
    async fn get_memory_settings(&self, user_id: Uuid) -> StoreResult<Option<MemorySettings>>;
    async fn save_memory_settings(
        &self,
        user_id: Uuid,
        settings: &MemorySettings,
        now: OffsetDateTime,
    ) -> StoreResult<()>;
}
