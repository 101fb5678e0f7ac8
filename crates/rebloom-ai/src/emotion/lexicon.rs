//! The emotion lexicon: words and phrases per emotion and language
//! (`data/emotions.json`), with negation ("not happy" is no joy, and counts
//! a little towards sadness). The classifier mixes it with the examples; the
//! guided engine reads emotions with it directly.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use serde::Deserialize;

use super::{Analysis, EMOTIONS, EmotionDataError, POSITIVE};
use crate::text::{Matcher, normalize};

const LEXICON_FILE: &str = include_str!("../../data/emotions.json");

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
    pub(super) valence: Vec<f32>,
}

static LEXICON: LazyLock<Result<Lexicon, EmotionDataError>> =
    LazyLock::new(|| Lexicon::parse(LEXICON_FILE));

/// The embedded lexicon, parsed and checked once.
pub(crate) fn lexicon() -> Result<&'static Lexicon, EmotionDataError> {
    LEXICON.as_ref().map_err(Clone::clone)
}

impl Lexicon {
    pub(super) fn parse(text: &str) -> Result<Lexicon, EmotionDataError> {
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
    pub(super) fn shares(&self, text: &str, language: &str) -> Option<Vec<f32>> {
        let scores = lexicon_scores(&self.select(language), &normalize(text));
        let total: u32 = scores.iter().sum();
        (total > 0).then(|| scores.iter().map(|s| *s as f32 / total as f32).collect())
    }
}

/// The primary language subtag of a BCP 47 tag, lower-case (`es-MX` → `es`).
pub(crate) fn primary_language(tag: &str) -> String {
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
