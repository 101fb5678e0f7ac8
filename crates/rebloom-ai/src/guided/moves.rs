//! Moves any part of the engine makes: naming what was heard (the feeling
//! and the topic), answering from the library and a warm goodbye. Below the
//! exercises, the safety plan and free conversation, which use them; above
//! detection and composition.

use super::answers;
use super::compose::{Turn, Writer};
use super::detect::{Emo, Signals};
use super::language::Lang;
use super::state::EngineState;

/// How a feeling is named in `lang`: as the person put it when the lexicon
/// has their word, else the language's own name for it.
pub fn feeling_name(lang: &Lang, e: &Emo) -> String {
    e.variant
        .clone()
        .unwrap_or_else(|| lang.feeling(e.id).to_string())
}

/// The feeling(s) to name: the strongest one, and a second as strong.
pub fn feeling_phrase(w: &Writer, emotions: &[Emo]) -> Option<String> {
    let lang = w.lang();
    let name = |e: &Emo| feeling_name(lang, e);
    let first = emotions.first()?;
    let mut out = name(first);
    if let Some(second) = emotions.get(1)
        && second.score >= first.score
        && second.positive() == first.positive()
    {
        out = format!("{out} {} {}", lang.word("and"), name(second));
    }
    Some(out)
}

/// The reflection sentence: the feeling and topic heard in the message.
pub fn reflect(sig: &Signals, w: &mut Writer) {
    let feeling = feeling_phrase(w, &sig.emotions);
    let noun = sig
        .emotions
        .first()
        .map(|e| w.lang().noun(e.id).to_string());
    let mut vars: Vec<(&str, &str)> = Vec::new();
    if let (Some(f), Some(n)) = (&feeling, &noun) {
        vars.push(("feeling", f));
        vars.push(("emotion", n));
    }
    if let Some(tp) = &sig.topic {
        vars.push(("topic", &tp.phrase));
    }
    let slot = match (feeling.is_some(), sig.topic.is_some()) {
        (true, true) => "reflect.topic",
        (true, false) => "reflect.feeling",
        (false, true) => "reflect.topic_only",
        (false, false) => "reflect.neutral",
    };
    w.say(slot, &vars);
}

/// The library's answer to the message, unless it was given already this
/// session.
pub fn library_answer<'a>(t: &Turn<'a>, st: &EngineState) -> Option<&'a answers::Entry> {
    answers::find(&t.langs, &t.norm)
        .or_else(|| {
            // Found by meaning by the caller (the encoder), when the words
            // found nothing. Meaning does not overrule the words: on the
            // tuning set it picked the wrong answer more often than it
            // corrected one.
            let id = t.persona.answer.as_deref()?;
            answers::get(&t.langs, id)
        })
        .filter(|e| !st.answered.contains(&e.id))
}

/// A library answer and its question back to the person.
pub fn answer(entry: &answers::Entry, st: &mut EngineState, w: &mut Writer) {
    st.answered.push(entry.id.clone());
    w.push(&entry.answer);
    w.push(&entry.follow_up);
}

/// A warm close; mentions an exercise done in this session, if any.
pub fn goodbye(t: &Turn, sig: &Signals, st: &mut EngineState, w: &mut Writer) {
    st.offer = None;
    if sig.thanks {
        w.say("thanks", &[]);
    }
    if let Some((activity, when)) = &st.plan {
        w.say("bye.plan", &[("activity", activity), ("when", when)]);
    } else if let Some(kind) = st.completed.last()
        && let Some(title) = w.pick(&format!("ex.{}.title", kind.id()), &[])
    {
        w.say("bye.after_exercise", &[("exercise", &title)]);
    }
    match t.name() {
        Some(name) if w.say("bye.named", &[("name", name)]) => {}
        _ => {
            w.say("bye", &[]);
        }
    }
}
