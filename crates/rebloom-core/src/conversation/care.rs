//! The safety actions around a turn that are not the reply itself: whether a
//! crisis escalated (clinicians are notified once per session and again on
//! escalation), the person asking for their trusted contact to be told, and
//! whether a turn belongs to the guided engine whatever model is configured:
//! the safety plan it is building, or an exercise.

use crate::audit::Actor;
use rebloom_ai::ChatRequest;
use rebloom_ai::guided::{
    EngineState, GuidedReply, safety_plan_being_made, safety_plan_in_progress, take_safety_plan,
};
use rebloom_safety::{ContactText, RiskLevel};
use rebloom_store::{CrisisEvent, Role};
use uuid::Uuid;

use crate::conversation::Conversations;
use crate::notices::ContactRefusal;

/// When the person asks for their trusted contact to be told (after the
/// companion offered it), sends the request and says what happened.
pub async fn contact_request(
    conv: &Conversations,
    user_id: Uuid,
    text: &str,
    language: &str,
) -> Option<String> {
    let contact = match conv.crises.get_trusted_contact(user_id).await {
        Ok(contact) => contact?,
        Err(e) => {
            tracing::error!(error = %e, "reading the trusted contact failed");
            return None;
        }
    };
    if !rebloom_safety::accepts_contact_offer(text, &contact.name) {
        return None;
    }
    let person = Actor::Person {
        id: user_id,
        role: Role::User,
    };
    let which = match conv
        .notices
        .notify_contact(person, user_id, "conversation")
        .await
    {
        Ok(()) => ContactText::Sent,
        Err(ContactRefusal::TooSoon) => ContactText::Recent,
        Err(_) => ContactText::Failed,
    };
    Some(conv.safety.replies.contact(language, which, &contact.name))
}

/// Whether this turn belongs to the safety plan: offered or under way before
/// it, or started or finished by it (`trial` is the guided engine's reply to
/// this message, worked out once a turn: it is cheap and deterministic). In a
/// crisis an open offer does not count, only the plan being made or asked
/// for: a yes right after the crisis reply answers its direct question, not
/// the offer.
pub fn safety_plan_turn(
    request: &ChatRequest,
    trial: Option<&GuidedReply>,
    in_crisis: bool,
) -> bool {
    let counts = |s: &serde_json::Value| {
        if in_crisis {
            safety_plan_being_made(Some(s))
        } else {
            safety_plan_in_progress(Some(s))
        }
    };
    counts(&request.engine_state)
        || trial.is_some_and(|t| {
            let mut state = t.state.clone();
            counts(&state) || take_safety_plan(&mut state).is_some()
        })
}

/// Whether this turn belongs to a guided exercise: one under way before it,
/// or one this message starts (asked for by name, or an offer accepted) or
/// completes at once, as `trial` (the guided engine's reply) shows.
/// Exercises are the guided engine's whatever model is configured: it shows
/// the card, walks the steps and records the completion, which a model's
/// prose would not.
pub fn exercise_turn(request: &ChatRequest, trial: Option<&GuidedReply>) -> bool {
    let before = EngineState::from_value(&request.engine_state);
    before.exercise.is_some()
        || trial.is_some_and(|t| {
            let after = EngineState::from_value(&t.state);
            after.exercise.is_some() || after.completed != before.completed
        })
}

/// Whether `event` is the session's first crisis event at its level or above.
/// `before` are the person's events read earlier in the turn (newest first);
/// when they may not be all of them, the store is asked (a long session's
/// early crisis still counts).
pub async fn escalated(
    conv: &Conversations,
    event: &CrisisEvent,
    before: Option<&[CrisisEvent]>,
) -> bool {
    let level = RiskLevel::parse(&event.risk_level);
    let earlier = |events: &[CrisisEvent]| {
        events.iter().any(|e| {
            e.id != event.id
                && e.session_id == event.session_id
                && RiskLevel::parse(&e.risk_level) >= level
        })
    };
    if let Some(events) = before
        && events.len() < crate::conversation::crisis::READ as usize
    {
        return !earlier(events);
    }
    match conv.crises.list_crisis_events(event.user_id, 200).await {
        Ok(events) => !earlier(&events),
        // Unsure: notify rather than stay silent.
        Err(e) => {
            tracing::warn!(error = %e, "reading earlier crisis events failed");
            true
        }
    }
}
