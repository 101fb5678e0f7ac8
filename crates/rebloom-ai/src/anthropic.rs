//! Anthropic's Messages API with streaming.
//!
//! `POST {base_url}/v1/messages` with `stream: true`; the reply comes as named
//! server-sent events: `message_start`, then per content block
//! `content_block_start`, `content_block_delta`…, `content_block_stop`, with
//! `ping`s anywhere, then `message_delta` (carrying `stop_reason`) and
//! `message_stop`. An `error` event can arrive at any point.

use std::time::Duration;

use async_trait::async_trait;
use eventsource_stream::Event;
use reqwest::header::{ACCEPT, HeaderMap, HeaderValue};
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;

use crate::sse::{self, Decoder, Redactor};
use crate::{ChatProvider, ChatRequest, ChatRole, Chunk, ChunkStream, Finish, ProviderError};

/// The API version this module speaks.
pub const ANTHROPIC_VERSION: &str = "2023-06-01";

/// Where and how to reach Anthropic.
#[derive(Debug, Clone)]
pub struct AnthropicConfig {
    /// The provider's name in logs, metrics and [`Finish::provider`]: `anthropic` unless changed.
    pub name: String,
    /// Everything before `/v1/messages`: `https://api.anthropic.com`.
    pub base_url: String,
    /// Sent as `x-api-key`.
    pub api_key: SecretString,
    pub model: String,
    /// Time limit for the TCP (and TLS) connection. There is no overall
    /// request timeout: the fallback chain limits the wait for each chunk.
    pub connect_timeout: Duration,
    /// After `message_delta` has given the stop reason, how long to wait for
    /// `message_stop` before taking the reply as complete anyway.
    pub finish_grace: Duration,
    /// `max_tokens` is required by the API; this is sent when the request has 0.
    pub default_max_tokens: u32,
}

impl AnthropicConfig {
    pub fn new(api_key: SecretString, model: impl Into<String>) -> AnthropicConfig {
        AnthropicConfig {
            name: "anthropic".into(),
            base_url: "https://api.anthropic.com".into(),
            api_key,
            model: model.into(),
            connect_timeout: Duration::from_secs(5),
            finish_grace: Duration::from_secs(2),
            default_max_tokens: 1024,
        }
    }
}

/// An Anthropic Messages API provider.
#[derive(Debug)]
pub struct AnthropicProvider {
    name: String,
    model: String,
    url: reqwest::Url,
    client: reqwest::Client,
    finish_grace: Duration,
    default_max_tokens: u32,
}

impl AnthropicProvider {
    pub fn new(config: AnthropicConfig) -> Result<AnthropicProvider, ProviderError> {
        let url = sse::endpoint(&config.base_url, "/v1/messages", &[])?;
        let mut headers = HeaderMap::new();
        headers.insert(ACCEPT, HeaderValue::from_static("text/event-stream"));
        headers.insert(
            sse::header_name("x-api-key")?,
            sse::secret_header("x-api-key", config.api_key.expose_secret())?,
        );
        headers.insert(
            sse::header_name("anthropic-version")?,
            HeaderValue::from_static(ANTHROPIC_VERSION),
        );
        Ok(AnthropicProvider {
            client: sse::build_client(config.connect_timeout, headers)?,
            name: config.name,
            model: config.model,
            url,
            finish_grace: config.finish_grace,
            default_max_tokens: config.default_max_tokens,
        })
    }

    fn body(&self, request: &ChatRequest) -> Result<Body<'_>, ProviderError> {
        let (system, messages) = conversation(request);
        if messages.is_empty() {
            return Err(ProviderError::Protocol(
                "the request has no user message to answer".into(),
            ));
        }
        Ok(Body {
            model: &self.model,
            system,
            messages,
            max_tokens: if request.max_tokens > 0 {
                request.max_tokens
            } else {
                self.default_max_tokens
            },
            // Anthropic's range is 0–1 (OpenAI's is 0–2).
            temperature: request.temperature.clamp(0.0, 1.0),
            stream: true,
        })
    }
}

#[derive(Debug, Serialize)]
struct Body<'a> {
    model: &'a str,
    #[serde(skip_serializing_if = "String::is_empty")]
    system: String,
    messages: Vec<Message>,
    max_tokens: u32,
    temperature: f32,
    stream: bool,
}

#[derive(Debug, Serialize, PartialEq)]
struct Message {
    role: ChatRole,
    content: String,
}

/// The system prompt and the messages as the Messages API wants them:
/// system-role messages join the system prompt; empty messages are dropped;
/// consecutive messages from the same side are merged (blank line between),
/// so roles alternate; assistant messages before the person's first one (a
/// greeting) are dropped, so the conversation starts with the person.
fn conversation(request: &ChatRequest) -> (String, Vec<Message>) {
    let mut system = request.system.trim().to_owned();
    let mut messages: Vec<Message> = Vec::new();
    for m in &request.messages {
        let content = m.content.trim();
        if content.is_empty() {
            continue;
        }
        match m.role {
            ChatRole::System => {
                if !system.is_empty() {
                    system.push_str("\n\n");
                }
                system.push_str(content);
            }
            ChatRole::Assistant if messages.is_empty() => {}
            role => match messages.last_mut() {
                Some(last) if last.role == role => {
                    last.content.push_str("\n\n");
                    last.content.push_str(content);
                }
                _ => messages.push(Message {
                    role,
                    content: content.to_owned(),
                }),
            },
        }
    }
    (system, messages)
}

#[async_trait]
impl ChatProvider for AnthropicProvider {
    fn name(&self) -> &str {
        &self.name
    }

    async fn stream(&self, request: &ChatRequest) -> Result<ChunkStream, ProviderError> {
        let redactor = Redactor::new(request);
        let http = self
            .client
            .post(self.url.clone())
            .json(&self.body(request)?);
        let response = sse::send(http, &redactor).await?;
        Ok(sse::drive(
            response,
            MessagesDecoder::new(&self.name, &self.model, redactor),
            self.finish_grace,
        ))
    }
}

/// Reads the Messages API's streaming events.
pub(crate) struct MessagesDecoder {
    provider: String,
    model: String,
    reason: Option<String>,
    redactor: Redactor,
}

impl MessagesDecoder {
    pub(crate) fn new(provider: &str, model: &str, redactor: Redactor) -> MessagesDecoder {
        MessagesDecoder {
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

impl Decoder for MessagesDecoder {
    fn event(&mut self, event: &Event, out: &mut Vec<Chunk>) -> Result<bool, ProviderError> {
        if event.data.trim().is_empty() {
            return Ok(false);
        }
        let value = sse::json_data(event)?;
        // The data's `type` always matches the event name; prefer it.
        let kind = value["type"].as_str().unwrap_or(&event.event);
        match kind {
            "message_start" => {
                if let Some(model) = value["message"]["model"].as_str().filter(|m| !m.is_empty()) {
                    model.clone_into(&mut self.model);
                }
            }
            "content_block_start" => {
                let block = &value["content_block"];
                if block["type"] == "text"
                    && let Some(text) = block["text"].as_str().filter(|t| !t.is_empty())
                {
                    out.push(Chunk::Delta(text.to_owned()));
                }
            }
            "content_block_delta" => {
                // Only text: thinking, signatures and tool input are not reply text.
                let delta = &value["delta"];
                if delta["type"] == "text_delta"
                    && let Some(text) = delta["text"].as_str().filter(|t| !t.is_empty())
                {
                    out.push(Chunk::Delta(text.to_owned()));
                }
            }
            "message_delta" => {
                if let Some(reason) = value["delta"]["stop_reason"].as_str() {
                    self.reason = Some(reason.to_owned());
                }
            }
            "message_stop" => {
                let reason = self.reason.as_deref().unwrap_or("unknown");
                out.push(Chunk::Done(self.finish(reason)));
                return Ok(true);
            }
            "error" => {
                let message = sse::error_from_value(&value, &self.redactor)
                    .unwrap_or_else(|| "the provider reported an error".to_owned());
                return Err(ProviderError::Stream(message));
            }
            // `ping`, `content_block_stop`, and event types added later.
            _ => {}
        }
        Ok(false)
    }

    fn finished(&self) -> Option<Finish> {
        self.reason.as_deref().map(|r| self.finish(r))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use crate::ChatMessage;
    use crate::sse::testing::decode;

    const STREAM: &str = concat!(
        "event: message_start\n",
        "data: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_01XFDUDYJgAACzvnptvVoYEL\",\"type\":\"message\",\"role\":\"assistant\",\"content\":[],\"model\":\"claude-sonnet-4-5-20250929\",\"stop_reason\":null,\"stop_sequence\":null,\"usage\":{\"input_tokens\":472,\"output_tokens\":2}}}\n\n",
        "event: content_block_start\n",
        "data: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n",
        "event: ping\n",
        "data: {\"type\": \"ping\"}\n\n",
        "event: content_block_delta\n",
        "data: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"That sounds \"}}\n\n",
        "event: content_block_delta\n",
        "data: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"heavy — I’m here. 🌱\"}}\n\n",
        "event: content_block_stop\n",
        "data: {\"type\":\"content_block_stop\",\"index\":0}\n\n",
        "event: message_delta\n",
        "data: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\",\"stop_sequence\":null},\"usage\":{\"output_tokens\":15}}\n\n",
        "event: message_stop\n",
        "data: {\"type\":\"message_stop\"}\n\n",
    );

    fn decoder() -> MessagesDecoder {
        MessagesDecoder::new("anthropic", "claude-sonnet-4-5", Redactor::default())
    }

    fn text(items: &[Result<Chunk, ProviderError>]) -> String {
        items
            .iter()
            .filter_map(|i| match i {
                Ok(Chunk::Delta(t)) => Some(t.as_str()),
                _ => None,
            })
            .collect()
    }

    #[tokio::test]
    async fn split_anywhere_gives_the_same_reply() {
        let crlf = STREAM.replace('\n', "\r\n");
        for wire in [STREAM, crlf.as_str()] {
            for piece in [0, 1, 2, 3, 5, 7, 13, 64] {
                let items = decode(wire.as_bytes(), piece, decoder()).await;
                assert_eq!(
                    text(&items),
                    "That sounds heavy — I’m here. 🌱",
                    "piece {piece}"
                );
                assert_eq!(
                    items.last(),
                    Some(&Ok(Chunk::Done(Finish {
                        provider: "anthropic".into(),
                        model: "claude-sonnet-4-5-20250929".into(),
                        reason: "end_turn".into(),
                    })))
                );
                assert_eq!(
                    items
                        .iter()
                        .filter(|i| matches!(i, Ok(Chunk::Done(_))))
                        .count(),
                    1
                );
            }
        }
    }

    #[tokio::test]
    async fn thinking_and_unknown_events_are_skipped() {
        let extra = concat!(
            "event: content_block_start\n",
            "data: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"thinking\",\"thinking\":\"\"}}\n\n",
            "event: content_block_delta\n",
            "data: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"thinking_delta\",\"thinking\":\"Let me think\"}}\n\n",
            "event: content_block_delta\n",
            "data: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"signature_delta\",\"signature\":\"EqQBCgIYAhIM\"}}\n\n",
            "event: something_new\n",
            "data: {\"type\":\"something_new\",\"text\":\"nope\"}\n\n",
        );
        let wire = STREAM.replacen(
            "event: content_block_start",
            &format!("{extra}event: content_block_start"),
            1,
        );
        let items = decode(wire.as_bytes(), 0, decoder()).await;
        assert_eq!(text(&items), "That sounds heavy — I’m here. 🌱");
        assert!(matches!(items.last(), Some(Ok(Chunk::Done(_)))));
    }

    #[tokio::test]
    async fn an_error_event_mid_stream() {
        let cut = STREAM.find("event: content_block_stop").unwrap();
        let wire = format!(
            "{}event: error\ndata: {{\"type\": \"error\", \"error\": {{\"type\": \"overloaded_error\", \"message\": \"Overloaded\"}}}}\n\n",
            &STREAM[..cut]
        );
        let items = decode(wire.as_bytes(), 3, decoder()).await;
        assert_eq!(text(&items), "That sounds heavy — I’m here. 🌱");
        assert_eq!(
            items.last(),
            Some(&Err(ProviderError::Stream(
                "overloaded_error: Overloaded".into()
            )))
        );
    }

    #[tokio::test]
    async fn stop_reason_without_message_stop_still_completes() {
        let cut = STREAM.find("event: message_stop").unwrap();
        let items = decode(&STREAM.as_bytes()[..cut], 0, decoder()).await;
        assert!(matches!(items.last(), Some(Ok(Chunk::Done(f))) if f.reason == "end_turn"));
    }

    #[tokio::test]
    async fn ending_early_is_an_error() {
        let cut = STREAM.find("event: content_block_stop").unwrap();
        let items = decode(&STREAM.as_bytes()[..cut], 0, decoder()).await;
        assert!(matches!(items.last(), Some(Err(ProviderError::Stream(_)))));
    }

    #[test]
    fn conversation_alternates_and_starts_with_the_person() {
        let request = ChatRequest {
            system: "Be kind.".into(),
            messages: vec![
                ChatMessage::new(ChatRole::Assistant, "Hi! How are you today?"),
                ChatMessage::new(ChatRole::System, "The person prefers short replies."),
                ChatMessage::new(ChatRole::User, "Not great."),
                ChatMessage::new(ChatRole::User, "Work is a lot."),
                ChatMessage::new(ChatRole::Assistant, "   "),
                ChatMessage::new(ChatRole::Assistant, "I'm sorry."),
                ChatMessage::new(ChatRole::Assistant, "Tell me more?"),
                ChatMessage::new(ChatRole::User, "My boss yelled."),
            ],
            ..ChatRequest::default()
        };
        let (system, messages) = conversation(&request);
        assert_eq!(system, "Be kind.\n\nThe person prefers short replies.");
        let got: Vec<(ChatRole, &str)> = messages
            .iter()
            .map(|m| (m.role, m.content.as_str()))
            .collect();
        assert_eq!(
            got,
            vec![
                (ChatRole::User, "Not great.\n\nWork is a lot."),
                (ChatRole::Assistant, "I'm sorry.\n\nTell me more?"),
                (ChatRole::User, "My boss yelled."),
            ]
        );
    }

    #[test]
    fn body_defaults_and_limits() {
        let provider = AnthropicProvider::new(AnthropicConfig {
            base_url: "http://127.0.0.1:1".into(),
            ..AnthropicConfig::new("key".into(), "claude-sonnet-4-5")
        })
        .unwrap();
        let request = ChatRequest {
            messages: vec![ChatMessage::new(ChatRole::User, "hello")],
            temperature: 1.4,
            ..ChatRequest::default()
        };
        let body = serde_json::to_value(provider.body(&request).unwrap()).unwrap();
        assert_eq!(
            body,
            serde_json::json!({
                "model": "claude-sonnet-4-5",
                "messages": [{"role": "user", "content": "hello"}],
                "max_tokens": 1024,
                "temperature": 1.0,
                "stream": true
            })
        );
        let only_greeting = ChatRequest {
            messages: vec![ChatMessage::new(ChatRole::Assistant, "Hi!")],
            ..ChatRequest::default()
        };
        assert!(matches!(
            provider.body(&only_greeting),
            Err(ProviderError::Protocol(_))
        ));
    }

    #[test]
    fn the_key_does_not_show_in_debug_output() {
        let config = AnthropicConfig::new("sk-ant-secret".into(), "claude-sonnet-4-5");
        let provider = AnthropicProvider::new(config.clone()).unwrap();
        let printed = format!("{config:?}{provider:?}");
        assert!(!printed.contains("sk-ant-secret"));
    }
}
