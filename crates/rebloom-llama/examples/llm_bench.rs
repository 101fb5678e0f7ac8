//! Speed of the local model on a typical companion turn: model load time,
//! then, over several runs, time to first token and generation speed
//! (tokens per second after the first token), as medians.
//!
//! ```sh
//! cargo run --release -p rebloom-llama --example llm_bench -- [MODEL.gguf] [RUNS]
//! ```
//!
//! The model defaults to `models/SmolLM2-135M-Instruct/SmolLM2-135M-Instruct.Q4_1.gguf`
//! under the workspace root (or `$REBLOOM_MODELS_DIR`); runs default to 5.

#![allow(clippy::print_stdout)] // a command-line report

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use futures::StreamExt;
use rebloom_ai::{ChatMessage, ChatProvider, ChatRequest, ChatRole, Chunk, Persona};
use rebloom_llama::{LocalLlm, LocalLlmConfig};

const SYSTEM: &str = "You are Rebloom, a warm, careful mental-health companion. You are not \
a therapist and never diagnose. Listen, reflect the feelings you notice, validate them, and \
ask one open, gentle question at a time. Keep replies short (two to four sentences), plain \
and kind. If the person mentions wanting to harm themselves, encourage them to reach out to \
a crisis line or someone they trust right now. The person prefers to be called Sam and likes \
a CBT-informed approach.";

fn companion_request() -> ChatRequest {
    ChatRequest {
        system: SYSTEM.into(),
        messages: vec![
            ChatMessage::new(ChatRole::Assistant, "Hi Sam, how are you feeling today?"),
            ChatMessage::new(
                ChatRole::User,
                "Honestly not great. Work has been overwhelming and I can't switch off at night.",
            ),
            ChatMessage::new(
                ChatRole::Assistant,
                "That sounds exhausting, carrying work with you into the night. What tends to \
                 go through your mind when you're lying awake?",
            ),
            ChatMessage::new(
                ChatRole::User,
                "Mostly that I'm going to mess up the project and everyone will see I'm not good \
                 enough. I know it's probably not true but it feels true at 2am.",
            ),
        ],
        persona: Persona {
            display_name: Some("Sam".into()),
            approach: Some("cbt".into()),
            language: "en".into(),
            ..Persona::default()
        },
        max_tokens: 128,
        temperature: 0.7,
        ..ChatRequest::default()
    }
}

fn default_model() -> PathBuf {
    std::env::var_os("REBLOOM_MODELS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../models"))
        .join("SmolLM2-135M-Instruct/SmolLM2-135M-Instruct.Q4_1.gguf")
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    match values.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => values[n / 2],
        n => (values[n / 2 - 1] + values[n / 2]) / 2.0,
    }
}

struct Run {
    first_token: Duration,
    tokens: u64,
    after_first: Duration,
    reason: String,
    text: String,
}

async fn run_once(llm: &LocalLlm, request: &ChatRequest) -> Result<Run, String> {
    let before = llm.stats().generated_tokens;
    let started = Instant::now();
    let mut stream = llm.stream(request).await.map_err(|e| e.to_string())?;
    let mut first = None;
    let mut reason = String::new();
    let mut text = String::new();
    while let Some(item) = stream.next().await {
        match item.map_err(|e| e.to_string())? {
            Chunk::Delta(piece) => {
                first.get_or_insert_with(|| started.elapsed());
                text.push_str(&piece);
            }
            Chunk::Done(finish) => reason = finish.reason,
            Chunk::Reset | Chunk::EngineState(_) => {}
        }
    }
    let total = started.elapsed();
    let first_token = first.ok_or("no text was generated")?;
    Ok(Run {
        first_token,
        tokens: llm.stats().generated_tokens - before,
        after_first: total.saturating_sub(first_token),
        reason,
        text,
    })
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), String> {
    let mut args = std::env::args().skip(1);
    let model = args.next().map(PathBuf::from).unwrap_or_else(default_model);
    let runs: usize = match args.next() {
        Some(n) => n
            .parse()
            .map_err(|_| format!("runs must be a number, not {n}"))?,
        None => 5,
    };
    let config = LocalLlmConfig {
        seed: Some(42),
        ..LocalLlmConfig::new(&model)
    };
    let threads = config.threads;
    let started = Instant::now();
    let llm = LocalLlm::load(config).map_err(|e| e.to_string())?;
    let load = started.elapsed();
    println!(
        "model {} ({} threads, {}-token context): loaded in {} ms",
        llm.model(),
        threads,
        llm.context_tokens(),
        load.as_millis()
    );

    let request = companion_request();
    // Warm-up (pages the weights in); its reply is shown as a sanity check.
    let warm_up = run_once(&llm, &request).await?;
    println!(
        "warm-up reply ({}): {}",
        warm_up.reason,
        warm_up.text.trim()
    );
    let mut first_ms = Vec::new();
    let mut rates = Vec::new();
    for i in 0..runs {
        let run = run_once(&llm, &request).await?;
        // The first token's time counts prompt processing; the rate covers the rest.
        let rate = run.tokens.saturating_sub(1) as f64 / run.after_first.as_secs_f64();
        println!(
            "run {}: first token {:.0} ms, {} tokens ({}), {:.1} tokens/s",
            i + 1,
            run.first_token.as_secs_f64() * 1000.0,
            run.tokens,
            run.reason,
            rate
        );
        first_ms.push(run.first_token.as_secs_f64() * 1000.0);
        rates.push(rate);
    }
    println!(
        "median of {runs}: time to first token {:.0} ms, {:.1} tokens/s",
        median(&mut first_ms),
        median(&mut rates)
    );
    Ok(())
}
