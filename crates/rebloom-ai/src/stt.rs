//! Speech-to-text: the [`SpeechToText`] trait and (with the `remote`
//! feature) an OpenAI-compatible transcription client ([`OpenAiStt`]). The
//! on-device Whisper lives in `rebloom-local` behind the same trait.

#[cfg(feature = "remote")]
mod openai;

use async_trait::async_trait;

use crate::ProviderError;
#[cfg(feature = "remote")]
pub use openai::{OpenAiStt, OpenAiSttConfig};

/// Audio to transcribe.
pub struct Audio<'a> {
    pub bytes: &'a [u8],
    /// `audio/wav`, `audio/webm` or `audio/ogg`.
    pub mime: &'a str,
    /// ISO 639-1 hint, when known.
    pub language: Option<&'a str>,
}

#[async_trait]
pub trait SpeechToText: Send + Sync + 'static {
    fn name(&self) -> &str;
    async fn transcribe(&self, audio: Audio<'_>) -> Result<String, ProviderError>;
}
