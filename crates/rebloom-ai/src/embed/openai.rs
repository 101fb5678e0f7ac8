//! An OpenAI-compatible embeddings client (`POST {base}/embeddings`, as
//! OpenAI, Azure, vLLM, Ollama (`/v1`), llama.cpp and LocalAI serve it).

use std::time::Duration;

use async_trait::async_trait;
use reqwest::header::{AUTHORIZATION, HeaderMap};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

use super::{Embedder, l2_normalize};
use crate::sse::{self, Redactor, error_message, root_cause, secret_header};
use crate::{ChatMessage, ChatRequest, ChatRole, ProviderError};

/// Where and how to reach an OpenAI-compatible embeddings endpoint.
#[derive(Debug, Clone)]
pub struct OpenAiEmbedderConfig {
    /// The embedder's name in logs and metrics: `openai-embeddings` unless changed.
    pub name: String,
    /// Everything before `/embeddings`, e.g. `https://api.openai.com/v1`,
    /// `http://localhost:11434/v1` (Ollama), or an Azure deployment URL.
    pub base_url: String,
    /// Sent as `Authorization: Bearer …` when set.
    pub api_key: Option<SecretString>,
    pub model: String,
    /// Length of the vectors the model returns (1536 for OpenAI's
    /// `text-embedding-3-small`, 384 for all-MiniLM-L6-v2). A response with
    /// other lengths is an error.
    pub dimensions: usize,
    /// Most texts sent in one request; longer inputs go in several requests.
    pub batch_size: usize,
    /// More headers, e.g. Azure's `api-key`. Values are treated as secrets.
    pub extra_headers: Vec<(String, SecretString)>,
    /// Query parameters, e.g. Azure's `api-version`.
    pub query: Vec<(String, String)>,
    pub connect_timeout: Duration,
    /// Limit for each request, response included.
    pub timeout: Duration,
}

impl OpenAiEmbedderConfig {
    pub fn new(
        base_url: impl Into<String>,
        model: impl Into<String>,
        dimensions: usize,
    ) -> OpenAiEmbedderConfig {
        OpenAiEmbedderConfig {
            name: "openai-embeddings".into(),
            base_url: base_url.into(),
            api_key: None,
            model: model.into(),
            dimensions,
            batch_size: 64,
            extra_headers: Vec::new(),
            query: Vec::new(),
            connect_timeout: Duration::from_secs(5),
            timeout: Duration::from_secs(30),
        }
    }

    /// An Azure OpenAI embeddings deployment: `endpoint` is
    /// `https://NAME.openai.azure.com`, the key goes in the `api-key` header
    /// and `api_version` in the query, as for chat (see
    /// [`crate::openai::OpenAiConfig::azure`]).
    pub fn azure(
        endpoint: &str,
        deployment: &str,
        api_version: &str,
        api_key: SecretString,
        dimensions: usize,
    ) -> OpenAiEmbedderConfig {
        OpenAiEmbedderConfig {
            extra_headers: vec![("api-key".into(), api_key)],
            query: vec![("api-version".into(), api_version.into())],
            ..OpenAiEmbedderConfig::new(
                format!(
                    "{}/openai/deployments/{deployment}",
                    endpoint.trim_end_matches('/')
                ),
                deployment,
                dimensions,
            )
        }
    }
}

/// An OpenAI-compatible embeddings client.
#[derive(Debug)]
pub struct OpenAiEmbedder {
    client: reqwest::Client,
    url: reqwest::Url,
    name: String,
    model: String,
    dimensions: usize,
    batch_size: usize,
    timeout: Duration,
}

#[derive(Serialize)]
struct Body<'a> {
    model: &'a str,
    input: &'a [String],
}

#[derive(Deserialize)]
struct Response {
    data: Vec<Item>,
}

#[derive(Deserialize)]
struct Item {
    index: usize,
    embedding: Vec<f32>,
}

impl OpenAiEmbedder {
    pub fn new(config: OpenAiEmbedderConfig) -> Result<OpenAiEmbedder, ProviderError> {
        if config.dimensions == 0 {
            return Err(ProviderError::NotConfigured(
                "embedding dimensions must be set".into(),
            ));
        }
        let url = sse::endpoint(&config.base_url, "/embeddings", &config.query)?;
        let mut headers = HeaderMap::new();
        if let Some(key) = &config.api_key {
            headers.insert(
                AUTHORIZATION,
                secret_header("authorization", &format!("Bearer {}", key.expose_secret()))?,
            );
        }
        for (name, value) in &config.extra_headers {
            headers.insert(
                sse::header_name(name)?,
                secret_header(name, value.expose_secret())?,
            );
        }
        Ok(OpenAiEmbedder {
            client: sse::build_client(config.connect_timeout, headers)?,
            url,
            name: config.name,
            model: config.model,
            dimensions: config.dimensions,
            batch_size: config.batch_size.max(1),
            timeout: config.timeout,
        })
    }

    /// One request for one batch; vectors in input order, normalised.
    async fn batch(&self, texts: &[String]) -> Result<Vec<Vec<f32>>, ProviderError> {
        let response = self
            .client
            .post(self.url.clone())
            .timeout(self.timeout)
            .json(&Body {
                model: &self.model,
                input: texts,
            })
            .send()
            .await
            .map_err(|e| {
                if e.is_timeout() {
                    ProviderError::Timeout("embeddings request")
                } else {
                    sse::send_error(e)
                }
            })?;
        let status = response.status();
        let body = response.bytes().await.map_err(|e| {
            if e.is_timeout() {
                ProviderError::Timeout("embeddings response")
            } else {
                ProviderError::Stream(root_cause(&e.without_url()))
            }
        })?;
        if !status.is_success() {
            // Validation errors may quote the input: withhold those.
            let redactor = Redactor::new(&ChatRequest {
                messages: texts
                    .iter()
                    .map(|t| ChatMessage::new(ChatRole::User, t.as_str()))
                    .collect(),
                ..ChatRequest::default()
            });
            tracing::debug!(
                embedder = %self.name,
                status = status.as_u16(),
                "embeddings endpoint answered with an HTTP error"
            );
            return Err(ProviderError::Http {
                status: status.as_u16(),
                message: error_message(&body, &redactor)
                    .unwrap_or_else(|| status.canonical_reason().unwrap_or("error").to_owned()),
            });
        }
        let parsed: Response = serde_json::from_slice(&body).map_err(|e| {
            // serde's message names a field or a position, never a value.
            ProviderError::Protocol(format!("embeddings response: {e}"))
        })?;
        self.arrange(texts.len(), parsed.data)
    }

    /// Puts the vectors in input order (servers may send `data` in any
    /// order; `index` says which input each is for) and checks there is
    /// exactly one of the right length per input.
    fn arrange(&self, count: usize, data: Vec<Item>) -> Result<Vec<Vec<f32>>, ProviderError> {
        if data.len() != count {
            return Err(ProviderError::Protocol(format!(
                "embeddings response has {} vectors for {count} inputs",
                data.len()
            )));
        }
        let mut slots: Vec<Option<Vec<f32>>> = vec![None; count];
        for item in data {
            if item.embedding.len() != self.dimensions {
                return Err(ProviderError::Protocol(format!(
                    "embedding has {} dimensions, expected {}",
                    item.embedding.len(),
                    self.dimensions
                )));
            }
            if item.embedding.iter().any(|x| !x.is_finite()) {
                return Err(ProviderError::Protocol(
                    "embedding has a non-finite value".into(),
                ));
            }
            let slot = slots.get_mut(item.index).ok_or_else(|| {
                ProviderError::Protocol(format!(
                    "embedding index {} is out of range for {count} inputs",
                    item.index
                ))
            })?;
            if slot.is_some() {
                return Err(ProviderError::Protocol(format!(
                    "embedding index {} appears twice",
                    item.index
                )));
            }
            let mut v = item.embedding;
            l2_normalize(&mut v);
            *slot = Some(v);
        }
        // Every slot is filled: `count` distinct in-range indices.
        Ok(slots.into_iter().flatten().collect())
    }
}

#[async_trait]
impl Embedder for OpenAiEmbedder {
    fn name(&self) -> &str {
        &self.name
    }

    fn dimensions(&self) -> usize {
        self.dimensions
    }

    async fn embed(&self, texts: &[String]) -> Result<Vec<Vec<f32>>, ProviderError> {
        let mut out = Vec::with_capacity(texts.len());
        for chunk in texts.chunks(self.batch_size) {
            out.extend(self.batch(chunk).await?);
        }
        Ok(out)
    }
}
