//! Replies for any country code and language, the output guard, streamed
//! sentences and the trusted-contact consent check on hostile text.

use proptest::prelude::*;
use rebloom_safety::{ContactText, ReplyContext, RiskLevel, accepts_contact_offer};

use crate::{SAFETY, check, text};

/// Country codes: every known one in any case, and arbitrary strings.
fn country() -> impl Strategy<Value = Option<String>> {
    let known: Vec<String> = SAFETY.directory.countries().map(str::to_owned).collect();
    proptest::option::of(prop_oneof![
        3 => proptest::sample::select(known).prop_flat_map(|c| {
            proptest::collection::vec(any::<bool>(), 2).prop_map(move |lower| {
                c.chars()
                    .zip(lower.iter().cycle())
                    .map(|(ch, l)| if *l { ch.to_ascii_lowercase() } else { ch })
                    .collect::<String>()
            })
        }),
        1 => "[A-Za-z]{0,4}",
        1 => any::<String>(),
        1 => proptest::sample::select(&["", " GB", "GB ", "gb\0", "ZZ", "UK", "EU", "İT", "ǅE"][..])
            .prop_map(str::to_owned),
    ])
}

fn language() -> impl Strategy<Value = String> {
    prop_oneof![
        proptest::sample::select(
            &[
                "en", "es", "fr", "de", "es-MX", "en-GB", "pt", "pt-BR", "it", "nl", "hi", "ar",
                "", "-", "xx-"
            ][..]
        )
        .prop_map(str::to_owned),
        any::<String>(),
    ]
}

/// Messages whose assessments reach every kind of reply.
const REPLY_MESSAGES: &[&str] = &[
    "I want to die",
    "I took a bunch of pills an hour ago",
    "my grandad fell and he can't get up",
    "my husband hits me",
    "I'm going to kill my boss",
    "my friend told me she wants to kill herself",
    "voices are telling me they are watching me",
    "ugh mondays, I want to die lol",
    "where can I buy pesticides for my garden?",
    "I feel so hopeless about everything",
    "the weather is nice",
];

#[test]
fn replies_for_any_country_and_language() {
    let s = &*SAFETY;
    let strategy = (
        prop_oneof![
            3 => proptest::sample::select(REPLY_MESSAGES).prop_map(str::to_owned),
            1 => text(),
        ],
        country(),
        language(),
        any::<bool>(),
        any::<u64>(),
        any::<String>(),
    );
    check(
        "replies_any_country",
        1024,
        strategy,
        |(message, country, language, resources_given, turn, name)| {
            let a = s.assessor.assess(&[], &message);
            let ctx = ReplyContext {
                country: country.as_deref(),
                language: &language,
                resources_given,
                turn,
            };
            let (resources, known) = s.directory.for_country(country.as_deref());
            let expect_known = country
                .as_deref()
                .is_some_and(|c| s.directory.countries().any(|k| k.eq_ignore_ascii_case(c)));
            prop_assert_eq!(known, expect_known, "{:?}", country);
            prop_assert!(!resources.emergency.is_empty());
            let reply = if a.level.is_crisis() {
                let r = s.replies.crisis(&a, &s.directory, &ctx);
                prop_assert_eq!(r.emergency.is_some(), known);
                prop_assert_eq!(r.urged_emergency_services, a.level == RiskLevel::Critical);
                if !resources_given || a.level == RiskLevel::Critical {
                    // Every crisis line, and only the country's lines.
                    prop_assert!(resources.crisis_lines().all(|l| r.resources.contains(l)));
                    prop_assert!(r.resources.iter().all(|l| resources.lines.contains(l)));
                } else {
                    prop_assert!(r.resources.is_empty());
                }
                r
            } else {
                let r = s.replies.check_in(&a, &ctx);
                prop_assert!(r.resources.is_empty() && r.emergency.is_none());
                r
            };
            prop_assert!(!reply.text.trim().is_empty(), "{:?}", language);
            prop_assert!(
                s.guard.check(&reply.text).allowed,
                "reply tripped the guard: {}",
                reply.text
            );
            for which in [
                ContactText::Offer,
                ContactText::Sent,
                ContactText::Recent,
                ContactText::Failed,
            ] {
                prop_assert!(!s.replies.contact(&language, which, &name).is_empty());
            }
            Ok(())
        },
    );
}

#[test]
fn guard_sentences_and_consent_never_panic() {
    let s = &*SAFETY;
    check(
        "guard_sentences_consent",
        1024,
        (text(), text(), text()),
        |(reply, more, name)| {
            let v = s.guard.check(&reply);
            prop_assert_eq!(v.allowed, v.reasons.is_empty());
            prop_assert_eq!(&v, &s.guard.check(&reply));
            // Streamed text is released whole: nothing lost, nothing made up.
            let mut pending = reply.clone();
            let mut released = s_take(&mut pending);
            pending.push_str(&more);
            released.extend(s_take(&mut pending));
            prop_assert_eq!(
                format!("{}{}", released.concat(), pending),
                format!("{reply}{more}")
            );
            for sentence in &released {
                prop_assert!(
                    sentence.ends_with(['.', '!', '?', '\n', '。', '।', '؟']),
                    "{sentence:?}"
                );
            }
            let a = accepts_contact_offer(&reply, &name);
            prop_assert_eq!(a, accepts_contact_offer(&reply, &name));
            Ok(())
        },
    );
}

fn s_take(pending: &mut String) -> Vec<String> {
    rebloom_safety::guard::take_sentences(pending)
}
