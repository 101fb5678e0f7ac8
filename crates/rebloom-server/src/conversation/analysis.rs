//! The analysis stored with each message: emotional tags and a sentiment score
//! in [-1, 1]. Emotions come from the guided engine's lexicon detector (the one
//! the companion itself reasons with); the score weighs pleasant against
//! unpleasant emotions. Embedding-based classification replaces the detector
//! when local models are present.

use rebloom_ai::guided::GuidedEngine;

pub struct Analysis {
    pub emotions: Vec<String>,
    pub sentiment: f64,
}

const PLEASANT: &[&str] = &["joy", "gratitude", "hope", "calm"];

pub fn analyze(engine: &GuidedEngine, text: &str, language: &str) -> Analysis {
    let names = engine.detect_emotions(text, language);
    let pleasant = names
        .iter()
        .filter(|e| PLEASANT.contains(&e.as_str()))
        .count() as f64;
    let unpleasant = names.len() as f64 - pleasant;
    let sentiment = if names.is_empty() {
        0.0
    } else {
        ((pleasant - unpleasant) / (pleasant + unpleasant)).clamp(-1.0, 1.0)
    };
    Analysis {
        emotions: names,
        sentiment: (sentiment * 100.0).round() / 100.0,
    }
}
