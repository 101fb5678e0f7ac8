//! Tests of the dialogue: whole episodes through the moves and their texts,
//! hearing answers, and every language having every text.

#![allow(clippy::unwrap_used, clippy::expect_used)]
use super::replies::DATA;
use super::*;
use crate::assess::{Assessment, Category, Evidence, RiskLevel};
use crate::reply::Replies;
use crate::resources::Directory;
use crate::session::{AFFIRMED_RULE, SAFETY_ANSWER_RULE, SessionRisk};

fn assessed(level: RiskLevel, categories: &[Category], rules: &[&str]) -> Assessment {
    Assessment {
        level,
        categories: categories.to_vec(),
        evidence: rules
            .iter()
            .map(|r| Evidence {
                rule: (*r).to_owned(),
                category: categories
                    .first()
                    .copied()
                    .unwrap_or(Category::SuicidalIdeation),
                level,
                note: None,
            })
            .collect(),
        confidence: 1.0,
    }
}

fn said(a: &Assessment) -> Said<'_> {
    Said {
        assessment: a,
        plan: false,
        heard: Heard {
            words: 6,
            ..Heard::default()
        },
    }
}

/// `text` as heard in English.
fn heard(text: &str) -> Heard {
    Dialogues::new().unwrap().hear("en", text)
}

const SI: &[Category] = &[Category::SuicidalIdeation];

/// Runs the person's messages through the dialogue, rendering each step
/// in `language` for GB, and returns the moves and the texts.
fn run(language: &str, messages: &[Assessment]) -> (Vec<Move>, Vec<String>) {
    let dialogues = Dialogues::new().unwrap();
    let replies = Replies::new().unwrap();
    let directory = Directory::new().unwrap();
    let mut d = Dialogue::default();
    let mut moves = Vec::new();
    let mut texts = Vec::new();
    for (turn, a) in messages.iter().enumerate() {
        let (mv, next) = d.next(said(a));
        let ctx = StepContext {
            country: Some("GB"),
            language,
            turn: turn as u64,
            critical: a.level == RiskLevel::Critical,
            ..StepContext::default()
        };
        if let Some(reply) = dialogues.reply(mv, &next, &replies, &directory, &ctx) {
            texts.push(reply.text);
        }
        moves.push(mv);
        d = next;
    }
    (moves, texts)
}

fn sentences(texts: &[String]) -> Vec<String> {
    texts
        .iter()
        .flat_map(|t| t.split(['.', '?', '!', '\n']))
        .map(|s| s.trim().to_owned())
        .filter(|s| s.len() > 12)
        .collect()
}

fn no_repeats(texts: &[String]) {
    let all = sentences(texts);
    let mut seen = std::collections::BTreeSet::new();
    for s in &all {
        assert!(seen.insert(s.clone()), "repeated: {s}");
    }
}

#[test]
fn a_safety_answer_is_believed_and_the_conversation_returns_with_a_gentle_check_later() {
    let high = assessed(RiskLevel::High, SI, &["si.explicit"]);
    let safe = assessed(RiskLevel::Low, SI, &[SAFETY_ANSWER_RULE]);
    let calm = assessed(RiskLevel::None, &[], &[]);
    let (moves, texts) = run(
        "en",
        &[high, safe, calm.clone(), calm.clone(), calm.clone(), calm],
    );
    assert_eq!(
        moves,
        [
            Move::Open,
            Move::Believed,
            Move::Converse {
                gentle_check: false
            },
            Move::Converse {
                gentle_check: false
            },
            Move::Converse { gentle_check: true },
            Move::Converse {
                gentle_check: false
            },
        ]
    );
    assert!(texts[0].contains("believe you"), "{texts:?}");
}

#[test]
fn a_yes_walks_every_step_once_and_never_repeats_a_sentence() {
    let high = assessed(RiskLevel::High, SI, &["si.explicit"]);
    let yes = assessed(RiskLevel::High, SI, &[AFFIRMED_RULE]);
    for language in ["en", "es", "fr", "de", "pt", "it", "nl", "hi", "ar"] {
        let mut messages = vec![high.clone(), yes.clone()];
        messages.extend(std::iter::repeat_n(high.clone(), 9));
        let (moves, texts) = run(language, &messages);
        assert_eq!(
            &moves[..8],
            &[
                Move::Open,
                Move::Step(Step::Stay),
                Move::Step(Step::Person),
                Move::Step(Step::Means),
                Move::Step(Step::Reasons),
                Move::Step(Step::Grounding),
                Move::Step(Step::Plan),
                Move::Step(Step::Still),
            ],
            "{language}"
        );
        // Every step and four "still here" replies, each sentence new.
        no_repeats(&texts);
        // The person step names the country's first line.
        assert!(texts[1].contains("116 123"), "{language}: {}", texts[1]);
    }
}

#[test]
fn means_mentioned_come_first_and_a_critical_turn_urges_emergency_help_in_new_words() {
    let means = assessed(RiskLevel::Critical, SI, &["plan.means_have"]);
    let critical = assessed(RiskLevel::Critical, SI, &["si.explicit"]);
    let (moves, texts) = run("en", &[means, critical.clone(), critical.clone(), critical]);
    assert_eq!(
        moves,
        [
            Move::Open,
            Move::Step(Step::Means),
            Move::Step(Step::Stay),
            Move::Step(Step::Person),
        ]
    );
    assert!(texts[0].contains("ou mentioned"), "{}", texts[0]);
    assert!(texts.iter().all(|t| t.contains("999")), "{texts:?}");
    no_repeats(&texts);
}

#[test]
fn panic_gets_breathing_once_with_the_emergency_number_and_no_crisis_lines() {
    let panic = assessed(RiskLevel::Moderate, &[Category::Panic], &["learned.panic"]);
    let calm_down = assessed(RiskLevel::Low, &[], &[]);
    let dialogues = Dialogues::new().unwrap();
    let (moves, texts) = run("en", &[panic.clone(), calm_down.clone(), calm_down.clone()]);
    assert_eq!(
        moves,
        [
            Move::Step(Step::PanicFirst),
            Move::Step(Step::PanicGround),
            Move::Step(Step::PanicExhale),
        ]
    );
    assert!(texts[0].contains("999"));
    assert!(
        texts
            .iter()
            .all(|t| !t.contains("Samaritans") && !t.contains("116 123"))
    );
    assert_eq!(texts.iter().filter(|t| t.contains("999")).count(), 1);
    no_repeats(&texts);
    // It ends when it eases, in the person's language too.
    assert!(dialogues.hear("es", "ya estoy mejor, gracias").eased);
    assert!(dialogues.hear("en", "thanks, I'm ok now").eased);
    assert!(!dialogues.hear("en", "I can't breathe").eased);
    // Never a negated phrase, never part of a word.
    for (language, text) in [
        ("en", "I'm not ok now"),
        ("en", "I don't feel better"),
        ("en", "I wouldn't say I feel better"),
        ("pt", "não consigo respirar"),
        ("it", "non riesco a respirare"),
        ("ar", "لا أستطيع التنفس"),
        ("de", "ich werde immer unruhiger"),
        ("de", "es geht wieder los"),
        ("nl", "dit is overweldigend"),
    ] {
        assert!(!dialogues.hear(language, text).eased, "{language}: {text}");
    }
    assert!(dialogues.hear("pt", "estou mais calma agora").eased);
    assert!(
        dialogues
            .hear("de", "jetzt geht es mir besser, danke")
            .eased
    );
    let (_, d) = Dialogue::default().next(said(&panic));
    let better = dialogues.hear("es", "ya estoy mejor, gracias");
    let (mv, after) = d.next(Said {
        heard: better,
        ..said(&calm_down)
    });
    assert_eq!((mv, after), (Move::PanicEased, Dialogue::default()));
    // "I'm better now" that only the learned layer reads as risk: eased.
    let misread = assessed(RiskLevel::High, SI, &["learned.ideation_passive"]);
    let a = d.read_answer(&SessionRisk::default(), &better, misread.clone());
    assert_eq!(a.level, RiskLevel::None);
    let (mv, _) = d.next(Said {
        heard: better,
        ..said(&a)
    });
    assert_eq!(mv, Move::PanicEased);
    // Outside the panic flow it stays what it was read as.
    assert_eq!(
        Dialogue::default().read_answer(&SessionRisk::default(), &better, misread.clone()),
        misread
    );
    // "It's not an emergency" reads as a safety answer: the panic flow goes on.
    let not_emergency = assessed(RiskLevel::None, &[], &[SAFETY_ANSWER_RULE]);
    let (mv, _) = d.next(said(&not_emergency));
    assert_eq!(mv, Move::Step(Step::PanicGround));
    // Suicide mentioned during panic: the crisis reply.
    let (mv, _) = d.next(said(&assessed(RiskLevel::High, SI, &["si.explicit"])));
    assert_eq!(mv, Move::Open);
}

#[test]
fn a_check_in_is_asked_once_and_the_plan_can_start_below_critical() {
    let moderate = assessed(RiskLevel::Moderate, SI, &["distress.hopeless"]);
    let (moves, _) = run("en", &[moderate.clone(), moderate]);
    assert_eq!(
        moves,
        [
            Move::CheckIn,
            Move::Converse {
                gentle_check: false
            }
        ]
    );
    let high = assessed(RiskLevel::High, SI, &["si.explicit"]);
    let (open, d) = Dialogue::default().next(said(&high));
    assert_eq!(open, Move::Open);
    let (mv, after) = d.next(Said {
        plan: true,
        ..said(&high)
    });
    assert_eq!(mv, Move::Plan);
    assert!(after.steps.contains(&Step::Plan));
    let critical = assessed(RiskLevel::Critical, SI, &["si.explicit"]);
    let (mv, _) = d.next(Said {
        plan: true,
        ..said(&critical)
    });
    assert_eq!(mv, Move::Step(Step::Stay));
}

#[test]
fn a_plain_no_answers_the_direct_question_only() {
    let high = assessed(RiskLevel::High, SI, &["si.explicit"]);
    let risk = SessionRisk::default().after_assessment(&high);
    let (_, crisis_reply) = Dialogue::default().next(said(&high));
    // The check-in a session opens with asks the direct question alone.
    let opened = Dialogue::asked_directly();
    let carried = assessed(RiskLevel::Moderate, SI, &[crate::session::CARRIED_RULE]);
    // The crisis reply asks more (is there someone you trust?): a no is
    // unclear, and the direct question is asked alone, once; a no to it
    // is believed.
    assert_eq!(
        crisis_reply.read_answer(&risk, &heard("no"), carried.clone()),
        carried
    );
    let (mv, confirming) = crisis_reply.next(Said {
        heard: heard("no"),
        ..said(&carried)
    });
    assert_eq!(mv, Move::Step(Step::Confirm));
    let risk_after_no = risk.clone().after_assessment(&carried);
    let answered = confirming.read_answer(&risk_after_no, &heard("no"), carried.clone());
    assert_eq!(confirming.next(said(&answered)).0, Move::Believed);
    // A yes to it is a crisis.
    let yes = confirming.read_answer(&risk_after_no, &heard("sim"), carried.clone());
    assert_eq!(yes.level, RiskLevel::High);
    assert_eq!(confirming.next(said(&yes)).0, Move::Step(Step::Stay));
    // Asked once: another bare no later walks on.
    let (mv, _) = confirming.next(Said {
        heard: heard("no"),
        ..said(&carried)
    });
    assert_ne!(mv, Move::Step(Step::Confirm));
    for no in [
        "no",
        "Nope.",
        "no, I'm not",
        "nein",
        "não",
        "لا",
        "नहीं",
        "nahi",
    ] {
        let a = opened.read_answer(&risk, &heard(no), carried.clone());
        assert_eq!(a.level, RiskLevel::Low, "{no}");
        assert!(
            a.evidence.iter().any(|e| e.rule == SAFETY_ANSWER_RULE),
            "{no}"
        );
        assert_eq!(opened.next(said(&a)).0, Move::Believed, "{no}");
    }
    // More than a no, or a no to another question, is read as it is.
    for text in ["no, I have the pills here", "not sure"] {
        assert_eq!(
            opened.read_answer(&risk, &heard(text), carried.clone()),
            carried,
            "{text}"
        );
    }
    let (_, stayed) = opened.next(said(&assessed(RiskLevel::High, SI, &[AFFIRMED_RULE])));
    assert_eq!(
        stayed.read_answer(&risk, &heard("no"), carried.clone()),
        carried
    );
    // Rules that saw something in it keep it.
    let means = assessed(RiskLevel::Critical, SI, &["plan.means_have"]);
    assert_eq!(
        opened.read_answer(&risk, &heard("no"), means.clone()),
        means
    );
}

#[test]
fn means_put_out_of_reach_are_acknowledged_right_after_the_means_step() {
    let dialogues = Dialogues::new().unwrap();
    let replies = Replies::new().unwrap();
    let directory = Directory::new().unwrap();
    assert!(
        dialogues
            .hear("en", "ok I put them in my neighbour's flat")
            .means_put_away
    );
    assert!(dialogues.hear("es", "se los di a mi vecina").means_put_away);
    for text in [
        "I put the pills in my mouth",
        "I haven't put them away",
        "I couldn't put them away",
        "I don't want to put them away",
        "my neighbour is away",
        "I took them out of the drawer",
    ] {
        assert!(!dialogues.hear("en", text).means_put_away, "{text}");
    }
    let after_means = Dialogue {
        flow: Some(Flow::Crisis),
        steps: vec![Step::Open, Step::Means, Step::Stay],
        means: true,
        ..Dialogue::default()
    };
    let ctx = StepContext {
        country: Some("GB"),
        language: "en",
        means_put_away: true,
        ..StepContext::default()
    };
    let mv = Move::Step(Step::Stay);
    let r = dialogues
        .reply(mv, &after_means, &replies, &directory, &ctx)
        .unwrap();
    assert!(
        r.text.starts_with("That's a really important step"),
        "{}",
        r.text
    );
    // Said as the safety answer that is believed: thanked for, first.
    let believed = dialogues
        .reply(
            Move::Believed,
            &Dialogue::default(),
            &replies,
            &directory,
            &ctx,
        )
        .unwrap();
    assert!(
        believed.text.starts_with("That's a really important step")
            && believed.text.contains("believe you"),
        "{}",
        believed.text
    );
    // Not when the means step was not the last one.
    let later = Dialogue {
        steps: vec![Step::Open, Step::Means, Step::Stay, Step::Person],
        ..after_means
    };
    let r = dialogues
        .reply(Move::Step(Step::Person), &later, &replies, &directory, &ctx)
        .unwrap();
    assert!(!r.text.contains("important step"), "{}", r.text);
}

#[test]
fn the_plan_step_reads_back_their_own_plan_or_offers_one() {
    let dialogues = Dialogues::new().unwrap();
    let replies = Replies::new().unwrap();
    let directory = Directory::new().unwrap();
    let d = Dialogue {
        flow: Some(Flow::Crisis),
        steps: vec![Step::Open, Step::Plan],
        ..Dialogue::default()
    };
    let ctx = StepContext {
        country: Some("US"),
        language: "en",
        plan_item: Some("a walk with my dog"),
        ..StepContext::default()
    };
    let mv = Move::Step(Step::Plan);
    let read = dialogues.reply(mv, &d, &replies, &directory, &ctx).unwrap();
    assert!(
        read.text.contains("\"a walk with my dog\""),
        "{}",
        read.text
    );
    assert!(!read.offered_safety_plan);
    let none = StepContext {
        plan_item: None,
        ..ctx
    };
    let offer = dialogues
        .reply(mv, &d, &replies, &directory, &none)
        .unwrap();
    assert!(
        offer.offered_safety_plan && offer.text.contains("safety plan"),
        "{}",
        offer.text
    );
}

#[test]
fn every_language_has_every_text_with_its_placeholders() {
    let raw: std::collections::BTreeMap<String, serde_json::Value> =
        serde_json::from_str(DATA).unwrap();
    let en = raw["en"].as_object().unwrap();
    let dialogues = Dialogues::new().unwrap();
    let languages: Vec<&str> = dialogues.languages().collect();
    assert_eq!(
        languages,
        ["ar", "de", "en", "es", "fr", "hi", "it", "nl", "pt"]
    );
    for language in languages {
        let texts = raw[language].as_object().unwrap();
        for (key, english) in en {
            let (english, theirs) = (english.as_array().unwrap(), texts[key].as_array().unwrap());
            if key == "eased" || key == "means_done" {
                assert!(!theirs.is_empty(), "{language}");
                continue;
            }
            assert_eq!(english.len(), theirs.len(), "{language}.{key}");
            for (e, t) in english.iter().zip(theirs) {
                for p in ["{emergency}", "{line}", "{item}"] {
                    assert_eq!(
                        e.as_str().unwrap().contains(p),
                        t.as_str().unwrap().contains(p),
                        "{language}.{key}: {p}"
                    );
                }
            }
        }
    }
}
