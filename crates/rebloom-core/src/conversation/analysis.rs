//! The analysis stored with each message: emotional tags and a sentiment score
//! in [-1, 1], from the emotion classifier (similarity to labelled example
//! sentences when an embedder is configured, mixed with word lists; word lists
//! alone otherwise). A message assessed at crisis level never waits for a
//! model: word lists only.

use rebloom_ai::emotion::analyze_lexicon;

use crate::conversation::Conversations;

/// The emotions a stored message was tagged with (`emotional_tags`, a list of names).
pub fn emotion_tags(m: &rebloom_store::Message) -> impl Iterator<Item = &str> {
    m.emotional_tags
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(serde_json::Value::as_str)
}

pub struct Analysis {
    pub emotions: Vec<String>,
    pub sentiment: f64,
}

pub async fn analyze(conv: &Conversations, text: &str, language: &str, crisis: bool) -> Analysis {
    let found = if crisis {
        analyze_lexicon(text, language)
    } else {
        conv.emotions.analyze(text, language).await
    };
    Analysis {
        emotions: found.emotions.into_iter().map(|(name, _)| name).collect(),
        sentiment: (f64::from(found.sentiment) * 100.0).round() / 100.0,
    }
}
