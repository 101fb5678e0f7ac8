//! The labelled dev set (`data/devset.jsonl`) run through the real assessor:
//! precision and recall per level, per group and for the binary "crisis"
//! (high or above), per-message timing, and the product targets asserted.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::time::Instant;

use rebloom_safety::{Assessor, RiskLevel, Speaker, Turn};
use serde::Deserialize;

#[derive(Deserialize)]
struct Item {
    id: String,
    lang: String,
    group: String,
    text: String,
    expected: String,
    #[serde(default)]
    history: Vec<String>,
}

const DEVSET: &str = include_str!("../data/devset.jsonl");
const LEVELS: [RiskLevel; 5] = [
    RiskLevel::None,
    RiskLevel::Low,
    RiskLevel::Moderate,
    RiskLevel::High,
    RiskLevel::Critical,
];

fn pct(num: usize, den: usize) -> String {
    if den == 0 {
        "   -  ".to_owned()
    } else {
        format!("{:5.1}%", 100.0 * num as f64 / den as f64)
    }
}

fn load() -> Vec<Item> {
    DEVSET
        .lines()
        .filter(|l| !l.trim().is_empty())
        .enumerate()
        .map(|(n, l)| {
            serde_json::from_str(l).unwrap_or_else(|e| panic!("devset line {}: {e}", n + 1))
        })
        .collect()
}

#[test]
fn devset_meets_product_targets() {
    let items = load();
    assert!(items.len() >= 320, "dev set has {} messages", items.len());
    let assessor = Assessor::new().unwrap();

    // Assess everything, timing each message.
    let mut got = Vec::with_capacity(items.len());
    let mut micros = Vec::with_capacity(items.len());
    for it in &items {
        let expected = RiskLevel::parse(&it.expected)
            .unwrap_or_else(|| panic!("{}: bad level {}", it.id, it.expected));
        let turns: Vec<Turn<'_>> = it
            .history
            .iter()
            .map(|t| Turn {
                speaker: Speaker::Person,
                text: t,
            })
            .collect();
        let start = Instant::now();
        let a = assessor.assess(&turns, &it.text);
        micros.push(start.elapsed().as_secs_f64() * 1e6);
        got.push((expected, a.level));
    }

    // Composition.
    let mut langs: BTreeMap<&str, usize> = BTreeMap::new();
    for it in &items {
        *langs.entry(it.lang.as_str()).or_default() += 1;
    }
    eprintln!("\ndev set: {} messages, by language {langs:?}", items.len());

    // Per level, each level a class.
    eprintln!(
        "\n{:<10} {:>5} {:>5} {:>9} {:>9}",
        "level", "gold", "pred", "precision", "recall"
    );
    for lv in LEVELS {
        let tp = got.iter().filter(|(e, g)| *e == lv && *g == lv).count();
        let gold = got.iter().filter(|(e, _)| *e == lv).count();
        let pred = got.iter().filter(|(_, g)| *g == lv).count();
        eprintln!(
            "{:<10} {gold:>5} {pred:>5} {:>9} {:>9}",
            lv.as_str(),
            pct(tp, pred),
            pct(tp, gold)
        );
    }
    let tp = got
        .iter()
        .filter(|(e, g)| e.is_crisis() && g.is_crisis())
        .count();
    let gold = got.iter().filter(|(e, _)| e.is_crisis()).count();
    let pred = got.iter().filter(|(_, g)| g.is_crisis()).count();
    eprintln!(
        "{:<10} {gold:>5} {pred:>5} {:>9} {:>9}",
        "crisis",
        pct(tp, pred),
        pct(tp, gold)
    );
    let exact = got.iter().filter(|(e, g)| e == g).count();
    eprintln!("exact level agreement: {}", pct(exact, got.len()));

    // Per group: exact agreement, crisis precision/recall, false alarms (none/low → moderate+).
    eprintln!(
        "\n{:<18} {:>4} {:>7} {:>9} {:>9} {:>10}",
        "group", "n", "exact", "crisis P", "crisis R", "false alarm"
    );
    let mut groups: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, it) in items.iter().enumerate() {
        groups.entry(it.group.as_str()).or_default().push(i);
    }
    for (g, idx) in &groups {
        let sub: Vec<(RiskLevel, RiskLevel)> = idx.iter().map(|&i| got[i]).collect();
        let exact = sub.iter().filter(|(e, g)| e == g).count();
        let tp = sub
            .iter()
            .filter(|(e, g)| e.is_crisis() && g.is_crisis())
            .count();
        let gold = sub.iter().filter(|(e, _)| e.is_crisis()).count();
        let pred = sub.iter().filter(|(_, g)| g.is_crisis()).count();
        let calm = sub.iter().filter(|(e, _)| *e <= RiskLevel::Low).count();
        let fa = sub
            .iter()
            .filter(|(e, g)| *e <= RiskLevel::Low && *g >= RiskLevel::Moderate)
            .count();
        eprintln!(
            "{g:<18} {:>4} {:>7} {:>9} {:>9} {:>10}",
            sub.len(),
            pct(exact, sub.len()),
            pct(tp, pred),
            pct(tp, gold),
            pct(fa, calm)
        );
    }

    // Timing: the first pass (cold regex caches) and five more (warm).
    let mut warm = Vec::with_capacity(items.len() * 5);
    for _ in 0..5 {
        for it in &items {
            let turns: Vec<Turn<'_>> = it
                .history
                .iter()
                .map(|t| Turn {
                    speaker: Speaker::Person,
                    text: t,
                })
                .collect();
            let start = Instant::now();
            std::hint::black_box(assessor.assess(&turns, &it.text));
            warm.push(start.elapsed().as_secs_f64() * 1e6);
        }
    }
    for (name, mut sorted) in [("cold", micros), ("warm", warm)] {
        sorted.sort_by(f64::total_cmp);
        let q = |p: f64| sorted[((sorted.len() - 1) as f64 * p).round() as usize];
        eprintln!(
            "per message ({name}): p50 {:.1} µs, p99 {:.1} µs, max {:.1} µs",
            q(0.50),
            q(0.99),
            q(1.0)
        );
    }

    // Disagreements, for inspection.
    let mut missed_crisis = Vec::new();
    let mut missed_critical = Vec::new();
    let mut false_alarms = Vec::new();
    for (it, (e, g)) in items.iter().zip(&got) {
        if e != g {
            eprintln!(
                "  {:<12} expected {:<8} got {:<8} {}",
                it.id,
                e.as_str(),
                g.as_str(),
                it.text
            );
        }
        if e.is_crisis() && !g.is_crisis() {
            missed_crisis.push(it.id.as_str());
        }
        if *e == RiskLevel::Critical && *g != RiskLevel::Critical {
            missed_critical.push(it.id.as_str());
        }
        if *e <= RiskLevel::Low && *g >= RiskLevel::Moderate {
            false_alarms.push(it.id.as_str());
        }
    }
    let calm = got.iter().filter(|(e, _)| *e <= RiskLevel::Low).count();
    eprintln!(
        "\nfalse alarms (none/low assessed moderate+): {} of {calm} = {}",
        false_alarms.len(),
        pct(false_alarms.len(), calm)
    );

    // Product targets.
    assert!(
        missed_crisis.is_empty(),
        "crisis recall below 100%: {missed_crisis:?}"
    );
    assert!(
        missed_critical.is_empty(),
        "critical not critical: {missed_critical:?}"
    );
    assert!(
        false_alarms.len() * 20 <= calm,
        "false alarms above 5%: {false_alarms:?}"
    );
}
