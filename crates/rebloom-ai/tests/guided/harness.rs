//! A conversation with the guided engine, as the server would hold it.

use std::sync::OnceLock;

use futures::StreamExt;
use rebloom_ai::guided::GuidedEngine;
use rebloom_ai::{ChatMessage, ChatProvider, ChatRequest, ChatRole, Chunk, Persona};
use serde_json::Value;

pub fn persona(language: &str, approach: Option<&str>, length: Option<&str>) -> Persona {
    Persona {
        display_name: None,
        approach: approach.map(str::to_string),
        language: language.to_string(),
        emotions: Vec::new(),
        reply_length: length.map(str::to_string),
        answer: None,
    }
}

/// One engine for all conversations, as the server holds it.
pub fn engine() -> GuidedEngine {
    static ENGINE: OnceLock<GuidedEngine> = OnceLock::new();
    ENGINE
        .get_or_init(|| GuidedEngine::try_new().expect("the embedded content is valid"))
        .clone()
}

pub struct Convo {
    engine: GuidedEngine,
    pub persona: Persona,
    messages: Vec<ChatMessage>,
    pub state: Value,
    pub replies: Vec<String>,
}

impl Convo {
    pub fn new(persona: Persona) -> Convo {
        Convo {
            engine: engine(),
            persona,
            messages: Vec::new(),
            state: Value::Null,
            replies: Vec::new(),
        }
    }

    pub fn english() -> Convo {
        Convo::new(persona("en", None, None))
    }

    pub fn with_approach(approach: &str) -> Convo {
        Convo::new(persona("en", Some(approach), None))
    }

    /// Sends a message, checks the stream's shape, keeps the new state and
    /// returns the reply text.
    pub async fn send(&mut self, text: &str) -> String {
        self.messages.push(ChatMessage::new(ChatRole::User, text));
        let request = ChatRequest {
            system: String::new(),
            messages: self.messages.clone(),
            persona: self.persona.clone(),
            engine_state: self.state.clone(),
            max_tokens: 400,
            temperature: 0.7,
        };
        let mut stream = self
            .engine
            .stream(&request)
            .await
            .expect("the guided engine never fails");
        let mut deltas: Vec<String> = Vec::new();
        let mut state = None;
        let mut done = None;
        while let Some(chunk) = stream.next().await {
            match chunk.expect("no errors mid-stream") {
                Chunk::Delta(d) => {
                    assert!(state.is_none() && done.is_none(), "text after the state");
                    assert!(!d.is_empty(), "empty delta");
                    deltas.push(d);
                }
                Chunk::EngineState(s) => {
                    assert!(
                        state.is_none() && done.is_none(),
                        "a second state, or state after Done"
                    );
                    state = Some(s);
                }
                Chunk::Done(f) => {
                    assert!(done.is_none(), "two Done chunks");
                    done = Some(f);
                }
                Chunk::Reset => panic!("the guided engine never resets"),
            }
        }
        let finish = done.expect("the stream ends with Done");
        assert_eq!(
            (
                finish.provider.as_str(),
                finish.model.as_str(),
                finish.reason.as_str()
            ),
            ("guided", "guided-v1", "stop")
        );
        self.state = state.expect("an EngineState before Done");
        let reply = deltas.concat();
        assert!(!reply.trim().is_empty(), "empty reply to {text:?}");
        let sentences = reply.matches(['.', '?', '!']).count();
        assert!(
            deltas.len() >= 2 || sentences <= 1,
            "streamed in one piece: {reply}"
        );
        self.messages
            .push(ChatMessage::new(ChatRole::Assistant, reply.clone()));
        self.replies.push(reply.clone());
        reply
    }

    /// The exercise in progress, by id.
    pub fn exercise(&self) -> Option<String> {
        self.state
            .get("exercise")
            .and_then(|e| e.get("kind"))
            .and_then(Value::as_str)
            .map(str::to_string)
    }

    /// The step of the exercise in progress.
    pub fn step(&self) -> Option<String> {
        self.state
            .get("exercise")
            .and_then(|e| e.get("step"))
            .and_then(Value::as_str)
            .map(str::to_string)
    }

    /// The exercises offered in the last reply, if any.
    pub fn offered(&self) -> Vec<String> {
        self.state
            .get("offer")
            .and_then(|o| o.get("kinds"))
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|k| k.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Exercises finished in this session.
    pub fn completed(&self) -> Vec<String> {
        self.state
            .get("completed")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|k| k.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// Whether `text` contains any of `words` (case-insensitively).
pub fn has_any(text: &str, words: &[&str]) -> bool {
    let lower = text.to_lowercase();
    words.iter().any(|w| lower.contains(&w.to_lowercase()))
}
