//! OpenAI-compatible Chat Completions with streaming: OpenAI itself, Azure
//! OpenAI, vLLM, Ollama (`/v1`) and the llama.cpp server.
//!
//! `POST {base_url}/chat/completions` with `stream: true`; the reply comes as
//! server-sent events `data: {chunk json}`, ending with `data: [DONE]`.

use std::time::Duration;

use async_trait::async_trait;
use eventsource_stream::Event;
use reqwest::header::{ACCEPT, AUTHORIZATION, HeaderMap, HeaderValue};
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;

use crate::sse::{self, Decoder, Redactor};
use crate::{ChatProvider, ChatRequest, ChatRole, Chunk, ChunkStream, Finish, ProviderError};

/// Which body field carries the token limit. OpenAI's reasoning models (o1,
/// o3, gpt-5, …) reject `max_tokens` and want `max_completion_tokens`; every
/// other server here takes `max_tokens`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TokenLimitField {
    #[default]
    MaxTokens,
    MaxCompletionTokens,
}

/// Where and how to reach an OpenAI-compatible server.
#[derive(Debug, Clone)]
pub struct OpenAiConfig {
    /// The provider's name in logs, metrics and [`Finish::provider`]: `openai` unless changed.
    pub name: String,
    /// Everything before `/chat/completions`, e.g. `https://api.openai.com/v1`,
    /// `http://localhost:11434/v1` (Ollama), `http://localhost:8000/v1` (vLLM),
    /// `https://NAME.openai.azure.com/openai/deployments/DEPLOYMENT` (Azure).
    pub base_url: String,
    /// Sent as `Authorization: Bearer …` when set.
    pub api_key: Option<SecretString>,
    pub model: String,
    /// Sent as `OpenAI-Organization` when set.
    pub organization: Option<String>,
    /// More headers, e.g. Azure's `api-key`. Values are treated as secrets.
    pub extra_headers: Vec<(String, SecretString)>,
    /// Query parameters, e.g. Azure's `api-version`.
    pub query: Vec<(String, String)>,
    /// Time limit for the TCP (and TLS) connection. There is no overall
    /// request timeout: the fallback chain limits the wait for each chunk.
    pub connect_timeout: Duration,
    /// After a `finish_reason`, how long to wait for `[DONE]` before taking
    /// the reply as complete anyway.
    pub finish_grace: Duration,
    pub token_limit_field: TokenLimitField,
    /// Whether to send `temperature` (reasoning models accept only the default).
    pub send_temperature: bool,
}

impl OpenAiConfig {
    pub fn new(base_url: impl Into<String>, model: impl Into<String>) -> OpenAiConfig {
        OpenAiConfig {
            name: "openai".into(),
            base_url: base_url.into(),
            api_key: None,
            model: model.into(),
            organization: None,
            extra_headers: Vec::new(),
            query: Vec::new(),
            connect_timeout: Duration::from_secs(5),
            finish_grace: Duration::from_secs(2),
            token_limit_field: TokenLimitField::MaxTokens,
            send_temperature: true,
        }
    }

    /// OpenAI's own API.
    pub fn openai(api_key: SecretString, model: impl Into<String>) -> OpenAiConfig {
        OpenAiConfig {
            api_key: Some(api_key),
            ..OpenAiConfig::new("https://api.openai.com/v1", model)
        }
    }

    /// An Azure OpenAI deployment: `endpoint` is `https://NAME.openai.azure.com`,
    /// the key goes in the `api-key` header and `api_version` (e.g.
    /// `2024-10-21`) in the query. The deployment name stands in for the model.
    pub fn azure(
        endpoint: &str,
        deployment: &str,
        api_version: &str,
        api_key: SecretString,
    ) -> OpenAiConfig {
        OpenAiConfig {
            extra_headers: vec![("api-key".into(), api_key)],
            query: vec![("api-version".into(), api_version.into())],
            ..OpenAiConfig::new(
                format!(
                    "{}/openai/deployments/{deployment}",
                    endpoint.trim_end_matches('/')
                ),
                deployment,
            )
        }
    }
}

/// An OpenAI-compatible Chat Completions provider.
#[derive(Debug)]
pub struct OpenAiProvider {
    name: String,
    model: String,
    url: reqwest::Url,
    client: reqwest::Client,
    finish_grace: Duration,
    token_limit_field: TokenLimitField,
    send_temperature: bool,
}

impl OpenAiProvider {
    pub fn new(config: OpenAiConfig) -> Result<OpenAiProvider, ProviderError> {
        let url = sse::endpoint(&config.base_url, "/chat/completions", &config.query)?;
        let mut headers = HeaderMap::new();
        headers.insert(ACCEPT, HeaderValue::from_static("text/event-stream"));
        if let Some(key) = &config.api_key {
            headers.insert(
                AUTHORIZATION,
                sse::secret_header("authorization", &format!("Bearer {}", key.expose_secret()))?,
            );
        }
        if let Some(org) = &config.organization {
            headers.insert(
                sse::header_name("openai-organization")?,
                HeaderValue::from_str(org).map_err(|_| {
                    ProviderError::NotConfigured("invalid organization header".into())
                })?,
            );
        }
        for (name, value) in &config.extra_headers {
            headers.insert(
                sse::header_name(name)?,
                sse::secret_header(name, value.expose_secret())?,
            );
        }
        Ok(OpenAiProvider {
            client: sse::build_client(config.connect_timeout, headers)?,
            name: config.name,
            model: config.model,
            url,
            finish_grace: config.finish_grace,
            token_limit_field: config.token_limit_field,
            send_temperature: config.send_temperature,
        })
    }

    fn body<'a>(&'a self, request: &'a ChatRequest) -> Body<'a> {
        let system = (!request.system.trim().is_empty()).then(|| Message {
            role: ChatRole::System,
            content: &request.system,
        });
        let messages = system
            .into_iter()
            .chain(request.messages.iter().map(|m| Message {
                role: m.role,
                content: &m.content,
            }))
            .collect();
        let limit = (request.max_tokens > 0).then_some(request.max_tokens);
        let (max_tokens, max_completion_tokens) = match self.token_limit_field {
            TokenLimitField::MaxTokens => (limit, None),
            TokenLimitField::MaxCompletionTokens => (None, limit),
        };
        Body {
            model: &self.model,
            messages,
            max_tokens,
            max_completion_tokens,
            temperature: self.send_temperature.then_some(request.temperature),
            stream: true,
        }
    }
}

#[derive(Serialize)]
struct Body<'a> {
    model: &'a str,
    messages: Vec<Message<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    max_tokens: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    max_completion_tokens: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    temperature: Option<f32>,
    stream: bool,
}

#[derive(Serialize)]
struct Message<'a> {
    role: ChatRole,
    content: &'a str,
}

#[async_trait]
impl ChatProvider for OpenAiProvider {
    fn name(&self) -> &str {
        &self.name
    }

    async fn stream(&self, request: &ChatRequest) -> Result<ChunkStream, ProviderError> {
        let redactor = Redactor::new(request);
        let http = self.client.post(self.url.clone()).json(&self.body(request));
        let response = sse::send(http, &redactor).await?;
        Ok(sse::drive(
            response,
            ChatCompletionsDecoder::new(&self.name, &self.model, redactor),
            self.finish_grace,
        ))
    }
}

/// Reads `chat.completion.chunk` events.
pub(crate) struct ChatCompletionsDecoder {
    provider: String,
    model: String,
    reason: Option<String>,
    redactor: Redactor,
}

impl ChatCompletionsDecoder {
    pub(crate) fn new(provider: &str, model: &str, redactor: Redactor) -> ChatCompletionsDecoder {
        ChatCompletionsDecoder {
            provider: provider.to_owned(),
            model: model.to_owned(),
            reason: None,
            redactor,
        }
    }

    fn finish(&self, reason: &str) -> Finish {
        Finish {
            provider: self.provider.clone(),
            model: self.model.clone(),
            reason: reason.to_owned(),
        }
    }
}

impl Decoder for ChatCompletionsDecoder {
    fn event(&mut self, event: &Event, out: &mut Vec<Chunk>) -> Result<bool, ProviderError> {
        let data = event.data.trim();
        if data == "[DONE]" {
            // `[DONE]` without a finish_reason: complete, reason unknown.
            let reason = self.reason.as_deref().unwrap_or("unknown");
            out.push(Chunk::Done(self.finish(reason)));
            return Ok(true);
        }
        if data.is_empty() {
            return Ok(false);
        }
        let value = sse::json_data(event)?;
        let is_error = event.event == "error"
            || !value["error"].is_null()
            || value["object"].as_str() == Some("error");
        if is_error {
            let message = sse::error_from_value(&value, &self.redactor)
                .unwrap_or_else(|| "the provider reported an error".to_owned());
            return Err(ProviderError::Stream(message));
        }
        // The model that actually answered (e.g. `gpt-4o-mini-2024-07-18`);
        // Azure's first chunk has an empty one.
        if let Some(model) = value["model"].as_str().filter(|m| !m.is_empty()) {
            model.clone_into(&mut self.model);
        }
        let choice = value["choices"].as_array().and_then(|choices| {
            choices
                .iter()
                .find(|c| c["index"].as_u64().unwrap_or(0) == 0)
        });
        if let Some(choice) = choice {
            // Reasoning text (`reasoning_content`) is never passed on.
            if let Some(text) = choice["delta"]["content"]
                .as_str()
                .filter(|t| !t.is_empty())
            {
                out.push(Chunk::Delta(text.to_owned()));
            }
            if let Some(reason) = choice["finish_reason"].as_str() {
                self.reason = Some(reason.to_owned());
            }
        }
        Ok(false)
    }

    fn finished(&self) -> Option<Finish> {
        self.reason.as_deref().map(|r| self.finish(r))
    }
}

#[cfg(test)]
mod tests;
