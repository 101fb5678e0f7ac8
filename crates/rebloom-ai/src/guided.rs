//! Rebloom's own companion, offline and deterministic: the guided engine.
//!
//! It listens reflectively (naming the feeling and the topic it notices),
//! validates, asks open questions, adapts to the person's chosen approach and
//! reply length, and leads seven structured exercises step by step: a thought
//! record, behavioural activation, 5-4-3-2-1 grounding, box breathing, a
//! gratitude practice, a values check-in and the Stanley-Brown safety plan
//! (whose result the server saves: see [`take_safety_plan`]).
//!
//! Everything it says comes from `content/guided/<lang>.json`, embedded at
//! build time and checked at start-up. Its memory (exercise progress, recent
//! phrasings) travels in [`ChatRequest::engine_state`] and comes back as a
//! [`Chunk::EngineState`], so it keeps nothing itself: the same conversation
//! always gets the same replies, and consecutive replies never repeat.
//!
//! It is not the crisis responder (the safety layer answers crisis messages
//! before any provider runs), but it never echoes method or means words,
//! never diagnoses, never comments on medication beyond "talk to your
//! prescriber", and never affirms unusual beliefs.

pub mod answers;
mod compose;
pub mod content;
mod converse;
mod detect;
mod exercises;
mod language;
mod moves;
mod offers;
mod plan;
mod slots;
mod state;

use std::sync::Arc;

use async_trait::async_trait;
use serde_json::Value;

use crate::text;
use crate::{ChatProvider, ChatRequest, Chunk, ChunkStream, Finish, ProviderError};

pub use content::ContentError;
pub use plan::{
    offer_safety_plan, reply_elsewhere, safety_plan_being_made, safety_plan_in_progress,
    take_safety_plan,
};
pub use state::{EngineState, ExerciseKind, ExerciseProgress, Offer, SafetyPlanDraft};

/// The provider name in logs, metrics and stored replies.
pub const PROVIDER_NAME: &str = "guided";
/// The model name the engine reports.
pub const MODEL_NAME: &str = "guided-v1";

/// A whole reply, before streaming.
#[derive(Debug, Clone, PartialEq)]
pub struct GuidedReply {
    pub text: String,
    /// The engine state to send with the next request.
    pub state: Value,
}

/// The guided engine. Cheap to clone; content is parsed once, in [`GuidedEngine::new`].
#[derive(Debug, Clone)]
pub struct GuidedEngine {
    catalog: Result<Arc<language::Catalog>, ContentError>,
}

impl GuidedEngine {
    /// Loads the embedded content. Should it ever be invalid (the test suite
    /// checks it is not), every request fails with `NotConfigured`; use
    /// [`GuidedEngine::try_new`] to fail at start-up instead.
    pub fn new() -> GuidedEngine {
        GuidedEngine {
            catalog: language::Catalog::load().map(Arc::new),
        }
    }

    /// Loads the embedded content, or says what is wrong with it.
    pub fn try_new() -> Result<GuidedEngine, ContentError> {
        Ok(GuidedEngine {
            catalog: Ok(Arc::new(language::Catalog::load()?)),
        })
    }

    /// The reply to a request, whole, with the state to keep.
    pub fn reply(&self, request: &ChatRequest) -> Result<GuidedReply, ProviderError> {
        let catalog = self
            .catalog
            .as_ref()
            .map_err(|e| ProviderError::NotConfigured(e.to_string()))?;
        let (text, state) = converse::respond(catalog, request);
        let state = serde_json::to_value(&state)
            .map_err(|e| ProviderError::Protocol(format!("engine state: {e}")))?;
        Ok(GuidedReply { text, state })
    }

    /// Embeds every phrasing of the answer library with `embed`, for the
    /// caller to find answers by meaning ([`answers::AnswerIndex::find`]).
    pub fn answer_index<E>(
        &self,
        embed: impl FnMut(&[&str]) -> Result<Vec<Vec<f32>>, E>,
    ) -> Result<answers::AnswerIndex, E> {
        match &self.catalog {
            Ok(catalog) => answers::AnswerIndex::build(&catalog.library, embed),
            Err(_) => Ok(answers::AnswerIndex::default()),
        }
    }

    /// The emotions the engine's own detector finds in a text, strongest
    /// first (ids such as `sadness`, `anxiety`).
    pub fn detect_emotions(&self, text: &str, language: &str) -> Vec<String> {
        let Ok(catalog) = &self.catalog else {
            return Vec::new();
        };
        let langs = catalog.select(language);
        detect::emotions(&langs, &text::normalize(text), &[])
            .into_iter()
            .map(|e| e.id.to_string())
            .collect()
    }
}

impl Default for GuidedEngine {
    fn default() -> Self {
        GuidedEngine::new()
    }
}

#[async_trait]
impl ChatProvider for GuidedEngine {
    fn name(&self) -> &str {
        PROVIDER_NAME
    }

    /// Streams the reply sentence by sentence, then the new engine state,
    /// then `Done`.
    async fn stream(&self, request: &ChatRequest) -> Result<ChunkStream, ProviderError> {
        let reply = self.reply(request)?;
        let mut chunks: Vec<Result<Chunk, ProviderError>> = text::stream_pieces(&reply.text)
            .into_iter()
            .map(|piece| Ok(Chunk::Delta(piece)))
            .collect();
        chunks.push(Ok(Chunk::EngineState(reply.state)));
        chunks.push(Ok(Chunk::Done(Finish {
            provider: PROVIDER_NAME.to_string(),
            model: MODEL_NAME.to_string(),
            reason: "stop".to_string(),
        })));
        Ok(Box::pin(futures::stream::iter(chunks)))
    }
}
