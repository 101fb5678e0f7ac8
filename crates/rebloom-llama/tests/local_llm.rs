//! The local model provider against a real GGUF model (SmolLM2-135M-Instruct,
//! Q4_1), run in-process. The model is a mechanics test: these tests check
//! streaming, limits, trimming, cancellation, the queue and determinism, not
//! the quality of what it says.
//!
//! Tests run one at a time (each generation uses every core); nothing here
//! waits on the clock except a generous guard against a hang.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use rebloom_ai::chain::{BreakerConfig, ChainTimeouts, FallbackChain};
use rebloom_ai::guided::GuidedEngine;
use rebloom_ai::{ChatMessage, ChatProvider, ChatRequest, ChatRole, Chunk, Finish, ProviderError};
use rebloom_llama::{LocalLlm, LocalLlmConfig, LocalLlmError, LocalLlmStats};

const MODEL_FILE: &str = "SmolLM2-135M-Instruct/SmolLM2-135M-Instruct.Q4_1.gguf";
const MODEL_NAME: &str = "SmolLM2-135M-Instruct.Q4_1";
/// Longest any one reply here may take, even on a busy machine.
const GUARD: Duration = Duration::from_secs(300);

static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// The test model under `models/` at the workspace root, or under `$REBLOOM_MODELS_DIR`.
fn model_path() -> PathBuf {
    let dir = std::env::var_os("REBLOOM_MODELS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../models"));
    let path = dir.join(MODEL_FILE);
    assert!(
        path.is_file(),
        "the test model {} is missing: run scripts/models.sh",
        path.display()
    );
    path
}

fn config() -> LocalLlmConfig {
    LocalLlmConfig {
        seed: Some(7),
        ..LocalLlmConfig::new(model_path())
    }
}

fn load(config: LocalLlmConfig) -> LocalLlm {
    LocalLlm::load(config).expect("the test model loads")
}

const SYSTEM: &str = "You are Rebloom, a warm and careful companion. Listen, reflect \
                      feelings back and ask one gentle question. Never diagnose.";

fn request(user: &str, max_tokens: u32, temperature: f32) -> ChatRequest {
    ChatRequest {
        system: SYSTEM.into(),
        messages: vec![ChatMessage::new(ChatRole::User, user)],
        max_tokens,
        temperature,
        ..ChatRequest::default()
    }
}

/// A request the model answers at length (it does not stop on its own
/// within a few hundred tokens, greedy).
fn long_request(max_tokens: u32) -> ChatRequest {
    request(
        "Write a very long story about a lighthouse keeper and her cat, with many chapters.",
        max_tokens,
        0.0,
    )
}

type Items = Vec<Result<Chunk, ProviderError>>;

async fn collect(provider: &dyn ChatProvider, request: &ChatRequest) -> Items {
    let stream = provider
        .stream(request)
        .await
        .expect("the request is accepted");
    tokio::time::timeout(GUARD, stream.collect())
        .await
        .expect("the reply completes")
}

fn text(items: &Items) -> String {
    items
        .iter()
        .filter_map(|i| match i {
            Ok(Chunk::Delta(t)) => Some(t.as_str()),
            _ => None,
        })
        .collect()
}

fn deltas(items: &Items) -> usize {
    items
        .iter()
        .filter(|i| matches!(i, Ok(Chunk::Delta(_))))
        .count()
}

/// Non-empty deltas, then exactly one `Done`, last; returns its `Finish`.
fn assert_complete(items: &Items) -> Finish {
    let (last, rest) = items.split_last().expect("some chunks");
    for item in rest {
        match item {
            Ok(Chunk::Delta(t)) => assert!(!t.is_empty(), "empty delta"),
            other => panic!("unexpected item before Done: {other:?}"),
        }
    }
    match last {
        Ok(Chunk::Done(finish)) => finish.clone(),
        other => panic!("expected Done last, got {other:?}"),
    }
}

#[tokio::test]
async fn streams_a_reply_to_a_user_message_under_a_system_prompt() {
    let _serial = SERIAL.lock().await;
    let llm = load(config());
    assert_eq!(llm.name(), "local");
    assert_eq!(llm.model(), MODEL_NAME);
    assert_eq!(llm.context_tokens(), 2048);

    let items = collect(
        &llm,
        &request("Hi. I had a rough day at work and I feel drained.", 48, 0.7),
    )
    .await;
    let finish = assert_complete(&items);
    assert_eq!(finish.provider, "local");
    assert_eq!(finish.model, MODEL_NAME);
    assert!(
        finish.reason == "stop" || finish.reason == "length",
        "{finish:?}"
    );
    assert!(!text(&items).trim().is_empty(), "no text");
    assert!(
        deltas(&items) > 1,
        "the reply came in one piece, not streamed"
    );
    let stats = llm.stats();
    assert_eq!(stats.completed, 1);
    assert!((1..=48).contains(&stats.generated_tokens), "{stats:?}");
}

#[tokio::test]
async fn max_tokens_ends_the_reply_with_reason_length() {
    let _serial = SERIAL.lock().await;
    let llm = load(config());

    let short = collect(&llm, &long_request(8)).await;
    assert_eq!(assert_complete(&short).reason, "length");
    assert_eq!(llm.stats().generated_tokens, 8);
    assert!(deltas(&short) <= 8);

    // Greedy: the 8-token reply is the start of the 16-token one.
    let longer = collect(&llm, &long_request(16)).await;
    assert_eq!(assert_complete(&longer).reason, "length");
    assert_eq!(llm.stats().generated_tokens, 8 + 16);
    assert!(text(&longer).len() > text(&short).len());
    assert!(
        text(&longer).starts_with(&text(&short)),
        "{:?} / {:?}",
        text(&short),
        text(&longer)
    );
}

#[tokio::test]
async fn a_conversation_far_longer_than_the_context_still_gets_a_reply() {
    let _serial = SERIAL.lock().await;
    let llm = load(LocalLlmConfig {
        context_tokens: 512,
        ..config()
    });
    // About 120 × 60 tokens of history for a 512-token window.
    let mut messages = Vec::new();
    for i in 0..120 {
        messages.push(ChatMessage::new(
            ChatRole::User,
            format!(
                "Day {i}: I woke up tired again, went to work, skipped lunch, argued with \
                 my manager about the deadline and came home too late to call my sister."
            ),
        ));
        messages.push(ChatMessage::new(
            ChatRole::Assistant,
            "That sounds like a lot to carry. What part of the day felt heaviest for you?",
        ));
    }
    messages.push(ChatMessage::new(
        ChatRole::User,
        "Today was a little better. I went for a walk.",
    ));
    let long_history = ChatRequest {
        messages,
        ..request("", 24, 0.0)
    };
    let items = collect(&llm, &long_history).await;
    assert_complete(&items);
    assert!(!text(&items).trim().is_empty());

    // One message longer than the whole window: its end is kept.
    let huge = "I keep going over the same worries again and again. ".repeat(400);
    let items = collect(&llm, &request(&huge, 24, 0.0)).await;
    assert_complete(&items);
    assert!(!text(&items).trim().is_empty());

    let stats = llm.stats();
    assert_eq!((stats.completed, stats.failed), (2, 0), "{stats:?}");
}

#[tokio::test]
async fn dropping_the_stream_stops_the_generation_and_frees_the_worker() {
    let _serial = SERIAL.lock().await;
    let llm = load(config());

    let mut first = llm.stream(&long_request(1000)).await.unwrap();
    let chunk = tokio::time::timeout(GUARD, first.next()).await.unwrap();
    assert!(matches!(chunk, Some(Ok(Chunk::Delta(_)))), "{chunk:?}");
    drop(first);

    // The next request runs to its end, so the first one has stopped.
    let items = collect(&llm, &request("Hello again.", 8, 0.0)).await;
    assert_complete(&items);
    let stats = llm.stats();
    assert_eq!((stats.cancelled, stats.completed), (1, 1), "{stats:?}");
    // The dropped reply stopped within a few tokens, far from its 1000.
    assert!(stats.generated_tokens <= 8 + 64, "{stats:?}");
}

#[tokio::test]
async fn beyond_the_queue_a_request_is_refused_as_busy_at_once() {
    let _serial = SERIAL.lock().await;
    let llm = load(LocalLlmConfig {
        max_queue: 1,
        ..config()
    });

    let running = llm.stream(&long_request(1000)).await.unwrap();
    let waiting = llm.stream(&long_request(1000)).await.unwrap();
    let refused = llm.stream(&long_request(1000)).await.err();
    match refused {
        Some(ProviderError::Http { status: 503, .. }) => {}
        other => panic!("expected a busy error, got {other:?}"),
    }
    assert_eq!(llm.stats().rejected, 1);

    // Once both are dropped the places come back.
    drop(running);
    drop(waiting);
    let items = collect(&llm, &request("Are you there?", 4, 0.0)).await;
    assert_complete(&items);
    let stats = llm.stats();
    assert_eq!((stats.cancelled, stats.completed), (2, 1), "{stats:?}");
    assert_eq!(
        ProviderError::from(LocalLlmError::Busy { waiting: 1 }),
        ProviderError::Http {
            status: 503,
            message: "the local model is busy: one reply running, 1 waiting".into()
        }
    );
}

#[tokio::test]
async fn the_same_seed_gives_the_same_reply() {
    let _serial = SERIAL.lock().await;
    let llm = load(config());
    let question = "What is one small thing I can do to feel calmer tonight?";

    let greedy = request(question, 24, 0.0);
    let a = text(&collect(&llm, &greedy).await);
    let b = text(&collect(&llm, &greedy).await);
    assert!(!a.is_empty());
    assert_eq!(a, b);

    // Sampling with a fixed seed repeats too, across loads.
    let sampled = request(question, 24, 0.9);
    let c = text(&collect(&llm, &sampled).await);
    let other = load(config());
    let d = text(&collect(&other, &sampled).await);
    assert!(!c.is_empty());
    assert_eq!(c, d);
}

#[tokio::test]
async fn in_a_chain_the_guided_engine_answers_while_the_local_model_is_busy() {
    let _serial = SERIAL.lock().await;
    let local = Arc::new(load(LocalLlmConfig {
        max_queue: 0,
        ..config()
    }));
    let chain = FallbackChain::new(
        vec![local.clone(), Arc::new(GuidedEngine::new())],
        BreakerConfig::default(),
        ChainTimeouts {
            first_chunk: GUARD,
            between_chunks: GUARD,
        },
    );
    let ask = request("I feel a bit lonely this evening.", 16, 0.0);

    let items = collect(&chain, &ask).await;
    assert_eq!(assert_complete(&items).provider, "local");

    // Hold the only place: the chain falls through to the guided engine.
    let held = local.stream(&long_request(1000)).await.unwrap();
    let items = collect(&chain, &ask).await;
    let (last, _) = items.split_last().unwrap();
    match last {
        Ok(Chunk::Done(finish)) => assert_eq!(finish.provider, "guided"),
        other => panic!("expected Done, got {other:?}"),
    }
    assert!(!text(&items).is_empty());
    assert!(!items.iter().any(|i| matches!(i, Ok(Chunk::Reset))));
    drop(held);
    assert_eq!(local.stats().rejected, 1);
}

#[test]
fn a_missing_model_or_a_bad_configuration_is_a_typed_error() {
    let missing = LocalLlm::load(LocalLlmConfig::new("/nonexistent/model.gguf")).unwrap_err();
    assert_eq!(
        missing,
        LocalLlmError::ModelMissing("/nonexistent/model.gguf".into())
    );
    assert!(matches!(
        ProviderError::from(missing),
        ProviderError::NotConfigured(_)
    ));

    let tiny = LocalLlm::load(LocalLlmConfig {
        context_tokens: 16,
        ..LocalLlmConfig::new("/nonexistent/model.gguf")
    })
    .unwrap_err();
    assert!(matches!(tiny, LocalLlmError::Config(_)), "{tiny:?}");

    let defaults = LocalLlmConfig::new("m.gguf");
    assert_eq!(defaults.context_tokens, 2048);
    assert_eq!(defaults.max_queue, 4);
    assert!((1..=4).contains(&defaults.threads));
    assert_eq!(defaults.seed, None);
    assert_eq!(LocalLlmStats::default().completed, 0);
}
