//! The greeting that opens a new session for someone the companion remembers:
//! what they shared last time, in their language, and an open question.

use rebloom_safety::{Assessment, RiskLevel};
use rebloom_store::{Memory, Message, Session};
use serde_json::json;

use crate::CoreResult;
use crate::conversation::Conversations;
use crate::conversation::views::{AiResponse, safety_view};
use crate::memory::last_session;
use crate::preferences::CommunicationPreferences;

/// Opens a new session with a greeting from what the person shared before,
/// stored as the companion's first message; `None` when memory is off or
/// nothing is remembered.
pub async fn open_session(
    conv: &Conversations,
    session: &Session,
) -> CoreResult<Option<AiResponse>> {
    let Some(profile) = conv.users.get_profile(session.user_id).await? else {
        return Ok(None);
    };
    if !crate::memory::allowed(&profile) {
        return Ok(None);
    }
    let known = conv.memory.known(session.user_id).await?;
    let communication = CommunicationPreferences::of(&profile);
    let name = match communication.use_name {
        Some(false) => None,
        _ => profile.display_name.as_deref(),
    };
    let Some(text) = compose(&known.memories, name, &profile.language) else {
        return Ok(None);
    };
    // Every reply passes the output guard, templated or not.
    if !conv.safety.guard.check(&text).allowed {
        metrics::counter!("output_guard_blocks_total", "reason" => "greeting").increment(1);
        return Ok(None);
    }
    let message = Message::companion(
        session.id,
        session.user_id,
        text,
        RiskLevel::None.as_str(),
        json!({ "provider": "memory", "model": "greeting", "greeting": true }),
        conv.clock.now(),
    );
    conv.sessions.insert_message(&message).await?;
    let none = Assessment {
        level: RiskLevel::None,
        categories: Vec::new(),
        evidence: Vec::new(),
        confidence: 1.0,
    };
    Ok(Some(AiResponse {
        id: message.id,
        content: message.content,
        provider: "memory".to_owned(),
        safety: safety_view(&none, None),
        created_at: message.created_at,
        exercise: None,
    }))
}

struct Frame {
    hello: &'static str,
    hello_named: &'static str,
    /// What they talked about, ending without a full stop.
    talked: &'static str,
    and: &'static str,
    /// What they said they want or what helps, after `talked`.
    and_that: &'static str,
    /// The same, when nothing else is remembered.
    only_that: &'static str,
    ask: &'static str,
}

const FRAMES: [Frame; 4] = [
    Frame {
        hello: "Welcome back.",
        hello_named: "Welcome back, {name}.",
        talked: "Last time you told me about {items}",
        and: "and",
        and_that: ", and that {said}",
        only_that: "Last time you told me that {said}",
        ask: "How have things been since we last talked?",
    },
    Frame {
        hello: "Qué bueno verte de nuevo.",
        hello_named: "Qué bueno verte de nuevo, {name}.",
        talked: "La última vez me hablaste de {items}",
        and: "y",
        and_that: ", y me contaste que {said}",
        only_that: "La última vez me contaste que {said}",
        ask: "¿Cómo han ido las cosas desde la última vez?",
    },
    Frame {
        hello: "Content de te retrouver.",
        hello_named: "Content de te retrouver, {name}.",
        talked: "La dernière fois, tu m'as parlé de {items}",
        and: "et",
        and_that: ", et tu m'as dit que {said}",
        only_that: "La dernière fois, tu m'as dit que {said}",
        ask: "Comment ça va depuis la dernière fois ?",
    },
    Frame {
        hello: "Schön, dass du wieder da bist.",
        hello_named: "Schön, dass du wieder da bist, {name}.",
        talked: "Letztes Mal hast du mir von {items} erzählt",
        and: "und",
        and_that: ", und dass {said}",
        only_that: "Letztes Mal hast du mir erzählt, dass {said}",
        ask: "Wie ist es dir seitdem ergangen?",
    },
];

/// A goal or what helps, as something they told: "You want to sleep
/// better" is told back as "you wanted to sleep better" (goals and what
/// helps are only remembered in English so far).
fn as_told(content: &str, language: &str) -> String {
    let told = lower_first(content, language);
    match told.strip_prefix("you want to ") {
        Some(rest) => format!("you wanted to {rest}"),
        None => told,
    }
}

fn lower_first(s: &str, language: &str) -> String {
    // German nouns keep their capital.
    if language.starts_with("de") {
        return s.to_owned();
    }
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_lowercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

/// The greeting, from the memories of the person's most recent session that
/// has any (or their most recent memories); `None` when nothing is remembered.
pub fn compose(memories: &[Memory], name: Option<&str>, language: &str) -> Option<String> {
    let frame = match language.split('-').next().unwrap_or("en") {
        "es" => &FRAMES[1],
        "fr" => &FRAMES[2],
        "de" => &FRAMES[3],
        _ => &FRAMES[0],
    };
    let last = last_session(memories).map(|(s, _)| s);
    let recent: Vec<&Memory> = {
        let from_last: Vec<&Memory> = memories
            .iter()
            .filter(|m| last.is_some_and(|s| m.sources.iter().any(|src| src.session_id == s)))
            .collect();
        if from_last.is_empty() {
            memories.iter().take(3).collect()
        } else {
            from_last
        }
    };
    if recent.is_empty() {
        return None;
    }
    let topics: Vec<String> = recent
        .iter()
        .filter(|m| m.kind == "person" || m.kind == "stressor")
        .take(2)
        .map(|m| lower_first(&m.content, language))
        .collect();
    let said: Option<String> = recent
        .iter()
        .find(|m| m.kind == "goal" || m.kind == "coping" || m.kind == "note")
        .map(|m| as_told(&m.content, language));
    let mut parts = vec![match name {
        Some(n) => frame.hello_named.replace("{name}", n),
        None => frame.hello.to_owned(),
    }];
    // One sentence, in what matters most first: what weighed on them and
    // who, then what they hoped for or found helps.
    let told = match (topics.is_empty(), said) {
        (false, said) => {
            let items = topics.join(&format!(" {} ", frame.and));
            let mut t = frame.talked.replace("{items}", &items);
            if let Some(s) = said {
                t.push_str(&frame.and_that.replace("{said}", &s));
            }
            Some(t)
        }
        (true, Some(s)) => Some(frame.only_that.replace("{said}", &s)),
        (true, None) => None,
    };
    if let Some(t) = told {
        parts.push(format!("{t}."));
    }
    parts.push(frame.ask.to_owned());
    Some(parts.join(" "))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use rebloom_store::MemorySource;
    use time::OffsetDateTime;
    use uuid::Uuid;

    use super::*;

    fn memory(kind: &str, content: &str, session: Uuid, minutes: i64) -> Memory {
        let at = OffsetDateTime::UNIX_EPOCH + time::Duration::minutes(minutes);
        Memory {
            id: Uuid::now_v7(),
            user_id: Uuid::nil(),
            kind: kind.into(),
            content: content.into(),
            sources: vec![MemorySource {
                message_id: Uuid::now_v7(),
                session_id: session,
                at,
            }],
            mention_count: 1,
            origin: "conversation".into(),
            created_at: at,
            updated_at: at,
            last_seen_at: at,
        }
    }

    #[test]
    fn greets_with_the_last_session() {
        let (old, last) = (Uuid::now_v7(), Uuid::now_v7());
        let memories = vec![
            memory("stressor", "Pressure from exams and studies", last, 20),
            memory("person", "Your sister Anna", last, 21),
            memory("goal", "You want to sleep better", last, 22),
            memory("person", "Your boss Mark", old, 1),
        ];
        let g = compose(&memories, Some("Sam"), "en").unwrap();
        assert_eq!(
            g,
            "Welcome back, Sam. Last time you told me about pressure from exams and studies and your sister Anna, and that you wanted to sleep better. How have things been since we last talked?"
        );
        assert!(!g.contains("Mark"));
        let de = compose(&memories, None, "de").unwrap();
        assert!(
            de.contains("Your sister Anna") || de.contains("von"),
            "{de}"
        );
        assert!(compose(&[], Some("Sam"), "en").is_none());
        let only = vec![memory("coping", "Walking the dog helps you", last, 5)];
        assert_eq!(
            compose(&only, None, "en").unwrap(),
            "Welcome back. Last time you told me that walking the dog helps you. How have things been since we last talked?"
        );
    }
}
