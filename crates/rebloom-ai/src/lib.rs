//! How Rebloom's companion talks: the [`ChatProvider`] trait, its providers
//! (OpenAI-compatible Chat Completions, Anthropic Messages, and the offline
//! guided engine), and the fallback chain with per-provider circuit breakers.
//!
//! The providers that speak HTTP (OpenAI-compatible, Anthropic, and the
//! embeddings and transcription clients) are the `remote` feature, on by
//! default; without it the crate has no HTTP dependency, so `rebloom-core`
//! can hold the trait, the chain and the guided engine.
//!
//! Every provider streams [`Chunk`]s. The server runs the output guard on the
//! stream before anything reaches a person, so providers never talk to users
//! directly.

#[cfg(feature = "remote")]
pub mod anthropic;
pub mod chain;
pub mod embed;
pub mod emotion;
pub mod guided;
#[cfg(feature = "remote")]
pub mod openai;
#[cfg(feature = "remote")]
mod sse;
pub mod stt;
pub(crate) mod text;

use std::pin::Pin;

use async_trait::async_trait;
use futures::Stream;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Who said a message in a chat request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ChatRole {
    System,
    User,
    Assistant,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChatMessage {
    pub role: ChatRole,
    pub content: String,
}

impl ChatMessage {
    pub fn new(role: ChatRole, content: impl Into<String>) -> ChatMessage {
        ChatMessage {
            role,
            content: content.into(),
        }
    }
}

/// What the companion knows when it answers, beyond the messages themselves.
/// LLM providers see it through the system prompt; the guided engine reads it directly.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Persona {
    /// How to address the person, when they allow it.
    pub display_name: Option<String>,
    /// `cbt`, `dbt`, `act`, `mindfulness` or `person-centred`.
    pub approach: Option<String>,
    /// BCP 47 language tag of the person's preferred language.
    pub language: String,
    /// Emotions detected in the latest message (e.g. `sadness`, `anxiety`).
    pub emotions: Vec<String>,
    /// `short`, `medium` or `long`.
    pub reply_length: Option<String>,
    /// The library answer the caller found for the latest message by
    /// meaning (an id of `guided::answers`), when the message asks something.
    #[serde(default)]
    pub answer: Option<String>,
}

/// One generation request: the conversation so far (oldest first, ending with
/// the person's latest message), who they are, and the guided engine's state
/// for this session (an exercise in progress, recent phrasings), opaque to others.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ChatRequest {
    pub system: String,
    pub messages: Vec<ChatMessage>,
    pub persona: Persona,
    pub engine_state: Value,
    pub max_tokens: u32,
    pub temperature: f32,
}

impl ChatRequest {
    /// The person's latest message.
    pub fn last_user_message(&self) -> Option<&str> {
        self.messages
            .iter()
            .rev()
            .find(|m| m.role == ChatRole::User)
            .map(|m| m.content.as_str())
    }
}

/// A piece of a streamed reply.
#[derive(Debug, Clone, PartialEq)]
pub enum Chunk {
    /// More reply text.
    Delta(String),
    /// Discard what was streamed so far: the provider failed mid-reply and
    /// another one starts again from the beginning.
    Reset,
    /// The guided engine's new state for the session (exercise progress).
    EngineState(Value),
    /// The reply is complete.
    Done(Finish),
}

/// How a reply ended, and who produced it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Finish {
    pub provider: String,
    pub model: String,
    /// `stop`, `length`, …, as the provider said.
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProviderError {
    #[error("could not connect: {0}")]
    Connect(String),
    #[error("timed out: {0}")]
    Timeout(&'static str),
    #[error("HTTP {status}: {message}")]
    Http { status: u16, message: String },
    #[error("the stream broke off: {0}")]
    Stream(String),
    #[error("unexpected response: {0}")]
    Protocol(String),
    #[error("circuit open")]
    CircuitOpen,
    #[error("not configured: {0}")]
    NotConfigured(String),
    /// An on-device model failed (inference error, or its worker stopped).
    #[error("local model: {0}")]
    Local(String),
}

pub type ChunkStream = Pin<Box<dyn Stream<Item = Result<Chunk, ProviderError>> + Send>>;

/// A source of replies. Implementations must not log message content.
#[async_trait]
pub trait ChatProvider: Send + Sync + 'static {
    /// Short name for logs, metrics and the `provider` of a stored reply.
    fn name(&self) -> &str;
    /// Starts a reply. Errors before the first chunk come back here; errors
    /// after it come through the stream.
    async fn stream(&self, request: &ChatRequest) -> Result<ChunkStream, ProviderError>;
}
