#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;
use crate::sse::testing::decode;
use crate::{ChatMessage, ChatRole};

const OPENAI: &str = concat!(
    "data: {\"id\":\"chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT\",\"object\":\"chat.completion.chunk\",\"created\":1741569952,\"model\":\"gpt-4o-mini-2024-07-18\",\"service_tier\":\"default\",\"system_fingerprint\":\"fp_06737a9306\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\",\"refusal\":null},\"logprobs\":null,\"finish_reason\":null}]}\n\n",
    "data: {\"id\":\"chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT\",\"object\":\"chat.completion.chunk\",\"created\":1741569952,\"model\":\"gpt-4o-mini-2024-07-18\",\"service_tier\":\"default\",\"system_fingerprint\":\"fp_06737a9306\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"That sounds \"},\"logprobs\":null,\"finish_reason\":null}]}\n\n",
    "data: {\"id\":\"chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT\",\"object\":\"chat.completion.chunk\",\"created\":1741569952,\"model\":\"gpt-4o-mini-2024-07-18\",\"service_tier\":\"default\",\"system_fingerprint\":\"fp_06737a9306\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"heavy — I’m here. 🌱\"},\"logprobs\":null,\"finish_reason\":null}]}\n\n",
    "data: {\"id\":\"chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT\",\"object\":\"chat.completion.chunk\",\"created\":1741569952,\"model\":\"gpt-4o-mini-2024-07-18\",\"service_tier\":\"default\",\"system_fingerprint\":\"fp_06737a9306\",\"choices\":[{\"index\":0,\"delta\":{},\"logprobs\":null,\"finish_reason\":\"stop\"}]}\n\n",
    "data: [DONE]\n\n",
);

fn decoder() -> ChatCompletionsDecoder {
    ChatCompletionsDecoder::new("openai", "gpt-4o-mini", Redactor::default())
}

fn text_and_end(
    items: &[Result<Chunk, ProviderError>],
) -> (String, Option<&Result<Chunk, ProviderError>>) {
    let text = items
        .iter()
        .filter_map(|i| match i {
            Ok(Chunk::Delta(t)) => Some(t.as_str()),
            _ => None,
        })
        .collect();
    (text, items.last())
}

#[tokio::test]
async fn split_anywhere_gives_the_same_reply() {
    let crlf = OPENAI.replace('\n', "\r\n");
    for wire in [OPENAI, crlf.as_str()] {
        for piece in [0, 1, 2, 3, 5, 7, 13, 64] {
            let items = decode(wire.as_bytes(), piece, decoder()).await;
            let (text, last) = text_and_end(&items);
            assert_eq!(text, "That sounds heavy — I’m here. 🌱", "piece {piece}");
            assert_eq!(
                last,
                Some(&Ok(Chunk::Done(Finish {
                    provider: "openai".into(),
                    model: "gpt-4o-mini-2024-07-18".into(),
                    reason: "stop".into(),
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
async fn finish_reason_without_done_still_completes() {
    let wire = OPENAI.replace("data: [DONE]\n\n", "");
    let items = decode(wire.as_bytes(), 0, decoder()).await;
    assert!(matches!(items.last(), Some(Ok(Chunk::Done(f))) if f.reason == "stop"));
}

#[tokio::test]
async fn ending_without_done_or_finish_reason_is_an_error() {
    let wire: String = OPENAI.split_inclusive("\n\n").take(3).collect();
    let items = decode(wire.as_bytes(), 4, decoder()).await;
    assert!(matches!(items.last(), Some(Err(ProviderError::Stream(_)))));
    assert!(!items.iter().any(|i| matches!(i, Ok(Chunk::Done(_)))));
}

#[tokio::test]
async fn an_unterminated_last_event_is_not_taken() {
    // `[DONE]` without the blank line that dispatches it, then EOF.
    let wire: String = OPENAI.split_inclusive("\n\n").take(3).collect::<String>() + "data: [DONE]";
    let items = decode(wire.as_bytes(), 0, decoder()).await;
    assert!(matches!(items.last(), Some(Err(ProviderError::Stream(_)))));
}

#[tokio::test]
async fn error_objects_in_the_stream() {
    let cases = [
        "data: {\"error\":{\"message\":\"The server had an error while processing your request.\",\"type\":\"server_error\",\"param\":null,\"code\":null}}\n\n",
        "data: {\"object\":\"error\",\"message\":\"The server had an error while processing your request.\",\"type\":\"server_error\",\"param\":null,\"code\":500}\n\n",
        "event: error\ndata: {\"error\":{\"code\":500,\"message\":\"The server had an error while processing your request.\",\"type\":\"server_error\"}}\n\n",
    ];
    for case in cases {
        let wire = OPENAI.split_inclusive("\n\n").take(2).collect::<String>() + case;
        let items = decode(wire.as_bytes(), 0, decoder()).await;
        assert_eq!(items[0], Ok(Chunk::Delta("That sounds ".into())));
        assert_eq!(
            items[1],
            Err(ProviderError::Stream(
                "server_error: The server had an error while processing your request.".into()
            )),
            "{case}"
        );
        assert_eq!(items.len(), 2);
    }
}

#[tokio::test]
async fn a_null_error_field_is_not_an_error() {
    let wire = OPENAI.replace("\"service_tier\"", "\"error\":null,\"service_tier\"");
    let items = decode(wire.as_bytes(), 0, decoder()).await;
    assert!(matches!(items.last(), Some(Ok(Chunk::Done(_)))));
}

#[tokio::test]
async fn data_that_is_not_json_is_a_protocol_error_without_the_data() {
    let items = decode(
        b"data: {\"choices\":[{\"delta\":{\"content\":\"secret\n\n",
        0,
        decoder(),
    )
    .await;
    match &items[..] {
        [Err(ProviderError::Protocol(m))] => assert!(!m.contains("secret")),
        other => panic!("{other:?}"),
    }
}

/// The body as sent: serialised (f32 as written on the wire), then parsed.
fn wire(body: &Body<'_>) -> serde_json::Value {
    serde_json::from_slice(&serde_json::to_vec(body).unwrap()).unwrap()
}

#[test]
fn body_shape() {
    let mut config = OpenAiConfig::new("http://127.0.0.1:1/v1", "gpt-4o-mini");
    let provider = OpenAiProvider::new(config.clone()).unwrap();
    let request = ChatRequest {
        system: "Be kind.".into(),
        messages: vec![
            ChatMessage::new(ChatRole::Assistant, "Hi, how are you?"),
            ChatMessage::new(ChatRole::User, "Not great."),
        ],
        max_tokens: 300,
        temperature: 0.7,
        ..ChatRequest::default()
    };
    let body = wire(&provider.body(&request));
    assert_eq!(
        body,
        serde_json::json!({
            "model": "gpt-4o-mini",
            "messages": [
                {"role": "system", "content": "Be kind."},
                {"role": "assistant", "content": "Hi, how are you?"},
                {"role": "user", "content": "Not great."}
            ],
            "max_tokens": 300,
            "temperature": 0.7,
            "stream": true
        })
    );

    config.token_limit_field = TokenLimitField::MaxCompletionTokens;
    config.send_temperature = false;
    let provider = OpenAiProvider::new(config).unwrap();
    let request = ChatRequest {
        system: String::new(),
        ..request
    };
    let body = wire(&provider.body(&request));
    assert_eq!(body["max_completion_tokens"], 300);
    assert!(body.get("max_tokens").is_none());
    assert!(body.get("temperature").is_none());
    assert_eq!(body["messages"][0]["role"], "assistant");
}

#[test]
fn bad_configuration_is_refused() {
    assert!(matches!(
        OpenAiProvider::new(OpenAiConfig::new("not a url", "m")),
        Err(ProviderError::NotConfigured(_))
    ));
    assert!(matches!(
        OpenAiProvider::new(OpenAiConfig::new("ftp://example.com", "m")),
        Err(ProviderError::NotConfigured(_))
    ));
    let mut config = OpenAiConfig::new("https://example.com/v1", "m");
    config.extra_headers.push(("bad header".into(), "x".into()));
    assert!(matches!(
        OpenAiProvider::new(config),
        Err(ProviderError::NotConfigured(_))
    ));
}

#[test]
fn keys_do_not_show_in_debug_output() {
    let config = OpenAiConfig::azure(
        "https://example.openai.azure.com/",
        "gpt-4o-mini",
        "2024-10-21",
        "azure-key-123".into(),
    );
    let provider = OpenAiProvider::new(config.clone()).unwrap();
    assert_eq!(
        provider.url.as_str(),
        "https://example.openai.azure.com/openai/deployments/gpt-4o-mini/chat/completions?api-version=2024-10-21"
    );
    let mut with_key = OpenAiConfig::openai("sk-test-123".into(), "gpt-4o-mini");
    with_key.organization = Some("org-1".into());
    let provider2 = OpenAiProvider::new(with_key.clone()).unwrap();
    let printed = format!("{config:?}{provider:?}{with_key:?}{provider2:?}");
    assert!(!printed.contains("azure-key-123"));
    assert!(!printed.contains("sk-test-123"));
}
