//! The output guard on a reply a provider writes: every sentence is checked
//! (with the sentence before it, so patterns spanning two are caught) before
//! the person sees it, and the whole reply once more at the end. A reply the
//! guard stops is replaced whole by a safe one in the person's language; the
//! event is logged and counted without any content.

use crate::events::{self, Event, EventBus};
use crate::{CoreError, CoreResult};
use futures::StreamExt;
use rebloom_ai::{ChatProvider, ChatRequest, Chunk, Finish};
use rebloom_safety::Guard;
use rebloom_safety::guard::take_sentences;
use serde_json::{Value, json};
use uuid::Uuid;

use super::{ReplyEvent, Sink};
use crate::conversation::prompt;

/// A reply a provider wrote, as approved (or replaced) by the guard.
pub struct Generated {
    pub text: String,
    pub provider: String,
    pub model: String,
    /// The guided engine's state after the reply.
    pub engine_state: Option<Value>,
}

/// Generates through `provider`, releasing text to `sink` only sentence by
/// sentence after `guard` approved it.
pub async fn generate(
    guard: &Guard,
    bus: &EventBus,
    provider: &dyn ChatProvider,
    request: &ChatRequest,
    sink: &Sink,
    (user_id, session_id): (Uuid, Uuid),
) -> CoreResult<Generated> {
    let mut stream = provider.stream(request).await.map_err(|e| {
        tracing::error!(error = %e, "no provider could start a reply");
        CoreError::Unavailable("reply_unavailable")
    })?;
    let mut approved = String::new();
    let mut pending = String::new();
    let mut engine_state = None;
    let mut finish = Finish::default();
    let mut blocked = Vec::new();
    let mut previous = String::new();
    while let Some(item) = stream.next().await {
        match item {
            Ok(Chunk::Delta(d)) => {
                pending.push_str(&d);
                for sentence in take_sentences(&mut pending) {
                    let verdict = guard.check(&format!("{previous}{sentence}"));
                    previous.clone_from(&sentence);
                    if !verdict.allowed {
                        blocked = verdict.reasons;
                        break;
                    }
                    approved.push_str(&sentence);
                    sink.send(ReplyEvent::Chunk(sentence)).await;
                }
                if !blocked.is_empty() {
                    break;
                }
            }
            Ok(Chunk::Reset) => {
                approved.clear();
                pending.clear();
                previous.clear();
                sink.send(ReplyEvent::Reset).await;
            }
            Ok(Chunk::EngineState(s)) => engine_state = Some(s),
            Ok(Chunk::Done(f)) => {
                finish = f;
                break;
            }
            Err(e) => {
                return Err(CoreError::Internal(anyhow::anyhow!(
                    "generation failed: {e}"
                )));
            }
        }
    }
    if blocked.is_empty() && !pending.trim().is_empty() {
        let verdict = guard.check(&format!("{previous}{pending}"));
        if verdict.allowed {
            approved.push_str(&pending);
            sink.send(ReplyEvent::Chunk(std::mem::take(&mut pending)))
                .await;
        } else {
            blocked = verdict.reasons;
        }
    }
    // Last, the whole reply as it would be stored and shown.
    if blocked.is_empty() {
        let verdict = guard.check(&approved);
        if !verdict.allowed {
            blocked = verdict.reasons;
        }
    }
    if blocked.is_empty() {
        return Ok(Generated {
            text: approved.trim().to_owned(),
            provider: finish.provider,
            model: finish.model,
            engine_state,
        });
    }
    for reason in &blocked {
        let label = serde_json::to_value(reason)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        metrics::counter!("output_guard_blocks_total", "reason" => label).increment(1);
    }
    tracing::warn!(provider = %finish.provider, reasons = ?blocked, "output guard replaced a reply");
    bus.publish(Event {
        name: events::OUTPUT_BLOCKED,
        user_id,
        session_id: Some(session_id),
        message_id: None,
        detail: json!({ "reasons": blocked, "provider": finish.provider }),
    });
    sink.send(ReplyEvent::Reset).await;
    let safe = prompt::guard_replacement(&request.persona.language);
    sink.send(ReplyEvent::Chunk(safe.clone())).await;
    Ok(Generated {
        text: safe,
        provider: finish.provider,
        model: finish.model,
        engine_state,
    })
}
