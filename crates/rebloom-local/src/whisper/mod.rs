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
mod mel;

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, SyncSender, TrySendError, sync_channel};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use async_trait::async_trait;
use candle_core::{DType, Device, Tensor};
use candle_nn::VarBuilder;
use candle_transformers::models::whisper::{self as m, model::Whisper};
use rebloom_ai::ProviderError;
use rebloom_ai::stt::{Audio, SpeechToText};
use serde::Deserialize;
use tokio::sync::oneshot;

pub use audio::SUPPORTED as SUPPORTED_FORMATS;
use decode::{Decoder, Specials, Vocabulary};

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
    /// refused with [`WhisperError::Busy`].
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

/// The extras of a faster-whisper `config.json`.
#[derive(Debug, Default, Deserialize)]
struct Ct2Config {
    #[serde(default)]
    suppress_ids: Vec<u32>,
    #[serde(default)]
    suppress_ids_begin: Vec<u32>,
    #[serde(default)]
    lang_ids: Vec<u32>,
}

/// What every worker shares.
struct Shared {
    vocab: Vocabulary,
    specials: Specials,
    filters: Vec<f32>,
    suppress: Tensor,
    suppress_begin: Tensor,
    device: Device,
}

/// One worker's model (weights shared, caches its own).
struct Engine {
    model: Whisper,
    shared: Arc<Shared>,
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

fn read(path: &Path) -> Result<Vec<u8>, WhisperError> {
    std::fs::read(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => WhisperError::ModelMissing(path.to_owned()),
        _ => WhisperError::Model(format!("{}: {e}", path.display())),
    })
}

fn read_vocabulary(dir: &Path) -> Result<Vec<String>, WhisperError> {
    let txt = dir.join("vocabulary.txt");
    if txt.exists() {
        let text = String::from_utf8(read(&txt)?)
            .map_err(|_| WhisperError::Model("vocabulary.txt is not UTF-8".to_owned()))?;
        return Ok(text.lines().map(str::to_owned).collect());
    }
    let json = read(&dir.join("vocabulary.json"))?;
    serde_json::from_slice(&json).map_err(|e| WhisperError::Model(format!("vocabulary.json: {e}")))
}

fn load_engine(dir: &Path) -> Result<(Engine, bool), WhisperError> {
    let model_err = |e: candle_core::Error| WhisperError::Model(e.to_string());
    let bin = read(&dir.join("model.bin"))?;
    let extras: Ct2Config = serde_json::from_slice(&read(&dir.join("config.json"))?)
        .map_err(|e| WhisperError::Model(format!("config.json: {e}")))?;
    let vocab = Vocabulary::new(read_vocabulary(dir)?);
    let ct2 = ct2::Ct2Model::parse(&bin).map_err(WhisperError::Model)?;
    drop(bin);
    let config = ct2
        .config(extras.suppress_ids.clone())
        .map_err(WhisperError::Model)?;
    if vocab.len() != config.vocab_size {
        return Err(WhisperError::Model(format!(
            "the vocabulary has {} tokens, the model {}",
            vocab.len(),
            config.vocab_size
        )));
    }
    let device = Device::Cpu;
    let tensors = ct2
        .candle_tensors(&config, &device)
        .map_err(WhisperError::Model)?;
    drop(ct2);
    let vb = VarBuilder::from_tensors(tensors, DType::F32, &device);
    let model = Whisper::load(&vb, config.clone()).map_err(model_err)?;
    // Whisper's own rule: the multilingual vocabularies have 51865 tokens or
    // more, the English-only ones 51864.
    let multilingual = config.vocab_size >= 51_865;
    let specials =
        Specials::new(&vocab, &extras.lang_ids, multilingual).map_err(WhisperError::Model)?;
    // Every special token but end-of-text is kept out of the text, and so
    // are the model's non-speech tokens; a blank or end-of-text may not come
    // first.
    let eot = specials.eot;
    let blocked = |i: u32| i > eot || extras.suppress_ids.contains(&i);
    let suppress = decode::mask(config.vocab_size, blocked, &device).map_err(model_err)?;
    let suppress_begin = decode::mask(
        config.vocab_size,
        |i| blocked(i) || i == eot || extras.suppress_ids_begin.contains(&i),
        &device,
    )
    .map_err(model_err)?;
    let shared = Shared {
        vocab,
        specials,
        filters: mel::candle_filters(config.num_mel_bins),
        suppress,
        suppress_begin,
        device,
    };
    Ok((
        Engine {
            model,
            shared: Arc::new(shared),
        },
        multilingual,
    ))
}

/// Above this no-speech probability a window is dropped whatever was decoded.
const NO_SPEECH_CERTAIN: f64 = 0.8;
/// Whisper's limits for one window: 224 tokens of text (half the context).
const MAX_TOKENS: usize = 224;
const WINDOW: usize = m::N_SAMPLES;
/// How far back from a window's end to look for a quiet place to cut.
const CUT_SEARCH: usize = 5 * m::SAMPLE_RATE;

/// Splits audio longer than 30 s into windows of at most 30 s, cutting each
/// at the quietest 20 ms in its last five seconds so words are not split.
fn windows(pcm: &[f32]) -> Vec<&[f32]> {
    let mut out = Vec::new();
    let mut start = 0;
    while pcm.len() - start > WINDOW {
        let lo = start + WINDOW - CUT_SEARCH;
        let frame = m::SAMPLE_RATE / 50;
        let energy = |at: usize| pcm[at..at + frame].iter().map(|s| s * s).sum::<f32>();
        let quietest = (lo..start + WINDOW - frame)
            .step_by(frame / 2)
            .min_by(|&a, &b| energy(a).total_cmp(&energy(b)))
            .unwrap_or(lo);
        let cut = quietest + frame / 2;
        out.push(&pcm[start..cut]);
        start = cut;
    }
    out.push(&pcm[start..]);
    out
}

impl Engine {
    fn transcribe(
        &mut self,
        bytes: Vec<u8>,
        language: Option<&str>,
        max_seconds: u32,
    ) -> Result<String, WhisperError> {
        let (pcm, rate) = audio::decode(bytes, max_seconds)?;
        let pcm = audio::resample(&pcm, rate, audio::TARGET_RATE);
        let shared = Arc::clone(&self.shared);
        let config = self.model.config.clone();
        let err = |e: candle_core::Error| WhisperError::Inference(e.to_string());
        let mut decoder = Decoder {
            model: &mut self.model,
            specials: &shared.specials,
            suppress: &shared.suppress,
            suppress_begin: &shared.suppress_begin,
            max_tokens: MAX_TOKENS,
        };
        let hinted = language
            .and_then(|l| l.split(['-', '_']).next())
            .map(str::to_ascii_lowercase)
            .and_then(|code| {
                shared
                    .specials
                    .languages
                    .iter()
                    .find(|(c, _)| *c == code)
                    .map(|&(_, id)| id)
            });
        let mut language = hinted;
        let mut parts = Vec::new();
        for (i, window) in windows(&pcm).into_iter().enumerate() {
            let mel = mel::log_mel(&config, &shared.filters, window);
            let features =
                Tensor::from_vec(mel, (1, config.num_mel_bins, m::N_FRAMES), &shared.device)
                    .map_err(err)?;
            let encoded = decoder.encode(&features).map_err(err)?;
            if i == 0 && language.is_none() {
                language = decoder
                    .detect_language(&encoded, &shared.device)
                    .map_err(err)?;
            }
            let result = decoder
                .run(&encoded, language, &shared.device)
                .map_err(err)?;
            tracing::trace!(
                window = i,
                no_speech = result.no_speech,
                avg_logprob = result.avg_logprob,
                "window decoded"
            );
            // Whisper's rule for a window with nothing said (the model thinks
            // so and is unsure of its words), and one for silence and hum,
            // where tiny models confidently hear "you": the model is all but
            // sure no one spoke. Speech scored at most 0.36 here, one-word
            // answers included.
            let no_speech = f64::from(result.no_speech);
            if (no_speech > m::NO_SPEECH_THRESHOLD
                && f64::from(result.avg_logprob) < m::LOGPROB_THRESHOLD)
                || no_speech > NO_SPEECH_CERTAIN
            {
                continue;
            }
            if result.looped {
                tracing::debug!(window = i, "cut a repetition loop");
            }
            let text = shared.vocab.decode(&result.tokens, shared.specials.eot);
            let text = text.trim();
            if !text.is_empty() {
                parts.push(text.to_owned());
            }
        }
        Ok(parts.join(" "))
    }
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
    fn short_audio_is_one_window() {
        let pcm = vec![0.1f32; 10 * m::SAMPLE_RATE];
        let w = windows(&pcm);
        assert_eq!(w.len(), 1);
        assert_eq!(w[0].len(), pcm.len());
    }

    #[test]
    fn long_audio_is_cut_in_its_quiet_places() {
        // 70 s of sound with a quiet stretch at 27.5 s and at 55 s.
        let rate = m::SAMPLE_RATE;
        let mut pcm: Vec<f32> = (0..70 * rate)
            .map(|i| ((i % 50) as f32 / 50.0) - 0.5)
            .collect();
        for quiet in [27 * rate + rate / 2, 55 * rate] {
            pcm[quiet..quiet + rate / 10].fill(0.0);
        }
        let w = windows(&pcm);
        assert_eq!(w.iter().map(|w| w.len()).sum::<usize>(), pcm.len());
        assert_eq!(w.len(), 3);
        assert!(w.iter().all(|w| w.len() <= WINDOW));
        let first_cut = w[0].len();
        assert!(
            (27 * rate + rate / 2..27 * rate + rate / 2 + rate / 10).contains(&first_cut),
            "{first_cut}"
        );
        let second_cut = first_cut + w[1].len();
        assert!(
            (55 * rate..55 * rate + rate / 10).contains(&second_cut),
            "{second_cut}"
        );
    }

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
