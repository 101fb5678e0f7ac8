//! The structured exercises, led one step per turn. Progress lives in
//! [`ExerciseProgress`]; each answer is stored (clipped, and never echoed if
//! it holds anything unsafe) and the next step is asked, until the summary.

use std::collections::BTreeMap;

use super::compose::{Length, Turn, Writer};
use super::detect::{self, Signals};
use super::moves;
use super::slots::DISTORTIONS;
use super::state::{EngineState, ExerciseKind, ExerciseProgress};
use crate::text::{self, normalize, parse_rating};

/// Longest answer kept and echoed back, in characters.
const ECHO_MAX: usize = 160;
/// Thinking traps shown when none is spotted in the thought.
const COMMON_TRAPS: &[&str] = &[
    "all_or_nothing",
    "catastrophising",
    "mind_reading",
    "should_statements",
];

/// Starts an exercise with its first step.
pub fn start(t: &Turn, kind: ExerciseKind, st: &mut EngineState, w: &mut Writer) {
    st.offer = None;
    st.last_offer_turn = Some(t.turn);
    let ex = ExerciseProgress {
        kind,
        step: "intro".to_string(),
        data: BTreeMap::new(),
        started_turn: t.turn,
        paused: false,
    };
    prompt(t, &ex, w);
    st.exercise = Some(ex);
}

/// Handles the person's answer to the step in progress of any exercise
/// but the safety plan (`plan::carry_on` leads that one), on a message
/// without risk (`converse` answers those).
pub fn carry_on(
    t: &Turn,
    sig: &Signals,
    mut ex: ExerciseProgress,
    st: &mut EngineState,
    w: &mut Writer,
) {
    if sig.stop {
        stop(t, st, w);
        return;
    }
    if sig.bye {
        moves::goodbye(t, sig, st, w);
        return;
    }
    // Questions that matter more than the exercise end it and get answered
    // (a medication named in a thought record's situation is just an answer).
    for (flag, slot) in [
        (sig.medication && sig.question, "medication"),
        (sig.diagnosis && sig.question, "diagnosis"),
        (sig.unusual, "unusual_beliefs"),
    ] {
        if flag {
            w.say(slot, &[]);
            return;
        }
    }
    // Named outright, another exercise takes over; the safety plan does
    // whenever it is asked for at all.
    let plan_asked = sig.request.filter(|k| *k == ExerciseKind::SafetyPlan);
    if let Some(kind) = sig.strong_request.or(plan_asked).filter(|k| *k != ex.kind) {
        start(t, kind, st, w);
        return;
    }
    if sig.ask_human && sig.words <= 10 {
        w.say("about.identity", &[]);
        w.paragraph();
        w.say("resume", &[]);
        prompt(t, &ex, w);
        st.exercise = Some(ex);
        return;
    }
    // A question the library answers pauses the exercise: answered, then
    // the step asked again.
    if sig.question
        && !sig.rhetorical
        && let Some(entry) = moves::library_answer(t, st)
    {
        moves::answer(entry, st, w);
        w.paragraph();
        w.say("resume", &[]);
        prompt(t, &ex, w);
        st.exercise = Some(ex);
        return;
    }
    let guided_by_senses = matches!(ex.kind, ExerciseKind::Breathing | ExerciseKind::Grounding);
    if guided_by_senses && !sig.emotions.is_empty() && sig.words >= 15 {
        // Something heartfelt in the middle of breathing: acknowledge it.
        moves::reflect(sig, w);
    }
    // A plain "thanks" is not the step's answer: welcomed, and asked
    // whether to carry on; a yes asks the step again.
    if std::mem::take(&mut ex.paused) {
        if sig.no {
            stop(t, st, w);
            return;
        }
        if sig.yes {
            prompt(t, &ex, w);
            st.exercise = Some(ex);
            return;
        }
    } else if sig.thanks && !sig.no && sig.words <= 4 && !guided_by_senses {
        w.say("thanks", &[]);
        w.say("resume", &[]);
        ex.paused = true;
        st.exercise = Some(ex);
        return;
    }
    // Breathing, grounding and gratitude prompts carry their own acknowledgement.
    let own_ack = guided_by_senses || ex.kind == ExerciseKind::Gratitude;
    record(t, sig, &mut ex);
    let next = next_step(&ex);
    if sig.skip {
        w.say("skipped", &[]);
    } else if t.length != Length::Short && !own_ack && next.is_some() {
        w.say("ack", &[]);
    }
    match next {
        Some(step) => {
            ex.step = step.to_string();
            prompt(t, &ex, w);
            st.exercise = Some(ex);
        }
        None => {
            summary(&ex, w);
            if ex.kind == ExerciseKind::BehaviouralActivation
                && let (Some(activity), Some(when)) = (ex.data.get("activity"), ex.data.get("when"))
                && !activity.is_empty()
                && !when.is_empty()
            {
                st.plan = Some((activity.clone(), when.clone()));
            }
            st.complete(ex.kind);
            st.last_offer_turn = Some(t.turn);
        }
    }
}

/// The step after the current one whose answer is still missing.
pub fn next_step(ex: &ExerciseProgress) -> Option<&'static str> {
    let steps = ex.kind.steps();
    let i = steps.iter().position(|s| *s == ex.step)?;
    steps[i + 1..]
        .iter()
        .find(|s| {
            ex.kind
                .fills(s)
                .is_none_or(|key| !ex.data.contains_key(key))
        })
        .copied()
}

fn record(t: &Turn, sig: &Signals, ex: &mut ExerciseProgress) {
    use ExerciseKind::*;
    let step = ex.step.clone();
    let key = ex.kind.fills(&step);
    let data = &mut ex.data;
    if sig.skip && step != "distortions" {
        if let Some(key) = key {
            data.insert(key.to_string(), String::new());
        }
        // A skipped item has no "why", and a skipped emotion no rating.
        let also = match (ex.kind, step.as_str()) {
            (ThoughtRecord, "emotion") => Some("before"),
            (Gratitude, "intro") => Some("why1"),
            (Gratitude, "second") => Some("why2"),
            (Gratitude, "third") => Some("why3"),
            _ => None,
        };
        if let Some(k) = also {
            data.insert(k.to_string(), String::new());
        }
        return;
    }
    // The person's words, fit to show back to them: clipped, and replaced by
    // a neutral phrase if they hold anything that must never be echoed.
    let said = |w: &str| -> String {
        if detect::unsafe_to_echo(&t.langs, &normalize(w)) {
            t.langs
                .first()
                .map_or("", |l| l.word("redacted"))
                .to_string()
        } else {
            text::clip(w, ECHO_MAX)
        }
    };
    let number = |max: u32| parse_rating(t.text, max).map(|n| n.to_string());
    match (ex.kind, step.as_str()) {
        (Breathing, "intro") => {
            if let Some(n) = number(10) {
                data.insert("before".into(), n);
            }
        }
        (Breathing, "round3") => {
            data.insert("after".into(), number(10).unwrap_or_default());
            if t.text.chars().filter(|c| c.is_alphabetic()).count() > 3 {
                data.insert("checkin".into(), said(t.text));
            }
        }
        (Breathing, _) => {}
        (ThoughtRecord, "emotion") => {
            let feeling = feeling_named(t, sig).unwrap_or_else(|| said(t.text));
            data.insert("feeling".into(), feeling);
            if let Some(n) = number(100) {
                data.insert("before".into(), n);
            }
        }
        (ThoughtRecord, "rating") => {
            data.insert("before".into(), number(100).unwrap_or_default());
        }
        (ThoughtRecord, "rerate") => {
            data.insert("after".into(), number(100).unwrap_or_default());
        }
        (ThoughtRecord, "distortions") => {
            let named = detect::named_distortions(&t.langs, &t.norm);
            let traps = if !named.is_empty() {
                named
            } else if sig.no {
                Vec::new()
            } else {
                spotted(t, data)
            };
            let ids: Vec<&str> = traps
                .iter()
                .filter_map(|i| DISTORTIONS.get(*i).copied())
                .collect();
            data.insert("traps".into(), ids.join(","));
        }
        (Gratitude, "intro" | "second" | "third") => {
            let n = match step.as_str() {
                "intro" => 1,
                "second" => 2,
                _ => 3,
            };
            let (item, why) = split_because(t);
            data.insert(format!("item{n}"), said(&item));
            if let Some(why) = why {
                data.insert(format!("why{n}"), said(&why));
            }
        }
        (Values, "intro") => {
            let area = detect::first_listed(&t.langs, "life_areas", &t.norm)
                .unwrap_or_else(|| said(t.text));
            data.insert("area".into(), area);
        }
        _ => {
            if let Some(key) = key {
                data.insert(key.to_string(), said(t.text));
            }
        }
    }
}

/// The feeling named in an answer, in the reply language, if the lexicon knows it.
fn feeling_named(t: &Turn, sig: &Signals) -> Option<String> {
    Some(moves::feeling_name(t.langs.first()?, sig.emotions.first()?))
}

/// "my sister called because I felt alone" → ("my sister called", "I felt alone").
fn split_because(t: &Turn) -> (String, Option<String>) {
    let words: Vec<&str> = t.text.split_whitespace().collect();
    let at = words
        .iter()
        .position(|w| detect::mentions(&t.langs, "because", &normalize(w)));
    match at {
        Some(i) if i > 0 && i + 1 < words.len() => {
            (words[..i].join(" "), Some(words[i + 1..].join(" ")))
        }
        _ => (t.text.to_string(), None),
    }
}

/// Thinking traps spotted in the recorded thought.
fn spotted(t: &Turn, data: &BTreeMap<String, String>) -> Vec<usize> {
    data.get("thought")
        .map(|th| detect::distortions(&t.langs, &normalize(th)))
        .unwrap_or_default()
}

/// The data as template values (skipped steps leave no value).
fn vars(data: &BTreeMap<String, String>) -> Vec<(&str, &str)> {
    data.iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect()
}

fn slot(kind: ExerciseKind, name: &str) -> String {
    format!("ex.{}.{name}", kind.id())
}

/// Asks for the current step.
pub fn prompt(t: &Turn, ex: &ExerciseProgress, w: &mut Writer) {
    if ex.kind == ExerciseKind::ThoughtRecord && ex.step == "distortions" {
        distortions_prompt(t, ex, w);
        return;
    }
    let s = slot(ex.kind, ex.kind.prompt_slot(&ex.step));
    let mut v = vars(&ex.data);
    let item = match ex.step.as_str() {
        "why1" => ex.data.get("item1"),
        "why2" => ex.data.get("item2"),
        "why3" => ex.data.get("item3"),
        _ => None,
    };
    if let Some(item) = item.filter(|i| !i.is_empty()) {
        v.push(("item", item));
    }
    w.say_rich(&s, &v);
}

fn distortions_prompt(t: &Turn, ex: &ExerciseProgress, w: &mut Writer) {
    let found = spotted(t, &ex.data);
    let kind = ex.kind;
    let shown: Vec<&str> = if found.is_empty() {
        w.say(&slot(kind, "distortions.none"), &[]);
        COMMON_TRAPS.to_vec()
    } else {
        w.say(&slot(kind, "distortions.found"), &[]);
        found
            .iter()
            .take(3)
            .filter_map(|i| DISTORTIONS.get(*i).copied())
            .collect()
    };
    let lang = w.lang();
    for id in shown {
        if let Some(d) = lang.c.distortions.get(id) {
            let v = [
                ("distortion", d.name.as_str()),
                ("explanation", d.explanation.as_str()),
            ];
            w.line(&slot(kind, "distortions.item"), &v);
        }
    }
    w.paragraph();
    w.say(&slot(kind, "distortions.question"), &[]);
}

/// Stops the exercise at the person's word: none is offered again this session.
fn stop(t: &Turn, st: &mut EngineState, w: &mut Writer) {
    st.no_offers = true;
    st.last_offer_turn = Some(t.turn);
    w.say("stopped", &[]);
}

/// Ends an exercise with what the person wrote.
fn summary(ex: &ExerciseProgress, w: &mut Writer) {
    use ExerciseKind::*;
    let kind = ex.kind;
    let d = &ex.data;
    let get = |k: &str| d.get(k).map(String::as_str).filter(|v| !v.is_empty());
    let none = w.word("none");
    match kind {
        Breathing => {
            w.say(&slot(kind, "summary"), &[]);
            if let (Some(b), Some(a)) = (get("before"), get("after")) {
                w.say(
                    &slot(kind, "summary.rating"),
                    &[("before", b), ("after", a)],
                );
            }
            if let Some(c) = get("checkin") {
                w.say(&slot(kind, "summary.checkin"), &[("checkin", c)]);
            }
        }
        Grounding => {
            let senses =
                ["see", "touch", "hear", "smell", "taste"].map(|k| (k, get(k).unwrap_or(none)));
            w.say(&slot(kind, "summary"), &senses);
        }
        ThoughtRecord => thought_record_summary(ex, w),
        BehaviouralActivation => {
            let activity = get("activity").unwrap_or(w.word("something_small"));
            let when = get("when").unwrap_or(none);
            w.say(
                &slot(kind, "summary"),
                &[("activity", activity), ("when", when)],
            );
            if let Some(o) = get("obstacle") {
                w.line(&slot(kind, "summary.obstacle"), &[("obstacle", o)]);
            }
        }
        Gratitude => {
            w.say(&slot(kind, "summary.header"), &[]);
            let items =
                (1..=3).filter_map(|n| Some((get(&format!("item{n}"))?, get(&format!("why{n}")))));
            for (n, (item, why)) in items.enumerate() {
                let number = (n + 1).to_string();
                match why {
                    Some(why) => w.line(
                        &slot(kind, "summary.item"),
                        &[("number", &number), ("item", item), ("why", why)],
                    ),
                    None => w.line(
                        &slot(kind, "summary.item_plain"),
                        &[("number", &number), ("item", item)],
                    ),
                };
            }
        }
        Values => {
            let v = ["area", "value", "action"].map(|k| (k, get(k).unwrap_or(none)));
            w.say(&slot(kind, "summary"), &v);
        }
        // Led (and summarised) by `plan::carry_on`, which never comes here.
        SafetyPlan => return,
    }
    w.paragraph();
    w.say(&slot(kind, "summary.close"), &[]);
}

fn thought_record_summary(ex: &ExerciseProgress, w: &mut Writer) {
    let kind = ex.kind;
    let d = &ex.data;
    let get = |k: &str| d.get(k).map(String::as_str).filter(|v| !v.is_empty());
    let none = w.word("none");
    let feeling = get("feeling").unwrap_or(w.word("that_feeling"));
    let out_of_100 = |k: &str| get(k).map(|n| format!("{n}/100"));
    let before = out_of_100("before").unwrap_or_else(|| w.word("not_rated").to_string());
    let before = before.as_str();
    w.say(&slot(kind, "summary.header"), &[]);
    if let Some(s) = get("situation") {
        w.line(&slot(kind, "summary.situation"), &[("situation", s)]);
    }
    if let Some(th) = get("thought") {
        w.line(&slot(kind, "summary.thought"), &[("thought", th)]);
    }
    w.line(
        &slot(kind, "summary.feeling"),
        &[("feeling", feeling), ("before", before)],
    );
    let lang = w.lang();
    let names: Vec<&str> = get("traps")
        .unwrap_or("")
        .split(',')
        .filter_map(|id| lang.c.distortions.get(id.trim()))
        .map(|dist| dist.name.as_str())
        .collect();
    let traps = if names.is_empty() {
        w.word("no_traps").to_string()
    } else {
        names.join(w.word("list_separator"))
    };
    w.line(&slot(kind, "summary.traps"), &[("distortions", &traps)]);
    if get("evidence_for").is_some() || get("evidence_against").is_some() {
        let ev = [
            ("evidence_for", get("evidence_for").unwrap_or(none)),
            ("evidence_against", get("evidence_against").unwrap_or(none)),
        ];
        w.line(&slot(kind, "summary.evidence"), &ev);
    }
    if let Some(b) = get("balanced") {
        w.line(&slot(kind, "summary.balanced"), &[("balanced", b)]);
    }
    let after = get("after");
    if let Some(a) = out_of_100("after") {
        w.line(
            &slot(kind, "summary.rerate"),
            &[("feeling", feeling), ("before", before), ("after", &a)],
        );
    }
    let numbers = get("before")
        .and_then(|b| b.parse::<i64>().ok())
        .zip(after.and_then(|a| a.parse::<i64>().ok()));
    if let Some((b, a)) = numbers {
        w.paragraph();
        let change = (b - a).abs().to_string();
        let which = match b.cmp(&a) {
            std::cmp::Ordering::Greater => "summary.change.down",
            std::cmp::Ordering::Equal => "summary.change.same",
            std::cmp::Ordering::Less => "summary.change.up",
        };
        w.say(&slot(kind, which), &[("change", &change)]);
    }
}
