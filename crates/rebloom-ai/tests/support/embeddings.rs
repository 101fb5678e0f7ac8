//! A local server speaking OpenAI's `/v1/embeddings` wire format. Its
//! "model" turns each input into a vector of simple text features, so tests
//! know which vector belongs to which input; `data` is listed last index
//! first, as the API allows.

use serde_json::{Value, json};

use super::{Recorded, Reply, TestServer};

pub const HEAD: &str = "HTTP/1.1 200 OK\r\n\
Date: Tue, 25 Nov 2025 10:00:00 GMT\r\n\
Content-Type: application/json\r\n\
access-control-allow-origin: *\r\n\
openai-model: text-embedding-3-small\r\n\
openai-organization: user-rebloom\r\n\
openai-processing-ms: 41\r\n\
openai-version: 2020-10-01\r\n\
x-request-id: req_6f1c2a9e0b7d4c55a1e3f2b8c9d0e1f2";

pub const DIMS: usize = 4;

/// The fake model: a vector from simple features of the text, not normalised.
pub fn features(text: &str) -> Vec<f32> {
    vec![
        text.len() as f32,
        text.matches('e').count() as f32,
        text.split_whitespace().count() as f32,
        1.0,
    ]
}

pub fn unit(mut v: Vec<f32>) -> Vec<f32> {
    let n = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    v.iter_mut().for_each(|x| *x /= n);
    v
}

/// OpenAI's response body for `inputs`, `data` listed last index first.
pub fn embeddings_body(inputs: &[String]) -> String {
    let data: Vec<Value> = inputs
        .iter()
        .enumerate()
        .rev()
        .map(|(i, t)| json!({"object": "embedding", "index": i, "embedding": features(t)}))
        .collect();
    let tokens: usize = inputs.iter().map(|t| t.split_whitespace().count()).sum();
    serde_json::to_string_pretty(&json!({
        "object": "list",
        "data": data,
        "model": "text-embedding-3-small",
        "usage": {"prompt_tokens": tokens, "total_tokens": tokens}
    }))
    .unwrap()
}

pub fn inputs_of(request: &Recorded) -> Vec<String> {
    serde_json::from_value(request.json()["input"].clone()).unwrap()
}

/// A server that embeds whatever it is sent.
pub async fn embedding_server() -> TestServer {
    TestServer::answering(|_, request| Reply::error(HEAD, &embeddings_body(&inputs_of(request))))
        .await
}
