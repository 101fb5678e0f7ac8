//! The HTTP providers against local servers that replay each service's
//! streaming wire format, and the fallback chain in front of them.
//!
//! Every server here is real TCP on 127.0.0.1. Bodies are written in small
//! chunked-encoding frames so events arrive split. The only waiting on the
//! clock is a server deliberately stalling against the chain's (short)
//! timeouts, and one circuit breaker's 150 ms open period.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::StreamExt;
use rebloom_ai::anthropic::{AnthropicConfig, AnthropicProvider};
use rebloom_ai::chain::{BreakerConfig, ChainTimeouts, FallbackChain};
use rebloom_ai::openai::{OpenAiConfig, OpenAiProvider};
use rebloom_ai::{ChatMessage, ChatProvider, ChatRequest, ChatRole, Chunk, Finish, ProviderError};
use serde_json::json;
use support::fixtures::*;
use support::{End, Reply, TestServer, refusing_address};

/// What the person wrote: must never appear in an error.
const SECRET: &str = "I haven't slept properly since the funeral and I keep crying at work";

fn request() -> ChatRequest {
    ChatRequest {
        system: "You are Rebloom, a warm and careful companion.".into(),
        messages: vec![
            ChatMessage::new(
                ChatRole::Assistant,
                "Hi, I'm Rebloom. How are you feeling today?",
            ),
            ChatMessage::new(ChatRole::User, "Not great."),
            ChatMessage::new(ChatRole::User, SECRET),
        ],
        max_tokens: 400,
        temperature: 0.7,
        ..ChatRequest::default()
    }
}

fn openai_at(url: &str) -> OpenAiProvider {
    OpenAiProvider::new(OpenAiConfig {
        api_key: Some("sk-test-0123456789".into()),
        organization: Some("org-rebloom".into()),
        ..OpenAiConfig::new(format!("{url}/v1"), "gpt-4o-mini")
    })
    .unwrap()
}

fn anthropic_at(url: &str) -> AnthropicProvider {
    AnthropicProvider::new(AnthropicConfig {
        base_url: url.to_owned(),
        ..AnthropicConfig::new("sk-ant-test-0123456789".into(), "claude-sonnet-4-5")
    })
    .unwrap()
}

async fn collect(
    provider: &dyn ChatProvider,
) -> Result<Vec<Result<Chunk, ProviderError>>, ProviderError> {
    Ok(provider.stream(&request()).await?.collect().await)
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

/// Deltas (none empty), then exactly one `Done`, last; returns its `Finish`.
fn assert_complete(items: &[Result<Chunk, ProviderError>]) -> Finish {
    let (last, rest) = items.split_last().expect("some chunks");
    for item in rest {
        match item {
            Ok(Chunk::Delta(t)) => assert!(!t.is_empty(), "empty delta"),
            other => panic!("unexpected {other:?} before the end"),
        }
    }
    match last {
        Ok(Chunk::Done(finish)) => finish.clone(),
        other => panic!("ends with {other:?}"),
    }
}

fn finish(provider: &str, model: &str, reason: &str) -> Finish {
    Finish {
        provider: provider.into(),
        model: model.into(),
        reason: reason.into(),
    }
}

// ---------------------------------------------------------------- OpenAI

#[tokio::test]
async fn openai_streams_the_exact_reply_and_one_done() {
    let server = TestServer::always(Reply::sse(OPENAI_HEAD, OPENAI_BODY, 7)).await;
    let items = collect(&openai_at(&server.url())).await.unwrap();
    assert_eq!(text(&items), REPLY);
    assert_eq!(
        assert_complete(&items),
        finish("openai", "gpt-4o-mini", "stop")
    );
}

#[tokio::test]
async fn openai_request_has_the_right_path_headers_and_body() {
    let server = TestServer::always(Reply::sse(OPENAI_HEAD, OPENAI_BODY, 64)).await;
    collect(&openai_at(&server.url())).await.unwrap();
    let sent = server.only_request();
    assert_eq!(sent.method, "POST");
    assert_eq!(sent.target, "/v1/chat/completions");
    assert_eq!(
        sent.header("authorization"),
        Some("Bearer sk-test-0123456789")
    );
    assert_eq!(sent.header("openai-organization"), Some("org-rebloom"));
    assert_eq!(sent.header("content-type"), Some("application/json"));
    assert_eq!(sent.header("accept"), Some("text/event-stream"));
    assert_eq!(
        sent.json(),
        json!({
            "model": "gpt-4o-mini",
            "messages": [
                {"role": "system", "content": "You are Rebloom, a warm and careful companion."},
                {"role": "assistant", "content": "Hi, I'm Rebloom. How are you feeling today?"},
                {"role": "user", "content": "Not great."},
                {"role": "user", "content": SECRET}
            ],
            "max_tokens": 400,
            "temperature": 0.7,
            "stream": true
        })
    );
}

#[tokio::test]
async fn azure_deployment_uses_api_key_and_api_version_and_skips_filter_chunks() {
    let server = TestServer::always(Reply::sse(AZURE_HEAD, AZURE_BODY, 11)).await;
    let mut config = OpenAiConfig::azure(
        &server.url(),
        "gpt-4o-mini",
        "2024-10-21",
        "azure-key-0123".into(),
    );
    config.name = "azure".into();
    let items = collect(&OpenAiProvider::new(config).unwrap())
        .await
        .unwrap();
    assert_eq!(text(&items), REPLY);
    assert_eq!(
        assert_complete(&items),
        finish("azure", "gpt-4o-mini-2024-07-18", "stop")
    );
    let sent = server.only_request();
    assert_eq!(
        sent.target,
        "/openai/deployments/gpt-4o-mini/chat/completions?api-version=2024-10-21"
    );
    assert_eq!(sent.header("api-key"), Some("azure-key-0123"));
    assert_eq!(sent.header("authorization"), None);
}

#[tokio::test]
async fn ollama_vllm_and_llamacpp_streams() {
    let cases = [
        (OLLAMA_HEAD, OLLAMA_BODY, "llama3.2", "stop"),
        (
            VLLM_HEAD,
            VLLM_BODY,
            "meta-llama/Llama-3.1-8B-Instruct",
            "length",
        ),
        (LLAMACPP_HEAD, LLAMACPP_BODY, "gpt-3.5-turbo", "stop"),
    ];
    for (head, body, model, reason) in cases {
        let server = TestServer::always(Reply::sse(head, body, 5)).await;
        // Local servers run without a key: no Authorization header at all.
        let provider =
            OpenAiProvider::new(OpenAiConfig::new(format!("{}/v1/", server.url()), "local"))
                .unwrap();
        let items = collect(&provider).await.unwrap();
        assert_eq!(text(&items), REPLY, "{model}");
        assert_eq!(assert_complete(&items), finish("openai", model, reason));
        let sent = server.only_request();
        assert_eq!(sent.target, "/v1/chat/completions");
        assert_eq!(sent.header("authorization"), None);
    }
}

#[tokio::test]
async fn crlf_keepalive_comments_and_multiline_data_in_one_byte_frames() {
    let server = TestServer::always(Reply::sse(GATEWAY_HEAD, GATEWAY_BODY, 1)).await;
    let items = collect(&openai_at(&server.url())).await.unwrap();
    assert_eq!(text(&items), REPLY);
    assert_eq!(
        assert_complete(&items),
        finish("openai", "openai/gpt-4o-mini", "stop")
    );
}

#[tokio::test]
async fn openai_http_errors_carry_status_and_message() {
    let cases = [
        (
            JSON_ERROR_HEAD_401,
            OPENAI_401,
            401,
            "invalid_request_error: Incorrect API key provided: sk-test-*****************1234. You can find your API key at https://platform.openai.com/account/api-keys.",
        ),
        (
            JSON_ERROR_HEAD_429,
            OPENAI_429,
            429,
            "requests: Rate limit reached for gpt-4o-mini in organization org-abc123 on requests per min (RPM): Limit 3, Used 3, Requested 1. Please try again in 20s.",
        ),
        (
            JSON_ERROR_HEAD_500,
            OPENAI_500,
            500,
            "server_error: The server had an error while processing your request. Sorry about that!",
        ),
    ];
    for (head, body, status, message) in cases {
        let server = TestServer::always(Reply::error(head, body)).await;
        let err = collect(&openai_at(&server.url())).await.unwrap_err();
        assert_eq!(
            err,
            ProviderError::Http {
                status,
                message: message.into()
            }
        );
    }
}

#[tokio::test]
async fn an_error_body_that_quotes_the_conversation_is_withheld() {
    let quoting = format!(
        "{{\"error\":{{\"message\":\"Invalid 'messages[3].content': string too long. Got '{}'\",\"type\":\"invalid_request_error\",\"param\":\"messages[3].content\",\"code\":\"string_above_max_length\"}}}}",
        &SECRET[..40]
    );
    let validation = format!(
        "{{\"detail\":[{{\"type\":\"missing\",\"loc\":[\"body\",\"model\"],\"msg\":\"Field required\",\"input\":{{\"messages\":[{{\"role\":\"user\",\"content\":\"{SECRET}\"}}]}}}}]}}"
    );
    for body in [quoting, validation] {
        let server = TestServer::always(Reply::error(JSON_ERROR_HEAD_400, &body)).await;
        let err = collect(&openai_at(&server.url())).await.unwrap_err();
        let ProviderError::Http {
            status: 400,
            message,
        } = &err
        else {
            panic!("{err:?}");
        };
        assert!(!err.to_string().contains(&SECRET[..12]), "{message}");
        assert!(!message.contains("funeral"), "{message}");
    }
}

#[tokio::test]
async fn openai_error_object_mid_stream_is_a_stream_error() {
    let body = first_events(OPENAI_BODY, 3) + OPENAI_ERROR_EVENT;
    let server = TestServer::always(Reply::sse(OPENAI_HEAD, &body, 9)).await;
    let items = collect(&openai_at(&server.url())).await.unwrap();
    assert_eq!(
        items,
        vec![
            Ok(Chunk::Delta("That".into())),
            Ok(Chunk::Delta(" sounds really heavy.".into())),
            Err(ProviderError::Stream(
                "server_error: The server had an error while processing your request. Sorry about that!".into()
            )),
        ]
    );
}

#[tokio::test]
async fn openai_connection_dropped_half_way_is_a_stream_error() {
    let half = first_events(OPENAI_BODY, 3);
    // Mid chunked body, and a body delimited by the connection's end.
    let replies = [
        Reply::sse_ending(OPENAI_HEAD, &half, 7, End::Drop),
        Reply::CloseDelimited {
            head: "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close".into(),
            body: half.clone().into_bytes(),
        },
    ];
    for reply in replies {
        let server = TestServer::always(reply).await;
        let items = collect(&openai_at(&server.url())).await.unwrap();
        assert_eq!(text(&items), "That sounds really heavy.");
        assert!(
            matches!(items.last(), Some(Err(ProviderError::Stream(_)))),
            "{items:?}"
        );
        assert!(!items.iter().any(|i| matches!(i, Ok(Chunk::Done(_)))));
    }
}

#[tokio::test]
async fn openai_finish_reason_then_silence_completes_after_the_grace_period() {
    // Everything but `[DONE]`, then the server goes quiet.
    let body = OPENAI_BODY.replace("data: [DONE]\n\n", "");
    let server = TestServer::always(Reply::sse_ending(OPENAI_HEAD, &body, 7, End::Stall)).await;
    let provider = OpenAiProvider::new(OpenAiConfig {
        finish_grace: Duration::from_millis(100),
        ..OpenAiConfig::new(format!("{}/v1", server.url()), "gpt-4o-mini")
    })
    .unwrap();
    let started = Instant::now();
    let items = collect(&provider).await.unwrap();
    assert!(started.elapsed() < Duration::from_secs(1));
    assert_eq!(text(&items), REPLY);
    assert_eq!(
        assert_complete(&items),
        finish("openai", "gpt-4o-mini", "stop")
    );
}

#[tokio::test]
async fn json_instead_of_a_stream_is_a_protocol_error() {
    let head = "HTTP/1.1 200 OK\r\nContent-Type: application/json";
    let server = TestServer::always(Reply::error(
        head,
        "{\"error\":\"streaming is not supported\"}",
    ))
    .await;
    let err = collect(&openai_at(&server.url())).await.unwrap_err();
    assert_eq!(
        err,
        ProviderError::Protocol(
            "expected an event stream, got an error: streaming is not supported".into()
        )
    );
}

#[tokio::test]
async fn connection_refused_is_a_connect_error() {
    let addr = refusing_address().await;
    let openai = openai_at(&format!("http://{addr}"));
    let anthropic = anthropic_at(&format!("http://{addr}"));
    for provider in [&openai as &dyn ChatProvider, &anthropic] {
        let err = collect(provider).await.unwrap_err();
        assert!(
            matches!(&err, ProviderError::Connect(m) if m.contains("refused")),
            "{err:?}"
        );
    }
}

#[tokio::test]
async fn https_urls_go_through_tls_within_the_connect_timeout() {
    let https = |addr: std::net::SocketAddr| {
        OpenAiProvider::new(OpenAiConfig {
            connect_timeout: Duration::from_millis(200),
            ..OpenAiConfig::new(format!("https://{addr}/v1"), "gpt-4o-mini")
        })
        .unwrap()
    };
    // A peer that answers the TLS hello with plain HTTP: the handshake is
    // attempted and fails as a connection error (not "scheme unsupported").
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let plain = listener.local_addr().unwrap();
    tokio::spawn(async move {
        use tokio::io::AsyncWriteExt;
        while let Ok((mut socket, _)) = listener.accept().await {
            let _ = socket
                .write_all(
                    b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                )
                .await;
        }
    });
    let err = collect(&https(plain)).await.unwrap_err();
    assert!(matches!(err, ProviderError::Connect(_)), "{err:?}");

    // A peer that never answers the hello: the connect timeout covers TLS.
    let silent = TestServer::always(Reply::Silence).await;
    let started = Instant::now();
    let err = collect(&https(silent.addr)).await.unwrap_err();
    assert_eq!(err, ProviderError::Timeout("connect"));
    assert!(started.elapsed() < Duration::from_secs(1));
    assert_eq!(silent.request_count(), 0);
}

// ---------------------------------------------------------------- Anthropic

#[tokio::test]
async fn anthropic_streams_the_exact_reply_and_one_done() {
    let server = TestServer::always(Reply::sse(ANTHROPIC_HEAD, ANTHROPIC_BODY, 5)).await;
    let items = collect(&anthropic_at(&server.url())).await.unwrap();
    assert_eq!(text(&items), REPLY);
    assert_eq!(
        assert_complete(&items),
        finish("anthropic", "claude-sonnet-4-5-20250929", "end_turn")
    );
}

#[tokio::test]
async fn anthropic_request_has_the_right_path_headers_and_body() {
    let server = TestServer::always(Reply::sse(ANTHROPIC_HEAD, ANTHROPIC_BODY, 64)).await;
    collect(&anthropic_at(&server.url())).await.unwrap();
    let sent = server.only_request();
    assert_eq!(sent.method, "POST");
    assert_eq!(sent.target, "/v1/messages");
    assert_eq!(sent.header("x-api-key"), Some("sk-ant-test-0123456789"));
    assert_eq!(sent.header("anthropic-version"), Some("2023-06-01"));
    assert_eq!(sent.header("content-type"), Some("application/json"));
    assert_eq!(sent.header("authorization"), None);
    // System prompt at the top; the greeting before the person's first message
    // dropped; the person's two messages merged into one user turn.
    assert_eq!(
        sent.json(),
        json!({
            "model": "claude-sonnet-4-5",
            "system": "You are Rebloom, a warm and careful companion.",
            "messages": [
                {"role": "user", "content": format!("Not great.\n\n{SECRET}")}
            ],
            "max_tokens": 400,
            "temperature": 0.7,
            "stream": true
        })
    );
}

#[tokio::test]
async fn anthropic_http_errors_carry_status_and_message() {
    let cases = [
        (
            JSON_ERROR_HEAD_401,
            ANTHROPIC_401,
            401,
            "authentication_error: invalid x-api-key",
        ),
        (
            JSON_ERROR_HEAD_429,
            ANTHROPIC_429,
            429,
            "rate_limit_error: This request would exceed the rate limit for your organization of 50 requests per minute.",
        ),
        (
            JSON_ERROR_HEAD_500,
            ANTHROPIC_500,
            500,
            "api_error: Internal server error",
        ),
        (
            JSON_ERROR_HEAD_529,
            ANTHROPIC_529,
            529,
            "overloaded_error: Overloaded",
        ),
    ];
    for (head, body, status, message) in cases {
        let server = TestServer::always(Reply::error(head, body)).await;
        let err = collect(&anthropic_at(&server.url())).await.unwrap_err();
        assert_eq!(
            err,
            ProviderError::Http {
                status,
                message: message.into()
            }
        );
    }
}

#[tokio::test]
async fn anthropic_overloaded_error_mid_stream_is_a_stream_error() {
    let cut = ANTHROPIC_BODY.find("event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\" I").unwrap();
    let body = format!("{}{ANTHROPIC_OVERLOADED_EVENT}", &ANTHROPIC_BODY[..cut]);
    let server = TestServer::always(Reply::sse(ANTHROPIC_HEAD, &body, 6)).await;
    let items = collect(&anthropic_at(&server.url())).await.unwrap();
    assert_eq!(
        items,
        vec![
            Ok(Chunk::Delta("That sounds really heavy.".into())),
            Err(ProviderError::Stream("overloaded_error: Overloaded".into())),
        ]
    );
}

#[tokio::test]
async fn anthropic_connection_dropped_half_way_is_a_stream_error() {
    let cut = ANTHROPIC_BODY.find("event: content_block_stop").unwrap();
    let server = TestServer::always(Reply::sse_ending(
        ANTHROPIC_HEAD,
        &ANTHROPIC_BODY[..cut],
        8,
        End::Drop,
    ))
    .await;
    let items = collect(&anthropic_at(&server.url())).await.unwrap();
    assert_eq!(text(&items), REPLY);
    assert!(
        matches!(items.last(), Some(Err(ProviderError::Stream(_)))),
        "{items:?}"
    );
}

// ---------------------------------------------------------------- the chain

const FAST: ChainTimeouts = ChainTimeouts {
    first_chunk: Duration::from_millis(300),
    between_chunks: Duration::from_millis(300),
};

fn chain_of(providers: Vec<Arc<dyn ChatProvider>>, breaker: BreakerConfig) -> FallbackChain {
    FallbackChain::new(providers, breaker, FAST)
}

async fn run(chain: &FallbackChain) -> Vec<Result<Chunk, ProviderError>> {
    chain.stream(&request()).await.unwrap().collect().await
}

fn anthropic_server_reply() -> Reply {
    Reply::sse(ANTHROPIC_HEAD, ANTHROPIC_BODY, 16)
}

#[tokio::test]
async fn chain_failure_before_the_first_chunk_goes_to_the_next_without_reset() {
    let a = TestServer::always(Reply::error(JSON_ERROR_HEAD_500, OPENAI_500)).await;
    let b = TestServer::always(anthropic_server_reply()).await;
    let chain = chain_of(
        vec![
            Arc::new(openai_at(&a.url())),
            Arc::new(anthropic_at(&b.url())),
        ],
        BreakerConfig::default(),
    );
    let items = run(&chain).await;
    assert_eq!(text(&items), REPLY);
    assert_eq!(assert_complete(&items).provider, "anthropic");
    assert_eq!((a.request_count(), b.request_count()), (1, 1));
}

#[tokio::test]
async fn chain_failure_mid_reply_resets_then_gives_the_next_whole_reply() {
    let a = TestServer::always(Reply::sse_ending(
        OPENAI_HEAD,
        &first_events(OPENAI_BODY, 3),
        7,
        End::Drop,
    ))
    .await;
    let b = TestServer::always(anthropic_server_reply()).await;
    let chain = chain_of(
        vec![
            Arc::new(openai_at(&a.url())),
            Arc::new(anthropic_at(&b.url())),
        ],
        BreakerConfig::default(),
    );
    let items = run(&chain).await;
    let reset = items
        .iter()
        .position(|i| *i == Ok(Chunk::Reset))
        .expect("a reset");
    assert_eq!(text(&items[..reset]), "That sounds really heavy.");
    assert_eq!(text(&items[reset + 1..]), REPLY);
    assert_eq!(
        assert_complete(&items[reset + 1..]),
        finish("anthropic", "claude-sonnet-4-5-20250929", "end_turn")
    );
}

#[tokio::test]
async fn chain_stall_mid_reply_resets_then_gives_the_next_whole_reply() {
    let a = TestServer::always(Reply::sse_ending(
        OPENAI_HEAD,
        &first_events(OPENAI_BODY, 3),
        7,
        End::Stall,
    ))
    .await;
    let b = TestServer::always(anthropic_server_reply()).await;
    let chain = chain_of(
        vec![
            Arc::new(openai_at(&a.url())),
            Arc::new(anthropic_at(&b.url())),
        ],
        BreakerConfig::default(),
    );
    let started = Instant::now();
    let items = run(&chain).await;
    assert!(started.elapsed() < Duration::from_secs(1));
    let reset = items
        .iter()
        .position(|i| *i == Ok(Chunk::Reset))
        .expect("a reset");
    assert_eq!(text(&items[..reset]), "That sounds really heavy.");
    assert_eq!(text(&items[reset + 1..]), REPLY);
}

#[tokio::test]
async fn chain_server_that_never_sends_a_byte_times_out_to_the_next() {
    let a = TestServer::always(Reply::Silence).await;
    let b = TestServer::always(anthropic_server_reply()).await;
    let chain = chain_of(
        vec![
            Arc::new(openai_at(&a.url())),
            Arc::new(anthropic_at(&b.url())),
        ],
        BreakerConfig::default(),
    );
    let started = Instant::now();
    let items = run(&chain).await;
    let elapsed = started.elapsed();
    assert!(
        elapsed >= FAST.first_chunk && elapsed < Duration::from_secs(1),
        "{elapsed:?}"
    );
    assert_eq!(text(&items), REPLY);
    assert_eq!(assert_complete(&items).provider, "anthropic");
    assert_eq!(a.request_count(), 1);
}

#[tokio::test]
async fn chain_slow_first_token_times_out_to_the_next() {
    // Headers and the role-only first event arrive, then nothing.
    let a = TestServer::always(Reply::sse_ending(
        OPENAI_HEAD,
        &first_events(OPENAI_BODY, 1),
        7,
        End::Stall,
    ))
    .await;
    let b = TestServer::always(anthropic_server_reply()).await;
    let chain = chain_of(
        vec![
            Arc::new(openai_at(&a.url())),
            Arc::new(anthropic_at(&b.url())),
        ],
        BreakerConfig::default(),
    );
    let started = Instant::now();
    let items = run(&chain).await;
    assert!(started.elapsed() < Duration::from_secs(1));
    // Nothing had been passed on, so no reset.
    assert!(!items.contains(&Ok(Chunk::Reset)));
    assert_eq!(text(&items), REPLY);
}

#[tokio::test]
async fn chain_breaker_opens_skips_the_provider_then_lets_one_trial_through() {
    let open_for = Duration::from_millis(150);
    // A fails twice, then recovers.
    let a = TestServer::start(|n| {
        if n < 2 {
            Reply::error(JSON_ERROR_HEAD_500, OPENAI_500)
        } else {
            Reply::sse(OPENAI_HEAD, OPENAI_BODY, 32)
        }
    })
    .await;
    let b = TestServer::always(anthropic_server_reply()).await;
    let chain = chain_of(
        vec![
            Arc::new(openai_at(&a.url())),
            Arc::new(anthropic_at(&b.url())),
        ],
        BreakerConfig {
            failure_threshold: 2,
            open_for,
        },
    );
    for _ in 0..2 {
        assert_eq!(assert_complete(&run(&chain).await).provider, "anthropic");
    }
    let opened = Instant::now();
    assert_eq!(chain.status()[0], ("openai".to_owned(), true));
    // Open: A is skipped, its server sees nothing.
    assert_eq!(assert_complete(&run(&chain).await).provider, "anthropic");
    assert_eq!(a.request_count(), 2);
    // After `open_for`, one trial goes to A, which has recovered.
    tokio::time::sleep(open_for.saturating_sub(opened.elapsed())).await;
    let items = run(&chain).await;
    assert_eq!(assert_complete(&items).provider, "openai");
    assert_eq!(text(&items), REPLY);
    assert_eq!(a.request_count(), 3);
    assert_eq!(b.request_count(), 3);
    assert_eq!(chain.status()[0], ("openai".to_owned(), false));
}

#[tokio::test]
async fn chain_with_every_provider_failing_ends_in_an_error() {
    let a = TestServer::always(Reply::error(JSON_ERROR_HEAD_429, OPENAI_429)).await;
    let b = TestServer::always(Reply::error(JSON_ERROR_HEAD_529, ANTHROPIC_529)).await;
    let chain = chain_of(
        vec![
            Arc::new(openai_at(&a.url())),
            Arc::new(anthropic_at(&b.url())),
        ],
        BreakerConfig::default(),
    );
    let items = run(&chain).await;
    assert_eq!(
        items,
        vec![Err(ProviderError::Http {
            status: 529,
            message: "overloaded_error: Overloaded".into()
        })]
    );
}
