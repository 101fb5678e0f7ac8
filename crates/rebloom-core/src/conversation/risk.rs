//! The session's risk state, read back from what the session stored: each of
//! the person's messages keeps the state after it (`metadata.safety.session`),
//! and a questionnaire answer that ran the crisis protocol in the session
//! raises it. Every path that assesses a message (REST, Socket.IO, voice)
//! goes through the turn (`conversation::turn`) and so through this.

use rebloom_safety::session::SAFETY_ANSWER_RULE;
use rebloom_safety::{Category, RiskLevel, SessionRisk};
use rebloom_store::{CrisisEvent, Message, Sender};
use serde_json::Value;
use time::OffsetDateTime;
use uuid::Uuid;

/// The state from the session's messages (oldest first) and the person's
/// crisis events: the stored state of the person's last message, or a fold
/// over the stored levels where a message predates the stored state; then any
/// questionnaire answer in the session since.
pub fn fold(session_id: Uuid, recent: &[Message], events: &[CrisisEvent]) -> SessionRisk {
    let person: Vec<&Message> = recent.iter().filter(|m| m.sender == Sender::User).collect();
    let stored = person.iter().rposition(|m| stored_state(m).is_some());
    let (mut risk, from) = match stored {
        Some(i) => (stored_state(person[i]).unwrap_or_default(), i + 1),
        None => (SessionRisk::default(), 0),
    };
    // A session opened with the check-in after a questionnaire answer starts
    // where that answer left the person (a later stored state includes it).
    let opened_for_check_in = recent.iter().any(|m| {
        m.sender == Sender::Ai
            && m.metadata
                .get(crate::conversation::crisis::CHECK_IN_KEY)
                .is_some()
    });
    if stored.is_none() && opened_for_check_in {
        risk = risk.raised(RiskLevel::High, Category::SuicidalIdeation);
    }
    for m in &person[from..] {
        let level = RiskLevel::parse(&m.risk_level).unwrap_or(RiskLevel::None);
        let safety = m.metadata.get("safety");
        let category = safety
            .and_then(|s| s.get("categories"))
            .and_then(|c| c.get(0))
            .and_then(|c| serde_json::from_value::<Category>(c.clone()).ok());
        risk = risk.after(level, category, gave_safety_answer(m));
    }
    let since = person
        .last()
        .map_or(OffsetDateTime::UNIX_EPOCH, |m| m.created_at);
    let mut answers: Vec<&CrisisEvent> = events
        .iter()
        .filter(|e| {
            e.session_id == Some(session_id)
                && e.message_id.is_none()
                && e.intervention_type == "questionnaire"
                && e.created_at >= since
        })
        .collect();
    answers.sort_by_key(|e| e.created_at);
    for e in answers {
        let level = RiskLevel::parse(&e.risk_level).unwrap_or(RiskLevel::High);
        let category = e
            .categories
            .get(0)
            .and_then(|c| serde_json::from_value::<Category>(c.clone()).ok())
            .unwrap_or(Category::SuicidalIdeation);
        risk = risk.raised(level, category);
    }
    risk
}

/// The state a message stored, if it stored one.
pub(crate) fn stored_state(m: &Message) -> Option<SessionRisk> {
    let v = m.metadata.get("safety")?.get("session")?;
    serde_json::from_value(v.clone()).ok()
}

/// Whether the person's message was read as a clear safety answer.
pub(crate) fn gave_safety_answer(m: &Message) -> bool {
    m.metadata
        .get("safety")
        .and_then(|s| s.get("rules"))
        .and_then(Value::as_array)
        .is_some_and(|r| r.iter().any(|r| r.as_str() == Some(SAFETY_ANSWER_RULE)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn message(level: &str, metadata: Value, at: i64) -> Message {
        Message {
            id: Uuid::now_v7(),
            session_id: Uuid::nil(),
            user_id: Uuid::nil(),
            sender: Sender::User,
            content: String::new(),
            message_type: "text".into(),
            sentiment_score: None,
            emotional_tags: json!([]),
            risk_level: level.into(),
            ai_confidence_score: None,
            metadata,
            created_at: OffsetDateTime::UNIX_EPOCH + time::Duration::seconds(at),
        }
    }

    #[test]
    fn the_last_stored_state_then_older_levels_then_questionnaire_answers() {
        let session = Uuid::now_v7();
        // Messages from before the state was stored: folded from their levels.
        let old = vec![
            message(
                "critical",
                json!({"safety": {"categories": ["self_harm"]}}),
                1,
            ),
            message("high", json!({}), 2),
        ];
        let r = fold(session, &old, &[]);
        assert_eq!((r.peak, r.since), (RiskLevel::Critical, 1));
        assert_eq!(r.category, Some(Category::SelfHarm));
        // A safety answer clears it.
        let mut answered = old.clone();
        answered.push(message(
            "low",
            json!({"safety": {"rules": [SAFETY_ANSWER_RULE]}}),
            3,
        ));
        assert_eq!(fold(session, &answered, &[]).peak, RiskLevel::None);
        // A stored state wins over the fold.
        let stored = SessionRisk {
            peak: RiskLevel::High,
            category: Some(Category::HarmFromOthers),
            rule: None,
            since: 4,
            worst: RiskLevel::High,
            worst_since: 4,
            answered: None,
        };
        let with_state = vec![message(
            "moderate",
            json!({"safety": {"session": stored}}),
            4,
        )];
        assert_eq!(fold(session, &with_state, &[]), stored);
        // A PHQ-9 item 9 answer in the session after the last message raises it.
        let event = |at: i64, session_id| CrisisEvent {
            id: Uuid::now_v7(),
            user_id: Uuid::nil(),
            session_id,
            message_id: None,
            risk_level: "high".into(),
            categories: json!(["suicidal_ideation"]),
            intervention_type: "questionnaire".into(),
            created_at: OffsetDateTime::UNIX_EPOCH + time::Duration::seconds(at),
        };
        let r = fold(
            session,
            &answered,
            &[
                event(5, Some(session)),
                event(6, Some(Uuid::now_v7())),
                event(2, Some(session)),
            ],
        );
        assert_eq!((r.peak, r.since), (RiskLevel::High, 0));
        assert_eq!(r.category, Some(Category::SuicidalIdeation));
        assert_eq!(r.means_floor(), RiskLevel::Critical);
    }
}
