//! The languages the engine speaks: each content file compiled for matching
//! (its lexicon, emotion, topic and thinking-trap words) with the emotion
//! lexicon's words and negations shared with [`crate::emotion`], and the
//! catalogue that picks the languages a message is read in.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::answers::{self, Answers};
use super::content::{self, Content, ContentError};
use super::slots::{DISTORTIONS, EMOTIONS, TOPICS};
use super::state::ExerciseKind;
use crate::emotion::{self, LangLexicon};
use crate::text::Matcher;

/// One language, compiled for matching.
#[derive(Debug)]
pub struct Lang {
    pub id: String,
    pub c: Content,
    /// Exercises this language's own file translates.
    pub native: Vec<ExerciseKind>,
    /// This language's emotion words and negations.
    pub(super) emo: &'static LangLexicon,
    /// Per emotion: words with a more exact name, and those names.
    pub(super) emotions: Vec<(Matcher, Vec<String>)>,
    pub(super) topics: Vec<(Matcher, Vec<String>)>,
    pub(super) distortions: Vec<(Matcher, Matcher)>,
    lexicon: BTreeMap<String, Matcher>,
    /// Answers to questions in this language, when it has a library.
    pub(super) answers: Option<Arc<Answers>>,
}

impl Lang {
    fn compile(
        loaded: content::Loaded,
        emo: &'static LangLexicon,
        answers: Option<Arc<Answers>>,
    ) -> Lang {
        let c = loaded.content;
        let emotions = EMOTIONS
            .iter()
            .map(|id| match c.emotions.get(*id) {
                Some(e) => {
                    let keys: Vec<&String> = e.variants.keys().collect();
                    let names = e.variants.values().cloned().collect();
                    (Matcher::new(&keys), names)
                }
                None => Default::default(),
            })
            .collect();
        let topics = TOPICS
            .iter()
            .map(|id| match c.topics.get(*id) {
                Some(t) => {
                    let keys: Vec<&String> = t.words.keys().collect();
                    (Matcher::new(&keys), t.words.values().cloned().collect())
                }
                None => Default::default(),
            })
            .collect();
        let distortions = DISTORTIONS
            .iter()
            .map(|id| match c.distortions.get(*id) {
                Some(d) => {
                    let mut aliases = d.aliases.clone();
                    aliases.push(d.name.clone());
                    (Matcher::new(&d.patterns), Matcher::new(&aliases))
                }
                None => Default::default(),
            })
            .collect();
        let lexicon = c
            .lexicon
            .iter()
            .map(|(k, v)| (k.clone(), Matcher::new(v)))
            .collect();
        let native = ExerciseKind::ALL
            .into_iter()
            .filter(|k| loaded.own_slots.contains(&format!("ex.{}.intro", k.id())))
            .collect();
        Lang {
            id: loaded.id,
            native,
            emo,
            emotions,
            topics,
            distortions,
            lexicon,
            answers,
            c,
        }
    }

    /// Words that deny what follows them ("not", "never"), normalised.
    pub fn negations(&self) -> &[String] {
        &self.emo.negations
    }

    pub fn lex(&self, key: &str) -> Option<&Matcher> {
        self.lexicon.get(key)
    }

    pub fn word(&self, key: &str) -> &str {
        self.c.words.get(key).map_or("", String::as_str)
    }

    pub fn feeling(&self, emotion: &str) -> &str {
        self.c
            .emotions
            .get(emotion)
            .map_or("", |e| e.feeling.as_str())
    }

    pub fn noun(&self, emotion: &str) -> &str {
        self.c.emotions.get(emotion).map_or("", |e| e.noun.as_str())
    }

    pub fn topic_default(&self, topic: &str) -> &str {
        self.c.topics.get(topic).map_or("", |t| t.default.as_str())
    }
}

/// Every embedded language, English first.
#[derive(Debug)]
pub struct Catalog {
    langs: Vec<Lang>,
    /// Every language's answers (the same ones its [`Lang`] holds), for
    /// embedding their phrasings.
    pub(super) library: BTreeMap<String, Arc<Answers>>,
}

impl Catalog {
    pub fn load() -> Result<Catalog, ContentError> {
        let lexicon = emotion::lexicon().map_err(|e| ContentError {
            problems: e.problems,
        })?;
        let library: BTreeMap<String, Arc<Answers>> = answers::load_all()?
            .into_iter()
            .map(|(id, a)| (id, Arc::new(a)))
            .collect();
        let mut langs = Vec::new();
        let mut problems = Vec::new();
        for loaded in content::load_all()? {
            let answers = library.get(&loaded.id).cloned();
            match lexicon.lang(&loaded.id) {
                Some(emo) => langs.push(Lang::compile(loaded, emo, answers)),
                None => problems.push(format!("{}: no emotion lexicon", loaded.id)),
            }
        }
        if !problems.is_empty() {
            return Err(ContentError { problems });
        }
        if langs.is_empty() {
            return Err(ContentError {
                problems: vec!["no languages".into()],
            });
        }
        Ok(Catalog { langs, library })
    }

    /// The language to answer in for a BCP 47 tag, and the languages to
    /// understand (that one, then English).
    pub fn select(&self, tag: &str) -> Vec<&Lang> {
        let primary = crate::emotion::primary_language(tag);
        let mut out: Vec<&Lang> = self.langs.iter().filter(|l| l.id == primary).collect();
        for l in &self.langs {
            if l.id == "en" && !out.iter().any(|o| o.id == "en") {
                out.push(l);
            }
        }
        if out.is_empty() {
            out.extend(self.langs.first());
        }
        out
    }
}
