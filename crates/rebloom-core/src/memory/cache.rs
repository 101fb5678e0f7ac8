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
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use rebloom_ai::ProviderError;
use rebloom_ai::embed::Embedder;
use rebloom_store::{Memory, StoreResult, StoredVector, VectorOf};
use redis::AsyncCommands;
use redis::aio::ConnectionManager;
use uuid::Uuid;

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
    /// Scaled out: where the version numbers live.
    redis: Option<ConnectionManager>,
    prefix: String,
}

impl ContextCache {
    pub fn new(redis: Option<ConnectionManager>, redis_prefix: &str) -> ContextCache {
        ContextCache {
            redis,
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
    async fn version(&self, user_id: Uuid) -> Option<u64> {
        let Some(redis) = &self.redis else {
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

    /// The person's entry, or what `load` reads (their memories and vectors)
    /// when there is none or it is out of date.
    pub async fn get<F, Fut>(&self, user_id: Uuid, load: F) -> StoreResult<Arc<Known>>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = StoreResult<(Vec<Memory>, Vec<StoredVector>)>>,
    {
        let version = self.version(user_id).await;
        if let (Some(v), Some((cached_v, known))) = (version, self.local.get(&user_id))
            && v == cached_v
        {
            metrics::counter!("context_cache_total", "outcome" => "hit").increment(1);
            return Ok(known);
        }
        metrics::counter!("context_cache_total", "outcome" => "miss").increment(1);
        let (memories, vectors) = load().await?;
        let vectors = vectors
            .into_iter()
            .map(|v| KnownVector {
                of: v.of,
                values: v.values(),
            })
            .collect();
        let known = Arc::new(Known::new(memories, vectors));
        if let Some(v) = version {
            self.local.insert(user_id, (v, known.clone()));
        }
        Ok(known)
    }

    /// Drops the person's entry here and, scaled out, on every replica.
    pub async fn invalidate(&self, user_id: Uuid) {
        self.local.invalidate(&user_id);
        if let Some(redis) = &self.redis {
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

/// Vectors of recently embedded texts, so one message is embedded once per
/// turn although the emotion classifier, recall and the learning job all
/// ask for it. Keyed by a hash of the text (the text itself is not kept);
/// only this process, only minutes.
pub struct CachedEmbedder {
    inner: Arc<dyn Embedder>,
    recent: moka::sync::Cache<[u8; 32], Arc<Vec<f32>>>,
}

/// How long a text's vector is kept, and how many are.
const EMBED_TTL: Duration = Duration::from_secs(600);
const EMBED_MAX: u64 = 10_000;

impl CachedEmbedder {
    pub fn new(inner: Arc<dyn Embedder>) -> CachedEmbedder {
        CachedEmbedder {
            inner,
            recent: moka::sync::Cache::builder()
                .time_to_live(EMBED_TTL)
                .max_capacity(EMBED_MAX)
                .build(),
        }
    }

    fn key(&self, text: &str) -> [u8; 32] {
        use sha2::Digest;
        let mut h = sha2::Sha256::new();
        h.update(self.inner.name().as_bytes());
        h.update([0]);
        h.update(text.as_bytes());
        h.finalize().into()
    }
}

#[async_trait::async_trait]
impl Embedder for CachedEmbedder {
    fn name(&self) -> &str {
        self.inner.name()
    }

    fn dimensions(&self) -> usize {
        self.inner.dimensions()
    }

    async fn embed(&self, texts: &[String]) -> Result<Vec<Vec<f32>>, ProviderError> {
        let keys: Vec<[u8; 32]> = texts.iter().map(|t| self.key(t)).collect();
        let mut out: Vec<Option<Vec<f32>>> = keys
            .iter()
            .map(|k| self.recent.get(k).map(|v| v.as_ref().clone()))
            .collect();
        let missing: Vec<usize> = (0..texts.len()).filter(|i| out[*i].is_none()).collect();
        metrics::counter!("embedding_cache_total", "outcome" => "hit")
            .increment((texts.len() - missing.len()) as u64);
        if !missing.is_empty() {
            metrics::counter!("embedding_cache_total", "outcome" => "miss")
                .increment(missing.len() as u64);
            let asked: Vec<String> = missing.iter().map(|i| texts[*i].clone()).collect();
            let vectors = self.inner.embed(&asked).await?;
            if vectors.len() != asked.len() {
                return Err(ProviderError::Local(format!(
                    "the embedder returned {} vectors for {} texts",
                    vectors.len(),
                    asked.len()
                )));
            }
            for (i, v) in missing.into_iter().zip(vectors) {
                self.recent.insert(keys[i], Arc::new(v.clone()));
                out[i] = Some(v);
            }
        }
        Ok(out.into_iter().flatten().collect())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use std::sync::Mutex;

    /// Embeds a text as [its length, its first byte] and records what it was asked.
    #[derive(Default)]
    struct Recording(Mutex<Vec<Vec<String>>>);

    #[async_trait::async_trait]
    impl Embedder for Recording {
        fn name(&self) -> &str {
            "recording"
        }
        fn dimensions(&self) -> usize {
            2
        }
        async fn embed(&self, texts: &[String]) -> Result<Vec<Vec<f32>>, ProviderError> {
            self.0.lock().unwrap().push(texts.to_vec());
            Ok(texts
                .iter()
                .map(|t| vec![t.len() as f32, f32::from(t.as_bytes()[0])])
                .collect())
        }
    }

    #[tokio::test]
    async fn embeds_each_text_once_and_keeps_the_order() {
        let inner = Arc::new(Recording::default());
        let cached = CachedEmbedder::new(inner.clone());
        let t = |s: &str| s.to_owned();
        let first = cached.embed(&[t("apple"), t("be")]).await.unwrap();
        assert_eq!(first, vec![vec![5.0, 97.0], vec![2.0, 98.0]]);
        let second = cached
            .embed(&[t("cat"), t("be"), t("apple")])
            .await
            .unwrap();
        assert_eq!(
            second,
            vec![vec![3.0, 99.0], vec![2.0, 98.0], vec![5.0, 97.0]]
        );
        assert!(cached.embed(&[]).await.unwrap().is_empty());
        assert_eq!(
            *inner.0.lock().unwrap(),
            vec![vec![t("apple"), t("be")], vec![t("cat")]]
        );
    }
}
