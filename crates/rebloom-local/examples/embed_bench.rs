//! Sentences per second of the local embedder at batch sizes 1, 8 and 32
//! (median of several runs). Run in release mode after `scripts/models.sh`:
//!
//! ```sh
//! cargo run --release -p rebloom-local --example embed_bench [MODEL_DIR] [RUNS] [uniform]
//! ```
//!
//! The texts are messages of mixed lengths (5 to 40 words), so a batch pads
//! its short texts to its longest; `uniform` uses one 12-word sentence
//! throughout, to see what batching gains without padding.

#![allow(clippy::print_stdout)]

use std::path::PathBuf;
use std::time::Instant;

use rebloom_ai::embed::Embedder;
use rebloom_local::embed::{LocalEmbedder, MODEL_DIR};

/// Messages of the lengths people write (5 to 40 words).
const SENTENCES: &[&str] = &[
    "I can't sleep because I'm worried about my exams.",
    "Today was actually a good day, I went for a walk with my sister.",
    "I feel like nobody at work notices how hard I try.",
    "My chest gets tight whenever I think about the presentation next week.",
    "Thank you, that breathing exercise really helped.",
    "I'm so angry at myself for snapping at my kids this morning.",
    "Since the breakup everything feels grey and I don't want to see anyone.",
    "I have three deadlines on Friday, my landlord wants the rent early, and my car broke down again, so I honestly don't know where to start.",
    "I miss my grandmother.",
    "Feeling a bit more hopeful after talking to my doctor.",
    "What if I fail and everyone finds out I was never good enough?",
    "I'm exhausted.",
    "We finally moved into the new flat and it feels like a fresh start.",
    "I keep replaying the argument in my head and can't let it go.",
    "Honestly I'm okay, just tired.",
    "My friends went out without me again and I saw the photos online.",
];

const TOTAL: usize = 64;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let dir = args.next().map(PathBuf::from).unwrap_or_else(|| {
        PathBuf::from(std::env::var("REBLOOM_MODELS_DIR").unwrap_or_else(|_| "models".into()))
            .join(MODEL_DIR)
    });
    let runs: usize = args
        .next()
        .map(|r| r.parse())
        .transpose()?
        .unwrap_or(5)
        .max(1);
    let uniform = args.next().is_some_and(|a| a == "uniform");
    let started = Instant::now();
    let embedder = LocalEmbedder::load(&dir)?;
    println!(
        "loaded {} from {} in {:.2} s",
        embedder.name(),
        dir.display(),
        started.elapsed().as_secs_f64()
    );
    let texts: Vec<String> = if uniform {
        vec![SENTENCES[2].to_owned(); TOTAL]
    } else {
        SENTENCES
            .iter()
            .cycle()
            .take(TOTAL)
            .map(|s| (*s).to_owned())
            .collect()
    };
    // Warm up (allocations, thread pool).
    embedder.embed(&texts[..8]).await?;
    for batch in [1usize, 8, 32] {
        let mut rates = Vec::with_capacity(runs);
        for _ in 0..runs {
            let t = Instant::now();
            for chunk in texts.chunks(batch) {
                embedder.embed(chunk).await?;
            }
            rates.push(TOTAL as f64 / t.elapsed().as_secs_f64());
        }
        rates.sort_by(f64::total_cmp);
        let median = rates[rates.len() / 2];
        println!(
            "batch {batch:>2}: {median:7.1} sentences/s (median of {runs} runs of {TOTAL}; min {:.1}, max {:.1})",
            rates[0],
            rates[rates.len() - 1]
        );
    }
    Ok(())
}
