//! Local sentence embeddings: all-MiniLM-L6-v2 (384 dimensions) run
//! in-process with candle, as `sentence-transformers` runs it: WordPiece
//! tokens (at most [`MAX_TOKENS`], special tokens included), the BERT
//! encoder, the mean of the token vectors under the attention mask, then
//! L2 normalisation.
//!
//! The packaged `tokenizer.json` pads every input to 128 tokens. That padding
//! is switched off here: a batch is padded to its longest input and the
//! attention mask keeps the padding out of both attention and the mean, so a
//! text gets the same vector alone or in any batch.
//!
//! Inference runs on one dedicated thread fed by a bounded queue, never on
//! the async runtime. Concurrent callers' texts are coalesced: the worker
//! takes every request waiting in the queue (up to [`COALESCE_TEXTS`] texts),
//! sorts the texts by length and runs them in batches of up to [`BATCH`] texts
//! of similar lengths, so little time goes on padding. Callers wait when the
//! queue is full.

use std::path::{Path, PathBuf};

use async_trait::async_trait;
use candle_core::{DType, Device, Tensor};
use candle_nn::VarBuilder;
use candle_transformers::models::bert::{BertModel, Config};
use rebloom_ai::ProviderError;
use rebloom_ai::embed::Embedder;
use tokenizers::{Tokenizer, TruncationDirection, TruncationParams, TruncationStrategy};
use tokio::sync::{mpsc, oneshot};

/// The model's folder name under the models directory.
pub const MODEL_DIR: &str = "all-MiniLM-L6-v2";
/// Longest input in tokens, `[CLS]` and `[SEP]` included; the rest is cut off.
pub const MAX_TOKENS: usize = 256;
/// Most texts in one forward pass.
pub const BATCH: usize = 32;
/// Most texts the worker takes from the queue at once.
pub const COALESCE_TEXTS: usize = 256;
/// Longest text in a forward pass relative to its shortest (see [`similar_lengths`]).
const PAD_RATIO: f32 = 1.5;
/// Requests that may wait in the queue before callers wait to enqueue.
const QUEUE: usize = 64;

/// Why the model could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("{} is missing: run scripts/models.sh", .0.display())]
    Missing(PathBuf),
    #[error("could not read {}: {message}", .path.display())]
    Read { path: PathBuf, message: String },
    #[error("invalid model config: {0}")]
    Config(String),
    #[error("invalid tokenizer: {0}")]
    Tokenizer(String),
    #[error("invalid model weights: {0}")]
    Weights(String),
    #[error("could not start the embedding worker: {0}")]
    Worker(String),
}

/// all-MiniLM-L6-v2 on the CPU, behind a worker thread.
#[derive(Debug, Clone)]
pub struct LocalEmbedder {
    queue: mpsc::Sender<Job>,
    dimensions: usize,
}

struct Job {
    texts: Vec<String>,
    reply: oneshot::Sender<Result<Vec<Vec<f32>>, String>>,
}

impl LocalEmbedder {
    /// Loads the model from `dir` (holding `model.safetensors`,
    /// `tokenizer.json` and `config.json`) and starts its worker thread.
    /// Reads about 90 MB: call it at start-up or from a blocking task.
    pub fn load(dir: &Path) -> Result<LocalEmbedder, LoadError> {
        let model = Model::load(dir)?;
        let dimensions = model.dimensions;
        let (queue, jobs) = mpsc::channel(QUEUE);
        std::thread::Builder::new()
            .name("embed-worker".into())
            .spawn(move || work(&model, jobs))
            .map_err(|e| LoadError::Worker(e.to_string()))?;
        Ok(LocalEmbedder { queue, dimensions })
    }
}

#[async_trait]
impl Embedder for LocalEmbedder {
    fn name(&self) -> &str {
        MODEL_DIR
    }

    fn dimensions(&self) -> usize {
        self.dimensions
    }

    async fn embed(&self, texts: &[String]) -> Result<Vec<Vec<f32>>, ProviderError> {
        if texts.is_empty() {
            return Ok(Vec::new());
        }
        let stopped = || ProviderError::Local("the embedding worker has stopped".into());
        let (reply, answer) = oneshot::channel();
        self.queue
            .send(Job {
                texts: texts.to_vec(),
                reply,
            })
            .await
            .map_err(|_| stopped())?;
        answer
            .await
            .map_err(|_| stopped())?
            .map_err(ProviderError::Local)
    }
}

/// Splits indices sorted by length into forward passes of at most [`BATCH`]
/// texts whose longest is at most [`PAD_RATIO`] times (plus 8 tokens) their
/// shortest, so short texts are not padded to a long one's length.
fn similar_lengths(sorted: &[usize], len: impl Fn(usize) -> usize) -> Vec<&[usize]> {
    let mut out = Vec::new();
    let mut start = 0;
    for end in 1..=sorted.len() {
        let full = end - start == BATCH;
        let too_long = end < sorted.len()
            && len(sorted[end]) as f32 > len(sorted[start]) as f32 * PAD_RATIO + 8.0;
        if end == sorted.len() || full || too_long {
            out.push(&sorted[start..end]);
            start = end;
        }
    }
    out
}

/// Serves jobs until every [`LocalEmbedder`] handle is gone.
fn work(model: &Model, mut jobs: mpsc::Receiver<Job>) {
    while let Some(first) = jobs.blocking_recv() {
        let mut batch = vec![first];
        let mut count = batch[0].texts.len();
        while count < COALESCE_TEXTS {
            match jobs.try_recv() {
                Ok(job) => {
                    count += job.texts.len();
                    batch.push(job);
                }
                Err(_) => break,
            }
        }
        // Callers who gave up need no answer.
        batch.retain(|job| !job.reply.is_closed());
        let texts: Vec<&str> = batch
            .iter()
            .flat_map(|job| job.texts.iter().map(String::as_str))
            .collect();
        match model.embed(&texts) {
            Ok(vectors) => {
                let mut vectors = vectors.into_iter();
                for job in batch {
                    let mine: Vec<Vec<f32>> = vectors.by_ref().take(job.texts.len()).collect();
                    let _ = job.reply.send(Ok(mine));
                }
            }
            Err(message) => {
                tracing::warn!(texts = texts.len(), error = %message, "local embedding failed");
                for job in batch {
                    let _ = job.reply.send(Err(message.clone()));
                }
            }
        }
    }
}

struct Model {
    bert: BertModel,
    tokenizer: Tokenizer,
    device: Device,
    dimensions: usize,
    pad_id: u32,
}

fn read(path: &Path) -> Result<Vec<u8>, LoadError> {
    std::fs::read(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => LoadError::Missing(path.to_owned()),
        _ => LoadError::Read {
            path: path.to_owned(),
            message: e.to_string(),
        },
    })
}

impl Model {
    fn load(dir: &Path) -> Result<Model, LoadError> {
        if !dir.is_dir() {
            return Err(LoadError::Missing(dir.to_owned()));
        }
        let config: Config = serde_json::from_slice(&read(&dir.join("config.json"))?)
            .map_err(|e| LoadError::Config(e.to_string()))?;
        let mut tokenizer = Tokenizer::from_bytes(read(&dir.join("tokenizer.json"))?)
            .map_err(|e| LoadError::Tokenizer(e.to_string()))?;
        tokenizer.with_padding(None);
        tokenizer
            .with_truncation(Some(TruncationParams {
                direction: TruncationDirection::Right,
                max_length: MAX_TOKENS,
                strategy: TruncationStrategy::LongestFirst,
                stride: 0,
            }))
            .map_err(|e| LoadError::Tokenizer(e.to_string()))?;
        let pad_id = tokenizer.token_to_id("[PAD]").unwrap_or(0);
        let device = Device::Cpu;
        let weights = read(&dir.join("model.safetensors"))?;
        let vb = VarBuilder::from_buffered_safetensors(weights, DType::F32, &device)
            .map_err(|e| LoadError::Weights(e.to_string()))?;
        let bert = BertModel::load(vb, &config).map_err(|e| LoadError::Weights(e.to_string()))?;
        Ok(Model {
            bert,
            tokenizer,
            device,
            dimensions: config.hidden_size,
            pad_id,
        })
    }

    /// Vectors for `texts` in order: shortest texts batched together.
    fn embed(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, String> {
        let mut tokens = Vec::with_capacity(texts.len());
        for text in texts {
            let encoding = self
                .tokenizer
                .encode(*text, true)
                .map_err(|e| format!("tokenizer: {e}"))?;
            tokens.push(encoding.get_ids().to_vec());
        }
        let mut order: Vec<usize> = (0..texts.len()).collect();
        order.sort_by_key(|&i| tokens[i].len());
        let mut out: Vec<Vec<f32>> = vec![Vec::new(); texts.len()];
        for chunk in similar_lengths(&order, |i| tokens[i].len()) {
            let batch: Vec<&[u32]> = chunk.iter().map(|&i| tokens[i].as_slice()).collect();
            let vectors = self.forward(&batch).map_err(|e| e.to_string())?;
            for (&i, v) in chunk.iter().zip(vectors) {
                out[i] = v;
            }
        }
        Ok(out)
    }

    /// One forward pass: pad to the longest, mean-pool under the mask, normalise.
    fn forward(&self, batch: &[&[u32]]) -> candle_core::Result<Vec<Vec<f32>>> {
        let n = batch.len();
        let longest = batch.iter().map(|t| t.len()).max().unwrap_or(0).max(1);
        let mut ids = Vec::with_capacity(n * longest);
        let mut mask = Vec::with_capacity(n * longest);
        for tokens in batch {
            ids.extend_from_slice(tokens);
            ids.extend(std::iter::repeat_n(self.pad_id, longest - tokens.len()));
            mask.extend(std::iter::repeat_n(1u32, tokens.len()));
            mask.extend(std::iter::repeat_n(0u32, longest - tokens.len()));
        }
        let ids = Tensor::from_vec(ids, (n, longest), &self.device)?;
        let mask = Tensor::from_vec(mask, (n, longest), &self.device)?;
        let types = ids.zeros_like()?;
        let hidden = self.bert.forward(&ids, &types, Some(&mask))?;
        let mask = mask.to_dtype(DType::F32)?.unsqueeze(2)?;
        let summed = hidden.broadcast_mul(&mask)?.sum(1)?;
        let counts = mask.sum(1)?.clamp(1e-9, f32::MAX)?;
        let mean = summed.broadcast_div(&counts)?;
        let norms = mean.sqr()?.sum_keepdim(1)?.sqrt()?.clamp(1e-12, f32::MAX)?;
        mean.broadcast_div(&norms)?.to_vec2::<f32>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batches_group_similar_lengths() {
        let lens = [3usize, 4, 5, 12, 13, 40, 41];
        let order: Vec<usize> = (0..lens.len()).collect();
        let groups = similar_lengths(&order, |i| lens[i]);
        assert_eq!(groups, vec![&[0, 1, 2, 3][..], &[4], &[5, 6]]);
        let many: Vec<usize> = (0..70).collect();
        let sizes: Vec<usize> = similar_lengths(&many, |_| 10)
            .iter()
            .map(|g| g.len())
            .collect();
        assert_eq!(sizes, vec![BATCH, BATCH, 70 - 2 * BATCH]);
        assert!(similar_lengths(&[], |_| 1).is_empty());
    }
}
