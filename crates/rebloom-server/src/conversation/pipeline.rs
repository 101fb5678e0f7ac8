//! The response pipeline for one message, in the architecture's order:
//! safety assessment → context → generation → output guard → store → events.
//! Crisis assessment is deterministic and runs before anything else; at `high`
//! and above no language model is asked at all.

use std::time::Instant;

use futures::StreamExt;
use rebloom_ai::guided::{offer_safety_plan, reply_elsewhere, take_safety_plan};
use rebloom_ai::{ChatMessage, ChatProvider, ChatRequest, ChatRole, Chunk, Persona};
use rebloom_core::events::{self, Event};
use rebloom_core::preferences::{CommunicationPreferences, TherapeuticPreferences};
use rebloom_safety::dialogue::{Flow, Said, Step, StepContext};
use rebloom_safety::{
    Assessment, ContactText, Dialogue, Move, ReplyContext, RiskLevel, Speaker, Turn,
    guard::take_sentences,
};
use rebloom_store::{Message, Profile, Sender, Session, User};
use serde_json::{Value, json};
use tokio::sync::mpsc;
use uuid::Uuid;

use crate::app::AppState;
use crate::conversation::care::{contact_request, escalated, safety_plan_turn};
use crate::conversation::prompt;
pub use crate::conversation::views::{
    AiResponse, MessageView, ResourceView, SafetyView, TurnResult,
};
use crate::conversation::views::{ExerciseView, safety_view};
use crate::error::{ApiError, ApiResult};

/// Turns of the session given to the model as context.
const CONTEXT_MESSAGES: u32 = 20;

/// What the pipeline streams while it works.
#[derive(Debug, Clone, PartialEq)]
pub enum ReplyEvent {
    /// Guard-approved reply text.
    Chunk(String),
    /// Discard the chunks so far; the reply starts again.
    Reset,
    /// The reply is stored (sent by streaming transports after the pipeline).
    Finished(Box<TurnResult>),
    /// The pipeline failed; the person's message is stored, the reply is not.
    Failed,
}

/// One message to handle.
pub struct Incoming {
    pub user: User,
    pub session: Session,
    pub text: String,
    /// `text` or `voice`.
    pub message_type: &'static str,
    /// The mark of the request's `Idempotency-Key` (see `idempotency::turn_key`):
    /// a retry whose first attempt stored the message (or the reply) before
    /// failing finds them in the session and does not store them again.
    pub turn_key: Option<String>,
}

/// A message of the session stored by an earlier attempt of the same request.
fn earlier_attempt(recent: &[Message], key: Option<&str>, sender: Sender) -> Option<Message> {
    let key = key?;
    recent
        .iter()
        .rev()
        .find(|m| {
            m.sender == sender && m.metadata.get("turnKey").and_then(Value::as_str) == Some(key)
        })
        .cloned()
}

fn persona(profile: &Profile, user_emotions: &[String]) -> Persona {
    let therapeutic = TherapeuticPreferences::of(profile);
    let communication = CommunicationPreferences::of(profile);
    let display_name = if communication.use_name == Some(false) {
        None
    } else {
        profile.display_name.clone()
    };
    Persona {
        display_name,
        approach: therapeutic
            .approach
            .and_then(|a| serde_json::to_value(a).ok())
            .and_then(|v| v.as_str().map(str::to_owned)),
        language: profile.language.clone(),
        emotions: user_emotions.to_vec(),
        reply_length: communication
            .reply_length
            .and_then(|l| serde_json::to_value(l).ok())
            .and_then(|v| v.as_str().map(str::to_owned)),
    }
}

/// The language to answer in (`rebloom_safety::language`): `text`'s when it
/// is clear, else that of the person's last three messages in `newest_first`,
/// else `profile`'s.
pub fn reply_language<'a>(
    state: &AppState,
    profile: &str,
    text: &str,
    newest_first: impl Iterator<Item = &'a Message>,
) -> String {
    let earlier: Vec<&str> = newest_first
        .filter(|m| m.sender == Sender::User)
        .take(3)
        .map(|m| m.content.as_str())
        .collect();
    state
        .safety
        .language
        .reply_language(profile, text, &earlier)
}

/// Runs the pipeline for one message. `sink` receives the approved reply as it
/// is produced (for streaming clients); the full result is returned at the end.
pub async fn respond(
    state: &AppState,
    incoming: Incoming,
    sink: Option<mpsc::Sender<ReplyEvent>>,
) -> ApiResult<TurnResult> {
    let started = Instant::now();
    let stage = |name: &'static str, since: Instant| {
        metrics::histogram!("pipeline_stage_seconds", "stage" => name)
            .record(since.elapsed().as_secs_f64());
    };
    let Incoming {
        user,
        session,
        text,
        message_type,
        turn_key,
    } = incoming;
    let context_started = Instant::now();
    // Context that cannot be read (a store error, a value that does not
    // decrypt) never stops the crisis assessment: it runs on the message alone.
    let profile = match state.store.get_profile(user.id).await {
        Ok(Some(p)) => p,
        Ok(None) => return Err(ApiError::NotFound),
        Err(e) => {
            tracing::error!(error = %e, "reading the profile failed; answering without it");
            rebloom_store::Profile::empty(user.id, state.clock.now())
        }
    };
    // The session so far, oldest first.
    let mut recent = match state
        .store
        .list_messages(user.id, Some(session.id), None, CONTEXT_MESSAGES)
        .await
    {
        Ok(m) => m,
        Err(e) => {
            tracing::error!(error = %e, "reading the conversation failed; answering without it");
            Vec::new()
        }
    };
    recent.reverse();
    let earlier_message = earlier_attempt(&recent, turn_key.as_deref(), Sender::User);
    let earlier_reply = earlier_attempt(&recent, turn_key.as_deref(), Sender::Ai);
    if let Some(m) = &earlier_message {
        // The context is what came before this message, as on the first attempt.
        recent.retain(|r| r.created_at < m.created_at);
    }
    stage("context", context_started);

    // 1. Safety, before anything else.
    let assess_started = Instant::now();
    let turns: Vec<Turn<'_>> = recent
        .iter()
        .map(|m| Turn {
            speaker: if m.sender == Sender::User {
                Speaker::Person
            } else {
                Speaker::Companion
            },
            text: &m.content,
        })
        .collect();
    // The encoder reads the message on the CPU pool while the person's
    // crisis events are read: once, for the session's questionnaire answers
    // here and the crisis state after the turn. Unreadable, the session's
    // risk stands on its messages alone.
    let (crisis_events, views) = tokio::join!(
        state
            .store
            .list_crisis_events(user.id, crate::conversation::crisis::READ),
        crisis_views(state, &text),
    );
    let crisis_events = crisis_events
        .inspect_err(|e| tracing::error!(error = %e, "reading crisis events failed; session risk from the messages alone"))
        .ok();
    let risk = crate::conversation::risk::fold(
        session.id,
        &recent,
        crisis_events.as_deref().unwrap_or_default(),
    );
    // Where the crisis conversation stands (stored with the companion's last
    // reply): a plain "no" to its direct question is a safety answer, "I'm
    // calmer now" ends a panic attack.
    let dialogue: Dialogue = recent
        .iter()
        .rev()
        .find(|m| m.sender == Sender::Ai)
        .and_then(|m| m.metadata.get("crisisDialogue"))
        .and_then(|v| serde_json::from_value(v.clone()).ok())
        .unwrap_or_default();
    // The person is answered in the language they write in; what they say
    // to the dialogue is read in it too.
    let profile = Profile {
        language: reply_language(state, &profile.language, &text, recent.iter().rev()),
        ..profile
    };
    let heard = state.safety.dialogues.hear(&profile.language, &text);
    let assessment = dialogue.read_answer(
        &risk,
        &heard,
        state
            .safety
            .assessor
            .assess_in(&risk, &turns, &text, views.as_deref()),
    );
    let risk_after = risk.after_assessment(&assessment);
    metrics::histogram!("safety_assessment_seconds").record(assess_started.elapsed().as_secs_f64());
    stage("assess", assess_started);
    let analysis = crate::conversation::analysis::analyze(
        state,
        &text,
        &profile.language,
        assessment.level.is_crisis(),
    )
    .await;

    let now = state.clock.now();
    let user_message = Message {
        id: earlier_message.as_ref().map_or_else(Uuid::now_v7, |m| m.id),
        session_id: session.id,
        user_id: user.id,
        sender: Sender::User,
        content: text.clone(),
        message_type: message_type.to_owned(),
        sentiment_score: Some(analysis.sentiment),
        emotional_tags: json!(analysis.emotions),
        risk_level: assessment.level.as_str().to_owned(),
        ai_confidence_score: Some(f64::from(assessment.confidence)),
        metadata: json!({
            "safety": {
                "categories": assessment.categories,
                "rules": assessment.evidence.iter().map(|e| &e.rule).collect::<Vec<_>>(),
                "session": risk_after,
            },
            "turnKey": turn_key,
        }),
        created_at: earlier_message.as_ref().map_or(now, |m| m.created_at),
    };
    let event = |name, message_id, detail| Event {
        name,
        user_id: user.id,
        session_id: Some(session.id),
        message_id: Some(message_id),
        detail,
    };
    // A retry whose first attempt stored the message already learned from it
    // and announced it (both follow the insert at once): not a second time.
    if earlier_message.is_none() {
        state.store.insert_message(&user_message).await?;
        crate::memory::after_message(state, &profile, &user_message, assessment.level).await;
        state.events.publish(event(
            events::MESSAGE_SENT,
            user_message.id,
            json!({ "messageType": message_type }),
        ));
        state.events.publish(event(
            events::RISK_ASSESSED,
            user_message.id,
            json!({ "riskLevel": assessment.level.as_str() }),
        ));
    }

    // 2. The reply: the crisis dialogue's templates in a crisis, a check-in at
    // `moderate`, else generated (`rebloom_safety::dialogue` decides).
    let resources_given = recent.iter().any(|m| {
        m.sender == Sender::Ai
            && m.metadata.get("resourcesListed").and_then(Value::as_bool) == Some(true)
    });
    let ctx = ReplyContext {
        country: profile.country.as_deref(),
        language: &profile.language,
        resources_given,
        // The person's turn in the session: the count holds their messages
        // and the companion's, two a turn; consecutive replies pick different
        // wording from the same list (a list of two alternates).
        turn: u64::from(session.message_count.unsigned_abs() / 2),
    };
    // The person may be answering the companion's offer to tell their trusted contact.
    // Live for the companion's last five replies within the hour, no longer.
    let offer_since = state.clock.now() - time::Duration::hours(1);
    let contact_offered = recent
        .iter()
        .rev()
        .filter(|m| m.sender == Sender::Ai)
        .take(5)
        .any(|m| {
            m.created_at >= offer_since
                && m.metadata.get("contactOffer").and_then(Value::as_bool) == Some(true)
        });
    let preface = if contact_offered {
        contact_request(state, user.id, &text, &profile.language).await
    } else {
        None
    };
    if let Some(p) = &preface {
        send(&sink, ReplyEvent::Chunk(format!("{p}\n\n"))).await;
    }
    let mut offered_contact = false;
    // What a provider would be asked (the guided engine building the safety
    // plan, or the configured model), with what they shared before for replies
    // a model writes (never for crisis replies).
    let recall = if assessment.level <= RiskLevel::Low {
        crate::memory::recall(state, &profile, session.id, &text)
            .await
            .unwrap_or_else(|e| {
                tracing::error!(error = %e, "recalling memories failed; answering without them");
                Default::default()
            })
    } else {
        Default::default()
    };
    let request = ChatRequest {
        system: prompt::system_prompt(&profile) + &recall.prompt_lines(),
        messages: recent
            .iter()
            .map(|m| {
                let role = if m.sender == Sender::User {
                    ChatRole::User
                } else {
                    ChatRole::Assistant
                };
                ChatMessage::new(role, m.content.clone())
            })
            .chain(std::iter::once(ChatMessage::new(
                ChatRole::User,
                text.clone(),
            )))
            .collect(),
        persona: persona(&profile, &analysis.emotions),
        engine_state: session.engine_state.clone(),
        max_tokens: 400,
        temperature: 0.7,
    };
    // The safety plan goes on (or starts) at any level below `critical`; in a
    // crisis only when the person asks for it (an offer is not an answer).
    let in_crisis = assessment.level.is_crisis() || dialogue.flow == Some(Flow::Crisis);
    let plan_asked =
        assessment.level != RiskLevel::Critical && safety_plan_turn(state, &request, in_crisis);
    // What this message moves the conversation to.
    let (mv, dialogue) = dialogue.next(Said {
        assessment: &assessment,
        plan: plan_asked,
        heard,
    });
    // A retry whose first attempt stored the message recorded its crisis too
    // (and read it back with the events above).
    let recorded = if assessment.level.is_crisis() && earlier_message.is_none() {
        Some(record_crisis(state, &assessment, &user_message, &profile, event).await)
    } else {
        None
    };

    // The plan step reads back the person's own plan when they have one.
    let plan_item = if mv == Move::Step(Step::Plan) {
        crate::safety_plan::plan_item(state, user.id).await
    } else {
        None
    };
    let step_ctx = StepContext {
        country: profile.country.as_deref(),
        language: &profile.language,
        turn: ctx.turn,
        critical: assessment.level == RiskLevel::Critical,
        plan_item: plan_item.as_deref(),
        means_put_away: heard.means_put_away,
    };
    let (content, provider, model, safe_reply, engine_state) = match mv {
        Move::Plan | Move::Converse { .. } => {
            // Building a safety plan is the guided engine's, whatever model is
            // configured: it is deterministic, and what it collects is saved.
            let provider: &dyn ChatProvider = if mv == Move::Plan {
                state.guided.as_ref()
            } else {
                state.chat.as_ref()
            };
            let generate_started = Instant::now();
            let mut generated =
                generate(state, provider, &request, &sink, user.id, session.id).await?;
            stage("generate", generate_started);
            if let Some(draft) = generated.engine_state.as_mut().and_then(take_safety_plan)
                && let Err(e) = crate::safety_plan::save_draft(state, user.id, draft).await
            {
                // The reply has been seen; the plan is not lost to the person, who
                // can write it on the safety-plan page.
                tracing::error!(error = %e, "saving a safety plan built in conversation failed");
            }
            if mv == (Move::Converse { gentle_check: true }) {
                let check = state
                    .safety
                    .dialogues
                    .gentle_check(&profile.language, ctx.turn);
                send(&sink, ReplyEvent::Chunk(format!("\n\n{check}"))).await;
                generated.text = format!("{}\n\n{check}", generated.text);
            }
            (
                generated.text,
                generated.provider,
                generated.model,
                None,
                generated.engine_state,
            )
        }
        Move::CheckIn => {
            let reply = state.safety.replies.check_in(&assessment, &ctx);
            send(&sink, ReplyEvent::Chunk(reply.text.clone())).await;
            (
                reply.text.clone(),
                "safety".to_owned(),
                "check-in".to_owned(),
                Some(reply),
                Some(reply_elsewhere(Some(&session.engine_state))),
            )
        }
        Move::Open | Move::Step(_) | Move::Believed | Move::PanicEased => {
            let reply = match mv {
                Move::Open => Some(state.safety.replies.crisis(
                    &assessment,
                    &state.safety.directory,
                    &ctx,
                )),
                _ => state.safety.dialogues.reply(
                    mv,
                    &dialogue,
                    &state.safety.replies,
                    &state.safety.directory,
                    &step_ctx,
                ),
            };
            let reply = reply.unwrap_or_else(|| {
                state
                    .safety
                    .replies
                    .crisis(&assessment, &state.safety.directory, &ctx)
            });
            let mut text = reply.text.clone();
            // At `critical`, offer (once) to message their trusted contact; it is
            // only sent if they then ask for it.
            if reply.urged_emergency_services
                && !contact_offered
                && state.notifier.can_email()
                && let Ok(Some(contact)) = state.store.get_trusted_contact(user.id).await
            {
                text.push_str("\n\n");
                text.push_str(&state.safety.replies.contact(
                    &profile.language,
                    ContactText::Offer,
                    &contact.name,
                ));
                offered_contact = true;
            }
            send(&sink, ReplyEvent::Chunk(text.clone())).await;
            // The plan a reply offered is built by the guided engine if
            // accepted; an offer still pending from before lapses.
            let engine_state = Some(if reply.offered_safety_plan {
                offer_safety_plan(Some(&session.engine_state))
            } else {
                reply_elsewhere(Some(&session.engine_state))
            });
            let model = if matches!(mv, Move::Open) {
                "templates"
            } else {
                "dialogue"
            };
            (
                text,
                "safety".to_owned(),
                model.to_owned(),
                Some(reply),
                engine_state,
            )
        }
    };
    // 3. Store the reply and tell everyone.
    let store_started = Instant::now();
    let exercise_completed = engine_state
        .as_ref()
        .and_then(|new| completed_exercise(&session.engine_state, new));
    // Never at the cost of the reply (a crisis reply above all): logged only.
    if let Some(engine_state) = &engine_state
        && let Err(e) = state
            .store
            .set_engine_state(user.id, session.id, engine_state)
            .await
    {
        tracing::error!(error = %e, "saving the engine state failed");
    }
    let content = match &preface {
        Some(p) => format!("{p}\n\n{content}"),
        None => content,
    };
    let assessment_view = safety_view(&assessment, safe_reply.as_ref());
    let reply = Message::companion(
        session.id,
        user.id,
        content,
        assessment.level.as_str(),
        json!({
            "provider": provider,
            "model": model,
            "resourcesListed": !assessment_view.resources.is_empty(),
            "contactOffer": offered_contact,
            "crisisDialogue": (dialogue != Dialogue::default()).then_some(&dialogue),
            "exerciseCompleted": exercise_completed,
            "turnKey": turn_key,
        }),
        state.clock.now(),
    );
    // An earlier attempt that stored its reply and then failed: that reply stands.
    let ai_message = match earlier_reply {
        Some(earlier) => earlier,
        None => {
            state.store.insert_message(&reply).await?;
            reply
        }
    };
    stage("store", store_started);
    let elapsed = started.elapsed().as_secs_f64();
    metrics::histogram!("ai_response_time_seconds", "provider" => provider.clone()).record(elapsed);
    state.events.publish(event(
        events::AI_RESPONSE_GENERATED,
        ai_message.id,
        json!({ "provider": provider, "riskLevel": assessment.level.as_str() }),
    ));
    // The person's crisis state after this turn: the events read before it
    // with the one it recorded. Unreadable, it is this turn's own: a crisis
    // here keeps help within reach.
    let country = profile.country.as_deref();
    let crisis = match crisis_events {
        Some(mut events) => {
            events.splice(0..0, recorded);
            crate::conversation::crisis::with_events(state, user.id, country, &events)
                .await
                .inspect_err(|e| tracing::error!(error = %e, "reading the crisis state failed"))
                .ok()
        }
        None => None,
    };
    let crisis = crisis.unwrap_or_else(|| {
        crate::conversation::crisis::fold(
            &state.safety.directory,
            &[crisis_event(&assessment, &user_message, "")],
            &[],
            country,
            state.clock.now(),
        )
    });
    Ok(TurnResult {
        session_id: session.id,
        crisis,
        message: MessageView::from(&user_message),
        ai_response: AiResponse {
            id: ai_message.id,
            content: ai_message.content.clone(),
            provider,
            safety: assessment_view,
            created_at: ai_message.created_at,
            exercise: ExerciseView::from_state(
                engine_state.as_ref(),
                exercise_completed.as_deref(),
            ),
        },
    })
}

/// The crisis event for `user_message`, assessed as `assessment`.
fn crisis_event(
    assessment: &Assessment,
    user_message: &Message,
    intervention: &str,
) -> rebloom_store::CrisisEvent {
    rebloom_store::CrisisEvent {
        id: Uuid::now_v7(),
        user_id: user_message.user_id,
        session_id: Some(user_message.session_id),
        message_id: Some(user_message.id),
        risk_level: assessment.level.as_str().to_owned(),
        categories: json!(assessment.categories),
        intervention_type: intervention.to_owned(),
        created_at: user_message.created_at,
    }
}

/// The crisis protocol's records for a message at `high` or above: the
/// crisis event, clinicians told (once per session, again on escalation), the
/// event published. A failure is logged: the person still gets help. Returns
/// the crisis event.
async fn record_crisis(
    state: &AppState,
    assessment: &Assessment,
    user_message: &Message,
    profile: &Profile,
    event: impl Fn(&'static str, Uuid, Value) -> Event,
) -> rebloom_store::CrisisEvent {
    let intervention = if assessment.level == RiskLevel::Critical {
        "emergency_services"
    } else {
        "crisis_resources"
    };
    metrics::counter!("crisis_events_total", "risk_level" => assessment.level.as_str(), "intervention_type" => intervention)
        .increment(1);
    let crisis_event = crisis_event(assessment, user_message, intervention);
    if let Err(e) = state.store.record_crisis_event(&crisis_event).await {
        tracing::error!(error = %e, "recording a crisis event failed");
    }
    if escalated(state, &crisis_event).await {
        crate::jobs::notify::crisis(state, &crisis_event, profile.country.as_deref()).await;
    }
    state.events.publish(event(
        events::CRISIS_DETECTED,
        user_message.id,
        json!({ "riskLevel": assessment.level.as_str(), "categories": assessment.categories }),
    ));
    crisis_event
}

async fn send(sink: &Option<mpsc::Sender<ReplyEvent>>, event: ReplyEvent) {
    if let Some(tx) = sink {
        // A client that went away does not stop the pipeline: the reply is still stored.
        let _ = tx.send(event).await;
    }
}

struct Generated {
    text: String,
    provider: String,
    model: String,
    engine_state: Option<Value>,
}

/// Generates through the provider chain, releasing text to the sink only
/// sentence by sentence after the output guard approved it.
async fn generate(
    state: &AppState,
    provider: &dyn ChatProvider,
    request: &ChatRequest,
    sink: &Option<mpsc::Sender<ReplyEvent>>,
    user_id: Uuid,
    session_id: Uuid,
) -> ApiResult<Generated> {
    let mut stream = provider.stream(request).await.map_err(|e| {
        tracing::error!(error = %e, "no provider could start a reply");
        ApiError::Unavailable("reply_unavailable")
    })?;
    let mut approved = String::new();
    let mut pending = String::new();
    let mut engine_state = None;
    let mut finish = rebloom_ai::Finish::default();
    let mut blocked = Vec::new();
    // The sentence before, so that patterns spanning two sentences are caught too.
    let mut previous = String::new();
    while let Some(item) = stream.next().await {
        match item {
            Ok(Chunk::Delta(d)) => {
                pending.push_str(&d);
                for sentence in take_sentences(&mut pending) {
                    let verdict = state.safety.guard.check(&format!("{previous}{sentence}"));
                    previous.clone_from(&sentence);
                    if !verdict.allowed {
                        blocked = verdict.reasons;
                        break;
                    }
                    approved.push_str(&sentence);
                    send(sink, ReplyEvent::Chunk(sentence)).await;
                }
                if !blocked.is_empty() {
                    break;
                }
            }
            Ok(Chunk::Reset) => {
                approved.clear();
                pending.clear();
                previous.clear();
                send(sink, ReplyEvent::Reset).await;
            }
            Ok(Chunk::EngineState(s)) => engine_state = Some(s),
            Ok(Chunk::Done(f)) => {
                finish = f;
                break;
            }
            Err(e) => {
                return Err(ApiError::Internal(anyhow::anyhow!(
                    "generation failed: {e}"
                )));
            }
        }
    }
    if blocked.is_empty() && !pending.trim().is_empty() {
        let verdict = state.safety.guard.check(&format!("{previous}{pending}"));
        if verdict.allowed {
            approved.push_str(&pending);
            send(sink, ReplyEvent::Chunk(std::mem::take(&mut pending))).await;
        } else {
            blocked = verdict.reasons;
        }
    }
    // Last, the whole reply as it would be stored and shown.
    if blocked.is_empty() {
        let verdict = state.safety.guard.check(&approved);
        if !verdict.allowed {
            blocked = verdict.reasons;
        }
    }
    if !blocked.is_empty() {
        // Replace the whole reply; log the event without any content.
        for reason in &blocked {
            let label = serde_json::to_value(reason)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default();
            metrics::counter!("output_guard_blocks_total", "reason" => label).increment(1);
        }
        tracing::warn!(provider = %finish.provider, reasons = ?blocked, "output guard replaced a reply");
        state.events.publish(Event {
            name: events::OUTPUT_BLOCKED,
            user_id,
            session_id: Some(session_id),
            message_id: None,
            detail: json!({ "reasons": blocked, "provider": finish.provider }),
        });
        send(sink, ReplyEvent::Reset).await;
        let safe = prompt::guard_replacement(&request.persona.language);
        send(sink, ReplyEvent::Chunk(safe.clone())).await;
        return Ok(Generated {
            text: safe,
            provider: finish.provider,
            model: finish.model,
            engine_state,
        });
    }
    Ok(Generated {
        text: approved.trim().to_owned(),
        provider: finish.provider,
        model: finish.model,
        engine_state,
    })
}

/// Sessions with a reply in progress on this server: one reply at a time per
/// session, so replies do not interleave and the guided engine's state is not
/// overwritten by a concurrent turn.
#[derive(Clone, Default)]
pub struct InFlight(std::sync::Arc<std::sync::Mutex<std::collections::HashSet<Uuid>>>);

/// Held while a session's reply is in progress; releases the session when dropped.
pub struct InFlightGuard {
    set: InFlight,
    session: Uuid,
}

impl InFlight {
    pub(crate) fn claim(&self, session: Uuid) -> Option<InFlightGuard> {
        let mut set = self.0.lock().unwrap_or_else(|p| p.into_inner());
        set.insert(session).then(|| InFlightGuard {
            set: self.clone(),
            session,
        })
    }
}

impl Drop for InFlightGuard {
    fn drop(&mut self) {
        let mut set = self.set.0.lock().unwrap_or_else(|p| p.into_inner());
        set.remove(&self.session);
    }
}

/// The exercise this turn finished, if any: one was under way before and
/// now none is, with its kind the latest completed (engagement counts these).
pub fn completed_exercise(before: &Value, after: &Value) -> Option<String> {
    let kind = before.get("exercise")?.get("kind")?.as_str()?;
    let still_running = after.get("exercise").is_some_and(|e| !e.is_null());
    let last_done = after
        .get("completed")
        .and_then(Value::as_array)
        .and_then(|c| c.last())
        .and_then(Value::as_str);
    (!still_running && last_done == Some(kind)).then(|| kind.to_owned())
}

/// The encoder's reading of a message for the crisis assessment, on the CPU
/// pool; `None` (the rules run alone) when the encoder is missing or fails.
pub async fn crisis_views(state: &AppState, text: &str) -> Option<Vec<Vec<f32>>> {
    let encoder = state.crisis_encoder.clone()?;
    let text = text.to_owned();
    match state.cpu.run(move || encoder.views(&text)).await {
        Ok(Ok(views)) => Some(views),
        Ok(Err(e)) => {
            tracing::error!(error = %e, "the crisis encoder failed; this message is assessed by the rules alone");
            None
        }
        Err(e) => {
            tracing::error!(error = %e, "the CPU pool failed; this message is assessed by the rules alone");
            None
        }
    }
}
