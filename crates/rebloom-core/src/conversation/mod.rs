//! Conversations: sending a message whatever the transport ([`send`]), the
//! turn (one message and its reply, [`turn`]), the crisis state and the
//! check-in ([`crisis`], [`risk`]), the greeting, the summary at the end, and
//! what clients see of it all ([`views`]).
//!
//! [`Conversations`] holds what a turn uses: the store ports it reads and
//! writes (users, sessions and messages, crisis records, questionnaires),
//! the clock, the safety layer and the crisis encoder, the providers, the
//! memory and notice services and the event bus.

pub mod analysis;
pub mod budget;
pub mod care;
pub mod crisis;
pub mod greeting;
pub mod history;
pub mod prompt;
pub mod redact;
pub mod risk;
pub mod send;
pub mod summary;
pub mod turn;
pub mod views;

use std::sync::Arc;

use rebloom_ai::ChatProvider;
use rebloom_ai::emotion::EmotionClassifier;
use rebloom_ai::guided::GuidedEngine;
use rebloom_ai::guided::answers::AnswerIndex;
use rebloom_safety::Safety;
use rebloom_store::{
    ConversationStore, MoodStore, QuestionnaireStore, SafetyStore, Store, UserStore,
};

use crate::clock::Clock;
use crate::cpu_pool::CpuPool;
use crate::events::EventBus;
use crate::memory::MemoryService;
use crate::notices::Notices;

/// The multilingual encoder the crisis assessment's learned layer reads (an
/// on-device model in `rebloom-local`, wired in by the server).
pub trait CrisisEncoder: Send + Sync {
    /// The embeddings of a message: the whole message first, then its parts.
    fn views(&self, text: &str) -> Result<Vec<Vec<f32>>, String>;
}

/// What a conversation is run with, besides the store and the clock.
pub struct ConversationParts {
    /// Crisis assessment, safe replies, resources and the output guard.
    pub safety: Arc<Safety>,
    /// `None` when its model is missing: the rules run alone (crisis
    /// detection is degraded, and the readiness check says so).
    pub encoder: Option<Arc<dyn CrisisEncoder>>,
    /// Threads for CPU-heavy work (the encoder).
    pub cpu: CpuPool,
    /// The provider chain, guided engine last.
    pub chat: Arc<dyn ChatProvider>,
    /// The offline companion: it builds safety plans whatever model is configured.
    pub guided: Arc<GuidedEngine>,
    /// The guided engine's answer library embedded by the encoder, to find
    /// answers to questions by meaning; `None` without the encoder.
    pub answers: Option<Arc<AnswerIndex>>,
    /// Emotions and sentiment of each message.
    pub emotions: Arc<EmotionClassifier>,
    pub memory: Arc<MemoryService>,
    /// The longest a turn may run ([`send::DEFAULT_TURN_LIMIT`] unless configured).
    pub turn_limit: std::time::Duration,
    pub notices: Notices,
    pub events: EventBus,
}

/// Conversations, reached by every transport (cheap to clone).
#[derive(Clone)]
pub struct Conversations {
    users: Arc<dyn UserStore>,
    sessions: Arc<dyn ConversationStore>,
    crises: Arc<dyn SafetyStore>,
    questionnaires: Arc<dyn QuestionnaireStore>,
    /// The latest mood check-in, told to a model.
    moods: Arc<dyn MoodStore>,
    clock: Arc<dyn Clock>,
    safety: Arc<Safety>,
    encoder: Option<Arc<dyn CrisisEncoder>>,
    cpu: CpuPool,
    chat: Arc<dyn ChatProvider>,
    guided: Arc<GuidedEngine>,
    answers: Option<Arc<AnswerIndex>>,
    emotions: Arc<EmotionClassifier>,
    memory: Arc<MemoryService>,
    notices: Notices,
    events: EventBus,
    /// Sessions with a reply in progress on this server.
    in_flight: turn::InFlight,
    turn_limit: std::time::Duration,
}

impl Conversations {
    /// The ports it needs, taken from the (sealed) store.
    pub fn new(
        store: &Arc<dyn Store>,
        clock: Arc<dyn Clock>,
        parts: ConversationParts,
    ) -> Conversations {
        let ConversationParts {
            safety,
            encoder,
            cpu,
            chat,
            guided,
            answers,
            emotions,
            memory,
            notices,
            events,
            turn_limit,
        } = parts;
        Conversations {
            users: store.clone(),
            sessions: store.clone(),
            crises: store.clone(),
            questionnaires: store.clone(),
            moods: store.clone(),
            clock,
            safety,
            encoder,
            cpu,
            chat,
            guided,
            answers,
            emotions,
            memory,
            notices,
            events,
            in_flight: turn::InFlight::default(),
            turn_limit,
        }
    }

    /// Whether the crisis assessment has its encoder (else the rules run alone).
    pub fn has_encoder(&self) -> bool {
        self.encoder.is_some()
    }
}
