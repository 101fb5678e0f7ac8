//! Risk assessment of a person's message in the context of their conversation.
//! Deterministic rules (phrases and patterns in `data/patterns.json`) with
//! negation, idiom, humour and quotation handling, masked signals read against
//! the conversation, and risk that persists across turns.

use regex::{Regex, RegexSet};
use serde::{Deserialize, Serialize};

/// Risk levels, aligned with the C-SSRS screener.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RiskLevel {
    None,
    Low,
    Moderate,
    High,
    Critical,
}

impl RiskLevel {
    pub fn as_str(self) -> &'static str {
        match self {
            RiskLevel::None => "none",
            RiskLevel::Low => "low",
            RiskLevel::Moderate => "moderate",
            RiskLevel::High => "high",
            RiskLevel::Critical => "critical",
        }
    }

    pub fn parse(s: &str) -> Option<RiskLevel> {
        match s {
            "none" => Some(RiskLevel::None),
            "low" => Some(RiskLevel::Low),
            "moderate" => Some(RiskLevel::Moderate),
            "high" => Some(RiskLevel::High),
            "critical" => Some(RiskLevel::Critical),
            _ => None,
        }
    }

    fn down(self) -> RiskLevel {
        match self {
            RiskLevel::Critical => RiskLevel::High,
            RiskLevel::High => RiskLevel::Moderate,
            RiskLevel::Moderate => RiskLevel::Low,
            RiskLevel::Low | RiskLevel::None => RiskLevel::None,
        }
    }

    /// Whether the crisis protocol runs (event, resources, notification).
    pub fn is_crisis(self) -> bool {
        self >= RiskLevel::High
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    SuicidalIdeation,
    SelfHarm,
    ThirdPartyRisk,
    HarmToOthers,
    HarmFromOthers,
    MedicalEmergency,
    PsychosisOrMania,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
enum Kind {
    Explicit,
    Plan,
    Behaviour,
    Masked,
    Goodbye,
    Distress,
    Denial,
}

/// One signal that fired: which rule, what it means, how it was weighed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evidence {
    pub rule: String,
    pub category: Category,
    pub level: RiskLevel,
    /// Why the level differs from the rule's own, if it does.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Assessment {
    pub level: RiskLevel,
    pub categories: Vec<Category>,
    pub evidence: Vec<Evidence>,
    pub confidence: f32,
}

/// A previous turn of the conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Speaker {
    Person,
    Companion,
}

#[derive(Debug, Clone)]
pub struct Turn<'a> {
    pub speaker: Speaker,
    pub text: &'a str,
}

#[derive(Deserialize)]
struct RuleFile {
    rules: Vec<RuleDef>,
    idioms: Vec<String>,
    humour: String,
    quote: String,
    negators: String,
    /// Time markers that put a described behaviour in the past (lifetime, not recent).
    past: String,
}

#[derive(Deserialize)]
struct RuleDef {
    id: String,
    category: Category,
    kind: Kind,
    level: RiskLevel,
    pattern: String,
}

struct Rule {
    id: String,
    category: Category,
    kind: Kind,
    level: RiskLevel,
    regex: Regex,
}

/// The compiled rules. Build once ([`Assessor::new`]) and share.
pub struct Assessor {
    rules: Vec<Rule>,
    set: RegexSet,
    idioms: Vec<Regex>,
    humour: Regex,
    quote: Regex,
    negators: Regex,
    past: Regex,
}

const PATTERNS: &str = include_str!("../data/patterns.json");
/// How many earlier messages of the person are read for context.
const HISTORY_TURNS: usize = 12;

#[derive(Debug, thiserror::Error)]
pub enum RuleError {
    #[error("rule file: {0}")]
    File(#[from] serde_json::Error),
    #[error("rule {0}: {1}")]
    Pattern(String, regex::Error),
}

/// Lower-cases, folds apostrophes away (`don't` → `dont`), and collapses spaces.
pub fn normalize(text: &str) -> String {
    let lower = text.to_lowercase();
    let mut out = String::with_capacity(lower.len());
    let mut space = false;
    for c in lower.chars() {
        match c {
            '\'' | '’' | '‘' | '`' | '´' => {}
            c if c.is_whitespace() => {
                if !space && !out.is_empty() {
                    out.push(' ');
                }
                space = true;
                continue;
            }
            c => match fold(c) {
                Some(f) => out.push_str(f),
                None => out.push(c),
            },
        }
        space = false;
    }
    out.trim_end().to_owned()
}

/// Folds the diacritics of Latin letters (`é` → `e`, `ß` → `ss`) so one
/// pattern covers accented and unaccented spellings.
fn fold(c: char) -> Option<&'static str> {
    Some(match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' => "a",
        'ç' => "c",
        'è' | 'é' | 'ê' | 'ë' => "e",
        'ì' | 'í' | 'î' | 'ï' => "i",
        'ñ' => "n",
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' => "o",
        'ù' | 'ú' | 'û' | 'ü' => "u",
        'ý' | 'ÿ' => "y",
        'ß' => "ss",
        'œ' => "oe",
        'æ' => "ae",
        _ => return None,
    })
}

/// The words just before `end` in the same clause: where a negation governing
/// the statement would be ("I would never …", "je ne suis pas …").
fn clause_before(text: &str, end: usize) -> String {
    let before = &text[..end];
    let mut clause_start = before
        .rfind(['.', ',', ';', '!', '?', ':'])
        .map(|i| i + 1)
        .unwrap_or(0);
    if let Some(i) = before[clause_start..].rfind(" but ") {
        clause_start += i + 5;
    }
    let words: Vec<&str> = before[clause_start..].split_whitespace().collect();
    words[words.len().saturating_sub(3)..].join(" ")
}

/// Words after which a negator does not govern what follows: "no one
/// cares, I want to die", "I don't care anymore, I want to die".
const NOT_GOVERNING: &[&str] = &[
    "care",
    "know",
    "understand",
    "sure",
    "one",
    "body",
    "matter",
    "idea",
    "clue",
    "point",
    "reason",
    "way",
    "help",
    "think",
    "get",
    "deserve",
    "feel",
    "see",
    "have",
];

/// Whether a negator in `window` governs the statement right after it.
fn negated(negators: &Regex, window: &str) -> bool {
    negators.find_iter(window).any(|m| {
        let next = window[m.end()..].split_whitespace().next().unwrap_or("");
        !NOT_GOVERNING.contains(&next)
    })
}

impl Assessor {
    pub fn new() -> Result<Assessor, RuleError> {
        let file: RuleFile = serde_json::from_str(PATTERNS)?;
        let compile =
            |id: &str, p: &str| Regex::new(p).map_err(|e| RuleError::Pattern(id.to_owned(), e));
        let mut rules = Vec::with_capacity(file.rules.len());
        for r in file.rules {
            rules.push(Rule {
                regex: compile(&r.id, &r.pattern)?,
                id: r.id,
                category: r.category,
                kind: r.kind,
                level: r.level,
            });
        }
        let set = RegexSet::new(rules.iter().map(|r| r.regex.as_str()))
            .map_err(|e| RuleError::Pattern("set".into(), e))?;
        let idioms = file
            .idioms
            .iter()
            .map(|p| compile("idiom", p))
            .collect::<Result<_, _>>()?;
        Ok(Assessor {
            rules,
            set,
            idioms,
            humour: compile("humour", &file.humour)?,
            quote: compile("quote", &file.quote)?,
            negators: compile("negators", &file.negators)?,
            past: compile("past", &file.past)?,
        })
    }

    /// The signals in one message, before context.
    fn signals(&self, text: &str) -> Vec<(usize, RiskLevel, Option<String>)> {
        let idiom_spans: Vec<(usize, usize)> = self
            .idioms
            .iter()
            .flat_map(|r| r.find_iter(text).map(|m| (m.start(), m.end())))
            .collect();
        let mut out = Vec::new();
        for i in self.set.matches(text).iter() {
            let rule = &self.rules[i];
            let Some(m) = rule.regex.find(text) else {
                continue;
            };
            if idiom_spans
                .iter()
                .any(|&(s, e)| s < m.end() && m.start() < e)
            {
                continue;
            }
            let mut level = rule.level;
            let mut note = None;
            if matches!(rule.kind, Kind::Explicit | Kind::Plan)
                && rule.category != Category::HarmFromOthers
            {
                // "I would never kill myself": a negation just before the
                // statement, in the same clause.
                if negated(&self.negators, &clause_before(text, m.start())) {
                    level = RiskLevel::Low;
                    note = Some("negated".to_owned());
                }
            }
            out.push((i, level, note));
        }
        out
    }

    /// Assesses `message` given the conversation before it (oldest first).
    pub fn assess(&self, history: &[Turn<'_>], message: &str) -> Assessment {
        let text = normalize(message);
        let signals = self.signals(&text);
        let mut evidence: Vec<Evidence> = Vec::new();
        let mut level = RiskLevel::None;
        let has = |kind: Kind| signals.iter().any(|(i, _, _)| self.rules[*i].kind == kind);
        let denial = has(Kind::Denial);
        let distress_here = has(Kind::Distress);
        let explicit_here = signals.iter().any(|(i, l, _)| {
            matches!(
                self.rules[*i].kind,
                Kind::Explicit | Kind::Plan | Kind::Behaviour
            ) && *l >= RiskLevel::High
        });

        // Context: the person's recent messages.
        let earlier: Vec<String> = history
            .iter()
            .filter(|t| t.speaker == Speaker::Person)
            .rev()
            .take(HISTORY_TURNS)
            .map(|t| normalize(t.text))
            .collect();
        let mut prior = RiskLevel::None;
        let mut prior_distress = false;
        for t in &earlier {
            for (i, l, _) in self.signals(t) {
                let rule = &self.rules[i];
                if rule.kind == Kind::Distress {
                    prior_distress = true;
                }
                if rule.kind != Kind::Denial {
                    prior = prior.max(l);
                }
            }
        }

        let humour = self.humour.is_match(&text);
        let quoted = self.quote.is_match(&text) && !text.contains(" i ") && !text.starts_with("i ");
        for (i, rule_level, note) in &signals {
            let rule = &self.rules[*i];
            let mut l = *rule_level;
            let mut note = note.clone();
            let mut category = rule.category;
            match rule.kind {
                Kind::Masked => {
                    // Asking for heights, doses or means: a crisis right after distress or risk.
                    l = if prior >= RiskLevel::High || explicit_here {
                        RiskLevel::Critical
                    } else if distress_here || prior_distress || prior >= RiskLevel::Moderate {
                        RiskLevel::High
                    } else if quoted {
                        RiskLevel::Low
                    } else {
                        RiskLevel::Moderate
                    };
                    if l != rule.level {
                        note = Some("read against the conversation".into());
                    }
                }
                Kind::Goodbye
                    if distress_here || prior_distress || prior >= RiskLevel::Moderate =>
                {
                    l = RiskLevel::High;
                    note = Some("farewell after distress".into());
                }
                Kind::Explicit if humour && l == RiskLevel::High && prior < RiskLevel::High => {
                    // Dark humour gets a gentle, direct check-in rather than a hotline.
                    l = RiskLevel::Moderate;
                    note = Some("humour marker".into());
                }
                Kind::Explicit
                    if quoted
                        && l >= RiskLevel::High
                        && matches!(
                            rule.category,
                            Category::SuicidalIdeation | Category::SelfHarm
                        ) =>
                {
                    l = RiskLevel::Low;
                    note = Some("quoted or academic".into());
                }
                Kind::Distress if denial => l = l.min(RiskLevel::Low),
                // C-SSRS: recent behaviour is critical; a past attempt is lifetime
                // history, still a crisis to ask about, not an emergency now.
                Kind::Behaviour
                    if l == RiskLevel::Critical
                        && rule.id.starts_with("behaviour.")
                        && self.past.is_match(&text) =>
                {
                    l = RiskLevel::High;
                    category = Category::SuicidalIdeation;
                    note = Some("past behaviour".into());
                }
                _ => {}
            }
            level = level.max(l);
            evidence.push(Evidence {
                rule: rule.id.clone(),
                category,
                level: l,
                note,
            });
        }
        // An explicit plan with ideation anywhere in the recent conversation is critical.
        if level == RiskLevel::High
            && prior >= RiskLevel::High
            && signals
                .iter()
                .any(|(i, _, _)| self.rules[*i].kind == Kind::Plan)
        {
            level = RiskLevel::Critical;
        }
        // Risk raised earlier persists, one step lower, until the person says otherwise.
        if !denial && prior >= RiskLevel::High && level < prior.down() {
            level = prior.down();
            evidence.push(Evidence {
                rule: "context.persisting_risk".into(),
                category: Category::SuicidalIdeation,
                level,
                note: Some(format!("{} earlier in the conversation", prior.as_str())),
            });
        }
        let mut categories: Vec<Category> = evidence
            .iter()
            .filter(|e| e.level >= RiskLevel::Moderate)
            .map(|e| e.category)
            .collect();
        categories.sort();
        categories.dedup();
        let confidence = match level {
            RiskLevel::None => 0.8,
            _ if evidence
                .iter()
                .any(|e| e.level == level && e.note.is_none()) =>
            {
                0.9
            }
            _ => 0.7,
        };
        Assessment {
            level,
            categories,
            evidence,
            confidence,
        }
    }
}
