//! Starting the safety plan: on request, or by accepting an offer in so many
//! words (never by a bare "yes", which may answer the crisis question), and
//! when the server should route a turn to the guided engine.

use rebloom_ai::guided::{offer_safety_plan, safety_plan_in_progress};
use serde_json::Value;

use crate::harness::{Convo, has_any, persona};
use crate::safety_plan::{guard, in_progress, say};

#[tokio::test]
async fn asking_for_a_safety_plan_starts_it() {
    let guard = guard();
    for (lang, text) in [
        ("en", "can we make a safety plan"),
        ("en", "Help me with my safety plan please"),
        ("en", "I want to make a crisis plan"),
        ("en", "could you help me build a safety plan?"),
        ("en", "I'm not okay, can we make a safety plan"),
        ("es", "hagamos un plan de seguridad"),
        ("es", "¿Me ayudas con mi plan de seguridad?"),
        ("es", "quiero hacer un plan de crisis"),
    ] {
        for first in [true, false] {
            let mut c = Convo::new(persona(lang, None, None));
            if !first {
                say(&mut c, &guard, "hello").await;
            }
            let reply = say(&mut c, &guard, text).await;
            assert_eq!(
                c.exercise().as_deref(),
                Some("safety_plan"),
                "{text}: {reply}"
            );
            assert_eq!(c.step().as_deref(), Some("intro"));
            assert!(in_progress(&c));
        }
    }
    // Mid-exercise, a request switches to the plan.
    let mut c = Convo::english();
    say(&mut c, &guard, "can we do box breathing").await;
    say(&mut c, &guard, "actually can we make a safety plan instead").await;
    assert_eq!(c.exercise().as_deref(), Some("safety_plan"));
    let mut c = Convo::english();
    say(&mut c, &guard, "I want to try a thought record").await;
    say(&mut c, &guard, "could you help me with my safety plan").await;
    assert_eq!(c.exercise().as_deref(), Some("safety_plan"));
    // Asked for in the same breath as wanting to die: help first, then the plan.
    let mut c = Convo::english();
    say(&mut c, &guard, "hi").await;
    let reply = say(&mut c, &guard, "I want to die, can we make a safety plan").await;
    assert!(reply.contains("crisis line"), "{reply}");
    assert_eq!(c.step().as_deref(), Some("intro"), "{reply}");
    // The same in the middle of another exercise: that one ends, the plan starts.
    let mut c = Convo::english();
    say(&mut c, &guard, "can we do box breathing").await;
    let reply = say(&mut c, &guard, "I want to die, can we make a safety plan").await;
    assert!(reply.contains("crisis line"), "{reply}");
    assert_eq!(c.exercise().as_deref(), Some("safety_plan"), "{reply}");
    assert_eq!(c.step().as_deref(), Some("intro"), "{reply}");
    // Risk alone in the middle of an exercise ends it without starting the plan.
    let mut c = Convo::english();
    say(&mut c, &guard, "can we do box breathing").await;
    say(&mut c, &guard, "I want to die").await;
    assert_eq!(c.exercise(), None);
    // Mentioned, refused or denied: not started.
    for (lang, text) in [
        ("en", "I don't want a safety plan"),
        ("en", "I don't think I need a safety plan"),
        ("en", "my therapist gave me a safety plan last year"),
        ("en", "can we talk about my plan for the weekend"),
        ("es", "no quiero un plan de seguridad"),
    ] {
        let mut c = Convo::new(persona(lang, None, None));
        say(&mut c, &guard, "hi").await;
        let reply = say(&mut c, &guard, text).await;
        assert_eq!(c.exercise(), None, "{text}: {reply}");
    }
}

#[tokio::test]
async fn an_offer_is_accepted_only_in_so_many_words() {
    let guard = guard();
    for (lang, text) in [
        ("en", "let's do it"),
        ("en", "ok let's start"),
        ("en", "yes, let's make the safety plan"),
        ("en", "Okay, let's make it"),
        ("en", "can we do the safety plan"),
        ("en", "yes I'd like to make the plan together"),
        ("es", "hagámoslo"),
        ("es", "sí, hagamos el plan"),
        ("es", "vale, empecemos"),
        ("es", "sí, el plan de seguridad"),
    ] {
        for fresh in [true, false] {
            let mut c = Convo::new(persona(lang, None, None));
            if fresh {
                c.state = offer_safety_plan(None);
            } else {
                say(&mut c, &guard, "hi").await;
                c.state = offer_safety_plan(Some(&c.state));
            }
            assert!(in_progress(&c), "offered");
            assert_eq!(c.offered(), vec!["safety_plan".to_string()]);
            let reply = say(&mut c, &guard, text).await;
            assert_eq!(
                c.exercise().as_deref(),
                Some("safety_plan"),
                "{text}: {reply}"
            );
            assert_eq!(c.step().as_deref(), Some("intro"));
            assert!(in_progress(&c));
        }
    }
}

#[tokio::test]
async fn a_bare_yes_does_not_accept_an_offer() {
    let guard = guard();
    // The crisis reply that offers the plan also asks whether the person is
    // thinking of ending their life: "yes" may answer that.
    for (lang, text) in [
        ("en", "yes"),
        ("en", "Yeah"),
        ("en", "ok"),
        ("en", "yes please"),
        ("es", "sí"),
        ("es", "vale"),
    ] {
        let mut c = Convo::new(persona(lang, None, None));
        say(&mut c, &guard, "hi").await;
        c.state = offer_safety_plan(Some(&c.state));
        let reply = say(&mut c, &guard, text).await;
        assert_eq!(c.exercise(), None, "{text}: {reply}");
        assert!(
            has_any(&reply, &["crisis line", "línea de crisis"]),
            "{text}: {reply}"
        );
        assert!(!in_progress(&c), "the offer expired");
        assert!(c.offered().is_empty());
    }
    // Doing what that reply suggests starts the plan.
    for (lang, text) in [
        ("en", "let's make my safety plan"),
        ("es", "hagamos mi plan de seguridad"),
    ] {
        let mut c = Convo::new(persona(lang, None, None));
        c.state = offer_safety_plan(None);
        say(&mut c, &guard, if lang == "en" { "yes" } else { "sí" }).await;
        let said = c.replies.last().unwrap().clone();
        assert!(said.contains(text), "{said}");
        say(&mut c, &guard, text).await;
        assert_eq!(c.exercise().as_deref(), Some("safety_plan"), "{text}");
    }
    // Anything else that doesn't accept lets the offer expire too.
    for text in ["no", "I'm scared", "not now", "I don't know"] {
        let mut c = Convo::english();
        say(&mut c, &guard, "hi").await;
        c.state = offer_safety_plan(Some(&c.state));
        let reply = say(&mut c, &guard, text).await;
        assert_eq!(c.exercise(), None, "{text}: {reply}");
        assert!(!in_progress(&c), "{text}");
        // ... and a later "let's do it" starts nothing.
        say(&mut c, &guard, "let's do it").await;
        assert_eq!(c.exercise(), None, "{text}");
    }
    // "Not now" is a polite no to the plan itself.
    let mut c = Convo::english();
    c.state = offer_safety_plan(None);
    let reply = say(&mut c, &guard, "not now").await;
    assert!(reply.contains("Safety plan page"), "{reply}");
}

#[tokio::test]
async fn in_progress_is_true_only_while_offered_or_being_made() {
    let guard = guard();
    assert!(!safety_plan_in_progress(None));
    assert!(!safety_plan_in_progress(Some(&Value::Null)));
    let mut c = Convo::english();
    say(&mut c, &guard, "hi").await;
    assert!(!in_progress(&c));
    // Another exercise is not the plan...
    say(&mut c, &guard, "can we do box breathing").await;
    assert!(!in_progress(&c));
    // ...and an offer (after a crisis reply) replaces it.
    c.state = offer_safety_plan(Some(&c.state));
    assert!(in_progress(&c));
    assert_eq!(c.exercise(), None);
    // Offering again while the plan is being made changes nothing.
    say(&mut c, &guard, "let's do it").await;
    say(&mut c, &guard, "ok").await;
    say(&mut c, &guard, "not sleeping").await;
    let before = c.state.clone();
    assert_eq!(offer_safety_plan(Some(&before)), before);
    assert!(in_progress(&c));
    say(&mut c, &guard, "stop").await;
    assert!(!in_progress(&c));
    // An offer left unanswered past its turn has expired.
    let mut stale = offer_safety_plan(None);
    stale["turn"] = Value::from(5);
    assert!(!safety_plan_in_progress(Some(&stale)));
}
