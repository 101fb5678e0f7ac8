//! Sentence embeddings of memories and messages, behind [`VectorStore`].

use async_trait::async_trait;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::StoreResult;

/// What a memory vector belongs to: a memory or one of the person's messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VectorOf {
    Memory(Uuid),
    Message { message_id: Uuid, session_id: Uuid },
}

/// A sentence embedding of a memory or a message, for exact per-person search.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredVector {
    pub id: Uuid,
    pub user_id: Uuid,
    pub of: VectorOf,
    /// The embedding model; vectors of different models are never compared.
    pub model: String,
    /// The values as little-endian `f32`s (see [`StoredVector::values`]).
    pub bytes: Vec<u8>,
    pub created_at: OffsetDateTime,
}

impl StoredVector {
    pub fn new(
        user_id: Uuid,
        of: VectorOf,
        model: &str,
        values: &[f32],
        now: OffsetDateTime,
    ) -> StoredVector {
        StoredVector {
            id: Uuid::now_v7(),
            user_id,
            of,
            model: model.to_owned(),
            bytes: values.iter().flat_map(|v| v.to_le_bytes()).collect(),
            created_at: now,
        }
    }

    pub fn values(&self) -> Vec<f32> {
        self.bytes
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect()
    }
}

/// Sentence embeddings of memories and messages. Search is exact and per
/// person: a person has at most thousands of items, so scanning their own
/// vectors is faster and more accurate than an index over everyone's.
#[async_trait]
pub trait VectorStore: Send + Sync + 'static {
    /// Stores the vector of a memory or message, replacing an earlier one.
    async fn upsert_vector(&self, vector: &StoredVector) -> StoreResult<()>;
    /// Every vector of the person made with `model`.
    async fn user_vectors(&self, user_id: Uuid, model: &str) -> StoreResult<Vec<StoredVector>>;
}
