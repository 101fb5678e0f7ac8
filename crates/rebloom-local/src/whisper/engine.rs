//! Loading a faster-whisper folder into candle, and one worker's
//! transcription: decode, resample, cut into 30-second windows, log-mel,
//! greedy decoding.

use std::path::Path;
use std::sync::Arc;

use candle_core::{DType, Device, Tensor};
use candle_nn::VarBuilder;
use candle_transformers::models::whisper::{self as m, model::Whisper};
use serde::Deserialize;

use super::decode::{self, Decoder, Specials, Vocabulary};
use super::{WhisperError, audio, ct2, mel};

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
pub(super) struct Shared {
    vocab: Vocabulary,
    specials: Specials,
    filters: Vec<f32>,
    suppress: Tensor,
    suppress_begin: Tensor,
    device: Device,
}

/// One worker's model (weights shared, caches its own).
pub(super) struct Engine {
    pub(super) model: Whisper,
    pub(super) shared: Arc<Shared>,
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

pub(super) fn load_engine(dir: &Path) -> Result<(Engine, bool), WhisperError> {
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
    pub(super) fn transcribe(
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
}
