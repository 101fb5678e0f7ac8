//! The assessor on hostile text: no panic, the same answer every time, a
//! well-formed assessment, companion turns ignored, `normalize` as documented.

use proptest::prelude::*;
use rebloom_safety::normalize::normalize;
use rebloom_safety::{Speaker, Turn};

use crate::{SAFETY, check, history, piece, text, turns, well_formed};

#[test]
fn assess_never_panics_and_is_deterministic() {
    let s = &*SAFETY;
    let other = rebloom_safety::Assessor::new().unwrap();
    check(
        "assess_arbitrary_text",
        1024,
        (history(), text()),
        |(h, message)| {
            let t = turns(&h);
            let a = s.assessor.assess(&t, &message);
            well_formed(&a)?;
            // Same input, same answer: again, and from another instance.
            prop_assert_eq!(&a, &s.assessor.assess(&t, &message));
            prop_assert_eq!(&a, &other.assess(&t, &message));
            Ok(())
        },
    );
}

#[test]
fn huge_messages_are_assessed() {
    let s = &*SAFETY;
    // 16 KiB to 256 KiB of one repeated hostile piece, with a crisis statement
    // in the middle half of the time.
    let strategy = (piece(), 16_384usize..262_144, any::<bool>());
    check(
        "assess_huge_text",
        16,
        strategy,
        |(p, target, with_crisis)| {
            let unit = if p.is_empty() { "x".to_owned() } else { p };
            let mut message = unit.repeat(target / unit.len() + 1);
            let mut cut = target.min(message.len());
            while !message.is_char_boundary(cut) {
                cut -= 1;
            }
            message.truncate(cut);
            if with_crisis {
                let mid = (0..=message.len() / 2)
                    .rev()
                    .find(|i| message.is_char_boundary(*i))
                    .unwrap_or(0);
                message.insert_str(mid, ". I want to die. ");
            }
            let a = s.assessor.assess(&[], &message);
            well_formed(&a)?;
            prop_assert_eq!(&a, &s.assessor.assess(&[], &message));
            Ok(())
        },
    );
}

#[test]
fn companion_turns_do_not_change_the_assessment() {
    // The assessment reads the person's own messages; what the companion (a
    // language model) said in between can neither raise nor lower it.
    let s = &*SAFETY;
    let strategy = (
        proptest::collection::vec(text(), 0..8),
        proptest::collection::vec((0usize..9, text()), 0..8),
        text(),
    );
    check(
        "companion_turns_ignored",
        512,
        strategy,
        |(person, companion, message)| {
            let plain: Vec<Turn<'_>> = person
                .iter()
                .map(|t| Turn {
                    speaker: Speaker::Person,
                    text: t,
                })
                .collect();
            let mut mixed = plain.clone();
            for (at, t) in &companion {
                let at = (*at).min(mixed.len());
                mixed.insert(
                    at,
                    Turn {
                        speaker: Speaker::Companion,
                        text: t,
                    },
                );
            }
            prop_assert_eq!(
                s.assessor.assess(&plain, &message),
                s.assessor.assess(&mixed, &message)
            );
            Ok(())
        },
    );
}

#[test]
fn normalize_keeps_its_contract() {
    // Lower-case (for ASCII, where lower-casing is exact), no apostrophes, one
    // space between words, no whitespace at the ends; normalising twice changes
    // nothing.
    check("normalize_contract", 2048, text(), |t| {
        let n = normalize(&t);
        prop_assert!(!n.chars().any(|c| c.is_ascii_uppercase()), "{n:?}");
        prop_assert!(
            !n.chars().any(|c| matches!(c, '\'' | '’' | '‘' | '`' | '´')),
            "{n:?}"
        );
        prop_assert!(n.chars().all(|c| c == ' ' || !c.is_whitespace()), "{n:?}");
        prop_assert!(!n.contains("  "), "double space in {n:?} from {t:?}");
        prop_assert_eq!(n.trim(), n.as_str());
        prop_assert_eq!(normalize(&n), n.clone(), "from {:?}", t);
        Ok(())
    });
}
