//! Emotion and sentiment of a message: emotional tags (sadness, anxiety,
//! anger, fear, shame, loneliness, overwhelm, guilt, tiredness, joy,
//! gratitude, hope, calm) with scores, and a sentiment score in [-1, 1].
//!
//! Two signals, combined:
//! - **Examples**: the message's sentence embedding is compared (cosine) with
//!   labelled example messages (`data/emotion_examples.json`, English
//!   mostly, some Spanish, French and German, plus neutral ones). Each class
//!   scores the mean of its [`TOP_K`] closest examples; a softmax turns the
//!   scores into shares.
//! - **Lexicon**: words and phrases per emotion and language
//!   (`data/emotions.json`), with negation ("not happy" is no joy, and
//!   counts a little towards sadness). The guided engine reads emotions with
//!   this same lexicon.
//!
//! With an embedder both are mixed, the lexicon weighing more outside English
//! (all-MiniLM-L6-v2 is English-centric); without one, or when it fails, the
//! lexicon alone decides. Sentiment is the share-weighted mean of each
//! emotion's valence, so a message with no emotion scores 0.
//!
//! Nothing here logs message text.

use std::collections::BTreeMap;
use std::sync::{Arc, LazyLock};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::embed::{Embedder, cosine};

mod lexicon;
pub use lexicon::analyze_lexicon;
pub(crate) use lexicon::{LangLexicon, lexicon, lexicon_scores, negated, primary_language};

/// Emotions known to the lexicon and the classifier, in the order ties are broken.
pub const EMOTIONS: &[&str] = &[
    "sadness",
    "anxiety",
    "anger",
    "fear",
    "shame",
    "loneliness",
    "overwhelm",
    "guilt",
    "tiredness",
    "joy",
    "gratitude",
    "hope",
    "calm",
];

/// The pleasant ones.
pub const POSITIVE: &[&str] = &["joy", "gratitude", "hope", "calm"];

/// The label of example messages with no particular emotion.
pub const NEUTRAL: &str = "neutral";

/// Examples per class whose similarities are averaged.
pub const TOP_K: usize = 3;
/// Softmax temperature over the classes' similarities.
const TEMPERATURE: f32 = 0.05;
/// Lexicon's share of the mix for English messages, and for others.
const LEXICON_WEIGHT_EN: f32 = 0.35;
const LEXICON_WEIGHT_OTHER: f32 = 0.6;
/// An emotion is reported when its share reaches this.
pub const THRESHOLD: f32 = 0.15;

const EXAMPLES_FILE: &str = include_str!("../data/emotion_examples.json");

/// What a message expresses.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Analysis {
    /// From -1 (very unpleasant) to 1 (very pleasant); 0 when neutral.
    pub sentiment: f32,
    /// Emotions whose share reaches [`THRESHOLD`], strongest first, with
    /// their share in (0, 1].
    pub emotions: Vec<(String, f32)>,
}

impl Analysis {
    /// The strongest emotion, if any.
    pub fn top(&self) -> Option<&str> {
        self.emotions.first().map(|(e, _)| e.as_str())
    }

    /// Shares per class (indices into [`EMOTIONS`]) to an analysis.
    fn from_shares(shares: &[f32], valence: &[f32]) -> Analysis {
        let sentiment: f32 = shares.iter().zip(valence).map(|(p, v)| p * v).sum();
        let mut emotions: Vec<(String, f32)> = EMOTIONS
            .iter()
            .zip(shares)
            .filter(|(_, p)| **p >= THRESHOLD)
            .map(|(e, p)| ((*e).to_owned(), *p))
            .collect();
        // Stable: ties keep the order of EMOTIONS.
        emotions.sort_by(|a, b| b.1.total_cmp(&a.1));
        Analysis {
            sentiment: sentiment.clamp(-1.0, 1.0),
            emotions,
        }
    }
}

/// The embedded emotion data is unreadable or inconsistent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("emotion data is invalid: {}", problems.join("; "))]
pub struct EmotionDataError {
    pub problems: Vec<String>,
}

// ----------------------------------------------------------------- examples

/// Example messages: (class, text), class an index into [`EMOTIONS`] or
/// `EMOTIONS.len()` for neutral.
static EXAMPLES: LazyLock<Result<Vec<(usize, String)>, EmotionDataError>> =
    LazyLock::new(|| parse_examples(EXAMPLES_FILE));

fn parse_examples(text: &str) -> Result<Vec<(usize, String)>, EmotionDataError> {
    let fail = |p: String| EmotionDataError { problems: vec![p] };
    let file: BTreeMap<String, Value> =
        serde_json::from_str(text).map_err(|e| fail(format!("emotion_examples.json: {e}")))?;
    let mut out = Vec::new();
    let mut problems = Vec::new();
    for (lang, classes) in file.iter().filter(|(k, _)| !k.starts_with('_')) {
        let classes: BTreeMap<String, Vec<String>> = serde_json::from_value(classes.clone())
            .map_err(|e| fail(format!("emotion_examples.json {lang}: {e}")))?;
        for (label, texts) in classes {
            let class = if label == NEUTRAL {
                EMOTIONS.len()
            } else {
                match EMOTIONS.iter().position(|e| *e == label) {
                    Some(i) => i,
                    None => {
                        problems.push(format!("{lang}: examples for unknown emotion {label}"));
                        continue;
                    }
                }
            };
            out.extend(texts.into_iter().map(|t| (class, t)));
        }
    }
    for (i, e) in EMOTIONS.iter().chain(&[NEUTRAL]).enumerate() {
        let n = out.iter().filter(|(c, _)| *c == i).count();
        if n < TOP_K {
            problems.push(format!("{e} has {n} examples, fewer than {TOP_K}"));
        }
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(EmotionDataError { problems })
    }
}

/// The examples' embeddings, by class.
struct Exemplars {
    by_class: Vec<Vec<Vec<f32>>>,
}

impl Exemplars {
    /// Per class (emotions, then neutral): mean cosine of the closest [`TOP_K`] examples.
    fn similarities(&self, v: &[f32]) -> Vec<f32> {
        self.by_class
            .iter()
            .map(|examples| {
                let mut sims: Vec<f32> = examples.iter().map(|e| cosine(v, e)).collect();
                sims.sort_by(|a, b| b.total_cmp(a));
                let top = &sims[..sims.len().min(TOP_K)];
                if top.is_empty() {
                    0.0
                } else {
                    top.iter().sum::<f32>() / top.len() as f32
                }
            })
            .collect()
    }
}

fn softmax(scores: &[f32], temperature: f32) -> Vec<f32> {
    let max = scores.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let exp: Vec<f32> = scores
        .iter()
        .map(|s| ((s - max) / temperature).exp())
        .collect();
    let total: f32 = exp.iter().sum();
    exp.iter().map(|e| e / total).collect()
}

// --------------------------------------------------------------- classifier

/// Finds emotions and sentiment in messages. Cheap to share (`Arc`); the
/// examples are embedded once, on first use, and kept.
pub struct EmotionClassifier {
    embedder: Option<Arc<dyn Embedder>>,
    exemplars: tokio::sync::OnceCell<Exemplars>,
}

impl EmotionClassifier {
    /// With an embedder, examples and lexicon together; with `None`, the lexicon alone.
    pub fn new(embedder: Option<Arc<dyn Embedder>>) -> EmotionClassifier {
        EmotionClassifier {
            embedder,
            exemplars: tokio::sync::OnceCell::new(),
        }
    }

    /// Checks the embedded data (the test suite does too), for start-up.
    pub fn check_data() -> Result<(), EmotionDataError> {
        lexicon()?;
        EXAMPLES.as_ref().map_err(Clone::clone)?;
        Ok(())
    }

    /// The embedder's name, or `lexicon` without one.
    pub fn method(&self) -> &str {
        self.embedder.as_ref().map_or("lexicon", |e| e.name())
    }

    /// Emotions and sentiment of `text`, written in `language` (BCP 47). If the
    /// embedder fails, the lexicon answers alone (nothing is retried here).
    pub async fn analyze(&self, text: &str, language: &str) -> Analysis {
        let Ok(lexicon) = lexicon() else {
            return Analysis::default();
        };
        if text.trim().is_empty() {
            return Analysis::default();
        }
        let lexical = lexicon.shares(text, language);
        let lexicon_only = |lexical: Option<Vec<f32>>| {
            lexical.map_or_else(Analysis::default, |s| {
                Analysis::from_shares(&s, &lexicon.valence)
            })
        };
        let Some(embedder) = &self.embedder else {
            return lexicon_only(lexical);
        };
        let similar = match self.similarities(embedder.as_ref(), text).await {
            Ok(s) => s,
            Err(e) => {
                tracing::debug!(embedder = embedder.name(), error = %e, "emotion embeddings unavailable; lexicon only");
                return lexicon_only(lexical);
            }
        };
        let mut shares = softmax(&similar, TEMPERATURE);
        shares.truncate(EMOTIONS.len()); // neutral's share is no emotion
        if let Some(lexical) = lexical {
            let w = if primary_language(language) == "en" {
                LEXICON_WEIGHT_EN
            } else {
                LEXICON_WEIGHT_OTHER
            };
            for (s, l) in shares.iter_mut().zip(lexical) {
                *s = (1.0 - w) * *s + w * l;
            }
        }
        Analysis::from_shares(&shares, &lexicon.valence)
    }

    async fn similarities(&self, embedder: &dyn Embedder, text: &str) -> Result<Vec<f32>, String> {
        let exemplars = self
            .exemplars
            .get_or_try_init(|| async {
                let examples = EXAMPLES.as_ref().map_err(|e| e.to_string())?;
                let texts: Vec<String> = examples.iter().map(|(_, t)| t.clone()).collect();
                let vectors = embedder.embed(&texts).await.map_err(|e| e.to_string())?;
                if vectors.len() != texts.len() {
                    return Err("the embedder returned the wrong number of vectors".to_owned());
                }
                let mut by_class = vec![Vec::new(); EMOTIONS.len() + 1];
                for ((class, _), v) in examples.iter().zip(vectors) {
                    by_class[*class].push(v);
                }
                Ok::<_, String>(Exemplars { by_class })
            })
            .await?;
        let v = embedder
            .embed(&[text.to_owned()])
            .await
            .map_err(|e| e.to_string())?;
        let v = v
            .first()
            .ok_or_else(|| "the embedder returned no vector".to_owned())?;
        Ok(exemplars.similarities(v))
    }

    /// Scores the classifier on labelled messages: how often the strongest
    /// emotion is the label (for `neutral`: no emotion at all), and how often
    /// the sentiment has the label's sign.
    pub async fn evaluate(&self, cases: &[LabelledMessage]) -> Evaluation {
        let mut eval = Evaluation::default();
        for case in cases {
            let analysis = self.analyze(&case.text, &case.language).await;
            let hit = match analysis.top() {
                Some(top) => top == case.emotion,
                None => case.emotion == NEUTRAL,
            };
            let want = lexicon()
                .ok()
                .and_then(|l| {
                    EMOTIONS
                        .iter()
                        .position(|e| *e == case.emotion)
                        .map(|i| l.valence[i])
                })
                .map_or(0, sign);
            let sign_hit = sign(analysis.sentiment) == want;
            let lang = eval.by_language.entry(case.language.clone()).or_default();
            lang.cases += 1;
            lang.top1 += usize::from(hit);
            lang.sentiment_sign += usize::from(sign_hit);
            eval.all.cases += 1;
            eval.all.top1 += usize::from(hit);
            eval.all.sentiment_sign += usize::from(sign_hit);
            if !hit {
                eval.misses.push(Miss {
                    text: case.text.clone(),
                    label: case.emotion.clone(),
                    got: analysis.top().unwrap_or(NEUTRAL).to_owned(),
                });
            }
        }
        eval
    }
}

/// The sign of a sentiment score, with a dead zone of ±0.05 around neutral.
pub fn sign(sentiment: f32) -> i8 {
    if sentiment > 0.05 {
        1
    } else if sentiment < -0.05 {
        -1
    } else {
        0
    }
}

/// A message with its language and main emotion (or `neutral`).
#[derive(Debug, Clone, Deserialize)]
pub struct LabelledMessage {
    pub language: String,
    pub emotion: String,
    pub text: String,
}

/// Counts of correct answers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    pub cases: usize,
    pub top1: usize,
    pub sentiment_sign: usize,
}

impl Tally {
    pub fn top1_accuracy(&self) -> f32 {
        self.top1 as f32 / self.cases.max(1) as f32
    }

    pub fn sign_accuracy(&self) -> f32 {
        self.sentiment_sign as f32 / self.cases.max(1) as f32
    }
}

/// A wrong strongest emotion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Miss {
    pub text: String,
    pub label: String,
    pub got: String,
}

/// The result of [`EmotionClassifier::evaluate`].
#[derive(Debug, Clone, Default)]
pub struct Evaluation {
    pub all: Tally,
    pub by_language: BTreeMap<String, Tally>,
    pub misses: Vec<Miss>,
}

impl std::fmt::Display for Evaluation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let line = |f: &mut std::fmt::Formatter<'_>, name: &str, t: &Tally| {
            writeln!(
                f,
                "{name:>4}: top-1 {:.1}% ({}/{}), sentiment sign {:.1}% ({}/{})",
                100.0 * t.top1_accuracy(),
                t.top1,
                t.cases,
                100.0 * t.sign_accuracy(),
                t.sentiment_sign,
                t.cases
            )
        };
        line(f, "all", &self.all)?;
        for (lang, t) in &self.by_language {
            line(f, lang, t)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use lexicon::Lexicon;

    #[test]
    fn the_embedded_data_is_valid() {
        EmotionClassifier::check_data().unwrap();
        let lexicon = lexicon().unwrap();
        for id in ["en", "es", "fr", "de"] {
            assert!(lexicon.lang(id).is_some(), "{id}");
        }
    }

    #[test]
    fn broken_data_is_reported_not_panicked_on() {
        let err = Lexicon::parse(r#"{"valence": {"joy": 3}, "languages": {}}"#).unwrap_err();
        assert!(err.problems.iter().any(|p| p.contains("outside [-1, 1]")));
        assert!(
            err.problems
                .iter()
                .any(|p| p.contains("no English lexicon"))
        );
        assert!(err.problems.iter().any(|p| p == "sadness has no valence"));
        let err = parse_examples(r#"{"en": {"joy": ["a"], "glee": ["b"]}}"#).unwrap_err();
        assert!(
            err.problems
                .iter()
                .any(|p| p.contains("unknown emotion glee"))
        );
        assert!(
            err.problems
                .iter()
                .any(|p| p.contains("joy has 1 examples"))
        );
    }

    #[test]
    fn softmax_sums_to_one_and_keeps_order() {
        let p = softmax(&[0.5, 0.4, 0.1], 0.05);
        assert!((p.iter().sum::<f32>() - 1.0).abs() < 1e-6);
        assert!(p[0] > p[1] && p[1] > p[2]);
    }

    #[test]
    fn sign_has_a_dead_zone() {
        assert_eq!(sign(0.3), 1);
        assert_eq!(sign(-0.3), -1);
        assert_eq!(sign(0.02), 0);
    }
}
