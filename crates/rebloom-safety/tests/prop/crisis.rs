//! Crisis statements from the crate's own tests stay crises inside benign
//! surroundings, and case, whitespace and apostrophe variants of any labelled
//! message get the same assessment.

use proptest::prelude::*;
use rebloom_safety::{RiskLevel, Speaker, Turn};

use crate::labelled::{CRITICAL, HIGH_OR_ABOVE, NOT_CRISIS};
use crate::{SAFETY, check};

/// Everyday sentences with none of the words that change how a statement is
/// read (negation, humour, quotation, time in the past, idioms, warning signs).
const BENIGN: &[&str] = &[
    "The weather was grey this morning",
    "We walked to the market and bought apples",
    "My sister painted the kitchen green",
    "The bus was late again",
    "I made soup for dinner",
    "Tomorrow I have a dentist appointment",
    "The cat sat on the windowsill",
    "Work was busy today",
    "We talked about the holidays",
    "My neighbour has a new bike",
    "It rained all afternoon",
    "Gestern habe ich Brot gebacken",
    "Hoy hace sol",
    "Il pleut à Paris",
    "the train was full",
];

/// Benign text around a statement: everyday sentences, other scripts, emoji,
/// zero-width and bidi marks, as separate words.
fn benign() -> impl Strategy<Value = String> {
    let word = prop_oneof![
        4 => proptest::sample::select(BENIGN).prop_map(str::to_owned),
        2 => "[\u{4e00}-\u{9fff}\u{3040}-\u{30ff}\u{ac00}-\u{d7a3}\u{600}-\u{6ff}\u{5d0}-\u{5ea}\u{900}-\u{97f}\u{e00}-\u{e7f}\u{430}-\u{44f}]{1,20}",
        1 => proptest::sample::select(&[
            "🌧", "☕", "🌻", "🐈", "🚌", "👍🏽", "❤\u{fe0f}",
            "👨\u{200d}👩\u{200d}👧", "🏳\u{fe0f}\u{200d}🌈",
        ][..]).prop_map(str::to_owned),
        1 => proptest::sample::select(&[
            "\u{200b}", "\u{200d}", "\u{feff}", "\u{202e}", "\u{202c}", "\u{200f}",
            "\u{2066}", "\u{2069}", "\u{301}",
        ][..]).prop_map(str::to_owned),
        1 => (0u32..10_000).prop_map(|n| format!("at {n}")),
    ];
    let sep = proptest::sample::select(&[" ", ". ", ", ", "! ", "\n", " \u{3000}", "。 "][..]);
    proptest::collection::vec((word, sep), 0..6).prop_map(|ws| {
        ws.into_iter()
            .map(|(w, s)| format!("{w}{s}"))
            .collect::<String>()
    })
}

/// How a statement is set into the text around it.
const JOIN: &[&str] = &[
    " ",
    ". ",
    ", ",
    "! ",
    "? ",
    "\n",
    "\n\n",
    " \u{200f} ",
    " 🌧 ",
];

#[test]
fn crisis_statements_stay_crises_in_benign_surroundings() {
    let s = &*SAFETY;
    for t in BENIGN {
        assert_eq!(s.assessor.assess(&[], t).level, RiskLevel::None, "{t:?}");
    }
    let statements: Vec<(&str, bool)> = HIGH_OR_ABOVE
        .iter()
        .map(|t| (*t, false))
        .chain(CRITICAL.iter().map(|t| (*t, true)))
        .collect();
    let strategy = (
        proptest::sample::select(statements),
        benign(),
        proptest::sample::select(JOIN),
        proptest::sample::select(JOIN),
        benign(),
        proptest::collection::vec(benign(), 0..4),
    );
    check(
        "crisis_in_benign_text",
        2048,
        strategy,
        |((statement, critical), before, j1, j2, after, earlier)| {
            let message = format!("{before}{j1}{statement}{j2}{after}");
            let history: Vec<Turn<'_>> = earlier
                .iter()
                .map(|t| Turn {
                    speaker: Speaker::Person,
                    text: t,
                })
                .collect();
            let a = s.assessor.assess(&history, &message);
            if critical {
                prop_assert_eq!(a.level, RiskLevel::Critical, "{:?}: {:?}", message, a);
            } else {
                prop_assert!(a.level >= RiskLevel::High, "{message:?}: {a:?}");
            }
            prop_assert!(!a.categories.is_empty(), "{message:?}: {a:?}");
            Ok(())
        },
    );
}

/// Whitespace a person may type (or paste) between words.
const SPACES: &[&str] = &[
    " ", "  ", "\t", "\n", "\r\n", " \n ", "\u{a0}", "\u{2003}", "\u{3000}", "\u{2028}", "\u{85}",
];
const APOSTROPHES: &[char] = &['\'', '’', '‘', '`', '´'];

/// `text` with the case of each letter chosen by `upper`, each space replaced
/// by `spaces`, each apostrophe by another and whitespace added at both ends.
fn variant(text: &str, upper: &[bool], spaces: &[&str], apostrophes: &[char]) -> String {
    let mut out = String::from(spaces[0]);
    for (i, c) in text.chars().enumerate() {
        if c == ' ' {
            out.push_str(spaces[(i + 1) % spaces.len()]);
        } else if APOSTROPHES.contains(&c) {
            out.push(apostrophes[i % apostrophes.len()]);
        } else if upper[i % upper.len()] && c.is_ascii_alphabetic() {
            out.push(c.to_ascii_uppercase());
        } else if upper[i % upper.len()] && c.is_alphabetic() {
            // Latin letters with diacritics (í, é, ü, ß): their upper case
            // lower-cases back to what the assessor folds them to.
            out.extend(c.to_uppercase());
        } else {
            out.push(c);
        }
    }
    out.push_str(spaces[spaces.len() - 1]);
    out
}

#[test]
fn case_whitespace_and_apostrophes_do_not_change_the_assessment() {
    let s = &*SAFETY;
    let all: Vec<&str> = HIGH_OR_ABOVE
        .iter()
        .chain(CRITICAL)
        .chain(NOT_CRISIS)
        .chain(BENIGN)
        .copied()
        .collect();
    let strategy = (
        proptest::sample::select(all.clone()),
        proptest::collection::vec(any::<bool>(), 1..16),
        proptest::collection::vec(proptest::sample::select(SPACES), 2..6),
        proptest::collection::vec(proptest::sample::select(APOSTROPHES), 1..4),
        proptest::option::of(proptest::sample::select(all)),
    );
    check(
        "case_whitespace_apostrophe_variants",
        2048,
        strategy,
        |(text, upper, spaces, apostrophes, earlier)| {
            let v = variant(text, &upper, &spaces, &apostrophes);
            let plain_history: Vec<Turn<'_>> = earlier
                .iter()
                .map(|t| Turn {
                    speaker: Speaker::Person,
                    text: t,
                })
                .collect();
            let earlier_variant = earlier.map(|t| variant(t, &upper, &spaces, &apostrophes));
            let variant_history: Vec<Turn<'_>> = earlier_variant
                .iter()
                .map(|t| Turn {
                    speaker: Speaker::Person,
                    text: t,
                })
                .collect();
            prop_assert_eq!(
                s.assessor.assess(&variant_history, &v),
                s.assessor.assess(&plain_history, text),
                "variant {:?}",
                v
            );
            Ok(())
        },
    );
}

/// Every spelling variant (leetspeak, zero-width and bidi characters,
/// fullwidth letters, look-alike letters, stretched letters, SMS spellings)
/// of every labelled message assesses as the plain message does.
#[test]
fn spelling_variants_assess_as_the_plain_message() {
    let s = &*SAFETY;
    let messages: Vec<&str> = HIGH_OR_ABOVE
        .iter()
        .chain(CRITICAL)
        .chain(NOT_CRISIS)
        .copied()
        .collect();
    let kinds = &rebloom_safety::variants::KINDS[1..];
    check(
        "spelling_variants",
        1024,
        (
            proptest::sample::select(messages),
            proptest::sample::select(kinds),
            any::<u64>(),
        ),
        |(text, kind, salt)| {
            let v = rebloom_safety::variants::variant(kind, text, salt);
            prop_assert_eq!(
                rebloom_safety::normalize::normalize(&v),
                rebloom_safety::normalize::normalize(text),
                "{} variant {:?}",
                kind,
                v
            );
            prop_assert_eq!(
                s.assessor.assess(&[], &v),
                s.assessor.assess(&[], text),
                "{} variant {:?}",
                kind,
                v
            );
            Ok(())
        },
    );
}
