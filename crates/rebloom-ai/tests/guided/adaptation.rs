//! Adaptation and memory: approaches, reply lengths, Spanish, determinism,
//! broken state, and offers that can be accepted or declined.

use rebloom_ai::guided::GuidedEngine;
use rebloom_ai::{ChatMessage, ChatRequest, ChatRole};
use serde_json::json;

use crate::harness::{Convo, has_any, persona};

#[tokio::test]
async fn adapts_to_the_approach() {
    let message = "I failed my exam and I'm such a failure, everyone will think I'm stupid.";
    let mut replies = Vec::new();
    for approach in ["cbt", "act", "person-centred", "dbt", "mindfulness"] {
        let mut c = Convo::with_approach(approach);
        c.send("hi").await;
        replies.push(c.send(message).await);
    }
    let [cbt, act, pc, dbt, mindful] = &replies[..] else {
        unreachable!()
    };
    // CBT names a thinking trap in the thought.
    assert!(
        has_any(
            cbt,
            &[
                "mind reading",
                "labelling",
                "fortune telling",
                "overgeneralisation"
            ]
        ),
        "{cbt}"
    );
    // ACT offers defusion.
    assert!(
        act.contains("I notice I'm having the thought that I'm such a failure"),
        "{act}"
    );
    // Person-centred reflects more and uses no technique.
    assert!(
        !has_any(
            pc,
            &[
                "thinking trap",
                "I notice I'm having",
                "opposite action",
                "breath"
            ]
        ),
        "{pc}"
    );
    assert!(!has_any(pc, &["mind reading", "labelling"]), "{pc}");
    // DBT validates and tolerates; mindfulness notices.
    assert!(
        has_any(
            dbt,
            &[
                "both things can be true",
                "opposite action",
                "tolerate",
                "kind thing",
                "wave"
            ]
        ),
        "{dbt}"
    );
    assert!(
        has_any(mindful, &["notice", "breath", "in this moment", "body"]),
        "{mindful}"
    );
    for (i, a) in replies.iter().enumerate() {
        assert!(has_any(a, &["failure", "ashamed", "shame"]), "{a}");
        for b in &replies[i + 1..] {
            assert_ne!(a, b);
        }
    }
}

#[tokio::test]
async fn follows_the_reply_length() {
    let message = "I've been feeling anxious and tired because of work and I don't know what to do";
    let mut lengths = Vec::new();
    for length in ["short", "medium", "long"] {
        let mut c = Convo::new(persona("en", Some("dbt"), Some(length)));
        c.send("hello").await;
        lengths.push(c.send(message).await.len());
    }
    assert!(
        lengths[0] < lengths[1] && lengths[1] < lengths[2],
        "{lengths:?}"
    );
}

#[tokio::test]
async fn speaks_spanish_and_falls_back_to_english_for_the_rest() {
    let mut c = Convo::new(persona("es-ES", None, None));
    let reply = c.send("Hola, soy nueva aquí").await;
    assert!(reply.starts_with("Hola") && reply.contains("IA"), "{reply}");
    let reply = c.send("Estoy muy agobiada con el trabajo").await;
    assert!(
        has_any(&reply, &["agobio"]) && reply.contains("trabajo"),
        "{reply}"
    );
    let reply = c.send("y también tengo mucha ansiedad por mi madre").await;
    assert!(has_any(&reply, &["ansiedad"]), "{reply}");
    assert!(reply.contains('?'), "{reply}");
    // Understands English too, answering in Spanish.
    let reply = c.send("I feel so lonely").await;
    assert!(reply.contains("soledad"), "{reply}");
}

fn run(engine: &GuidedEngine, messages: &[&str]) -> Vec<(String, serde_json::Value)> {
    let mut history = Vec::new();
    let mut state = serde_json::Value::Null;
    let mut out = Vec::new();
    for m in messages {
        history.push(ChatMessage::new(ChatRole::User, *m));
        let request = ChatRequest {
            messages: history.clone(),
            persona: persona("en", Some("cbt"), None),
            engine_state: state.clone(),
            ..Default::default()
        };
        let reply = engine.reply(&request).unwrap();
        history.push(ChatMessage::new(ChatRole::Assistant, reply.text.clone()));
        state = reply.state.clone();
        out.push((reply.text, reply.state));
    }
    out
}

#[test]
fn is_deterministic() {
    let script = [
        "hi",
        "I'm anxious about my presentation at work",
        "everyone will think I'm useless",
        "I feel sick every morning before work",
        "yes",
        "my boss asked me to present",
        "I'll mess it up",
        "ok",
    ];
    let a = run(&GuidedEngine::new(), &script);
    let b = run(&GuidedEngine::new(), &script);
    assert_eq!(a, b);
    let other = run(
        &GuidedEngine::new(),
        &["hi", "I'm anxious about my exam at school"],
    );
    assert_ne!(a[1].0, other[1].0);
}

#[test]
fn tolerates_missing_or_broken_engine_state() {
    let engine = GuidedEngine::new();
    for state in [
        json!(null),
        json!("garbage"),
        json!({"exercise": 5}),
        json!({"turn": "x"}),
        json!([1, 2]),
    ] {
        let request = ChatRequest {
            messages: vec![
                ChatMessage::new(ChatRole::User, "hi"),
                ChatMessage::new(ChatRole::Assistant, "Hello."),
                ChatMessage::new(ChatRole::User, "I feel sad about my dad"),
            ],
            persona: persona("en", None, None),
            engine_state: state.clone(),
            ..Default::default()
        };
        let reply = engine.reply(&request).unwrap();
        assert!(
            reply.text.contains("sad") && reply.text.contains("dad"),
            "{state}: {}",
            reply.text
        );
        // The turn count is recovered from the conversation.
        assert_eq!(reply.state["turn"], json!(2), "{state}");
    }
}

#[tokio::test]
async fn offers_an_exercise_that_can_be_accepted() {
    let mut c = Convo::with_approach("mindfulness");
    c.send("hi").await;
    c.send("I've been so anxious lately").await;
    let mut offered = false;
    for m in [
        "My chest gets tight and I panic at night",
        "I worry about everything",
        "I'm so nervous all the time",
    ] {
        c.send(m).await;
        if !c.offered().is_empty() {
            offered = true;
            break;
        }
    }
    assert!(offered, "no offer in {:?}", c.replies);
    assert_eq!(c.offered(), vec!["breathing".to_string()]);
    assert!(c.replies.last().unwrap().contains("box breathing"));
    let reply = c.send("ok let's try").await;
    assert_eq!(c.exercise().as_deref(), Some("breathing"));
    assert!(reply.contains("in for 4"), "{reply}");
}

#[tokio::test]
async fn a_declined_offer_is_respected() {
    let mut c = Convo::with_approach("dbt");
    for m in [
        "hi",
        "I'm really angry at my brother",
        "he never listens to me, it's so unfair",
    ] {
        c.send(m).await;
    }
    assert!(!c.offered().is_empty(), "{:?}", c.replies);
    let reply = c.send("no thanks").await;
    assert!(c.exercise().is_none());
    assert!(has_any(&reply, &["fine", "no problem", "okay"]), "{reply}");
    for m in [
        "he shouts at me and I get so mad",
        "I'm furious honestly",
        "and I'm fed up",
    ] {
        c.send(m).await;
        assert!(c.offered().is_empty(), "offered again right after a no");
    }
}

#[tokio::test]
async fn offers_a_menu_when_asked_for_an_exercise_in_general() {
    let mut c = Convo::with_approach("act");
    c.send("hi").await;
    let reply = c.send("can we do an exercise?").await;
    assert!(
        has_any(&reply, &["values check-in"]) && reply.contains("grounding"),
        "{reply}"
    );
    assert_eq!(
        c.offered().first().map(String::as_str),
        Some("values"),
        "ACT puts values first"
    );
    c.send("the grounding one please").await;
    assert_eq!(c.exercise().as_deref(), Some("grounding"));
}

#[tokio::test]
async fn a_feeling_the_caller_detected_is_named_only_when_the_words_show_it() {
    let mut p = persona("en", None, None);
    p.emotions = vec!["anxiety".into()];
    let mut c = Convo::new(p.clone());
    c.send("hello").await;
    let reply = c.send("work has been a lot this week").await;
    assert!(!has_any(&reply, &["anxious", "anxiety"]), "{reply}");
    assert!(reply.contains("work"), "{reply}");

    // The classifier's reading confirms what the words show: it leads.
    p.emotions = vec!["anxiety".into()];
    let mut c = Convo::new(p);
    c.send("hello").await;
    let reply = c
        .send("I'm tired and a bit nervous about work this week")
        .await;
    assert!(
        has_any(&reply, &["anxious", "nervous", "anxiety"]),
        "{reply}"
    );
}

#[tokio::test]
async fn leads_exercises_in_spanish() {
    let mut c = Convo::new(persona("es", Some("mindfulness"), None));
    let intro = c.send("¿podemos hacer un ejercicio de respiración?").await;
    assert_eq!(c.exercise().as_deref(), Some("breathing"));
    assert!(
        intro.contains("respiración cuadrada") && intro.contains("del 0 al 10"),
        "{intro}"
    );
    for answer in ["6", "hecho", "vale"] {
        let reply = c.send(answer).await;
        assert!(
            reply.contains("Inspira") || reply.contains("inspira"),
            "{reply}"
        );
    }
    let summary = c.send("más tranquila, un 3").await;
    assert_eq!(c.exercise(), None);
    assert!(summary.contains("Has pasado de 6 a 3"), "{summary}");

    c.send("quiero hacer el ejercicio de anclaje 5-4-3-2-1")
        .await;
    assert_eq!(c.exercise().as_deref(), Some("grounding"));
    for answer in [
        "la mesa, una taza, la ventana, el sofá, mi perro",
        "la silla, el suelo, la manta, el aire",
    ] {
        c.send(answer).await;
    }
    let reply = c.send("ya no quiero seguir, prefiero hablar").await;
    assert_eq!(c.exercise(), None, "{reply}");
    assert!(
        has_any(&reply, &["lo dejamos", "dejamos el ejercicio"]),
        "{reply}"
    );
}
