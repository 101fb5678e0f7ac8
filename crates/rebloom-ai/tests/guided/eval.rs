//! The conversation test set: scripted conversations (only the person's side
//! is scripted, each message labelled with what it is) run through the guided
//! engine, and every reply judged by checks a person would agree with:
//!
//! - **feeling**: no feeling is named for the person that their message does
//!   not show (outside exercises and library answers);
//! - **question**: a question is answered from the library, by the boundary
//!   a medication or diagnosis question gets, or honestly declined;
//! - **exercise**: an exercise asked for starts;
//! - **no_push**: no exercise offered after a "no" or "just listen" (until
//!   the person asks for one), nor in reply to a greeting, thanks, goodbye or
//!   question;
//! - **goodbye**: a goodbye gets a close, without a question;
//! - **repeat**: no sentence of four words or more is said twice in a
//!   conversation.
//!
//! `tune.json` is what the engine is tuned on; `heldout.json`, written
//! separately by another author, is only scored. With
//! `REBLOOM_CONVERSATION_EVAL_OUT=docs/conversation-eval.md` the run writes
//! its report there.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use rebloom_ai::guided::answers::{self, AnswerIndex, Answers};
use rebloom_ai::guided::content::{self, Content};
use rebloom_e5::{E5, Role};
use rebloom_safety::normalize::clean;
use serde::Deserialize;

use super::harness::{Convo, engine, persona};

/// Floors under the current pass rates (turns, conversations): a change
/// that makes conversations worse fails here.
const TUNE_FLOOR: (f64, f64) = (0.95, 0.65);
const HELDOUT_FLOOR: (f64, f64) = (0.90, 0.40);

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Conversation {
    id: String,
    language: String,
    approach: Option<String>,
    style: String,
    turns: Vec<Step>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Step {
    user: String,
    act: String,
    #[serde(default)]
    feelings: Vec<String>,
    #[serde(default)]
    answer: Option<String>,
    #[serde(default)]
    exercise: Option<String>,
}

const ACTS: &[&str] = &[
    "greeting",
    "small_talk",
    "thanks",
    "goodbye",
    "question_world",
    "question_companion",
    "exercise_request",
    "acceptance",
    "decline",
    "just_listen",
    "answer",
    "positive_news",
    "venting",
];

/// What the checks need to know of the engine's words.
struct Words {
    answers: BTreeMap<String, Answers>,
    content: BTreeMap<String, Content>,
}

/// The encoder the server reads messages with, and the answer library
/// embedded by it: answers are found by meaning as the server finds them.
/// `None` without the model (`scripts/models.sh`): words alone.
struct Meaning {
    model: E5,
    index: AnswerIndex,
}

impl Meaning {
    fn load() -> Option<Meaning> {
        let path = format!(
            "{}/../../models/multilingual-e5-small/e5-small-q4.bin",
            env!("CARGO_MANIFEST_DIR")
        );
        let model = E5::load(std::path::Path::new(&path)).ok()?;
        let index = engine()
            .answer_index(|texts| {
                let cleaned: Vec<String> = texts.iter().map(|t| clean(t)).collect();
                let refs: Vec<&str> = cleaned.iter().map(String::as_str).collect();
                model.embed_batch(&refs, Role::Query)
            })
            .expect("the library embeds");
        Some(Meaning { model, index })
    }

    /// The library answer closest in meaning to a message, and its score.
    fn closest(&self, lang: &str, text: &str) -> Option<answers::Match> {
        let v = self.model.embed(&clean(text), Role::Query).ok()?;
        self.index.closest(lang, &v)
    }

    fn find(&self, lang: &str, text: &str) -> Option<String> {
        let v = self.model.embed(&clean(text), Role::Query).ok()?;
        self.index.find(lang, &v).map(|m| m.id)
    }
}

impl Words {
    fn load() -> Words {
        Words {
            answers: answers::load_all().expect("answers load"),
            content: content::load_all()
                .expect("content loads")
                .into_iter()
                .map(|l| (l.id, l.content))
                .collect(),
        }
    }

    fn templates(&self, lang: &str, slot: &str) -> &[String] {
        self.content[lang]
            .templates
            .get(slot)
            .map_or(&[], Vec::as_slice)
    }

    /// The texts of every slot whose id ends with `suffix` under `ex.`.
    fn exercise_texts(&self, lang: &str, suffix: &str) -> Vec<String> {
        self.content[lang]
            .templates
            .iter()
            .filter(|(slot, _)| slot.starts_with("ex.") && slot.ends_with(suffix))
            .flat_map(|(_, list)| list.iter().cloned())
            .collect()
    }

    /// The reply without what is not about the person's feelings: library
    /// answers and their questions back, exercise names and offers, and the
    /// companion speaking of itself ("I'm glad you're here").
    fn about_the_person(&self, reply: &str, lang: &str) -> String {
        let mut out = reply.to_lowercase();
        let mut texts: Vec<String> = Vec::new();
        if let Some(a) = self.answers.get(lang) {
            for id in a.ids() {
                if let Some(e) = a.get(id) {
                    texts.push(e.answer.clone());
                    texts.push(e.follow_up.clone());
                }
            }
        }
        texts.extend(self.exercise_texts(lang, ".offer"));
        texts.extend(self.exercise_texts(lang, ".title"));
        let own: &[&str] = match lang {
            "es" => &["me alegra", "me alegro", "me da gusto", "qué bien"],
            _ => &[
                "i'm really glad",
                "i'm so glad",
                "i'm glad",
                "i am glad",
                "glad to",
            ],
        };
        texts.extend(own.iter().map(|s| (*s).to_string()));
        texts.sort_by_key(|t| std::cmp::Reverse(t.len()));
        for t in texts {
            let t = t.to_lowercase();
            if !t.trim().is_empty() {
                out = out.replace(t.as_str(), " ");
            }
        }
        out
    }

    fn said_any(&self, reply: &str, lang: &str, slot: &str) -> bool {
        self.templates(lang, slot)
            .iter()
            .any(|t| reply.contains(t.as_str()))
    }
}

#[derive(Default)]
struct Tally {
    turns: usize,
    turns_passed: usize,
    conversations: usize,
    conversations_passed: usize,
    by_check: BTreeMap<&'static str, usize>,
    by_act: BTreeMap<String, (usize, usize)>,
    failures: Vec<String>,
    transcripts: Vec<String>,
}

impl Tally {
    fn turn_rate(&self) -> f64 {
        self.turns_passed as f64 / self.turns.max(1) as f64
    }
    fn conversation_rate(&self) -> f64 {
        self.conversations_passed as f64 / self.conversations.max(1) as f64
    }
}

/// Sentences of four words or more (numbers are not words: "In: 1, 2, 3, 4").
fn sentences(text: &str) -> Vec<String> {
    text.split(['.', '?', '!', '\n', '¿', '¡'])
        .map(|s| s.trim().to_lowercase())
        .filter(|s| {
            s.split_whitespace()
                .filter(|w| w.chars().any(char::is_alphabetic))
                .count()
                >= 4
        })
        .collect()
}

/// Whether a sentence speaks to the person (where a feeling would be theirs).
fn to_the_person(sentence: &str, lang: &str) -> bool {
    let words: Vec<&str> = sentence
        .split(|c: char| !c.is_alphanumeric() && c != '\'' && c != '’')
        .collect();
    let markers: &[&str] = match lang {
        "es" => &[
            "te", "tu", "tú", "ti", "estás", "sientes", "sientas", "estés", "contigo", "has",
        ],
        _ => &[
            "you", "your", "you're", "you’re", "you've", "you’ve", "yourself",
        ],
    };
    words.iter().any(|w| markers.contains(w))
}

async fn run(
    conv: &Conversation,
    words: &Words,
    meaning: Option<&Meaning>,
    tally: &mut Tally,
    keep: bool,
) {
    let lang = conv.language.as_str();
    let mut convo = Convo::new(persona(lang, conv.approach.as_deref(), None));
    let mut said: Vec<String> = Vec::new();
    let mut quiet = false;
    let mut all_passed = true;
    let offers = words.exercise_texts(lang, ".offer");
    let mut transcript = format!(
        "### {} ({}, {}{})\n\n",
        conv.id,
        lang,
        conv.style,
        conv.approach
            .as_deref()
            .map(|a| format!(", {a}"))
            .unwrap_or_default()
    );
    for (i, step) in conv.turns.iter().enumerate() {
        assert!(
            ACTS.contains(&step.act.as_str()),
            "{}: unknown act {}",
            conv.id,
            step.act
        );
        let before = convo.exercise();
        convo.persona.answer = meaning.and_then(|m| m.find(lang, &step.user));
        let reply = convo.send(&step.user).await;
        let after = convo.exercise();
        let offered =
            !convo.offered().is_empty() || offers.iter().any(|o| reply.contains(o.as_str()));
        let resumed = words.said_any(&reply, lang, "resume");
        let mut failed: Vec<(&'static str, String)> = Vec::new();
        let act = step.act.as_str();
        if act == "exercise_request" {
            quiet = false;
        }
        if before.is_none() && after.is_none() {
            for sentence in sentences(&words.about_the_person(&reply, lang)) {
                if !to_the_person(&sentence, lang) {
                    continue;
                }
                for e in engine().detect_emotions(&sentence, lang) {
                    if !step.feelings.contains(&e) {
                        failed.push(("feeling", format!("{e} in {sentence:?}")));
                    }
                }
            }
        }
        if matches!(act, "question_world" | "question_companion") {
            let ok = match step.answer.as_deref() {
                None => words.said_any(&reply, lang, "answer.unknown"),
                Some(slot @ ("medication" | "diagnosis")) => words.said_any(&reply, lang, slot),
                Some(id) => {
                    let library = words
                        .answers
                        .get(lang)
                        .and_then(|a| a.get(id))
                        .is_some_and(|e| reply.contains(e.answer.as_str()));
                    let about_me = id == "what_is_rebloom"
                        && (words.said_any(&reply, lang, "about.identity")
                            || words.said_any(&reply, lang, "about.capabilities"));
                    library || about_me
                }
            };
            if !ok {
                let best = words.answers.get(lang).and_then(|a| a.best_for(&step.user));
                let by_meaning = meaning.and_then(|m| m.closest(lang, &step.user));
                failed.push((
                    "question",
                    format!(
                        "expected {:?}, by words {best:?}, by meaning {by_meaning:?}",
                        step.answer.as_deref().unwrap_or("unknown")
                    ),
                ));
            }
        }
        if let Some(ex) = &step.exercise
            && after.as_deref() != Some(ex.as_str())
            && !convo.completed().contains(ex)
        {
            failed.push(("exercise", format!("{ex} did not start")));
        }
        if matches!(act, "decline" | "just_listen") {
            quiet = true;
        }
        let never_offer = matches!(
            act,
            "greeting" | "thanks" | "goodbye" | "question_world" | "question_companion"
        );
        if offered && (quiet || never_offer) {
            failed.push(("no_push", "an exercise was offered".to_string()));
        }
        if act == "goodbye" && (reply.contains('?') || after.is_some()) {
            failed.push((
                "goodbye",
                "a question or an exercise at goodbye".to_string(),
            ));
        }
        // A step asked again after a question in the middle of an exercise
        // is meant to be heard twice.
        for sentence in sentences(&reply).into_iter().filter(|_| !resumed) {
            if said.contains(&sentence) {
                failed.push(("repeat", format!("{sentence:?}")));
            }
        }
        said.extend(sentences(&reply));

        tally.turns += 1;
        let entry = tally.by_act.entry(step.act.clone()).or_default();
        entry.0 += 1;
        if failed.is_empty() {
            tally.turns_passed += 1;
            entry.1 += 1;
        } else {
            all_passed = false;
            let mut checks: Vec<&str> = failed.iter().map(|f| f.0).collect();
            checks.dedup();
            for c in checks {
                *tally.by_check.entry(c).or_default() += 1;
            }
            if keep {
                tally.failures.push(format!(
                    "{} turn {} ({}): {:?}\n  > {}\n  < {}",
                    conv.id,
                    i + 1,
                    step.act,
                    failed,
                    step.user,
                    reply.replace('\n', " / ")
                ));
            }
        }
        let _ = write!(
            transcript,
            "> **Person** ({}): {}\n>\n> **Rebloom**{}: {}\n\n",
            step.act,
            step.user,
            if failed.is_empty() {
                String::new()
            } else {
                let names: Vec<&str> = failed.iter().map(|f| f.0).collect();
                format!(" (fails {})", names.join(", "))
            },
            reply.replace('\n', "\n> ")
        );
    }
    tally.conversations += 1;
    if all_passed {
        tally.conversations_passed += 1;
    }
    if keep {
        tally.transcripts.push(transcript);
    }
}

async fn score(file: &str, meaning: Option<&Meaning>, keep: bool) -> Tally {
    let path = format!("{}/tests/conversations/{file}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).expect("the conversation set is readable");
    let set: Vec<Conversation> = serde_json::from_str(&text).expect("the set parses");
    assert!(!set.is_empty());
    let words = Words::load();
    let mut tally = Tally::default();
    for conv in &set {
        run(conv, &words, meaning, &mut tally, keep).await;
    }
    tally
}

fn summary(name: &str, t: &Tally) -> String {
    let mut out = format!(
        "| {name} | {} | {}/{} ({:.1}%) | {}/{} ({:.1}%) |",
        t.conversations,
        t.turns_passed,
        t.turns,
        100.0 * t.turn_rate(),
        t.conversations_passed,
        t.conversations,
        100.0 * t.conversation_rate()
    );
    let checks: Vec<String> = t.by_check.iter().map(|(k, v)| format!("{k} {v}")).collect();
    let _ = write!(out, " {} |", checks.join(", "));
    out
}

#[tokio::test]
async fn the_conversation_set() {
    let meaning = Meaning::load();
    eprintln!(
        "answers found {}",
        if meaning.is_some() {
            "by their words and by meaning (multilingual-e5-small)"
        } else {
            "by their words alone: no model in models/ (scripts/models.sh)"
        }
    );
    let tune = score("tune.json", meaning.as_ref(), true).await;
    let heldout = score("heldout.json", meaning.as_ref(), false).await;
    for f in &tune.failures {
        eprintln!("{f}");
    }
    let header = "| set | conversations | turns passing | conversations passing | turns failing, by check |\n|---|---|---|---|---|";
    let table = format!(
        "{header}\n{}\n{}",
        summary("tuned on (tune.json)", &tune),
        summary("held out (heldout.json)", &heldout)
    );
    eprintln!("{table}");
    if let Ok(out) = std::env::var("REBLOOM_CONVERSATION_EVAL_OUT") {
        let mut doc = String::from(include_str!("eval_header.md"));
        doc.push_str(&table);
        doc.push_str("\n\n## By act (tuning set)\n\n| act | turns | passing |\n|---|---|---|\n");
        for (act, (n, ok)) in &tune.by_act {
            let _ = writeln!(doc, "| {act} | {n} | {ok} |");
        }
        doc.push_str("\n## Transcripts (tuning set)\n\n");
        let (spanish, english): (Vec<&String>, Vec<&String>) = tune
            .transcripts
            .iter()
            .partition(|t| t.contains(", es, ") || t.contains("(es,"));
        for t in english.iter().take(8).chain(spanish.iter().take(4)) {
            doc.push_str(t);
        }
        std::fs::write(&out, doc).expect("the report is written");
    }
    assert!(
        tune.turn_rate() >= TUNE_FLOOR.0 && tune.conversation_rate() >= TUNE_FLOOR.1,
        "the tuning set fell below its floor:\n{table}"
    );
    assert!(
        heldout.turn_rate() >= HELDOUT_FLOOR.0 && heldout.conversation_rate() >= HELDOUT_FLOOR.1,
        "the held-out set fell below its floor:\n{table}"
    );
}
