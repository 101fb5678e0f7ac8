//! Each exercise from start to summary across turns, with the state fed back;
//! stopping, skipping and side questions along the way.

use crate::harness::{Convo, has_any, persona};

/// Sends each answer, checking the step the exercise is at before it.
async fn walk(c: &mut Convo, kind: &str, steps: &[(&str, &str)]) -> String {
    let mut last = String::new();
    for (step, answer) in steps {
        assert_eq!(
            c.exercise().as_deref(),
            Some(kind),
            "before answering {answer:?}"
        );
        assert_eq!(
            c.step().as_deref(),
            Some(*step),
            "before answering {answer:?}"
        );
        last = c.send(answer).await;
    }
    assert_eq!(c.exercise(), None, "{kind} should have ended: {last}");
    assert!(c.completed().contains(&kind.to_string()));
    last
}

#[tokio::test]
async fn thought_record_from_situation_to_re_rating() {
    let mut c = Convo::with_approach("cbt");
    let intro = c.send("I want to try a thought record").await;
    assert!(intro.contains("situation"), "{intro}");
    let summary = walk(
        &mut c,
        "thought_record",
        &[
            ("intro", "My presentation at work went badly"),
            (
                "thought",
                "Everyone will think I'm stupid and I'll never get promoted",
            ),
            ("emotion", "anxious, 85"),
            ("distortions", "yes, mind reading and fortune telling"),
            ("evidence_for", "I stumbled over a few slides"),
            (
                "evidence_against",
                "My manager asked me to present again next month",
            ),
            (
                "balanced",
                "One presentation went badly, but people still value my work",
            ),
            ("rerate", "40"),
        ],
    )
    .await;
    // The distortion step explained the traps it spotted in the thought.
    let traps = &c.replies[3];
    assert!(
        traps.contains("mind reading") && traps.contains("fortune telling"),
        "{traps}"
    );
    assert!(
        traps.contains("Assuming you know what others are thinking"),
        "{traps}"
    );
    for part in [
        "My presentation at work went badly",
        "Everyone will think I'm stupid",
        "anxious (85/100",
        "Thinking traps: mind reading, fortune telling",
        "Balanced thought: \"One presentation went badly, but people still value my work\"",
        "from 85/100 to 40/100",
        "45 points lower",
    ] {
        assert!(summary.contains(part), "summary lacks {part:?}: {summary}");
    }
}

#[tokio::test]
async fn thought_record_asks_for_a_rating_when_missing() {
    let mut c = Convo::english();
    c.send("can we challenge this thought with a thought record")
        .await;
    c.send("my friend didn't reply").await;
    c.send("she hates me").await;
    c.send("sad").await;
    assert_eq!(c.step().as_deref(), Some("rating"));
    c.send("about 70%").await;
    assert_eq!(c.step().as_deref(), Some("distortions"));
    assert!(c.replies.last().unwrap().contains("mind reading"));
    c.send("no").await;
    c.send("skip").await;
    c.send("she was at work").await;
    c.send("she is probably just busy").await;
    let summary = c.send("30").await;
    assert!(summary.contains("none spotted this time"), "{summary}");
    assert!(
        summary.contains("sad (70/100") && summary.contains("to 30/100"),
        "{summary}"
    );
    assert!(summary.contains("Evidence for: —"), "{summary}");
}

#[tokio::test]
async fn behavioural_activation_plans_one_small_activity() {
    let mut c = Convo::english();
    c.send("help me plan an activity, I've got no motivation")
        .await;
    let summary = walk(
        &mut c,
        "behavioural_activation",
        &[
            ("intro", "walking, baking, playing guitar"),
            ("pick", "a 10 minute walk"),
            ("when", "tomorrow after lunch"),
            (
                "obstacles",
                "if it rains I'll walk around the shopping centre",
            ),
        ],
    )
    .await;
    for part in [
        "a 10 minute walk",
        "tomorrow after lunch",
        "shopping centre",
    ] {
        assert!(summary.contains(part), "{part}: {summary}");
    }
    // The goodbye recalls the plan.
    let bye = c.send("thanks, bye for now").await;
    assert!(
        bye.contains("a 10 minute walk, tomorrow after lunch"),
        "{bye}"
    );
    assert!(!bye.contains('?'), "{bye}");
}

#[tokio::test]
async fn grounding_goes_through_five_senses() {
    let mut c = Convo::with_approach("dbt");
    let intro = c.send("can we do the 5-4-3-2-1 grounding").await;
    assert!(intro.contains("five things you can see"), "{intro}");
    let summary = walk(
        &mut c,
        "grounding",
        &[
            ("intro", "desk, lamp, window, my cat, a mug"),
            ("touch", "chair, socks, keyboard, blanket"),
            ("hear", "traffic, the fridge, birds"),
            ("smell", "coffee and soap"),
            ("taste", "mint"),
        ],
    )
    .await;
    let prompts = &c.replies[1..5];
    for (prompt, sense) in
        prompts
            .iter()
            .zip(["four things", "three things", "two things", "one thing"])
    {
        assert!(prompt.contains(sense), "{prompt}");
    }
    for part in [
        "See: desk, lamp",
        "Feel: chair",
        "Hear: traffic",
        "Smell: coffee",
        "Taste: mint",
    ] {
        assert!(summary.contains(part), "{part}: {summary}");
    }
}

#[tokio::test]
async fn box_breathing_counts_rounds_and_checks_in() {
    let mut c = Convo::with_approach("mindfulness");
    let intro = c.send("can we do a breathing exercise").await;
    assert!(intro.contains("4") && intro.contains("0 to 10"), "{intro}");
    let summary = walk(
        &mut c,
        "breathing",
        &[
            ("intro", "7"),
            ("round1", "done"),
            ("round2", "ok"),
            ("round3", "I feel calmer, maybe a 4"),
        ],
    )
    .await;
    for round in &c.replies[1..4] {
        assert!(round.contains("1, 2, 3, 4"), "{round}");
    }
    assert!(summary.contains("from 7 to 4"), "{summary}");
    assert!(summary.contains("I feel calmer"), "{summary}");
}

#[tokio::test]
async fn gratitude_collects_three_things_and_why() {
    let mut c = Convo::new(persona("en", None, Some("short")));
    c.send("I'd like to do a gratitude exercise").await;
    let summary = walk(
        &mut c,
        "gratitude",
        &[
            ("intro", "my sister called me because I felt less alone"),
            ("second", "a good coffee"),
            ("why2", "it was warm and quiet"),
            ("third", "my dog"),
            ("why3", "he makes me laugh"),
        ],
    )
    .await;
    for part in [
        "1. my sister called me: I felt less alone",
        "2. a good coffee: it was warm and quiet",
        "3. my dog: he makes me laugh",
    ] {
        assert!(summary.contains(part), "{part}: {summary}");
    }
}

#[tokio::test]
async fn gratitude_skipped_item_is_left_out_cleanly() {
    let mut c = Convo::english();
    c.send("three good things please").await;
    c.send("sunshine").await;
    c.send("it was warm").await;
    c.send("idk").await;
    assert_eq!(
        c.step().as_deref(),
        Some("third"),
        "a skipped item skips its why"
    );
    c.send("dinner with my brother").await;
    let summary = c.send("we laughed").await;
    assert!(
        summary.contains("1. sunshine: it was warm")
            && summary.contains("2. dinner with my brother"),
        "{summary}"
    );
    assert!(!summary.contains("3."), "{summary}");
}

#[tokio::test]
async fn values_check_in_ends_with_one_small_action() {
    let mut c = Convo::with_approach("act");
    c.send("let's do a values check-in").await;
    let summary = walk(
        &mut c,
        "values",
        &[
            ("intro", "relationships"),
            ("matters", "being present and kind"),
            ("action", "call my dad on Sunday"),
        ],
    )
    .await;
    assert!(c.replies[1].contains("relationships"), "{}", c.replies[1]);
    for part in [
        "Area: relationships",
        "What matters: being present and kind",
        "Small step: call my dad on Sunday",
    ] {
        assert!(summary.contains(part), "{part}: {summary}");
    }
}

#[tokio::test]
async fn any_exercise_can_be_stopped_at_any_step() {
    let starts = [
        ("thought_record", "I want to try a thought record"),
        ("behavioural_activation", "can we do behavioural activation"),
        ("grounding", "grounding please"),
        ("breathing", "can we do box breathing"),
        ("gratitude", "let's do a gratitude practice"),
        ("values", "I'd like a values exercise"),
    ];
    for (kind, start) in starts {
        for stop in [
            "stop",
            "not now",
            "can we just talk",
            "I don't want to do this anymore",
        ] {
            let mut c = Convo::english();
            c.send(start).await;
            assert_eq!(c.exercise().as_deref(), Some(kind), "{start}");
            c.send("something").await;
            let reply = c.send(stop).await;
            assert_eq!(c.exercise(), None, "{kind} / {stop}: {reply}");
            assert!(
                has_any(
                    &reply,
                    &["stop", "leave the exercise", "come back to it", "just talk"]
                ),
                "{reply}"
            );
            assert!(reply.ends_with('?'), "{reply}");
            // The conversation carries on normally, without re-offering at once.
            let next = c.send("I'm still a bit anxious about tomorrow").await;
            assert!(has_any(&next, &["anxious", "anxiety"]), "{next}");
            assert!(c.offered().is_empty());
        }
    }
}

#[tokio::test]
async fn side_questions_and_switches_mid_exercise() {
    let mut c = Convo::english();
    c.send("I want to try a thought record").await;
    c.send("my exam went badly").await;
    let reply = c.send("wait, are you a real person?").await;
    assert!(
        reply.contains("AI") && reply.contains("thought"),
        "answers, then asks again: {reply}"
    );
    assert_eq!(c.step().as_deref(), Some("thought"));
    let reply = c.send("actually can we do box breathing instead").await;
    assert_eq!(c.exercise().as_deref(), Some("breathing"), "{reply}");
    let reply = c.send("bye for now, thanks").await;
    assert_eq!(c.exercise(), None);
    assert!(
        has_any(&reply, &["take good care", "come back", "whenever"]),
        "{reply}"
    );
}

#[tokio::test]
async fn answers_that_sound_like_commands_are_still_answers() {
    // Words that would mean "skip", "stop", "bye" or a request on their own
    // are kept as answers when they are part of one.
    let mut c = Convo::english();
    c.send("I want to try a thought record").await;
    c.send("my doctor changed my medication and I felt awful")
        .await;
    assert_eq!(
        c.step().as_deref(),
        Some("thought"),
        "a situation, not a medication question"
    );
    c.send("I want to stop feeling like this, I'm useless")
        .await;
    assert_eq!(
        c.step().as_deref(),
        Some("emotion"),
        "a thought, not a stop"
    );
    c.send("I want to do a thought record about it, 80 sad")
        .await;
    assert_eq!(
        c.step().as_deref(),
        Some("distortions"),
        "{:?}",
        c.replies.last()
    );

    let mut c = Convo::english();
    c.send("plan an activity with me").await;
    c.send("swimming, reading").await;
    c.send("reading for ten minutes").await;
    c.send("next week on Tuesday evening").await;
    assert_eq!(c.step().as_deref(), Some("obstacles"));
    let summary = c
        .send("I'll take care to leave my phone in another room")
        .await;
    assert!(
        summary.contains("next week on Tuesday evening"),
        "{summary}"
    );
    assert!(summary.contains("leave my phone"), "{summary}");

    let mut c = Convo::english();
    c.send("let's do a gratitude practice").await;
    c.send("I'm grateful for my partner").await;
    assert_eq!(c.step().as_deref(), Some("why1"));

    // A real question mid-exercise is answered, and ends the exercise.
    let mut c = Convo::english();
    c.send("can we do box breathing").await;
    c.send("6").await;
    let reply = c.send("should I stop my meds?").await;
    assert_eq!(c.exercise(), None);
    assert!(has_any(&reply, &["doctor", "prescriber"]), "{reply}");
}

/// "thanks" in the middle of a thought record is not the step's answer: the
/// companion welcomes it and asks whether to carry on; "yes" asks the step
/// again, and the next message is its answer.
#[tokio::test]
async fn thanks_mid_exercise_pauses_it() {
    let mut c = Convo::with_approach("cbt");
    c.send("I'd like to do a thought record").await;
    c.send("my manager didn't reply to my email").await;
    let step = c.step();
    let reply = c.send("thanks").await;
    assert_eq!(c.step(), step, "{reply}");
    assert!(
        reply.contains("carry on") || reply.contains("pick up"),
        "{reply}"
    );
    let again = c.send("yes").await;
    assert_eq!(c.step(), step, "{again}");
    assert!(again.contains('?'), "{again}");
    c.send("she's going to let me go").await;
    assert_ne!(c.step(), step);

    // "No" after the pause stops it.
    let mut c = Convo::with_approach("cbt");
    c.send("I'd like to do a thought record").await;
    c.send("my manager didn't reply to my email").await;
    c.send("thank you").await;
    c.send("no").await;
    assert_eq!(c.exercise(), None);
}
