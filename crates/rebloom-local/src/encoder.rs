//! The multilingual sentence encoder the crisis assessment reads every message
//! with: multilingual-e5-small (4-bit, `rebloom-e5`), loaded once at start-up.
//! Synchronous and CPU-bound (about 30 ms a short message on one core):
//! call it from a blocking task.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rebloom_e5::{E5, E5Error, Role};
use rebloom_safety::normalize::clean;

/// Where the model sits under the models directory.
pub const MODEL_FILE: &str = "multilingual-e5-small/e5-small-q4.bin";
/// A message longer than this (in characters, after cleaning) is also read in
/// parts, so one sentence of a long post is not diluted by the rest.
const PART_CHARS: usize = 280;
/// At most this many parts are read (the first ones, then the last).
const MAX_PARTS: usize = 8;

/// The loaded encoder; cheap to clone and shared by every thread.
#[derive(Debug, Clone)]
pub struct SafetyEncoder {
    model: Arc<E5>,
}

impl SafetyEncoder {
    /// Loads the model from `models_dir` (`scripts/models.sh` puts it there).
    pub fn load(models_dir: &Path) -> Result<SafetyEncoder, E5Error> {
        Ok(SafetyEncoder {
            model: Arc::new(E5::load(&SafetyEncoder::model_path(models_dir))?),
        })
    }

    /// The model file under `models_dir`.
    pub fn model_path(models_dir: &Path) -> PathBuf {
        models_dir.join(MODEL_FILE)
    }

    /// The embeddings the assessment reads: the whole message first, then, for
    /// a long message, its parts (sentences grouped up to [`PART_CHARS`]).
    pub fn views(&self, message: &str) -> Result<Vec<Vec<f32>>, E5Error> {
        let text = clean(message);
        let parts = parts(&text);
        let mut texts = vec![text.as_str()];
        if parts.len() > 1 {
            texts.extend(parts.iter().map(String::as_str));
        }
        self.embed_on_two_threads(&texts)
    }

    /// Embeddings of many messages (whole messages only), for training and evaluation.
    pub fn embed_many(&self, messages: &[&str]) -> Result<Vec<Vec<f32>>, E5Error> {
        let cleaned: Vec<String> = messages.iter().map(|m| clean(m)).collect();
        let refs: Vec<&str> = cleaned.iter().map(String::as_str).collect();
        self.embed_on_two_threads(&refs)
    }

    /// Embeds `texts` in order, the first ones on a second thread and the rest
    /// on this one, split where the text on each side is about as long (the
    /// engine is single-threaded; a long message read in several views then
    /// takes about half the time on an idle machine). One text runs here alone.
    fn embed_on_two_threads(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, E5Error> {
        if texts.len() < 2 {
            return self.model.embed_batch(texts, Role::Query);
        }
        let total: usize = texts.iter().map(|t| t.len()).sum();
        let mut split = 1;
        let mut first = texts[0].len();
        while split < texts.len() - 1 && 2 * (first + texts[split].len()) <= total {
            first += texts[split].len();
            split += 1;
        }
        let (head, tail) = texts.split_at(split);
        let model = &self.model;
        std::thread::scope(|s| {
            let other = s.spawn(|| model.embed_batch(head, Role::Query));
            let rest = model.embed_batch(tail, Role::Query);
            let mut out = other.join().map_err(|_| E5Error::Embed)??;
            out.extend(rest?);
            Ok(out)
        })
    }
}

/// A long text's sentences, grouped into parts of at most [`PART_CHARS`]
/// characters (a longer sentence is a part of its own); a short text is one part.
fn parts(text: &str) -> Vec<String> {
    if text.chars().count() <= PART_CHARS {
        return vec![text.to_owned()];
    }
    let mut sentences = Vec::new();
    let mut current = String::new();
    for c in text.chars() {
        current.push(c);
        if matches!(c, '.' | '!' | '?' | '\n' | '。' | '؟' | '।') {
            let s = current.trim();
            if !s.is_empty() {
                sentences.push(s.to_owned());
            }
            current.clear();
        }
    }
    if !current.trim().is_empty() {
        sentences.push(current.trim().to_owned());
    }
    // A "sentence" longer than a part (no full stops) is cut into parts.
    let sentences: Vec<String> = sentences
        .into_iter()
        .flat_map(|s| {
            let chars: Vec<char> = s.chars().collect();
            chars
                .chunks(PART_CHARS)
                .map(|c| c.iter().collect::<String>())
                .collect::<Vec<_>>()
        })
        .collect();
    let mut parts: Vec<String> = Vec::new();
    for s in sentences {
        match parts.last_mut() {
            Some(last) if last.chars().count() + 1 + s.chars().count() <= PART_CHARS => {
                last.push(' ');
                last.push_str(&s);
            }
            _ => parts.push(s),
        }
    }
    if parts.len() > MAX_PARTS {
        let tail = parts.split_off(parts.len() - MAX_PARTS / 2);
        parts.truncate(MAX_PARTS / 2);
        parts.extend(tail);
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_texts_are_read_in_parts_of_sentences() {
        assert_eq!(parts("short one. two."), vec!["short one. two."]);
        let long = "This is a sentence about my week. ".repeat(20);
        let p = parts(&long);
        assert!(p.len() > 1 && p.len() <= MAX_PARTS);
        assert!(p.iter().all(|s| s.chars().count() <= PART_CHARS));
        // Without full stops too: the parts stay bounded.
        let run_on = "word ".repeat(2000);
        let p = parts(&run_on);
        assert!(p.len() == MAX_PARTS && p.iter().all(|s| s.chars().count() <= PART_CHARS));
    }
}
