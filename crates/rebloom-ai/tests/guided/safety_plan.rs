//! The Stanley-Brown safety plan: started on request or by accepting an
//! offer in so many words (never by a bare "yes"), one list per step, and a
//! draft in the engine state for the server to save once.

use rebloom_ai::guided::content::{self, KNOWN_PLACEHOLDERS};
use rebloom_ai::guided::{SafetyPlanDraft, safety_plan_in_progress, take_safety_plan};
use rebloom_safety::Guard;
use serde_json::Value;

use crate::harness::{Convo, has_any, persona};
use crate::safety::check;

const STEPS: [&str; 7] = [
    "warning_signs",
    "coping_strategies",
    "distractions",
    "people_to_ask",
    "professionals",
    "safer_environment",
    "reasons_for_living",
];

pub fn v(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| (*s).to_string()).collect()
}

pub fn guard() -> Guard {
    Guard::new().unwrap()
}

pub fn in_progress(c: &Convo) -> bool {
    safety_plan_in_progress(Some(&c.state))
}

/// Sends a message, checks the reply is safe to show, and returns it.
pub async fn say(c: &mut Convo, guard: &Guard, text: &str) -> String {
    let reply = c.send(text).await;
    check(&reply, guard, text);
    reply
}

/// Answers each step in order, checking the step before each answer.
async fn answer_steps(c: &mut Convo, guard: &Guard, answers: &[&str; 7]) -> String {
    let mut last = String::new();
    for (step, answer) in STEPS.iter().zip(answers) {
        assert_eq!(c.exercise().as_deref(), Some("safety_plan"), "{answer:?}");
        assert_eq!(c.step().as_deref(), Some(*step), "before {answer:?}");
        assert!(in_progress(c));
        last = say(c, guard, answer).await;
    }
    last
}

const ENGLISH_RUN: [&str; 7] = [
    "not sleeping, pulling away from friends and thinking I'm a burden",
    "a walk; music\n- A warm shower.",
    "texting Sam about football, the climbing gym",
    "my sister Ana 07700 900123 and my friend Tom",
    "Dr Patel at the surgery",
    "ask my flatmate to keep certain things for a while, stay with my parents at weekends",
    "my dog Biscuit, my niece and seeing the sea again",
];

fn english_draft() -> SafetyPlanDraft {
    SafetyPlanDraft {
        warning_signs: v(&[
            "not sleeping",
            "pulling away from friends",
            "thinking I'm a burden",
        ]),
        coping_strategies: v(&["a walk", "music", "A warm shower"]),
        distractions: v(&["texting Sam about football", "the climbing gym"]),
        people_to_ask: v(&["my sister Ana 07700 900123", "my friend Tom"]),
        professionals: v(&["Dr Patel at the surgery"]),
        safer_environment: v(&[
            "ask my flatmate to keep certain things for a while",
            "stay with my parents at weekends",
        ]),
        reasons_for_living: v(&["my dog Biscuit", "my niece", "seeing the sea again"]),
    }
}

/// The English run from the request to the summary: (replies, states).
async fn english_run() -> (Convo, Vec<Value>) {
    let guard = guard();
    let mut c = Convo::english();
    let mut states = Vec::new();
    say(&mut c, &guard, "hi").await;
    say(&mut c, &guard, "can we make a safety plan").await;
    states.push(c.state.clone());
    say(&mut c, &guard, "ok").await;
    for answer in ENGLISH_RUN {
        say(&mut c, &guard, answer).await;
        states.push(c.state.clone());
    }
    (c, states)
}

#[tokio::test]
async fn a_full_run_in_english_builds_the_plan_step_by_step() {
    let guard = guard();
    let mut c = Convo::english();
    say(&mut c, &guard, "hi").await;
    assert!(!in_progress(&c));
    let intro = say(&mut c, &guard, "can we make a safety plan").await;
    assert_eq!(c.exercise().as_deref(), Some("safety_plan"), "{intro}");
    assert_eq!(c.step().as_deref(), Some("intro"));
    assert!(
        has_any(&intro, &["skip"]) && has_any(&intro, &["stop"]),
        "{intro}"
    );
    assert!(in_progress(&c));
    say(&mut c, &guard, "ok").await;
    let summary = answer_steps(&mut c, &guard, &ENGLISH_RUN).await;

    // Each step asked in plain words with an example; the professionals step
    // says the crisis lines are there; the safer-environment step stays general.
    let prompts = &c.replies[2..9];
    for p in prompts {
        assert!(has_any(p, &["for example", "like", "such as"]), "{p}");
        assert!(p.trim_end().ends_with(['?', '.']), "{p}");
    }
    assert!(prompts[4].contains("crisis lines for your country are already filled in"));
    assert!(has_any(&prompts[5], &["safer"]), "{}", prompts[5]);
    assert!(!has_any(
        &prompts[5],
        &["medication", "medicine", "alcohol"]
    ));

    assert_eq!(c.exercise(), None, "{summary}");
    assert!(!in_progress(&c));
    assert!(c.completed().contains(&"safety_plan".to_string()));
    for part in [
        "saved on your Safety plan page",
        "change it",
        "- Warning signs: not sleeping, and 2 more",
        "- Things I can do on my own: a walk, and 2 more",
        "- Professionals and services: Dr Patel at the surgery",
        "- Reasons for living: my dog Biscuit, and 2 more",
    ] {
        assert!(summary.contains(part), "summary lacks {part:?}: {summary}");
    }
    assert!(summary.trim_end().ends_with('?'), "{summary}");

    // The draft travels in the state of the last turn, and is taken once.
    assert_eq!(take_safety_plan(&mut c.state), Some(english_draft()));
    assert_eq!(take_safety_plan(&mut c.state), None);
    assert!(c.state.get("safetyPlanDraft").is_none());
    // The conversation carries on normally.
    say(&mut c, &guard, "I feel a bit calmer now").await;
    assert_eq!(c.exercise(), None);
    assert_eq!(take_safety_plan(&mut c.state), None);
}

#[tokio::test]
async fn a_full_run_in_spanish_splits_at_y_and_skips_empty_steps() {
    let guard = guard();
    let mut c = Convo::new(persona("es", None, None));
    let intro = say(&mut c, &guard, "Hagamos un plan de seguridad").await;
    assert_eq!(c.exercise().as_deref(), Some("safety_plan"), "{intro}");
    assert!(intro.contains("plan de seguridad"), "{intro}");
    say(&mut c, &guard, "vale").await;
    let summary = answer_steps(
        &mut c,
        &guard,
        &[
            "dormir mal y aislarme",
            "pasear, escuchar música; ducharme",
            "no sé",
            "mi hermana Lucía y mi amigo Luis",
            "ninguno",
            "pedirle a mi madre que me guarde algunas cosas un tiempo",
            "mis hijos y mi gato",
        ],
    )
    .await;
    // Spanish prompts throughout, and the skipped steps acknowledged.
    for skipped in [&c.replies[4], &c.replies[6]] {
        assert!(
            has_any(skipped, &["No pasa nada", "Sin problema"]),
            "{skipped}"
        );
    }
    assert!(c.replies[5].contains("líneas de crisis de tu país"));
    for part in [
        "página de Plan de seguridad",
        "- Señales de alerta: dormir mal y 1 más",
        "- Personas y lugares que me distraen: vacío por ahora",
        "- Razones para vivir: mis hijos y 1 más",
    ] {
        assert!(summary.contains(part), "summary lacks {part:?}: {summary}");
    }
    let draft = take_safety_plan(&mut c.state).expect("a draft");
    assert_eq!(
        draft,
        SafetyPlanDraft {
            warning_signs: v(&["dormir mal", "aislarme"]),
            coping_strategies: v(&["pasear", "escuchar música", "ducharme"]),
            distractions: vec![],
            people_to_ask: v(&["mi hermana Lucía", "mi amigo Luis"]),
            professionals: vec![],
            safer_environment: v(&["pedirle a mi madre que me guarde algunas cosas un tiempo"]),
            reasons_for_living: v(&["mis hijos", "mi gato"]),
        }
    );
}

#[tokio::test]
async fn skipped_steps_stay_empty_and_items_are_trimmed_and_limited() {
    let guard = guard();
    let mut c = Convo::english();
    say(&mut c, &guard, "help me with my safety plan").await;
    say(&mut c, &guard, "yes").await;
    let twelve = (1..=12)
        .map(|n| format!("thing {n}"))
        .collect::<Vec<_>>()
        .join(", ");
    let long = format!("{} end", "very ".repeat(60));
    let answers = [
        twelve.as_str(),
        "skip",
        "I don't know",
        "not sure",
        "none",
        &format!("1. {long}\n\n  ;  , "),
        "Nobody",
    ];
    for (i, (step, answer)) in STEPS.iter().zip(answers).enumerate() {
        assert_eq!(c.step().as_deref(), Some(*step));
        let reply = say(&mut c, &guard, answer).await;
        if (1..=4).contains(&i) {
            assert!(
                has_any(&reply, &["leave that part empty", "move on"]),
                "{answer:?} → {reply}"
            );
        }
    }
    let summary = c.replies.last().unwrap();
    assert!(summary.contains("empty for now"), "{summary}");
    let draft = take_safety_plan(&mut c.state).expect("a draft");
    assert_eq!(draft.warning_signs.len(), 10, "at most 10 items");
    assert_eq!(draft.warning_signs[9], "thing 10");
    assert!(draft.coping_strategies.is_empty());
    assert!(draft.distractions.is_empty());
    assert!(draft.people_to_ask.is_empty());
    assert!(draft.professionals.is_empty());
    assert_eq!(draft.safer_environment.len(), 1);
    let item = &draft.safer_environment[0];
    assert!(item.starts_with("very very"), "numbering stripped: {item}");
    assert!(
        item.chars().count() <= 200,
        "{} chars",
        item.chars().count()
    );
    assert!(draft.reasons_for_living.is_empty());
}

#[tokio::test]
async fn a_plan_with_nothing_written_saves_nothing() {
    let guard = guard();
    let mut c = Convo::english();
    say(&mut c, &guard, "I want to make a crisis plan").await;
    say(&mut c, &guard, "ok").await;
    let summary = answer_steps(&mut c, &guard, &["skip"; 7]).await;
    assert!(summary.contains("haven't saved anything"), "{summary}");
    assert!(!summary.contains("saved on your"), "{summary}");
    assert_eq!(take_safety_plan(&mut c.state), None);
}

#[tokio::test]
async fn stopping_halfway_keeps_what_was_written() {
    let guard = guard();
    for stop in [
        "stop",
        "can we stop",
        "not now",
        "I don't want to do this anymore",
    ] {
        let mut c = Convo::english();
        say(&mut c, &guard, "can we make a safety plan").await;
        say(&mut c, &guard, "sure").await;
        say(&mut c, &guard, "staying in bed, not eating").await;
        say(&mut c, &guard, "skip").await;
        say(&mut c, &guard, "calling my cousin").await;
        assert!(in_progress(&c));
        let reply = say(&mut c, &guard, stop).await;
        assert_eq!(c.exercise(), None, "{stop}: {reply}");
        assert!(!in_progress(&c));
        assert!(reply.contains("saved on your Safety plan page"), "{reply}");
        assert!(reply.trim_end().ends_with('?'), "{reply}");
        let draft = take_safety_plan(&mut c.state).expect("a partial draft");
        assert_eq!(
            draft,
            SafetyPlanDraft {
                warning_signs: v(&["staying in bed", "not eating"]),
                distractions: v(&["calling my cousin"]),
                ..SafetyPlanDraft::default()
            }
        );
        // Not taken, a draft is gone after the next turn all the same.
        let mut c2 = Convo::english();
        c2.state = c.state.clone();
        say(&mut c2, &guard, "thanks").await;
        assert!(c2.state.get("safetyPlanDraft").is_none());
    }
    // Stopped before anything was written: nothing to save.
    for (first, then) in [("ok", "stop"), ("no", "")] {
        let mut c = Convo::english();
        say(&mut c, &guard, "can we make a safety plan").await;
        let mut reply = say(&mut c, &guard, first).await;
        if !then.is_empty() {
            reply = say(&mut c, &guard, then).await;
        }
        assert_eq!(c.exercise(), None, "{first} {then}: {reply}");
        assert!(!reply.contains("saved"), "{reply}");
        assert_eq!(take_safety_plan(&mut c.state), None);
    }
    // Saying goodbye part way keeps it too.
    let mut c = Convo::english();
    say(&mut c, &guard, "can we make a safety plan").await;
    say(&mut c, &guard, "ok").await;
    say(&mut c, &guard, "shouting at people").await;
    let reply = say(&mut c, &guard, "bye for now").await;
    assert_eq!(c.exercise(), None);
    assert!(reply.contains("saved on your Safety plan page"), "{reply}");
    assert_eq!(
        take_safety_plan(&mut c.state).map(|d| d.warning_signs),
        Some(v(&["shouting at people"]))
    );
}

#[tokio::test]
async fn thoughts_of_dying_get_help_without_losing_the_plan() {
    let guard = guard();
    let mut c = Convo::english();
    say(&mut c, &guard, "can we make a safety plan").await;
    say(&mut c, &guard, "ok").await;
    // A warning sign can be a thought of suicide: kept, with help alongside.
    let reply = say(
        &mut c,
        &guard,
        "when I start thinking about suicide, not eating",
    )
    .await;
    assert!(reply.contains("crisis line"), "{reply}");
    assert_eq!(c.step().as_deref(), Some("coping_strategies"), "{reply}");
    // Elsewhere it is no answer: help, and the same step again.
    let reply = say(&mut c, &guard, "nothing helps, I want to die").await;
    assert!(reply.contains("crisis line"), "{reply}");
    assert_eq!(c.step().as_deref(), Some("coping_strategies"), "{reply}");
    for answer in ["music", "my friend Jo", "my mum", "skip", "skip", "my cat"] {
        say(&mut c, &guard, answer).await;
    }
    assert_eq!(c.exercise(), None);
    // Never echoed back, but saved as written.
    let summary = c.replies.last().unwrap();
    assert!(
        summary.contains("- Warning signs: what you wrote, and 1 more"),
        "{summary}"
    );
    assert!(!summary.to_lowercase().contains("suicide"), "{summary}");
    let draft = take_safety_plan(&mut c.state).unwrap();
    assert_eq!(
        draft.warning_signs,
        v(&["when I start thinking about suicide", "not eating"])
    );
    assert_eq!(draft.coping_strategies, v(&["music"]));
}

#[tokio::test]
async fn the_plan_is_deterministic() {
    let (a, states_a) = english_run().await;
    let (b, states_b) = english_run().await;
    assert_eq!(a.replies, b.replies);
    assert_eq!(states_a, states_b);
    // Consecutive prompts never repeat.
    for pair in a.replies.windows(2) {
        assert_ne!(pair[0], pair[1]);
    }
    let mut last = a.state.clone();
    assert_eq!(take_safety_plan(&mut last), Some(english_draft()));
}

#[test]
fn every_safety_plan_text_follows_safe_messaging() {
    // Every alternative of every slot, in every language, not just the ones
    // a conversation happens to pick.
    let guard = guard();
    let values: Vec<(&str, String)> = KNOWN_PLACEHOLDERS
        .iter()
        .map(|p| (*p, format!("example {p}")))
        .collect();
    let vars: Vec<(&str, &str)> = values.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let mut seen = 0;
    for (lang, slot, template) in content::embedded_templates().unwrap() {
        if !slot.starts_with("ex.safety_plan.") {
            continue;
        }
        seen += 1;
        let text = content::render(&template, &vars);
        check(&text, &guard, &format!("{lang} {slot}"));
        if slot.ends_with(".safer_environment") {
            // General only: no methods, means, doses or places.
            for word in [
                "medication",
                "medicine",
                "alcohol",
                "drugs",
                "weapon",
                "car",
                "keys",
                "balcony",
                "window",
                "roof",
                "height",
                "bathroom",
                "kitchen",
                "medicación",
                "medicamentos",
                "alcohol",
                "armas",
                "ventana",
                "balcón",
                "cocina",
            ] {
                let words: Vec<String> = text
                    .to_lowercase()
                    .split(|c: char| !c.is_alphanumeric())
                    .map(str::to_string)
                    .collect();
                assert!(!words.iter().any(|w| w == word), "{lang} {slot}: {word}");
            }
        }
    }
    assert!(seen >= 2 * 22, "only {seen} safety-plan templates");
}
