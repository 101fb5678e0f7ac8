//! The conversation-context cache: a person's memories and vectors, opened,
//! kept in this process for the architecture's two hours (`context:` TTL 7200 s)
//! and dropped whenever they change.
//!
//! Scaled out, each person has a version number in Redis (`context:{userId}`),
//! bumped on every change; an entry here is used only while its version is
//! current, so a memory deleted through one replica is gone from every
//! replica's next reply. Unlike the architecture's Redis cache, no health
//! content goes to Redis: only the version number.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use rebloom_store::{Memory, StoreResult, VectorOf};
use redis::AsyncCommands;
use uuid::Uuid;

use crate::app::AppState;

const TTL: Duration = Duration::from_secs(7200);
/// How long a version number outlives the entries that use it.
const VERSION_TTL_SECS: u64 = 3 * 24 * 3600;
/// Memories and vectors held at most, over everyone.
const MAX_ITEMS: u64 = 100_000;

/// A vector, opened.
pub struct KnownVector {
    pub of: VectorOf,
    pub values: Vec<f32>,
}

/// What is known about one person.
#[derive(Default)]
pub struct Known {
    /// Most recently seen first.
    pub memories: Vec<Memory>,
    pub vectors: Vec<KnownVector>,
    by_memory: HashMap<Uuid, usize>,
}

impl Known {
    pub fn new(memories: Vec<Memory>, vectors: Vec<KnownVector>) -> Known {
        let by_memory = vectors
            .iter()
            .enumerate()
            .filter_map(|(i, v)| match v.of {
                VectorOf::Memory(id) => Some((id, i)),
                VectorOf::Message { .. } => None,
            })
            .collect();
        Known {
            memories,
            vectors,
            by_memory,
        }
    }

    pub fn memory_vector(&self, id: Uuid) -> Option<&[f32]> {
        self.by_memory
            .get(&id)
            .map(|i| self.vectors[*i].values.as_slice())
    }
}

pub struct ContextCache {
    local: moka::sync::Cache<Uuid, (u64, Arc<Known>)>,
    prefix: String,
}

impl ContextCache {
    pub fn new(redis_prefix: &str) -> ContextCache {
        ContextCache {
            local: moka::sync::Cache::builder()
                .time_to_live(TTL)
                .weigher(|_, (_, k): &(u64, Arc<Known>)| {
                    u32::try_from(k.memories.len() + k.vectors.len() + 1).unwrap_or(u32::MAX)
                })
                .max_capacity(MAX_ITEMS)
                .build(),
            prefix: format!("{redis_prefix}context:"),
        }
    }

    /// The current version, 0 without Redis; `None` when Redis cannot say
    /// (then nothing cached is trusted).
    async fn version(&self, state: &AppState, user_id: Uuid) -> Option<u64> {
        let Some(redis) = &state.redis else {
            return Some(0);
        };
        let mut conn = redis.clone();
        match conn
            .get::<_, Option<u64>>(format!("{}{user_id}", self.prefix))
            .await
        {
            Ok(v) => Some(v.unwrap_or(0)),
            Err(e) => {
                tracing::warn!(error = %e, "reading the context version failed");
                None
            }
        }
    }

    pub async fn get(&self, state: &AppState, user_id: Uuid) -> StoreResult<Arc<Known>> {
        let version = self.version(state, user_id).await;
        if let (Some(v), Some((cached_v, known))) = (version, self.local.get(&user_id))
            && v == cached_v
        {
            metrics::counter!("context_cache_total", "outcome" => "hit").increment(1);
            return Ok(known);
        }
        metrics::counter!("context_cache_total", "outcome" => "miss").increment(1);
        let memories = state.store.list_memories(user_id).await?;
        let vectors = match &state.memory.embedder {
            Some(e) => state
                .store
                .user_vectors(user_id, e.name())
                .await?
                .into_iter()
                .map(|v| KnownVector {
                    of: v.of,
                    values: v.values(),
                })
                .collect(),
            None => Vec::new(),
        };
        let known = Arc::new(Known::new(memories, vectors));
        if let Some(v) = version {
            self.local.insert(user_id, (v, known.clone()));
        }
        Ok(known)
    }

    /// Drops the person's entry here and, scaled out, on every replica.
    pub async fn invalidate(&self, state: &AppState, user_id: Uuid) {
        self.local.invalidate(&user_id);
        if let Some(redis) = &state.redis {
            let mut conn = redis.clone();
            let key = format!("{}{user_id}", self.prefix);
            let bumped: redis::RedisResult<()> = redis::pipe()
                .incr(&key, 1)
                .ignore()
                .expire(&key, VERSION_TTL_SECS as i64)
                .ignore()
                .query_async(&mut conn)
                .await;
            if let Err(e) = bumped {
                // Other replicas' entries may live out their TTL: say so loudly.
                tracing::error!(error = %e, "bumping the context version failed");
            }
        }
    }
}
