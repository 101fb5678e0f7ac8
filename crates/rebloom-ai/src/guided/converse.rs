//! Free conversation: greeting, reflective listening, validation, open
//! questions, approach-specific touches, offers of exercises, and the small
//! social moments (thanks, goodbye, "are you a real person?").

use crate::{ChatRequest, ChatRole};

use super::compose::{Approach, Length, Turn, Writer};
use super::detect::{self, Emo, Signals};
use super::exercises;
use super::language::Catalog;
use super::moves::{answer, feeling_phrase, goodbye, library_answer, reflect};
use super::offers::{answer_offer, choose_offer, menu};
use super::plan;
use super::slots::DISTORTIONS;
use super::state::{EngineState, ExerciseKind, ExerciseProgress, Offer};
use crate::text::{self, hash, normalize};

/// Turns between uses of the person's name.
const NAME_GAP: u32 = 3;
/// Turns between pointing out thinking traps.
const TRAP_GAP: u32 = 3;

/// The whole reply to a request, and the state to keep.
pub fn respond(catalog: &Catalog, request: &ChatRequest) -> (String, EngineState) {
    let mut st = EngineState::from_value(&request.engine_state);
    // A draft is for the turn that produced it only.
    st.safety_plan_draft = None;
    let user_turns = request
        .messages
        .iter()
        .filter(|m| m.role == ChatRole::User)
        .count();
    let user_turns = u32::try_from(user_turns).unwrap_or(u32::MAX);
    if st.turn == 0 && user_turns > 1 {
        // The state was lost: carry on from the conversation itself.
        st.turn = user_turns - 1;
    }
    let first = st.turn == 0
        && !request
            .messages
            .iter()
            .any(|m| m.role == ChatRole::Assistant);
    let text = request.last_user_message().unwrap_or("");
    let langs = catalog.select(&request.persona.language);
    let norm = normalize(text);
    let sig = Signals::read(&langs, text, &norm, &request.persona.emotions);
    let seed = hash(&[norm.as_bytes(), &st.turn.to_le_bytes()]);
    let Some(lang) = langs.first().copied() else {
        return (String::new(), st);
    };
    let mut w = Writer::new(lang, seed, std::mem::take(&mut st.recent));
    let t = Turn {
        langs,
        text,
        norm,
        persona: &request.persona,
        approach: Approach::parse(request.persona.approach.as_deref()),
        length: Length::parse(request.persona.reply_length.as_deref()),
        turn: st.turn,
        first,
    };
    if t.norm.trim().is_empty() {
        w.say("empty", &[]);
    } else {
        match st.exercise.take() {
            Some(ex) => carry_on(&t, &sig, ex, &mut st, &mut w),
            None => converse(&t, &sig, &mut st, &mut w),
        }
    }
    if w.is_empty() {
        w.say("question.open", &[]);
    }
    st.turn = st.turn.saturating_add(1);
    let (out, recent) = w.finish();
    st.recent = recent;
    (out, st)
}

/// An exercise under way: the safety plan leads its own steps (risk
/// included); a risk message ends any other.
fn carry_on(t: &Turn, sig: &Signals, ex: ExerciseProgress, st: &mut EngineState, w: &mut Writer) {
    if ex.kind == ExerciseKind::SafetyPlan {
        plan::carry_on(t, sig, ex, st, w);
    } else if sig.risk {
        risk(t, sig, st, w);
    } else {
        exercises::carry_on(t, sig, ex, st, w);
    }
}

/// A message with risk in it (the safety layer has answered the crisis
/// itself): the safety plan when it is asked for, else the risk reply.
fn risk(t: &Turn, sig: &Signals, st: &mut EngineState, w: &mut Writer) {
    st.offer = None;
    if sig.request == Some(ExerciseKind::SafetyPlan) {
        plan::start_after_risk(t, st, w);
    } else {
        w.say("risk", &[]);
    }
}

fn converse(t: &Turn, sig: &Signals, st: &mut EngineState, w: &mut Writer) {
    st.duration_told |= sig.duration;
    if sig.risk {
        risk(t, sig, st, w);
        return;
    }
    let pending = st.offer.take().filter(|o| o.turn + 1 == t.turn);
    if let Some(offer) = pending
        && answer_offer(t, sig, &offer, st, w)
    {
        return;
    }
    if sig.no && (st.last_offer_turn.is_some() || sig.thanks) {
        // A "no" to an offer made a while ago still counts, and so does "no,
        // thanks" to any suggestion.
        st.no_offers = true;
    }
    // "What is box breathing?" is answered; "can we do box breathing?" starts
    // it. A medication or diagnosis question gets its boundary below instead.
    let boundary = sig.medication || sig.diagnosis || sig.unusual;
    if !(sig.cue && (sig.request.is_some() || sig.menu))
        && !boundary
        && asks(sig)
        && let Some(entry) = library_answer(t, st)
    {
        if t.first && !entry.introduces {
            greet(t, "greeting.brief", st, w);
        }
        answer(entry, st, w);
        return;
    }
    if let Some(kind) = sig.request {
        exercises::start(t, kind, st, w);
        return;
    }
    if sig.ask_human {
        w.say("about.identity", &[]);
        w.say("question.open", &[]);
        return;
    }
    if sig.bye {
        goodbye(t, sig, st, w);
        return;
    }
    let feelings = !sig.emotions.is_empty();
    let topic = sig.topic.is_some();
    if sig.menu && !sig.just_listen {
        if feelings || topic {
            reflect(sig, w);
        }
        menu(t, st, w);
        return;
    }
    if sig.ask_capabilities && !feelings {
        w.say("about.capabilities", &[]);
        return;
    }
    for (flag, slot) in [
        (sig.medication, "medication"),
        (sig.diagnosis, "diagnosis"),
        (sig.unusual, "unusual_beliefs"),
    ] {
        if flag {
            w.say(slot, &[]);
            return;
        }
    }
    if !sig.cue && asks(sig) && unknown(t, sig, st, w) {
        return;
    }
    if sig.just_listen {
        st.listening = true;
        st.offer = None;
    }
    if (sig.stop || sig.just_listen) && !feelings {
        w.say("just_talk", &[]);
        return;
    }
    if t.first {
        if !feelings && !topic {
            greet(t, "greeting.first", st, w);
            return;
        }
        greet(t, "greeting.brief", st, w);
    } else if sig.small_talk && !feelings && !topic {
        w.say("small_talk", &[]);
        return;
    } else if sig.greeting && !feelings && !topic {
        w.say("greeting.again", &[]);
        return;
    }
    // "No, thanks" is a no, not thanks.
    if sig.thanks && !sig.no {
        if !feelings && !topic && sig.words <= 10 {
            w.say("thanks", &[]);
            w.say("thanks.follow", &[]);
            return;
        }
        w.say("thanks", &[]);
    }
    if !feelings && !topic && sig.words <= 4 && !t.first {
        let slot = if sig.yes {
            "short.yes"
        } else if sig.no {
            "short.no"
        } else if sig.skip {
            "short.idk"
        } else {
            "short.generic"
        };
        w.say(slot, &[]);
        return;
    }
    conversation(t, sig, st, w);
}

/// Whether the message asks something (a question that is really a cry, or
/// "how are you?", is not asking for an answer).
fn asks(sig: &Signals) -> bool {
    (sig.question || sig.asks) && !sig.rhetorical && !sig.small_talk
}

/// A question for facts the engine does not have, which it says so about;
/// false for anything else (a question about the person's own life or
/// feelings is listened to).
fn unknown(t: &Turn, sig: &Signals, st: &mut EngineState, w: &mut Writer) -> bool {
    let asks_for_facts = t.text.contains('?') || sig.asks;
    if !asks_for_facts || !sig.emotions.is_empty() || sig.topic.is_some() {
        return false;
    }
    if t.first {
        greet(t, "greeting.brief", st, w);
    }
    w.say("answer.unknown", &[]);
    w.say("question.open", &[]);
    true
}

fn greet(t: &Turn, slot: &str, st: &mut EngineState, w: &mut Writer) {
    if let Some(name) = t.name()
        && w.say(&format!("{slot}.named"), &[("name", name)])
    {
        st.name_turn = Some(t.turn);
        return;
    }
    w.say(slot, &[]);
}

fn conversation(t: &Turn, sig: &Signals, st: &mut EngineState, w: &mut Writer) {
    let top = sig.emotions.first();
    let positive = top.is_some_and(Emo::positive);
    let negative = top.is_some() && !positive;
    let feeling = feeling_phrase(w, &sig.emotions).unwrap_or_default();
    let noun = top.map(|e| w.lang().noun(e.id)).unwrap_or_default();
    let topic = sig
        .topic
        .as_ref()
        .map(|h| h.phrase.as_str())
        .unwrap_or_default();
    let vars = [
        ("feeling", feeling.as_str()),
        ("emotion", noun),
        ("topic", topic),
    ];

    reflect(sig, w);
    if t.approach == Approach::PersonCentred && t.length != Length::Short {
        let slot = if topic.is_empty() {
            "approach.person_centred"
        } else {
            "approach.person_centred.topic"
        };
        w.say_fresh(slot, &vars);
    }
    let name = t.name();
    let name_due =
        name.is_some() && t.turn >= 1 && st.name_turn.is_none_or(|n| t.turn >= n + NAME_GAP);
    if let Some(name) = name.filter(|_| name_due)
        && w.say("validate.named", &[("name", name)])
    {
        st.name_turn = Some(t.turn);
    } else if t.length != Length::Short {
        match top {
            Some(e) => w.say_fresh(&format!("validate.{}", e.id), &[]),
            None => w.say_fresh("validate.general", &[]),
        };
    }
    if t.length == Length::Long && top.is_some() {
        w.say_fresh("validate.general", &[]);
    }

    // Grief is met with listening, not techniques.
    let grief = sig.topic.as_ref().is_some_and(|h| h.id == "loss");
    let offer = if grief {
        None
    } else {
        choose_offer(t, sig, st)
    };
    let technique = t.length != Length::Short
        && !st.listening
        && t.approach != Approach::PersonCentred
        && !grief
        && (negative || (top.is_none() && !topic.is_empty()));
    if technique {
        approach_line(t, sig, st, w, &vars, offer.is_some());
    }
    if let Some(kind) = offer {
        w.say(&format!("ex.{}.offer", kind.id()), &[]);
        st.offer = Some(Offer {
            kinds: vec![kind],
            menu: false,
            turn: t.turn,
        });
        st.last_offer_turn = Some(t.turn);
    } else if !w.ends_with_question() {
        let slot = if positive {
            "question.positive".to_string()
        } else if let Some(h) = &sig.topic
            && (top.is_none() || w.coin())
        {
            format!("question.topic.{}", h.id)
        } else if top.is_some() {
            // How long it has been is asked at most until they have said.
            if !st.duration_told && w.coin() {
                "question.feeling.since".to_string()
            } else {
                "question.feeling".to_string()
            }
        } else {
            "question.open".to_string()
        };
        w.say(&slot, &vars);
    }
    st.last_emotion = top.map(|e| e.id.to_string());
    st.last_topic = sig.topic.as_ref().map(|h| h.id.to_string());
}

/// The approach's own touch: reframing, opposite action, defusion, noticing.
fn approach_line(
    t: &Turn,
    sig: &Signals,
    st: &mut EngineState,
    w: &mut Writer,
    vars: &[(&str, &str)],
    offering: bool,
) {
    match t.approach {
        Approach::Cbt => {
            let trap_due = st.trap_turn.is_none_or(|n| t.turn >= n + TRAP_GAP);
            if trap_due
                && let Some(&d) = sig.distortions.first()
                && let Some(dist) = DISTORTIONS
                    .get(d)
                    .and_then(|id| w.lang().c.distortions.get(*id))
            {
                let dv = [
                    ("distortion", dist.name.as_str()),
                    ("explanation", dist.explanation.as_str()),
                ];
                w.say("approach.cbt.distortion", &dv);
                st.trap_turn = Some(t.turn);
            } else if !offering && !w.say("approach.cbt.topic", vars) {
                w.say("approach.cbt", &[]);
            }
        }
        _ if offering => {}
        Approach::Dbt => {
            w.say("approach.dbt", vars);
        }
        Approach::Act => {
            let thought = self_thought(t);
            let said = thought.is_some_and(|th| w.say("approach.act.thought", &[("thought", &th)]));
            if !said {
                w.say("approach.act", &[]);
            }
        }
        Approach::Mindfulness => {
            w.say("approach.mindfulness", vars);
        }
        Approach::PersonCentred | Approach::Unset => {}
    }
}

/// A sentence of the message that sounds like a thought about oneself, for
/// defusion ("I notice I'm having the thought that I'm a failure").
fn self_thought(t: &Turn) -> Option<String> {
    let langs = &t.langs;
    let clauses: Vec<String> = text::sentences(t.text)
        .into_iter()
        .flat_map(|s| s.split(','))
        .flat_map(|s| detect::split_clauses(langs, s))
        .collect();
    clauses.iter().find_map(|s| {
        let n = normalize(s);
        // A judgement or prediction about oneself, not just a feeling.
        let judgement = detect::mentions(langs, "thought_cues", &n)
            && !detect::distortions(langs, &n).is_empty();
        if !judgement || detect::unsafe_to_echo(langs, &n) {
            return None;
        }
        let clipped = text::clip(s, 100);
        if clipped.ends_with('…') {
            return None;
        }
        let keep_case =
            clipped.starts_with("I ") || clipped.starts_with("I'") || clipped.starts_with("I’");
        let mut chars = clipped.chars();
        let first = chars.next()?;
        Some(if keep_case {
            clipped
        } else {
            first.to_lowercase().chain(chars).collect()
        })
    })
}
