//! Stages 3 and 5: what a turn stores. The person's message is stored with
//! its assessment before any reply, learned from, and at `high` and above the
//! crisis protocol's records are written (clinicians told); the reply is
//! stored after the guard approved it, with the crisis state after the turn.
//! A retry of the same request stores neither a second time.

use crate::events::{self, Event};
use rebloom_safety::{Assessment, Dialogue, RiskLevel};
use rebloom_store::{CrisisEvent, Message, Profile, Sender};
use serde_json::{Value, json};
use uuid::Uuid;

use super::Incoming;
use super::assess::Assessed;
use super::context::Context;
use super::reply::Reply;
use crate::CoreResult;
use crate::conversation::Conversations;
use crate::conversation::analysis::{self, Analysis};
use crate::conversation::care::escalated;
use crate::conversation::crisis;
use crate::conversation::views::{AiResponse, ExerciseView, MessageView, TurnResult, safety_view};

/// The person's message as stored.
pub struct Stored {
    pub message: Message,
    pub analysis: Analysis,
    /// The crisis event this turn recorded.
    pub recorded: Option<CrisisEvent>,
}

fn event(incoming: &Incoming, name: &'static str, message_id: Uuid, detail: Value) -> Event {
    Event {
        name,
        user_id: incoming.user.id,
        session_id: Some(incoming.session.id),
        message_id: Some(message_id),
        detail,
    }
}

/// Stores the person's message with its analysis and assessment, learns
/// from it, and records a crisis. A retry whose first attempt stored the
/// message gets it back as stored, and the crisis it recorded is read back
/// with the events (recorded now if it never was).
pub async fn message(
    conv: &Conversations,
    incoming: &Incoming,
    context: &Context,
    assessed: &Assessed,
) -> CoreResult<Stored> {
    let assessment = &assessed.assessment;
    let profile = &context.profile;
    if let Some(earlier) = &context.earlier_message {
        // A first attempt stopped between storing the message and recording
        // its crisis (a store that failed, a turn past its limit): recorded
        // now, at the level it was stored with if this reading is lower. When
        // the person's crisis events cannot be read, recorded again rather
        // than perhaps never (clinicians are told once per session and level).
        let level = RiskLevel::parse(&earlier.risk_level)
            .unwrap_or(assessment.level)
            .max(assessment.level);
        let unrecorded = assessed
            .crisis_events
            .as_ref()
            .is_none_or(|events| !events.iter().any(|e| e.message_id == Some(earlier.id)));
        let recorded = if level.is_crisis() && unrecorded {
            Some(record_crisis(conv, incoming, assessed, earlier, profile, level).await)
        } else {
            None
        };
        return Ok(Stored {
            analysis: Analysis {
                emotions: analysis::emotion_tags(earlier).map(str::to_owned).collect(),
                sentiment: earlier.sentiment_score.unwrap_or_default(),
            },
            message: earlier.clone(),
            recorded,
        });
    }
    let analysis = analysis::analyze(
        conv,
        &incoming.text,
        &profile.language,
        assessment.level.is_crisis(),
    )
    .await;
    let message = Message {
        id: Uuid::now_v7(),
        session_id: incoming.session.id,
        user_id: incoming.user.id,
        sender: Sender::User,
        content: incoming.text.clone(),
        message_type: incoming.message_type.to_owned(),
        sentiment_score: Some(analysis.sentiment),
        emotional_tags: json!(analysis.emotions),
        risk_level: assessment.level.as_str().to_owned(),
        ai_confidence_score: Some(f64::from(assessment.confidence)),
        metadata: json!({
            "safety": {
                "categories": assessment.categories,
                "rules": assessment.evidence.iter().map(|e| &e.rule).collect::<Vec<_>>(),
                "session": assessed.risk_after,
            },
            "turnKey": incoming.turn_key,
        }),
        created_at: conv.clock.now(),
    };
    conv.sessions.insert_message(&message).await?;
    conv.memory
        .after_message(profile, &message, assessment.level)
        .await;
    conv.events.publish(event(
        incoming,
        events::MESSAGE_SENT,
        message.id,
        json!({ "messageType": incoming.message_type }),
    ));
    conv.events.publish(event(
        incoming,
        events::RISK_ASSESSED,
        message.id,
        json!({ "riskLevel": assessment.level.as_str() }),
    ));
    let recorded = if assessment.level.is_crisis() {
        Some(
            record_crisis(
                conv,
                incoming,
                assessed,
                &message,
                profile,
                assessment.level,
            )
            .await,
        )
    } else {
        None
    };
    Ok(Stored {
        message,
        analysis,
        recorded,
    })
}

/// The crisis event for `message`, assessed as `assessment` at `level`.
fn crisis_event(
    assessment: &Assessment,
    level: RiskLevel,
    message: &Message,
    intervention: &str,
) -> CrisisEvent {
    CrisisEvent {
        id: Uuid::now_v7(),
        user_id: message.user_id,
        session_id: Some(message.session_id),
        message_id: Some(message.id),
        risk_level: level.as_str().to_owned(),
        categories: json!(assessment.categories),
        intervention_type: intervention.to_owned(),
        created_at: message.created_at,
    }
}

/// The crisis protocol's records for a message at `level` (`high` or
/// above): the crisis event, clinicians told (once per session, again on
/// escalation), the event published. They are written on a task of their own,
/// so a turn stopped at its limit does not stop them half-way (an event
/// stored and nobody told). A failure is logged: the person still gets help.
/// Returns the crisis event.
async fn record_crisis(
    conv: &Conversations,
    incoming: &Incoming,
    assessed: &Assessed,
    message: &Message,
    profile: &Profile,
    level: RiskLevel,
) -> CrisisEvent {
    let assessment = &assessed.assessment;
    let intervention = if level == RiskLevel::Critical {
        "emergency_services"
    } else {
        "crisis_resources"
    };
    metrics::counter!("crisis_events_total", "risk_level" => level.as_str(), "intervention_type" => intervention)
        .increment(1);
    let crisis_event = crisis_event(assessment, level, message, intervention);
    let detected = event(
        incoming,
        events::CRISIS_DETECTED,
        message.id,
        json!({ "riskLevel": level.as_str(), "categories": assessment.categories }),
    );
    let records = tokio::spawn({
        let (conv, crisis_event) = (conv.clone(), crisis_event.clone());
        let before = assessed.crisis_events.clone();
        let country = profile.country.clone();
        async move {
            if let Err(e) = conv.crises.record_crisis_event(&crisis_event).await {
                tracing::error!(error = %e, "recording a crisis event failed");
            }
            if escalated(&conv, &crisis_event, before.as_deref()).await {
                conv.notices.crisis(&crisis_event, country.as_deref()).await;
            }
            conv.events.publish(detected);
        }
    });
    if let Err(e) = records.await {
        tracing::error!(error = %e, "the crisis records' task failed");
    }
    crisis_event
}

/// Stores the reply and the guided engine's state, and reads the person's
/// crisis state after the turn. An earlier attempt that stored its reply and
/// then failed: that reply stands.
pub async fn reply(
    conv: &Conversations,
    incoming: &Incoming,
    context: Context,
    assessed: Assessed,
    stored: Stored,
    reply: Reply,
) -> CoreResult<TurnResult> {
    let Incoming { user, session, .. } = incoming;
    let assessment = &assessed.assessment;
    let exercise_completed = reply
        .engine_state
        .as_ref()
        .and_then(|new| completed_exercise(&session.engine_state, new));
    // Never at the cost of the reply (a crisis reply above all): logged only.
    if let Some(engine_state) = &reply.engine_state
        && let Err(e) = conv
            .sessions
            .set_engine_state(user.id, session.id, engine_state)
            .await
    {
        tracing::error!(error = %e, "saving the engine state failed");
    }
    let safety = safety_view(assessment, reply.safe_reply.as_ref());
    let message = Message::companion(
        session.id,
        user.id,
        reply.content,
        assessment.level.as_str(),
        json!({
            "provider": reply.provider,
            "model": reply.model,
            "resourcesListed": !safety.resources.is_empty(),
            "contactOffer": reply.offered_contact,
            "crisisDialogue": (reply.dialogue != Dialogue::default()).then_some(&reply.dialogue),
            "exerciseCompleted": exercise_completed,
            "turnKey": incoming.turn_key,
        }),
        conv.clock.now(),
    );
    let ai_message = match context.earlier_reply {
        Some(earlier) => earlier,
        None => {
            conv.sessions.insert_message(&message).await?;
            message
        }
    };
    conv.events.publish(event(
        incoming,
        events::AI_RESPONSE_GENERATED,
        ai_message.id,
        json!({ "provider": reply.provider, "riskLevel": assessment.level.as_str() }),
    ));
    // The person's crisis state after this turn: the events read before it
    // with the one it recorded. Unreadable, it is this turn's own: a crisis
    // here keeps help within reach.
    let country = context.profile.country.as_deref();
    let crisis = match assessed.crisis_events {
        Some(mut events) => {
            events.splice(0..0, stored.recorded);
            crisis::with_events(conv, user.id, country, &events)
                .await
                .inspect_err(|e| tracing::error!(error = %e, "reading the crisis state failed"))
                .ok()
        }
        None => None,
    };
    let crisis = crisis.unwrap_or_else(|| {
        crisis::fold(
            &conv.safety.directory,
            &[crisis_event(
                assessment,
                assessment.level,
                &stored.message,
                "",
            )],
            &[],
            country,
            conv.clock.now(),
        )
    });
    Ok(TurnResult {
        session_id: session.id,
        crisis,
        message: MessageView::from(&stored.message),
        ai_response: AiResponse {
            id: ai_message.id,
            content: ai_message.content,
            provider: reply.provider,
            safety,
            created_at: ai_message.created_at,
            exercise: ExerciseView::from_state(
                reply.engine_state.as_ref(),
                exercise_completed.as_deref(),
            ),
        },
    })
}

/// The exercise this turn finished, if any: one was under way before and
/// now none is, with its kind the latest completed (engagement counts these).
fn completed_exercise(before: &Value, after: &Value) -> Option<String> {
    let kind = before.get("exercise")?.get("kind")?.as_str()?;
    let still_running = after.get("exercise").is_some_and(|e| !e.is_null());
    let last_done = after
        .get("completed")
        .and_then(Value::as_array)
        .and_then(|c| c.last())
        .and_then(Value::as_str);
    (!still_running && last_done == Some(kind)).then(|| kind.to_owned())
}
