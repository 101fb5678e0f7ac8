//! Streaming responses as each server puts them on the wire: response heads
//! (status line and headers) and event-stream bodies, byte for byte in the
//! shape the services send (ids and timestamps are made up).

#![allow(dead_code)]

/// The reply text every happy-path fixture streams.
pub const REPLY: &str =
    "That sounds really heavy. I’m here with you — would you like to tell me more? 🌱";

pub const OPENAI_HEAD: &str = "HTTP/1.1 200 OK\r\n\
Date: Mon, 10 Mar 2025 01:25:52 GMT\r\n\
Content-Type: text/event-stream; charset=utf-8\r\n\
Transfer-Encoding: chunked\r\n\
Connection: keep-alive\r\n\
access-control-expose-headers: X-Request-ID\r\n\
openai-organization: user-abc123\r\n\
openai-processing-ms: 212\r\n\
openai-version: 2020-10-01\r\n\
x-ratelimit-limit-requests: 10000\r\n\
x-ratelimit-remaining-requests: 9999\r\n\
x-request-id: req_5f1c0b8e9d0a4b3c2e1f\r\n\
strict-transport-security: max-age=31536000; includeSubDomains; preload\r\n\
cf-cache-status: DYNAMIC\r\n\
X-Content-Type-Options: nosniff\r\n\
Server: cloudflare\r\n\
CF-RAY: 91e2a1b2c3d4e5f6-AMS\r\n\
alt-svc: h3=\":443\"; ma=86400";

/// OpenAI Chat Completions: role chunk with empty content, content chunks,
/// a finish chunk with an empty delta, `[DONE]`.
pub const OPENAI_BODY: &str = concat!(
    "data: {\"id\":\"chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT\",\"object\":\"chat.completion.chunk\",\"created\":1741569952,\"model\":\"gpt-4o-mini\",\"service_tier\":\"default\",\"system_fingerprint\":\"fp_06737a9306\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\",\"refusal\":null},\"logprobs\":null,\"finish_reason\":null}]}\n\n",
    "data: {\"id\":\"chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT\",\"object\":\"chat.completion.chunk\",\"created\":1741569952,\"model\":\"gpt-4o-mini\",\"service_tier\":\"default\",\"system_fingerprint\":\"fp_06737a9306\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"That\"},\"logprobs\":null,\"finish_reason\":null}]}\n\n",
    "data: {\"id\":\"chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT\",\"object\":\"chat.completion.chunk\",\"created\":1741569952,\"model\":\"gpt-4o-mini\",\"service_tier\":\"default\",\"system_fingerprint\":\"fp_06737a9306\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\" sounds really heavy.\"},\"logprobs\":null,\"finish_reason\":null}]}\n\n",
    "data: {\"id\":\"chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT\",\"object\":\"chat.completion.chunk\",\"created\":1741569952,\"model\":\"gpt-4o-mini\",\"service_tier\":\"default\",\"system_fingerprint\":\"fp_06737a9306\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\" I’m here with you\"},\"logprobs\":null,\"finish_reason\":null}]}\n\n",
    "data: {\"id\":\"chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT\",\"object\":\"chat.completion.chunk\",\"created\":1741569952,\"model\":\"gpt-4o-mini\",\"service_tier\":\"default\",\"system_fingerprint\":\"fp_06737a9306\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\" — would you like to tell me more? 🌱\"},\"logprobs\":null,\"finish_reason\":null}]}\n\n",
    "data: {\"id\":\"chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT\",\"object\":\"chat.completion.chunk\",\"created\":1741569952,\"model\":\"gpt-4o-mini\",\"service_tier\":\"default\",\"system_fingerprint\":\"fp_06737a9306\",\"choices\":[{\"index\":0,\"delta\":{},\"logprobs\":null,\"finish_reason\":\"stop\"}]}\n\n",
    "data: [DONE]\n\n",
);

pub const OPENAI_401: &str = "{\n    \"error\": {\n        \"message\": \"Incorrect API key provided: sk-test-*****************1234. You can find your API key at https://platform.openai.com/account/api-keys.\",\n        \"type\": \"invalid_request_error\",\n        \"param\": null,\n        \"code\": \"invalid_api_key\"\n    }\n}\n";
pub const OPENAI_429: &str = "{\n    \"error\": {\n        \"message\": \"Rate limit reached for gpt-4o-mini in organization org-abc123 on requests per min (RPM): Limit 3, Used 3, Requested 1. Please try again in 20s.\",\n        \"type\": \"requests\",\n        \"param\": null,\n        \"code\": \"rate_limit_exceeded\"\n    }\n}\n";
pub const OPENAI_500: &str = "{\n  \"error\": {\n    \"message\": \"The server had an error while processing your request. Sorry about that!\",\n    \"type\": \"server_error\",\n    \"param\": null,\n    \"code\": null\n  }\n}\n";

pub const JSON_ERROR_HEAD_401: &str = "HTTP/1.1 401 Unauthorized\r\nDate: Mon, 10 Mar 2025 01:25:52 GMT\r\nContent-Type: application/json; charset=utf-8\r\nConnection: keep-alive\r\nvary: Origin\r\nx-request-id: req_0a1b2c3d\r\nServer: cloudflare";
pub const JSON_ERROR_HEAD_429: &str = "HTTP/1.1 429 Too Many Requests\r\nDate: Mon, 10 Mar 2025 01:25:52 GMT\r\nContent-Type: application/json; charset=utf-8\r\nConnection: keep-alive\r\nretry-after: 20\r\nx-request-id: req_0a1b2c3e\r\nServer: cloudflare";
pub const JSON_ERROR_HEAD_500: &str = "HTTP/1.1 500 Internal Server Error\r\nDate: Mon, 10 Mar 2025 01:25:52 GMT\r\nContent-Type: application/json; charset=utf-8\r\nConnection: keep-alive\r\nx-request-id: req_0a1b2c3f\r\nServer: cloudflare";
pub const JSON_ERROR_HEAD_400: &str =
    "HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nConnection: keep-alive";
pub const JSON_ERROR_HEAD_529: &str = "HTTP/1.1 529 \r\nDate: Mon, 10 Mar 2025 01:25:52 GMT\r\nContent-Type: application/json\r\nConnection: keep-alive\r\nrequest-id: req_011CU2xYz\r\nx-should-retry: true\r\nServer: cloudflare";

/// Azure OpenAI: a first chunk with no choices and the prompt filter results
/// (empty model), then content chunks carrying content filter results.
pub const AZURE_HEAD: &str = "HTTP/1.1 200 OK\r\n\
Transfer-Encoding: chunked\r\n\
Content-Type: text/event-stream; charset=utf-8\r\n\
apim-request-id: 7d0c9b3a-8f7e-4c1d-9a2b-3c4d5e6f7a8b\r\n\
Strict-Transport-Security: max-age=31536000; includeSubDomains; preload\r\n\
x-content-type-options: nosniff\r\n\
x-ms-region: Sweden Central\r\n\
x-ratelimit-remaining-requests: 99\r\n\
x-ms-deployment-name: gpt-4o-mini\r\n\
Date: Mon, 10 Mar 2025 01:25:52 GMT";

pub const AZURE_BODY: &str = concat!(
    "data: {\"choices\":[],\"created\":0,\"id\":\"\",\"model\":\"\",\"object\":\"\",\"prompt_filter_results\":[{\"prompt_index\":0,\"content_filter_results\":{\"hate\":{\"filtered\":false,\"severity\":\"safe\"},\"self_harm\":{\"filtered\":false,\"severity\":\"safe\"},\"sexual\":{\"filtered\":false,\"severity\":\"safe\"},\"violence\":{\"filtered\":false,\"severity\":\"safe\"}}}]}\n\n",
    "data: {\"choices\":[{\"content_filter_results\":{},\"delta\":{\"content\":\"\",\"refusal\":null,\"role\":\"assistant\"},\"finish_reason\":null,\"index\":0,\"logprobs\":null}],\"created\":1741569952,\"id\":\"chatcmpl-B9MC0ZpUEYp0mTbbc6VcHhCy8FbSt\",\"model\":\"gpt-4o-mini-2024-07-18\",\"object\":\"chat.completion.chunk\",\"system_fingerprint\":\"fp_b705f0c291\"}\n\n",
    "data: {\"choices\":[{\"content_filter_results\":{\"hate\":{\"filtered\":false,\"severity\":\"safe\"},\"self_harm\":{\"filtered\":false,\"severity\":\"safe\"},\"sexual\":{\"filtered\":false,\"severity\":\"safe\"},\"violence\":{\"filtered\":false,\"severity\":\"safe\"}},\"delta\":{\"content\":\"That sounds really heavy.\"},\"finish_reason\":null,\"index\":0,\"logprobs\":null}],\"created\":1741569952,\"id\":\"chatcmpl-B9MC0ZpUEYp0mTbbc6VcHhCy8FbSt\",\"model\":\"gpt-4o-mini-2024-07-18\",\"object\":\"chat.completion.chunk\",\"system_fingerprint\":\"fp_b705f0c291\"}\n\n",
    "data: {\"choices\":[{\"content_filter_results\":{\"hate\":{\"filtered\":false,\"severity\":\"safe\"},\"self_harm\":{\"filtered\":false,\"severity\":\"safe\"},\"sexual\":{\"filtered\":false,\"severity\":\"safe\"},\"violence\":{\"filtered\":false,\"severity\":\"safe\"}},\"delta\":{\"content\":\" I’m here with you — would you like to tell me more? 🌱\"},\"finish_reason\":null,\"index\":0,\"logprobs\":null}],\"created\":1741569952,\"id\":\"chatcmpl-B9MC0ZpUEYp0mTbbc6VcHhCy8FbSt\",\"model\":\"gpt-4o-mini-2024-07-18\",\"object\":\"chat.completion.chunk\",\"system_fingerprint\":\"fp_b705f0c291\"}\n\n",
    "data: {\"choices\":[{\"content_filter_results\":{},\"delta\":{},\"finish_reason\":\"stop\",\"index\":0,\"logprobs\":null}],\"created\":1741569952,\"id\":\"chatcmpl-B9MC0ZpUEYp0mTbbc6VcHhCy8FbSt\",\"model\":\"gpt-4o-mini-2024-07-18\",\"object\":\"chat.completion.chunk\",\"system_fingerprint\":\"fp_b705f0c291\"}\n\n",
    "data: [DONE]\n\n",
);

/// Ollama's OpenAI-compatible endpoint (`/v1/chat/completions`).
pub const OLLAMA_HEAD: &str = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nDate: Mon, 10 Mar 2025 01:25:52 GMT\r\nTransfer-Encoding: chunked";

pub const OLLAMA_BODY: &str = concat!(
    "data: {\"id\":\"chatcmpl-912\",\"object\":\"chat.completion.chunk\",\"created\":1741569952,\"model\":\"llama3.2\",\"system_fingerprint\":\"fp_ollama\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"That\"},\"finish_reason\":null}]}\n\n",
    "data: {\"id\":\"chatcmpl-912\",\"object\":\"chat.completion.chunk\",\"created\":1741569952,\"model\":\"llama3.2\",\"system_fingerprint\":\"fp_ollama\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\" sounds really heavy. I’m here with you\"},\"finish_reason\":null}]}\n\n",
    "data: {\"id\":\"chatcmpl-912\",\"object\":\"chat.completion.chunk\",\"created\":1741569952,\"model\":\"llama3.2\",\"system_fingerprint\":\"fp_ollama\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\" — would you like to tell me more? 🌱\"},\"finish_reason\":null}]}\n\n",
    "data: {\"id\":\"chatcmpl-912\",\"object\":\"chat.completion.chunk\",\"created\":1741569952,\"model\":\"llama3.2\",\"system_fingerprint\":\"fp_ollama\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"finish_reason\":\"stop\"}]}\n\n",
    "data: [DONE]\n\n",
);

/// vLLM's OpenAI-compatible server (uvicorn).
pub const VLLM_HEAD: &str = "HTTP/1.1 200 OK\r\ndate: Mon, 10 Mar 2025 01:25:52 GMT\r\nserver: uvicorn\r\ncontent-type: text/event-stream; charset=utf-8\r\ntransfer-encoding: chunked";

pub const VLLM_BODY: &str = concat!(
    "data: {\"id\":\"chatcmpl-3f6c1a9e2b7d4c8e\",\"object\":\"chat.completion.chunk\",\"created\":1741569952,\"model\":\"meta-llama/Llama-3.1-8B-Instruct\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"logprobs\":null,\"finish_reason\":null}]}\n\n",
    "data: {\"id\":\"chatcmpl-3f6c1a9e2b7d4c8e\",\"object\":\"chat.completion.chunk\",\"created\":1741569952,\"model\":\"meta-llama/Llama-3.1-8B-Instruct\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"That sounds really heavy.\"},\"logprobs\":null,\"finish_reason\":null}]}\n\n",
    "data: {\"id\":\"chatcmpl-3f6c1a9e2b7d4c8e\",\"object\":\"chat.completion.chunk\",\"created\":1741569952,\"model\":\"meta-llama/Llama-3.1-8B-Instruct\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\" I’m here with you — would you like to tell me more? 🌱\"},\"logprobs\":null,\"finish_reason\":null}]}\n\n",
    "data: {\"id\":\"chatcmpl-3f6c1a9e2b7d4c8e\",\"object\":\"chat.completion.chunk\",\"created\":1741569952,\"model\":\"meta-llama/Llama-3.1-8B-Instruct\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"\"},\"logprobs\":null,\"finish_reason\":\"length\",\"stop_reason\":null}]}\n\n",
    "data: [DONE]\n\n",
);

/// The llama.cpp server (`llama-server`), with its `timings` on the last chunk.
pub const LLAMACPP_HEAD: &str = "HTTP/1.1 200 OK\r\nKeep-Alive: timeout=5, max=100\r\nServer: llama.cpp\r\nAccess-Control-Allow-Origin: \r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked";

pub const LLAMACPP_BODY: &str = concat!(
    "data: {\"choices\":[{\"finish_reason\":null,\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":null}}],\"created\":1741569952,\"id\":\"chatcmpl-Vx3kQ9mZ2\",\"model\":\"gpt-3.5-turbo\",\"system_fingerprint\":\"b4589-1a24c46\",\"object\":\"chat.completion.chunk\"}\n\n",
    "data: {\"choices\":[{\"finish_reason\":null,\"index\":0,\"delta\":{\"content\":\"That sounds really heavy. I’m here with you\"}}],\"created\":1741569952,\"id\":\"chatcmpl-Vx3kQ9mZ2\",\"model\":\"gpt-3.5-turbo\",\"system_fingerprint\":\"b4589-1a24c46\",\"object\":\"chat.completion.chunk\"}\n\n",
    "data: {\"choices\":[{\"finish_reason\":null,\"index\":0,\"delta\":{\"content\":\" — would you like to tell me more? 🌱\"}}],\"created\":1741569952,\"id\":\"chatcmpl-Vx3kQ9mZ2\",\"model\":\"gpt-3.5-turbo\",\"system_fingerprint\":\"b4589-1a24c46\",\"object\":\"chat.completion.chunk\"}\n\n",
    "data: {\"choices\":[{\"finish_reason\":\"stop\",\"index\":0,\"delta\":{}}],\"created\":1741569952,\"id\":\"chatcmpl-Vx3kQ9mZ2\",\"model\":\"gpt-3.5-turbo\",\"system_fingerprint\":\"b4589-1a24c46\",\"object\":\"chat.completion.chunk\",\"usage\":{\"completion_tokens\":24,\"prompt_tokens\":58,\"total_tokens\":82},\"timings\":{\"prompt_n\":58,\"prompt_ms\":41.2,\"predicted_n\":24,\"predicted_ms\":310.7}}\n\n",
    "data: [DONE]\n\n",
);

/// An OpenAI-compatible gateway that writes CRLF line endings, keep-alive
/// comments, and splits one event's JSON over several `data:` lines (which
/// the event-stream format joins with newlines).
pub const GATEWAY_HEAD: &str = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\nX-Accel-Buffering: no\r\nTransfer-Encoding: chunked";

pub const GATEWAY_BODY: &str = concat!(
    ": keep-alive\r\n\r\n",
    ": PROCESSING\r\n\r\n",
    "data: {\"id\":\"gen-1741569952-abc\",\"object\":\"chat.completion.chunk\",\"created\":1741569952,\r\n",
    "data: \"model\":\"openai/gpt-4o-mini\",\r\n",
    "data: \"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"That sounds really heavy.\"},\"finish_reason\":null}]}\r\n\r\n",
    ": keep-alive\r\n\r\n",
    "data:{\"id\":\"gen-1741569952-abc\",\"object\":\"chat.completion.chunk\",\"created\":1741569952,\"model\":\"openai/gpt-4o-mini\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\" I’m here with you — would you like to tell me more? 🌱\"},\"finish_reason\":null}]}\r\n\r\n",
    "data: {\"id\":\"gen-1741569952-abc\",\"object\":\"chat.completion.chunk\",\"created\":1741569952,\"model\":\"openai/gpt-4o-mini\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"\"},\"finish_reason\":\"stop\"}]}\r\n\r\n",
    "data: [DONE]\r\n\r\n",
);

/// An error object sent inside an OpenAI stream after some text.
pub const OPENAI_ERROR_EVENT: &str = "data: {\"error\":{\"message\":\"The server had an error while processing your request. Sorry about that!\",\"type\":\"server_error\",\"param\":null,\"code\":null}}\n\n";

pub const ANTHROPIC_HEAD: &str = "HTTP/1.1 200 OK\r\n\
Date: Mon, 10 Mar 2025 01:25:52 GMT\r\n\
Content-Type: text/event-stream; charset=utf-8\r\n\
Transfer-Encoding: chunked\r\n\
Connection: keep-alive\r\n\
Cache-Control: no-cache\r\n\
anthropic-ratelimit-requests-limit: 50\r\n\
anthropic-ratelimit-requests-remaining: 49\r\n\
anthropic-ratelimit-requests-reset: 2025-03-10T01:25:53Z\r\n\
request-id: req_011CU2xYzAbCdEfGhIjKlMnO\r\n\
anthropic-organization-id: 3f2a9c1e-5b7d-4e8f-a1b2-c3d4e5f6a7b8\r\n\
via: 1.1 google\r\n\
cf-cache-status: DYNAMIC\r\n\
X-Robots-Tag: none\r\n\
Server: cloudflare\r\n\
CF-RAY: 91e2a1b2c3d4e5f7-AMS";

/// Anthropic's Messages stream, full event sequence.
pub const ANTHROPIC_BODY: &str = concat!(
    "event: message_start\n",
    "data: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_01XFDUDYJgAACzvnptvVoYEL\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"claude-sonnet-4-5-20250929\",\"content\":[],\"stop_reason\":null,\"stop_sequence\":null,\"usage\":{\"input_tokens\":472,\"cache_creation_input_tokens\":0,\"cache_read_input_tokens\":0,\"output_tokens\":2,\"service_tier\":\"standard\"}}}\n\n",
    "event: content_block_start\n",
    "data: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n",
    "event: ping\n",
    "data: {\"type\": \"ping\"}\n\n",
    "event: content_block_delta\n",
    "data: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"That sounds really heavy.\"}}\n\n",
    "event: content_block_delta\n",
    "data: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\" I’m here with you\"}}\n\n",
    "event: content_block_delta\n",
    "data: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\" — would you like to tell me more? 🌱\"}}\n\n",
    "event: content_block_stop\n",
    "data: {\"type\":\"content_block_stop\",\"index\":0}\n\n",
    "event: message_delta\n",
    "data: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\",\"stop_sequence\":null},\"usage\":{\"output_tokens\":31}}\n\n",
    "event: message_stop\n",
    "data: {\"type\":\"message_stop\"}\n\n",
);

/// Anthropic's mid-stream error event.
pub const ANTHROPIC_OVERLOADED_EVENT: &str = "event: error\ndata: {\"type\": \"error\", \"error\": {\"type\": \"overloaded_error\", \"message\": \"Overloaded\"}}\n\n";

pub const ANTHROPIC_401: &str = "{\"type\":\"error\",\"error\":{\"type\":\"authentication_error\",\"message\":\"invalid x-api-key\"},\"request_id\":\"req_011CU2xYzAbCdEfGhIjKlMnP\"}";
pub const ANTHROPIC_429: &str = "{\"type\":\"error\",\"error\":{\"type\":\"rate_limit_error\",\"message\":\"This request would exceed the rate limit for your organization of 50 requests per minute.\"},\"request_id\":\"req_011CU2xYzAbCdEfGhIjKlMnQ\"}";
pub const ANTHROPIC_500: &str = "{\"type\":\"error\",\"error\":{\"type\":\"api_error\",\"message\":\"Internal server error\"},\"request_id\":\"req_011CU2xYzAbCdEfGhIjKlMnR\"}";
pub const ANTHROPIC_529: &str = "{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"},\"request_id\":\"req_011CU2xYzAbCdEfGhIjKlMnS\"}";

/// The body up to (not including) the `n`th event, counting from 0.
pub fn first_events(body: &str, n: usize) -> String {
    body.split_inclusive("\n\n").take(n).collect()
}
