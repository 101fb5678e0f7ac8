//! The Stanley-Brown safety plan, led one list at a time: warning signs,
//! coping on one's own, people and places that distract, people to ask for
//! help, professionals, a safer environment and reasons for living.
//!
//! It starts when the person asks for it, or accepts an offer of it in so
//! many words: the crisis reply that offers it also asks a yes/no question
//! about suicidal thoughts, so a bare "yes" is never taken as acceptance.
//! When it ends with something written, the engine state of that turn
//! carries a [`SafetyPlanDraft`] for the server to save ([`take_safety_plan`]).

use serde_json::Value;

use super::compose::{Length, Turn, Writer};
use super::detect::{self, Signals};
use super::exercises;
use super::language::Lang;
use super::moves;
use super::state::{EngineState, ExerciseKind, ExerciseProgress, Offer, SafetyPlanDraft};
use crate::text::{self, normalize};

const KIND: ExerciseKind = ExerciseKind::SafetyPlan;
/// Longest list item kept, in characters.
const ITEM_MAX: usize = 200;
/// Most items kept per step.
const ITEMS_MAX: usize = 10;
/// Longest item read back in the summary, in characters.
const ECHO_MAX: usize = 60;
/// Longest message that accepts an offer without naming the plan
/// ("ok, let's do it"), in words.
const ACCEPT_WORDS_MAX: usize = 6;
/// Longest message that says goodbye in the middle of the plan, in words
/// (longer ones are answers: "goodnight texts from my sister").
const BYE_WORDS_MAX: usize = 6;
/// Where the draft travels in the serialised engine state.
const DRAFT_KEY: &str = "safetyPlanDraft";

/// The given engine state (or a fresh one) with a pending offer of the
/// safety plan, open for the person's next message only, like the engine's
/// own offers. Call it after a reply that offered the plan (such as the
/// crisis reply): that reply counts as a turn. An exercise in progress is
/// dropped, unless it is the safety plan itself, which simply carries on.
pub fn offer_safety_plan(state: Option<&Value>) -> Value {
    let mut st = EngineState::from_value(state.unwrap_or(&Value::Null));
    if st.exercise.as_ref().is_none_or(|e| e.kind != KIND) {
        st.exercise = None;
        st.offer = Some(Offer {
            kinds: vec![KIND],
            menu: false,
            turn: st.turn,
        });
        st.last_offer_turn = Some(st.turn);
        st.turn = st.turn.saturating_add(1);
    }
    serde_json::to_value(&st).unwrap_or(Value::Null)
}

/// The given engine state after a reply the engine did not write (a safety
/// template that offered nothing, a check-in, a model's reply): it counts as a
/// turn, so an offer still pending lapses ("ok" after "I believe you" is not a
/// yes to it), and an exercise other than the safety plan stops (the next
/// message answers that reply, not the exercise's last step).
pub fn reply_elsewhere(state: Option<&Value>) -> Value {
    let mut st = EngineState::from_value(state.unwrap_or(&Value::Null));
    if st.exercise.as_ref().is_some_and(|e| e.kind != KIND) {
        st.exercise = None;
    }
    st.turn = st.turn.saturating_add(1);
    serde_json::to_value(&st).unwrap_or(Value::Null)
}

/// Whether the safety plan is being made, or offered and the offer has not
/// expired: the next message then belongs to the guided engine.
pub fn safety_plan_in_progress(state: Option<&Value>) -> bool {
    let Some(value) = state else {
        return false;
    };
    let st = EngineState::from_value(value);
    let offered = st.offer.is_some_and(|o| {
        !o.menu && o.kinds.first() == Some(&KIND) && o.turn.saturating_add(1) == st.turn
    });
    st.exercise.as_ref().is_some_and(|e| e.kind == KIND) || offered
}

/// Whether the safety plan is being made (an offer alone is not enough).
pub fn safety_plan_being_made(state: Option<&Value>) -> bool {
    state.is_some_and(|v| {
        EngineState::from_value(v)
            .exercise
            .is_some_and(|e| e.kind == KIND)
    })
}

/// Removes the draft a finished (or stopped) safety plan left in the engine
/// state and returns it, so it is saved once.
pub fn take_safety_plan(state: &mut Value) -> Option<SafetyPlanDraft> {
    let draft = state.as_object_mut()?.remove(DRAFT_KEY)?;
    serde_json::from_value(draft).ok()
}

fn slot(name: &str) -> String {
    format!("ex.{}.{name}", KIND.id())
}

/// Handles the message after an offer of the plan; false to carry on as
/// usual (the offer then expires). Only naming the plan or an unambiguous
/// "let's do it" accepts; a bare "yes" may answer the crisis question, so
/// it gets a careful reply instead.
pub fn answer_offer(t: &Turn, sig: &Signals, st: &mut EngineState, w: &mut Writer) -> bool {
    let accepted = !sig.risk
        && !sig.no
        && !sig.stop
        && (sig.mention == Some(KIND) || (sig.plan_accept && sig.words <= ACCEPT_WORDS_MAX));
    if accepted {
        exercises::start(t, KIND, st, w);
        return true;
    }
    if sig.stop {
        st.no_offers = true;
        w.say(&slot("declined"), &[]);
        return true;
    }
    if sig.yes && sig.request.is_none() {
        w.say(&slot("unclear_yes"), &[]);
        return true;
    }
    false
}

/// Starts the plan the person asked for in a message that also speaks of
/// wanting to die: help first, then the plan.
pub fn start_after_risk(t: &Turn, st: &mut EngineState, w: &mut Writer) {
    w.say(&slot("risk"), &[]);
    w.paragraph();
    exercises::start(t, KIND, st, w);
}

/// Handles the person's answer to the step in progress.
pub fn carry_on(
    t: &Turn,
    sig: &Signals,
    mut ex: ExerciseProgress,
    st: &mut EngineState,
    w: &mut Writer,
) {
    let intro = ex.step == "intro";
    if sig.stop || (intro && sig.no) {
        st.no_offers = true;
        st.last_offer_turn = Some(t.turn);
        let saved = keep(&ex, st);
        if sig.risk {
            w.say("risk", &[]);
        } else if saved {
            w.say(&slot("stopped"), &[]);
        } else {
            w.say("stopped", &[]);
        }
        return;
    }
    if sig.bye && !sig.risk && sig.words <= BYE_WORDS_MAX {
        if keep(&ex, st) {
            w.say(&slot("saved_partial"), &[]);
        }
        moves::goodbye(t, sig, st, w);
        return;
    }
    // Questions that need a straight answer get one; then the same step.
    let aside = [
        (sig.medication && sig.question, "medication"),
        (sig.diagnosis && sig.question, "diagnosis"),
        (
            sig.ask_human && sig.question && sig.words <= 10,
            "about.identity",
        ),
    ]
    .into_iter()
    .find_map(|(on, s)| on.then_some(s));
    if let Some(aside) = aside.filter(|_| !sig.risk) {
        w.say(aside, &[]);
        w.paragraph();
        w.say("resume", &[]);
        exercises::prompt(t, &ex, w);
        st.exercise = Some(ex);
        return;
    }
    if sig.risk {
        // Help first. Thoughts of dying can be a warning sign, so they are
        // kept there; anywhere else they are no answer, and the step waits.
        w.say(&slot("risk"), &[]);
        w.paragraph();
        if !matches!(ex.step.as_str(), "intro" | "warning_signs") {
            exercises::prompt(t, &ex, w);
            st.exercise = Some(ex);
            return;
        }
    }
    // "Shall we begin?" answered with the first warning signs rather than a
    // yes: they are the answer to the first step, not lost.
    if intro && !sig.yes && !sig.plan_accept && sig.words > 2 && !sig.risk {
        ex.step = "warning_signs".to_string();
    }
    let intro = ex.step == "intro";
    let mut skipped = false;
    if let Some(key) = KIND.fills(&ex.step) {
        let items = split_items(t, t.text);
        skipped = items.is_empty();
        ex.data.insert(key.to_string(), items.join("\n"));
    }
    let next = exercises::next_step(&ex);
    if skipped {
        w.say(&slot("skipped"), &[]);
    } else if !intro && !sig.risk && t.length != Length::Short && next.is_some() {
        w.say(&slot("ack"), &[]);
    }
    match next {
        Some(step) => {
            ex.step = step.to_string();
            exercises::prompt(t, &ex, w);
            st.exercise = Some(ex);
        }
        None => {
            let saved = keep(&ex, st);
            summary(t, &ex, saved, w);
            st.complete(KIND);
            st.last_offer_turn = Some(t.turn);
        }
    }
}

/// Puts the draft in the state for the server, if anything was written.
fn keep(ex: &ExerciseProgress, st: &mut EngineState) -> bool {
    let d = draft(ex);
    let written = [
        &d.warning_signs,
        &d.coping_strategies,
        &d.distractions,
        &d.people_to_ask,
        &d.professionals,
        &d.safer_environment,
        &d.reasons_for_living,
    ]
    .iter()
    .any(|l| !l.is_empty());
    if written {
        st.safety_plan_draft = Some(d);
    }
    written
}

/// The items of one step, as recorded.
fn items(ex: &ExerciseProgress, key: &str) -> Vec<String> {
    ex.data
        .get(key)
        .map(|v| {
            v.lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

fn draft(ex: &ExerciseProgress) -> SafetyPlanDraft {
    SafetyPlanDraft {
        warning_signs: items(ex, "warning_signs"),
        coping_strategies: items(ex, "coping_strategies"),
        distractions: items(ex, "distractions"),
        people_to_ask: items(ex, "people_to_ask"),
        professionals: items(ex, "professionals"),
        safer_environment: items(ex, "safer_environment"),
        reasons_for_living: items(ex, "reasons_for_living"),
    }
}

/// An answer as list items: split at new lines, semicolons, commas and the
/// reply language's "and"; trimmed of bullets and numbering; clipped; "none",
/// "skip", "not sure" and the like dropped; at most [`ITEMS_MAX`].
pub fn split_items(t: &Turn, answer: &str) -> Vec<String> {
    let and = t
        .langs
        .first()
        .map_or("and", |l| l.word("and"))
        .to_lowercase();
    answer
        .split(['\n', '\r', ';', ','])
        .flat_map(|piece| {
            let words: Vec<&str> = piece.split_whitespace().collect();
            words
                .split(|w| w.to_lowercase() == and)
                .map(|g| g.join(" "))
                .collect::<Vec<_>>()
        })
        .filter_map(|raw| item(&t.langs, &raw))
        .take(ITEMS_MAX)
        .collect()
}

fn item(langs: &[&Lang], raw: &str) -> Option<String> {
    let bare = raw
        .trim()
        .trim_start_matches(['-', '*', '•', '·', '–', '—']);
    let bare = strip_numbering(bare.trim());
    let clipped = text::clip(bare, ITEM_MAX - 1);
    let clipped = if clipped == "…" {
        // One word longer than the limit.
        let mut cut: String = bare.chars().take(ITEM_MAX - 1).collect();
        cut.push('…');
        cut
    } else {
        clipped
    };
    let norm = normalize(&clipped);
    let nothing = norm.trim().is_empty()
        || ["skip", "empty_answer"]
            .iter()
            .any(|key| detect::exact(langs, key, &norm));
    (!nothing).then_some(clipped)
}

/// "1. a walk" / "2) music" → "a walk" / "music".
fn strip_numbering(s: &str) -> &str {
    let digits = s.chars().take_while(char::is_ascii_digit).count();
    if (1..=2).contains(&digits) {
        let rest = &s[digits..];
        if let Some(after) = rest.strip_prefix(['.', ')'])
            && after.starts_with(char::is_whitespace)
        {
            return after.trim_start();
        }
    }
    s
}

/// The close: where the plan is saved, then one line per step (the first
/// item and how many more), then a warm word. With nothing written, nothing
/// is saved, and it says so.
fn summary(t: &Turn, ex: &ExerciseProgress, saved: bool, w: &mut Writer) {
    if !saved {
        w.say(&slot("summary.nothing"), &[]);
        return;
    }
    w.say(&slot("summary.header"), &[]);
    let redacted = w.word("redacted");
    for step in &KIND.steps()[1..] {
        let section = w.word(&format!("plan_{step}"));
        let list = items(ex, step);
        let Some((first, rest)) = list.split_first() else {
            w.line(&slot("summary.empty"), &[("section", section)]);
            continue;
        };
        let shown = if detect::unsafe_to_echo(&t.langs, &normalize(first)) {
            redacted.to_string()
        } else {
            text::clip(first, ECHO_MAX)
        };
        if rest.is_empty() {
            w.line(
                &slot("summary.item"),
                &[("section", section), ("item", &shown)],
            );
        } else {
            let more = rest.len().to_string();
            w.line(
                &slot("summary.items"),
                &[("section", section), ("item", &shown), ("number", &more)],
            );
        }
    }
    w.paragraph();
    w.say(&slot("summary.close"), &[]);
}
