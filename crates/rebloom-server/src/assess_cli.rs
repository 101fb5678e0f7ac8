//! `rebloom assess`: the safety assessment as a filter over JSON lines, for
//! evaluation. No database and no network; the layered assessment (rules and
//! the learned heads over the multilingual encoder from `REBLOOM_MODELS_DIR`,
//! default `./models`), or the rules alone, said on stderr, when the encoder's
//! model is missing.

use std::io::{BufRead, Write};

use rebloom_local::encoder::SafetyEncoder;
use rebloom_safety::{ReplyContext, Safety, Speaker, Turn};
use serde::Deserialize;
use serde_json::json;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Input {
    #[serde(default)]
    text: Option<String>,
    #[serde(default)]
    messages: Option<Vec<InputMessage>>,
    #[serde(default)]
    country: Option<String>,
    #[serde(default)]
    language: Option<String>,
    /// Anything the caller wants echoed back (an id, a label).
    #[serde(default)]
    id: Option<serde_json::Value>,
}

#[derive(Deserialize)]
struct InputMessage {
    role: String,
    content: String,
}

fn assess_line(safety: &Safety, encoder: Option<&SafetyEncoder>, line: &str) -> serde_json::Value {
    let input: Input = match serde_json::from_str(line) {
        Ok(i) => i,
        Err(e) => return json!({ "error": "invalid_input", "detail": e.to_string() }),
    };
    let (history, text): (Vec<Turn<'_>>, String) = match (&input.text, &input.messages) {
        (Some(t), None) => (Vec::new(), t.clone()),
        (None, Some(messages)) => {
            let Some(last) = messages.iter().rposition(|m| m.role == "user") else {
                return json!({ "error": "invalid_input", "detail": "no user message", "id": input.id });
            };
            let history = messages[..last]
                .iter()
                .map(|m| Turn {
                    speaker: if m.role == "user" {
                        Speaker::Person
                    } else {
                        Speaker::Companion
                    },
                    text: &m.content,
                })
                .collect();
            (history, messages[last].content.clone())
        }
        _ => {
            return json!({ "error": "invalid_input", "detail": "give exactly one of text or messages", "id": input.id });
        }
    };
    let session = crate::safety_eval::session_of(&safety.assessor, encoder, &history);
    let views = encoder.and_then(|e| e.views(&text).ok());
    let a = safety
        .assessor
        .assess_in(&session, &history, &text, views.as_deref());
    let mut out = json!({
        "level": a.level,
        "categories": a.categories,
        "evidence": a.evidence,
        "confidence": (f64::from(a.confidence) * 100.0).round() / 100.0,
    });
    if let Some(id) = input.id {
        out["id"] = id;
    }
    if a.level.is_crisis() {
        let ctx = ReplyContext {
            country: input.country.as_deref(),
            language: input.language.as_deref().unwrap_or("en"),
            resources_given: false,
            turn: 0,
        };
        let reply = safety.replies.crisis(&a, &safety.directory, &ctx);
        out["resources"] = json!(reply.resources);
        out["emergency"] = json!(reply.emergency);
    }
    out
}

/// Reads stdin to the end, writing one result line per non-empty input line.
pub fn run() -> anyhow::Result<()> {
    let safety = Safety::new()?;
    let models = std::env::var_os("REBLOOM_MODELS_DIR").map_or_else(
        || std::path::PathBuf::from("./models"),
        std::path::PathBuf::from,
    );
    let encoder = match SafetyEncoder::load(&models) {
        Ok(e) => Some(e),
        Err(e) => {
            eprintln!(
                "rebloom assess: crisis detection DEGRADED to the rules alone: {e} (run scripts/models.sh)"
            );
            None
        }
    };
    let stdin = std::io::stdin();
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    for line in stdin.lock().lines() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        let result = assess_line(&safety, encoder.as_ref(), &line);
        serde_json::to_writer(&mut out, &result)?;
        out.write_all(b"\n")?;
    }
    out.flush()?;
    Ok(())
}
