//! Local speech-to-text: Whisper run in-process with candle, read straight
//! from a faster-whisper (CTranslate2) model folder.
//!
//! [`LocalWhisper::load`] takes a folder holding `model.bin`, `config.json`
//! and `vocabulary.txt` (as `scripts/models.sh` lays out
//! `models/whisper-tiny.en/`). Inference runs on dedicated worker threads
//! behind a bounded queue: a full queue answers [`WhisperError::Busy`] at
//! once instead of piling up work, and the async runtime never waits on the
//! model. Transcripts and audio never reach the logs.

mod audio;
mod ct2;
mod decode;
mod engine;
mod mel;

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, SyncSender, TrySendError, sync_channel};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use async_trait::async_trait;
use rebloom_ai::ProviderError;
use rebloom_ai::stt::{Audio, SpeechToText};
use tokio::sync::oneshot;

pub use audio::SUPPORTED as SUPPORTED_FORMATS;
use engine::{Engine, load_engine};

/// Why a model did not load or a recording was not transcribed.
#[derive(Debug, thiserror::Error)]
pub enum WhisperError {
    #[error("no Whisper model at {0} (run scripts/models.sh)")]
    ModelMissing(PathBuf),
    #[error("the Whisper model could not be loaded: {0}")]
    Model(String),
    #[error("{0}")]
    UnsupportedFormat(String),
    #[error("the audio could not be decoded: {0}")]
    InvalidAudio(String),
    #[error("the recording holds no audio")]
    Empty,
    #[error("the recording is longer than {limit_seconds} seconds")]
    TooLong { limit_seconds: u32 },
    #[error("speech-to-text is busy; try again shortly")]
    Busy,
    #[error("speech-to-text has stopped")]
    Stopped,
    #[error("transcription failed: {0}")]
    Inference(String),
}

impl WhisperError {
    /// The HTTP status a server should answer with.
    pub fn http_status(&self) -> u16 {
        match self {
            WhisperError::UnsupportedFormat(_) => 415,
            WhisperError::TooLong { .. } => 413,
            WhisperError::InvalidAudio(_) | WhisperError::Empty => 422,
            WhisperError::Busy
            | WhisperError::Stopped
            | WhisperError::ModelMissing(_)
            | WhisperError::Model(_) => 503,
            WhisperError::Inference(_) => 500,
        }
    }
}

/// Carried as [`ProviderError::Http`] with [`WhisperError::http_status`], so
/// callers of the [`SpeechToText`] trait can tell a bad upload (415, 413,
/// 422) from a busy or broken engine (503, 500).
impl From<WhisperError> for ProviderError {
    fn from(e: WhisperError) -> ProviderError {
        ProviderError::Http {
            status: e.http_status(),
            message: e.to_string(),
        }
    }
}

/// Limits and threads.
#[derive(Debug, Clone)]
pub struct WhisperOptions {
    /// Longest recording accepted, in seconds.
    pub max_seconds: u32,
    /// Recordings that may wait while every worker is busy; one more is
    /// refused with [`WhisperError::Busy`]. With 0, a recording is taken only
    /// when a worker is idle.
    pub queue: usize,
    /// Worker threads, each with its own decoder state over shared weights.
    /// One suits a small machine: candle already spreads each matrix product
    /// over the cores.
    pub workers: usize,
}

impl Default for WhisperOptions {
    fn default() -> Self {
        WhisperOptions {
            max_seconds: 300,
            queue: 4,
            workers: 1,
        }
    }
}

struct Job {
    bytes: Vec<u8>,
    language: Option<String>,
    max_seconds: u32,
    reply: oneshot::Sender<Result<String, WhisperError>>,
}

/// Whisper on this machine's CPU. Cheap to share behind an `Arc`; dropping
/// it lets the workers finish their current job and stop.
pub struct LocalWhisper {
    name: String,
    multilingual: bool,
    max_seconds: u32,
    jobs: SyncSender<Job>,
}

fn work(mut engine: Engine, jobs: Arc<Mutex<Receiver<Job>>>) {
    loop {
        let next = match jobs.lock() {
            Ok(rx) => rx.recv(),
            Err(_) => return,
        };
        let Ok(job) = next else { return };
        if job.reply.is_closed() {
            continue; // the caller has gone
        }
        let started = Instant::now();
        let bytes = job.bytes.len();
        let result = catch_unwind(AssertUnwindSafe(|| {
            engine.transcribe(job.bytes, job.language.as_deref(), job.max_seconds)
        }))
        .unwrap_or_else(|_| Err(WhisperError::Inference("the decoder panicked".to_owned())));
        tracing::debug!(
            bytes,
            elapsed_ms = started.elapsed().as_millis() as u64,
            ok = result.is_ok(),
            "local whisper job"
        );
        let _ = job.reply.send(result);
    }
}

impl LocalWhisper {
    /// Loads the model in `dir` with [`WhisperOptions::default`].
    pub fn load(dir: &Path) -> Result<LocalWhisper, WhisperError> {
        LocalWhisper::load_with(dir, WhisperOptions::default())
    }

    pub fn load_with(dir: &Path, options: WhisperOptions) -> Result<LocalWhisper, WhisperError> {
        let (engine, multilingual) = load_engine(dir)?;
        let (tx, rx) = sync_channel(options.queue);
        let rx = Arc::new(Mutex::new(rx));
        let workers = options.workers.max(1);
        let mut engine = Some(engine);
        for i in 0..workers {
            let this = match (i + 1 == workers, engine.as_ref()) {
                (true, _) => engine.take(),
                (false, Some(e)) => Some(Engine {
                    model: e.model.clone(),
                    shared: Arc::clone(&e.shared),
                }),
                (false, None) => None,
            };
            let Some(this) = this else { break };
            let rx = Arc::clone(&rx);
            std::thread::Builder::new()
                .name(format!("whisper-{i}"))
                .spawn(move || work(this, rx))
                .map_err(|e| WhisperError::Model(format!("could not start a worker: {e}")))?;
        }
        let folder = dir
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("whisper");
        Ok(LocalWhisper {
            name: format!("local-{folder}"),
            multilingual,
            max_seconds: options.max_seconds,
            jobs: tx,
        })
    }

    /// Whether the model knows languages other than English (and so heeds
    /// a language hint).
    pub fn is_multilingual(&self) -> bool {
        self.multilingual
    }

    /// Transcribes a recording in any of [`SUPPORTED_FORMATS`]. The
    /// `language` hint (ISO 639-1) is used by multilingual models only.
    pub async fn transcribe_bytes(
        &self,
        bytes: Vec<u8>,
        language: Option<&str>,
    ) -> Result<String, WhisperError> {
        if bytes.is_empty() {
            return Err(WhisperError::Empty);
        }
        let (reply, answer) = oneshot::channel();
        let job = Job {
            bytes,
            language: language.filter(|_| self.multilingual).map(str::to_owned),
            max_seconds: self.max_seconds,
            reply,
        };
        self.jobs.try_send(job).map_err(|e| match e {
            TrySendError::Full(_) => WhisperError::Busy,
            TrySendError::Disconnected(_) => WhisperError::Stopped,
        })?;
        answer.await.map_err(|_| WhisperError::Stopped)?
    }
}

#[async_trait]
impl SpeechToText for LocalWhisper {
    fn name(&self) -> &str {
        &self.name
    }

    async fn transcribe(&self, audio: Audio<'_>) -> Result<String, ProviderError> {
        self.transcribe_bytes(audio.bytes.to_vec(), audio.language)
            .await
            .map_err(ProviderError::from)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    #[test]
    fn errors_carry_the_status_a_server_needs() {
        let e: ProviderError = WhisperError::UnsupportedFormat("webm".to_owned()).into();
        assert!(matches!(e, ProviderError::Http { status: 415, .. }));
        assert_eq!(
            WhisperError::TooLong { limit_seconds: 300 }.http_status(),
            413
        );
        assert_eq!(WhisperError::Busy.http_status(), 503);
        assert!(
            WhisperError::ModelMissing(PathBuf::from("m"))
                .to_string()
                .contains("run scripts/models.sh")
        );
    }
}
