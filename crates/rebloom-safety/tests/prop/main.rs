//! Property tests of the safety layer on bad and unusual input: arbitrary
//! Unicode and byte soup (huge, mixed scripts, zero-width and bidi controls,
//! combining marks, emoji, control characters), arbitrary conversations and
//! country codes. Nothing panics, the same input gets the same assessment, a
//! crisis statement from the crate's own tests stays a crisis inside benign
//! surroundings, and case, whitespace and apostrophe variants do not change it.
//!
//! Cases: `PROPTEST_CASES` overrides every test's default. Each test prints
//! `prop NAME: N cases, 0 failures` (see it with `--nocapture`). A failing case
//! is saved in `proptest-regressions/prop.txt` (replayed first on later runs;
//! commit it with the fix).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::cell::Cell;
use std::sync::LazyLock;

use proptest::prelude::*;
use proptest::test_runner::{Config, FileFailurePersistence, TestCaseError, TestRunner};
use rebloom_safety::{Assessment, RiskLevel, Safety, Speaker, Turn};

mod assess;
mod crisis;
#[path = "../labelled/mod.rs"]
mod labelled;
mod replies;

pub static SAFETY: LazyLock<Safety> = LazyLock::new(|| Safety::new().unwrap());

/// Runs `test` on values of `strategy`: `default_cases` of them unless
/// `PROPTEST_CASES` says otherwise. Panics with the shrunk input on a failure.
pub fn check<S: Strategy>(
    name: &str,
    default_cases: u32,
    strategy: S,
    test: impl Fn(S::Value) -> Result<(), TestCaseError>,
) {
    let mut config = Config {
        source_file: Some(file!()),
        test_name: Some("prop"),
        ..Config::default()
    };
    // One file per crate (the working directory of `cargo test`), unless
    // PROPTEST_DISABLE_FAILURE_PERSISTENCE is set.
    if config.failure_persistence.is_some() {
        config.failure_persistence = Some(Box::new(FileFailurePersistence::Direct(
            "proptest-regressions/prop.txt",
        )));
    }
    if std::env::var_os("PROPTEST_CASES").is_none() {
        config.cases = default_cases;
    }
    let passed = Cell::new(0u64);
    let started = std::time::Instant::now();
    let result = TestRunner::new(config).run(&strategy, |v| {
        test(v)?;
        passed.set(passed.get() + 1);
        Ok(())
    });
    if let Err(e) = result {
        panic!("prop {name}: {e}");
    }
    eprintln!(
        "prop {name}: {} cases, 0 failures ({:.1} s)",
        passed.get(),
        started.elapsed().as_secs_f64()
    );
}

// ---- inputs ------------------------------------------------------------------

/// Words and phrases that make the rules fire (crisis, means, negation, humour,
/// quotation, retraction, warning signs, past markers), so arbitrary text often
/// reaches the context-dependent paths, not only the "nothing matched" one.
const RULE_WORDS: &[&str] = &[
    "i",
    "want",
    "to",
    "die",
    "kill",
    "myself",
    "i want to die",
    "i'm going to kill myself tonight",
    "i have the pills saved up",
    "i wrote my goodbye note",
    "what are the tallest bridges",
    "where do i buy pesticides",
    "not",
    "never",
    "don't",
    "no",
    "lol",
    "😂",
    "essay",
    "lyrics",
    "forget it, i shouldn't have said that",
    "i haven't eaten in three days",
    "i can't get out of bed",
    "when i was 15",
    "years ago",
    "my grandma has dementia",
    "her carer has been using her credit card",
    "my dad fell",
    "he is slurring his words",
    "face drooping",
    "i'm safe",
    "quiero morir",
    "je veux mourir",
    "ich will nicht mehr leben",
    "but",
    "killing it",
    "bored to death",
    "voices are telling me",
    ",",
    ".",
    "!",
    "?",
    ";",
    ":",
    "'",
    "’",
    "`",
    " but ",
];

/// Characters that trip up text handling: zero-width and bidi controls,
/// combining marks, case-mapping oddities, unusual whitespace, emoji sequences.
const SPECIAL: &[&str] = &[
    "\u{200b}",
    "\u{200c}",
    "\u{200d}",
    "\u{2060}",
    "\u{feff}",
    "\u{ad}",
    "\u{202e}",
    "\u{202b}",
    "\u{200f}",
    "\u{2066}",
    "\u{2069}",
    "\u{301}",
    "\u{308}\u{308}\u{308}",
    "e\u{301}",
    // Marks of different combining classes an apostrophe kept apart.
    "\u{11366}`\u{1e8d0}",
    "İ",
    "ẞ",
    "ß",
    "Σ",
    "ΑΣ",
    "ǅ",
    "ﬃ",
    "ｉ ｗａｎｔ",
    "\u{a0}",
    "\u{85}",
    "\u{2028}",
    "\u{2029}",
    "\u{3000}",
    "\r\n",
    "\t",
    "\0",
    "\u{1b}[31m",
    "\u{7f}",
    "\u{fffd}",
    "\u{10ffff}",
    "👨\u{200d}👩\u{200d}👧\u{200d}👦",
    "🏳\u{fe0f}\u{200d}🌈",
    "👍🏽",
    "💀",
    "🤣",
    "ع",
    "שלום",
    "你好",
    "こんにちは",
    "안녕",
    "नमस्ते",
    "สวัสดี",
    "привет",
];

/// One piece of hostile text.
pub fn piece() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => any::<String>(),
        2 => proptest::sample::select(RULE_WORDS).prop_map(str::to_owned),
        2 => proptest::sample::select(SPECIAL).prop_map(str::to_owned),
        1 => "[a-zA-Z' .,!?]{0,40}",
        1 => proptest::collection::vec(any::<u8>(), 0..64)
            .prop_map(|b| String::from_utf8_lossy(&b).into_owned()),
        1 => "[\u{300}-\u{36f}]{1,30}",
        1 => "[\u{590}-\u{5ff}\u{600}-\u{6ff}\u{200e}\u{200f}\u{202a}-\u{202e}]{1,20}",
        1 => "[\u{4e00}-\u{9fff}\u{3040}-\u{30ff}\u{ac00}-\u{d7a3}]{1,20}",
        1 => "[\u{1f300}-\u{1faff}\u{200d}\u{fe0f}\u{1f3fb}-\u{1f3ff}]{1,10}",
        1 => "[\\x00-\\x1f\\x7f-\\x9f]{1,10}",
    ]
}

/// Hostile text: pieces joined by nothing or by a space.
pub fn text() -> impl Strategy<Value = String> {
    proptest::collection::vec((piece(), any::<bool>()), 0..12).prop_map(|parts| {
        let mut s = String::new();
        for (p, space) in parts {
            s.push_str(&p);
            if space {
                s.push(' ');
            }
        }
        s
    })
}

/// A conversation before the message: who said what, oldest first.
pub fn history() -> impl Strategy<Value = Vec<(bool, String)>> {
    proptest::collection::vec((any::<bool>(), text()), 0..16)
}

pub fn turns(h: &[(bool, String)]) -> Vec<Turn<'_>> {
    h.iter()
        .map(|(person, text)| Turn {
            speaker: if *person {
                Speaker::Person
            } else {
                Speaker::Companion
            },
            text,
        })
        .collect()
}

/// What an assessment promises its callers: the level is the highest of its
/// evidence (or raised from it), a level above none has evidence, the
/// categories are sorted, distinct and each backed by evidence of at least
/// moderate level, and it survives a JSON round trip.
pub fn well_formed(a: &Assessment) -> Result<(), TestCaseError> {
    prop_assert!(a.evidence.iter().all(|e| e.level <= a.level), "{a:?}");
    prop_assert!(
        a.level == RiskLevel::None || !a.evidence.is_empty(),
        "{a:?}"
    );
    prop_assert!(a.categories.windows(2).all(|w| w[0] < w[1]), "{a:?}");
    prop_assert!(
        a.categories.iter().all(|c| a
            .evidence
            .iter()
            .any(|e| e.category == *c && e.level >= RiskLevel::Moderate)),
        "{a:?}"
    );
    prop_assert!((0.0..=1.0).contains(&a.confidence), "{a:?}");
    let json = serde_json::to_string(a).unwrap();
    let back: Assessment = serde_json::from_str(&json).unwrap();
    prop_assert_eq!(&back, a);
    Ok(())
}
