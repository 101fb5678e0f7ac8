//! The crisis assessment measured, and its learned heads trained.
//!
//! - `rebloom train safety`: embeds the corpus's train authors, trains the heads
//!   (fixed seed), tunes the thresholds on the dev split (a fifth of the train
//!   authors' messages, by id) and writes `crates/rebloom-safety/data/heads.json`.
//! - `rebloom eval safety`: the held-apart test authors and the public sets,
//!   through the whole layered assessment (and the rules alone, for the
//!   degraded mode), with the figures by language, category and spelling.
//!
//! The split is by author: `b1` and `f1` wrote the test messages and nothing
//! else, and no figure from them is used to choose anything.

use std::path::{Path, PathBuf};

use anyhow::Context;
use rebloom_local::encoder::SafetyEncoder;
use rebloom_safety::heads::Label;
use rebloom_safety::{Assessor, RiskLevel, SessionRisk, Speaker, Turn};
use serde::Deserialize;

mod measure;
mod train;
pub use measure::{run_eval, splice};
pub use train::run_train;

pub use rebloom_safety::heads::TEST_AUTHORS;

/// One labelled message of the corpus (`data/corpus/GUIDE.md`).
#[derive(Debug, Clone, Deserialize)]
pub struct Item {
    pub id: String,
    pub author: String,
    pub lang: String,
    #[serde(default)]
    pub history: Vec<String>,
    pub text: String,
    pub level: RiskLevel,
    pub category: Label,
}

/// Reads every `*.jsonl` file of the corpus.
pub fn load_corpus(dir: &Path) -> anyhow::Result<Vec<Item>> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("reading {}", dir.display()))?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "jsonl"))
        .collect();
    files.sort();
    let mut items = Vec::new();
    for f in files {
        let text = std::fs::read_to_string(&f)?;
        for (n, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let item: Item =
                serde_json::from_str(line).with_context(|| format!("{}:{}", f.display(), n + 1))?;
            items.push(item);
        }
    }
    Ok(items)
}

/// Which split a corpus item is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Split {
    Train,
    Dev,
    Test,
}

pub fn split_of(item: &Item) -> Split {
    if TEST_AUTHORS.contains(&item.author.as_str()) {
        Split::Test
    } else if fnv(&item.id).is_multiple_of(5) {
        Split::Dev
    } else {
        Split::Train
    }
}

fn fnv(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    })
}

fn turns(history: &[String]) -> Vec<Turn<'_>> {
    history
        .iter()
        .map(|t| Turn {
            speaker: Speaker::Person,
            text: t,
        })
        .collect()
}

/// The session's risk before the last message of a conversation whose
/// assessments were not kept: the person's earlier messages assessed in
/// turn, with the encoder when there is one.
pub fn session_of(
    assessor: &Assessor,
    encoder: Option<&SafetyEncoder>,
    history: &[Turn<'_>],
) -> SessionRisk {
    let views: Vec<Option<Vec<Vec<f32>>>> = history
        .iter()
        .map(|t| {
            (t.speaker == Speaker::Person)
                .then(|| encoder.and_then(|e| e.views(t.text).ok()))
                .flatten()
        })
        .collect();
    assessor.session_of(history, &views)
}

/// `n` of `of` as a percentage with the counts.
fn pct((n, of): (usize, usize)) -> String {
    if of == 0 {
        "–".to_owned()
    } else {
        format!("{:.1}% ({n}/{of})", 100.0 * n as f64 / of as f64)
    }
}
