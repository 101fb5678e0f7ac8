//! `rebloom eval safety`: the held-apart test authors and the public sets
//! scored through the layered assessment and the rules alone, and the
//! figures spliced into the document.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;
use std::time::Instant;

use anyhow::Context;
use rebloom_local::encoder::SafetyEncoder;
use rebloom_safety::heads::Label;
use rebloom_safety::variants::{KINDS, variant};
use rebloom_safety::{Assessor, RiskLevel, SessionRisk};
use serde::Deserialize;

use super::{Split, TEST_AUTHORS, fnv, load_corpus, pct, session_of, split_of, turns};

/// One assessed message, for the tables.
struct Scored {
    required: RiskLevel,
    assessed: RiskLevel,
    rules_only: RiskLevel,
    lang: String,
    category: String,
    variant: &'static str,
}

#[derive(Default)]
struct Tally {
    crisis: (usize, usize),
    critical: (usize, usize),
    benign: (usize, usize),
    exact: (usize, usize),
    rules_crisis: (usize, usize),
    rules_benign: (usize, usize),
}

impl Tally {
    fn add(&mut self, s: &Scored) {
        let hit = |t: &mut (usize, usize), ok: bool| {
            t.1 += 1;
            if ok {
                t.0 += 1;
            }
        };
        if s.required.is_crisis() {
            hit(&mut self.crisis, s.assessed.is_crisis());
            hit(&mut self.rules_crisis, s.rules_only.is_crisis());
        }
        if s.required == RiskLevel::Critical {
            hit(&mut self.critical, s.assessed == RiskLevel::Critical);
        }
        if s.required <= RiskLevel::Low {
            hit(&mut self.benign, s.assessed >= RiskLevel::Moderate);
            hit(&mut self.rules_benign, s.rules_only >= RiskLevel::Moderate);
        }
        hit(&mut self.exact, s.assessed == s.required);
    }

    fn row(&self, name: &str) -> String {
        format!(
            "| {name} | {} | {} | {} | {} | {} | {} |",
            pct(self.crisis),
            pct(self.critical),
            pct(self.benign),
            pct(self.exact),
            pct(self.rules_crisis),
            pct(self.rules_benign),
        )
    }
}

const TABLE_HEAD: &str = "| | crisis recall (high+ → high+) | critical recall | false alarms (none/low → moderate+) | exact level | rules alone: crisis recall | rules alone: false alarms |\n|---|---|---|---|---|---|---|";

fn table(title: &str, scored: &[Scored], key: impl Fn(&Scored) -> String) -> String {
    let mut groups: BTreeMap<String, Tally> = BTreeMap::new();
    let mut all = Tally::default();
    for s in scored {
        groups.entry(key(s)).or_default().add(s);
        all.add(s);
    }
    let mut md = format!("### {title}\n\n{TABLE_HEAD}\n");
    for (k, t) in &groups {
        md.push_str(&t.row(k));
        md.push('\n');
    }
    md.push_str(&all.row("**all**"));
    md.push_str("\n\n");
    md
}

/// A labelled message to assess, from the corpus or a public set.
struct Case {
    history: Vec<String>,
    text: String,
    level: RiskLevel,
    lang: String,
    category: String,
}

/// Assesses every case (and its spelling variants when `variants`), timing
/// the encoder and the assessment together.
fn score(
    encoder: &SafetyEncoder,
    assessor: &Assessor,
    cases: &[Case],
    variants: bool,
    times: &mut Vec<f64>,
) -> anyhow::Result<Vec<Scored>> {
    let mut out = Vec::new();
    for (n, c) in cases.iter().enumerate() {
        let kinds: &[&'static str] = if variants { &KINDS } else { &KINDS[..1] };
        for kind in kinds {
            let text = variant(kind, &c.text, n as u64);
            let history = turns(&c.history);
            // In the server the session's state is stored with each message;
            // here it is rebuilt from the history, outside the timing.
            let session = session_of(assessor, Some(encoder), &history);
            let started = Instant::now();
            let views = encoder.views(&text)?;
            let a = assessor.assess_in(&session, &history, &text, Some(&views));
            if *kind == "plain" {
                times.push(started.elapsed().as_secs_f64() * 1000.0);
            }
            let rules = assessor.assess(&history, &text);
            out.push(Scored {
                required: c.level,
                assessed: a.level,
                rules_only: rules.level,
                lang: c.lang.clone(),
                category: c.category.clone(),
                variant: kind,
            });
        }
    }
    Ok(out)
}

#[derive(Deserialize)]
struct PublicLabel {
    source: String,
    #[serde(rename = "ref")]
    reference: String,
    level: RiskLevel,
    category: Label,
    #[serde(default)]
    history: Vec<String>,
}

/// Reads the text a public label points at (`data/public-labels.jsonl`).
fn resolve(eval_dir: &Path, reference: &str) -> anyhow::Result<String> {
    let (file, path) = reference
        .split_once('#')
        .with_context(|| format!("bad ref {reference}"))?;
    let full = eval_dir.join(file);
    if file.ends_with(".tsv") {
        // "<row>:<column>[<k>]"
        let (row, rest) = path.split_once(':').context("tsv ref")?;
        let (column, k) = rest.split_once('[').context("tsv ref")?;
        let k: usize = k.trim_end_matches(']').parse()?;
        let row: usize = row.parse()?;
        let text = std::fs::read_to_string(&full)?;
        let mut lines = text.lines();
        let header: Vec<&str> = lines.next().context("empty tsv")?.split('\t').collect();
        let col = header
            .iter()
            .position(|h| h.trim() == column)
            .context("tsv column")?;
        let line = lines.nth(row).context("tsv row")?;
        let cell = line.split('\t').nth(col).context("tsv cell")?;
        let prompts: Vec<&str> = cell
            .split(';')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .collect();
        return prompts
            .get(k)
            .map(|s| s.trim_matches('"').to_owned())
            .context("tsv prompt");
    }
    let json: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&full)?)?;
    let mut v = &json;
    for step in path.split('.') {
        let (name, index) = match step.split_once('[') {
            Some((n, i)) => (n, Some(i.trim_end_matches(']').parse::<usize>()?)),
            None => (step, None),
        };
        if !name.is_empty() {
            v = v
                .get(name)
                .with_context(|| format!("{reference}: no {name}"))?;
        }
        if let Some(i) = index {
            v = v.get(i).with_context(|| format!("{reference}: no [{i}]"))?;
        }
    }
    let text = v
        .get("user_message")
        .or_else(|| v.get("content"))
        .or_else(|| v.get("message"))
        .unwrap_or(v);
    text.as_str()
        .map(str::to_owned)
        .with_context(|| format!("{reference}: not a message"))
}

fn public_cases(eval_dir: &Path, labels: &Path) -> anyhow::Result<Vec<(String, Case)>> {
    let mut out = Vec::new();
    for line in std::fs::read_to_string(labels)?.lines() {
        if line.trim().is_empty() {
            continue;
        }
        let l: PublicLabel = serde_json::from_str(line)?;
        let history = l
            .history
            .iter()
            .map(|r| resolve(eval_dir, r))
            .collect::<anyhow::Result<_>>()?;
        out.push((
            l.source.clone(),
            Case {
                history,
                text: resolve(eval_dir, &l.reference)?,
                level: l.level,
                lang: "en".into(),
                category: l.category.as_str().to_owned(),
            },
        ));
    }
    // XSTest: the safe prompts use crisis words in harmless senses.
    let xs = eval_dir.join("xstest/prompts.jsonl");
    for line in std::fs::read_to_string(&xs)
        .with_context(|| format!("reading {}", xs.display()))?
        .lines()
    {
        let v: serde_json::Value = serde_json::from_str(line)?;
        if v.get("label").and_then(|l| l.as_str()) == Some("safe") {
            out.push((
                "xstest (safe)".into(),
                Case {
                    history: Vec::new(),
                    text: v
                        .get("prompt")
                        .and_then(|p| p.as_str())
                        .unwrap_or_default()
                        .to_owned(),
                    level: RiskLevel::None,
                    lang: "en".into(),
                    category: v
                        .get("type")
                        .and_then(|t| t.as_str())
                        .unwrap_or("safe")
                        .to_owned(),
                },
            ));
        }
    }
    Ok(out)
}

/// Gaur et al. 2019, at user level: a user is at risk (Ideation, Behavior,
/// Attempt) or not (Supportive, Indicator); a user counts as reached when any
/// of their posts is assessed high or above. Only the users whose id hashes
/// to the evaluation half are read.
fn gaur(encoder: &SafetyEncoder, assessor: &Assessor, eval_dir: &Path) -> anyhow::Result<String> {
    #[derive(Deserialize)]
    struct Post {
        user: String,
        label: String,
        text: String,
    }
    let path = eval_dir.join("gaur-2019/posts.jsonl");
    let mut users: BTreeMap<String, (String, bool, bool)> = BTreeMap::new();
    for line in std::fs::read_to_string(&path)?.lines() {
        let p: Post = serde_json::from_str(line)?;
        if fnv(&p.user) % 2 == 1 {
            continue;
        }
        let views = encoder.views(&p.text)?;
        let learned = assessor
            .assess_in(&SessionRisk::default(), &[], &p.text, Some(&views))
            .level
            .is_crisis();
        let rules = assessor.assess(&[], &p.text).level.is_crisis();
        let e = users.entry(p.user).or_insert((p.label, false, false));
        e.1 |= learned;
        e.2 |= rules;
    }
    let mut md = String::from(
        "### Gaur et al. 2019 (Reddit, user-level C-SSRS labels)\n\nA user counts as reached when any of their posts is assessed high or above. Half of the users (by a hash of the id) are read.\n\n| label | users | reached (layered) | reached (rules alone) |\n|---|---|---|---|\n",
    );
    for label in ["Supportive", "Indicator", "Ideation", "Behavior", "Attempt"] {
        let of: Vec<_> = users.values().filter(|u| u.0 == label).collect();
        let _ = writeln!(
            md,
            "| {label} | {} | {} | {} |",
            of.len(),
            pct((of.iter().filter(|u| u.1).count(), of.len())),
            pct((of.iter().filter(|u| u.2).count(), of.len())),
        );
    }
    md.push('\n');
    Ok(md)
}

fn percentile(times: &mut [f64], p: f64) -> f64 {
    times.sort_by(f64::total_cmp);
    if times.is_empty() {
        return 0.0;
    }
    let k = ((times.len() as f64 - 1.0) * p).round() as usize;
    times[k]
}

/// `rebloom eval safety`: writes the report to `out` and returns it.
pub fn run_eval(
    corpus: &Path,
    labels: &Path,
    eval_dir: &Path,
    models: &Path,
    with_gaur: bool,
    dev: bool,
) -> anyhow::Result<String> {
    let wanted = if dev { Split::Dev } else { Split::Test };
    let cold = Instant::now();
    let encoder = SafetyEncoder::load(models).context("the encoder (run scripts/models.sh)")?;
    let assessor = Assessor::new()?;
    let first = encoder.views("hello")?;
    let _ = assessor.assess_in(&SessionRisk::default(), &[], "hello", Some(&first));
    let cold_ms = cold.elapsed().as_secs_f64() * 1000.0;

    let items = load_corpus(corpus)?;
    let test: Vec<Case> = items
        .iter()
        .filter(|i| split_of(i) == wanted)
        .map(|i| Case {
            history: i.history.clone(),
            text: i.text.clone(),
            level: i.level,
            lang: i.lang.clone(),
            category: i.category.as_str().to_owned(),
        })
        .collect();
    let mut times = Vec::new();
    let scored = score(&encoder, &assessor, &test, true, &mut times)?;
    let plain: Vec<Scored> = scored
        .iter()
        .filter(|s| s.variant == "plain")
        .map(|s| Scored {
            required: s.required,
            assessed: s.assessed,
            rules_only: s.rules_only,
            lang: s.lang.clone(),
            category: s.category.clone(),
            variant: s.variant,
        })
        .collect();
    let mut md = String::new();
    if dev {
        let _ = writeln!(md, "## Dev split ({} messages)\n", plain.len());
    } else {
        let _ = writeln!(
            md,
            "## Held-apart test split ({} messages by authors {:?}, never trained or tuned on)\n",
            plain.len(),
            TEST_AUTHORS
        );
    }
    md.push_str(&table("By language", &plain, |s| s.lang.clone()));
    md.push_str(&table("By category", &plain, |s| s.category.clone()));
    md.push_str(&table(
        "By spelling variant (every test message in each)",
        &scored,
        |s| s.variant.to_owned(),
    ));

    if dev {
        return Ok(md);
    }
    let public = public_cases(eval_dir, labels)?;
    let cases: Vec<Case> = public
        .iter()
        .map(|(_, c)| Case {
            history: c.history.clone(),
            text: c.text.clone(),
            level: c.level,
            lang: c.lang.clone(),
            category: c.category.clone(),
        })
        .collect();
    let mut public_times = Vec::new();
    let public_scored = score(&encoder, &assessor, &cases, false, &mut public_times)?;
    let sources: Vec<String> = public.iter().map(|(s, _)| s.clone()).collect();
    let with_source: Vec<Scored> = public_scored
        .into_iter()
        .zip(&sources)
        .map(|(s, src)| Scored {
            lang: src.clone(),
            ..s
        })
        .collect();
    md.push_str("## Public sets (labels in `crates/rebloom-safety/data/public-labels.jsonl`)\n\n");
    md.push_str(&table("By set", &with_source, |s| s.lang.clone()));
    if with_gaur {
        md.push_str(&gaur(&encoder, &assessor, eval_dir)?);
    }
    times.extend(public_times);
    let n = times.len();
    let p50 = percentile(&mut times, 0.5);
    let p99 = percentile(&mut times, 0.99);
    let _ = writeln!(
        md,
        "## Time per message\n\nEncoder and assessment together, {n} messages one at a time on this machine: p50 {p50:.1} ms, p99 {p99:.1} ms. Loading the models and assessing the first message: {cold_ms:.0} ms.\n"
    );
    Ok(md)
}

const BEGIN: &str = "<!-- figures: rebloom eval safety -->";
const END: &str = "<!-- end of figures -->";

/// `doc` with the part between the figure markers replaced by `figures` (the
/// markers and the figures are appended when the document has none).
pub fn splice(doc: &str, figures: &str) -> String {
    match (doc.find(BEGIN), doc.find(END)) {
        (Some(b), Some(e)) if b < e => format!(
            "{}{BEGIN}\n{figures}{END}{}",
            &doc[..b],
            &doc[e + END.len()..]
        ),
        _ => format!("{doc}\n{BEGIN}\n{figures}{END}\n"),
    }
}
