//! A local language model as a [`ChatProvider`]: a GGUF file run in-process
//! with llama.cpp (through `llama-cpp-2`), no network and no other server.
//!
//! The model is loaded once, by [`LocalLlm::load`], and lives on one
//! dedicated OS thread that runs one generation at a time (a fresh context
//! each), so inference never blocks the async runtime. Requests wait in a
//! queue of [`LocalLlmConfig::max_queue`]; beyond that [`ChatProvider::stream`]
//! fails at once with a busy error ([`ProviderError::Http`] 503), so a
//! fallback chain moves on to its next provider.
//!
//! Prompts use the chat template embedded in the GGUF (ChatML when it has
//! none). The system prompt is always kept; the oldest turns are dropped until
//! the prompt and the reply's `max_tokens` fit the context, and the person's
//! latest message, if it alone is too long, keeps its end. Replies stream as
//! [`Chunk::Delta`]s as they are decoded; when the receiver goes away the
//! generation stops at the next token.
//!
//! llama.cpp's own log is silenced (it could otherwise print to stderr);
//! this crate logs counts and timings only, never message text.

mod prompt;
mod utf8;
mod worker;

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};

use async_trait::async_trait;
use rebloom_ai::{ChatProvider, ChatRequest, Chunk, ChunkStream, ProviderError};
use tokio::sync::mpsc;

/// The provider name in logs, metrics and [`rebloom_ai::Finish::provider`].
pub const PROVIDER_NAME: &str = "local";

/// Reply length when a request's `max_tokens` is 0.
pub const DEFAULT_MAX_TOKENS: u32 = 512;

/// How to run a local model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalLlmConfig {
    /// The GGUF file. Its stem is the model name in [`rebloom_ai::Finish::model`].
    pub model_path: PathBuf,
    /// The context window in tokens: prompt and reply together. Capped at
    /// the model's training context.
    pub context_tokens: u32,
    /// CPU threads for one generation.
    pub threads: u32,
    /// Requests that may wait while one generation runs; more are refused.
    pub max_queue: usize,
    /// Sampling seed: the same request with the same seed gets the same
    /// reply. `None` draws a new seed for every request.
    pub seed: Option<u32>,
    /// Longest reply in tokens, whatever a request asks for (a small CPU
    /// model writes a few tokens a second on a busy machine).
    pub max_reply_tokens: u32,
}

impl LocalLlmConfig {
    /// Defaults: 2048 tokens of context, one thread per available core (at
    /// most 4), 4 waiting requests, a random seed per request, replies of at
    /// most 512 tokens.
    pub fn new(model_path: impl Into<PathBuf>) -> LocalLlmConfig {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        LocalLlmConfig {
            model_path: model_path.into(),
            context_tokens: 2048,
            threads: u32::try_from(cores.min(4)).unwrap_or(4),
            max_queue: 4,
            seed: None,
            max_reply_tokens: DEFAULT_MAX_TOKENS,
        }
    }
}

/// Why the local model could not load or answer. Messages carry no
/// conversation text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LocalLlmError {
    #[error("model file not found: {0}")]
    ModelMissing(PathBuf),
    #[error("invalid local model configuration: {0}")]
    Config(String),
    #[error("llama.cpp backend: {0}")]
    Backend(String),
    #[error("could not load the model: {0}")]
    Load(String),
    #[error("the model's chat template does not work: {0}")]
    Template(String),
    /// One generation runs and `max_queue` wait already.
    #[error("the local model is busy: one reply running, {waiting} waiting")]
    Busy { waiting: usize },
    #[error("the local model's worker has stopped")]
    WorkerStopped,
    #[error("the system prompt leaves no room in the context window")]
    PromptTooLong,
    #[error("inference failed: {0}")]
    Inference(String),
}

impl From<LocalLlmError> for ProviderError {
    fn from(e: LocalLlmError) -> ProviderError {
        match e {
            LocalLlmError::Busy { .. } => ProviderError::Http {
                status: 503,
                message: e.to_string(),
            },
            LocalLlmError::WorkerStopped => ProviderError::Connect(e.to_string()),
            LocalLlmError::Inference(_) => ProviderError::Stream(e.to_string()),
            LocalLlmError::ModelMissing(_)
            | LocalLlmError::Config(_)
            | LocalLlmError::Backend(_)
            | LocalLlmError::Load(_)
            | LocalLlmError::Template(_)
            | LocalLlmError::PromptTooLong => ProviderError::NotConfigured(e.to_string()),
        }
    }
}

/// Counters since the model was loaded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LocalLlmStats {
    /// Replies that ended with `stop` or `length`.
    pub completed: u64,
    /// Requests whose receiver went away before the reply was complete
    /// (waiting or generating).
    pub cancelled: u64,
    /// Requests that failed with an error.
    pub failed: u64,
    /// Requests refused as busy.
    pub rejected: u64,
    /// Tokens generated (not counting prompts).
    pub generated_tokens: u64,
}

/// What the caller side and the worker share.
#[derive(Debug, Default)]
struct Shared {
    /// Requests admitted and not yet finished: the running one and those waiting.
    admitted: AtomicUsize,
    completed: AtomicU64,
    cancelled: AtomicU64,
    failed: AtomicU64,
    rejected: AtomicU64,
    generated_tokens: AtomicU64,
}

/// A place in the worker's queue. It is given back once, by whichever comes
/// first: the worker finishing the request, or the receiver dropping its
/// stream (a request nobody waits for no longer holds a place, even before
/// the worker notices).
#[derive(Debug)]
struct Permit {
    shared: Arc<Shared>,
    released: AtomicBool,
}

impl Permit {
    fn release(&self) {
        if !self.released.swap(true, Ordering::SeqCst) {
            self.shared.admitted.fetch_sub(1, Ordering::SeqCst);
        }
    }
}

impl Drop for Permit {
    fn drop(&mut self) {
        self.release();
    }
}

/// Gives the place back when the reply's stream is dropped.
struct ReleaseOnDrop(Arc<Permit>);

impl Drop for ReleaseOnDrop {
    fn drop(&mut self) {
        self.0.release();
    }
}

/// One request for the worker.
struct Job {
    request: ChatRequest,
    tx: mpsc::Sender<Result<Chunk, ProviderError>>,
    permit: Arc<Permit>,
}

/// Chunks buffered between the worker and the receiver.
const CHANNEL_CAPACITY: usize = 32;

/// A GGUF model loaded in this process, answering one request at a time.
pub struct LocalLlm {
    model: String,
    context_tokens: u32,
    max_queue: usize,
    shared: Arc<Shared>,
    jobs: std::sync::mpsc::Sender<Job>,
}

impl std::fmt::Debug for LocalLlm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalLlm")
            .field("model", &self.model)
            .field("context_tokens", &self.context_tokens)
            .field("max_queue", &self.max_queue)
            .finish_non_exhaustive()
    }
}

impl LocalLlm {
    /// Loads the model and starts its worker thread. This reads the whole
    /// file (blocking): call it at start-up or from `spawn_blocking`.
    pub fn load(config: LocalLlmConfig) -> Result<LocalLlm, LocalLlmError> {
        let shared = Arc::new(Shared::default());
        let started = worker::start(&config, shared.clone())?;
        Ok(LocalLlm {
            model: started.model_name,
            context_tokens: started.context_tokens,
            max_queue: config.max_queue,
            shared,
            jobs: started.jobs,
        })
    }

    /// The model name: the GGUF file's stem.
    pub fn model(&self) -> &str {
        &self.model
    }

    /// The context window in use (the configured one, capped at the model's).
    pub fn context_tokens(&self) -> u32 {
        self.context_tokens
    }

    /// Counters since the model was loaded.
    pub fn stats(&self) -> LocalLlmStats {
        let s = &self.shared;
        LocalLlmStats {
            completed: s.completed.load(Ordering::SeqCst),
            cancelled: s.cancelled.load(Ordering::SeqCst),
            failed: s.failed.load(Ordering::SeqCst),
            rejected: s.rejected.load(Ordering::SeqCst),
            generated_tokens: s.generated_tokens.load(Ordering::SeqCst),
        }
    }

    /// A place for one more request, unless one runs and `max_queue` wait.
    fn admit(&self) -> Result<Arc<Permit>, LocalLlmError> {
        let limit = self.max_queue.saturating_add(1);
        match self
            .shared
            .admitted
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| {
                (n < limit).then_some(n + 1)
            }) {
            Ok(_) => Ok(Arc::new(Permit {
                shared: self.shared.clone(),
                released: AtomicBool::new(false),
            })),
            Err(_) => {
                self.shared.rejected.fetch_add(1, Ordering::SeqCst);
                Err(LocalLlmError::Busy {
                    waiting: self.max_queue,
                })
            }
        }
    }
}

#[async_trait]
impl ChatProvider for LocalLlm {
    fn name(&self) -> &str {
        PROVIDER_NAME
    }

    /// Queues the request (or refuses it at once when the queue is full) and
    /// returns the stream of its reply.
    async fn stream(&self, request: &ChatRequest) -> Result<ChunkStream, ProviderError> {
        let permit = self.admit()?;
        let (tx, rx) = mpsc::channel(CHANNEL_CAPACITY);
        let guard = ReleaseOnDrop(permit.clone());
        self.jobs
            .send(Job {
                request: request.clone(),
                tx,
                permit,
            })
            .map_err(|_| LocalLlmError::WorkerStopped)?;
        Ok(Box::pin(futures::stream::unfold(
            (rx, guard),
            |(mut rx, guard)| async move { rx.recv().await.map(|item| (item, (rx, guard))) },
        )))
    }
}
