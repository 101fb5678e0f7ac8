//! The worker thread: owns the model, takes one job at a time, builds the
//! prompt, decodes it and streams the reply.

use std::num::NonZeroU32;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::Ordering;
use std::sync::{Arc, OnceLock, mpsc as std_mpsc};
use std::time::Instant;

use llama_cpp_2::context::LlamaContext;
use llama_cpp_2::context::params::LlamaContextParams;
use llama_cpp_2::llama_backend::LlamaBackend;
use llama_cpp_2::llama_batch::LlamaBatch;
use llama_cpp_2::model::params::LlamaModelParams;
use llama_cpp_2::model::{LlamaChatMessage, LlamaChatTemplate, LlamaModel};
use llama_cpp_2::sampling::LlamaSampler;
use llama_cpp_2::token::LlamaToken;
use llama_cpp_2::{ChatTemplateError, LogOptions, send_logs_to_tracing};
use rebloom_ai::{ChatMessage, ChatRole, Chunk, Finish};

use crate::prompt::{self, Measure};
use crate::utf8::Utf8Stream;
use crate::{DEFAULT_MAX_TOKENS, Job, LocalLlmConfig, LocalLlmError, PROVIDER_NAME, Shared};

/// Prompt tokens decoded per call (the receiver is checked between calls).
const BATCH: usize = 512;
/// The smallest context worth running.
const MIN_CONTEXT: u32 = 256;
/// Nucleus sampling's probability mass.
const TOP_P: f32 = 0.9;
/// llama.cpp's "pick a random seed".
const RANDOM_SEED: u32 = u32::MAX;
/// A message longer than this many bytes per context token cannot fit:
/// only its end is tokenized.
const MAX_BYTES_PER_TOKEN: usize = 32;

/// llama.cpp's backend, initialised once per process, with its log silenced
/// (its messages go nowhere rather than to stderr).
fn backend() -> Result<&'static LlamaBackend, LocalLlmError> {
    static BACKEND: OnceLock<Result<LlamaBackend, String>> = OnceLock::new();
    BACKEND
        .get_or_init(|| {
            send_logs_to_tracing(LogOptions::default().with_logs_enabled(false));
            let mut backend = LlamaBackend::init().map_err(|e| e.to_string())?;
            backend.void_logs();
            Ok(backend)
        })
        .as_ref()
        .map_err(|e| LocalLlmError::Backend(e.clone()))
}

pub(crate) struct Started {
    pub model_name: String,
    pub context_tokens: u32,
    pub jobs: std_mpsc::Sender<Job>,
}

/// Loads the model and starts the worker thread.
pub(crate) fn start(
    config: &LocalLlmConfig,
    shared: Arc<Shared>,
) -> Result<Started, LocalLlmError> {
    if config.context_tokens < MIN_CONTEXT {
        return Err(LocalLlmError::Config(format!(
            "context_tokens must be at least {MIN_CONTEXT}"
        )));
    }
    if !(1..=64).contains(&config.threads) {
        return Err(LocalLlmError::Config("threads must be 1 to 64".into()));
    }
    let path = &config.model_path;
    if !path.is_file() {
        return Err(LocalLlmError::ModelMissing(path.clone()));
    }
    let model_name = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "local".into());
    let backend = backend()?;
    let started = Instant::now();
    let model = LlamaModel::load_from_file(backend, path, &LlamaModelParams::default())
        .map_err(|e| LocalLlmError::Load(format!("{}: {e}", path.display())))?;
    let template = match model.chat_template(None) {
        Ok(template) => template,
        Err(ChatTemplateError::MissingTemplate) => {
            tracing::info!(model = %model_name, "the model has no chat template; using ChatML");
            LlamaChatTemplate::new("chatml").map_err(|e| LocalLlmError::Template(e.to_string()))?
        }
        Err(e) => return Err(LocalLlmError::Template(e.to_string())),
    };
    let trained = model.n_ctx_train();
    let context_tokens = if trained > 0 {
        config.context_tokens.min(trained)
    } else {
        config.context_tokens
    };
    let vocab = model.vocab();
    let control_texts: Vec<String> = vocab
        .tokens()
        .filter(|&t| vocab.is_control(t) || vocab.is_eog(t))
        .filter_map(|t| vocab.text(t).map(|s| s.to_string_lossy().into_owned()))
        .filter(|s| s.chars().count() > 1)
        .collect();
    let engine = Engine {
        backend,
        model,
        template,
        control_texts,
        context_tokens,
        threads: config.threads,
        seed: config.seed,
        max_reply_tokens: config.max_reply_tokens.max(1),
        model_name: model_name.clone(),
        shared,
    };
    // The template must render a conversation, or every request would fail.
    let probe = [
        ChatMessage::new(ChatRole::System, "s"),
        ChatMessage::new(ChatRole::User, "u"),
    ];
    engine.measure().prompt(&probe)?;
    tracing::info!(
        model = %model_name,
        context_tokens,
        threads = config.threads,
        load_ms = started.elapsed().as_millis() as u64,
        "local model loaded"
    );
    let (jobs, queue) = std_mpsc::channel();
    std::thread::Builder::new()
        .name(format!("llm-{model_name}"))
        .spawn(move || engine.run(&queue))
        .map_err(|e| LocalLlmError::Backend(format!("could not start the worker thread: {e}")))?;
    Ok(Started {
        model_name,
        context_tokens,
        jobs,
    })
}

struct Engine {
    backend: &'static LlamaBackend,
    model: LlamaModel,
    template: LlamaChatTemplate,
    /// Texts of control tokens (`<|im_start|>`, …), removed from messages.
    control_texts: Vec<String>,
    context_tokens: u32,
    threads: u32,
    seed: Option<u32>,
    max_reply_tokens: u32,
    model_name: String,
    shared: Arc<Shared>,
}

enum Outcome {
    Finished {
        reason: &'static str,
    },
    /// The receiver went away.
    Cancelled,
}

/// Facts about one generation, for the log (no text).
#[derive(Default)]
struct Report {
    prompt_tokens: usize,
    dropped: usize,
    truncated: bool,
    generated: u64,
}

impl Engine {
    fn measure(&self) -> ModelMeasure<'_> {
        ModelMeasure {
            model: &self.model,
            template: &self.template,
        }
    }

    /// Takes jobs until every sender is gone (the [`crate::LocalLlm`] was dropped).
    fn run(&self, queue: &std_mpsc::Receiver<Job>) {
        while let Ok(job) = queue.recv() {
            let Job {
                request,
                tx,
                permit,
            } = job;
            if tx.is_closed() {
                // Given up while waiting.
                self.shared.cancelled.fetch_add(1, Ordering::SeqCst);
                continue;
            }
            let started = Instant::now();
            let mut report = Report::default();
            let result = catch_unwind(AssertUnwindSafe(|| {
                self.generate(&request, &tx, &mut report)
            }))
            .unwrap_or_else(|_| {
                Err(LocalLlmError::Inference(
                    "llama.cpp wrapper panicked".into(),
                ))
            });
            let elapsed_ms = started.elapsed().as_millis() as u64;
            let last = match result {
                Ok(Outcome::Finished { reason }) => {
                    self.shared.completed.fetch_add(1, Ordering::SeqCst);
                    tracing::debug!(
                        prompt_tokens = report.prompt_tokens,
                        dropped_messages = report.dropped,
                        truncated = report.truncated,
                        generated_tokens = report.generated,
                        reason,
                        elapsed_ms,
                        "local generation finished"
                    );
                    Some(Ok(Chunk::Done(Finish {
                        provider: PROVIDER_NAME.to_owned(),
                        model: self.model_name.clone(),
                        reason: reason.to_owned(),
                    })))
                }
                Ok(Outcome::Cancelled) => {
                    self.shared.cancelled.fetch_add(1, Ordering::SeqCst);
                    tracing::debug!(
                        generated_tokens = report.generated,
                        elapsed_ms,
                        "local generation cancelled"
                    );
                    None
                }
                Err(e) => {
                    self.shared.failed.fetch_add(1, Ordering::SeqCst);
                    tracing::warn!(error = %e, elapsed_ms, "local generation failed");
                    Some(Err(e.into()))
                }
            };
            // Free the place first, so whoever reads the last chunk can
            // send the next request without meeting a full queue.
            permit.release();
            if let Some(last) = last {
                let _ = tx.blocking_send(last);
            }
        }
    }

    fn generate(
        &self,
        request: &rebloom_ai::ChatRequest,
        tx: &tokio::sync::mpsc::Sender<Result<Chunk, rebloom_ai::ProviderError>>,
        report: &mut Report,
    ) -> Result<Outcome, LocalLlmError> {
        let context = self.context_tokens as usize;
        let max_new = match request.max_tokens {
            0 => DEFAULT_MAX_TOKENS,
            n => n,
        }
        .min(self.max_reply_tokens) as usize;
        // Leave at least half of the window to the prompt.
        let max_new = max_new.min(context / 2);
        let max_bytes = context.saturating_mul(MAX_BYTES_PER_TOKEN);
        let clean = |text: &str| prompt::sanitize(text, &self.control_texts, max_bytes);
        let system = (!request.system.trim().is_empty())
            .then(|| ChatMessage::new(ChatRole::System, clean(&request.system)));
        let messages: Vec<ChatMessage> = request
            .messages
            .iter()
            .map(|m| ChatMessage::new(m.role, clean(&m.content)))
            .collect();
        let measure = self.measure();
        let (kept, trim) = prompt::fit(system, &messages, context - max_new, &measure)?;
        report.dropped = trim.dropped;
        report.truncated = trim.truncated;
        let tokens = measure.prompt(&kept)?;
        report.prompt_tokens = tokens.len();
        if tokens.is_empty() {
            return Err(LocalLlmError::Template("the prompt is empty".into()));
        }
        if tx.is_closed() {
            return Ok(Outcome::Cancelled);
        }

        let params = LlamaContextParams::default()
            .with_n_ctx(NonZeroU32::new(self.context_tokens))
            .with_n_batch(BATCH as u32)
            .with_n_threads(self.threads as i32)
            .with_n_threads_batch(self.threads as i32);
        let mut ctx = self
            .model
            .new_context(self.backend, params)
            .map_err(|e| inference("creating a context", e))?;
        let mut batch = LlamaBatch::new(BATCH, 1);
        let last = tokens.len().saturating_sub(1);
        for (i, piece) in tokens.chunks(BATCH).enumerate() {
            batch.clear();
            for (j, &token) in piece.iter().enumerate() {
                let at = i * BATCH + j;
                batch
                    .add(token, position(at)?, &[0], at == last)
                    .map_err(|e| inference("batching the prompt", e))?;
            }
            decode(&mut ctx, &mut batch)?;
            if tx.is_closed() {
                return Ok(Outcome::Cancelled);
            }
        }

        let vocab = self.model.vocab();
        let mut sampler = sampler(request.temperature, self.seed);
        let mut text = Utf8Stream::default();
        let mut at = tokens.len();
        let reason = loop {
            let token = sampler.sample(&ctx, batch.n_tokens() - 1);
            if vocab.is_eog(token) {
                break "stop";
            }
            report.generated += 1;
            self.shared.generated_tokens.fetch_add(1, Ordering::SeqCst);
            let piece = text.push(&vocab.token_to_piece(token, false, None));
            let gone = if piece.is_empty() {
                tx.is_closed()
            } else {
                tx.blocking_send(Ok(Chunk::Delta(piece))).is_err()
            };
            if gone {
                return Ok(Outcome::Cancelled);
            }
            if report.generated as usize >= max_new {
                break "length";
            }
            batch.clear();
            batch
                .add(token, position(at)?, &[0], true)
                .map_err(|e| inference("batching a token", e))?;
            at += 1;
            decode(&mut ctx, &mut batch)?;
        };
        let rest = text.finish();
        if !rest.is_empty() && tx.blocking_send(Ok(Chunk::Delta(rest))).is_err() {
            return Ok(Outcome::Cancelled);
        }
        Ok(Outcome::Finished { reason })
    }
}

fn inference(what: &str, e: impl std::fmt::Display) -> LocalLlmError {
    LocalLlmError::Inference(format!("{what}: {e}"))
}

fn position(at: usize) -> Result<i32, LocalLlmError> {
    i32::try_from(at).map_err(|_| LocalLlmError::Inference("position out of range".into()))
}

fn decode(ctx: &mut LlamaContext<'_>, batch: &mut LlamaBatch<'_>) -> Result<(), LocalLlmError> {
    ctx.decode(batch).map_err(|e| inference("decoding", e))
}

/// Greedy at temperature 0; otherwise top-p 0.9, then temperature, then a
/// seeded draw.
fn sampler(temperature: f32, seed: Option<u32>) -> LlamaSampler {
    if temperature.is_nan() || temperature <= 0.0 {
        return LlamaSampler::greedy();
    }
    LlamaSampler::chain_simple([
        LlamaSampler::top_p(TOP_P, 1),
        LlamaSampler::temp(temperature.min(2.0)),
        LlamaSampler::dist(seed.unwrap_or(RANDOM_SEED)),
    ])
}

/// The model's tokenizer and chat template.
struct ModelMeasure<'a> {
    model: &'a LlamaModel,
    template: &'a LlamaChatTemplate,
}

impl ModelMeasure<'_> {
    /// The prompt's tokens: the messages through the chat template, ending
    /// with the opening of the assistant's turn.
    fn prompt(&self, messages: &[ChatMessage]) -> Result<Vec<LlamaToken>, LocalLlmError> {
        let chat = messages
            .iter()
            .map(|m| {
                let role = match m.role {
                    ChatRole::System => "system",
                    ChatRole::User => "user",
                    ChatRole::Assistant => "assistant",
                };
                LlamaChatMessage::new(role.to_owned(), m.content.clone())
            })
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| LocalLlmError::Template(e.to_string()))?;
        let text = self
            .model
            .apply_chat_template(self.template, &chat, true)
            .map_err(|e| LocalLlmError::Template(e.to_string()))?;
        let vocab = self.model.vocab();
        let mut tokens = vocab.tokenize(text.as_bytes(), true, true);
        // A template that writes its own BOS, plus the tokenizer's.
        let bos = vocab.bos();
        if tokens.len() >= 2 && tokens[0] == bos && tokens[1] == bos {
            tokens.remove(0);
        }
        Ok(tokens)
    }

    fn plain_tokens(&self, text: &str) -> Vec<LlamaToken> {
        self.model.vocab().tokenize(text.as_bytes(), false, false)
    }
}

impl Measure for ModelMeasure<'_> {
    fn prompt_tokens(&self, messages: &[ChatMessage]) -> Result<usize, LocalLlmError> {
        Ok(self.prompt(messages)?.len())
    }

    fn text_tokens(&self, text: &str) -> usize {
        self.plain_tokens(text).len()
    }

    fn keep_last(&self, text: &str, n: usize) -> String {
        if n == 0 {
            return String::new();
        }
        let tokens = self.plain_tokens(text);
        let tail = &tokens[tokens.len().saturating_sub(n)..];
        let bytes = self.model.vocab().detokenize(tail, false, false);
        // The cut may split a character; drop its remains.
        String::from_utf8_lossy(&bytes)
            .trim_start_matches(char::REPLACEMENT_CHARACTER)
            .to_owned()
    }
}
