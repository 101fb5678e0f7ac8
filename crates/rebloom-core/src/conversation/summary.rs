//! A deterministic end-of-session summary from what was stored: how long, how
//! many messages, the feelings named, risk, and the mood change. A configured
//! language model may later narrate it; the facts come from here.

use std::collections::BTreeMap;

use rebloom_store::{Message, Sender, Session};

pub fn summarize(session: &Session, messages: &[Message], mood_after: Option<i32>) -> String {
    let from_person: Vec<&Message> = messages
        .iter()
        .filter(|m| m.sender == Sender::User)
        .collect();
    let mut emotions: BTreeMap<String, usize> = BTreeMap::new();
    for m in &from_person {
        for t in super::analysis::emotion_tags(m) {
            *emotions.entry(t.to_owned()).or_default() += 1;
        }
    }
    let mut top: Vec<(String, usize)> = emotions.into_iter().collect();
    top.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let mut parts = vec![format!(
        "{} message{} from you, {} from Rebloom.",
        from_person.len(),
        if from_person.len() == 1 { "" } else { "s" },
        messages.len() - from_person.len()
    )];
    if !top.is_empty() {
        let names: Vec<&str> = top.iter().take(3).map(|(e, _)| e.as_str()).collect();
        parts.push(format!("Feelings that came up: {}.", names.join(", ")));
    }
    let exercises: Vec<&str> = messages
        .iter()
        .filter_map(|m| m.metadata.get("exerciseCompleted").and_then(|e| e.as_str()))
        .collect();
    if !exercises.is_empty() {
        parts.push(format!("Exercises completed: {}.", exercises.join(", ")));
    }
    if messages
        .iter()
        .any(|m| matches!(m.risk_level.as_str(), "high" | "critical"))
    {
        parts.push("Crisis support and resources were shared.".to_owned());
    }
    match (session.mood_before, mood_after) {
        (Some(b), Some(a)) => parts.push(format!("Mood {b}/10 before, {a}/10 after.")),
        (None, Some(a)) => parts.push(format!("Mood {a}/10 at the end.")),
        _ => {}
    }
    parts.join(" ")
}
