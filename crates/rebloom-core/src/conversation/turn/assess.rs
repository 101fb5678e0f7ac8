//! Stage 2: the crisis assessment, before anything is generated. Rules and
//! the encoder's learned heads read the message with the session's turns and
//! the person's recent crisis events; the crisis dialogue then reads it as an
//! answer to what it last asked (a plain "no" to its direct question is a
//! safety answer, "I'm calmer now" ends a panic attack). Deterministic, and
//! it never waits on a generative model or the network.

use rebloom_safety::dialogue::Heard;
use rebloom_safety::{Assessment, Dialogue, SessionRisk, Speaker, Turn};
use rebloom_store::{CrisisEvent, Sender};

use super::Incoming;
use super::context::{Context, reply_language};
use crate::conversation::Conversations;
use crate::conversation::{crisis, risk};

/// The assessment of one message and where the crisis dialogue stands.
pub struct Assessed {
    pub assessment: Assessment,
    /// The session's risk with this message (stored with it).
    pub risk_after: SessionRisk,
    /// Where the crisis dialogue stood before this message.
    pub dialogue: Dialogue,
    /// What the dialogue heard in the message.
    pub heard: Heard,
    /// The person's recent crisis events, newest first; `None` when they
    /// could not be read (the session's risk then stands on its messages).
    pub crisis_events: Option<Vec<CrisisEvent>>,
    /// The encoder's embedding of the whole message, when it read it.
    pub vector: Option<Vec<f32>>,
}

/// Assesses `incoming` in its context, and sets the context's profile
/// language to the language the turn is answered in.
pub async fn assess(conv: &Conversations, incoming: &Incoming, context: &mut Context) -> Assessed {
    let text = incoming.text.as_str();
    let recent = &context.recent;
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
    // here and the crisis state after the turn.
    let (crisis_events, views) = tokio::join!(
        conv.crises
            .list_crisis_events(incoming.user.id, crisis::READ),
        crisis_views(conv, text),
    );
    let crisis_events = crisis_events
        .inspect_err(|e| tracing::error!(error = %e, "reading crisis events failed; session risk from the messages alone"))
        .ok();
    let risk = risk::fold(
        incoming.session.id,
        recent,
        crisis_events.as_deref().unwrap_or_default(),
    );
    // Stored with the companion's last reply.
    let dialogue: Dialogue = context
        .replies_newest_first()
        .next()
        .and_then(|m| m.metadata.get("crisisDialogue"))
        .and_then(|v| serde_json::from_value(v.clone()).ok())
        .unwrap_or_default();
    // The person is answered in the language they write in; what they say
    // to the dialogue is read in it too.
    let language = reply_language(
        &conv.safety,
        &context.profile.language,
        text,
        recent.iter().rev(),
    );
    let heard = conv.safety.dialogues.hear(&language, text);
    let assessment = dialogue.read_answer(
        &risk,
        &heard,
        conv.safety
            .assessor
            .assess_in(&risk, &turns, text, views.as_deref()),
    );
    let risk_after = risk.after_assessment(&assessment);
    context.profile.language = language;
    Assessed {
        assessment,
        risk_after,
        dialogue,
        heard,
        crisis_events,
        vector: views.and_then(|v| v.into_iter().next()),
    }
}

/// The encoder's reading of a message for the crisis assessment, on the CPU
/// pool; `None` (the rules run alone) when the encoder is missing or fails.
async fn crisis_views(conv: &Conversations, text: &str) -> Option<Vec<Vec<f32>>> {
    let encoder = conv.encoder.clone()?;
    let text = text.to_owned();
    match conv.cpu.run(move || encoder.views(&text)).await {
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
