//! Plumbing shared by the HTTP providers: building the client, sending a
//! streaming request, turning HTTP and transport failures into
//! [`ProviderError`]s, and driving a server-sent-events body through a
//! provider-specific [`Decoder`] into a [`ChunkStream`].
//!
//! Error messages that come back from a provider may quote the request (some
//! validation errors echo the input). [`Redactor`] withholds any message that
//! contains a piece of the conversation, so nothing a person wrote ends up in
//! an error, a log line or a metric.

use std::collections::VecDeque;
use std::time::Duration;

use eventsource_stream::{Event, EventStreamError, Eventsource};
use futures::{Stream, StreamExt};
use reqwest::header::{CONTENT_TYPE, HeaderMap};
use serde_json::Value;

use crate::{ChatRequest, Chunk, ChunkStream, Finish, ProviderError};

/// Longest provider error message we keep, in characters.
const MAX_MESSAGE_CHARS: usize = 300;
/// Most of an error body we read.
const MAX_ERROR_BODY: usize = 64 * 1024;
/// Length of the pieces of the conversation looked for in error messages.
const NEEDLE_CHARS: usize = 24;
/// Shorter texts than this are not looked for (too many false matches).
const MIN_NEEDLE_CHARS: usize = 4;

/// What replaces an error message that quoted the conversation.
pub(crate) const WITHHELD: &str = "(message withheld: it quoted the conversation)";

pub(crate) fn build_client(
    connect_timeout: Duration,
    headers: HeaderMap,
) -> Result<reqwest::Client, ProviderError> {
    reqwest::Client::builder()
        .user_agent(concat!("rebloom/", env!("CARGO_PKG_VERSION")))
        .default_headers(headers)
        .connect_timeout(connect_timeout)
        .tcp_nodelay(true)
        .build()
        .map_err(|e| ProviderError::NotConfigured(format!("HTTP client: {}", root_cause(&e))))
}

/// A header value that is never printed (API keys).
pub(crate) fn secret_header(
    name: &str,
    value: &str,
) -> Result<reqwest::header::HeaderValue, ProviderError> {
    let mut value = reqwest::header::HeaderValue::from_str(value)
        .map_err(|_| ProviderError::NotConfigured(format!("invalid value for header {name}")))?;
    value.set_sensitive(true);
    Ok(value)
}

pub(crate) fn header_name(name: &str) -> Result<reqwest::header::HeaderName, ProviderError> {
    reqwest::header::HeaderName::from_bytes(name.as_bytes())
        .map_err(|_| ProviderError::NotConfigured(format!("invalid header name {name:?}")))
}

/// `base` (without a trailing slash) followed by `path`, with `query` appended.
pub(crate) fn endpoint(
    base: &str,
    path: &str,
    query: &[(String, String)],
) -> Result<reqwest::Url, ProviderError> {
    let raw = format!("{}{}", base.trim_end_matches('/'), path);
    let mut url = reqwest::Url::parse(&raw)
        .map_err(|e| ProviderError::NotConfigured(format!("invalid base URL: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(ProviderError::NotConfigured(format!(
            "unsupported URL scheme {}",
            url.scheme()
        )));
    }
    if !query.is_empty() {
        let mut pairs = url.query_pairs_mut();
        for (k, v) in query {
            pairs.append_pair(k, v);
        }
    }
    Ok(url)
}

/// The innermost cause of an error, which is the useful part
/// (`Connection refused (os error 111)` rather than `error sending request`).
/// reqwest's own URL is stripped; nothing here carries request content.
pub(crate) fn root_cause(error: &(dyn std::error::Error + 'static)) -> String {
    let mut current = error;
    while let Some(next) = current.source() {
        current = next;
    }
    current.to_string()
}

fn reqwest_cause(error: reqwest::Error) -> String {
    root_cause(&error.without_url())
}

/// A failure while sending the request or waiting for the response head.
pub(crate) fn send_error(error: reqwest::Error) -> ProviderError {
    if error.is_builder() {
        ProviderError::NotConfigured(reqwest_cause(error))
    } else if error.is_timeout() {
        // The only timeout the client has is the connect timeout.
        ProviderError::Timeout("connect")
    } else {
        ProviderError::Connect(reqwest_cause(error))
    }
}

/// Sends a streaming request and checks the response: an HTTP error status
/// becomes [`ProviderError::Http`] with the provider's message (redacted), a
/// JSON body where a stream was expected becomes [`ProviderError::Protocol`].
pub(crate) async fn send(
    request: reqwest::RequestBuilder,
    redactor: &Redactor,
) -> Result<reqwest::Response, ProviderError> {
    let response = request.send().await.map_err(send_error)?;
    let status = response.status();
    if !status.is_success() {
        let body = read_limited(response).await;
        let message = error_message(&body, redactor)
            .unwrap_or_else(|| status.canonical_reason().unwrap_or("error").to_owned());
        tracing::debug!(
            status = status.as_u16(),
            "provider answered with an HTTP error"
        );
        return Err(ProviderError::Http {
            status: status.as_u16(),
            message,
        });
    }
    let is_json = response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim_start().starts_with("application/json"));
    if is_json {
        let body = read_limited(response).await;
        let message = match error_message(&body, redactor) {
            Some(m) => format!("expected an event stream, got an error: {m}"),
            None => "expected an event stream, got JSON".to_owned(),
        };
        return Err(ProviderError::Protocol(message));
    }
    Ok(response)
}

/// Up to [`MAX_ERROR_BODY`] bytes of the body; whatever arrived if it breaks off.
async fn read_limited(mut response: reqwest::Response) -> Vec<u8> {
    let mut body = Vec::new();
    while body.len() < MAX_ERROR_BODY {
        match response.chunk().await {
            Ok(Some(piece)) => body.extend_from_slice(&piece),
            Ok(None) | Err(_) => break,
        }
    }
    body.truncate(MAX_ERROR_BODY);
    body
}

/// The provider's own words from a JSON error body, in any of the shapes the
/// supported servers use:
/// - OpenAI, Azure, llama.cpp, newer vLLM: `{"error":{"message":…,"type":…,"code":…}}`
/// - Anthropic: `{"type":"error","error":{"type":…,"message":…}}`
/// - Ollama: `{"error":"…"}`
/// - older vLLM: `{"object":"error","message":…,"type":…}`
/// - FastAPI validation: `{"detail":"…"}` (a list of details is not repeated: it echoes the input)
///
/// Anything else (HTML from a proxy, plain text) gives `None`.
pub(crate) fn error_message(body: &[u8], redactor: &Redactor) -> Option<String> {
    let value: Value = serde_json::from_slice(body).ok()?;
    error_from_value(&value, redactor)
}

/// As [`error_message`], for an already parsed JSON value.
pub(crate) fn error_from_value(value: &Value, redactor: &Redactor) -> Option<String> {
    let text = |v: &Value| v.as_str().map(str::to_owned);
    let kind_of = |v: &Value| {
        text(&v["type"])
            .or_else(|| text(&v["code"]))
            .filter(|k| !k.is_empty())
    };
    let (kind, message) = match &value["error"] {
        Value::Object(_) => (kind_of(&value["error"]), text(&value["error"]["message"])),
        Value::String(s) => (None, Some(s.clone())),
        _ => match (&value["message"], &value["detail"]) {
            (Value::String(m), _) => (kind_of(value).filter(|k| k != "error"), Some(m.clone())),
            (_, Value::String(d)) => (None, Some(d.clone())),
            (_, Value::Array(_)) => (None, Some("the request was not valid".to_owned())),
            _ => return None,
        },
    };
    let message = message.map(|m| redactor.clean(&m));
    match (kind, message) {
        (Some(k), Some(m)) => Some(format!("{}: {m}", tidy(&k))),
        (None, Some(m)) => Some(m),
        (Some(k), None) => Some(tidy(&k)),
        (None, None) => None,
    }
}

/// One line, no control characters, at most [`MAX_MESSAGE_CHARS`] characters.
fn tidy(text: &str) -> String {
    let mut out = String::new();
    for (i, c) in text.trim().chars().enumerate() {
        if i == MAX_MESSAGE_CHARS {
            out.push('…');
            break;
        }
        out.push(if c.is_control() { ' ' } else { c });
    }
    out
}

/// Keeps the conversation out of error messages: any message containing a
/// piece of the system prompt or of a message is replaced by [`WITHHELD`].
///
/// Texts are cut into aligned pieces of [`NEEDLE_CHARS`] characters (plus the
/// last such piece), so any quote of 2 × [`NEEDLE_CHARS`] − 1 characters or
/// more is caught wherever it starts, and any quote of the start of a text.
/// Shorter texts are looked for whole.
#[derive(Debug, Default, Clone)]
pub(crate) struct Redactor {
    needles: Vec<String>,
}

impl Redactor {
    pub(crate) fn new(request: &ChatRequest) -> Redactor {
        let mut needles = Vec::new();
        let texts = std::iter::once(request.system.as_str())
            .chain(request.messages.iter().map(|m| m.content.as_str()));
        for text in texts {
            let chars: Vec<char> = text.trim().chars().collect();
            if chars.len() < MIN_NEEDLE_CHARS {
                continue;
            }
            if chars.len() <= NEEDLE_CHARS {
                needles.push(chars.iter().collect());
                continue;
            }
            for piece in chars.chunks_exact(NEEDLE_CHARS) {
                needles.push(piece.iter().collect());
            }
            needles.push(chars[chars.len() - NEEDLE_CHARS..].iter().collect());
        }
        needles.sort_unstable();
        needles.dedup();
        Redactor { needles }
    }

    /// The message, tidied, or [`WITHHELD`] if it quotes the conversation.
    pub(crate) fn clean(&self, message: &str) -> String {
        if self.needles.iter().any(|n| message.contains(n.as_str())) {
            WITHHELD.to_owned()
        } else {
            tidy(message)
        }
    }
}

/// Turns a provider's events into chunks.
pub(crate) trait Decoder: Send + 'static {
    /// Handles one event, pushing any chunks to `out`. Returns `Ok(true)` once
    /// it has pushed the final [`Chunk::Done`].
    fn event(&mut self, event: &Event, out: &mut Vec<Chunk>) -> Result<bool, ProviderError>;

    /// How the reply ended, if the provider has already said so (a finish or
    /// stop reason) but not yet sent its end-of-stream marker. If the stream
    /// ends, breaks or goes quiet for the grace period in this state, the
    /// reply is complete and this is its [`Chunk::Done`].
    fn finished(&self) -> Option<Finish>;
}

type Events =
    std::pin::Pin<Box<dyn Stream<Item = Result<Event, EventStreamError<reqwest::Error>>> + Send>>;

struct Drive<D> {
    events: Events,
    decoder: D,
    queue: VecDeque<Result<Chunk, ProviderError>>,
    ended: bool,
    grace: Duration,
}

/// Streams the response body as server-sent events through `decoder`. The
/// stream yields exactly one [`Chunk::Done`] or one error, and nothing after it.
pub(crate) fn drive<D: Decoder>(
    response: reqwest::Response,
    decoder: D,
    grace: Duration,
) -> ChunkStream {
    drive_events(
        Box::pin(response.bytes_stream().eventsource()),
        decoder,
        grace,
    )
}

fn drive_events<D: Decoder>(events: Events, decoder: D, grace: Duration) -> ChunkStream {
    let state = Drive {
        events,
        decoder,
        queue: VecDeque::new(),
        ended: false,
        grace,
    };
    Box::pin(futures::stream::unfold(state, |mut st| async move {
        loop {
            if let Some(item) = st.queue.pop_front() {
                return Some((item, st));
            }
            if st.ended {
                return None;
            }
            let next = if st.decoder.finished().is_some() {
                // Only the end-of-stream marker is missing: don't wait long for it.
                tokio::time::timeout(st.grace, st.events.next())
                    .await
                    .unwrap_or(None)
            } else {
                st.events.next().await
            };
            match next {
                Some(Ok(event)) => {
                    let mut out = Vec::new();
                    let result = st.decoder.event(&event, &mut out);
                    st.queue.extend(out.into_iter().map(Ok));
                    match result {
                        Ok(false) => {}
                        Ok(true) => st.ended = true,
                        Err(e) => {
                            st.queue.push_back(Err(e));
                            st.ended = true;
                        }
                    }
                }
                Some(Err(e)) => {
                    st.ended = true;
                    st.queue.push_back(match st.decoder.finished() {
                        Some(finish) => Ok(Chunk::Done(finish)),
                        None => Err(event_stream_error(e)),
                    });
                }
                None => {
                    st.ended = true;
                    st.queue.push_back(match st.decoder.finished() {
                        Some(finish) => Ok(Chunk::Done(finish)),
                        None => Err(ProviderError::Stream(
                            "the response ended before the reply was complete".into(),
                        )),
                    });
                }
            }
        }
    }))
}

fn event_stream_error(error: EventStreamError<reqwest::Error>) -> ProviderError {
    match error {
        EventStreamError::Transport(e) => ProviderError::Stream(reqwest_cause(e)),
        EventStreamError::Utf8(_) => {
            ProviderError::Protocol("the event stream was not UTF-8".into())
        }
        EventStreamError::Parser(_) => ProviderError::Protocol("malformed event stream".into()),
    }
}

/// The event's data as JSON. Data that isn't JSON is a protocol error; its
/// text is not repeated (it may hold reply text).
pub(crate) fn json_data(event: &Event) -> Result<Value, ProviderError> {
    serde_json::from_str(&event.data).map_err(|_| {
        ProviderError::Protocol(format!("an {:?} event's data was not JSON", event.event))
    })
}

#[cfg(test)]
pub(crate) mod testing {
    //! Feeding raw bytes, split anywhere, through the SSE parser and a decoder.

    use super::*;

    /// Everything the decoder yields for `wire` delivered in `pieces`-byte
    /// pieces (the whole thing at once for 0), ending with the stream's end.
    pub(crate) async fn decode<D: Decoder>(
        wire: &[u8],
        piece: usize,
        decoder: D,
    ) -> Vec<Result<Chunk, ProviderError>> {
        let pieces: Vec<Result<Vec<u8>, std::convert::Infallible>> = if piece == 0 {
            vec![Ok(wire.to_vec())]
        } else {
            wire.chunks(piece).map(|c| Ok(c.to_vec())).collect()
        };
        let events = futures::stream::iter(pieces).eventsource().map(|r| {
            r.map_err(|e| match e {
                EventStreamError::Utf8(u) => EventStreamError::Utf8(u),
                EventStreamError::Parser(p) => EventStreamError::Parser(p),
                EventStreamError::Transport(never) => match never {},
            })
        });
        drive_events(Box::pin(events), decoder, Duration::from_secs(5))
            .collect()
            .await
    }
}

#[cfg(test)]
mod tests;
