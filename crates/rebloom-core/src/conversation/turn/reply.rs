//! Stage 4: the reply. The crisis dialogue decides the move
//! (`rebloom_safety::dialogue`): its templates in a crisis, a check-in at
//! `moderate`, else a reply from a provider through the output guard. A
//! safety plan is built by the guided engine whatever model is configured.
//! At `high` and above no language model is asked at all.

use std::borrow::Cow;
use std::time::Instant;

use crate::CoreResult;
use crate::preferences::{CommunicationPreferences, TherapeuticPreferences};
use rebloom_ai::guided::{offer_safety_plan, reply_elsewhere, take_safety_plan};
use rebloom_ai::{ChatMessage, ChatProvider, ChatRequest, ChatRole, Persona};
use rebloom_safety::dialogue::{Flow, Said, Step, StepContext};
use rebloom_safety::{ContactText, Dialogue, Move, ReplyContext, RiskLevel, SafeReply};
use rebloom_store::{Profile, Sender};
use serde_json::Value;
use uuid::Uuid;

use super::assess::Assessed;
use super::context::{CONTEXT_MESSAGES, Context};
use super::guard::generate;
use super::persist::Stored;
use super::{Incoming, ReplyEvent, Sink, stage};
use crate::conversation::Conversations;
use crate::conversation::care::{contact_request, exercise_turn, safety_plan_turn};
use crate::conversation::prompt::{self, Situation};
use crate::conversation::{budget, redact};

/// The companion's reply, not yet stored.
pub struct Reply {
    pub content: String,
    /// Who wrote it: a provider's name, or `safety` for the crisis dialogue.
    pub provider: String,
    pub model: String,
    /// The crisis dialogue's reply, with the resources it lists.
    pub safe_reply: Option<SafeReply>,
    /// The guided engine's state after the reply.
    pub engine_state: Option<Value>,
    /// The reply offers to message the person's trusted contact.
    pub offered_contact: bool,
    /// Where the crisis dialogue stands after the reply.
    pub dialogue: Dialogue,
}

fn persona(profile: &Profile, user_emotions: &[String], answer: Option<String>) -> Persona {
    let therapeutic = TherapeuticPreferences::of(profile);
    let communication = CommunicationPreferences::of(profile);
    let display_name = if communication.use_name == Some(false) {
        None
    } else {
        profile.display_name.clone()
    };
    Persona {
        display_name,
        approach: therapeutic.approach.map(|a| a.as_str().to_owned()),
        language: profile.language.clone(),
        emotions: user_emotions.to_vec(),
        reply_length: communication.reply_length.map(|l| l.as_str().to_owned()),
        answer,
    }
}

/// What a provider is asked: the system prompt, the session and the message.
fn request(
    conv: &Conversations,
    incoming: &Incoming,
    context: &Context,
    assessed: &Assessed,
    stored: &Stored,
) -> ChatRequest {
    let profile = &context.profile;
    // The library answer closest in meaning, for the guided engine to give
    // when the message asks something its words did not find.
    let answer = conv
        .answers
        .as_deref()
        .zip(assessed.vector.as_deref())
        .and_then(|(index, vector)| index.find(&profile.language, vector))
        .map(|m| m.id);
    ChatRequest {
        system: {
            let (resources, found) = conv
                .safety
                .directory
                .for_country(profile.country.as_deref());
            prompt::system_prompt(profile, resources, found)
        },
        messages: context
            .recent
            .iter()
            .map(chat_message)
            .chain(std::iter::once(ChatMessage::new(
                ChatRole::User,
                incoming.text.clone(),
            )))
            .collect(),
        persona: persona(profile, &stored.analysis.emotions, answer),
        engine_state: incoming.session.engine_state.clone(),
        max_tokens: 400,
        temperature: 0.7,
    }
}

fn chat_message(m: &rebloom_store::Message) -> ChatMessage {
    let role = if m.sender == Sender::User {
        ChatRole::User
    } else {
        ChatRole::Assistant
    };
    ChatMessage::new(role, m.content.clone())
}

/// Messages of the session read before the context's window.
const EARLIER_MESSAGES: u32 = 60;

/// The session's messages before the context's window, oldest first, for a
/// model (what does not fit its budget is summarised); none when the window
/// holds the whole session or they cannot be read.
async fn earlier_turns(
    conv: &Conversations,
    incoming: &Incoming,
    context: &Context,
) -> Vec<ChatMessage> {
    if context.recent.len() < CONTEXT_MESSAGES as usize {
        return Vec::new();
    }
    let Some(oldest) = context.recent.first() else {
        return Vec::new();
    };
    match conv
        .sessions
        .list_messages(
            incoming.user.id,
            Some(incoming.session.id),
            Some(oldest.id),
            EARLIER_MESSAGES,
        )
        .await
    {
        Ok(messages) => messages.iter().rev().map(chat_message).collect(),
        Err(e) => {
            tracing::error!(error = %e, "reading the session's earlier messages failed; answering without them");
            Vec::new()
        }
    }
}

/// What a model is told about the person's present: their latest mood
/// check-in of the past week and when their previous conversation was. A
/// store error leaves the part out.
async fn situation(conv: &Conversations, user_id: Uuid, session_id: Uuid) -> Situation {
    let now = conv.clock.now();
    let mood = match conv
        .moods
        // `to` is exclusive: a check-in recorded this very instant counts.
        .list_moods(
            user_id,
            now - time::Duration::days(7),
            now + time::Duration::seconds(1),
            500,
        )
        .await
    {
        Ok(moods) => moods.last().map(|m| (m.mood_score, m.recorded_at)),
        Err(e) => {
            tracing::error!(error = %e, "reading the latest mood failed; answering without it");
            None
        }
    };
    let last_session = match conv
        .sessions
        .list_sessions(user_id, Some(session_id), 1)
        .await
    {
        Ok(sessions) => sessions
            .first()
            .map(|s| s.last_message_at.unwrap_or(s.started_at)),
        Err(e) => {
            tracing::error!(error = %e, "reading the previous session failed; answering without it");
            None
        }
    };
    Situation { mood, last_session }
}

/// A stored reply's text, provider and model.
fn stored_reply(m: &rebloom_store::Message) -> (String, String, String) {
    let meta = |k: &str| {
        m.metadata
            .get(k)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    (m.content.clone(), meta("provider"), meta("model"))
}

/// What the crisis dialogue's reply is written from.
struct Inputs<'a> {
    conv: &'a Conversations,
    incoming: &'a Incoming,
    context: &'a Context,
    assessed: &'a Assessed,
    sink: &'a Sink,
}

/// The reply to the person's message; streamed to `sink` as it is approved.
pub async fn reply(
    conv: &Conversations,
    incoming: &Incoming,
    context: &Context,
    assessed: &Assessed,
    stored: &Stored,
    sink: &Sink,
) -> CoreResult<Reply> {
    let Incoming {
        user,
        session,
        text,
        ..
    } = incoming;
    let profile = &context.profile;
    let assessment = &assessed.assessment;
    let ctx = ReplyContext {
        country: profile.country.as_deref(),
        language: &profile.language,
        resources_given: context.recent.iter().any(|m| {
            m.sender == Sender::Ai
                && m.metadata.get("resourcesListed").and_then(Value::as_bool) == Some(true)
        }),
        // The person's turn in the session: the count holds their messages
        // and the companion's, two a turn; consecutive replies pick different
        // wording from the same list (a list of two alternates).
        turn: u64::from(session.message_count.unsigned_abs() / 2),
    };
    // The person may be answering the companion's offer to tell their trusted
    // contact: live for the companion's last five replies within the hour.
    let offer_since = conv.clock.now() - time::Duration::hours(1);
    let contact_offered = context.replies_newest_first().take(5).any(|m| {
        m.created_at >= offer_since
            && m.metadata.get("contactOffer").and_then(Value::as_bool) == Some(true)
    });
    let preface = if contact_offered {
        contact_request(conv, user.id, text, &profile.language).await
    } else {
        None
    };
    if let Some(p) = &preface {
        sink.send(ReplyEvent::Chunk(format!("{p}\n\n"))).await;
    }
    let mut request = request(conv, incoming, context, assessed, stored);
    // The safety plan goes on (or starts) at any level below `critical`; in a
    // crisis only when the person asks for it (an offer is not an answer).
    let in_crisis = assessment.level.is_crisis() || assessed.dialogue.flow == Some(Flow::Crisis);
    // The guided engine's reply to this message, worked out once: whether the
    // turn is the safety plan's or an exercise's is read from it. At
    // `critical` neither is asked.
    let trial = (assessment.level != RiskLevel::Critical)
        .then(|| conv.guided.reply(&request).ok())
        .flatten();
    let plan_asked = assessment.level != RiskLevel::Critical
        && safety_plan_turn(&request, trial.as_ref(), in_crisis);
    // What this message moves the conversation to.
    let (mv, dialogue) = assessed.dialogue.next(Said {
        assessment,
        plan: plan_asked,
        heard: assessed.heard,
    });
    let mut reply = match mv {
        // A retry whose first attempt stored its reply: that reply stands.
        // Nothing is generated again (the guided engine would move on, a
        // plan be saved twice, and the stream differ from what is stored).
        Move::Plan | Move::Converse { .. } if context.earlier_reply.is_some() => {
            let earlier = context.earlier_reply.as_ref().map(stored_reply);
            let (content, provider, model) = earlier.unwrap_or_default();
            sink.send(ReplyEvent::Chunk(content.clone())).await;
            Reply {
                content,
                provider,
                model,
                safe_reply: None,
                engine_state: None,
                offered_contact: false,
                dialogue,
            }
        }
        Move::Plan | Move::Converse { .. } => {
            // Building a safety plan and running an exercise are the guided
            // engine's, whatever model is configured: it is deterministic,
            // what a plan collects is saved, and an exercise has its card,
            // its steps and its completion.
            let guided = mv == Move::Plan || exercise_turn(&request, trial.as_ref());
            let provider: &dyn ChatProvider = if guided {
                conv.guided.as_ref()
            } else {
                conv.chat.as_ref()
            };
            if !guided {
                // Crisis lines are not private contacts: redaction leaves them.
                let listed = |digits: &str| conv.safety.directory.lists_number(digits);
                let now = conv.clock.now();
                request.system += &situation(conv, user.id, session.id).await.prompt_lines(now);
                // What the person shared before: recalled only for replies a
                // model writes, and never in a crisis.
                if assessment.level <= RiskLevel::Low {
                    let recall =
                        conv.memory.recall(profile, session.id, text)
                            .await
                            .unwrap_or_else(|e| {
                                tracing::error!(error = %e, "recalling memories failed; answering without them");
                                Default::default()
                            });
                    request.system += &redact::contacts(&recall.prompt_lines(), listed)?;
                }
                // A long session: its earlier turns too, summarised below
                // when they do not fit the budget.
                let earlier = earlier_turns(conv, incoming, context).await;
                request.messages.splice(0..0, earlier);
                // Contact details never reach a model: what the person typed,
                // and what the companion read back to them (a safety plan's
                // contacts).
                for m in &mut request.messages {
                    if let Cow::Owned(r) = redact::contacts(&m.content, listed)? {
                        m.content = r;
                    }
                }
                let fitted = budget::fit(
                    std::mem::take(&mut request.messages),
                    budget::HISTORY_TOKENS,
                );
                request.messages = fitted.messages;
                request.system += &fitted.summary;
            }
            let since = Instant::now();
            let mut generated = generate(
                &conv.safety.guard,
                &conv.events,
                provider,
                &request,
                sink,
                (user.id, session.id),
            )
            .await?;
            stage("generate", since);
            if let Some(draft) = generated.engine_state.as_mut().and_then(take_safety_plan)
                && let Err(e) = crate::safety_plan::save_draft(
                    conv.crises.as_ref(),
                    user.id,
                    draft,
                    conv.clock.now(),
                )
                .await
            {
                // The reply has been seen; the plan is not lost to the person,
                // who can write it on the safety-plan page.
                tracing::error!(error = %e, "saving a safety plan built in conversation failed");
            }
            if mv == (Move::Converse { gentle_check: true }) {
                let check = conv
                    .safety
                    .dialogues
                    .gentle_check(&profile.language, ctx.turn);
                sink.send(ReplyEvent::Chunk(format!("\n\n{check}"))).await;
                generated.text = format!("{}\n\n{check}", generated.text);
            }
            Reply {
                content: generated.text,
                provider: generated.provider,
                model: generated.model,
                safe_reply: None,
                // A model's reply counts as a turn too: an offer the guided
                // engine made before it lapses ("yes" to the model's question
                // does not start an exercise offered turns ago).
                engine_state: generated
                    .engine_state
                    .or_else(|| Some(reply_elsewhere(Some(&session.engine_state)))),
                offered_contact: false,
                dialogue,
            }
        }
        Move::CheckIn => {
            let reply = conv.safety.replies.check_in(assessment, &ctx);
            sink.send(ReplyEvent::Chunk(reply.text.clone())).await;
            Reply {
                content: reply.text.clone(),
                provider: "safety".to_owned(),
                model: "check-in".to_owned(),
                safe_reply: Some(reply),
                engine_state: Some(reply_elsewhere(Some(&session.engine_state))),
                offered_contact: false,
                dialogue,
            }
        }
        Move::Open | Move::Step(_) | Move::Believed | Move::PanicEased => {
            let inputs = Inputs {
                conv,
                incoming,
                context,
                assessed,
                sink,
            };
            crisis_reply(inputs, mv, dialogue, &ctx, contact_offered).await
        }
    };
    if let Some(p) = preface {
        reply.content = format!("{p}\n\n{}", reply.content);
    }
    Ok(reply)
}

/// The crisis dialogue's reply for `mv`: written from templates, never by a
/// model. At `critical` it offers (once) to message the person's trusted
/// contact; that is only sent if they then ask for it.
async fn crisis_reply(
    inputs: Inputs<'_>,
    mv: Move,
    dialogue: Dialogue,
    ctx: &ReplyContext<'_>,
    contact_offered: bool,
) -> Reply {
    let Inputs {
        conv,
        incoming,
        context,
        assessed,
        sink,
    } = inputs;
    let profile = &context.profile;
    let assessment = &assessed.assessment;
    let session = &incoming.session;
    let replies = &conv.safety.replies;
    let directory = &conv.safety.directory;
    // The plan step reads back the person's own plan when they have one.
    let plan_item = if mv == Move::Step(Step::Plan) {
        crate::safety_plan::plan_item(conv.crises.as_ref(), incoming.user.id).await
    } else {
        None
    };
    let step_ctx = StepContext {
        country: profile.country.as_deref(),
        language: &profile.language,
        turn: ctx.turn,
        critical: assessment.level == RiskLevel::Critical,
        plan_item: plan_item.as_deref(),
        means_put_away: assessed.heard.means_put_away,
    };
    let reply = match mv {
        Move::Open => None,
        _ => conv
            .safety
            .dialogues
            .reply(mv, &dialogue, replies, directory, &step_ctx),
    }
    .unwrap_or_else(|| replies.crisis(assessment, directory, ctx));
    let mut text = reply.text.clone();
    let mut offered_contact = false;
    if reply.urged_emergency_services
        && !contact_offered
        && conv.notices.can_email()
        && let Ok(Some(contact)) = conv.crises.get_trusted_contact(incoming.user.id).await
    {
        text.push_str("\n\n");
        text.push_str(&replies.contact(&profile.language, ContactText::Offer, &contact.name));
        offered_contact = true;
    }
    sink.send(ReplyEvent::Chunk(text.clone())).await;
    // The plan a reply offered is built by the guided engine if accepted; an
    // offer still pending from before lapses.
    let engine_state = Some(if reply.offered_safety_plan {
        offer_safety_plan(Some(&session.engine_state))
    } else {
        reply_elsewhere(Some(&session.engine_state))
    });
    let model = if mv == Move::Open {
        "templates"
    } else {
        "dialogue"
    };
    Reply {
        content: text,
        provider: "safety".to_owned(),
        model: model.to_owned(),
        safe_reply: Some(reply),
        engine_state,
        offered_contact,
        dialogue,
    }
}
