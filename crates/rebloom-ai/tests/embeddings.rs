//! The OpenAI-compatible embeddings client against a local server that speaks
//! OpenAI's `/v1/embeddings` wire format: the server reads each request's
//! `input` and answers with vectors computed from it, listed out of order
//! with `index` saying which is which, as the API allows.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::time::Duration;

use rebloom_ai::ProviderError;
use rebloom_ai::embed::{Embedder, OpenAiEmbedder, OpenAiEmbedderConfig, cosine};
use serde_json::{Value, json};
use support::embeddings::{
    DIMS, HEAD, embedding_server, embeddings_body, features, inputs_of, unit,
};
use support::{Reply, TestServer, refusing_address};

fn texts(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

fn client(url: &str, batch_size: usize) -> OpenAiEmbedder {
    OpenAiEmbedder::new(OpenAiEmbedderConfig {
        api_key: Some("sk-test-0123456789".into()),
        batch_size,
        ..OpenAiEmbedderConfig::new(format!("{url}/v1"), "text-embedding-3-small", DIMS)
    })
    .unwrap()
}

const INPUTS: &[&str] = &[
    "I can't sleep because I'm worried about my exams",
    "Exam stress keeps me awake at night",
    "The weather is lovely today",
    "My sister moved away and I feel alone",
    "Thank you, that helped",
];

#[tokio::test]
async fn vectors_come_back_in_input_order_normalised_across_batches() {
    let server = embedding_server().await;
    let embedder = client(&server.url(), 2);
    assert_eq!(embedder.name(), "openai-embeddings");
    assert_eq!(embedder.dimensions(), DIMS);
    let input = texts(INPUTS);
    let vectors = embedder.embed(&input).await.unwrap();

    assert_eq!(vectors.len(), INPUTS.len());
    for (text, v) in INPUTS.iter().zip(&vectors) {
        let want = unit(features(text));
        for (a, b) in v.iter().zip(&want) {
            assert!((a - b).abs() < 1e-6, "{text}: {v:?} != {want:?}");
        }
        let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
        assert!((norm - 1.0).abs() < 1e-5);
        assert!((cosine(v, &want) - 1.0).abs() < 1e-5);
    }

    // Batches of at most two, in order, each exactly OpenAI's request body.
    let requests = server.requests();
    assert_eq!(requests.len(), 3);
    for (request, chunk) in requests.iter().zip(input.chunks(2)) {
        assert_eq!(request.method, "POST");
        assert_eq!(request.target, "/v1/embeddings");
        assert_eq!(
            request.header("authorization"),
            Some("Bearer sk-test-0123456789")
        );
        assert_eq!(request.header("content-type"), Some("application/json"));
        assert_eq!(
            request.json(),
            json!({"model": "text-embedding-3-small", "input": chunk})
        );
    }
}

#[tokio::test]
async fn one_request_when_the_batch_fits_and_none_for_no_input() {
    let server = embedding_server().await;
    let embedder = client(&server.url(), 64);
    assert_eq!(embedder.embed(&texts(INPUTS)).await.unwrap().len(), 5);
    assert_eq!(server.request_count(), 1);
    assert!(embedder.embed(&[]).await.unwrap().is_empty());
    assert_eq!(server.request_count(), 1);
}

#[tokio::test]
async fn azure_deployment_uses_api_key_and_api_version() {
    let server = embedding_server().await;
    let embedder = OpenAiEmbedder::new(OpenAiEmbedderConfig::azure(
        &server.url(),
        "embed-small",
        "2024-10-21",
        "azure-key-0123".into(),
        DIMS,
    ))
    .unwrap();
    assert_eq!(embedder.embed(&texts(&INPUTS[..2])).await.unwrap().len(), 2);
    let sent = server.only_request();
    assert_eq!(
        sent.target,
        "/openai/deployments/embed-small/embeddings?api-version=2024-10-21"
    );
    assert_eq!(sent.header("api-key"), Some("azure-key-0123"));
    assert_eq!(sent.header("authorization"), None);
    assert_eq!(sent.json()["model"], "embed-small");
}

#[tokio::test]
async fn http_errors_carry_the_providers_message_but_never_the_input() {
    let cases = [
        (
            "HTTP/1.1 400 Bad Request\r\nContent-Type: application/json",
            r#"{
  "error": {
    "message": "This model's maximum context length is 8192 tokens, however you requested 9013 tokens (9013 in your prompt; 0 for the completion). Please reduce your prompt; or completion length.",
    "type": "invalid_request_error",
    "param": null,
    "code": null
  }
}"#,
            400,
            "invalid_request_error: This model's maximum context length is 8192 tokens, however you requested 9013 tokens (9013 in your prompt; 0 for the completion). Please reduce your prompt; or completion length.",
        ),
        (
            "HTTP/1.1 401 Unauthorized\r\nContent-Type: application/json",
            r#"{"error":{"message":"Incorrect API key provided: sk-test-****6789.","type":"invalid_request_error","param":null,"code":"invalid_api_key"}}"#,
            401,
            "invalid_request_error: Incorrect API key provided: sk-test-****6789.",
        ),
        (
            "HTTP/1.1 422 Unprocessable Entity\r\nContent-Type: application/json",
            r#"{"object":"error","message":"invalid input: 'Exam stress keeps me awake at night'","type":"BadRequestError","param":null,"code":422}"#,
            422,
            "BadRequestError: (message withheld: it quoted the conversation)",
        ),
        (
            "HTTP/1.1 502 Bad Gateway\r\nContent-Type: text/html",
            "<html><body>502 Bad Gateway</body></html>",
            502,
            "Bad Gateway",
        ),
    ];
    for (head, body, status, message) in cases {
        let server = TestServer::always(Reply::error(head, body)).await;
        let err = client(&server.url(), 8)
            .embed(&texts(&INPUTS[..2]))
            .await
            .unwrap_err();
        assert_eq!(
            err,
            ProviderError::Http {
                status,
                message: message.to_owned()
            }
        );
    }
}

#[tokio::test]
async fn malformed_responses_are_protocol_errors() {
    // Each answer is for a request of two inputs.
    let one = |i: usize, v: Vec<f32>| json!({"object": "embedding", "index": i, "embedding": v});
    let list = |data: Vec<Value>| {
        json!({"object": "list", "data": data, "model": "text-embedding-3-small",
               "usage": {"prompt_tokens": 9, "total_tokens": 9}})
        .to_string()
    };
    let cases = [
        (
            list(vec![one(0, vec![1.0, 0.0, 0.0, 0.0])]),
            "embeddings response has 1 vectors for 2 inputs",
        ),
        (
            list(vec![
                one(0, vec![1.0, 0.0, 0.0, 0.0]),
                one(1, vec![0.0, 1.0, 0.0, 0.0]),
                one(2, vec![0.0, 0.0, 1.0, 0.0]),
            ]),
            "embeddings response has 3 vectors for 2 inputs",
        ),
        (
            list(vec![
                one(1, vec![1.0, 0.0, 0.0, 0.0]),
                one(1, vec![0.0, 1.0, 0.0, 0.0]),
            ]),
            "embedding index 1 appears twice",
        ),
        (
            list(vec![
                one(0, vec![1.0, 0.0, 0.0, 0.0]),
                one(5, vec![0.0, 1.0, 0.0, 0.0]),
            ]),
            "embedding index 5 is out of range for 2 inputs",
        ),
        (
            list(vec![
                one(0, vec![1.0, 0.0, 0.0]),
                one(1, vec![0.0, 1.0, 0.0]),
            ]),
            "embedding has 3 dimensions, expected 4",
        ),
    ];
    for (body, message) in cases {
        let server = TestServer::always(Reply::error(HEAD, &body)).await;
        let err = client(&server.url(), 8)
            .embed(&texts(&INPUTS[..2]))
            .await
            .unwrap_err();
        assert_eq!(err, ProviderError::Protocol(message.to_owned()), "{body}");
    }

    // Base64 vectors (`encoding_format: base64`, never asked for) and non-JSON bodies.
    for body in [
        list(vec![
            json!({"object": "embedding", "index": 0, "embedding": "AACAPwAAAAA="}),
        ]),
        "not json".to_owned(),
    ] {
        let server = TestServer::always(Reply::error(HEAD, &body)).await;
        let err = client(&server.url(), 8)
            .embed(&texts(&INPUTS[..1]))
            .await
            .unwrap_err();
        assert!(
            matches!(&err, ProviderError::Protocol(m) if m.starts_with("embeddings response: ")),
            "{err:?}"
        );
    }
}

#[tokio::test]
async fn a_failed_batch_fails_the_whole_call() {
    // The second batch's request gets an error: no partial result.
    let server = TestServer::answering(|n, request| {
        if n == 1 {
            Reply::error(
                "HTTP/1.1 429 Too Many Requests\r\nContent-Type: application/json",
                r#"{"error":{"message":"Rate limit reached for text-embedding-3-small","type":"requests","param":null,"code":"rate_limit_exceeded"}}"#,
            )
        } else {
            Reply::error(HEAD, &embeddings_body(&inputs_of(request)))
        }
    })
    .await;
    let err = client(&server.url(), 2)
        .embed(&texts(INPUTS))
        .await
        .unwrap_err();
    assert_eq!(
        err,
        ProviderError::Http {
            status: 429,
            message: "requests: Rate limit reached for text-embedding-3-small".into()
        }
    );
    assert_eq!(server.request_count(), 2);
}

#[tokio::test]
async fn transport_failures_are_typed() {
    let refused = refusing_address().await;
    let err = client(&format!("http://{refused}"), 8)
        .embed(&texts(&INPUTS[..1]))
        .await
        .unwrap_err();
    assert!(matches!(err, ProviderError::Connect(_)), "{err:?}");

    let silent = TestServer::always(Reply::Silence).await;
    let embedder = OpenAiEmbedder::new(OpenAiEmbedderConfig {
        timeout: Duration::from_millis(200),
        ..OpenAiEmbedderConfig::new(format!("{}/v1", silent.url()), "m", DIMS)
    })
    .unwrap();
    let err = embedder.embed(&texts(&INPUTS[..1])).await.unwrap_err();
    assert_eq!(err, ProviderError::Timeout("embeddings request"));

    let err =
        OpenAiEmbedder::new(OpenAiEmbedderConfig::new("ftp://example", "m", DIMS)).unwrap_err();
    assert!(matches!(err, ProviderError::NotConfigured(_)));
    let err = OpenAiEmbedder::new(OpenAiEmbedderConfig::new("http://127.0.0.1:1/v1", "m", 0))
        .unwrap_err();
    assert!(matches!(err, ProviderError::NotConfigured(_)));
}
