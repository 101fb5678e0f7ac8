//! Answers to questions: a curated, versioned library of short
//! psychoeducation and signposting answers (`content/answers/<lang>.json`,
//! embedded at build time, each answer with its sources), found for a message
//! by the words it shares with the library's phrasings of each question and by
//! the answer's keywords.
//!
//! Matching is lexical: words are folded ([`crate::text::normalize`]), the
//! language's stop words dropped and the rest cut to a five-letter stem, so
//! "therapist" finds "therapy" and "dormir" finds "dormía". Each stem weighs
//! by how few answers use it. A message's score against a phrasing is mostly
//! how much of the phrasing it covers, a little how much of the message the
//! phrasing explains; a keyword adds [`KEYWORD_BONUS`].

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use serde::Deserialize;

use super::content::ContentError;
use super::language::Lang;
use crate::text::{Matcher, words};

const FILES: &[(&str, &str)] = &[
    ("en", include_str!("../../content/answers/en.json")),
    ("es", include_str!("../../content/answers/es.json")),
];

/// The score a message needs for the library to answer it.
pub const THRESHOLD: f32 = 0.4;
/// A stem used by at most this many answers tells them apart: a phrasing
/// counts only when the message shares one such stem with it, or all of it.
const DISTINCTIVE: usize = 4;
/// What a keyword of an answer adds to a message's score.
pub const KEYWORD_BONUS: f32 = 0.25;
/// The cosine similarity (multilingual-e5-small) a message needs with one of
/// an answer's phrasings for the answer to be found by meaning.
pub const MEANING_THRESHOLD: f32 = 0.885;
/// Letters a word is cut to before it is compared.
const STEM: usize = 5;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    language: String,
    version: u32,
    #[serde(default)]
    stopwords: Vec<String>,
    answers: Vec<Entry>,
}

/// One answer, as its content file has it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    pub id: String,
    /// The answer says who the companion is, so no greeting goes before it.
    #[serde(default)]
    pub introduces: bool,
    /// Ways people ask it.
    pub questions: Vec<String>,
    /// Words that point to it on their own ("cbt", "respite").
    #[serde(default)]
    pub keywords: Vec<String>,
    pub answer: String,
    /// A question that turns the conversation back to the person.
    #[serde(default)]
    pub follow_up: String,
    /// Where the answer comes from (publisher, page, address).
    pub sources: Vec<String>,
}

#[derive(Debug)]
struct Compiled {
    entry: Entry,
    /// Each phrasing's stems.
    phrasings: Vec<BTreeSet<String>>,
    keywords: Matcher,
}

/// One language's answers, compiled for matching.
#[derive(Debug)]
pub struct Answers {
    pub version: u32,
    stop: BTreeSet<String>,
    /// Per stem, how much it tells answers apart.
    weight: BTreeMap<String, f32>,
    /// Stems used by few answers.
    distinctive: BTreeSet<String>,
    /// The weight of a stem no answer uses.
    unknown_weight: f32,
    entries: Vec<Compiled>,
}

/// The best answer to a message in one language.
#[derive(Debug, Clone, PartialEq)]
pub struct Match {
    pub id: String,
    pub score: f32,
}

impl Answers {
    fn compile(file: File) -> Answers {
        let stop: BTreeSet<String> = file
            .stopwords
            .iter()
            .flat_map(|w| {
                words(&crate::text::normalize(w))
                    .into_iter()
                    .map(str::to_string)
                    .collect::<Vec<_>>()
            })
            .collect();
        let entries: Vec<Compiled> = file
            .answers
            .into_iter()
            .map(|entry| Compiled {
                phrasings: entry
                    .questions
                    .iter()
                    .map(|q| stems(&stop, &crate::text::normalize(q)))
                    .filter(|s| !s.is_empty())
                    .collect(),
                keywords: Matcher::new(&entry.keywords),
                entry,
            })
            .collect();
        let mut used_by: BTreeMap<String, usize> = BTreeMap::new();
        for c in &entries {
            let all: BTreeSet<&String> = c.phrasings.iter().flatten().collect();
            for s in all {
                *used_by.entry(s.clone()).or_default() += 1;
            }
        }
        let n = entries.len().max(1) as f32;
        let distinctive = used_by
            .iter()
            .filter(|(_, df)| **df <= DISTINCTIVE)
            .map(|(s, _)| s.clone())
            .collect();
        let weight = used_by
            .into_iter()
            .map(|(s, df)| (s, (1.0 + n / df as f32).ln()))
            .collect();
        Answers {
            version: file.version,
            stop,
            weight,
            distinctive,
            unknown_weight: (1.0 + n).ln(),
            entries,
        }
    }

    fn weight(&self, stem: &str) -> f32 {
        self.weight
            .get(stem)
            .copied()
            .unwrap_or(self.unknown_weight)
    }

    /// The answer that fits a normalised message best, with its score.
    pub fn best(&self, norm: &str) -> Option<Match> {
        let message = stems(&self.stop, norm);
        let message_weight: f32 = message.iter().map(|s| self.weight(s)).sum();
        let mut best: Option<Match> = None;
        for c in &self.entries {
            let mut score = c
                .phrasings
                .iter()
                .map(|p| {
                    let whole: f32 = p.iter().map(|s| self.weight(s)).sum();
                    let common: Vec<&String> = p.iter().filter(|s| message.contains(*s)).collect();
                    let shared: f32 = common.iter().map(|s| self.weight(s)).sum();
                    let telling = common.len() == p.len()
                        || common.iter().any(|s| self.distinctive.contains(*s));
                    if !telling || whole <= 0.0 || message_weight <= 0.0 {
                        return 0.0;
                    }
                    0.75 * shared / whole + 0.25 * shared / message_weight
                })
                .fold(0.0_f32, f32::max);
            if c.keywords.is_match(norm) {
                score = (score + KEYWORD_BONUS).min(1.0);
            }
            if best.as_ref().is_none_or(|b| score > b.score) {
                best = Some(Match {
                    id: c.entry.id.clone(),
                    score,
                });
            }
        }
        best.filter(|b| b.score > 0.0)
    }

    /// [`Answers::best`] for a message as written.
    pub fn best_for(&self, text: &str) -> Option<Match> {
        self.best(&crate::text::normalize(text))
    }

    pub fn get(&self, id: &str) -> Option<&Entry> {
        self.entries.iter().map(|c| &c.entry).find(|e| e.id == id)
    }

    pub fn ids(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().map(|c| c.entry.id.as_str())
    }
}

/// Every phrasing of every answer, embedded, for finding answers by meaning
/// in any language the encoder reads. This crate has no model: the caller
/// embeds (the server and the conversation test set use multilingual-e5-small,
/// as queries, L2-normalised).
#[derive(Debug, Default)]
pub struct AnswerIndex {
    langs: BTreeMap<String, Vec<(String, Vec<f32>)>>,
}

impl AnswerIndex {
    /// Embeds every phrasing of `library` with `embed`, one language at a time.
    pub fn build<E>(
        library: &BTreeMap<String, Arc<Answers>>,
        mut embed: impl FnMut(&[&str]) -> Result<Vec<Vec<f32>>, E>,
    ) -> Result<AnswerIndex, E> {
        let mut langs = BTreeMap::new();
        for (lang, answers) in library {
            let phrasings: Vec<(&str, &str)> = answers
                .entries
                .iter()
                .flat_map(|c| {
                    c.entry
                        .questions
                        .iter()
                        .map(|q| (c.entry.id.as_str(), q.as_str()))
                })
                .collect();
            let texts: Vec<&str> = phrasings.iter().map(|(_, q)| *q).collect();
            let vectors = embed(&texts)?;
            let rows = phrasings
                .iter()
                .zip(vectors)
                .map(|((id, _), v)| ((*id).to_string(), v))
                .collect();
            langs.insert(lang.clone(), rows);
        }
        Ok(AnswerIndex { langs })
    }

    /// The answer whose phrasings in `language` (a BCP 47 tag; English when
    /// it has none) come closest to a message's embedding, when one reaches
    /// [`MEANING_THRESHOLD`].
    pub fn find(&self, language: &str, vector: &[f32]) -> Option<Match> {
        self.closest(language, vector)
            .filter(|m| m.score >= MEANING_THRESHOLD)
    }

    /// The closest answer whatever its score.
    pub fn closest(&self, language: &str, vector: &[f32]) -> Option<Match> {
        let primary = crate::emotion::primary_language(language);
        let rows = self.langs.get(&primary).or_else(|| self.langs.get("en"))?;
        rows.iter()
            .map(|(id, v)| Match {
                id: id.clone(),
                score: v.iter().zip(vector).map(|(a, b)| a * b).sum(),
            })
            .max_by(|a, b| a.score.total_cmp(&b.score))
    }
}

/// An answer by id, in the reply language when it has it.
pub(super) fn get<'a>(langs: &[&'a Lang], id: &str) -> Option<&'a Entry> {
    langs.iter().find_map(|l| l.answers.as_ref()?.get(id))
}

/// The library's answer to a message read in `langs` (the reply language
/// first): the best match in any of them, in the reply language when it has
/// that answer.
pub(super) fn find<'a>(langs: &[&'a Lang], norm: &str) -> Option<&'a Entry> {
    let best = langs
        .iter()
        .filter_map(|l| l.answers.as_ref()?.best(norm))
        .filter(|m| m.score >= THRESHOLD)
        .max_by(|a, b| a.score.total_cmp(&b.score))?;
    get(langs, &best.id)
}

/// A message's words without stop words, each cut to its stem.
fn stems(stop: &BTreeSet<String>, norm: &str) -> BTreeSet<String> {
    words(norm)
        .into_iter()
        .filter(|w| !stop.contains(*w))
        .map(|w| w.chars().take(STEM).collect())
        .collect()
}

/// Every embedded language's answers, by language id, checked: the same
/// answers in every language, none without text or sources.
pub fn load_all() -> Result<BTreeMap<String, Answers>, ContentError> {
    let mut problems = Vec::new();
    let mut out = BTreeMap::new();
    let mut english_ids: Option<Vec<String>> = None;
    for (id, text) in FILES {
        let file: File = match serde_json::from_str(text) {
            Ok(f) => f,
            Err(e) => {
                problems.push(format!("answers/{id}.json: {e}"));
                continue;
            }
        };
        if file.language != *id {
            problems.push(format!("answers/{id}.json: says it is {}", file.language));
        }
        let ids: Vec<String> = file.answers.iter().map(|a| a.id.clone()).collect();
        let unique: BTreeSet<&String> = ids.iter().collect();
        if unique.len() != ids.len() {
            problems.push(format!("answers/{id}.json: an id is used twice"));
        }
        for a in &file.answers {
            let missing = [
                ("answer", a.answer.trim().is_empty()),
                ("questions", a.questions.is_empty()),
                ("follow_up", a.follow_up.trim().is_empty()),
                (
                    "sources",
                    a.sources.is_empty() || a.sources.iter().any(|s| !s.contains("https://")),
                ),
            ];
            for (what, bad) in missing {
                if bad {
                    problems.push(format!("answers/{id}.json: {} has no usable {what}", a.id));
                }
            }
        }
        match &english_ids {
            None => english_ids = Some(ids),
            Some(en) => {
                let mut mine = ids.clone();
                let mut theirs = en.clone();
                mine.sort();
                theirs.sort();
                if mine != theirs {
                    problems.push(format!(
                        "answers/{id}.json: does not answer the same questions as en.json"
                    ));
                }
            }
        }
        out.insert((*id).to_string(), Answers::compile(file));
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(ContentError { problems })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use crate::text::normalize;

    fn library() -> BTreeMap<String, Answers> {
        load_all().expect("the embedded answers are valid")
    }

    fn best(lang: &str, text: &str) -> Option<Match> {
        library()[lang].best(&normalize(text))
    }

    #[test]
    fn every_language_answers_the_same_questions() {
        let lib = library();
        let en: Vec<&str> = lib["en"].ids().collect();
        assert!(en.len() >= 15, "{en:?}");
        for (lang, answers) in &lib {
            for id in &en {
                assert!(answers.get(id).is_some(), "{lang} lacks {id}");
            }
        }
    }

    #[test]
    fn a_question_finds_its_answer_in_other_words() {
        let found = best("en", "hey so what does cbt actually involve").unwrap();
        assert_eq!(found.id, "what_is_cbt");
        let found = best("es", "oye y eso de la terapia cognitivo conductual q es").unwrap();
        assert_eq!(found.id, "what_is_cbt");
    }

    #[test]
    fn unrelated_words_score_low() {
        let found = best("en", "what is the capital of peru");
        assert!(
            found.as_ref().is_none_or(|m| m.score < THRESHOLD),
            "{found:?}"
        );
    }
}
