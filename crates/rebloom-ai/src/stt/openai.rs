//! An OpenAI-compatible transcription client (`POST {base}/audio/transcriptions`,
//! as OpenAI, Azure, vLLM, faster-whisper-server and LocalAI serve it).

use std::time::Duration;

use async_trait::async_trait;
use reqwest::header::{AUTHORIZATION, HeaderMap};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

use super::{Audio, SpeechToText};
use crate::sse::{
    Redactor, build_client, endpoint, error_message, root_cause, secret_header, send_error,
};
use crate::{ChatRequest, ProviderError};

#[derive(Clone)]
pub struct OpenAiSttConfig {
    pub base_url: String,
    pub api_key: Option<SecretString>,
    pub model: String,
    pub connect_timeout: Duration,
    /// Whole-request limit (uploads and transcription take a while).
    pub timeout: Duration,
}

impl OpenAiSttConfig {
    pub fn new(base_url: impl Into<String>, model: impl Into<String>) -> OpenAiSttConfig {
        OpenAiSttConfig {
            base_url: base_url.into(),
            api_key: None,
            model: model.into(),
            connect_timeout: Duration::from_secs(5),
            timeout: Duration::from_secs(60),
        }
    }
}

pub struct OpenAiStt {
    client: reqwest::Client,
    config: OpenAiSttConfig,
}

#[derive(Deserialize)]
struct Transcription {
    text: String,
}

impl OpenAiStt {
    pub fn new(config: OpenAiSttConfig) -> Result<OpenAiStt, ProviderError> {
        let mut headers = HeaderMap::new();
        if let Some(key) = &config.api_key {
            headers.insert(
                AUTHORIZATION,
                secret_header("authorization", &format!("Bearer {}", key.expose_secret()))?,
            );
        }
        endpoint(&config.base_url, "/audio/transcriptions", &[])?;
        Ok(OpenAiStt {
            client: build_client(config.connect_timeout, headers)?,
            config,
        })
    }
}

fn extension(mime: &str) -> &'static str {
    match mime {
        "audio/webm" => "webm",
        "audio/ogg" => "ogg",
        _ => "wav",
    }
}

#[async_trait]
impl SpeechToText for OpenAiStt {
    fn name(&self) -> &str {
        "openai-transcriptions"
    }

    async fn transcribe(&self, audio: Audio<'_>) -> Result<String, ProviderError> {
        let url = endpoint(&self.config.base_url, "/audio/transcriptions", &[])?;
        let part = reqwest::multipart::Part::bytes(audio.bytes.to_vec())
            .file_name(format!("audio.{}", extension(audio.mime)))
            .mime_str(audio.mime)
            .map_err(|e| ProviderError::Protocol(format!("audio type: {}", root_cause(&e))))?;
        let mut form = reqwest::multipart::Form::new()
            .part("file", part)
            .text("model", self.config.model.clone())
            .text("response_format", "json");
        if let Some(lang) = audio.language {
            form = form.text("language", lang.to_owned());
        }
        let response = self
            .client
            .post(url)
            .timeout(self.config.timeout)
            .multipart(form)
            .send()
            .await
            .map_err(send_error)?;
        let status = response.status();
        let body = response
            .bytes()
            .await
            .map_err(|e| ProviderError::Stream(root_cause(&e)))?;
        if !status.is_success() {
            let redactor = Redactor::new(&ChatRequest::default());
            return Err(ProviderError::Http {
                status: status.as_u16(),
                message: error_message(&body, &redactor)
                    .unwrap_or_else(|| status.canonical_reason().unwrap_or("error").to_owned()),
            });
        }
        let t: Transcription = serde_json::from_slice(&body)
            .map_err(|e| ProviderError::Protocol(format!("transcription response: {e}")))?;
        Ok(t.text.trim().to_owned())
    }
}
