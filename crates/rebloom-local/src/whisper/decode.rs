//! Tokens and greedy decoding.

use std::collections::HashMap;

use candle_core::{D, Device, IndexOp, Tensor};
use candle_transformers::models::whisper::{self as m, model::Whisper};

/// Whisper's vocabulary (GPT-2 byte-level BPE plus special tokens), read
/// from the CTranslate2 folder's `vocabulary.txt` (one token a line) or
/// `vocabulary.json` (an array).
pub struct Vocabulary {
    tokens: Vec<String>,
    ids: HashMap<String, u32>,
    /// Byte for each char of GPT-2's printable byte encoding.
    bytes: HashMap<char, u8>,
}

/// GPT-2's reversible byte-to-printable-char table.
fn byte_chars() -> HashMap<char, u8> {
    let printable: Vec<u8> = (b'!'..=b'~')
        .chain(0xA1..=0xAC)
        .chain(0xAE..=0xFF)
        .collect();
    let mut map: HashMap<char, u8> = printable.iter().map(|&b| (char::from(b), b)).collect();
    let mut extra = 0u32;
    for b in 0..=255u8 {
        if !printable.contains(&b) {
            if let Some(c) = char::from_u32(256 + extra) {
                map.insert(c, b);
            }
            extra += 1;
        }
    }
    map
}

impl Vocabulary {
    pub fn new(tokens: Vec<String>) -> Vocabulary {
        let ids = tokens
            .iter()
            .enumerate()
            .map(|(i, t)| (t.clone(), i as u32))
            .collect();
        Vocabulary {
            tokens,
            ids,
            bytes: byte_chars(),
        }
    }

    pub fn len(&self) -> usize {
        self.tokens.len()
    }

    pub fn id(&self, token: &str) -> Option<u32> {
        self.ids.get(token).copied()
    }

    /// Text of ordinary tokens; special ones (from `<|endoftext|>` on) are
    /// left out.
    pub fn decode(&self, ids: &[u32], first_special: u32) -> String {
        let mut bytes = Vec::new();
        for &id in ids.iter().filter(|&&id| id < first_special) {
            if let Some(token) = self.tokens.get(id as usize) {
                for c in token.chars() {
                    match self.bytes.get(&c) {
                        Some(&b) => bytes.push(b),
                        None => {
                            let mut buf = [0; 4];
                            bytes.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                        }
                    }
                }
            }
        }
        String::from_utf8_lossy(&bytes).into_owned()
    }
}

/// The special tokens decoding needs.
#[derive(Debug, Clone)]
pub struct Specials {
    pub sot: u32,
    pub eot: u32,
    pub transcribe: Option<u32>,
    pub no_timestamps: u32,
    pub no_speech: Option<u32>,
    /// Language tokens by code, for multilingual models.
    pub languages: Vec<(String, u32)>,
}

impl Specials {
    pub fn new(
        vocab: &Vocabulary,
        lang_ids: &[u32],
        multilingual: bool,
    ) -> Result<Specials, String> {
        let need = |t: &str| {
            vocab
                .id(t)
                .ok_or_else(|| format!("the vocabulary has no {t}"))
        };
        let languages = if multilingual {
            lang_ids
                .iter()
                .filter_map(|&id| {
                    let t = vocab.tokens.get(id as usize)?;
                    let code = t.strip_prefix("<|")?.strip_suffix("|>")?;
                    Some((code.to_owned(), id))
                })
                .collect()
        } else {
            Vec::new()
        };
        Ok(Specials {
            sot: need(m::SOT_TOKEN)?,
            eot: need(m::EOT_TOKEN)?,
            transcribe: multilingual
                .then(|| need(m::TRANSCRIBE_TOKEN))
                .transpose()?,
            no_timestamps: need(m::NO_TIMESTAMPS_TOKEN)?,
            no_speech: m::NO_SPEECH_TOKENS.iter().find_map(|t| vocab.id(t)),
            languages,
        })
    }
}

/// One window's result.
pub struct Window {
    pub tokens: Vec<u32>,
    /// The model's probability that the window holds no speech.
    pub no_speech: f32,
    pub avg_logprob: f32,
    /// Decoding stopped on a repetition loop, which was cut off.
    pub looped: bool,
}

/// Greedy decoding of one 30-second window.
pub struct Decoder<'a> {
    pub model: &'a mut Whisper,
    pub specials: &'a Specials,
    /// 0 or -inf for every token id, added to each step's logits.
    pub suppress: &'a Tensor,
    /// The same, with the tokens not allowed first (blank, end of text).
    pub suppress_begin: &'a Tensor,
    pub max_tokens: usize,
}

impl Decoder<'_> {
    /// The encoder's view of one window's log-mel features.
    pub fn encode(&mut self, features: &Tensor) -> candle_core::Result<Tensor> {
        self.model.encoder.forward(features, true)
    }

    /// Picks the most likely language token after `<|startoftranscript|>`.
    pub fn detect_language(
        &mut self,
        audio: &Tensor,
        device: &Device,
    ) -> candle_core::Result<Option<u32>> {
        if self.specials.languages.is_empty() {
            return Ok(None);
        }
        let tokens = Tensor::new(&[[self.specials.sot]], device)?;
        let ys = self.model.decoder.forward(&tokens, audio, true)?;
        let logits = self
            .model
            .decoder
            .final_linear(&ys.i((..1, 0..1))?)?
            .i(0)?
            .i(0)?;
        let logits = logits.to_vec1::<f32>()?;
        Ok(self
            .specials
            .languages
            .iter()
            .filter_map(|&(_, id)| logits.get(id as usize).map(|&l| (id, l)))
            .max_by(|a, b| a.1.total_cmp(&b.1))
            .map(|(id, _)| id))
    }

    pub fn run(
        &mut self,
        audio: &Tensor,
        language: Option<u32>,
        device: &Device,
    ) -> candle_core::Result<Window> {
        let s = self.specials;
        let mut tokens = vec![s.sot];
        if let Some(lang) = language {
            tokens.push(lang);
        }
        if let Some(t) = s.transcribe {
            tokens.push(t);
        }
        tokens.push(s.no_timestamps);
        let prompt = tokens.len();
        let mut no_speech = 0.0;
        let mut sum_logprob = 0.0f64;
        let mut looped = false;
        for step in 0..self.max_tokens {
            if tokens.len() >= self.model.config.max_target_positions {
                break;
            }
            let input = Tensor::new(tokens.as_slice(), device)?.unsqueeze(0)?;
            let ys = self.model.decoder.forward(&input, audio, step == 0)?;
            if step == 0
                && let Some(ns) = s.no_speech
            {
                let first = self
                    .model
                    .decoder
                    .final_linear(&ys.i((..1, 0..1))?)?
                    .i(0)?
                    .i(0)?;
                no_speech = candle_nn::ops::softmax(&first, D::Minus1)?
                    .i(ns as usize)?
                    .to_scalar::<f32>()?;
            }
            let (_, seq_len, _) = ys.dims3()?;
            let logits = self
                .model
                .decoder
                .final_linear(&ys.i((..1, seq_len - 1..))?)?
                .i(0)?
                .i(0)?;
            let mask = if step == 0 {
                self.suppress_begin
            } else {
                self.suppress
            };
            let logits = logits.broadcast_add(mask)?;
            let next = logits.argmax(D::Minus1)?.to_scalar::<u32>()?;
            let logprobs = candle_nn::ops::log_softmax(&logits, D::Minus1)?;
            sum_logprob += f64::from(logprobs.i(next as usize)?.to_scalar::<f32>()?);
            if next == s.eot {
                break;
            }
            tokens.push(next);
            if let Some(keep) = loop_cut(&tokens[prompt..]) {
                tokens.truncate(prompt + keep);
                looped = true;
                break;
            }
        }
        let text = tokens.split_off(prompt);
        let avg_logprob = (sum_logprob / (text.len() + 1) as f64) as f32;
        Ok(Window {
            tokens: text,
            no_speech,
            avg_logprob,
            looped,
        })
    }
}

/// When the text ends in the same run of tokens repeated (three or more
/// times, twelve or more tokens in all: "I'm fine. I'm fine. I'm fine. ..."),
/// the length to keep: everything before the repeats plus one copy.
pub fn loop_cut(tokens: &[u32]) -> Option<usize> {
    let n = tokens.len();
    for period in 1..=n / 3 {
        let mut copies = 1;
        while (copies + 1) * period <= n
            && tokens[n - (copies + 1) * period..n - copies * period] == tokens[n - period..]
        {
            copies += 1;
        }
        if copies >= 3 && copies * period >= 12 {
            return Some(n - (copies - 1) * period);
        }
    }
    None
}

/// 0 for allowed tokens, -inf for the rest.
pub fn mask(
    vocab_size: usize,
    blocked: impl Fn(u32) -> bool,
    device: &Device,
) -> candle_core::Result<Tensor> {
    let values: Vec<f32> = (0..vocab_size as u32)
        .map(|i| if blocked(i) { f32::NEG_INFINITY } else { 0.0 })
        .collect();
    Tensor::new(values.as_slice(), device)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    #[test]
    fn loops_are_cut_to_one_copy() {
        // "a b c d" four times after a lead-in of two tokens.
        let mut t = vec![100, 101];
        for _ in 0..4 {
            t.extend([1, 2, 3, 4]);
        }
        assert_eq!(loop_cut(&t), Some(6));
        // A single token repeated twelve times.
        let t: Vec<u32> = std::iter::repeat_n(7, 12).collect();
        assert_eq!(loop_cut(&t), Some(1));
        // Saying something twice, or a short word three times, is speech.
        assert_eq!(loop_cut(&[5, 6, 7, 5, 6, 7]), None);
        assert_eq!(loop_cut(&[9, 9, 9]), None);
        assert_eq!(loop_cut(&[]), None);
    }

    #[test]
    fn byte_level_tokens_decode_to_text() {
        let vocab = Vocabulary::new(
            ["Hello", "Ġworld", "Ċ", "Ã©", "<|endoftext|>"]
                .iter()
                .map(|s| (*s).to_owned())
                .collect(),
        );
        assert_eq!(vocab.decode(&[0, 1, 2, 3, 4], 4), "Hello world\né");
        assert_eq!(vocab.id("<|endoftext|>"), Some(4));
    }
}
