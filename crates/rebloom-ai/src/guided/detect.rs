//! What the engine notices in a message: emotions, topics, thinking traps,
//! intents (greeting, thanks, yes, stop, …) and requests for exercises. All
//! lexicon-based, from the content files; emotion words and negations come
//! from the emotion lexicon shared with [`crate::emotion`].

use super::language::Lang;
use super::slots::{DISTORTIONS, EMOTIONS, POSITIVE, TOPICS};
use super::state::ExerciseKind;
use crate::emotion::{self, LangLexicon};
use crate::text::{self, normalize, words};

/// An emotion found in a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Emo {
    pub id: &'static str,
    pub score: u32,
    /// A more exact name in the reply language, when the words gave one.
    pub variant: Option<String>,
}

impl Emo {
    pub fn positive(&self) -> bool {
        POSITIVE.contains(&self.id)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopicHit {
    pub id: &'static str,
    /// A phrase for it in the reply language.
    pub phrase: String,
}

/// Everything noticed in one message.
#[derive(Debug, Clone, Default)]
pub struct Signals {
    pub emotions: Vec<Emo>,
    pub topic: Option<TopicHit>,
    pub words: usize,
    pub yes: bool,
    pub no: bool,
    pub stop: bool,
    pub skip: bool,
    pub greeting: bool,
    /// "How are you?", "what's up?"
    pub small_talk: bool,
    /// The message says how long something has been going on ("for weeks").
    pub duration: bool,
    pub thanks: bool,
    pub bye: bool,
    pub ask_human: bool,
    pub ask_capabilities: bool,
    pub medication: bool,
    pub diagnosis: bool,
    pub unusual: bool,
    pub risk: bool,
    pub menu: bool,
    /// Words that ask for something to be done ("can we", "let's").
    pub cue: bool,
    /// An exercise asked for in so many words.
    pub request: Option<ExerciseKind>,
    /// An exercise asked for by name (enough to switch in the middle of another).
    pub strong_request: Option<ExerciseKind>,
    /// The message reads as a question.
    pub question: bool,
    /// It asks for information in so many words ("I wonder what respite
    /// care is", "tell me about panic"), question mark or not.
    pub asks: bool,
    /// A question that is really a cry ("why does this always happen to me?").
    pub rhetorical: bool,
    /// "I just want to vent", "no exercises": listen, offer nothing.
    pub just_listen: bool,
    /// An exercise named at all (enough to pick from a menu).
    pub mention: Option<ExerciseKind>,
    /// "let's do it", "let's make the plan": accepts a safety-plan offer.
    pub plan_accept: bool,
    /// Indices into [`DISTORTIONS`].
    pub distortions: Vec<usize>,
}

/// Whether the text has one of the lexicon's phrases for `key`.
pub fn mentions(langs: &[&Lang], key: &str, norm: &str) -> bool {
    langs
        .iter()
        .any(|l| l.lex(key).is_some_and(|m| m.is_match(norm)))
}

/// Whether the whole text is one of the phrases of list `key`.
pub fn exact(langs: &[&Lang], key: &str, norm: &str) -> bool {
    langs
        .iter()
        .any(|l| l.lex(key).is_some_and(|m| m.is_exact(norm)))
}

fn has_word(langs: &[&Lang], key: &str, word: &str) -> bool {
    langs
        .iter()
        .any(|l| l.lex(key).is_some_and(|m| m.has_word(word)))
}

/// The earliest position any of the lists matches at.
fn first_pos(langs: &[&Lang], key: &str, norm: &str) -> Option<usize> {
    langs
        .iter()
        .filter_map(|l| l.lex(key))
        .filter_map(|m| m.find_all(norm).first().map(|h| h.0))
        .min()
}

impl Signals {
    pub fn read(langs: &[&Lang], text: &str, norm: &str, persona_emotions: &[String]) -> Signals {
        let text_is_question = text.contains('?');
        let ws = words(norm);
        let n = ws.len();
        let first = ws.first().copied().unwrap_or("");
        let second = ws.get(1).copied().unwrap_or("");
        let no = mentions(langs, "no_phrases", norm)
            || (n <= 6
                && has_word(langs, "no_words", first)
                && (n == 1 || has_word(langs, "no_follow", second)));
        let yes = !no
            && n <= 8
            && (mentions(langs, "yes_phrases", norm)
                || (n <= 3 && has_word(langs, "yes_words", first)));
        let greeting = first_pos(langs, "greeting", norm)
            .is_some_and(|p| norm[..p].split_whitespace().count() < 3);
        let mut request: Option<(usize, ExerciseKind)> = None;
        let mut strong_request: Option<(usize, ExerciseKind)> = None;
        let mut mention: Option<(usize, ExerciseKind)> = None;
        let cue = mentions(langs, "request_cues", norm);
        // "I don't want a safety plan" neither asks for nor names one.
        let plan_negated = plan_negated(langs, text, norm);
        for kind in ExerciseKind::ALL {
            if kind == ExerciseKind::SafetyPlan && plan_negated {
                continue;
            }
            let strong = first_pos(langs, &format!("trigger.{}.strong", kind.id()), norm);
            let weak = first_pos(langs, &format!("trigger.{}.weak", kind.id()), norm);
            if let Some(p) = strong
                && strong_request.is_none_or(|(q, _)| p < q)
            {
                strong_request = Some((p, kind));
            }
            let asked = strong.or(if cue { weak } else { None });
            if let Some(p) = asked
                && request.is_none_or(|(q, _)| p < q)
            {
                request = Some((p, kind));
            }
            if let Some(p) = strong.into_iter().chain(weak).min()
                && mention.is_none_or(|(q, _)| p < q)
            {
                mention = Some((p, kind));
            }
        }
        let request = request.map(|r| r.1);
        let asks_what = ws
            .first()
            .is_some_and(|w| matches!(*w, "what" | "which" | "que" | "cual"));
        Signals {
            emotions: emotions(langs, norm, persona_emotions),
            topic: topic(langs, norm),
            words: n,
            yes,
            no,
            stop: exact(langs, "stop_exact", norm)
                || (n <= 10 && mentions(langs, "stop_phrases", norm)),
            // Single words only count alone ("next", not "next week").
            skip: exact(langs, "skip", norm)
                || (n <= 6
                    && langs
                        .iter()
                        .any(|l| l.lex("skip").is_some_and(|m| m.has_phrase(norm)))),
            greeting,
            small_talk: n <= 8 && mentions(langs, "small_talk", norm),
            duration: mentions(langs, "duration_told", norm),
            thanks: mentions(langs, "thanks", norm),
            bye: (n <= 14 && mentions(langs, "bye", norm)) || exact(langs, "bye_exact", norm),
            ask_human: mentions(langs, "ask_human", norm),
            ask_capabilities: mentions(langs, "ask_capabilities", norm),
            medication: mentions(langs, "medication", norm),
            diagnosis: mentions(langs, "diagnosis", norm),
            unusual: mentions(langs, "unusual_beliefs", norm),
            risk: mentions(langs, "risk", norm),
            menu: request.is_none() && mentions(langs, "menu", norm) && (cue || asks_what),
            cue,
            request,
            strong_request: strong_request.map(|r| r.1),
            // "also how do people…" asks as much as "how do people…".
            question: text_is_question
                || has_word(langs, "question_words", first)
                || (has_word(langs, "question_lead", first)
                    && has_word(langs, "question_words", second)),
            asks: mentions(langs, "question_cues", norm),
            rhetorical: mentions(langs, "rhetorical", norm),
            just_listen: mentions(langs, "just_listen", norm),
            mention: mention.map(|m| m.1),
            plan_accept: mentions(langs, "plan_accept", norm),
            distortions: distortions(langs, norm),
        }
    }
}

/// Emotions in the text (and any the caller detected), strongest first.
pub fn emotions(langs: &[&Lang], norm: &str, extra: &[String]) -> Vec<Emo> {
    let lex: Vec<&LangLexicon> = langs.iter().map(|l| l.emo).collect();
    let mut scores = emotion::lexicon_scores(&lex, norm);
    let mut variants: Vec<Option<String>> = vec![None; EMOTIONS.len()];
    if let Some(reply) = langs.first() {
        for (ei, (keys, names)) in reply.emotions.iter().enumerate() {
            variants[ei] = keys
                .find_all(norm)
                .into_iter()
                .find(|(pos, _)| !emotion::negated(&lex, norm, *pos))
                .and_then(|(_, k)| names.get(k).cloned());
        }
    }
    for e in extra {
        let n = normalize(e);
        let found = EMOTIONS
            .iter()
            .position(|id| n.trim() == *id)
            .or_else(|| lex.iter().find_map(|l| l.first_emotion(&n)));
        // The classifier only confirms: a feeling is named when the words
        // of the message show it, never on the classifier's say alone.
        if let Some(ei) = found
            && scores[ei] > 0
        {
            scores[ei] += 2;
        }
    }
    let mut out: Vec<Emo> = EMOTIONS
        .iter()
        .zip(scores)
        .zip(variants)
        .filter(|((_, s), _)| *s > 0)
        .map(|((id, score), variant)| Emo { id, score, variant })
        .collect();
    out.sort_by_key(|e| std::cmp::Reverse(e.score));
    out
}

/// The topic the message is most about, with the most specific phrase for it.
pub fn topic(langs: &[&Lang], norm: &str) -> Option<TopicHit> {
    let reply = langs.first()?;
    let mut best: Option<(usize, usize, &'static str, String)> = None;
    for (ti, id) in TOPICS.iter().enumerate() {
        let mut count = 0;
        let mut first = usize::MAX;
        let mut phrase: Option<(usize, String)> = None;
        for (li, lang) in langs.iter().enumerate() {
            let Some((keys, phrases)) = lang.topics.get(ti) else {
                continue;
            };
            let key_names: Vec<&String> = lang
                .c
                .topics
                .get(*id)
                .map(|t| t.words.keys().collect())
                .unwrap_or_default();
            for (pos, k) in keys.find_all(norm) {
                count += 1;
                first = first.min(pos);
                let len = key_names.get(k).map_or(0, |s| s.len());
                let text = if li == 0 {
                    phrases.get(k).cloned().unwrap_or_default()
                } else {
                    reply.topic_default(id).to_string()
                };
                if phrase.as_ref().is_none_or(|(l, _)| len > *l) {
                    phrase = Some((len, text));
                }
            }
        }
        if *id == "loss" {
            // A loss outweighs whoever else is mentioned alongside it.
            count *= 2;
        }
        if let Some((_, text)) = phrase {
            let better = best
                .as_ref()
                .is_none_or(|(c, f, _, _)| count > *c || (count == *c && first < *f));
            if better {
                best = Some((count, first, id, text));
            }
        }
    }
    best.map(|(_, _, id, phrase)| TopicHit { id, phrase })
}

/// Thinking traps whose patterns appear in the text, as indices into [`DISTORTIONS`].
pub fn distortions(langs: &[&Lang], norm: &str) -> Vec<usize> {
    (0..DISTORTIONS.len())
        .filter(|&i| {
            langs
                .iter()
                .any(|l| l.distortions.get(i).is_some_and(|(p, _)| p.is_match(norm)))
        })
        .collect()
}

/// Thinking traps a person names in an answer ("yes, mind reading").
pub fn named_distortions(langs: &[&Lang], norm: &str) -> Vec<usize> {
    (0..DISTORTIONS.len())
        .filter(|&i| {
            langs
                .iter()
                .any(|l| l.distortions.get(i).is_some_and(|(_, a)| a.is_match(norm)))
        })
        .collect()
}

/// Whether text contains anything that must never be echoed back.
pub fn unsafe_to_echo(langs: &[&Lang], norm: &str) -> bool {
    mentions(langs, "forbidden_echo", norm) || mentions(langs, "risk", norm)
}

/// The first phrase of lexicon list `key` found in the text, as written in the list.
pub fn first_listed(langs: &[&Lang], key: &str, norm: &str) -> Option<String> {
    langs.iter().find_map(|l| {
        let m = l.lex(key)?;
        let (_, i) = *m.find_all(norm).first()?;
        l.c.lexicon
            .get(key)?
            .get(i)
            .map(|s| s.trim_end_matches('*').to_string())
    })
}

/// Splits a sentence at joining words ("and", "but") into clauses, as written.
pub fn split_clauses(langs: &[&Lang], sentence: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current: Vec<&str> = Vec::new();
    for word in sentence.split_whitespace() {
        if exact(langs, "clause_breaks", &normalize(word)) {
            if !current.is_empty() {
                out.push(current.join(" "));
            }
            current.clear();
        } else {
            current.push(word);
        }
    }
    if !current.is_empty() {
        out.push(current.join(" "));
    }
    out
}

/// Whether every mention of the plan in the text is negated in its own
/// clause ("I don't want a safety plan"); false when it is not mentioned.
fn plan_negated(langs: &[&Lang], text: &str, norm: &str) -> bool {
    let keys = ["trigger.safety_plan.strong", "trigger.safety_plan.weak"];
    // A clause's words are a run of the whole text's: without a mention in
    // the whole, there is none in any clause.
    if keys.iter().all(|k| first_pos(langs, k, norm).is_none()) {
        return false;
    }
    let mut named = false;
    for sentence in text::sentences(text) {
        for part in sentence.split(',') {
            for clause in split_clauses(langs, part) {
                let norm = normalize(&clause);
                let Some(pos) = keys.iter().filter_map(|k| first_pos(langs, k, &norm)).min() else {
                    continue;
                };
                let denied = norm[..pos]
                    .split_whitespace()
                    .any(|w| langs.iter().any(|l| l.negations().iter().any(|n| n == w)));
                if !denied {
                    return false;
                }
                named = true;
            }
        }
    }
    named
}
