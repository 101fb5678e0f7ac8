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
use crate::guided::text::{Matcher, normalize};

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

const LEXICON_FILE: &str = include_str!("../data/emotions.json");
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

// ------------------------------------------------------------------ lexicon

#[derive(Deserialize)]
struct LexiconFile {
    valence: BTreeMap<String, f32>,
    languages: BTreeMap<String, LangFile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LangFile {
    negations: Vec<String>,
    negation_breaks: Vec<String>,
    words: BTreeMap<String, Vec<String>>,
}

/// One language's emotion words, compiled.
#[derive(Debug)]
pub(crate) struct LangLexicon {
    pub(crate) id: String,
    /// One matcher per entry of [`EMOTIONS`].
    words: Vec<Matcher>,
    /// Words that deny what follows them ("not", "never"), normalised.
    pub(crate) negations: Vec<String>,
    /// Words that end a negation's reach ("but", "because"), normalised.
    negation_breaks: Vec<String>,
}

impl LangLexicon {
    /// The first emotion any of whose words is in the (normalised) text.
    pub(crate) fn first_emotion(&self, norm: &str) -> Option<usize> {
        self.words.iter().position(|m| m.is_match(norm))
    }
}

#[derive(Debug)]
pub(crate) struct Lexicon {
    langs: Vec<LangLexicon>,
    /// One per entry of [`EMOTIONS`].
    valence: Vec<f32>,
}

static LEXICON: LazyLock<Result<Lexicon, EmotionDataError>> =
    LazyLock::new(|| Lexicon::parse(LEXICON_FILE));

/// The embedded lexicon, parsed and checked once.
pub(crate) fn lexicon() -> Result<&'static Lexicon, EmotionDataError> {
    LEXICON.as_ref().map_err(Clone::clone)
}

impl Lexicon {
    fn parse(text: &str) -> Result<Lexicon, EmotionDataError> {
        let file: LexiconFile = serde_json::from_str(text).map_err(|e| EmotionDataError {
            problems: vec![format!("emotions.json: {e}")],
        })?;
        let mut problems = Vec::new();
        let valence = EMOTIONS
            .iter()
            .map(|e| match file.valence.get(*e) {
                Some(v) if (-1.0..=1.0).contains(v) => *v,
                Some(v) => {
                    problems.push(format!("valence of {e} is {v}, outside [-1, 1]"));
                    0.0
                }
                None => {
                    problems.push(format!("{e} has no valence"));
                    0.0
                }
            })
            .collect();
        for e in file.valence.keys() {
            if !EMOTIONS.contains(&e.as_str()) {
                problems.push(format!("valence for unknown emotion {e}"));
            }
        }
        if !file.languages.contains_key("en") {
            problems.push("no English lexicon".into());
        }
        let tidy = |list: &[String]| -> Vec<String> {
            list.iter()
                .map(|w| normalize(w).trim().to_owned())
                .collect()
        };
        let mut langs = Vec::new();
        for (id, lang) in &file.languages {
            for e in lang.words.keys() {
                if !EMOTIONS.contains(&e.as_str()) {
                    problems.push(format!("{id}: words for unknown emotion {e}"));
                }
            }
            let words = EMOTIONS
                .iter()
                .map(|e| match lang.words.get(*e) {
                    Some(list) if !list.is_empty() => Matcher::new(list),
                    _ => {
                        problems.push(format!("{id}: {e} has no words"));
                        Matcher::default()
                    }
                })
                .collect();
            if lang.negations.is_empty() {
                problems.push(format!("{id}: no negations"));
            }
            langs.push(LangLexicon {
                id: id.clone(),
                words,
                negations: tidy(&lang.negations),
                negation_breaks: tidy(&lang.negation_breaks),
            });
        }
        // English first: it is everyone's fallback.
        langs.sort_by_key(|l| l.id != "en");
        if problems.is_empty() {
            Ok(Lexicon { langs, valence })
        } else {
            Err(EmotionDataError { problems })
        }
    }

    pub(crate) fn lang(&self, id: &str) -> Option<&LangLexicon> {
        self.langs.iter().find(|l| l.id == id)
    }

    /// The lexicons to read a message in language `tag` (BCP 47) with: that
    /// language's, then English (people mix).
    fn select(&self, tag: &str) -> Vec<&LangLexicon> {
        let primary = primary_language(tag);
        let mut out: Vec<&LangLexicon> = self.lang(&primary).into_iter().collect();
        if primary != "en" {
            out.extend(self.lang("en"));
        }
        out
    }

    /// Each emotion's share of the lexicon's matches, or `None` when nothing matched.
    fn shares(&self, text: &str, language: &str) -> Option<Vec<f32>> {
        let scores = lexicon_scores(&self.select(language), &normalize(text));
        let total: u32 = scores.iter().sum();
        (total > 0).then(|| scores.iter().map(|s| *s as f32 / total as f32).collect())
    }
}

fn primary_language(tag: &str) -> String {
    tag.split(['-', '_'])
        .next()
        .unwrap_or("")
        .to_ascii_lowercase()
}

/// Whether the match at byte `pos` of `norm` is denied by a negation among
/// the three words before it (and before any word that ends its reach).
pub(crate) fn negated(langs: &[&LangLexicon], norm: &str, pos: usize) -> bool {
    for w in norm[..pos].split_whitespace().rev().take(3) {
        if langs
            .iter()
            .any(|l| l.negation_breaks.iter().any(|b| b == w))
        {
            return false;
        }
        if langs.iter().any(|l| l.negations.iter().any(|n| n == w)) {
            return true;
        }
    }
    false
}

/// Lexicon scores per emotion (indices into [`EMOTIONS`]) of a normalised
/// text: 2 for each match that is not negated; a negated pleasant emotion
/// ("not happy") counts 1 towards sadness.
pub(crate) fn lexicon_scores(langs: &[&LangLexicon], norm: &str) -> Vec<u32> {
    let mut scores = vec![0u32; EMOTIONS.len()];
    let sadness = EMOTIONS.iter().position(|e| *e == "sadness").unwrap_or(0);
    for lang in langs {
        for (ei, matcher) in lang.words.iter().enumerate() {
            for (pos, _) in matcher.find_all(norm) {
                if !negated(langs, norm, pos) {
                    scores[ei] += 2;
                } else if POSITIVE.contains(&EMOTIONS[ei]) {
                    scores[sadness] += 1;
                }
            }
        }
    }
    scores
}

/// Emotions and sentiment from the lexicon alone.
pub fn analyze_lexicon(text: &str, language: &str) -> Analysis {
    let Ok(lexicon) = lexicon() else {
        return Analysis::default();
    };
    match lexicon.shares(text, language) {
        Some(shares) => Analysis::from_shares(&shares, &lexicon.valence),
        None => Analysis::default(),
    }
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
