//! Speed and accuracy of local Whisper on this machine:
//!
//! ```sh
//! cargo run --release -p rebloom-local --example stt_bench [runs]
//! ```
//!
//! Speaks the ten test sentences with espeak-ng (sox converts them to 16 kHz
//! mono), transcribes each `runs` times (default 3) after one warm-up, and
//! prints the real-time factor (processing time / audio duration; median
//! over every run), the word error rate on the set, and the same for the
//! beckett.wav clip. Needs the models (`scripts/models.sh`) and
//! `apt-get install -y espeak-ng sox`.

#![allow(clippy::print_stdout, clippy::unwrap_used, clippy::expect_used)]

#[path = "../tests/common/mod.rs"]
mod common;

use std::path::PathBuf;
use std::time::Instant;

use common::*;
use rebloom_local::whisper::LocalWhisper;

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    if n == 0 {
        return f64::NAN;
    }
    if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    }
}

struct Measured {
    rtf: Vec<f64>,
    transcripts: Vec<String>,
}

async fn measure(whisper: &LocalWhisper, files: &[PathBuf], runs: usize) -> Measured {
    let mut rtf = Vec::new();
    let mut transcripts = Vec::new();
    for file in files {
        let bytes = read(file);
        let duration = seconds(file);
        let mut text = String::new();
        for _ in 0..runs {
            let started = Instant::now();
            text = whisper.transcribe_bytes(bytes.clone(), None).await.unwrap();
            rtf.push(started.elapsed().as_secs_f64() / duration);
        }
        transcripts.push(text);
    }
    Measured { rtf, transcripts }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let runs: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(3);
    let started = Instant::now();
    let whisper = LocalWhisper::load(&whisper_dir()).unwrap();
    println!(
        "loaded {} in {:.2} s",
        whisper_dir().display(),
        started.elapsed().as_secs_f64()
    );

    let dir = scratch("bench");
    let set = espeak_set(&dir);
    let files: Vec<PathBuf> = set.iter().map(|(p, _)| p.clone()).collect();
    let audio: f64 = files.iter().map(|f| seconds(f)).sum();
    // Warm-up (first-use allocations), not counted.
    whisper
        .transcribe_bytes(read(&files[0]), None)
        .await
        .unwrap();

    let espeak = measure(&whisper, &files, runs).await;
    let pairs: Vec<(&str, &str)> = set
        .iter()
        .zip(&espeak.transcripts)
        .map(|((_, reference), heard)| (*reference, heard.as_str()))
        .collect();
    println!(
        "espeak set: {} sentences, {audio:.1} s of audio, {runs} runs each",
        files.len()
    );
    for (reference, heard) in &pairs {
        let w = wer(&[(reference, heard)]);
        println!("  {w:.2}  {heard}");
    }
    println!(
        "espeak set: RTF median {:.3} (min {:.3}, max {:.3}), WER {:.3}",
        median(espeak.rtf.clone()),
        espeak.rtf.iter().copied().fold(f64::INFINITY, f64::min),
        espeak.rtf.iter().copied().fold(0.0, f64::max),
        wer(&pairs)
    );

    let beckett = beckett();
    let b = measure(&whisper, std::slice::from_ref(&beckett), runs).await;
    let reference = "Ever tried. Ever failed. No matter. Try again. Fail again. Fail better.";
    let heard = b.transcripts.first().cloned().unwrap_or_default();
    println!(
        "beckett.wav ({:.1} s): RTF median {:.3}, WER {:.3}: {heard}",
        seconds(&beckett),
        median(b.rtf),
        wer(&[(reference, heard.as_str())])
    );
    let _ = std::fs::remove_dir_all(dir);
}
