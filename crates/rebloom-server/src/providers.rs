//! The provider chain from configuration: the configured language models in
//! order, each behind a circuit breaker, and the guided engine last, so there is
//! always an answer with no key and no network.

use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};
use rebloom_ai::ChatProvider;
use rebloom_ai::anthropic::{AnthropicConfig, AnthropicProvider};
use rebloom_ai::chain::{BreakerConfig, ChainTimeouts, FallbackChain};
use rebloom_ai::embed::{Embedder, OpenAiEmbedder, OpenAiEmbedderConfig};
use rebloom_ai::guided::GuidedEngine;
use rebloom_ai::openai::{OpenAiConfig, OpenAiProvider};
use rebloom_ai::stt::{OpenAiStt, OpenAiSttConfig, SpeechToText};

use crate::config::Config;

fn openai(config: &Config) -> anyhow::Result<Option<Arc<dyn ChatProvider>>> {
    let mut c = match (&config.openai_base_url, &config.openai_api_key) {
        (None, None) => return Ok(None),
        (None, Some(key)) => OpenAiConfig::openai(key.clone(), config.openai_model.clone()),
        (Some(url), key) => {
            let mut c = OpenAiConfig::new(url.clone(), config.openai_model.clone());
            c.api_key = key.clone();
            c
        }
    };
    c.name = "openai".into();
    Ok(Some(Arc::new(
        OpenAiProvider::new(c).context("OpenAI-compatible provider")?,
    )))
}

fn anthropic(config: &Config) -> anyhow::Result<Option<Arc<dyn ChatProvider>>> {
    let Some(key) = &config.anthropic_api_key else {
        return Ok(None);
    };
    let mut c = AnthropicConfig::new(key.clone(), config.anthropic_model.clone());
    if let Some(url) = &config.anthropic_base_url {
        c.base_url = url.clone();
    }
    c.name = "anthropic".into();
    Ok(Some(Arc::new(
        AnthropicProvider::new(c).context("Anthropic provider")?,
    )))
}

/// The in-process GGUF model, when one is configured.
#[cfg(feature = "local-llm")]
fn local(config: &Config) -> anyhow::Result<Option<Arc<dyn ChatProvider>>> {
    let Some(path) = &config.local_llm_model else {
        return Ok(None);
    };
    let mut c = rebloom_llama::LocalLlmConfig::new(path);
    c.context_tokens = config.local_llm_context;
    c.max_reply_tokens = config.local_llm_max_tokens;
    if let Some(threads) = config.local_llm_threads {
        c.threads = threads;
    }
    let llm = rebloom_llama::LocalLlm::load(c)
        .with_context(|| format!("loading the local model {}", path.display()))?;
    Ok(Some(Arc::new(llm)))
}

#[cfg(not(feature = "local-llm"))]
fn local(config: &Config) -> anyhow::Result<Option<Arc<dyn ChatProvider>>> {
    match &config.local_llm_model {
        None => Ok(None),
        Some(_) => bail!(
            "REBLOOM_LOCAL_LLM_MODEL is set, but this build has no local model support \
             (build with `--features local-llm`; it needs cmake and a C++ compiler)"
        ),
    }
}

/// The chain and the names of its providers, in order.
pub fn build(
    config: &Config,
    guided: Arc<GuidedEngine>,
) -> anyhow::Result<(Arc<dyn ChatProvider>, Vec<String>)> {
    let openai = openai(config)?;
    let anthropic = anthropic(config)?;
    let local = local(config)?;
    let order: Vec<String> = if config.llm_providers.is_empty() {
        vec!["openai".into(), "anthropic".into(), "local".into()]
    } else {
        config
            .llm_providers
            .iter()
            .map(|p| p.trim().to_lowercase())
            .collect()
    };
    let mut providers: Vec<Arc<dyn ChatProvider>> = Vec::new();
    for name in &order {
        let provider = match name.as_str() {
            "openai" => openai.clone(),
            "anthropic" => anthropic.clone(),
            "local" => local.clone(),
            "guided" => None,
            other => bail!("unknown LLM provider {other:?} (expected openai, anthropic, local)"),
        };
        match provider {
            Some(p) => providers.push(p),
            None if !config.llm_providers.is_empty() && name != "guided" => {
                bail!("REBLOOM_LLM_PROVIDERS names {name}, but it is not configured")
            }
            None => {}
        }
    }
    providers.push(guided);
    let names = providers.iter().map(|p| p.name().to_owned()).collect();
    let timeouts = ChainTimeouts {
        first_chunk: Duration::from_secs_f64(config.llm_first_chunk_timeout_secs.max(0.05)),
        between_chunks: Duration::from_secs_f64(config.llm_chunk_timeout_secs.max(0.05)),
    };
    Ok((
        Arc::new(FallbackChain::new(
            providers,
            BreakerConfig::default(),
            timeouts,
        )),
        names,
    ))
}

/// Speech-to-text from configuration, if any.
/// Speech-to-text for voice messages, and why this one (said at start-up):
/// an OpenAI-compatible endpoint when configured, else the local Whisper model
/// when present, else none.
pub fn speech_to_text(config: &Config) -> anyhow::Result<(Option<Arc<dyn SpeechToText>>, String)> {
    if let Some(remote) = remote_speech_to_text(config)? {
        let what = format!("OpenAI-compatible {}", config.stt_model);
        return Ok((Some(remote), what));
    }
    let dir = config.models_dir.join("whisper-tiny.en");
    if !dir.join("model.bin").exists() {
        return Ok((
            None,
            format!(
                "none: no model in {} (run scripts/models.sh) and no REBLOOM_STT_BASE_URL",
                dir.display()
            ),
        ));
    }
    let local = rebloom_local::whisper::LocalWhisper::load(&dir)
        .with_context(|| format!("loading local Whisper from {}", dir.display()))?;
    Ok((
        Some(Arc::new(local)),
        format!("local Whisper tiny.en ({})", dir.display()),
    ))
}

fn remote_speech_to_text(config: &Config) -> anyhow::Result<Option<Arc<dyn SpeechToText>>> {
    let (base, key) = match (
        &config.stt_base_url,
        &config.stt_api_key,
        &config.openai_api_key,
    ) {
        (Some(url), key, _) => (url.clone(), key.clone()),
        (None, Some(key), _) => ("https://api.openai.com/v1".to_owned(), Some(key.clone())),
        (None, None, Some(key)) => (
            config
                .openai_base_url
                .clone()
                .unwrap_or_else(|| "https://api.openai.com/v1".to_owned()),
            Some(key.clone()),
        ),
        (None, None, None) => return Ok(None),
    };
    let mut c = OpenAiSttConfig::new(base, config.stt_model.clone());
    c.api_key = key;
    Ok(Some(Arc::new(OpenAiStt::new(c).context("speech-to-text")?)))
}

/// The sentence embedder for memory search and emotions, and why this one
/// (said at start-up).
pub fn embedder(config: &Config) -> anyhow::Result<(Option<Arc<dyn Embedder>>, String)> {
    let local_dir = config.models_dir.join(rebloom_local::embed::MODEL_DIR);
    let openai = || -> anyhow::Result<(Option<Arc<dyn Embedder>>, String)> {
        let Some(url) = &config.embeddings_base_url else {
            bail!("REBLOOM_EMBEDDINGS=openai needs REBLOOM_EMBEDDINGS_BASE_URL");
        };
        let mut c = OpenAiEmbedderConfig::new(
            url.clone(),
            config.embeddings_model.clone(),
            config.embeddings_dimensions,
        );
        c.api_key = config.embeddings_api_key.clone();
        c.name = format!("openai:{}", config.embeddings_model);
        let e = OpenAiEmbedder::new(c).context("OpenAI-compatible embeddings")?;
        Ok((
            Some(Arc::new(e)),
            format!("OpenAI-compatible {} ({url})", config.embeddings_model),
        ))
    };
    let local = || -> anyhow::Result<(Option<Arc<dyn Embedder>>, String)> {
        let e = rebloom_local::embed::LocalEmbedder::load(&local_dir)
            .with_context(|| format!("loading the local embedder from {}", local_dir.display()))?;
        Ok((
            Some(Arc::new(e)),
            format!("local all-MiniLM-L6-v2 ({})", local_dir.display()),
        ))
    };
    match config.embeddings.as_str() {
        "off" => Ok((
            None,
            "off (REBLOOM_EMBEDDINGS=off): memories found by words".to_owned(),
        )),
        "openai" => openai(),
        "local" => local(),
        "auto" if config.embeddings_base_url.is_some() => openai(),
        "auto" if local_dir.join("model.safetensors").exists() => local(),
        "auto" => Ok((
            None,
            format!(
                "none: no model in {} (run scripts/models.sh); memories found by words, emotions by word lists",
                local_dir.display()
            ),
        )),
        other => bail!("REBLOOM_EMBEDDINGS must be auto, local, openai or off, not {other:?}"),
    }
}
